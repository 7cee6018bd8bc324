"""Which brand a CRM command works on: the one named, or the only one the store has."""

from __future__ import annotations

import difflib

from sqlalchemy import Connection

from jbp.errors import NotFoundError
from jbp.store import catalog_rows


def resolve_brand(conn: Connection, code: str | None) -> dict:
    """The brand row for `code` (code, a name or an alias), or the store's only brand when `code` is None."""
    brands = catalog_rows.brands(conn)
    if code is None:
        if len(brands) == 1:
            return brands[0]
        known = ", ".join(b["code"] for b in brands) or "none yet (jbp catalog define declares brands)"
        raise NotFoundError(f"name the brand with --brand: this store has {known}")
    folded = code.strip().casefold()
    for brand in brands:
        names = [brand["code"], brand.get("name_zh"), brand.get("name_en"), *(brand.get("aliases") or [])]
        if any(n and n.casefold() == folded for n in names):
            return brand
    close = difflib.get_close_matches(code, [b["code"] for b in brands], n=3, cutoff=0.5)
    raise NotFoundError(f"no brand {code!r}", close)
