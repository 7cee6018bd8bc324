"""What the parametric-selection index reads from the store: a category's products, prices and parameter
values as plain column lists, a cheap freshness stamp, and the display rows of one result page.

Rows come back as tuples (not dicts): building the index for a category reads hundreds of thousands.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NamedTuple

from sqlalchemy import Connection, Text, and_, bindparam, func, select, type_coerce

from jbp.store import Store, schema

PRICE_CURRENCY = "CNY"  # the currency of the price column used for sorting and display


@contextmanager
def snapshot(store: Store) -> Iterator[Connection]:
    """A read connection whose queries all see one state of the database, so an index built from
    several queries is consistent even while an import commits (SQLite: one read transaction in WAL)."""
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if store.dialect == "sqlite":  # pysqlite begins only before writes; reads need an explicit BEGIN
                conn.exec_driver_sql("BEGIN")
            yield conn


# Statements of the query path are built once: constructing them costs more than running them.
_CATEGORY_COLUMNS = (schema.categories.c.id, schema.categories.c.code, schema.categories.c.name_zh,
                     schema.categories.c.name_en)
_CATEGORIES = select(*_CATEGORY_COLUMNS).order_by(schema.categories.c.id)
_IN_CATEGORY = schema.products.c.category_id == bindparam("category_id")
PARAMETER_COLUMNS = ("id", "code", "name_zh", "name_en", "kind", "unit", "allowed_values", "is_key", "aliases")
_JSON_COLUMNS = ("allowed_values", "aliases")  # read as stored; decoded by the caller once per distinct text
# The stamp's subqueries do not depend on the row, so the database evaluates them once per statement.
_CATEGORY_STATE = (
    select(select(func.max(schema.import_runs.c.id)).scalar_subquery(),
           select(func.max(schema.products.c.updated_at)).scalar_subquery(),
           select(func.max(schema.products.c.id)).where(_IN_CATEGORY).scalar_subquery(),
           *_CATEGORY_COLUMNS,
           *(type_coerce(column, Text) if column.name in _JSON_COLUMNS else column
             for column in (schema.parameter_defs.c[name] for name in PARAMETER_COLUMNS)))
    .select_from(schema.categories.outerjoin(
        schema.parameter_defs, schema.parameter_defs.c.category_id == schema.categories.c.id))
    .where(schema.categories.c.id == bindparam("category_id"))
    .order_by(schema.parameter_defs.c.position))


class CategoryState(NamedTuple):
    category: tuple | None  # (id, code, name_zh, name_en); None when no such category
    parameters: tuple[tuple, ...]  # in declared order, PARAMETER_COLUMNS; JSON lists as text or tuples
    stamp: dict


def category_rows(conn: Connection) -> list[tuple]:
    """(id, code, name_zh, name_en) of every category."""
    return [tuple(r) for r in conn.execute(_CATEGORIES)]


def category_state(conn: Connection, category_id: int) -> CategoryState:
    """The category as stored now, its parameter definitions and its stamp, in one round trip.

    The stamp changes whenever products may have been added or changed, and costs three index lookups:
    the newest import run (every committed import writes one), the newest product change in the store and
    the category's highest product id. (A count of the category's products would also see removals, but
    costs a scan of the category: 20 ms at 160k products.)"""
    rows = conn.execute(_CATEGORY_STATE, {"category_id": category_id}).all()
    if not rows:
        return CategoryState(None, (), {})
    run, updated_at, max_id = rows[0][:3]
    stamp = {"import_run": run or 0, "updated_at": updated_at.isoformat() if updated_at else None,
             "max_id": max_id or 0}
    parameters = tuple(tuple(tuple(v) if isinstance(v, list) else v for v in row[7:])
                       for row in rows if row[7] is not None)
    return CategoryState(tuple(rows[0][3:7]), parameters, stamp)


def _tuples(conn: Connection, statement, category_id: int) -> list[tuple]:
    """The rows as the driver returns them: per-row processing costs as much as the query itself on
    10⁵ rows, and these columns need no conversion (a price may come as text or Decimal: callers float() it)."""
    result = conn.execute(statement, {"category_id": category_id})
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


_PRODUCT_COLUMNS = (select(schema.products.c.id, schema.brands.c.code, schema.products.c.sku,
                           schema.products.c.stock, schema.products.c.content_hash)
                    .join(schema.brands, schema.brands.c.id == schema.products.c.brand_id)
                    .where(_IN_CATEGORY).order_by(schema.products.c.id))
_CONTENT_HASHES = select(schema.products.c.id, schema.products.c.content_hash).where(_IN_CATEGORY).order_by(
    schema.products.c.id)
_FIRST_BREAK_PRICES = (select(schema.price_breaks.c.product_id, schema.price_breaks.c.min_qty,
                              schema.price_breaks.c.price)
                       .join(schema.products, schema.products.c.id == schema.price_breaks.c.product_id)
                       .where(and_(_IN_CATEGORY, schema.price_breaks.c.currency == PRICE_CURRENCY))
                       .order_by(schema.price_breaks.c.product_id, schema.price_breaks.c.min_qty))
_PARAM_VALUES = (select(schema.param_values.c.product_id, schema.param_values.c.param_id, schema.param_values.c.num,
                        schema.param_values.c.num_min, schema.param_values.c.num_max, schema.param_values.c.text)
                 .join(schema.products, schema.products.c.id == schema.param_values.c.product_id)
                 .where(_IN_CATEGORY))


def product_columns(conn: Connection, category_id: int) -> list[tuple]:
    """(id, brand code, sku, stock, content hash) of the category's products, by id."""
    return _tuples(conn, _PRODUCT_COLUMNS, category_id)


def content_hashes(conn: Connection, category_id: int) -> list[tuple]:
    """(id, content hash) of the category's products, by id: enough to tell whether any product changed."""
    return _tuples(conn, _CONTENT_HASHES, category_id)


def first_break_prices(conn: Connection, category_id: int) -> list[tuple]:
    """(product id, min_qty, price) of the category's CNY price breaks, by product then quantity."""
    return _tuples(conn, _FIRST_BREAK_PRICES, category_id)


def param_value_columns(conn: Connection, category_id: int) -> list[tuple]:
    """(product id, parameter id, num, num_min, num_max, text) of every value in the category."""
    return _tuples(conn, _PARAM_VALUES, category_id)


_SMALLEST_BREAK = schema.price_breaks.alias("smallest_break")
_PAGE = (select(schema.products.c.id, schema.brands.c.code.label("brand"), schema.products.c.sku,
                schema.products.c.mpn, schema.products.c.name_zh, schema.products.c.name_en,
                schema.products.c.lifecycle, schema.products.c.stock, schema.price_breaks.c.price,
                schema.price_breaks.c.min_qty.label("price_min_qty"))
         .join(schema.brands, schema.brands.c.id == schema.products.c.brand_id)
         .outerjoin(schema.price_breaks, and_(
             schema.price_breaks.c.product_id == schema.products.c.id,
             schema.price_breaks.c.currency == PRICE_CURRENCY,
             schema.price_breaks.c.min_qty == select(func.min(_SMALLEST_BREAK.c.min_qty)).where(
                 _SMALLEST_BREAK.c.product_id == schema.products.c.id,
                 _SMALLEST_BREAK.c.currency == PRICE_CURRENCY).scalar_subquery()))
         .where(schema.products.c.id.in_(bindparam("ids", expanding=True))))


def page_rows(conn: Connection, product_ids: Sequence[int]) -> dict[int, dict]:
    """Display fields of the given products, with the CNY price of their smallest quantity break."""
    if not product_ids:
        return {}
    result = conn.execute(_PAGE, {"ids": list(product_ids)})
    keys = tuple(result.keys())
    return {row[0]: dict(zip(keys, row, strict=True)) for row in result}


def categories_of(conn: Connection, product_ids: Sequence[int]) -> set[str]:
    """Codes of the categories the given products are in."""
    products, categories = schema.products, schema.categories
    ids = list(product_ids)
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        query = (select(categories.c.code).distinct().join(products, products.c.category_id == categories.c.id)
                 .where(products.c.id.in_(ids[start:start + 500])))
        found.update(conn.execute(query).scalars())
    return found
