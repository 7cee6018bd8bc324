"""Campaign rows in and out of the store: segments, campaign definitions, entries, the outbox and its exports,
coupons, CRM runs, and the reads campaigns and their reports need. Plain dicts and tuples, no domain logic."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, case, func, insert, select, update

from jbp.store import schema
from jbp.store.crm_rows import chunks, driver_rows, insert_ignoring_duplicates, update_rows

OUTBOX_COLUMNS = ("id", "brand_id", "campaign_id", "entry_id", "customer_id", "channel", "recipient", "subject",
                  "body", "created_at", "status", "reason")
COUPON_COLUMNS = ("code", "brand_id", "customer_id", "campaign_id", "entry_id", "value", "issued_at")

# ------------------------------------------------------------------------------------------ segments


def segment(conn: Connection, brand_id: int, name: str) -> dict | None:
    table = schema.segments
    row = conn.execute(select(table).where(table.c.brand_id == brand_id, table.c.name == name)).first()
    return dict(row._mapping) if row else None


def segments(conn: Connection, brand_id: int) -> list[dict]:
    table = schema.segments
    return [dict(r._mapping) for r in conn.execute(select(table).where(table.c.brand_id == brand_id)
                                                   .order_by(table.c.name))]


def save_segment(conn: Connection, row: dict) -> None:
    table = schema.segments
    existing = segment(conn, row["brand_id"], row["name"])
    if existing is None:
        conn.execute(insert(table).values(**row, version=1))
    else:
        conn.execute(update(table).where(table.c.id == existing["id"]).values(
            rule=row["rule"], saved_at=row["saved_at"], version=existing["version"] + 1))


# ----------------------------------------------------------------------------------------- campaigns


def campaign(conn: Connection, brand_id: int, name: str) -> dict | None:
    table = schema.campaigns
    row = conn.execute(select(table).where(table.c.brand_id == brand_id, table.c.name == name)).first()
    return dict(row._mapping) if row else None


def campaigns(conn: Connection, brand_id: int, status: str | None = None) -> list[dict]:
    table = schema.campaigns
    query = select(table).where(table.c.brand_id == brand_id).order_by(table.c.id)
    if status is not None:
        query = query.where(table.c.status == status)
    return [dict(r._mapping) for r in conn.execute(query)]


def save_campaign(conn: Connection, row: dict) -> tuple[int, int]:
    """Insert or replace a brand's campaign by name; returns (id, version)."""
    table = schema.campaigns
    existing = campaign(conn, row["brand_id"], row["name"])
    if existing is None:
        return conn.execute(insert(table).values(**row, version=1)).inserted_primary_key[0], 1
    version = existing["version"] + (existing["content_hash"] != row["content_hash"])
    conn.execute(update(table).where(table.c.id == existing["id"]).values(**row, version=version))
    return existing["id"], version


def set_campaign_status(conn: Connection, campaign_id: int, status: str) -> None:
    conn.execute(update(schema.campaigns).where(schema.campaigns.c.id == campaign_id).values(status=status))


# ------------------------------------------------------------------------------------------- entries


def trigger_keys_since(conn: Connection, campaign_id: int, since: datetime) -> set[str]:
    """Trigger keys of the campaign's entries made after `since` (a trigger is entered after it fires, so these
    hold every trigger of the look-back window already handled)."""
    table = schema.campaign_entries
    query = select(table.c.trigger_key).where(table.c.campaign_id == campaign_id, table.c.entered_at >= since)
    return {r[0] for rows in driver_rows(conn, query) for r in rows}


def entry_history(conn: Connection, campaign_id: int, customer_ids: Iterable[int]) -> dict[int, tuple]:
    """customer id -> (latest time entered, has an active entry) over the customer's real entries."""
    table = schema.campaign_entries
    found: dict[int, tuple] = {}
    for chunk in chunks(sorted(set(customer_ids))):
        rows = conn.execute(select(table.c.customer_id, func.max(table.c.entered_at),
                                   func.sum(case((table.c.status == "active", 1), else_=0)))
                            .where(table.c.campaign_id == campaign_id, table.c.customer_id.in_(list(chunk)),
                                   table.c.status != "skipped").group_by(table.c.customer_id))
        found.update({r[0]: (r[1], bool(r[2])) for r in rows})
    return found


ENTRY_COLUMNS = ("id", "campaign_id", "customer_id", "trigger_key", "entered_at", "step", "wake_at", "status",
                 "finished_at", "context")
_MOVED = ("step", "wake_at", "status", "finished_at", "context")


def new_entry_ids(conn: Connection, count: int) -> list[int]:
    """Ids for `count` entries about to be inserted, so their messages can be named before they are written.
    PostgreSQL: taken from the id sequence; SQLite: after the largest, inside the caller's write transaction."""
    if count == 0:
        return []
    if conn.dialect.name == "postgresql":
        sequence = select(func.pg_get_serial_sequence("campaign_entries", "id")).scalar_subquery()
        numbers = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return [r[0] for r in conn.execute(numbers)]
    largest = conn.execute(select(func.coalesce(func.max(schema.campaign_entries.c.id), 0))).scalar_one()
    return list(range(largest + 1, largest + 1 + count))


def insert_entries(conn: Connection, entries: list[dict]) -> None:
    """New entries (dicts with every ENTRY_COLUMNS key); a trigger key the campaign already has is skipped."""
    insert_ignoring_duplicates(conn, schema.campaign_entries, ENTRY_COLUMNS,
                               [tuple(e[c] for c in ENTRY_COLUMNS) for e in entries])


def due_entries(conn: Connection, campaign_id: int, now: datetime) -> list[dict]:
    """The campaign's active entries whose wake-up time has come: id, customer_id, step and context."""
    table = schema.campaign_entries
    query = select(table.c.id, table.c.customer_id, table.c.step, table.c.context).where(
        table.c.campaign_id == campaign_id, table.c.status == "active", table.c.wake_at <= now).order_by(table.c.id)
    return [{"id": r[0], "customer_id": r[1], "step": r[2], "context": json.loads(r[3]) if isinstance(r[3], str)
             else r[3], "status": "active", "wake_at": now, "finished_at": None}
            for rows in driver_rows(conn, query) for r in rows]


def update_entries(conn: Connection, rows: list[dict]) -> None:
    """Write back the step, wake_at, status, finished_at and context of entries (dicts with their id)."""
    update_rows(conn, schema.campaign_entries, "id", _MOVED, [(*(r[c] for c in _MOVED), r["id"]) for r in rows])


def entry_counts(conn: Connection, campaign_id: int) -> dict[str, int]:
    table = schema.campaign_entries
    rows = conn.execute(select(table.c.status, func.count()).where(table.c.campaign_id == campaign_id)
                        .group_by(table.c.status))
    return {r[0]: r[1] for r in rows}


def skipped_reasons(conn: Connection, campaign_id: int) -> list[dict]:
    table = schema.campaign_entries
    reason = table.c.context["skipped"].as_string()
    rows = conn.execute(select(reason.label("reason"), func.count().label("entries"))
                        .where(table.c.campaign_id == campaign_id, table.c.status == "skipped")
                        .group_by(reason).order_by(func.count().desc()))
    return [dict(r._mapping) for r in rows]


# --------------------------------------------------------------------------------------- triggers


def events_between(conn: Connection, brand_id: int, kind: str, since: datetime, until: datetime) -> list[tuple]:
    """(event id, customer id, at) of the brand's events of `kind` in (since, until]."""
    table = schema.events
    rows = conn.execute(select(table.c.id, table.c.customer_id, table.c.at).where(
        table.c.brand_id == brand_id, table.c.kind == kind, table.c.at > since, table.c.at <= until,
        table.c.customer_id.is_not(None)).order_by(table.c.at, table.c.id))
    return [tuple(r) for r in rows]


# ------------------------------------------------------------------------------------------ outbox


def insert_outbox(conn: Connection, rows: list[tuple]) -> int:
    """Messages as tuples in OUTBOX_COLUMNS order; an id already there is skipped."""
    return insert_ignoring_duplicates(conn, schema.outbox, OUTBOX_COLUMNS, rows)


def recent_message_counts(conn: Connection, brand_id: int, since: datetime) -> dict[int, int]:
    """customer id -> messages of the brand queued or sent to them after `since` (suppressed ones do not count).
    One range of the brand's recent messages, which the tier's quota keeps small."""
    table = schema.outbox
    query = (select(table.c.customer_id, func.count()).where(
        table.c.brand_id == brand_id, table.c.created_at > since, table.c.status != "suppressed")
        .group_by(table.c.customer_id))
    return {r[0]: r[1] for rows in driver_rows(conn, query) for r in rows}


def queued_messages(conn: Connection, brand_id: int, export_id: int | None = None) -> list[dict]:
    """Messages waiting for the sending system, or those of an earlier export."""
    table = schema.outbox
    query = select(table.c.id, table.c.channel, table.c.recipient, table.c.subject, table.c.body,
                   table.c.created_at).where(table.c.brand_id == brand_id).order_by(table.c.created_at, table.c.id)
    query = query.where(table.c.status == "queued") if export_id is None else query.where(
        table.c.export_id == export_id)
    return [dict(r._mapping) for r in conn.execute(query)]


def mark_exported(conn: Connection, brand_id: int, ids: list[str], file: str, now: datetime) -> int:
    export_id = conn.execute(insert(schema.outbox_exports).values(
        brand_id=brand_id, exported_at=now, file=file, messages=len(ids))).inserted_primary_key[0]
    table = schema.outbox
    for chunk in chunks(ids):
        conn.execute(update(table).where(table.c.id.in_(list(chunk))).values(status="exported", export_id=export_id))
    return export_id


def outbox_page(conn: Connection, brand_id: int, status: str | None, limit: int) -> list[dict]:
    table, customers, campaigns_table = schema.outbox, schema.customers, schema.campaigns
    query = (select(table.c.id, table.c.channel, table.c.recipient, table.c.status, table.c.reason,
                    table.c.created_at, customers.c.external_id, campaigns_table.c.name.label("campaign"))
             .join(customers, customers.c.id == table.c.customer_id)
             .join(campaigns_table, campaigns_table.c.id == table.c.campaign_id)
             .where(table.c.brand_id == brand_id).order_by(table.c.created_at.desc(), table.c.id).limit(limit))
    if status is not None:
        query = query.where(table.c.status == status)
    return [dict(r._mapping) for r in conn.execute(query)]


def message_customers(conn: Connection, brand_id: int, message_ids: Iterable[str]) -> dict[str, tuple[int, str]]:
    """message id -> (customer id, external id), for clicks that name only their message."""
    table, customers = schema.outbox, schema.customers
    found: dict[str, tuple[int, str]] = {}
    for chunk in chunks(sorted(set(message_ids))):
        rows = conn.execute(select(table.c.id, table.c.customer_id, customers.c.external_id)
                            .join(customers, customers.c.id == table.c.customer_id)
                            .where(table.c.brand_id == brand_id, table.c.id.in_(list(chunk))))
        found.update({r[0]: (r[1], r[2]) for r in rows})
    return found


def mark_clicked(conn: Connection, clicks: list[tuple[str, datetime]]) -> None:
    """Record the first click time on each message."""
    table = schema.outbox
    first: dict[str, datetime] = {}
    for message_id, at in clicks:
        first[message_id] = min(at, first.get(message_id, at))
    if first:
        conn.execute(update(table).where(table.c.id == bindparam("message_id"),
                                         (table.c.clicked_at.is_(None)) | (table.c.clicked_at > bindparam("at")))
                     .values(clicked_at=bindparam("at")), [{"message_id": k, "at": v} for k, v in first.items()])


def outbox_summary(conn: Connection, campaign_id: int) -> list[dict]:
    """(status, reason, channel, messages, customers, clicked) of a campaign's messages."""
    table = schema.outbox
    rows = conn.execute(select(table.c.status, table.c.reason, table.c.channel, func.count().label("messages"),
                               func.count(func.distinct(table.c.customer_id)).label("customers"),
                               func.count(table.c.clicked_at).label("clicked"))
                        .where(table.c.campaign_id == campaign_id)
                        .group_by(table.c.status, table.c.reason, table.c.channel))
    return [dict(r._mapping) for r in rows]


def first_messages(conn: Connection, campaign_id: int) -> list[tuple[int, datetime]]:
    """(customer id, time of the first message queued or sent to them) for a campaign."""
    table = schema.outbox
    query = (select(table.c.customer_id, func.min(table.c.created_at)).where(
        table.c.campaign_id == campaign_id, table.c.status != "suppressed").group_by(table.c.customer_id))
    return [tuple(r) for r in conn.execute(query)]


def customer_events(conn: Connection, customer_ids: Sequence[int], kind: str, since: datetime) -> list[tuple]:
    """(customer id, at, amount) of events of `kind` after `since` for these customers."""
    table = schema.events
    found: list[tuple] = []
    for chunk in chunks(sorted(set(customer_ids))):
        found.extend(tuple(r) for r in conn.execute(select(table.c.customer_id, table.c.at, table.c.amount).where(
            table.c.customer_id.in_(list(chunk)), table.c.kind == kind, table.c.at > since)))
    return found


# ----------------------------------------------------------------------------------- coupons and runs


def insert_coupons(conn: Connection, rows: list[tuple]) -> None:
    insert_ignoring_duplicates(conn, schema.coupons, COUPON_COLUMNS, rows)


def insert_run(conn: Connection, row: dict) -> int:
    return conn.execute(insert(schema.crm_runs).values(**row)).inserted_primary_key[0]



