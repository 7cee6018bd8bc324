"""Quarterly review: actuals measured from orders, quotes, customers, events and the catalog; red/amber/green
against targets; keep/promote/demote with distances; decisions stored with their figures."""

from __future__ import annotations

import json
import tomllib
from datetime import datetime
from decimal import Decimal

import pytest
from tiers_fixtures import (
    AGREEMENT,
    add_customers,
    add_events,
    add_orders,
    add_quotes,
    catalog_workspace,
    run_cli,
)

from jbp.catalog.quality import quality
from jbp.store import schema
from jbp.tiers import (
    agreement_from_table,
    current_tier,
    decide,
    override,
    record_agreements,
    review,
    review_history,
    tier_history,
)
from jbp.tiers.review import rag

NOW = datetime(2026, 10, 8, 9)
Q2, Q3 = datetime(2026, 4, 10), datetime(2026, 7, 10)


@pytest.fixture
def shop(workspace, tmp_path):
    """CHNT at top from 2026-07-01 with a quarter of orders, quotes, customers and CRM events."""
    catalog_workspace(workspace, tmp_path)
    record_agreements(workspace.store, [agreement_from_table(tomllib.loads(AGREEMENT), "jbp.toml")],
                      datetime(2026, 6, 20))
    q2 = [(f"C{b:03d}", Q2.replace(day=10 + b), Decimal("30000")) for b in range(10)]
    q3 = [(f"C{b:03d}", Q3.replace(day=1 + b, hour=h), Decimal("45000")) for b in range(5) for h in (9, 15)]
    q3 += [(f"C{b:03d}", Q3.replace(day=1 + b), Decimal("45000")) for b in range(5, 15)]
    add_orders(workspace, "CHNT", q2 + q3)
    add_orders(workspace, "CHNT", [("C099", Q3, Decimal("99999"))], status="cancelled")
    add_orders(workspace, "CHNT", [("C098", Q3, Decimal("5000"))], currency="USD")
    add_quotes(workspace, "CHNT", [Q3] * 19)
    add_customers(workspace, "CHNT", [(f"C{i:03d}", datetime(2026, 3, 1)) for i in range(10)]
                  + [(f"C{i:03d}", datetime(2026, 8, 1)) for i in range(10, 16)])
    add_events(workspace, "CHNT", [("message_sent", datetime(2026, 8, 2), {})] * 200
               + [("message_clicked", datetime(2026, 8, 3), {})] * 18
               + [("inquiry", datetime(2026, 8, 4, 9), {"response_hours": 3}),
                  ("inquiry", datetime(2026, 8, 5, 9), {"responded_at": "2026-08-05T15:00:00"})])
    return workspace


def test_actuals_come_from_orders_quotes_customers_events_and_the_catalog(shop):
    result = review(shop.store, "CHNT", "2026Q3", NOW)
    values = result.actuals.values
    assert values["gmv"] == Decimal(900_000)  # 20 live CNY orders; the cancelled and the USD one are out
    assert values["orders"] == 21  # the USD order still counts as an order
    assert (values["active_buyers"], values["new_buyers"]) == (16, 6)
    assert values["repeat_rate"] == Decimal("62.50")  # C000–C009 ordered before, C000–C004 twice: 10 of 16
    assert values["bom_quotes"] == 41 and values["bom_conversion"] == Decimal("51.22")  # 21 of 41 became live orders
    assert values["response_time"] == Decimal("4.5")
    catalog = quality(shop.store, worst=0)  # the same score as `jbp catalog quality`, for CHNT's SKUs only
    assert catalog.total.skus == 12 and result.catalog.skus == 8
    assert values["catalog_completeness"] == Decimal("88.13") and values["model3d_coverage"] == Decimal("50.00")
    figures = result.actuals.figures
    assert (figures["customers"], figures["new_customers"], figures["messages_sent"]) == (16, 6, 200)
    assert figures["click_rate"] == Decimal("9.00") and figures["orders_other_currency"] == 1
    assert ("other_currency", {"count": 1, "currency": "CNY"}) in result.notes
    assert result.last.values["gmv"] == Decimal(300_000) and result.last.values["active_buyers"] == 10


def test_brand_completeness_equals_catalog_quality_for_a_single_brand_store(shop):
    with shop.store.transaction() as conn:
        for table in (schema.param_values, schema.price_breaks, schema.media, schema.product_links):
            conn.execute(table.delete().where(table.c.product_id.in_(
                schema.products.select().with_only_columns(schema.products.c.id)
                .where(schema.products.c.brand_id != 1).scalar_subquery())))
        conn.execute(schema.products.delete().where(schema.products.c.brand_id != 1))
    total = quality(shop.store).total
    result = review(shop.store, "CHNT", "2026Q3", NOW)
    assert abs(float(result.catalog.completeness) - total.score * 100) < 0.006
    assert abs(float(result.catalog.model3d_coverage) - total.model3d * 100) < 0.006


def test_scorecard_is_red_amber_green_against_the_quarters_targets(shop):
    lines = {line.kpi: line for line in review(shop.store, "CHNT", "2026Q3", NOW).scorecard}
    assert (lines["gmv"].status, lines["gmv"].attainment) == ("red", Decimal("50.0"))
    assert lines["new_buyers"].status == "green" and lines["repeat_rate"].status == "green"
    assert lines["catalog_completeness"].status == "amber"  # 88.12% of a 92% target
    assert lines["response_time"].status == "red"  # 4.5 h against 4 h: lower is better
    assert lines["model3d_coverage"].status == "no target"
    assert lines["gmv"].last == Decimal(300_000)


@pytest.mark.parametrize(("kpi", "target", "actual", "status"), [
    ("gmv", "100", "100", "green"), ("gmv", "100", "90", "amber"), ("gmv", "100", "89.9", "red"),
    ("response_time", "4", "4.4", "amber"), ("response_time", "4", "4", "green"), ("orders", "0", "0", "green"),
    ("orders", "10", None, "no data"), ("orders", None, "3", "no target"),
])
def test_rag_thresholds(kpi, target, actual, status):
    assert rag(kpi, target and Decimal(target), actual and Decimal(actual), Decimal("0.9"))[0] == status


def test_a_period_with_no_data_says_so_and_divides_by_nothing(shop):
    result = review(shop.store, "CHNT", "2027Q1", datetime(2027, 4, 2))
    values = result.actuals.values
    assert values["gmv"] is None and values["repeat_rate"] is None and values["bom_conversion"] is None
    assert values["response_time"] is None and values["catalog_completeness"] is not None
    assert ("no_activity", {"brand": "CHNT", "period": "2027Q1"}) in result.notes
    assert ("no_targets", {"agreement": "JBP-CHNT-2026", "period": "2027Q1"}) in result.notes
    unsigned = review(shop.store, "DELIXI", "2026Q3", NOW)
    assert unsigned.tier.level.code == "unsigned" and unsigned.proposal == "keep"
    assert any(code == "no_agreement" for code, _ in unsigned.notes)


def test_missing_crm_tables_count_as_no_data(shop):
    with shop.store.transaction() as conn:
        schema.events.drop(conn)
    result = review(shop.store, "CHNT", "2026Q3", NOW)
    assert result.actuals.values["response_time"] is None and "messages_sent" not in result.actuals.figures
    assert ("missing_tables", {"tables": "events"}) in result.notes
    assert result.actuals.values["gmv"] == Decimal(900_000)


def test_proposal_demotes_with_the_distance_to_each_threshold(shop):
    add_orders(shop, "CHNT", [("C200", datetime(2026, 5, 20), Decimal("12000000"))])
    result = review(shop.store, "CHNT", "2026Q3", NOW)
    assert (result.tier.level.code, result.proposal, result.proposed_level.code) == ("top", "demote", "follower")
    checks = {c.criterion: c for c in result.criteria}
    assert checks["gmv"].value == Decimal(13_200_000) and checks["gmv"].level == "follower"
    assert [(t.level, t.distance) for t in checks["gmv"].thresholds] == [
        ("follower", Decimal(3_200_000)), ("top", Decimal(-36_800_000))]
    assert checks["catalog_completeness"].thresholds[1].distance == Decimal("-1.87")
    assert checks["committed_investment"].level == "top"


def test_accepting_a_promotion_changes_the_tier_and_keeps_the_history(shop):
    add_orders(shop, "CHNT", [("C200", datetime(2026, 5, 20), Decimal("12000000"))])
    override(shop.store, "CHNT", "unsigned", "李娜", "probation", datetime(2026, 7, 5))
    result = review(shop.store, "CHNT", "2026Q3", NOW)
    assert (result.proposal, result.proposed_level.code) == ("promote", "follower")
    decided, stored = decide(shop.store, "CHNT", "2026Q3", "accept", "李娜", "Q3 review meeting", NOW)
    assert decided.proposal == "promote"
    assert (stored["level_before"], stored["level_after"], stored["decision"]) == ("unsigned", "follower", "accept")
    assert stored["actuals"]["gmv"] == "900000" and stored["scorecard"][0]["status"] == "red"
    assert current_tier(shop.store, "CHNT", NOW).level.code == "follower"
    assert [h["source"] for h in tier_history(shop.store, "CHNT")] == ["criteria", "override", "review"]
    assert [r["period"] for r in review_history(shop.store, "CHNT")] == ["2026Q3"]
    next_quarter = review(shop.store, "CHNT", "2026Q4", datetime(2027, 1, 8))
    assert next_quarter.last.values["catalog_completeness"] == Decimal("88.13")  # as stored at the Q3 review


def test_keep_and_demote_decisions_by_hand(shop):
    decide(shop.store, "CHNT", "2026Q3", "keep", "李娜", "", NOW)
    assert current_tier(shop.store, "CHNT", NOW).level.code == "top"
    decide(shop.store, "CHNT", "2026Q3", "demote", "王经理", "GMV far below plan", datetime(2026, 10, 9))
    assert current_tier(shop.store, "CHNT", datetime(2026, 10, 9)).level.code == "unsigned"  # as proposed


def test_cli_review_prints_scorecard_and_records_a_decision(shop, capsys):
    root = str(shop.root)
    code, out, _ = run_cli(capsys, "-w", root, "tiers", "review", "--brand", "CHNT", "--period", "2026Q3", "--now",
                           "2026-10-08")
    assert code == 0
    assert "RED" in out and "AMBER" in out and "proposal: demote (top -> unsigned)" in out
    code, out, _ = run_cli(capsys, "-w", root, "tiers", "review", "--brand", "CHNT", "--period", "2026Q3",
                           "--decide", "keep", "--by", "李娜", "--why", "strategic", "--now", "2026-10-08", "--json")
    document = json.loads(out)
    assert document["decision"]["level_after"] == "top" and document["scorecard"][0]["kpi"] == "gmv"
    code, out, _ = run_cli(capsys, "-w", root, "tiers", "history", "--brand", "CHNT")
    assert "strategic" in out and "keep" in out
    code, _, err = run_cli(capsys, "-w", root, "tiers", "review", "--brand", "CHNT", "--period", "2026-3")
    assert code == 1 and "'2026-3' is not a quarter" in err
