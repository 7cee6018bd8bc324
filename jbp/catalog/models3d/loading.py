"""Read a CAD or mesh file into a :class:`LoadedModel` in millimetres.

Every check that can run on the raw file runs before trimesh parses it (size, STL header, face
count from headers, archive members, glTF references); whatever fails raises :class:`ModelError`
and nothing is returned, so nothing half-read can be stored.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import trimesh

from jbp.errors import Location

from .archive_safety import check_archive, check_gltf_file
from .errors import ModelError
from .face_budget import declared_faces, require_within_face_limit
from .formats import SIGNATURE_BYTES, detect_format
from .limits import ModelLimits
from .model import LoadedModel, ModelPart
from .model_units import UnitsDecision, assumed_units, declared_units, guess_units
from .step import step_to_glb

_GENERIC_NAME = re.compile(r"^geometry(_\d+)?$")


def load_model(
    path: str | Path,
    *,
    limits: ModelLimits = ModelLimits(),
    assume_units: str | None = None,
    expected_mm: Mapping[str, float] | None = None,
) -> LoadedModel:
    """Read the model at ``path``; ``assume_units`` overrides the file's unit, ``expected_mm``
    (datasheet dimensions) helps guess it where the file declares none."""
    path = Path(path)
    where = Location(file=str(path))
    file_format, declared = _precheck(path, limits, where)
    scene = _read_scene(path, file_format, where)
    named_meshes = _named_meshes(scene, path)
    faces = sum(len(mesh.faces) for _, mesh in named_meshes)
    if faces == 0:
        raise ModelError("the model has no faces", where)
    if declared is not None and faces < declared:
        # trimesh drops faces it cannot use without a word; a model missing faces is not the part
        raise ModelError(
            f"the file declares {declared:,} faces but only {faces:,} could be read (corners that are "
            "not numbers, or faces with fewer than three corners)",
            where,
        )
    require_within_face_limit(faces, limits, where)
    joined = trimesh.util.concatenate([mesh for _, mesh in named_meshes])
    if not np.isfinite(joined.vertices).all():
        raise ModelError("the model has coordinates that are not numbers (NaN or infinity)", where)
    units = _decide_units(scene, file_format, joined.extents, assume_units, expected_mm)
    scene_mm = trimesh.Scene()
    for mesh in [joined, *(mesh for _, mesh in named_meshes)]:
        mesh.apply_scale(units.scale_to_mm)
        mesh.units = "mm"
    for name, mesh in named_meshes:
        scene_mm.add_geometry(mesh, geom_name=name)
    parts = tuple(
        ModelPart(name=name, faces=len(mesh.faces), watertight=mesh.is_watertight)
        for name, mesh in named_meshes
    )
    return LoadedModel(joined, scene_mm, parts, file_format, units, path.name)


def _precheck(path: Path, limits: ModelLimits, where: Location) -> tuple[str, int | None]:
    """Checks on the raw file; returns its format and the faces its header declares, if it does."""
    if not path.is_file():
        raise ModelError("no such file", where)
    size = path.stat().st_size
    if size == 0:
        raise ModelError("the file is empty", where)
    if size > limits.max_file_bytes:
        raise ModelError(
            f"the file is {size:,} bytes, over the limit of {limits.max_file_bytes:,} (max_file_bytes)", where
        )
    with path.open("rb") as stream:
        file_format = detect_format(path, stream.read(SIGNATURE_BYTES))
    faces = declared_faces(path, file_format)
    if faces == 0:
        raise ModelError("the model has no faces", where)
    if faces is not None:
        require_within_face_limit(faces, limits, where)
    if file_format in ("3mf", "zip"):
        check_archive(path, limits)
    if file_format == "gltf":
        check_gltf_file(path, limits)
    return file_format, faces


def _read_scene(path: Path, file_format: str, where: Location) -> trimesh.Scene:
    try:
        if file_format == "step":
            return trimesh.load_scene(io.BytesIO(step_to_glb(path)), file_type="glb")
        return trimesh.load_scene(str(path), file_type=file_format)
    except ModelError:
        raise
    except ImportError as error:  # trimesh defers its optional readers' imports (3MF needs networkx)
        raise ModelError(
            f"reading {file_format.upper()} needs the Python package {error.name!r}, which is not installed",
            where,
        ) from error
    except Exception as error:  # trimesh's parsers raise anything from IndexError to struct.error
        raise ModelError(f"cannot read this {file_format.upper()} file: {error}", where) from error


def _named_meshes(scene: trimesh.Scene, path: Path) -> list[tuple[str, trimesh.Trimesh]]:
    """Every triangle mesh placed in the scene, moved to where the scene puts it; points and
    lines are not parts. Names trimesh makes up (``geometry_0``, the file name) give way to the
    file's stem."""
    placed = []
    for node in scene.graph.nodes_geometry:
        transform, geometry_name = scene.graph[node]
        geometry = scene.geometry[geometry_name]
        if isinstance(geometry, trimesh.Trimesh):
            mesh = geometry.copy()
            mesh.apply_transform(transform)
            placed.append((geometry_name, mesh))
    if any(_GENERIC_NAME.match(name) or name == path.name for name, _ in placed):
        placed = [
            (path.stem if len(placed) == 1 else f"{path.stem}_{index + 1}", mesh)
            for index, (_, mesh) in enumerate(placed)
        ]
    return placed


def _decide_units(
    scene: trimesh.Scene,
    file_format: str,
    extents: np.ndarray,
    assume_units: str | None,
    expected_mm: Mapping[str, float] | None,
) -> UnitsDecision:
    if file_format == "step":
        # cascadio has already applied the STEP file's own unit on the way to metres
        return declared_units("meters", "STEP tessellated by cascadio (glTF, in metres)")
    if assume_units is not None:
        return assumed_units(assume_units)
    declared = scene.units and declared_units(scene.units, f"the {file_format.upper()} file")
    return declared or guess_units(extents.tolist(), expected_mm)
