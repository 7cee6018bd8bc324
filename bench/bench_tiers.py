"""Review and JBP report of one brand over a large store (issue 7): 1M SKUs, 1M orders, 100k customers.

The catalog goes in through the real CSV import; orders (each with its quote), customers, CRM events,
stored 3D models and the brand's agreement are bulk-inserted the way the BOM and CRM areas store them.
Then one brand's quarterly review and its report (HTML, PDF, xlsx) are timed. Target: ≤ 5 s for the
review and report together. Sizes: JBP_BENCH_SCALE=full (the issue's) or small (a tenth).
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path

from bench import gen_catalog

SCALES = {"small": (100_000, 100_000, 10_000), "full": (1_000_000, 1_000_000, 100_000)}
TARGET_SECONDS = 5.0
FILE_SKUS = 250_000
BRAND, PERIOD, NOW = "KVT", "2026Q3", datetime(2026, 10, 8, 9)
FIRST_DAY, DAYS = datetime(2025, 1, 1), 730  # orders spread over 2025 and 2026

AGREEMENT = {
    "code": "JBP-KVT-2026", "brand": BRAND, "start": "2026-01-01", "end": "2026-12-31", "signed": "2025-12-20",
    "brand_signatory": "凯沃特 销售总监", "account_manager": "李娜",
    "commitments": {"committed_investment": "600万", "gmv": "40亿", "catalog_completeness": "90%"},
    "targets": {q: {"gmv": "9亿", "orders": 50_000, "active_buyers": 15_000, "new_buyers": 800,
                    "repeat_rate": "60%", "catalog_completeness": "92%", "model3d_coverage": "40%",
                    "bom_quotes": 60_000, "bom_conversion": "80%", "response_time": "4h"}
                for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4")},
    "initiatives": [{"title": "接触器参数补全", "owner": "王强", "status": "in_progress", "due": "2026-12-31"}],
}


def build_store(folder: Path, skus: int, orders: int, customers: int) -> tuple:
    """A workspace with the catalog imported and the BOM/CRM rows inserted; returns (workspace, timings)."""
    from jbp.catalog.definitions import define
    from jbp.catalog.importing import import_catalog
    from jbp.workspace import init_workspace

    timings = {}
    workspace = init_workspace(folder / "ws")
    definitions_text = gen_catalog.generate_definitions(40, 12, seed=1)
    definitions = folder / "definitions.toml"
    definitions.write_text(definitions_text, encoding="utf-8")
    define(workspace.store, definitions)
    started = time.perf_counter()
    products = gen_catalog.iter_products(skus, definitions_text, 1)
    for part in range(0, skus, FILE_SKUS):  # files stay under the importer's size limit
        catalog = folder / f"catalog-{part // FILE_SKUS}.csv"
        gen_catalog.write_csv(catalog, islice(products, FILE_SKUS), definitions_text)
        report = import_catalog(workspace.store, catalog)
        assert report.status == "committed", report.rejections[:3]
        catalog.unlink()
    timings["catalog generated and imported"] = time.perf_counter() - started
    started = time.perf_counter()
    _insert_activity(workspace.store, orders, customers)
    timings["orders, quotes, customers, events inserted"] = time.perf_counter() - started
    return workspace, timings


def _insert_activity(store, n_orders: int, n_customers: int) -> None:
    from sqlalchemy import select

    from jbp.store import catalog_rows, schema
    from jbp.tiers import agreement_from_table, record_agreements

    rng = random.Random(7)
    with store.transaction() as conn:
        brands = {code: key for key, code in conn.execute(select(schema.brands.c.id, schema.brands.c.code))}
        per_brand = {key: [f"{code}-C{i:06d}" for i in range(n_customers // len(brands))]
                     for code, key in brands.items()}
        customers = [(key, ref, f"客户 {ref}", "{}", "{}", FIRST_DAY + timedelta(days=rng.randrange(DAYS)),
                      NOW, "0" * 64) for key, refs in per_brand.items() for ref in refs]
        catalog_rows.bulk_insert(conn, schema.customers, ("brand_id", "external_id", "name", "consent", "opted_out",
                                                          "created_at", "updated_at", "content_hash"), customers)
        keys = list(brands.values())
        quotes, orders = [], []
        for number in range(1, n_orders + 1):
            key = keys[number % len(keys)]
            ref = rng.choice(per_brand[key])
            at = FIRST_DAY + timedelta(days=rng.randrange(DAYS), seconds=rng.randrange(86_400))
            total = Decimal(rng.randrange(500, 200_000))
            quotes.append((number, key, ref, f"{number:064d}", f"{number:064d}", "bom.xlsx", at, "ordered", "CNY",
                           total, 12, 11, 1, "{}"))
            orders.append((number, number, key, ref, at, "CNY", total, 11, "placed"))
        catalog_rows.bulk_insert(conn, schema.bom_quotes, (
            "id", "brand_id", "customer_ref", "content_hash", "result_hash", "source_name", "created_at", "status",
            "currency", "total", "lines_total", "lines_matched", "boards", "payload"), quotes)
        catalog_rows.bulk_insert(conn, schema.orders, ("id", "quote_id", "brand_id", "customer_ref", "created_at",
                                                       "currency", "total", "lines", "status"), orders)
        events = []
        for number in range(n_orders // 5):
            key = keys[number % len(keys)]
            at = FIRST_DAY + timedelta(days=rng.randrange(DAYS), seconds=rng.randrange(86_400))
            kind = ("message_sent", "message_sent", "message_clicked", "inquiry", "search")[number % 5]
            payload = json.dumps({"response_hours": rng.randrange(1, 12)} if kind == "inquiry" else {})
            events.append((f"bench:{number}", key, rng.choice(per_brand[key]), kind, at,
                           (at.date() - date(1970, 1, 1)).days, payload, at))
        catalog_rows.bulk_insert(conn, schema.events, ("id", "brand_id", "customer_ref", "kind", "at", "day",
                                                       "payload", "recorded_at"), events)
        product_ids = [r[0] for r in conn.execute(select(schema.products.c.id).where(
            schema.products.c.brand_id == brands[BRAND]))]
        model_id = conn.execute(schema.models3d.insert().values(
            sha256="a" * 64, format="step", original_name="kvt.step", size_bytes=1 << 20, facts={}, parts=[],
            glb_sha256="b" * 64, created_at=NOW)).inserted_primary_key[0]
        catalog_rows.bulk_insert(conn, schema.product_models, ("product_id", "model_id", "origin", "attached_at"),
                                 [(pid, model_id, "file", NOW) for pid in product_ids[::3]])
    record_agreements(store, [agreement_from_table(AGREEMENT, "bench")], datetime(2025, 12, 20))


def measure(workspace, folder: Path) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of the review and of review + report per format; CPU shows the work on a busy
    machine, where wall time also counts waiting for a core."""
    from jbp.tiers import build_report, review, write_report

    timings = {}
    wall, cpu = time.perf_counter(), time.process_time()
    result = review(workspace.store, BRAND, PERIOD, NOW)
    timings["review (cold cache)"] = (time.perf_counter() - wall, time.process_time() - cpu)
    assert result.actuals.values["orders"], "the bench brand has no orders in the period"
    wall, cpu = time.perf_counter(), time.process_time()
    review(workspace.store, BRAND, PERIOD, NOW)
    timings["review"] = (time.perf_counter() - wall, time.process_time() - cpu)
    for fmt in ("html", "pdf", "xlsx"):
        wall, cpu = time.perf_counter(), time.process_time()
        report = build_report(workspace.store, BRAND, PERIOD, NOW, "zh")
        write_report(report, folder / f"report.{fmt}")
        timings[f"review + report {fmt}"] = (time.perf_counter() - wall, time.process_time() - cpu)
    print(f"brand {BRAND}: {result.catalog.skus:,} SKUs, {result.actuals.values['orders']:,} orders in {PERIOD}")
    return timings


def main() -> None:
    skus, orders, customers = SCALES[os.environ.get("JBP_BENCH_SCALE", "small")]
    print(f"store: {skus:,} SKUs, {orders:,} orders (each with its quote), {customers:,} customers, "
          f"{orders // 5:,} CRM events; brand {BRAND} (1 of 5), period {PERIOD}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workspace, setup = build_store(folder, skus, orders, customers)
        for name, seconds in setup.items():
            print(f"setup: {name:45} {seconds:8.1f} s")
        for name, (wall, cpu) in measure(workspace, folder).items():
            verdict = f"  target ≤ {TARGET_SECONDS:.0f} s: " + ("PASS" if wall <= TARGET_SECONDS else "FAIL")
            print(f"{name:30} {wall:6.2f} s (CPU {cpu:5.2f} s){verdict if 'report' in name else ''}")
        workspace.store.close()


if __name__ == "__main__":
    main()
