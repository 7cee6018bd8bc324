"""The store: the only place that writes SQL. SQLite by default, PostgreSQL by URL.

`Store` and `SCHEMA_VERSION` load SQLAlchemy, so they are imported on first use: a command that only reads
(jbp.store.reader) starts without it.
"""

from __future__ import annotations

import importlib

from jbp.store.engine import mask_url

_EXPORTS = {"Store": "jbp.store.database", "SCHEMA_VERSION": "jbp.store.version"}

__all__ = ["SCHEMA_VERSION", "Store", "mask_url"]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'jbp.store' has no attribute {name!r}")
