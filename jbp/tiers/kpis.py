"""The KPIs a JBP sets targets for and a review measures, and how their values are written.

Targets come from account managers' files, so each value is read in its KPI's unit and a value in
another unit is refused: `gmv = "35%"`, `repeat_rate = "1200万"`, `response_time = "95%"`. A bare
number between 0 and 1 for a percentage is refused too, since 0.95 is as likely to mean 95% as 0.95%.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from jbp.errors import Location, UnitError
from jbp.units import parse_quantity


@dataclass(frozen=True, slots=True)
class Kpi:
    code: str
    name_zh: str
    name_en: str
    unit: str  # money | count | percent | hours
    higher_is_better: bool = True

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


KPIS: dict[str, Kpi] = {k.code: k for k in (
    Kpi("gmv", "成交额(GMV)", "GMV", "money"),
    Kpi("orders", "订单数", "Orders", "count"),
    Kpi("active_buyers", "活跃买家数", "Active buyers", "count"),
    Kpi("new_buyers", "新增买家数", "New buyers", "count"),
    Kpi("repeat_rate", "复购率", "Repeat rate", "percent"),
    Kpi("catalog_completeness", "商品数字化完整度", "Catalog completeness", "percent"),
    Kpi("model3d_coverage", "3D模型覆盖率", "3D model coverage", "percent"),
    Kpi("bom_quotes", "BOM报价数", "BOM quotes", "count"),
    Kpi("bom_conversion", "BOM报价转化率", "BOM quote conversion", "percent"),
    Kpi("response_time", "平均响应时长", "Response time", "hours", higher_is_better=False),
)}

_MONEY = re.compile(r"^(?P<pre>[¥￥]|CNY|RMB|USD|EUR|\$|€)?\s*(?P<num>[+-]?[\d,]*\.?\d+)\s*"
                    r"(?P<mult>[万亿])?\s*(?P<post>元|CNY|RMB|USD|EUR)?$", re.IGNORECASE)
_CURRENCY_MARKS = {"¥": "CNY", "￥": "CNY", "元": "CNY", "RMB": "CNY", "$": "USD", "€": "EUR"}
_MULTIPLIER = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}


def parse_value(value, unit: str, location: Location, currency: str = "CNY") -> Decimal:
    """`value` (a TOML/CLI number or text) read in `unit`; UnitError naming `location` otherwise."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise UnitError(f"expected {_describe(unit, currency)}, got {value!r}", _at(location, value))
    if unit == "money":
        return parse_money(value, location, currency)
    text = str(value).strip()
    expected = {"count": "pcs", "percent": "%", "hours": "h"}[unit]
    try:
        quantity = parse_quantity(text, expected)
    except UnitError as exc:
        raise UnitError(f"expected {_describe(unit, currency)}: {exc.reason}", _at(location, value)) from None
    if quantity.value is None:
        raise UnitError(f"expected one value, not a range, for {_describe(unit, currency)}", _at(location, value))
    number = Decimal(str(quantity.value))
    if unit == "hours":
        number = number / 3600
    if number < 0:
        raise UnitError(f"{_describe(unit, currency)} cannot be negative", _at(location, value))
    if unit == "count" and number != number.to_integral_value():
        raise UnitError("expected a whole number", _at(location, value))
    if unit == "percent" and "%" not in text and 0 < number <= 1:
        raise UnitError(f"ambiguous percentage {text}: write {number * 100:g}% (or {text}%)", _at(location, value))
    if unit == "percent" and number > 100:
        raise UnitError("a percentage above 100%", _at(location, value))
    return number.to_integral_value() if unit == "count" else number


def parse_money(value, location: Location, currency: str = "CNY") -> Decimal:
    """Money as written in Chinese agreements: 12000000, "12,000,000 CNY", "1200万元", "¥1.2亿"."""
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    else:
        match = _MONEY.match(str(value).strip())
        if not match:
            raise UnitError(f"expected {_describe('money', currency)}", _at(location, value))
        marks = {_CURRENCY_MARKS.get(m, _CURRENCY_MARKS.get(m.upper(), m.upper()))
                 for m in (match.group("pre"), match.group("post")) if m}
        if marks - {currency}:
            raise UnitError(f"amount in {', '.join(sorted(marks))}, but the agreement is in {currency}",
                            _at(location, value))
        try:
            amount = Decimal(match.group("num").replace(",", ""))
        except InvalidOperation:
            raise UnitError(f"expected {_describe('money', currency)}", _at(location, value)) from None
        amount *= _MULTIPLIER.get(match.group("mult") or "", Decimal(1))
    if amount < 0:
        raise UnitError("an amount of money cannot be negative", _at(location, value))
    return amount


def plain(value: Decimal) -> Decimal:
    """A stored decimal without its trailing zeros nor an exponent: 1800000.000000 -> 1800000, 35.500 -> 35.5."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def _describe(unit: str, currency: str) -> str:
    return {"money": f"an amount of money in {currency} (e.g. 1200万元 or 12,000,000)",
            "count": "a count (e.g. 1200)", "percent": "a percentage (e.g. 35%)",
            "hours": "a duration (e.g. 4h or 30 min)"}[unit]


def _at(location: Location, value) -> Location:
    return Location(location.file, location.sheet, location.row, location.column, str(value))


def format_value(value: Decimal | float | int | None, unit: str, currency: str = "CNY") -> str:
    """A KPI value for people: "12,000,000 CNY", "1,200", "35.0%", "4.5 h"; "—" for no value."""
    if value is None:
        return "—"
    if unit == "money":
        return f"{Decimal(value).quantize(Decimal(1)):,} {currency}"
    if unit == "count":
        return f"{Decimal(value).quantize(Decimal(1)):,}"
    if unit == "percent":
        return f"{float(value):.1f}%"
    return f"{float(value):.1f} h"
