"""Substitution latency: `substitutes(...)` for one part on a generated catalog, warm (this process has
already read each category once), as issue 4 measures it: median ≤ 30 ms, p95 ≤ 100 ms at 1M SKUs.

Sizes by JBP_BENCH_SCALE: "small" 100k SKUs, "full" 1M SKUs (40 categories × 12 parameters). The catalog is
generated and imported once into bench/out/substitute-<N>/ (importing 1M SKUs takes about 20 minutes on
two cores) and reused afterwards, migrated when the schema has moved on. Parts asked for: 60 % our SKUs,
20 % our MPNs typed differently (lower case, no separators), 20 % competitor parts known by cross-reference.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import statistics
import time
from itertools import islice
from pathlib import Path

from bench import gen_catalog

SCALES = {"small": 100_000, "full": 1_000_000}
CHUNK = 200_000  # products per CSV file, well under the importer's 256 MB limit
QUERIES = 400
CROSS_REFERENCES = 2_000
OUT = Path(__file__).resolve().parent / "out"


def build(folder: Path, skus: int):
    """The benchmark workspace: reused (migrated to this schema) when complete, else generated and imported."""
    from jbp.catalog.definitions import define
    from jbp.catalog.importing import import_catalog
    from jbp.catalog.substitution import import_xrefs
    from jbp.store import Store
    from jbp.workspace import init_workspace, load_workspace

    marker = folder / "ready.json"
    if marker.exists() and json.loads(marker.read_text()).get("skus") == skus:
        workspace = load_workspace(folder)
        store = Store(workspace.db_url)
        steps = store.upgrade()  # a workspace left by an older jbp is migrated, as a user's would be
        store.close()
        print(f"workspace: {folder} (reused{', migrated: ' + '; '.join(steps) if steps else ''})")
        return workspace
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    workspace = init_workspace(folder)
    definitions = gen_catalog.generate_definitions(40, 12, seed=1)
    (folder / "definitions.toml").write_text(definitions, encoding="utf-8")
    define(workspace.store, folder / "definitions.toml")
    products = gen_catalog.iter_products(skus, definitions, seed=1)
    for number in range(0, skus, CHUNK):
        path = folder / f"catalog-{number // CHUNK}.csv"
        gen_catalog.write_csv(path, islice(products, CHUNK), definitions)
        report = import_catalog(workspace.store, path)
        assert report.status == "committed", report.rejections[:3]
        path.unlink()
        print(f"  imported {min(number + CHUNK, skus):,} SKUs ({time.perf_counter() - started:.0f} s)", flush=True)
    xrefs = folder / "xref.csv"
    write_cross_references(workspace, xrefs)
    assert import_xrefs(workspace.store, xrefs).status == "committed"
    marker.write_text(json.dumps({"skus": skus}))
    print(f"workspace: {folder} built in {time.perf_counter() - started:.0f} s")
    return workspace


def write_cross_references(workspace, path: Path) -> None:
    """Competitor parts `LC1-nnnnn` of 施耐德, each cross-referenced to one random SKU of ours."""
    with workspace.store.reading() as conn:
        rows = _sample(conn, CROSS_REFERENCES, seed=7)
    grades = ("直接替代", "功能替代", "相似")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["竞品品牌", "竞品型号", "我方品牌", "我方货号", "替代等级", "备注"])
        for number, (brand, sku, _mpn) in enumerate(rows):
            writer.writerow(["施耐德", f"LC1-{number:05d}", brand, sku, grades[number % 3], ""])


def _sample(conn, count: int, seed: int) -> list[tuple[str, str, str]]:
    """`count` products picked uniformly by id: (brand code, SKU, MPN)."""
    from sqlalchemy import func, select

    from jbp.store import schema

    products, brands = schema.products, schema.brands
    top = conn.execute(select(func.max(products.c.id))).scalar()
    ids = random.Random(seed).sample(range(1, top + 1), count)
    rows = conn.execute(select(brands.c.code, products.c.sku, products.c.mpn)
                        .join(brands, brands.c.id == products.c.brand_id).where(products.c.id.in_(ids)))
    return [tuple(row) for row in rows]


def queries(workspace) -> list[dict]:
    """The parts asked for, as keyword arguments of `substitutes`."""
    rng = random.Random(11)
    with workspace.store.reading() as conn:
        picked = _sample(conn, QUERIES, seed=3)
    asked = []
    for number, (brand, sku, mpn) in enumerate(picked):
        roll = rng.random()
        if roll < 0.6:
            asked.append({"part": sku, "brand": brand})
        elif roll < 0.8:
            asked.append({"part": mpn.lower().replace("-", "").replace("/", ""), "brand": brand})
        else:
            asked.append({"part": f"lc1 {number % CROSS_REFERENCES:05d}", "brand": "Schneider"})
    return asked


def main() -> int:
    from jbp.catalog.substitution import substitutes

    skus = SCALES[os.environ.get("JBP_BENCH_SCALE", "small")]
    workspace = build(OUT / f"substitute-{skus}", skus)
    store = workspace.store
    asked = queries(workspace)
    cold = []
    for kwargs in asked:  # first pass: every category read once into the per-process cache
        started = time.perf_counter()
        substitutes(store, qty=100, **kwargs)
        cold.append(time.perf_counter() - started)
    warm, found = [], 0
    for kwargs in asked:
        started = time.perf_counter()
        result = substitutes(store, qty=100, **kwargs)
        warm.append(time.perf_counter() - started)
        found += len(result.substitutes)
    warm_ms = sorted(t * 1000 for t in warm)
    median, p95 = statistics.median(warm_ms), warm_ms[int(0.95 * len(warm_ms)) - 1]
    print(f"{skus:,} SKUs, 40 categories × 12 parameters, SQLite; {len(asked)} parts, "
          f"{found / len(asked):.1f} substitutes each")
    print(f"substitute first call (category read)  max {max(cold) * 1000:8.1f} ms  (informative)")
    print(f"substitute warm median {median:8.1f} ms  target ≤ 30 ms   {'PASS' if median <= 30 else 'FAIL'}")
    print(f"substitute warm p95    {p95:8.1f} ms  target ≤ 100 ms  {'PASS' if p95 <= 100 else 'FAIL'}")
    print(f"substitute warm max    {warm_ms[-1]:8.1f} ms  (informative)")
    return 0 if median <= 30 and p95 <= 100 else 1


if __name__ == "__main__":
    raise SystemExit(main())
