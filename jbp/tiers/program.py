"""Tier programs: levels, their entry criteria and entitlements, read from TOML and checked for sense.

A program is data, not code: the platform changes thresholds and quotas each year. Reading it refuses
malformed tables at once (naming the key); `check_program` then finds what is well-formed but wrong:
criteria ranges that overlap or leave gaps between levels, services the toolkit needs but the program
does not declare, and (as warnings) a higher level granting less than a lower one.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection

from jbp.errors import DataError, Location, NotFoundError
from jbp.store import Store, tiers_rows
from jbp.tiers.kpis import format_value, parse_value

DEFAULT_PROGRAM = Path(__file__).with_name("default_program.toml")
UNSIGNED = "unsigned"


@dataclass(frozen=True, slots=True)
class Criterion:
    """A level entry criterion; its value comes from the agreement when assigning, from actuals when reviewing."""

    code: str
    name_zh: str
    name_en: str
    unit: str  # money | percent

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


CRITERIA: dict[str, Criterion] = {c.code: c for c in (
    Criterion("committed_investment", "年度承诺投入", "Committed annual investment", "money"),
    Criterion("gmv", "年度成交额(GMV)", "Annual GMV", "money"),
    Criterion("catalog_completeness", "商品数字化完整度", "Catalog completeness", "percent"),
    Criterion("model3d_coverage", "3D模型覆盖率", "3D model coverage", "percent"),
)}

# The services other parts of jbp ask about (BOM ordering, CRM messages, 3D hosting, …): every program declares them.
CONTRACT_SERVICES = ("dedicated_account_manager", "response_sla_hours", "traffic_slots", "data_products",
                     "training_seats", "marketing_messages", "model3d_hosting", "bom_ordering", "financing",
                     "logistics")
SERVICE_KINDS = ("quota", "flag", "value")
CADENCES = ("month", "quarter", "year", "total")


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    name_zh: str
    name_en: str
    kind: str  # quota: used up per period | flag: granted or not | value: a number promised, not used up
    per: str | None = None  # the quota's period: month | quarter | year | total
    unit_zh: str = ""
    unit_en: str = ""
    lower_is_better: bool = False

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def unit(self, lang: str) -> str:
        return self.unit_zh if lang == "zh" else self.unit_en


@dataclass(frozen=True, slots=True)
class Grant:
    """What one level gets of one service: quota None means unlimited; value is for `value` services."""

    granted: bool
    quota: int | None = None
    value: Decimal | None = None


NOT_GRANTED = Grant(granted=False, quota=0)


@dataclass(frozen=True, slots=True)
class Band:
    """The range [low, high) of a criterion's values that belongs to one level; high None is unbounded."""

    low: Decimal
    high: Decimal | None = None

    def __contains__(self, value: Decimal) -> bool:
        return value >= self.low and (self.high is None or value < self.high)

    def describe(self, unit: str, currency: str) -> str:
        low = format_value(self.low, unit, currency)
        return f"≥ {low}" if self.high is None else f"{low} – < {format_value(self.high, unit, currency)}"


@dataclass(frozen=True)
class Level:
    code: str
    name_zh: str
    name_en: str
    position: int  # 0 is the lowest
    criteria: dict[str, Band] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Program:
    code: str
    name_zh: str
    name_en: str
    platform_zh: str
    platform_en: str
    currency: str
    amber: Decimal  # share of a target (0..1) from which a missed KPI is amber rather than red
    services: dict[str, Service]
    levels: tuple[Level, ...]  # lowest first
    source: str = ""

    def level(self, code: str) -> Level:
        for level in self.levels:
            if level.code == code:
                return level
        raise NotFoundError(f"program {self.code} has no level {code!r}",
                            difflib.get_close_matches(code, [lv.code for lv in self.levels]) or
                            [lv.code for lv in self.levels])

    @property
    def unsigned(self) -> Level:
        return self.level(UNSIGNED)

    def service(self, code: str) -> Service:
        if code not in self.services:
            raise NotFoundError(f"program {self.code} has no service {code!r}",
                                difflib.get_close_matches(code, list(self.services)))
        return self.services[code]

    def grant(self, level: Level, service: str) -> Grant:
        self.service(service)
        return level.grants.get(service, NOT_GRANTED)

    def criteria_codes(self) -> list[str]:
        """The criteria the program's levels use, in the order of CRITERIA."""
        used = {code for level in self.levels for code in level.criteria}
        return [code for code in CRITERIA if code in used]


@dataclass(frozen=True, slots=True)
class Problem:
    severity: str  # error | warning
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}: {self.message}"


# ------------------------------------------------------------------------------------------- reading


def read_program(text: str, source: str = "<program>") -> Program:
    """Parse a program's TOML; a malformed table raises DataError naming the file and key."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"not valid TOML: {exc}", Location(file=source)) from exc
    _only(document, {"program", "services", "levels"}, source, "")
    head = _table(document.get("program"), source, "program")
    _only(head, {"code", "name_zh", "name_en", "platform_zh", "platform_en", "currency", "amber"}, source, "program")
    currency = str(head.get("currency", "CNY"))
    amber = parse_value(head.get("amber", "90%"), "percent", Location(file=source, column="program.amber")) / 100
    services = {code: _read_service(code, _table(table, source, f"services.{code}"), source)
                for code, table in _table(document.get("services"), source, "services").items()}
    raw_levels = document.get("levels")
    if not isinstance(raw_levels, list) or not raw_levels:
        raise DataError("no [[levels]]: a program lists its levels from the lowest to the highest",
                        Location(file=source, column="levels"))
    levels = tuple(_read_level(i, _table(t, source, f"levels[{i}]"), services, currency, source)
                   for i, t in enumerate(raw_levels))
    return Program(code=str(_required(head, "code", source, "program")), name_zh=str(head.get("name_zh", "")),
                   name_en=str(head.get("name_en", "")), platform_zh=str(head.get("platform_zh", "")),
                   platform_en=str(head.get("platform_en", "")), currency=currency, amber=amber,
                   services=services, levels=levels, source=source)


def _read_service(code: str, table: dict, source: str) -> Service:
    where = f"services.{code}"
    _only(table, {"name_zh", "name_en", "kind", "per", "unit_zh", "unit_en", "lower_is_better"}, source, where)
    kind = table.get("kind")
    if kind not in SERVICE_KINDS:
        raise DataError(f"kind must be one of {', '.join(SERVICE_KINDS)}", Location(file=source, column=f"{where}.kind",
                                                                                     value=str(kind)))
    per = table.get("per")
    if kind == "quota" and per not in CADENCES:
        raise DataError(f"a quota service needs per = one of {', '.join(CADENCES)}",
                        Location(file=source, column=f"{where}.per", value=str(per)))
    return Service(code=code, name_zh=str(table.get("name_zh", code)), name_en=str(table.get("name_en", code)),
                   kind=kind, per=per if kind == "quota" else None, unit_zh=str(table.get("unit_zh", "")),
                   unit_en=str(table.get("unit_en", "")), lower_is_better=bool(table.get("lower_is_better", False)))


def _read_level(index: int, table: dict, services: dict[str, Service], currency: str, source: str) -> Level:
    where = f"levels[{index}]"
    _only(table, {"code", "name_zh", "name_en", "criteria", "entitlements"}, source, where)
    code = str(_required(table, "code", source, where))
    criteria: dict[str, Band] = {}
    for name, band in _table(table.get("criteria", {}), source, f"{where}.criteria").items():
        at = f"{where}.criteria.{name}"
        if name not in CRITERIA:
            raise DataError(f"unknown criterion {name!r}; known: {', '.join(CRITERIA)}",
                            Location(file=source, column=at))
        band = _table(band, source, at)
        _only(band, {"from", "below"}, source, at)
        unit = CRITERIA[name].unit
        low = parse_value(band.get("from", 0), unit, Location(file=source, column=f"{at}.from"), currency)
        high = (parse_value(band["below"], unit, Location(file=source, column=f"{at}.below"), currency)
                if "below" in band else None)
        if high is not None and high <= low:
            raise DataError(f"below ({high}) must be above from ({low})", Location(file=source, column=at))
        criteria[name] = Band(low, high)
    grants = {name: _read_grant(name, value, services, source, f"{where}.entitlements.{name}")
              for name, value in _table(table.get("entitlements", {}), source, f"{where}.entitlements").items()}
    return Level(code=code, name_zh=str(table.get("name_zh", code)), name_en=str(table.get("name_en", code)),
                 position=index, criteria=criteria, grants=grants)


def _read_grant(name: str, value, services: dict[str, Service], source: str, where: str) -> Grant:
    location = Location(file=source, column=where, value=str(value))
    if name not in services:
        raise DataError(f"entitlement to undeclared service {name!r}; declare it under [services.{name}]",
                        Location(file=source, column=where))
    kind = services[name].kind
    if kind == "flag":
        if not isinstance(value, bool):
            raise DataError("a flag service is granted with true or false", location)
        return Grant(granted=value, quota=None if value else 0)
    if kind == "value":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DataError("a value service is granted with a number", location)
        return Grant(granted=True, value=Decimal(str(value)))
    if value is True or value == "unlimited":
        return Grant(granted=True, quota=None)
    if value is False:
        return NOT_GRANTED
    if isinstance(value, int) and value >= 0:
        return Grant(granted=value > 0, quota=value)
    raise DataError('a quota is a whole number ≥ 0, "unlimited", true or false', location)


def _table(value, source: str, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DataError("expected a table", Location(file=source, column=where or None, value=str(value)))
    return value


def _only(table: dict, allowed: set[str], source: str, where: str) -> None:
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(key, sorted(allowed), n=1)
            raise DataError(f"unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""),
                            Location(file=source, column=f"{where}.{key}" if where else key))


def _required(table: dict, key: str, source: str, where: str):
    if key not in table:
        raise DataError(f"{key} is required", Location(file=source, column=f"{where}.{key}"))
    return table[key]


# ------------------------------------------------------------------------------------------ checking


def check_program(program: Program) -> list[Problem]:
    """Everything wrong with a well-formed program: errors make it unusable, warnings are for a person."""
    problems: list[Problem] = []
    codes = [level.code for level in program.levels]
    for code in {c for c in codes if codes.count(c) > 1}:
        problems.append(Problem("error", "levels", f"level {code!r} is listed {codes.count(code)} times"))
    if UNSIGNED not in codes:
        problems.append(Problem("error", "levels", f"no {UNSIGNED!r} level (the level of brands with no agreement)"))
    elif codes[0] != UNSIGNED:
        problems.append(Problem("error", "levels", f"{UNSIGNED!r} must be the first (lowest) level"))
    if len(codes) < 2:
        problems.append(Problem("error", "levels", "a program needs at least one level above unsigned"))
    for service in CONTRACT_SERVICES:
        if service not in program.services:
            problems.append(Problem("error", "services", f"service {service!r} is not declared; jbp asks about it"))
    signed = [level for level in program.levels if level.code != UNSIGNED]
    for name in program.criteria_codes():
        problems += _check_bands(program, name, signed)
    problems += _check_grants_grow(program)
    return problems


def _check_bands(program: Program, name: str, signed: list[Level]) -> list[Problem]:
    """The levels' ranges of one criterion must meet end to end, from the lowest signed level upwards."""
    unit, currency = CRITERIA[name].unit, program.currency

    def show(value: Decimal) -> str:
        return format_value(value, unit, currency)

    problems = []
    missing = [level.code for level in signed if name not in level.criteria]
    if missing:
        problems.append(Problem("error", f"criteria.{name}", f"levels {', '.join(missing)} do not state it, so "
                                "their range of it is a gap"))
    bands = [(level, level.criteria[name]) for level in signed if name in level.criteria]
    unsigned = next((level for level in program.levels if level.code == UNSIGNED), None)
    if unsigned is not None and name in unsigned.criteria and bands:
        bands.insert(0, (unsigned, unsigned.criteria[name]))
    for (lower, low_band), (upper, up_band) in zip(bands, bands[1:], strict=False):
        where = f"criteria.{name}"
        if low_band.high is None:
            problems.append(Problem("error", where, f"{lower.code} has no upper bound, so it overlaps {upper.code} "
                                    f"from {show(up_band.low)}"))
        elif low_band.high > up_band.low:
            problems.append(Problem("error", where, f"{lower.code} and {upper.code} overlap between "
                                    f"{show(up_band.low)} and {show(low_band.high)}"))
        elif low_band.high < up_band.low:
            problems.append(Problem("error", where, f"gap between {lower.code} (below {show(low_band.high)}) and "
                                    f"{upper.code} (from {show(up_band.low)}): no level covers it"))
    if bands and bands[-1][1].high is not None:
        problems.append(Problem("error", f"criteria.{name}", f"the highest level {bands[-1][0].code} stops below "
                                f"{show(bands[-1][1].high)}: higher values would have no level"))
    return problems


def _check_grants_grow(program: Program) -> list[Problem]:
    """Warn where a higher level gets less of a service than the level below it."""
    problems = []
    for lower, upper in zip(program.levels, program.levels[1:], strict=False):
        for code, service in program.services.items():
            low, high = lower.grants.get(code, NOT_GRANTED), upper.grants.get(code, NOT_GRANTED)
            if service.kind == "value":
                if low.value is not None and high.value is not None and (
                        high.value > low.value if service.lower_is_better else high.value < low.value):
                    problems.append(Problem("warning", f"entitlements.{code}",
                                            f"{upper.code} is promised {high.value} against {low.value} for "
                                            f"{lower.code}"))
                continue
            if low.granted and not high.granted:
                problems.append(Problem("warning", f"entitlements.{code}",
                                        f"{lower.code} has it but the higher {upper.code} does not"))
            elif low.granted and low.quota is None and high.quota is not None:
                problems.append(Problem("warning", f"entitlements.{code}",
                                        f"{lower.code} has it unlimited, {upper.code} only {high.quota}"))
            elif low.quota and high.quota is not None and high.quota < low.quota:
                problems.append(Problem("warning", f"entitlements.{code}",
                                        f"{upper.code} gets {high.quota}, less than {lower.code}'s {low.quota}"))
    return problems


@lru_cache(maxsize=8)
def load_program(text: str, source: str = "<program>") -> Program:
    """A program that reads and checks without errors (cached by text); DataError listing every error otherwise."""
    program = read_program(text, source)
    errors = [p for p in check_program(program) if p.severity == "error"]
    if errors:
        raise DataError("the tier program has errors:\n  " + "\n  ".join(str(e) for e in errors),
                        Location(file=source))
    return program


def default_program() -> Program:
    return load_program(DEFAULT_PROGRAM.read_text(encoding="utf-8"), str(DEFAULT_PROGRAM))


def program_file_text(path: Path | str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read the program: {exc}", Location(file=str(path))) from exc


# ------------------------------------------------------------------------------ the program in force


def program_in_force(conn: Connection) -> Program:
    """The program last put in force with `use_program`, else the default shipped with jbp."""
    row = tiers_rows.latest_program(conn)
    return default_program() if row is None else load_program(row["text"], row["source"])


def use_program(store: Store, path: Path | str, now: datetime, by: str = "") -> Program:
    """Check a program file and put it in force for the workspace (earlier ones stay in the history)."""
    text = program_file_text(path)
    program = load_program(text, str(path))
    with store.transaction() as conn:
        tiers_rows.insert_program(conn, {"code": program.code, "source": str(path), "text": text,
                                         "loaded_by": by or None, "loaded_at": now})
    return program
