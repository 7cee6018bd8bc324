"""Which column of a sheet means what: detected from the headers, corrected by a mapping file.

A mapping file (TOML) lets a catalog engineer fix what detection got wrong:

    header_row = 3                     # 1-based; skips detection
    ignore = ["备注", "内部编号"]
    [fields]
    "物料号" = "sku"
    [parameters]
    "电流" = "rated_current"
    "Spannung" = { parameter = "rated_voltage", unit = "V" }
    [prices]
    "含税价" = { min_qty = 1, currency = "CNY" }
    [defaults]
    brand = "CHNT"
    category = "contactor"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from jbp.catalog.importers.headers import (
    FIELD_HEADERS,
    field_for_header,
    field_unit_factor,
    fold_header,
    parameter_for_header,
    price_break_for_header,
    split_header_unit,
)
from jbp.errors import CatalogImportError, Location


@dataclass(frozen=True, slots=True)
class ColumnTarget:
    """What one column holds: a product field, a price break, a parameter, or nothing we use."""

    kind: str  # "field" | "price" | "param" | "ignored"
    name: str = ""  # field name or parameter name as written
    unit: str | None = None  # unit from the header (parameters; 交期(周) for a field)
    min_qty: int = 1  # price breaks
    currency: str | None = None

    def describe(self) -> str:
        if self.kind == "field":
            return f"field {self.name}"
        if self.kind == "price":
            return f"price {self.min_qty}+ {self.currency or ''}".rstrip()
        if self.kind == "param":
            return f"parameter {self.name}" + (f" [{self.unit}]" if self.unit else "")
        return "ignored"


@dataclass
class Mapping:
    fields: dict[str, str] = field(default_factory=dict)  # folded header -> field
    parameters: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # folded header -> (code, unit)
    prices: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    ignore: set[str] = field(default_factory=set)
    defaults: dict[str, str] = field(default_factory=dict)
    header_row: int | None = None
    decimal_comma: bool = False  # European numbers: 1.250,5 (a dot only groups thousands)

    def target_for(self, header: str, is_parameter_name) -> ColumnTarget:
        """The column's meaning: the mapping file first, then the field, price and parameter spellings."""
        folded = fold_header(header)
        if folded in self.ignore:
            return ColumnTarget("ignored")
        if folded in self.fields:  # the file's word wins over a unit in the header we do not know (Tage)
            unit = split_header_unit(header)[1]
            known = field_unit_factor(self.fields[folded], unit) is not None
            return ColumnTarget("field", self.fields[folded], unit=unit if known else None)
        if folded in self.parameters:
            code, unit = self.parameters[folded]
            return ColumnTarget("param", code, unit=unit or split_header_unit(header)[1])
        if folded in self.prices:
            qty, currency = self.prices[folded]
            return ColumnTarget("price", min_qty=qty, currency=currency)
        if parameter := parameter_for_header(header):
            return ColumnTarget("param", parameter)
        field_name = field_for_header(header)
        if field_name:
            return ColumnTarget("field", field_name, unit=split_header_unit(header)[1])
        price = price_break_for_header(header)
        if price:
            return ColumnTarget("price", min_qty=price[0], currency=price[1])
        name, unit = split_header_unit(header)
        if is_parameter_name(header):
            return ColumnTarget("param", header)
        if is_parameter_name(name):
            return ColumnTarget("param", name, unit=unit)
        return ColumnTarget("ignored")


def read_mapping(path: Path | str | None) -> Mapping:
    """The mapping file at `path` (an empty mapping when None)."""
    if path is None:
        return Mapping()
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogImportError(f"cannot read mapping file: {exc}", Location(file=str(path))) from exc
    mapping = Mapping()
    where = Location(file=str(path))
    for header, target in document.get("fields", {}).items():
        if target not in FIELD_HEADERS:
            raise CatalogImportError(f"[fields] {header!r}: unknown field {target!r}; fields are "
                                     f"{', '.join(FIELD_HEADERS)}", where)
        mapping.fields[fold_header(header)] = target
    for header, target in document.get("parameters", {}).items():
        if isinstance(target, str):
            mapping.parameters[fold_header(header)] = (target, None)
        elif isinstance(target, dict) and isinstance(target.get("parameter"), str):
            mapping.parameters[fold_header(header)] = (target["parameter"], target.get("unit"))
        else:
            raise CatalogImportError(f"[parameters] {header!r}: give a parameter code or "
                                     "{ parameter = CODE, unit = UNIT }", where)
    for header, target in document.get("prices", {}).items():
        qty = target.get("min_qty", 1) if isinstance(target, dict) else None
        if not isinstance(qty, int) or qty < 1:
            raise CatalogImportError(f"[prices] {header!r}: min_qty must be a whole number ≥ 1", where)
        mapping.prices[fold_header(header)] = (qty, target.get("currency"))
    mapping.ignore = {fold_header(h) for h in document.get("ignore", [])}
    mapping.defaults = {k: str(v) for k, v in document.get("defaults", {}).items()}
    decimal_comma = document.get("decimal_comma", False)
    if not isinstance(decimal_comma, bool):
        raise CatalogImportError("decimal_comma must be true or false", where)
    mapping.decimal_comma = decimal_comma
    header_row = document.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise CatalogImportError("header_row must be a row number ≥ 1", where)
    mapping.header_row = header_row
    unknown = set(document) - {"fields", "parameters", "prices", "ignore", "defaults", "header_row", "decimal_comma"}
    if unknown:
        raise CatalogImportError(f"unknown keys {sorted(unknown)} in mapping file", where)
    return mapping
