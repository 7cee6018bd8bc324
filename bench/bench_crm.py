"""CRM at scale: full tagging, incremental retag, and a campaign run (issue 8).

Targets (2-core machine, SQLite store): 1M customers, 20M events, 30 tag rules — full tagging ≤ 120 s; an
incremental retag after 10k new events ≤ 3 s; a campaign run over 100k eligible customers ≤ 10 s. The
anchor to beat: Mautic users report 40 minutes to rebuild one segment at 260k contacts.
JBP_BENCH_SCALE=small (default) is 100k customers / 2M events; full is the issue's sizes. The generated
SQLite store is built once per scale in bench/out/crm-<scale>/ and copied for each run (the bench writes to
it). With JBP_BENCH_PG=postgresql://… the same data is generated into a fresh schema there and dropped after.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

from jbp.catalog.definitions import define
from jbp.crm.clock import day_number
from jbp.crm.vocabulary import EVENT_KINDS
from jbp.store import Store, crm_rows, schema
from jbp.workspace import Workspace, init_workspace, load_workspace

SCALES = {"small": (100_000, 2_000_000), "full": (1_000_000, 20_000_000)}
ELIGIBLE = 100_000  # customers in the campaign's segment
NOW = datetime(2026, 3, 2, 10, 0)
SEED = 8
OUT = Path(__file__).parent / "out"
RECIPE = 2  # bump when the generated data changes

BRANDS = """
[[brands]]
code = "CHNT"
name_zh = "正泰"
name_en = "CHINT"
"""
KIND_SHARES = {"search": 0.35, "bom_upload": 0.08, "quote": 0.10, "order": 0.15, "inquiry": 0.05,
               "message_sent": 0.20, "message_clicked": 0.07}
CATEGORIES = ["MRO", "breaker", "contactor", "relay", "cable", "bearing", "fastener", "motor", "inverter", "PLC",
              "sensor", "switch", "meter", "transformer", "valve", "pump", "tool", "lighting", "enclosure", "terminal"]
REGIONS = ["华东", "华南", "华北", "华中", "西南", "西北", "东北"]
INDUSTRIES = ["电力", "机械", "自动化", "五金", "MRO", "贸易", "船舶", "建筑"]
SIZES = ["small", "medium", "large"]
REPS = ["王强", "李娜", "陈晨", "赵敏", "刘洋"]
CITIES = ["上海", "深圳", "北京", "杭州", "苏州", "广州", "武汉", "成都", "天津", "宁波"]
WORDS = ["华通", "精工", "恒力", "新能", "长江", "海工", "秦川", "宏达", "金桥", "联创"]
TRADES = ["电气有限公司", "机械有限公司", "自动化设备厂", "五金机电", "电力工程有限公司", "贸易公司"]

RULES = '''
[[tag]]
name = "new"
group = "lifecycle"
when = 'count(order) == 0 and days_since(created_at) <= 90'
[[tag]]
name = "active"
group = "lifecycle"
when = 'days_since(order) <= 90'
[[tag]]
name = "at_risk"
group = "lifecycle"
when = 'days_since(order) > 90 and days_since(order) <= 180'
[[tag]]
name = "lost"
group = "lifecycle"
when = 'days_since(order) > 180'
[[tag]]
name = "whale"
group = "value"
when = 'sum(order.amount, 365d) > 500000'
[[tag]]
name = "high_value"
group = "value"
when = 'sum(order.amount, 365d) > 100000'
[[tag]]
name = "mid_value"
group = "value"
when = 'sum(order.amount, 365d) > 20000'
[[tag]]
name = "low_value"
group = "value"
when = 'sum(order.amount, 365d) > 0'
[[tag]]
name = "engaged"
when = 'count(bom_upload, 30d) + count(search, 30d) >= 2 or count(quote, 30d) >= 1'
[[tag]]
name = "hot_lead"
ttl = "14d"
when = 'has_tag("engaged") and count(order) == 0'
[[tag]]
name = "dormant_searcher"
when = 'count(search, 90d) >= 3 and count(order, 90d) == 0'
[[tag]]
name = "inquirer"
when = 'count(inquiry, 30d) >= 1'
[[tag]]
name = "mro_buyer"
when = 'share(order.category == "MRO", 365d) >= 0.3'
[[tag]]
name = "breaker_buyer"
when = 'share(order.category == "breaker", 365d) >= 0.3'
[[tag]]
name = "motion_buyer"
when = 'share(order.category in ("motor", "inverter", "PLC"), 365d) >= 0.3'
[[tag]]
name = "wiring_buyer"
when = 'share(order.category in ("cable", "terminal", "switch"), 365d) >= 0.3'
[[tag]]
name = "fastener_buyer"
when = 'share(order.category startswith "fast", 365d) >= 0.3'
[[tag]]
name = "bearing_buyer"
when = 'share(order.category == "bearing", 730d) >= 0.3'
[[tag]]
name = "champion"
when = 'rfm.r >= 4 and rfm.f >= 4 and rfm.m >= 4'
[[tag]]
name = "loyal"
when = 'rfm.f >= 4'
[[tag]]
name = "cant_lose"
when = 'rfm.r <= 2 and rfm.m >= 4'
[[tag]]
name = "promising"
when = 'rfm.r >= 4 and rfm.f <= 2'
[[tag]]
name = "east_power"
when = 'region in ("华东", "华中") and industry == "电力"'
[[tag]]
name = "south_big"
when = 'region == "华南" and size == "large" and sum(order.amount, 180d) > 50000'
[[tag]]
name = "electrical_quoter"
when = 'name contains "电气" and count(quote, 90d) >= 1'
[[tag]]
name = "machinery_co"
when = 'name like "*机械*有限公司"'
[[tag]]
name = "responsive"
when = 'count(message_clicked, 90d) >= 1'
[[tag]]
name = "unresponsive"
when = 'count(message_sent, 90d) >= 3 and count(message_clicked, 90d) == 0'
[[tag]]
name = "recent_signup"
when = 'created_at > now - 30d'
[[tag]]
name = "big_ticket"
when = 'count(order.amount > 100000, 365d) >= 1'
'''

CAMPAIGN = """
name = "bench-broadcast"
[trigger]
schedule = {{ every = "7d", start = "{start}", segment = "sms_reachable" }}
[entry]
reentry = "always"
[limits]
messages = 3
per = "7d"
[[step]]
id = "sms"
send = "sms"
template = "winback_sms.j2"
next = "wait"
[[step]]
id = "wait"
wait = "3d"
next = "clicked"
[[step]]
id = "clicked"
if = 'count(message_clicked, 3d) > 0'
then = "coupon"
[[step]]
id = "coupon"
coupon = {{ prefix = "BENCH", value = 20 }}
"""


def report(name: str, seconds: float, cpu: float, target: float | None = None) -> None:
    verdict = "" if target is None else f"  target ≤ {target:g} s: {'PASS' if seconds <= target else 'FAIL'}"
    print(f"{name:62} {seconds:8.2f} s (cpu {cpu:6.2f} s){verdict}", flush=True)


def measured(call):
    """(result, wall seconds, CPU seconds of this process) of `call()`."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def generated_store(customers: int, events: int, scale: str) -> Path:
    """The folder of a workspace holding the generated brand, customers and events (built once)."""
    folder = OUT / f"crm-{scale}"
    recipe = {"customers": customers, "events": events, "seed": SEED, "recipe": RECIPE}
    marker = folder / "recipe.json"
    if marker.exists() and json.loads(marker.read_text()) == recipe:
        Store(load_workspace(folder / "ws").db_url).upgrade()  # once here, not in every copy
        return folder / "ws"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    workspace = init_workspace(folder / "ws")
    (folder / "brands.toml").write_text(BRANDS, encoding="utf-8")
    define(workspace.store, folder / "brands.toml")
    started = time.perf_counter()
    _generate(workspace, customers, events)
    print(f"generated {customers:,} customers and {events:,} events in {time.perf_counter() - started:.0f} s")
    workspace.store.close()
    marker.write_text(json.dumps(recipe))
    return folder / "ws"


def _generate(workspace: Workspace, customers: int, events: int) -> None:
    rng = np.random.default_rng(SEED)
    store = workspace.store
    created = NOW - timedelta(days=900)
    with store.transaction() as conn:
        rows = []
        for i in range(customers):
            name = f"{CITIES[i % 10]}{WORDS[(i // 10) % 10]}{TRADES[(i // 100) % 6]}{i}"
            reachable = i < ELIGIBLE
            rows.append((1, f"C{i:07d}", name, INDUSTRIES[i % 8], REGIONS[(i * 7) % 7 if i % 3 else i % 7],
                         SIZES[i % 3], REPS[i % 5], f"138{i:08d}", None, None, None,
                         json.dumps({"sms": reachable, "email": i % 4 == 0}), json.dumps({}), None,
                         (created + timedelta(days=int(i * 897 // max(customers, 1)))).strftime(
                             "%Y-%m-%d %H:%M:%S.%f"), NOW.strftime("%Y-%m-%d %H:%M:%S.%f"), "x"))
            if len(rows) == 50_000:
                _insert_customers(conn, rows)
                rows = []
        _insert_customers(conn, rows)
    ids = np.arange(1, customers + 1)
    activity = rng.pareto(1.5, customers) + 0.2  # how active each customer is: a long tail buys a lot
    activity /= activity.sum()
    kinds = list(KIND_SHARES)
    today = day_number(NOW)
    batch = 500_000
    written = 0
    while written < events:
        size = min(batch, events - written)
        customer = rng.choice(ids, size, p=activity)
        kind = rng.choice(len(kinds), size, p=list(KIND_SHARES.values()))
        age = np.minimum(rng.exponential(220, size).astype(int), 899)
        seconds = rng.integers(8 * 3600, 20 * 3600, size)
        amount = np.round(rng.lognormal(9.2, 1.1, size), 2)
        category = rng.choice(len(CATEGORIES), size, p=_category_shares())
        with store.transaction() as conn:
            tuples = []
            for j in range(size):
                k = kinds[kind[j]]
                day = today - int(age[j]) - 1
                at = datetime(1970, 1, 1) + timedelta(days=day, seconds=int(seconds[j]))
                has_amount = k in ("order", "quote")
                tuples.append((f"g{written + j}", 1, int(customer[j]), f"C{int(customer[j]) - 1:07d}", k,
                               at.strftime("%Y-%m-%d %H:%M:%S.%f"), day, f"{amount[j]:.2f}" if has_amount else None,
                               CATEGORIES[category[j]] if k == "order" else None, None, "{}",
                               NOW.strftime("%Y-%m-%d %H:%M:%S.%f")))
            crm_rows.insert_events(conn, tuples)
        written += size


def _insert_customers(conn, rows: list[tuple]) -> None:
    columns = ("brand_id", "external_id", "name", "industry", "region", "size", "owner_rep", "phone", "email",
               "wangwang", "wecom", "consent", "opted_out", "discount_pct", "created_at", "updated_at",
               "content_hash")
    crm_rows.insert_ignoring_duplicates(conn, schema.customers, columns, rows)


def _category_shares() -> np.ndarray:
    weights = 1.0 / np.arange(1, len(CATEGORIES) + 1)
    return weights / weights.sum()


def postgres_workspace(url: str, customers: int, events: int, scale: str) -> tuple[Workspace, str]:
    """A workspace on a fresh schema of the PostgreSQL database at `url`, with the generated data."""
    from sqlalchemy import create_engine, text

    schema_name = f"crm_bench_{os.getpid()}"
    with create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    folder = OUT / f"crm-{scale}-pg"
    shutil.rmtree(folder, ignore_errors=True)
    separator = "&" if "?" in url else "?"
    workspace = init_workspace(folder, db_url=f"{url}{separator}options=-csearch_path%3D{schema_name}")
    (folder / "brands.toml").write_text(BRANDS, encoding="utf-8")
    define(workspace.store, folder / "brands.toml")
    started = time.perf_counter()
    _generate(workspace, customers, events)
    with workspace.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))  # what autovacuum would do soon after a bulk load: the planner needs it
    print(f"generated {customers:,} customers and {events:,} events in {time.perf_counter() - started:.0f} s")
    return workspace, schema_name


def drop_schema(url: str, schema_name: str) -> None:
    from sqlalchemy import create_engine, text

    with create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)).begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))


def working_copy(source: Path, scale: str) -> Workspace:
    """A copy of the generated store to run on, brought to this jbp's schema."""
    target = OUT / f"crm-{scale}-run"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    Store(load_workspace(target).db_url).upgrade()
    return load_workspace(target)


def main() -> None:
    from jbp.crm.brands import resolve_brand
    from jbp.crm.campaigns import save_campaign
    from jbp.crm.campaigns.engine import run_crm
    from jbp.crm.events import EventIn, record_events
    from jbp.crm.segments import save_segment
    from jbp.crm.tagrules import parse_rule_set
    from jbp.crm.tags import apply_rules
    from jbp.tiers import agreement_from_table, record_agreements

    scale = os.environ.get("JBP_BENCH_SCALE", "small")
    customers, events = SCALES.get(scale, SCALES["small"])
    postgres = os.environ.get("JBP_BENCH_PG")
    if postgres:
        workspace, schema_name = postgres_workspace(postgres, customers, events, scale)
    else:
        workspace = working_copy(generated_store(customers, events, scale), scale)
    store = workspace.store
    rules = parse_rule_set(RULES, "bench rules")
    print(f"{customers:,} customers, {events:,} events, {len(rules.rules)} tag rules, "
          f"{'PostgreSQL' if postgres else 'SQLite'} store")

    run, full, cpu = measured(lambda: apply_rules(store, "CHNT", rules, NOW, full=True))
    report(f"full tagging ({run.added:,} tags set)", full, cpu, 120)

    rng = np.random.default_rng(SEED + 1)
    new_events = [EventIn(f"C{int(c):07d}", str(k), NOW - timedelta(minutes=30), id=f"new{i}",
                          amount=Decimal(f"{rng.lognormal(9, 1):.2f}") if k in ("order", "quote") else None)
                  for i, (c, k) in enumerate(zip(rng.choice(customers, 10_000, replace=False),
                                                 rng.choice(EVENT_KINDS[:5], 10_000), strict=True))]
    with store.transaction() as conn:
        record_events(conn, resolve_brand(conn, "CHNT"), new_events, NOW)
    run, seconds, cpu = measured(lambda: apply_rules(store, "CHNT", rules, NOW))
    report(f"incremental retag after 10k new events ({run.evaluated:,} evaluated)", seconds, cpu, 3)
    run, seconds, cpu = measured(lambda: apply_rules(store, "CHNT", rules, NOW + timedelta(days=1)))
    report(f"next day's retag, time alone ({run.evaluated:,} due)", seconds, cpu)
    print(f"  (the anchor: Mautic, 40 min to rebuild one segment at 260k contacts; here {len(rules.rules)} rules "
          f"over {customers:,} customers in {full:.0f} s)")

    start = NOW + timedelta(days=1)
    agreement = agreement_from_table({"code": "JBP-BENCH", "brand": "CHNT", "start": start.date().replace(day=1),
                                      "end": start.date().replace(year=start.year + 1), "signed": start.date(),
                                      "commitments": {"committed_investment": "600万", "gmv": "8000万",
                                                      "catalog_completeness": "95%"}}, "bench")
    record_agreements(store, [agreement], start)
    save_segment(store, "CHNT", "sms_reachable", "consent.sms and not opted_out.sms", start)
    campaign_file = workspace.root / "campaign.toml"
    campaign_file.write_text(CAMPAIGN.format(start=start.isoformat()), encoding="utf-8")
    save_campaign(store, "CHNT", campaign_file, start)
    result, seconds, cpu = measured(lambda: run_crm(store, "CHNT", start))
    entered = sum(c.entered for c in result.campaigns)
    report(f"campaign run over {entered:,} eligible customers ({result.queued:,} queued)", seconds, cpu, 10)
    again, seconds, cpu = measured(lambda: run_crm(store, "CHNT", start))
    report(f"same run again ({again.queued} queued)", seconds, cpu)
    later, seconds, cpu = measured(lambda: run_crm(store, "CHNT", start + timedelta(days=3)))
    steps = sum(sum(c.steps.values()) for c in later.campaigns)
    report(f"3 days later: waits end, branch and coupons ({steps:,} steps)", seconds, cpu)
    store.close()
    if postgres:
        drop_schema(postgres, schema_name)


if __name__ == "__main__":
    main()
