"""The second engine: whoosh (pure Python), in `index/whoosh/` of the workspace.

Kept correct rather than fast: it stores the same documents as FTS5 and answers the same look-ups,
so the shared test suite runs on both. Part-number substrings go through a field of trigrams, then
are checked exactly.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import Connection

from jbp.catalog.textsearch.backends import Scope
from jbp.catalog.textsearch.documents import SearchDocument, is_prefix_token
from jbp.workspace import Workspace

LAYOUT_VERSION = 2  # bump when the schema or the stored fields change: indexes are then rebuilt
STAMP_FILE = "stamp.json"
_DOC_FIELDS = ("product_id", "brand_id", "category_id", "sku", "sku_norm", "mpn", "mpn_norm", "name_zh", "name_en")


def _schema():
    from whoosh.analysis import SpaceSeparatedTokenizer
    from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

    tokens = SpaceSeparatedTokenizer()
    return Schema(
        product_id=ID(stored=True, unique=True), brand_id=STORED, category_id=STORED, sku=STORED, sku_norm=STORED,
        mpn=STORED, mpn_norm=STORED, name_zh=STORED, name_en=STORED,
        names=TEXT(analyzer=tokens, phrase=False, field_boost=4.0), body=TEXT(analyzer=tokens, phrase=False),
        facets=KEYWORD, part_numbers=KEYWORD, trigrams=KEYWORD)


def trigrams(part_number: str) -> list[str]:
    return [part_number[i:i + 3] for i in range(len(part_number) - 2)]


def _fields(document: SearchDocument) -> dict:
    part_numbers = [p for p in (document.sku_norm, document.mpn_norm) if p]
    return {
        "product_id": str(document.product_id), "brand_id": document.brand_id,
        "category_id": document.category_id, "sku": document.sku, "sku_norm": document.sku_norm,
        "mpn": document.mpn, "mpn_norm": document.mpn_norm, "name_zh": document.name_zh,
        "name_en": document.name_en, "names": document.names, "body": document.body, "facets": document.facets,
        "part_numbers": " ".join(part_numbers),
        "trigrams": " ".join(dict.fromkeys(g for p in part_numbers for g in trigrams(p))),
    }


def _document(stored: dict) -> dict:
    row = {name: stored.get(name) for name in _DOC_FIELDS}
    row["product_id"] = int(row["product_id"])
    return row


@dataclass
class _Reader:
    searcher: object  # whoosh.searching.Searcher

    def _filter(self, scope: Scope):
        from whoosh.query import And, Term

        terms = []
        if scope.brand_id is not None:
            terms.append(Term("facets", f"b{scope.brand_id}"))
        if scope.category_id is not None:
            terms.append(Term("facets", f"c{scope.category_id}"))
        return And(terms) if terms else None

    def _documents(self, query, scope: Scope) -> Iterator[dict]:
        """Matching documents in index order; stored fields are read only for those taken."""
        results = self.searcher.search(query, limit=None, filter=self._filter(scope), scored=False)
        return (_document(hit.fields()) for hit in results)

    def exact(self, folded: str, scope: Scope, limit: int) -> list[dict]:
        from whoosh.query import Term

        return list(islice(self._documents(Term("part_numbers", folded), scope), limit))

    def prefixed(self, folded: str, scope: Scope, limit: int) -> list[dict]:
        """Walks the sorted part numbers starting with `folded`, so the first ones come first."""
        from whoosh.query import Term

        found: dict[int, dict] = {}
        for term in self.searcher.reader().expand_prefix("part_numbers", folded):
            text = term.decode() if isinstance(term, bytes) else term
            for document in self._documents(Term("part_numbers", text), scope):
                found.setdefault(document["product_id"], document)
            if len(found) >= limit:
                break
        return list(found.values())[:limit]

    def containing(self, folded: str, scope: Scope, limit: int) -> list[dict]:
        from whoosh.query import And, Term

        candidates = self._documents(And([Term("trigrams", g) for g in trigrams(folded)]), scope)
        return list(islice((d for d in candidates if folded in d["sku_norm"] or folded in (d["mpn_norm"] or "")),
                           limit))

    def text(self, tokens: Sequence[str], scope: Scope, limit: int, prefixes: bool = False) -> list[dict]:
        from whoosh.query import And, Or, Prefix, Term

        def word(token: str) -> list:
            kind = Prefix if prefixes and is_prefix_token(token) else Term
            return [kind("names", token), kind("body", token)]

        query = And([Or(word(t)) for t in tokens])
        results = self.searcher.search(query, limit=limit, filter=self._filter(scope))
        hits = [{**_document(hit.fields()), "score": float(hit.score)} for hit in results]
        return sorted(hits, key=lambda d: (-d["score"], d["product_id"]))


@dataclass
class _Writer:
    writer: object  # whoosh.writing.IndexWriter
    replace: bool
    stamp: dict | None = None

    def write(self, documents: Sequence[SearchDocument]) -> None:
        add = self.writer.update_document if self.replace else self.writer.add_document
        for document in documents:
            add(**_fields(document))

    def set_stamp(self, stamp: dict) -> None:
        self.stamp = stamp


class WhooshBackend:
    name = "whoosh"
    layout = f"whoosh-{LAYOUT_VERSION}"
    in_store = False

    def __init__(self, workspace: Workspace):
        self.path = workspace.index_dir / "whoosh"

    def stamp(self, conn: Connection | None = None) -> dict | None:
        try:
            return json.loads((self.path / STAMP_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    @contextmanager
    def reader(self) -> Iterator[_Reader]:
        from whoosh import index

        with index.open_dir(str(self.path)).searcher() as searcher:
            yield _Reader(searcher)

    @contextmanager
    def writer(self, conn: Connection | None = None, fresh: bool = False) -> Iterator[_Writer]:
        """Writes in one whoosh commit; a fresh build fills a new folder that then replaces the old one."""
        from whoosh import index

        folder = self.path.with_name("whoosh.new") if fresh else self.path
        if fresh:
            shutil.rmtree(folder, ignore_errors=True)
        if fresh or not index.exists_in(str(folder)):
            folder.mkdir(parents=True, exist_ok=True)
            store = index.create_in(str(folder), _schema())
        else:
            store = index.open_dir(str(folder))
        writer = store.writer(limitmb=256)
        session = _Writer(writer, replace=not fresh)
        try:
            yield session
        except BaseException:
            writer.cancel()
            raise
        writer.commit(optimize=fresh)
        if session.stamp is not None:
            (folder / STAMP_FILE).write_text(json.dumps(session.stamp), encoding="utf-8")
        if fresh:
            old = self.path.with_name("whoosh.old")
            shutil.rmtree(old, ignore_errors=True)
            if self.path.exists():
                self.path.rename(old)
            folder.rename(self.path)
            shutil.rmtree(old, ignore_errors=True)

    def describe(self, conn: Connection | None = None) -> dict:
        size = sum(f.stat().st_size for f in self.path.glob("*") if f.is_file()) if self.path.exists() else 0
        return {"engine": self.name, "location": str(self.path), "size_bytes": size}
