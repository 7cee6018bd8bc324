"""What the parametric-selection index reads from the store: a category's products, prices and parameter
values as plain column lists, a cheap freshness stamp, and the display rows of one result page.

Plain SQL on a jbp.store.reader `Reader` (a SQLAlchemy connection is taken as well, and read through the
DB-API connection under it): a `jbp select` process answers without importing SQLAlchemy. Rows come back
as tuples: building the index for a category reads hundreds of thousands.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from jbp.store.reader import Reader

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from jbp.store import Store

PRICE_CURRENCY = "CNY"  # the currency of the price column used for sorting and display
PRICE_SCALE = 6  # price_breaks.price is Numeric(24, 6)
_IDS_PER_QUERY = 500


@contextmanager
def snapshot(store: Store) -> Iterator[Reader]:
    """A read connection whose queries all see one state of the database, so an index built from
    several queries is consistent even while an import commits (SQLite: one read transaction in WAL)."""
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if store.dialect == "sqlite":  # pysqlite begins only before writes; reads need an explicit BEGIN
                conn.exec_driver_sql("BEGIN")
            yield Reader.of(conn)


_CATEGORIES = "SELECT id, code, name_zh, name_en FROM categories ORDER BY id"
# The stamp's subqueries do not depend on the row, so the database evaluates them once per statement.
_CATEGORY_STATE = """
SELECT (SELECT max(id) FROM import_runs), (SELECT max(updated_at) FROM products),
       (SELECT max(id) FROM products WHERE category_id = ?),
       categories.id, categories.code, categories.name_zh, categories.name_en,
       parameter_defs.id, parameter_defs.code, parameter_defs.name_zh, parameter_defs.name_en, parameter_defs.kind,
       parameter_defs.unit, parameter_defs.allowed_values, parameter_defs.is_key, parameter_defs.aliases
FROM categories LEFT OUTER JOIN parameter_defs ON parameter_defs.category_id = categories.id
WHERE categories.id = ?
ORDER BY parameter_defs.position"""


class CategoryState(NamedTuple):
    category: tuple | None  # (id, code, name_zh, name_en); None when no such category
    # in declared order: (id, code, name_zh, name_en, kind, unit, allowed_values, is_key, aliases), the JSON
    # lists as text (SQLite) or tuples (PostgreSQL)
    parameters: tuple[tuple, ...]
    stamp: dict


def category_rows(conn: Reader | Connection) -> list[tuple]:
    """(id, code, name_zh, name_en) of every category."""
    return [tuple(r) for r in Reader.of(conn).rows(_CATEGORIES)]


def category_state(conn: Reader | Connection, category_id: int) -> CategoryState:
    """The category as stored now, its parameter definitions and its stamp, in one round trip.

    The stamp changes whenever products may have been added or changed, and costs three index lookups:
    the newest import run (every committed import writes one), the newest product change in the store and
    the category's highest product id. (A count of the category's products would also see removals, but
    costs a scan of the category: 20 ms at 160k products.)"""
    rows = Reader.of(conn).rows(_CATEGORY_STATE, (category_id, category_id))
    if not rows:
        return CategoryState(None, (), {})
    run, updated_at, max_id = rows[0][:3]
    stamp = {"import_run": run or 0, "updated_at": _iso_time(updated_at), "max_id": max_id or 0}
    parameters = tuple(tuple(tuple(v) if isinstance(v, list) else v for v in row[7:])
                       for row in rows if row[7] is not None)
    return CategoryState(tuple(rows[0][3:7]), parameters, stamp)


def _iso_time(value: datetime | str | None) -> str | None:
    """A DateTime column as ISO text: PostgreSQL returns a datetime, SQLite the text SQLAlchemy stored."""
    if value is None:
        return None
    return (value if isinstance(value, datetime) else datetime.fromisoformat(value)).isoformat()


_PRODUCT_COLUMNS = """
SELECT products.id, brands.code, products.sku, products.stock, products.content_hash
FROM products JOIN brands ON brands.id = products.brand_id
WHERE products.category_id = ? ORDER BY products.id"""
_CONTENT_HASHES = "SELECT id, content_hash FROM products WHERE category_id = ? ORDER BY id"
_FIRST_BREAK_PRICES = """
SELECT price_breaks.product_id, price_breaks.min_qty, price_breaks.price
FROM price_breaks JOIN products ON products.id = price_breaks.product_id
WHERE products.category_id = ? AND price_breaks.currency = ?
ORDER BY price_breaks.product_id, price_breaks.min_qty"""
_PARAM_VALUES = """
SELECT param_values.product_id, param_values.param_id, param_values.num, param_values.num_min,
       param_values.num_max, param_values.text
FROM param_values JOIN products ON products.id = param_values.product_id
WHERE products.category_id = ?"""


def product_columns(conn: Reader | Connection, category_id: int) -> list[tuple]:
    """(id, brand code, sku, stock, content hash) of the category's products, by id."""
    return Reader.of(conn).rows(_PRODUCT_COLUMNS, (category_id,))


def content_hashes(conn: Reader | Connection, category_id: int) -> list[tuple]:
    """(id, content hash) of the category's products, by id: enough to tell whether any product changed."""
    return Reader.of(conn).rows(_CONTENT_HASHES, (category_id,))


def first_break_prices(conn: Reader | Connection, category_id: int) -> list[tuple]:
    """(product id, min_qty, price) of the category's CNY price breaks, by product then quantity (a price
    comes as the driver returns it, a number or a Decimal: callers float() it)."""
    return Reader.of(conn).rows(_FIRST_BREAK_PRICES, (category_id, PRICE_CURRENCY))


def param_value_columns(conn: Reader | Connection, category_id: int) -> list[tuple]:
    """(product id, parameter id, num, num_min, num_max, text) of every value in the category."""
    return Reader.of(conn).rows(_PARAM_VALUES, (category_id,))


_PAGE_KEYS = ("id", "brand", "sku", "mpn", "name_zh", "name_en", "lifecycle", "stock", "price", "price_min_qty")
_PAGE = """
SELECT products.id, brands.code, products.sku, products.mpn, products.name_zh, products.name_en,
       products.lifecycle, products.stock, price_breaks.price, price_breaks.min_qty
FROM products JOIN brands ON brands.id = products.brand_id
LEFT OUTER JOIN price_breaks ON price_breaks.product_id = products.id AND price_breaks.currency = ?
    AND price_breaks.min_qty = (SELECT min(smallest_break.min_qty) FROM price_breaks AS smallest_break
                                WHERE smallest_break.product_id = products.id AND smallest_break.currency = ?)
WHERE products.id IN ({ids})"""


def page_rows(conn: Reader | Connection, product_ids: Sequence[int]) -> dict[int, dict]:
    """Display fields of the given products, with the CNY price of their smallest quantity break."""
    return {row[0]: {**dict(zip(_PAGE_KEYS, row, strict=True)), "price": _money(row[8])}
            for row in _rows_for_ids(Reader.of(conn), _PAGE, product_ids, PRICE_CURRENCY, PRICE_CURRENCY)}


def _money(value: Decimal | float | None) -> Decimal | None:
    """A price as SQLAlchemy returns Numeric(24, 6): PostgreSQL's Decimal, or SQLite's number at that scale."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(f"{value:.{PRICE_SCALE}f}")


_CATEGORIES_OF = """
SELECT DISTINCT categories.code FROM categories JOIN products ON products.category_id = categories.id
WHERE products.id IN ({ids})"""


def categories_of(conn: Reader | Connection, product_ids: Sequence[int]) -> set[str]:
    """Codes of the categories the given products are in."""
    return {row[0] for row in _rows_for_ids(Reader.of(conn), _CATEGORIES_OF, product_ids)}


def _rows_for_ids(reader: Reader, statement: str, ids: Sequence[int], *leading) -> Iterator[tuple]:
    """The rows of `statement` for all `ids`, its `{ids}` filled for a few hundred at a time (databases limit
    the number of parameters); `leading` are the parameters before the ids."""
    ids = list(ids)
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start:start + _IDS_PER_QUERY]
        yield from reader.rows(statement.format(ids=", ".join("?" * len(chunk))), (*leading, *chunk))
