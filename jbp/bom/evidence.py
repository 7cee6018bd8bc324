"""What a BOM line's words say about the part (`交流接触器 9A 220V 3P`, `RES 4.7K OHM 1/16W 1% 0402`,
`M8x25 12.9级`), and whether a catalog product agrees.

Values are read with jbp.units (RKM `4k7`, packed `2.2KΩ 1/4W`); a bare number or multiplier only
counts in the value column, where the designator says its unit (`R` ohms, `C` farads, `L` henries).
Words are kept folded to meet enum values (`3P`, `0603`, `12.9`, `M8`).

A product *agrees* with a value when one of its parameters of that unit holds it; it *contradicts* it
only when the line gives one value of that unit and every parameter of that unit holds another value. A
catalog description copied into a BOM ("2.2kW(400V), coil AC24V") names several voltages; none of them
then contradicts anything. A value that is part of one of the product's own text values ("2m PVC电缆")
is explained by it, not a contradiction.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from jbp.catalog.models import Category, ParameterDef, ParamKind
from jbp.units import format_quantity, try_parse_quantity

_BOUNDARY = re.compile(r"(?<=[\u3400-\u9fff])(?=[0-9A-Za-z±+\-~])|(?<=[0-9A-Za-z%Ω℃°])(?=[\u3400-\u9fff])")
_SPLIT = re.compile(r"[\s,;，；、()（）\[\]{}<>|:：]+")
_SUB_SPLIT = re.compile(r"[/_]")
_SCREW = re.compile(r"(M\d+(?:\.\d+)?)[xX×*](\d+(?:\.\d+)?)(?:mm)?")
_NUMERIC_KINDS = (ParamKind.numeric, ParamKind.range)
_ROLE_WORDS = {"length": "长度"}
_CURRENT_WORDS = {"AC", "DC", "AC/DC", "交流", "直流", "交直流"}
_HAS_DIGIT = re.compile(r"[0-9０-９]")
RELATIVE_TOLERANCE = 1e-6
DESIGNATOR_UNITS = {"R": "Ω", "RN": "Ω", "C": "F", "L": "H", "FB": "Ω"}


@dataclass(frozen=True, slots=True)
class Reading:
    """A value found in the text, in SI: one value, or a range (low, high)."""

    source: str
    unit: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    role: str | None = None  # what the value is, when the text says (the 25 of M8x25 is a length)


@dataclass
class Evidence:
    readings: list[Reading] = field(default_factory=list)
    words: set[str] = field(default_factory=set)  # folded tokens
    text: str = ""  # every text the evidence came from, folded, for category names

    def __bool__(self) -> bool:
        return bool(self.readings or self.words)


class Held(NamedTuple):
    """A product's value of one parameter, as stored (a light tuple: a quote compares thousands)."""

    num: float | None
    num_min: float | None
    num_max: float | None
    text: str | None


@dataclass
class Verdict:
    agrees: list[str] = field(default_factory=list)
    contradicts: list[str] = field(default_factory=list)


@lru_cache(maxsize=65536)
def fold_word(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper()


def gather_evidence(texts: Sequence[tuple[str, str | None]]) -> Evidence:
    """Readings and words of (text, unit of a bare number or None) pairs; the unit applies to value cells."""
    evidence = Evidence()
    folded = []
    for text, bare_unit in texts:
        normal = unicodedata.normalize("NFKC", text)
        folded.append(normal.lower())
        tokens = [t for t in _SPLIT.split(_BOUNDARY.sub(" ", normal)) if t]
        skip = read_before = False
        for position, token in enumerate(tokens):
            if skip:
                skip = False
                continue
            following = tokens[position + 1] if position + 1 < len(tokens) else None
            if fold_word(token) in _CURRENT_WORDS and (read_before or _reads(following)):
                continue  # the DC of "24V DC" belongs to the voltage, not to a parameter of its own
            evidence.words.add(fold_word(token))
            count = len(evidence.readings)
            skip = _read_token(token, following, bare_unit, evidence)
            read_before = len(evidence.readings) > count
    evidence.text = " ".join(folded)
    return evidence


def _reads(token: str | None) -> bool:
    return (token is not None and _HAS_DIGIT.search(token) is not None
            and (quantity := try_parse_quantity(token)) is not None and bool(quantity.unit))


def _read_token(token: str, following: str | None, bare_unit: str | None, evidence: Evidence) -> bool:
    """Add what `token` says; True when it used the following token too (`220 OHM`)."""
    if _HAS_DIGIT.search(token) is None:
        return False  # words (交流接触器, OHM, AC) are no values by themselves
    screw = _SCREW.fullmatch(token)
    if screw:
        evidence.words.add(fold_word(screw[1]))
        evidence.readings.append(Reading(token, "m", float(screw[2]) / 1000, role="length"))
        return False
    if _add_reading(token, bare_unit, evidence):
        return False
    bare = try_parse_quantity(token)
    if (following and following.isalpha() and bare is not None and not bare.unit
            and _add_reading(f"{token}{following}", None, evidence)):  # 4.7K OHM, 220 OHM
        return True
    if _SUB_SPLIT.search(token):
        for part in filter(None, _SUB_SPLIT.split(token)):
            evidence.words.add(fold_word(part))
            _add_reading(part, bare_unit, evidence)
    return False


def _add_reading(text: str, bare_unit: str | None, evidence: Evidence) -> bool:
    quantity = try_parse_quantity(text)
    if quantity is not None and quantity.unit == "" and bare_unit:
        quantity = try_parse_quantity(text, bare_unit)
    if quantity is None or not quantity.unit:
        return False
    if quantity.value is not None:
        evidence.readings.append(Reading(text, quantity.unit, quantity.value))
    elif quantity.min is not None and quantity.max is not None:
        evidence.readings.append(Reading(text, quantity.unit, low=quantity.min, high=quantity.max))
    else:
        return False
    return True


def judge(evidence: Evidence, category: Category, values: dict[str, Held]) -> Verdict:
    """Where the product's parameter values agree with the line's readings and words, and where they do not."""
    verdict = Verdict()
    by_unit: dict[str, list[ParameterDef]] = {}
    for definition in category.parameters:
        if definition.kind in _NUMERIC_KINDS and definition.unit:
            by_unit.setdefault(definition.unit, []).append(definition)
    texts = [fold_word(v.text) for v in values.values() if v.text]
    readings = [r for r in evidence.readings if not any(fold_word(r.source) in text for text in texts)]
    per_unit = Counter(reading.unit for reading in readings)
    for reading in readings:
        definitions = candidates_for(reading, by_unit)
        if not definitions:
            continue
        known = [(d, values[d.code]) for d in definitions if d.code in values]
        fitting = next((d for d, v in known if _fits(reading, v)), None)
        if fitting is not None:
            verdict.agrees.append(f"{fitting.code} {reading.source}")
        elif (per_unit[reading.unit] == 1 and reading.value is not None and len(known) == len(definitions)
              and all(d.kind == ParamKind.numeric and v.num is not None for d, v in known)):
            held = ", ".join(f"{d.code} {format_quantity(v.num, d.unit)}" for d, v in known)
            verdict.contradicts.append(f"the BOM says {reading.source}, the catalog {held}")
    for definition in category.parameters:
        if definition.kind != ParamKind.enum or definition.code not in values:
            continue
        hits = {fold_word(a) for a in definition.allowed_values} & evidence.words
        if not hits:
            continue
        held = fold_word(values[definition.code].text or "")
        if held in hits:
            verdict.agrees.append(f"{definition.code} {values[definition.code].text}")
        elif len(hits) == 1 and not any(next(iter(hits)) in text for text in texts if text != held):
            verdict.contradicts.append(f"{definition.code}: the BOM says {hits.pop()}, the catalog "
                                       f"{values[definition.code].text}")
    return verdict


def candidates_for(reading: Reading, by_unit: dict[str, list[ParameterDef]]) -> list[ParameterDef]:
    """The parameters a reading may be a value of: those of its unit, or the one its role names."""
    definitions = by_unit.get(reading.unit, [])
    if reading.role and len(definitions) > 1:
        named = [d for d in definitions if reading.role in (d.code, (d.name_en or "").lower(), d.dimension)
                 or _ROLE_WORDS.get(reading.role, "~") in (d.name_zh or "")]
        return named or definitions
    return definitions


def _fits(reading: Reading, value: Held) -> bool:
    if reading.value is not None:
        if value.num is not None:
            return math.isclose(value.num, reading.value, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-15)
        if value.num_min is not None and value.num_max is not None:
            return value.num_min <= reading.value <= value.num_max
        return False
    if value.num_min is None or value.num_max is None:
        return False
    return (math.isclose(value.num_min, reading.low, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-9)
            and math.isclose(value.num_max, reading.high, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-9))
