"""Quotes and orders: the quote workbook keeps the buyer's sheet and is safe to open, quotes are stored and
recognised, orders are placed once, the tier quota applies, and the CLI over all of it."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
from bom_fixtures import (
    BACKENDS,
    NOW,
    PANEL_HEADER,
    assert_every_row_once,
    shared_sample_workspace,
    write_csv,
    write_panel_xlsx,
)
from catalog_fixtures import ROWS, defined_workspace
from catalog_fixtures import write_csv as write_catalog_csv
from openpyxl import load_workbook

from jbp.bom import QuoteOptions, order_quote, quote_bom, show_quote, write_quote_xlsx
from jbp.bom.quote_xlsx import ADDED, STATUS_COLOURS, SUMMARY_SHEET
from jbp.catalog.importing import import_catalog
from jbp.errors import JbpError
from jbp.store import schema

WHEN = datetime.fromisoformat(NOW)


@pytest.fixture(scope="module", params=BACKENDS)
def sample_ws(request, tmp_path_factory):
    yield from shared_sample_workspace(request, tmp_path_factory)


def _quote(workspace, path, **options):
    options.setdefault("brand", "CHNT")
    options.setdefault("now", WHEN)
    return quote_bom(workspace, path, QuoteOptions(**options))


def test_quote_workbook_keeps_every_buyer_row_and_column_and_adds_the_answer(sample_ws, tmp_path):
    source = write_panel_xlsx(tmp_path / "panel.xlsx")
    quote = _quote(sample_ws, source, customer="C-XLSX")
    assert_every_row_once(quote.document)
    output = write_quote_xlsx(quote, tmp_path / "quote.xlsx")
    workbook = load_workbook(output)
    assert workbook.sheetnames == [SUMMARY_SHEET, "电控柜BOM"]
    original = list(load_workbook(source)["电控柜BOM"].iter_rows(values_only=True))
    written = list(workbook["电控柜BOM"].iter_rows(values_only=True))
    assert len(written) == len(original) == 18
    width = len(PANEL_HEADER)
    for row_in, row_out in zip(original, written, strict=True):
        expected = [f"'{v}" if isinstance(v, str) and v[:1] in "=@" else v for v in row_in[:width]]
        assert list(row_out[:width]) == expected + [None] * (width - len(expected))
    assert list(written[2][width:]) == list(ADDED)
    sheet = workbook["电控柜BOM"]
    lines = {line.line.row: line for line in quote.lines}
    for row, line in lines.items():
        status_cell = sheet.cell(row=row, column=width + 1)
        assert status_cell.fill.start_color.rgb.endswith(STATUS_COLOURS[line.match.status])
    assert sheet.cell(row=4, column=width + 4).value == "836012"
    assert sheet.cell(row=4, column=width + 9).value == 113.6
    assert written[17][-1] == "skipped: total row"
    summary = dict(row[:2] for row in workbook[SUMMARY_SHEET].iter_rows(values_only=True) if row[0])
    assert summary["报价单号 Quote"] == quote.id and summary["合计 Total"] == float(quote.total)


def test_buyer_text_that_looks_like_a_formula_is_written_back_as_text(sample_ws, tmp_path):
    quote = _quote(sample_ws, write_panel_xlsx(tmp_path / "panel.xlsx"), customer="C-INJECT")
    output = write_quote_xlsx(quote, tmp_path / "quote.xlsx")
    with zipfile.ZipFile(output) as archive:
        xml = "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml"))
    assert "<f>" not in xml and "<f " not in xml
    sheet = load_workbook(output)["电控柜BOM"]
    hyperlink = sheet.cell(row=15, column=3)
    assert hyperlink.value == "'=HYPERLINK(\"http://evil.example\",\"点击\")" and hyperlink.data_type == "s"
    assert sheet.cell(row=15, column=7).value == "'@SUM(A1)"


def test_same_file_quoted_twice_is_recognised_and_a_changed_answer_is_a_new_quote(sample_ws, tmp_path):
    source = write_panel_xlsx(tmp_path / "panel.xlsx")
    first = _quote(sample_ws, source, customer="C-TWICE")
    again = _quote(sample_ws, source, customer="C-TWICE")
    assert again.recognised and again.id == first.id and not first.recognised
    more = _quote(sample_ws, source, customer="C-TWICE", boards=2)
    assert more.id != first.id and more.content_hash != first.content_hash
    assert more.total > first.total
    later = _quote(sample_ws, source, customer="C-TWICE", now=datetime(2027, 3, 1))  # new ship dates
    assert later.id not in (first.id, more.id) and later.previous_quote_id == first.id


def test_stored_quote_shows_as_it_was_quoted(sample_ws, tmp_path):
    quote = _quote(sample_ws, write_panel_xlsx(tmp_path / "panel.xlsx"), customer="C-SHOW", boards=3)
    shown = show_quote(sample_ws, quote.id)
    fresh = json.loads(json.dumps(quote.as_dict(), default=str))
    assert shown["status"] == "quoted" and shown["order_id"] is None
    assert shown["summary"]["total"] == str(quote.total) == fresh["summary"]["total"]
    assert [(line["row"], line["status"], line["sku"], line["extended"]) for line in shown["lines"]] == [
        (line["row"], line["status"], line["sku"], line["extended"]) for line in fresh["lines"]]
    assert shown["skipped"] == fresh["skipped"] and shown["boards"] == 3


def test_an_order_is_placed_once_and_unready_lines_stop_it_unless_partial(sample_ws, tmp_path):
    quote = _quote(sample_ws, write_panel_xlsx(tmp_path / "panel.xlsx"), customer="C-ORDER")
    with pytest.raises(JbpError, match=r"3 line\(s\) that cannot be ordered: #10 \(row 13\) invalid: quantity "
                                       r"'若干' is not a number"):
        order_quote(sample_ws, quote.id)
    order = order_quote(sample_ws, quote.id, partial=True, now=WHEN)
    twice = order_quote(sample_ws, quote.id, partial=True)
    assert twice.existing and twice.id == order.id and twice.total == order.total
    orderable = [line for line in quote.lines if line.match.status in ("matched", "substituted")]
    assert [line.sku for line in order.lines] == [line.match.product["sku"] for line in orderable]
    assert order.total == sum(line.price.extended for line in orderable) == quote.total
    assert [item["position"] for item in order.left_out] == [10, 11, 13]
    assert show_quote(sample_ws, quote.id)["status"] == "ordered"
    assert isinstance(order.total, Decimal)


def test_quotes_use_the_brands_bom_ordering_quota(workspace, tmp_path):
    from jbp.tiers import QuotaExceeded, use

    defined_workspace(workspace, tmp_path)
    import_catalog(workspace.store, write_catalog_csv(tmp_path / "catalog.csv", ROWS))
    bom = write_csv(tmp_path / "bom.csv", [["型号", "数量"], ["NXC-09", "2"]])
    quote = _quote(workspace, bom)
    assert quote.entitlement == {"tier": "unsigned", "period": "2026-11", "quota": 20, "used": 1, "remaining": 19}
    use(workspace.store, "CHNT", "bom_ordering", 19, WHEN, "prepaid")
    assert _quote(workspace, bom).recognised  # the same answer again uses nothing
    with pytest.raises(QuotaExceeded, match="CHNT is at tier unsigned: bom_ordering quota 20 for 2026-11"):
        _quote(workspace, bom, boards=5)
    with workspace.store.reading() as conn:
        assert conn.execute(schema.bom_quotes.select()).fetchall().__len__() == 1


def test_customer_discount_from_the_crm_applies_to_every_line(sample_ws, tmp_path):
    customers = schema.metadata.tables.get("customers")
    if customers is None:
        pytest.skip("no CRM customers table in this store")
    with sample_ws.store.transaction() as conn:
        brand_id = conn.execute(schema.brands.select().where(schema.brands.c.code == "CHNT")).first().id
        conn.execute(customers.insert().values(
            brand_id=brand_id, external_id="C-DISCOUNT", name="华东机电", consent={}, opted_out={},
            discount_pct=Decimal("5"), created_at=WHEN, updated_at=WHEN, content_hash="x"))
    rows = [[1, "836012", "交流接触器", None, None, 100, None]]
    listed = _quote(sample_ws, write_panel_xlsx(tmp_path / "a.xlsx", rows), customer="C-NOBODY")
    discounted = _quote(sample_ws, write_panel_xlsx(tmp_path / "b.xlsx", rows), customer="C-DISCOUNT")
    assert listed.notes == ["customer 'C-NOBODY' has no record with a discount: list prices"]
    assert discounted.lines[0].price.unit_price == (listed.lines[0].price.unit_price * Decimal("0.95")).quantize(
        Decimal("0.0001"))
    assert discounted.discount_pct == Decimal("5")


# ---------------------------------------------------------------- command line


@pytest.fixture
def run(run, sample_ws):
    """conftest's `run` in the sample workspace."""
    return lambda *argv: run("-w", str(sample_ws.root), *argv)


def test_cli_quotes_confirms_orders_and_shows(run, tmp_path):
    rows = [[1, "836012", "交流接触器", None, None, 2, None], [2, None, "交流接触器", "NXC-09", "正泰", 1, None]]
    source = write_panel_xlsx(tmp_path / "cli.xlsx", rows)
    code, out, err = run("bom", "quote", str(source), "--brand", "正泰", "--customer", "C-CLI", "--boards", "10",
                         "--now", NOW, "-o", str(tmp_path / "q.xlsx"))
    assert code == 0 and (tmp_path / "q.xlsx").exists()
    assert "matched" in out and "AMBIG?" in out and "836014  NXC-09Z DC24V" in out
    assert "2 lines: 1 matched, 1 ambiguous; 5 rows skipped" in out and err.startswith("times: read ")
    quote_id = int(out.split()[1])
    code, out, _ = run("bom", "order", str(quote_id))
    assert code == 1
    code, out, _ = run("bom", "confirm", str(quote_id), "2", "836012")
    assert code == 0 and "836012 × 10 at 56.80 CNY" in out
    code, out, _ = run("bom", "order", str(quote_id), "--json")
    order = json.loads(out)
    assert code == 0 and order["total"] == "1704.00" and [line["qty"] for line in order["lines"]] == [20, 10]
    code, out, _ = run("bom", "show", str(quote_id), "--json")
    shown = json.loads(out)
    assert shown["status"] == "ordered" and shown["order_id"] == order["order_id"]
    assert shown["lines"][1]["rule"] == "confirmed"


def test_cli_order_from_a_file_quotes_it_first(run, tmp_path):
    source = write_panel_xlsx(tmp_path / "direct.xlsx", [[1, "836012", "交流接触器", None, None, 3, None]])
    code, out, _ = run("bom", "order", str(source), "--brand", "CHNT", "--now", NOW)
    assert code == 0 and out.startswith("Order ") and "170.40 CNY" in out
    code, out, _ = run("bom", "order", str(source), "--brand", "CHNT", "--now", NOW)
    assert code == 0 and "already ordered: the same order" in out


def test_cli_show_mapping_prints_detection_and_a_mapping_skeleton(run, tmp_path):
    code, out, _ = run("bom", "quote", str(write_panel_xlsx(tmp_path / "m.xlsx")), "--show-mapping")
    assert code == 0
    assert "sheet '电控柜BOM', header in row 3:" in out and '"规格型号" = "mpn"' in out
    assert "13 lines, 5 rows skipped" in out


def test_cli_bad_input_exits_1_with_the_reason(run, tmp_path):
    empty = write_csv(tmp_path / "notes.csv", [["会议纪要"], ["讨论"]])
    code, _, err = run("bom", "quote", str(empty), "--brand", "CHNT")
    assert code == 1 and "no recognisable BOM header" in err
    code, _, err = run("bom", "quote", str(write_panel_xlsx(tmp_path / "p.xlsx")))
    assert code == 1 and "say which one quotes with --brand" in err
    code, _, err = run("bom", "show", "999999")
    assert code == 1 and "no quote 999999" in err


@pytest.mark.parametrize("name", ["hackrf-one-bom.csv", "chao-super_51-music-box_BOM.xlsx",
                                  "exaspim_mechanical_BOM.xlsx"])
def test_real_boms_are_quoted_line_for_line_without_inventing_matches(sample_ws, realdata, tmp_path, name):
    quote = _quote(sample_ws, realdata / "bom" / name, customer=f"C-REAL-{name[:8]}")
    assert_every_row_once(quote.document)
    statuses = {line.match.status for line in quote.lines}
    assert statuses <= {"not_found", "ambiguous", "invalid"}  # electronics and optics: nothing CHNT sells
    assert not [line for line in quote.lines if line.match.status == "ambiguous" and line.match.rule != "parametric"]
    written = load_workbook(write_quote_xlsx(quote, tmp_path / "q.xlsx"), read_only=True)
    sheet = written[written.sheetnames[1]]
    assert len(list(sheet.iter_rows(values_only=True))) == len(quote.document.sheets[0].rows)
