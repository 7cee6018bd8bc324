"""Rows substitution reads: parts by SKU or normalised MPN, cross-references, successor links and
the parameter values of a whole category (plain dicts and tuples, no domain logic)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, bindparam, func, select

from jbp.store import schema

_PRODUCT_COLUMNS = ("id", "brand_id", "sku", "category_id", "mpn", "mpn_norm", "name_zh", "name_en", "lifecycle",
                    "successor_sku", "moq", "stock", "lead_time_days")


def store_stamp(conn: Connection) -> tuple[int, int]:
    """Changes whenever an import commits or a product is added: (last import run id, last product id).

    Both are index lookups, so checking a cache against the stamp costs well under a millisecond.
    """
    run = conn.execute(select(func.max(schema.import_runs.c.id))).scalar()
    product = conn.execute(select(func.max(schema.products.c.id))).scalar()
    return run or 0, product or 0


def definitions_fingerprint(conn: Connection) -> bytes:
    """A digest of every brand, category and parameter definition row as stored: equal fingerprints mean equal
    definitions, so a process can keep its parsed definitions (reading raw rows costs ~1 ms, parsing ~30)."""
    rows = [_driver_rows(conn, f"all {table.name}", select(table).order_by(table.c.id))
            for table in (schema.brands, schema.categories, schema.parameter_defs)]
    return hashlib.sha1(repr(rows).encode("utf-8"), usedforsecurity=False).digest()


def _product_query():
    table = schema.products
    return select(*(table.c[name] for name in _PRODUCT_COLUMNS))


def products_by_sku(conn: Connection, sku: str, brand_ids: Sequence[int]) -> list[dict]:
    """Products with this exact SKU among `brand_ids` (the unique (brand, SKU) index answers it)."""
    table = schema.products
    rows = conn.execute(_product_query().where(table.c.brand_id.in_(list(brand_ids)), table.c.sku == sku))
    return [dict(r._mapping) for r in rows]


def products_by_mpn(conn: Connection, mpn_norm: str, brand_ids: Sequence[int]) -> list[dict]:
    table = schema.products
    rows = conn.execute(_product_query().where(table.c.mpn_norm == mpn_norm, table.c.brand_id.in_(list(brand_ids)))
                        .order_by(table.c.id))
    return [dict(r._mapping) for r in rows]


def products_by_ids(conn: Connection, ids: Iterable[int]) -> dict[int, dict]:
    table = schema.products
    found: dict[int, dict] = {}
    ids = list(ids)
    for start in range(0, len(ids), 500):
        rows = conn.execute(_product_query().where(table.c.id.in_(ids[start:start + 500])))
        found.update({r.id: dict(r._mapping) for r in rows})
    return found


def products_by_keys(conn: Connection, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], dict]:
    """(brand_id, SKU) -> product row, for those of `keys` that exist (successor links, cross-references)."""
    table = schema.products
    found: dict[tuple[int, str], dict] = {}
    by_brand: dict[int, list[str]] = {}
    for brand_id, sku in keys:
        by_brand.setdefault(brand_id, []).append(sku)
    for brand_id, skus in by_brand.items():
        for start in range(0, len(skus), 500):
            rows = conn.execute(_product_query().where(table.c.brand_id == brand_id,
                                                       table.c.sku.in_(skus[start:start + 500])))
            found.update({(r.brand_id, r.sku): dict(r._mapping) for r in rows})
    return found


def param_values_of(conn: Connection, product_id: int) -> list[dict]:
    """One product's parameter values: param_id, num, num_min, num_max, text, source."""
    table = schema.param_values
    rows = conn.execute(select(table.c.param_id, table.c.num, table.c.num_min, table.c.num_max, table.c.text,
                               table.c.source).where(table.c.product_id == product_id))
    return [dict(r._mapping) for r in rows]


def price_breaks_of(conn: Connection, ids: Iterable[int]) -> dict[int, list[dict]]:
    """product id -> its price breaks (currency, min_qty, price as Decimal)."""
    table = schema.price_breaks
    found: dict[int, list[dict]] = {}
    ids = list(ids)
    for start in range(0, len(ids), 500):
        rows = conn.execute(select(table.c.product_id, table.c.currency, table.c.min_qty, table.c.price)
                            .where(table.c.product_id.in_(ids[start:start + 500])))
        for row in rows:
            found.setdefault(row.product_id, []).append(
                {"currency": row.currency, "min_qty": row.min_qty, "price": row.price})
    return found


def cross_refs_by_mpn(conn: Connection, other_mpn_norm: str) -> list[dict]:
    """Cross-references naming this other part: other_brand, other_mpn, brand_id, sku, grade, note."""
    table = schema.cross_refs
    rows = conn.execute(select(table.c.id, table.c.other_brand, table.c.other_mpn, table.c.brand_id, table.c.sku,
                               table.c.grade, table.c.note)
                        .where(table.c.other_mpn_norm == other_mpn_norm).order_by(table.c.id))
    return [dict(r._mapping) for r in rows]


def category_candidates(conn: Connection, category_id: int) -> tuple[list[tuple], list[tuple]]:
    """Every product of a category and every parameter value they have.

    Products, in id order: (id, brand_id, lifecycle, stock, lead_time_days). Values, in no set order:
    (product_id, param_id, num, num_min, num_max, text). Two narrow queries move fewer bytes than one join
    repeating product columns; rows come straight from the driver, as a category can hold 150k products
    and two million values, where SQLAlchemy's row objects would cost more than the query.
    """
    products, values = schema.products, schema.param_values
    category = bindparam("category_id")
    product_rows = _driver_rows(conn, "category products", select(
        products.c.id, products.c.brand_id, products.c.lifecycle, products.c.stock, products.c.lead_time_days)
        .where(products.c.category_id == category).order_by(products.c.id), category_id=category_id)
    value_rows = _driver_rows(conn, "category values", select(
        values.c.product_id, values.c.param_id, values.c.num, values.c.num_min, values.c.num_max, values.c.text)
        .join(products, products.c.id == values.c.product_id).where(products.c.category_id == category),
        category_id=category_id)
    return product_rows, value_rows


_compiled: dict[tuple[str, str], tuple[str, tuple[str, ...] | None]] = {}


def _driver_rows(conn: Connection, name: str, query, **parameters) -> list[tuple]:
    """All rows of `query` as the DBAPI driver returns them (plain tuples, no SQLAlchemy processing).

    `parameters` fill the query's named bindparams; its SQL text is compiled once per `name` and dialect.
    """
    key = (name, conn.dialect.name)
    if key not in _compiled:
        compiled = query.compile(dialect=conn.dialect)
        _compiled[key] = (str(compiled), tuple(compiled.positiontup) if compiled.positional else None)
    sql, order = _compiled[key]
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, tuple(parameters[name] for name in order) if order is not None else parameters)
        return cursor.fetchall()
    finally:
        cursor.close()


def part_numbers_starting(conn: Connection, sku_prefix: str, mpn_prefix: str, brand_ids: Sequence[int],
                          limit: int = 50) -> list[str]:
    """SKUs, MPNs and cross-referenced MPNs that start with the prefixes (index range scans, for "did you mean")."""
    products, refs = schema.products, schema.cross_refs
    found: list[str] = []
    if sku_prefix:
        found += conn.execute(select(products.c.sku).where(
            products.c.brand_id.in_(list(brand_ids)), *_prefix(products.c.sku, sku_prefix)).limit(limit)).scalars()
    if mpn_prefix:
        found += conn.execute(select(products.c.mpn).where(
            *_prefix(products.c.mpn_norm, mpn_prefix)).limit(limit)).scalars()
        found += conn.execute(select(refs.c.other_mpn).where(
            *_prefix(refs.c.other_mpn_norm, mpn_prefix)).limit(limit)).scalars()
    return [text for text in found if text]


def _prefix(column, prefix: str) -> tuple:
    # A range rather than LIKE so both SQLite and PostgreSQL use the b-tree index.
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return column >= prefix, column < upper
