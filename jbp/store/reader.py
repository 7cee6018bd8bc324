"""Reads in plain SQL on a DB-API connection, for commands that must answer within a fraction of a second.

Importing SQLAlchemy takes 0.3–0.4 s on a 2-core machine, more than half of what a whole `jbp select` process
may take. So a SQLite file is read through sqlite3 itself, tuned as the engine tunes it and checked to be
at this jbp's schema version (`jbp.store.version`, which imports nothing); any other database
(PostgreSQL) runs the same SQL on the DB-API connection under a SQLAlchemy one. SQL is written with `?`
placeholders; rows come back as the driver makes them.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from jbp.errors import StoreError
from jbp.store.engine import SQLITE_TIMEOUT_SECONDS, mask_url, tune_sqlite
from jbp.store.version import SCHEMA_VERSION

if TYPE_CHECKING:
    from sqlalchemy import Connection

_SQLITE_FILE = re.compile(r"sqlite(?:\+pysqlite)?:///([^?%]+)")  # no options, nothing percent-encoded


class Reader:
    """A DB-API connection running plain SQL written with `?` placeholders."""

    def __init__(self, connection, database: str, placeholder: str = "?"):
        self.connection = connection
        self.database = database  # the URL: names the database, e.g. for a cache per database
        self._placeholder = placeholder

    @classmethod
    def of(cls, conn: Reader | Connection) -> Reader:
        """`conn` itself, or the DB-API connection under a SQLAlchemy one (inside its transaction, if open)."""
        if isinstance(conn, Reader):
            return conn
        placeholder = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        return cls(conn.connection.dbapi_connection, str(conn.engine.url), placeholder)

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql if self._placeholder == "?" else sql.replace("?", self._placeholder), params)
            return cursor.fetchall()
        finally:
            cursor.close()


def sqlite_file(url: str) -> str | None:
    """The file of a plain SQLite URL (`sqlite:////abs/jbp.db`); None for anything else."""
    match = _SQLITE_FILE.fullmatch(url)
    return match.group(1) if match and match.group(1) != ":memory:" else None


class SqliteReaders:
    """Each thread's own connection to a SQLite file (a sqlite3 connection serves the thread that opened
    it), opened and checked on first use and kept, as a pool keeps them: opening costs a millisecond."""

    def __init__(self, path: str, url: str):
        self.path, self.url = path, url
        self._local = threading.local()

    def reader(self) -> Reader:
        reader = getattr(self._local, "reader", None)
        if reader is None:
            reader = self._local.reader = self._open()
        return reader

    def _open(self) -> Reader:
        connection = None
        try:
            connection = sqlite3.connect(self.path, timeout=SQLITE_TIMEOUT_SECONDS)
            tune_sqlite(connection)
            reader = Reader(connection, self.url)
            version = _stored_version(reader)
        except sqlite3.Error as exc:
            if connection is not None:
                connection.close()
            raise StoreError(f"cannot open the database {mask_url(self.url)}: {exc}") from None
        try:
            require_schema_version(version, SCHEMA_VERSION, self.url)
        except StoreError:
            connection.close()
            raise
        return reader


def _stored_version(reader: Reader) -> int:
    """As migrations.current_version reads it: 0 for a database without the meta table."""
    if not reader.rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jbp_meta'"):
        return 0
    found = reader.rows("SELECT value FROM jbp_meta WHERE key = 'schema_version'")
    return int(found[0][0] or 0) if found else 0


def require_schema_version(version: int, expected: int, url: str) -> None:
    """Refuse to work on a schema older or newer than this code, saying what to run."""
    if version < expected:
        raise StoreError(f"the database at {mask_url(url)} is at schema version {version}; this jbp needs "
                         f"{expected}: run `jbp db upgrade`")
    if version > expected:
        raise StoreError(f"the database is at schema version {version}, newer than this jbp ({expected}): "
                         "upgrade jbp")
