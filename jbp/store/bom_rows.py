"""Rows BOM quoting reads and writes: part numbers for the matching index, products, prices, parameter
values and cross-references by id or part number, a customer's discount, and quotes, orders and
confirmations. Plain dicts and tuples, no domain logic."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, func, insert, inspect, select, update

from jbp.store import catalog_rows, schema

_CHUNK = 500
_PRODUCT_COLUMNS = ("id", "brand_id", "category_id", "sku", "mpn", "mpn_norm", "name_zh", "name_en", "description",
                    "lifecycle", "successor_sku", "unit", "package_qty", "moq", "order_multiple", "stock",
                    "lead_time_days")


def catalog_stamp(conn: Connection) -> list:
    """Changes whenever products may have changed: newest import run, newest product id, newest change time."""
    products = schema.products
    row = conn.execute(select(select(func.max(schema.import_runs.c.id)).scalar_subquery(),
                              select(func.max(products.c.id)).scalar_subquery(),
                              select(func.max(products.c.updated_at)).scalar_subquery())).one()
    return [row[0] or 0, row[1] or 0, row[2].isoformat() if row[2] else None]


def iter_part_numbers(conn: Connection, batch: int = 50_000) -> Iterator[list[tuple]]:
    """Batches of (id, brand_id, category_id, sku, mpn, mpn_norm) for every product, straight from the driver
    (a million rows through SQLAlchemy's row objects would cost more than the query)."""
    table = schema.products
    compiled = select(table.c.id, table.c.brand_id, table.c.category_id, table.c.sku, table.c.mpn,
                      table.c.mpn_norm).order_by(table.c.id).compile(dialect=conn.dialect)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled))
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


def _chunks(values: Sequence) -> Iterator[list]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start:start + _CHUNK])


def products_by_ids(conn: Connection, ids: Iterable[int]) -> dict[int, dict]:
    return {row[0]: dict(zip(_PRODUCT_COLUMNS, row, strict=True))
            for row in _select_in(conn, schema.products, _PRODUCT_COLUMNS, "id", ids)}


def product_ids_by_skus(conn: Connection, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """(brand_id, SKU) -> product id for those that exist."""
    table = schema.products
    by_brand: dict[int, list[str]] = {}
    for brand_id, sku in set(keys):
        by_brand.setdefault(brand_id, []).append(sku)
    found: dict[tuple[int, str], int] = {}
    for brand_id, skus in by_brand.items():
        for chunk in _chunks(skus):
            rows = conn.execute(select(table.c.id, table.c.sku).where(table.c.brand_id == brand_id,
                                                                      table.c.sku.in_(chunk)))
            found.update({(brand_id, r.sku): r.id for r in rows})
    return found


def price_breaks_of(conn: Connection, ids: Iterable[int]) -> dict[int, list[tuple[str, int, Decimal]]]:
    """product id -> (currency, min_qty, price) rows, by currency then quantity."""
    found: dict[int, list[tuple[str, int, Decimal]]] = {}
    rows = _select_in(conn, schema.price_breaks, ("product_id", "currency", "min_qty", "price"), "product_id", ids)
    for product_id, currency, min_qty, price in rows:
        found.setdefault(product_id, []).append((currency, min_qty, _decimal(price)))
    for breaks in found.values():
        breaks.sort(key=lambda item: (item[0], item[1]))
    return found


def param_values_of(conn: Connection, ids: Iterable[int]) -> dict[int, list[tuple]]:
    """product id -> (param_id, num, num_min, num_max, text) rows."""
    found: dict[int, list[tuple]] = {}
    columns = ("product_id", "param_id", "num", "num_min", "num_max", "text")
    for row in _select_in(conn, schema.param_values, columns, "product_id", ids):
        found.setdefault(row[0], []).append(row[1:])
    return found


def _select_in(conn: Connection, table, columns: Sequence[str], key: str, values: Iterable) -> list[tuple]:
    """Rows of `columns` whose `key` is one of `values`, as plain driver tuples in chunks: thousands of
    products' rows per quote, where SQLAlchemy's row objects would cost more than the queries."""
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    preparer = conn.dialect.identifier_preparer
    names = ", ".join(preparer.quote(c) for c in columns)
    found: list[tuple] = []
    cursor = conn.connection.cursor()
    try:
        for chunk in _chunks(sorted(set(values))):
            # Only our own schema's identifiers go into the text; the values are bound.
            cursor.execute(f"SELECT {names} FROM {preparer.format_table(table)} "  # noqa: S608
                           f"WHERE {preparer.quote(key)} IN ({', '.join([marker] * len(chunk))})", chunk)
            found.extend(cursor.fetchall())
    finally:
        cursor.close()
    return found


def _json_text(value) -> str:
    """Decimals and dates in JSON as text: no money becomes a float, and everything reads back anywhere."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _decimal(value) -> Decimal:
    """A stored price as Decimal: SQLite hands NUMERIC back as float (exact to its six decimals), PostgreSQL as
    Decimal."""
    return value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)


def cross_refs_by_mpns(conn: Connection, mpn_norms: Iterable[str]) -> list[dict]:
    """Cross-references naming any of these other parts (folded part numbers)."""
    table = schema.cross_refs
    found: list[dict] = []
    for chunk in _chunks(sorted(set(mpn_norms))):
        rows = conn.execute(select(table.c.other_brand, table.c.other_mpn, table.c.other_mpn_norm, table.c.brand_id,
                                   table.c.sku, table.c.grade, table.c.note)
                            .where(table.c.other_mpn_norm.in_(chunk)).order_by(table.c.id))
        found.extend(dict(r._mapping) for r in rows)
    return found


def customer_discount(conn: Connection, brand_id: int, customer_ref: str) -> tuple[bool, Decimal | None]:
    """(customer known, discount percent) from the CRM's customers table, when this store has one."""
    table = schema.metadata.tables.get("customers")
    if table is None or not inspect(conn).has_table(table.name):
        return False, None
    row = conn.execute(select(table.c.discount_pct).where(table.c.brand_id == brand_id,
                                                          table.c.external_id == customer_ref)).first()
    if row is None:
        return False, None
    return True, None if row.discount_pct is None else Decimal(row.discount_pct)


# ---------------------------------------------------------------- quotes


_LINE_COLUMNS = ("quote_id", "position", "sheet", "row", "line_key", "status", "rule", "confidence", "sku",
                 "category_code", "qty", "unit_price", "extended", "detail")


def insert_quote(conn: Connection, quote: dict, lines: list[dict]) -> int:
    """The quote and its lines (thousands: straight to the driver, the JSON detail serialised here)."""
    quote_id = conn.execute(insert(schema.bom_quotes).values(**quote)).inserted_primary_key[0]
    rows = [tuple(quote_id if name == "quote_id" else json.dumps(line["detail"], ensure_ascii=False,
                                                                 default=_json_text)
                  if name == "detail" else line[name] for name in _LINE_COLUMNS) for line in lines]
    if rows:
        catalog_rows.bulk_insert(conn, schema.bom_quote_lines, _LINE_COLUMNS, rows)
    return quote_id


def quotes_with_hash(conn: Connection, brand_id: int, customer_ref: str | None, content_hash: str) -> list[dict]:
    """Earlier quotes of the same file with the same options, newest first."""
    table = schema.bom_quotes
    customer = table.c.customer_ref.is_(None) if customer_ref is None else table.c.customer_ref == customer_ref
    rows = conn.execute(select(table.c.id, table.c.result_hash, table.c.created_at, table.c.status)
                        .where(table.c.brand_id == brand_id, table.c.content_hash == content_hash, customer)
                        .order_by(table.c.id.desc()))
    return [dict(r._mapping) for r in rows]


def quote_row(conn: Connection, quote_id: int) -> dict | None:
    row = conn.execute(select(schema.bom_quotes).where(schema.bom_quotes.c.id == quote_id)).first()
    return dict(row._mapping) if row else None


def quote_lines(conn: Connection, quote_id: int) -> list[dict]:
    table = schema.bom_quote_lines
    rows = conn.execute(select(table).where(table.c.quote_id == quote_id).order_by(table.c.position))
    return [dict(r._mapping) for r in rows]


def update_quote(conn: Connection, quote_id: int, values: dict) -> None:
    conn.execute(update(schema.bom_quotes).where(schema.bom_quotes.c.id == quote_id).values(**values))


def update_quote_line(conn: Connection, quote_id: int, position: int, values: dict) -> None:
    table = schema.bom_quote_lines
    conn.execute(update(table).where(table.c.quote_id == quote_id, table.c.position == position).values(**values))


# ---------------------------------------------------------------- confirmations


def confirmations(conn: Connection, brand_id: int, customer_ref: str) -> dict[str, str]:
    """line key -> SKU the buyer confirmed earlier."""
    table = schema.bom_confirmations
    rows = conn.execute(select(table.c.line_key, table.c.sku).where(table.c.brand_id == brand_id,
                                                                    table.c.customer_ref == customer_ref))
    return {r.line_key: r.sku for r in rows}


def save_confirmation(conn: Connection, row: dict) -> None:
    """Insert or replace the confirmation of (brand, customer, line key)."""
    table = schema.bom_confirmations
    key = (table.c.brand_id == row["brand_id"]) & (table.c.customer_ref == row["customer_ref"]) & (
        table.c.line_key == row["line_key"])
    if conn.execute(select(table.c.sku).where(key)).first() is None:
        conn.execute(insert(table).values(**row))
    else:
        conn.execute(update(table).where(key).values(**row))


# ---------------------------------------------------------------- orders


def order_for_quote(conn: Connection, quote_id: int) -> dict | None:
    row = conn.execute(select(schema.orders).where(schema.orders.c.quote_id == quote_id)).first()
    return dict(row._mapping) if row else None


def insert_order(conn: Connection, order: dict, lines: list[dict]) -> int:
    order_id = conn.execute(insert(schema.orders).values(**order)).inserted_primary_key[0]
    if lines:
        conn.execute(insert(schema.order_lines), [{**line, "order_id": order_id} for line in lines])
    return order_id


def order_lines(conn: Connection, order_id: int) -> list[dict]:
    table = schema.order_lines
    rows = conn.execute(select(table).where(table.c.order_id == order_id).order_by(table.c.position))
    return [dict(r._mapping) for r in rows]

