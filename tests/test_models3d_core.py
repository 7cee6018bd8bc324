"""3D models: reading files into millimetres, refusing bad ones, facts, datasheet checks, preview."""

from __future__ import annotations

import io
import json
import math
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import trimesh
from models3d_shapes import deep_groove_bearing, socket_head_cap_screw
from PIL import Image

from jbp.catalog.models3d import (
    STEP_EXTRA_MISSING,
    ModelError,
    ModelFacts,
    ModelLimits,
    check_against_dimensions,
    export_model,
    facts_of,
    guess_units,
    load_model,
    render_png,
)
from jbp.catalog.models3d.preview import BACKGROUND
from jbp.errors import DataError

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "models3d"
ROLLER_STL = REALDATA / "odri_transmission_belt_tensioner_roller_9.0mm.STL"
PIN_HEADER_STEP = REALDATA / "jlc_PinHeader_1x08_P2.54mm_Vertical.step"
BEARING_6205 = {"bore": 25.0, "outer_diameter": 52.0, "width": 15.0}


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def bearing_stl(tmp_path: Path, scale: float = 1.0, name: str = "6205.stl") -> Path:
    bearing = deep_groove_bearing()
    bearing.apply_scale(scale)
    return write(tmp_path / name, export_model(bearing, "stl"))


def reject(path: Path, *words: str, **options) -> str:
    """Load ``path`` expecting a refusal whose message holds every one of ``words``."""
    with pytest.raises(ModelError) as caught:
        load_model(path, **options)
    message = str(caught.value)
    assert isinstance(caught.value, DataError)
    assert str(path) in message, "the error names the file"
    for word in words:
        assert word in message
    return message


# --- facts and units ---------------------------------------------------------------------------


def test_bearing_facts_are_its_size_in_mm_and_ring_volume(tmp_path):
    facts = facts_of(load_model(bearing_stl(tmp_path)))

    assert facts.extents_mm == pytest.approx((52.0, 52.0, 15.0))
    assert facts.extents_sorted_mm == pytest.approx((52.0, 52.0, 15.0))
    assert facts.bbox_min_mm == pytest.approx((-26.0, -26.0, -7.5))
    assert facts.watertight
    assert facts.volume_mm3 == pytest.approx(math.pi / 4 * (52**2 - 25**2) * 15, rel=0.02)
    assert facts.faces == 1024 and facts.vertices == 512
    assert facts.format == "stl"
    assert (facts.source_units, facts.units_source, facts.scale_applied) == ("mm", "guessed", 1.0)
    assert [part.name for part in facts.parts] == ["6205"]


def test_facts_survive_a_json_round_trip_for_storage(tmp_path):
    facts = facts_of(load_model(bearing_stl(tmp_path)))

    assert ModelFacts.model_validate_json(facts.model_dump_json()) == facts


def test_file_drawn_in_metres_is_guessed_and_scaled_to_mm(tmp_path):
    model = load_model(bearing_stl(tmp_path, scale=0.001))  # a bearing 0.052 long

    assert model.mesh.extents == pytest.approx([52.0, 52.0, 15.0])
    assert (model.units.source_units, model.units.units_source, model.units.scale_to_mm) == (
        "m", "guessed", 1000.0
    )
    assert "0.052" in model.units.reason


def test_inch_drawing_is_recognised_through_the_datasheet(tmp_path):
    screw = socket_head_cap_screw()
    screw.apply_scale(1 / 25.4)
    path = write(tmp_path / "M8x30.stl", export_model(screw, "stl"))

    model = load_model(path, expected_mm={"head_diameter": 13.0, "total_length": 38.0})

    assert model.units.source_units == "in"
    assert model.mesh.extents == pytest.approx([13.0, 13.0, 38.0])


def test_assumed_units_override_the_guess(tmp_path):
    model = load_model(bearing_stl(tmp_path, scale=1 / 25.4), assume_units="in")

    assert model.units.units_source == "assumed"
    assert model.mesh.extents == pytest.approx([52.0, 52.0, 15.0])
    with pytest.raises(ModelError, match="unknown length unit 'ft'"):
        load_model(bearing_stl(tmp_path), assume_units="ft")


def test_guess_units_reads_small_parts_as_metres_and_others_as_mm():
    assert guess_units([0.052, 0.052, 0.015]).source_units == "m"
    assert guess_units([52.0, 52.0, 15.0]).source_units == "mm"
    assert guess_units([2.047, 2.047, 0.591], BEARING_6205).source_units == "in"


def test_real_binary_stl_that_starts_with_solid_is_read_as_binary():
    if not ROLLER_STL.exists():
        pytest.skip("realdata is absent")
    facts = facts_of(load_model(ROLLER_STL))

    assert facts.faces == 1584
    assert facts.extents_mm == pytest.approx((9.0, 9.0, 4.0))
    assert facts.watertight and facts.volume_mm3 == pytest.approx(109.86, rel=1e-3)
    assert facts.source_units == "mm"


def test_real_step_pin_header_is_one_model_with_its_bodies_listed_in_mm():
    if not PIN_HEADER_STEP.exists():
        pytest.skip("realdata is absent")
    pytest.importorskip("cascadio")
    model = load_model(PIN_HEADER_STEP)
    facts = facts_of(model)

    # 1×8 header, pitch 2.54 mm: 20.32 mm long, pins 11.54 mm tall; cascadio hands back metres
    assert facts.extents_sorted_mm == pytest.approx((20.32, 11.54, 2.54), abs=0.01)
    assert (facts.units_source, facts.scale_applied) == ("declared", 1000.0)
    assert len(facts.parts) == 2
    assert sum(part.faces for part in facts.parts) == facts.faces
    assert all(part.name.startswith("PinHeader_1x08") for part in facts.parts)
    assert facts.volume_mm3 is None and not facts.watertight  # the tessellation has open seams


def test_step_without_the_extra_names_the_pip_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "cascadio", None)  # import cascadio now raises ImportError
    path = write(tmp_path / "part.stp", b"ISO-10303-21;\nHEADER;\nENDSEC;\nEND-ISO-10303-21;\n")

    message = reject(path)

    assert STEP_EXTRA_MISSING in message and "pip install 'jbp[step]'" in message


def test_corrupt_step_is_refused(tmp_path):
    pytest.importorskip("cascadio")
    path = write(tmp_path / "part.step", b"ISO-10303-21;\nHEADER;\nthis is not a solid\n")

    reject(path, "STEP")


# --- assemblies and round trips ------------------------------------------------------------------


def test_assembly_is_one_model_listing_its_parts(tmp_path):
    screw = socket_head_cap_screw()
    screw.apply_translation([60.0, 0.0, 0.0])
    scene = trimesh.Scene()
    scene.add_geometry(deep_groove_bearing(), geom_name="深沟球轴承 6205")
    scene.add_geometry(screw, geom_name="M8x30 ISO 4762")
    path = write(tmp_path / "kit.glb", export_model(scene, "glb"))

    model = load_model(path)
    facts = facts_of(model)

    assert [(part.name, part.faces) for part in facts.parts] == [
        ("深沟球轴承 6205", 1024), ("M8x30 ISO 4762", 1536)
    ]
    assert facts.faces == 2560
    assert facts.extents_mm == pytest.approx((92.5, 52.0, 38.0), abs=1e-3)
    single = [facts_of(part).volume_mm3 for part in (deep_groove_bearing(), socket_head_cap_screw())]
    assert facts.volume_mm3 == pytest.approx(sum(single), rel=1e-4)


def test_glb_is_written_in_metres_as_gltf_requires(tmp_path):
    raw = trimesh.load_scene(io.BytesIO(export_model(deep_groove_bearing(), "glb")), file_type="glb")

    assert raw.extents == pytest.approx([0.052, 0.052, 0.015], rel=1e-5)


@pytest.mark.parametrize("file_type", ["stl", "obj", "glb", "ply", "off", "stl_ascii"])
def test_mesh_formats_round_trip_to_the_same_facts(tmp_path, file_type):
    screw = socket_head_cap_screw()
    if file_type in ("stl", "obj", "glb"):
        content = export_model(screw, file_type)
    else:
        exported = screw.export(file_type=file_type)
        content = exported.encode() if isinstance(exported, str) else exported
    suffix = "stl" if file_type == "stl_ascii" else file_type
    facts = facts_of(load_model(write(tmp_path / f"M8x30.{suffix}", content)))

    assert facts.faces == 1536
    assert facts.extents_mm == pytest.approx((13.0, 13.0, 38.0), abs=1e-4)
    assert facts.watertight
    assert facts.volume_mm3 == pytest.approx(facts_of(screw).volume_mm3, rel=1e-5)


def test_ascii_stl_with_a_chinese_solid_name_is_read(tmp_path):
    text = deep_groove_bearing().export(file_type="stl_ascii").replace("solid", "solid 深沟球轴承 6205", 1)
    model = load_model(write(tmp_path / "6205.stl", text.encode("utf-8")))

    assert [part.name for part in model.parts] == ["深沟球轴承 6205"]
    assert len(model.mesh.faces) == 1024


# --- bad input -----------------------------------------------------------------------------------


def test_binary_stl_whose_header_lies_about_its_face_count_is_refused(tmp_path):
    content = bytearray(export_model(deep_groove_bearing(), "stl"))
    struct.pack_into("<I", content, 80, 2000)

    reject(write(tmp_path / "lying.stl", bytes(content)), "binary STL says 2,000 faces but the file holds 1,024")


def test_truncated_binary_stl_is_refused(tmp_path):
    content = export_model(deep_groove_bearing(), "stl")

    reject(write(tmp_path / "cut.stl", content[:5000]), "says 1,024 faces but the file holds 98")
    reject(write(tmp_path / "stub.stl", content[:40]), "truncated STL")


def test_truncated_ascii_stl_is_refused(tmp_path):
    text = deep_groove_bearing().export(file_type="stl_ascii")

    reject(write(tmp_path / "cut.stl", text[: len(text) // 2].encode()), "truncated ASCII STL")


def test_models_without_faces_are_refused(tmp_path):
    reject(write(tmp_path / "empty.stl", bytes(80) + struct.pack("<I", 0)), "no faces")
    reject(write(tmp_path / "points.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\n"), "no faces")
    reject(write(tmp_path / "zero.stl", b""), "empty")


def test_face_limit_is_configurable_and_named(tmp_path):
    path = bearing_stl(tmp_path)

    reject(path, "1,024 faces", "limit of 500 (max_faces)", limits=ModelLimits(max_faces=500))
    glb = write(tmp_path / "6205.glb", export_model(deep_groove_bearing(), "glb"))
    reject(glb, "limit of 500 (max_faces)", limits=ModelLimits(max_faces=500))


def test_five_million_face_stl_is_refused_from_its_header_alone(tmp_path):
    path = tmp_path / "huge.stl"
    with path.open("wb") as stream:
        stream.write(bytes(80) + struct.pack("<I", 5_000_000))
        stream.truncate(84 + 50 * 5_000_000)  # sparse: 250 MB on paper, nothing on disk

    reject(path, "5,000,000 faces", "limit of 2,000,000 (max_faces)")


def test_file_size_limit_is_named(tmp_path):
    reject(bearing_stl(tmp_path), "limit of 1,000 (max_file_bytes)", limits=ModelLimits(max_file_bytes=1000))


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


@pytest.mark.parametrize("hostile", ["../../evil.model", "3D/../../../etc/cron.d/x", "/etc/passwd",
                                     "C:/Windows/win.ini", "..\\..\\evil.model"])
def test_3mf_with_path_traversal_is_refused(tmp_path, hostile):
    path = zip_of(tmp_path / "part.3mf", {"3D/3dmodel.model": b"<model/>", hostile: b"x"})

    reject(path, "path traversal")


def test_zip_bomb_is_refused_before_expanding(tmp_path):
    path = zip_of(tmp_path / "bomb.3mf", {"3D/3dmodel.model": bytes(20 * 1024 * 1024)})

    reject(path, "decompression bomb", "max_compression_ratio")
    reject(path, "max_uncompressed_bytes", limits=ModelLimits(max_uncompressed_bytes=1024 * 1024))


def test_zipped_gltf_referring_outside_the_archive_is_refused(tmp_path):
    gltf = {"asset": {"version": "2.0"}, "buffers": [{"uri": "../../secret.bin", "byteLength": 4}]}
    path = zip_of(tmp_path / "part.zip", {"part.gltf": json.dumps(gltf).encode()})

    reject(path, "path traversal")


def test_gltf_referring_to_a_remote_or_outside_file_is_refused(tmp_path):
    for uri, words in [("https://example.com/x.bin", "remote"), ("%2e%2e/secret.bin", "path traversal")]:
        gltf = {"asset": {"version": "2.0"}, "buffers": [{"uri": uri, "byteLength": 4}]}
        reject(write(tmp_path / "part.gltf", json.dumps(gltf).encode()), words)


def test_corrupt_and_unknown_files_are_refused(tmp_path):
    reject(write(tmp_path / "part.3mf", b"not a zip at all"), "not a 3MF file")
    reject(write(tmp_path / "part.dwg", b"AC1032"), "unknown 3D model format '.dwg'")
    reject(write(tmp_path / "part.glb", b"glTF" + bytes(20)), "cannot read this GLB file")


def test_coordinates_that_are_not_numbers_are_refused(tmp_path):
    box = trimesh.creation.box(extents=(10.0, 20.0, 5.0))
    corners = box.vertices.copy()
    corners[0] = [np.nan, 0.0, 0.0]
    broken = trimesh.Trimesh(corners, box.faces, process=False)

    reject(write(tmp_path / "nan.glb", broken.export(file_type="glb")), "not numbers")
    reject(write(tmp_path / "nan.stl", broken.export(file_type="stl")), "declares 12 faces but only")


# --- checks against the datasheet ----------------------------------------------------------------


def codes(findings) -> dict[str, str]:
    return {finding.dimension or finding.code: finding.code for finding in findings}


def test_bearing_agrees_with_its_datasheet_and_bore_is_unverifiable():
    findings = check_against_dimensions(facts_of(deep_groove_bearing()), BEARING_6205)

    assert codes(findings) == {
        "bore": "dimension_unverifiable",
        "outer_diameter": "dimension_agrees",
        "width": "dimension_agrees",
    }
    assert not [finding for finding in findings if finding.severity != "info"]


def test_model_that_disagrees_with_its_datasheet_gets_a_mismatch_finding():
    datasheet = {"head_diameter": 16.0, "total_length": 38.0, "thread_diameter": 8.0}
    findings = check_against_dimensions(facts_of(socket_head_cap_screw()), datasheet)

    mismatch = next(finding for finding in findings if finding.code == "dimension_mismatch")
    assert (mismatch.dimension, mismatch.expected, mismatch.actual) == ("head_diameter", 16.0, 13.0)
    assert mismatch.severity == "error" and "19% off" in mismatch.message
    assert codes(findings)["total_length"] == "dimension_agrees"
    assert "units_suspect" not in codes(findings)


def test_bore_larger_than_the_model_is_impossible():
    findings = check_against_dimensions(facts_of(deep_groove_bearing()), {"bore": 60.0})

    assert codes(findings) == {"bore": "dimension_impossible"}


def test_model_read_in_the_wrong_unit_is_suspected():
    bearing = deep_groove_bearing()
    bearing.apply_scale(1 / 25.4)  # drawn in inches, taken as mm

    found = codes(check_against_dimensions(facts_of(bearing), BEARING_6205))

    assert found["outer_diameter"] == "dimension_mismatch"
    assert found["units_suspect"] == "units_suspect"


def test_open_empty_and_absurdly_sized_models_are_flagged():
    open_bearing = deep_groove_bearing()
    open_bearing.update_faces(np.arange(1, len(open_bearing.faces)))
    huge = deep_groove_bearing()
    huge.apply_scale(1000)
    tiny = deep_groove_bearing()
    tiny.apply_scale(0.001)

    open_facts = facts_of(open_bearing)
    assert open_facts.volume_mm3 is None
    assert codes(check_against_dimensions(open_facts)) == {"not_watertight": "not_watertight"}
    assert codes(check_against_dimensions(facts_of(huge))) == {"implausibly_large": "implausibly_large"}
    assert codes(check_against_dimensions(facts_of(tiny))) == {"implausibly_small": "implausibly_small"}
    assert codes(check_against_dimensions(facts_of(trimesh.Trimesh()), BEARING_6205)) == {"empty": "empty"}


# --- preview -------------------------------------------------------------------------------------


@pytest.mark.parametrize("part", [deep_groove_bearing, socket_head_cap_screw])
def test_preview_is_a_shaded_png_of_the_requested_size(tmp_path, part):
    target = tmp_path / "preview.png"
    png = render_png(part(), size=160, path=target)

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (160, 160)
    assert target.read_bytes() == png
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    drawn = pixels[(pixels != BACKGROUND).any(axis=1)]
    assert 0.10 < len(drawn) / len(pixels) < 0.85
    greys = np.asarray(Image.fromarray(drawn[None, :, :]).convert("L")).ravel()
    assert len(np.unique(greys)) > 20, "faces turned to the light differ in brightness"
    assert greys.max() - greys.min() > 60


def test_preview_of_a_model_without_faces_is_refused():
    with pytest.raises(ModelError, match="no faces"):
        render_png(trimesh.Trimesh())
