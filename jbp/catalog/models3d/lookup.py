"""Which product a SKU names, for the model commands: exactly one, or an error that says what exists."""

from __future__ import annotations

import difflib

from sqlalchemy import Connection

from jbp.catalog.definitions import Definitions
from jbp.errors import DataError, JbpError, Location, NotFoundError
from jbp.store import substitution_rows

SUGGESTIONS = 5
_MIN_PREFIX = 2


def find_product(conn: Connection, definitions: Definitions, sku: str, brand: str | None = None) -> dict:
    """The product row (id, brand_id, sku, category_id, …) of ``sku``, of ``brand`` if given.

    File names often change the case of a SKU, so an upper-cased spelling is tried after the exact one.
    A SKU several brands use needs ``brand``; an unknown one raises NotFoundError with close SKUs.
    """
    text = sku.strip()
    if not text:
        raise DataError("no SKU given", Location(value=sku))
    brand_ids = [definitions.brand_ids[definitions.require_brand(brand).code]] if brand else \
        list(definitions.brand_ids.values())
    rows = substitution_rows.products_by_sku(conn, text, brand_ids)
    if not rows and text.upper() != text:
        rows = substitution_rows.products_by_sku(conn, text.upper(), brand_ids)
    if len(rows) > 1:
        codes = {brand_id: code for code, brand_id in definitions.brand_ids.items()}
        raise JbpError(f"SKU {text!r} exists for brands {', '.join(sorted(codes[r['brand_id']] for r in rows))}: "
                       "pass --brand")
    if not rows:
        where = f" of brand {brand}" if brand else ""
        raise NotFoundError(f"unknown SKU {text!r}{where}", close_skus(conn, text, brand_ids))
    return rows[0]


def close_skus(conn: Connection, sku: str, brand_ids: list[int]) -> list[str]:
    """SKUs sharing ever shorter prefixes with ``sku`` (index range scans), ranked by similarity."""
    pool: set[str] = set()
    for spelling in dict.fromkeys((sku, sku.upper())):
        for end in range(len(spelling), _MIN_PREFIX - 1, -1):
            pool.update(substitution_rows.part_numbers_starting(conn, spelling[:end], "", brand_ids))
            if len(pool) >= 4 * SUGGESTIONS:
                break
    by_folded = {candidate.upper(): candidate for candidate in pool}
    close = difflib.get_close_matches(sku.upper(), list(by_folded), n=SUGGESTIONS, cutoff=0.5)
    return [by_folded[folded] for folded in close]
