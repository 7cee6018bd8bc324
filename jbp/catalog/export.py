"""Catalog export to xlsx, csv or json, in a shape the importers read back unchanged.

Tabular exports use the field codes and parameter codes as headers and each parameter's source text
as its value, so re-importing normalises exactly as the first import did. A source that would import as
something else (a bare `2.2` whose `kW` was in the header, stored before sources kept such units) is written
as the stored SI value instead. Media references go in one `media` column, a line each (kind, uri,
description; see `media_refs`), so their order and descriptions survive as they do in JSON.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jbp.catalog.building import Rejected, parse_parameter
from jbp.catalog.definitions import Definitions, load_definitions
from jbp.catalog.importers.headers import field_for_header, parameter_for_header, price_break_for_header
from jbp.catalog.importers.jsonfile import FORMAT_NAME
from jbp.catalog.media_refs import media_cell
from jbp.catalog.models import ParameterDef, ParamKind, ParamValue, Product
from jbp.catalog.reading import iter_products
from jbp.catalog.records import RawValue
from jbp.safecells import guard_cell
from jbp.store import Store

FIELD_COLUMNS = ("sku", "brand", "category", "mpn", "series", "name_zh", "name_en", "description", "lifecycle",
                 "successor_sku", "unit", "package_qty", "moq", "order_multiple", "stock", "lead_time_days")
FORMATS = ("xlsx", "csv", "json")


@dataclass
class ExportReport:
    path: str
    format: str
    products: int


def export_catalog(store: Store, path: Path | str, fmt: str | None = None, *, category: str | None = None,
                   brand: str | None = None) -> ExportReport:
    """Write the catalog (or one category/brand of it) to `path` as xlsx, csv or json."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"export format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    with store.reading() as conn:
        definitions = load_definitions(conn)
        products = list(iter_products(conn, definitions, category=category, brand=brand))
    if fmt == "json":
        document = {"format": FORMAT_NAME, "version": 1,
                    "products": [_json_product(p, definitions) for p in products]}
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        by_category: dict[str, list[Product]] = {}
        for product in products:
            by_category.setdefault(product.category, []).append(product)
        if fmt == "csv":
            _write_csv(path, products, definitions)
        else:
            _write_xlsx(path, by_category, definitions)
    return ExportReport(str(path), fmt, len(products))


def _source_text(definitions: Definitions, product: Product, code: str) -> str:
    """The text to export for a parameter value: its source, if that imports back as the value stored."""
    value = product.params[code]
    definition = definitions.categories[product.category].parameter(code)
    if definition is None or definition.kind not in (ParamKind.numeric, ParamKind.range):
        return value.source
    try:
        again = parse_parameter(definition, RawValue(value.source))
    except Rejected:
        return value.source  # the definition changed since; the import will say why it no longer fits
    if (again.num, again.num_min, again.num_max, again.text) == (value.num, value.num_min, value.num_max, value.text):
        return value.source
    return _si_text(definition, value)


def _si_text(definition: ParameterDef, value: ParamValue) -> str:
    """`2200 W`, `-25..70 °C`, `≥10 m`, `220 V AC`: the stored value as text the unit parser reads back."""
    if value.num is not None:
        number = _number(value.num)
    elif value.num_min is not None and value.num_max is not None:
        number = f"{_number(value.num_min)}..{_number(value.num_max)}"
    else:
        number = f"≥{_number(value.num_min)}" if value.num_min is not None else f"≤{_number(value.num_max)}"
    return " ".join(filter(None, (number, definition.unit, value.text)))


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _json_product(product: Product, definitions: Definitions) -> dict:
    document = product.model_dump(mode="json", exclude_defaults=False)
    document["params"] = {code: {"source": _source_text(definitions, product, code)} for code in product.params}
    return document


def _columns(products: Iterable[Product]) -> tuple[list[str], list[tuple[str, int]], list[str]]:
    price_keys = sorted({(b.currency, b.min_qty) for p in products for b in p.price_breaks},
                        key=lambda k: (k[0], k[1]))
    params = list(dict.fromkeys(code for p in products for code in p.params))
    headers = [*FIELD_COLUMNS, *(f"price@{qty} ({cur})" for cur, qty in price_keys),
               "media", "related", *map(_parameter_header, params)]
    return headers, price_keys, params


def _parameter_header(code: str) -> str:
    """The code, or `param:<code>` where the code alone would read as another column (series, model)."""
    taken = field_for_header(code) or price_break_for_header(code) or parameter_for_header(code)
    return f"param:{code}" if taken else code


def _row(product: Product, price_keys: list[tuple[str, int]], params: list[str],
         definitions: Definitions) -> list[str]:
    values = [getattr(product, name) for name in FIELD_COLUMNS]
    prices = {(b.currency, b.min_qty): b.price for b in product.price_breaks}
    media = media_cell((m.kind.value, m.uri, m.description) for m in product.media)
    related = "\n".join(f"{r.kind}:{r.sku}" for r in product.related)
    cells = [*values, *(_money(prices.get(key)) for key in price_keys), media, related,
             *(_source_text(definitions, product, c) if c in product.params else "" for c in params)]
    return ["" if v is None else guard_cell(str(v.value if hasattr(v, "value") else v)) for v in cells]


def _money(price: Decimal | None) -> str | None:
    return None if price is None else format(price.normalize(), "f")


def _write_csv(path: Path, products: list[Product], definitions: Definitions) -> None:
    headers, price_keys, params = _columns(products)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for product in products:
            writer.writerow(_row(product, price_keys, params, definitions))


def _write_xlsx(path: Path, by_category: dict[str, list[Product]], definitions: Definitions) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for category, products in by_category.items() or {"catalog": []}.items():
        sheet = workbook.create_sheet(title=category[:31])
        headers, price_keys, params = _columns(products)
        sheet.append(headers)
        for product in products:
            cells = []
            for text in _row(product, price_keys, params, definitions):
                cell = WriteOnlyCell(sheet, value=text)
                cell.data_type = "s"  # always text: nothing a buyer typed becomes a formula
                cells.append(cell)
            sheet.append(cells)
    workbook.save(path)
