"""Checks of a model against itself (empty, open, absurd size) and against its datasheet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .dimension_fit import DimensionFit, fit_dimensions, overall_agreement
from .facts import ModelFacts

LARGEST_PLAUSIBLE_MM = 10_000.0
SMALLEST_PLAUSIBLE_MM = 0.1
# factors that would repair a wrongly read unit: inches read as mm, mm read as inches, m ↔ mm
_UNIT_SLIPS = (25.4, 1 / 25.4, 1000.0, 0.001)

Severity = Literal["error", "warning", "info"]


class Finding(BaseModel):
    """One result of a check; ``expected`` and ``actual`` are in mm where a dimension is involved."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    message: str
    dimension: str | None = None
    expected: float | None = None
    actual: float | None = None


def check_against_dimensions(
    facts: ModelFacts, expected: Mapping[str, float] | None = None, tolerance: float = 0.05
) -> list[Finding]:
    """The model's own findings, then one per datasheet dimension (mm, keyed by name such as
    ``outer_diameter``, ``bore``, ``width``; see :mod:`.dimension_fit`), compared with the
    bounding box within ``tolerance`` (relative)."""
    findings = _sanity_findings(facts)
    if expected and facts.faces:
        fits = fit_dimensions(facts.extents_mm, expected)
        findings += [_finding_for(fit, tolerance) for fit in fits]
        if any(finding.code == "dimension_mismatch" for finding in findings):
            findings += _unit_slip_findings(facts, expected, tolerance)
    return findings


def _sanity_findings(facts: ModelFacts) -> list[Finding]:
    if facts.faces == 0:
        return [Finding(code="empty", severity="error", message="the model has no faces")]
    findings = []
    if not facts.watertight:
        findings.append(Finding(
            code="not_watertight", severity="warning",
            message="the mesh is not closed (holes or open edges), so its volume is not known",
        ))
    largest = facts.extents_sorted_mm[0]
    unit_hint = f"read as {facts.source_units} ({facts.units_source}); is that the unit it was drawn in?"
    if largest > LARGEST_PLAUSIBLE_MM:
        findings.append(Finding(
            code="implausibly_large", severity="error", actual=largest,
            message=f"largest extent {largest:,.0f} mm is over {LARGEST_PLAUSIBLE_MM:,.0f} mm; {unit_hint}",
        ))
    elif largest < SMALLEST_PLAUSIBLE_MM:
        findings.append(Finding(
            code="implausibly_small", severity="error", actual=largest,
            message=f"largest extent {largest:g} mm is under {SMALLEST_PLAUSIBLE_MM:g} mm; {unit_hint}",
        ))
    return findings


def _finding_for(fit: DimensionFit, tolerance: float) -> Finding:
    name, expected, actual = fit.name, fit.expected_mm, fit.actual_mm
    known = {"dimension": name, "expected": expected, "actual": actual}
    if fit.kind == "invalid":
        return Finding(code="dimension_invalid", severity="error", **known,
                       message=f"{name}: datasheet value {expected:g} is not a positive length")
    if fit.kind == "unknown":
        return Finding(code="dimension_unknown", severity="info", **known,
                       message=f"{name}: no rule compares this dimension with a bounding box")
    if fit.kind == "inner":
        if actual is not None and expected > actual * (1 + tolerance):
            return Finding(code="dimension_impossible", severity="error", **known,
                           message=f"{name} {expected:g} mm cannot fit in the model, whose second-largest "
                                   f"extent is {actual:g} mm")
        return Finding(code="dimension_unverifiable", severity="info", **known,
                       message=f"{name} {expected:g} mm lies inside the part; a bounding box cannot show it")
    error = fit.relative_error
    if error is None:
        return Finding(code="dimension_unverifiable", severity="info", **known,
                       message=f"{name}: more overall dimensions than the box has axes")
    axes = "".join("xyz"[axis] for axis in fit.axes)
    if error <= tolerance:
        return Finding(code="dimension_agrees", severity="info", **known,
                       message=f"{name} {expected:g} mm agrees with the model's {actual:g} mm ({axes})")
    return Finding(code="dimension_mismatch", severity="error", **known,
                   message=f"{name} {expected:g} mm, but the model measures {actual:g} mm ({axes}), "
                           f"{error:.0%} off where {tolerance:.0%} is allowed")


def _unit_slip_findings(facts: ModelFacts, expected: Mapping[str, float], tolerance: float) -> list[Finding]:
    """If every overall dimension agrees once the model is rescaled, its unit was probably misread."""
    for factor in _UNIT_SLIPS:
        if overall_agreement([extent * factor for extent in facts.extents_mm], expected, tolerance):
            return [Finding(
                code="units_suspect", severity="warning",
                message=f"every dimension agrees if the model is scaled by {factor:g}: it was read as "
                        f"{facts.source_units} ({facts.units_source}); was it drawn in another unit?",
            )]
    return []
