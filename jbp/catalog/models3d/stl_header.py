"""Binary or ASCII STL, and how many faces it holds, read before any parsing.

A binary STL is an 80-byte header, a uint32 face count and 50 bytes per face, so its length is
exactly 84 + 50·n. A file that disagrees is truncated or lies about itself; left to trimesh it
would be re-tried as ASCII and fail obscurely. Some binary STLs start with "solid" too (the
header is free text), so that word alone does not make a file ASCII.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from jbp.errors import Location

from .errors import ModelError

_HEAD_BYTES = 1024
_CHUNK_BYTES = 8 * 1024 * 1024
_TEXT_BYTES = frozenset(range(32, 127)) | frozenset(b"\t\r\n\f\v")


@dataclass(frozen=True, slots=True)
class StlLayout:
    """How an STL file is encoded and how many triangles it holds."""

    encoding: Literal["binary", "ascii"]
    faces: int


def inspect_stl(path: Path) -> StlLayout:
    """Classify ``path`` as binary or ASCII STL and count its faces, or raise :class:`ModelError`."""
    where = Location(file=str(path))
    size = path.stat().st_size
    with path.open("rb") as stream:
        head = stream.read(_HEAD_BYTES)
    declared = struct.unpack_from("<I", head, 80)[0] if size >= 84 else None
    if declared is not None and size == 84 + 50 * declared:
        return StlLayout("binary", declared)
    if _looks_like_ascii(head):
        _require_endsolid(path, size, where)
        return StlLayout("ascii", _count_ascii_facets(path))
    if declared is None:
        raise ModelError(f"truncated STL: {size} bytes, a binary STL needs at least 84", where)
    raise ModelError(
        f"binary STL says {declared:,} faces but the file holds {(size - 84) // 50:,} "
        f"({size:,} bytes where {84 + 50 * declared:,} were due): truncated or corrupt",
        where,
    )


def _looks_like_ascii(head: bytes) -> bool:
    """ASCII STL starts with ``solid`` and, after the first line (the name, any encoding), is text."""
    if head.lstrip()[:5].lower() != b"solid":
        return False
    _, newline, rest = head.partition(b"\n")
    return bool(newline) and set(rest) <= _TEXT_BYTES


def _require_endsolid(path: Path, size: int, where: Location) -> None:
    with path.open("rb") as stream:
        stream.seek(max(0, size - _HEAD_BYTES))
        tail = stream.read()
    lines = tail.strip().splitlines()
    if not lines or not lines[-1].strip().lower().startswith(b"endsolid"):
        raise ModelError("truncated ASCII STL: it does not end with 'endsolid'", where)


def _count_ascii_facets(path: Path) -> int:
    """Count ``endfacet`` keywords chunk by chunk, keeping a few bytes across chunk boundaries."""
    keyword = b"endfacet"
    count, carry = 0, b""
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK_BYTES):
            window = carry + chunk.lower()
            count += window.count(keyword)
            carry = window[-(len(keyword) - 1):]
    return count
