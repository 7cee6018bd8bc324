"""One search interface, two engines: what an engine must answer, and which one a workspace uses.

An engine stores `SearchDocument`s and answers four primitive look-ups; ranking, part-number
classification and "did you mean" are shared code on top (`searching.py`), so both engines give
the same answers. Chosen by `[search] engine` in jbp.toml: "fts5" (default) or "whoosh".
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection

from jbp.catalog.textsearch.documents import SearchDocument
from jbp.errors import WorkspaceError
from jbp.workspace import Workspace

ENGINES = {"fts5": "jbp.catalog.textsearch.fts5:Fts5Backend",
           "whoosh": "jbp.catalog.textsearch.whoosh_engine:WhooshBackend"}
DEFAULT_ENGINE = "fts5"


@dataclass(frozen=True, slots=True)
class Scope:
    """Filters of a search: a brand, and a category with everything below it."""

    brand_id: int | None = None
    category_id: int | None = None  # as asked; documents carry a token for their category and each ancestor
    category_ids: tuple[int, ...] | None = None  # the category and its descendants


class IndexReader(Protocol):
    """Look-ups on one consistent view of the index; each returns document dicts (`search_docs` columns)."""

    def exact(self, folded: str, scope: Scope, limit: int) -> list[dict]:
        """Normalised SKU or MPN equal to `folded`."""

    def prefixed(self, folded: str, scope: Scope, limit: int) -> list[dict]:
        """Normalised SKU or MPN starting with `folded`, the first `limit` in part-number order."""

    def containing(self, folded: str, scope: Scope, limit: int) -> list[dict]:
        """Normalised SKU or MPN containing `folded` (3+ characters)."""

    def text(self, tokens: Sequence[str], scope: Scope, limit: int, prefixes: bool = False) -> list[dict]:
        """Documents holding every token in their names or description, best first, each with a positive
        `score`; with `prefixes`, tokens passing `is_prefix_token` match the start of a word."""


class IndexWriter(Protocol):
    def write(self, documents: Sequence[SearchDocument]) -> None:
        """Add documents, replacing older versions of the same products."""

    def set_stamp(self, stamp: dict) -> None:
        """Record the catalog state the index now reflects."""


class SearchBackend(Protocol):
    name: str
    layout: str  # the shape of the stored index; a stamp of another layout means a rebuild
    in_store: bool  # lives in the store's own database, so imports write it inside their transaction

    def stamp(self, conn: Connection | None = None) -> dict | None:
        """The stamp of the index (None: no index yet); `conn` is the store connection when `in_store`."""

    def reader(self) -> AbstractContextManager[IndexReader]: ...

    def writer(self, conn: Connection | None = None, fresh: bool = False) -> AbstractContextManager[IndexWriter]:
        """Write documents in one unit; `fresh` starts from an empty index. `conn` when `in_store`."""

    def describe(self, conn: Connection | None = None) -> dict:
        """Where the index is and its size on disk, for reports."""


def engine_name(workspace: Workspace, name: str | None = None) -> str:
    chosen = name or workspace.setting("search", "engine", DEFAULT_ENGINE)
    if chosen not in ENGINES:
        raise WorkspaceError(f"unknown search engine {chosen!r} in {workspace.config_path} [search] engine: "
                             f"use one of {', '.join(sorted(ENGINES))}")
    return chosen


def open_backend(workspace: Workspace, name: str | None = None) -> SearchBackend:
    """The engine `name`, else the workspace's configured one."""
    module_name, attribute = ENGINES[engine_name(workspace, name)].split(":")
    return getattr(importlib.import_module(module_name), attribute)(workspace)
