"""jbp's own JSON catalog (what `jbp catalog export --format json` writes), read back for round trips."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from jbp.catalog.records import ParsedCatalog, RawLink, RawMedia, RawParam, RawPrice, RawProduct, RawValue
from jbp.errors import CatalogImportError, Location

FORMAT_NAME = "jbp-catalog"


def load_json_catalog(path: Path, _definitions=None, _mapping=None, sheet: str | None = None) -> ParsedCatalog:
    """Products exactly as exported; `sheet` and the mapping do not apply to JSON."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogImportError(f"not valid JSON: {exc}", Location(file=str(path))) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise CatalogImportError(f"not a jbp catalog JSON (expected \"format\": \"{FORMAT_NAME}\")",
                                 Location(file=str(path)))
    products = document.get("products")
    if not isinstance(products, list):
        raise CatalogImportError("\"products\" must be a list", Location(file=str(path)))
    return ParsedCatalog(source=str(path), format="json", products=_products(path, products))


def _products(path: Path, items: list) -> Iterator[RawProduct]:
    for number, item in enumerate(items, start=1):
        where = Location(file=str(path), row=number)
        if not isinstance(item, dict):
            raise CatalogImportError("each product must be an object", where)
        product = RawProduct(location=where)
        for name, value in item.items():
            if name not in ("params", "price_breaks", "media", "related"):
                product.fields[name] = RawValue(value, f"products[{number - 1}].{name}")
        for code, param in (item.get("params") or {}).items():
            source = param.get("source") if isinstance(param, dict) else param
            if isinstance(source, list | dict):
                source = json.dumps(source, ensure_ascii=False)  # kept as written, to be judged as text
            product.params.append(RawParam(code, RawValue(source, f"products[{number - 1}].params.{code}")))
        for price in item.get("price_breaks") or []:
            label = f"products[{number - 1}].price_breaks"
            product.prices.append(RawPrice(RawValue(price.get("min_qty"), label), RawValue(price.get("price"), label),
                                           price.get("currency")))
        for media in item.get("media") or []:
            product.media.append(RawMedia(media.get("kind", "document"), media.get("uri", ""),
                                          media.get("description")))
        for related in item.get("related") or []:
            product.links.append(RawLink(related.get("kind", ""), related.get("sku", "")))
        if item.get("successor_sku"):
            product.links.append(RawLink("successor", item["successor_sku"]))
        yield product


loaders = {"json": load_json_catalog}
