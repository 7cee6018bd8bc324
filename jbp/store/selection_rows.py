"""What the parametric-selection index reads from the store: a category's products, prices and parameter
values as plain column lists, a cheap freshness stamp, and the display rows of one result page.

Rows come back as tuples (not dicts): building the index for a category reads hundreds of thousands.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, and_, bindparam, func, select

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
_CATEGORIES = select(schema.categories.c.id, schema.categories.c.code, schema.categories.c.name_zh,
                     schema.categories.c.name_en).order_by(schema.categories.c.id)
_PARAMETERS = (select(schema.parameter_defs.c.id, schema.parameter_defs.c.code, schema.parameter_defs.c.name_zh,
                      schema.parameter_defs.c.name_en, schema.parameter_defs.c.kind, schema.parameter_defs.c.unit,
                      schema.parameter_defs.c.allowed_values, schema.parameter_defs.c.is_key,
                      schema.parameter_defs.c.aliases)
               .where(schema.parameter_defs.c.category_id == bindparam("category_id"))
               .order_by(schema.parameter_defs.c.position))
_IN_CATEGORY = schema.products.c.category_id == bindparam("category_id")
_STAMP = select(
    select(func.max(schema.import_runs.c.id)).scalar_subquery(),
    select(func.max(schema.products.c.updated_at)).scalar_subquery(),
    select(func.count()).select_from(schema.products).where(_IN_CATEGORY).scalar_subquery(),
    select(func.max(schema.products.c.id)).where(_IN_CATEGORY).scalar_subquery())


def category_rows(conn: Connection) -> list[tuple]:
    """(id, code, name_zh, name_en) of every category."""
    return [tuple(r) for r in conn.execute(_CATEGORIES)]


def parameter_rows(conn: Connection, category_id: int) -> list[dict]:
    """The category's parameter definitions in their declared order."""
    return [dict(r._mapping) for r in conn.execute(_PARAMETERS, {"category_id": category_id})]


def stamp(conn: Connection, category_id: int) -> dict:
    """What changes when the category's products may have changed, in one round trip over indexed columns:
    the newest import run (every committed import writes one) and product change time in the store, the
    category's product count and highest id."""
    row = conn.execute(_STAMP, {"category_id": category_id}).one()
    return {"import_run": row[0] or 0, "updated_at": row[1].isoformat() if row[1] else None,
            "products": row[2] or 0, "max_id": row[3] or 0}


def product_columns(conn: Connection, category_id: int) -> list[tuple]:
    """(id, brand code, sku, stock, content hash) of the category's products, by id."""
    products, brands = schema.products, schema.brands
    query = (select(products.c.id, brands.c.code, products.c.sku, products.c.stock, products.c.content_hash)
             .join(brands, brands.c.id == products.c.brand_id)
             .where(products.c.category_id == category_id).order_by(products.c.id))
    return conn.execute(query).all()


def content_hashes(conn: Connection, category_id: int) -> list[tuple]:
    """(id, content hash) of the category's products, by id: enough to tell whether any product changed."""
    products = schema.products
    query = (select(products.c.id, products.c.content_hash)
             .where(products.c.category_id == category_id).order_by(products.c.id))
    return conn.execute(query).all()


def first_break_prices(conn: Connection, category_id: int) -> list[tuple]:
    """(product id, min_qty, price) of the category's CNY price breaks, by product then quantity."""
    prices, products = schema.price_breaks, schema.products
    query = (select(prices.c.product_id, prices.c.min_qty, prices.c.price)
             .join(products, products.c.id == prices.c.product_id)
             .where(and_(products.c.category_id == category_id, prices.c.currency == PRICE_CURRENCY))
             .order_by(prices.c.product_id, prices.c.min_qty))
    return conn.execute(query).all()


def param_value_columns(conn: Connection, category_id: int) -> list[tuple]:
    """(product id, parameter id, num, num_min, num_max, text) of every value in the category."""
    values, products = schema.param_values, schema.products
    query = (select(values.c.product_id, values.c.param_id, values.c.num, values.c.num_min, values.c.num_max,
                    values.c.text)
             .join(products, products.c.id == values.c.product_id)
             .where(products.c.category_id == category_id))
    return conn.execute(query).all()


_PAGE_PRODUCTS = (select(schema.products.c.id, schema.brands.c.code.label("brand"), schema.products.c.sku,
                          schema.products.c.mpn, schema.products.c.name_zh, schema.products.c.name_en,
                          schema.products.c.lifecycle, schema.products.c.stock)
                  .join(schema.brands, schema.brands.c.id == schema.products.c.brand_id)
                  .where(schema.products.c.id.in_(bindparam("ids", expanding=True))))
_PAGE_PRICES = (select(schema.price_breaks.c.product_id, schema.price_breaks.c.min_qty, schema.price_breaks.c.price)
                .where(and_(schema.price_breaks.c.product_id.in_(bindparam("ids", expanding=True)),
                            schema.price_breaks.c.currency == PRICE_CURRENCY))
                .order_by(schema.price_breaks.c.product_id, schema.price_breaks.c.min_qty.desc()))


def page_rows(conn: Connection, product_ids: Sequence[int]) -> dict[int, dict]:
    """Display fields of the given products, with the CNY price of their smallest quantity break."""
    if not product_ids:
        return {}
    ids = {"ids": list(product_ids)}
    found = {r.id: {**r._mapping, "price": None, "price_min_qty": None} for r in conn.execute(_PAGE_PRODUCTS, ids)}
    for product_id, min_qty, price in conn.execute(_PAGE_PRICES, ids):  # the smallest break comes last
        found[product_id].update(price=price, price_min_qty=min_qty)
    return found


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
