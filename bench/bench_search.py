"""Full-text search at scale: index build time and size, warm library-call latency per kind of query, for
the default engine (SQLite FTS5 in the store) and whoosh side by side.

Targets (issue 3, 2-core machine, SQLite store): text search median ≤ 10 ms and p95 ≤ 50 ms for words,
zh words and part-number fragments; `jbp --help` ≤ 0.3 s. JBP_BENCH_SCALE=small (default) is 20k SKUs
for both engines; medium is 200k for both; full is 1M SKUs for FTS5 and 200k for the side-by-side
comparison with whoosh (whoosh needs minutes to index 200k). 40 categories × 12 parameters; the
workspaces are the bulk-loaded ones of bench_select (bench/out/select-<skus>/), reused between runs.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

from bench import gen_catalog
from bench.bench_select import CATEGORIES, PARAMS, SEED, percentile, prepared_workspace, report, timed
from jbp.catalog.models import normalise_part_number
from jbp.catalog.textsearch import SearchIndex, search
from jbp.workspace import Workspace

SCALES = {"small": (20_000, 20_000), "medium": (200_000, 200_000), "full": (1_000_000, 200_000)}
PER_KIND = 60  # queries of each kind
SAMPLES = 400  # generated products the queries are drawn from


def sample_products(skus: int) -> list[gen_catalog.SyntheticProduct]:
    """Products spread over the whole catalog, as generated (and bulk-loaded) with the same seed."""
    definitions = gen_catalog.generate_definitions(CATEGORIES, PARAMS, SEED)
    step = max(1, skus // SAMPLES)
    return list(islice(gen_catalog.iter_products(skus, definitions, SEED), 0, skus, step))


def query_kinds(products: list[gen_catalog.SyntheticProduct]) -> dict[str, list[tuple[str, dict]]]:
    """(query, filters) per kind of query, drawn from real products of the catalog."""
    from jbp.catalog.textsearch.documents import query_tokens

    rng = random.Random(SEED)
    brands = {code: (zh, en) for code, zh, en in gen_catalog.BRANDS}

    def zh_word(p) -> str:  # a word of the category's Chinese name, as jieba splits it (接触器 of 交流接触器)
        words = [t for t in query_tokens(p.name_zh.split(" ")[0]) if len(t) >= 2]
        return rng.choice(words or [p.name_zh.split(" ")[0]])

    def value(p) -> str:
        return next(iter(p.params.values())).source if p.params else ""

    def typo(mpn: str) -> str:
        folded = normalise_part_number(mpn)
        at = rng.randrange(1, len(folded) - 1)
        return folded[:at] + folded[at + 1] + folded[at] + folded[at + 2:]

    picks = [rng.choice(products) for _ in range(PER_KIND)]
    return {
        "words (en)": [(rng.choice([p.name_en.rsplit(" ", 1)[0], p.name_en.split(" ")[-2],
                                    f"{brands[p.brand][1].split(' ')[0]} {p.name_en.split(' ')[0]}"]), {})
                       for p in picks],
        "words (zh)": [(rng.choice([zh_word(p), brands[p.brand][0], f"{zh_word(p)} {value(p)}",
                                    p.name_zh.split(" ")[0]]), {}) for p in picks],
        "part-number prefix": [(p.mpn[:rng.randint(4, 7)].lower(), {}) for p in picks],
        "part-number fragment": [(normalise_part_number(p.mpn)[2:rng.randint(6, 8)].lower(), {}) for p in picks],
        "exact MPN/SKU as typed": [(rng.choice([p.mpn.lower().replace("-", " "), p.sku.lower()]), {})
                                   for p in picks],
        "zh word + category filter": [(zh_word(p), {"category": p.category}) for p in picks],
        "mistyped part number": [(typo(p.mpn), {}) for p in picks],
    }


def latencies(workspace: Workspace, engine: str, kinds: dict[str, list[tuple[str, dict]]]) -> dict[str, dict]:
    """Per kind, wall and CPU milliseconds of each query, warm (every query ran once before). CPU time
    shows the cost apart from other processes competing for the machine."""
    for queries in kinds.values():
        for query, filters in queries:
            search(workspace, query, engine=engine, **filters)
    times: dict[str, dict] = {}
    for kind, queries in kinds.items():
        wall, cpu = [], []
        for query, filters in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            search(workspace, query, engine=engine, **filters)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        times[kind] = {"wall": wall, "cpu": cpu}
    return times


def measure(workspace: Workspace, engine: str, skus: int) -> dict[str, dict]:
    started_cpu = time.process_time()
    built = SearchIndex(workspace, engine).rebuild()
    print(f"\n{engine} at {skus:,} SKUs ({built['location']}):")
    report("index build", built["seconds"], "s")
    report("index build, CPU time of this process", time.process_time() - started_cpu, "s")
    if built.get("size_bytes") is not None:
        report("index size on disk", built["size_bytes"] / 2**20, "MB")
    kinds = query_kinds(sample_products(skus))
    times = latencies(workspace, engine, kinds)
    targeted = {"words (en)", "words (zh)", "part-number prefix", "part-number fragment"}
    for kind, measured in times.items():
        wall, cpu = measured["wall"], measured["cpu"]
        median, p95 = statistics.median(wall), percentile(wall, 0.95)
        if kind in targeted:
            report(f"{kind}, median", median, "ms", "≤ 10 ms", median <= 10)
            report(f"{kind}, p95", p95, "ms", "≤ 50 ms", p95 <= 50)
        else:
            report(f"{kind}, median", median, "ms")
            report(f"{kind}, p95", p95, "ms")
        report(f"{kind}, CPU time median", statistics.median(cpu), "ms")
        report(f"{kind}, CPU time p95", percentile(cpu, 0.95), "ms")
    hits = [len(search(workspace, q, engine=engine, **f).hits) for q, f in kinds["words (zh)"]]
    print(f"  (zh word queries return {statistics.median(hits):.0f} hits at the median, limit 20)")
    return times


def command_figures() -> None:
    """`jbp --help` and jieba's start-up, each in fresh processes."""
    jbp = Path(sys.executable).with_name("jbp")
    helps = [timed(lambda: subprocess.run([str(jbp), "--help"], check=True, capture_output=True)) for _ in range(5)]
    report("`jbp --help`, best of 5", min(helps), "s", "≤ 0.3 s", min(helps) <= 0.3)
    probe = ("import time; s = time.perf_counter(); from jbp.catalog.textsearch.documents import query_tokens; "
             "query_tokens('电阻'); print(time.perf_counter() - s)")
    loads = [float(subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
                   .stdout) for _ in range(3)]
    report("jieba import + initialise (first Chinese query)", statistics.median(loads), "s")


def main() -> None:
    scale = os.environ.get("JBP_BENCH_SCALE", "small")
    default_skus, compared_skus = SCALES[scale]
    print(f"scale {scale}: FTS5 at {default_skus:,} SKUs, FTS5 and whoosh side by side at {compared_skus:,} SKUs; "
          f"{CATEGORIES} categories × {PARAMS} parameters, SQLite store, warm library calls, {PER_KIND} queries "
          "per kind")
    command_figures()
    started = time.perf_counter()
    workspace = prepared_workspace(default_skus)
    print(f"catalog ready in {time.perf_counter() - started:.0f} s")
    fts5 = measure(workspace, "fts5", default_skus)
    if compared_skus != default_skus:
        workspace = prepared_workspace(compared_skus)
        fts5 = measure(workspace, "fts5", compared_skus)
    whoosh = measure(workspace, "whoosh", compared_skus)
    print(f"\nside by side at {compared_skus:,} SKUs, wall median / p95 (CPU median) in ms:")
    print(f"{'kind of query':28} {'fts5':>26} {'whoosh':>26}")
    for kind in fts5:
        cells = [f"{statistics.median(t[kind]['wall']):7.2f} / {percentile(t[kind]['wall'], 0.95):7.2f} "
                 f"({statistics.median(t[kind]['cpu']):6.2f})" for t in (fts5, whoosh)]
        print(f"{kind:28} {cells[0]:>26} {cells[1]:>26}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
