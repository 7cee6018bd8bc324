"""Facets: for every parameter of a category, the values still available under the current filters.

Disjunctive semantics, as selection screens do it: a parameter's facet is counted under all the OTHER
parameters' filters, ignoring its own, so the screen keeps offering the alternatives to what is chosen
(`poles=3P` still shows how many 4P there are). Without a filter on it, the facet counts what is selected.

- enum/text/bool: value -> count, enums in their declared order, text by count; at most
  FACET_VALUE_LIMIT values, the rest summed in `other`.
- numeric: the distinct values when there are at most FACET_DISTINCT_LIMIT, else about FACET_BUCKETS
  "nice" buckets (1-2-2.5-5 steps; whole decades when the values span more than a factor of 100), each
  `[min, max)` except the last, which includes its max. Empty buckets are left out.
- range: the distinct ranges when there are at most FACET_DISTINCT_LIMIT, else the most common ones
  and `other`.
Every facet also counts the products missing the parameter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from jbp.catalog.selection.columnar import CategoryIndex, ParamColumns, format_range, format_value

FACET_DISTINCT_LIMIT = 12
FACET_BUCKETS = 8
FACET_VALUE_LIMIT = 20
_NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


@dataclass
class FacetValue:
    label: str
    count: int
    value: str | float | None = None  # the enum/text value or the number (SI)
    min: float | None = None  # bucket or range bounds (SI)
    max: float | None = None


@dataclass
class Facet:
    parameter: str
    name_zh: str | None
    name_en: str | None
    kind: str
    unit: str
    filtered: bool  # this parameter has a filter, which its own counts ignore
    missing: int  # products (under the other filters) without a value
    values: list[FacetValue] = field(default_factory=list)
    other: int = 0  # products whose values did not fit in the list
    bucketed: bool = False


def compute_facets(index: CategoryIndex, masks: dict[str, np.ndarray], matching: np.ndarray) -> list[Facet]:
    """One facet per parameter; `masks` holds each filtered parameter's own mask, `matching` the positions
    of the products meeting all of them."""
    facets = []
    for code, columns in index.params.items():
        positions = matching
        if code in masks:
            others = np.ones(index.size, bool)
            for other_code, mask in masks.items():
                if other_code != code:
                    others &= mask
            positions = np.flatnonzero(others)
        facets.append(_facet(columns, positions, filtered=code in masks))
    return facets


def _facet(columns: ParamColumns, positions: np.ndarray, *, filtered: bool) -> Facet:
    spec = columns.spec
    facet = Facet(spec.code, spec.name_zh, spec.name_en, spec.kind, spec.unit, filtered, 0)
    if spec.kind == "numeric":
        counts = _counts(columns.arrays["rank"], positions, len(columns.arrays["distinct"]))
        facet.missing = int(counts[0])
        _numeric_values(facet, columns.arrays["distinct"], counts[1:], spec.unit)
    elif spec.kind == "range":
        low, high = columns.arrays["pair_lo"], columns.arrays["pair_hi"]
        counts = _counts(columns.arrays["pair"], positions, len(low))
        facet.missing = int(counts[0])
        facet.values, facet.other = _listed(
            counts[1:], lambda i: FacetValue(format_range(low[i], high[i], spec.unit), 0, min=float(low[i]),
                                             max=float(high[i])),
            limit=FACET_DISTINCT_LIMIT, by_count=False)
    else:
        counts = _counts(columns.arrays["codes"], positions, len(columns.vocab))
        facet.missing = int(counts[0])
        facet.values, facet.other = _listed(
            counts[1:], lambda i: FacetValue(columns.vocab[i], 0, value=columns.vocab[i]),
            limit=FACET_VALUE_LIMIT, by_count=spec.kind == "text")
    return facet


def _counts(codes: np.ndarray, positions: np.ndarray, size: int) -> np.ndarray:
    """[missing, count of code 0, count of code 1, …] among the products at `positions`."""
    return np.bincount(codes.take(positions) + 1, minlength=size + 1)


def _listed(counts: np.ndarray, make: Callable[[int], FacetValue], *, limit: int,
            by_count: bool) -> tuple[list[FacetValue], int]:
    present = np.flatnonzero(counts)
    if by_count or len(present) > limit:
        present = sorted(present, key=lambda i: (-counts[i], i))
    shown = present[:limit]
    values = []
    for i in shown:
        value = make(int(i))
        value.count = int(counts[i])
        values.append(value)
    return values, int(counts.sum() - sum(v.count for v in values))


def _numeric_values(facet: Facet, distinct: np.ndarray, counts: np.ndarray, unit: str) -> None:
    present = np.flatnonzero(counts)
    if len(present) <= FACET_DISTINCT_LIMIT:
        facet.values = [FacetValue(format_value(float(distinct[i]), unit), int(counts[i]), value=float(distinct[i]))
                        for i in present]
        return
    facet.bucketed = True
    edges = bucket_edges(float(distinct[present[0]]), float(distinct[present[-1]]))
    bucket = np.clip(np.searchsorted(edges, distinct, side="right") - 1, 0, len(edges) - 2)
    totals = np.bincount(bucket, weights=counts, minlength=len(edges) - 1)
    facet.values = [
        FacetValue(f"{format_value(edges[b], unit)}..{format_value(edges[b + 1], unit)}", int(totals[b]),
                   min=float(edges[b]), max=float(edges[b + 1]))
        for b in range(len(edges) - 1) if totals[b]]


def bucket_edges(low: float, high: float, buckets: int = FACET_BUCKETS) -> list[float]:
    """Bucket boundaries covering [low, high]: decades for positive values spanning over a factor of 100,
    else about `buckets` equal steps of a nice size (1, 2, 2.5 or 5 times a power of ten)."""
    if low > 0 and high / low > 100:
        first, last = math.floor(math.log10(low)), math.floor(math.log10(high)) + 1
        step = max(1, math.ceil((last - first) / (buckets + 4)))  # at most about 12 decade buckets
        return [float(f"1e{e}") for e in range(first, last + step, step)]
    raw = (high - low) / buckets
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(s * magnitude for s in _NICE_STEPS if s * magnitude >= raw)
    start = math.floor(low / step) * step
    count = max(1, math.floor((high - start) / step) + 1)
    return [_tidy(start + i * step) for i in range(count + 1)]


def _tidy(value: float) -> float:
    """Round away binary noise (0.30000000000000004 -> 0.3) so labels read as typed."""
    return float(f"{value:.12g}")
