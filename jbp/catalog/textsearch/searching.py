"""Searching the catalog: exact SKU/MPN hits first, then part numbers starting with or containing the
query, then words by relevance; a part number that finds nothing gets "did you mean" suggestions.
"""

from __future__ import annotations

from collections.abc import Callable

from jbp.catalog.textsearch.backends import IndexReader, Scope
from jbp.catalog.textsearch.documents import CatalogLabels, is_prefix_token, query_tokens
from jbp.catalog.textsearch.indexing import SearchIndex
from jbp.catalog.textsearch.partnumbers import (
    MIN_PREFIX,
    MIN_SUBSTRING,
    classify,
    closeness,
    folded_query,
    looks_like_part_number,
    suggestions,
)
from jbp.catalog.textsearch.results import MATCH_ORDER, SearchHit, SearchResult
from jbp.errors import DataError, Location
from jbp.workspace import Workspace

MAX_QUERY_LENGTH = 200
MAX_LIMIT = 1000
CANDIDATES = 50  # stored part numbers weighed per look-up for "did you mean"
WHOLE_CODE = 8  # characters from which an exactly matched part number is not searched inside others

Found = tuple[str, float, dict]  # (match kind, score, document)


def search(workspace: Workspace, query: str, *, brand: str | None = None, category: str | None = None,
           limit: int = 20, engine: str | None = None) -> SearchResult:
    """Find products by part number (SKU or MPN, as typed: case and separators ignored) or by words
    (zh/en names, description, brand, series, category).

    `brand` and `category` (code, zh or en name; a category includes those below it) narrow the search;
    an unknown one raises NotFoundError with close names. `engine` overrides the workspace's
    `[search] engine`. A stale index is brought up to date first, or StaleIndexError says to rebuild it.
    """
    text = _checked_query(query, limit)
    folded, tokens = folded_query(text), query_tokens(text)
    if not folded and not tokens:
        raise DataError("the search query has no words or part number in it", Location(value=text))
    index = SearchIndex(workspace, engine)
    labels = index.ensure_current()
    scope = _scope(labels, brand, category)
    with index.backend.reader() as reader:
        found = _part_number_hits(reader, folded, scope, limit + 1) if folded else {}
        if tokens and len(found) <= limit:  # text hits rank last: none would show when part numbers fill the list
            for document in _text_hits(reader, tokens, scope, limit + 1 + len(found)):
                found.setdefault(document["product_id"], ("text", document["score"], document))
        ordered = sorted(found.values(), key=lambda f: (MATCH_ORDER.index(f[0]), -f[1], f[2]["sku"]))
        missed_part_number = not ordered and folded is not None and looks_like_part_number(folded)
        did_you_mean = _did_you_mean(reader, folded, scope) if missed_part_number else []
    hits = [_hit(entry, labels) for entry in ordered[:limit]]
    return SearchResult(query=text, hits=hits, engine=index.engine, more=len(ordered) > limit,
                        did_you_mean=did_you_mean)


def _checked_query(query: str, limit: int) -> str:
    if not isinstance(query, str) or not query.strip():
        raise DataError("the search query is empty: give words or a part number")
    text = query.strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise DataError(f"the search query is {len(text)} characters long; at most {MAX_QUERY_LENGTH} are allowed",
                        Location(value=text))
    if not 1 <= limit <= MAX_LIMIT:
        raise DataError(f"the search limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return text


def _scope(labels: CatalogLabels, brand: str | None, category: str | None) -> Scope:
    if brand is None and category is None:
        return Scope()
    definitions = labels.definitions()
    brand_id = definitions.brand_ids[definitions.require_brand(brand).code] if brand is not None else None
    if category is None:
        return Scope(brand_id=brand_id)
    category_id = definitions.category_ids[definitions.require_category(category).code]
    return Scope(brand_id, category_id, tuple(labels.descendants(category_id)))


def _part_number_hits(reader: IndexReader, folded: str, scope: Scope, fetch: int) -> dict[int, Found]:
    documents = reader.exact(folded, scope, fetch)
    exact = bool(documents)
    if len(folded) >= MIN_PREFIX and len(documents) < fetch:
        documents += reader.prefixed(folded, scope, fetch)
    # a whole long part number found as such is not looked for inside others: the trigram scan of a long
    # code full of 000 costs more than the rare hit it would add
    if len(folded) >= MIN_SUBSTRING and len(documents) < fetch and not (exact and len(folded) >= WHOLE_CODE):
        documents += reader.containing(folded, scope, fetch)
    found: dict[int, Found] = {}
    for document in documents:
        kind = classify(folded, document)
        if kind and document["product_id"] not in found:
            score = 1.0 if kind in ("sku", "mpn_exact") else closeness(folded, document)
            found[document["product_id"]] = (kind, score, document)
    return found


def _text_hits(reader: IndexReader, tokens: list[str], scope: Scope, fetch: int) -> list[dict]:
    """Whole words first; a part number typed in part among the words (lc1d09 接触器) is retried as the
    start of a word only when that finds nothing, since a prefix of a common word is costly to expand."""
    documents = reader.text(tokens, scope, fetch)
    if not documents and any(is_prefix_token(t) for t in tokens):
        documents = reader.text(tokens, scope, fetch, prefixes=True)
    return documents


def _did_you_mean(reader: IndexReader, folded: str, scope: Scope) -> list[str]:
    """Candidates share the query's longest known prefix or longest known ending; difflib ranks them."""
    candidates = _longest(lambda n: reader.prefixed(folded[:n], scope, CANDIDATES), MIN_PREFIX, len(folded) - 1)
    candidates += _longest(lambda n: reader.containing(folded[-n:], scope, CANDIDATES), MIN_SUBSTRING,
                           len(folded) - 1)
    return suggestions(folded, candidates)


def _longest(look_up: Callable[[int], list[dict]], shortest: int, longest: int) -> list[dict]:
    """What `look_up(n)` finds for the largest n in [shortest, longest] finding anything (binary search:
    a longer prefix or ending never finds more than a shorter one)."""
    best: list[dict] = []
    low, high = shortest, longest
    while low <= high:
        middle = (low + high) // 2
        found = look_up(middle)
        if found:
            best, low = found, middle + 1
        else:
            high = middle - 1
    return best


def _hit(found: Found, labels: CatalogLabels) -> SearchHit:
    kind, score, document = found
    return SearchHit(brand=labels.brand_codes[document["brand_id"]], sku=document["sku"], mpn=document["mpn"],
                     name_zh=document["name_zh"], name_en=document["name_en"],
                     category=labels.category_codes[document["category_id"]], score=round(score, 4), match=kind)
