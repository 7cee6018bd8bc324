"""Building a category's selection index from one consistent read of the store (format: `columnar.py`).

Values are read as the store holds them (SI numbers, range ends, canonical texts) and turned into the
columns selection filters, sorts and counts on; the build also notes the store state it reflects.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from jbp.catalog.selection.columnar import (
    FORMAT_VERSION,
    CategoryIndex,
    assemble,
    category_path,
    open_category,
    write_build,
)
from jbp.catalog.selection.specs import CategorySpec, ParamSpec, read_category
from jbp.store import selection_rows

if TYPE_CHECKING:
    from jbp.store import Store

_CURRENT_ORDER = ("AC", "DC", "AC/DC")


def build_category(store: Store, index_dir: Path, code: str) -> CategoryIndex:
    """Read the category from one snapshot of the store, write a new build and switch the manifest to it."""
    started = time.perf_counter()
    with selection_rows.snapshot(store) as conn:
        spec, stamp = read_category(conn, code)
        products = selection_rows.product_columns(conn, spec.id)
        prices = selection_rows.first_break_prices(conn, spec.id)
        values = selection_rows.param_value_columns(conn, spec.id)
    arrays, vocabularies = _columns(spec, products, prices, values)
    manifest = {
        "format": FORMAT_VERSION, "category": {"id": spec.id, "code": spec.code},
        "params_digest": spec.digest, "stamp": stamp, "content_digest": content_digest(products),
        "products": len(products), "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - started, 3), "params": [p.as_dict() for p in spec.params],
        "vocabularies": vocabularies, "arrays": sorted(arrays),
    }
    folder = category_path(index_dir, spec.code)
    build = write_build(folder, arrays, manifest)
    # Mapped from disk, unless a concurrent rebuild already replaced this build: then the arrays in hand.
    return open_category(index_dir, spec.code) or assemble(folder, {**manifest, "build": build}, arrays)


def content_digest(rows: Sequence[tuple]) -> str:
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
