"""BOM test fixtures built in code: the sample catalog in a workspace shared by a test module (SQLite, and
PostgreSQL when JBP_TEST_PG is set), buyers' BOM files shaped like real ones, and the row invariant."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from conftest import PG_URL, SAMPLE, needs_pg, pg_schema_url
from sqlalchemy import create_engine, text

from jbp.bom import BomDocument
from jbp.catalog.definitions import define
from jbp.catalog.importing import import_catalog
from jbp.catalog.substitution import import_xrefs
from jbp.workspace import Workspace, init_workspace

NOW = "2026-11-20T09:00:00"

# The panel shop's BOM for an electrical cabinet: our SKU in 物料编码, MPNs in any spelling, competitor parts,
# a line described only by its values, an obsolete part, a part short of stock, and lines with bad cells.
PANEL_HEADER = ["序号", "物料编码", "名称", "规格型号", "品牌", "数量", "备注"]
PANEL_ROWS = [
    [1, "836012", "交流接触器", "NXC-09 220V", "正泰", 2, None],  # our SKU
    [2, None, "交流接触器", "nxc09/220v", "CHINT", "4 pcs", None],  # MPN, case and separators
    [3, None, "接触器", "LC1D09M7C", "施耐德", 3, None],  # cross-reference
    [4, None, "接触器", "LC1-D12M7C", "Schneider Electric", 1, None],  # cross-reference through a maker alias
    [5, None, "交流接触器 9A 220V 3P", None, None, 2, "无型号"],  # parametric
    [6, None, "小型断路器", "ＮＸＢ－６３　１Ｐ　Ｃ１６", "正泰", "1,000", None],  # full width; short of stock
    [7, None, "交流接触器", "CJX2-8011 220V", "正泰", 1, "老型号"],  # obsolete
    [8, None, "交流接触器", "NXC-09", "正泰", 2, "线圈220V"],  # part of an MPN, the note decides
    [9, None, "交流接触器", "NXC-O9 220V", "正泰", 2, None],  # typo
    [10, None, "按钮", "XB2-BA31", "施耐德", "若干", None],  # text as quantity
    [11, None, "交流接触器", "NXC-12 220V", "正泰", 0, None],  # zero quantity
    [12, None, "=HYPERLINK(\"http://evil.example\",\"点击\")", "NXC-18 220V", "正泰", 1, "@SUM(A1)"],
    [13, None, "密封圈", "XYZ-000123", "某厂", 5, None],  # not ours
]


def write_panel_xlsx(path: Path, rows: list[list] | None = None, *, sheet: str = "电控柜BOM") -> Path:
    """Title row merged across, a blank row, the header, the lines, a blank row and a 合计 row."""
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(["XX机械 电控柜 物料清单 2026"])
    worksheet.merge_cells("A1:G1")
    worksheet.append([])
    worksheet.append(PANEL_HEADER)
    for row in rows if rows is not None else PANEL_ROWS:
        worksheet.append([None] * len(row))
        for column, value in enumerate(row, start=1):
            cell = worksheet.cell(row=worksheet.max_row, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text the buyer typed, even when it starts with "="
    worksheet.append([])
    worksheet.append([None, None, "合计", None, None, 30])
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list], *, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def assert_every_row_once(document: BomDocument) -> None:
    """Every row of every sheet read is a line or a skipped row, exactly once."""
    for sheet in document.sheets:
        lines = [line.row for line in document.lines if line.sheet == sheet.name]
        skipped = [row.row for row in document.skipped if row.sheet == sheet.name]
        assert sorted(lines + skipped) == list(range(1, len(sheet.rows) + 1)), sheet.name
        assert not set(lines) & set(skipped)


def unlimited_quotes(workspace: Workspace, folder: Path) -> None:
    """Put in force the default tier program with BOM quotes unlimited for unsigned brands, so a module's
    tests can quote freely; the quota itself is tested on a workspace of its own."""
    from jbp.tiers import use_program
    from jbp.tiers.program import DEFAULT_PROGRAM

    text_ = DEFAULT_PROGRAM.read_text(encoding="utf-8")
    assert "bom_ordering = 20\n" in text_
    program = folder / "program.toml"
    program.write_text(text_.replace("bom_ordering = 20\n", 'bom_ordering = "unlimited"\n'), encoding="utf-8")
    use_program(workspace.store, program, datetime(2026, 1, 1), "tests")


def sample_workspace(folder: Path, db_url: str | None) -> Workspace:
    workspace = init_workspace(folder / "ws", db_url=db_url)
    define(workspace.store, SAMPLE / "categories.toml")
    for name in ("chnt_catalog.xlsx", "delixi_catalog.csv", "bearings_fasteners_bmecat.xml"):
        report = import_catalog(workspace.store, SAMPLE / name)
        assert report.status == "committed"
    import_xrefs(workspace.store, SAMPLE / "xref.csv")
    unlimited_quotes(workspace, folder)
    return workspace


BACKENDS = ["sqlite", pytest.param("postgresql", marks=[needs_pg, pytest.mark.pg])]


def shared_sample_workspace(request, tmp_path_factory) -> Iterator[Workspace]:
    """The sample catalog (CHNT, DELIXI, HGT and the cross-reference sheet) for a module-scoped fixture
    parametrised over BACKENDS: a module's tests share it (each test quotes its own file or customer)."""
    folder = tmp_path_factory.mktemp("bom")
    if request.param == "sqlite":
        workspace = sample_workspace(folder, None)
        yield workspace
        workspace.store.close()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        workspace = sample_workspace(folder, pg_schema_url(schema))
        yield workspace
        workspace.store.close()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
