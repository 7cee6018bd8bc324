"""Importing catalogs: one transaction, honest reports, nothing half-written, re-imports unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest
from catalog_fixtures import HEADER, ROWS, defined_workspace, write_csv, write_xlsx
from hypothesis import given, settings
from hypothesis import strategies as st

from jbp.catalog.building import ProductBuilder, Rejected
from jbp.catalog.definitions import load_definitions
from jbp.catalog.importing import ImportOptions, import_catalog
from jbp.catalog.reading import iter_products
from jbp.catalog.records import RawPrice, RawProduct, RawValue
from jbp.errors import CatalogImportError, Location
from jbp.workspace import init_workspace


def products_of(workspace):
    with workspace.store.reading() as conn:
        return {p.sku: p for p in iter_products(conn, load_definitions(conn))}


@pytest.fixture
def ws(workspace, tmp_path):
    return defined_workspace(workspace, tmp_path)


def test_gbk_csv_with_title_rows_imports_every_field_and_parameter(ws, tmp_path):
    report = import_catalog(ws.store, write_csv(tmp_path / "cat.csv", ROWS))
    assert (report.status, report.created, report.rejected) == ("committed", 3, 0)
    products = products_of(ws)
    first = products["NXC-09-220"]
    assert first.brand == "CHNT" and first.category == "contactor" and first.mpn == "NXC-09"
    assert [(b.min_qty, b.price) for b in first.price_breaks] == [(1, Decimal("12.5")), (100, Decimal("11.8"))]
    assert first.params["rated_current"].num == 9.0 and first.params["rated_current"].source == "9 A"
    assert first.params["coil_voltage"].num == 220.0 and first.params["coil_voltage"].text == "AC"
    assert first.params["poles"].text == "3P"
    assert (first.params["operating_temp"].num_min, first.params["operating_temp"].num_max) == (-25.0, 70.0)
    second = products["NXC-12-220"]
    assert second.params["rated_current"].num == pytest.approx(12.0)
    assert second.params["rated_current"].source == "12000mA"
    assert second.params["poles"].text == "3P"  # enum spelling folded to the declared value
    assert second.lifecycle == "eol" and second.stock == 0


@pytest.mark.parametrize(("cell", "unit", "kind", "stored", "source"), [
    ("3..5", "mm", "range", (None, 0.003, 0.005), "3..5 mm"),
    ("-25~70", "℃", "range", (None, -25.0, 70.0), "-25~70 ℃"),
    ("≥10", "mm", "range", (None, 0.01, None), "≥10 mm"),
    ("±5", "%", "range", (None, -5.0, 5.0), "±5 %"),
    ("2.2", "kW", "numeric", (2200.0, None, None), "2.2 kW"),
    ("1,5", "mm", "numeric", (0.0015, None, None), "1,5 mm"),
    ("5 cm", "mm", "numeric", (0.05, None, None), "5 cm"),  # a unit of its own wins
    ("-25~70℃", "℃", "range", (None, -25.0, 70.0), "-25~70℃"),
    ("4k7", "Ω", "numeric", (4700.0, None, None), "4k7 Ω"),  # RKM: the letter is a multiplier, not a unit
    ("1E3", "mm", "numeric", (1.0, None, None), "1E3 mm"),
    ("4.7e-05", "uF", "numeric", (4.7e-11, None, None), "4.7e-05 uF"),  # how Python prints an xlsx 0.000047
    ("3 to 5", "mm", "range", (None, 0.003, 0.005), "3 to 5 mm"),
    ("AC0.4", "kV", "numeric", (400.0, None, None), "AC0.4 kV"),
    ("65", "dB(A)", "text", (None, None, None), "65 dB(A)"),  # a text parameter keeps its unit too
])
def test_a_value_without_a_unit_of_its_own_takes_the_headers_and_keeps_it(cell, unit, kind, stored, source):
    """A range under `尺寸(mm)` is millimetres as much as a single number is (3..5 was read as metres)."""
    from jbp import units
    from jbp.catalog.building import parse_parameter
    from jbp.catalog.models import ParameterDef, ParamKind

    si_unit = units.si_unit(unit) if kind != "text" else ""
    definition = ParameterDef(code="p", name_en="p", kind=ParamKind(kind), unit=si_unit)
    value = parse_parameter(definition, RawValue(cell, "E 尺寸", unit))
    assert (value.num, value.num_min, value.num_max) == pytest.approx(stored)
    assert value.source == source


def test_reimport_of_same_file_changes_nothing(ws, tmp_path):
    path = write_csv(tmp_path / "cat.csv", ROWS)
    import_catalog(ws.store, path)
    again = import_catalog(ws.store, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_changed_row_is_updated_and_children_replaced(ws, tmp_path):
    import_catalog(ws.store, write_csv(tmp_path / "a.csv", ROWS))
    changed = [row[:] for row in ROWS]
    changed[0][5] = "13.00"
    changed[0][6] = ""
    report = import_catalog(ws.store, write_csv(tmp_path / "b.csv", changed))
    assert (report.updated, report.unchanged) == (1, 2)
    prices = products_of(ws)["NXC-09-220"].price_breaks
    assert [(b.min_qty, b.price) for b in prices] == [(1, Decimal("13"))]


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("单价", "-3", "price is negative"),
    ("单价", "about 5", "price is not a number"),
    ("额定电流(A)", "5 kg", "rated_current"),
    ("极数", "5P", "not one of 3P, 4P"),
    ("品牌", "施耐德", "unknown brand"),
    ("分类", "电缆", "unknown category"),
    ("库存", "-1", "at least 0"),
    ("库存", "1,5", "expected a whole number"),  # a decimal comma, not fifteen
])
def test_bad_value_rejects_file_names_cell_and_changes_nothing(ws, tmp_path, column, value, reason):
    import_catalog(ws.store, write_csv(tmp_path / "good.csv", ROWS[:1]))
    before = ws.store.counts()
    rows = [row[:] for row in ROWS]
    rows[1][HEADER.index(column)] = value
    report = import_catalog(ws.store, write_csv(tmp_path / "bad.csv", rows))
    assert report.status == "rejected"
    assert len(report.rejections) == 1
    rejection = report.rejections[0]
    assert rejection.location.file.endswith("bad.csv")
    assert rejection.location.row == 5  # two title rows, the header, then the second product
    assert column in rejection.location.column
    assert rejection.location.value == value
    assert reason in rejection.reason
    assert ws.store.counts() == before
    assert products_of(ws)["NXC-09-220"].price_breaks[0].price == Decimal("12.5")


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_sheet_that_leaves_columns_out_says_what_the_updated_products_lose(ws, tmp_path, dry_run):
    """A price-only sheet replaces each product it lists: its parameters and other breaks go, loudly."""
    import_catalog(ws.store, write_csv(tmp_path / "full.csv", ROWS))
    prices = write_csv(tmp_path / "prices.csv", [["NXC-09-220", "CHNT", "contactor", "13.5"]],
                       header=["货号", "品牌", "分类", "单价"])
    report = import_catalog(ws.store, prices, ImportOptions(dry_run=dry_run))
    assert report.updated == 1
    assert [w for w in report.warnings if "removed" in w] == [
        "what this file does not give the products it updates is removed from them: 4 parameter values, "
        "1 price break, from 1 product (a row replaces the whole product, so columns a file leaves out are "
        "emptied; import a full export to change a few columns)"]
    assert len(products_of(ws)["NXC-09-220"].params) == (4 if dry_run else 0)


def test_partial_import_lands_exactly_the_valid_rows(ws, tmp_path):
    rows = [row[:] for row in ROWS]
    rows[1][HEADER.index("单价")] = "-3"
    report = import_catalog(ws.store, write_csv(tmp_path / "bad.csv", rows), ImportOptions(partial=True))
    assert (report.status, report.created, report.rejected) == ("committed", 2, 1)
    assert set(products_of(ws)) == {"NXC-09-220", "NXC-18-024"}


def test_duplicate_sku_inside_one_file_is_rejected_with_both_rows(ws, tmp_path):
    rows = [ROWS[0], ROWS[1], ROWS[0]]
    report = import_catalog(ws.store, write_csv(tmp_path / "dup.csv", rows))
    assert report.status == "rejected"
    assert report.rejections[0].location.row == 6
    assert "duplicate SKU 'NXC-09-220'" in report.rejections[0].reason
    assert "row 4" in report.rejections[0].reason
    assert products_of(ws) == {}


def test_dry_run_reports_and_writes_nothing(ws, tmp_path):
    before = ws.store.counts()
    report = import_catalog(ws.store, write_csv(tmp_path / "cat.csv", ROWS), ImportOptions(dry_run=True))
    assert (report.status, report.created) == ("dry_run", 3)
    assert ws.store.counts() == before


def test_xlsx_with_merged_title_several_sheets_and_numbers_as_numbers(ws, tmp_path):
    header = ["货号", "品牌", "型号", "分类", "单价", "Rated current [A]", "Coil voltage (V)"]
    path = write_xlsx(tmp_path / "cat.xlsx", {
        "接触器": [header, [6205, "CHNT", 6205, "contactor", 9.9, 9, 230]],
        "传感器": [["货号", "品牌", "分类", "单价", "工作电压", "检测距离(mm)"],
                   ["S-M12-4", "正泰", "sensor", "35,00", "10..30 V DC", "4"]],
    })
    report = import_catalog(ws.store, path)
    assert (report.status, report.created) == ("committed", 2), report.rejections
    products = products_of(ws)
    assert products["6205"].mpn == "6205"  # a part number stored as a number keeps its digits
    assert products["6205"].params["coil_voltage"].num == 230.0
    sensor = products["S-M12-4"]
    assert sensor.params["sensing_distance"].num == pytest.approx(0.004)
    assert (sensor.params["supply_voltage"].num_min, sensor.params["supply_voltage"].num_max) == (10.0, 30.0)
    assert sensor.price_breaks[0].price == Decimal("35")


def test_unrecognised_columns_are_reported_not_silently_dropped(ws, tmp_path):
    path = write_csv(tmp_path / "cat.csv", [[*ROWS[0], "内部备注"]], header=[*HEADER, "仓库位置"])
    report = import_catalog(ws.store, path)
    assert report.status == "committed"
    assert any("仓库位置" in w for w in report.warnings)


def test_two_columns_for_one_field_are_reported_and_the_first_with_a_value_wins(ws, tmp_path):
    header = [*HEADER, "规格型号"]  # 型号 is column C; 规格型号 names the MPN too
    rows = [[*ROWS[0], "NXC-09 AC220V 1NO"], [*ROWS[1][:2], "", *ROWS[1][3:], "NXC-12 AC220V"]]
    report = import_catalog(ws.store, write_csv(tmp_path / "cat.csv", rows, header=header))
    assert report.status == "committed"
    assert [w for w in report.warnings if "both read as mpn" in w] == [
        "cat.csv: columns C '型号' and N '规格型号' both read as mpn; where both hold a value, column C's is "
        "imported (a mapping file can ignore one or map it elsewhere)"]
    products = products_of(ws)
    assert (products["NXC-09-220"].mpn, products["NXC-12-220"].mpn) == ("NXC-09", "NXC-12 AC220V")


def test_a_unit_in_a_field_header_is_converted_or_the_column_left_unread(ws, tmp_path):
    """交期(周) is weeks: 4 is 28 days, not 4; 库存(千个) would need a guess, so it is reported unread."""
    header = ["货号", "品牌", "分类", "交期(周)", "库存(千个)", "最小起订量(件)", "包装数量(只/盒)"]
    rows = [["A1", "CHNT", "contactor", "4", "2", "10", "20"]]
    report = import_catalog(ws.store, write_csv(tmp_path / "cat.csv", rows, header=header))
    assert report.status == "committed"
    assert [w for w in report.warnings if "库存(千个)" in w]
    product = products_of(ws)["A1"]
    assert (product.lead_time_days, product.stock, product.moq, product.package_qty) == (28, None, 10, 20)


def test_a_note_under_the_table_is_rejected_not_made_a_product_of_the_defaults(ws, tmp_path):
    rows = [ROWS[0], ["注：以上价格含13%增值税"] + [""] * (len(HEADER) - 1)]
    report = import_catalog(ws.store, write_csv(tmp_path / "cat.csv", rows),
                            ImportOptions(default_brand="CHNT", default_category="contactor", partial=True))
    assert (report.created, [r.location.row for r in report.rejections]) == (1, [5])
    assert "nothing but a SKU" in report.rejections[0].reason


def test_a_mapping_file_declares_european_numbers(ws, tmp_path):
    """1,250 mm is 1.25 mm in a German export; without being told, the comma rule reads it as 1250 mm."""
    path = tmp_path / "de.csv"
    path.write_text("Artikel;品牌;分类;Preis;检测距离(mm);工作电压\n"
                    "S-1;CHNT;sensor;1.234,50;1,250;10..30 V DC\n", encoding="utf-8")
    mapping = tmp_path / "de.toml"
    mapping.write_text('decimal_comma = true\n[fields]\n"Artikel" = "sku"\n[prices]\n"Preis" = { min_qty = 1 }\n',
                       encoding="utf-8")
    report = import_catalog(ws.store, path, ImportOptions(mapping=mapping))
    assert report.status == "committed", report.rejections
    sensor = products_of(ws)["S-1"]
    assert sensor.params["sensing_distance"].num == pytest.approx(0.00125)
    assert sensor.price_breaks[0].price == Decimal("1234.5")


def test_a_hidden_sheet_is_left_out_and_said_so_unless_named(ws, tmp_path):
    from openpyxl import load_workbook

    header = ["货号", "品牌", "型号", "分类", "单价"]
    path = write_xlsx(tmp_path / "cat.xlsx", {"接触器": [header, ["NXC-09", "CHNT", "NXC-09", "contactor", 12.5]],
                                              "旧价格": [header, ["CJX2-09", "CHNT", "CJX2-09", "contactor", 9.9]]})
    workbook = load_workbook(path)
    workbook["旧价格"].sheet_state = "hidden"  # last year's prices, kept out of sight
    workbook.save(path)
    report = import_catalog(ws.store, path)
    assert (report.status, report.created) == ("committed", 1)
    assert "sheet '旧价格' is hidden and was not imported (import it with --sheet '旧价格')" in report.warnings
    assert import_catalog(ws.store, path, ImportOptions(sheet="旧价格")).created == 1


def test_parameter_names_under_a_group_header_are_read_from_the_row_below(ws, tmp_path):
    """额定值 spans two columns; their names are in the row under it. They were reported unread."""
    from openpyxl import Workbook

    from jbp.catalog.layout import describe_layout

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["货号", "品牌", "分类", "额定值", None, "单价"])
    sheet.append([None, None, None, "额定电流(A)", "线圈电压", None])
    sheet.append(["NXC-09-220", "CHNT", "contactor", 9, "220VAC", 12.5])
    sheet.merge_cells("D1:E1")
    path = tmp_path / "two-rows.xlsx"
    workbook.save(path)
    [layout] = describe_layout(ws.store, path)
    assert (layout["header_row"], layout["header_rows"]) == (1, 2)
    report = import_catalog(ws.store, path)
    assert (report.status, report.created, report.warnings) == ("committed", 1, [])
    product = products_of(ws)["NXC-09-220"]
    assert (product.params["rated_current"].num, product.params["coil_voltage"].text) == (9.0, "AC")


def test_file_without_recognisable_header_says_what_it_saw(ws, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(CatalogImportError, match="no product table found.*foo"):
        import_catalog(ws.store, path)


def test_mapping_file_fixes_what_detection_got_wrong(ws, tmp_path):
    path = write_csv(tmp_path / "cat.csv", [["X-1", "contactor", "9"]], header=["物料号", "类", "电流"],
                     title=False, encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text('[fields]\n"物料号" = "sku"\n"类" = "category"\n[parameters]\n'
                       '"电流" = { parameter = "rated_current", unit = "A" }\n[defaults]\nbrand = "CHNT"\n',
                       encoding="utf-8")
    report = import_catalog(ws.store, path, ImportOptions(mapping=mapping))
    assert (report.status, report.created) == ("committed", 1), report.rejections
    assert products_of(ws)["X-1"].params["rated_current"].num == 9.0


def test_corrupt_xlsx_raises_with_file_name_and_changes_nothing(ws, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    before = ws.store.counts()
    with pytest.raises(CatalogImportError, match="broken.xlsx"):
        import_catalog(ws.store, path)
    assert ws.store.counts() == before


def test_bmecat_with_external_entity_is_refused_without_reading_it(ws, tmp_path):
    path = tmp_path / "evil.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE BMECAT [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<BMECAT version="2005"><HEADER/><T_NEW_CATALOG><PRODUCT><SUPPLIER_PID>&x;</SUPPLIER_PID>'
                    '</PRODUCT></T_NEW_CATALOG></BMECAT>', encoding="utf-8")
    before = ws.store.counts()
    try:
        report = import_catalog(ws.store, path, ImportOptions(default_brand="CHNT", default_category="contactor"))
    except CatalogImportError as exc:
        assert "evil.xml" in str(exc)
    else:
        assert report.status == "rejected"
        assert all("root:" not in (r.location.value or "") for r in report.rejections)
    assert ws.store.counts() == before


def test_prices_are_kept_as_the_exact_text_of_their_decimal(tmp_path):
    workspace = defined_workspace(init_workspace(tmp_path / "ws"), tmp_path)
    with workspace.store.reading() as conn:
        builder = ProductBuilder(load_definitions(conn))
    step, limit = Decimal("0.000001"), Decimal(10) ** 12

    def built_price(text: str) -> str:
        raw = RawProduct(Location(file="prices.csv", row=2),
                         {"sku": RawValue("A1"), "brand": RawValue("CHNT"), "category": RawValue("contactor")},
                         [RawPrice(RawValue(1), RawValue(text, "F 单价"))])
        return builder.build(raw).prices[0][2]

    @settings(max_examples=400, deadline=None)
    @given(st.decimals(min_value=0, max_value=limit - step, places=6, allow_nan=False),
           st.sampled_from(["plain", "trimmed", "leading zeros"]))
    def same_as_decimal(price: Decimal, form: str) -> None:
        text = format(price, "f")
        if form == "trimmed" and "." in text:
            text = text.rstrip("0").rstrip(".") or "0"
        elif form == "leading zeros":
            text = "00" + text
        assert built_price(text) == str(Decimal(text).quantize(step))

    same_as_decimal()
    with pytest.raises(Rejected, match="below 1,000,000,000,000"):
        built_price("1000000000000")
    assert built_price("1,234.5") == "1234.500000"


@pytest.mark.parametrize(("cell", "currency_column", "expected"), [
    ("USD 3", None, ("USD", "3.000000")),  # was stored as 3 CNY
    ("3 eur", None, ("EUR", "3.000000")),
    ("3元", None, ("CNY", "3.000000")),
    ("3元", "CNY", ("CNY", "3.000000")),
    ("USD 3", "CNY", "the price says USD, its column or currency field CNY"),
    ("0.0000001", None, "price rounds to 0 at the 6 decimals stored"),  # was stored as free
])
def test_a_price_cell_that_names_its_currency_is_kept_in_it(tmp_path, cell, currency_column, expected):
    workspace = defined_workspace(init_workspace(tmp_path / "ws"), tmp_path)
    with workspace.store.reading() as conn:
        builder = ProductBuilder(load_definitions(conn))
    fields = {"sku": RawValue("A1"), "brand": RawValue("CHNT"), "category": RawValue("contactor")}
    if currency_column:
        fields["currency"] = RawValue(currency_column, "G 币种")
    raw = RawProduct(Location(file="prices.csv", row=2), fields, [RawPrice(RawValue(1), RawValue(cell, "F 单价"))])
    if isinstance(expected, str):
        with pytest.raises(Rejected, match=expected):
            builder.build(raw)
    else:
        [(currency, _, price)] = builder.build(raw).prices
        assert (currency, price) == expected
