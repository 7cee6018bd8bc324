"""Full-text search of the catalog: part numbers as buyers type them, and zh/en words segmented with jieba.

    from jbp.catalog.textsearch import search
    result = search(workspace, "lc1-d09", brand="Schneider", limit=10)
    for hit in result.hits: print(hit.match, hit.brand, hit.sku, hit.name_zh)

Two engines behind one interface: SQLite FTS5 (default; in the SQLite store, or `index/search.sqlite`
beside a PostgreSQL store) and whoosh (`[search] engine = "whoosh"` in jbp.toml).
"""

from jbp.catalog.textsearch.backends import DEFAULT_ENGINE, ENGINES
from jbp.catalog.textsearch.indexing import SearchIndex
from jbp.catalog.textsearch.results import MatchKind, SearchHit, SearchResult
from jbp.catalog.textsearch.searching import MAX_LIMIT, MAX_QUERY_LENGTH, search

__all__ = ["DEFAULT_ENGINE", "ENGINES", "MAX_LIMIT", "MAX_QUERY_LENGTH", "MatchKind", "SearchHit", "SearchIndex",
           "SearchResult", "search"]
