"""Tier rows in and out of the store: programs, agreements, assignments, the entitlement ledger, reviews,
and the read-only figures a review measures (orders, quotes, customers, CRM events, catalog completeness).

Orders, quotes, customers and events belong to the BOM and CRM areas; a workspace may not have those
tables (or rows) yet, so each figure here first checks the table exists and otherwise reports no data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, and_, case, delete, distinct, exists, func, insert, inspect, literal, select, update
from sqlalchemy.orm import aliased

from jbp.store import schema

CANCELLED = ("cancelled", "canceled", "rejected", "void")


def _rows(result) -> list[dict]:
    return [dict(r._mapping) for r in result]


# ------------------------------------------------------------------------------ brands and programs


def brand_by_code(conn: Connection, code: str) -> dict | None:
    row = conn.execute(select(schema.brands).where(schema.brands.c.code == code)).first()
    return dict(row._mapping) if row else None


def brand_by_id(conn: Connection, brand_id: int) -> dict:
    return dict(conn.execute(select(schema.brands).where(schema.brands.c.id == brand_id)).one()._mapping)


def lock_brand(conn: Connection, brand_id: int) -> None:
    """Serialise quota checks of one brand between concurrent transactions (a row lock on PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(schema.brands.c.id).where(schema.brands.c.id == brand_id).with_for_update())


def latest_program(conn: Connection) -> dict | None:
    table = schema.tier_programs
    row = conn.execute(select(table).order_by(table.c.id.desc()).limit(1)).first()
    return dict(row._mapping) if row else None


def insert_program(conn: Connection, row: dict) -> int:
    return conn.execute(insert(schema.tier_programs).values(**row)).inserted_primary_key[0]


# ---------------------------------------------------------------------------------------- agreements


def agreement_by_code(conn: Connection, code: str) -> dict | None:
    row = conn.execute(select(schema.agreements).where(schema.agreements.c.code == code)).first()
    return dict(row._mapping) if row else None


def agreements_of(conn: Connection, brand_id: int) -> list[dict]:
    table = schema.agreements
    return _rows(conn.execute(select(table).where(table.c.brand_id == brand_id).order_by(table.c.starts_on)))


def overlapping_agreements(conn: Connection, brand_id: int, starts_on: date, ends_on: date,
                           except_code: str) -> list[dict]:
    table = schema.agreements
    return _rows(conn.execute(select(table).where(
        (table.c.brand_id == brand_id) & (table.c.code != except_code)
        & (table.c.starts_on <= ends_on) & (table.c.ends_on >= starts_on))))


def agreement_in_force(conn: Connection, brand_id: int, day: date) -> dict | None:
    table = schema.agreements
    row = conn.execute(select(table).where(
        (table.c.brand_id == brand_id) & (table.c.starts_on <= day) & (table.c.ends_on >= day))
        .order_by(table.c.starts_on.desc()).limit(1)).first()
    return dict(row._mapping) if row else None


def save_agreement(conn: Connection, row: dict, targets: Sequence[dict]) -> tuple[int, bool]:
    """Insert or replace the agreement with this code and its targets; returns (id, changed)."""
    table = schema.agreements
    existing = agreement_by_code(conn, row["code"])
    if existing is not None and existing["content_hash"] == row["content_hash"]:
        return existing["id"], False
    if existing is None:
        agreement_id = conn.execute(insert(table).values(**row)).inserted_primary_key[0]
    else:
        agreement_id = existing["id"]
        conn.execute(update(table).where(table.c.id == agreement_id).values(**row))
        conn.execute(delete(schema.agreement_targets).where(schema.agreement_targets.c.agreement_id == agreement_id))
    if targets:
        conn.execute(insert(schema.agreement_targets), [{**t, "agreement_id": agreement_id} for t in targets])
    return agreement_id, True


def targets_of(conn: Connection, agreement_id: int) -> list[dict]:
    table = schema.agreement_targets
    return _rows(conn.execute(select(table).where(table.c.agreement_id == agreement_id)
                              .order_by(table.c.period, table.c.kpi)))


# -------------------------------------------------------------------------------------- assignments


def insert_assignment(conn: Connection, row: dict) -> int:
    return conn.execute(insert(schema.tier_assignments).values(**row)).inserted_primary_key[0]


def assignments_of(conn: Connection, brand_id: int, agreement_id: int | None = None) -> list[dict]:
    """A brand's tier history (of one agreement when given), oldest first."""
    table = schema.tier_assignments
    query = select(table).where(table.c.brand_id == brand_id)
    if agreement_id is not None:
        query = query.where(table.c.agreement_id == agreement_id)
    return _rows(conn.execute(query.order_by(table.c.decided_at, table.c.id)))


# ------------------------------------------------------------------------------------------- ledger


def ledger_entry(conn: Connection, brand_id: int, service: str, ref: str) -> dict | None:
    table = schema.entitlement_ledger
    row = conn.execute(select(table).where((table.c.brand_id == brand_id) & (table.c.service == service)
                                           & (table.c.ref == ref))).first()
    return dict(row._mapping) if row else None


def ledger_used(conn: Connection, brand_id: int, service: str, period_keys: Iterable[str]) -> int:
    table = schema.entitlement_ledger
    total = conn.execute(select(func.coalesce(func.sum(table.c.amount), 0)).where(
        (table.c.brand_id == brand_id) & (table.c.service == service)
        & table.c.period_key.in_(list(period_keys)))).scalar_one()
    return int(total)


def insert_ledger(conn: Connection, row: dict) -> None:
    conn.execute(insert(schema.entitlement_ledger).values(**row))


# ------------------------------------------------------------------------------------------ reviews


def insert_review(conn: Connection, row: dict) -> int:
    return conn.execute(insert(schema.tier_reviews).values(**row)).inserted_primary_key[0]


def reviews_of(conn: Connection, brand_id: int) -> list[dict]:
    table = schema.tier_reviews
    return _rows(conn.execute(select(table).where(table.c.brand_id == brand_id)
                              .order_by(table.c.decided_at, table.c.id)))


# ------------------------------------------------------------------------- figures for a review


def present_tables(conn: Connection) -> set[str]:
    """The BOM/CRM tables a review reads that exist in this database (and in this jbp's schema)."""
    names = set(inspect(conn).get_table_names())
    return {n for n in ("orders", "bom_quotes", "customers", "events") if n in names and hasattr(schema, n)}


def _bucket(column, bounds: Sequence[datetime]):
    """Which of the periods [bounds[i], bounds[i+1]) a timestamp falls in, as SQL both dialects run."""
    return case(*[(column < bound, index) for index, bound in enumerate(bounds[1:])], else_=None)


def order_periods(conn: Connection, brand_id: int, bounds: Sequence[datetime], currency: str) -> list[dict]:
    """Per period [bounds[i], bounds[i+1]): live orders, GMV in `currency`, orders in other currencies, buyers
    (orders' customer_ref) and new buyers (whose first live order ever falls in the period).

    One grouped scan for the periods and one for the buyers' first orders, whatever the number of periods.
    """
    orders = schema.orders
    live = and_(orders.c.brand_id == brand_id, orders.c.status.not_in(CANCELLED))
    bucket = _bucket(orders.c.created_at, bounds).label("bucket")
    in_currency = orders.c.currency == currency
    periods = [{"orders": 0, "orders_in_currency": 0, "gmv": Decimal(0), "orders_other_currency": 0,
                "active_buyers": 0, "new_buyers": 0} for _ in bounds[1:]]
    rows = conn.execute(select(bucket, func.count(), func.sum(case((in_currency, 1), else_=0)),
                               func.sum(case((in_currency, orders.c.total), else_=None)),
                               func.count(distinct(orders.c.customer_ref)))
                        .where(live & (orders.c.created_at >= bounds[0]) & (orders.c.created_at < bounds[-1]))
                        .group_by(bucket))
    for index, count, counted, gmv, buyers in rows:
        periods[index].update(orders=count, orders_in_currency=int(counted or 0), gmv=Decimal(gmv or 0),
                              orders_other_currency=count - int(counted or 0), active_buyers=buyers)
    firsts = (select(func.min(orders.c.created_at).label("first"))
              .where(live & orders.c.customer_ref.is_not(None)).group_by(orders.c.customer_ref).subquery())
    first_bucket = _bucket(firsts.c.first, bounds).label("bucket")
    for index, count in conn.execute(select(first_bucket, func.count()).where(
            (firsts.c.first >= bounds[0]) & (firsts.c.first < bounds[-1])).group_by(first_bucket)):
        periods[index]["new_buyers"] = count
    return periods


def repeat_buyers(conn: Connection, brand_id: int, start: datetime, end: datetime) -> int:
    """Buyers with a live order in [start, end) and more than one live order up to `end`."""
    orders, earlier = schema.orders, aliased(schema.orders)
    live = and_(orders.c.brand_id == brand_id, orders.c.status.not_in(CANCELLED))
    same_buyer = and_(earlier.c.brand_id == brand_id, earlier.c.customer_ref == orders.c.customer_ref,
                      earlier.c.status.not_in(CANCELLED), earlier.c.created_at < end, earlier.c.id != orders.c.id)
    return conn.execute(select(func.count(distinct(orders.c.customer_ref))).where(
        live & (orders.c.created_at >= start) & (orders.c.created_at < end) & orders.c.customer_ref.is_not(None)
        & exists().where(same_buyer))).scalar_one()


def quote_periods(conn: Connection, brand_id: int, bounds: Sequence[datetime]) -> list[dict]:
    """Per period: BOM quotes made, and how many of them became live orders."""
    quotes = schema.bom_quotes
    periods = [{"quotes": 0, "quotes_converted": 0} for _ in bounds[1:]]
    bucket = _bucket(quotes.c.created_at, bounds).label("bucket")
    window = (quotes.c.brand_id == brand_id) & (quotes.c.created_at >= bounds[0]) & (quotes.c.created_at < bounds[-1])
    if "orders" in present_tables(conn):
        orders = schema.orders
        source = quotes.outerjoin(orders, (orders.c.quote_id == quotes.c.id) & orders.c.status.not_in(CANCELLED))
        query = select(bucket, func.count(), func.count(orders.c.id)).select_from(source)
    else:
        query = select(bucket, func.count(), literal(0))
    for index, made, converted in conn.execute(query.where(window).group_by(bucket)):
        periods[index].update(quotes=made, quotes_converted=converted)
    return periods


def customer_figures(conn: Connection, brand_id: int, start: datetime, end: datetime) -> dict:
    customers = schema.customers
    mine = customers.c.brand_id == brand_id
    total = conn.execute(select(func.count()).where(mine & (customers.c.created_at < end))).scalar_one()
    new = conn.execute(select(func.count()).where(
        mine & (customers.c.created_at >= start) & (customers.c.created_at < end))).scalar_one()
    return {"customers": total, "new_customers": new}


def event_counts(conn: Connection, brand_id: int, start: datetime, end: datetime,
                 kinds: Sequence[str]) -> dict[str, int]:
    """How many events of each kind the brand had in [start, end) (by `day`, which the events index covers)."""
    events = schema.events
    first, last = _epoch_day(start), _epoch_day(end)
    return {kind: conn.execute(select(func.count()).where(
        (events.c.brand_id == brand_id) & (events.c.kind == kind) & (events.c.day >= first)
        & (events.c.day < last))).scalar_one() for kind in kinds}


def inquiry_payloads(conn: Connection, brand_id: int, start: datetime, end: datetime) -> list[tuple]:
    """(at, payload) of the brand's inquiry events in [start, end), for response times."""
    events = schema.events
    return [tuple(r) for r in conn.execute(select(events.c.at, events.c.payload).where(
        (events.c.brand_id == brand_id) & (events.c.kind == "inquiry")
        & (events.c.day >= _epoch_day(start)) & (events.c.day < _epoch_day(end))))]


def _epoch_day(moment: datetime) -> int:
    return (moment.date() - date(1970, 1, 1)).days


def completeness_counts(conn: Connection, brand_id: int, required: dict[int, list[int]]) -> dict[int, dict]:
    """Per category of the brand: SKUs, required parameter values present, SKUs priced / with image / with 3D.

    `required` maps category id -> the parameter ids counted for it. One grouped pass over the brand's SKUs
    (not per SKU in Python as catalog.quality does), so a brand of 200k SKUs is measured in about a second.
    What counts as an image or a 3D model is what catalog_rows.completeness_rows counts.
    """
    products, values, media = schema.products, schema.param_values, schema.media
    param_ids = sorted({param_id for ids in required.values() for param_id in ids})
    # `param_id + 0`: SQLite would otherwise seek every (SKU, required parameter) pair of the primary key, many
    # times slower than reading each SKU's few values once and filtering them.
    required_values = (select(func.count()).where((values.c.product_id == products.c.id)
                                                  & (values.c.param_id + 0).in_(param_ids)).scalar_subquery())
    flags = {"priced": exists().where(schema.price_breaks.c.product_id == products.c.id),
             "image": exists().where((media.c.product_id == products.c.id) & (media.c.kind == "image")),
             "model3d": exists().where(schema.product_models.c.product_id == products.c.id)}
    rows = conn.execute(select(products.c.category_id, func.count(), func.sum(required_values),
                               *[func.sum(case((test, 1), else_=0)) for test in flags.values()])
                        .where(products.c.brand_id == brand_id).group_by(products.c.category_id))
    return {category_id: {"skus": skus, "values": int(present or 0),
                          **{key: int(number) for key, number in zip(flags, flagged, strict=True)}}
            for category_id, skus, present, *flagged in rows}
