"""CRM test data built in code: brands, signed tiers, customer and event files, and seeded random shops."""

from __future__ import annotations

import csv
import json
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from jbp.catalog.definitions import define
from jbp.crm.customers import import_customers
from jbp.crm.events import import_events
from jbp.tiers import agreement_from_table, record_agreements
from jbp.workspace import Workspace

BRANDS = """
[[brands]]
code = "CHNT"
name_zh = "正泰"
name_en = "CHINT"

[[brands]]
code = "DELIXI"
name_zh = "德力西"
name_en = "DELIXI"
"""

REGIONS = ["华东", "华南", "华北", "西南", None]
INDUSTRIES = ["电力", "机械", "自动化", "MRO", None]
CATEGORIES = ["MRO", "breaker", "contactor", "bearing", None]
NAMES = ["上海华通电气有限公司", "深圳精密机械配件有限公司", "北京精工自动化", "Suzhou Precision Tools", "ABB 上海",
         "杭州新能电力工程有限公司", "天津港机维修服务", "宁波轴承贸易"]
KINDS = ["order", "order", "quote", "search", "search", "bom_upload", "inquiry", "message_sent", "message_clicked"]


def crm_workspace(workspace: Workspace, tmp_path: Path) -> Workspace:
    """CHNT and DELIXI declared; no customers yet."""
    path = tmp_path / "brands.toml"
    path.write_text(BRANDS, encoding="utf-8")
    define(workspace.store, path)
    return workspace


def sign(workspace: Workspace, brand: str = "CHNT", on: date = date(2026, 1, 1)) -> None:
    """An agreement that puts `brand` at the follower tier (20,000 marketing messages a month)."""
    record_agreements(workspace.store, [agreement_from_table({
        "code": f"JBP-{brand}", "brand": brand, "start": on, "end": on.replace(year=on.year + 1),
        "signed": on - timedelta(days=10), "commitments": {"committed_investment": "200万", "gmv": "2000万",
                                                            "catalog_completeness": "80%"}}, "test")],
                      datetime.combine(on, datetime.min.time()))


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records), encoding="utf-8")
    return path


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def random_shop(seed: int, customers: int = 50, events: int = 900, start: date = date(2025, 1, 1),
                days: int = 420) -> tuple[list[dict], list[dict]]:
    """(customer records, event records) of a seeded random shop: bilingual fields, gaps, every event kind."""
    rng = random.Random(seed)
    people = []
    for i in range(customers):
        people.append({
            "customer": f"R{seed}-{i:03d}", "name": f"{rng.choice(NAMES)}{i}", "region": rng.choice(REGIONS),
            "industry": rng.choice(INDUSTRIES), "size": rng.choice(["small", "medium", "large", None]),
            "created_at": (start + timedelta(days=rng.randrange(-200, days))).isoformat(),
            "consent": rng.choice([["sms"], ["sms", "email"], [], ["wecom"]]),
            "phone": f"139{rng.randrange(10**8):08d}", "discount_pct": rng.choice([None, "5", "12.5"])})
    happenings = []
    for n in range(events):
        kind = rng.choice(KINDS)
        day = start + timedelta(days=int(rng.triangular(0, days, days * 0.8)))
        record = {"id": f"ev{seed}-{n}", "customer": f"R{seed}-{rng.randrange(customers):03d}", "kind": kind,
                  "at": datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randrange(1440))}
        if kind in ("order", "quote"):
            record["amount"] = str(Decimal(rng.randrange(100, 9_000_000)) / 100)
        if kind == "order" and (category := rng.choice(CATEGORIES)):
            record["category"] = category
        happenings.append(record)
    return [{k: v for k, v in p.items() if v is not None} for p in people], happenings


def load_shop(workspace: Workspace, tmp_path: Path, brand: str, people: list[dict], happenings: list[dict],
              now: datetime) -> None:
    import_customers(workspace.store, write_jsonl(tmp_path / f"{brand}-customers.jsonl", people), now, brand=brand)
    import_events(workspace.store, write_jsonl(tmp_path / f"{brand}-events.jsonl", happenings), now, brand=brand)
