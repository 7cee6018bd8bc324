"""Substitution: hand-built categories whose drop-in, functional and similar answers are known, cross-reference
imports, successor chains, bad input, the CLI, and a property test of the grading rules."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import numpy as np
import pytest
from catalog_fixtures import write_csv, write_xlsx
from conftest import SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from jbp.catalog.definitions import define
from jbp.catalog.importers.headers import fold_header
from jbp.catalog.importing import import_catalog
from jbp.catalog.models import Category, Comparison, Grade, ParameterDef
from jbp.catalog.substitution import grading as rules
from jbp.catalog.substitution import import_xrefs, substitutes
from jbp.catalog.substitution.finder import price_at
from jbp.catalog.substitution.makers import same_maker
from jbp.errors import JbpError, NotFoundError

DEFINITIONS = """
[[brands]]
code = "CHNT"
name_zh = "正泰"
name_en = "CHINT"

[[brands]]
code = "DELIXI"
name_zh = "德力西"

[[categories]]
code = "contactor"
name_zh = "交流接触器"

[[categories.parameters]]
code = "rated_current"
name_zh = "额定电流"
unit = "A"
comparison = "at_least"

[[categories.parameters]]
code = "coil_voltage"
name_zh = "线圈电压"
unit = "V"
key = true

[[categories.parameters]]
code = "poles"
name_zh = "极数"
kind = "enum"
allowed_values = ["3P", "4P"]
key = true

[[categories.parameters]]
code = "operating_temp"
name_zh = "工作温度"
kind = "range"
unit = "°C"
comparison = "covers"

[[categories.parameters]]
code = "width"
name_zh = "宽度"
unit = "m"
comparison = "at_most"

[[categories]]
code = "resistor"
name_zh = "贴片电阻"

[[categories.parameters]]
code = "resistance"
name_zh = "阻值"
unit = "Ω"
comparison = "within_tolerance"
tolerance = 0.05

[[categories.parameters]]
code = "case_package"
name_zh = "封装"
kind = "enum"
allowed_values = ["0603", "0805"]
key = true

[[categories.parameters]]
code = "rated_power"
name_zh = "额定功率"
unit = "W"
comparison = "at_least"

[[categories]]
code = "pilot_light"
name_zh = "指示灯"

[[categories.parameters]]
code = "colour"
name_zh = "颜色"
kind = "enum"
allowed_values = ["红", "绿"]

[[categories.parameters]]
code = "lamp_voltage"
name_zh = "指示灯电压"
unit = "V"
comparison = "at_least"
"""

HEADER = ["货号", "品牌", "型号", "分类", "名称", "单价", "价格(≥100)", "库存", "交期", "生命周期", "替代货号",
          "额定电流", "线圈电压", "极数", "工作温度", "宽度", "阻值", "封装", "额定功率", "颜色", "指示灯电压"]
PARAMS = HEADER[11:]


def row(sku, *, brand="CHNT", mpn=None, category="交流接触器", price="10", price100="", stock="100", lead="3",
        life="在产", successor="", **params):
    values = {"额定电流": "9A", "线圈电压": "AC220V", "极数": "3P", "工作温度": "-25~55℃", "宽度": "45mm"} \
        if category == "交流接触器" else {}
    values.update(params)
    return [sku, brand, mpn or f"M-{sku}", category, f"{category} {sku}", price, price100, stock, lead, life,
            successor, *(values.get(name, "") for name in PARAMS)]


ROWS = [
    row("C09", price="10", price100="9"),  # the original
    row("D09", brand="DELIXI", 工作温度="-25~70℃", 宽度="44mm"),  # better on two performance parameters
    row("C12", 额定电流="12A"),  # better rated current
    row("C06", 额定电流="6A"),  # worse rated current
    row("C09-380", 线圈电压="AC380V"),  # another coil: key differs
    row("C09-4P", 极数="4P"),  # key differs
    row("C09-NT", 工作温度=""),  # performance value not stated
    row("C09-NC", 线圈电压=""),  # key value not stated
    row("C09-OBS", life="淘汰", successor="C09-NEW"),  # identical but obsolete
    row("C09-NEW", stock="0", lead="30", price="8"),  # identical, none in stock
    row("C09-CHEAP", stock="500", price="9"),  # identical, in stock, cheaper
    row("D09-SAME", brand="DELIXI", stock="500", price="12"),  # identical, in stock, dearer
    row("CYC-A", life="停产", successor="CYC-B", 额定电流="95A", 线圈电压="AC24V"),
    row("CYC-B", life="淘汰", successor="CYC-A", 额定电流="95A", 线圈电压="AC24V"),
    row("OLD-1", life="停产", successor="OLD-2", 额定电流="80A", 线圈电压="AC24V"),
    row("OLD-2", life="淘汰", successor="OLD-3", 额定电流="80A", 线圈电压="AC24V"),
    row("OLD-3", 额定电流="80A", 线圈电压="AC24V", stock="0"),
    row("R10K", category="贴片电阻", 阻值="10kΩ", 封装="0603", 额定功率="0.1W"),
    row("R10K2", category="贴片电阻", 阻值="10.2k", 封装="0603", 额定功率="0.1W"),  # within 5 %
    row("R11K", category="贴片电阻", 阻值="11k", 封装="0603", 额定功率="0.1W"),  # 10 % off
    row("R10K-0805", category="贴片电阻", 阻值="10k", 封装="0805", 额定功率="0.125W"),
    row("R10K-HP", category="贴片电阻", 阻值="10k", 封装="0603", 额定功率="1/4W"),
    row("L-RED", category="指示灯", 颜色="红", 指示灯电压="220V"),
    row("L-RED2", category="指示灯", 颜色="红", 指示灯电压="230V"),
    row("L-GREEN", category="指示灯", 颜色="绿", 指示灯电压="220V"),
]

XREF_HEADER = ["竞品品牌", "竞品型号", "我方品牌", "我方货号", "替代等级", "备注"]
XREFS = [
    ["施耐德", "LC1D09M7C", "正泰", "C09", "功能替代", "安装孔距不同"],
    ["ABB", "AX09-30-10", "", "D09", "直接替代", ""],
    ["ABB", "AX09-30-10", "", "D09", "相似", "线圈宽电压"],
    ["Schneider Electric", "LC1D09OLD", "CHNT", "C09-OBS", "直接替代", ""],
    ["Schneider", "XB7-RED", "CHNT", "L-RED2", "drop-in", ""],
]


@pytest.fixture
def ws(workspace, tmp_path):
    definitions = tmp_path / "definitions.toml"
    definitions.write_text(DEFINITIONS, encoding="utf-8")
    define(workspace.store, definitions)
    report = import_catalog(workspace.store, write_csv(tmp_path / "catalog.csv", ROWS, HEADER, encoding="utf-8"))
    assert report.status == "committed" and report.rejected == 0, report.rejections
    xrefs = import_xrefs(workspace.store, write_csv(tmp_path / "xref.csv", XREFS, XREF_HEADER, encoding="utf-8"))
    assert (xrefs.status, xrefs.created, xrefs.rejected) == ("committed", 5, 0), xrefs.rejections
    return workspace


def by_sku(result):
    return {s.sku: s for s in result.substitutes}


def test_drop_in_functional_and_similar_follow_the_category_rules(ws):
    result = substitutes(ws.store, "C09", limit=50)
    found = by_sku(result)
    assert {sku for sku, s in found.items() if s.grade == Grade.drop_in} == {
        "D09", "C12", "C09-NEW", "C09-CHEAP", "D09-SAME"}
    assert found["C09-NT"].grade == Grade.functional  # a performance value it does not state
    for sku in ("C06", "C09-380", "C09-4P", "C09-NC"):
        assert found[sku].grade == Grade.similar, sku
    assert "C09" not in found and "C09-OBS" not in found
    assert all(s.source == "parametric" for s in result.substitutes)
    assert result.original.kind == "ours" and result.original.params["rated_current"] == "9A"


def test_differences_show_original_and_candidate_values_with_verdicts(ws):
    found = by_sku(substitutes(ws.store, "C09", limit=50))
    assert {(d.param, d.original, d.candidate, d.verdict) for d in found["D09"].differences} == {
        ("operating_temp", "-25°C~55°C", "-25°C~70°C", "better"), ("width", "45mm", "44mm", "better")}
    assert [(d.param, d.verdict) for d in found["C06"].differences] == [("rated_current", "worse")]
    assert [(d.param, d.candidate, d.verdict) for d in found["C09-NC"].differences] == [
        ("coil_voltage", None, "unknown")]
    assert [(d.param, d.verdict) for d in found["C09-NT"].differences] == [("operating_temp", "unknown")]
    assert found["C09-380"].differences[0].unit == "V"


def test_worse_performance_is_functional_only_within_the_stated_need(ws):
    met = by_sku(substitutes(ws.store, "C09", needs=["rated_current>=6A"], limit=50))
    assert met["C06"].grade == Grade.functional
    assert met["C12"].grade == Grade.drop_in
    unmet = by_sku(substitutes(ws.store, "C09", needs=["额定电流>=7A"], limit=50))
    assert unmet["C06"].grade == Grade.similar and "does not meet 额定电流>=7A" in unmet["C06"].notes


def test_ranking_is_grade_then_distance_then_availability_then_price(ws):
    ranked = [s.sku for s in substitutes(ws.store, "C09", qty=10, limit=50).substitutes]
    # identical parts first: in stock before out of stock, cheaper before dearer
    assert ranked[:3] == ["C09-CHEAP", "D09-SAME", "C09-NEW"]
    assert ranked.index("C12") > 2 and ranked.index("D09") > 2
    assert ranked.index("C09-NT") > max(ranked.index("C12"), ranked.index("D09"))  # functional after drop-ins
    grades = [s.grade for s in substitutes(ws.store, "C09", limit=50).substitutes]
    assert grades == sorted(grades, key=rules.GRADES.index)


def test_price_is_the_largest_break_not_above_the_quantity():
    breaks = [{"currency": "CNY", "min_qty": 1, "price": Decimal("10.000000")},
              {"currency": "CNY", "min_qty": 100, "price": Decimal("9.500000")},
              {"currency": "USD", "min_qty": 1, "price": Decimal("1.4")}]
    assert price_at(breaks, 99) == (Decimal("10.00"), "CNY", None)
    assert price_at(breaks, 100) == (Decimal("9.50"), "CNY", None)
    assert price_at([{"currency": "CNY", "min_qty": 10, "price": Decimal("3")}], 5) == (
        None, "CNY", "priced from 10 pieces")


def test_price_and_stock_are_reported_at_the_quantity(ws):
    result = substitutes(ws.store, "C12", qty=100, limit=50)
    original_price = by_sku(result)["C09"]
    assert original_price.unit_price == Decimal("9.00") and original_price.currency == "CNY"
    assert original_price.stock == 100 and original_price.lead_time_days == 3


def test_within_tolerance_counts_as_equal_and_keys_must_match(ws):
    found = by_sku(substitutes(ws.store, "R10K", limit=10))
    assert found["R10K2"].grade == Grade.drop_in
    assert [(d.param, d.candidate, d.verdict) for d in found["R10K2"].differences] == [
        ("resistance", "10.2kΩ", "equal")]
    assert found["R10K-HP"].grade == Grade.drop_in
    assert found["R11K"].grade == Grade.similar and found["R10K-0805"].grade == Grade.similar


def test_obsolete_part_is_never_proposed_but_its_successor_chain_is(ws):
    result = substitutes(ws.store, "OLD-1", limit=50)
    found = by_sku(result)
    assert "OLD-2" not in found
    assert found["OLD-3"].source == "successor" and "successor of OLD-2" in found["OLD-3"].notes
    assert found["OLD-3"].grade == Grade.drop_in
    assert all(s.lifecycle != "obsolete" for s in result.substitutes)


def test_cycle_in_successor_links_is_reported_not_followed_forever(ws):
    result = substitutes(ws.store, "CYC-A", limit=50)
    assert any("cycle" in w and "CYC-A → CYC-B → CYC-A" in w for w in result.warnings)
    assert "CYC-B" not in by_sku(result)


def test_competitor_part_found_by_cross_reference_in_any_spelling(ws):
    result = substitutes(ws.store, "lc1-d09 m7c", brand="Schneider Electric")
    assert result.original.kind == "competitor" and result.original.mpn == "LC1D09M7C"
    assert result.original.category == "contactor"
    assert [(s.sku, s.grade, s.source) for s in result.substitutes] == [("C09", Grade.functional, "cross_reference")]
    assert "安装孔距不同" in result.substitutes[0].notes
    assert any("--param" in w for w in result.warnings)  # nothing known to search the category with
    with pytest.raises(NotFoundError):
        substitutes(ws.store, "LC1D09M7C", brand="ABB")  # declared for 施耐德 only


def test_competitor_part_with_parameters_gets_parametric_candidates_too(ws):
    result = substitutes(ws.store, "LC1D09M7C", params=["rated_current=9A", "线圈电压=AC220V", "poles=3P"],
                         limit=50)
    found = by_sku(result)
    assert found["C09"].source == "cross_reference" and found["C09"].grade == Grade.functional
    assert found["C12"].grade == Grade.drop_in and found["C09-380"].grade == Grade.similar


def test_competitor_part_known_only_by_parameters(ws):
    result = substitutes(ws.store, "XYZ-9", brand="Acme", category="交流接触器",
                         params=["rated_current=10A", "coil_voltage=220V", "poles=3P"], limit=50)
    found = by_sku(result)
    assert result.original.kind == "competitor" and result.original.brand == "Acme"
    assert found["C12"].grade == Grade.drop_in and found["C09"].grade == Grade.similar
    assert [(d.original, d.candidate, d.verdict) for d in found["C09"].differences] == [("10A", "9A", "worse")]
    with pytest.raises(JbpError, match="--category"):
        substitutes(ws.store, "XYZ-9", params=["rated_current=10A"])


def test_missing_key_on_the_original_is_warned_and_never_drop_in(ws):
    result = substitutes(ws.store, "XYZ-9", brand="Acme", category="contactor", params=["rated_current=9A"])
    assert any("coil_voltage, poles" in w for w in result.warnings)
    assert all(s.grade == Grade.similar for s in result.substitutes)


def test_contradictory_cross_references_are_both_reported_the_stricter_ranked_lower(ws):
    result = substitutes(ws.store, "AX09-30-10")
    assert any("contradictory" in w for w in result.warnings)
    assert [(s.sku, s.grade, s.source) for s in result.substitutes] == [
        ("D09", Grade.similar, "cross_reference"), ("D09", Grade.drop_in, "cross_reference")]


def test_cross_referenced_obsolete_part_is_replaced_by_its_successor(ws):
    result = substitutes(ws.store, "LC1D09OLD", brand="施耐德")
    assert [(s.sku, s.source) for s in result.substitutes] == [("C09-NEW", "successor")]
    assert "replaces C09-OBS (obsolete), cross-referenced as drop_in" in result.substitutes[0].notes


def test_category_without_key_parameters_offers_cross_references_and_similar_only(ws):
    ours = substitutes(ws.store, "L-RED")
    assert any("no key parameters" in w for w in ours.warnings)
    assert {s.grade for s in ours.substitutes} == {Grade.similar}
    assert [s.sku for s in ours.substitutes][0] == "L-RED2"  # closest first
    competitor = substitutes(ws.store, "XB7-RED", brand="施耐德")
    assert [(s.sku, s.grade) for s in competitor.substitutes] == [("L-RED2", Grade.drop_in)]


def test_unknown_part_suggests_close_part_numbers(ws):
    with pytest.raises(NotFoundError) as raised:
        substitutes(ws.store, "C09-38")
    assert "C09-380" in raised.value.suggestions
    with pytest.raises(NotFoundError) as raised:
        substitutes(ws.store, "LC1D09M7")
    assert "LC1D09M7C" in raised.value.suggestions


def test_grade_filter_and_for_brand_narrow_the_answer(ws):
    drop_ins = substitutes(ws.store, "C09", grade="drop-in", limit=50).substitutes
    assert drop_ins and all(s.grade == Grade.drop_in for s in drop_ins)
    delixi = substitutes(ws.store, "C09", for_brand="德力西", limit=50).substitutes
    assert {s.sku for s in delixi} == {"D09", "D09-SAME"}
    assert len(substitutes(ws.store, "C09", limit=2).substitutes) == 2


def test_an_import_is_seen_by_the_next_substitution(ws, tmp_path):
    assert "C09-LATE" not in by_sku(substitutes(ws.store, "C09", limit=50))
    import_catalog(ws.store, write_csv(tmp_path / "late.csv", [row("C09-LATE")], HEADER, encoding="utf-8"))
    assert by_sku(substitutes(ws.store, "C09", limit=50))["C09-LATE"].grade == Grade.drop_in


def test_ambiguous_part_number_asks_for_a_brand(ws, tmp_path):
    import_catalog(ws.store, write_csv(tmp_path / "twin.csv", [row("C09", brand="DELIXI")], HEADER,
                                       encoding="utf-8"))
    with pytest.raises(JbpError, match="--brand"):
        substitutes(ws.store, "C09")
    assert substitutes(ws.store, "C09", brand="正泰").original.brand == "CHNT"


# ------------------------------------------------------------------------------------ cross-reference import


def test_reimport_of_same_xref_file_changes_nothing(ws, tmp_path):
    again = import_xrefs(ws.store, write_csv(tmp_path / "xref.csv", XREFS, XREF_HEADER, encoding="utf-8"))
    assert (again.status, again.created, again.unchanged) == ("committed", 0, 5)
    assert any("declared drop_in and similar" in w for w in again.warnings)


def test_xref_rows_with_unknown_sku_brand_or_grade_are_rejected_and_nothing_written(ws, tmp_path):
    rows = [["西门子", "3RT6023-1AN20", "正泰", "C09", "功能替代", ""],
            ["西门子", "3RT6024", "正泰", "NOPE", "功能替代", ""],
            ["西门子", "3RT6025", "Acme", "C09", "功能替代", ""],
            ["西门子", "3RT6026", "正泰", "C09", "差不多", ""],
            ["", "3RT6027", "正泰", "C09", "", ""]]
    path = write_csv(tmp_path / "bad.csv", rows, XREF_HEADER, encoding="gbk")
    report = import_xrefs(ws.store, path)
    assert report.status == "rejected" and report.created == 0
    reasons = {(r.location.row, r.location.column.split()[0], r.reason.split()[0]) for r in report.rejections}
    assert reasons == {(5, "D", "unknown"), (6, "C", "unknown"), (7, "E", "grade"), (8, "A", "competitor")}
    assert all(r.location.file == str(path) for r in report.rejections)
    with pytest.raises(NotFoundError):
        substitutes(ws.store, "3RT6023-1AN20")
    partial = import_xrefs(ws.store, path, partial=True)
    assert (partial.status, partial.created, partial.rejected) == ("committed", 1, 4)
    assert [s.sku for s in substitutes(ws.store, "3RT6023-1AN20").substitutes] == ["C09"]


def test_xref_sku_of_two_brands_needs_the_brand_column(ws, tmp_path):
    import_catalog(ws.store, write_csv(tmp_path / "twin.csv", [row("C12", brand="DELIXI")], HEADER,
                                       encoding="utf-8"))
    report = import_xrefs(ws.store, write_csv(tmp_path / "x.csv", [["ABB", "AX12", "", "C12", "", ""]], XREF_HEADER,
                                              encoding="utf-8"))
    assert report.status == "rejected" and "CHNT, DELIXI" in report.rejections[0].reason


def test_xref_workbook_with_english_headers_below_a_title(ws, tmp_path):
    sheet = [["Other brand", "Other MPN", "SKU", "Grade", "Note"],
             ["Siemens", "3RT2015-1AP01", "C09", "Functional", "coil AC230V"],
             ["Siemens", "3RT2016-1AP01", "C12", "", ""]]
    report = import_xrefs(ws.store, write_xlsx(tmp_path / "x.xlsx", {"对照表": sheet}))
    assert (report.status, report.created) == ("committed", 2)
    found = substitutes(ws.store, "3RT2016-1AP01", brand="西门子").substitutes
    assert [(s.sku, s.grade) for s in found] == [("C12", Grade.similar)]  # no grade given: similar


def test_sample_cross_references_import_and_answer_for_competitor_parts(workspace):
    define(workspace.store, SAMPLE / "categories.toml")
    import_catalog(workspace.store, SAMPLE / "chnt_catalog.xlsx")
    report = import_xrefs(workspace.store, SAMPLE / "xref.csv")
    assert (report.status, report.created, report.rejected) == ("committed", 22, 0), report.rejections[:3]
    miniature = substitutes(workspace.store, "A9F18116", brand="施耐德")
    assert [(s.sku, s.grade, s.source) for s in miniature.substitutes] == [("814006", Grade.drop_in,
                                                                            "cross_reference")]
    contactor = substitutes(workspace.store, "LC1D09M7C", brand="施耐德", qty=50,
                            params=["rated_current=9A", "coil_voltage=AC220V", "poles=3P", "coil_current_type=AC"])
    declared = next(s for s in contactor.substitutes if s.source == "cross_reference")
    assert (declared.sku, declared.grade) == ("836012", Grade.functional)
    assert contactor.substitutes[0].grade == Grade.drop_in


def test_obsolete_sample_bearing_is_replaced_by_its_successor(workspace):
    define(workspace.store, SAMPLE / "categories.toml")
    import_catalog(workspace.store, SAMPLE / "bearings_fasteners_bmecat.xml")
    with workspace.store.reading() as conn:
        obsolete = conn.execute(text("SELECT sku, successor_sku FROM products WHERE lifecycle = 'obsolete' "
                                     "AND successor_sku IS NOT NULL ORDER BY sku")).first()
    result = substitutes(workspace.store, obsolete.sku)
    first = result.substitutes[0]
    assert (first.sku, first.source, first.grade) == (obsolete.successor_sku, "successor", Grade.drop_in)


def test_maker_names_match_across_languages_and_suffixes():
    assert same_maker("施耐德", "Schneider Electric") and same_maker("施耐德电气", "施耐德")
    assert same_maker("OMRON", "欧姆龙") and not same_maker("ABB", "西门子")


# ------------------------------------------------------------------------------------ command line


def test_cli_substitute_prints_table_and_explanations_or_json(ws, run):
    code, out, _ = run("-w", str(ws.root), "substitute", "C09", "--qty", "100", "--limit", "5")
    assert code == 0 and "C09-CHEAP" in out and "price @100" in out and "drop_in" in out
    code, out, _ = run("-w", str(ws.root), "substitute", "C06", "--json", "--grade", "drop-in")
    document = json.loads(out)
    assert code == 0 and document["original"]["sku"] == "C06"
    c09 = next(s for s in document["substitutes"] if s["sku"] == "C09")
    assert c09["differences"][0] == {"param": "rated_current", "original": "6A", "candidate": "9A",
                                     "verdict": "better", "unit": "A"}
    assert isinstance(c09["unit_price"], str)


def test_cli_unknown_part_exits_1_with_suggestions(ws, run):
    code, _, err = run("-w", str(ws.root), "substitute", "C09-38")
    assert code == 1 and "did you mean" in err and "C09-380" in err


def test_cli_import_xref_rejections_exit_1(ws, run, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [["ABB", "AX1", "正泰", "NOPE", "", ""]], XREF_HEADER, encoding="utf-8")
    code, out, _ = run("-w", str(ws.root), "catalog", "import-xref", str(path))
    assert code == 1 and "NOTHING imported" in out and "NOPE" in out


# ------------------------------------------------------------------------------------ property


PROPERTY_CATEGORY = Category(code="prop", parameters=(
    ParameterDef(code="coil", unit="V", key=True),
    ParameterDef(code="frame", kind="enum", allowed_values=("S", "M"), key=True),
    ParameterDef(code="current", unit="A", comparison=Comparison.at_least),
    ParameterDef(code="loss", unit="W", comparison=Comparison.at_most),
    ParameterDef(code="ohms", unit="Ω", comparison=Comparison.within_tolerance, tolerance=0.05),
    ParameterDef(code="temp", kind="range", unit="°C", comparison=Comparison.covers),
    ParameterDef(code="colour", kind="text"),
))
NUMBERS = st.sampled_from([1.0, 2.0, 9.0, 9.3, 12.0, 24.0])


def numbers_or_none(numbers: list[float]):
    return st.sampled_from([None, *((v, v) for v in numbers)])  # None one time in len+1, not one in two


VALUES = {
    "coil": numbers_or_none([24.0, 220.0]),
    "frame": st.sampled_from([None, "S", "M", "s"]),
    "current": numbers_or_none([1.0, 2.0, 9.0, 9.3, 12.0, 24.0]),
    "loss": numbers_or_none([1.0, 2.0, 9.0, 9.3]),
    "ohms": numbers_or_none([9.0, 9.3, 9.5, 12.0]),
    "temp": st.sampled_from([None, (-40.0, 55.0), (-25.0, 55.0), (-25.0, math.inf), (-5.0, 40.0)]),
    "colour": st.sampled_from([None, "red", "RED", "green"]),
}
PRODUCT = st.fixed_dictionaries(VALUES)


@st.composite
def candidates_like(draw, original: dict) -> list[dict]:
    """Candidates that mostly copy the original, so equal keys (and so drop-in and functional) come up often."""
    count = draw(st.integers(min_value=1, max_value=12))
    return [{code: draw(strategy) if draw(st.booleans()) else original[code] for code, strategy in VALUES.items()}
            for _ in range(count)]


def columns_of(products: list[dict]) -> dict[str, rules.Column]:
    columns = {}
    for definition in PROPERTY_CATEGORY.parameters:
        values = [p[definition.code] for p in products]
        if rules.is_textual(definition):
            texts = sorted({v for v in values if v})
            codes = np.array([texts.index(v) if v else -1 for v in values], dtype=np.int32)
            columns[definition.code] = rules.Column.textual(definition, codes, texts)
        else:
            low = np.array([v[0] if v else np.nan for v in values])
            high = np.array([v[1] if v else np.nan for v in values])
            columns[definition.code] = rules.Column.numeric(definition, low, high)
    return columns


def satisfies(definition: ParameterDef, original, candidate, rule: Comparison) -> bool:
    """The rule written out plainly, one value at a time: the oracle for the vectorised grading."""
    if candidate is None:
        return False
    if isinstance(original, str):
        return fold_header(original) == fold_header(candidate)

    def close(a, b):
        return a == b or abs(a - b) <= 1e-9 * abs(b)

    (o_low, o_high), (c_low, c_high) = original, candidate
    if rule == Comparison.at_least:
        return (c_low >= o_low or close(c_low, o_low)) and (c_high >= o_high or close(c_high, o_high))
    if rule == Comparison.at_most:
        return (c_low <= o_low or close(c_low, o_low)) and (c_high <= o_high or close(c_high, o_high))
    if rule == Comparison.covers:
        return (c_low <= o_low or close(c_low, o_low)) and (c_high >= o_high or close(c_high, o_high))
    if rule == Comparison.within_tolerance:
        return all(abs(c - o) <= definition.tolerance * abs(o) or close(c, o)
                   for c, o in ((c_low, o_low), (c_high, o_high)))
    return close(c_low, o_low) and close(c_high, o_high)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), original=PRODUCT, need_current=st.none() | NUMBERS)
def test_every_drop_in_meets_every_key_and_performance_rule(data, original, need_current):
    candidates = data.draw(candidates_like(original))
    columns = columns_of(candidates)
    targets = {code: (fold_header(v) if isinstance(v, str) else v) for code, v in original.items() if v is not None}
    needs = [] if need_current is None else [rules.Need(PROPERTY_CATEGORY.parameter("current"), ">=",
                                                        (need_current, need_current), "current>=x")]
    graded = rules.grade_candidates(PROPERTY_CATEGORY, targets, columns, needs, len(candidates))
    for index, candidate in enumerate(candidates):
        grade = int(graded.grade[index])
        if grade == rules.SIMILAR:
            continue
        for definition in PROPERTY_CATEGORY.parameters:
            value, mine = original[definition.code], candidate[definition.code]
            if definition.key:  # form and fit: known on both sides and equal, for drop-in and functional alike
                assert value is not None and satisfies(definition, value, mine, Comparison.equal)
            elif value is not None and grade == rules.DROP_IN:
                assert satisfies(definition, value, mine, definition.comparison), definition.code
            elif value is not None and not satisfies(definition, value, mine, definition.comparison):
                # functional: a worse value must be excused by a need it meets; an unknown one needs no need
                assert mine is None or (need_current is not None and definition.code == "current")
        if need_current is not None:
            assert candidate["current"] is not None and candidate["current"][0] >= need_current
