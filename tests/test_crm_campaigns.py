"""Campaigns: triggers, conditions, waits and branches, messages that respect consent, quiet hours, frequency caps
and the tier's quota, idempotent runs, the outbox export, conversion; refused definitions; segments."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from crm_fixtures import crm_workspace, sign, write_jsonl

from jbp.crm.brands import resolve_brand
from jbp.crm.campaigns import save_campaign, set_status
from jbp.crm.campaigns.engine import run_crm
from jbp.crm.campaigns.outbox import export_outbox, outbox_messages
from jbp.crm.campaigns.report import campaign_report
from jbp.crm.customers import import_customers
from jbp.crm.events import import_events
from jbp.crm.segments import preview_segment, save_segment, segment_members
from jbp.crm.tagrules import parse_rule_set
from jbp.crm.tags import apply_rules, why
from jbp.errors import DataError, RuleSyntaxError
from jbp.store import crm_rows
from jbp.tiers import consume

T0 = datetime(2026, 3, 2, 10)
PEOPLE = [
    {"customer": "A1", "name": "上海华通电气", "phone": "13800000001", "consent": "sms", "region": "华东"},
    {"customer": "A2", "name": "深圳精密机械", "phone": "13800000002", "consent": "sms",
     "opted_out": {"sms": "2026-01-05"}},
    {"customer": "A3", "name": "北京精工", "phone": "13800000003", "region": "华北"},
    {"customer": "A4", "name": "杭州新能", "consent": "sms;email", "email": "buy@xn.cn"},
    {"customer": "A5", "name": "<b>Ningbo</b> & Co", "phone": "13800000005", "email": "po@nb.com", "consent": "all",
     "wangwang": "nb_wang", "region": "华东"},
]
RULES = """
[[tag]]
name = "at_risk"
when = 'days_since(order) > 90'
[[tag]]
name = "east"
when = 'region == "华东"'
"""
SMS = "【{{ brand.name_zh }}】{{ customer.name }}，好久不见。{% if coupon %}券 {{ coupon.code }}{% endif %}回T退订"
CAMPAIGN = """
name = "win-back"
[trigger]
tag_added = "at_risk"
[entry]
reentry = "once"
[[step]]
id = "sms"
send = "sms"
template = "hello.j2"
next = "wait"
[[step]]
id = "wait"
wait = "3d"
next = "clicked"
[[step]]
id = "clicked"
if = 'count(message_clicked, 3d) > 0'
then = "coupon"
else = "call"
[[step]]
id = "coupon"
coupon = { prefix = "BACK", value = 50 }
next = "mail"
[[step]]
id = "mail"
send = "email"
template = "hello.html.j2"
subject = "{{ brand.name_zh }} {{ coupon.code }}"
[[step]]
id = "call"
assign = ["王强", "李娜"]
next = "flag"
[[step]]
id = "flag"
add_tag = "needs_call"
"""


@pytest.fixture
def shop(workspace, tmp_path):
    crm_workspace(workspace, tmp_path)
    sign(workspace)
    import_customers(workspace.store, write_jsonl(tmp_path / "c.jsonl", PEOPLE), T0 - timedelta(days=200),
                     brand="CHNT")
    orders = [{"id": f"o-{p['customer']}", "customer": p["customer"], "kind": "order", "at": "2025-10-01",
               "amount": "3000"} for p in PEOPLE]
    import_events(workspace.store, write_jsonl(tmp_path / "o.jsonl", orders), T0, brand="CHNT")
    apply_rules(workspace.store, "CHNT", parse_rule_set(RULES, "rules.toml"), T0 - timedelta(days=1))
    (tmp_path / "hello.j2").write_text(SMS, encoding="utf-8")
    (tmp_path / "hello.html.j2").write_text("<p>{{ customer.name }}</p><p>{{ coupon.code }}</p>", encoding="utf-8")
    return workspace


def load(shop, tmp_path, text: str = CAMPAIGN, name: str = "campaign.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return save_campaign(shop.store, "CHNT", path, T0)


def messages(shop, status: str | None = None) -> dict[str, dict]:
    return {m["external_id"]: m for m in outbox_messages(shop.store, "CHNT", status, 100)}


def test_a_run_sends_to_consenting_customers_and_says_why_not_to_the_others(shop, tmp_path):
    load(shop, tmp_path)
    run = run_crm(shop.store, "CHNT", T0)
    outcome = run.campaigns[0]
    assert (outcome.entered, outcome.queued, run.queued, run.tier) == (5, 2, 2, "follower")
    assert outcome.suppressed == {"opted out of sms on 2026-01-05": 1, "no consent for sms": 1,
                                  "no phone on file": 1}
    sent = messages(shop)
    assert {k: v["status"] for k, v in sent.items()} == {
        "A1": "queued", "A2": "suppressed", "A3": "suppressed", "A4": "suppressed", "A5": "queued"}
    with shop.store.reading() as conn:
        body = conn.exec_driver_sql("select body from outbox where status = 'queued' order by id").scalars().all()
    assert body[0] == "【正泰】上海华通电气，好久不见。回T退订"
    assert body[1] == "【正泰】<b>Ningbo</b> & Co，好久不见。回T退订"  # SMS is text: nothing escaped


def test_running_twice_for_the_same_time_sends_nothing_twice(shop, tmp_path):
    load(shop, tmp_path)
    dry = run_crm(shop.store, "CHNT", T0, dry_run=True)
    assert dry.queued == 2 and messages(shop) == {}
    first = run_crm(shop.store, "CHNT", T0)
    second = run_crm(shop.store, "CHNT", T0)
    assert (first.queued, second.queued, second.campaigns[0].entered) == (2, 0, 0)
    assert len(messages(shop)) == 5
    later = run_crm(shop.store, "CHNT", T0 + timedelta(hours=1))
    assert later.queued == 0 and later.campaigns[0].steps == {}


def test_waits_then_branches_on_clicks_coupon_or_a_call(shop, tmp_path):
    load(shop, tmp_path)
    run_crm(shop.store, "CHNT", T0)
    a5 = messages(shop)["A5"]["id"]
    import_events(shop.store, write_jsonl(tmp_path / "clicks.jsonl", [
        {"id": "k1", "kind": "message_clicked", "ref": a5, "at": "2026-03-03T12:00"}]), T0, brand="CHNT")
    assert run_crm(shop.store, "CHNT", T0 + timedelta(days=2)).campaigns[0].steps == {}  # still waiting
    run = run_crm(shop.store, "CHNT", T0 + timedelta(days=3))
    outcome = run.campaigns[0]
    assert outcome.steps == {"clicked": 5, "coupon": 1, "mail": 1, "call": 4, "flag": 4}
    assert outcome.finished == 5 and outcome.queued == 1
    with shop.store.reading() as conn:
        mail = conn.exec_driver_sql("select subject, body from outbox where channel = 'email'").one()
        brand = resolve_brand(conn, "CHNT")
        a1 = crm_rows.customer_by_ref(conn, brand["id"], "A1")
    assert mail.subject.startswith("正泰 BACK") and mail.body.startswith("<p>&lt;b&gt;Ningbo&lt;/b&gt; &amp; Co</p>")
    assert a1["owner_rep"] in ("王强", "李娜")
    assert why(shop.store, "CHNT", "A1", "needs_call", T0).held["source"] == "manual"


def test_the_outbox_export_holds_only_what_the_channel_needs(shop, tmp_path):
    load(shop, tmp_path)
    run_crm(shop.store, "CHNT", T0)
    exported = export_outbox(shop.store, "CHNT", tmp_path / "out.csv", T0)
    assert (exported.export_id, exported.messages) == (1, 2)
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["message_id", "channel", "to", "subject", "body"]
    assert {r["to"] for r in rows} == {"13800000001", "13800000005"}
    assert export_outbox(shop.store, "CHNT", tmp_path / "none.csv", T0).messages == 0
    again = export_outbox(shop.store, "CHNT", tmp_path / "again.jsonl", T0, again=1)
    lines = [json.loads(line) for line in (tmp_path / "again.jsonl").read_text(encoding="utf-8").splitlines()]
    assert again.messages == 2 and set(lines[0]) == {"message_id", "channel", "to", "body"}


def test_conversion_counts_customers_who_ordered_after_their_message(shop, tmp_path):
    load(shop, tmp_path)
    run_crm(shop.store, "CHNT", T0)
    sms = messages(shop)
    import_events(shop.store, write_jsonl(tmp_path / "back.jsonl", [
        {"id": "k1", "kind": "message_clicked", "ref": sms["A1"]["id"], "at": "2026-03-02T11:00"},
        {"id": "r1", "customer": "A1", "kind": "order", "at": "2026-03-10", "amount": "1800.5"},
        {"id": "r2", "customer": "A3", "kind": "order", "at": "2026-03-10", "amount": "999"},  # never messaged
        {"id": "r3", "customer": "A5", "kind": "order", "at": "2026-05-10", "amount": "700"}]), T0, brand="CHNT")
    result = campaign_report(shop.store, "CHNT", datetime(2026, 6, 1))[0]
    assert (result.sent, result.clicked, result.messaged, result.converted, result.revenue) == (
        2, 1, 2, 1, Decimal("1800.50"))
    assert result.conversion_rate == 0.5 and result.suppressed["no consent for sms"] == 1


def test_quiet_hours_hold_messages_until_they_end(shop, tmp_path):
    load(shop, tmp_path, CAMPAIGN.replace("[entry]", "[limits]\nquiet_hours = \"21:00-08:00\"\n[entry]"))
    night = T0.replace(hour=23)
    assert run_crm(shop.store, "CHNT", night).queued == 0
    assert run_crm(shop.store, "CHNT", night + timedelta(hours=5)).queued == 0  # 04:00, still quiet
    assert run_crm(shop.store, "CHNT", night + timedelta(hours=9)).queued == 2  # 08:00


def test_a_frequency_cap_counts_messages_of_every_campaign(shop, tmp_path):
    load(shop, tmp_path)
    run_crm(shop.store, "CHNT", T0)
    second = CAMPAIGN.replace('"win-back"', '"east-news"').replace('tag_added = "at_risk"', 'tag_added = "east"')
    load(shop, tmp_path, second.replace("[entry]", "[limits]\nmessages = 1\nper = \"7d\"\n[entry]"), "east.toml")
    apply_rules(shop.store, "CHNT", parse_rule_set(RULES.replace('"华东"', '"华东" or region == "华北"'), "v2"),
                T0 + timedelta(hours=1))
    run = run_crm(shop.store, "CHNT", T0 + timedelta(hours=1))
    east = next(c for c in run.campaigns if c.campaign == "east-news")
    assert east.entered == 3 and east.queued == 0
    assert east.suppressed == {"frequency cap: 1 messages per 7d": 2, "no consent for sms": 1}


def test_the_tier_quota_limits_messages_and_is_recorded(shop, tmp_path):
    load(shop, tmp_path)
    with shop.store.transaction() as conn:
        consume(conn, "CHNT", "marketing_messages", 19_999, T0, "earlier-campaigns")
    run = run_crm(shop.store, "CHNT", T0)
    assert (run.quota, run.used_before, run.queued) == (20_000, 19_999, 1)
    assert run.campaigns[0].suppressed[
        "tier follower: the quota of 20,000 marketing messages for 2026-03 is used up"] == 1
    from jbp.tiers import entitlement

    assert entitlement(shop.store, "CHNT", "marketing_messages", T0).remaining == 0


def test_an_unsigned_brand_sends_no_marketing_messages(shop, tmp_path):
    people = [{"customer": "D1", "name": "德力西客户", "phone": "13900000001", "consent": "sms"}]
    import_customers(shop.store, write_jsonl(tmp_path / "d.jsonl", people), T0, brand="DELIXI")
    path = tmp_path / "d.toml"
    path.write_text(CAMPAIGN.replace('tag_added = "at_risk"', 'event = "search"'), encoding="utf-8")
    save_campaign(shop.store, "DELIXI", path, T0)
    import_events(shop.store, write_jsonl(tmp_path / "s.jsonl", [
        {"id": "s1", "customer": "D1", "kind": "search", "at": "2026-03-02T09:00"}]), T0, brand="DELIXI")
    run = run_crm(shop.store, "DELIXI", T0)
    assert (run.tier, run.queued) == ("unsigned", 0)
    assert run.campaigns[0].suppressed == {"tier unsigned does not include marketing messages": 1}


def test_reentry_once_admits_a_customer_a_single_time(shop, tmp_path):
    load(shop, tmp_path, CAMPAIGN.replace('tag_added = "at_risk"', 'event = "search"'))
    import_events(shop.store, write_jsonl(tmp_path / "s.jsonl", [
        {"id": "s1", "customer": "A1", "kind": "search", "at": "2026-03-01T09:00"},
        {"id": "s2", "customer": "A1", "kind": "search", "at": "2026-03-02T09:00"},
        {"id": "s3", "customer": "A5", "kind": "search", "at": "2026-02-01T09:00"}]), T0, brand="CHNT")  # too old
    run = run_crm(shop.store, "CHNT", T0)
    assert (run.campaigns[0].entered, run.campaigns[0].skipped) == (1, {"already in the campaign": 1})


def test_an_entry_condition_keeps_customers_out(shop, tmp_path):
    load(shop, tmp_path, CAMPAIGN.replace('reentry = "once"', 'reentry = "once"\ncondition = \'region == "华东"\''))
    run = run_crm(shop.store, "CHNT", T0)
    assert (run.campaigns[0].entered, run.campaigns[0].skipped) == (2, {"entry condition not met": 3})


def test_a_schedule_reaches_a_segment_once_per_occurrence(shop, tmp_path):
    save_segment(shop.store, "CHNT", "east", 'has_tag("east")', T0)
    schedule = CAMPAIGN.replace('tag_added = "at_risk"',
                                'schedule = { every = "7d", start = "2026-02-23T10:00:00", segment = "east" }')
    load(shop, tmp_path, schedule.replace('reentry = "once"', 'reentry = "always"'))
    assert run_crm(shop.store, "CHNT", T0).campaigns[0].entered == 2
    assert run_crm(shop.store, "CHNT", T0 + timedelta(days=1)).campaigns[0].entered == 0
    after = run_crm(shop.store, "CHNT", T0 + timedelta(days=7))
    assert after.campaigns[0].entered == 2


def test_a_paused_campaign_admits_nobody(shop, tmp_path):
    load(shop, tmp_path)
    set_status(shop.store, "CHNT", "win-back", "paused")
    assert run_crm(shop.store, "CHNT", T0).campaigns == []


@pytest.mark.parametrize(("change", "message"), [
    (('next = "clicked"', 'next = "sms"'), "the steps form a cycle: sms → wait → sms"),
    (('else = "call"', 'else = "mail"\n'), "can never be reached"),
    (('next = "flag"', 'next = "phone"'), "goes to 'phone', which is no step"),
    (('send = "sms"', 'send = "fax"'), "send names a channel"),
    (('wait = "3d"', 'wait = "3 days"'), "not a duration"),
    (('template = "hello.j2"', 'template = "../hello.j2"'), "templates/messages"),
    (('template = "hello.j2"', 'template = "missing.j2"'), "no template 'missing.j2'"),
    (('tag_added = "at_risk"', 'event = "visit"'), "unknown event kind 'visit'"),
])
def test_broken_campaigns_are_refused_with_the_reason(shop, tmp_path, change, message):
    with pytest.raises(DataError, match=message):
        load(shop, tmp_path, CAMPAIGN.replace(*change))


def test_a_bad_condition_in_a_campaign_points_at_its_column(shop, tmp_path):
    with pytest.raises(RuleSyntaxError) as caught:
        load(shop, tmp_path, CAMPAIGN.replace("count(message_clicked, 3d) > 0", "count(message_clicked, 3d) > \"x\""))
    assert caught.value.column == 28


@pytest.mark.parametrize(("template", "message"), [
    ("{{ customer.name ", "template syntax"),
    ("{{ customer.__class__.__mro__[1].__subclasses__() }}", "fails on a sample customer"),
    ("{{ cycler.__init__.__globals__.os }}", "fails on a sample customer"),
    ("{{ customer.nmae }}", "fails on a sample customer"),
    ("{% for i in range(80) %}{{ customer.name }}{% endfor %}", "at most 500 characters"),
])
def test_templates_run_in_a_sandbox_and_are_checked_on_load(shop, tmp_path, template, message):
    (tmp_path / "hello.j2").write_text(template, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load(shop, tmp_path)


def test_a_segment_preview_shows_who_enters_and_leaves_before_saving(shop, tmp_path):
    first = preview_segment(shop.store, "CHNT", "reachable", "consent.sms and not opted_out.sms", T0)
    assert (first.count, first.previous_count, first.entering, first.leaving) == (3, 0, 3, 0)
    save_segment(shop.store, "CHNT", "reachable", "consent.sms and not opted_out.sms", T0)
    change = preview_segment(shop.store, "CHNT", "reachable", 'consent.sms and (region == "华东" or opted_out.sms)',
                             T0)
    assert (change.count, change.previous_count, change.entering_sample, change.leaving_sample) == (
        3, 3, ["A2"], ["A4"])
    saved, members = segment_members(shop.store, "CHNT", "reachable", T0)
    assert saved["version"] == 1 and sorted(m["external_id"] for m in members) == ["A1", "A4", "A5"]


def test_a_schedule_whose_segment_is_missing_stops_only_its_campaign(shop, tmp_path):
    load(shop, tmp_path)
    schedule = CAMPAIGN.replace('"win-back"', '"weekly"').replace(
        'tag_added = "at_risk"', 'schedule = { every = "7d", start = "2026-02-23T10:00:00", segment = "gone" }')
    load(shop, tmp_path, schedule, "weekly.toml")
    run = run_crm(shop.store, "CHNT", T0)
    assert [(c.campaign, c.entered, c.problem) for c in run.campaigns] == [
        ("win-back", 5, None), ("weekly", 0, "no segment 'gone'")]


def test_bulk_statements_give_the_same_outcome_as_row_by_row_ones(shop, tmp_path, monkeypatch):
    # PostgreSQL receives large batches by COPY into a temporary table; here every batch is "large"
    from jbp.store import crm_rows as rows_module

    monkeypatch.setattr(rows_module, "_STAGE_FROM", 1)
    load(shop, tmp_path)
    first = run_crm(shop.store, "CHNT", T0)
    assert (first.queued, first.campaigns[0].suppressed["no consent for sms"]) == (2, 1)
    assert run_crm(shop.store, "CHNT", T0).queued == 0
    later = run_crm(shop.store, "CHNT", T0 + timedelta(days=3))
    assert later.campaigns[0].steps == {"clicked": 5, "call": 5, "flag": 5}
    assert why(shop.store, "CHNT", "A3", "needs_call", T0).held["source"] == "manual"
