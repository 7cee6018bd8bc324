"""Keeping the selection index current: after every import, and rebuilt whole on demand.

The index lives in files beside the database, so an import only notes which categories it touched
(inside its transaction) and rebuilds those once it has committed. A category changed without this
indexer (a library import that passed no indexers) is caught by the staleness check of the next query.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jbp.catalog.indexes import ProgressCallback
from jbp.catalog.selection.build import build_category
from jbp.catalog.selection.columnar import SELECTION_DIR, category_path, indexed_categories, remove_category
from jbp.store import selection_rows
from jbp.workspace import Workspace

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass
class CategoryBuild:
    category: str
    products: int
    seconds: float
    bytes: int


class SelectionIndex:
    """The workspace's selection index as a derived index (jbp.catalog.indexes): an import's `Indexer`
    that can also be rebuilt from the store."""

    name = "selection"

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self._touched: set[str] = set()

    def update(self, conn: Connection, product_ids: list[int]) -> None:
        self._touched |= selection_rows.categories_of(conn, product_ids)

    def after_commit(self, product_ids: list[int]) -> None:
        touched, self._touched = sorted(self._touched), set()
        for code in touched:
            build_category(self.workspace.store, self.workspace.index_dir, code)

    def rebuild(self, progress: ProgressCallback | None = None) -> dict:
        """Every category rebuilt; figures for `jbp index rebuild`."""
        started = time.perf_counter()
        builds = rebuild_selection_index(self.workspace, progress)
        return {"categories": len(builds), "products": sum(b.products for b in builds),
                "size_bytes": disk_usage(self.workspace.index_dir / SELECTION_DIR),
                "seconds": round(time.perf_counter() - started, 3)}


def rebuild_selection_index(workspace: Workspace, progress: ProgressCallback | None = None) -> list[CategoryBuild]:
    """Rebuild every category's index from the store (`progress` is told the products of each), and drop
    the indexes of categories no longer there."""
    with workspace.reading() as conn:
        codes = [row[1] for row in selection_rows.category_rows(conn)]
    for code in set(indexed_categories(workspace.index_dir)) - set(codes):
        remove_category(workspace.index_dir, code)
    builds = []
    for code in codes:
        started = time.perf_counter()
        index = build_category(workspace.store, workspace.index_dir, code)
        builds.append(CategoryBuild(code, index.size, round(time.perf_counter() - started, 3),
                                    disk_usage(category_path(workspace.index_dir, code))))
        if progress:
            progress(index.size)
    return builds


def disk_usage(folder: Path) -> int:
    """Bytes of the files under `folder`."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
