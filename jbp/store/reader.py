"""Reads in plain SQL on a DB-API connection, for commands that must answer within a fraction of a second.

Importing SQLAlchemy takes 0.3–0.4 s on a 2-core machine, more than half of what a whole `jbp select` process
may take. So a SQLite file is read through sqlite3 itself, tuned as the engine tunes it and checked to be
at this jbp's schema version (known from a small cache: `code_schema_version`); any other database
(PostgreSQL) runs the same SQL on the DB-API connection under a SQLAlchemy one. SQL is written with `?`
placeholders; rows come back as the driver makes them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sqlite3
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jbp.errors import StoreError
from jbp.store.engine import SQLITE_TIMEOUT_SECONDS, mask_url, tune_sqlite

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
    it), opened and checked on first use and kept, as a pool keeps them: opening costs a millisecond.
    `version_cache` is where this code's schema version is kept (see `code_schema_version`)."""

    def __init__(self, path: str, url: str, version_cache: Path):
        self.path, self.url, self.version_cache = path, url, version_cache
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
            require_schema_version(version, code_schema_version(self.version_cache), self.url)
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


def code_schema_version(cache: Path) -> int:
    """This code's jbp.store.migrations.SCHEMA_VERSION, without importing SQLAlchemy when it can.

    The version is the number of steps in migrations.py, so, the way Python caches bytecode, it is kept in
    `cache` under that file's path, size and modification time, and read from the module only when those
    change (or when the cache cannot be kept: a read-only workspace imports it every time)."""
    origin, code = importlib.util.find_spec("jbp.store.migrations").origin, None
    try:
        status = os.stat(origin)
        code = [origin, status.st_size, status.st_mtime_ns]
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached["migrations"] == code:
            return int(cached["schema_version"])
    except (OSError, TypeError, ValueError, KeyError):
        pass
    from jbp.store.migrations import SCHEMA_VERSION

    if code is not None:
        staging = cache.with_name(f"{cache.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            staging.write_text(json.dumps({"migrations": code, "schema_version": SCHEMA_VERSION}), encoding="utf-8")
            os.replace(staging, cache)  # readers see the old cache or the new one, never a partial file
        except OSError:
            staging.unlink(missing_ok=True)
    return SCHEMA_VERSION


def require_schema_version(version: int, expected: int, url: str) -> None:
    """Refuse to work on a schema older or newer than this code, saying what to run."""
    if version < expected:
        raise StoreError(f"the database at {mask_url(url)} is at schema version {version}; this jbp needs "
                         f"{expected}: run `jbp db upgrade`")
    if version > expected:
        raise StoreError(f"the database is at schema version {version}, newer than this jbp ({expected}): "
                         "upgrade jbp")
