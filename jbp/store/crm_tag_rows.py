"""Tag rows in and out of the store: rule set versions, tags held, manual overrides, the history of every
change, the schedule of time-driven re-evaluation, and tag runs. Plain dicts and tuples, no domain logic."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, insert, select, tuple_, update

from jbp.store import schema
from jbp.store.crm_rows import chunks, delete_rows, driver_rows, insert_at, insert_ignoring_duplicates

TAG_COLUMNS = ("customer_id", "tag", "brand_id", "tag_group", "source", "rule_set_id", "hold_day")
HISTORY_COLUMNS = ("brand_id", "customer_id", "tag", "change", "source", "rule_set_id", "reason")


def latest_rule_set(conn: Connection, brand_id: int) -> dict | None:
    table = schema.tag_rule_sets
    row = conn.execute(select(table).where(table.c.brand_id == brand_id).order_by(table.c.id.desc()).limit(1)).first()
    return dict(row._mapping) if row else None




def insert_rule_set(conn: Connection, row: dict) -> int:
    return conn.execute(insert(schema.tag_rule_sets).values(**row)).inserted_primary_key[0]


def latest_tag_run(conn: Connection, brand_id: int) -> dict | None:
    table = schema.tag_runs
    row = conn.execute(select(table).where(table.c.brand_id == brand_id).order_by(table.c.id.desc()).limit(1)).first()
    return dict(row._mapping) if row else None


def insert_tag_run(conn: Connection, row: dict) -> int:
    return conn.execute(insert(schema.tag_runs).values(**row)).inserted_primary_key[0]


def due_customers(conn: Connection, brand_id: int, today: int) -> list[int]:
    """Customers whose tags may have changed with time alone by `today`."""
    schedule, customers = schema.tag_schedule, schema.customers
    query = (select(schedule.c.customer_id).join(customers, customers.c.id == schedule.c.customer_id)
             .where(customers.c.brand_id == brand_id, schedule.c.next_day <= today))
    return [r[0] for rows in driver_rows(conn, query) for r in rows]


def replace_schedule(conn: Connection, brand_id: int, rows: list[tuple[int, int]],
                     customer_ids: Sequence[int] | None) -> None:
    """(customer id, next day) for the customers evaluated: all of the brand's, or those given."""
    schedule, customers = schema.tag_schedule, schema.customers
    if customer_ids is None:
        conn.execute(schedule.delete().where(schedule.c.customer_id.in_(
            select(customers.c.id).where(customers.c.brand_id == brand_id))))
    else:
        for chunk in chunks(customer_ids):
            conn.execute(schedule.delete().where(schedule.c.customer_id.in_(list(chunk))))
    insert_ignoring_duplicates(conn, schedule, ("customer_id", "next_day"), rows)


def tag_states(conn: Connection, brand_id: int, tags: Sequence[str],
               customer_ids: Sequence[int] | None) -> dict[str, list[tuple]]:
    """tag -> [(customer id, source, hold day)] of the holders of `tags` (among `customer_ids` when given)."""
    table = schema.customer_tags
    found: dict[str, list[tuple]] = {tag: [] for tag in tags}
    if not tags:
        return found
    query = select(table.c.tag, table.c.customer_id, table.c.source, table.c.hold_day).where(
        table.c.brand_id == brand_id, table.c.tag.in_(list(tags)))
    queries = [query] if customer_ids is None else [query.where(table.c.customer_id.in_(list(chunk)))
                                                    for chunk in chunks(customer_ids)]
    for statement in queries:
        for rows in driver_rows(conn, statement):
            for row in rows:
                found[row[0]].append(row[1:])
    return found


def tag_holders(conn: Connection, brand_id: int, tags: Sequence[str],
                customer_ids: Sequence[int] | None) -> dict[str, list[int]]:
    return {tag: [r[0] for r in rows] for tag, rows in tag_states(conn, brand_id, tags, customer_ids).items()}


def tags_of(conn: Connection, customer_id: int) -> list[dict]:
    table = schema.customer_tags
    rows = conn.execute(select(table).where(table.c.customer_id == customer_id).order_by(table.c.tag_group,
                                                                                          table.c.tag))
    return [dict(r._mapping) for r in rows]


def tags_of_customers(conn: Connection, customer_ids: Iterable[int]) -> dict[int, list[str]]:
    table = schema.customer_tags
    found: dict[int, list[str]] = {}
    for chunk in chunks(sorted(set(customer_ids))):
        for row in conn.execute(select(table.c.customer_id, table.c.tag).where(table.c.customer_id.in_(chunk))
                                .order_by(table.c.customer_id, table.c.tag)):
            found.setdefault(row.customer_id, []).append(row.tag)
    return found


def insert_tags(conn: Connection, rows: list[tuple], added_at: datetime) -> None:
    """Tags as tuples in TAG_COLUMNS order, all set at `added_at`."""
    insert_at(conn, schema.customer_tags, (*TAG_COLUMNS, "added_at"), rows, added_at)


def delete_tags(conn: Connection, pairs: list[tuple[int, str]]) -> None:
    delete_rows(conn, schema.customer_tags, ("customer_id", "tag"), pairs)


def update_tag_sources(conn: Connection, rows: list[tuple[int, str, str, int | None]]) -> None:
    """(customer id, tag, source, rule set id) for tags that stay but are now held for another reason."""
    if rows:
        table = schema.customer_tags
        conn.execute(update(table).where(table.c.customer_id == bindparam("cid"), table.c.tag == bindparam("t"))
                     .values(source=bindparam("s"), rule_set_id=bindparam("r")),
                     [{"cid": c, "t": tag, "s": s, "r": r} for c, tag, s, r in rows])


def insert_history(conn: Connection, rows: list[tuple], at: datetime) -> None:
    """History rows as tuples in HISTORY_COLUMNS order, all changes made at `at`."""
    insert_at(conn, schema.tag_history, (*HISTORY_COLUMNS, "at"), rows, at)


def history_of(conn: Connection, customer_id: int, tag: str | None = None, limit: int = 100) -> list[dict]:
    table, sets = schema.tag_history, schema.tag_rule_sets
    query = (select(table, sets.c.source.label("rules_file")).outerjoin(sets, sets.c.id == table.c.rule_set_id)
             .where(table.c.customer_id == customer_id).order_by(table.c.id.desc()).limit(limit))
    if tag is not None:
        query = query.where(table.c.tag == tag)
    return [dict(r._mapping) for r in conn.execute(query)]


def tag_changes(conn: Connection, brand_id: int, tag: str, change: str, since: datetime,
                until: datetime) -> list[tuple[int, int, datetime]]:
    """(history id, customer id, at) of the brand's `change` (added | removed) of `tag` in (since, until]."""
    table = schema.tag_history
    rows = conn.execute(select(table.c.id, table.c.customer_id, table.c.at).where(
        table.c.brand_id == brand_id, table.c.tag == tag, table.c.change == change, table.c.at > since,
        table.c.at <= until).order_by(table.c.id))
    return [tuple(r) for r in rows]


def tag_counts(conn: Connection, brand_id: int) -> list[dict]:
    table = schema.customer_tags
    rows = conn.execute(select(table.c.tag_group, table.c.tag, func.count().label("customers"))
                        .where(table.c.brand_id == brand_id).group_by(table.c.tag_group, table.c.tag)
                        .order_by(table.c.tag_group, table.c.tag))
    return [dict(r._mapping) for r in rows]


def overrides(conn: Connection, brand_id: int, customer_ids: Sequence[int] | None) -> list[dict]:
    table = schema.tag_overrides
    query = select(table).where(table.c.brand_id == brand_id)
    if customer_ids is None:
        return [dict(r._mapping) for r in conn.execute(query)]
    found: list[dict] = []
    for chunk in chunks(customer_ids):
        found.extend(dict(r._mapping) for r in conn.execute(query.where(table.c.customer_id.in_(list(chunk)))))
    return found


def upsert_overrides(conn: Connection, rows: list[dict]) -> None:
    """Set manual overrides, replacing any of the same customer and tag."""
    if rows:
        delete_overrides(conn, [(r["customer_id"], r["tag"]) for r in rows])
        conn.execute(insert(schema.tag_overrides), rows)


def delete_overrides(conn: Connection, pairs: list[tuple[int, str]]) -> None:
    if pairs:
        table = schema.tag_overrides
        for chunk in chunks(pairs):
            conn.execute(table.delete().where(tuple_(table.c.customer_id, table.c.tag).in_(list(chunk))))
