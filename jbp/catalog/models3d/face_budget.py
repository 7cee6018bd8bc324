"""The face limit, and face counts read cheaply from file headers so that a mesh over the limit is
refused before it is parsed (a 5M-face STL would otherwise cost gigabytes on the way to a refusal).
"""

from __future__ import annotations

from pathlib import Path

from jbp.errors import Location

from .errors import ModelError
from .limits import ModelLimits
from .stl_header import inspect_stl

_HEADER_BYTES = 64 * 1024


def require_within_face_limit(faces: int, limits: ModelLimits, where: Location) -> None:
    """Refuse a model with more faces than ``limits.max_faces``, naming the limit."""
    if faces > limits.max_faces:
        raise ModelError(
            f"the model has {faces:,} faces, over the limit of {limits.max_faces:,} (max_faces)", where
        )


def declared_faces(path: Path, file_format: str) -> int | None:
    """Faces a file says it holds, from its header; None for formats without a cheap count.

    PLY and OFF count polygons, which may triangulate into more faces: a lower bound, and the
    loaded mesh is checked again.
    """
    if file_format == "stl":
        return inspect_stl(path).faces
    if file_format in ("ply", "off"):
        with path.open("rb") as stream:
            head = stream.read(_HEADER_BYTES)
        return _ply_faces(head) if file_format == "ply" else _off_faces(head)
    return None


def _ply_faces(head: bytes) -> int | None:
    for line in head.split(b"\n"):
        words = line.split()
        if words[:2] == [b"element", b"face"] and len(words) == 3 and words[2].isdigit():
            return int(words[2])
        if words[:1] == [b"end_header"]:
            break
    return None


def _off_faces(head: bytes) -> int | None:
    """OFF starts with ``OFF`` then ``vertices faces edges``, on the same line or the next one."""
    words: list[bytes] = []
    for line in head.split(b"\n"):
        words += line.split(b"#", 1)[0].split()
        if len(words) >= 3:
            break
    counts = words[1:3] if words and words[0].endswith(b"OFF") else []
    return int(counts[1]) if len(counts) == 2 and counts[1].isdigit() else None
