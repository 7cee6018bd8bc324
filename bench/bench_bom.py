"""BOM quoting at scale: a generated BOM quoted end to end (read, match, price, store, write xlsx) with
per-stage times, and the match quality of the same BOM, whose lines are catalog parts written the way
buyers write them.

Targets (issue 6, 2-core machine, SQLite store): a 5,000-line BOM against the 1M-SKU generated catalog
in ≤ 5 s end to end (warm: the part-number index built); ≥ 97 % of lines matched to the right SKU and
≤ 0.5 % matched to a wrong one (an honest `ambiguous` is better than a wrong match).
JBP_BENCH_SCALE=small (default): 50k SKUs, 2,000 lines; full: 1M SKUs, 5,000 lines.

The catalog is bench/bench_select.py's generated workspace (40 categories × 12 parameters), copied once
into bench/out/bom-<skus>/ so that quotes and the tier program set here stay out of it.

Corruptions, one per line (weights): as written 26, lower case 10, other separators 12, full-width 5,
packaging suffix 12, no maker 10, our SKU instead of the MPN 8, one typo 10, description only 5; the maker
is written as the brand's code, Chinese or English name, and most lines carry the catalog description.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.bench_select import report

SCALES = {"small": (50_000, 2_000), "full": (1_000_000, 5_000)}
SEED = 6
NOW = datetime(2026, 11, 20, 9, 0)
OUT = Path(__file__).resolve().parent / "out"
WEIGHTS = {"as_written": 26, "lower_case": 10, "separators": 12, "full_width": 5, "packaging": 12, "no_maker": 10,
           "our_sku": 8, "typo": 10, "description_only": 5}
SUFFIXES = ("-TR", "/TR", "#PBF", "-REEL7", "-ND", " T&R")


def bom_workspace(skus: int):
    """bench_select's catalog workspace, copied (SQLite backup API) into our own folder once."""
    from bench.bench_select import prepared_workspace
    from jbp.store import Store
    from jbp.workspace import init_workspace, load_workspace

    folder = OUT / f"bom-{skus}"
    source = prepared_workspace(skus)
    marker = folder / "copied.json"
    if marker.exists() and json.loads(marker.read_text()) == {"from": str(source.root), "skus": skus}:
        workspace = load_workspace(folder / "ws")
    else:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        workspace = init_workspace(folder / "ws")
        target = workspace.db_url.removeprefix("sqlite:///")
        started = time.perf_counter()
        with sqlite3.connect(source.db_url.removeprefix("sqlite:///")) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        if (source.index_dir / "selection").is_dir():  # derived, but minutes to rebuild at 1M SKUs
            shutil.copytree(source.index_dir / "selection", workspace.index_dir / "selection")
        print(f"copied the {skus:,}-SKU catalog in {time.perf_counter() - started:.0f} s", flush=True)
        unlimited_quotes(workspace)
        marker.write_text(json.dumps({"from": str(source.root), "skus": skus}))
    Store(workspace.db_url).upgrade()
    return workspace


def unlimited_quotes(workspace) -> None:
    """The default tier program, BOM quotes unlimited: the bench quotes more than an unsigned brand's 20 a month."""
    from jbp.tiers import use_program
    from jbp.tiers.program import DEFAULT_PROGRAM

    program = workspace.root / "program.toml"
    program.write_text(DEFAULT_PROGRAM.read_text(encoding="utf-8").replace("bom_ordering = 20\n",
                                                                          'bom_ordering = "unlimited"\n'))
    use_program(workspace.store, program, datetime(2026, 1, 1), "bench")


# ------------------------------------------------------------------------------------------- the BOM


def sample_parts(workspace, lines: int, rng: random.Random) -> tuple[str, list[dict]]:
    """`lines` distinct parts of the brand with the most products: SKU, MPN, names, description, values."""
    from jbp.catalog.definitions import load_definitions
    from jbp.store import schema

    products = schema.products
    with workspace.store.reading() as conn:
        definitions = load_definitions(conn)
        brand_id, _ = conn.execute(select(products.c.brand_id, func.count()).group_by(products.c.brand_id)
                                   .order_by(func.count().desc())).first()
        ids = [r[0] for r in conn.execute(select(products.c.id).where(products.c.brand_id == brand_id))]
        chosen = rng.sample(ids, lines)
        rows = {}
        for start in range(0, lines, 500):
            for row in conn.execute(select(products).where(products.c.id.in_(chosen[start:start + 500]))):
                rows[row.id] = dict(row._mapping)
        sources: dict[int, list[str]] = {}
        values = schema.param_values
        for start in range(0, lines, 500):
            for product_id, source in conn.execute(select(values.c.product_id, values.c.source)
                                                   .where(values.c.product_id.in_(chosen[start:start + 500]))):
                sources.setdefault(product_id, []).append(source)
    brand_code = next(code for code, i in definitions.brand_ids.items() if i == brand_id)
    brand = definitions.brands[brand_code]
    categories = {i: definitions.categories[code] for code, i in definitions.category_ids.items()}
    parts = []
    for product_id in chosen:
        row = rows[product_id]
        category = categories[row["category_id"]]
        parts.append({**row, "category_name": category.name_zh, "values": sources.get(product_id, []),
                      "makers": [n for n in (brand.code, brand.name_zh, brand.name_en) if n]})
    return brand_code, parts


def corrupt(part: dict, kind: str, rng: random.Random) -> list:
    """One BOM row (序号 filled by the caller): 物料编码, 名称, 规格型号, 品牌, 数量, 描述."""
    mpn, maker = part["mpn"], rng.choice(part["makers"])
    code, description = None, part["description"] if rng.random() < 0.8 else None
    if kind == "lower_case":
        mpn = mpn.lower()
    elif kind == "separators":
        mpn = "".join(rng.choice(("", " ", "-", ".")) if ch in "-/ ." else ch for ch in mpn)
    elif kind == "full_width":
        mpn = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in mpn)
    elif kind == "packaging":
        mpn += rng.choice(SUFFIXES)
    elif kind == "no_maker":
        maker = None
    elif kind == "our_sku":
        code, mpn = part["sku"], None
    elif kind == "typo":
        mpn = typo(mpn, rng)
    elif kind == "description_only":
        mpn, maker, description = None, None, " ".join([part["category_name"], *part["values"]])
    return [code, part["category_name"], mpn, maker, rng.randint(1, 20), description]


def typo(text: str, rng: random.Random) -> str:
    """One slip of the fingers: a character dropped, doubled, swapped with its neighbour, or mistyped."""
    positions = [i for i, ch in enumerate(text) if ch.isalnum()]
    i = rng.choice(positions)
    slip = rng.choice(("drop", "double", "swap", "replace"))
    if slip == "drop":
        return text[:i] + text[i + 1:]
    if slip == "double":
        return text[:i] + text[i] + text[i:]
    if slip == "swap" and i + 1 < len(text) and text[i + 1] != text[i]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    pool = "0123456789" if text[i].isdigit() else "ABCDEFGHJKLMNPRSTUVWXYZ"
    return text[:i] + rng.choice([c for c in pool if c != text[i].upper()]) + text[i + 1:]


def write_bom(path: Path, parts: list[dict], rng: random.Random) -> list[tuple[str, str]]:
    """The BOM workbook; returns (corruption, true SKU) per line."""
    from openpyxl import Workbook

    kinds = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()), k=len(parts))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("BOM")
    sheet.append(["设备物料清单 (bench)"])
    sheet.append(["序号", "物料编码", "名称", "规格型号", "品牌", "数量", "描述"])
    for number, (part, kind) in enumerate(zip(parts, kinds, strict=True), start=1):
        sheet.append([number, *corrupt(part, kind, rng)])
    workbook.save(path)
    return [(kind, part["sku"]) for kind, part in zip(kinds, parts, strict=True)]


# ------------------------------------------------------------------------------------------- measuring


def identified(line) -> str | None:
    """The SKU a line was matched to, before any substitute for stock or lifecycle replaced it (an obsolete
    part with no substitute is identified, then not found: the match was right, the part cannot be sold)."""
    match = line.match
    if match.status in ("substituted", "not_found") and match.original and match.original.get("sku"):
        return match.original["sku"]
    return match.product["sku"] if match.status in ("matched", "substituted") and match.product else None


def quality(quote, truth: list[tuple[str, str]]) -> None:
    outcomes: dict[str, Counter] = {}
    for line, (kind, sku) in zip(quote.lines, truth, strict=True):
        found = identified(line)
        outcome = "right" if found == sku else "wrong" if found else line.match.status
        outcomes.setdefault(kind, Counter())[outcome] += 1
    total = Counter()
    for counts in outcomes.values():
        total.update(counts)
    lines = sum(total.values())
    print(f"\nmatch quality over {lines:,} lines (right / wrong / ambiguous / not found / invalid):")
    for kind in WEIGHTS:
        counts = outcomes.get(kind, Counter())
        size = sum(counts.values()) or 1
        print(f"  {kind:18} {size:5}  " + "  ".join(
            f"{counts[o] / size:6.1%}" for o in ("right", "wrong", "ambiguous", "not_found", "invalid")))
    report("lines matched to the right SKU", 100 * total["right"] / lines, "%", "≥ 97", total["right"] / lines >= 0.97)
    report("lines matched to a wrong SKU", 100 * total["wrong"] / lines, "%", "≤ 0.5", total["wrong"] / lines <= 0.005)
    report("lines left ambiguous", 100 * total["ambiguous"] / lines, "%")
    report("lines not found", 100 * total["not_found"] / lines, "%")


def index_lookups(workspace, brand: str, parts: list[dict], rng: random.Random) -> None:
    """The part-number index alone: exact lookups of every part's MPN, and near() for a typo of each."""
    from jbp.bom.partnumber_index import load_index
    from jbp.catalog.definitions import load_definitions
    from jbp.catalog.models import normalise_part_number

    with workspace.store.reading() as conn:
        index = load_index(conn, workspace.index_dir, workspace.store.url)
        brand_id = load_definitions(conn).brand_ids[brand]
    folded = [normalise_part_number(p["mpn"]) for p in parts]
    started = time.perf_counter()
    index.exact(folded)
    exact = time.perf_counter() - started
    typos = [normalise_part_number(typo(p["mpn"], rng)) for p in parts[:500]]
    started = time.perf_counter()
    for text in typos:
        index.near(text, brand_id)
    near = (time.perf_counter() - started) / len(typos)
    report(f"index: {len(folded):,} exact part-number lookups", exact * 1000, "ms")
    report("index: near() for one mistyped part number", near * 1000, "ms")


def main() -> int:
    from jbp.bom import QuoteOptions, quote_bom, write_quote_xlsx

    skus, lines = SCALES[os.environ.get("JBP_BENCH_SCALE", "small")]
    workspace = bom_workspace(skus)
    rng = random.Random(SEED)
    brand, parts = sample_parts(workspace, lines, rng)
    folder = OUT / f"bom-{skus}"
    bom = folder / f"bom-{lines}.xlsx"
    truth = write_bom(bom, parts, rng)
    print(f"{skus:,}-SKU catalog; a {lines:,}-line BOM of {brand} parts")
    shutil.rmtree(workspace.index_dir / "bom", ignore_errors=True)
    runs = []
    for boards in range(1, 5):  # the first run builds the part-number index; boards make each quote new
        started, cpu = time.perf_counter(), time.process_time()
        quote = quote_bom(workspace, bom, QuoteOptions(brand=brand, boards=boards, now=NOW))
        written = time.perf_counter()
        write_quote_xlsx(quote, folder / "quote.xlsx")
        runs.append((time.perf_counter() - started, time.process_time() - cpu,
                     {**quote.timings, "xlsx": time.perf_counter() - written}))
        if boards == 1:
            first = quote
    cold, _, cold_stages = runs[0]
    warm, warm_cpu, stages = min(runs[1:], key=lambda run: run[0])
    print("stages (warm): " + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in stages.items()))
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall time grows "
          "with it; the process's CPU time does not)")
    report("part-number index build (first quote after import)", cold_stages["index"], "s")
    report("quote, cold (index built in it)", cold, "s")
    report(f"quote {lines:,} lines end to end, warm", warm, "s", "≤ 5", warm <= 5)
    report(f"quote {lines:,} lines end to end, warm, CPU time", warm_cpu, "s")
    index_lookups(workspace, brand, parts, rng)
    quality(first, truth)
    return 0


if __name__ == "__main__":
    sys.exit(main())
