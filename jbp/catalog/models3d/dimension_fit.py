"""How a datasheet's dimensions map onto a model's bounding box.

Overall dimensions can be read from the box: a diameter is a pair of near-equal extents (the
cross-section of a round part), a length, width, height or thickness is one extent each, taken by
whichever assignment fits best (a bearing 25×52×15 has extents 52, 52, 15: outer diameter 52 on
the pair, width 15 on the third axis). Inner dimensions (bore, thread) lie inside the box and can
only be bounded: a circle of diameter d needs two extents of at least d.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import permutations
from typing import Literal

ROUND_DIMENSIONS = frozenset({"outer_diameter", "diameter", "head_diameter", "flange_diameter"})
AXIS_DIMENSIONS = frozenset(
    {"length", "width", "height", "thickness", "depth", "overall_length", "total_length"}
)
INNER_DIMENSIONS = frozenset(
    {"bore", "inner_diameter", "thread_diameter", "hole_diameter", "shaft_diameter"}
)

FitKind = Literal["round", "axis", "inner", "unknown", "invalid"]


@dataclass(frozen=True, slots=True)
class DimensionFit:
    """One datasheet dimension against the box: the extent it was matched with (for ``inner``,
    the largest diameter the box can hold), or None where the box cannot tell."""

    name: str
    kind: FitKind
    expected_mm: float
    actual_mm: float | None = None
    axes: tuple[int, ...] = ()

    @property
    def relative_error(self) -> float | None:
        if self.actual_mm is None or self.kind not in ("round", "axis"):
            return None
        return abs(self.actual_mm - self.expected_mm) / self.expected_mm


def fit_dimensions(extents_mm: Sequence[float], expected_mm: Mapping[str, float]) -> list[DimensionFit]:
    """Match each expected dimension (in mm, keyed by name) to the box extents (x, y, z)."""
    extents = [float(extent) for extent in extents_mm]
    fits: dict[str, DimensionFit] = {}
    rounds, axes = [], []
    for raw_name, value in expected_mm.items():
        name = normalise_dimension_name(raw_name)
        expected = float(value)
        if not math.isfinite(expected) or expected <= 0:
            fits[raw_name] = DimensionFit(raw_name, "invalid", expected)
        elif name in ROUND_DIMENSIONS:
            rounds.append((raw_name, expected))
        elif name in AXIS_DIMENSIONS:
            axes.append((raw_name, expected))
        elif name in INNER_DIMENSIONS:
            fits[raw_name] = DimensionFit(raw_name, "inner", expected, sorted(extents)[1])
        else:
            fits[raw_name] = DimensionFit(raw_name, "unknown", expected)
    if rounds or axes:
        fits.update({fit.name: fit for fit in _best_assignment(extents, rounds, axes)})
    return [fits[name] for name in expected_mm]


def normalise_dimension_name(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _best_assignment(
    extents: list[float], rounds: list[tuple[str, float]], axes: list[tuple[str, float]]
) -> list[DimensionFit]:
    best: list[DimensionFit] = []
    best_score = math.inf
    for order in permutations(range(3)):
        pair = order[:2] if rounds else ()
        # a round part has one free axis; further axis dimensions can only lie across the pair
        free_axes = (order[2], *order[:2]) if rounds else order
        candidate = [_round_fit(name, value, extents, pair) for name, value in rounds]
        candidate += [
            DimensionFit(name, "axis", value, extents[axis], (axis,))
            for (name, value), axis in zip(axes, free_axes, strict=False)
        ]
        candidate += [DimensionFit(name, "axis", value) for name, value in axes[len(free_axes):]]
        score = sum(fit.relative_error or 0.0 for fit in candidate)
        if score < best_score:
            best, best_score = candidate, score
    return best


def _round_fit(name: str, value: float, extents: list[float], pair: tuple[int, ...]) -> DimensionFit:
    """A diameter must match both extents of the pair; report the one further off."""
    worse = max(pair, key=lambda axis: abs(extents[axis] - value))
    return DimensionFit(name, "round", value, extents[worse], tuple(sorted(pair)))


def overall_agreement(
    extents_mm: Sequence[float], expected_mm: Mapping[str, float], tolerance: float
) -> list[str] | None:
    """Names of the overall (round and axis) dimensions if every one agrees with the box within
    ``tolerance``; None if any disagrees or there is none to compare."""
    overall = [fit for fit in fit_dimensions(extents_mm, expected_mm) if fit.kind in ("round", "axis")]
    errors = [fit.relative_error for fit in overall]
    if overall and all(error is not None and error <= tolerance for error in errors):
        return [fit.name for fit in overall]
    return None
