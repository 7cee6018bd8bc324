"""SQL of the full-text search index: FTS5 tables in a SQLite database, and what they are built from.

The index tables live in the SQLite store itself (so an import and its index update commit together)
or, when the store is PostgreSQL, in a side SQLite file of the workspace. They are derived data:
`LAYOUT` names their shape, and an index of another layout is rebuilt rather than migrated.

- `search_docs`: one row per product with what a hit shows, and normalised part numbers (B-tree
  indexed for exact and prefix look-ups);
- `search_text`: FTS5 (unicode61) over pre-segmented tokens: `names` (names, brand, series,
  category, part numbers), `body` (description), `facets` (brand/category filter tokens);
- `search_pn`: FTS5 trigram over "SKU MPN" (normalised), for part-number substrings;
- `search_meta`: the stamp of the catalog state the index reflects.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, or_, select, text
from sqlalchemy.exc import OperationalError

from jbp.store import schema

LAYOUT = 1

_DDL = (
    """CREATE TABLE IF NOT EXISTS search_docs (
        product_id INTEGER PRIMARY KEY, brand_id INTEGER NOT NULL, category_id INTEGER NOT NULL,
        sku TEXT NOT NULL, sku_norm TEXT NOT NULL, mpn TEXT, mpn_norm TEXT, name_zh TEXT, name_en TEXT)""",
    "CREATE INDEX IF NOT EXISTS ix_search_docs_sku_norm ON search_docs (sku_norm)",
    "CREATE INDEX IF NOT EXISTS ix_search_docs_mpn_norm ON search_docs (mpn_norm)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_text
        USING fts5(names, body, facets, tokenize = 'unicode61 remove_diacritics 2')""",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_pn USING fts5(part_numbers, tokenize = 'trigram')",
    "CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
_TABLES = ("search_docs", "search_text", "search_pn", "search_meta")
_DOC_COLUMNS = "d.product_id, d.brand_id, d.category_id, d.sku, d.sku_norm, d.mpn, d.mpn_norm, d.name_zh, d.name_en"
_BEYOND = "\U0010ffff"  # sorts after every character: q <= x < q + _BEYOND holds exactly the x starting with q


# ---------------------------------------------------------------------------------------- layout


def create_tables(conn: Connection) -> None:
    for statement in _DDL:
        conn.execute(text(statement))


def reset_tables(conn: Connection) -> None:
    """Drop and recreate every index table (a rebuild, or an index of an older layout)."""
    for table in _TABLES:
        conn.execute(text(f"DROP TABLE IF EXISTS {table}"))  # noqa: S608 - fixed table names
    create_tables(conn)


def has_tables(conn: Connection) -> bool:
    return conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'search_meta'")).first() is not None


def optimise(conn: Connection) -> None:
    """Merge the FTS5 b-trees after a bulk load, for faster queries."""
    for table in ("search_text", "search_pn"):
        conn.execute(text(f"INSERT INTO {table}({table}) VALUES ('optimize')"))  # noqa: S608 - fixed names


# ---------------------------------------------------------------------------------------- writing


_DOCS_INSERT = ("INSERT INTO search_docs (product_id, brand_id, category_id, sku, sku_norm, mpn, mpn_norm, name_zh, "
                "name_en) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
_DOCS_KEYS = ("product_id", "brand_id", "category_id", "sku", "sku_norm", "mpn", "mpn_norm", "name_zh", "name_en")


def write_documents(conn: Connection, rows: Sequence[dict], *, replace: bool = True) -> None:
    """Store documents (dicts with the `search_docs` columns plus names, body, facets, part_numbers).

    `replace` first removes any older version of the same products; a fresh build skips that. Plain
    DB-API statements: a rebuild writes millions of rows, and SQLAlchemy's parameter handling would
    cost more than SQLite's inserts.
    """
    if not rows:
        return
    if replace:
        delete_documents(conn, [row["product_id"] for row in rows])
    conn.exec_driver_sql(_DOCS_INSERT, [tuple(row[key] for key in _DOCS_KEYS) for row in rows])
    conn.exec_driver_sql("INSERT INTO search_text (rowid, names, body, facets) VALUES (?, ?, ?, ?)",
                         [(row["product_id"], row["names"], row["body"], row["facets"]) for row in rows])
    conn.exec_driver_sql("INSERT INTO search_pn (rowid, part_numbers) VALUES (?, ?)",
                         [(row["product_id"], row["part_numbers"]) for row in rows])


def delete_documents(conn: Connection, product_ids: Sequence[int]) -> None:
    for start in range(0, len(product_ids), 500):
        chunk = {"ids": list(product_ids[start:start + 500])}
        for table, key in (("search_docs", "product_id"), ("search_text", "rowid"), ("search_pn", "rowid")):
            conn.execute(text(f"DELETE FROM {table} WHERE {key} IN :ids")  # noqa: S608 - fixed names
                         .bindparams(bindparam("ids", expanding=True)), chunk)


def read_stamp(conn: Connection) -> dict | None:
    if not has_tables(conn):
        return None
    value = conn.execute(text("SELECT value FROM search_meta WHERE key = 'stamp'")).scalar()
    return json.loads(value) if value else None


def write_stamp(conn: Connection, stamp: dict) -> None:
    conn.execute(text("INSERT OR REPLACE INTO search_meta (key, value) VALUES ('stamp', :value)"),
                 {"value": json.dumps(stamp, sort_keys=True)})


# ---------------------------------------------------------------------------------------- reading the index


def _scope_sql(brand_id: int | None, category_ids: Sequence[int] | None) -> tuple[str, dict]:
    clauses, params = [], {}
    if brand_id is not None:
        clauses.append("d.brand_id = :brand_id")
        params["brand_id"] = brand_id
    if category_ids is not None:
        clauses.append("d.category_id IN (" + ", ".join(str(int(i)) for i in category_ids) + ")")
    return "".join(f" AND {c}" for c in clauses), params


def _docs(conn: Connection, sql: str, params: dict) -> list[dict]:
    return [dict(row._mapping) for row in conn.execute(text(sql), params)]


def exact_part_numbers(conn: Connection, folded: str, brand_id: int | None, category_ids: Sequence[int] | None,
                       limit: int) -> list[dict]:
    """Documents whose normalised SKU or MPN equals `folded`."""
    scope, params = _scope_sql(brand_id, category_ids)
    sql = (f"SELECT {_DOC_COLUMNS} FROM search_docs d WHERE (d.sku_norm = :q OR d.mpn_norm = :q){scope} "  # noqa: S608
           "ORDER BY d.product_id LIMIT :limit")
    return _docs(conn, sql, {**params, "q": folded, "limit": limit})


def prefixed_part_numbers(conn: Connection, folded: str, brand_id: int | None,
                          category_ids: Sequence[int] | None, limit: int) -> list[dict]:
    """Documents whose normalised SKU or MPN starts with `folded`, in part-number order."""
    scope, params = _scope_sql(brand_id, category_ids)
    found: dict[int, dict] = {}
    for column in ("sku_norm", "mpn_norm"):
        sql = (f"SELECT {_DOC_COLUMNS} FROM search_docs d WHERE d.{column} >= :low AND d.{column} < :high{scope} "  # noqa: S608
               f"ORDER BY d.{column} LIMIT :limit")
        for row in _docs(conn, sql, {**params, "low": folded, "high": folded + _BEYOND, "limit": limit}):
            found.setdefault(row["product_id"], row)
    return list(found.values())


def part_numbers_containing(conn: Connection, phrase: str, brand_id: int | None,
                            category_ids: Sequence[int] | None, limit: int) -> list[dict]:
    """Documents whose "SKU MPN" trigram text matches the FTS5 `phrase` (a substring, 3+ characters)."""
    scope, params = _scope_sql(brand_id, category_ids)
    sql = (f"SELECT {_DOC_COLUMNS} FROM search_pn JOIN search_docs d ON d.product_id = search_pn.rowid "  # noqa: S608
           f"WHERE search_pn MATCH :phrase{scope} LIMIT :limit")
    return _docs(conn, sql, {**params, "phrase": phrase, "limit": limit})


def text_matches(conn: Connection, in_names: str, anywhere: str, limit: int, candidates: int) -> list[dict]:
    """Documents matching FTS5 expressions, products whose names hold every word first, shorter names
    first; each with a `score`: 1..2 for a match in the names, 0..1 for one that needs the description.

    Not bm25: FTS5 computes bm25's IDF by reading the whole posting list of every query word, 10-30 ms
    for a brand or category word of a million-SKU catalog. Each step reads at most `candidates` matches
    (in product order), so its cost does not grow with the catalog.
    """
    found = _shortest(conn, in_names, limit, candidates)
    for row in found:
        row["score"] += 1.0
    if len(found) < limit:
        seen = {row["product_id"] for row in found}
        found += [row for row in _shortest(conn, anywhere, limit + len(found), candidates)
                  if row["product_id"] not in seen][:limit - len(found)]
    return found


def _shortest(conn: Connection, expression: str, limit: int, candidates: int) -> list[dict]:
    sql = (f"SELECT {_DOC_COLUMNS}, 1.0 / (1.0 + best.size / 100.0) AS score FROM ("  # noqa: S608
           "SELECT id, size FROM (SELECT rowid AS id, length(names) AS size FROM search_text "
           "WHERE search_text MATCH :expression LIMIT :candidates) ORDER BY size, id LIMIT :limit) best "
           "JOIN search_docs d ON d.product_id = best.id ORDER BY best.size, d.product_id")
    return _docs(conn, sql, {"expression": expression, "candidates": candidates, "limit": limit})


def index_size_bytes(conn: Connection) -> int | None:
    """Bytes the index tables take in their database; None when SQLite was built without `dbstat`."""
    try:
        return conn.execute(text("SELECT coalesce(sum(pgsize), 0) FROM dbstat "
                                 "WHERE name LIKE 'search\\_%' ESCAPE '\\' OR name LIKE 'ix\\_search\\_%' ESCAPE '\\'"
                                 )).scalar_one()
    except OperationalError:
        return None


# ---------------------------------------------------------------------------------------- reading the store


def catalog_marks(conn: Connection) -> dict:
    """The cheap marks of the catalog's state: highest product id and latest update (both indexed).

    Two statements: SQLite answers a lone max() from an index, but scans the table for two in one.
    """
    table = schema.products
    max_id = conn.execute(select(func.max(table.c.id))).scalar()
    max_updated = conn.execute(select(func.max(table.c.updated_at))).scalar()
    return {"max_id": max_id or 0, "max_updated_at": max_updated.isoformat(sep=" ") if max_updated else None}


def changed_product_ids(conn: Connection, after_id: int, updated_since: str | None,
                        brand_ids: Sequence[int], category_ids: Sequence[int]) -> list[int]:
    """Products created after `after_id`, updated at or after `updated_since`, or of the given brands/categories."""
    table = schema.products
    conditions = [table.c.id > after_id]
    if updated_since is not None:
        conditions.append(table.c.updated_at >= datetime.fromisoformat(updated_since))
    if brand_ids:
        conditions.append(table.c.brand_id.in_(list(brand_ids)))
    if category_ids:
        conditions.append(table.c.category_id.in_(list(category_ids)))
    return [row[0] for row in conn.execute(select(table.c.id).where(or_(*conditions)).order_by(table.c.id))]


def product_count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(schema.products)).scalar_one()


_TEXT_COLUMNS = ("id", "brand_id", "category_id", "sku", "mpn", "series", "name_zh", "name_en", "description")


def product_text_rows(conn: Connection, product_ids: Sequence[int]) -> list[dict]:
    """The indexed fields of the given products, in id order."""
    table = schema.products
    columns = [table.c[name] for name in _TEXT_COLUMNS]
    rows: list[dict] = []
    for start in range(0, len(product_ids), 500):
        chunk = list(product_ids[start:start + 500])
        rows += [dict(r._mapping) for r in conn.execute(select(*columns).where(table.c.id.in_(chunk)))]
    return sorted(rows, key=lambda row: row["id"])


def product_text_batches(conn: Connection, size: int = 2000) -> Iterator[list[dict]]:
    """The indexed fields of every product, in id order, `size` at a time (keyset paging: any dialect)."""
    table = schema.products
    columns = [table.c[name] for name in _TEXT_COLUMNS]
    last = 0
    while True:
        batch = [dict(r._mapping) for r in conn.execute(
            select(*columns).where(table.c.id > last).order_by(table.c.id).limit(size))]
        if not batch:
            return
        yield batch
        last = batch[-1]["id"]
