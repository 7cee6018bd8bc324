"""`Store`: one database through SQLAlchemy, for everything but the plain reads of jbp.store.reader."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, func, inspect, select
from sqlalchemy.exc import OperationalError

from jbp.errors import StoreError
from jbp.store import schema
from jbp.store.engine import create_store_engine, mask_url
from jbp.store.migrations import SCHEMA_VERSION, current_version, upgrade
from jbp.store.reader import require_schema_version


class Store:
    """A database holding one or many brands' catalogs, customers and agreements."""

    def __init__(self, url: str):
        self.url = url
        self.engine = create_store_engine(url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def version(self) -> int:
        try:
            with self.engine.connect() as conn:
                return current_version(conn)
        except OperationalError as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig else "connection failed"
            password = self.engine.url.password
            if password:
                reason = reason.replace(str(password), "***")
            raise StoreError(f"cannot open the database {mask_url(self.url)}: {reason}") from None

    def upgrade(self) -> list[str]:
        """Bring the schema to this jbp's version; returns the steps run."""
        return upgrade(self.engine)

    def check_version(self) -> None:
        """Refuse to work on a schema older or newer than this code."""
        require_schema_version(self.version(), SCHEMA_VERSION, self.url)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: everything inside commits together or not at all."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def bulk_transaction(self) -> Iterator[Connection]:
        """A transaction for a bulk writer whose foreign keys hold by construction (ids it read or made
        in the same transaction): SQLite skips its per-row foreign-key checks, a tenth of an import's
        write time. PostgreSQL checks them as always, so the tests that run there guard the writer.
        """
        if self.dialect != "sqlite":
            with self.transaction() as conn:
                yield conn
            return
        with self.engine.connect() as conn:
            # SQLite ignores this pragma inside a transaction, so it is set before one begins and put
            # back after it ends, committed or not: the connection returns to the pool as it came.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.rollback()
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def counts(self) -> dict[str, int]:
        """Rows per table, for `jbp info`."""
        with self.reading() as conn:
            present = set(inspect(conn).get_table_names())
            return {
                table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in schema.metadata.sorted_tables if table is not schema.meta and table.name in present
            }

    def close(self) -> None:
        self.engine.dispose()
