"""Tagging: the compiled rules agree with a brute-force evaluation on seeded random shops, incremental retags
agree with it day after day, and groups, TTLs, manual overrides, versions and history behave as documented."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from crm_fixtures import crm_workspace, load_shop, random_shop, write_jsonl
from crm_oracle import expected_tags

from jbp.crm.customers import import_customers
from jbp.crm.events import import_events
from jbp.crm.tagrules import parse_rule_set
from jbp.crm.tags import apply_rules, clear_override, set_override, why
from jbp.errors import DataError, NotFoundError
from jbp.store import crm_rows, crm_tag_rows

START = datetime(2025, 1, 1)

RULES = """
[rfm]
window = "180d"
recency = [14, 60, 120]
frequency = [2, 4]
monetary = [1000, 20000, 60000]

[[tag]]
name = "new"
group = "lifecycle"
when = 'count(order) == 0 and days_since(created_at) <= 60'
[[tag]]
name = "active"
group = "lifecycle"
when = 'days_since(order) <= 45'
[[tag]]
name = "at_risk"
group = "lifecycle"
when = 'days_since(order) > 45 and days_since(order) <= 120'
[[tag]]
name = "lost"
group = "lifecycle"
when = 'days_since(order) * 2 > 240'
[[tag]]
name = "big"
when = 'sum(order.amount, 90d) > 30000'
[[tag]]
name = "mro"
when = 'share(order.category == "MRO", 180d) >= 0.5'
[[tag]]
name = "breakers"
when = 'count(order.category in ("breaker", "contactor") and order.amount > 500, 60d) >= 1'
[[tag]]
name = "browsing"
when = 'count(search, 14d) + count(bom_upload, 14d) >= 2 and count(order, 30d) == 0'
[[tag]]
name = "east"
when = 'region in ("华东", "华南") and not industry == "MRO"'
[[tag]]
name = "named"
when = 'name contains "电气" or name like "*机械*有限公司" or name startswith "abb"'
[[tag]]
name = "recent"
when = 'created_at > now - 45d or now - created_at > 400d'
[[tag]]
name = "champion"
when = 'rfm.r >= 3 and rfm.f >= 2 and rfm.m >= 3'
[[tag]]
name = "vip"
when = 'has_tag("big") or has_tag("champion") or (has_tag("active") and discount_pct >= 10)'
[[tag]]
name = "reachable"
when = 'consent.sms and not opted_out.sms and industry != "机械"'
[[tag]]
name = "clicker"
when = 'count(message_clicked, 30d) >= 1 or (count(message_sent, 30d) >= 2 and days_since(message_clicked) <= 60)'
[[tag]]
name = "slowing"
when = 'sum(order.amount, 30d) * 4 < sum(order.amount, 120d) and count(quote, 60d) >= 1'
[[tag]]
name = "steady"
when = 'days_since(order) - days_since(quote) > 10 and count(inquiry) not in (0, 2)'
"""


def held_tags(workspace, brand_id: int) -> dict[str, set[str]]:
    with workspace.store.reading() as conn:
        refs = crm_rows.customer_external_ids(conn, brand_id, crm_rows.brand_customer_ids(conn, brand_id))
        tags = crm_tag_rows.tags_of_customers(conn, refs)
    return {ref: set(tags.get(cid, [])) for cid, ref in refs.items()}


def brand_id(workspace, code: str) -> int:
    from jbp.crm.brands import resolve_brand

    with workspace.store.reading() as conn:
        return resolve_brand(conn, code)["id"]


@pytest.fixture
def shop(workspace, tmp_path):
    return crm_workspace(workspace, tmp_path)


def test_tags_agree_with_a_brute_force_evaluation_on_random_shops(shop, tmp_path):
    rules = parse_rule_set(RULES, "rules.toml")
    for seed, brand in ((11, "CHNT"), (12, "DELIXI")):
        people, happenings = random_shop(seed)
        load_shop(shop, tmp_path, brand, people, happenings, START)
        for day in (150, 333):
            now = START + timedelta(days=day, hours=10)
            apply_rules(shop.store, brand, rules, now, full=True)
            assert held_tags(shop, brand_id(shop, brand)) == expected_tags(rules, people, happenings, now)


def test_incremental_retags_agree_with_brute_force_day_after_day(shop, tmp_path):
    rules = parse_rule_set(RULES, "rules.toml")
    rng = random.Random(7)
    people, happenings = random_shop(21, customers=60, events=1000)
    load_shop(shop, tmp_path, "CHNT", people, happenings[:700], START)
    known = happenings[:700]
    evaluated = []
    for step, day in enumerate((200, 201, 215, 260, 261, 300, 380, 381, 440)):
        now = START + timedelta(days=day, hours=9)
        if step % 2:  # some events arrive late, dated anywhere before now
            late = [{**e, "at": min(e["at"], now - timedelta(hours=1))} for e in rng.sample(happenings[700:], 25)]
            import_events(shop.store, write_jsonl(tmp_path / f"late{step}.jsonl", late), now, brand="CHNT")
            known = known + [e for e in late if e["id"] not in {k["id"] for k in known}]
        run = apply_rules(shop.store, "CHNT", rules, now)
        evaluated.append((run.mode, run.evaluated))
        assert held_tags(shop, brand_id(shop, "CHNT")) == expected_tags(rules, people, known, now), f"day {day}"
    assert evaluated[0] == ("full", 60)
    assert all(mode == "incremental" for mode, _ in evaluated[1:])
    assert min(count for _, count in evaluated[1:]) < 60  # customers with nothing due were skipped


def test_reimporting_events_changes_no_tag(shop, tmp_path):
    rules = parse_rule_set(RULES, "rules.toml")
    people, happenings = random_shop(31)
    load_shop(shop, tmp_path, "CHNT", people, happenings, START)
    now = START + timedelta(days=300)
    apply_rules(shop.store, "CHNT", rules, now)
    report = import_events(shop.store, tmp_path / "CHNT-events.jsonl", now, brand="CHNT")
    assert (report.events_added, report.events_duplicate) == (0, len(happenings))
    again = apply_rules(shop.store, "CHNT", rules, now)
    assert (again.mode, again.evaluated, again.added, again.removed) == ("incremental", 0, 0, 0)


LIFECYCLE = """
[[tag]]
name = "active"
group = "lifecycle"
when = 'days_since(order) <= 30'
[[tag]]
name = "lapsing"
group = "lifecycle"
when = 'days_since(order) <= 90'
[[tag]]
name = "big_spender"
ttl = "30d"
when = 'sum(order.amount, 60d) > 10000'
"""


def buyer(shop, tmp_path, orders: list[tuple[str, str]]) -> None:
    import_customers(shop.store, write_jsonl(tmp_path / "c.jsonl", [{"customer": "C1", "name": "上海华通电气"}]),
                     START, brand="CHNT")
    import_events(shop.store, write_jsonl(tmp_path / "o.jsonl", [
        {"id": f"o{i}", "customer": "C1", "kind": "order", "at": at, "amount": amount}
        for i, (at, amount) in enumerate(orders)]), START, brand="CHNT")


def tags_at(shop, rules, day: str) -> set[str]:
    apply_rules(shop.store, "CHNT", rules, datetime.fromisoformat(day))
    return held_tags(shop, brand_id(shop, "CHNT"))["C1"]


def test_a_group_holds_one_tag_the_first_rule_that_holds(shop, tmp_path):
    rules = parse_rule_set(LIFECYCLE, "rules.toml")
    buyer(shop, tmp_path, [("2025-03-01", "500")])
    assert tags_at(shop, rules, "2025-03-10") == {"active"}  # lapsing holds too, but active comes first
    assert tags_at(shop, rules, "2025-04-15") == {"lapsing"}
    answer = why(shop.store, "CHNT", "C1", "active", datetime(2025, 4, 15))
    assert answer.history[0]["reason"].startswith("group lifecycle: lapsing holds instead")
    assert tags_at(shop, rules, "2025-06-30") == set()


def test_a_ttl_keeps_a_tag_for_its_days_then_the_rule_decides(shop, tmp_path):
    rules = parse_rule_set(LIFECYCLE, "rules.toml")
    buyer(shop, tmp_path, [("2025-03-01", "20000")])
    assert "big_spender" in tags_at(shop, rules, "2025-03-02")
    # the order leaves the 60-day window on 2025-04-30; the tag was set on 2025-03-02 with 30 days to live
    assert "big_spender" in tags_at(shop, rules, "2025-03-31")
    assert "big_spender" not in tags_at(shop, rules, "2025-04-30")


def test_a_ttl_holds_a_tag_whose_rule_stopped_holding(shop, tmp_path):
    rules = parse_rule_set(LIFECYCLE.replace("60d) > 10000", "10d) > 10000"), "rules.toml")
    buyer(shop, tmp_path, [("2025-03-01", "20000")])
    assert "big_spender" in tags_at(shop, rules, "2025-03-02")
    assert "big_spender" in tags_at(shop, rules, "2025-03-25")  # the rule stopped on 03-11; the TTL runs to 04-01
    assert "big_spender" not in tags_at(shop, rules, "2025-04-01")


def test_manual_overrides_beat_the_rules_until_cleared_or_their_ttl_ends(shop, tmp_path):
    rules = parse_rule_set(LIFECYCLE, "rules.toml")
    buyer(shop, tmp_path, [("2025-03-01", "500")])
    assert tags_at(shop, rules, "2025-03-10") == {"active"}
    set_override(shop.store, "CHNT", "C1", "active", "remove", datetime(2025, 3, 10), "moved to a distributor")
    assert held_tags(shop, brand_id(shop, "CHNT"))["C1"] == {"lapsing"}
    set_override(shop.store, "CHNT", "C1", "key_account", "add", datetime(2025, 3, 10), "framework agreement",
                 ttl_days=20)
    assert tags_at(shop, rules, "2025-03-20") == {"lapsing", "key_account"}
    assert tags_at(shop, rules, "2025-03-30") == {"lapsing"}  # the manual tag's 20 days are over
    clear_override(shop.store, "CHNT", "C1", "active", datetime(2025, 3, 30))
    assert held_tags(shop, brand_id(shop, "CHNT"))["C1"] == {"active"}
    history = why(shop.store, "CHNT", "C1", "active", datetime(2025, 3, 30)).history
    assert [(h["change"], h["source"]) for h in reversed(history)] == [
        ("added", "rule"), ("removed", "manual"), ("added", "rule")]
    assert "moved to a distributor" in history[1]["reason"]


def test_a_manual_tag_in_a_group_pushes_the_rule_tags_of_the_group_out(shop, tmp_path):
    rules = parse_rule_set(LIFECYCLE, "rules.toml")
    buyer(shop, tmp_path, [("2025-03-01", "500")])
    tags_at(shop, rules, "2025-03-10")
    set_override(shop.store, "CHNT", "C1", "vip_lifecycle", "add", datetime(2025, 3, 10), "board decision",
                 group="lifecycle")
    assert held_tags(shop, brand_id(shop, "CHNT"))["C1"] == {"vip_lifecycle"}


def test_why_names_the_rules_version_and_the_values_read(shop, tmp_path):
    rules = parse_rule_set(LIFECYCLE, "rules.toml")
    buyer(shop, tmp_path, [("2025-03-01", "12000.50")])
    tags_at(shop, rules, "2025-03-10")
    answer = why(shop.store, "CHNT", "C1", "big_spender", datetime(2025, 3, 10))
    assert answer.held["source"] == "rule" and answer.holds_now
    assert answer.history[0]["rule_set_id"] == answer.rule_set_id
    assert answer.history[0]["reason"] == "sum(order.amount, 60d) > 10000 — sum(order.amount, 60d)=12000.5"
    assert answer.clauses[0].values == "sum(order.amount, 60d) = 12000.5"
    with pytest.raises(NotFoundError):
        why(shop.store, "CHNT", "C1", "no_such_tag", datetime(2025, 3, 10))


def test_new_rules_are_a_new_version_and_retag_everyone(shop, tmp_path):
    buyer(shop, tmp_path, [("2025-03-01", "12000")])
    first = apply_rules(shop.store, "CHNT", parse_rule_set(LIFECYCLE, "v1.toml"), datetime(2025, 3, 10))
    changed = LIFECYCLE.replace('name = "big_spender"', 'name = "high_value"')
    second = apply_rules(shop.store, "CHNT", parse_rule_set(changed, "v2.toml"), datetime(2025, 3, 10))
    assert (second.mode, second.rule_set_id) == ("full", first.rule_set_id + 1)
    assert held_tags(shop, brand_id(shop, "CHNT"))["C1"] == {"active", "high_value"}
    removal = why(shop.store, "CHNT", "C1", "big_spender", datetime(2025, 3, 10)).history[0]
    assert removal["reason"] == f"rule 'big_spender' is not in rules version {second.rule_set_id}"


def test_a_dry_run_counts_changes_and_writes_nothing(shop, tmp_path):
    buyer(shop, tmp_path, [("2025-03-01", "12000")])
    run = apply_rules(shop.store, "CHNT", parse_rule_set(LIFECYCLE, "v1.toml"), datetime(2025, 3, 10), dry_run=True)
    assert run.dry_run and run.added == 2
    assert held_tags(shop, brand_id(shop, "CHNT"))["C1"] == set()
    with pytest.raises(NotFoundError, match="no tag rules"):
        apply_rules(shop.store, "CHNT", None, datetime(2025, 3, 10))


def test_an_override_needs_a_reason_and_a_known_customer(shop, tmp_path):
    buyer(shop, tmp_path, [])
    with pytest.raises(DataError, match="say why"):
        set_override(shop.store, "CHNT", "C1", "vip", "add", START, " ")
    with pytest.raises(NotFoundError, match="no customer 'C9'"):
        set_override(shop.store, "CHNT", "C9", "vip", "add", START, "test")
