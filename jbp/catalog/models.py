"""Domain models of the catalog, validated with pydantic at the boundaries (importers, library calls).

A product is keyed by (brand, SKU). Parameter values keep their source text beside the normalised SI
value so that nothing a catalog engineer typed is ever lost.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Lifecycle(StrEnum):
    active = "active"
    nrnd = "nrnd"  # not recommended for new designs
    eol = "eol"
    obsolete = "obsolete"


class ParamKind(StrEnum):
    numeric = "numeric"
    range = "range"
    enum = "enum"
    text = "text"
    bool = "bool"


class Comparison(StrEnum):
    """How a substitute's value must relate to the original's for the parameter to count as met."""

    equal = "equal"
    at_least = "at_least"
    at_most = "at_most"
    within_tolerance = "within_tolerance"
    covers = "covers"  # a range that must contain the original range (temperature, supply voltage)


class Grade(StrEnum):
    drop_in = "drop_in"
    functional = "functional"
    similar = "similar"


class MediaKind(StrEnum):
    image = "image"
    datasheet = "datasheet"
    cad = "cad"
    document = "document"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Brand(Frozen):
    code: str = Field(min_length=1, max_length=64)
    name_zh: str | None = None
    name_en: str | None = None
    aliases: tuple[str, ...] = ()


class ParameterDef(Frozen):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    name_zh: str | None = None
    name_en: str | None = None
    kind: ParamKind = ParamKind.numeric
    unit: str = ""  # SI unit symbol for numeric and range kinds
    allowed_values: tuple[str, ...] = ()
    key: bool = False  # form-and-fit parameter: a substitute must match it
    comparison: Comparison = Comparison.equal
    tolerance: float | None = Field(default=None, ge=0)  # relative, for within_tolerance
    required: bool = False  # counted by catalog quality
    aliases: tuple[str, ...] = ()  # further header spellings that mean this parameter
    dimension: str | None = None  # which model bounding-box dimension this is (outer_diameter, width…)

    @model_validator(mode="after")
    def _check_consistency(self) -> ParameterDef:
        if self.kind in (ParamKind.numeric, ParamKind.range) and self.allowed_values:
            raise ValueError("allowed_values only apply to enum parameters")
        if self.comparison == Comparison.within_tolerance and self.tolerance is None:
            raise ValueError("comparison 'within_tolerance' needs a tolerance")
        return self


class Category(Frozen):
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)
    name_zh: str | None = None
    name_en: str | None = None
    parent: str | None = None
    parameters: tuple[ParameterDef, ...] = ()

    @field_validator("parameters")
    @classmethod
    def _unique_codes(cls, parameters: tuple[ParameterDef, ...]) -> tuple[ParameterDef, ...]:
        seen: set[str] = set()
        for definition in parameters:
            if definition.code in seen:
                raise ValueError(f"parameter {definition.code!r} declared twice")
            seen.add(definition.code)
        return parameters

    def parameter(self, code: str) -> ParameterDef | None:
        return next((p for p in self.parameters if p.code == code), None)


class PriceBreak(Frozen):
    min_qty: int = Field(ge=1)
    price: Decimal = Field(ge=0, max_digits=18, decimal_places=6)
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")


class MediaRef(Frozen):
    kind: MediaKind
    uri: str = Field(min_length=1, max_length=2000)
    description: str | None = None


class RelatedProduct(Frozen):
    """Another SKU of the same brand that goes with this one (accessory, similar, spare part…)."""

    kind: str = Field(min_length=1, max_length=32)
    sku: str = Field(min_length=1, max_length=128)


class ParamValue(Frozen):
    """One parameter of one product: the normalised value and the text it came from."""

    num: float | None = None  # SI value for numeric parameters
    num_min: float | None = None  # SI bounds for range parameters
    num_max: float | None = None
    text: str | None = None  # enum/text/bool value, canonical spelling
    source: str = ""


class Product(Frozen):
    brand: str
    sku: str = Field(min_length=1, max_length=128)
    category: str
    mpn: str | None = None
    series: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    description: str | None = None
    lifecycle: Lifecycle = Lifecycle.active
    successor_sku: str | None = None
    unit: str = "PCE"
    package_qty: int = Field(default=1, ge=1)
    moq: int = Field(default=1, ge=1)
    order_multiple: int = Field(default=1, ge=1)
    stock: int | None = Field(default=None, ge=0)
    lead_time_days: int | None = Field(default=None, ge=0)
    price_breaks: tuple[PriceBreak, ...] = ()
    media: tuple[MediaRef, ...] = ()
    related: tuple[RelatedProduct, ...] = ()
    params: dict[str, ParamValue] = Field(default_factory=dict)

    @field_validator("price_breaks")
    @classmethod
    def _distinct_breaks(cls, breaks: tuple[PriceBreak, ...]) -> tuple[PriceBreak, ...]:
        keys = [(b.currency, b.min_qty) for b in breaks]
        if len(set(keys)) != len(keys):
            raise ValueError("two prices for the same quantity break")
        return tuple(sorted(breaks, key=lambda b: (b.currency, b.min_qty)))

    @property
    def normalised_mpn(self) -> str | None:
        return normalise_part_number(self.mpn) if self.mpn else None


class CrossReference(Frozen):
    """Another maker's part that one of ours replaces, with how well it does."""

    other_brand: str = Field(min_length=1)
    other_mpn: str = Field(min_length=1)
    brand: str
    sku: str
    grade: Grade = Grade.similar
    note: str | None = None


_SEPARATORS = re.compile(r"[\s\-_./\\,:;#()\[\]{}+*'\"|]+")


def normalise_part_number(text: str) -> str:
    """Fold a part number the way buyers mistype it: width, case and separators do not matter."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return _SEPARATORS.sub("", folded)
