"""What a substitution answers: the original part, the substitutes with their reasons, and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from jbp.catalog.models import Grade

Source = Literal["cross_reference", "successor", "parametric"]
Verdict = Literal["better", "worse", "equal", "unknown"]


@dataclass(frozen=True, slots=True)
class Difference:
    """One parameter where a candidate differs from the original, and whether that helps or hurts."""

    param: str
    original: str | None
    candidate: str | None
    verdict: Verdict
    unit: str = ""


@dataclass(slots=True)
class Substitute:
    brand: str
    sku: str
    mpn: str | None
    grade: Grade
    source: Source
    distance: float | None  # weighted normalised parameter distance; None when parameters were not compared
    differences: list[Difference] = field(default_factory=list)
    stock: int | None = None
    lead_time_days: int | None = None
    unit_price: Decimal | None = None  # at the requested quantity
    currency: str | None = None
    lifecycle: str = "active"
    notes: list[str] = field(default_factory=list)
    name: str | None = None


@dataclass(slots=True)
class PartDescription:
    """The part to replace: one of ours (with SKU) or a competitor's (known by cross-reference or parameters)."""

    kind: Literal["ours", "competitor"]
    brand: str
    mpn: str | None
    sku: str | None = None
    name: str | None = None
    category: str | None = None
    lifecycle: str | None = None
    params: dict[str, str] = field(default_factory=dict)  # parameter code -> value as shown


@dataclass(slots=True)
class SubstitutionResult:
    original: PartDescription
    substitutes: list[Substitute] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
