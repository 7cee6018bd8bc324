"""3D models in a workspace: one big model through add, check and preview; a bulk `add-dir` of small
models; the storage a family catalog saves by storing each distinct file once.

Sizes (JBP_BENCH_SCALE): the big model is a 100,000-face bearing (binary STL, ~5 MB) at every scale;
the bulk folder holds 200 models (small, default) or 1,000 (full), one per SKU of a catalog of
deep-groove bearings in families of four variants (open, ZZ, 2RS, ZZ-C3). Bulk run 1 gives every SKU
its own drawing (all distinct); bulk run 2 gives the four variants of a family the same file, as
makers deliver them, and reports the bytes stored against one copy per SKU. The issue sets no time
targets for these; the figures are printed for the record. SQLite store, temporary workspaces.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import trimesh

from jbp.catalog.definitions import define
from jbp.catalog.importing import import_catalog
from jbp.catalog.models3d import (
    add_model,
    add_models_from_dir,
    check_models,
    export_product_model,
    preview_product_model,
)
from jbp.store import model_rows
from jbp.workspace import Workspace, init_workspace

SCALES = {"small": 200, "full": 1_000}
BIG_FACES = 100_000
VARIANTS = ("", "-ZZ", "-2RS", "-ZZ-C3")
DEFINITIONS = """
[[brands]]
code = "HGT"
name_zh = "恒冠"

[[categories]]
code = "bearing_deep_groove"
name_zh = "深沟球轴承"
name_en = "Deep groove ball bearing"

[[categories.parameters]]
code = "bore"
name_zh = "内径"
unit = "m"
dimension = "bore"

[[categories.parameters]]
code = "outer_diameter"
name_zh = "外径"
unit = "m"
dimension = "outer_diameter"

[[categories.parameters]]
code = "width"
name_zh = "宽度"
unit = "m"
dimension = "width"
"""


def line(name: str, value: float, unit: str) -> None:
    print(f"{name:60} {value:10.2f} {unit}", flush=True)


@contextmanager
def timed(name: str, count: int = 1):
    """Print wall and CPU milliseconds of the block, per item when ``count`` > 1 (CPU time shows the cost on
    a busy machine, where wall time also holds the waits for a core and for the disk)."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    wall, cpu = (time.perf_counter() - wall) * 1000 / count, (time.process_time() - cpu) * 1000 / count
    print(f"{name:60} {wall:10.2f} ms  (CPU {cpu:.2f} ms)", flush=True)


def family_sizes(families: int) -> list[tuple[str, float, float, float]]:
    """(series, bore, outer diameter, width) in mm for made-up but plausible bearing families."""
    sizes = []
    for index in range(families):
        bore = 10.0 + index * 0.5
        sizes.append((f"B{6000 + index}", bore, round(bore * 2.1 + 8, 1), round(bore * 0.3 + 6, 1)))
    return sizes


def bearing(bore: float, outer: float, width: float, sections: int) -> trimesh.Trimesh:
    return trimesh.creation.annulus(r_min=bore / 2, r_max=outer / 2, height=width, sections=sections)


def shop(folder: Path, families: list[tuple[str, float, float, float]]) -> Workspace:
    """A workspace whose catalog holds every variant of every family, with its dimensions."""
    workspace = init_workspace(folder / "ws")
    definitions = folder / "definitions.toml"
    definitions.write_text(DEFINITIONS, encoding="utf-8")
    define(workspace.store, definitions)
    catalog = folder / "bearings.csv"
    with catalog.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["货号", "品牌", "分类", "名称", "内径", "外径", "宽度"])
        for series, bore, outer, width in families:
            for variant in VARIANTS:
                sku = f"HGT-{series}{variant}"
                writer.writerow([sku, "HGT", "bearing_deep_groove", f"深沟球轴承 {sku}", f"{bore}mm", f"{outer}mm",
                                 f"{width}mm"])
    report = import_catalog(workspace.store, catalog)
    assert report.status == "committed", report.rejections[:3]
    return workspace


def big_model(folder: Path) -> None:
    families = family_sizes(1)
    workspace = shop(folder, families)
    _, bore, outer, width = families[0]
    sections = BIG_FACES // 8  # an annulus has 8 triangles per section
    path = folder / "big.stl"
    path.write_bytes(bearing(bore, outer, width, sections).export(file_type="stl"))
    sku = f"HGT-{families[0][0]}"
    print(f"big model: {BIG_FACES:,} faces, {path.stat().st_size / 2**20:.1f} MB binary STL")
    with timed("add (read, measure, GLB, store, attach)"):
        result = add_model(workspace, sku, path)
    assert result.facts.faces == BIG_FACES and result.status == "attached"
    with timed("check against the datasheet"):
        checked = check_models(workspace, skus=[sku])
    assert checked.ok == 1, checked.problems
    with timed("preview 512 px (drawn)"):
        preview_product_model(workspace, sku, folder / "big.png", size=512)
    with timed("preview 512 px (cached)"):
        assert preview_product_model(workspace, sku, folder / "again.png", size=512).cached
    with timed("export STL (from the cached GLB)"):
        export_product_model(workspace, sku, "stl", folder / "out.stl")
    with timed("add the same file again (hash, no read)"):
        assert add_model(workspace, sku, path).status == "unchanged"
    workspace.store.close()


def bulk(folder: Path, models: int, shared_by_family: bool) -> None:
    families = family_sizes(models // len(VARIANTS))
    workspace = shop(folder, families)
    files = folder / "models"
    files.mkdir()
    for series, bore, outer, width in families:
        for index, variant in enumerate(VARIANTS):
            # distinct drawings differ in tessellation; a family's shared file is the same bytes
            sections = 64 if shared_by_family else 48 + 8 * index
            (files / f"HGT-{series}{variant}.stl").write_bytes(
                bearing(bore, outer, width, sections).export(file_type="stl"))
    input_bytes = sum(path.stat().st_size for path in files.iterdir())
    label = "family files (4 variants, 1 file)" if shared_by_family else "distinct files"
    with timed(f"add-dir {models} {label}: per model", models):
        report = add_models_from_dir(workspace, files, match="{sku}.stl")
    assert report.attached == models and not report.problems, report.problems[:3]
    with timed(f"check {models} models"):
        checked = check_models(workspace)
    assert checked.ok == models, checked.problems[:3]
    with workspace.store.reading() as conn:
        figures = model_rows.storage_figures(conn)
    stored = sum(path.stat().st_size for path in workspace.blobs_dir.rglob("*") if path.is_file())
    line(f"{label}: models stored", figures["models"], "")
    line(f"{label}: input files", input_bytes / 2**20, "MB")
    line(f"{label}: originals stored", figures["model_bytes"] / 2**20, "MB")
    line(f"{label}: blobs incl. GLBs", stored / 2**20, "MB")
    saved = 1 - figures["model_bytes"] / figures["bytes_one_copy_per_product"]
    line(f"{label}: saved by deduplication", saved * 100, "%")
    workspace.store.close()


def main() -> None:
    models = SCALES[os.environ.get("JBP_BENCH_SCALE", "small")]
    print(f"load average before: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="jbp-bench-models3d-") as scratch:
        root = Path(scratch)
        for name, run in (("big", big_model),
                          ("distinct", lambda folder: bulk(folder, models, shared_by_family=False)),
                          ("family", lambda folder: bulk(folder, models, shared_by_family=True))):
            (root / name).mkdir()
            run(root / name)
    print(f"load average after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
