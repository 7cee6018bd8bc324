"""The default engine: SQLite FTS5, inside the SQLite store or in `index/search.sqlite` beside a PostgreSQL one.

Queries are built here from tokens, each quoted as an FTS5 string, so no user text is ever read as
FTS5 syntax (AND, NEAR, *, parentheses, quotes are plain characters or dropped by the tokenizer).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sqlalchemy import Connection, Engine

from jbp.catalog.textsearch.backends import Scope
from jbp.catalog.textsearch.documents import SearchDocument, is_prefix_token
from jbp.store import search_rows
from jbp.store.engine import create_store_engine
from jbp.workspace import Workspace

SIDE_FILE = "search.sqlite"
TEXT_CANDIDATES = 1000  # text matches ranked per query (see search_rows.text_matches)


def quoted(token: str) -> str:
    """`token` as an FTS5 string: double quotes doubled, nothing inside is an operator."""
    return '"' + token.replace('"', '""') + '"'


def text_expressions(tokens: Sequence[str], scope: Scope, prefixes: bool) -> tuple[str, str]:
    """Every token (with `prefixes`, some as the start of a word) in the names, and in the names or the
    description; with the scope's facet tokens."""
    words = " AND ".join(quoted(t) + (" *" if prefixes and is_prefix_token(t) else "") for t in tokens)
    facets = ""
    if scope.brand_id is not None:
        facets += f" AND facets : {quoted(f'b{scope.brand_id}')}"
    if scope.category_id is not None:
        facets += f" AND facets : {quoted(f'c{scope.category_id}')}"
    return f"names : ({words}){facets}", f"{{names body}} : ({words}){facets}"


@dataclass
class _Reader:
    conn: Connection

    def exact(self, folded: str, scope: Scope, limit: int) -> list[dict]:
        return search_rows.exact_part_numbers(self.conn, folded, scope.brand_id, scope.category_ids, limit)

    def prefixed(self, folded: str, scope: Scope, limit: int) -> list[dict]:
        return search_rows.prefixed_part_numbers(self.conn, folded, scope.brand_id, scope.category_ids, limit)

    def containing(self, folded: str, scope: Scope, limit: int) -> list[dict]:
        return search_rows.part_numbers_containing(self.conn, quoted(folded), scope.brand_id, scope.category_ids,
                                                   limit)

    def text(self, tokens: Sequence[str], scope: Scope, limit: int, prefixes: bool = False) -> list[dict]:
        in_names, anywhere = text_expressions(tokens, scope, prefixes)
        return search_rows.text_matches(self.conn, in_names, anywhere, limit, TEXT_CANDIDATES)


@dataclass
class _Writer:
    conn: Connection
    replace: bool

    def write(self, documents: Sequence[SearchDocument]) -> None:
        search_rows.write_documents(self.conn, [d.as_row() for d in documents], replace=self.replace)

    def set_stamp(self, stamp: dict) -> None:
        search_rows.write_stamp(self.conn, stamp)


class Fts5Backend:
    name = "fts5"
    layout = f"fts5-{search_rows.LAYOUT}"

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.in_store = workspace.store.dialect == "sqlite"
        self.path: Path | None = None if self.in_store else workspace.index_dir / SIDE_FILE

    @cached_property
    def _database(self) -> Engine:
        if self.path is None:
            return self.workspace.store.engine
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return create_store_engine(f"sqlite:///{self.path}")

    @contextmanager
    def _connection(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None and self.in_store:
            yield conn
            return
        with self._database.connect() as own:
            yield own

    def stamp(self, conn: Connection | None = None) -> dict | None:
        with self._connection(conn) as index:
            return search_rows.read_stamp(index)

    @contextmanager
    def reader(self) -> Iterator[_Reader]:
        with self._database.connect() as conn:
            yield _Reader(conn)

    @contextmanager
    def writer(self, conn: Connection | None = None, fresh: bool = False) -> Iterator[_Writer]:
        """Writes inside `conn`'s transaction when the index is in the store, else in one of its own.

        A fresh build replaces the tables in that same transaction: searches see the old index until it commits.
        """
        with ExitStack() as stack:
            if conn is None or not self.in_store:
                conn = stack.enter_context(self._database.begin())
            if fresh:
                search_rows.reset_tables(conn)
            else:
                search_rows.create_tables(conn)
            yield _Writer(conn, replace=not fresh)
            if fresh:
                search_rows.optimise(conn)

    def describe(self, conn: Connection | None = None) -> dict:
        with self._connection(conn) as index:
            size = search_rows.index_size_bytes(index)
        location = str(self.path) if self.path else "the SQLite store (search_* tables)"
        return {"engine": self.name, "location": location, "size_bytes": size}
