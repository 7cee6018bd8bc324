"""What a search returns: hits in order (exact part numbers first, then relevance) and suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MatchKind = Literal["sku", "mpn_exact", "mpn_prefix", "mpn_substring", "text"]
# hits are ordered by how they matched, in this order, then by score
MATCH_ORDER: tuple[MatchKind, ...] = ("sku", "mpn_exact", "mpn_prefix", "mpn_substring", "text")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One product found.

    `match` says how: the SKU or the MPN equals the query (sku, mpn_exact), a part number (SKU or MPN)
    starts with or contains it (mpn_prefix, mpn_substring), or its words match (text). `score` orders
    hits of the same kind: part-number similarity 0..1, or text relevance (engine-specific: FTS5 gives
    1..2 when the names hold every word and 0..1 when the description is needed, shorter names
    higher; whoosh gives BM25F).
    """

    brand: str
    sku: str
    mpn: str | None
    name_zh: str | None
    name_en: str | None
    category: str
    score: float
    match: MatchKind


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    hits: list[SearchHit]
    engine: str
    more: bool = False  # more products matched than the limit let through
    did_you_mean: list[str] = field(default_factory=list)  # part numbers close to a query that found nothing
