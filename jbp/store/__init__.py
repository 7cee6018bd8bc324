"""The store: the only place that writes SQL. SQLite by default, PostgreSQL by URL.

`Store` loads SQLAlchemy, so it is imported on first use: a command that only reads (jbp.store.reader)
starts without it.
"""

from __future__ import annotations

from jbp.lazy import lazy_exports
from jbp.store.engine import mask_url
from jbp.store.version import SCHEMA_VERSION

_EXPORTS = {"Store": "jbp.store.database"}

__all__ = ["SCHEMA_VERSION", "Store", "mask_url"]

__getattr__ = lazy_exports(__name__, _EXPORTS)
