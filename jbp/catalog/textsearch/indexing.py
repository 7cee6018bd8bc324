"""The search index of a workspace: brought up to date by imports, checked against the store by every search.

The index records a stamp of the catalog it reflects: the highest product id, the latest
`updated_at`, and a fingerprint of each brand and category (their names are indexed). A search
compares it with the store (indexed columns only, well under a millisecond); when they differ, the
products created or updated since, and those of renamed brands/categories, are indexed on the fly,
or, when too many, the search stops with a clear message instead of answering from a stale index.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from time import perf_counter

from sqlalchemy import Connection

from jbp.catalog.indexes import ProgressCallback, StaleIndexError
from jbp.catalog.textsearch.backends import open_backend
from jbp.catalog.textsearch.documents import TOKENS_VERSION, CatalogLabels, build_documents
from jbp.store import catalog_rows, search_rows
from jbp.workspace import Workspace

AUTO_REFRESH_LIMIT = 20_000  # products a search indexes on the fly before asking for `jbp index rebuild`
BATCH = 2000


class SearchIndex:
    """The workspace's search index in its configured engine (or `engine`); an importing `Indexer` too."""

    name = "search"

    def __init__(self, workspace: Workspace, engine: str | None = None):
        self.workspace = workspace
        self.backend = open_backend(workspace, engine)

    @property
    def engine(self) -> str:
        return self.backend.name

    # -------------------------------------------------------------------------- kept current by imports

    def update(self, conn: Connection, product_ids: list[int]) -> None:
        """Inside the import's transaction: an index in the store commits (or rolls back) with it."""
        if self.backend.in_store:
            self._refresh(conn, also=product_ids)

    def after_commit(self, product_ids: list[int]) -> None:
        """After the import committed: an index outside the store reads the committed products."""
        if not self.backend.in_store:
            with self.workspace.store.reading() as conn:
                self._refresh(conn, also=product_ids)

    def rebuild(self, progress: ProgressCallback | None = None) -> dict:
        """Recreate the index from the store; searches keep seeing the old one until the new one is complete."""
        started = perf_counter()
        with self._catalog() as conn:
            documents = self._refresh(conn, fresh=True, progress=progress)
            description = self.backend.describe(conn)
        return {**description, "documents": documents, "seconds": round(perf_counter() - started, 3)}

    def ensure_current(self) -> CatalogLabels:
        """Before a search: bring a stale index up to date; returns the catalog's brand and category labels.

        Raises StaleIndexError when more than AUTO_REFRESH_LIMIT products would need indexing.
        """
        with self.workspace.store.reading() as conn:
            labels = _labels(conn)
            if self.backend.stamp(conn) == self._stamp(conn, labels):
                return labels
        with self._catalog() as conn:
            self._refresh(conn, limit=AUTO_REFRESH_LIMIT)
            return _labels(conn)

    # -------------------------------------------------------------------------- internals

    @contextmanager
    def _catalog(self) -> Iterator[Connection]:
        """The store connection to index from: a write transaction when the index lives in the store."""
        store = self.workspace.store
        with store.transaction() if self.backend.in_store else store.reading() as conn:
            yield conn

    def _stamp(self, conn: Connection, labels: CatalogLabels) -> dict:
        return {"layout": f"{self.backend.layout}/tokens-{TOKENS_VERSION}", **search_rows.catalog_marks(conn),
                "labels": labels.digests()}

    def _refresh(self, conn: Connection, *, also: Sequence[int] = (), fresh: bool = False,
                 limit: int | None = None, progress: ProgressCallback | None = None) -> int:
        """Index what changed since the index's stamp (everything when `fresh` or unbuilt), and `also`.

        Returns how many products were indexed.
        """
        labels = _labels(conn)
        current = self._stamp(conn, labels)
        stored = None if fresh else self.backend.stamp(conn)
        if stored == current and not also:
            return 0
        rebuild = stored is None or stored.get("layout") != current["layout"]
        if rebuild:
            total = search_rows.product_count(conn)
            batches: Iterable[list[dict]] = search_rows.product_text_batches(conn, BATCH)
        else:
            ids = sorted(set(_changed_since(conn, stored, current)) | set(also))
            total = len(ids)
            batches = (search_rows.product_text_rows(conn, ids[i:i + BATCH]) for i in range(0, total, BATCH))
        if limit is not None and total > limit:
            state = "missing" if stored is None else "out of date"
            raise StaleIndexError(
                f"the {self.engine} search index is {state}: {total:,} products to index (more than {limit:,} "
                "are not indexed during a search): run `jbp index rebuild`")
        with self.backend.writer(conn, fresh=rebuild) as writer:
            for rows in batches:
                writer.write(build_documents(rows, labels))
                if progress:
                    progress(len(rows))
            writer.set_stamp(current)
        return total


def _labels(conn: Connection) -> CatalogLabels:
    return CatalogLabels(catalog_rows.brands(conn), catalog_rows.categories(conn))


def _changed_since(conn: Connection, stored: dict, current: dict) -> list[int]:
    renamed = [key for key, digest in current["labels"].items() if stored["labels"].get(key) != digest]
    return search_rows.changed_product_ids(
        conn, stored["max_id"], stored["max_updated_at"],
        brand_ids=[int(key[1:]) for key in renamed if key.startswith("b")],
        category_ids=[int(key[1:]) for key in renamed if key.startswith("c")])
