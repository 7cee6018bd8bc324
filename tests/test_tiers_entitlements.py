"""Entitlements in force: the library call the rest of jbp uses, the usage ledger, quotas refused with reasons."""

from __future__ import annotations

from datetime import datetime

import pytest
from tiers_fixtures import AGREEMENT, catalog_workspace, run_cli

from jbp.errors import DataError, NotFoundError
from jbp.tiers import (
    QuotaExceeded,
    ServiceNotGranted,
    agreement_from_table,
    consume,
    entitlement,
    entitlements,
    override,
    record_agreements,
)

NOW = datetime(2026, 11, 15, 10)


@pytest.fixture
def shop(workspace, tmp_path):
    """CHNT signed at top from 2026-07-01; DELIXI has no agreement."""
    import tomllib

    catalog_workspace(workspace, tmp_path)
    record_agreements(workspace.store, [agreement_from_table(tomllib.loads(AGREEMENT), "jbp.toml")],
                      datetime(2026, 6, 20))
    return workspace


def send(store, brand: str, amount: int, ref: str, now: datetime = NOW, service: str = "marketing_messages"):
    with store.transaction() as conn:
        consume(conn, brand, service, amount, now, ref)


def test_entitlement_of_a_signed_brand_counts_this_months_use(shop):
    send(shop.store, "CHNT", 150_000, "campaign-1111")
    send(shop.store, "CHNT", 5_000, "campaign-1031", datetime(2026, 10, 31, 23))  # last month
    right = entitlement(shop.store, "CHNT", "marketing_messages", NOW)
    assert (right.tier, right.granted, right.quota, right.used, right.remaining, right.period) == (
        "top", True, 200_000, 150_000, 50_000, "2026-11")
    assert entitlement(shop.store, "CHNT", "marketing_messages", datetime(2026, 12, 1)).used == 0


def test_exceeding_a_quota_is_refused_naming_tier_quota_and_usage(shop):
    send(shop.store, "CHNT", 150_000, "campaign-1111")
    with pytest.raises(QuotaExceeded) as caught:
        send(shop.store, "CHNT", 60_000, "campaign-1112")
    message = str(caught.value)
    assert "tier top" in message and "quota 200,000 for 2026-11" in message and "150,000 used" in message
    assert (caught.value.quota, caught.value.used, caught.value.requested) == (200_000, 150_000, 60_000)
    assert entitlement(shop.store, "CHNT", "marketing_messages", NOW).used == 150_000  # nothing recorded


def test_the_same_ref_counts_once_and_a_rolled_back_use_counts_not_at_all(shop):
    send(shop.store, "CHNT", 3, "slot-double11", service="traffic_slots")
    send(shop.store, "CHNT", 3, "slot-double11", service="traffic_slots")
    with pytest.raises(RuntimeError), shop.store.transaction() as conn:
        consume(conn, "CHNT", "traffic_slots", 2, NOW, "slot-banner")
        raise RuntimeError("the send failed")
    assert entitlement(shop.store, "CHNT", "traffic_slots", NOW).used == 3


def test_unsigned_brand_is_refused_services_its_level_lacks(shop):
    right = entitlement(shop.store, "DELIXI", "marketing_messages", NOW)
    assert (right.tier, right.granted, right.quota) == ("unsigned", False, 0)
    with pytest.raises(ServiceNotGranted, match="DELIXI is at tier unsigned, which does not include marketing"):
        send(shop.store, "DELIXI", 1, "m-1")
    assert entitlement(shop.store, "DELIXI", "bom_ordering", NOW).quota == 20


def test_unlimited_flags_and_promised_values(shop):
    bom = entitlement(shop.store, "CHNT", "bom_ordering", NOW)
    assert (bom.granted, bom.quota, bom.remaining) == (True, None, None)
    send(shop.store, "CHNT", 10_000, "quote-batch", service="bom_ordering")
    assert entitlement(shop.store, "CHNT", "bom_ordering", NOW).used == 10_000
    sla = entitlement(shop.store, "CHNT", "response_sla_hours", NOW)
    assert (sla.granted, sla.value, sla.quota) == (True, 4, None)
    with pytest.raises(DataError, match="promised figure"):
        send(shop.store, "CHNT", 1, "x", service="response_sla_hours")
    assert entitlement(shop.store, "CHNT", "financing", NOW).granted
    assert not entitlement(shop.store, "DELIXI", "financing", NOW).granted


def test_hosting_quota_is_a_running_total_that_can_be_given_back(shop):
    override(shop.store, "CHNT", "follower", "李娜", "pilot of the lower level", datetime(2026, 7, 2))
    send(shop.store, "CHNT", 480, "models-batch-1", datetime(2026, 8, 1), "model3d_hosting")
    with pytest.raises(QuotaExceeded, match="model3d_hosting quota 500 for total, 480 used"):
        send(shop.store, "CHNT", 30, "models-batch-2", NOW, "model3d_hosting")
    send(shop.store, "CHNT", -20, "models-removed", NOW, "model3d_hosting")
    send(shop.store, "CHNT", 30, "models-batch-2", NOW, "model3d_hosting")
    assert entitlement(shop.store, "CHNT", "model3d_hosting", NOW).remaining == 10


def test_a_lower_tier_after_an_override_lowers_the_quota(shop):
    send(shop.store, "CHNT", 15_000, "campaign-a")
    override(shop.store, "CHNT", "follower", "李娜", "commitment not paid", NOW)
    with pytest.raises(QuotaExceeded, match="tier follower: marketing_messages quota 20,000"):
        send(shop.store, "CHNT", 6_000, "campaign-b", datetime(2026, 11, 16))


def test_unknown_service_or_brand_suggests_names(shop):
    with pytest.raises(NotFoundError) as caught:
        entitlement(shop.store, "CHNT", "marketing_message", NOW)
    assert caught.value.suggestions[0] == "marketing_messages"
    with pytest.raises(NotFoundError, match="unknown brand 'CHTN'"):
        entitlement(shop.store, "CHTN", "financing", NOW)


def test_every_service_listed_for_a_brand(shop):
    rights = {e.service: e for e in entitlements(shop.store, "CHNT", NOW)}
    assert rights["traffic_slots"].quota == 8 and rights["traffic_slots"].period == "2026Q4"
    assert rights["training_seats"].period == "2026" and rights["model3d_hosting"].period == "total"


def test_cli_use_and_show(shop, capsys):
    root = str(shop.root)
    code, out, _ = run_cli(capsys, "-w", root, "tiers", "use", "--brand", "CHNT", "--service", "traffic_slots",
                           "--amount", "3", "--ref", "double11", "--now", "2026-11-01")
    assert code == 0 and "traffic_slots 3 used in 2026Q4, 5 left" in out
    code, _, err = run_cli(capsys, "-w", root, "tiers", "use", "--brand", "CHNT", "--service", "traffic_slots",
                           "--amount", "6", "--ref", "double12", "--now", "2026-11-02")
    assert code == 1 and "quota 8 for 2026Q4, 3 used, 6 more refused" in err
    code, out, _ = run_cli(capsys, "-w", root, "tiers", "show", "--brand", "CHNT", "--now", "2026-11-15")
    assert code == 0 and "Top partner (top)" in out and "Traffic and event slots" in out
