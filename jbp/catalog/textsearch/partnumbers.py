"""Part numbers as buyers type them: folded, matched against a product's SKU and MPN, and corrected.

Case, width, spaces, dashes, dots and slashes do not count (`lc1-d09` is `LC1D09`). A product matches
when its SKU or MPN equals, starts with or contains the folded query; a miss that looks like a part
number gets the closest stored part numbers as "did you mean".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from jbp.catalog.models import normalise_part_number
from jbp.catalog.textsearch.documents import HAS_CJK

MIN_PREFIX = 2  # a single character starts too many part numbers to mean anything
MIN_SUBSTRING = 3  # trigram indexes cannot find shorter substrings
SUGGESTIONS = 5
SUGGESTION_CUTOFF = 0.6


def folded_query(query: str) -> str | None:
    """The query as a part number to look up, or None when it cannot be one (Chinese words, or no letter
    or digit at all)."""
    if HAS_CJK.search(query):
        return None
    folded = normalise_part_number(query)
    return folded if any(ch.isalnum() for ch in folded) else None


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
    """0..1: how near the document's nearer part number is to the folded query (difflib's ratio)."""
    matcher = _matcher(folded)
    best = 0.0
    for part_number in (document["sku_norm"], document["mpn_norm"]):
        if part_number:
            matcher.set_seq1(part_number)
            best = max(best, matcher.ratio())
    return best


def _matcher(folded: str) -> difflib.SequenceMatcher:
    # difflib analyses the second sequence once; the candidates take turns as the first
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(folded)
    return matcher


def suggestions(folded: str, candidates: Iterable[dict], limit: int = SUGGESTIONS) -> list[str]:
    """The stored part numbers (as written) closest to the folded query, best first."""
    matcher = _matcher(folded)
    scored: dict[str, float] = {}
    for document in candidates:
        for shown, normalised in ((document["mpn"], document["mpn_norm"]), (document["sku"], document["sku_norm"])):
            if not (shown and normalised) or shown in scored:
                continue
            matcher.set_seq1(normalised)
            # the cheap upper bounds first, as difflib.get_close_matches does
            if (matcher.real_quick_ratio() >= SUGGESTION_CUTOFF and matcher.quick_ratio() >= SUGGESTION_CUTOFF
                    and (score := matcher.ratio()) >= SUGGESTION_CUTOFF):
                scored[shown] = score
    return [shown for shown, _ in sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:limit]]
