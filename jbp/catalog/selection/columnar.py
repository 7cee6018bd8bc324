"""The per-category columnar selection index: numpy arrays under `index/selection/<category>/`, memory-mapped.

One folder per category holds `manifest.json` and the build it points at (`build-<id>/*.npy`):

- `ids` (int64, product ids ascending), `order` (int32, rank by SKU then brand: the default sort),
  `price` (float64, CNY price at the smallest quantity break, NaN = none) and `stock`, each with a `.rank`;
- per numeric parameter `p.<code>.num` (float64 SI, NaN = missing) with `.rank` (int32 index into
  `.distinct`, the sorted distinct values; -1 = missing) for sorting and facets, and `.current` (int8
  AC/DC code) when values carry one; per range parameter `.lo`/`.hi` (open ends as ±inf) with their ranks
  and `.pair` codes into the distinct (`.pair_lo`, `.pair_hi`) ranges; per enum/text/bool parameter
  `.codes` (int32 into the manifest's vocabulary, which is in sort order; -1 = missing).

A rebuild writes a new build folder and then swaps the manifest atomically, so a reader never sees half
an index; processes that still map the old files keep reading them until they notice the new manifest.
The manifest also records the parameter definitions, vocabularies and the stamp of the store state the
build reflects (`build.py` writes builds, `freshness.py` compares stamps).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from jbp.catalog.importers.headers import fold_header
from jbp.catalog.selection.specs import ParamSpec
from jbp.units import format_quantity

FORMAT_VERSION = 1
SELECTION_DIR = "selection"
MANIFEST = "manifest.json"
_ABANDONED_BUILD_SECONDS = 3600  # a .tmp build older than this was left by a crashed process


@dataclass
class ParamColumns:
    """The arrays of one parameter (keys as in the module docstring, without the `p.<code>.` prefix)."""

    spec: ParamSpec
    arrays: dict[str, np.ndarray]
    vocab: tuple[str, ...] = ()  # enum/text/bool: code -> value
    currents: tuple[str, ...] = ()  # numeric/range: current code -> AC / DC / AC/DC
    _labels: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)

    @cached_property
    def folded_vocab(self) -> tuple[str, ...]:
        """The vocabulary folded the way equality compares (case, width and separators ignored)."""
        return tuple(fold_header(v) for v in self.vocab)

    @cached_property
    def casefolded_vocab(self) -> tuple[str, ...]:
        """The vocabulary as `~` (contains) compares it."""
        return tuple(unicodedata.normalize("NFKC", v).casefold() for v in self.vocab)

    def sort_rank(self, descending: bool) -> tuple[np.ndarray, int]:
        """Dense ranks (-1 = missing) and their count; a range sorts by its low end, or its high end descending."""
        if self.spec.kind == "range":
            name = "hi" if descending else "lo"
            return self.arrays[f"{name}.rank"], len(self.arrays[f"{name}.distinct"])
        if self.spec.kind == "numeric":
            return self.arrays["rank"], len(self.arrays["distinct"])
        return self.arrays["codes"], len(self.vocab)

    def display(self, position: int) -> str | None:
        """The value of the product at `position`, written with its unit (`12A`, `10V..30V DC`, `3P`)."""
        kind, arrays = self.spec.kind, self.arrays
        if kind in ("enum", "text", "bool"):
            code = int(arrays["codes"][position])
            return self.vocab[code] if code >= 0 else None
        value = int(arrays["rank" if kind == "numeric" else "pair"][position])
        current = int(arrays["current"][position]) if "current" in arrays else -1
        if value < 0:
            return None
        key = (value, current)
        if key not in self._labels:  # formatting costs more than the lookup; a column has few distinct values
            if kind == "numeric":
                text = format_value(float(arrays["distinct"][value]), self.spec.unit)
            else:
                text = format_range(float(arrays["pair_lo"][value]), float(arrays["pair_hi"][value]), self.spec.unit)
            self._labels[key] = text + (" " + self.currents[current] if current >= 0 else "")
        return self._labels[key]


def format_value(value: float, unit: str) -> str:
    return format_quantity(value, unit) if math.isfinite(value) else str(value)


def format_range(low: float, high: float, unit: str) -> str | None:
    """`10V..30V`, `≥10V` (open above), `≤30V`; None when missing."""
    if math.isnan(low) or math.isnan(high):
        return None
    if math.isinf(high):
        return "≥" + format_value(low, unit)
    if math.isinf(low):
        return "≤" + format_value(high, unit)
    return f"{format_value(low, unit)}..{format_value(high, unit)}"


@dataclass
class CategoryIndex:
    """One category's loaded index: product columns and every parameter's columns."""

    path: Path
    manifest: dict
    arrays: dict[str, np.ndarray]
    params: dict[str, ParamColumns]

    @property
    def size(self) -> int:
        return len(self.arrays["ids"])

    @property
    def ids(self) -> np.ndarray:
        return self.arrays["ids"]


def category_path(index_dir: Path, code: str) -> Path:
    return index_dir / SELECTION_DIR / code


def write_build(folder: Path, arrays: dict[str, np.ndarray], manifest: dict) -> str:
    """Write the arrays as a new build, point the manifest at it, and remove older builds; returns its name."""
    build = f"build-{uuid.uuid4().hex[:12]}"
    staging = folder / f"{build}.tmp"
    staging.mkdir(parents=True)
    for name, array in arrays.items():
        np.save(staging / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    staging.rename(folder / build)
    write_manifest(folder, {**manifest, "build": build})
    for old in folder.glob("build-*"):
        if old.name != build and (old.suffix != ".tmp" or _abandoned(old)):
            shutil.rmtree(old, ignore_errors=True)
    for stray in folder.glob(f"{MANIFEST}.*.tmp"):
        if _abandoned(stray):
            stray.unlink(missing_ok=True)
    return build


def _abandoned(path: Path) -> bool:
    """A staging file or folder left by a process that crashed while writing."""
    try:
        return time.time() - path.stat().st_mtime > _ABANDONED_BUILD_SECONDS
    except FileNotFoundError:
        return False


def write_manifest(folder: Path, manifest: dict) -> None:
    """Replace the manifest atomically (readers see the old one or the new one, never a partial file)."""
    staging = folder / f"{MANIFEST}.{uuid.uuid4().hex[:8]}.tmp"
    staging.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(staging, folder / MANIFEST)


def remove_category(index_dir: Path, code: str) -> None:
    shutil.rmtree(category_path(index_dir, code), ignore_errors=True)


def indexed_categories(index_dir: Path) -> list[str]:
    root = index_dir / SELECTION_DIR
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST).exists()) if root.is_dir() else []


# ----------------------------------------------------------------------------------------------- loading

_OPENED: dict[Path, tuple[tuple, CategoryIndex]] = {}  # manifest path -> (its stat, the loaded index)


def open_category(index_dir: Path, code: str) -> CategoryIndex | None:
    """The category's current build, memory-mapped (cached per process until the manifest changes);
    None when there is none or it cannot be read (a rebuild then replaces it)."""
    folder = category_path(index_dir, code)
    path = folder / MANIFEST
    for _attempt in range(2):  # a concurrent rebuild may remove the build between manifest and arrays
        try:
            status = path.stat()
        except FileNotFoundError:
            return None
        key = (status.st_ino, status.st_mtime_ns, status.st_size)
        cached = _OPENED.get(path)
        if cached and cached[0] == key:
            return cached[1]
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT_VERSION:
                return None
            index = _load(folder, manifest)
        except FileNotFoundError:
            continue
        except (ValueError, KeyError, OSError):
            return None
        _OPENED[path] = (key, index)
        return index
    return None


def _load(folder: Path, manifest: dict) -> CategoryIndex:
    build = folder / manifest["build"]
    mode = "r" if manifest["products"] else None  # an empty file cannot be mapped
    # Plain ndarray views of the maps: np.memmap's Python-level indexing costs microseconds per element.
    return assemble(folder, manifest, {
        name: np.load(build / f"{name}.npy", mmap_mode=mode, allow_pickle=False).view(np.ndarray)
        for name in manifest["arrays"]})


def assemble(folder: Path, manifest: dict, arrays: dict[str, np.ndarray]) -> CategoryIndex:
    """The index object over a build's arrays (mapped from disk, or still in memory after building)."""
    params = {}
    for row in manifest["params"]:
        spec = ParamSpec(**{**row, "allowed_values": tuple(row["allowed_values"]), "aliases": tuple(row["aliases"])})
        prefix = f"p.{spec.code}."
        vocab = manifest["vocabularies"][spec.code]
        params[spec.code] = ParamColumns(
            spec, {name[len(prefix):]: array for name, array in arrays.items() if name.startswith(prefix)},
            tuple(vocab.get("values", ())), tuple(vocab.get("currents", ())))
    return CategoryIndex(folder, manifest, arrays, params)


