"""Synthetic catalogs of any size for benchmarks: definitions (TOML) and products as CSV, xlsx or BMEcat.

    python -m bench.gen_catalog --skus 100000 --categories 40 --params 12 --format csv -o bench/out/cat.csv
    python -m bench.gen_catalog --categories 40 --params 12 --format toml -o bench/out/categories.toml

Values are written the way real catalogs write them (`9A`, `500mA`, `4.7kΩ`, `4k7`, `AC220V`, `10..30VDC`,
`-25~+70℃`, `25毫米`), drawn per category from small pools so generation stays cheap: one million CSV rows
take well under a minute. The same seed gives the same files.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import sys
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import islice
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

# ------------------------------------------------------------------------------- parameter templates


@dataclass(frozen=True, slots=True)
class ParamSample:
    """One value as a catalog writes it (`source`) and as BMEcat splits it (`value`, `unit`)."""

    source: str
    value: str
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Template:
    """A realistic parameter: its definition fields and how its values look."""

    code: str
    name_zh: str
    name_en: str
    kind: str
    unit: str = ""
    comparison: str = "equal"
    key: bool = False
    tolerance: float | None = None
    dimension: str | None = None
    values: tuple = ()  # enum/text choices, numeric choices in SI, (low, high) pairs for ranges
    between: tuple[float, float] | None = None  # numeric values spread log-uniformly over this SI span
    prefixes: str = ""  # SI prefixes a value may be written with


E12 = (1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2)
TEMPLATES = (
    Template("rated_current", "额定电流", "Rated current", "numeric", "A", "at_least", between=(0.01, 630),
             prefixes="m"),
    Template("rated_voltage", "额定电压", "Rated voltage", "numeric", "V", "at_least",
             values=(5, 12, 24, 48, 110, 220, 230, 380, 400, 690)),
    Template("rated_power", "额定功率", "Rated power", "numeric", "W", "at_least", between=(0.0625, 75000),
             prefixes="mk"),
    Template("resistance", "阻值", "Resistance", "numeric", "Ω", "within_tolerance", key=True, tolerance=0.05,
             between=(1, 1e7), prefixes="kM"),
    Template("capacitance", "容量", "Capacitance", "numeric", "F", "within_tolerance", key=True, tolerance=0.1,
             between=(1e-12, 1e-3), prefixes="pnµ"),
    Template("inductance", "电感量", "Inductance", "numeric", "H", "within_tolerance", tolerance=0.1,
             between=(1e-7, 0.1), prefixes="µm"),
    Template("frequency", "频率", "Frequency", "numeric", "Hz", "equal", values=(50, 60, 400, 32768, 8e6, 16e6),
             prefixes="kM"),
    Template("length", "长度", "Length", "numeric", "m", "equal", key=True, dimension="length",
             between=(0.003, 3), prefixes="m"),
    Template("outer_diameter", "外径", "Outside diameter", "numeric", "m", "equal", key=True,
             dimension="outer_diameter", between=(0.002, 0.4), prefixes="m"),
    Template("bore", "内径", "Bore diameter", "numeric", "m", "equal", key=True, dimension="bore",
             between=(0.001, 0.2), prefixes="m"),
    Template("width", "宽度", "Width", "numeric", "m", "at_most", dimension="width", between=(0.002, 0.6),
             prefixes="m"),
    Template("height", "高度", "Height", "numeric", "m", "at_most", dimension="height", between=(0.002, 0.6),
             prefixes="m"),
    Template("mass", "重量", "Mass", "numeric", "kg", "at_most", between=(0.001, 50)),
    Template("rated_pressure", "额定压力", "Rated pressure", "numeric", "Pa", "at_least", between=(1e4, 4e7),
             prefixes="kM"),
    Template("rated_load", "额定载荷", "Rated load", "numeric", "N", "at_least", between=(50, 5e5), prefixes="k"),
    Template("response_time", "响应时间", "Response time", "numeric", "s", "at_most", between=(1e-5, 5),
             prefixes="µm"),
    Template("sensing_distance", "检测距离", "Sensing distance", "numeric", "m", "at_least", between=(0.001, 0.04),
             prefixes="m"),
    Template("breaking_capacity", "分断能力", "Breaking capacity", "numeric", "A", "at_least",
             values=(3000, 4500, 6000, 10000, 15000, 25000, 50000), prefixes="k"),
    Template("accuracy", "精度", "Accuracy", "numeric", "%", "at_most", values=(0.05, 0.1, 0.2, 0.5, 1, 2, 5)),
    Template("rated_speed", "额定转速", "Rated speed", "numeric", "rpm", "at_least",
             values=(750, 1000, 1450, 1500, 2800, 3000, 6000)),
    Template("flow_rate", "流量", "Flow rate", "numeric", "L/min", "at_least", between=(0.5, 500)),
    Template("rated_torque", "额定扭矩", "Rated torque", "numeric", "N·m", "at_least", between=(0.1, 2000)),
    Template("operating_temp", "工作温度", "Operating temperature", "range", "°C", "covers",
             values=((-40, 85), (-25, 70), (-25, 55), (-20, 60), (-10, 50), (-5, 40), (0, 60))),
    Template("supply_voltage", "电源电压", "Supply voltage", "range", "V", "covers",
             values=((10, 30), (12, 24), (6, 36), (85, 264), (100, 240), (18, 36))),
    Template("humidity", "相对湿度", "Relative humidity", "range", "%", "covers", values=((5, 95), (35, 85), (10, 90))),
    Template("poles", "极数", "Poles", "enum", key=True, values=("1P", "2P", "3P", "4P")),
    Template("ip_rating", "防护等级", "Degree of protection", "enum",
             values=("IP20", "IP40", "IP54", "IP65", "IP67", "IP68")),
    Template("output_type", "输出类型", "Output type", "enum", key=True,
             values=("NPN", "PNP", "继电器", "4-20mA", "0-10V")),
    Template("material", "材质", "Material", "enum",
             values=("碳钢", "不锈钢304", "不锈钢316", "黄铜", "铝合金", "尼龙66")),
    Template("colour", "颜色", "Colour", "enum", values=("红", "绿", "黄", "蓝", "黑", "白", "灰")),
    Template("mounting", "安装方式", "Mounting", "enum", key=True, values=("DIN导轨", "螺钉", "面板", "PCB", "法兰")),
    Template("case_package", "封装", "Case / package", "enum", key=True,
             values=("0402", "0603", "0805", "1206", "SOT-23", "TO-220", "SOP-8")),
    Template("thread", "螺纹规格", "Thread size", "enum", key=True,
             values=("M3", "M4", "M5", "M6", "M8", "M10", "M12", "M16", "M20")),
    Template("coil_current_type", "线圈电流类型", "Coil current type", "enum", key=True, values=("AC", "DC")),
    Template("contact_form", "触点形式", "Contact arrangement", "enum", key=True,
             values=("1NO", "1NC", "1CO", "2CO", "4CO")),
    Template("trip_curve", "脱扣曲线", "Tripping curve", "enum", key=True, values=("B", "C", "D")),
    Template("finish", "表面处理", "Surface finish", "enum", values=("发黑", "镀锌", "镀镍", "本色", "达克罗")),
    Template("certification", "认证", "Certification", "enum", values=("CCC", "CE", "UL", "CCC/CE", "CCC/CE/UL")),
    Template("standard", "执行标准", "Standard", "text",
             values=("GB/T 14048.4", "IEC 60947-4-1", "GB/T 10963.1", "ISO 4762", "GB/T 276", "JB/T 10523")),
    Template("connection", "接线方式", "Connection", "text",
             values=("螺钉端子", "弹簧端子", "快插端子", "M12 4芯插头", "2m PVC电缆")),
    Template("led_indicator", "带指示灯", "LED indicator", "bool", values=("是", "否", "有", "无", "Y", "N")),
    Template("rohs", "符合RoHS", "RoHS compliant", "bool", values=("是", "否", "yes")),
)
TEMPLATE_BY_CODE = {t.code: t for t in TEMPLATES}

# code, zh, en, MPN series letters, parameters every such product has
CATEGORY_KINDS = (
    ("contactor", "交流接触器", "AC contactor", "XC", ("rated_current", "rated_voltage", "coil_current_type", "poles")),
    ("mcb", "小型断路器", "Miniature circuit breaker", "XB",
     ("rated_current", "breaking_capacity", "trip_curve", "poles")),
    ("relay", "中间继电器", "Intermediate relay", "JZ", ("rated_voltage", "contact_form", "coil_current_type")),
    ("proximity_sensor", "接近开关", "Proximity sensor", "LJ", ("sensing_distance", "supply_voltage", "output_type")),
    ("photo_sensor", "光电开关", "Photoelectric sensor", "GD", ("sensing_distance", "supply_voltage", "output_type")),
    ("bearing", "深沟球轴承", "Deep groove ball bearing", "6", ("bore", "outer_diameter", "width", "rated_load")),
    ("socket_screw", "内六角螺钉", "Socket head cap screw", "S", ("thread", "length", "material", "finish")),
    ("hex_nut", "六角螺母", "Hex nut", "N", ("thread", "material", "finish")),
    ("chip_resistor", "贴片电阻", "Chip resistor", "RC", ("resistance", "rated_power", "case_package", "accuracy")),
    ("chip_capacitor", "贴片电容", "Chip capacitor", "CC", ("capacitance", "rated_voltage", "case_package")),
    ("power_inductor", "功率电感", "Power inductor", "PL", ("inductance", "rated_current", "case_package")),
    ("push_button", "按钮开关", "Push button", "LA", ("colour", "contact_form", "ip_rating")),
    ("pilot_light", "指示灯", "Pilot light", "AD", ("colour", "rated_voltage")),
    ("vfd", "变频器", "Variable frequency drive", "VF", ("rated_power", "rated_voltage", "rated_current")),
    ("servo_motor", "伺服电机", "Servo motor", "SM", ("rated_power", "rated_speed", "rated_torque")),
    ("stepper_motor", "步进电机", "Stepper motor", "ST", ("rated_current", "rated_torque")),
    ("power_supply", "开关电源", "Switching power supply", "PS", ("rated_power", "supply_voltage", "rated_current")),
    ("temp_controller", "温控器", "Temperature controller", "TC", ("supply_voltage", "output_type", "accuracy")),
    ("pressure_transmitter", "压力变送器", "Pressure transmitter", "PT", ("rated_pressure", "output_type", "accuracy")),
    ("solenoid_valve", "电磁阀", "Solenoid valve", "SV", ("rated_pressure", "rated_voltage", "thread")),
    ("air_cylinder", "气缸", "Pneumatic cylinder", "SC", ("bore", "length", "rated_pressure")),
    ("linear_guide", "直线导轨", "Linear guide", "HG", ("width", "length", "rated_load")),
    ("timing_pulley", "同步带轮", "Timing pulley", "TP", ("bore", "outer_diameter", "width", "material")),
    ("coupling", "联轴器", "Coupling", "CP", ("bore", "outer_diameter", "length", "rated_torque")),
    ("terminal_block", "接线端子", "Terminal block", "TB", ("rated_current", "rated_voltage", "connection")),
    ("cable_duct", "线槽", "Cable duct", "CD", ("width", "height", "length", "colour")),
    ("control_cable", "控制电缆", "Control cable", "KV", ("rated_voltage", "length", "outer_diameter")),
    ("fuse", "熔断器", "Fuse", "RT", ("rated_current", "rated_voltage", "breaking_capacity")),
    ("surge_protector", "浪涌保护器", "Surge protective device", "SP", ("rated_voltage", "poles")),
    ("mccb", "塑壳断路器", "Moulded case circuit breaker", "NM", ("rated_current", "breaking_capacity", "poles")),
    ("thermal_relay", "热继电器", "Thermal overload relay", "JR", ("rated_current", "mounting")),
    ("timer_relay", "时间继电器", "Timer relay", "JS", ("rated_voltage", "response_time", "contact_form")),
    ("ssr", "固态继电器", "Solid state relay", "SSR", ("rated_current", "supply_voltage", "mounting")),
    ("encoder", "编码器", "Rotary encoder", "EC", ("supply_voltage", "output_type", "rated_speed")),
    ("limit_switch", "行程开关", "Limit switch", "LX", ("contact_form", "ip_rating", "rated_current")),
    ("cooling_fan", "散热风扇", "Cooling fan", "FN", ("rated_voltage", "rated_speed", "flow_rate")),
    ("industrial_socket", "工业插座", "Industrial socket", "IS", ("rated_current", "poles", "ip_rating")),
    ("level_switch", "液位开关", "Level switch", "LS", ("supply_voltage", "output_type", "material")),
    ("flat_washer", "平垫圈", "Flat washer", "W", ("thread", "outer_diameter", "material")),
    ("hydraulic_hose", "液压软管", "Hydraulic hose", "HH", ("bore", "rated_pressure", "length")),
)

BRANDS = (("KVT", "凯沃特", "Kaiwote"), ("SNX", "森诺星", "Sennuoxing"), ("TJE", "天骄电气", "Tianjiao Electric"),
          ("MWD", "明威达", "Mingweida"), ("HXD", "华旭达", "Huaxuda"))
LIFECYCLE_WORDS = {"active": "在产", "nrnd": "不推荐新设计", "eol": "停产", "obsolete": "淘汰"}
FIELD_COLUMNS = ("货号", "品牌", "型号", "分类", "系列", "名称", "英文名称", "描述", "生命周期", "替代货号", "单位",
                 "包装数量", "最小起订量", "订购倍数", "库存", "交期(天)", "单价", "价格(≥100)", "价格(≥1000)")
XLSX_MAX_ROWS = 1_048_575  # rows per sheet after the header


# ------------------------------------------------------------------------------- definitions


def generate_definitions(n_categories: int, n_params: int, seed: int = 1) -> str:
    """Definitions TOML (`[[brands]]`, `[[categories]]` with `[[categories.parameters]]`) for `jbp catalog define`."""
    if n_categories < 1 or n_params < 1:
        raise ValueError("need at least one category and one parameter")
    rng = random.Random(seed)
    lines = ["# Synthetic definitions from bench/gen_catalog.py", ""]
    for code, name_zh, name_en in BRANDS:
        lines += ["[[brands]]", *_names_toml(code, name_zh, name_en), ""]
    for index in range(n_categories):
        code, name_zh, name_en, _, core = CATEGORY_KINDS[index % len(CATEGORY_KINDS)]
        generation = index // len(CATEGORY_KINDS)
        if generation:
            number = generation + 1
            code, name_zh, name_en = f"{code}_{number}", f"{name_zh} {number}型", f"{name_en} type {number}"
        lines += ["[[categories]]", *_names_toml(code, name_zh, name_en), ""]
        others = [t.code for t in TEMPLATES if t.code not in core]
        chosen = list(core[:n_params]) + rng.sample(others, min(len(others), max(0, n_params - len(core))))
        for position, parameter in enumerate(chosen):
            lines += _parameter_toml(TEMPLATE_BY_CODE[parameter], required=position < 3)
        lines += [line for extra in range(len(chosen), n_params) for line in _extra_parameter_toml(extra + 1)]
    return "\n".join(lines)


def _names_toml(code: str, name_zh: str, name_en: str) -> list[str]:
    return [f"code = {_toml(code)}", f"name_zh = {_toml(name_zh)}", f"name_en = {_toml(name_en)}"]


def _parameter_toml(template: Template, *, required: bool) -> list[str]:
    lines = ["[[categories.parameters]]", *_names_toml(template.code, template.name_zh, template.name_en),
             f"kind = {_toml(template.kind)}"]
    if template.unit:
        lines.append(f"unit = {_toml(template.unit)}")
    if template.kind == "enum":
        lines.append(f"allowed_values = {_toml(list(template.values))}")
    lines += [f"key = {_toml(template.key)}", f"comparison = {_toml(template.comparison)}",
              f"required = {_toml(required)}"]
    if template.tolerance is not None:
        lines.append(f"tolerance = {template.tolerance}")
    if template.dimension:
        lines.append(f"dimension = {_toml(template.dimension)}")
    return [*lines, ""]


def _extra_parameter_toml(number: int) -> list[str]:
    """More parameters than there are templates: plain text attributes."""
    return ["[[categories.parameters]]", f'code = "attr_{number}"', f'name_zh = "扩展属性{number}"',
            f'name_en = "Extra attribute {number}"', 'kind = "text"', ""]


def _toml(value: object) -> str:
    """A TOML value; JSON strings, booleans and arrays of strings are valid TOML."""
    return json.dumps(value, ensure_ascii=False)


# ------------------------------------------------------------------------------- values


_PREFIX_SCALE = {"p": 1e-12, "n": 1e-9, "µ": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6}
_PREFIXABLE = {"A": "m", "V": "mk", "W": "mk", "Ω": "kM", "F": "pnµ", "H": "µm", "Hz": "kM", "m": "m", "Pa": "kM",
               "N": "k", "s": "µm"}
_CHINESE_UNITS = {"A": "安", "mA": "毫安", "V": "伏", "mm": "毫米", "W": "瓦", "kW": "千瓦"}
_VOLTAGE_STYLES = ("AC{n}{u}", "{n}{u}DC", "DC{n}{u}", "{n}{u}AC")
_TEMPERATURE_STYLES = ("{lo}~+{hi}℃", "{lo}…{hi}°C", "{lo}~{hi}°C", "{lo} ~ +{hi} ℃")
_SUPPLY_STYLES = ("{lo}..{hi}V{c}", "{c}{lo}-{hi}V", "{lo}~{hi}V {c}")


def template_for(parameter: dict) -> Template:
    """The template of a declared parameter; one made up from its kind and unit when no template has its code."""
    kind, unit = parameter.get("kind", "numeric"), parameter.get("unit", "")
    values: tuple = tuple(parameter.get("allowed_values", ()))
    known = TEMPLATE_BY_CODE.get(parameter["code"])
    if known is not None and (known.kind, known.unit) == (kind, unit):
        return replace(known, values=values) if values else known
    between = ((0.001, 1000) if unit in _PREFIXABLE else (1, 1000)) if kind == "numeric" else None
    if kind == "range":
        values = ((-25, 70), (10, 30), (0, 100))
    return Template(parameter["code"], "", "", kind, unit, values=values, between=between,
                    prefixes=_PREFIXABLE.get(unit, ""))


def _e12_between(rng: random.Random, low: float, high: float) -> float:
    exponent = rng.uniform(math.log10(low), math.log10(high))
    return float(f"{rng.choice(E12) * 10 ** math.floor(exponent):.3g}")


def _split_prefix(value: float, unit: str, prefixes: str) -> tuple[str, str]:
    """`0.0047` A with prefixes `m` -> (`4.7`, `mA`): the largest prefix not above the value; mass in g or kg."""
    if unit == "kg":
        return (f"{value:g}", "kg") if value >= 1 else (f"{value * 1000:.4g}", "g")
    options = sorted(("", *prefixes), key=_PREFIX_SCALE.__getitem__)
    chosen = next((p for p in reversed(options) if value >= _PREFIX_SCALE[p]), options[0])
    return f"{value / _PREFIX_SCALE[chosen]:.5g}", chosen + unit


def _numeric_sample(template: Template, rng: random.Random) -> ParamSample:
    value = _e12_between(rng, *template.between) if template.between else rng.choice(template.values)
    number, unit = _split_prefix(value, template.unit, template.prefixes)
    roll = rng.random()
    if unit in ("kΩ", "MΩ") and "." in number and roll < 0.15:
        source = number.replace(".", unit[0])  # RKM: 4k7, 2M2
    elif template.unit == "V" and roll < 0.3:
        source = rng.choice(_VOLTAGE_STYLES).format(n=number, u=unit)
    elif unit in _CHINESE_UNITS and roll > 0.93:
        source = number + _CHINESE_UNITS[unit]
    else:
        source = f"{number} {unit}" if roll > 0.8 else number + unit
    if "µ" in source and rng.random() < 0.3:
        source = source.replace("µ", "u")
    return ParamSample(source, number, unit)


def _range_sample(template: Template, rng: random.Random) -> ParamSample:
    low, high = rng.choice(template.values)
    if template.unit == "°C":
        source = rng.choice(_TEMPERATURE_STYLES).format(lo=low, hi=high)
    elif template.unit == "V":
        source = rng.choice(_SUPPLY_STYLES).format(lo=low, hi=high, c="AC" if high > 100 else "DC")
    else:
        source = f"{low}~{high}{template.unit}"
    return ParamSample(source, f"{low}..{high}", template.unit)


POOL_SIZE = 64  # every pool has this many entries (repeating), so a draw is one mask


def value_pool(template: Template, required: bool, rng: random.Random,
               size: int = 24) -> tuple[ParamSample | None, ...]:
    """The values one category writes for one parameter; optional ones are blank (None) about 1 time in 12."""
    if template.kind == "numeric":
        samples = [_numeric_sample(template, rng) for _ in range(size)]
    elif template.kind == "range":
        samples = [_range_sample(template, rng) for _ in range(size // 3)]
    elif template.values:
        samples = [ParamSample(v, v) for v in template.values]
    elif template.kind == "bool":
        samples = [ParamSample(v, v) for v in ("是", "否")]
    else:
        samples = [ParamSample(text, text) for text in (f"T-{rng.randrange(100, 999)}" for _ in range(size // 2))]
    entries: list[ParamSample | None] = list(samples)
    if not required:
        entries += [None] * max(1, len(samples) // 11)
    return tuple(entries[i % len(entries)] for i in range(POOL_SIZE))


# ------------------------------------------------------------------------------- products


@dataclass(frozen=True, slots=True)
class SyntheticProduct:
    brand: str
    sku: str
    mpn: str
    category: str
    series: str
    name_zh: str
    name_en: str
    description: str
    lifecycle: str  # active / nrnd / eol / obsolete
    successor_sku: str | None
    unit: str
    package_qty: int
    moq: int
    order_multiple: int
    stock: int | None
    lead_time_days: int | None
    price_breaks: tuple[tuple[int, Decimal], ...]  # (minimum quantity, CNY with 2 decimals)
    params: dict[str, ParamSample]  # parameter code -> value; blank values are left out


@dataclass(frozen=True, slots=True)
class _CategoryPlan:
    code: str
    name_zh: str
    name_en: str
    codes: tuple[str, ...]
    pools: tuple[tuple[ParamSample | None, ...], ...]
    brands: tuple[tuple[str, str, str], ...]  # (brand code, SKU prefix, MPN series)
    separator: str
    price_cents: int
    package_qty: int
    unit: str


@dataclass(frozen=True, slots=True)
class ParsedDefinitions:
    brands: tuple[dict, ...]
    categories: tuple[dict, ...]  # categories with parameters (the ones products are made for)

    def parameter_columns(self) -> list[tuple[str, str]]:
        """(code, header) of every parameter, first declaration wins: the columns a flat table needs."""
        columns: dict[str, str] = {}
        for category in self.categories:
            for parameter in category["parameters"]:
                columns.setdefault(parameter["code"], parameter.get("name_zh") or parameter["code"])
        return list(columns.items())


def parse_definitions(definitions: str) -> ParsedDefinitions:
    document = tomllib.loads(definitions)
    categories = tuple(c for c in document.get("categories", []) if c.get("parameters"))
    if not document.get("brands") or not categories:
        raise ValueError("definitions need at least one brand and one category with parameters")
    return ParsedDefinitions(tuple(document["brands"]), categories)


def _plans(parsed: ParsedDefinitions, rng: random.Random) -> list[_CategoryPlan]:
    plans = []
    kinds = {kind[0]: kind for kind in CATEGORY_KINDS}
    for index, category in enumerate(parsed.categories):
        letters = kinds.get(re.sub(r"_\d+$", "", category["code"]), (None, None, None, "X"))[3]
        brand_codes = [b["code"] for b in rng.sample(list(parsed.brands), min(len(parsed.brands), rng.randint(1, 3)))]
        brands = tuple((code, code[:2].upper() + f"{index:02d}", f"{code[0]}{letters}{rng.randint(1, 9)}")
                       for code in brand_codes)
        pools = tuple(value_pool(template_for(p), p.get("required", False), rng) for p in category["parameters"])
        plans.append(_CategoryPlan(
            code=category["code"], name_zh=category.get("name_zh") or category["code"],
            name_en=category.get("name_en") or category["code"],
            codes=tuple(p["code"] for p in category["parameters"]), pools=pools, brands=brands,
            separator=rng.choice(("-", "-", "/", " ", ".")), price_cents=int(10 ** rng.uniform(1.5, 5.5)),
            package_qty=rng.choice((1, 1, 5, 10, 100)), unit=rng.choice(("个", "只", "PCE", "台", "套"))))
    return plans


def iter_products(n_skus: int, definitions: str, seed: int = 1) -> Iterator[SyntheticProduct]:
    """`n_skus` products over the categories of `definitions` (TOML text), in a fixed order for a seed.

    Category sizes are skewed (Zipf-like); about 90 % are active, 4 % NRND, 4 % EOL and 2 % obsolete, and
    most EOL/obsolete products name a successor of the same brand and category further down the file.
    """
    rng = random.Random(seed)
    plans = _plans(parse_definitions(definitions), rng)
    period = max(256, 4 * len(plans))
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(plans))]
    slots = rng.choices(range(len(plans)), weights=weights, k=period)
    draws = np.random.default_rng(seed)
    chunk = 4096
    for start in range(0, n_skus, chunk):
        count = min(chunk, n_skus - start)
        picks = draws.integers(0, 1 << 30, size=(count, 8 + max(len(p.codes) for p in plans)))
        picks[:, 8:] &= POOL_SIZE - 1
        for offset, bits in enumerate(picks.tolist()):
            yield _product(start + offset, bits, plans[slots[(start + offset) % period]], period, n_skus)


_LEAD_TIMES = (1, 3, 3, 7, 7, 15, 30, 45)
_PRICE_FACTORS = tuple(0.5 + i / 21 for i in range(64))


def _product(i: int, bits: list[int], plan: _CategoryPlan, period: int, n_skus: int) -> SyntheticProduct:
    turn = i // period
    brand, sku_prefix, series = plan.brands[turn % len(plan.brands)]
    lifecycle_roll = bits[0] % 100
    lifecycle = ("active" if lifecycle_roll < 90 else "nrnd" if lifecycle_roll < 94
                 else "eol" if lifecycle_roll < 98 else "obsolete")
    successor = None
    if lifecycle in ("eol", "obsolete") and bits[1] % 4:
        target = i + period * len(plan.brands) * (1 + bits[1] % 3)  # same brand and category, a later product
        successor = f"{sku_prefix}{target:08d}" if target < n_skus else None
    params = {code: sample for code, sample in zip(plan.codes, map(tuple.__getitem__, plan.pools, bits[8:]),
                                                    strict=False) if sample is not None}
    cents = int(plan.price_cents * _PRICE_FACTORS[bits[2] % 64]) + 1
    stock_roll = bits[3] % 100
    mpn = f"{series}{plan.separator}{i:06X}" + ("" if bits[4] % 3 else f"{plan.separator}{bits[4] % 97:02d}")
    shown = " ".join(s.source for s in islice(params.values(), 3))
    return SyntheticProduct(
        brand=brand, sku=f"{sku_prefix}{i:08d}", mpn=mpn, category=plan.code, series=series,
        name_zh=f"{plan.name_zh} {mpn}", name_en=f"{plan.name_en} {mpn}",
        description=f"{plan.name_zh}，{shown}", lifecycle=lifecycle, successor_sku=successor, unit=plan.unit,
        package_qty=plan.package_qty, moq=plan.package_qty, order_multiple=plan.package_qty,
        stock=None if stock_roll < 5 else 0 if stock_roll < 20 else bits[5] % 5000,
        lead_time_days=None if stock_roll < 5 else _LEAD_TIMES[bits[6] % len(_LEAD_TIMES)],
        price_breaks=((1, Decimal(cents).scaleb(-2)), (100, Decimal(cents * 95 // 100).scaleb(-2)),
                      (1000, Decimal(cents * 90 // 100).scaleb(-2))),
        params=params)


# ------------------------------------------------------------------------------- writers


def _table_rows(products: Iterable[SyntheticProduct], codes: list[str]) -> Iterator[list]:
    position = {code: len(FIELD_COLUMNS) + i for i, code in enumerate(codes)}
    blank = [None] * len(codes)
    for p in products:
        row = [p.sku, p.brand, p.mpn, p.category, p.series, p.name_zh, p.name_en, p.description,
               LIFECYCLE_WORDS[p.lifecycle], p.successor_sku, p.unit, p.package_qty, p.moq, p.order_multiple, p.stock,
               p.lead_time_days, *(price for _, price in p.price_breaks), *blank]
        for code, sample in p.params.items():
            row[position[code]] = sample.source
        yield row


def write_csv(path: Path | str, products: Iterable[SyntheticProduct], definitions: str) -> int:
    """UTF-8 CSV with zh headers: product fields, three price breaks, then every parameter by its zh name."""
    columns = parse_definitions(definitions).parameter_columns()
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([*FIELD_COLUMNS, *(header for _, header in columns)])
        for row in _table_rows(products, [code for code, _ in columns]):
            writer.writerow(row)
            count += 1
    return count


def write_xlsx(path: Path | str, products: Iterable[SyntheticProduct], definitions: str) -> int:
    """The CSV's table in a workbook (openpyxl write-only); a new sheet every 1,048,575 products."""
    from openpyxl import Workbook

    columns = parse_definitions(definitions).parameter_columns()
    header = [*FIELD_COLUMNS, *(h for _, h in columns)]
    workbook = Workbook(write_only=True)
    sheet, count = None, 0
    for row in _table_rows(products, [code for code, _ in columns]):
        if count % XLSX_MAX_ROWS == 0:
            sheet = workbook.create_sheet(f"产品{count // XLSX_MAX_ROWS + 1}")
            sheet.append(header)
        sheet.append(row)
        count += 1
    if sheet is None:
        workbook.create_sheet("产品1").append(header)
    workbook.save(path)
    return count


def write_bmecat(path: Path | str, products: Iterable[SyntheticProduct], definitions: str) -> int:
    """BMEcat 2005, streamed as text (no tree), so 400k products cost seconds, not gigabytes."""
    parsed = parse_definitions(definitions)
    names = {(c["code"], p["code"]): p.get("name_zh") or p.get("name_en") or p["code"]
             for c in parsed.categories for p in c["parameters"]}
    features: dict[tuple[str, str, str], str] = {}

    def feature(category: str, code: str, sample: ParamSample) -> str:
        key = (category, code, sample.source)
        if key not in features:
            unit = f"<FUNIT>{escape(sample.unit)}</FUNIT>" if sample.unit else ""
            features[key] = (f"<FEATURE><FNAME>{escape(names[(category, code)])}</FNAME>"
                             f"<FVALUE>{escape(sample.value)}</FVALUE>{unit}</FEATURE>\n")
        return features[key]

    count = 0
    with open(path, "w", encoding="utf-8") as file:
        file.write(_BMECAT_HEADER)
        for p in products:
            status = ("" if p.lifecycle == "active" else
                      f'<PRODUCT_STATUS type="{"others" if p.lifecycle == "nrnd" else "old_product"}">'
                      f"{LIFECYCLE_WORDS[p.lifecycle]}</PRODUCT_STATUS>\n")
            prices = "".join(f'<PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>{price}</PRICE_AMOUNT>'
                             f"<PRICE_CURRENCY>CNY</PRICE_CURRENCY><TAX>0.13</TAX><LOWER_BOUND>{qty}</LOWER_BOUND>"
                             "</PRODUCT_PRICE>\n" for qty, price in p.price_breaks)
            successor = (f'<PRODUCT_REFERENCE type="followup"><PROD_ID_TO>{escape(p.successor_sku)}</PROD_ID_TO>'
                         "</PRODUCT_REFERENCE>\n" if p.successor_sku else "")
            delivery = (f"<PRODUCT_LOGISTIC_DETAILS><DELIVERY_TIME>{p.lead_time_days}</DELIVERY_TIME>"
                        "</PRODUCT_LOGISTIC_DETAILS>\n" if p.lead_time_days is not None else "")
            file.write(
                f'<PRODUCT mode="new">\n<SUPPLIER_PID>{escape(p.sku)}</SUPPLIER_PID>\n<PRODUCT_DETAILS>\n'
                f'<DESCRIPTION_SHORT lang="zho">{escape(p.name_zh)}</DESCRIPTION_SHORT>\n'
                f'<DESCRIPTION_SHORT lang="eng">{escape(p.name_en)}</DESCRIPTION_SHORT>\n'
                f'<DESCRIPTION_LONG lang="zho">{escape(p.description)}</DESCRIPTION_LONG>\n'
                f"<MANUFACTURER_PID>{escape(p.mpn)}</MANUFACTURER_PID>\n"
                f"<MANUFACTURER_NAME>{escape(p.brand)}</MANUFACTURER_NAME>\n{status}</PRODUCT_DETAILS>\n"
                f"<PRODUCT_FEATURES>\n<REFERENCE_FEATURE_SYSTEM_NAME>JBP-BENCH</REFERENCE_FEATURE_SYSTEM_NAME>\n"
                f"<REFERENCE_FEATURE_GROUP_ID>{escape(p.category)}</REFERENCE_FEATURE_GROUP_ID>\n"
                + "".join(feature(p.category, code, sample) for code, sample in p.params.items())
                + "</PRODUCT_FEATURES>\n<PRODUCT_ORDER_DETAILS><ORDER_UNIT>C62</ORDER_UNIT>"
                f"<CONTENT_UNIT>C62</CONTENT_UNIT><NO_CU_PER_OU>{p.package_qty}</NO_CU_PER_OU>"
                f"<PRICE_QUANTITY>1</PRICE_QUANTITY><QUANTITY_MIN>{p.moq}</QUANTITY_MIN>"
                f"<QUANTITY_INTERVAL>{p.order_multiple}</QUANTITY_INTERVAL></PRODUCT_ORDER_DETAILS>\n"
                f"<PRODUCT_PRICE_DETAILS>\n{prices}</PRODUCT_PRICE_DETAILS>\n{delivery}{successor}</PRODUCT>\n")
            count += 1
        file.write("</T_NEW_CATALOG>\n</BMECAT>\n")
    return count


_BMECAT_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<BMECAT xmlns="http://www.bmecat.org/bmecat/2005" version="2005">
<HEADER>
<GENERATOR_INFO>jbp bench/gen_catalog.py</GENERATOR_INFO>
<CATALOG><LANGUAGE default="true">zho</LANGUAGE><LANGUAGE>eng</LANGUAGE><CATALOG_ID>JBP-BENCH</CATALOG_ID>
<CATALOG_VERSION>1.0</CATALOG_VERSION><DATETIME type="generation_date"><DATE>2026-01-05</DATE></DATETIME>
<CURRENCY>CNY</CURRENCY></CATALOG>
<SUPPLIER><SUPPLIER_NAME>JBP Bench Supplier</SUPPLIER_NAME></SUPPLIER>
</HEADER>
<T_NEW_CATALOG>
"""

WRITERS: dict[str, Callable[[Path | str, Iterable[SyntheticProduct], str], int]] = {
    "csv": write_csv, "xlsx": write_xlsx, "bmecat": write_bmecat}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--categories", type=int, default=40)
    parser.add_argument("--params", type=int, default=12)
    parser.add_argument("--format", choices=("csv", "xlsx", "bmecat", "toml"), default="csv")
    parser.add_argument("--definitions", type=Path, help="use this definitions TOML instead of generating one")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    definitions = (args.definitions.read_text(encoding="utf-8") if args.definitions
                   else generate_definitions(args.categories, args.params, args.seed))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if args.format == "toml":
        args.output.write_text(definitions, encoding="utf-8")
        count = definitions.count("[[categories]]")
    else:
        count = WRITERS[args.format](args.output, iter_products(args.skus, definitions, args.seed), definitions)
    print(f"{args.output}: {count} {'categories' if args.format == 'toml' else 'products'} "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
