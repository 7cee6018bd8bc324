"""What is found, checked for what can be sold: another brand's part, another maker's part number, an
obsolete part or too little stock gets the best substitute from jbp.catalog.substitution, marked
`substituted` with the part the buyer named kept as `original`.

- another brand of the store (a DELIXI part in a CHNT quote): the best drop-in or functional substitute
  of the quoted brand; none is `not_found`, with the part named.
- our part number under another maker's name (`6205-2RS`, maker SKF): offered, but `substituted`,
  because the buyer asked for that maker.
- obsolete: its declared successor (the catalog's successor chain, followed to the first part still
  sold), else the best drop-in or functional substitute; none is `not_found`.
- short of stock: known stock below the quantity and the rest not promised — no lead time, or one longer
  than the buyer accepts (`max_lead_days`, when given): a drop-in substitute with enough stock, if one
  exists; otherwise the part stays, with its shortage in the notes. A lead time that covers a shortage
  is how make-to-order parts are sold, not a reason to change the part; and each search is a
  substitution query (tens of milliseconds warm, seconds for a category not yet loaded at 1M SKUs).
"""

from __future__ import annotations

import math

from jbp.bom.matching import CONFIDENCE, LineMatch, Matcher, Query
from jbp.catalog.substitution import Substitute, substitutes
from jbp.errors import JbpError
from jbp.store import Store

LIMIT = 5
MAX_CHAIN = 20
_LIFECYCLE_NOTES = {"nrnd": "not recommended for new designs", "eol": "end of life: buy while stock lasts"}
_NUMBER_RULES = ("sku", "mpn_exact", "mpn_normalised", "fuzzy")


class Replacer:
    """`replace_short` False keeps parts short of stock; `max_lead_days` None accepts any known lead time."""

    def __init__(self, store: Store, matcher: Matcher, boards: int, replace_short: bool, max_lead_days: int | None):
        self.store, self.matcher, self.boards = store, matcher, boards
        self.replace_short, self.max_lead_days = replace_short, max_lead_days
        self.brand = matcher.context.brand.code

    def needed(self, query: Query) -> int:
        qty = query.line.qty
        return max(1, math.ceil(qty * self.boards)) if qty is not None else 1

    def finish(self, query: Query, match: LineMatch) -> LineMatch:
        if match.rule == "other_brand":
            return self._other_brand(query, match)
        product = match.product
        if product is None:
            return match
        if match.rule in _NUMBER_RULES and match.status == "matched" and query.maker.kind == "other":
            match.status, match.grade = "substituted", "same part number"
            match.original = {"brand": query.maker.text, "mpn": query.mpn_texts[0] if query.mpn_texts else None}
            match.confidence = min(match.confidence, CONFIDENCE["functional"])
            match.notes.append(f"the BOM names maker {query.maker.text!r}; this is {self.brand}'s part with the same "
                               "part number")
        if product["lifecycle"] == "obsolete":
            return self._obsolete(query, match)
        if product["lifecycle"] in _LIFECYCLE_NOTES:
            match.notes.append(f"{product['sku']}: {_LIFECYCLE_NOTES[product['lifecycle']]}")
        needed = self.needed(query)
        if self._short_of_stock(product, needed):
            return self._short(query, match, needed)
        return match

    def _short_of_stock(self, product: dict, needed: int) -> bool:
        if not self.replace_short or product["stock"] is None or product["stock"] >= needed:
            return False
        lead = product["lead_time_days"]
        return lead is None or (self.max_lead_days is not None and lead > self.max_lead_days)

    def _substitutes(self, sku: str, brand: str, needed: int, grade: str) -> list[Substitute]:
        try:
            result = substitutes(self.store, sku, brand=brand, for_brand=self.brand, grade=grade, qty=needed,
                                 limit=LIMIT)
        except JbpError:
            return []
        return result.substitutes

    def _offer(self, substitute: Substitute) -> dict | None:
        return self.matcher.product_by_sku(substitute.sku)

    def _other_brand(self, query: Query, match: LineMatch) -> LineMatch:
        named = match.original
        for substitute in self._substitutes(named["sku"], named["brand"], self.needed(query), "functional"):
            product = self._offer(substitute)
            if product is not None:
                return LineMatch("substituted", "substitution", CONFIDENCE[substitute.grade.value], product,
                                 reasons=[*match.reasons, f"{substitute.grade.value.replace('_', '-')} substitute "
                                          f"({substitute.source.replace('_', ' ')})"],
                                 notes=substitute.notes[:3], original=named, grade=substitute.grade.value)
        match.reasons.append(f"no {self.brand} drop-in or functional substitute")
        return match

    def _obsolete(self, query: Query, match: LineMatch) -> LineMatch:
        product = match.product
        successor = self._declared_successor(product)
        if successor is not None:
            return LineMatch("substituted", match.rule, match.confidence, successor, reasons=[
                *match.reasons, f"{product['sku']} is obsolete: its declared successor {successor['sku']}"],
                notes=match.notes, original=_named(product), grade="successor")
        for substitute in self._substitutes(product["sku"], self.brand, self.needed(query), "functional"):
            offered = self._offer(substitute)
            if offered is not None:
                return LineMatch("substituted", match.rule, min(match.confidence, CONFIDENCE[substitute.grade.value]),
                                 offered, reasons=[*match.reasons, f"{product['sku']} is obsolete: "
                                                   f"{substitute.grade.value.replace('_', '-')} substitute "
                                                   f"({substitute.source.replace('_', ' ')})"],
                                 notes=match.notes + substitute.notes[:3], original=_named(product),
                                 grade=substitute.grade.value)
        return LineMatch("not_found", match.rule, 0.0, None,
                         reasons=[*match.reasons, f"{product['sku']} is obsolete and nothing of ours replaces it"],
                         original=_named(product))

    def _short(self, query: Query, match: LineMatch, needed: int) -> LineMatch:
        product = match.product
        lead = product["lead_time_days"]
        shortage = (f"{product['sku']} has {product['stock']} in stock, {needed} needed, "
                    + ("no lead time known" if lead is None else f"the rest in {lead} days"))
        for substitute in self._substitutes(product["sku"], self.brand, needed, "drop-in"):
            offered = self._offer(substitute)
            if offered is not None and offered["stock"] is not None and offered["stock"] >= needed:
                return LineMatch("substituted", match.rule, min(match.confidence, CONFIDENCE["drop_in"]), offered,
                                 reasons=[*match.reasons, f"{shortage}: drop-in substitute with {offered['stock']} "
                                          "in stock"], notes=match.notes, original=_named(product), grade="drop_in")
        match.notes.append(shortage)
        return match


    def _declared_successor(self, product: dict) -> dict | None:
        """The first part still sold along the catalog's successor links (a cycle or a dead end gives None)."""
        seen, current = {product["sku"]}, product
        for _ in range(MAX_CHAIN):
            following = self.matcher.product_by_sku(current["successor_sku"]) if current["successor_sku"] else None
            if following is None or following["sku"] in seen:
                return None
            if following["lifecycle"] != "obsolete":
                return following
            seen.add(following["sku"])
            current = following
        return None


def _named(product: dict) -> dict:
    return {"sku": product["sku"], "mpn": product["mpn"]}
