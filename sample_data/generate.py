"""Writes the sample catalogs in sample_data/ from the product tables below, byte for byte the same each run.

    python sample_data/generate.py [OUT_DIR]      # default: next to this script

Outputs: chnt_catalog.xlsx (正泰 contactors, MCBs, relays; title and group rows above the header),
delixi_catalog.csv (德力西, GBK, one table over four categories, some values with Chinese units),
bearings_fasteners_bmecat.xml (恒冠 BMEcat 2005: deep-groove bearings and ISO 4762 screws with real
dimension tables) and xref.csv (competitor parts our CHNT SKUs replace). Parameter headers use the names
declared in categories.toml. Stock and lead times come from a seeded RNG; timestamps are fixed.
"""

from __future__ import annotations

import csv
import io
import random
import re
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from lxml import etree
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

SAMPLE_DIR = Path(__file__).resolve().parent
CATALOG_DATE = datetime(2026, 1, 5, 9, 0, 0)  # what every written timestamp says
CENT = Decimal("0.01")


def money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class CatalogRow:
    """One product row of a spreadsheet catalog; `params` maps the sheet's parameter header to the cell."""

    sku: str
    mpn: str
    category: str
    series: str
    name_zh: str
    name_en: str
    description: str
    price: Decimal
    lifecycle: str = "在产"
    successor: str = ""
    unit: str = "个"
    package_qty: int = 1
    moq: int = 1
    order_multiple: int = 1
    stock: int | None = None
    lead_time: int | None = None
    image: str = ""
    datasheet: str = ""
    params: dict[str, object] = field(default_factory=dict)

    def price_breaks(self) -> tuple[Decimal, Decimal, Decimal]:
        """List price, 100+ and 1000+ (5 % and 10 % off)."""
        return self.price, money(self.price * Decimal("0.95")), money(self.price * Decimal("0.90"))


def supply(rows: Iterable[CatalogRow], seed: str) -> None:
    """Stock and lead time, seeded per file; a few rows leave them empty as real exports do."""
    rng = random.Random(seed)
    for row in rows:
        roll = rng.random()
        if row.lifecycle in ("淘汰", "obsolete"):
            row.stock, row.lead_time = 0, None
        elif roll < 0.06:
            row.stock, row.lead_time = None, None
        else:
            row.stock = 0 if roll < 0.15 else rng.randrange(1, 60) * row.package_qty * 5
            row.lead_time = rng.choice((3, 3, 7, 7, 15, 30)) if row.stock == 0 or roll > 0.5 else 1


# ------------------------------------------------------------------------------- 正泰 CHNT (xlsx)

# AC-3 rated current (A) -> rated power at 400 V (kW), list price for an AC 220 V coil (CNY)
NXC_RATINGS = {6: (2.2, 48.5), 9: (4, 56.8), 12: (5.5, 68.2), 16: (7.5, 92.4), 18: (7.5, 98.6), 22: (11, 128),
               25: (11, 138.5), 32: (15, 168), 38: (18.5, 238), 40: (18.5, 286), 50: (22, 352),
               65: (30, 428), 75: (37, 560), 85: (45, 628), 100: (45, 786)}
CJX2_SUCCESSOR_RATING = {9: 9, 12: 12, 18: 18, 25: 25, 32: 32, 40: 40, 50: 50, 65: 65, 80: 85, 95: 100}
CONTACTOR_TEMP = "-5~+40"
CHNT_COLUMNS = ("货号", "品牌", "型号", "分类", "系列", "名称", "英文名称", "描述", "生命周期", "替代货号", "单位",
                "包装数量", "最小起订量", "订购倍数", "库存", "交期(天)", "单价", "价格(≥100)", "价格(≥1000)",
                "图片", "规格书")
CHNT_GROUPS = (("基本信息", "货号", "描述"), ("供货信息", "生命周期", "交期(天)"), ("价格(元)", "单价", "价格(≥1000)"),
               ("资料", "图片", "规格书"))


def chnt_contactors() -> list[CatalogRow]:
    rows: list[CatalogRow] = []
    nxc_by_rating_coil: dict[tuple[int, str], str] = {}
    for i, (amps, (kw, price)) in enumerate(NXC_RATINGS.items()):
        coils = [(24, "AC"), (110, "AC"), (220, "AC"), (380, "AC")] + ([(24, "DC")] if amps <= 32 else [])
        for j, (volts, current) in enumerate(coils):
            sku = str(836000 + i * 10 + j)
            dc = current == "DC"
            mpn = f"NXC-{amps:02d}Z DC{volts}V" if dc else f"NXC-{amps:02d} {volts}V"
            aux = "1NO" if amps <= 32 else "1NO+1NC"
            coil_text = f"{current}{volts}V"
            rows.append(CatalogRow(
                sku=sku, mpn=mpn, category="交流接触器", series="NXC", name_zh=f"交流接触器 {mpn}",
                name_en=f"AC contactor {mpn}, {amps} A AC-3, {volts} V {current} coil",
                description=f"NXC系列交流接触器，AC-3额定电流{amps}A，额定控制功率{kw}kW(400V)，线圈电压{coil_text}，"
                            f"辅助触点{aux}，用于电动机的控制与保护。",
                price=money(price * (1.35 if dc else 1)), lifecycle="active" if dc else "在产",
                unit="个", package_qty=1 if amps > 32 else 10, moq=1,
                image=f"images/chnt/nxc-{amps:02d}.jpg", datasheet="datasheets/chnt/NXC.pdf",
                params={"额定电流(A)": amps, "额定功率(kW)": kw, "线圈电压(V)": volts, "线圈电流类型": current,
                        "极数": "3P", "辅助触点": aux, "安装方式": "35mm导轨/螺钉" if amps <= 38 else "螺钉",
                        "工作温度(℃)": CONTACTOR_TEMP}))
            nxc_by_rating_coil[(amps, coil_text)] = sku
    # The CJX2 series NXC replaces: stopped or not for new designs, each pointing at its NXC successor.
    for i, (amps, successor_amps) in enumerate(CJX2_SUCCESSOR_RATING.items()):
        kw = NXC_RATINGS[successor_amps][0] if amps == successor_amps else {80: 37, 95: 45}[amps]
        aux_code, aux = ("10", "1NO") if amps <= 32 else ("11", "1NO+1NC")
        for j, volts in enumerate((220, 380)):
            mpn = f"CJX2-{amps:02d}{aux_code} {volts}V"
            rows.append(CatalogRow(
                sku=str(234100 + i * 10 + j), mpn=mpn, category="交流接触器", series="CJX2",
                name_zh=f"交流接触器 {mpn}", name_en=f"AC contactor {mpn}",
                description=f"CJX2系列交流接触器，AC-3额定电流{amps}A，线圈电压AC{volts}V。已由NXC系列替代。",
                price=money(NXC_RATINGS[successor_amps][1] * 0.85), lifecycle=_cjx2_lifecycle(amps, volts),
                successor=nxc_by_rating_coil[(successor_amps, f"AC{volts}V")], package_qty=1 if amps > 32 else 10,
                datasheet="datasheets/chnt/CJX2.pdf",
                params={"额定电流(A)": amps, "额定功率(kW)": kw, "线圈电压(V)": volts, "线圈电流类型": "AC",
                        "极数": "3P", "辅助触点": aux}))  # legacy rows: mounting and temperature never filled in
    rows.append(CatalogRow(
        sku="234195", mpn="CJX2-0901 220V", category="交流接触器", series="CJX2", name_zh="交流接触器 CJX2-0901 220V",
        name_en="AC contactor CJX2-0901 220V", description="CJX2系列交流接触器，9A，辅助触点1NC。",
        price=money(48.3), lifecycle="停产", package_qty=10,
        params={"额定电流(A)": 9, "额定功率(kW)": 4, "线圈电压(V)": 220, "线圈电流类型": "AC", "极数": "3P",
                "辅助触点": "1NC"}))
    return rows


def _cjx2_lifecycle(amps: int, volts: int) -> str:
    """Small frames are stopped (220 V coil) or not for new designs (380 V); big frames obsolete or EOL."""
    if amps <= 32:
        return "停产" if volts == 220 else "不推荐新设计"
    return "淘汰" if amps >= 65 else "EOL"


NXB63_PRICE_1P = {1: 21.5, 2: 21.5, 3: 21.5, 4: 21.5, 6: 17.8, 10: 17.8, 16: 17.8, 20: 17.8, 25: 17.8, 32: 19.6,
                  40: 23.4, 50: 28.9, 63: 31.2}
POLE_FACTOR = {"1P": 1, "1P+N": 1.6, "2P": 2.1, "3P": 3.2, "4P": 4.3}
POLE_COUNT = {"1P": 1, "1P+N": 1, "2P": 2, "3P": 3, "4P": 4}  # 1P+N is one 18 mm module


def _mcb_row(series: str, sku: str, poles: str, curve: str, amps: int, kiloamps: int, price: float,
             width_mm: float | None, temp: str | None, **extra) -> CatalogRow:
    mpn = f"{series} {poles} {curve}{amps}"
    params: dict[str, object] = {"额定电流(A)": amps, "分断能力(kA)": kiloamps, "脱扣曲线": curve, "极数": poles,
                                 "额定电压(V)": 230 if poles == "1P" else 400}
    if width_mm is not None:
        params["宽度(mm)"] = width_mm
    if temp is not None:
        params["工作温度(℃)"] = temp
    return CatalogRow(
        sku=sku, mpn=mpn, category="小型断路器", series=series, name_zh=f"小型断路器 {mpn}",
        name_en=f"Miniature circuit breaker {series} {poles} {curve}{amps} {kiloamps}kA",
        description=f"{series}小型断路器，{poles}，{curve}型脱扣曲线，额定电流{amps}A，额定短路分断能力{kiloamps}kA，"
                    "适用于照明及配电线路的过载和短路保护。",
        price=money(price), image=f"images/chnt/{series.lower()}-{poles.lower()}.jpg",
        datasheet=f"datasheets/chnt/{series}.pdf", **extra, params=params)


def chnt_breakers() -> list[CatalogRow]:
    rows: list[CatalogRow] = []
    nxb_1p_c: dict[int, str] = {}
    variants = ([("1P", "C", a) for a in NXB63_PRICE_1P] + [("2P", "C", a) for a in NXB63_PRICE_1P]
                + [("3P", "C", a) for a in NXB63_PRICE_1P]
                + [("1P", "D", a) for a in (6, 10, 16, 20, 25, 32, 40, 63)]
                + [("3P", "D", a) for a in (6, 10, 16, 20, 25, 32, 40, 63)]
                + [("4P", "C", a) for a in (16, 25, 32, 40, 63)] + [("1P", "B", a) for a in (6, 10, 16, 20)])
    for i, (poles, curve, amps) in enumerate(variants):
        sku = str(814000 + i)
        price = NXB63_PRICE_1P[amps] * POLE_FACTOR[poles] * (1.15 if curve == "D" else 1)
        # Newest additions have no width or temperature filled in yet: gaps for catalog quality to find.
        gaps = curve == "B"
        rows.append(_mcb_row("NXB-63", sku, poles, curve, amps, 6, price, None if gaps else 18 * POLE_COUNT[poles],
                             None if gaps else "-25~+55", unit="只", package_qty=12 if poles == "1P" else 6))
        if poles == "1P" and curve == "C":
            nxb_1p_c[amps] = sku
    for i, amps in enumerate((63, 80, 100, 125)):
        rows.append(_mcb_row("NXB-125", str(815500 + i), "3P", "C", amps, 10, 246 + 38 * i, 81, "-25~+55",
                             unit="只", package_qty=1, lead_time=15))
    for i, amps in enumerate((6, 10, 16, 20, 25, 32)):
        rows.append(_mcb_row("DZ47-60", str(170300 + i), "1P", "C", amps, 6, 12.6, 17.5, None, unit="只",
                             package_qty=12, lifecycle="淘汰" if amps < 16 else "停产", successor=nxb_1p_c[amps]))
    return rows


# series -> contact form, contact rating (A), terminals, LED, coils, list price (CNY)
RELAY_SERIES = {
    "JZX-22F(D)/2Z": ("2CO", 5, "8脚扁插", True, ("DC12V", "DC24V", "AC24V", "AC110V", "AC220V"), 11.8),
    "JZX-22F(D)/4Z": ("4CO", 3, "14脚扁插", True, ("DC12V", "DC24V", "AC24V", "AC110V", "AC220V"), 13.9),
    "JQX-13F(D)/2Z": ("2CO", 10, "8脚扁插", True, ("DC12V", "DC24V", "AC110V", "AC220V"), 18.6),
    "JTX-2C": ("2CO", 5, "8脚圆插", False, ("DC24V", "AC110V", "AC220V"), 15.2),
    "JTX-3C": ("3CO", 5, "11脚圆插", False, ("DC24V", "AC110V", "AC220V"), 17.4),
    "JZX-22F/2Z": ("2CO", 5, "8脚扁插", False, ("DC24V", "AC220V"), 10.5),
}


def chnt_relays() -> list[CatalogRow]:
    rows: list[CatalogRow] = []
    by_mpn: dict[str, str] = {}
    for i, (series, (form, rating, terminals, led, coils, price)) in enumerate(RELAY_SERIES.items()):
        for j, coil in enumerate(coils):
            current, volts = coil[:2], int(coil[2:-1])
            mpn = f"{series} {coil}"
            sku = str(511000 + i * 10 + j)
            legacy = series == "JZX-22F/2Z"
            params: dict[str, object] = {"线圈电压(V)": volts, "线圈电流类型": current, "触点形式": form,
                                         "触点额定电流(A)": rating, "端子形式": terminals,
                                         "带指示灯": "是" if led else "否"}
            if not legacy and j != 1:  # the catalog team left the temperature out on a few rows
                params["工作温度(℃)"] = "-25~+55"
            rows.append(CatalogRow(
                sku=sku, mpn=mpn, category="中间继电器", series=series.split("/")[0].replace("(D)", ""),
                name_zh=f"中间继电器 {mpn}",
                name_en=f"Intermediate relay {mpn}, {form} {rating}A" + (" with LED" if led else ""),
                description=f"{series}小型中间继电器，{form}触点，触点额定电流{rating}A，线圈{coil}，{terminals}"
                            + ("，带LED指示灯" if led else "") + "。",
                price=money(price * (1.1 if current == "AC" else 1)), lifecycle="不推荐新设计" if legacy else "在产",
                successor=by_mpn.get(f"JZX-22F(D)/2Z {coil}", "") if legacy else "", unit="只",
                package_qty=10, moq=10, order_multiple=10, datasheet="datasheets/chnt/relays.pdf", params=params))
            by_mpn[mpn] = sku
    return rows


CHNT_SHEETS = {
    "接触器": ("contactor", chnt_contactors, ("额定电流(A)", "额定功率(kW)", "线圈电压(V)", "线圈电流类型", "极数",
                                              "辅助触点", "安装方式", "工作温度(℃)")),
    "断路器": ("mcb", chnt_breakers, ("额定电流(A)", "分断能力(kA)", "脱扣曲线", "极数", "额定电压(V)", "宽度(mm)",
                                       "工作温度(℃)")),
    "继电器": ("relay", chnt_relays, ("线圈电压(V)", "线圈电流类型", "触点形式", "触点额定电流(A)", "端子形式",
                                      "带指示灯", "工作温度(℃)")),
}


def chnt_catalog() -> dict[str, tuple[tuple[str, ...], list[CatalogRow]]]:
    """Sheet name -> (parameter headers, rows)."""
    sheets = {name: (headers, build()) for name, (_, build, headers) in CHNT_SHEETS.items()}
    supply((row for _, rows in sheets.values() for row in rows), "CHNT")
    return sheets


def write_chnt_xlsx(path: Path, sheets: dict[str, tuple[tuple[str, ...], list[CatalogRow]]]) -> int:
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold, title_font = Font(bold=True), Font(bold=True, size=14)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    group_fill = PatternFill("solid", fgColor="BDD7EE")
    count = 0
    for sheet_name, (param_headers, rows) in sheets.items():
        sheet = workbook.create_sheet(sheet_name)
        headers = CHNT_COLUMNS + param_headers
        last = get_column_letter(len(headers))
        sheet.append(["正泰电器 2026年产品目录"])
        sheet.merge_cells(f"A1:{last}1")
        sheet["A1"].font, sheet["A1"].alignment = title_font, Alignment(horizontal="center")
        groups = (*CHNT_GROUPS, ("技术参数", param_headers[0], param_headers[-1]))
        for label, first, final in groups:
            start, end = headers.index(first) + 1, headers.index(final) + 1
            cell = sheet.cell(row=2, column=start, value=label)
            cell.font, cell.fill, cell.alignment = bold, group_fill, Alignment(horizontal="center")
            sheet.merge_cells(start_row=2, start_column=start, end_row=2, end_column=end)
        sheet.append(list(headers))
        for cell in sheet[3]:
            cell.font, cell.fill = bold, header_fill
        for row in rows:
            sheet.append([row.sku, "正泰", row.mpn, row.category, row.series, row.name_zh, row.name_en,
                          row.description, row.lifecycle, row.successor or None, row.unit, row.package_qty, row.moq,
                          row.order_multiple, row.stock, row.lead_time, *row.price_breaks(), row.image or None,
                          row.datasheet or None, *(row.params.get(h) for h in param_headers)])
        for column in range(17, 20):
            for (cell,) in sheet.iter_rows(min_row=4, min_col=column, max_col=column):
                cell.number_format = "0.00"
        for index, header in enumerate(headers, start=1):
            width = {"描述": 48, "英文名称": 40, "名称": 28, "型号": 22}.get(header, max(8, len(header) * 2 + 2))
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "B4"
        count += len(rows)
    workbook.properties.creator = workbook.properties.last_modified_by = "正泰电器 产品数据部"
    workbook.properties.title = "正泰电器 2026年产品目录"
    workbook.properties.created = workbook.properties.modified = CATALOG_DATE
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(_fixed_timestamps(buffer.getvalue()))
    return count


def _fixed_timestamps(xlsx: bytes) -> bytes:
    """openpyxl stamps the save time into docProps/core.xml and every zip entry; pin both to CATALOG_DATE."""
    stamp = CATALOG_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), content)
            info = zipfile.ZipInfo(entry.filename, date_time=CATALOG_DATE.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()


# ------------------------------------------------------------------------------- 德力西 DELIXI (csv, GBK)

DELIXI_COLUMNS = ("物料编码", "品牌", "规格型号", "产品分类", "产品系列", "产品名称", "英文名称", "产品描述",
                  "产品状态", "替代型号", "销售单位", "每包数量", "起订量", "递增量", "库存数量", "货期", "含税单价",
                  "阶梯价100", "阶梯价1000")
DELIXI_PARAMS = ("额定电流（A）", "额定功率（kW）", "线圈电压", "线圈类型", "极数", "辅助触点", "分断能力（kA）",
                 "脱扣曲线", "额定电压（V）", "触点形式", "触点容量（A）", "指示灯", "检测距离（mm）", "工作电压",
                 "输出类型", "输出状态", "外形规格", "安装方式", "防护等级", "外壳材质", "工作温度（℃）")
# CJX2s rating -> (kW at 400 V, price at AC 220 V)
CJX2S_RATINGS = {9: (4, 42.5), 12: (5.5, 51.8), 18: (7.5, 73.6), 25: (11, 104), 32: (15, 128), 38: (18.5, 176),
                 40: (18.5, 215), 50: (22, 268), 65: (30, 325), 80: (37, 436), 95: (45, 498)}


def delixi_sku(mpn: str) -> str:
    """DELIXI order codes are the type designation without spaces, upper case (`CJX2S-0910-AC220V`)."""
    return re.sub(r"\s+", "-", mpn.strip()).upper()


def delixi_contactors() -> list[CatalogRow]:
    rows = []
    for amps, (kw, price) in CJX2S_RATINGS.items():
        aux_code, aux = ("10", "1NO") if amps <= 38 else ("11", "1NO+1NC")
        for volts in (220, 380, 24):
            mpn = f"CJX2s-{amps:02d}{aux_code} AC{volts}V"
            # One in three rows spells its values the old way: "9安", "220伏".
            chinese_units = (amps + volts) % 3 == 0
            rows.append(CatalogRow(
                sku=delixi_sku(mpn), mpn=mpn, category="交流接触器", series="CJX2s", name_zh=f"交流接触器 {mpn}",
                name_en=f"AC contactor {mpn}, {amps}A, AC{volts}V coil",
                description=f"CJX2s系列交流接触器，AC-3额定电流{amps}A，控制功率{kw}kW，线圈AC{volts}V 50Hz，"
                            f"辅助触点{aux}。",
                price=money(price * (1.06 if volts == 24 else 1)), unit="台", package_qty=1 if amps > 38 else 10,
                params={"额定电流（A）": f"{amps}安" if chinese_units else amps, "额定功率（kW）": kw,
                        "线圈电压": f"{volts}伏" if chinese_units else f"AC{volts}V", "线圈类型": "AC", "极数": "3P",
                        "辅助触点": aux, "安装方式": "35mm导轨/螺钉" if amps <= 38 else "螺钉",
                        "工作温度（℃）": CONTACTOR_TEMP}))
    for amps in (9, 12, 18, 25, 32):
        mpn = f"CJX2-{amps:02d}10 AC220V"
        rows.append(CatalogRow(
            sku=delixi_sku(mpn), mpn=mpn, category="交流接触器", series="CJX2", name_zh=f"交流接触器 {mpn}",
            name_en=f"AC contactor {mpn}", description=f"CJX2系列交流接触器{amps}A，已停产，请选用CJX2s系列。",
            price=money(CJX2S_RATINGS[amps][1] * 0.9), lifecycle="停产", unit="台", package_qty=10,
            successor=delixi_sku(f"CJX2s-{amps:02d}10 AC220V"),
            params={"额定电流（A）": amps, "线圈电压": "AC220V", "线圈类型": "AC", "极数": "3P", "辅助触点": "1NO"}))
    return rows


def delixi_breakers() -> list[CatalogRow]:
    rows = []
    variants = ([("1P", "C", a) for a in (6, 10, 16, 20, 25, 32, 40, 50, 63)]
                + [("1P+N", "C", a) for a in (16, 20)] + [("2P", "C", a) for a in (16, 25, 32, 63)]
                + [("3P", "C", a) for a in (16, 25, 32, 40, 63)] + [("3P", "D", a) for a in (16, 25, 32)])
    for poles, curve, amps in variants:
        mpn = f"CDB6i {poles} {curve}{amps}"
        rows.append(_delixi_breaker(mpn, "CDB6i", poles, curve, amps, 6,
                                    15.2 * POLE_FACTOR[poles] * (1.2 if amps >= 50 else 1)))
    for amps in (10, 16, 20, 25, 32):
        mpn = f"DZ47s 1P C{amps}"
        rows.append(_delixi_breaker(mpn, "DZ47s", "1P", "C", amps, 4.5, 11.8, lifecycle="停产",
                                    successor=delixi_sku(f"CDB6i 1P C{amps}")))
    return rows


def _delixi_breaker(mpn: str, series: str, poles: str, curve: str, amps: int, kiloamps: float, price: float,
                    **extra) -> CatalogRow:
    return CatalogRow(
        sku=delixi_sku(mpn), mpn=mpn, category="小型断路器", series=series, name_zh=f"小型断路器 {mpn}",
        name_en=f"Miniature circuit breaker {mpn}, {kiloamps}kA",
        description=f"{series}系列小型断路器，{poles}，{curve}曲线，{amps}A，分断能力{kiloamps}kA，AC230/400V。",
        price=money(price), unit="只", package_qty=12 if poles in ("1P", "1P+N") else 4, **extra,
        params={"额定电流（A）": amps, "分断能力（kA）": kiloamps, "脱扣曲线": curve, "极数": poles,
                "额定电压（V）": 230 if poles in ("1P", "1P+N") else 400, "工作温度（℃）": "-30~+70"})


def delixi_relays() -> list[CatalogRow]:
    rows = []
    for model, form, rating, with_led, price in (("CDZ9-52P", "2CO", 5, False, 9.6),
                                                 ("CDZ9-54P", "4CO", 3, False, 11.2),
                                                 ("CDZ9-52PL", "2CO", 5, True, 10.8),
                                                 ("CDZ9-54PL", "4CO", 3, True, 12.5)):
        for coil in (("DC24V", "AC220V", "DC12V", "AC110V") if not with_led else ("DC24V", "AC220V")):
            mpn = f"{model} {coil}"
            rows.append(CatalogRow(
                sku=delixi_sku(mpn), mpn=mpn, category="中间继电器", series="CDZ9", name_zh=f"小型电磁继电器 {mpn}",
                name_en=f"Miniature relay {mpn}",
                description=f"CDZ9系列中间继电器，{form}，触点{rating}A，线圈{coil}。",
                price=money(price), unit="只", package_qty=10, moq=10, order_multiple=10,
                params={"线圈电压": coil, "线圈类型": coil[:2], "触点形式": form, "触点容量（A）": rating,
                        "指示灯": "有" if with_led else "无", "工作温度（℃）": "-25~+55"}))
    return rows


# housing thread, sensing distance (mm), flush?, list price
LJ_SIZES = (("M8", 2, True, 38), ("M12", 4, True, 36), ("M12", 8, False, 39), ("M18", 8, True, 42),
            ("M18", 12, False, 45), ("M30", 15, True, 58))
LJ_OUTPUTS = (("BX", "NPN", "NO"), ("AX", "NPN", "NC"), ("BY", "PNP", "NO"), ("AY", "PNP", "NC"))


def delixi_sensors() -> list[CatalogRow]:
    rows = []
    for thread, distance, flush, price in LJ_SIZES:
        for code, output, logic in LJ_OUTPUTS if flush else LJ_OUTPUTS[::2]:
            mpn = f"LJ{thread[1:]}A3-{distance}-Z/{code}"
            params = {"检测距离（mm）": distance, "工作电压": "DC6~36V", "输出类型": output, "输出状态": logic,
                      "外形规格": thread, "安装方式": "齐平" if flush else "非齐平", "外壳材质": "镀镍黄铜",
                      "工作温度（℃）": "-25~+70"}
            if thread != "M8":  # the M8 data sheet gives no protection class
                params["防护等级"] = "IP67"
            rows.append(CatalogRow(
                sku=delixi_sku(mpn), mpn=mpn, category="电感式接近开关", series="LJ", name_zh=f"电感式接近开关 {mpn}",
                name_en=f"Inductive proximity sensor {mpn}, {thread}, Sn {distance}mm, {output} {logic}",
                description=f"{thread}电感式接近开关，检测距离{distance}mm，{'齐平' if flush else '非齐平'}安装，"
                            f"直流三线{output}{'常开' if logic == 'NO' else '常闭'}输出，DC6~36V。",
                price=money(price), lifecycle="不推荐新设计" if thread == "M8" and logic == "NC" else "在产",
                unit="只", package_qty=1, params=params))
    return rows


def delixi_catalog() -> list[CatalogRow]:
    rows = delixi_contactors() + delixi_breakers() + delixi_relays() + delixi_sensors()
    supply(rows, "DELIXI")
    return rows


def write_delixi_csv(path: Path) -> int:
    rows = delixi_catalog()
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(DELIXI_COLUMNS + DELIXI_PARAMS)
    for row in rows:
        writer.writerow([row.sku, "德力西", row.mpn, row.category, row.series, row.name_zh, row.name_en,
                         row.description, row.lifecycle, row.successor, row.unit, row.package_qty, row.moq,
                         row.order_multiple, _blank(row.stock), f"{row.lead_time}天" if row.lead_time else "",
                         *row.price_breaks(), *(_blank(row.params.get(h)) for h in DELIXI_PARAMS)])
    path.write_bytes(buffer.getvalue().encode("gbk"))
    return len(rows)


def _blank(value: object) -> object:
    return "" if value is None else value


# ------------------------------------------------------------------------------- 恒冠 HGT (BMEcat 2005)

BMECAT_NS = "http://www.bmecat.org/bmecat/2005"

# designation: d, D, B (mm), C, C0 (N), limiting speed with grease (r/min), mass (kg) -- 62 and 63 series
DEEP_GROOVE = {
    "6200": (10, 30, 9, 5070, 2360, 19000, 0.032), "6201": (12, 32, 10, 6890, 3100, 18000, 0.037),
    "6202": (15, 35, 11, 7800, 3750, 17000, 0.045), "6203": (17, 40, 12, 9950, 4750, 16000, 0.065),
    "6204": (20, 47, 14, 13500, 6550, 14000, 0.106), "6205": (25, 52, 15, 14800, 7800, 12000, 0.128),
    "6206": (30, 62, 16, 20300, 11200, 9500, 0.199), "6207": (35, 72, 17, 27000, 15300, 8500, 0.288),
    "6208": (40, 80, 18, 32500, 19000, 8000, 0.366), "6209": (45, 85, 19, 35100, 21600, 7000, 0.407),
    "6210": (50, 90, 20, 37100, 23200, 6700, 0.463), "6300": (10, 35, 11, 8520, 3400, 18000, 0.053),
    "6301": (12, 37, 12, 10800, 4150, 17000, 0.060), "6302": (15, 42, 13, 11900, 5400, 16000, 0.082),
    "6303": (17, 47, 14, 14300, 6550, 15000, 0.115), "6304": (20, 52, 15, 16800, 7800, 13000, 0.144),
    "6305": (25, 62, 17, 23400, 11600, 10000, 0.232), "6306": (30, 72, 19, 29600, 16000, 8500, 0.346),
    "6307": (35, 80, 21, 35100, 19000, 8000, 0.457), "6308": (40, 90, 23, 42300, 24000, 7000, 0.633),
}
SEALS = {"开式": ("", "open", 1.0), "ZZ": ("-ZZ", "metal shields", 1.12), "2RS": ("-2RS", "rubber seals", 1.2)}
OLD_GB_PREFIX = {"ZZ": "80", "2RS": "180"}  # GB/T 272 designations before 1993: 180205 = 6205-2RS

# ISO 4762 by thread: pitch, head diameter dk max, socket size s (mm; head height k = d), lengths sold
SOCKET_HEAD = {
    "M3": (0.5, 5.5, 2.5, (6, 8, 10, 12, 16)), "M4": (0.7, 7.0, 3, (8, 10, 12, 16, 20)),
    "M5": (0.8, 8.5, 4, (10, 12, 16, 20, 25)), "M6": (1.0, 10.0, 5, (12, 16, 20, 25, 30)),
    "M8": (1.25, 13.0, 6, (16, 20, 25, 30, 40)), "M10": (1.5, 16.0, 8, (20, 25, 30, 40, 50)),
    "M12": (1.75, 18.0, 10, (25, 30, 40, 50, 60)), "M16": (2.0, 24.0, 14, (30, 40, 50, 60, 80)),
}
# property class -> finish, SKU code, price factor
SCREW_GRADES = {"8.8": ("镀锌", "88Z", 0.8), "10.9": ("发黑", "109", 0.9), "12.9": ("发黑", "129", 1.0),
                "A2-70": ("本色", "A2", 2.6)}
FINISH_EN = {"镀锌": "zinc plated", "发黑": "black oxide", "本色": "plain"}
SCREW_STANDARD = "GB/T 70.1-2008 (ISO 4762, DIN 912)"


@dataclass
class Feature:
    name_zh: str
    name_en: str
    value: str
    unit: str | None = None


@dataclass
class BmecatProduct:
    sku: str
    mpn: str
    category: str
    short_zh: str
    short_en: str
    long_zh: str
    long_en: str
    features: list[Feature]
    prices: list[tuple[int, Decimal]]  # (lower bound in order units, price per price quantity)
    price_quantity: int = 1
    quantity_min: int = 1
    quantity_interval: int = 1
    lead_time: int = 3
    media: list[tuple[str, str, str, str]] = field(default_factory=list)  # (type, source, purpose, description)
    successor: str | None = None
    obsolete: bool = False


def _number(value: float) -> str:
    return f"{value:g}"


def hgt_bearings() -> list[BmecatProduct]:
    products: list[BmecatProduct] = []
    for designation, (bore, outer, width, dynamic, static, speed, mass) in DEEP_GROOVE.items():
        base_price = 2.2 + 0.0032 * outer * outer
        for seal, (suffix, seal_en, factor) in SEALS.items():
            clearances = ("CN", "C3") if seal == "ZZ" and designation.startswith("62") else ("CN",)
            for clearance in clearances:
                mpn = f"{designation}{suffix}" + ("/C3" if clearance == "C3" else "")
                limit = round(speed * (0.6 if seal == "2RS" else 1), -2)
                products.append(_bearing(designation, mpn, seal, seal_en, clearance, bore, outer, width, dynamic,
                                         static, limit, mass, base_price * factor * (1.08 if clearance == "C3" else 1)))
    for designation in ("6204", "6205", "6206", "6305"):
        bore, outer, width, dynamic, static, speed, mass = DEEP_GROOVE[designation]
        for seal, prefix in OLD_GB_PREFIX.items():
            old = f"{prefix}{designation[1:]}"
            suffix, seal_en, factor = SEALS[seal]
            product = _bearing(designation, old, seal, seal_en, "CN", bore, outer, width, dynamic, static,
                               round(speed * (0.6 if seal == "2RS" else 1), -2), mass,
                               (2.2 + 0.0032 * outer * outer) * factor)
            product.successor, product.obsolete = f"HGT-{designation}{suffix}", True
            product.short_zh += f"（旧型号，现为{designation}{suffix}）"
            product.short_en += f" (old GB designation of {designation}{suffix})"
            products.append(product)
    return products


def _bearing(designation: str, mpn: str, seal: str, seal_en: str, clearance: str, bore: int, outer: int,
             width: int, dynamic: int, static: int, limit: float, mass: float, price: float) -> BmecatProduct:
    size = f"{bore}×{outer}×{width}"
    return BmecatProduct(
        sku=f"HGT-{mpn.replace('/', '-')}", mpn=mpn, category="bearing_deep_groove",
        short_zh=f"深沟球轴承 {mpn} {size}", short_en=f"Deep groove ball bearing {mpn} {bore}x{outer}x{width} mm",
        long_zh=f"单列深沟球轴承，内径{bore}mm，外径{outer}mm，宽度{width}mm，{seal}，径向游隙{clearance}，"
                f"GCr15轴承钢，P0级精度，基本额定动载荷{dynamic / 1000:g}kN。",
        long_en=f"Single row deep groove ball bearing, {bore} mm bore, {outer} mm outside diameter, {width} mm "
                f"wide, {seal_en}, {clearance} clearance, GCr15 bearing steel, P0 tolerance class.",
        features=[Feature("内径", "Bore diameter", str(bore), "mm"),
                  Feature("外径", "Outside diameter", str(outer), "mm"),
                  Feature("宽度", "Width", str(width), "mm"),
                  Feature("基本额定动载荷", "Basic dynamic load rating", str(dynamic), "N"),
                  Feature("基本额定静载荷", "Basic static load rating", str(static), "N"),
                  Feature("极限转速", "Limiting speed", _number(limit), "r/min"),
                  Feature("密封形式", "Seal type", seal),
                  Feature("径向游隙", "Radial internal clearance", clearance),
                  Feature("重量", "Mass", _number(mass), "kg")],
        prices=[(1, money(price)), (10, money(price * 0.95)), (100, money(price * 0.88))],
        lead_time=3 if designation.startswith("62") else 7,
        media=[("image/jpeg", f"images/hgt/{designation[:2]}xx-{seal.lower() if seal != '开式' else 'open'}.jpg",
                "normal", "产品图片"),
               ("application/pdf", "datasheets/hgt/deep-groove-62-63.pdf", "data_sheet", "样本"),
               ("model/step", f"cad/hgt/{designation}.stp", "others", "3D CAD (STEP AP214)")])


def hgt_screws() -> list[BmecatProduct]:
    products: list[BmecatProduct] = []
    for thread, (pitch, head, socket, lengths) in SOCKET_HEAD.items():
        diameter = int(thread[1:])
        step = 50 if diameter >= 12 else 100
        for length in lengths:
            for grade, (finish, code, factor) in SCREW_GRADES.items():
                price_per_100 = (2.0 + 0.011 * diameter * diameter * (length + 1.1 * diameter)) * factor
                products.append(_screw(thread, pitch, head, socket, diameter, length, grade, finish,
                                       f"HGT-S912-{thread}X{length}-{code}", f"{thread}x{length} DIN912 {grade}",
                                       SCREW_STANDARD, price_per_100, step))
    for thread, length in (("M6", 20), ("M8", 25), ("M10", 30), ("M12", 40)):
        pitch, head, socket, _ = SOCKET_HEAD[thread]
        diameter = int(thread[1:])
        product = _screw(thread, pitch, head, socket, diameter, length, "8.8", "镀锌",
                         f"HGT-GB70-{thread}X{length}-88", f"GB70-85 {thread}x{length} 8.8", "GB 70-85",
                         (2.0 + 0.011 * diameter * diameter * (length + 1.1 * diameter)) * 0.8, 100)
        product.successor, product.obsolete = f"HGT-S912-{thread}X{length}-88Z", True
        products.append(product)
    return products


def _screw(thread: str, pitch: float, head: float, socket: float, diameter: int, length: int, grade: str,
           finish: str, sku: str, mpn: str, standard: str, price_per_100: float, step: int) -> BmecatProduct:
    size = f"{thread}×{length}"
    return BmecatProduct(
        sku=sku, mpn=mpn, category="screw_socket_head",
        short_zh=f"内六角圆柱头螺钉 {size} {grade}级 {finish}",
        short_en=f"Hexagon socket head cap screw {thread}x{length} {grade} {FINISH_EN[finish]}",
        long_zh=f"内六角圆柱头螺钉，{standard}，螺纹{thread}×{_number(pitch)}，公称长度{length}mm，头部直径{_number(head)}mm，"
                f"性能等级{grade}，表面{finish}。",
        long_en=f"Hexagon socket head cap screw to {standard}, thread {thread}x{_number(pitch)}, length {length} mm, "
                f"property class {grade}, {FINISH_EN[finish]}.",
        features=[Feature("螺纹规格", "Thread size", thread), Feature("螺距", "Thread pitch", _number(pitch), "mm"),
                  Feature("公称长度", "Nominal length", str(length), "mm"),
                  Feature("头部直径", "Head diameter", _number(head), "mm"),
                  Feature("头部高度", "Head height", str(diameter), "mm"),
                  Feature("内六角对边", "Hexagon socket size", _number(socket), "mm"),
                  Feature("性能等级", "Property class", grade), Feature("表面处理", "Surface finish", finish),
                  Feature("执行标准", "Standard", standard)],
        # Screws are priced per 100 pieces and sold in whole boxes.
        prices=[(step, money(price_per_100)), (1000, money(price_per_100 * 0.9)),
                (10000, money(price_per_100 * 0.8))],
        price_quantity=100, quantity_min=step, quantity_interval=step, lead_time=5,
        media=[("image/jpeg", f"images/hgt/din912-{FINISH_EN[finish].split()[0]}.jpg", "normal", "产品图片"),
               ("model/step", f"cad/hgt/iso4762-{thread}x{length}.stp", "others", "3D CAD (STEP AP214)")])


def write_hgt_bmecat(path: Path) -> int:
    products = hgt_bearings() + hgt_screws()
    root = etree.Element(f"{{{BMECAT_NS}}}BMECAT", nsmap={None: BMECAT_NS}, version="2005")
    header = _sub(root, "HEADER")
    _sub(header, "GENERATOR_INFO", "恒冠 ERP 产品数据导出")
    catalog = _sub(header, "CATALOG")
    _sub(catalog, "LANGUAGE", "zho", default="true")
    _sub(catalog, "LANGUAGE", "eng")
    _sub(catalog, "CATALOG_ID", "HGT-2026")
    _sub(catalog, "CATALOG_VERSION", "2026.1")
    _sub(catalog, "CATALOG_NAME", "恒冠传动 轴承与紧固件 2026", lang="zho")
    _sub(catalog, "CATALOG_NAME", "Hengguan bearings and fasteners 2026", lang="eng")
    _date(catalog, "generation_date")
    _sub(catalog, "CURRENCY", "CNY")
    supplier = _sub(header, "SUPPLIER")
    _sub(supplier, "SUPPLIER_ID", "91330382MA2HGT2026", type="supplier_specific")
    _sub(supplier, "SUPPLIER_NAME", "恒冠传动紧固件")
    address = _sub(supplier, "ADDRESS", type="supplier")
    for name, text in (("NAME", "恒冠传动紧固件有限公司"), ("STREET", "经济开发区纬五路18号"), ("ZIP", "325600"),
                       ("CITY", "乐清"), ("COUNTRY", "中国"), ("COUNTRY_CODED", "CN"),
                       ("EMAIL", "catalog@hgt.example")):
        _sub(address, name, text)
    body = _sub(root, "T_NEW_CATALOG")
    for product in products:
        _bmecat_product(body, product)
    etree.indent(root, space="  ")
    path.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8") + b"\n")
    return len(products)


def _bmecat_product(parent: etree._Element, product: BmecatProduct) -> None:
    element = _sub(parent, "PRODUCT", mode="new")
    _sub(element, "SUPPLIER_PID", product.sku, type="supplier_specific")
    details = _sub(element, "PRODUCT_DETAILS")
    _sub(details, "DESCRIPTION_SHORT", product.short_zh, lang="zho")
    _sub(details, "DESCRIPTION_SHORT", product.short_en, lang="eng")
    _sub(details, "DESCRIPTION_LONG", product.long_zh, lang="zho")
    _sub(details, "DESCRIPTION_LONG", product.long_en, lang="eng")
    _sub(details, "MANUFACTURER_PID", product.mpn)
    _sub(details, "MANUFACTURER_NAME", "HGT")
    if product.obsolete:
        _sub(details, "PRODUCT_STATUS", "已淘汰 / discontinued", type="old_product")
    features = _sub(element, "PRODUCT_FEATURES")
    _sub(features, "REFERENCE_FEATURE_SYSTEM_NAME", "HGT-2026")
    _sub(features, "REFERENCE_FEATURE_GROUP_ID", product.category)
    for feature in product.features:
        node = _sub(features, "FEATURE")
        _sub(node, "FNAME", feature.name_zh, lang="zho")
        _sub(node, "FNAME", feature.name_en, lang="eng")
        _sub(node, "FVALUE", feature.value)
        if feature.unit:
            _sub(node, "FUNIT", feature.unit)
    order = _sub(element, "PRODUCT_ORDER_DETAILS")
    for name, value in (("ORDER_UNIT", "C62"), ("CONTENT_UNIT", "C62"), ("NO_CU_PER_OU", 1),
                        ("PRICE_QUANTITY", product.price_quantity), ("QUANTITY_MIN", product.quantity_min),
                        ("QUANTITY_INTERVAL", product.quantity_interval)):
        _sub(order, name, str(value))
    prices = _sub(element, "PRODUCT_PRICE_DETAILS")
    _date(prices, "valid_start_date", "2026-01-01")
    for lower_bound, amount in product.prices:
        price = _sub(prices, "PRODUCT_PRICE", price_type="net_list")
        _sub(price, "PRICE_AMOUNT", str(amount))
        _sub(price, "PRICE_CURRENCY", "CNY")
        _sub(price, "TAX", "0.13")
        _sub(price, "LOWER_BOUND", str(lower_bound))
    logistics = _sub(element, "PRODUCT_LOGISTIC_DETAILS")
    _sub(logistics, "DELIVERY_TIME", str(product.lead_time))
    mime_info = _sub(element, "MIME_INFO")
    for mime_type, source, purpose, description in product.media:
        mime = _sub(mime_info, "MIME")
        _sub(mime, "MIME_TYPE", mime_type)
        _sub(mime, "MIME_SOURCE", source)
        _sub(mime, "MIME_DESCR", description)
        _sub(mime, "MIME_PURPOSE", purpose)
    if product.successor:
        reference = _sub(element, "PRODUCT_REFERENCE", type="followup")
        _sub(reference, "PROD_ID_TO", product.successor)


def _sub(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{BMECAT_NS}}}{name}", attributes)
    element.text = text
    return element


def _date(parent: etree._Element, kind: str, date: str | None = None) -> None:
    stamp = _sub(parent, "DATETIME", type=kind)
    _sub(stamp, "DATE", date or CATALOG_DATE.date().isoformat())
    if date is None:
        _sub(stamp, "TIME", CATALOG_DATE.time().isoformat())


# ------------------------------------------------------------------------------- cross references (csv)

XREF_COLUMNS = ("竞品品牌", "竞品型号", "我方品牌", "我方货号", "替代等级", "备注")
# other brand, other MPN, our CHNT MPN, grade (直接替代 drop-in / 功能替代 functional / 相似 similar), note
CROSS_REFERENCES = (
    ("施耐德", "LC1D09M7C", "NXC-09 220V", "功能替代", "AC-3 9A，线圈AC220V，1NO+1NC辅助触点需另加附件；安装孔距不同"),
    ("施耐德", "LC1D12M7C", "NXC-12 220V", "功能替代", "安装孔距不同"),
    ("施耐德", "LC1D18M7C", "NXC-18 220V", "功能替代", "安装孔距不同"),
    ("施耐德", "LC1D25M7C", "NXC-25 220V", "功能替代", ""),
    ("施耐德", "LC1D32M7C", "NXC-32 220V", "功能替代", ""),
    ("施耐德", "LC1D40AM7C", "NXC-40 220V", "功能替代", "施耐德为螺钉安装"),
    ("Schneider Electric", "LC1D09Q7C", "NXC-09 380V", "功能替代", "coil 380V AC"),
    ("西门子", "3RT6023-1AN20", "NXC-09 220V", "功能替代", "S00框架，线圈AC220V"),
    ("ABB", "AX09-30-10-80", "NXC-09 220V", "功能替代", ""),
    ("ABB", "AF09-30-10-13", "NXC-09 220V", "相似", "ABB为宽电压线圈100-250V AC/DC，正泰为固定AC220V线圈"),
    ("施耐德", "A9F18116", "NXB-63 1P C16", "直接替代", "iC65N 1P C16 6kA，18mm模数，DIN导轨"),
    ("施耐德", "A9F18132", "NXB-63 1P C32", "直接替代", "iC65N 1P C32"),
    ("施耐德", "A9F18216", "NXB-63 2P C16", "直接替代", "iC65N 2P C16"),
    ("施耐德", "A9F18325", "NXB-63 3P C25", "直接替代", "iC65N 3P C25"),
    ("ABB", "S201-C16", "NXB-63 1P C16", "直接替代", "S200系列 6kA"),
    ("ABB", "S203-C32", "NXB-63 3P C32", "直接替代", ""),
    ("西门子", "5SL6116-7CC", "NXB-63 1P C16", "直接替代", "5SL6 6kA"),
    ("Siemens", "5SY6310-7CC", "NXB-63 3P C10", "直接替代", ""),
    ("欧姆龙", "MY2N-GS DC24", "JZX-22F(D)/2Z DC24V", "直接替代", "8脚扁插，兼容PYF08A底座，带LED"),
    ("欧姆龙", "MY4N-GS AC220/240", "JZX-22F(D)/4Z AC220V", "直接替代", "14脚扁插，兼容PYF14A底座"),
    ("OMRON", "LY2N-J DC24", "JQX-13F(D)/2Z DC24V", "功能替代", "10A 2CO"),
    ("施耐德", "RXM2AB2BD", "JZX-22F(D)/2Z DC24V", "相似", "施耐德触点12A，正泰5A：负载电流需核对"),
)


def write_xref_csv(path: Path, chnt_sku_by_mpn: dict[str, str]) -> int:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(XREF_COLUMNS)
    for other_brand, other_mpn, our_mpn, grade, note in CROSS_REFERENCES:
        writer.writerow([other_brand, other_mpn, "正泰", chnt_sku_by_mpn[our_mpn], grade, note])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return len(CROSS_REFERENCES)


# ------------------------------------------------------------------------------- all files

def generate(out_dir: Path) -> dict[str, int]:
    """Write every sample file into `out_dir`; returns file name -> number of products (or rows)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chnt_sheets = chnt_catalog()
    chnt_sku_by_mpn = {row.mpn: row.sku for _, rows in chnt_sheets.values() for row in rows}
    return {
        "chnt_catalog.xlsx": write_chnt_xlsx(out_dir / "chnt_catalog.xlsx", chnt_sheets),
        "delixi_catalog.csv": write_delixi_csv(out_dir / "delixi_catalog.csv"),
        "bearings_fasteners_bmecat.xml": write_hgt_bmecat(out_dir / "bearings_fasteners_bmecat.xml"),
        "xref.csv": write_xref_csv(out_dir / "xref.csv", chnt_sku_by_mpn),
    }


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE_DIR
    for name, count in generate(target).items():
        print(f"{target / name}: {count}")
