"""Reading buyers' BOMs as they come: headers anywhere under titles, zh/en columns, designators, quantities,
stacked blocks, several sheets, mapping files, bad files — and every row accounted for exactly once."""

from __future__ import annotations

import os
import struct
from decimal import Decimal

import pytest
from bom_fixtures import PANEL_ROWS, assert_every_row_once, write_csv, write_panel_xlsx
from test_sheets import ods_cell, write_ods, write_raw_xlsx

from jbp.bom import read_bom, read_mapping
from jbp.bom.columns import field_for_header
from jbp.bom.designators import expand_designators
from jbp.bom.evidence import gather_evidence
from jbp.bom.partnumbers import cell_text, packaging_key
from jbp.bom.quantities import parse_bom_quantity
from jbp.errors import BomReadError, NotFoundError


def _lines_by_row(document):
    return {line.row: line for line in document.lines}


def test_header_is_found_under_a_merged_title_and_every_row_is_a_line_or_skipped_once(tmp_path):
    document = read_bom(write_panel_xlsx(tmp_path / "panel.xlsx"))
    assert_every_row_once(document)
    assert len(document.lines) == len(PANEL_ROWS)
    reasons = {row.row: row.reason for row in document.skipped}
    assert reasons == {1: "above the header (title)", 2: "blank row", 3: "header row", 17: "blank row",
                       18: "total row"}
    first = _lines_by_row(document)[4]
    assert first.fields == {"line_no": "1", "part_code": "836012", "name": "交流接触器", "mpn": "NXC-09 220V",
                            "maker": "正泰", "qty": "2"}
    assert first.qty == 2 and first.sheet == "电控柜BOM"


@pytest.mark.parametrize(("header", "field"), [
    ("型号", "mpn"), ("规格型号", "mpn"), ("物料编码", "part_code"), ("料号", "part_code"), ("品牌", "maker"),
    ("厂家", "maker"), ("制造商", "maker"), ("数量", "qty"), ("用量", "qty"), ("单机用量", "qty"),
    ("数量(个)", "qty"), ("描述", "description"), ("名称", "name"), ("规格", "spec"), ("位号", "designator"),
    ("备注", "note"), ("MPN", "mpn"), ("Manufacturer Part Number", "mpn"), ("Mfr. #", "mpn"), ("Mfr", "maker"),
    ("Part No.", "mpn"), ("Qty", "qty"), ("QTY.", "qty"), ("Quantity", "qty"), ("Qty (pcs)", "qty"),
    ("Designator", "designator"), ("Reference(s)", "designator"), ("Reference", "designator"), ("Value", "value"),
    ("Footprint", "footprint"), ("Description", "description"), ("Manufacturer", "maker"),
    ("ＭＰＮ", "mpn"), ("LibPart", None), ("Datasheet", None),
])
def test_zh_and_en_header_synonyms_name_their_field(header, field):
    assert field_for_header(header) == field


def test_designator_lists_expand_and_are_checked_against_the_quantity(tmp_path):
    path = write_csv(tmp_path / "kicad.csv", [
        ["Item", "Qty", "Reference(s)", "Value", "Footprint", "Manufacturer", "Part Number"],
        ["1", "6", "R1,R2,R5-R8", "10k", "0603", "Yageo", "RC0603FR-0710KL"],
        ["2", "3", "C1、C3", "100nF", "0402", "Murata", "GRM155R71C104KA88D"],
        ["3", "", "C10, C11, C12", "1uF", "0402", "Murata", "GRM155R61A105KE15D"],
        ["4", "2", "R8, R9", "4k7", "0603", "Yageo", "RC0603FR-074K7L"],
        ["5", "1", "R20-R18", "0", "0603", "Yageo", "RC0603JR-070RL"],
    ])
    lines = _lines_by_row(read_bom(path))
    assert lines[2].designators == ["R1", "R2", "R5", "R6", "R7", "R8"]
    assert lines[3].designators == ["C1", "C3"]
    assert "2 designators but quantity 3: check the line (quoted for 3)" in lines[3].notes
    assert lines[4].qty == 3 and "quantity taken from the 3 designators" in lines[4].notes
    assert lines[2].notes == ["designator R8 is also on row 5"]
    assert lines[5].notes == ["designator R8 is also on row 2"]
    assert "designator range R20-R18 runs backwards" in lines[6].notes


@pytest.mark.parametrize(("text", "designators", "repeated"), [
    ("R1,R2,R5-R8", ["R1", "R2", "R5", "R6", "R7", "R8"], []),
    ("C1、C3", ["C1", "C3"], []), ('"C1, C3"', ["C1", "C3"], []), ("R5~8", ["R5", "R6", "R7", "R8"], []),
    ("U1 U2;U3", ["U1", "U2", "U3"], []), ("R1 - R3", ["R1", "R2", "R3"], []), ("C1,C1", ["C1"], ["C1"]),
    ("J1A, SW_RESET", ["J1A", "SW_RESET"], []),
])
def test_designator_spellings(text, designators, repeated):
    expanded = expand_designators(text)
    assert expanded.names == designators and expanded.repeated == repeated


@pytest.mark.parametrize(("cell", "value", "unit"), [
    ("1,000", Decimal(1000), ""), ("2 pcs", Decimal(2), ""), ("10个", Decimal(10), ""), ("3 套", Decimal(3), ""),
    ("2.5 m", Decimal("2.5"), "m"), ("500mm", Decimal("0.5"), "m"), (4, Decimal(4), ""), (2.5, Decimal("2.5"), ""),
    ("１２", Decimal(12), ""),
])
def test_quantities_are_read_as_typed(cell, value, unit):
    quantity = parse_bom_quantity(cell)
    assert (quantity.value, quantity.unit, quantity.problem) == (value, unit, None)


@pytest.mark.parametrize(("cell", "problem"), [
    ("若干", "quantity '若干' is not a number"), ("TBD", "quantity 'TBD' is not a number"), (0, "quantity is zero"),
    ("-3", "quantity '-3' is negative"), (-3, "quantity '-3' is negative"),
    ("2-3", "quantity '2-3' is a range, not one quantity"),
    ("1,20", "quantity '1,20': cannot tell whether the comma separates thousands or decimals"),
])
def test_bad_quantities_say_why(cell, problem):
    assert parse_bom_quantity(cell).problem == problem


def test_bad_quantity_cells_make_invalid_lines_that_keep_their_row(tmp_path):
    document = read_bom(write_panel_xlsx(tmp_path / "panel.xlsx"))
    lines = _lines_by_row(document)
    assert lines[13].problems == ["quantity '若干' is not a number"]
    assert lines[14].problems == ["quantity is zero"]
    assert all(not line.problems for row, line in lines.items() if row not in (13, 14))


def test_part_numbers_stored_as_numbers_keep_their_digits(tmp_path):
    path = write_raw_xlsx(
        tmp_path / "bom.xlsx",
        '<row r="1"><c r="A1" t="inlineStr"><is><t>物料编码</t></is></c><c r="B1" t="inlineStr"><is><t>型号</t></is>'
        '</c><c r="C1" t="inlineStr"><is><t>数量</t></is></c></row>'
        '<row r="2"><c r="A2"><v>836012</v></c><c r="B2"><v>6205</v></c><c r="C2"><v>2</v></c></row>'
        '<row r="3"><c r="A3"><v>123456789012</v></c><c r="B3"><v>1.5</v></c><c r="C3"><v>1</v></c></row>',
        dimension="A1:C3")
    lines = read_bom(path).lines
    assert lines[0].fields["part_code"] == "836012" and lines[0].fields["mpn"] == "6205"
    assert lines[1].fields["part_code"] == "123456789012" and lines[1].fields["mpn"] == "1.5"
    assert cell_text(6205.0) == "6205" and cell_text(0.1) == "0.1"


@pytest.mark.parametrize(("text", "unit", "expected"), [
    ("4k7", "Ω", [("Ω", 4700.0)]), ("8p2", "F", [("F", 8.2e-12)]), ("2.2KΩ 1/4W", None, [("Ω", 2200.0), ("W", 0.25)]),
    ("100uF 16V", None, [("F", 1e-4), ("V", 16.0)]), ("RES 4.7K OHM 1/16W 1% 0402", None,
                                                      [("Ω", 4700.0), ("W", 0.0625), ("%", 1.0)]),
    ("交流接触器9A，线圈AC220V", None, [("A", 9.0), ("V", 220.0)]), ("10k", None, []),
])
def test_values_in_rkm_notation_or_packed_with_ratings_are_understood(text, unit, expected):
    readings = gather_evidence([(text, unit)]).readings
    assert [(r.unit, pytest.approx(r.value)) for r in readings] == expected


@pytest.mark.parametrize(("written", "key"), [
    ("LM358DR-TR", "LM358DR"), ("DAC0832LCWM/NOPB", "DAC0832LCWM"), ("LT1763CS8#PBF", "LT1763CS8"),
    ("GRM155R71C104KA88D-ND", "GRM155R71C104KA88D"), ("BSS84-7-F-REEL7", "BSS847F"), ("LTST-S220KRKT", None),
    ("6205-2RS", None),
])
def test_packaging_suffixes_come_off_only_after_a_separator(written, key):
    assert packaging_key(written) == key


def test_stacked_blocks_each_have_their_own_header_and_section_titles_are_skipped(tmp_path):
    path = write_csv(tmp_path / "stacked.csv", [
        ["主板 Main board"],
        ["序号", "型号", "品牌", "数量"],
        ["1", "NXC-09 220V", "正泰", "2"],
        ["2", "NXB-63 1P C16", "正泰", "4"],
        [],
        ["电源板 Power board"],
        ["Qty", "Part No.", "Description"],
        ["3", "836022", "AC contactor 12A"],
        ["合计", "", ""],
    ], encoding="gbk")
    document = read_bom(path)
    assert_every_row_once(document)
    assert [block.header_row for block in document.sheets[0].blocks] == [2, 7]
    assert [(line.row, line.block, line.qty) for line in document.lines] == [(3, 0, 2), (4, 0, 4), (8, 1, 3)]
    assert document.lines[2].fields["mpn"] == "836022"
    reasons = {row.row: row.reason for row in document.skipped}
    assert reasons == {1: "above the header (title)", 2: "header row", 5: "blank row", 6: "section title",
                       7: "header row", 9: "total row"}


def _two_boards(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["本清单共两块板"])
    for name, mpn in (("主板", "NXC-09 220V"), ("电源板", "NXB-63 1P C16")):
        sheet = workbook.create_sheet(name)
        sheet.append(["型号", "数量"])
        sheet.append([mpn, 1])
    path = tmp_path / "boards.xlsx"
    workbook.save(path)
    return path


def test_several_bom_sheets_must_be_chosen_and_the_error_lists_them(tmp_path):
    path = _two_boards(tmp_path)
    with pytest.raises(BomReadError, match=r"2 sheets hold a BOM: '主板' \(header in row 1, 1 rows below it\); "
                                           r"'电源板'.*--sheet NAME.*--all-sheets"):
        read_bom(path)
    chosen = read_bom(path, sheets=["电源板"])
    assert [line.fields["mpn"] for line in chosen.lines] == ["NXB-63 1P C16"]
    both = read_bom(path, all_sheets=True)
    assert [(line.sheet, line.position) for line in both.lines] == [("主板", 1), ("电源板", 2)]
    assert both.other_sheets == ["说明: no BOM header"]
    with pytest.raises(NotFoundError, match="no sheet named '备件'"):
        read_bom(path, sheets=["备件"])


def test_mapping_file_overrides_detection(tmp_path):
    path = write_csv(tmp_path / "odd.csv", [
        ["Pos", "Teilenummer", "Anzahl", "Hersteller", "Comment"],
        ["1", "NXC-09 220V", "2", "", "Schütz"],
    ])
    with pytest.raises(BomReadError, match="no recognisable BOM header"):
        read_bom(path)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[columns]\n"Teilenummer" = "mpn"\n"Anzahl" = "qty"\n"Hersteller" = "maker"\n'
                       '"Comment" = "ignore"\n[defaults]\nmaker = "正泰"\n', encoding="utf-8")
    document = read_bom(path, mapping=read_mapping(mapping))
    assert document.lines[0].fields == {"line_no": "1", "mpn": "NXC-09 220V", "qty": "2", "maker": "正泰"}
    columns = {c.header: (c.field, c.decided) for c in document.sheets[0].blocks[0].columns}
    assert columns["Teilenummer"] == ("mpn", "mapping") and columns["Pos"] == ("line_no", "detected")
    assert columns["Comment"] == (None, "mapping")
    mapping.write_text('[columns]\n"Teilenummer" = "partnumber"\n', encoding="utf-8")
    with pytest.raises(BomReadError, match="'partnumber': not a field; fields are line_no, mpn"):
        read_mapping(mapping)


def test_mapping_header_row_takes_the_named_row(tmp_path):
    path = write_csv(tmp_path / "bom.csv", [["型号", "数量"], ["old header", "x"], ["型号", "数量"],
                                            ["NXC-09 220V", "3"]])
    mapping = tmp_path / "m.toml"
    mapping.write_text("header_row = 3\n", encoding="utf-8")
    document = read_bom(path, mapping=read_mapping(mapping))
    assert [line.row for line in document.lines] == [4]
    assert_every_row_once(document)


def test_no_recognisable_header_says_which_headers_were_seen_and_expected(tmp_path):
    path = write_csv(tmp_path / "notes.csv", [["会议纪要", ""], ["日期", "内容"], ["11-20", "讨论报价"]])
    with pytest.raises(BomReadError) as caught:
        read_bom(path)
    message = str(caught.value)
    assert "notes.csv: no recognisable BOM header in the first 30 rows; seen: '日期', '内容'" in message
    assert "expected headers such as 型号/MPN/Part Number" in message and "--mapping" in message


def test_password_protected_and_corrupt_workbooks_are_refused_as_bom_errors(tmp_path):
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HH", header, 0x1C, 0xFFFE, 9)
    entries = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + struct.pack("<H", 2 * len(name) + 2).ljust(64, b"\0")
                       for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(bytes(header) + entries + os.urandom(1024))
    with pytest.raises(BomReadError, match="locked.xlsx: the workbook is password-protected"):
        read_bom(locked)
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(b"PK\x03\x04" + os.urandom(300))
    with pytest.raises(BomReadError, match="corrupt.xlsx: "):
        read_bom(corrupt)


def test_formula_values_are_used_and_a_formula_without_one_is_flagged(tmp_path):
    path = write_raw_xlsx(
        tmp_path / "bom.xlsx",
        '<row r="1"><c r="A1" t="inlineStr"><is><t>型号 Model</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>数量 Qty</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>6205-2RS</t></is></c><c r="B2"><f>2*6</f><v>12</v></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>6206</t></is></c><c r="B3"><f>B2*2</f></c></row>',
        dimension="A1:B3")
    # "型号 Model" is not a synonym by itself: a mapping names it
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\n"型号 Model" = "mpn"\n"数量 Qty" = "qty"\n', encoding="utf-8")
    lines = read_bom(path, mapping=read_mapping(mapping)).lines
    assert lines[0].qty == 12 and not lines[0].problems
    assert lines[1].qty is None
    assert lines[1].problems == ["column B (数量 Qty) is a formula without a saved value: open the file in Excel or "
                                 "LibreOffice and save it"]


def test_sheets_over_the_row_limit_are_refused_naming_the_setting(tmp_path):
    path = write_csv(tmp_path / "huge.csv", [["型号", "数量"]] + [[f"P{i}", "1"] for i in range(300)])
    with pytest.raises(BomReadError, match=r"more than 200 rows with data.*\[bom\] max_rows"):
        read_bom(path, max_rows=200)
    assert len(read_bom(path, max_rows=400).lines) == 300


def test_gbk_csv_with_quoted_designators_reads_like_utf8(tmp_path):
    rows = [["位号", "规格", "数量", "厂家"], ["C1, C3", "100nF 50V", "2", "村田"]]
    gbk = read_bom(write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")).lines[0]
    utf8 = read_bom(write_csv(tmp_path / "utf8.csv", rows, encoding="utf-8-sig")).lines[0]
    assert gbk.fields == utf8.fields == {"designator": "C1, C3", "spec": "100nF 50V", "qty": "2", "maker": "村田"}
    assert gbk.designators == ["C1", "C3"]


def test_a_maker_merged_down_several_rows_names_each_of_them(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["型号", "品牌", "数量"])
    for mpn in ("NXC-09 220V", "NXC-12 220V", "NXB-63 1P C16"):
        sheet.append([mpn, None, 1])
    sheet["B2"] = "正泰"
    sheet.merge_cells("B2:B4")
    path = tmp_path / "merged.xlsx"
    workbook.save(path)
    document = read_bom(path)
    assert [line.fields.get("maker") for line in document.lines] == ["正泰", "正泰", "正泰"]
    assert document.sheets[0].rows[2][1] is None  # the rows written back are the buyer's, unfilled


def test_ods_bom_reads_like_the_others(tmp_path):
    rows = "".join("<table:table-row>" + "".join(ods_cell(v) for v in row) + "</table:table-row>" for row in (
        ["规格型号", "品牌", "用量"], ["NXC-09 220V", "正泰", 2.0], ["6205-2RS", "恒冠", "4 pcs"]))
    document = read_bom(write_ods(tmp_path / "bom.ods", rows))
    assert_every_row_once(document)
    assert [(line.fields["mpn"], line.qty) for line in document.lines] == [("NXC-09 220V", 2), ("6205-2RS", 4)]


# ---------------------------------------------------------------- real third-party BOMs


def test_kicad_era_csv_reads_every_line_with_designators_matching_quantities(realdata):
    import csv

    path = realdata / "bom" / "hackrf-one-bom.csv"
    document = read_bom(path)
    assert_every_row_once(document)
    with path.open(encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    assert len(document.lines) == len(records)
    for line, record in zip(document.lines, records, strict=True):
        assert line.qty == Decimal(record["Qty"])
        assert line.fields["mpn"] == record["Part Number"] and line.fields["maker"] == record["Manufacturer"]
        written = [d.strip() for d in record["Reference(s)"].split(",")]
        assert line.designators == written
        assert (len(written) != int(record["Qty"])) == any("designators but quantity" in n for n in line.notes)
    eight_p_two = next(line for line in document.lines if line.fields["value"] == "8p2")
    assert gather_evidence([(eight_p_two.fields["value"], "F")]).readings[0].value == pytest.approx(8.2e-12)


def test_easyeda_export_reads_zh_en_makers_and_lcsc_codes(realdata):
    document = read_bom(realdata / "bom" / "chao-super_51-music-box_BOM.xlsx")
    assert_every_row_once(document)
    columns = {c.header: c.field for c in document.sheets[0].blocks[0].columns}
    assert columns["Manufacturer Part"] == "mpn" and columns["Manufacturer"] == "maker"
    assert columns["Designator"] == "designator" and columns["Supplier Part"] == "supplier_part"
    first = document.lines[0]
    assert first.row == 2 and len(document.lines) == len(document.sheets[0].rows) - 1
    murata = next(line for line in document.lines if line.fields.get("maker", "").startswith("muRata"))
    assert murata.fields["maker"] == "muRata(村田)" and murata.designators == ["C8", "C9"] and murata.qty == 2


def test_solidworks_mechanical_bom_reads_catalog_part_numbers(realdata):
    document = read_bom(realdata / "bom" / "exaspim_mechanical_BOM.xlsx")
    assert_every_row_once(document)
    columns = {c.header: c.field for c in document.sheets[0].blocks[0].columns}
    assert columns == {"ITEM NO.": "line_no", "SOLIDWORKS PART NUMBER": None, "CATALOG": "maker",
                       "CATALOG PART NUMBER": "mpn", "DESCRIPTION": "description", "QTY.": "qty"}
    rails = next(line for line in document.lines if line.fields["mpn"] == "XT95-1000")
    assert rails.qty == 2 and rails.fields["maker"] == "Thorlabs"
    assert all(not line.problems for line in document.lines)
