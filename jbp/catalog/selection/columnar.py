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
The manifest's stamp says which state of the store the build reflects (see `staleness`).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import time
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import numpy as np
from sqlalchemy import Connection

from jbp.catalog.importers.headers import fold_header
from jbp.catalog.indexes import StaleIndexError
from jbp.catalog.selection.specs import CategorySpec, ParamSpec, load_category
from jbp.store import Store, selection_rows
from jbp.units import format_quantity

FORMAT_VERSION = 1
SELECTION_DIR = "selection"
MANIFEST = "manifest.json"
_ABANDONED_BUILD_SECONDS = 3600  # a .tmp build older than this was left by a crashed process
_CURRENT_ORDER = ("AC", "DC", "AC/DC")


@dataclass
class ParamColumns:
    """The arrays of one parameter (keys as in the module docstring, without the `p.<code>.` prefix)."""

    spec: ParamSpec
    arrays: dict[str, np.ndarray]
    vocab: tuple[str, ...] = ()  # enum/text/bool: code -> value
    currents: tuple[str, ...] = ()  # numeric/range: current code -> AC / DC / AC/DC

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
        if kind == "numeric":
            value = float(arrays["num"][position])
            text = None if math.isnan(value) else format_value(value, self.spec.unit)
        else:
            text = format_range(float(arrays["lo"][position]), float(arrays["hi"][position]), self.spec.unit)
        if text is not None and "current" in arrays and arrays["current"][position] >= 0:
            text += " " + self.currents[int(arrays["current"][position])]
        return text


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


# ----------------------------------------------------------------------------------------------- building


def build_category(store: Store, index_dir: Path, code: str) -> CategoryIndex:
    """Read the category from one snapshot of the store, write a new build and switch the manifest to it."""
    started = time.perf_counter()
    with selection_rows.snapshot(store) as conn:
        spec = load_category(conn, code)
        stamp = selection_rows.stamp(conn, spec.id)
        products = selection_rows.product_columns(conn, spec.id)
        prices = selection_rows.first_break_prices(conn, spec.id)
        values = selection_rows.param_value_columns(conn, spec.id)
    arrays, vocabularies = _columns(spec, products, prices, values)
    manifest = {
        "format": FORMAT_VERSION, "category": {"id": spec.id, "code": spec.code},
        "params_digest": spec.digest, "stamp": stamp, "content_digest": _content_digest(products),
        "products": len(products), "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - started, 3), "params": [p.as_dict() for p in spec.params],
        "vocabularies": vocabularies, "arrays": sorted(arrays),
    }
    _write(category_path(index_dir, spec.code), arrays, manifest)
    return open_category(index_dir, spec.code)


def _content_digest(rows: Sequence[tuple]) -> str:
    """Fingerprint of (id, content hash) of every product: equal digests mean no product changed."""
    digest = hashlib.sha1(usedforsecurity=False)
    for row in rows:
        digest.update(f"{row[0]}:{row[-1]}\n".encode())
    return digest.hexdigest()


def _columns(spec: CategorySpec, products: list, prices: list, values: list) -> tuple[dict, dict]:
    count = len(products)
    ids = np.fromiter((r[0] for r in products), np.int64, count)
    by_sku = sorted(range(count), key=lambda i: (products[i][2], products[i][1]))
    order = np.empty(count, np.int32)
    order[np.asarray(by_sku, np.int64)] = np.arange(count, dtype=np.int32)
    stock = np.array([r[3] for r in products], np.float64) if count else np.empty(0)
    price = np.full(count, np.nan)
    first = {}
    for product_id, _min_qty, amount in prices:  # rows come by product, smallest break first
        first.setdefault(product_id, amount)
    if first:
        price[np.searchsorted(ids, np.fromiter(first, np.int64, len(first)))] = [float(a) for a in first.values()]
    arrays: dict[str, np.ndarray] = {"ids": ids, "order": order, "price": price, "stock": stock}
    for name in ("price", "stock"):
        arrays[f"{name}.rank"], arrays[f"{name}.distinct"] = _ranked(arrays[name])
    vocabularies: dict[str, dict[str, list[str]]] = {}
    columns = list(zip(*values, strict=True)) if values else [()] * 6
    product_ids = np.fromiter(columns[0], np.int64, len(values))
    param_ids = np.fromiter(columns[1], np.int64, len(values))
    positions = np.searchsorted(ids, product_ids)
    numbers = [np.array(columns[i], np.float64) for i in (2, 3, 4)]  # num, num_min, num_max; None -> NaN
    texts = np.array(columns[5], dtype=object)
    for param in spec.params:
        chosen = param_ids == param.id
        where = positions[chosen]
        prefix = f"p.{param.code}."
        if param.kind in ("numeric", "range"):
            own, vocab = _number_columns(param, count, where, *(n[chosen] for n in numbers), texts[chosen])
        else:
            own, vocab = _text_columns(param, count, where, texts[chosen])
        arrays.update({prefix + name: array for name, array in own.items()})
        vocabularies[param.code] = vocab
    _currents_from_partners(spec, arrays, vocabularies)
    return arrays, vocabularies


def _currents_from_partners(spec: CategorySpec, arrays: dict, vocabularies: dict) -> None:
    """A voltage, current or power written without AC/DC takes it from the category's AC/DC enum of the same
    stem (`coil_voltage` from `coil_current_type`): catalogs often keep the two in separate columns."""
    partners: dict[str, list[ParamSpec]] = {}
    for param in spec.params:
        if param.kind == "enum" and param.allowed_values and set(param.allowed_values) <= set(_CURRENT_ORDER):
            partners.setdefault(param.code.split("_")[0], []).append(param)
    for param in spec.params:
        found = partners.get(param.code.split("_")[0], [])
        if param.kind not in ("numeric", "range") or param.unit not in ("V", "A", "W") or len(found) != 1:
            continue
        prefix, partner = f"p.{param.code}.", found[0]
        own = vocabularies[param.code]["currents"]
        partner_values = vocabularies[partner.code]["values"]
        kinds = sorted(set(own) | set(partner_values), key=_current_rank)
        current = np.full(len(arrays["ids"]), -1, np.int8)
        if own:  # old code -> new code; the appended -1 maps "none" (-1, the last item) to itself
            current = np.array([kinds.index(k) for k in own] + [-1], np.int8)[arrays[prefix + "current"]]
        partner_codes = arrays[f"p.{partner.code}.codes"]
        translate = np.array([kinds.index(v) for v in partner_values] + [-1], np.int8)
        value = arrays[prefix + ("num" if param.kind == "numeric" else "lo")]
        fill = (current < 0) & (partner_codes >= 0) & ~np.isnan(value)
        if fill.any():
            current[fill] = translate[partner_codes[fill]]
            arrays[prefix + "current"] = current
            vocabularies[param.code]["currents"] = kinds


def _ranked(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense ranks into the sorted distinct values (-1 where NaN), and those values."""
    present = ~np.isnan(values)
    distinct = np.unique(values[present])
    rank = np.full(len(values), -1, np.int32)
    rank[present] = np.searchsorted(distinct, values[present])
    return rank, distinct


def _number_columns(param: ParamSpec, count: int, where: np.ndarray, num: np.ndarray, low: np.ndarray,
                    high: np.ndarray, texts: np.ndarray) -> tuple[dict, dict]:
    own: dict[str, np.ndarray] = {}
    if param.kind == "numeric":
        column = np.full(count, np.nan)
        column[where] = num
        own["num"] = column
        own["rank"], own["distinct"] = _ranked(column)
    else:
        # A range written as one value is that single point; "≥10 V" is open above, "≤30 V" below.
        low = np.where(np.isnan(low), num, low)
        high = np.where(np.isnan(high), num, high)
        open_below, open_above = np.isnan(low) & ~np.isnan(high), np.isnan(high) & ~np.isnan(low)
        low[open_below], high[open_above] = -np.inf, np.inf
        for name, part in (("lo", low), ("hi", high)):
            column = np.full(count, np.nan)
            column[where] = part
            own[name] = column
            own[f"{name}.rank"], own[f"{name}.distinct"] = _ranked(column)
        present = ~np.isnan(own["lo"])
        pair = np.full(count, -1, np.int32)
        if present.any():
            distinct, inverse = np.unique(np.stack([own["lo"][present], own["hi"][present]], axis=1), axis=0,
                                          return_inverse=True)
            pair[present] = inverse.reshape(-1)
        else:
            distinct = np.empty((0, 2))
        own["pair"], own["pair_lo"], own["pair_hi"] = pair, distinct[:, 0].copy(), distinct[:, 1].copy()
    kinds = sorted({t for t in texts if t}, key=_current_rank)
    if kinds:
        code_of = {kind: i for i, kind in enumerate(kinds)}
        current = np.full(count, -1, np.int8)
        current[where] = [code_of.get(t, -1) for t in texts]
        own["current"] = current
    return own, {"currents": kinds}


def _current_rank(kind: str) -> tuple[int, str]:
    return (_CURRENT_ORDER.index(kind) if kind in _CURRENT_ORDER else len(_CURRENT_ORDER), kind)


def _text_columns(param: ParamSpec, count: int, where: np.ndarray, texts: np.ndarray) -> tuple[dict, dict]:
    """Codes into a vocabulary in sort order: an enum's declared order, then anything else alphabetically."""
    present = {t for t in texts if t is not None}
    declared = [v for v in param.allowed_values if v in present]
    vocab = declared + sorted(present - set(declared))
    code_of = {value: i for i, value in enumerate(vocab)}
    codes = np.full(count, -1, np.int32)
    codes[where] = [code_of.get(t, -1) for t in texts]
    return {"codes": codes}, {"values": vocab}


def _write(folder: Path, arrays: dict[str, np.ndarray], manifest: dict) -> None:
    build = f"build-{uuid.uuid4().hex[:12]}"
    staging = folder / f"{build}.tmp"
    staging.mkdir(parents=True)
    for name, array in arrays.items():
        np.save(staging / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    staging.rename(folder / build)
    _write_manifest(folder, {**manifest, "build": build})
    for old in folder.glob("build-*"):
        abandoned = old.suffix == ".tmp" and time.time() - old.stat().st_mtime > _ABANDONED_BUILD_SECONDS
        if old.name != build and (old.suffix != ".tmp" or abandoned):
            shutil.rmtree(old, ignore_errors=True)


def _write_manifest(folder: Path, manifest: dict) -> None:
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
    arrays = {name: np.load(build / f"{name}.npy", mmap_mode=mode, allow_pickle=False)
              for name in manifest["arrays"]}
    params = {}
    for row in manifest["params"]:
        spec = ParamSpec(**{**row, "allowed_values": tuple(row["allowed_values"]), "aliases": tuple(row["aliases"])})
        prefix = f"p.{spec.code}."
        vocab = manifest["vocabularies"][spec.code]
        params[spec.code] = ParamColumns(
            spec, {name[len(prefix):]: array for name, array in arrays.items() if name.startswith(prefix)},
            tuple(vocab.get("values", ())), tuple(vocab.get("currents", ())))
    return CategoryIndex(folder, manifest, arrays, params)


# ----------------------------------------------------------------------------------------------- freshness


def staleness(index: CategoryIndex | None, spec: CategorySpec, conn: Connection) -> str | None:
    """Why the index cannot answer for the store as it is now, or None when it can.

    Cheap first: the parameter definitions and the stamp (newest import run and product change time in
    the store, the category's product count and highest id). A newer import or change time alone may
    concern other categories only, so then the products' content hashes decide; when they match, the
    manifest is re-stamped and the next query takes the cheap path again.
    """
    if index is None:
        return "missing"
    manifest = index.manifest
    if manifest["category"]["id"] != spec.id or manifest["params_digest"] != spec.digest:
        return "parameter definitions changed"
    now = selection_rows.stamp(conn, spec.id)
    built = manifest["stamp"]
    if (now["products"], now["max_id"]) != (built["products"], built["max_id"]):
        return "products added or removed"
    if (now["import_run"], now["updated_at"]) == (built["import_run"], built["updated_at"]):
        return None
    if _content_digest(selection_rows.content_hashes(conn, spec.id)) != manifest["content_digest"]:
        return "products changed"
    _write_manifest(index.path, {**manifest, "stamp": now})
    return None


def current_index(store: Store, index_dir: Path, spec: CategorySpec, conn: Connection,
                  *, rebuild: bool = True) -> tuple[CategoryIndex, str | None]:
    """The category's index, rebuilt first when missing or stale (or StaleIndexError when `rebuild` is
    False); the second item says why it was rebuilt."""
    index = open_category(index_dir, spec.code)
    problem = staleness(index, spec, conn)
    if problem is None:
        return index, None
    if not rebuild:
        state = "missing" if index is None else f"stale ({problem})"
        raise StaleIndexError(f"the selection index of {spec.code} is {state}: run `jbp index rebuild`")
    return build_category(store, index_dir, spec.code), f"selection index of {spec.code} rebuilt ({problem})"
