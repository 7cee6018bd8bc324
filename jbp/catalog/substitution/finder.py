"""`substitutes(...)`: what can replace a part, from declared cross-references, the successor chain of an
EOL/obsolete part, and parametric candidates of the same category, graded and explained.

Declared substitutes (cross-references, successors) always have a place within the limit; parametric
ones fill the rest. Ranking: grade, then parameter distance, then availability (not end-of-life first;
then enough stock for the quantity, some stock, none; then lead time), then unit price at the quantity.
A declared cross-reference keeps its grade unless the parameters known on both sides show it is worse;
two grades declared for one pair are both reported, the stricter claim ranked below the other. An
obsolete part is never proposed (its successor may be).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from sqlalchemy import Connection

from jbp.catalog.definitions import Definitions
from jbp.catalog.models import Grade, Lifecycle
from jbp.catalog.substitution import grading as rules
from jbp.catalog.substitution.candidates import CategoryArrays, category_arrays, rank_parametric
from jbp.catalog.substitution.definitions_cache import current_definitions
from jbp.catalog.substitution.parts import Original, parse_needs, resolve_part
from jbp.catalog.substitution.results import Source, Substitute, SubstitutionResult
from jbp.errors import DataError, JbpError, Location
from jbp.store import Store, substitution_rows

SOURCE_ORDER = {"cross_reference": 0, "successor": 1, "parametric": 2}
MAX_CHAIN = 100
SHORTLIST_EXTRA = 10  # parametric candidates fetched beyond --limit, so fresh stock and price can reorder them
_LIFECYCLE_NOTES = {Lifecycle.nrnd.value: "not recommended for new designs",
                    Lifecycle.eol.value: "end of life: buy while stock lasts"}


def substitutes(store: Store, part: str, *, brand: str | None = None, for_brand: str | None = None,
                grade: Grade | str | None = None, limit: int = 10, qty: int = 1, category: str | None = None,
                params: Sequence[str] = (), needs: Sequence[str] = ()) -> SubstitutionResult:
    """Substitutes for `part` (our SKU, an MPN in any spelling, or a competitor's MPN with `brand`).

    `for_brand` keeps only that brand of ours; `grade` is the weakest grade wanted (drop-in, functional,
    similar); `params` describe the part (`rated_current=9A`), needed for a competitor part known only
    by its parameters (then with `category`); `needs` state the buyer's requirements (`rated_current>=6A`),
    which let a worse candidate count as functional. Prices are for `qty` pieces.
    """
    if limit < 1 or qty < 1:
        raise JbpError("limit and quantity must be at least 1")
    weakest = _grade_index(grade)
    with store.reading() as conn:
        definitions = current_definitions(conn, store.url)
        original = resolve_part(conn, definitions, part, brand=brand, category=category, params=params)
        if needs and original.category is None:
            raise JbpError(f"the category of {part!r} is unknown, so --need cannot be read; pass --category")
        wanted_brand = definitions.brand_ids[definitions.require_brand(for_brand).code] if for_brand else None
        search = _Search(conn, store.url, definitions, original,
                         parse_needs(original.category, needs) if needs else [], qty)
        return search.run(limit, weakest, wanted_brand)


def _grade_index(grade: Grade | str | None) -> int:
    if grade is None:
        return rules.SIMILAR
    try:
        return rules.GRADES.index(Grade(str(grade).strip().lower().replace("-", "_").replace(" ", "_")))
    except ValueError:
        raise DataError("grade must be drop-in, functional or similar", Location(value=str(grade))) from None


@dataclass
class _Proposal:
    product: dict
    source: Source
    grade: int
    distance: float | None = None
    index: int | None = None  # row in the category arrays, when its parameters were compared
    notes: list[str] = field(default_factory=list)
    rank_grade: int = 0  # the grade it ranks by (contradictory cross-references rank by the weaker claim)
    tiebreak: int = 0  # among contradictory claims, the stricter one ranks lower


class _Search:
    """One substitution query: grades the original's category once, then gathers each source in turn."""

    def __init__(self, conn: Connection, store_url: str, definitions: Definitions, original: Original,
                 needs: list[rules.Need], qty: int):
        self.conn, self.original, self.qty = conn, original, qty
        self.warnings = list(original.warnings)
        self.proposals: list[_Proposal] = []
        self.proposed: set[int] = set()
        self.brand_codes = {v: k for k, v in definitions.brand_ids.items()}
        self.arrays: CategoryArrays | None = None
        self.grading: rules.Grading | None = None
        category = original.category
        self.has_keys = category is not None and any(p.key for p in category.parameters)
        self.category_id = definitions.category_ids[category.code] if category else None
        if category is None:
            return
        targets = {}
        for code, value in original.values.items():
            definition = category.parameter(code)
            target = rules.target_of(definition, value) if definition else None
            if target is not None:
                targets[code] = target
        if not self.has_keys:
            self.warnings.append(f"category {category.code} declares no key parameters, so form and fit cannot "
                                 "be checked: only cross-references and similar parts are offered")
        if not targets and not needs:
            self.warnings.append(f"no parameter values are known for {self._named()}: only declared substitutes "
                                 "are offered (describe it with --param to search its category)")
            return
        missing_keys = [p.code for p in category.parameters if p.key and p.code not in targets]
        if self.has_keys and missing_keys:
            self.warnings.append(f"{self._named()} has no value for key parameters {', '.join(missing_keys)}: form "
                                 "and fit cannot be confirmed, so no parametric drop-in or functional substitute "
                                 "(give them with --param)")
        parameter_ids = {code: pid for (cat, code), pid in definitions.parameter_ids.items() if cat == category.code}
        stamp = substitution_rows.store_stamp(conn)
        self.arrays = category_arrays(conn, store_url, stamp, category, self.category_id, parameter_ids)
        self.grading = rules.grade_candidates(category, targets, self.arrays.columns, needs, len(self.arrays))

    def _named(self) -> str:
        description = self.original.description
        return f"{description.brand} {description.sku or description.mpn}"

    def run(self, limit: int, weakest: int, wanted_brand: int | None) -> SubstitutionResult:
        self._cross_references()
        self._successors()
        self._parametric(limit, weakest, wanted_brand)
        kept = [p for p in self.proposals
                if p.grade <= weakest and (wanted_brand is None or p.product["brand_id"] == wanted_brand)]
        return SubstitutionResult(self.original.description, self._finished(kept, limit), self.warnings)

    # ---------------------------------------------------------------- sources

    def _cross_references(self) -> None:
        groups: dict[tuple[int, str], list[dict]] = {}
        for ref in self.original.cross_refs:
            groups.setdefault((ref["brand_id"], ref["sku"]), []).append(ref)
        targets = substitution_rows.products_by_keys(self.conn, list(groups))
        for key, refs in groups.items():
            row = targets.get(key)
            label = f"{refs[0]['other_brand']} {refs[0]['other_mpn']} → {self.brand_codes[key[0]]} {key[1]}"
            if row is None:
                self.warnings.append(f"cross-reference {label}: no such product in the catalog")
                continue
            claimed = sorted({rules.GRADES.index(Grade(ref["grade"])) for ref in refs})
            notes = list(dict.fromkeys(ref["note"] for ref in refs if ref["note"]))
            if len(claimed) > 1:
                self.warnings.append(f"contradictory cross-references {label}: "
                                     f"{' and '.join(rules.GRADES[g].value for g in claimed)}; both are listed, "
                                     "the stricter ranked lower")
            if row["lifecycle"] == Lifecycle.obsolete.value:
                chain = self._chain(row)
                live = next((r for r in chain if r["lifecycle"] != Lifecycle.obsolete.value), None)
                if live is None:
                    self.warnings.append(f"cross-reference {label}: {key[1]} is obsolete and has no live successor")
                    continue
                if live["id"] in self.proposed:
                    continue
                note = f"replaces {key[1]} (obsolete), cross-referenced as {rules.GRADES[claimed[-1]].value}"
                self._propose(live, "successor", claimed[-1], [note, *notes])
                continue
            entries = [self._propose(row, "cross_reference", g, list(notes)) for g in claimed]
            if len(entries) > 1:
                weakest = max(entry.grade for entry in entries)
                for entry, g in zip(entries, claimed, strict=True):
                    entry.rank_grade, entry.tiebreak = weakest, len(rules.GRADES) - g

    def _successors(self) -> None:
        product = self.original.product
        if product is None or not product["successor_sku"]:
            return
        previous = product["sku"]
        for row in self._chain(product):
            if row["lifecycle"] != Lifecycle.obsolete.value and row["id"] not in self.proposed:
                self._propose(row, "successor", None, [f"successor of {previous}"])
            previous = row["sku"]

    def _chain(self, start: dict) -> list[dict]:
        """The products following `start` by successor links (same brand), stopping at a cycle, reported."""
        chain, seen, current = [], {start["id"]}, start
        while current["successor_sku"] and len(chain) < MAX_CHAIN:
            key = (current["brand_id"], current["successor_sku"])
            following = substitution_rows.products_by_keys(self.conn, [key]).get(key)
            if following is None:
                self.warnings.append(f"{current['sku']} names successor {current['successor_sku']}, which is not "
                                     "in the catalog")
                break
            if following["id"] in seen:
                path = " → ".join([start["sku"], *(r["sku"] for r in chain), following["sku"]])
                self.warnings.append(f"successor links form a cycle: {path}; not followed further")
                break
            seen.add(following["id"])
            chain.append(following)
            current = following
        return chain

    def _parametric(self, limit: int, weakest: int, wanted_brand: int | None) -> None:
        if self.grading is None:
            return
        arrays = self.arrays
        grades = self.grading.grade if self.has_keys else np.full(len(arrays), rules.SIMILAR, dtype=np.int8)
        eligible = ~arrays.obsolete & (grades <= weakest)
        if wanted_brand is not None:
            eligible &= arrays.brand_ids == wanted_brand
        taken = [self.original.product["id"]] if self.original.product else []
        for product_id in [*taken, *self.proposed]:
            index = arrays.index_of(product_id)
            if index is not None:
                eligible[index] = False
        rows = rank_parametric(arrays, grades, self.grading.distance, eligible, self.qty, limit + SHORTLIST_EXTRA)
        products = substitution_rows.products_by_ids(self.conn, (int(arrays.product_ids[i]) for i in rows))
        for index in rows:
            product = products.get(int(arrays.product_ids[index]))
            if product is not None and product["lifecycle"] != Lifecycle.obsolete.value:
                self._propose(product, "parametric", None, [])

    # ---------------------------------------------------------------- grading one proposal

    def _propose(self, product: dict, source: Source, declared: int | None, notes: list[str]) -> _Proposal:
        """Grade `product` against the original; `declared` is a cross-reference's grade (None: computed)."""
        index = (self.arrays.index_of(product["id"])
                 if self.grading is not None and product["category_id"] == self.category_id else None)
        if index is None:
            proposal = _Proposal(product, source, rules.SIMILAR if declared is None else declared, notes=notes)
            if declared is None:
                proposal.notes.append("parameters not compared")
        else:
            grading = self.grading
            evidence = int(grading.evidence_grade[index])
            if declared is not None:
                computed = max(declared, evidence)
                if evidence > declared:
                    notes.append(f"declared {rules.GRADES[declared].value}; the parameters show "
                                 f"{rules.GRADES[evidence].value}")
            else:
                computed = int(grading.grade[index]) if self.has_keys else rules.SIMILAR
            proposal = _Proposal(product, source, computed, float(grading.distance[index]), index, notes=notes)
            proposal.notes += [f"does not meet {text}" for text, met in grading.needs_met.items() if not met[index]]
        proposal.rank_grade = proposal.grade
        self.proposals.append(proposal)
        self.proposed.add(product["id"])
        return proposal

    # ---------------------------------------------------------------- stock, price, order

    def _finished(self, proposals: list[_Proposal], limit: int) -> list[Substitute]:
        """`limit` proposals as substitutes, ranked with current stock and prices. Declared ones (cross-references,
        successors) are kept first and parametric ones fill the places left, so a curated answer is never
        crowded out by parts that merely share the parameters known."""
        prices = substitution_rows.price_breaks_of(self.conn, {p.product["id"] for p in proposals})
        priced = [(proposal, price_at(prices.get(proposal.product["id"], []), self.qty)) for proposal in proposals]
        priced.sort(key=lambda pair: self._rank(pair[0], pair[1][0]))
        declared = [pair for pair in priced if pair[0].source != "parametric"][:limit]
        parametric = [pair for pair in priced if pair[0].source == "parametric"][:limit - len(declared)]
        kept = sorted(declared + parametric, key=lambda pair: self._rank(pair[0], pair[1][0]))
        return [self._substitute(proposal, price) for proposal, price in kept]

    def _rank(self, proposal: _Proposal, unit_price: Decimal | None) -> tuple:
        product = proposal.product
        stock, lead = product["stock"], product["lead_time_days"]
        shortage = 0 if stock is not None and stock >= self.qty else 1 if stock else 2
        return (proposal.rank_grade, proposal.tiebreak, proposal.distance or 0.0,
                product["lifecycle"] == Lifecycle.eol.value, shortage, float("inf") if lead is None else lead,
                Decimal("Infinity") if unit_price is None else unit_price, SOURCE_ORDER[proposal.source],
                self.brand_codes[product["brand_id"]], product["sku"])

    def _substitute(self, proposal: _Proposal, price: tuple) -> Substitute:
        product = proposal.product
        unit_price, currency, price_note = price
        notes = list(proposal.notes)
        if price_note:
            notes.append(price_note)
        if product["moq"] and product["moq"] > self.qty:
            notes.append(f"minimum order {product['moq']}")
        if product["lifecycle"] in _LIFECYCLE_NOTES:
            notes.append(_LIFECYCLE_NOTES[product["lifecycle"]])
        differences = [] if proposal.index is None else rules.differences(
            self.original.category, self.original.values, self.arrays.columns, self.grading, proposal.index)
        return Substitute(
            brand=self.brand_codes[product["brand_id"]], sku=product["sku"], mpn=product["mpn"],
            grade=rules.GRADES[proposal.grade], source=proposal.source,
            distance=None if proposal.distance is None else round(proposal.distance, 4), differences=differences,
            stock=product["stock"], lead_time_days=product["lead_time_days"], unit_price=unit_price,
            currency=currency, lifecycle=product["lifecycle"], notes=notes,
            name=product["name_zh"] or product["name_en"])


def price_at(breaks: list[dict], qty: int) -> tuple[Decimal | None, str | None, str | None]:
    """(unit price, currency, note): the break with the largest minimum quantity ≤ qty, in CNY when the
    product is priced in CNY, else in its first currency; the note says when qty is below every break."""
    if not breaks:
        return None, None, None
    currencies = sorted({b["currency"] for b in breaks})
    currency = "CNY" if "CNY" in currencies else currencies[0]
    mine = [b for b in breaks if b["currency"] == currency]
    reached = [b for b in mine if b["min_qty"] <= qty]
    if not reached:
        return None, currency, f"priced from {min(b['min_qty'] for b in mine)} pieces"
    best = max(reached, key=lambda b: b["min_qty"])
    return _plain(Decimal(best["price"])), currency, None


def _plain(price: Decimal) -> Decimal:
    """56.800000 as stored -> 56.80: trailing zeros beyond cents dropped, the value unchanged."""
    cents = price.quantize(Decimal("0.01"))
    return cents if cents == price else price.normalize()
