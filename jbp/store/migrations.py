"""Schema versions and the forward steps between them, so an older workspace keeps working.

Each step brings the database from version N-1 to N inside one transaction. A step that alters a
table created by an earlier step must describe the change itself (ALTER, or a frozen copy of the old
table), never rely on the current shape in `schema.py`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, bindparam, inspect, select, update

from jbp.errors import StoreError
from jbp.store import catalog_rows, schema, search_rows
from jbp.store.version import SCHEMA_VERSION


def _create(*tables) -> Callable[[Connection], None]:
    def step(conn: Connection) -> None:
        schema.metadata.create_all(conn, tables=list(tables))
    return step


def _search_index(conn: Connection) -> None:
    # The FTS5 tables are derived data: a later change of their shape bumps search_rows.LAYOUT and the
    # index is rebuilt, so this step may create them in their current shape.
    schema.products_updated_at.create(conn, checkfirst=True)
    if conn.dialect.name == "sqlite":
        search_rows.create_tables(conn)


def _crm_covering_indexes(conn: Connection) -> None:
    # Frozen DDL (the same text on SQLite and PostgreSQL): a store created by the first CRM step gets the
    # covering index and the outbox-by-time index; on a newer store this rebuilds them on empty tables.
    for statement in ("DROP INDEX IF EXISTS ix_outbox_customer", "DROP INDEX IF EXISTS ix_events_customer",
                      "CREATE INDEX ix_events_customer ON events (customer_id, kind, day, amount, category)",
                      "CREATE INDEX IF NOT EXISTS ix_outbox_recent ON outbox (brand_id, created_at)"):
        conn.exec_driver_sql(statement)


def _catalog_rows_v2(conn: Connection) -> None:
    # Content hashes become a digest of the stored values (they were a JSON dump of a pydantic model), so
    # re-importing an unchanged file still finds every product unchanged. On SQLite, parameter values and
    # price breaks become WITHOUT ROWID tables clustered on their keys (frozen DDL: their shape as of now).
    if conn.dialect.name == "sqlite":
        for name, ddl in _CLUSTERED_CHILDREN.items():
            conn.exec_driver_sql(f"CREATE TABLE {name}_clustered ({ddl}) WITHOUT ROWID")
            conn.exec_driver_sql(f"INSERT INTO {name}_clustered SELECT * FROM {name}")  # noqa: S608
            conn.exec_driver_sql(f"DROP TABLE {name}")
            conn.exec_driver_sql(f"ALTER TABLE {name}_clustered RENAME TO {name}")
    table = schema.products
    digests = list(catalog_rows.stored_digests(conn))
    if digests:
        conn.execute(update(table).where(table.c.id == bindparam("product_id")),
                     [{"product_id": product_id, "content_hash": digest} for product_id, digest in digests])


_CLUSTERED_CHILDREN = {
    "price_breaks": "product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE, "
                    "currency VARCHAR(3) NOT NULL, min_qty INTEGER NOT NULL, price NUMERIC(24, 6) NOT NULL, "
                    "PRIMARY KEY (product_id, currency, min_qty)",
    "param_values": "product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE, "
                    "param_id INTEGER NOT NULL REFERENCES parameter_defs (id) ON DELETE CASCADE, "
                    "num FLOAT, num_min FLOAT, num_max FLOAT, text TEXT, source TEXT NOT NULL, "
                    "PRIMARY KEY (product_id, param_id)",
}

STEPS: list[tuple[str, Callable[[Connection], None]]] = [
    ("catalog: brands, categories, parameters, products, prices, media, links, cross-references",
     _create(schema.brands, schema.categories, schema.parameter_defs, schema.products,
             schema.price_breaks, schema.param_values, schema.media, schema.product_links,
             schema.cross_refs)),
    ("import runs with their reports", _create(schema.import_runs)),
    ("search: FTS5 index tables (SQLite stores), index on products.updated_at", _search_index),
    ("tiers: tier programs, agreements and targets, tier assignments, entitlement ledger, reviews",
     _create(schema.tier_programs, schema.agreements, schema.agreement_targets, schema.tier_assignments,
             schema.entitlement_ledger, schema.tier_reviews)),
    ("bom: quotes and their lines, orders and their lines, buyers' confirmed matches",
     _create(schema.bom_quotes, schema.bom_quote_lines, schema.orders, schema.order_lines,
             schema.bom_confirmations)),
    ("crm: customers and contacts, events, tags and their history, segments, campaigns, outbox, coupons",
     _create(schema.customers, schema.contacts, schema.events, schema.events_unmatched, schema.crm_dirty,
             schema.tag_rule_sets, schema.customer_tags, schema.tag_overrides, schema.tag_history,
             schema.tag_schedule, schema.tag_runs, schema.segments, schema.campaigns, schema.campaign_entries,
             schema.outbox, schema.outbox_exports, schema.coupons, schema.crm_runs)),
    ("3D models: stored models with their facts, and the model attached to each product",
     _create(schema.models3d, schema.product_models)),
    ("crm: events index covering what re-tagging reads; outbox index by time for frequency caps",
     _crm_covering_indexes),
    ("catalog: content hashes over the stored values; SQLite parameter values and prices clustered on their keys",
     _catalog_rows_v2),
]



def current_version(conn: Connection) -> int:
    """The schema version stored in the database; 0 for an empty database."""
    if not inspect(conn).has_table(schema.meta.name):
        return 0
    value = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).scalar()
    return int(value or 0)


def upgrade(engine: Engine, target: int = SCHEMA_VERSION) -> list[str]:
    """Run every step above the database's version up to `target`; returns what was done."""
    done: list[str] = []
    with engine.begin() as conn:
        version = current_version(conn)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the database is at schema version {version}, newer than this jbp ({SCHEMA_VERSION}): "
                "upgrade jbp")
        if version == 0:
            schema.metadata.create_all(conn, tables=[schema.meta])
            conn.execute(schema.meta.insert().values(key="schema_version", value="0"))
        for number in range(version + 1, target + 1):
            description, step = STEPS[number - 1]
            step(conn)
            conn.execute(schema.meta.update().where(schema.meta.c.key == "schema_version")
                         .values(value=str(number)))
            done.append(f"{number}: {description}")
    return done
