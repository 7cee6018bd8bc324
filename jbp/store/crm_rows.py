"""CRM rows in and out of the store: customers and contacts, events (and the ones kept aside), the queue of
customers to re-tag, the columns rule evaluation reads, and the BOM quotes and orders that become events.

Plain dicts and tuples, no domain logic. Reads that return millions of rows go straight to the driver's
cursor (SQLAlchemy's row objects would cost more than the query).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Connection, String, bindparam, case, cast, func, insert, select, update

from jbp.store import schema

CHUNK = 5000  # ids per IN (...) list: under SQLite's and PostgreSQL's bound-parameter limits
MONEY_SCALE = 10_000  # amounts leave the store as integers of 0.0001


def chunks(values: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def driver_rows(conn: Connection, statement, batch: int = 200_000, *, literal: bool = False) -> Iterator[list[tuple]]:
    """Batches of plain tuples from the DBAPI cursor, for statements whose bound values are integers, texts and
    times (they skip SQLAlchemy's type processing; times are written the way SQLAlchemy stores them). Values
    come back as the driver gives them (SQLite: times as text, decimals as floats). `literal` renders the
    values into the statement instead, for JSON paths, which need SQLAlchemy's rendering; only for our own
    integers and registry keys."""
    if literal:
        compiled, arguments = statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}), ()
    else:
        compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        values = {k: _converter(conn, v)(v) if isinstance(v, datetime) and conn.dialect.name == "sqlite" else v
                  for k, v in compiled.construct_params().items()}
        arguments = tuple(values[name] for name in compiled.positiontup) if compiled.positional else values
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), arguments)
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


_STAGE_FROM = 1000  # rows from which PostgreSQL receives them by COPY into a temporary table, not one by one
_stages = itertools.count()


def _staged(conn: Connection, table, columns: Sequence[str], rows: list) -> str | None:
    """On PostgreSQL, many rows are copied into a temporary table shaped like `columns` of `table` (dropped at
    commit) and its name is returned: one COPY instead of a statement per row. None elsewhere."""
    if conn.dialect.name != "postgresql" or len(rows) < _STAGE_FROM:
        return None
    preparer = conn.dialect.identifier_preparer
    names = ", ".join(preparer.quote(c) for c in columns)
    stage = f"crm_stage_{next(_stages)}"
    cursor = conn.connection.cursor()
    try:
        cursor.execute(f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608 (our identifiers)
                       f"SELECT {names} FROM {preparer.format_table(table)} WITH NO DATA")
        with cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()
    return stage


def _execute(conn: Connection, statement: str, rows: list | None = None) -> int:
    """Run a statement (for each row, when given) on the DBAPI cursor; returns the rows it changed."""
    cursor = conn.connection.cursor()
    try:
        before = _total_changes(conn)
        if rows is None:
            cursor.execute(statement)
        else:
            cursor.executemany(statement, rows)
        return _total_changes(conn) - before if before is not None else max(cursor.rowcount, 0)
    finally:
        cursor.close()


def insert_ignoring_duplicates(conn: Connection, table, columns: Sequence[str], rows: list[tuple]) -> int:
    """Insert plain tuples, skipping rows whose key exists; returns how many were inserted."""
    if not rows:
        return 0
    preparer = conn.dialect.identifier_preparer
    names = ", ".join(preparer.quote(c) for c in columns)
    target = preparer.format_table(table)
    converted = _driver_rows(conn, rows)
    if conn.dialect.name == "sqlite":
        return _execute(conn, f"INSERT OR IGNORE INTO {target} ({names}) "  # noqa: S608
                              f"VALUES ({', '.join('?' * len(columns))})", converted)
    stage = _staged(conn, table, columns, converted)
    if stage:
        return _execute(conn, f"INSERT INTO {target} ({names}) SELECT {names} FROM {stage} "  # noqa: S608
                              "ON CONFLICT DO NOTHING")
    return _execute(conn, f"INSERT INTO {target} ({names}) VALUES ({', '.join(['%s'] * len(columns))}) "  # noqa: S608
                          "ON CONFLICT DO NOTHING", converted)


def update_rows(conn: Connection, table, key: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """`UPDATE table SET columns WHERE key = …` for each row: the columns' values, then the key."""
    if not rows:
        return
    preparer = conn.dialect.identifier_preparer
    target = preparer.format_table(table)
    converted = _driver_rows(conn, rows)
    stage = _staged(conn, table, [*columns, key], converted)
    if stage:
        assignments = ", ".join(f"{preparer.quote(c)} = s.{preparer.quote(c)}" for c in columns)
        _execute(conn, f"UPDATE {target} SET {assignments} FROM {stage} AS s "  # noqa: S608
                       f"WHERE {target}.{preparer.quote(key)} = s.{preparer.quote(key)}")
        return
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    assignments = ", ".join(f"{preparer.quote(c)} = {marker}" for c in columns)
    _execute(conn, f"UPDATE {target} SET {assignments} WHERE {preparer.quote(key)} = {marker}", converted)  # noqa: S608


def delete_rows(conn: Connection, table, columns: Sequence[str], rows: list[tuple]) -> None:
    """`DELETE FROM table WHERE columns = …` for each row of values."""
    if not rows:
        return
    preparer = conn.dialect.identifier_preparer
    target = preparer.format_table(table)
    stage = _staged(conn, table, columns, rows)
    if stage:
        matching = " AND ".join(f"{target}.{preparer.quote(c)} = s.{preparer.quote(c)}" for c in columns)
        _execute(conn, f"DELETE FROM {target} USING {stage} AS s WHERE {matching}")  # noqa: S608
        return
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    condition = " AND ".join(f"{preparer.quote(c)} = {marker}" for c in columns)
    _execute(conn, f"DELETE FROM {target} WHERE {condition}", rows)  # noqa: S608


def insert_at(conn: Connection, table, columns: Sequence[str], rows: list[tuple], at: datetime) -> int:
    """Like insert_ignoring_duplicates, for rows that all end with the same time (given once, as `at`)."""
    if not rows:
        return 0
    stamp = (_converter(conn, at) or (lambda v: v))(at)
    return insert_ignoring_duplicates(conn, table, columns, [(*row, stamp) for row in rows])


def _total_changes(conn: Connection) -> int | None:
    # sqlite3's rowcount after executemany counts rows of every statement; total_changes is exact
    return conn.connection.dbapi_connection.total_changes if conn.dialect.name == "sqlite" else None


def _driver_rows(conn: Connection, rows: list[tuple]) -> list:
    """Rows with the values the driver cannot take as they are (dicts, and for SQLite decimals and times)
    converted, column by column: only columns holding such values (each column holds one type) are
    touched, and a repeated time is formatted once."""
    firsts = [next((row[i] for row in rows if row[i] is not None), None) for i in range(len(rows[0]))]
    converters = {i: _converter(conn, value) for i, value in enumerate(firsts)}
    converters = {i: convert for i, convert in converters.items() if convert is not None}
    if not converters:
        return rows
    columns = list(zip(*rows, strict=True))
    for i, convert in converters.items():
        columns[i] = [None if v is None else convert(v) for v in columns[i]]
    return list(zip(*columns, strict=True))


def _converter(conn: Connection, sample):
    if isinstance(sample, dict | list):
        return lambda v: json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, dict | list) else v
    if conn.dialect.name != "sqlite":
        return None
    if isinstance(sample, Decimal):
        return lambda v: str(v) if isinstance(v, Decimal) else v
    if isinstance(sample, datetime):
        texts: dict[datetime, str] = {}

        def text(v):  # the text form SQLAlchemy writes and reads for SQLite DateTime
            if v not in texts:
                texts[v] = v.strftime("%Y-%m-%d %H:%M:%S.%f")
            return texts[v]
        return text
    return None


# ------------------------------------------------------------------------------------- customers


def customer_states(conn: Connection, brand_id: int, external_ids: Iterable[str]) -> dict[str, tuple[int, str]]:
    """external id -> (customer id, content hash) for those of `external_ids` the brand has."""
    table = schema.customers
    found: dict[str, tuple[int, str]] = {}
    for chunk in chunks(sorted(set(external_ids))):
        rows = conn.execute(select(table.c.external_id, table.c.id, table.c.content_hash)
                            .where(table.c.brand_id == brand_id, table.c.external_id.in_(chunk)))
        found.update({r.external_id: (r.id, r.content_hash) for r in rows})
    return found


def insert_customers(conn: Connection, rows: list[dict]) -> dict[str, int]:
    """Insert customers; returns external id -> new id."""
    if not rows:
        return {}
    table = schema.customers
    result = conn.execute(insert(table).returning(table.c.external_id, table.c.id, sort_by_parameter_order=True),
                          rows)
    return {r.external_id: r.id for r in result}


def update_customers(conn: Connection, rows: list[dict]) -> None:
    """Update customers by `id` (every row carries the same keys)."""
    if not rows:
        return
    table = schema.customers
    keys = [k for k in rows[0] if k != "id"]
    statement = update(table).where(table.c.id == bindparam("customer_id")).values(
        {k: bindparam(f"v_{k}") for k in keys})
    conn.execute(statement, [{"customer_id": r["id"], **{f"v_{k}": r[k] for k in keys}} for r in rows])


def replace_contacts(conn: Connection, contacts: dict[int, list[dict]]) -> None:
    """The contacts of each customer in `contacts` become exactly those given."""
    table = schema.contacts
    ids = list(contacts)
    for chunk in chunks(ids):
        conn.execute(table.delete().where(table.c.customer_id.in_(chunk)))
    rows = [{**c, "customer_id": cid, "position": i} for cid, items in contacts.items() for i, c in enumerate(items)]
    if rows:
        conn.execute(insert(table), rows)


def customer_ids(conn: Connection, brand_id: int, external_ids: Iterable[str]) -> dict[str, int]:
    return {ref: state[0] for ref, state in customer_states(conn, brand_id, external_ids).items()}


def customer_by_ref(conn: Connection, brand_id: int, external_id: str) -> dict | None:
    table = schema.customers
    row = conn.execute(select(table).where(table.c.brand_id == brand_id, table.c.external_id == external_id)).first()
    return dict(row._mapping) if row else None


def customers_by_ids(conn: Connection, ids: Iterable[int]) -> dict[int, dict]:
    table = schema.customers
    found: dict[int, dict] = {}
    for chunk in chunks(sorted(set(ids))):
        found.update({r.id: dict(r._mapping) for r in conn.execute(select(table).where(table.c.id.in_(chunk)))})
    return found


def recipients(conn: Connection, customer_ids: Sequence[int], address: str, channel: str) -> dict[int, tuple]:
    """customer id -> (external id, name, industry, region, size, owner rep, address, consented, opted-out date)
    for one channel: what sending a message needs, without reading every field."""
    table = schema.customers
    query = select(table.c.id, table.c.external_id, table.c.name, table.c.industry, table.c.region, table.c.size,
                   table.c.owner_rep, table.c[address], table.c.consent[channel].as_boolean(),
                   table.c.opted_out[channel].as_string())
    found: dict[int, tuple] = {}
    for chunk in chunks(sorted(set(customer_ids))):
        found.update((r[0], tuple(r[1:])) for r in conn.execute(query.where(table.c.id.in_(list(chunk)))))
    return found


def contacts_of(conn: Connection, customer_id: int) -> list[dict]:
    table = schema.contacts
    rows = conn.execute(select(table).where(table.c.customer_id == customer_id).order_by(table.c.position))
    return [dict(r._mapping) for r in rows]


def customer_external_ids(conn: Connection, brand_id: int, ids: Iterable[int]) -> dict[int, str]:
    table = schema.customers
    found: dict[int, str] = {}
    for chunk in chunks(sorted(set(ids))):
        found.update({r.id: r.external_id for r in conn.execute(
            select(table.c.id, table.c.external_id).where(table.c.brand_id == brand_id, table.c.id.in_(chunk)))})
    return found


def count_customers(conn: Connection, brand_id: int) -> int:
    table = schema.customers
    return conn.execute(select(func.count()).where(table.c.brand_id == brand_id)).scalar_one()


def set_owner_rep(conn: Connection, assignments: dict[int, str]) -> None:
    table = schema.customers
    if assignments:
        conn.execute(update(table).where(table.c.id == bindparam("customer_id")).values(owner_rep=bindparam("rep")),
                     [{"customer_id": cid, "rep": rep} for cid, rep in assignments.items()])


def mark_dirty(conn: Connection, customer_ids: Iterable[int]) -> None:
    """Queue customers for re-tagging; each mark bumps a version so a retag that read an older one leaves it."""
    ids = [(i,) for i in sorted(set(customer_ids))]
    if not ids:
        return
    upsert = "ON CONFLICT (customer_id) DO UPDATE SET version = crm_dirty.version + 1"  # the same on both
    stage = _staged(conn, schema.crm_dirty, ("customer_id",), ids)
    if stage:
        _execute(conn, f"INSERT INTO crm_dirty (customer_id, version) SELECT customer_id, 1 FROM {stage} {upsert}")  # noqa: S608
        return
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    _execute(conn, f"INSERT INTO crm_dirty (customer_id, version) VALUES ({marker}, 1) {upsert}", ids)  # noqa: S608


def dirty_customers(conn: Connection, brand_id: int) -> list[tuple[int, int]]:
    """(customer id, version) of the brand's customers waiting to be re-tagged."""
    dirty, customers = schema.crm_dirty, schema.customers
    query = (select(dirty.c.customer_id, dirty.c.version).join(customers, customers.c.id == dirty.c.customer_id)
             .where(customers.c.brand_id == brand_id))
    return [tuple(r) for rows in driver_rows(conn, query) for r in rows]


def clear_dirty(conn: Connection, marks: list[tuple[int, int]]) -> None:
    """Remove the marks that were read, unless a newer mark (a higher version) arrived meanwhile."""
    delete_rows(conn, schema.crm_dirty, ("customer_id", "version"), marks)


# ---------------------------------------------------------------------------------------- events

EVENT_COLUMNS = ("id", "brand_id", "customer_id", "customer_ref", "kind", "at", "day", "amount", "category", "ref",
                 "payload", "recorded_at")
UNMATCHED_COLUMNS = ("id", "brand_id", "customer_ref", "kind", "at", "amount", "category", "ref", "payload",
                     "source", "recorded_at")


def insert_events(conn: Connection, rows: list[tuple]) -> int:
    """Events as tuples in EVENT_COLUMNS order; an id already stored is skipped. Returns how many were new."""
    return insert_ignoring_duplicates(conn, schema.events, EVENT_COLUMNS, rows)


def insert_unmatched(conn: Connection, rows: list[tuple]) -> int:
    """Events for unknown customers, as tuples in UNMATCHED_COLUMNS order; returns how many were new."""
    return insert_ignoring_duplicates(conn, schema.events_unmatched, UNMATCHED_COLUMNS, rows)




def unmatched_for(conn: Connection, brand_id: int, refs: Iterable[str]) -> list[dict]:
    table = schema.events_unmatched
    found: list[dict] = []
    for chunk in chunks(sorted(set(refs))):
        found.extend(dict(r._mapping) for r in conn.execute(
            select(table).where(table.c.brand_id == brand_id, table.c.customer_ref.in_(chunk))))
    return found


def delete_unmatched(conn: Connection, ids: Iterable[str]) -> None:
    table = schema.events_unmatched
    for chunk in chunks(sorted(set(ids))):
        conn.execute(table.delete().where(table.c.id.in_(chunk)))


def unmatched_summary(conn: Connection, brand_id: int, limit: int = 50) -> list[dict]:
    """Unknown customer references with their event counts, most events first."""
    table = schema.events_unmatched
    rows = conn.execute(select(table.c.customer_ref, func.count().label("events"), func.min(table.c.source)
                               .label("first_source"))
                        .where(table.c.brand_id == brand_id).group_by(table.c.customer_ref)
                        .order_by(func.count().desc(), table.c.customer_ref).limit(limit))
    return [dict(r._mapping) for r in rows]


def count_unmatched(conn: Connection, brand_id: int) -> int:
    table = schema.events_unmatched
    return conn.execute(select(func.count()).where(table.c.brand_id == brand_id)).scalar_one()


def events_of(conn: Connection, customer_id: int, limit: int = 50) -> list[dict]:
    table = schema.events
    rows = conn.execute(select(table).where(table.c.customer_id == customer_id)
                        .order_by(table.c.at.desc(), table.c.id).limit(limit))
    return [dict(r._mapping) for r in rows]


def event_columns(conn: Connection, brand_id: int, kinds: Sequence[str], *, amount_kinds: Sequence[str] = (),
                  category_kinds: Sequence[str] = (), min_day: int | None = None,
                  customer_ids: Sequence[int] | None = None) -> Iterator[list[tuple]]:
    """Batches of (customer id, kind position in `kinds`, day[, amount in 0.0001 units][, category]) of the brand's
    events of these kinds, for all its customers or those given, in one pass over the table. Amounts are read
    for `amount_kinds` only (0 for the others), categories for `category_kinds` only."""
    table = schema.events
    columns = [table.c.customer_id, case({k: i for i, k in enumerate(kinds)}, value=table.c.kind, else_=-1),
               table.c.day]
    if amount_kinds:
        units = func.coalesce(cast(func.round(table.c.amount * MONEY_SCALE), BigInteger), 0)
        columns.append(case((table.c.kind.in_(list(amount_kinds)), units), else_=0))
    if category_kinds:
        columns.append(case((table.c.kind.in_(list(category_kinds)), table.c.category), else_=None))
    query = select(*columns).where(table.c.kind.in_(list(kinds)))
    if min_day is not None:
        query = query.where(table.c.day >= min_day)
    if customer_ids is None:
        # `brand_id + 0`: a plain scan reads the table three times faster than SQLite's walk of the brand/kind
        # index with a lookup per row (PostgreSQL scans anyway for most of a table)
        yield from driver_rows(conn, query.where(table.c.brand_id + 0 == brand_id, table.c.customer_id.is_not(None)))
        return
    # customers belong to one brand: without the brand in the condition the planner takes the customer index
    for chunk in chunks(customer_ids):
        yield from driver_rows(conn, query.where(table.c.customer_id.in_(list(chunk))))


def customer_columns(conn: Connection, brand_id: int, columns: Sequence[tuple[str, str | None, str]],
                     customer_ids: Sequence[int] | None) -> Iterator[list[tuple]]:
    """Batches of (id, *values) of the brand's customers by id, as the driver returns them; `columns` are
    (column, JSON key, kind) where kind is "value", "bool" (a JSON true/false) or "present" (the key exists)."""
    table = schema.customers
    selected = [table.c.id]
    for column, key, kind in columns:
        if key is None:
            selected.append(table.c[column])
        elif kind == "bool":
            selected.append(table.c[column][key].as_boolean())
        else:
            selected.append(table.c[column][key].as_string().is_not(None))
    query = select(*selected).where(table.c.brand_id == brand_id).order_by(table.c.id)
    if customer_ids is None:
        yield from driver_rows(conn, query, literal=True)
        return
    for chunk in chunks(customer_ids):
        yield from driver_rows(conn, query.where(table.c.id.in_(list(chunk))), literal=True)


def brand_customer_ids(conn: Connection, brand_id: int) -> list[int]:
    table = schema.customers
    query = select(table.c.id).where(table.c.brand_id == brand_id).order_by(table.c.id)
    return [r[0] for rows in driver_rows(conn, query) for r in rows]




# ------------------------------------------------------------------------- BOM quotes and orders


def unsynced_quotes(conn: Connection, brand_id: int) -> list[dict]:
    """BOM quotes naming a customer that have no CRM event yet (kept or set aside)."""
    quotes = schema.bom_quotes
    event_id = "quote:" + cast(quotes.c.id, String)
    query = (select(quotes.c.id, quotes.c.customer_ref, quotes.c.created_at, quotes.c.total, quotes.c.currency,
                    quotes.c.source_name, quotes.c.lines_total, quotes.c.lines_matched, quotes.c.status)
             .where(quotes.c.brand_id == brand_id, quotes.c.customer_ref.is_not(None), quotes.c.customer_ref != "",
                    ~select(schema.events.c.id).where(schema.events.c.id == event_id).exists(),
                    ~select(schema.events_unmatched.c.id).where(schema.events_unmatched.c.id == event_id).exists())
             .order_by(quotes.c.id))
    return [dict(r._mapping) for r in conn.execute(query)]


def unsynced_orders(conn: Connection, brand_id: int) -> list[dict]:
    """Orders naming a customer that have no CRM event yet, with the category holding most of their value."""
    orders, lines = schema.orders, schema.order_lines
    event_id = "order:" + cast(orders.c.id, String)
    query = (select(orders.c.id, orders.c.quote_id, orders.c.customer_ref, orders.c.created_at, orders.c.total,
                    orders.c.currency, orders.c.lines, orders.c.status)
             .where(orders.c.brand_id == brand_id, orders.c.customer_ref.is_not(None), orders.c.customer_ref != "",
                    ~select(schema.events.c.id).where(schema.events.c.id == event_id).exists(),
                    ~select(schema.events_unmatched.c.id).where(schema.events_unmatched.c.id == event_id).exists())
             .order_by(orders.c.id))
    found = [dict(r._mapping) for r in conn.execute(query)]
    by_id = {o["id"]: o for o in found}
    for chunk in chunks(list(by_id)):
        rows = conn.execute(select(lines.c.order_id, lines.c.category_code, func.sum(lines.c.extended).label("value"))
                            .where(lines.c.order_id.in_(list(chunk))).group_by(lines.c.order_id, lines.c.category_code)
                            .order_by(lines.c.order_id, func.sum(lines.c.extended).desc(), lines.c.category_code))
        for row in rows:
            by_id[row.order_id].setdefault("category", row.category_code)
    return found
