"""Rows of the 3D model feature: stored models, which product has which, and what `model check` reads
(plain dicts, batched statements, no domain logic)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from jbp.store import schema

_MODEL_COLUMNS = ("id", "sha256", "format", "original_name", "size_bytes", "facts", "parts", "glb_sha256",
                  "created_at")
BATCH = 1000


def model_by_sha(conn: Connection, sha256: str) -> dict | None:
    row = conn.execute(select(schema.models3d).where(schema.models3d.c.sha256 == sha256)).first()
    return dict(row._mapping) if row else None


def models_by_ids(conn: Connection, ids: Iterable[int]) -> dict[int, dict]:
    table = schema.models3d
    ids = list(ids)
    found: dict[int, dict] = {}
    for start in range(0, len(ids), BATCH):
        found.update({r.id: dict(r._mapping) for r in conn.execute(
            select(*(table.c[name] for name in _MODEL_COLUMNS)).where(table.c.id.in_(ids[start:start + BATCH])))})
    return found


def insert_model(conn: Connection, row: dict) -> int:
    return conn.execute(insert(schema.models3d).values(**row)).inserted_primary_key[0]


def update_model_reading(conn: Connection, model_id: int, row: dict) -> None:
    """New facts, parts and GLB for a stored file read again (in another unit)."""
    conn.execute(update(schema.models3d).where(schema.models3d.c.id == model_id).values(
        facts=row["facts"], parts=row["parts"], glb_sha256=row["glb_sha256"]))


def attachment(conn: Connection, product_id: int) -> dict | None:
    """The product's attachment row (model_id, origin, attached_at), or None."""
    table = schema.product_models
    row = conn.execute(select(table).where(table.c.product_id == product_id)).first()
    return dict(row._mapping) if row else None


def attachments(conn: Connection, product_ids: Sequence[int]) -> dict[int, dict]:
    table = schema.product_models
    found: dict[int, dict] = {}
    for start in range(0, len(product_ids), BATCH):
        rows = conn.execute(select(table).where(table.c.product_id.in_(list(product_ids[start:start + BATCH]))))
        found.update({r.product_id: dict(r._mapping) for r in rows})
    return found


def set_attachment(conn: Connection, product_id: int, model_id: int, origin: str, at: datetime,
                   replacing: bool) -> None:
    """Attach the model to the product (`replacing` says whether the product has one already)."""
    table = schema.product_models
    values = {"model_id": model_id, "origin": origin, "attached_at": at}
    if replacing:
        conn.execute(update(table).where(table.c.product_id == product_id).values(**values))
    else:
        conn.execute(insert(table).values(product_id=product_id, **values))


def products_using(conn: Connection, model_id: int) -> int:
    table = schema.product_models
    return conn.execute(select(func.count()).select_from(table).where(table.c.model_id == model_id)).scalar_one()


def cad_media(conn: Connection, product_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(product id, uri) of every media entry of kind cad among the products, in product and position order."""
    media = schema.media
    found: list[tuple[int, str]] = []
    for start in range(0, len(product_ids), BATCH):
        chunk = list(product_ids[start:start + BATCH])
        rows = conn.execute(select(media.c.product_id, media.c.uri)
                            .where(media.c.kind == "cad", media.c.product_id.in_(chunk))
                            .order_by(media.c.product_id, media.c.position))
        found += [(r.product_id, r.uri) for r in rows]
    return found


def product_rows(conn: Connection, product_ids: Sequence[int]) -> dict[int, dict]:
    """id, brand_id, sku, category_id of the products."""
    table = schema.products
    found: dict[int, dict] = {}
    for start in range(0, len(product_ids), BATCH):
        rows = conn.execute(select(table.c.id, table.c.brand_id, table.c.sku, table.c.category_id)
                            .where(table.c.id.in_(list(product_ids[start:start + BATCH]))))
        found.update({r.id: dict(r._mapping) for r in rows})
    return found


def dimension_values(conn: Connection, product_ids: Sequence[int],
                     param_ids: Sequence[int]) -> dict[int, dict[int, float]]:
    """product id -> {parameter id: SI value} for the given (dimension) parameters that have a number."""
    values = schema.param_values
    found: dict[int, dict[int, float]] = {}
    if not param_ids:
        return found
    for start in range(0, len(product_ids), BATCH):
        rows = conn.execute(select(values.c.product_id, values.c.param_id, values.c.num).where(
            values.c.product_id.in_(list(product_ids[start:start + BATCH])), values.c.param_id.in_(list(param_ids)),
            values.c.num.is_not(None)))
        for product_id, param_id, num in rows:
            found.setdefault(product_id, {})[param_id] = num
    return found


def products_for_check(conn: Connection, *, category_ids: Sequence[int] | None, brand_ids: Sequence[int] | None,
                       product_ids: Sequence[int] | None, with_missing: bool) -> Iterator[list[dict]]:
    """Batches of products in id order with their model id (None when they have none): only products
    with a model unless `with_missing`."""
    products, attached = schema.products, schema.product_models
    query = select(products.c.id, products.c.brand_id, products.c.sku, products.c.category_id,
                   attached.c.model_id)
    joined = products.outerjoin(attached, attached.c.product_id == products.c.id) if with_missing else \
        products.join(attached, attached.c.product_id == products.c.id)
    query = query.select_from(joined)
    if category_ids is not None:
        query = query.where(products.c.category_id.in_(list(category_ids)))
    if brand_ids is not None:
        query = query.where(products.c.brand_id.in_(list(brand_ids)))
    if product_ids is not None:
        query = query.where(products.c.id.in_(list(product_ids)))
    last = 0
    while True:
        batch = [dict(r._mapping) for r in conn.execute(
            query.where(products.c.id > last).order_by(products.c.id).limit(BATCH))]
        if not batch:
            return
        yield batch
        last = batch[-1]["id"]


def storage_figures(conn: Connection) -> dict[str, int]:
    """Stored models and their bytes, beside what one copy per product would have taken."""
    models, attached = schema.models3d, schema.product_models
    stored = conn.execute(select(func.count(), func.coalesce(func.sum(models.c.size_bytes), 0))).one()
    per_product = conn.execute(select(func.count(), func.coalesce(func.sum(models.c.size_bytes), 0))
                               .select_from(attached.join(models, models.c.id == attached.c.model_id))).one()
    return {"models": stored[0], "model_bytes": int(stored[1]), "products_with_model": per_product[0],
            "bytes_one_copy_per_product": int(per_product[1])}
