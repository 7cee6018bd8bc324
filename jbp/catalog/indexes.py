"""The derived indexes of a workspace (search, selection): kept current by imports, rebuilt from the store.

Each kind registers here as "module:factory"; `factory(workspace)` returns an object that is an
importing `Indexer` (update / after_commit) and can `rebuild(progress)` from the store. Modules load
only when used, so listing the kinds costs nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from jbp.errors import JbpError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from jbp.workspace import Workspace

ProgressCallback = Callable[[int], None]

# (name, "module:factory"); every kind of derived index appends itself
INDEX_KINDS: list[tuple[str, str]] = [
    ("search", "jbp.catalog.textsearch.indexing:SearchIndex"),
    ("selection", "jbp.catalog.selection.indexer:SelectionIndex"),
]


class StaleIndexError(JbpError):
    """An index that does not reflect the store and is too far behind to be brought up to date on the fly."""


class DerivedIndex(Protocol):
    name: str

    def update(self, conn: Connection, product_ids: list[int]) -> None: ...

    def after_commit(self, product_ids: list[int]) -> None: ...

    def rebuild(self, progress: ProgressCallback | None = None) -> dict:
        """Recreate the index from the store; returns figures for a report."""


def indexers_for(workspace: Workspace) -> list[DerivedIndex]:
    """Every derived index of the workspace, to pass to `import_catalog(..., indexers=...)`."""
    indexers = []
    for _name, target in INDEX_KINDS:
        module_name, attribute = target.split(":")
        indexers.append(getattr(importlib.import_module(module_name), attribute)(workspace))
    return indexers


def rebuild_indexes(workspace: Workspace, progress: ProgressCallback | None = None) -> dict:
    """Recreate every derived index from the store; returns {kind: figures}."""
    return {index.name: index.rebuild(progress) for index in indexers_for(workspace)}
