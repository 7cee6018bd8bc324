"""What the search index holds for a product, as tokens both engines share.

Text is folded (NFKC, lower case) and split into runs of Chinese characters and words of letters and
digits. Chinese runs are segmented with jieba, so 电阻 is a word of 金属膜电阻器: a document keeps
jieba's search-mode words (with sub-words: 接触 of 接触器) and its dictionary-only words, and a query
uses dictionary-only words, so the query's segmentation is among the document's. English plurals are
folded (bearings: bearing); a word mixing digits and letters also yields its pieces and the endings
that start with a number (ac220v: ac 220 v 220v).
jieba is imported on first use: loading its dictionary takes about half a second.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from jbp.catalog.definitions import Definitions
from jbp.catalog.models import Brand, Category, normalise_part_number

TOKENS_VERSION = 2  # bump when tokens change: every index is then rebuilt
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAS_CJK = re.compile(f"[{CJK}]")
# a run of Chinese characters, or a word of letters/digits (decimals kept whole: 4.7kΩ)
_RUNS = re.compile(rf"([{CJK}]+)|((?:\d+\.)*[^\W_{CJK}]+)")
_PIECES = re.compile(rf"\d+(?:\.\d+)*|[^\W\d_{CJK}]+")
# query words that read as operators, dropped rather than required
_QUERY_STOP_WORDS = frozenset({"and", "or", "not", "near", "the", "of", "for", "with"})


@cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=200_000)
def _indexed_words(run: str) -> tuple[str, ...]:
    jieba = _jieba()
    words = [*jieba.cut_for_search(run), *jieba.cut(run, HMM=False)]
    return tuple(dict.fromkeys(words))


@lru_cache(maxsize=20_000)
def _query_words(run: str) -> tuple[str, ...]:
    return tuple(_jieba().cut(run, HMM=False))


def fold_word(word: str) -> str:
    """English plurals folded to the singular (bearings → bearing, switches → switch, batteries → battery)."""
    if not (word.isascii() and word.isalpha()) or len(word) < 4:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _runs(text: str) -> list[tuple[str, str]]:
    """(Chinese run, "") or ("", word) for each run of the folded text."""
    return _RUNS.findall(unicodedata.normalize("NFKC", text).lower())


@lru_cache(maxsize=100_000)
def _word_tokens(word: str) -> tuple[str, ...]:
    """The word, and for a word mixing digits and letters its pieces and the endings that start with a
    number (ac220v: ac 220 v 220v), so 220v and 220 V find AC220V."""
    folded = fold_word(word)
    pieces = _PIECES.findall(folded)
    if len(pieces) < 2:
        return (folded,)
    endings = ["".join(pieces[i:]) for i in range(1, len(pieces)) if pieces[i][0].isdigit()]
    return tuple(dict.fromkeys((folded, *pieces, *endings)))


def index_tokens(text: str | None, *, pieces: bool = True) -> list[str]:
    """The tokens a document holds for `text` (with `pieces`: see _word_tokens)."""
    tokens: list[str] = []
    for chinese, word in _runs(text or ""):
        if chinese:
            tokens.extend(_indexed_words(chinese))
        elif pieces:
            tokens.extend(_word_tokens(word))
        else:
            tokens.append(fold_word(word))
    return tokens


def is_prefix_token(token: str) -> bool:
    """Matched as the start of a word: one mixing letters and digits, a part number typed in part
    (lc1d09 finds LC1D09M7C among Chinese words, 220v finds 220VAC)."""
    return len(token) >= 3 and any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


def query_tokens(text: str) -> list[str]:
    """The tokens every matching document must hold, in query order, without repeats or operator words."""
    tokens: list[str] = []
    for chinese, word in _runs(text):
        tokens.extend(_query_words(chinese) if chinese else (fold_word(word),))
    return [t for t in dict.fromkeys(tokens) if t not in _QUERY_STOP_WORDS]


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One product as both engines index it."""

    product_id: int
    brand_id: int
    category_id: int
    sku: str
    sku_norm: str
    mpn: str | None
    mpn_norm: str | None
    name_zh: str | None
    name_en: str | None
    names: str  # space-joined tokens: names, brand, series, category chain, SKU and MPN
    body: str  # space-joined tokens of the description
    facets: str  # filter tokens: b<brand id>, c<category id> for the category and each ancestor
    part_numbers: str  # "SKU MPN", normalised, for substring search

    def as_row(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}


class CatalogLabels:
    """Brand and category words for documents, from the store's `brands` and `categories` rows.

    `digests` fingerprints each brand and each category (with its ancestors), so that a renamed
    brand or category re-indexes exactly its products.
    """

    def __init__(self, brand_rows: Sequence[dict], category_rows: Sequence[dict]):
        self._rows = (list(brand_rows), list(category_rows))
        self.brand_codes = {row["id"]: row["code"] for row in brand_rows}
        self.category_codes = {row["id"]: row["code"] for row in category_rows}
        self.category_parents = {row["id"]: row["parent_id"] for row in category_rows}
        self._brand_text = {row["id"]: " ".join(
            n for n in (row["code"], row["name_zh"], row["name_en"], *(row["aliases"] or ())) if n)
            for row in brand_rows}
        by_id = {row["id"]: row for row in category_rows}
        self._category_text = {}
        for category_id in by_id:
            chain = [by_id[i] for i in self.chain(category_id)]
            self._category_text[category_id] = " ".join(
                n for row in chain for n in (row["code"], row["name_zh"], row["name_en"]) if n)
        self._brand_tokens: dict[int, list[str]] = {}
        self._category_tokens: dict[int, list[str]] = {}

    def chain(self, category_id: int) -> list[int]:
        """The category and its ancestors, nearest first."""
        chain: list[int] = []
        current: int | None = category_id
        while current is not None and current not in chain:
            chain.append(current)
            current = self.category_parents.get(current)
        return chain

    def descendants(self, category_id: int) -> list[int]:
        """The category and every category below it."""
        return [i for i in self.category_parents if category_id in self.chain(i)]

    def definitions(self) -> Definitions:
        """Brands and categories (without parameters) for the lookups by any name: enough to resolve filters."""
        brand_rows, category_rows = self._rows
        definitions = Definitions()
        for row in brand_rows:
            definitions.brands[row["code"]] = Brand(code=row["code"], name_zh=row["name_zh"], name_en=row["name_en"],
                                                    aliases=tuple(row["aliases"] or ()))
            definitions.brand_ids[row["code"]] = row["id"]
        for row in category_rows:
            definitions.categories[row["code"]] = Category(
                code=row["code"], name_zh=row["name_zh"], name_en=row["name_en"],
                parent=self.category_codes.get(row["parent_id"]))
            definitions.category_ids[row["code"]] = row["id"]
        return definitions

    def digests(self) -> dict[str, str]:
        texts = {f"b{i}": t for i, t in self._brand_text.items()}
        texts |= {f"c{i}": t for i, t in self._category_text.items()}
        return {key: hashlib.sha1(value.encode(), usedforsecurity=False).hexdigest()[:12]
                for key, value in texts.items()}

    def brand_tokens(self, brand_id: int) -> list[str]:
        if brand_id not in self._brand_tokens:
            self._brand_tokens[brand_id] = index_tokens(self._brand_text.get(brand_id))
        return self._brand_tokens[brand_id]

    def category_tokens(self, category_id: int) -> list[str]:
        if category_id not in self._category_tokens:
            self._category_tokens[category_id] = index_tokens(self._category_text.get(category_id))
        return self._category_tokens[category_id]


def build_documents(rows: Sequence[dict], labels: CatalogLabels) -> list[SearchDocument]:
    """Documents for product rows (id, brand_id, category_id, sku, mpn, series, name_zh, name_en, description)."""
    documents = []
    for row in rows:
        sku_norm = normalise_part_number(row["sku"])
        mpn_norm = normalise_part_number(row["mpn"]) if row["mpn"] else None
        named = " ".join(t for t in (row["name_zh"], row["name_en"], row["series"]) if t)
        names = [*index_tokens(named), *labels.brand_tokens(row["brand_id"]),
                 *labels.category_tokens(row["category_id"]), *index_tokens(f"{row['sku']} {row['mpn'] or ''}",
                                                                            pieces=False)]
        facets = [f"b{row['brand_id']}", *(f"c{i}" for i in labels.chain(row["category_id"]))]
        documents.append(SearchDocument(
            product_id=row["id"], brand_id=row["brand_id"], category_id=row["category_id"], sku=row["sku"],
            sku_norm=sku_norm, mpn=row["mpn"], mpn_norm=mpn_norm, name_zh=row["name_zh"], name_en=row["name_en"],
            names=" ".join(names), body=" ".join(index_tokens(row["description"])),
            facets=" ".join(facets), part_numbers=f"{sku_norm} {mpn_norm or ''}".strip()))
    return documents

