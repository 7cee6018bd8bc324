"""Catalog rows in and out of the store: plain dicts, batched statements, no domain logic."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Numeric, delete, insert, select, tuple_, update

from jbp.store import schema

CHILD_TABLES = (schema.param_values, schema.price_breaks, schema.media, schema.product_links)


def brands(conn: Connection) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(select(schema.brands).order_by(schema.brands.c.code))]


def categories(conn: Connection) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(select(schema.categories).order_by(schema.categories.c.id))]


def parameter_defs(conn: Connection) -> list[dict]:
    table = schema.parameter_defs
    rows = conn.execute(select(table).order_by(table.c.category_id, table.c.position))
    return [dict(r._mapping) for r in rows]


def upsert_by_code(conn: Connection, table, row: dict) -> tuple[int, bool]:
    """Insert or update the row whose `code` matches; returns (id, changed)."""
    return _upsert(conn, table, table.c.code == row["code"], row)


def upsert_parameter_def(conn: Connection, row: dict) -> tuple[int, bool]:
    """Insert or update a category's parameter definition (keyed by category and code)."""
    table = schema.parameter_defs
    return _upsert(conn, table, (table.c.category_id == row["category_id"]) & (table.c.code == row["code"]), row)


def _upsert(conn: Connection, table, key, row: dict) -> tuple[int, bool]:
    existing = conn.execute(select(table).where(key)).first()
    if existing is None:
        return conn.execute(insert(table).values(**row)).inserted_primary_key[0], True
    current = dict(existing._mapping)
    if all(current.get(k) == v for k, v in row.items()):
        return current["id"], False
    conn.execute(update(table).where(table.c.id == current["id"]).values(**row))
    return current["id"], True


def product_hashes(conn: Connection, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, str]]:
    """(brand_id, sku) -> (product id, content hash) for those of `keys` already stored."""
    table = schema.products
    found: dict[tuple[int, str], tuple[int, str]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        rows = conn.execute(select(table.c.brand_id, table.c.sku, table.c.id, table.c.content_hash)
                            .where(tuple_(table.c.brand_id, table.c.sku).in_(chunk)))
        found.update({(r.brand_id, r.sku): (r.id, r.content_hash) for r in rows})
    return found


def insert_products(conn: Connection, rows: list[dict]) -> list[int]:
    """Insert product rows; returns their ids in the order given."""
    if not rows:
        return []
    table = schema.products
    result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [r.id for r in result]


def update_products(conn: Connection, rows: list[dict]) -> None:
    """Rewrite products in place (each row carries its `id`) and drop their children for re-insertion."""
    if not rows:
        return
    table = schema.products
    for row in rows:
        conn.execute(update(table).where(table.c.id == row["id"]).values(
            **{k: v for k, v in row.items() if k != "id"}))
    ids = [row["id"] for row in rows]
    for child in CHILD_TABLES:
        conn.execute(delete(child).where(child.c.product_id.in_(ids)))


CHILD_COLUMNS = {
    "param_values": ("product_id", "param_id", "num", "num_min", "num_max", "text", "source"),
    "price_breaks": ("product_id", "currency", "min_qty", "price"),
    "media": ("product_id", "position", "kind", "uri", "description"),
    "product_links": ("product_id", "kind", "target_sku"),
}


def insert_children(conn: Connection, children: dict[str, list[tuple]]) -> None:
    """Insert child rows (tuples in CHILD_COLUMNS order), keyed by table name.

    These are most of an import's rows (a dozen parameter values per SKU), so they go straight to the
    driver's executemany; SQLAlchemy's per-row parameter processing cost more than SQLite's insert.
    """
    for child in CHILD_TABLES:
        rows = children.get(child.name)
        if rows:
            bulk_insert(conn, child, CHILD_COLUMNS[child.name], rows)


def bulk_insert(conn: Connection, table, columns: Sequence[str], rows: list[tuple]) -> None:
    """executemany of plain tuples through the DBAPI, in the driver's own parameter style."""
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    preparer = conn.dialect.identifier_preparer
    # Only identifiers from our own schema, quoted by the dialect, go into the text; values are bound.
    statement = (f"INSERT INTO {preparer.format_table(table)} ({', '.join(preparer.quote(c) for c in columns)}) "  # noqa: S608
                 f"VALUES ({', '.join([marker] * len(columns))})")
    decimals = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, Numeric)]
    if decimals and conn.dialect.name == "sqlite":
        # sqlite3 has no Decimal adapter; NUMERIC affinity stores the text as a number, as SQLAlchemy would.
        rows = [tuple(str(v) if i in decimals and v is not None else v for i, v in enumerate(row)) for row in rows]
    conn.exec_driver_sql(statement, rows)


def insert_import_run(conn: Connection, row: dict) -> int:
    return conn.execute(insert(schema.import_runs).values(**row)).inserted_primary_key[0]


def products_with_children(conn: Connection, category_ids: Iterable[int] | None = None,
                           brand_ids: Iterable[int] | None = None) -> Iterable[tuple[dict, dict[str, list]]]:
    """Every product (optionally of some categories/brands) with its child rows, in id order."""
    table = schema.products
    query = select(table).order_by(table.c.id)
    if category_ids is not None:
        query = query.where(table.c.category_id.in_(list(category_ids)))
    if brand_ids is not None:
        query = query.where(table.c.brand_id.in_(list(brand_ids)))
    batch: list[dict] = []
    for row in conn.execute(query):
        batch.append(dict(row._mapping))
        if len(batch) == 1000:
            yield from _attach_children(conn, batch)
            batch = []
    yield from _attach_children(conn, batch)


def _attach_children(conn: Connection, batch: list[dict]) -> Iterable[tuple[dict, dict[str, list]]]:
    if not batch:
        return
    ids = [row["id"] for row in batch]
    by_product: dict[int, dict[str, list]] = {i: {c.name: [] for c in CHILD_TABLES} for i in ids}
    for child in CHILD_TABLES:
        for row in conn.execute(select(child).where(child.c.product_id.in_(ids))):
            by_product[row.product_id][child.name].append(dict(row._mapping))
    for row in batch:
        yield row, by_product[row["id"]]


def insert_cross_refs(conn: Connection, rows: list[dict]) -> int:
    """Insert cross-references not stored yet; returns how many were new."""
    table = schema.cross_refs
    new = 0
    for row in rows:
        exists = conn.execute(select(table.c.id).where(
            (table.c.other_brand == row["other_brand"]) & (table.c.other_mpn_norm == row["other_mpn_norm"])
            & (table.c.brand_id == row["brand_id"]) & (table.c.sku == row["sku"])
            & (table.c.grade == row["grade"]))).first()
        if exists is None:
            conn.execute(insert(table).values(**row))
            new += 1
    return new


def completeness_rows(conn: Connection, category_ids: list[int]) -> list[dict]:
    """Per product: which parameters it has and whether it has a price, an image and a 3D model."""
    products, values, defs = schema.products, schema.param_values, schema.parameter_defs
    media = schema.media
    codes: dict[int, list[str]] = {}
    rows = conn.execute(select(values.c.product_id, defs.c.code)
                        .join(defs, defs.c.id == values.c.param_id)
                        .where(defs.c.category_id.in_(category_ids)))
    for product_id, code in rows:
        codes.setdefault(product_id, []).append(code)
    priced = {r[0] for r in conn.execute(select(schema.price_breaks.c.product_id).distinct())}
    imaged = {r[0] for r in conn.execute(select(media.c.product_id).where(media.c.kind == "image").distinct())}
    # a 3D model counts once it is stored and attached; a catalog's reference to a CAD file is not one
    modelled = {r[0] for r in conn.execute(select(schema.product_models.c.product_id))}
    result = []
    for row in conn.execute(select(products.c.id, products.c.brand_id, products.c.sku, products.c.category_id)
                            .where(products.c.category_id.in_(category_ids)).order_by(products.c.id)):
        result.append({"id": row.id, "brand_id": row.brand_id, "sku": row.sku, "category_id": row.category_id,
                       "param_codes": codes.get(row.id, []), "has_price": row.id in priced,
                       "has_image": row.id in imaged, "has_model": row.id in modelled})
    return result
