"""A category's products as numpy arrays (lifecycle, brand, availability and one column per parameter),
read with two queries and cached per process until the store changes.

At 1M SKUs a category holds tens of thousands of products (the largest generated one 160k); reading one
costs about a second (ten for the largest) but grading it from memory costs milliseconds, so a
long-running process (a server, a BOM run, the benchmark) pays the read once per category and import.
The cache is keyed by the store's stamp (last import run, last product), so an import is seen by the
next call.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
from sqlalchemy import Connection

from jbp.catalog.models import Category, Lifecycle, ParamKind
from jbp.catalog.substitution.grading import Column, is_textual
from jbp.store import substitution_rows

CACHED_PRODUCTS = 2_000_000  # about 160 MB of arrays at a dozen parameters per product


@dataclass
class CategoryArrays:
    """Row i of every array is the product `product_ids[i]`; ids ascend."""

    category: Category
    product_ids: np.ndarray  # int64
    brand_ids: np.ndarray  # int64
    obsolete: np.ndarray  # bool
    end_of_life: np.ndarray  # bool: EOL, still sold but ranked after live parts
    stock: np.ndarray  # float, NaN when unknown
    lead_time: np.ndarray  # float days, NaN when unknown
    columns: dict[str, Column]

    def __len__(self) -> int:
        return len(self.product_ids)

    def index_of(self, product_id: int) -> int | None:
        index = int(np.searchsorted(self.product_ids, product_id))
        found = index < len(self.product_ids) and self.product_ids[index] == product_id
        return index if found else None


def load_category(conn: Connection, category: Category, category_id: int,
                  parameter_ids: dict[str, int]) -> CategoryArrays:
    """Read a category's products and values into arrays (one column per declared parameter)."""
    product_rows, value_rows = substitution_rows.category_candidates(conn, category_id)
    ids, brands, lifecycles, stock, lead_time = _transposed(product_rows, 5)
    owners, params, nums, lows, highs, texts = _transposed(value_rows, 6)
    product_ids = np.array(ids, dtype=np.int64)
    count = len(product_ids)
    rows = np.searchsorted(product_ids, np.array(owners, dtype=np.int64))
    params = np.array(params, dtype=np.int64)
    nums, lows, highs = (np.array(c, dtype=float) for c in (nums, lows, highs))  # None reads as NaN
    texts = np.array(texts, dtype=object)
    columns = {}
    for definition in category.parameters:
        mine = np.flatnonzero(params == parameter_ids[definition.code])
        if is_textual(definition):
            mine = mine[np.array([bool(t) for t in texts[mine]], dtype=bool)]
            spellings, codes = np.unique(texts[mine], return_inverse=True)
            column_codes = np.full(count, -1, dtype=np.int32)
            column_codes[rows[mine]] = codes
            columns[definition.code] = Column.textual(definition, column_codes, [str(s) for s in spellings])
            continue
        at, num = rows[mine], nums[mine]
        low = np.full(count, np.nan)
        if definition.kind == ParamKind.range:
            high = np.full(count, np.nan)
            given_low, given_high = lows[mine], highs[mine]
            has_bound = ~(np.isnan(given_low) & np.isnan(given_high))
            # one open bound reads as ±inf; a single value stored as `num` is a zero-width range
            low[at] = np.where(has_bound, np.where(np.isnan(given_low), -np.inf, given_low), num)
            high[at] = np.where(has_bound, np.where(np.isnan(given_high), np.inf, given_high), num)
            columns[definition.code] = Column.numeric(definition, low, high)
        else:
            low[at] = num
            columns[definition.code] = Column.numeric(definition, low, low)  # one array: a number is (v, v)
    return CategoryArrays(
        category=category, product_ids=product_ids, brand_ids=np.array(brands, dtype=np.int64),
        obsolete=np.array([state == Lifecycle.obsolete.value for state in lifecycles], dtype=bool),
        end_of_life=np.array([state == Lifecycle.eol.value for state in lifecycles], dtype=bool),
        stock=np.array(stock, dtype=float), lead_time=np.array(lead_time, dtype=float), columns=columns)


def _transposed(rows: list[tuple], width: int) -> list[list]:
    return [list(map(itemgetter(i), rows)) for i in range(width)]


_cache: OrderedDict[tuple[str, int], tuple[tuple, CategoryArrays]] = OrderedDict()
_lock = threading.Lock()


def category_arrays(conn: Connection, store_url: str, stamp: tuple, category: Category, category_id: int,
                    parameter_ids: dict[str, int]) -> CategoryArrays:
    """The arrays of a category, from the cache while the store's stamp and the definitions are unchanged."""
    key = (store_url, category_id)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == stamp and hit[1].category == category:
            _cache.move_to_end(key)
            return hit[1]
    arrays = load_category(conn, category, category_id, parameter_ids)
    with _lock:
        _cache[key] = (stamp, arrays)
        _cache.move_to_end(key)
        while len(_cache) > 1 and sum(len(a) for _, a in _cache.values()) > CACHED_PRODUCTS:
            _cache.popitem(last=False)
    return arrays


def rank_parametric(arrays: CategoryArrays, grade: np.ndarray, distance: np.ndarray, eligible: np.ndarray,
                    qty: int, wanted: int) -> list[int]:
    """Row indices of the best `wanted` eligible products by grade, distance, then availability (not EOL,
    stock for `qty`, lead time).

    A partial sort picks a shortlist by grade and distance; products tied with its last one are kept (up
    to a bound) so availability can still decide among equals, then the shortlist is ordered fully.
    """
    rows = np.flatnonzero(eligible)
    if rows.size == 0:
        return []
    score = grade[rows] * 2.0 + distance[rows]  # distance is within 0…1, so the grade always decides first
    if rows.size > wanted:
        cut = np.partition(score, wanted - 1)[wanted - 1]
        keep = np.flatnonzero(score <= cut)
        if keep.size > max(wanted * 20, 2000):
            keep = keep[np.argsort(score[keep], kind="stable")[:max(wanted * 20, 2000)]]
        rows, score = rows[keep], score[keep]
    stock, lead = arrays.stock[rows], arrays.lead_time[rows]
    shortage = np.where(stock >= qty, 0, np.where(stock > 0, 1, 2))
    order = np.lexsort((rows, np.nan_to_num(lead, nan=1e9), shortage, arrays.end_of_life[rows], score))
    return rows[order][:wanted].tolist()
