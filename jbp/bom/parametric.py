"""Lines with no usable part number, matched by what their words describe: `交流接触器 9A 220V 3P`,
`10k 0603 1%` on an R designator, `内六角螺钉 M8x25 12.9级`.

The category comes from a category name in the text (the longest shared run of characters, at least
three, so `内六角螺钉` finds 内六角圆柱头螺钉) or, failing that, from the designator's unit (R: ohms).
Each value becomes a selection condition on the one parameter of its unit (a value whose unit two
parameters share is left out rather than guessed), each word that is an allowed value of an enum
parameter a condition on it; with two or more conditions the parametric selection
(jbp.catalog.selection) answers. Only the quoted brand's active parts count when it has any.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

from jbp.bom.evidence import Evidence, candidates_for, fold_word
from jbp.catalog.models import Category, ParamKind
from jbp.catalog.selection import SelectedProduct, select
from jbp.errors import JbpError
from jbp.units import format_quantity
from jbp.workspace import Workspace

MIN_NAME_RUN = 3  # characters of a category name the text must share
MIN_CONDITIONS = 2
FIRST_PAGE = 6
PAGE = 200
MAX_ALTERNATIVES = 4


@dataclass
class ParametricAnswer:
    category: str | None
    where: list[str] = field(default_factory=list)
    products: list[SelectedProduct] = field(default_factory=list)  # the quoted brand's, best first
    total: int = 0  # every brand's
    reason: str = ""  # why nothing was asked, or what was found


class ParametricMatcher:
    """One per quote: categories are scored once per text, selections run once per distinct question."""

    def __init__(self, workspace: Workspace, categories: Sequence[Category], brand: str):
        self.workspace, self.brand = workspace, brand
        self.categories = [c for c in categories if c.parameters]
        self._answers: dict[tuple, ParametricAnswer] = {}

    def match(self, evidence: Evidence, hint_unit: str | None) -> ParametricAnswer:
        categories = self._categories(evidence.text, hint_unit)
        if not categories:
            return ParametricAnswer(None, reason="no category named in the text")
        answers = [self._ask(category, evidence) for category in categories]
        asked = [a for a in answers if a.where]
        if not asked:
            return answers[0]
        if len(asked) == 1:
            return asked[0]
        merged = ParametricAnswer(" / ".join(a.category for a in asked), asked[0].where,
                                  [p for a in asked for p in a.products], sum(a.total for a in asked))
        merged.reason = "; ".join(a.reason for a in asked)
        return merged

    def _categories(self, text: str, hint_unit: str | None) -> list[Category]:
        """The categories whose name is written whole (the longest such name wins), else those sharing the
        longest run of at least three characters with the text, else those the designator's unit fits."""
        chosen = _best(self.categories, lambda name: len(name) if name.lower() in text else 0, 1)
        if not chosen:
            chosen = _best(self.categories, lambda name: _shared_run(text, name), MIN_NAME_RUN)
        if chosen or not hint_unit:
            return chosen
        return [c for c in self.categories
                if any(p.key and p.unit == hint_unit and p.kind == ParamKind.numeric for p in c.parameters)]

    def _ask(self, category: Category, evidence: Evidence) -> ParametricAnswer:
        where = conditions(category, evidence)
        if len(where) < MIN_CONDITIONS:
            return ParametricAnswer(category.code, where=[], reason=f"{category.code}: too few values in the text "
                                                                    f"to select by ({', '.join(where) or 'none'})")
        key = (category.code, tuple(where))
        if key not in self._answers:
            self._answers[key] = self._select(category, where)
        return self._answers[key]

    def _select(self, category: Category, where: list[str]) -> ParametricAnswer:
        """The quoted brand's fitting parts, cheapest first: a page of a few answers nearly every line (fetching a
        page's rows is most of a selection's cost); a larger page only when other brands' parts filled it."""
        try:
            selection = select(self.workspace, category.code, where, limit=FIRST_PAGE, sort="price")
            products = self._ours(selection)
            if selection.total > FIRST_PAGE and len(products) < 2:
                selection = select(self.workspace, category.code, where, limit=PAGE, sort="price")
                products = self._ours(selection)
        except JbpError as exc:
            return ParametricAnswer(category.code, where, reason=f"selection failed: {exc}")
        looked_at = min(selection.total, selection.limit)
        counted = f"{len(products)}" if looked_at == selection.total else f"{len(products)} of the {looked_at} cheapest"
        reason = f"{counted} of {selection.total} {category.code} parts with {', '.join(where)} are {self.brand}'s"
        return ParametricAnswer(category.code, where, products, selection.total, reason)

    def _ours(self, selection) -> list[SelectedProduct]:
        ours = [p for p in selection.products if p.brand == self.brand and p.lifecycle != "obsolete"]
        return [p for p in ours if p.lifecycle == "active"] or ours


def conditions(category: Category, evidence: Evidence) -> list[str]:
    """Selection conditions from the evidence: a value is asked of the one parameter of its unit; where several
    values or parameters share a unit, each such parameter is asked to be one of those values (`in`), which
    still narrows a catalog without guessing which value is which. Enum words that are allowed values of
    exactly one value of a parameter ask for it."""
    where: dict[str, str] = {}
    by_unit: dict[str, list] = {}
    for definition in category.parameters:
        if definition.kind in (ParamKind.numeric, ParamKind.range) and definition.unit:
            by_unit.setdefault(definition.unit, []).append(definition)
    certain: dict[str, list] = {}  # parameter code -> readings that can only be its value
    possible: dict[str, list] = {}  # parameter code -> readings that may be its value or another's
    sharing: dict[str, int] = {}
    for reading in evidence.readings:
        candidates = candidates_for(reading, by_unit)
        for definition in candidates:
            (certain if len(candidates) == 1 else possible).setdefault(definition.code, []).append(reading)
            sharing[definition.code] = max(sharing.get(definition.code, 1), len(candidates))
    for definition in category.parameters:
        code = definition.code
        found = certain.get(code) or possible.get(code, [])
        values = list(dict.fromkeys(_written(r) for r in found if r.value is not None
                                    or definition.kind == ParamKind.range))
        if not values or len(values) > MAX_ALTERNATIVES or (code not in certain and len(values) < sharing[code]):
            continue  # fewer values than parameters sharing them: which parameter has none is unknown
        where[code] = f"{code}={values[0]}" if len(values) == 1 else f"{code} in ({', '.join(values)})"
    for definition in category.parameters:
        if definition.kind == ParamKind.enum and definition.code not in where:
            hits = [value for value in definition.allowed_values if fold_word(value) in evidence.words]
            if len(hits) == 1:
                where[definition.code] = f"{definition.code}={hits[0]}"
    return list(where.values())


def _written(reading) -> str:
    if reading.value is not None:
        return format_quantity(reading.value, reading.unit)
    return f"{format_quantity(reading.low, reading.unit)}..{format_quantity(reading.high, reading.unit)}"


def _best(categories: Sequence[Category], score, at_least: int) -> list[Category]:
    """The categories with the highest score of their zh or en name (ties all kept), if it reaches `at_least`."""
    best, chosen = at_least - 1, []
    for category in categories:
        value = max((score(name) for name in (category.name_zh, category.name_en) if name), default=0)
        if value > best:
            best, chosen = value, [category]
        elif value == best and value >= at_least:
            chosen.append(category)
    return chosen


def _shared_run(text: str, name: str) -> int:
    """The longest run of characters a Chinese name shares with the text (内六角螺钉 and 内六角圆柱头螺钉
    share 内六角); Latin names count only whole."""
    folded = name.lower()
    if folded.isascii():
        return 0
    match = difflib.SequenceMatcher(None, text, folded, autojunk=False).find_longest_match(
        0, len(text), 0, len(folded))
    return match.size
