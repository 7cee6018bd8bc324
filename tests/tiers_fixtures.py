"""Brands with agreements, orders, quotes, customers and CRM events, built in code for the tiers tests.

Orders, quotes, customers and events belong to the BOM and CRM areas; these helpers insert rows the way
those areas store them (the columns tiers reads), so the review can be tested on its own.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from catalog_fixtures import DEFINITIONS, write_csv
from sqlalchemy import insert, select

from jbp.catalog.definitions import define
from jbp.catalog.importing import import_catalog
from jbp.cli.main import main
from jbp.store import schema
from jbp.workspace import Workspace

AGREEMENT = """
code = "JBP-CHNT-2026"
brand = "CHNT"
start = 2026-07-01
end = 2027-06-30
signed = 2026-06-18
brand_signatory = "王强"
account_manager = "李娜"

[commitments]
committed_investment = "600万元"
gmv = "8000万"
catalog_completeness = "95%"

[targets.2026Q3]
gmv = "180万"
orders = 40
active_buyers = 20
new_buyers = 5
repeat_rate = "35%"
catalog_completeness = "92%"
bom_quotes = 60
bom_conversion = "50%"
response_time = "4h"

[targets.2026Q4]
gmv = "220万"
orders = 50

[[pledges]]
party = "platform"
text = "首页“工业品牌周”专区资源位 2 个"
quarter = "2026Q4"

[[pledges]]
party = "brand"
text = "补齐接触器全系 3D 模型"

[[initiatives]]
title = "接触器参数补全"
owner = "王强"
status = "in_progress"
due = 2026-09-30

[[initiatives]]
title = "BOM 一键下单培训"
owner = "李娜"
status = "blocked"
"""

HEADERS = ["货号", "品牌", "型号", "分类", "名称", "额定电流", "线圈电压", "极数", "单价", "图片", "3D模型"]


def catalog_workspace(workspace: Workspace, tmp_path: Path) -> Workspace:
    """CHNT and DELIXI with a few contactors each; CHNT's have prices, images and (half of them) 3D models."""
    definitions = tmp_path / "definitions.toml"
    definitions.write_text(DEFINITIONS, encoding="utf-8")
    define(workspace.store, definitions)
    rows = [[f"NXC-{i:02d}", "CHNT", f"NXC-{i:02d}", "contactor", f"交流接触器 NXC-{i:02d}", f"{9 + i}A",
             "AC220V" if i % 4 else "", "3P", "85.50", f"https://img.example/{i}.jpg",
             f"https://cad.example/{i}.step" if i % 2 else ""] for i in range(8)]
    rows += [[f"CJX2-{i:02d}", "DELIXI", f"CJX2-{i:02d}", "contactor", f"交流接触器 CJX2-{i:02d}", f"{12 + i}A",
              "AC380V", "3P", "", "", ""] for i in range(4)]
    path = tmp_path / "catalog.csv"
    write_csv(path, rows, HEADERS, encoding="utf-8", title=False)
    report = import_catalog(workspace.store, path)
    assert report.status == "committed", report.rejections[:3]
    attach_models(workspace, [f"NXC-{i:02d}" for i in range(1, 8, 2)])
    return workspace


def attach_models(workspace: Workspace, skus: list[str]) -> None:
    """Give these SKUs a stored 3D model, as `jbp model add` does (one shared model file)."""
    now = datetime(2026, 6, 1)
    with workspace.store.transaction() as conn:
        model_id = conn.execute(insert(schema.models3d).values(
            sha256="a" * 64, format="step", original_name="nxc.step", size_bytes=1024, facts={}, parts=[],
            glb_sha256="b" * 64, created_at=now)).inserted_primary_key[0]
        for (product_id,) in conn.execute(select(schema.products.c.id).where(schema.products.c.sku.in_(skus))):
            conn.execute(insert(schema.product_models).values(product_id=product_id, model_id=model_id,
                                                              origin="file", attached_at=now))


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `jbp ARGV` as the shell would (errors become exit codes); returns (exit code, stdout, stderr)."""
    try:
        main(list(argv))
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def brand_id(workspace: Workspace, code: str) -> int:
    with workspace.store.reading() as conn:
        return conn.execute(select(schema.brands.c.id).where(schema.brands.c.code == code)).scalar_one()


def add_orders(workspace: Workspace, brand: str, orders: list[tuple[str | None, datetime, Decimal]],
               currency: str = "CNY", status: str = "placed") -> None:
    """One quote and one order per (customer_ref, created_at, total)."""
    brand_key = brand_id(workspace, brand)
    with workspace.store.transaction() as conn:
        for customer_ref, created_at, total in orders:
            quote_id = add_quote(conn, brand_key, customer_ref, created_at, total, currency, "ordered")
            conn.execute(insert(schema.orders).values(
                quote_id=quote_id, brand_id=brand_key, customer_ref=customer_ref, created_at=created_at,
                currency=currency, total=total, lines=3, status=status))


def add_quote(conn, brand_key: int, customer_ref: str | None, created_at: datetime, total: Decimal,
              currency: str = "CNY", status: str = "quoted") -> int:
    digest = f"{brand_key}-{customer_ref}-{created_at.isoformat()}-{total}-{random.random()}"  # noqa: S311
    return conn.execute(insert(schema.bom_quotes).values(
        brand_id=brand_key, customer_ref=customer_ref, content_hash=digest[:64], result_hash=digest[:64],
        source_name="bom.xlsx", created_at=created_at, status=status, currency=currency, total=total,
        lines_total=3, lines_matched=3, boards=1, payload={})).inserted_primary_key[0]


def add_quotes(workspace: Workspace, brand: str, moments: list[datetime]) -> None:
    brand_key = brand_id(workspace, brand)
    with workspace.store.transaction() as conn:
        for moment in moments:
            add_quote(conn, brand_key, "C-QUOTE", moment, Decimal("1000"))


def add_customers(workspace: Workspace, brand: str, refs: list[tuple[str, datetime]]) -> None:
    brand_key = brand_id(workspace, brand)
    with workspace.store.transaction() as conn:
        for external_id, created_at in refs:
            conn.execute(insert(schema.customers).values(
                brand_id=brand_key, external_id=external_id, name=f"客户 {external_id}", consent={}, opted_out={},
                created_at=created_at, updated_at=created_at, content_hash="0" * 64))


def add_events(workspace: Workspace, brand: str, events: list[tuple[str, datetime, dict]]) -> None:
    """(kind, at, payload) events of an unknown customer ref (customer_id left empty)."""
    brand_key = brand_id(workspace, brand)
    with workspace.store.transaction() as conn:
        for number, (kind, at, payload) in enumerate(events):
            conn.execute(insert(schema.events).values(
                id=f"test:{brand}:{kind}:{at.isoformat()}:{number}", brand_id=brand_key, customer_ref="C-EVENT",
                kind=kind, at=at, day=(at.date() - date(1970, 1, 1)).days, payload=payload, recorded_at=at))


def quarter_of_orders(start: datetime, buyers: int, orders_each: int, total: Decimal) -> list:
    """`buyers` buyers ordering `orders_each` times, a day apart, from `start`."""
    return [(f"C{b:03d}", start + timedelta(days=b, hours=o), total) for b in range(buyers) for o in range(orders_each)]
