"""Content-addressed files in the workspace's ``blobs/`` folder: ``blobs/ab/<sha256>.<ext>``.

A file is named by the SHA-256 of its bytes, so the same model delivered for ten SKUs is kept once and
a stored file can be checked against its name. Every file is written to a temporary name in the same
folder, flushed to disk, then renamed into place: a reader never sees half a file, and a crash leaves
at most a stray ``.tmp`` file, never a wrong blob. Previews are cached beside, keyed by (model, size).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from jbp.errors import Location

from .errors import ModelError

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK_BYTES = 1024 * 1024


class BlobStore:
    """The blob folder of one workspace."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str, ext: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError(f"not a SHA-256 digest: {sha256!r}")
        return self.root / sha256[:2] / f"{sha256}.{ext}"

    def preview_path(self, sha256: str, size: int) -> Path:
        return self.root / "previews" / sha256[:2] / f"{sha256}-{size}.png"

    def put_file(self, source: Path, ext: str) -> tuple[str, int, bool]:
        """Copy ``source`` in under its digest; returns (sha256, size in bytes, whether it was new)."""
        with source.open("rb") as stream:
            return self._put(iter(lambda: stream.read(_CHUNK_BYTES), b""), ext)

    def put_bytes(self, content: bytes, ext: str) -> tuple[str, bool]:
        """Store ``content`` under its digest; returns (sha256, whether it was new)."""
        sha256, _, created = self._put([content], ext)
        return sha256, created

    def put_preview(self, sha256: str, size: int, png: bytes) -> Path:
        target = self.preview_path(sha256, size)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            scratch, _, _ = _spool(target.parent, [png])
            try:
                os.replace(scratch, target)
            finally:
                scratch.unlink(missing_ok=True)
        return target

    def read(self, sha256: str, ext: str) -> bytes:
        """The blob's bytes, checked against its digest (a damaged blob must not pass for the model)."""
        path = self.path(sha256, ext)
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            raise ModelError("the stored file is missing from the workspace's blobs folder",
                             Location(file=str(path))) from None
        if hashlib.sha256(content).hexdigest() != sha256:
            raise ModelError("the stored file is damaged: its content no longer matches its name",
                             Location(file=str(path)))
        return content

    def discard(self, sha256: str, ext: str) -> None:
        """Remove a blob this process has just written, when the database refused its row."""
        self.path(sha256, ext).unlink(missing_ok=True)

    def _put(self, chunks: Iterable[bytes], ext: str) -> tuple[str, int, bool]:
        self.root.mkdir(parents=True, exist_ok=True)
        scratch, sha256, size = _spool(self.root, chunks)
        try:
            target = self.path(sha256, ext)
            if target.exists():
                return sha256, size, False
            target.parent.mkdir(exist_ok=True)
            os.replace(scratch, target)
            return sha256, size, True
        finally:
            scratch.unlink(missing_ok=True)


def _spool(folder: Path, chunks: Iterable[bytes]) -> tuple[Path, str, int]:
    """Write the chunks to a new temporary file in ``folder``, on disk before it returns; returns its
    path, the SHA-256 and the size of what was written."""
    digest, size = hashlib.sha256(), 0
    handle, name = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".tmp")
    scratch = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    return scratch, digest.hexdigest(), size
