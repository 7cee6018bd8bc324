"""Small catalogs built in code: definitions, and writers for csv/xlsx files shaped like real ones."""

from __future__ import annotations

import csv
from pathlib import Path

from jbp.catalog.definitions import define
from jbp.workspace import Workspace

DEFINITIONS = """
[[brands]]
code = "CHNT"
name_zh = "正泰"
name_en = "CHINT"
aliases = ["正泰电器"]

[[brands]]
code = "DELIXI"
name_zh = "德力西"
name_en = "DELIXI"

[[categories]]
code = "lv_control"
name_zh = "低压控制"
name_en = "Low-voltage control"

[[categories]]
code = "contactor"
name_zh = "交流接触器"
name_en = "AC contactor"
parent = "lv_control"

[[categories.parameters]]
code = "rated_current"
name_zh = "额定电流"
name_en = "Rated current"
unit = "A"
comparison = "at_least"
required = true

[[categories.parameters]]
code = "coil_voltage"
name_zh = "线圈电压"
name_en = "Coil voltage"
unit = "V"
key = true
required = true

[[categories.parameters]]
code = "poles"
name_zh = "极数"
name_en = "Poles"
kind = "enum"
allowed_values = ["3P", "4P"]
key = true

[[categories.parameters]]
code = "operating_temp"
name_zh = "工作温度"
name_en = "Operating temperature"
kind = "range"
unit = "°C"
comparison = "covers"

[[categories]]
code = "sensor"
name_zh = "接近开关"
name_en = "Proximity sensor"

[[categories.parameters]]
code = "supply_voltage"
name_zh = "工作电压"
name_en = "Supply voltage"
kind = "range"
unit = "V"
comparison = "covers"
required = true

[[categories.parameters]]
code = "sensing_distance"
name_zh = "检测距离"
name_en = "Sensing distance"
unit = "m"
comparison = "at_least"
"""

HEADER = ["货号", "品牌", "型号", "分类", "名称", "单价", "价格(≥100)", "库存", "生命周期",
          "额定电流(A)", "线圈电压", "极数", "工作温度"]
ROWS = [
    ["NXC-09-220", "正泰", "NXC-09", "交流接触器", "交流接触器 9A", "12,50", "11.8", "120", "在产",
     "9", "220VAC", "3P", "-25~+70℃"],
    ["NXC-12-220", "CHNT", "NXC-12", "contactor", "交流接触器 12A", "15", "14", "0", "停产",
     "12000mA", "AC220V", "3p", "-25 ~ 55 °C"],
    ["NXC-18-024", "CHINT", "NXC-18", "contactor", "交流接触器 18A", "21.5", "", "35", "active",
     "18", "24VDC", "4P", ""],
]


def write_definitions(folder: Path) -> Path:
    path = folder / "definitions.toml"
    path.write_text(DEFINITIONS, encoding="utf-8")
    return path


def defined_workspace(workspace: Workspace, folder: Path) -> Workspace:
    define(workspace.store, write_definitions(folder))
    return workspace


def write_csv(path: Path, rows: list[list[str]], header: list[str] | None = None, *, encoding: str = "gbk",
              title: bool = True) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        if title:
            writer.writerow(["正泰电器 2026 产品目录"])
            writer.writerow([])
        writer.writerow(header or HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]], *, title_rows: int = 2) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        if title_rows:
            sheet.append(["正泰电器 2026年产品目录"])
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
            for _ in range(title_rows - 1):
                sheet.append([])
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path
