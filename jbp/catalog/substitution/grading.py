"""Grading substitutes: every candidate's parameter values against the original's, by the category's rules.

Vectorised over a category's products (numpy), so one pass grades tens of thousands of candidates.

- Key parameters (form and fit: package, thread, bore, mounting, poles…) must be equal: numbers within a
  relative 1e-9, texts after folding case, width and separators. A key value missing on either side is
  unknown, and unknown form and fit is never a drop-in or functional substitute.
- Performance parameters follow their comparison: at_least, at_most, within_tolerance (relative tolerance
  of the definition), covers (the candidate's range contains the original's), equal. Texts are equal or
  worse. A parameter the original lacks is not compared.
- drop_in: every key equal, every performance parameter equal or better, every stated need met.
- functional: every key equal, every stated need met, and each worse performance parameter covered by a
  need the buyer stated for it (`--need rated_current>=6A`). Without stated needs a worse candidate is
  similar. A performance value the candidate does not state is "unknown" and caps it at functional.
- similar: everything else in the category, ranked by a weighted normalised distance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from jbp.catalog.importers.headers import fold_header
from jbp.catalog.models import Category, Comparison, Grade, ParameterDef, ParamKind, ParamValue
from jbp.catalog.substitution.results import Difference
from jbp.errors import UnitError
from jbp.units import format_quantity

EQUAL, BETTER, WORSE, UNKNOWN = 0, 1, 2, 3
VERDICTS = ("equal", "better", "worse", "unknown")
DROP_IN, FUNCTIONAL, SIMILAR = 0, 1, 2
GRADES = (Grade.drop_in, Grade.functional, Grade.similar)
REL_TOL = 1e-9
KEY_WEIGHT, PERFORMANCE_WEIGHT = 2.0, 1.0

Bounds = tuple[float, float]  # a number is (v, v); an open range bound is -inf/+inf
Target = Bounds | str  # what a candidate is compared against; texts are folded


def is_textual(definition: ParameterDef) -> bool:
    return definition.kind not in (ParamKind.numeric, ParamKind.range)


def rule_of(definition: ParameterDef) -> Comparison:
    return Comparison.equal if definition.key else definition.comparison


def target_of(definition: ParameterDef, value: ParamValue) -> Target | None:
    """The comparable form of a stored value; None when it holds nothing comparable."""
    if is_textual(definition):
        return fold_header(value.text) if value.text else None
    if definition.kind == ParamKind.numeric:
        return None if value.num is None else (value.num, value.num)
    if value.num_min is None and value.num_max is None:
        return None if value.num is None else (value.num, value.num)
    low = -math.inf if value.num_min is None else value.num_min
    high = math.inf if value.num_max is None else value.num_max
    return low, high


@dataclass
class Column:
    """One parameter over n products, dictionary-encoded: each product points at one of the column's
    distinct values, the last of which is "no value". Comparisons run once per distinct value (a category
    of 150k contactors has a few dozen ratings) and reach the products through one gather."""

    definition: ParameterDef
    rows: np.ndarray  # int32 per product: index of its distinct value
    low: np.ndarray | None = None  # numbers and ranges: distinct lower bounds, NaN last (no value)
    high: np.ndarray | None = None  # the same array as `low` for plain numbers
    texts: list[str] = field(default_factory=list)  # texts: distinct spellings as stored, "no value" after them
    vocabulary: dict[str, int] = field(default_factory=dict)  # folded text -> index of its first spelling
    span: float = 1.0  # spread of the finite values, for distances
    log_span: float | None = None  # the same in natural-log units when every value is positive

    @classmethod
    def numeric(cls, definition: ParameterDef, low: np.ndarray, high: np.ndarray) -> Column:
        """From per-product bounds (NaN: no value); pass `high` as the very `low` array for plain numbers."""
        present = ~np.isnan(low)
        rows = np.full(len(low), -1, dtype=np.int32)
        if high is low:
            distinct, rows[present] = np.unique(low[present], return_inverse=True)
            distinct = np.append(distinct, np.nan)
            column = cls(definition, rows, low=distinct, high=distinct)
        else:
            pairs, rows[present] = np.unique(np.stack([low[present], high[present]], axis=1), axis=0,
                                             return_inverse=True)
            column = cls(definition, rows, low=np.append(pairs[:, 0], np.nan), high=np.append(pairs[:, 1], np.nan))
        column.rows[~present] = len(column.low) - 1
        finite = np.concatenate([column.low[np.isfinite(column.low)], column.high[np.isfinite(column.high)]])
        if finite.size:
            smallest, largest = float(finite.min()), float(finite.max())
            column.span = largest - smallest or abs(largest) or 1.0
            if smallest > 0:
                column.log_span = math.log(largest / smallest) or 1.0
        return column

    @classmethod
    def textual(cls, definition: ParameterDef, codes: np.ndarray, texts: list[str]) -> Column:
        """From per-product indices into `texts` (-1: no value)."""
        vocabulary: dict[str, int] = {}
        for code, text in enumerate(texts):
            vocabulary.setdefault(fold_header(text), code)
        # Spellings that fold alike share the first one's index, so equality is one integer comparison;
        # -1 ("no value") indexes the last entry, which is the slot after the texts.
        remap = np.array([vocabulary[fold_header(t)] for t in texts] + [len(texts)], dtype=np.int32)
        return cls(definition, remap[codes], texts=texts, vocabulary=vocabulary)

    @property
    def textual_kind(self) -> bool:
        return self.low is None

    @property
    def empty(self) -> int:
        """Index of the "no value" entry."""
        return len(self.texts) if self.textual_kind else len(self.low) - 1

    def missing(self) -> np.ndarray:
        return self.rows == self.empty

    def display(self, index: int) -> str | None:
        value = int(self.rows[index])
        if value == self.empty:
            return None
        if self.textual_kind:
            return self.texts[value]
        return display_bounds((float(self.low[value]), float(self.high[value])), self.definition.unit)


def display_value(definition: ParameterDef, value: ParamValue) -> str | None:
    target = target_of(definition, value)
    if target is None:
        return None
    return value.text if isinstance(target, str) else display_bounds(target, definition.unit)


def display_bounds(bounds: Bounds, unit: str) -> str:
    low, high = bounds
    if low == high:
        return _format(low, unit)
    if low == -math.inf:
        return f"≤{_format(high, unit)}"
    if high == math.inf:
        return f"≥{_format(low, unit)}"
    return f"{_format(low, unit)}~{_format(high, unit)}"


def _format(value: float, unit: str) -> str:
    try:
        return format_quantity(value, unit)
    except UnitError:
        return f"{value:g}{unit}"


def _close(values: np.ndarray, goal: float) -> np.ndarray:
    """Equal within a relative 1e-9 (an open bound only equals itself)."""
    if not math.isfinite(goal):
        return values == goal
    return np.abs(values - goal) <= REL_TOL * abs(goal)


def compare(column: Column, target: Target, rule: Comparison) -> np.ndarray:
    """Verdict per product (EQUAL, BETTER, WORSE, UNKNOWN) of its value against `target` by `rule`."""
    return _verdicts(column, target, rule)[column.rows]


def _verdicts(column: Column, target: Target, rule: Comparison) -> np.ndarray:
    """Verdict per distinct value of the column."""
    if column.textual_kind:
        verdict = np.full(column.empty + 1, WORSE, dtype=np.int8)
        if isinstance(target, str) and target in column.vocabulary:
            verdict[column.vocabulary[target]] = EQUAL
        verdict[column.empty] = UNKNOWN
        return verdict
    low, high = column.low, column.high
    bounds = [(low, target[0], "low"), (high, target[1], "high")]
    if high is low and target[0] == target[1]:
        bounds = bounds[:1]  # a plain number: both bounds are the same array and the same goal
    same = met = np.ones(len(low), dtype=bool)
    with np.errstate(invalid="ignore"):
        for values, goal, side in bounds:
            close = _close(values, goal)
            if rule == Comparison.at_least or (rule == Comparison.covers and side == "high"):
                meets = close | (values >= goal)
            elif rule in (Comparison.at_most, Comparison.covers):
                meets = close | (values <= goal)
            elif rule == Comparison.within_tolerance:
                meets = close | (np.abs(values - goal) <= (column.definition.tolerance or 0.0) * abs(goal))
            else:
                meets = close
            same, met = same & close, met & meets
    verdict = np.full(len(low), WORSE, dtype=np.int8)
    verdict[met] = EQUAL
    if rule in (Comparison.at_least, Comparison.at_most, Comparison.covers):
        verdict[met & ~same] = BETTER
    verdict[column.empty] = UNKNOWN
    return verdict


@dataclass(frozen=True)
class Need:
    """What the buyer says the part must do: `rated_current>=6A`; `=` means "by the parameter's own rule"."""

    definition: ParameterDef
    operator: str  # "=", ">=", "<="
    target: Target
    text: str  # as written, for explanations

    def met(self, column: Column) -> np.ndarray:
        """Whether each product meets the need; a missing value does not."""
        if self.operator == "=":
            verdict = _verdicts(column, self.target, rule_of(self.definition))
            met = (verdict == EQUAL) | (verdict == BETTER)
        else:
            with np.errstate(invalid="ignore"):
                if self.operator == ">=":
                    met = _close(column.low, self.target[0]) | (column.low >= self.target[0])
                else:
                    met = _close(column.high, self.target[1]) | (column.high <= self.target[1])
        return met[column.rows]


@dataclass
class Grading:
    """Grades, distances and per-parameter verdicts of every product of a category against one original."""

    grade: np.ndarray  # int8 DROP_IN / FUNCTIONAL / SIMILAR, unknown values counting against
    evidence_grade: np.ndarray  # the same judging only values known on both sides (for declared substitutes)
    distance: np.ndarray  # 0 (identical) … 1 (nothing alike)
    verdicts: dict[str, np.ndarray]  # parameter code -> verdict per product
    needs_met: dict[str, np.ndarray]  # need text -> met per product


def grade_candidates(category: Category, original: dict[str, Target], columns: dict[str, Column],
                     needs: list[Need], count: int) -> Grading:
    """Grade `count` products (the rows of `columns`) as substitutes for a part with values `original`."""
    key_equal = np.ones(count, dtype=bool)  # every key known and equal
    key_possible = np.ones(count, dtype=bool)  # no key known to differ
    worse = np.zeros(count, dtype=bool)  # a performance parameter worse (any)
    worse_unexcused = np.zeros(count, dtype=bool)  # … with no stated need to excuse it
    unknown = np.zeros(count, dtype=bool)  # a performance value the candidate does not state
    needs_met = {need.text: need.met(columns[need.definition.code]) for need in needs}
    all_needs_met = np.logical_and.reduce([*needs_met.values(), np.ones(count, dtype=bool)])
    no_need_failed = np.ones(count, dtype=bool)
    for need in needs:
        no_need_failed &= needs_met[need.text] | columns[need.definition.code].missing()
    needed = {need.definition.code for need in needs}
    verdicts: dict[str, np.ndarray] = {}
    distance = np.zeros(count)
    weights = 0.0
    for definition in category.parameters:
        target = original.get(definition.code)
        column = columns[definition.code]
        if definition.key:
            verdict = (np.full(count, UNKNOWN, dtype=np.int8) if target is None
                       else compare(column, target, Comparison.equal))
            key_equal &= verdict == EQUAL
            key_possible &= verdict != WORSE
        elif target is None:
            continue
        else:
            verdict = compare(column, target, definition.comparison)
            worse |= verdict == WORSE
            if definition.code not in needed:
                worse_unexcused |= verdict == WORSE
            unknown |= verdict == UNKNOWN
        verdicts[definition.code] = verdict
        if target is not None:
            weight = KEY_WEIGHT if definition.key else PERFORMANCE_WEIGHT
            distance += weight * _distance(column, target)
            weights += weight
    functional = key_equal & ~worse_unexcused & all_needs_met
    drop_in = functional & ~worse & ~unknown
    evidence_functional = key_possible & ~worse_unexcused & no_need_failed
    evidence_drop_in = evidence_functional & ~worse
    return Grading(
        grade=np.where(drop_in, DROP_IN, np.where(functional, FUNCTIONAL, SIMILAR)).astype(np.int8),
        evidence_grade=np.where(evidence_drop_in, DROP_IN,
                                np.where(evidence_functional, FUNCTIONAL, SIMILAR)).astype(np.int8),
        distance=distance / weights if weights else distance, verdicts=verdicts, needs_met=needs_met)


def _distance(column: Column, target: Target) -> np.ndarray:
    """Per product, 0 … 1: texts 0 when equal; numbers by the gap over the category's spread (log scale
    when every value is positive, so 9 A against 12 A counts like 90 A against 120 A); missing counts 1."""
    if column.textual_kind:
        gap = np.ones(column.empty + 1)
        if target in column.vocabulary:
            gap[column.vocabulary[target]] = 0.0
        return gap[column.rows]
    bounds = [(column.low, target[0]), (column.high, target[1])]
    if column.high is column.low and target[0] == target[1]:
        bounds = bounds[:1]
    gap = np.zeros(len(column.low))
    with np.errstate(invalid="ignore", divide="ignore"):
        for values, goal in bounds:
            if not math.isfinite(goal):
                gap += np.where(values == goal, 0.0, 1.0)
            elif column.log_span is not None and goal > 0:
                gap += np.abs(np.log(values) - math.log(goal)) / column.log_span
            else:
                gap += np.abs(values - goal) / column.span
    gap /= len(bounds)
    return np.minimum(np.nan_to_num(gap, nan=1.0, posinf=1.0), 1.0)[column.rows]


def differences(category: Category, original: dict[str, ParamValue], columns: dict[str, Column],
                grading: Grading, index: int) -> list[Difference]:
    """The parameters where product `index` differs from the original (or cannot be compared), with verdicts."""
    found = []
    for definition in category.parameters:
        verdict = grading.verdicts.get(definition.code)
        if verdict is None:
            continue
        value = original.get(definition.code)
        shown_original = display_value(definition, value) if value else None
        shown_candidate = columns[definition.code].display(index)
        name = VERDICTS[int(verdict[index])]
        if name == "equal" and shown_original == shown_candidate:
            continue
        found.append(Difference(definition.code, shown_original, shown_candidate, name, definition.unit))
    return found
