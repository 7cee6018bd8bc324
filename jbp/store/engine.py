"""Engines from a URL: SQLite (embedded default) tuned for one team on one machine, or PostgreSQL.

SQLAlchemy is imported only when an engine is made, so `mask_url` and the SQLite tuning serve the plain
reads of jbp.store.reader without it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from jbp.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy import Engine

SQLITE_TIMEOUT_SECONDS = 30  # a second writer waits this long for the first instead of failing


def create_store_engine(url: str) -> Engine:
    """An engine for `url`; `postgresql://` is served by psycopg 3, SQLite gets WAL and foreign keys."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {mask_url(url)}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_TIMEOUT_SECONDS})
        event.listen(engine, "connect", tune_sqlite)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise StoreError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")
    return create_engine(parsed, pool_pre_ping=True)


def tune_sqlite(dbapi_connection, _record=None) -> None:
    """Every SQLite connection, SQLAlchemy's or a plain sqlite3 one, gets the same settings."""
    # WAL lets readers (search, reports) run while an import writes; the busy timeout makes a second
    # writer wait instead of failing; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL",
                   "cache_size=-65536", "temp_store=MEMORY"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


_PASSWORD = re.compile(r"(://[^:/@]+:)([^@]*)(@)")


def mask_url(url: str) -> str:
    """The URL with any password replaced by `***`, for display."""
    return _PASSWORD.sub(r"\1***\3", url)
