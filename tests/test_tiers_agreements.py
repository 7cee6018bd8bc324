"""JBP agreements: recorded from TOML or options, tier assigned from criteria with reasons, bad input refused."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from tiers_fixtures import AGREEMENT, catalog_workspace, run_cli

from jbp.errors import DataError, NotFoundError, UnitError
from jbp.tiers import (
    agreement_from_table,
    agreements_for,
    current_tier,
    override,
    read_agreements_file,
    reassign,
    record_agreements,
    tier_history,
)

SIGNED = datetime(2026, 6, 20, 9)
NOW = datetime(2026, 11, 15, 10)


@pytest.fixture
def shop(workspace, tmp_path):
    return catalog_workspace(workspace, tmp_path)


def write_agreement(tmp_path, text: str = AGREEMENT, name: str = "jbp.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_imported_agreement_places_the_brand_at_top_with_the_reasons(shop, tmp_path):
    recorded = record_agreements(shop.store, read_agreements_file(write_agreement(tmp_path)), SIGNED, "李娜")
    assert [(r.code, r.changed, r.level) for r in recorded] == [("JBP-CHNT-2026", True, "top")]
    assert recorded[0].reasons[0] == "Committed annual investment 6,000,000 CNY → Top partner (≥ 5,000,000 CNY)"
    status = current_tier(shop.store, "正泰", NOW)  # named in Chinese
    assert (status.level.code, status.source, status.agreement["code"]) == ("top", "criteria", "JBP-CHNT-2026")
    [agreement] = agreements_for(shop.store, "CHNT")
    assert agreement.targets["2026Q3"]["gmv"] == Decimal("1800000")
    assert agreement.targets["2026Q3"]["response_time"] == Decimal(4)
    assert agreement.commitments["committed_investment"] == Decimal(6_000_000)
    assert agreement.initiatives[1].status == "blocked" and agreement.pledges[0].party == "platform"


def test_reimport_of_the_same_agreement_changes_nothing(shop, tmp_path):
    path = write_agreement(tmp_path)
    record_agreements(shop.store, read_agreements_file(path), SIGNED)
    again = record_agreements(shop.store, read_agreements_file(path), NOW)
    assert again[0].changed is False and again[0].level == "top"
    assert len(tier_history(shop.store, "CHNT")) == 1


def test_the_lowest_criterion_decides_and_a_missing_commitment_reaches_no_level(shop, tmp_path):
    mid = AGREEMENT.replace('committed_investment = "600万元"', 'committed_investment = "200万元"')
    [follower] = record_agreements(shop.store, read_agreements_file(write_agreement(tmp_path, mid)), SIGNED)
    assert follower.level == "follower"
    assert "Committed annual investment 2,000,000 CNY → Follower partner" in follower.reasons[0]
    unsure = mid.replace('catalog_completeness = "95%"\n\n[targets', "\n[targets").replace(
        "JBP-CHNT-2026", "JBP-CHNT-2027").replace("2026-07-01", "2027-07-01").replace("2027-06-30", "2028-06-30")
    unsure = unsure.replace("2026Q3", "2027Q3").replace("2026Q4", "2027Q4")
    [unsigned] = record_agreements(shop.store, read_agreements_file(write_agreement(tmp_path, unsure, "b.toml")), NOW)
    assert unsigned.level == "unsigned"
    assert "Catalog completeness not committed → Unsigned brand" in unsigned.reasons[2]


def test_brand_without_agreement_or_after_it_ends_is_unsigned(shop, tmp_path):
    record_agreements(shop.store, read_agreements_file(write_agreement(tmp_path)), SIGNED)
    assert current_tier(shop.store, "DELIXI", NOW).level.code == "unsigned"
    after = current_tier(shop.store, "CHNT", datetime(2027, 7, 1))
    assert (after.level.code, after.source) == ("unsigned", "no agreement")


def test_agreement_for_an_unknown_brand_suggests_close_names(shop, tmp_path):
    path = write_agreement(tmp_path, AGREEMENT.replace('brand = "CHNT"', 'brand = "CHNTT"'))
    with pytest.raises(NotFoundError) as caught:
        record_agreements(shop.store, read_agreements_file(path), SIGNED)
    assert "unknown brand 'CHNTT'" in str(caught.value) and caught.value.suggestions[0] == "CHNT"


def test_overlapping_agreements_of_a_brand_are_refused(shop, tmp_path):
    record_agreements(shop.store, read_agreements_file(write_agreement(tmp_path)), SIGNED)
    second = AGREEMENT.replace("JBP-CHNT-2026", "JBP-CHNT-2026B").replace("start = 2026-07-01", "start = 2027-01-01")
    second = second.replace("end = 2027-06-30", "end = 2027-12-31").replace("2026Q3", "2027Q1").replace(
        "2026Q4", "2027Q2")
    with pytest.raises(DataError) as caught:
        record_agreements(shop.store, read_agreements_file(write_agreement(tmp_path, second, "b.toml")), NOW)
    assert "overlaps JBP-CHNT-2026 (2026-07-01 – 2027-06-30)" in str(caught.value)
    assert [a.code for a in agreements_for(shop.store, "CHNT")] == ["JBP-CHNT-2026"]


def test_overlapping_agreements_in_one_file_are_refused(tmp_path, shop):
    both = ("[[agreements]]\n" + AGREEMENT.replace("[", "[agreements.").replace("[agreements.[", "[[agreements.")
            .replace("[agreements.agreements.", "[agreements."))
    path = write_agreement(tmp_path, both + both.replace("JBP-CHNT-2026", "JBP-CHNT-X"))
    agreements = read_agreements_file(path)
    assert len(agreements) == 2
    with pytest.raises(DataError, match="overlap"):
        record_agreements(shop.store, agreements, SIGNED)


@pytest.mark.parametrize(("line", "replacement", "column", "message"), [
    ('gmv = "180万"', 'gmv = "35%"', "targets.2026Q3.gmv", "expected an amount of money"),
    ('repeat_rate = "35%"', "repeat_rate = 0.35", "targets.2026Q3.repeat_rate", "ambiguous percentage 0.35"),
    ('response_time = "4h"', 'response_time = "95%"', "targets.2026Q3.response_time", "expected a duration"),
    ("orders = 40", 'orders = "40元"', "targets.2026Q3.orders", "expected a count"),
    ('gmv = "180万"', 'gmv = "USD 250000"', "targets.2026Q3.gmv", "amount in USD, but the agreement is in CNY"),
])
def test_targets_in_the_wrong_unit_name_the_file_and_key(tmp_path, line, replacement, column, message):
    path = write_agreement(tmp_path, AGREEMENT.replace(line, replacement, 1))
    with pytest.raises(UnitError) as caught:
        read_agreements_file(path)
    assert caught.value.location.file == str(path) and caught.value.location.column == column
    assert message in str(caught.value)


@pytest.mark.parametrize(("line", "replacement", "message"), [
    ("[targets.2026Q4]", "[targets.2027Q4]", "targets for 2027Q4, outside the agreement"),
    ("orders = 40", "ordres = 40", "unknown KPI 'ordres' (did you mean: orders"),
    ("end = 2027-06-30", "end = 2026-06-30", "ends (2026-06-30) before it starts"),
    ('status = "blocked"', 'status = "stuck"', "status must be one of"),
    ("signed = 2026-06-18", 'signed = "18/06/2026"', "expected a date like 2026-07-01"),
])
def test_malformed_agreements_are_refused(tmp_path, line, replacement, message):
    with pytest.raises(DataError) as caught:
        read_agreements_file(write_agreement(tmp_path, AGREEMENT.replace(line, replacement, 1)))
    assert message in str(caught.value)


def test_override_records_who_and_why_and_reassign_undoes_it(shop, tmp_path):
    record_agreements(shop.store, read_agreements_file(write_agreement(tmp_path)), SIGNED)
    with pytest.raises(DataError, match="must say why"):
        override(shop.store, "CHNT", "follower", "李娜", " ", NOW)
    status = override(shop.store, "CHNT", "follower", "李娜", "首期投入未到账", NOW)
    assert (status.level.code, status.source, status.decided_by, status.why) == ("follower", "override", "李娜",
                                                                                 "首期投入未到账")
    assert current_tier(shop.store, "CHNT", datetime(2026, 11, 1)).level.code == "top"  # before the override
    history = tier_history(shop.store, "CHNT")
    assert [h["source"] for h in history] == ["criteria", "override"]
    assert history[1]["explained"] == ["override: top → follower (李娜: 首期投入未到账)"]
    assert reassign(shop.store, "CHNT", datetime(2026, 11, 20), "李娜").level.code == "top"
    with pytest.raises(DataError, match="no agreement in force"):
        override(shop.store, "DELIXI", "top", "李娜", "pilot", NOW)
    with pytest.raises(NotFoundError, match="no level 'gold'"):
        override(shop.store, "CHNT", "gold", "李娜", "why not", NOW)


def test_cli_agreement_add_with_targets_then_show(shop, capsys):
    code, out, err = run_cli(capsys, "-w", str(shop.root), "jbp", "agreement", "add", "--code", "JBP-DELIXI-2026",
                             "--brand", "德力西", "--start", "2026-07-01", "--end", "2027-06-30", "--signed",
                             "2026-06-25", "--investment", "200万", "--annual-gmv", "2000万", "--completeness", "80%",
                             "--target", "2026Q3:gmv=450万", "--target", "2026Q3:orders=300", "--now", "2026-06-25")
    assert code == 0, err
    assert "JBP-DELIXI-2026 (德力西): recorded; tier follower" in out
    code, out, _ = run_cli(capsys, "-w", str(shop.root), "jbp", "agreement", "show", "--brand", "DELIXI")
    assert "4,500,000 CNY" in out and "Committed annual investment: 2,000,000 CNY" in out
    code, _, err = run_cli(capsys, "-w", str(shop.root), "jbp", "agreement", "add", "--code", "X", "--brand",
                           "DELIXI", "--start", "2027-07-01", "--end", "2028-06-30", "--signed", "2027-06-01",
                           "--target", "2027Q3:gmv=35%")
    assert code == 1 and "column 'targets.2027Q3.gmv', value '35%': expected an amount of money" in err
    code, _, err = run_cli(capsys, "-w", str(shop.root), "jbp", "agreement", "add", "--code", "X", "--brand",
                           "DELIXI", "--start", "2027-07-01", "--end", "2028-06-30", "--signed", "2027-06-01",
                           "--target", "gmv=35")
    assert code == 2 and "QUARTER:KPI=VALUE" in err


def test_agreement_from_options_is_the_same_as_from_toml():
    table = {"code": "A", "brand": "CHNT", "start": "2026-07-01", "end": "2026-12-31", "signed": "2026-06-01",
             "commitments": {"committed_investment": "1,200,000 CNY"}, "targets": {"2026q3": {"gmv": "¥1.2亿"}}}
    agreement = agreement_from_table(table, "")
    assert agreement.commitments["committed_investment"] == Decimal(1_200_000)
    assert agreement.targets == {"2026Q3": {"gmv": Decimal(120_000_000)}}
    assert agreement.annual_gmv() == Decimal(480_000_000)
