"""The shared tabular reader: values, merged cells, CSV encodings and delimiters, hostile files,
sheet choice and header detection. Fixture files are built in code (openpyxl, or raw zip parts)."""

from __future__ import annotations

import datetime as dt
import os
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from jbp.errors import CatalogImportError, NotFoundError
from jbp.sheets import (
    ReadLimits,
    column_letter,
    fill_merged,
    find_header_row,
    find_header_rows,
    formula_cells_without_cache,
    read_sheets,
)

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN_NS}" xmlns:r="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="BOM" sheetId="1" r:id="rId1"/>'
    "</sheets></workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>型号 Model</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>数量 Qty</t></is></c></row>'
)


def write_raw_xlsx(path: Path, sheet_data: str, *, dimension: str = "A1:B2", padding: str = "") -> Path:
    """An .xlsx whose single sheet 'BOM' has exactly the given <sheetData> content."""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN_NS}"><dimension ref="{dimension}"/>'
        f"<sheetData>{sheet_data}</sheetData>{padding}</worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def write_ods(path: Path, table_rows: str) -> Path:
    """An .ods whose single table '产品' has the given <table:table-row> elements."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="产品">{table_rows}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
        'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def ods_cell(value: str | float) -> str:
    if isinstance(value, str):
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="float" office:value="{value}"/>'


@pytest.fixture
def catalog_xlsx(tmp_path: Path) -> Path:
    """A catalog sheet with a title, a merged two-column header, typed values and a hidden sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "轴承 Bearings"
    sheet["B1"] = "XX公司产品目录 2026"
    sheet["B3"], sheet["C3"], sheet["D3"], sheet["F3"] = "型号 Model", "内径 d", "额定值 Ratings", "上市日期"
    sheet.merge_cells("D3:E3")
    sheet.merge_cells("B3:B4")
    sheet["D4"], sheet["E4"] = "动载荷 Cr", "静载荷 C0r"
    sheet.append([None, 6205, 25.0, 14.0, 7.85, dt.date(2026, 3, 1), True])
    sheet.append([None, "NU-6206", 30, 19.5, 11.3, dt.datetime(2026, 3, 1, 8, 30), False])
    for _ in range(3):
        sheet.append([])
    hidden = workbook.create_sheet("旧价格")
    hidden["A1"] = "作废 obsolete"
    hidden.sheet_state = "hidden"
    workbook.create_sheet("空白")
    path = tmp_path / "bearings.xlsx"
    workbook.save(path)
    return path


def test_whole_numbers_read_as_int_so_part_numbers_keep_their_digits(catalog_xlsx):
    sheet = read_sheets(catalog_xlsx)[0]
    assert sheet.rows[4][1:7] == (6205, 25, 14, 7.85, dt.date(2026, 3, 1), True)
    assert type(sheet.rows[4][1]) is int and type(sheet.rows[4][4]) is float
    assert sheet.rows[5][1:7] == ("NU-6206", 30, 19.5, 11.3, dt.datetime(2026, 3, 1, 8, 30), False)


def test_rows_keep_spreadsheet_positions_and_drop_trailing_empty_rows(catalog_xlsx):
    sheet = read_sheets(catalog_xlsx)[0]
    assert len(sheet.rows) == 6 and sheet.width == 7
    assert sheet.rows[0] == (None, "XX公司产品目录 2026", None, None, None, None, None)
    assert sheet.rows[1] == (None,) * 7
    location = sheet.cell_location(2, 1, "型号 Model")
    assert (location.file, location.sheet, location.row, location.column) == (
        str(catalog_xlsx),
        "轴承 Bearings",
        3,
        "B",
    )
    assert "row 3" in location.describe() and "'B'" in location.describe()


def test_merged_header_names_every_column_it_spans(catalog_xlsx):
    sheet = read_sheets(catalog_xlsx)[0]
    assert sorted(sheet.merged) == [(2, 1, 3, 1), (2, 3, 2, 4)]
    assert sheet.rows[2][3:5] == ("额定值 Ratings", None)
    assert fill_merged(sheet) is sheet
    assert sheet.rows[2][1:5] == ("型号 Model", "内径 d", "额定值 Ratings", "额定值 Ratings")
    assert sheet.rows[3][1] == "型号 Model"  # merged down over the second header row too


def test_without_sheet_choice_every_non_empty_sheet_is_returned_with_its_visibility(catalog_xlsx):
    sheets = read_sheets(catalog_xlsx)
    assert [(s.name, s.hidden) for s in sheets] == [("轴承 Bearings", False), ("旧价格", True)]


def test_sheet_choice_by_name_and_unknown_name_lists_the_sheets(catalog_xlsx):
    assert [s.name for s in read_sheets(catalog_xlsx, sheet="旧价格")] == ["旧价格"]
    assert read_sheets(catalog_xlsx, sheet="空白")[0].rows == []
    with pytest.raises(NotFoundError, match="Prices") as caught:
        read_sheets(catalog_xlsx, sheet="Prices")
    assert caught.value.suggestions == ["轴承 Bearings", "旧价格", "空白"]


def test_column_letters():
    assert [column_letter(i) for i in (0, 2, 25, 26, 27, 701, 702, 16383)] == [
        "A",
        "C",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
        "XFD",
    ]


def test_formula_reads_its_cached_value_and_uncached_or_error_formulas_are_reported(tmp_path):
    path = write_raw_xlsx(
        tmp_path / "bom.xlsx",
        _HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>6205-2RS</t></is></c>'
        '<c r="B2"><f>2*6</f><v>12</v></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>6206</t></is></c><c r="B3"><f>B2*2</f></c></row>'
        '<row r="4"><c r="A4" t="inlineStr"><is><t>6207</t></is></c><c r="B4"><f>B2*2</f><v></v></c></row>'
        '<row r="5"><c r="A5" t="e"><f>VLOOKUP(1,X1:X2,1)</f><v>#N/A</v></c>'
        '<c r="B5" t="str"><f>""</f><v></v></c></row>'
        '<row r="6"><c r="A6" t="inlineStr"><is><t>合计 Total</t></is></c></row>',
        dimension="A1:B6",
    )
    rows = read_sheets(path)[0].rows
    assert rows[1] == ("6205-2RS", 12)
    assert rows[2] == ("6206", None) and rows[3] == ("6207", None) and rows[4] == (None, None)
    assert formula_cells_without_cache(path, "BOM") == [(2, 1), (3, 1), (4, 0)]


def test_formula_cells_written_by_openpyxl_have_no_cache(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["数量 Qty", "金额 Amount"])
    workbook.active.append([4, "=A2*2.5"])
    path = tmp_path / "quote.xlsx"
    workbook.save(path)
    assert formula_cells_without_cache(path, "Sheet") == [(1, 1)]
    csv_path = tmp_path / "quote.csv"
    csv_path.write_text("数量,金额\n4,10\n", encoding="utf-8")
    assert formula_cells_without_cache(csv_path, "Sheet") == []


def test_ods_values_and_trailing_repeated_empty_rows(tmp_path):
    rows = (
        "<table:table-row>" + ods_cell("型号") + ods_cell("价格 Price") + "</table:table-row>"
        "<table:table-row>" + ods_cell("NU-6205") + ods_cell(12.5) + "</table:table-row>"
        "<table:table-row><table:table-cell/>" + ods_cell(6205) + "</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048573">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    sheet = read_sheets(write_ods(tmp_path / "catalog.ods", rows))[0]
    assert sheet.name == "产品"
    assert sheet.rows == [("型号", "价格 Price"), ("NU-6205", 12.5), (None, 6205)]


def test_format_is_decided_by_content_not_by_file_name(tmp_path, catalog_xlsx):
    renamed = tmp_path / "bearings.csv"
    renamed.write_bytes(catalog_xlsx.read_bytes())
    assert read_sheets(renamed)[0].name == "轴承 Bearings"
    text = tmp_path / "bom.txt"
    text.write_text("型号\t数量\nNU-6205\t4\n", encoding="utf-8")
    assert read_sheets(text)[0].rows == [("型号", "数量"), ("NU-6205", "4")]


def test_asking_a_csv_file_for_a_sheet_is_an_error(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("型号,数量\nNU-6205,4\n", encoding="utf-8")
    with pytest.raises(NotFoundError, match="is a CSV file, which has no sheet 'BOM'"):
        read_sheets(path, sheet="BOM")


# --- CSV -------------------------------------------------------------------------------------------

_CSV_TEXT = "型号,名称,额定电压,数量\r\nNU-6205,深沟球轴承,AC220V,4\r\n0805-10K,贴片电阻 ±1%,,100\r\n"
_CSV_ROWS = [
    ("型号", "名称", "额定电压", "数量"),
    ("NU-6205", "深沟球轴承", "AC220V", "4"),
    ("0805-10K", "贴片电阻 ±1%", None, "100"),
]


@pytest.mark.parametrize(
    "encoded",
    [
        _CSV_TEXT.encode("utf-8"),
        _CSV_TEXT.encode("utf-8-sig"),
        _CSV_TEXT.encode("utf-16"),  # with a byte-order mark
        "\ufeff".encode("utf-16-be") + _CSV_TEXT.encode("utf-16-be"),
        _CSV_TEXT.encode("gbk"),
        _CSV_TEXT.encode("gb18030"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "gbk", "gb18030"],
)
def test_csv_encodings_read_the_same_rows(tmp_path, encoded):
    path = tmp_path / "catalog.csv"
    path.write_bytes(encoded)
    sheet = read_sheets(path)[0]
    assert (sheet.name, sheet.rows) == (None, _CSV_ROWS)


def test_shift_jis_csv_is_refused_rather_than_read_as_chinese_mojibake(tmp_path):
    path = tmp_path / "japan.csv"
    path.write_bytes("品番,名称,価格\nABC-1,ベアリング 深溝玉軸受,1200円\n".encode("shift_jis"))
    with pytest.raises(CatalogImportError) as caught:
        read_sheets(path)
    message = str(caught.value)
    assert str(path) in message and "byte offset 0" in message
    assert "UTF-8" in message and "GB18030" in message and "unlikely" in message


def test_windows_1252_csv_names_the_first_bad_byte(tmp_path):
    path = tmp_path / "schrauben.csv"
    path.write_bytes("Artikel;Größe;Preis\nSchraube M8;Länge 20 mm;1,50 €\n".encode("cp1252"))
    with pytest.raises(CatalogImportError, match=r"byte 0xF6 at byte offset 10.*GB18030"):
        read_sheets(path)


def test_binary_file_named_csv_is_refused(tmp_path):
    path = tmp_path / "dump.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(64))
    with pytest.raises(CatalogImportError, match="NUL byte at byte offset 8"):
        read_sheets(path)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiter_is_detected_and_quoted_fields_keep_delimiters_and_newlines(tmp_path, delimiter):
    lines = [
        ["位号 Designator", "数量 Qty", "备注 Note"],
        ["C1, C3; C5|C7", "3", '0,1 µF "X7R"\n多行 second line'],
        ["R1", "1", ""],
    ]
    quoted = [delimiter.join('"' + cell.replace('"', '""') + '"' if cell else "" for cell in line) for line in lines]
    path = tmp_path / "bom.csv"
    path.write_text("\n".join(quoted) + "\n\n\n", encoding="utf-8")
    sheet = read_sheets(path)[0]
    assert sheet.rows == [
        ("位号 Designator", "数量 Qty", "备注 Note"),
        ("C1, C3; C5|C7", "3", '0,1 µF "X7R"\n多行 second line'),
        ("R1", "1", None),
    ]


def test_semicolon_csv_with_decimal_commas_is_not_split_on_commas(tmp_path):
    path = tmp_path / "preise.csv"
    path.write_text("Artikel;Preis;Menge\nM8x20;0,15;100\nM10x30;0,32;50\n", encoding="utf-8")
    assert read_sheets(path)[0].rows[1] == ("M8x20", "0,15", "100")


def test_csv_blank_lines_between_rows_keep_numbering_and_ragged_rows_are_padded(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("型号,数量,备注\nNU-6205,4\n\nNU-6206,2,急\n\n", encoding="utf-8")
    assert read_sheets(path)[0].rows == [
        ("型号", "数量", "备注"),
        ("NU-6205", "4", None),
        (None, None, None),
        ("NU-6206", "2", "急"),
    ]


def test_a_csv_read_with_a_head_streams_the_same_rows_after_it(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("型号,数量\nNU-6205,4\n\n\nNU-6206,2,急\nNU-6207\n\n", encoding="utf-8")
    whole = read_sheets(path)[0].rows
    streamed = read_sheets(path, head=2)[0]
    assert streamed.rows == [("型号", "数量"), ("NU-6205", "4")]
    rest = list(streamed.more)  # each row as long as its record; blank rows between rows kept
    assert rest == [(), (), ("NU-6206", "2", "急"), ("NU-6207",)]
    assert [row + (None,) * (3 - len(row)) for row in streamed.rows + rest] == whole


def test_a_bad_csv_record_after_the_head_names_its_row(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("型号,数量\nNU-6205,4\n\n" + "NU-6206," + "9" * 200_000 + "\n", encoding="utf-8")
    sheet = read_sheets(path, head=1)[0]
    with pytest.raises(CatalogImportError, match=r"bad CSV \(field larger") as caught:
        list(sheet.more)
    assert caught.value.location.row == 4


def test_csv_with_too_many_rows_names_the_limit(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("sku,qty\n" + "".join(f"A{i},1\n" for i in range(10)), encoding="utf-8")
    with pytest.raises(CatalogImportError, match="more than 5 rows"):
        read_sheets(path, limits=ReadLimits(max_rows=5))


def test_empty_files_are_refused_clearly(tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(CatalogImportError, match="empty.xlsx: the file is empty"):
        read_sheets(empty)
    blank = tmp_path / "blank.csv"
    blank.write_text("\n,,\n\n", encoding="utf-8")
    with pytest.raises(CatalogImportError, match="holds no data"):
        read_sheets(blank)


# --- hostile and broken workbooks ------------------------------------------------------------------


def test_a_million_empty_styled_rows_are_dropped_without_building_them(tmp_path):
    empty_rows = "".join(f'<row r="{r}" s="1" customFormat="1" ht="15"/>' for r in range(3, 1_048_577))
    body = _HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>NU-6205</t></is></c><c r="B2"><v>4</v></c></row>'
    path = write_raw_xlsx(tmp_path / "styled.xlsx", body + empty_rows, dimension="A1:Z1048576")
    assert read_sheets(path)[0].rows == [("型号 Model", "数量 Qty"), ("NU-6205", 4)]


def test_non_empty_rows_over_the_limit_are_refused_naming_the_limit(tmp_path):
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 12))
    path = write_raw_xlsx(tmp_path / "many.xlsx", _HEADER_ROW + rows)
    assert len(read_sheets(path, limits=ReadLimits(max_rows=11))[0].rows) == 11
    with pytest.raises(CatalogImportError, match="more than 10 rows with data"):
        read_sheets(path, limits=ReadLimits(max_rows=10))


@pytest.mark.parametrize(
    "far_cells",
    [
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',  # plain: two cells, 17 billion between
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t></t></is></c></row>',
        '<row r="1048576"><x:c xmlns:x="' + _MAIN_NS + '" r="XFD1048576"><x:v>1</x:v></x:c></row>',
        '<row r="900"><c r="A900" note="a>b" r="XFD900000"><v>1</v></c></row>',  # '>' and a repeated r
        '<row r="2"><c r="A2" r="XFD1048576"><v>1</v></c></row>',  # calamine takes the last r
        '<row r="1048576"><c><v>1</v></c></row><row r="5">' + "<c><v>1</v></c>" * 100 + "</row>",  # no r
    ],
    ids=["plain", "empty-string", "prefixed", "gt-in-attribute", "repeated-r", "implicit"],
)
def test_sparse_sheet_that_would_make_calamine_allocate_gigabytes_is_refused(tmp_path, far_cells):
    path = write_raw_xlsx(tmp_path / "sparse.xlsx", _HEADER_ROW + far_cells)
    with pytest.raises(CatalogImportError, match="over the limit of 25,000,000 cells"):
        read_sheets(path)


def test_ods_with_repeated_cells_over_the_cell_limit_is_refused(tmp_path):
    rows = (
        '<table:table-row table:number-rows-repeated="100000"><table:table-cell '
        'table:number-columns-repeated="1000" office:value-type="float" office:value="1"/></table:table-row>'
    )
    with pytest.raises(CatalogImportError, match="content.xml.*over the limit"):
        read_sheets(write_ods(tmp_path / "bomb.ods", rows))


def test_highly_compressed_member_is_refused_as_a_zip_bomb(tmp_path):
    path = write_raw_xlsx(tmp_path / "bomb.xlsx", _HEADER_ROW, padding=" " * 20_000_000)
    with pytest.raises(CatalogImportError, match=r"zip bomb: member 'xl/worksheets/sheet1.xml' is compressed"):
        read_sheets(path)


def test_total_expanded_size_over_the_limit_is_refused(catalog_xlsx):
    with pytest.raises(CatalogImportError, match="zip bomb: it would expand to .* over the limit of 10,000"):
        read_sheets(catalog_xlsx, limits=ReadLimits(max_uncompressed_bytes=10_000))


def test_member_inflating_beyond_its_declared_size_is_refused(tmp_path):
    path = write_raw_xlsx(tmp_path / "liar.xlsx", _HEADER_ROW + '<row r="2"><c r="A2"><v>1</v></c></row>')
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    central = data.index(b"PK\x01\x02")  # walk the central directory to the sheet's entry
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 100)  # uncompressed size in the central directory
    path.write_bytes(bytes(data))
    with pytest.raises(CatalogImportError, match="inflates to more than the 100 bytes it declares"):
        read_sheets(path)


def test_member_name_escaping_the_archive_is_refused(tmp_path):
    path = write_raw_xlsx(tmp_path / "traversal.xlsx", _HEADER_ROW)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("../../etc/cron.d/evil", "* * * * * root true")
    with pytest.raises(CatalogImportError, match="unsafe member name '../../etc/cron.d/evil'"):
        read_sheets(path)


def test_truncated_or_random_workbooks_are_not_readable_spreadsheets(tmp_path, catalog_xlsx):
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(catalog_xlsx.read_bytes()[:3000])
    random_bytes = tmp_path / "random.xlsx"
    random_bytes.write_bytes(os.urandom(4096))
    not_xls = tmp_path / "broken.xls"
    not_xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    for path in (truncated, random_bytes, not_xls):
        with pytest.raises(CatalogImportError, match=f"{path.name}: not a readable spreadsheet"):
            read_sheets(path)


def test_password_protected_workbook_is_named_as_such(tmp_path):
    """An encrypted .xlsx is an OLE2 compound file whose directory names an EncryptedPackage stream."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HH", header, 0x1C, 0xFFFE, 9)  # byte order, sector size 2**9
    entries = b"".join(
        name.encode("utf-16-le").ljust(64, b"\0") + struct.pack("<H", 2 * len(name) + 2).ljust(64, b"\0")
        for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage", "\x06DataSpaces")
    )
    path = tmp_path / "locked.xlsx"
    path.write_bytes(bytes(header) + entries + os.urandom(2048))
    with pytest.raises(CatalogImportError, match="locked.xlsx: the workbook is password-protected"):
        read_sheets(path)


def test_binary_xlsb_is_refused_with_advice(tmp_path):
    path = tmp_path / "catalog.xlsb"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    with pytest.raises(CatalogImportError, match="save the file as .xlsx"):
        read_sheets(path)


def test_workbook_without_any_data_is_refused(tmp_path):
    path = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(CatalogImportError, match="no sheet in the workbook holds any data"):
        read_sheets(path)


# --- header detection ------------------------------------------------------------------------------

_HEADER_WORDS = {"型号", "型号 model", "名称", "数量", "qty", "单价", "designator", "位号"}


def is_header_word(text: str) -> bool:
    return text.lower() in _HEADER_WORDS


def test_header_row_is_found_below_title_rows():
    rows = [
        ("XX公司产品目录 2026", None, None, None),
        (None, None, None, None),
        ("价格有效期至 2026-12-31", "单位：元", None, None),
        ("型号", "名称", "数量", "单价"),
        ("NU-6205", "深沟球轴承", "4", "12.50"),
    ]
    assert find_header_row(rows, is_header_word) == 3


def test_header_row_in_the_first_row():
    rows = [("型号 Model", "名称", "Qty"), ("6205", "轴承", 4)]
    assert find_header_row(rows, is_header_word) == 0


def test_no_header_row_gives_none():
    rows = [("NU-6205", "深沟球轴承", 4), ("型号", "6206", 2)]  # one recognised cell is not enough
    assert find_header_row(rows, is_header_word) is None
    assert find_header_row([], is_header_word) is None


def test_stacked_bom_blocks_each_have_a_header_row():
    rows = [
        ("位号", "型号", "数量"),
        ("C1, C2", "GRM155R61A104KA01D", 2),
        ("R1", "RC0402FR-0710KL", 1),
        (None, None, None),
        ("机械件 Mechanical", None, None),
        ("Designator", "型号", "Qty"),
        ("M1", "GB/T 70.1 M3x8", 4),
    ]
    assert find_header_rows(rows, is_header_word) == [0, 5]


# --- real third-party files ------------------------------------------------------------------------


def _real(name: str) -> Path:
    path = REALDATA / "bom" / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


def test_real_easyeda_bom_reads_with_chinese_manufacturer_names():
    sheet = read_sheets(_real("chao-super_51-music-box_BOM.xlsx"))[0]
    assert sheet.rows[0][:4] == ("No.", "Quantity", "Comment", "Designator")
    assert len(sheet.rows) == 36 and sheet.rows[1][7] == "华能"
    assert sheet.rows[2][1] == 2 and sheet.rows[2][3] == "C1,C2"


def test_real_solidworks_bom_reads_catalog_numbers():
    sheet = read_sheets(_real("exaspim_mechanical_BOM.xlsx"))[0]
    assert sheet.rows[0][:4] == ("ITEM NO.", "SOLIDWORKS PART NUMBER", "CATALOG", "CATALOG PART NUMBER")
    assert sheet.rows[1][0] == 1 and sheet.rows[1][2:4] == ("Thorlabs", "B3648G")


def test_real_kicad_csv_keeps_quoted_designator_lists_in_one_field():
    sheet = read_sheets(_real("hackrf-one-bom.csv"))[0]
    assert len(sheet.rows) == 66 and sheet.width == 10
    assert sheet.rows[0][:3] == ("Item", "Qty", "Reference(s)")
    assert sheet.rows[2][1:4] == ("3", "C97, C98, C100", "330nF")
