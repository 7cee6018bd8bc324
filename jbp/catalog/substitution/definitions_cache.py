"""The store's definitions, parsed once per process and reused while their rows are unchanged.

Parsing ~500 parameter definitions into pydantic models costs about 30 ms, as much as a whole
substitution query should; comparing the raw rows' fingerprint costs about one.
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection

from jbp.catalog.definitions import Definitions, load_definitions
from jbp.store import substitution_rows

_cache: dict[str, tuple[bytes, Definitions]] = {}
_lock = threading.Lock()


def current_definitions(conn: Connection, store_url: str) -> Definitions:
    """The definitions stored now; callers must not modify them (they are shared)."""
    fingerprint = substitution_rows.definitions_fingerprint(conn)
    with _lock:
        hit = _cache.get(store_url)
    if hit is not None and hit[0] == fingerprint:
        return hit[1]
    definitions = load_definitions(conn)
    with _lock:
        _cache[store_url] = (fingerprint, definitions)
    return definitions
