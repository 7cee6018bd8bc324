"""`--where` text -> typed predicates, and the products each one selects from a category's columns.

Grammar: `NAME OP VALUE`, NAME a parameter's code, zh or en name or alias; OP one of `=` `!=` `>` `>=` `<`
`<=` (also `==` `≥` `≤` `≠`, full width or not), `in` with a list (`poles in (3P, 4P)`), or `~` (text
contains). Values are never turned into patterns: `~.*` looks for the two characters `.*`.

Meaning, by the parameter's kind:
- numeric: values are read with jbp.units in the parameter's unit (`>=9000mA` is `>=9A`; a bare number
  is in the declared SI unit; another dimension is an error). `=` is equal within a relative 1e-9;
  `=10..30V` means within the range (ends included). `220VAC` also asks the value's current to be AC
  (a value marked AC/DC serves either).
- range (a product rated `10..30 V`): `=24V` means the range covers 24 V, `=12..24V` that it covers the
  whole of 12..24 V; `>=` and `>` look at the upper end (it reaches that high), `<=` and `<` at the lower.
- enum, text, bool: equality ignores case, width and separators (as the importer reads values); an enum
  value must be one of its allowed values; `~` is a case-insensitive substring test.
- `in (a, b)` is `= a` or `= b`. A product missing the parameter never matches, not even `!=`
  (`poles!=3P` means "has poles, and not 3P"), the way SQL treats NULL.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from jbp import units
from jbp.catalog.importers.headers import fold_header
from jbp.catalog.selection.columnar import ParamColumns
from jbp.catalog.selection.specs import NUMBER_KINDS, CategorySpec, ParamSpec, close_names
from jbp.errors import Location, NotFoundError, RuleSyntaxError, UnitError

RELATIVE_TOLERANCE = 1e-9
_OPERATOR = re.compile(r"!=|>=|<=|==|=|>|<|~|≥|≤|≠|≧|≦|\s+in(?=\s*\()|\s+in\s", re.IGNORECASE)
_CANONICAL = {"==": "=", "≥": ">=", "≧": ">=", "≤": "<=", "≦": "<=", "≠": "!="}
_ITEM = re.compile(r"""\s*("[^"]*"|'[^']*'|[^,、;"']+)\s*(?:[,、;]|\Z)""")
_CURRENTS_SERVED = {"AC": ("AC", "AC/DC"), "DC": ("DC", "AC/DC"), "AC/DC": ("AC/DC",)}
_TEXT_OPERATORS = ("=", "!=", "in", "~")


@dataclass(frozen=True)
class Bound:
    """A numeric operand in SI: one value (low == high) or a closed range, with an optional AC/DC."""

    low: float
    high: float
    current: str | None = None

    @property
    def is_single(self) -> bool:
        return self.low == self.high


@dataclass(frozen=True)
class Predicate:
    text: str  # as written (normalised), shown beside the values it matched
    param: ParamSpec
    op: str  # = != > >= < <= in ~
    bounds: tuple[Bound, ...] = ()  # numeric and range parameters
    words: tuple[str, ...] = ()  # enum/text/bool: folded values (`~`: case-folded substring)

    def mask(self, columns: ParamColumns) -> np.ndarray:
        """Which products of the category satisfy the predicate (missing values never do)."""
        if self.param.kind == "numeric":
            return self._numeric_mask(columns)
        if self.param.kind == "range":
            return self._range_mask(columns)
        return self._text_mask(columns)

    def _numeric_mask(self, columns: ParamColumns) -> np.ndarray:
        values = columns.arrays["num"]

        def equal(bound: Bound) -> np.ndarray:
            inside = (values >= bound.low - _tolerance(bound.low)) & (values <= bound.high + _tolerance(bound.high))
            return inside & _current_served(columns, bound.current)

        return self._compare(columns, equal, values, values, ~np.isnan(values))

    def _range_mask(self, columns: ParamColumns) -> np.ndarray:
        low, high = columns.arrays["lo"], columns.arrays["hi"]

        def covers(bound: Bound) -> np.ndarray:
            inside = (low <= bound.low + _tolerance(bound.low)) & (high >= bound.high - _tolerance(bound.high))
            return inside & _current_served(columns, bound.current)

        return self._compare(columns, covers, low, high, ~np.isnan(low))

    def _compare(self, columns: ParamColumns, equal: Callable[[Bound], np.ndarray], lower_end: np.ndarray,
                 upper_end: np.ndarray, present: np.ndarray) -> np.ndarray:
        """`=`, `in` and `!=` through `equal`; an inequality on the end of the value it concerns."""
        if self.op in ("=", "in"):
            selected = equal(self.bounds[0])
            for bound in self.bounds[1:]:
                selected = selected | equal(bound)
            return selected
        if self.op == "!=":
            return present & ~equal(self.bounds[0])
        bound = self.bounds[0]
        limit, slack = bound.low, _tolerance(bound.low)
        if self.op == ">=":
            compared = upper_end >= limit - slack
        elif self.op == ">":
            compared = upper_end > limit + slack
        elif self.op == "<=":
            compared = lower_end <= limit + slack
        else:
            compared = lower_end < limit - slack
        return compared & _current_served(columns, bound.current)

    def _text_mask(self, columns: ParamColumns) -> np.ndarray:
        codes = columns.arrays["codes"]
        if self.op == "~":
            matching = [i for i, value in enumerate(columns.casefolded_vocab) if any(w in value for w in self.words)]
        else:
            matching = [i for i, value in enumerate(columns.folded_vocab) if value in self.words]
        selected = _member(codes, matching, len(columns.vocab))
        return (codes >= 0) & ~selected if self.op == "!=" else selected


def _tolerance(value: float) -> float:
    return RELATIVE_TOLERANCE * abs(value) if np.isfinite(value) else 0.0


def _current_served(columns: ParamColumns, current: str | None) -> np.ndarray | bool:
    """True where the value's AC/DC serves `current` (everywhere when the query names none)."""
    if current is None:
        return True
    codes = columns.arrays.get("current")
    wanted = [i for i, kind in enumerate(columns.currents) if kind in _CURRENTS_SERVED[current]]
    if codes is None or not wanted:
        return False
    return _member(codes, wanted, len(columns.currents))


def _member(codes: np.ndarray, wanted: list[int], size: int) -> np.ndarray:
    """codes ∈ wanted: a comparison per wanted code when they are few, else one table lookup (np.isin
    sorts); in the table, code -1 (missing) reads the last slot, which is always False."""
    if len(wanted) <= 3:
        selected = codes == wanted[0] if wanted else np.zeros(len(codes), bool)
        for code in wanted[1:]:
            selected |= codes == code
        return selected
    table = np.zeros(size + 1, bool)
    table[wanted] = True
    return table[codes]


# ----------------------------------------------------------------------------------------------- parsing


def parse_where(text: str, category: CategorySpec) -> Predicate:
    """One `--where` condition; RuleSyntaxError pointing at the problem, NotFoundError for unknown names,
    UnitError for a unit of another dimension than the parameter's."""
    normalised = unicodedata.normalize("NFKC", text).strip()
    match = _OPERATOR.search(normalised)
    if match is None:
        raise RuleSyntaxError("expected NAME OP VALUE with OP one of = != > >= < <= in ~ (e.g. rated_current>=9A)",
                              normalised, 1, 1)
    name, value = normalised[:match.start()].strip(), normalised[match.end():].strip()
    op = match.group().strip().lower()
    op = _CANONICAL.get(op, op)
    if not name:
        raise RuleSyntaxError(f"missing the parameter name before {op!r}", normalised, 1, 1)
    if not value:
        raise RuleSyntaxError(f"missing the value after {op!r}", normalised, 1, len(normalised) + 1)
    param = category.require_parameter(name)
    value_column = len(normalised) - len(normalised[match.end():].lstrip()) + 1
    items = _list_items(value, normalised, value_column) if op == "in" else [(_unquoted(value), value_column)]
    if param.kind in NUMBER_KINDS:
        if op == "~":
            raise RuleSyntaxError(f"{param.label} is {param.kind}: '~' (contains) is for text parameters",
                                  normalised, 1, match.start() + 1)
        bounds = tuple(_bound(param, item, op, normalised, column) for item, column in items)
        return Predicate(normalised, param, op, bounds=bounds)
    if op not in _TEXT_OPERATORS:
        raise RuleSyntaxError(f"{param.label} is {param.kind}: use =, !=, in or ~", normalised, 1,
                              match.start() + 1)
    words = tuple(_word(param, item, op, normalised, column) for item, column in items)
    return Predicate(normalised, param, op, words=words)


def _unquoted(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _list_items(value: str, text: str, column: int) -> list[tuple[str, int]]:
    """`(3P, 4P)` or `3P, 4P` -> [("3P", column), ("4P", column)]; empty items are an error."""
    inner, offset = value, column
    if value.startswith("("):
        if not value.endswith(")"):
            raise RuleSyntaxError("missing ')' at the end of the list", text, 1, len(text) + 1)
        inner, offset = value[1:-1], column + 1
    items, position = [], 0
    while position < len(inner):
        match = _ITEM.match(inner, position)
        if match is None or not match.group(1).strip():
            raise RuleSyntaxError("empty or unbalanced item in the list", text, 1, offset + position)
        items.append((_unquoted(match.group(1)), offset + match.start(1)))
        position = match.end()
    if not items or inner.rstrip().endswith((",", "、", ";")):
        raise RuleSyntaxError("empty item in the list", text, 1, offset + len(inner))
    return items


def _bound(param: ParamSpec, item: str, op: str, text: str, column: int) -> Bound:
    try:
        quantity = units.parse_quantity(item, expected_unit=param.unit)
    except UnitError as exc:
        loose = units.try_parse_quantity(item)
        if loose is not None and loose.unit != param.unit:
            measured = f"{param.unit} ({units.dimension_of(param.unit)})" if param.unit else "plain numbers"
            raise UnitError(f"{param.label} is measured in {measured}: {exc.reason}", Location(value=text)) from None
        raise RuleSyntaxError(f"{param.label}: {exc.reason}", text, 1, column) from None
    if quantity.value is not None:
        low = high = quantity.value
    elif quantity.min is None or quantity.max is None:
        raise RuleSyntaxError(f"the value {item!r} carries a comparison of its own; write one operator, "
                              f"as in {param.code}>=VALUE", text, 1, column)
    else:
        low, high = quantity.min, quantity.max
    if low != high and op not in ("=", "!=", "in"):
        raise RuleSyntaxError(f"a range goes with '=' (e.g. {param.code}=10..30{param.unit}), not {op!r}",
                              text, 1, column)
    return Bound(low, high, quantity.current)


def _word(param: ParamSpec, item: str, op: str, text: str, column: int) -> str:
    if not item.strip():
        raise RuleSyntaxError("empty value", text, 1, column)
    if op == "~":
        return unicodedata.normalize("NFKC", item).casefold()
    if param.kind == "bool":
        return fold_header(_bool_text(param, item))
    folded = fold_header(item)
    if param.kind == "enum" and param.allowed_values and folded not in {fold_header(v) for v in param.allowed_values}:
        suggestions = close_names(item, list(param.allowed_values))
        listed = "" if suggestions else f"; its values are {', '.join(param.allowed_values)}"
        raise NotFoundError(f"{param.label} has no value {item!r}{listed}", suggestions)
    return folded


def _bool_text(param: ParamSpec, item: str) -> str:
    """yes/no in any of the spellings catalogs use (是/否, Y/N, √/×), read exactly as the importer does."""
    from jbp.catalog.building import Rejected, parse_parameter
    from jbp.catalog.models import ParameterDef
    from jbp.catalog.records import RawValue

    try:
        return parse_parameter(ParameterDef(code=param.code, kind="bool"), RawValue(item)).text
    except Rejected as exc:
        raise NotFoundError(f"{param.label} is yes/no: {item!r} is neither ({exc.reason})") from None
