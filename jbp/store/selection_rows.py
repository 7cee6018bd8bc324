"""What the parametric-selection index reads from the store: a category's products, prices and parameter
values as plain column lists, a cheap freshness stamp, and the display rows of one result page.

Rows come back as tuples (not dicts): building the index for a category reads hundreds of thousands.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, and_, func, select

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


def category_rows(conn: Connection) -> list[tuple]:
    """(id, code, name_zh, name_en) of every category."""
    table = schema.categories
    return [tuple(r) for r in conn.execute(
        select(table.c.id, table.c.code, table.c.name_zh, table.c.name_en).order_by(table.c.id))]


def parameter_rows(conn: Connection, category_id: int) -> list[dict]:
    """The category's parameter definitions in their declared order."""
    table = schema.parameter_defs
    query = (select(table.c.id, table.c.code, table.c.name_zh, table.c.name_en, table.c.kind, table.c.unit,
                    table.c.allowed_values, table.c.is_key, table.c.aliases)
             .where(table.c.category_id == category_id).order_by(table.c.position))
    return [dict(r._mapping) for r in conn.execute(query)]


def stamp(conn: Connection, category_id: int) -> dict[str, int]:
    """What changes when the category's products may have changed, in one cheap round trip: the newest
    import run (every committed import writes one), the category's product count and highest id."""
    products = schema.products
    in_category = products.c.category_id == category_id
    row = conn.execute(select(
        select(func.max(schema.import_runs.c.id)).scalar_subquery(),
        select(func.count()).select_from(products).where(in_category).scalar_subquery(),
        select(func.max(products.c.id)).where(in_category).scalar_subquery())).one()
    return {"import_run": row[0] or 0, "products": row[1] or 0, "max_id": row[2] or 0}


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


def page_rows(conn: Connection, product_ids: Sequence[int]) -> dict[int, dict]:
    """Display fields of the given products, with the CNY price of their smallest quantity break."""
    if not product_ids:
        return {}
    products, brands, prices = schema.products, schema.brands, schema.price_breaks
    ids = list(product_ids)
    query = (select(products.c.id, brands.c.code.label("brand"), products.c.sku, products.c.mpn,
                    products.c.name_zh, products.c.name_en, products.c.lifecycle, products.c.stock)
             .join(brands, brands.c.id == products.c.brand_id).where(products.c.id.in_(ids)))
    found = {r.id: {**r._mapping, "price": None, "price_min_qty": None} for r in conn.execute(query)}
    price_query = (select(prices.c.product_id, prices.c.min_qty, prices.c.price)
                   .where(and_(prices.c.product_id.in_(ids), prices.c.currency == PRICE_CURRENCY))
                   .order_by(prices.c.product_id, prices.c.min_qty.desc()))
    for product_id, min_qty, price in conn.execute(price_query):  # the smallest break is written last
        found[product_id].update(price=price, price_min_qty=min_qty)
    return found
