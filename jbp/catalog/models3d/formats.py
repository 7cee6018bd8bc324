"""Which model format a file holds, decided by its first bytes where the format has a signature
and by its extension where it has none (binary STL, OBJ)."""

from __future__ import annotations

import re
from pathlib import Path

from jbp.errors import Location

from .errors import ModelError

EXTENSIONS = {
    ".stl": "stl",
    ".obj": "obj",
    ".ply": "ply",
    ".off": "off",
    ".glb": "glb",
    ".gltf": "gltf",
    ".3mf": "3mf",
    ".zip": "zip",
    ".step": "step",
    ".stp": "step",
}

SIGNATURE_BYTES = 512


def detect_format(path: Path, head: bytes) -> str:
    """Name the format of ``path`` from ``head`` (its first bytes) and its extension."""
    extension_format = EXTENSIONS.get(path.suffix.lower())
    signature_format = _format_from_signature(head)
    if signature_format == "zip" and extension_format == "3mf":
        return "3mf"
    if signature_format:
        return signature_format
    if extension_format in ("glb", "3mf", "zip", "step", "ply"):
        # these always carry a signature; a file without one is something else under that name
        raise ModelError(f"not a {extension_format.upper()} file: its first bytes do not say so",
                         Location(file=str(path)))
    if extension_format:
        return extension_format
    raise ModelError(
        f"unknown 3D model format {path.suffix or '(no extension)'!r}; readable: "
        + ", ".join(sorted(set(EXTENSIONS))),
        Location(file=str(path)),
    )


def _format_from_signature(head: bytes) -> str | None:
    stripped = head.lstrip()
    if head.startswith(b"glTF"):
        return "glb"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if stripped.startswith(b"ISO-10303-21"):
        return "step"
    if head.startswith(b"ply"):
        return "ply"
    if re.match(rb"[CN]?OFF\s", stripped):
        return "off"
    return None
