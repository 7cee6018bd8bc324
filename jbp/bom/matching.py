"""The matching cascade: every BOM line ends in exactly one status, with the rule that decided and a
confidence.

Rules, in order (the first that answers decides):

| rule             | what it takes                                                   | confidence |
|------------------|-----------------------------------------------------------------|------------|
| `confirmed`      | the SKU this customer confirmed for the same line before        | 1.00       |
| `sku`            | one of our SKUs (as written 1.00; case/separators differing .97) | 1.00/0.97  |
| `mpn_exact`      | our MPN exactly as written                                      | 0.99       |
| `mpn_normalised` | our MPN up to case, width, separators (.95), packaging (.92)    | 0.95/0.92  |
| `cross_reference`| a competitor part declared replaced by ours (drop-in .90, functional .80) | 0.90/0.80 |
| `maker_alias`    | the same, found only because 施耐德 = Schneider Electric        | 0.88/0.78  |
| `fuzzy`          | our part number one or two characters off, or starting with what is written | 0.60–0.75 |
| `parametric`     | the one part of ours fitting the values in the line's words     | 0.70       |

A line whose part number or words fit several parts is `ambiguous` with the candidates; a wrong
match is worse than an honest question. A line whose words contradict the part its number names
(`9A` written, the part is 12 A) is also `ambiguous`. What is found is then checked for what can be
sold (see `replacing`): another brand's part, another maker's part, an obsolete part, too little
stock. Lines with a problem in their own cells (no quantity, text in it) are `invalid`, with what
their part number matched shown as a candidate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import Connection

from jbp.bom.designators import designator_prefix
from jbp.bom.evidence import DESIGNATOR_UNITS, Evidence, Held, gather_evidence, judge
from jbp.bom.makers import MakerCheck, MakerResolver, makers_agree
from jbp.bom.parametric import ParametricAnswer, ParametricMatcher
from jbp.bom.partnumber_index import MPN, MPN_UNPACKED, SKU, Nearby, PartNumberIndex
from jbp.bom.partnumbers import packaging_key, packaging_suffix
from jbp.bom.reading import TEXT_FIELDS, BomLine
from jbp.catalog.definitions import Definitions
from jbp.catalog.importers.headers import fold_header
from jbp.catalog.models import Brand, normalise_part_number
from jbp.store import bom_rows
from jbp.workspace import Workspace

STATUSES = ("matched", "substituted", "ambiguous", "not_found", "invalid")
CONFIDENCE = {"confirmed": 1.0, "sku": 1.0, "sku_folded": 0.97, "mpn_exact": 0.99, "mpn_normalised": 0.95,
              "mpn_packaging": 0.92, "drop_in": 0.9, "functional": 0.8, "alias_penalty": 0.02,
              "fuzzy_one": 0.75, "fuzzy_two": 0.6, "fuzzy_prefix": 0.7,
              "parametric": 0.7}
MAX_CANDIDATES = 5


@dataclass
class Candidate:
    sku: str
    mpn: str | None
    name: str | None


@dataclass
class LineMatch:
    status: str
    rule: str
    confidence: float
    product: dict | None = None  # the products row offered
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    original: dict | None = None  # what the buyer named, when something else is offered
    grade: str | None = None  # of a substitute


@dataclass
class Query:
    """A line's matching inputs, prepared once."""

    line: BomLine
    key: str
    maker: MakerCheck
    sku_texts: list[str]  # tried as our SKU
    mpn_texts: list[str]  # tried as an MPN
    evidence: Evidence
    hint_unit: str | None


def line_key(line: BomLine) -> str:
    """What identifies "the same line" in a customer's next BOM: maker, part numbers and words, not
    designators or quantities (boards get renumbered, quantities change)."""
    fields = line.fields
    parts = [fold_header(fields.get("maker", ""))]
    parts += [normalise_part_number(fields.get(name, "")) for name in ("mpn", "part_code", "sku", "supplier_part")]
    parts += [fold_header(fields.get(name, "")) for name in TEXT_FIELDS]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@dataclass
class MatchContext:
    workspace: Workspace
    conn: Connection
    definitions: Definitions
    brand: Brand
    brand_id: int
    index: PartNumberIndex
    confirmations: dict[str, str]


class Matcher:
    """Matches a whole BOM: lookups are batched across lines, then each line walks the cascade."""

    def __init__(self, context: MatchContext):
        self.context = context
        self.makers = MakerResolver(context.brand)
        self.parametric = ParametricMatcher(context.workspace, list(context.definitions.categories.values()),
                                            context.brand.code)
        self.products: dict[int, dict] = {}
        self._values: dict[int, dict[str, Held]] = {}
        self._near: dict[str, Nearby] = {}
        self._category_codes = {v: k for k, v in context.definitions.category_ids.items()}
        self._parameters = {pid: code for (_cat, code), pid in context.definitions.parameter_ids.items()}

    # ------------------------------------------------------------------ preparing

    def prepare(self, line: BomLine) -> Query:
        fields = line.fields
        maker = self.makers.check(fields.get("maker"))
        sku_texts = [fields[name] for name in ("sku", "part_code") if fields.get(name)]
        if fields.get("supplier_part") and self.makers.check(fields.get("supplier")).kind == "ours":
            sku_texts.append(fields["supplier_part"])
        mpn_texts = [fields["mpn"]] if fields.get("mpn") else ([fields["part_code"]] if fields.get("part_code")
                                                                 else [])
        sku_texts += [t for t in mpn_texts if t not in sku_texts]
        prefix = designator_prefix(line.designators)
        hint = DESIGNATOR_UNITS.get(prefix) if prefix else None
        texts = [(fields[name], hint if name == "value" else None) for name in (*TEXT_FIELDS, "note")
                 if fields.get(name)]
        return Query(line, line_key(line), maker, sku_texts, mpn_texts, gather_evidence(texts), hint)

    # ------------------------------------------------------------------ batch lookups

    def lookup(self, queries: list[Query]) -> dict[str, list[tuple[int, int]]]:
        """Folded key -> (row, kind) entries, for every key any query will ask, in one pass."""
        keys: set[str] = set()
        for query in queries:
            for text in {*query.sku_texts, *query.mpn_texts}:
                keys.add(normalise_part_number(text))
                unpacked = packaging_key(text)
                if unpacked:
                    keys.add(unpacked)
        keys.discard("")
        ordered = sorted(keys)
        entries = dict(zip(ordered, self.context.index.exact(ordered), strict=True))
        rows = {row for found in entries.values() for row, _ in found}
        self.load_products(int(self.context.index.product_ids[row]) for row in rows)
        described = {normalise_part_number(text) for query in queries if query.evidence
                     for text in {*query.sku_texts, *query.mpn_texts}}
        self.load_values({int(self.context.index.product_ids[row]) for key in described
                          for row, _ in entries.get(key, [])})
        return entries

    def load_products(self, ids) -> None:
        wanted = [i for i in ids if i not in self.products]
        if wanted:
            self.products.update(bom_rows.products_by_ids(self.context.conn, wanted))

    def load_values(self, ids) -> None:
        wanted = [i for i in ids if i not in self._values]
        found = bom_rows.param_values_of(self.context.conn, wanted) if wanted else {}
        for product_id in wanted:
            self._values[product_id] = {
                self._parameters[pid]: Held(num, low, high, text)
                for pid, num, low, high, text in found.get(product_id, []) if pid in self._parameters}

    def category_code(self, product: dict) -> str:
        return self._category_codes[product["category_id"]]

    def brand_code(self, brand_id: int) -> str:
        return next(code for code, i in self.context.definitions.brand_ids.items() if i == brand_id)

    # ------------------------------------------------------------------ the cascade

    def match_all(self, queries: list[Query], entries: dict[str, list[tuple[int, int]]],
                  cross_refs: dict[str, list[dict]]) -> list[LineMatch]:
        """Each query's first answering rule: the lookups first for every line, then fuzzy and parametric
        matching for the lines they left, with the candidates' rows fetched in one go."""
        exact = (self._confirmed, self._by_sku, self._by_mpn, self._by_cross_reference)
        found = [self._first(query, exact, entries, cross_refs) for query in queries]
        left = [i for i, match in enumerate(found) if match is None]
        self._prefetch_near([queries[i] for i in left])
        for i in left:
            found[i] = self._by_fuzzy(queries[i], entries, cross_refs)
        left = [i for i in left if found[i] is None]
        answers = {i: self._ask_parametric(queries[i]) for i in left}
        self.load_products(p.product_id for answer in answers.values() if answer for p in answer.products)
        for i in left:
            found[i] = self._by_parametric(queries[i], answers[i])
            if found[i] is None:
                nothing = not queries[i].sku_texts and not queries[i].evidence
                found[i] = LineMatch("not_found", "none", 0.0, reasons=[
                    "nothing to match: no part number and no description" if nothing
                    else "no part number or words that fit our catalog"])
        return found

    @staticmethod
    def _first(query: Query, rules, entries, cross_refs) -> LineMatch | None:
        for rule in rules:
            found = rule(query, entries, cross_refs)
            if found is not None:
                return found
        return None

    def _fuzzy_texts(self, query: Query) -> list[str]:
        return query.mpn_texts or query.sku_texts

    def _prefetch_near(self, queries: list[Query]) -> None:
        """Near part numbers of every line left, and their products (and values, for lines with words)."""
        index = self.context.index
        described: set[int] = set()
        for query in queries:
            for text in self._fuzzy_texts(query):
                folded = normalise_part_number(text)
                if folded not in self._near:
                    self._near[folded] = self.context.index.near(folded, self.context.brand_id)
                nearby = self._near[folded]
                if query.evidence and (nearby.distances or nearby.extended):  # the rows its words will judge
                    best = min(nearby.distances.values(), default=None)
                    judged = [r for r, d in nearby.distances.items() if d == best] or nearby.extended
                    described.update(int(index.product_ids[row]) for row in judged)
        rows = {row for nearby in self._near.values() for row in (*nearby.distances, *nearby.extended)}
        self.load_products(int(index.product_ids[row]) for row in rows)
        self.load_values(described)

    def _confirmed(self, query: Query, *_):
        sku = self.context.confirmations.get(query.key)
        product = self.product_by_sku(sku) if sku else None
        if product is None:
            return None
        return LineMatch("matched", "confirmed", CONFIDENCE["confirmed"], product,
                         reasons=[f"the customer confirmed {sku} for this line before"])

    def product_by_sku(self, sku: str) -> dict | None:
        """Our (the quoted brand's) product with exactly this SKU."""
        found = self.context.index.exact([normalise_part_number(sku)])[0]
        self.load_products(int(self.context.index.product_ids[row]) for row, _ in found)
        return next((p for row, kind in found if kind == SKU
                     and (p := self.products[int(self.context.index.product_ids[row])])["sku"] == sku
                     and p["brand_id"] == self.context.brand_id), None)

    def _hits(self, entries, key: str, kinds: tuple[int, ...]) -> list[dict]:
        """Products found under `key` with one of `kinds`, checked on their full part number (keys are cut)."""
        index = self.context.index
        found = {}
        for row, kind in entries.get(key, []):
            product = self.products[int(index.product_ids[row])]
            if kind in kinds and _full_key(product, kind) == key:
                found[product["id"]] = product
        return list(found.values())

    def _by_sku(self, query: Query, entries, _refs):
        ours = {}
        for text in query.sku_texts:
            folded = normalise_part_number(text)
            for product in self._hits(entries, folded, (SKU,)):
                if product["brand_id"] == self.context.brand_id:
                    exact = product["sku"] == text.strip()
                    ours.setdefault(product["id"], (product, exact, text))
        if not ours:
            return None
        if len(ours) > 1:
            return self._ambiguous([p for p, _, _ in ours.values()], "several of our SKUs are named",
                                   "sku", CONFIDENCE["sku_folded"])
        product, exact, text = next(iter(ours.values()))
        mpn_products = self._mpn_products(query, entries)[0]
        others = [p for p in mpn_products if p["id"] != product["id"] and p["brand_id"] == self.context.brand_id]
        if others:
            return self._ambiguous([product, *others], f"{text!r} is our SKU {product['sku']}, but the part number "
                                   f"names {others[0]['sku']}", "sku", CONFIDENCE["sku_folded"])
        reason = f"our SKU {product['sku']}" + ("" if exact else f" (written {text!r})")
        return self.checked(query, LineMatch("matched", "sku", CONFIDENCE["sku" if exact else "sku_folded"],
                                             product, reasons=[reason]))

    def _mpn_products(self, query: Query, entries) -> tuple[list[dict], str | None, str]:
        """Products whose MPN the line names: folded (rule mpn_*), else without packaging suffixes."""
        for text in query.mpn_texts:
            folded = normalise_part_number(text)
            found = self._hits(entries, folded, (MPN,))
            if found:
                exact = [p for p in found if (p["mpn"] or "").strip() == text.strip()]
                return found, ("mpn_exact" if exact else "mpn_normalised"), text
            unpacked = packaging_key(text) or folded
            found = self._hits(entries, unpacked, (MPN, MPN_UNPACKED))
            if found:
                return found, "mpn_packaging", text
        return [], None, ""

    def _by_mpn(self, query: Query, entries, _refs):
        found, rule, text = self._mpn_products(query, entries)
        if not found:
            return None
        ours = [p for p in found if p["brand_id"] == self.context.brand_id]
        if not ours:
            product = found[0]
            brand = self.brand_code(product["brand_id"])
            return LineMatch("not_found", "other_brand", 0.0, None, reasons=[
                f"{text!r} is {brand}'s {product['sku']}, not a {self.context.brand.code} part"],
                original={"brand": brand, "sku": product["sku"], "mpn": product["mpn"]})
        if len(ours) > 1:
            narrowed = self._narrow(query, ours)
            if len(narrowed) != 1:
                return self._ambiguous(narrowed or ours, f"{len(ours)} of our parts have the part number {text!r}",
                                       "mpn_normalised", CONFIDENCE["mpn_normalised"])
            ours = narrowed
        product = ours[0]
        reasons = [f"our MPN {product['mpn']}" + ("" if rule == "mpn_exact" else f" (written {text!r})")]
        if rule == "mpn_packaging":
            suffix = packaging_suffix(text) or packaging_suffix(product["mpn"] or "")
            reasons.append(f"packaging suffix {suffix!r} ignored")
        confidence = CONFIDENCE[rule]
        return self.checked(query, LineMatch("matched", "mpn_normalised" if rule == "mpn_packaging" else rule,
                                             confidence, product, reasons=reasons))

    def _by_cross_reference(self, query: Query, _entries, cross_refs):
        refs = [ref for text in query.mpn_texts for ref in cross_refs.get(normalise_part_number(text), [])
                if ref["brand_id"] == self.context.brand_id]
        if not refs:
            return None
        maker = query.line.fields.get("maker", "")
        rule = "cross_reference"
        if maker:
            agreeing = [(ref, makers_agree(maker, ref["other_brand"])) for ref in refs]
            refs = [ref for ref, how in agreeing if how]
            if not refs:
                return None
            if all(how == "alias" for _, how in agreeing if how):
                rule = "maker_alias"
        grades = {}
        for ref in refs:
            rank = ("drop_in", "functional", "similar").index(ref["grade"])
            if ref["sku"] not in grades or rank < grades[ref["sku"]][0]:
                grades[ref["sku"]] = (rank, ref)
        ranked = sorted(grades.values(), key=lambda item: item[0])
        products = {sku: self.product_by_sku(sku) for sku in grades}
        ranked = [(rank, ref) for rank, ref in ranked if products[ref["sku"]] is not None]
        if not ranked:
            return None
        best_rank, best = ranked[0]
        original = {"brand": best["other_brand"], "mpn": best["other_mpn"]}
        named = f"{best['other_brand']} {best['other_mpn']}"
        if best_rank == 2 or (len(ranked) > 1 and ranked[1][0] == best_rank):
            return self._ambiguous([products[ref["sku"]] for _, ref in ranked],
                                   f"{named} is cross-referenced to {len(ranked)} of our parts"
                                   + (" as similar only" if best_rank == 2 else ""), rule, 0.5, original=original)
        product = products[best["sku"]]
        confidence = CONFIDENCE[best["grade"]] - (CONFIDENCE["alias_penalty"] if rule == "maker_alias" else 0)
        reasons = [f"{named} → {product['sku']} ({best['grade'].replace('_', '-')} cross-reference)"]
        if rule == "maker_alias":
            reasons.append(f"maker {maker!r} is {best['other_brand']}")
        notes = [best["note"]] if best["note"] else []
        return LineMatch("substituted", rule, confidence, product, reasons=reasons, notes=notes, original=original,
                         grade=best["grade"])

    # ------------------------------------------------------------------ fuzzy

    def _by_fuzzy(self, query: Query, _entries, _refs):
        index = self.context.index
        for text in self._fuzzy_texts(query):
            folded = normalise_part_number(text)
            nearby = self._near.get(folded) or self.context.index.near(folded, self.context.brand_id)
            if not nearby.distances and not nearby.extended:
                continue
            self.load_products(int(index.product_ids[row]) for row in (*nearby.distances, *nearby.extended))
            by_product: dict[int, int] = {}
            for row, distance in nearby.distances.items():
                product_id = int(index.product_ids[row])
                by_product[product_id] = min(distance, by_product.get(product_id, distance))
            if by_product:
                return self._decide_near(query, text, by_product, nearby.complete)
            return self._decide_extended(query, text,
                                         [self.products[int(index.product_ids[r])] for r in nearby.extended])
        return None

    def _decide_near(self, query: Query, text: str, by_product: dict[int, int], complete: bool) -> LineMatch:
        """The one part a character off is a match (checked against the line's words) when every slip was looked
        for. Otherwise the line's words must back the choice: one agreeing value when the search was complete,
        two when some slips could not be looked for (the true part may be among those). Else a question."""
        best = min(by_product.values())
        closest = [self.products[i] for i, d in by_product.items() if d == best]
        written = f"{text!r} is {best} character{'s' if best > 1 else ''} off"
        backing = 1 if complete else 2
        if len(closest) == 1 and ((best == 1 and complete) or self._agreements(query, closest[0]) >= backing):
            product = closest[0]
            confidence = CONFIDENCE["fuzzy_one" if best == 1 else "fuzzy_two"]
            return self.checked(query, LineMatch("matched", "fuzzy", confidence, product,
                                                 reasons=[f"{written} our {_part_label(product)}"]))
        narrowed = self._narrow(query, closest)
        if len(narrowed) == 1 and self._agreements(query, narrowed[0]) >= backing:
            product = narrowed[0]
            return LineMatch("matched", "fuzzy", CONFIDENCE["fuzzy_two"], product, reasons=[
                f"{written} {len(closest)} of our part numbers; the line's words fit only {_part_label(product)}"])
        first = narrowed or closest  # the nearest the words do not contradict, then the others nearby
        shown = {p["id"] for p in first}
        others = [self.products[i] for i in sorted(by_product, key=by_product.get) if i not in shown]
        return self._ambiguous([*first, *others], f"{written} {len(closest)} of our part numbers", "fuzzy",
                               CONFIDENCE["fuzzy_two"])

    def _decide_extended(self, query: Query, text: str, products: list[dict]) -> LineMatch:
        narrowed = self._narrow(query, products)
        if len(narrowed) == 1 and (len(products) == 1 or self._agreements(query, narrowed[0]) > 0):
            product = narrowed[0]
            why = "" if len(products) == 1 else f"; of {len(products)} such parts the line's words fit only this one"
            return LineMatch("matched", "fuzzy", CONFIDENCE["fuzzy_prefix"], product,
                             reasons=[f"our {_part_label(product)} starts with {text!r}{why}"])
        return self._ambiguous(narrowed or products, f"{len(products)} of our part numbers start with {text!r}",
                               "fuzzy", CONFIDENCE["fuzzy_two"])

    # ------------------------------------------------------------------ parametric

    def _ask_parametric(self, query: Query) -> ParametricAnswer | None:
        if not query.evidence.readings and not query.evidence.words:
            return None
        answer = self.parametric.match(query.evidence, query.hint_unit)
        return answer if answer.where else None

    def _by_parametric(self, query: Query, answer: ParametricAnswer | None) -> LineMatch | None:
        if answer is None:
            return None
        asked_for = query.mpn_texts[0] if query.mpn_texts else None
        products = [self.products[p.product_id] for p in answer.products if p.product_id in self.products]
        if not products:
            return LineMatch("not_found", "parametric", 0.0, reasons=[
                f"no {self.context.brand.code} part fits: {answer.reason}"])
        if len(products) > 1:
            return self._ambiguous(products, answer.reason, "parametric", CONFIDENCE["parametric"],
                                   original={"mpn": asked_for} if asked_for else None)
        product = products[0]
        reasons = [f"the only {self.context.brand.code} {answer.category} with {', '.join(answer.where)}"]
        if asked_for:
            reasons.append(f"the part number {asked_for!r} is not in our catalog; matched by its description")
            return LineMatch("substituted", "parametric", CONFIDENCE["parametric"], product, reasons=reasons,
                             original={"brand": query.line.fields.get("maker"), "mpn": asked_for}, grade="similar")
        return LineMatch("matched", "parametric", CONFIDENCE["parametric"], product, reasons=reasons)

    # ------------------------------------------------------------------ evidence

    def values_of(self, product: dict) -> dict[str, Held]:
        self.load_values([product["id"]])
        return self._values[product["id"]]

    def _verdict(self, query: Query, product: dict):
        category = self.context.definitions.categories[self.category_code(product)]
        return judge(query.evidence, category, self.values_of(product))

    def _narrow(self, query: Query, products: list[dict]) -> list[dict]:
        """The products the line's words do not contradict; among those, the ones they agree with most."""
        if not query.evidence or len(products) < 2:
            return products
        self.load_values(p["id"] for p in products)
        verdicts = [(p, self._verdict(query, p)) for p in products]
        fitting = [(p, v) for p, v in verdicts if not v.contradicts]
        most = max((len(v.agrees) for _, v in fitting), default=0)
        return [p for p, v in fitting if len(v.agrees) == most]

    def _agreements(self, query: Query, product: dict) -> int:
        """How many of the line's values and words the product holds (0 when it contradicts any)."""
        if not query.evidence:
            return 0
        verdict = self._verdict(query, product)
        return 0 if verdict.contradicts else len(verdict.agrees)

    def checked(self, query: Query, match: LineMatch) -> LineMatch:
        """A part found by its number, held against the line's words: a contradiction makes it a question."""
        if not query.evidence or match.product is None:
            return match
        verdict = self._verdict(query, match.product)
        if verdict.contradicts:
            return self._ambiguous([match.product], f"{match.reasons[0]}, but " + "; ".join(verdict.contradicts),
                                   match.rule, match.confidence / 2)
        if verdict.agrees:
            match.reasons.append("the line's words agree: " + ", ".join(verdict.agrees))
        return match

    def _ambiguous(self, products: list[dict], reason: str, rule: str, confidence: float,
                   original: dict | None = None) -> LineMatch:
        """A question listing the candidates; the rule's confidence is shared among them."""
        candidates = [Candidate(p["sku"], p["mpn"], p["name_zh"] or p["name_en"]) for p in products[:MAX_CANDIDATES]]
        more = f" (showing {MAX_CANDIDATES})" if len(products) > MAX_CANDIDATES else ""
        return LineMatch("ambiguous", rule, round(confidence / max(len(products), 1), 3), None,
                         reasons=[reason + more], candidates=candidates, original=original)


def _full_key(product: dict, kind: int) -> str | None:
    """The whole folded part number an index entry of `kind` stands for."""
    if kind == SKU:
        return normalise_part_number(product["sku"])
    if kind == MPN:
        return product["mpn_norm"]
    return packaging_key(product["mpn"] or "")


def _part_label(product: dict) -> str:
    return f"{product['mpn'] or product['sku']} ({product['sku']})" if product["mpn"] else product["sku"]
