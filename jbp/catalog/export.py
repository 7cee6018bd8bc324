"""Catalog export to xlsx, csv or json, in a shape the importers read back unchanged.

Tabular exports use the field codes and parameter codes as headers and each parameter's source text
as its value, so re-importing normalises exactly as the first import did. Media descriptions and
BMEcat price types travel only in JSON.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jbp.catalog.definitions import load_definitions
from jbp.catalog.importers.jsonfile import FORMAT_NAME
from jbp.catalog.models import Product
from jbp.catalog.reading import iter_products
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
                    "products": [_json_product(p) for p in products]}
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        by_category: dict[str, list[Product]] = {}
        for product in products:
            by_category.setdefault(product.category, []).append(product)
        if fmt == "csv":
            _write_csv(path, products)
        else:
            _write_xlsx(path, by_category)
    return ExportReport(str(path), fmt, len(products))


def _json_product(product: Product) -> dict:
    document = product.model_dump(mode="json", exclude_defaults=False)
    document["params"] = {code: {"source": value.source} for code, value in product.params.items()}
    return document


def _columns(products: Iterable[Product]) -> tuple[list[str], list[tuple[str, int]], list[str]]:
    price_keys = sorted({(b.currency, b.min_qty) for p in products for b in p.price_breaks},
                        key=lambda k: (k[0], k[1]))
    params = list(dict.fromkeys(code for p in products for code in p.params))
    headers = [*FIELD_COLUMNS, *(f"price@{qty} ({cur})" for cur, qty in price_keys),
               "image", "datasheet", "cad", "related", *params]
    return headers, price_keys, params


def _row(product: Product, price_keys: list[tuple[str, int]], params: list[str]) -> list[str]:
    values = [getattr(product, name) for name in FIELD_COLUMNS]
    prices = {(b.currency, b.min_qty): b.price for b in product.price_breaks}
    media = {kind: "\n".join(m.uri for m in product.media if m.kind.value == kind)
             for kind in ("image", "datasheet", "cad")}
    related = "\n".join(f"{r.kind}:{r.sku}" for r in product.related)
    cells = [*values, *(_money(prices.get(key)) for key in price_keys), media["image"], media["datasheet"],
             media["cad"], related, *(product.params[c].source if c in product.params else "" for c in params)]
    return ["" if v is None else guard_cell(str(v.value if hasattr(v, "value") else v)) for v in cells]


def _money(price: Decimal | None) -> str | None:
    return None if price is None else format(price.normalize(), "f")


def _write_csv(path: Path, products: list[Product]) -> None:
    headers, price_keys, params = _columns(products)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for product in products:
            writer.writerow(_row(product, price_keys, params))


def _write_xlsx(path: Path, by_category: dict[str, list[Product]]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for category, products in by_category.items() or {"catalog": []}.items():
        sheet = workbook.create_sheet(title=category[:31])
        headers, price_keys, params = _columns(products)
        sheet.append(headers)
        for product in products:
            cells = []
            for text in _row(product, price_keys, params):
                cell = WriteOnlyCell(sheet, value=text)
                cell.data_type = "s"  # always text: nothing a buyer typed becomes a formula
                cells.append(cell)
            sheet.append(cells)
    workbook.save(path)
