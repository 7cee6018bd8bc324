"""3D models in the workspace: content-addressed storage, attachment to products, datasheet checks,
catalog references, export, preview, the `jbp model` commands and the sample models."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from catalog_fixtures import write_csv
from conftest import SAMPLE
from lxml import etree
from models3d_shapes import deep_groove_bearing, socket_head_cap_screw
from PIL import Image
from sqlalchemy import func, select

from jbp.catalog.definitions import define
from jbp.catalog.importing import import_catalog
from jbp.catalog.models3d import (
    ModelError,
    add_model,
    add_models_from_dir,
    attach_referenced_models,
    check_models,
    export_model,
    export_product_model,
    load_model,
    preview_product_model,
    show_model,
)
from jbp.catalog.models3d.bulk import sku_pattern
from jbp.catalog.quality import quality
from jbp.errors import DataError, JbpError, NotFoundError
from jbp.store import model_rows, schema
from jbp.workspace import load_workspace

DEFINITIONS = """
[[brands]]
code = "HGT"
name_zh = "恒冠"
name_en = "Hengguan Transmission"

[[brands]]
code = "ZWZ"
name_zh = "瓦轴"
name_en = "Wafangdian Bearing"

[[categories]]
code = "bearing_deep_groove"
name_zh = "深沟球轴承"
name_en = "Deep groove ball bearing"

[[categories.parameters]]
code = "bore"
name_zh = "内径"
name_en = "Bore diameter"
unit = "m"
dimension = "bore"

[[categories.parameters]]
code = "outer_diameter"
name_zh = "外径"
name_en = "Outside diameter"
unit = "m"
dimension = "outer_diameter"

[[categories.parameters]]
code = "width"
name_zh = "宽度"
name_en = "Width"
unit = "m"
dimension = "width"

[[categories]]
code = "connector"
name_zh = "排针"
name_en = "Pin header"
"""

HEADER = ["货号", "品牌", "型号", "分类", "名称", "内径", "外径", "宽度", "3D模型"]
VARIANTS = ["", "-ZZ", "-2RS", "-ZZ-C3", "-2RS-C3", "-Z", "-RS", "-N", "-NR", "-ZZNR"]  # ten SKUs of one family
BEARINGS = {"6204": (20, 47, 14), "6206": (30, 62, 16), "6305": (25, 62, 17)}  # bore, outer diameter, width


def bearing_rows() -> list[list[str]]:
    rows = [[f"HGT-6205{suffix}", "恒冠", "6205", "深沟球轴承", f"深沟球轴承 6205{suffix}", "25mm", "52mm", "15mm", ""]
            for suffix in VARIANTS]
    rows += [[f"HGT-{size}", "HGT", size, "bearing_deep_groove", f"Deep groove ball bearing {size}",
              *(f"{value}mm" for value in BEARINGS[size]), ""] for size in ("6206", "6305")]
    rows += [["6204", brand, "6204", "深沟球轴承", "深沟球轴承 6204", *(f"{value}mm" for value in BEARINGS["6204"]), ""]
             for brand in ("HGT", "ZWZ")]
    rows.append(["PH-1x08", "HGT", "PH-1x08", "排针", "排针 1×8 2.54mm", "", "", "", ""])
    return rows


@pytest.fixture
def shop(workspace, tmp_path):
    """A workspace with bearings (dimension parameters declared) of two brands and one pin header."""
    definitions = tmp_path / "definitions.toml"
    definitions.write_text(DEFINITIONS, encoding="utf-8")
    define(workspace.store, definitions)
    report = import_catalog(workspace.store, write_csv(tmp_path / "bearings.csv", bearing_rows(), HEADER))
    assert report.status == "committed", report.rejections[:3]
    return workspace


def stl(path: Path, mesh=None, scale: float = 1.0) -> Path:
    mesh = (mesh or deep_groove_bearing()).copy()
    mesh.apply_scale(scale)
    path.write_bytes(export_model(mesh, "stl"))
    return path


def blob_files(workspace) -> list[str]:
    return sorted(p.relative_to(workspace.blobs_dir).as_posix() for p in workspace.blobs_dir.rglob("*") if p.is_file())


def count(workspace, table) -> int:
    with workspace.store.reading() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


# --- storage and attachment ----------------------------------------------------------------------


def test_one_file_for_a_family_of_ten_skus_is_stored_once(shop, tmp_path):
    model = stl(tmp_path / "6205.stl")

    results = [add_model(shop, f"HGT-6205{suffix}", model) for suffix in VARIANTS]

    assert [r.status for r in results] == ["attached"] * 10
    assert [r.new_model for r in results] == [True] + [False] * 9
    assert len({r.model_sha256 for r in results}) == 1
    assert count(shop, schema.models3d) == 1 and count(shop, schema.product_models) == 10
    sha, glb = results[0].model_sha256, show_model(shop, "HGT-6205").glb_sha256
    assert set(blob_files(shop)) == {f"{sha[:2]}/{sha}.stl", f"{glb[:2]}/{glb}.glb"}
    assert (shop.blobs_dir / sha[:2] / f"{sha}.stl").read_bytes() == model.read_bytes(), "the original is kept"
    with shop.store.reading() as conn:
        figures = model_rows.storage_figures(conn)
    assert figures["bytes_one_copy_per_product"] == 10 * figures["model_bytes"]


def test_readding_the_same_file_changes_nothing(shop, tmp_path):
    model = stl(tmp_path / "6205.stl")
    first = add_model(shop, "HGT-6205", model)
    attached_at = show_model(shop, "HGT-6205").attached_at
    again = add_model(shop, "hgt-6205", tmp_path / "6205.stl")  # file names often lower-case a SKU

    assert (first.status, again.status) == ("attached", "unchanged")
    assert again.new_model is False and again.model_sha256 == first.model_sha256
    assert show_model(shop, "HGT-6205").attached_at == attached_at
    assert count(shop, schema.models3d) == 1


def test_unknown_sku_stores_nothing_and_suggests_close_skus(shop, tmp_path):
    with pytest.raises(NotFoundError) as caught:
        add_model(shop, "HGT-6250", stl(tmp_path / "6250.stl"))

    assert "unknown SKU 'HGT-6250'" in str(caught.value)
    assert "HGT-6205" in caught.value.suggestions
    assert blob_files(shop) == [] and count(shop, schema.models3d) == 0


@pytest.mark.parametrize("damage", ["truncated", "not_a_model", "open_gltf"])
def test_bad_file_stores_nothing(shop, tmp_path, damage):
    if damage == "truncated":
        path = tmp_path / "HGT-6205.stl"
        path.write_bytes(stl(tmp_path / "whole.stl").read_bytes()[:-20])
        words = "truncated or corrupt"
    elif damage == "not_a_model":
        path = tmp_path / "HGT-6205.step"
        path.write_text("产品目录 — not a STEP file", encoding="utf-8")
        words = "not a STEP file"
    else:
        path = tmp_path / "HGT-6205.gltf"
        (tmp_path / "ring.bin").write_bytes(b"\0" * 64)
        scene_json = json.loads(deep_groove_bearing().export(file_type="gltf")["model.gltf"])
        scene_json["buffers"][0]["uri"] = "ring.bin"
        path.write_text(json.dumps(scene_json), encoding="utf-8")
        words = ""

    with pytest.raises(ModelError) as caught:
        add_model(shop, "HGT-6205", path)

    assert str(path) in str(caught.value) and words in str(caught.value)
    assert blob_files(shop) == [] and count(shop, schema.models3d) == 0 and count(shop, schema.product_models) == 0


def test_face_limit_comes_from_the_workspace_config(shop, tmp_path):
    with shop.config_path.open("a", encoding="utf-8") as config:
        config.write("\n[models]\nmax_faces = 100\n")
    limited = load_workspace(shop.root)
    try:
        with pytest.raises(ModelError, match=r"1,024 faces, over the limit of 100 \(max_faces\)"):
            add_model(limited, "HGT-6205", stl(tmp_path / "6205.stl"))
    finally:
        limited.store.close()
    assert blob_files(shop) == []


def test_blobs_are_removed_when_the_database_refuses_the_rows(shop, tmp_path, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(model_rows, "set_attachment", refuse)
    with pytest.raises(RuntimeError):
        add_model(shop, "HGT-6205", stl(tmp_path / "6205.stl"))

    assert blob_files(shop) == [] and count(shop, schema.models3d) == 0


def test_replacing_a_shared_model_keeps_it_for_the_other_products(shop, tmp_path):
    shared = add_model(shop, "HGT-6205", stl(tmp_path / "6205.stl"))
    add_model(shop, "HGT-6205-ZZ", tmp_path / "6205.stl")
    finer = stl(tmp_path / "6205-fine.stl", deep_groove_bearing(sections=256))

    replaced = add_model(shop, "HGT-6205", finer)

    assert replaced.status == "replaced" and replaced.previous_sha256 == shared.model_sha256
    assert replaced.previous_still_used_by == 1
    assert show_model(shop, "HGT-6205-ZZ").sha256 == shared.model_sha256
    assert (shop.blobs_dir / shared.model_sha256[:2] / f"{shared.model_sha256}.stl").is_file()
    assert count(shop, schema.models3d) == 2


def test_sku_of_two_brands_needs_the_brand(shop, tmp_path):
    model = stl(tmp_path / "6204.stl", deep_groove_bearing(20, 47, 14))
    with pytest.raises(JbpError, match="SKU '6204' exists for brands HGT, ZWZ: pass --brand"):
        add_model(shop, "6204", model)

    result = add_model(shop, "6204", model, brand="瓦轴")

    assert (result.brand, result.status) == ("ZWZ", "attached")
    assert [p.brand for p in check_models(shop, include_missing=True, skus=["6204"], brand="HGT").problems] == ["HGT"]


def test_unit_is_guessed_from_the_datasheet_and_can_be_stated(shop, tmp_path):
    in_metres = add_model(shop, "HGT-6206", stl(tmp_path / "6206.stl", deep_groove_bearing(30, 62, 16), 0.001))
    assert in_metres.facts.extents_mm == (62.0, 62.0, 16.0) and in_metres.facts.source_units == "m"
    assert not [f for f in in_metres.findings if f.severity != "info"]

    # a pin header has no datasheet dimensions: a 2.5-long part drawn in inches reads as 2.5 mm
    inches = stl(tmp_path / "header.stl", socket_head_cap_screw(), 1 / 25.4)
    guessed = add_model(shop, "PH-1x08", inches)
    stated = add_model(shop, "PH-1x08", inches, assume_units="in")

    assert guessed.facts.source_units == "mm" and stated.status == "reread"
    assert stated.facts.source_units == "in" and stated.facts.extents_sorted_mm[0] == pytest.approx(38.0, abs=1e-3)
    assert show_model(shop, "PH-1x08").facts == stated.facts, "every product using the file sees the new reading"
    assert add_model(shop, "PH-1x08", inches, assume_units="in").status == "unchanged"


# --- checks and quality --------------------------------------------------------------------------


def test_model_check_lists_mismatches_open_meshes_and_missing_models(shop, tmp_path):
    add_model(shop, "HGT-6205", stl(tmp_path / "6205.stl"))
    add_model(shop, "HGT-6305", tmp_path / "6205.stl")  # the 6205 drawing attached to a 6305 by mistake
    open_ring = deep_groove_bearing(30, 62, 16)
    open_ring.update_faces(list(range(1, len(open_ring.faces))))
    add_model(shop, "HGT-6206", stl(tmp_path / "6206-open.stl", open_ring))

    report = check_models(shop)

    assert (report.checked, report.ok, report.with_errors, report.with_warnings) == (3, 1, 1, 1)
    assert [(p.sku, p.status) for p in report.problems] == [("HGT-6305", "error"), ("HGT-6206", "warning")]
    mismatches = {f.dimension: (f.expected, f.actual) for f in report.problems[0].findings
                  if f.code == "dimension_mismatch"}
    assert mismatches == {"outer_diameter": (62.0, 52.0), "width": (17.0, 15.0)}
    assert report.problems[0].parameters["outer_diameter"] == "outer_diameter"
    assert [f.code for f in report.problems[1].findings if f.severity != "info"] == ["not_watertight"]

    everything = check_models(shop, include_missing=True, category="深沟球轴承", limit=3)
    assert (everything.checked, everything.missing) == (14, 11)
    assert [p.status for p in everything.problems] == ["error", "warning", "warning"], "errors first"
    assert everything.omitted == 13 - 3
    assert check_models(shop, tolerance=0.2).with_errors == 0, "16% off passes a 20% tolerance"


def test_quality_counts_attached_models_not_catalog_references(shop, tmp_path):
    rows = bearing_rows()
    rows[0][-1] = "cad/6205.stp"  # referenced, but the file is not there
    import_catalog(shop.store, write_csv(tmp_path / "bearings.csv", rows, HEADER))
    add_model(shop, "HGT-6206", stl(tmp_path / "6206.stl", deep_groove_bearing(30, 62, 16)))

    bearings = quality(shop.store, category="bearing_deep_groove").categories[0]

    assert bearings.skus == 14 and bearings.model3d == round(1 / 14, 4)


# --- models referenced by a catalog ---------------------------------------------------------------


def small_bmecat(folder: Path, keep: tuple[str, ...]) -> Path:
    """The sample BMEcat cut down to some bearings, its STEP references turned into STL ones."""
    tree = etree.parse(str(SAMPLE / "bearings_fasteners_bmecat.xml"))
    for product in list(tree.iter("{*}PRODUCT")):
        if product.findtext("{*}SUPPLIER_PID") not in keep:
            product.getparent().remove(product)
    for source in tree.iter("{*}MIME_SOURCE"):
        source.text = source.text.replace(".stp", ".stl")
    path = folder / "hgt_bmecat.xml"
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    return path


def test_models_beside_a_bmecat_are_attached_once_per_file(workspace, tmp_path):
    define(workspace.store, SAMPLE / "categories.toml")
    family = ("HGT-6205", "HGT-6205-ZZ", "HGT-6205-2RS", "HGT-6205-ZZ-C3")
    catalog = small_bmecat(tmp_path, (*family, "HGT-6206", "HGT-6304"))
    (tmp_path / "cad" / "hgt").mkdir(parents=True)
    stl(tmp_path / "cad" / "hgt" / "6205.stl")
    stl(tmp_path / "cad" / "hgt" / "6304.stl", deep_groove_bearing(20, 52, 15), 0.001)
    imported = import_catalog(workspace.store, catalog)
    # a model attached by hand is kept whatever the catalog refers to
    add_model(workspace, "HGT-6304", stl(tmp_path / "mine.stl", deep_groove_bearing(20, 52, 15, sections=200)))

    report = attach_referenced_models(workspace, catalog, imported.changed_ids)

    assert (report.products, report.files, report.attached, report.kept, report.new_models) == (6, 2, 4, 1, 1)
    assert report.absent == ["cad/hgt/6206.stl"] and not report.problems
    assert {show_model(workspace, sku).origin for sku in family} == {"catalog"}
    assert len({show_model(workspace, sku).sha256 for sku in family}) == 1
    assert show_model(workspace, "HGT-6304").origin == "file"
    again = attach_referenced_models(workspace, catalog, imported.changed_ids)
    assert (again.attached, again.unchanged, again.new_models) == (0, 4, 0)


def test_catalog_references_out_of_its_folder_are_not_followed(shop, tmp_path):
    secret = tmp_path / "secret.stl"
    stl(secret)
    folder = tmp_path / "supplier"
    folder.mkdir()
    (folder / "cad").mkdir()
    (folder / "cad" / "link.stl").symlink_to(secret)
    rows = bearing_rows()
    for row, reference in zip(rows, ["../secret.stl", str(secret), "cad/link.stl", "https://cad.example/6205.stp"],
                              strict=False):
        row[-1] = reference
    imported = import_catalog(shop.store, write_csv(folder / "bearings.csv", rows, HEADER))

    report = attach_referenced_models(shop, folder / "bearings.csv", imported.changed_ids)

    assert report.attached == 0 and report.remote == ["https://cad.example/6205.stp"]
    assert [p.reference for p in report.problems] == ["../secret.stl", str(secret), "cad/link.stl"]
    assert "path traversal" in report.problems[0].error and "leads out of" in report.problems[2].error
    assert blob_files(shop) == []


# --- export, preview, assemblies -----------------------------------------------------------------


def test_export_in_every_format_gives_back_the_same_part(shop, tmp_path):
    original = stl(tmp_path / "6205.stl")
    add_model(shop, "HGT-6205", original)

    for fmt in ("glb", "stl", "obj"):
        path = export_product_model(shop, "HGT-6205", fmt, tmp_path / f"out.{fmt}")
        assert load_model(path).mesh.extents.round(3).tolist() == [52.0, 52.0, 15.0]
    kept = export_product_model(shop, "HGT-6205", "original", tmp_path / "original.stl")
    assert kept.read_bytes() == original.read_bytes()


def test_damaged_blob_is_reported_not_served(shop, tmp_path):
    add_model(shop, "HGT-6205", stl(tmp_path / "6205.stl"))
    glb = Path(show_model(shop, "HGT-6205").glb_path)
    glb.write_bytes(glb.read_bytes()[:-8] + b"\0" * 8)

    with pytest.raises(ModelError, match="damaged"):
        export_product_model(shop, "HGT-6205", "glb", tmp_path / "out.glb")


def test_preview_is_drawn_once_per_model_and_size(shop, tmp_path):
    add_model(shop, "HGT-6205", stl(tmp_path / "6205.stl"))
    add_model(shop, "HGT-6205-ZZ", tmp_path / "6205.stl")

    first = preview_product_model(shop, "HGT-6205", tmp_path / "a.png", size=96)
    shared = preview_product_model(shop, "HGT-6205-ZZ", tmp_path / "b.png", size=96)
    larger = preview_product_model(shop, "HGT-6205", tmp_path / "c.png", size=128)

    assert (first.cached, shared.cached, larger.cached) == (False, True, False)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert Image.open(io.BytesIO((tmp_path / "c.png").read_bytes())).size == (128, 128)
    assert len([name for name in blob_files(shop) if name.startswith("previews/")]) == 2
    with pytest.raises(DataError, match="outside 32..2048"):
        preview_product_model(shop, "HGT-6205", tmp_path / "d.png", size=8)


def test_product_without_a_model_says_how_to_add_one(shop):
    with pytest.raises(NotFoundError, match="HGT HGT-6205 has no 3D model; attach one with `jbp model add"):
        show_model(shop, "HGT-6205")


def test_step_assembly_is_one_model_listing_its_bodies(shop, realdata):
    pytest.importorskip("cascadio")
    result = add_model(shop, "PH-1x08", realdata / "models3d" / "jlc_PinHeader_1x08_P2.54mm_Vertical.step")

    shown = show_model(shop, "PH-1x08")
    assert result.status == "attached" and shown.format == "step" and len(shown.facts.parts) > 1
    assert count(shop, schema.models3d) == 1
    assert Path(shown.original_path).suffix == ".step" and Path(shown.glb_path).is_file()


# --- add-dir and its pattern ----------------------------------------------------------------------


def test_sku_pattern_reads_the_sku_from_the_file_path():
    assert sku_pattern("{sku}.*").fullmatch("HGT-6205.stl")["sku"] == "HGT-6205"
    assert sku_pattern("3D_{sku}_rev?.step").fullmatch("3D_HGT-6205-ZZ_revB.step")["sku"] == "HGT-6205-ZZ"
    assert sku_pattern("cad/{sku}.stp").fullmatch("cad/6205.stp")["sku"] == "6205"
    assert sku_pattern("{sku}.*").fullmatch("sub/HGT-6205.stl") is None, "* does not cross folders"
    with pytest.raises(DataError, match="exactly once"):
        sku_pattern("*.stl")


def test_add_dir_attaches_what_it_can_and_reports_the_rest(shop, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    for suffix in VARIANTS[:4]:
        stl(folder / f"HGT-6205{suffix}.stl")
    stl(folder / "HGT-6206.stl", deep_groove_bearing(30, 62, 16))
    stl(folder / "HGT-9999.stl")
    (folder / "HGT-6305.stl").write_bytes(b"solid broken\n")
    (folder / "readme.txt").write_text("型号说明", encoding="utf-8")

    report = add_models_from_dir(shop, folder, match="{sku}.stl")

    assert (report.files, report.matched, report.attached, report.new_models, report.already_stored) == (8, 7, 5, 2, 3)
    assert report.skipped == ["readme.txt"]
    assert {Path(p.file).name: p.error.split(":")[0] for p in report.problems} == {
        "HGT-6305.stl": str(folder / "HGT-6305.stl"), "HGT-9999.stl": "unknown SKU 'HGT-9999' (did you mean"}
    assert count(shop, schema.models3d) == 2


# --- the command line ----------------------------------------------------------------------------


def test_model_commands_end_to_end(shop, run, tmp_path):
    ws = str(shop.root)
    stl(tmp_path / "6205.stl")

    code, out, _ = run("-w", ws, "model", "add", "HGT-6305", str(tmp_path / "6205.stl"))
    assert code == 0 and "HGT HGT-6305: attached" in out
    assert "error    outer_diameter 62 mm, but the model measures 52 mm" in out

    assert run("-w", ws, "model", "check")[0] == 0, "findings alone do not fail the command"
    code, out, _ = run("-w", ws, "model", "check", "--strict", "--json")
    assert code == 1 and json.loads(out)["problems"][0]["sku"] == "HGT-6305"

    code, out, _ = run("-w", ws, "model", "show", "HGT-6305")
    assert code == 0 and "52 × 52 × 15 mm" in out and "checks: error" in out

    code, out, _ = run("-w", ws, "model", "export", "HGT-6305", "-o", str(tmp_path / "x.glb"))
    assert code == 0 and (tmp_path / "x.glb").read_bytes()[:4] == b"glTF"
    assert run("-w", ws, "model", "export", "HGT-6305", "-o", str(tmp_path / "x.bin"))[0] == 2

    code, out, _ = run("-w", ws, "model", "preview", "HGT-6305", "-o", str(tmp_path / "p.png"), "--size", "64")
    assert code == 0 and Image.open(tmp_path / "p.png").size == (64, 64)

    code, _, err = run("-w", ws, "model", "add", "HGT-62O5", str(tmp_path / "6205.stl"))
    assert code == 1 and "did you mean: HGT-6205" in err and "Traceback" not in err


def test_sample_models_show_one_family_shared_and_one_wrong_size(workspace, run):
    ws = str(workspace.root)
    run("-w", ws, "catalog", "define", str(SAMPLE / "categories.toml"))
    run("-w", ws, "catalog", "import", str(SAMPLE / "bearings_fasteners_bmecat.xml"))

    code, out, _ = run("-w", ws, "model", "add-dir", str(SAMPLE / "models"), "--match", "{sku}.stl", "--json")
    added = json.loads(out)
    assert code == 0 and (added["attached"], added["new_models"]) == (6, 4)
    assert all(path.stat().st_size < 50_000 for path in (SAMPLE / "models").iterdir())

    code, out, _ = run("-w", ws, "model", "check", "--json")
    report = json.loads(out)
    assert (report["checked"], report["ok"]) == (6, 5)
    assert [(p["sku"], p["status"]) for p in report["problems"]] == [("HGT-6305", "error")]
    code, out, _ = run("-w", ws, "catalog", "quality", "--json")
    bearings = next(c for c in json.loads(out)["categories"] if c["category"] == "bearing_deep_groove")
    assert bearings["model3d"] == round(6 / bearings["skus"], 4)


def test_import_attaches_referenced_models_and_says_so(workspace, run, tmp_path):
    ws = str(workspace.root)
    run("-w", ws, "catalog", "define", str(SAMPLE / "categories.toml"))
    catalog = small_bmecat(tmp_path, ("HGT-6205", "HGT-6205-ZZ"))
    (tmp_path / "cad" / "hgt").mkdir(parents=True)
    shutil.copy(SAMPLE / "models" / "HGT-6205.stl", tmp_path / "cad" / "hgt" / "6205.stl")

    code, out, _ = run("-w", ws, "catalog", "import", str(catalog))

    assert code == 0 and "3D models: 2 products refer to CAD files, 1 found beside the catalog: 2 attached" in out
    assert show_model(workspace, "HGT-6205-ZZ").origin == "catalog"
