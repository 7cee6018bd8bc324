"""An index of every product's part numbers for BOM matching: sorted arrays on disk, memory-mapped.

Measured against a million part numbers: exact and prefix lookups in sorted arrays answer a whole BOM
in milliseconds, where fuzzy comparison against everything costs milliseconds per line; so the index
answers first, and for what it misses `near` compares only the keys a range scan brings up.

Keys are folded part numbers (`normalise_part_number`) as UTF-8 bytes, cut to `width` bytes: each
product's SKU, its MPN, and its MPN without a packaging suffix when that differs. A second array holds
the SKU and MPN keys reversed, so "ends with" is a range scan too (a typo near the start of a part
number leaves its end intact). A cut key can match more than it should, so callers check candidates
against the full part numbers from the store.

The index lives in `index/bom/` of the workspace, keyed by the store's stamp: the first quote after an
import rebuilds it (seconds for a million SKUs), later quotes map the files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Connection

from jbp.bom.distance import bounded_distance
from jbp.bom.partnumbers import packaging_key
from jbp.catalog.models import normalise_part_number
from jbp.store import bom_rows

FORMAT_VERSION = 1
MAX_WIDTH = 40  # bytes of a key kept; longer part numbers are cut (and checked against the store)
SKU, MPN, MPN_UNPACKED = 1, 2, 3  # what a key is of
MIN_FUZZY_LENGTH = 4  # shorter part numbers are one slip away from too many others
SCAN_LIMIT = 96  # keys of a range compared one by one; a larger range is first cut down by its other end
WIDE_LIMIT = 200_000  # keys of a range cut down at once (a vectorised test: about 1 ms per 200k keys)
MIN_SHARED = 3  # characters a candidate must share with the part number at its start or its end
_ARRAYS = ("product_ids", "brand_ids", "keys", "key_rows", "key_kinds", "reversed", "reversed_rows")
_CACHE: dict[str, tuple[list, PartNumberIndex]] = {}


@dataclass
class Nearby:
    distances: dict[int, int]  # row -> edit distance
    extended: set[int]  # rows whose key starts with the part number written
    complete: bool  # every one-character slip of the part number was looked for


@dataclass
class PartNumberIndex:
    product_ids: np.ndarray  # int64, one per product (a "row")
    brand_ids: np.ndarray  # int32
    keys: np.ndarray  # S<width>, sorted
    key_rows: np.ndarray  # int32: the row each key belongs to
    key_kinds: np.ndarray  # int8: SKU, MPN or MPN_UNPACKED
    reversed: np.ndarray  # S<width>, sorted: SKU and MPN keys, characters reversed
    reversed_rows: np.ndarray

    @property
    def width(self) -> int:
        return self.keys.dtype.itemsize

    def encode(self, folded: str) -> bytes:
        return folded.encode()[: self.width]

    def exact(self, folded_keys: list[str]) -> list[list[tuple[int, int]]]:
        """For each folded key, the (row, kind) entries with that key (cut keys may over-match)."""
        if not folded_keys or not len(self.keys):
            return [[] for _ in folded_keys]
        wanted = np.array([self.encode(k) for k in folded_keys], dtype=self.keys.dtype)
        lows = np.searchsorted(self.keys, wanted, "left")
        highs = np.searchsorted(self.keys, wanted, "right")
        return [list(zip(self.key_rows[lo:hi].tolist(), self.key_kinds[lo:hi].tolist(), strict=True))
                for lo, hi in zip(lows.tolist(), highs.tolist(), strict=True)]

    def starting_with(self, prefix: str) -> tuple[int, int]:
        """The slice of `keys` that starts with the folded prefix."""
        return _prefix_slice(self.keys, self.encode(prefix)[: self.width - 1])

    def ending_with(self, suffix: str) -> tuple[int, int]:
        """The slice of `reversed` whose keys end with the folded suffix."""
        return _prefix_slice(self.reversed, suffix[::-1].encode()[: self.width - 1])


    def near(self, folded: str, brand_id: int) -> Nearby:
        """Rows of `brand_id` within the allowed edit distance of `folded`, and those whose key starts with it.

        A slip of one character at position p leaves the part number's first p characters and its end after
        p + 1 intact. So the keys sharing a prefix of p characters (a range of the sorted keys), cut down to
        those ending like the part number after p + 1 (a vectorised test, cheap even on ten thousand keys),
        hold every key one slip away at p; ever shorter prefixes cover earlier slips, and the reversed keys
        the slips near the start, whose prefix ranges are too large. `complete` says whether every position
        was covered, so that the nearest found is the nearest there is.
        """
        length = len(folded)
        nearby = Nearby({}, set(), complete=False)
        if length < MIN_FUZZY_LENGTH:
            return nearby
        limit = 2 if length >= 8 else 1

        def consider(rows, keys, flip: bool) -> None:
            ours = self.brand_ids[rows] == brand_id
            for row, raw in zip(rows[ours].tolist(), keys[ours].tolist(), strict=True):
                key = raw.decode(errors="ignore")
                key = key[::-1] if flip else key
                if len(key) > length and key.startswith(folded):
                    nearby.extended.add(row)
                    if len(key) - length > limit:
                        continue
                distance = bounded_distance(folded, key, limit)
                if distance <= limit and distance < nearby.distances.get(row, limit + 1):
                    nearby.distances[row] = distance

        covered = []  # per direction: the shortest shared part whose keys were all examined
        for flip in (False, True):
            keys, rows = (self.reversed, self.reversed_rows) if flip else (self.keys, self.key_rows)
            text = folded[::-1] if flip else folded
            scan = self.ending_with if flip else self.starting_with
            seen: tuple[int, int] | None = None
            shortest = length + 1
            for cut in range(length - 1 if flip else length, MIN_SHARED - 1, -1):
                low, high = scan(folded[-cut:] if flip else folded[:cut])
                if high - low > WIDE_LIMIT:
                    break
                rest = text[cut + 2:].encode()  # what a one-slip key shares at the other end
                bands = [(low, high)] if seen is None else [(low, seen[0]), (seen[1], high)]
                if any(end - start > SCAN_LIMIT for start, end in bands) and not rest:
                    break
                for start, end in bands:
                    band_keys, band_rows = keys[start:end], rows[start:end]
                    if rest and end > start:  # (reversed keys are a reversed part number's keys: same test)
                        fits = np.char.endswith(band_keys, rest)
                        band_keys, band_rows = band_keys[fits], band_rows[fits]
                    consider(band_rows, band_keys, flip)
                seen, shortest = (low, high), cut
            covered.append(shortest)
        nearby.complete = sum(covered) <= length - 1
        return nearby


def _prefix_slice(keys: np.ndarray, prefix: bytes) -> tuple[int, int]:
    low = int(np.searchsorted(keys, prefix, "left"))
    high = int(np.searchsorted(keys, prefix + b"\xff", "left"))  # 0xff never occurs in UTF-8
    return low, high


def load_index(conn: Connection, index_dir: Path, store_url: str) -> PartNumberIndex:
    """The index for the store's current state: from this process's cache, from disk, or built now."""
    stamp = [FORMAT_VERSION, hashlib.sha256(store_url.encode()).hexdigest()[:16], *bom_rows.catalog_stamp(conn)]
    folder = index_dir / "bom"
    cached = _CACHE.get(str(folder))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    index = _open(folder, stamp)
    if index is None:
        index = _build(conn)
        _save(folder, stamp, index)
    _CACHE[str(folder)] = (stamp, index)
    return index


def _open(folder: Path, stamp: list) -> PartNumberIndex | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("stamp") != stamp:
            return None
        build = folder / manifest["build"]
        # plain ndarray views of the maps: slicing a np.memmap builds a memmap object each time, 100x slower
        return PartNumberIndex(**{name: np.load(build / f"{name}.npy", mmap_mode="r").view(np.ndarray)
                                  for name in _ARRAYS})
    except (OSError, ValueError, KeyError):
        return None  # missing or damaged: the index is derived data, rebuilt from the store


def _build(conn: Connection) -> PartNumberIndex:
    product_ids: list[int] = []
    brand_ids: list[int] = []
    keys: list[bytes] = []
    key_rows: list[int] = []
    key_kinds: list[int] = []
    reversed_keys: list[bytes] = []
    reversed_rows: list[int] = []
    for batch in bom_rows.iter_part_numbers(conn):
        for product_id, brand_id, _category_id, sku, mpn, mpn_norm in batch:
            row = len(product_ids)
            product_ids.append(product_id)
            brand_ids.append(brand_id)
            sku_key = normalise_part_number(sku)
            entries = [(sku_key, SKU)] if sku_key else []
            if mpn_norm:
                entries.append((mpn_norm, MPN))
                unpacked = packaging_key(mpn)
                if unpacked and unpacked != mpn_norm:
                    entries.append((unpacked, MPN_UNPACKED))
            for key, kind in entries:
                keys.append(key.encode()[:MAX_WIDTH])
                key_rows.append(row)
                key_kinds.append(kind)
                if kind != MPN_UNPACKED and (kind == MPN or key != mpn_norm):
                    reversed_keys.append(key[::-1].encode()[:MAX_WIDTH])
                    reversed_rows.append(row)
    width = max((len(k) for k in keys), default=1)
    key_array = np.array(keys, dtype=f"S{width}")
    order = np.argsort(key_array, kind="stable")
    reversed_array = np.array(reversed_keys, dtype=f"S{width}")
    reversed_order = np.argsort(reversed_array, kind="stable")
    return PartNumberIndex(
        product_ids=np.array(product_ids, dtype=np.int64), brand_ids=np.array(brand_ids, dtype=np.int32),
        keys=key_array[order], key_rows=np.array(key_rows, dtype=np.int32)[order],
        key_kinds=np.array(key_kinds, dtype=np.int8)[order], reversed=reversed_array[reversed_order],
        reversed_rows=np.array(reversed_rows, dtype=np.int32)[reversed_order])


def _save(folder: Path, stamp: list, index: PartNumberIndex) -> None:
    """Write a new build, then swap the manifest atomically; a reader never sees half an index."""
    folder.mkdir(parents=True, exist_ok=True)
    build = f"build-{uuid.uuid4().hex[:12]}"
    staging = folder / f"{build}.tmp"
    staging.mkdir()
    for name in _ARRAYS:
        np.save(staging / f"{name}.npy", getattr(index, name))
    staging.rename(folder / build)
    manifest = folder / f"manifest-{uuid.uuid4().hex[:8]}.tmp"
    manifest.write_text(json.dumps({"stamp": stamp, "build": build}), encoding="utf-8")
    os.replace(manifest, folder / "manifest.json")
    for old in folder.glob("build-*"):
        if old.is_dir() and old.name != build and old.suffix != ".tmp":
            shutil.rmtree(old, ignore_errors=True)  # open memory maps stay valid after unlinking
