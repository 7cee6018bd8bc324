"""Judging a zip archive by the sizes its directory declares, before anything is inflated: workbooks and
3D models both arrive as zips from outside, and a few KB can declare gigabytes."""

from __future__ import annotations

import zipfile
from typing import NamedTuple

# Below this size a high compression ratio is harmless (a 40 KB styles.xml of repeats, say).
RATIO_CHECK_FLOOR = 1 << 20


class Excess(NamedTuple):
    """What is too much, as a phrase, and the name of the limit it passes."""

    what: str
    limit: str


def declared_excess(members: list[zipfile.ZipInfo], max_bytes: int, max_ratio: float) -> Excess | None:
    """The first declared size over ``max_bytes`` in all or ``max_ratio`` for one member, if any."""
    total = sum(info.file_size for info in members)
    if total > max_bytes:
        return Excess(f"it would expand to {total:,} bytes, over the limit of {max_bytes:,}",
                      "max_uncompressed_bytes")
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECK_FLOOR and ratio > max_ratio:
            return Excess(f"member {info.filename!r} is compressed {ratio:,.0f}:1, "
                          f"over the limit of {max_ratio:,.0f}:1", "max_compression_ratio")
    return None
