"""What importers hand over: products as read, before validation.

Parsing (one module per file format) is kept apart from validation (`building.py`) and storage, the way
trimesh's loaders return plain data. Every raw value remembers the column it came from so a rejection
can name the cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from jbp.catalog.models import Brand, Category
from jbp.errors import Location


@dataclass(slots=True)
class RawValue:
    value: object  # str | int | float | bool | None, as the file holds it
    column: str | None = None  # column label for messages, e.g. "F 额定电流(A)" or "FVALUE[Rated current]"
    unit_hint: str | None = None  # unit written in the header or beside the value (FUNIT)


@dataclass(slots=True)
class RawPrice:
    min_qty: RawValue
    price: RawValue
    currency: str | None = None


@dataclass(slots=True)
class RawParam:
    name: str  # parameter code, zh or en name as written
    value: RawValue


@dataclass(slots=True)
class RawMedia:
    kind: str  # image / datasheet / cad / document, or the file's own word for it
    uri: str
    description: str | None = None


@dataclass(slots=True)
class RawLink:
    kind: str  # successor / accessory / similar / …
    target_sku: str


@dataclass(slots=True)
class RawProduct:
    location: Location  # file, sheet and row of the product
    fields: dict[str, RawValue] = field(default_factory=dict)  # product field name -> value
    prices: list[RawPrice] = field(default_factory=list)
    params: list[RawParam] = field(default_factory=list)
    media: list[RawMedia] = field(default_factory=list)
    links: list[RawLink] = field(default_factory=list)


@dataclass(slots=True)
class ParsedCatalog:
    """Everything one file declares: the definitions it brings and its products, in file order."""

    source: str
    format: str
    brands: list[Brand] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)  # declared or derived (BMEcat feature systems)
    # Streamed, so a 400k-article file is never held in memory whole; read it once.
    products: Iterable[RawProduct] = ()
    default_brand: str | None = None  # e.g. the BMEcat supplier, for products that name none
    # BMEcat: a category or parameter the file uses but nobody declared is created from its features.
    derive_definitions: bool = False
    warnings: list[str] = field(default_factory=list)  # e.g. columns not imported
