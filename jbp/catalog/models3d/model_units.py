"""Which length unit a model was drawn in, so that every stored model is in millimetres.

Files that declare a unit are taken at their word (glTF is metres by its specification, 3MF says
so in its header, STEP arrives from cascadio in metres). STL, OBJ, PLY and OFF carry no unit, so
it is guessed:

1. with datasheet dimensions, the unit (mm, m, in) under which every overall dimension agrees;
2. otherwise a part whose largest extent is under 0.5 is taken as metres (a bearing 0.052 long
   is a 52 mm bearing, not a half-millimetre speck);
3. otherwise millimetres, the convention of CAD exports.

Inches are only recognised through the datasheet, since an inch-drawn part (a 2.0 long bolt)
looks like a plausible small part in millimetres; ``assume_units="in"`` says so outright.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from trimesh import units as trimesh_units

from .dimension_fit import overall_agreement
from .errors import ModelError

UNIT_SCALES_TO_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": 25.4}
METRES_BELOW = 0.5
_GUESSABLE = ("mm", "m", "in")

UnitsSource = Literal["declared", "guessed", "assumed"]


@dataclass(frozen=True, slots=True)
class UnitsDecision:
    """The unit a model was read in, the factor that brings it to millimetres, and why."""

    source_units: str
    scale_to_mm: float
    units_source: UnitsSource
    reason: str


def assumed_units(unit: str) -> UnitsDecision:
    """The caller says which unit the file is in (one of ``UNIT_SCALES_TO_MM``)."""
    if unit not in UNIT_SCALES_TO_MM:
        raise ModelError(f"unknown length unit {unit!r}; use one of {', '.join(UNIT_SCALES_TO_MM)}")
    return UnitsDecision(unit, UNIT_SCALES_TO_MM[unit], "assumed", f"units given as {unit}")


def declared_units(declared: str, by: str) -> UnitsDecision | None:
    """The unit a file declares (``by`` says where it was declared), or None if it is not a length unit."""
    try:
        scale = float(trimesh_units.unit_conversion(declared, "millimeters"))
    except (KeyError, ValueError, TypeError):
        return None
    short = next((unit for unit, factor in UNIT_SCALES_TO_MM.items() if abs(factor - scale) < 1e-9), declared)
    return UnitsDecision(short, scale, "declared", f"{by} declares {declared}")


def guess_units(
    extents: Sequence[float], expected_mm: Mapping[str, float] | None = None, tolerance: float = 0.05
) -> UnitsDecision:
    """Guess the unit of a file that declares none, from its extents and, if given, the datasheet."""
    if expected_mm:
        for unit in _GUESSABLE:
            scale = UNIT_SCALES_TO_MM[unit]
            agreeing = overall_agreement([extent * scale for extent in extents], expected_mm, tolerance)
            if agreeing:
                reason = f"read in {unit}, {', '.join(agreeing)} agree with the datasheet"
                return UnitsDecision(unit, scale, "guessed", reason)
    largest = max(extents, default=0.0)
    if 0 < largest < METRES_BELOW:
        return UnitsDecision(
            "m", 1000.0, "guessed", f"largest extent {largest:g} is under {METRES_BELOW:g}: read as metres"
        )
    return UnitsDecision("mm", 1.0, "guessed", "no unit in the file: millimetres by convention")
