"""Checks on zip-based models (3MF, zipped glTF) and glTF file references, made before trimesh
opens anything: no name may point outside the model (path traversal, absolute or remote names)
and members may not expand past the limits (decompression bombs). The sizes a zip declares are
enough to judge expansion: Python's zipfile (which trimesh reads with) never yields more than a
member's declared size, so a header that understates it ends in a CRC error, not in a bomb.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote

from jbp.errors import Location
from jbp.zip_sizes import declared_excess

from .errors import ModelError
from .limits import ModelLimits


def check_archive(path: Path, limits: ModelLimits) -> None:
    """Refuse an archive with unsafe member names, too many members, or too much to expand."""
    where = Location(file=str(path))
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > limits.max_archive_members:
                raise ModelError(
                    f"archive holds {len(members):,} members, over the limit of "
                    f"{limits.max_archive_members:,} (max_archive_members)",
                    where,
                )
            for member in members:
                check_reference(member.filename, Location(file=str(path), value=member.filename))
                if member.flag_bits & 0x1:
                    raise ModelError(f"archive member {member.filename!r} is encrypted", where)
            _check_declared_sizes(members, limits, where)
            for member in members:
                if member.filename.lower().endswith(".gltf"):
                    check_gltf_references(archive.read(member), where)
    except (zipfile.BadZipFile, NotImplementedError, EOFError) as error:
        raise ModelError(f"corrupt or unsupported archive: {error}", where) from error


def check_reference(name: str, where: Location) -> None:
    """Refuse a member or referenced file name that is absolute, remote or climbs out with ``..``."""
    normalised = unquote(name).replace("\\", "/")
    if "\x00" in normalised:
        raise ModelError("file name contains a NUL byte", where)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", normalised):
        raise ModelError(f"refers to a remote file {name!r}; only files inside the model are read", where)
    if normalised.startswith("/") or re.match(r"^[a-zA-Z]:", normalised):
        raise ModelError(f"absolute file name {name!r} (path traversal)", where)
    if ".." in normalised.split("/"):
        raise ModelError(f"file name {name!r} climbs out of the model with '..' (path traversal)", where)


def check_gltf_references(document: bytes, where: Location) -> list[str]:
    """Check the buffer and image URIs of a glTF JSON document; return the external file names."""
    try:
        gltf = json.loads(document)
    except (ValueError, UnicodeDecodeError) as error:
        raise ModelError(f"glTF is not valid JSON: {error}", where) from error
    if not isinstance(gltf, dict):
        raise ModelError("glTF is not a JSON object", where)
    external = []
    for collection in ("buffers", "images"):
        for item in gltf.get(collection) or []:
            uri = item.get("uri") if isinstance(item, dict) else None
            if not isinstance(uri, str) or uri.startswith("data:"):
                continue
            check_reference(uri, Location(file=where.file, value=uri))
            external.append(unquote(uri))
    return external


def _check_declared_sizes(members: list[zipfile.ZipInfo], limits: ModelLimits, where: Location) -> None:
    excess = declared_excess(members, limits.max_uncompressed_bytes, limits.max_compression_ratio)
    if excess:
        raise ModelError(f"a decompression bomb? {excess.what} ({excess.limit})", where)


def check_gltf_file(path: Path, limits: ModelLimits) -> None:
    """Check a ``.gltf`` on disk: its references stay beside it and, with them, fit the size limit."""
    where = Location(file=str(path))
    total = path.stat().st_size
    for name in check_gltf_references(path.read_bytes(), where):
        referenced = path.parent / name
        if not referenced.is_file():
            raise ModelError(f"glTF refers to {name!r}, which is not beside it", where)
        total += referenced.stat().st_size
    if total > limits.max_file_bytes:
        raise ModelError(
            f"glTF and its files are {total:,} bytes, over the limit of {limits.max_file_bytes:,} "
            "(max_file_bytes)",
            where,
        )
