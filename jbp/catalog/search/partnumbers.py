"""Part numbers as buyers type them: folded, matched against a product's SKU and MPN, and corrected.

Case, width, spaces, dashes, dots and slashes do not count (`lc1-d09` is `LC1D09`). A product matches
when its SKU or MPN equals, starts with or contains the folded query; a miss that looks like a part
number gets the closest stored part numbers as "did you mean".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from jbp.catalog.models import normalise_part_number
from jbp.catalog.search.documents import HAS_CJK

MIN_PREFIX = 2  # a single character starts too many part numbers to mean anything
MIN_SUBSTRING = 3  # trigram indexes cannot find shorter substrings
SUGGESTIONS = 5
SUGGESTION_CUTOFF = 0.6


def folded_query(query: str) -> str | None:
    """The query as a part number to look up, or None when it cannot be one (it has Chinese words)."""
    if HAS_CJK.search(query):
        return None
    return normalise_part_number(query) or None


def looks_like_part_number(folded: str) -> bool:
    """Worth a "did you mean": a code with a digit, not a plain word."""
    return len(folded) >= MIN_SUBSTRING and any(ch.isdigit() for ch in folded)


def classify(folded: str, document: dict) -> str | None:
    """How the document's SKU or MPN matches: sku, mpn_exact, mpn_prefix, mpn_substring, or None."""
    sku, mpn = document["sku_norm"], document["mpn_norm"] or ""
    if sku == folded:
        return "sku"
    if mpn == folded:
        return "mpn_exact"
    if len(folded) >= MIN_PREFIX and (sku.startswith(folded) or mpn.startswith(folded)):
        return "mpn_prefix"
    if len(folded) >= MIN_SUBSTRING and (folded in sku or folded in mpn):
        return "mpn_substring"
    return None


def closeness(folded: str, document: dict) -> float:
    """0..1: how near the document's nearer part number is to the folded query, by shape (prefix first)."""
    best = 0.0
    for part_number in (document["sku_norm"], document["mpn_norm"]):
        if part_number:
            best = max(best, _similarity(folded, part_number))
    return best


def _similarity(folded: str, part_number: str) -> float:
    return difflib.SequenceMatcher(None, folded, part_number, autojunk=False).ratio()


def suggestions(folded: str, candidates: Iterable[dict], limit: int = SUGGESTIONS) -> list[str]:
    """The stored part numbers (as written) closest to the folded query, best first."""
    scored: dict[str, float] = {}
    for document in candidates:
        for shown, normalised in ((document["mpn"], document["mpn_norm"]), (document["sku"], document["sku_norm"])):
            if shown and normalised:
                score = _similarity(folded, normalised)
                if score >= SUGGESTION_CUTOFF and score > scored.get(shown, 0.0):
                    scored[shown] = score
    return [shown for shown, _ in sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:limit]]
