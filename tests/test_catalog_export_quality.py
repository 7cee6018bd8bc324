"""Export round-trips through import unchanged; quality counts what is missing."""

from __future__ import annotations

import csv
import json

import pytest
from catalog_fixtures import ROWS, defined_workspace, write_csv, write_definitions
from sqlalchemy import update

from jbp.catalog.definitions import define, load_definitions
from jbp.catalog.export import export_catalog
from jbp.catalog.importing import import_catalog
from jbp.catalog.quality import quality
from jbp.catalog.reading import iter_products
from jbp.store import schema
from jbp.workspace import init_workspace


@pytest.fixture
def loaded(workspace, tmp_path):
    ws = defined_workspace(workspace, tmp_path)
    rows = [row[:] for row in ROWS]
    rows[2][4] = "=HYPERLINK(\"http://evil\")"  # a name that a spreadsheet would run as a formula
    assert import_catalog(ws.store, write_csv(tmp_path / "cat.csv", rows)).status == "committed"
    return ws


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_reimports_unchanged(loaded, tmp_path, fmt):
    path = tmp_path / f"out.{fmt}"
    assert export_catalog(loaded.store, path).products == 3
    again = import_catalog(loaded.store, path)
    assert (again.status, again.created, again.updated, again.unchanged) == ("committed", 0, 0, 3), again.rejections


def test_csv_export_guards_formula_text(loaded, tmp_path):
    path = tmp_path / "out.csv"
    export_catalog(loaded.store, path)
    with path.open(encoding="utf-8-sig") as handle:
        names = [row["name_zh"] for row in csv.DictReader(handle)]
    assert "'=HYPERLINK(\"http://evil\")" in names
    assert not any(name.startswith("=") for name in names)


def test_xlsx_export_writes_formula_text_as_text(loaded, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "out.xlsx"
    export_catalog(loaded.store, path)
    cells = [c for row in load_workbook(path).active.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)


def test_quality_counts_required_parameters_prices_and_media(loaded):
    report = quality(loaded.store)
    contactors = next(c for c in report.categories if c.category == "contactor")
    assert contactors.skus == 3
    assert contactors.parameters == 1.0  # rated_current and coil_voltage given for every SKU
    assert contactors.price == 1.0 and contactors.image == 0.0 and contactors.model3d == 0.0
    assert report.total.skus == 3
    assert {g.sku for g in report.worst} == {r[0] for r in ROWS}
    assert all("image" in g.missing for g in report.worst)


def test_quality_for_unknown_category_suggests_close_names(loaded):
    from jbp.errors import NotFoundError

    with pytest.raises(NotFoundError, match="contactor"):
        quality(loaded.store, category="contactr")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_unit_given_by_the_header_travels_with_the_value(workspace, tmp_path, fmt):
    """`检测距离(mm)` over `4` is 4 mm, stored as 0.004 m: exported bare, it would come back as 4 m."""
    ws = defined_workspace(workspace, tmp_path)
    header = ["货号", "品牌", "分类", "工作电压", "检测距离(mm)"]
    rows = [["NBB4-12GM50-E2", "CHNT", "sensor", "10..30 V DC", "4"]]
    assert import_catalog(ws.store, write_csv(tmp_path / "sensors.csv", rows, header)).status == "committed"
    path = tmp_path / f"out.{fmt}"
    export_catalog(ws.store, path)
    assert _exported_distance(path, fmt) == "4 mm"
    assert import_catalog(ws.store, path).unchanged == 1

    # a store written before sources kept the header's unit holds the bare "4": the stored value is exported
    with ws.store.transaction() as conn:
        conn.execute(update(schema.param_values).where(schema.param_values.c.source == "4 mm").values(source="4"))
    export_catalog(ws.store, path)
    assert _exported_distance(path, fmt) == "0.004 m"
    elsewhere = init_workspace(tmp_path / "elsewhere")
    define(elsewhere.store, write_definitions(tmp_path))
    assert import_catalog(elsewhere.store, path).created == 1
    with elsewhere.store.reading() as conn:
        [product] = iter_products(conn, load_definitions(conn))
    assert product.params["sensing_distance"].num == pytest.approx(0.004)
    elsewhere.store.close()


def _exported_distance(path, fmt: str) -> str:
    if fmt == "json":
        [product] = json.loads(path.read_text(encoding="utf-8"))["products"]
        return product["params"]["sensing_distance"]["source"]
    with path.open(encoding="utf-8-sig") as handle:
        [row] = csv.DictReader(handle)
    return row["sensing_distance"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_prices_in_any_currency_survive_a_table_export(workspace, tmp_path, fmt):
    """The header parser knew eleven currencies; prices in roubles were dropped on re-import."""
    ws = defined_workspace(workspace, tmp_path)
    header = ["货号", "品牌", "分类", "单价", "价格(≥100)", "币种"]
    rows = [["NXC-09-RU", "CHNT", "contactor", "1350", "1280", "RUB"],
            ["NXC-09-CA", "CHNT", "contactor", "24.5", "", "cad"]]
    assert import_catalog(ws.store, write_csv(tmp_path / "export-prices.csv", rows, header)).status == "committed"
    path = tmp_path / f"out.{fmt}"
    export_catalog(ws.store, path)
    again = import_catalog(ws.store, path)
    assert (again.updated, again.unchanged, again.warnings) == (0, 2, [])


_FEATURES_NAMED_LIKE_FIELDS = """<?xml version="1.0" encoding="UTF-8"?>
<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005">
  <HEADER><CATALOG><LANGUAGE>eng</LANGUAGE><CURRENCY>EUR</CURRENCY></CATALOG>
    <SUPPLIER><SUPPLIER_NAME>ACME</SUPPLIER_NAME></SUPPLIER></HEADER>
  <T_NEW_CATALOG>
    <PRODUCT><SUPPLIER_PID>R-1</SUPPLIER_PID>
      <PRODUCT_DETAILS><DESCRIPTION_SHORT>Relay</DESCRIPTION_SHORT><MANUFACTURER_PID>R1</MANUFACTURER_PID>
      </PRODUCT_DETAILS>
      <PRODUCT_FEATURES><REFERENCE_FEATURE_SYSTEM_NAME>ETIM-8.0</REFERENCE_FEATURE_SYSTEM_NAME>
        <REFERENCE_FEATURE_GROUP_ID>EC001437</REFERENCE_FEATURE_GROUP_ID>
        <FEATURE><FNAME>Series</FNAME><FVALUE>RX</FVALUE></FEATURE>
        <FEATURE><FNAME>Model</FNAME><FVALUE>RX-24</FVALUE></FEATURE>
        <FEATURE><FNAME>Status</FNAME><FVALUE>sealed</FVALUE></FEATURE>
      </PRODUCT_FEATURES>
    </PRODUCT>
  </T_NEW_CATALOG>
</BMECAT>
"""


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_parameters_coded_like_fields_export_as_parameters(workspace, tmp_path, fmt):
    """Features called Series, Model and Status became parameters series/model/status; exported under
    those bare codes they came back as the product's series, MPN and lifecycle."""
    source = tmp_path / "relays.xml"
    source.write_text(_FEATURES_NAMED_LIKE_FIELDS, encoding="utf-8")
    assert import_catalog(workspace.store, source).status == "committed"
    path = tmp_path / f"out.{fmt}"
    export_catalog(workspace.store, path)
    with workspace.store.reading() as conn:
        [product] = iter_products(conn, load_definitions(conn))
    assert {"param:series", "param:model", "param:status"} <= set(_header_of(path, fmt))
    again = import_catalog(workspace.store, path)
    assert (again.status, again.updated, again.unchanged) == ("committed", 0, 1), again.rejections
    assert product.series is None and product.mpn == "R1"


def _header_of(path, fmt: str) -> list[str]:
    if fmt == "csv":
        with path.open(encoding="utf-8-sig") as handle:
            return next(csv.reader(handle))
    from openpyxl import load_workbook

    return [cell.value for cell in next(load_workbook(path).active.iter_rows())]
