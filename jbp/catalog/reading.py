"""Products read back from the store as domain models (for export, substitution, quotes)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection

from jbp.catalog.definitions import Definitions
from jbp.catalog.models import MediaRef, ParamValue, PriceBreak, Product, RelatedProduct
from jbp.store import catalog_rows


def iter_products(conn: Connection, definitions: Definitions, *, category: str | None = None,
                  brand: str | None = None) -> Iterator[Product]:
    """Every stored product (optionally of one category and/or brand), in the order they were created."""
    brand_codes = {v: k for k, v in definitions.brand_ids.items()}
    category_codes = {v: k for k, v in definitions.category_ids.items()}
    param_codes = {v: k[1] for k, v in definitions.parameter_ids.items()}
    category_ids = [definitions.category_ids[definitions.require_category(category).code]] if category else None
    brand_ids = [definitions.brand_ids[definitions.require_brand(brand).code]] if brand else None
    for row, children in catalog_rows.products_with_children(conn, category_ids, brand_ids):
        yield Product(
            brand=brand_codes[row["brand_id"]], sku=row["sku"], category=category_codes[row["category_id"]],
            mpn=row["mpn"], series=row["series"], name_zh=row["name_zh"], name_en=row["name_en"],
            description=row["description"], lifecycle=row["lifecycle"], successor_sku=row["successor_sku"],
            unit=row["unit"], package_qty=row["package_qty"], moq=row["moq"],
            order_multiple=row["order_multiple"], stock=row["stock"], lead_time_days=row["lead_time_days"],
            price_breaks=tuple(PriceBreak(min_qty=p["min_qty"], price=p["price"], currency=p["currency"])
                               for p in children["price_breaks"]),
            media=tuple(MediaRef(kind=m["kind"], uri=m["uri"], description=m["description"])
                        for m in sorted(children["media"], key=lambda m: m["position"])),
            related=tuple(RelatedProduct(kind=link["kind"], sku=link["target_sku"])
                          for link in children["product_links"]),
            params={param_codes[v["param_id"]]: ParamValue(num=v["num"], num_min=v["num_min"],
                                                           num_max=v["num_max"], text=v["text"],
                                                           source=v["source"])
                    for v in children["param_values"]},
        )
