"""Quantities as industrial catalogs and BOMs write them, read into SI value + unit + the source text.

Our own parser because pint reads ~7k values/s, fails on ``220VAC`` and ``M8x1.25``, and knows neither
RKM codes (``4k7``) nor Chinese unit words (毫米, 千欧); imports read hundreds of thousands of cells.

Decisions (each pinned by tests/test_units.py):
- Values are SI (``10kΩ`` -> 10000 Ω, ``6.3 mm`` -> 0.0063 m) except where catalogs compare in another
  unit: temperature stays °C, angles °, percent in points (``5%`` -> 5.0), speed rpm, flow L/min.
- Bounds: ``10-30V``, ``-25~+70℃``, ``10 to 30 V`` give min/max and value None; ``±5%`` gives value 5,
  min -5, max 5; ``≥10 mm`` gives min only; ``10kΩ ±5%`` gives tolerance 0.05 (a fraction).
- Commas: ``1,000`` / ``1,000,000`` separate thousands (BOM quantities); one comma followed by one or two
  digits (``1,20``), or after a lone 0 (``0,500``), is a decimal comma; any other comma is refused.
  ``decimal_comma=True`` reads European numbers: the comma is the decimal point and a dot only separates
  thousands (``1.250,5`` -> 1250.5, ``1,250`` -> 1.25); any other dot is refused (``1.5`` could be either).
- Case: units match exactly first (``M`` mega, ``m`` metre, ``mW`` and ``MW`` differ; ``K`` is kilo),
  then ignoring case where that is unambiguous (``MM``, ``Mpa``, ``KHZ``, ``OHM``; not ``NM``), but never
  against a first letter written in mixed case (``mPa`` is not MPa, ``Ma`` not mA).
- Fractions are the inch kind only: proper, over 2, 4, 8, 16, 32 or 64 (``1/4W``, ``3/8"``, ``1½"``); a
  dual rating such as ``230/400 V`` or ``50/60 Hz`` is refused, not divided. ``10⁶`` is a power of ten.
- RKM (IEC 60062): ``4k7``, ``1K2``, ``4μ7``, ``8p2``; ``R`` means ohms (``2R2``, ``R47``, ``0R``). ``m`` is
  not an RKM letter, so ``1m2`` is 1 m².
- A bare number is in ``expected_unit`` as written (``6.3`` expecting ``mm`` -> 0.0063 m); a bare multiplier
  (``10K``, ``4k7``) scales the SI unit of ``expected_unit`` when that is Ω, F or H (the RKM trades), a
  count takes ``10k`` or ``2万`` but never ``3p``, and it is refused elsewhere (``5M`` of cable is not 5 Mm,
  ``500G`` not gigagrams); with no expected unit the unit is "".
- AC/DC comes from ``220VAC``, ``AC220V``, ``24 V DC``, ``交流220V``, ``220V~``, for V, A and W only.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import NoReturn

from jbp.errors import Location, UnitError

_PREFIX_EXPONENTS = {"p": -12, "n": -9, "u": -6, "μ": -6, "m": -3, "c": -2, "k": 3, "K": 3, "M": 6, "G": 9}
_CJK_PREFIXES = {"p": "皮", "n": "纳", "u": "微", "μ": "微", "m": "毫", "c": "厘", "k": "千", "K": "千",
                 "M": "兆", "G": "吉"}
# Multipliers standing alone: "10K" (unit from expected_unit), RKM "4k7", Chinese "2万" (2 × 10^4).
_MULTIPLIERS = {**{p: e for p, e in _PREFIX_EXPONENTS.items() if p not in "mc"}, "万": 4}
_FORMAT_PREFIXES = {-12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G"}

# normalised unit, dimension, decimal exponent, factor, allowed prefixes, aliases (Latin prefixes go on
# Latin aliases, their Chinese counterparts on Chinese ones: 千欧, 毫米, 兆帕).
_UNIT_ROWS = (
    ("Ω", "resistance", 0, 1, "mkKMG", "Ω ohm ohms Ohm 欧 欧姆"),
    ("F", "capacitance", 0, 1, "pnuμ", "F 法 法拉"),
    ("H", "inductance", 0, 1, "nuμm", "H 亨 亨利"),
    ("W", "power", 0, 1, "mkKM", "W 瓦 瓦特"),
    ("V", "voltage", 0, 1, "μumkK", "V 伏 伏特"),
    ("A", "current", 0, 1, "nμumkK", "A 安 安培"),
    ("Hz", "frequency", 0, 1, "kKMG", "Hz 赫 赫兹"),
    ("m", "length", 0, 1, "nμumck", "m 米"),
    ("m", "length", 0, 0.0254, "", 'in inch inches " 英寸'),
    ("m", "length", -5, 1, "", "丝"),  # 0.01 mm, the Chinese machinist's unit
    ("m²", "area", -6, 1, "", "mm2 平方毫米"),
    ("m²", "area", -4, 1, "", "cm2 平方厘米"),
    ("m²", "area", 0, 1, "", "m2 平方米"),
    ("m³", "volume", -3, 1, "m", "L l 升"),
    ("m³", "volume", -6, 1, "", "cm3 cc 立方厘米"),
    ("m³", "volume", 0, 1, "", "m3 立方米"),
    ("kg", "mass", -3, 1, "mkK", "g 克"),
    ("kg", "mass", 0, 1, "", "公斤"),
    ("kg", "mass", 3, 1, "", "t 吨"),
    ("s", "time", 0, 1, "nμum", "s sec 秒"),
    ("s", "time", 0, 60, "", "min 分钟"),
    ("s", "time", 0, 3600, "", "h hr hrs 小时"),
    ("s", "time", 0, 86400, "", "d day days 天"),
    ("Pa", "pressure", 0, 1, "kKMG", "Pa 帕"),
    ("Pa", "pressure", 5, 1, "m", "bar 巴"),
    ("Pa", "pressure", 0, 6894.757293168361, "", "psi"),
    ("Pa", "pressure", 0, 98066.5, "", "kgf/cm2"),
    ("N", "force", 0, 1, "mkK", "N 牛"),
    ("N·m", "torque", 0, 1, "mkK", "N·m Nm N.m N*m 牛·米 牛米"),
    ("°C", "temperature", 0, 1, "", "°C degC 摄氏度"),
    ("°", "angle", 0, 1, "", "° deg"),
    ("%", "percentage", 0, 1, "", "%"),
    ("rpm", "rotational speed", 0, 1, "", "rpm r/min 转/分 转/分钟"),
    ("L/min", "flow rate", 0, 1, "", "L/min l/min LPM 升/分 升/分钟"),
    ("L/min", "flow rate", 0, 50 / 3, "", "m3/h 立方米/小时"),
    ("", "number", 0, 1, "", "pcs pc ea 个 只 件"),
    # UN/ECE Recommendation 20 codes, which BMEcat files give as FUNIT (0.28 MTR, 4.158 KGM)
    ("m", "length", 0, 1, "", "MTR"), ("m", "length", -2, 1, "", "CMT"), ("m", "length", -3, 1, "", "MMT"),
    ("m", "length", 3, 1, "", "KMT"), ("m", "length", 0, 0.0254, "", "INH"), ("m", "length", 0, 0.3048, "", "FOT"),
    ("m²", "area", 0, 1, "", "MTK"), ("m²", "area", -4, 1, "", "CMK"), ("m²", "area", -6, 1, "", "MMK"),
    ("m³", "volume", 0, 1, "", "MTQ"), ("m³", "volume", -6, 1, "", "CMQ"), ("m³", "volume", -3, 1, "", "LTR"),
    ("m³", "volume", -6, 1, "", "MLT"), ("kg", "mass", 0, 1, "", "KGM"), ("kg", "mass", -3, 1, "", "GRM"),
    ("kg", "mass", -6, 1, "", "MGM"), ("kg", "mass", 3, 1, "", "TNE"), ("s", "time", 0, 1, "", "SEC"),
    ("s", "time", 0, 60, "", "MIN"), ("s", "time", 0, 3600, "", "HUR"), ("s", "time", 0, 86400, "", "DAY"),
    ("°C", "temperature", 0, 1, "", "CEL"), ("V", "voltage", 0, 1, "", "VLT"), ("V", "voltage", 3, 1, "", "KVT"),
    ("A", "current", 0, 1, "", "AMP"), ("W", "power", 0, 1, "", "WTT"), ("W", "power", 3, 1, "", "KWT"),
    ("W", "power", 6, 1, "", "MAW"), ("Hz", "frequency", 0, 1, "", "HTZ"), ("N", "force", 0, 1, "", "NEW"),
    ("N·m", "torque", 0, 1, "", "NU"), ("Pa", "pressure", 0, 1, "", "PAL"), ("Pa", "pressure", 5, 1, "", "BAR"),
    ("Ω", "resistance", 0, 1, "", "OHM"), ("F", "capacitance", 0, 1, "", "FAR"),
)
_DIMENSIONS = {row[0]: row[1] for row in _UNIT_ROWS}
_Meaning = tuple[str | None, int, float]  # normalised unit (None: a bare multiplier), exponent, factor
_NUMBER = ("", 0, 1)
_OHMS = ("Ω", 0, 1)
_BARE_MULTIPLIER = (None, 0, 1)  # an RKM code without a unit: the unit comes from expected_unit


def _build_unit_tables() -> tuple[dict, dict, dict]:
    """Alias -> (normalised unit, exponent, factor); lower-cased alias -> (the same, the first letters its
    spellings have) where unambiguous; normalised unit -> (symbol, exponent, prefix exponents) for formatting."""
    exact: dict[str, tuple[str, int, float]] = {}
    formats: dict[str, tuple[str, int, list[int]]] = {}
    for unit, _dimension, exponent, factor, prefixes, aliases in _UNIT_ROWS:
        for alias in aliases.split():
            exact[alias] = (unit, exponent, factor)
            chinese = alias[0] >= "\u4e00"
            for prefix in prefixes:
                written = (_CJK_PREFIXES[prefix] if chinese else prefix) + alias
                exact[written] = (unit, exponent + _PREFIX_EXPONENTS[prefix], factor)
        if prefixes and factor == 1 and unit not in formats:
            steps = {_PREFIX_EXPONENTS[p] for p in prefixes} & _FORMAT_PREFIXES.keys() | {0}
            formats[unit] = (aliases.split()[0], exponent, sorted(steps, reverse=True))
    by_folded: dict[str, set] = {}
    first_letters: dict[str, set] = {}
    for alias, meaning in exact.items():
        by_folded.setdefault(alias.lower(), set()).add(meaning)
        first_letters.setdefault(alias.lower(), set()).add(alias[0])
    folded = {alias: (meanings.pop(), "".join(first_letters[alias]))
              for alias, meanings in by_folded.items() if len(meanings) == 1}
    return exact, folded, formats


_UNITS, _FOLDED_UNITS, _FORMATS = _build_unit_tables()

_LETTER = r"[^\W\d_]"
_UNIT = rf"""(?:{_LETTER}|[°%"'])(?:{_LETTER}|[°%"'/·*]|\.(?={_LETTER})|(?<={_LETTER})[23](?![0-9.]))*"""
_SIDE = r"""(?P<{s}sign>[-+±]?)\s*
    (?: (?P<{s}rkm>[0-9]+[pnuμkKMGR][0-9]+|R[0-9]+|[0-9]+R(?!{letter}))
      | (?P<{s}num>[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)(?:[eE](?P<{s}exp>[-+]?[0-9]{{1,3}}))?
        (?:/(?P<{s}den>[0-9]+))? )
    \s*(?P<{s}unit>{unit})?"""
# The one tokenizer: [comparison] side [separator side], a side being sign, number or RKM code, unit.
_LOW, _HIGH = (_SIDE.format(s=side, letter=_LETTER, unit=_UNIT) for side in ("lo_", "hi_"))
_QUANTITY = re.compile(
    rf"(?P<cmp>[<>]=?|[≤≥])?\s*{_LOW}(?:\s*(?P<sep>\.\.\.?|~|-|to|至|到)\s*{_HIGH})?\Z", re.VERBOSE
)
_SIDE_GROUPS = {side: tuple(side + name for name in ("sign", "rkm", "num", "exp", "den"))
                for side in ("lo_", "hi_")}
_PLAIN = re.compile(r"([0-9]{1,15}(?:\.[0-9]{1,15})?) ?([A-Za-zΩμ°%]*)")  # short enough to stay finite
_RKM_PARTS = re.compile(r"([0-9]*)(.)([0-9]*)")
_THOUSANDS = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}|0,[0-9]+")  # thousands are never grouped after a lone 0
_TOLERANCE = re.compile(r"\s*\(?\s*±\s*([0-9]+(?:[.,][0-9]+)?)\s*%\s*\)?\Z")
_EUROPEAN_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)*")
_EUROPEAN_GROUPS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?")
_INCH_DENOMINATORS = {2, 4, 8, 16, 32, 64}
_RKM_UNITS = {"Ω", "F", "H"}  # where a bare multiplier (10K, 4n7) is a trade's way of writing the unit
_VULGAR = re.compile(r"([0-9]*)([½¼¾⅛⅜⅝⅞])")  # before NFKC, which would make 1½ read 11/2
_VULGAR_DECIMALS = {"½": ".5", "¼": ".25", "¾": ".75", "⅛": ".125", "⅜": ".375", "⅝": ".625", "⅞": ".875"}
_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPT_DIGITS, "0123456789")
_POWER = re.compile(rf"([0-9]+)(⁻?)([{_SUPERSCRIPT_DIGITS}]+)")  # before NFKC, which would make 10⁶ read 106
_CURRENT_WORD = r"AC/DC|DC/AC|AC|DC|交直流|交流|直流"
_CURRENT = re.compile(
    rf"(?P<pre>{_CURRENT_WORD})?\s*(?P<rest>.*?)\s*(?P<post>{_CURRENT_WORD}|(?<={_LETTER})~)?", re.I | re.S
)
_CURRENT_KINDS = {"ac": "AC", "dc": "DC", "ac/dc": "AC/DC", "dc/ac": "AC/DC", "交流": "AC", "直流": "DC",
                  "交直流": "AC/DC", "~": "AC"}
_PER_MINUTE = re.compile(r"min\^?-1(?![0-9])")
_CHARACTERS = str.maketrans({"−": "-", "–": "-", "—": "-", "〜": "~", "∼": "~", "⁄": "/", "•": "·",
                             "⋅": "·", "∙": "·", "・": "·", "≧": "≥", "≦": "≤"})
_MAX_LENGTH = 200  # longer text is prose, and the tokenizer backtracks quadratically on it
_ARTICLE_AN = tuple("aeiou")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A parsed quantity in SI (see the module docstring for the exceptions); ``source`` is untouched."""

    value: float | None
    unit: str
    source: str
    min: float | None = None
    max: float | None = None
    current: str | None = None
    tolerance: float | None = None

    @property
    def is_range(self) -> bool:
        """True when the text gave bounds: ``10-30V``, ``±5%``, ``≥10 mm``."""
        return self.min is not None or self.max is not None


@dataclass(frozen=True, slots=True)
class Thread:
    """An ISO metric thread; ``designation`` always states the pitch (``M8`` -> ``M8x1.25``)."""

    designation: str
    nominal_diameter_m: float
    pitch_m: float
    source: str


def parse_quantity(text: str, expected_unit: str | None = None, *, decimal_comma: bool = False) -> Quantity:
    """Read ``text`` as a quantity; UnitError if it is not one or its dimension differs from expected_unit."""
    return _parse_cached(text, expected_unit, decimal_comma)


def try_parse_quantity(
    text: str, expected_unit: str | None = None, *, decimal_comma: bool = False
) -> Quantity | None:
    """Like :func:`parse_quantity`, but None instead of UnitError."""
    try:
        return _parse_cached(text, expected_unit, decimal_comma)
    except UnitError:
        return None


def si_unit(unit: str) -> str:
    """The normalised unit of any alias: ``mm`` -> ``m``, ``千欧`` -> ``Ω``, ``bar`` -> ``Pa``."""
    return _declared_unit(unit, unit, "unit")[0]


def dimension_of(unit: str) -> str:
    """What ``unit`` measures, for messages: ``A`` -> ``current``, ``mm`` -> ``length``."""
    return _DIMENSIONS[si_unit(unit)]


def format_quantity(value: float, unit: str) -> str:
    """SI value -> text with the best prefix (10000, "Ω" -> "10kΩ"), which parse_quantity reads back."""
    if unit not in _DIMENSIONS:
        _fail(unit, f"unknown unit {unit!r}; format_quantity takes a normalised unit such as 'Ω' or 'm'")
    if not math.isfinite(value):
        _fail(repr(value), "cannot format a value that is not finite")
    rounded = float(f"{value:.12g}") or 0.0  # 12 digits; "or" turns -0.0 into 0.0
    if unit not in _FORMATS or rounded == 0:
        return f"{rounded:.12g}{unit}"
    symbol, base, steps = _FORMATS[unit]
    prefix = next((e for e in steps if abs(rounded) >= 10.0 ** (e + base)), steps[-1])
    shift = prefix + base
    mantissa = rounded * 10**-shift if shift < 0 else rounded / 10**shift
    return f"{mantissa:.12g}{_FORMAT_PREFIXES[prefix]}{symbol}"


_THREAD = re.compile(r"\s*M([0-9]+(?:\.[0-9]+)?)(?:\s*[x×*-]\s*([0-9]+(?:\.[0-9]+)?))?\s*", re.IGNORECASE)
_COARSE_PITCH_MM = {  # ISO 261 coarse series
    1: 0.25, 1.2: 0.25, 1.4: 0.3, 1.6: 0.35, 1.8: 0.35, 2: 0.4, 2.5: 0.45, 3: 0.5, 3.5: 0.6, 4: 0.7, 5: 0.8,
    6: 1, 7: 1, 8: 1.25, 10: 1.5, 12: 1.75, 14: 2, 16: 2, 18: 2.5, 20: 2.5, 22: 2.5, 24: 3, 27: 3, 30: 3.5,
    33: 3.5, 36: 4, 39: 4, 42: 4.5, 45: 4.5, 48: 5, 52: 5, 56: 5.5, 60: 5.5, 64: 6,
}


def parse_thread(text: str) -> Thread:
    """Read an ISO metric thread (``M8x1.25``, ``M8×1.25``, ``m8-1.25``, ``M8``); coarse pitch if omitted."""
    match = _THREAD.fullmatch(_normalise_text(text))
    if match is None:
        _fail(text, "not an ISO metric thread (expected e.g. M8 or M8x1.25)")
    diameter = float(match[1])
    if match[2] is None:
        pitch = _COARSE_PITCH_MM.get(diameter)
        if pitch is None:
            example = f"M{diameter:g}x{min(1.0, diameter / 4):g}"  # a pitch it would accept
            _fail(text, f"M{diameter:g} has no ISO 261 coarse pitch; give the pitch, e.g. {example}")
    else:
        pitch = float(match[2])
        # The coarsest ISO pitch is a quarter of the diameter (M1x0.25); "M8x20" is thread × screw length.
        if not 0 < pitch <= diameter / 4:
            _fail(text, f"{pitch:g} mm is not a pitch for M{diameter:g} (a screw length? give it separately)")
    return Thread(f"M{diameter:g}x{pitch:g}", float(f"{diameter!r}e-3"), float(f"{pitch!r}e-3"), text)


def _fail(text: str, reason: str) -> NoReturn:
    raise UnitError(reason, Location(value=text))


def _normalise_text(text: str) -> str:
    """Full-width and compatibility forms to plain ones (NFKC: ２２０Ｖ, ℃, µ, ～, ²), dashes to '-'."""
    if not text.isascii():
        text = _VULGAR.sub(lambda m: m[1] + _VULGAR_DECIMALS[m[2]], text.replace("º", "°"))
        text = _POWER.sub(_power_of_ten, text)
        text = unicodedata.normalize("NFKC", text).translate(_CHARACTERS)
    if "+" in text:
        text = text.replace("+/-", "±").replace("+-", "±")
    if "min" in text:
        text = _PER_MINUTE.sub("rpm", text)
    return text.strip()


def _power_of_ten(match: re.Match) -> str:
    if match[1] != "10":
        _fail(match.string, f"cannot read the superscript in {match[0]!r}: only powers of ten (10⁶) are numbers")
    exponent = match[3].translate(_FROM_SUPERSCRIPT)
    return f"1e{'-' if match[2] else ''}{exponent}"


def _lookup_unit(token: str) -> _Meaning | None:
    meaning = _UNITS.get(token)
    if meaning is None:
        exponent = _MULTIPLIERS.get(token)
        if exponent is not None:
            return None, exponent, 1
        folded = _FOLDED_UNITS.get(token.lower())
        if folded is not None and (token.isupper() or token.islower() or token[0] in folded[1]):
            meaning = folded[0]
    return meaning


@lru_cache(maxsize=256)
def _declared_unit(unit: str, text: str, role: str) -> _Meaning:
    """What a caller-named unit (any alias, any width: ``mm``, ``℃``, ``千欧``) stands for."""
    meaning = _lookup_unit(_normalise_text(unit)) if unit else _NUMBER
    if meaning is None or meaning[0] is None:
        _fail(text, f"unknown {role} {unit!r}")
    return meaning


@lru_cache(maxsize=65536)
def _parse_cached(text: str, expected_unit: str | None, decimal_comma: bool) -> Quantity:
    expected = None if expected_unit is None else _declared_unit(expected_unit, text, "expected unit")
    # Fast path for the commonest shape ("6.3 mm", "10kΩ", "6205"); anything else takes the full road.
    plain = None if decimal_comma else _PLAIN.fullmatch(text)
    if plain is not None:
        meaning = _UNITS.get(plain[2]) if plain[2] else expected or _NUMBER
        if meaning is not None and (expected is None or meaning[0] == expected[0]):
            return Quantity(float(f"{plain[1]}e{meaning[1]}") * meaning[2], meaning[0], text)
    return _parse(text, expected, decimal_comma)


def _parse(text: str, expected: _Meaning | None, decimal_comma: bool) -> Quantity:
    normalised = _normalise_text(text)
    if len(normalised) > _MAX_LENGTH:
        _fail(text, "too long to be a quantity")
    if decimal_comma:
        normalised = european_numbers(normalised, text)
    remaining, current = _split_current(normalised)
    tolerance = None
    if "±" in remaining[1:] and (match := _TOLERANCE.search(remaining)) and match.start() > 0:
        tolerance = float(_plain_digits(match[1], decimal_comma, text)) / 100
        remaining = remaining[: match.start()]
    match = _QUANTITY.match(remaining)
    if match is None:
        if not text.strip():
            _fail(text, "empty value")
        if not any(c.isdigit() for c in remaining):
            _fail(text, "no number in it")
        _fail(text, "not a quantity: expected a number with an optional unit, range (10-30 V) or ±tolerance")
    lo_unit, hi_unit = match["lo_unit"], match["hi_unit"]
    bounds = [_read_side(match, "lo_", lo_unit or hi_unit, expected, decimal_comma, text)]
    if match["sep"]:
        bounds.append(_read_side(match, "hi_", hi_unit or lo_unit, expected, decimal_comma, text))
    unit = bounds[0][1]
    if len(bounds) == 2 and bounds[1][1] != unit:
        _fail(text, f"the range mixes {_describe(unit)} and {_describe(bounds[1][1])}")
    if expected is not None and unit != expected[0]:
        _fail(text, f"{text!r} is {_describe(unit)}, expected {_describe(expected[0])}")
    if current and unit not in ("V", "A", "W"):
        _fail(text, f"{current} applies to a voltage, current or power, not to {_describe(unit)}")
    return _assemble(bounds, match["cmp"], unit, text, current, tolerance)


def european_numbers(normalised: str, text: str) -> str:
    """``1.250,5`` -> ``1250.5``: every number rewritten with a decimal point and no thousands dots; a dot
    that does not group thousands is refused, since ``1.5`` may be a decimal point typed the other way."""
    def rewrite(match: re.Match) -> str:
        number = match[0]
        if "." in number and not _EUROPEAN_GROUPS.fullmatch(number):
            _fail(text, f"in a decimal-comma file a dot only separates thousands, so {number!r} is ambiguous")
        return number.replace(".", "").replace(",", ".")

    return _EUROPEAN_NUMBER.sub(rewrite, normalised)


def _split_current(text: str) -> tuple[str, str | None]:
    """``AC220V``, ``24 V DC``, ``交流220V``, ``220V~`` -> ("220V", "AC"); the cheap test skips most text."""
    ends = {text[:2].upper(), text[-2:].upper()}
    if "AC" not in ends and "DC" not in ends and "流" not in text and text[-1:] != "~":
        return text, None
    match = _CURRENT.fullmatch(text)
    kind = match["pre"] or match["post"]
    if kind is None or (match["pre"] and match["post"]):
        return text, None
    return match["rest"], _CURRENT_KINDS[kind.lower()]


def _read_side(
    match: re.Match, side: str, unit: str | None, expected: _Meaning | None, decimal_comma: bool, text: str
) -> tuple[str, str, float]:
    """One bound as (sign, normalised unit, SI value)."""
    sign, rkm, number, exponent_text, denominator_text = match.group(*_SIDE_GROUPS[side])
    meaning = None
    if unit is not None:
        meaning = _lookup_unit(unit)
        if meaning is None:
            _fail(text, f"unknown unit {unit!r}")
    denominator = 1
    if rkm:
        head, letter, tail = _RKM_PARTS.fullmatch(rkm).groups()
        digits, exponent = f"{head or 0}.{tail or 0}", _MULTIPLIERS.get(letter, 0)
        meaning = meaning or (_OHMS if letter == "R" else _BARE_MULTIPLIER)
    else:
        digits, exponent = _plain_digits(number, decimal_comma, text), int(exponent_text or 0)
        if denominator_text:
            denominator = int(denominator_text)
            if denominator == 0:
                _fail(text, "division by zero")
            if denominator not in _INCH_DENOMINATORS or not digits.isdigit() or int(digits) >= denominator:
                _fail(text, f"{number}/{denominator_text} is not a fraction such as 1/4 or 3/8 (two ratings "
                            "such as 230/400 V or 50/60 Hz? write one value or a range)")
    if meaning is None:  # bare number: in the expected unit as written
        meaning = expected or _NUMBER
    elif meaning[0] is None:  # bare multiplier: scales the expected SI unit
        if expected is not None and expected[0] not in _RKM_UNITS and (expected[0] != "" or meaning[1] < 0):
            # a count may be 10k or 2万, never 3p: that is three poles
            _fail(text, f"{unit or rkm!r} alone is a multiplier, not {_describe(expected[0])}: write the unit")
        meaning = (expected[0] if expected else "", meaning[1], 1)
    value = float(f"{digits}e{exponent + meaning[1]}") / denominator * meaning[2]
    if not math.isfinite(value):
        _fail(text, "not a finite number")
    return sign, meaning[0], -value if sign == "-" else value


def _assemble(bounds: list, comparison: str | None, unit: str, text: str, current, tolerance) -> Quantity:
    if len(bounds) == 2:
        if comparison or "±" in (bounds[0][0], bounds[1][0]):
            _fail(text, "a range cannot also carry ±, <, or >")
        low, high = bounds[0][2], bounds[1][2]
        if low > high:
            _fail(text, "the lower bound of the range is above the upper bound")
        return Quantity(None, unit, text, low, high, current, tolerance)
    sign, _, value = bounds[0]
    if sign == "±":
        if comparison:
            _fail(text, "± cannot be combined with < or >")
        return Quantity(value, unit, text, -value, value, current, tolerance)
    if comparison:
        at_least = comparison[0] in ">≥"
        low, high = (value, None) if at_least else (None, value)
        return Quantity(None, unit, text, low, high, current, tolerance)
    return Quantity(value, unit, text, None, None, current, tolerance)


def _plain_digits(raw: str, decimal_comma: bool, text: str) -> str:
    """Digits with commas resolved by the rule in the module docstring."""
    if "," not in raw:
        return raw
    if decimal_comma:
        if raw.count(",") == 1 and "." not in raw:
            return raw.replace(",", ".")
    elif _THOUSANDS.fullmatch(raw):
        return raw.replace(",", "")
    elif _DECIMAL_COMMA.fullmatch(raw):
        return raw.replace(",", ".")
    _fail(text, f"cannot tell whether the comma in {raw!r} separates decimals or thousands")


def _describe(unit: str) -> str:
    dimension = _DIMENSIONS[unit]
    article = "an" if dimension.startswith(_ARTICLE_AN) else "a"
    return f"{article} {dimension} ({unit})" if unit else f"{article} {dimension}"
