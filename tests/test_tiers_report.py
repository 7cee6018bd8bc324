"""The JBP report: HTML that opens offline, PDF whose Chinese is real text, xlsx with numbers; bilingual;
partner text rendered as text."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from datetime import datetime
from decimal import Decimal

import pytest
from tiers_fixtures import AGREEMENT, add_orders, catalog_workspace, run_cli

from jbp.catalog.definitions import define
from jbp.errors import DataError, JbpError
from jbp.tiers import agreement_from_table, build_report, record_agreements, use, write_report

NOW = datetime(2026, 10, 8, 9)
HOSTILE = "<script>alert('jbp')</script>"


@pytest.fixture
def shop(workspace, tmp_path):
    catalog_workspace(workspace, tmp_path)
    hostile = tmp_path / "hostile.toml"
    hostile.write_text(f'[[brands]]\ncode = "EVIL"\nname_zh = "{HOSTILE}"\nname_en = "{HOSTILE}"\n', encoding="utf-8")
    define(workspace.store, hostile)
    text = AGREEMENT.replace('title = "BOM 一键下单培训"', 'title = "=HYPERLINK(\\"http://x\\") <b>培训</b>"')
    record_agreements(workspace.store, [agreement_from_table(tomllib.loads(text), "jbp.toml")], datetime(2026, 6, 20))
    add_orders(workspace, "CHNT", [(f"C{i:03d}", datetime(2026, 4 + i % 6, 3), Decimal("450000")) for i in range(24)])
    use(workspace.store, "CHNT", "marketing_messages", 12_000, datetime(2026, 8, 5), "campaign-0805")
    return workspace


def test_html_report_has_every_section_opens_offline_and_escapes_partner_text(shop, tmp_path):
    path = write_report(build_report(shop.store, "CHNT", "2026Q3", NOW, "zh"), tmp_path / "report.html")
    html = path.read_text(encoding="utf-8")
    for heading in ("合作双方", "合作等级", "经营计分卡", "趋势", "本季度权益使用", "重点举措", "差距", "下季度 2026Q4",
                    "等级展望"):
        assert f">{heading}<" in html, heading
    assert "正泰 (CHNT)" in html and "顶级伙伴" in html and "1,800,000 CNY" in html
    assert html.count("<svg") == 3 and 'class="pill red"' in html
    assert "<script" not in html and "<link" not in html and "src=" not in html  # nothing fetched, nothing run
    assert "https://" not in html and "http://x" not in html.replace("&#34;http://x&#34;", "")
    assert "&lt;b&gt;培训&lt;/b&gt;" in html  # an initiative title from the agreement, as text
    assert "12,000" in html and "600,000" in html  # messages used of 3 months × 200,000
    assert "首页“工业品牌周”专区资源位 2 个" in html  # the platform's pledge for next quarter


def test_brand_named_script_renders_as_text(shop, tmp_path):
    report = build_report(shop.store, "EVIL", "2026Q3", NOW, "en")
    html = write_report(report, tmp_path / "evil.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;jbp&#39;)&lt;/script&gt;" in html


def test_a_period_without_data_says_so(shop, tmp_path):
    report = build_report(shop.store, "DELIXI", "2026Q3", NOW, "en")
    assert not report.has_activity
    html = write_report(report, tmp_path / "delixi.html").read_text(encoding="utf-8")
    assert "No orders, BOM quotes or CRM events were recorded for DELIXI in 2026Q3" in html
    assert "DELIXI has no agreement covering 2026Q3" in html and "No agreement in force" in html
    assert ">no data<" in html and "Unsigned brand" in html


def test_english_labels(shop, tmp_path):
    html = write_report(build_report(shop.store, "CHNT", "2026Q3", NOW, "en"), tmp_path / "r.html").read_text()
    assert "Scorecard" in html and "Tier outlook" in html and "GMV per quarter" in html and "CHINT (CHNT)" in html
    assert "经营计分卡" not in html
    assert "Initiative “接触器参数补全” (王强) was due on 2026-09-30 and is in progress" in html


def test_xlsx_report_keeps_numbers_and_guards_formulas(shop, tmp_path):
    from openpyxl import load_workbook

    path = write_report(build_report(shop.store, "CHNT", "2026Q3", NOW, "en"), tmp_path / "report.xlsx")
    book = load_workbook(path)
    assert book.sheetnames[:3] == ["Joint Business Plan review", "Scorecard", "Entitlements this quarter"]
    scorecard = book["Scorecard"]
    assert [c.value for c in scorecard[2]][:3] == ["GMV", 1800000, 5400000]
    assert scorecard.cell(2, 6).value == "on target" and scorecard.cell(2, 6).fill.fgColor.rgb.endswith("D8EFDC")
    titles = [row[0].value for row in book["Initiatives"].iter_rows(min_row=2)]
    assert titles[1].startswith("'=HYPERLINK")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_pdf_report_carries_the_chinese_as_text(shop, tmp_path):
    pytest.importorskip("weasyprint", reason="weasyprint is not installed")
    path = write_report(build_report(shop.store, "CHNT", "2026Q3", NOW, "zh"), tmp_path / "report.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("联合经营计划(JBP)季度复盘", "正泰 (CHNT)", "经营计分卡", "成交额(GMV)", "顶级伙伴", "等级展望"):
        assert expected in text, expected


def test_pdf_without_a_chinese_font_is_refused_not_drawn_as_boxes(shop, tmp_path, monkeypatch):
    pytest.importorskip("weasyprint", reason="weasyprint is not installed")
    from jbp.tiers import render_pdf

    monkeypatch.setattr(render_pdf, "has_cjk_font", lambda: False)
    with pytest.raises(JbpError, match="apt-get install fonts-wqy-microhei"):
        write_report(build_report(shop.store, "CHNT", "2026Q3", NOW, "zh"), tmp_path / "report.pdf")
    assert not (tmp_path / "report.pdf").exists()


def test_unknown_format_or_language_is_refused(shop, tmp_path):
    report = build_report(shop.store, "CHNT", "2026Q3", NOW, "zh")
    with pytest.raises(DataError, match="use .html, .pdf or .xlsx"):
        write_report(report, tmp_path / "report.docx")
    with pytest.raises(DataError, match="language must be one of zh, en"):
        build_report(shop.store, "CHNT", "2026Q3", NOW, "de")


def test_cli_writes_the_report(shop, tmp_path, capsys):
    out_path = tmp_path / "chnt.html"
    code, out, err = run_cli(capsys, "-w", str(shop.root), "report", "jbp", "--brand", "正泰", "--period", "2026Q3",
                             "--lang", "en", "-o", str(out_path), "--now", "2026-10-08")
    assert code == 0, err
    assert "(CHNT 2026Q3, tier top)" in out and "Scorecard" in out_path.read_text(encoding="utf-8")
    code, _, err = run_cli(capsys, "-w", str(shop.root), "report", "jbp", "--brand", "CHNT", "--period", "2026Q3",
                           "-o", str(tmp_path / "x.doc"))
    assert code == 1 and "use .html, .pdf or .xlsx" in err
