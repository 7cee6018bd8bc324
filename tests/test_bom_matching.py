"""The matching cascade on the sample catalog: each rule, honest ambiguity, substitutes for what cannot be
sold, and buyers' confirmations remembered per customer (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

import pytest
from bom_fixtures import BACKENDS, PANEL_ROWS, shared_sample_workspace, write_panel_xlsx

from jbp.bom import QuoteOptions, confirm_line, quote_bom
from jbp.errors import JbpError

NOW = datetime(2026, 11, 20, 9, 0)


@pytest.fixture(scope="module", params=BACKENDS)
def sample_ws(request, tmp_path_factory):
    yield from shared_sample_workspace(request, tmp_path_factory)


def quote_rows(workspace, folder, rows, name="bom.xlsx", **options):
    options.setdefault("brand", "CHNT")
    quote = quote_bom(workspace, write_panel_xlsx(folder / name, rows), QuoteOptions(now=NOW, **options))
    return quote, {line["row"] - 3: line for line in quote.as_dict()["lines"]}  # row 4 is the first line


def test_every_panel_line_ends_in_one_status_with_the_rule_that_decided(sample_ws, tmp_path):
    quote, lines = quote_rows(sample_ws, tmp_path, PANEL_ROWS)
    decided = {number: (line["status"], line["rule"], line["sku"]) for number, line in lines.items()}
    assert decided == {
        1: ("matched", "sku", "836012"),
        2: ("matched", "mpn_normalised", "836012"),
        3: ("substituted", "cross_reference", "836012"),
        4: ("substituted", "maker_alias", "836022"),
        5: ("matched", "parametric", "836012"),
        6: ("matched", "mpn_normalised", "814006"),
        7: ("substituted", "mpn_exact", "836132"),
        8: ("matched", "fuzzy", "836012"),
        9: ("matched", "fuzzy", "836012"),
        10: ("invalid", "invalid", None),
        11: ("invalid", "invalid", None),
        12: ("matched", "mpn_exact", "836042"),
        13: ("not_found", "none", None),
    }
    confidences = {number: line["confidence"] for number, line in lines.items()}
    assert confidences[1] == 1.0 and confidences[2] == 0.95 and confidences[3] == 0.8 and confidences[4] == 0.78
    assert confidences[5] == 0.7 and confidences[9] == 0.75 and confidences[13] == 0.0
    assert lines[3]["original"] == {"brand": "施耐德", "mpn": "LC1D09M7C"} and lines[3]["grade"] == "functional"
    assert lines[4]["reasons"] == ["施耐德 LC1D12M7C → 836022 (functional cross-reference)",
                                   "maker 'Schneider Electric' is 施耐德"]
    assert lines[5]["reasons"] == ["the only CHNT contactor with rated_current=9A, coil_voltage=220V, poles=3P"]
    assert lines[5]["grade"] is None
    assert lines[7]["original"] == {"sku": "234180", "mpn": "CJX2-8011 220V"}
    assert lines[7]["reasons"][-1] == "234180 is obsolete: its declared successor 836132"
    assert lines[7]["grade"] == "successor"
    assert lines[8]["reasons"][0] == ("our NXC-09 220V (836012) starts with 'NXC-09'; of 5 such parts the line's "
                                      "words fit only this one")
    assert lines[9]["reasons"] == ["'NXC-O9 220V' is 1 character off our NXC-09 220V (836012)"]
    assert lines[10]["reasons"] == ["quantity '若干' is not a number"]
    assert lines[11]["reasons"] == ["quantity is zero"]
    assert [c["sku"] for c in lines[11]["candidates"]] == ["836022"]  # what its part number matched
    assert lines[6]["availability"] == "900 in stock, the rest in 3 days"  # a lead time covers a shortage
    assert quote.as_dict()["summary"]["by_status"] == {"matched": 7, "substituted": 3, "ambiguous": 0,
                                                       "not_found": 1, "invalid": 2}


def test_packaging_suffixes_and_full_width_text_do_not_hide_our_mpn(sample_ws, tmp_path):
    _, lines = quote_rows(sample_ws, tmp_path, [
        [1, None, "小型断路器", "NXB-63 1P C16/TR", "正泰", 1, None],
        [2, None, "小型断路器", "nxb-63 1p c16-REEL", None, 1, None],
        [3, None, "交流接触器", "ＮＸＣ－０９　２２０Ｖ", "正泰", 1, None],
    ])
    assert [(line["status"], line["rule"], line["sku"]) for line in lines.values()] == [
        ("matched", "mpn_normalised", "814006")] * 2 + [("matched", "mpn_normalised", "836012")]
    assert lines[1]["confidence"] == 0.92 and "packaging suffix '/TR' ignored" in lines[1]["reasons"]
    assert lines[3]["confidence"] == 0.95


def test_our_part_number_under_another_makers_name_is_offered_as_a_substitute(sample_ws, tmp_path):
    _, lines = quote_rows(sample_ws, tmp_path, [
        [1, None, "深沟球轴承", "6205-2RS", "SKF", 4, None],
        [2, None, "深沟球轴承", "6205-2RS", "恒冠", 4, None],
        [3, None, "深沟球轴承", "6205 2rs", None, 4, None],
    ], brand="HGT")
    assert (lines[1]["status"], lines[1]["sku"], lines[1]["grade"]) == ("substituted", "HGT-6205-2RS",
                                                                        "same part number")
    assert lines[1]["original"] == {"brand": "SKF", "mpn": "6205-2RS"}
    assert (lines[2]["status"], lines[2]["rule"]) == ("matched", "mpn_exact")
    assert (lines[3]["status"], lines[3]["rule"]) == ("matched", "mpn_normalised")


def test_another_brands_part_gets_the_quoted_brands_substitute(sample_ws, tmp_path):
    _, lines = quote_rows(sample_ws, tmp_path, [[1, None, "交流接触器", "CJX2s-0910 AC220V", "德力西", 2, None],
                                                [2, None, "深沟球轴承", "6205-2RS", "SKF", 2, None]])
    first = lines[1]
    assert first["status"] == "substituted" and first["rule"] == "substitution"
    assert first["original"]["brand"] == "DELIXI" and first["sku"].startswith("8360")
    assert first["reasons"][0] == "'CJX2s-0910 AC220V' is DELIXI's CJX2S-0910-AC220V, not a CHNT part"
    assert lines[2]["status"] == "not_found"
    assert lines[2]["reasons"][-1] == "no CHNT drop-in or functional substitute"


def test_words_that_contradict_the_named_part_make_the_line_a_question(sample_ws, tmp_path):
    _, lines = quote_rows(sample_ws, tmp_path, [
        [1, "836012", "交流接触器 12A", None, None, 1, None],
        [2, "836012", "交流接触器 9A 线圈220V", None, None, 1, None],
    ])
    assert lines[1]["status"] == "ambiguous" and [c["sku"] for c in lines[1]["candidates"]] == ["836012"]
    assert lines[1]["reasons"] == ["our SKU 836012, but the BOM says 12A, the catalog rated_current 9A"]
    assert lines[2]["status"] == "matched"
    assert lines[2]["reasons"][-1] == "the line's words agree: rated_current 9A, coil_voltage 220V"


def test_a_typo_between_two_parts_is_ambiguous_not_guessed(sample_ws, tmp_path):
    _, lines = quote_rows(sample_ws, tmp_path, [[1, None, "交流接触器", "NXC-09 20V", "正泰", 1, None],
                                                [2, None, "交流接触器", "NXC-09 20V", "正泰", 1, "线圈24V"]])
    assert lines[1]["status"] == "ambiguous"
    assert {"836010", "836012"} <= {c["sku"] for c in lines[1]["candidates"]}
    assert (lines[2]["status"], lines[2]["sku"]) == ("matched", "836010")  # the note's 24V decides


def test_fasteners_by_description_and_by_a_shortened_part_number(sample_ws, tmp_path):
    _, lines = quote_rows(sample_ws, tmp_path, [
        [1, None, "内六角螺钉 M8x25 12.9级", None, None, 100, None],
        [2, None, "内六角圆柱头螺钉 12.9级", "M8x25", "恒冠", 100, None],
        [3, None, "内六角圆柱头螺钉", "M8x25", "恒冠", 100, None],
    ], brand="HGT")
    assert (lines[1]["status"], lines[1]["rule"], lines[1]["sku"]) == ("matched", "parametric", "HGT-S912-M8X25-129")
    assert (lines[2]["status"], lines[2]["rule"], lines[2]["sku"]) == ("matched", "fuzzy", "HGT-S912-M8X25-129")
    assert lines[3]["status"] == "ambiguous" and len(lines[3]["candidates"]) == 4


def test_a_buyers_confirmation_is_remembered_for_that_customer(sample_ws, tmp_path):
    rows = [[1, None, "交流接触器", "NXC-09", "正泰", 2, None]]
    quote, lines = quote_rows(sample_ws, tmp_path, rows, customer="C-CONFIRM")
    assert lines[1]["status"] == "ambiguous" and len(lines[1]["candidates"]) == 5
    confirmed = confirm_line(sample_ws, quote.id, lines[1]["position"], "836012")
    assert (confirmed["status"], confirmed["rule"], confirmed["sku"], confirmed["extended"]) == (
        "matched", "confirmed", "836012", "113.60")
    again, lines = quote_rows(sample_ws, tmp_path, rows, name="next.xlsx", customer="C-CONFIRM")
    assert (lines[1]["status"], lines[1]["rule"], lines[1]["sku"]) == ("matched", "confirmed", "836012")
    _, others = quote_rows(sample_ws, tmp_path, rows, name="other.xlsx", customer="C-OTHER")
    assert others[1]["status"] == "ambiguous"
    with pytest.raises(JbpError, match="no SKU 'NXC-09' in this brand's catalog"):
        confirm_line(sample_ws, quote.id, 1, "NXC-09")


def test_a_line_with_nothing_to_match_is_not_found_and_says_so(sample_ws, tmp_path):
    _, lines = quote_rows(sample_ws, tmp_path, [[1, None, None, None, "正泰", 1, "备用"]])
    assert lines[1]["status"] == "invalid" and lines[1]["reasons"] == ["no part number, value or description"]



def test_a_shortage_a_lead_time_covers_keeps_the_part_unless_the_buyer_cannot_wait(sample_ws, tmp_path):
    rows = [[1, None, "交流接触器", "NXC-100 220V", "正泰", 50, None]]  # 40 in stock, the rest in 30 days
    _, accepted = quote_rows(sample_ws, tmp_path, rows)
    assert accepted[1]["status"] == "matched" and accepted[1]["availability"] == "40 in stock, the rest in 30 days"
    assert str(accepted[1]["ready"]) == "2026-12-20"
    _, hurried = quote_rows(sample_ws, tmp_path, rows, name="soon.xlsx", max_lead_days=14)
    assert hurried[1]["status"] == "matched"  # the sample catalog has no CHNT drop-in for it
    assert hurried[1]["match_notes"] == ["836142 has 40 in stock, 50 needed, the rest in 30 days"]


def test_a_part_out_of_stock_with_no_lead_time_gets_a_drop_in_that_has_stock(workspace, tmp_path):
    from catalog_fixtures import HEADER, defined_workspace
    from catalog_fixtures import write_csv as write_catalog

    from jbp.catalog.importing import import_catalog

    defined_workspace(workspace, tmp_path)
    import_catalog(workspace.store, write_catalog(tmp_path / "catalog.csv", [
        ["NXC-09-220", "正泰", "NXC-09 220V", "交流接触器", "交流接触器 9A", "12.5", "11.8", "0", "在产", "9",
         "220VAC", "3P", "-25~+70℃"],
        ["NXC-09-220B", "正泰", "NXC-09B 220V", "交流接触器", "交流接触器 9A", "13", "12", "500", "在产", "9",
         "AC220V", "3P", "-25~+70℃"]], HEADER))
    rows = [[1, None, "交流接触器", "NXC-09 220V", "正泰", 10, None]]
    _, lines = quote_rows(workspace, tmp_path, rows)
    assert (lines[1]["status"], lines[1]["sku"], lines[1]["grade"]) == ("substituted", "NXC-09-220B", "drop_in")
    assert lines[1]["original"] == {"sku": "NXC-09-220", "mpn": "NXC-09 220V"}
    assert lines[1]["reasons"][-1] == ("NXC-09-220 has 0 in stock, 10 needed, no lead time known: drop-in "
                                       "substitute with 500 in stock")
    _, kept = quote_rows(workspace, tmp_path, rows, name="keep.xlsx", replace_short_stock=False)
    assert (kept[1]["status"], kept[1]["sku"]) == ("matched", "NXC-09-220")
