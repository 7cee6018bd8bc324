"""The measurable facts of a model, in millimetres, kept with it in the store."""

from __future__ import annotations

import trimesh
from pydantic import BaseModel, ConfigDict

from .model import LoadedModel, ModelPart
from .model_units import UnitsSource

Vector = tuple[float, float, float]
_DECIMALS = 4  # 0.1 µm: finer than any catalog tolerance, coarse enough to be stable across reads


class ModelFacts(BaseModel):
    """Counts, size, volume and unit provenance of a model; lengths in mm.

    ``volume_mm3`` is None unless every part is closed: an open mesh has no inside to measure.
    """

    model_config = ConfigDict(frozen=True)

    format: str | None
    vertices: int
    faces: int
    bbox_min_mm: Vector
    bbox_max_mm: Vector
    extents_mm: Vector
    extents_sorted_mm: Vector
    volume_mm3: float | None
    area_mm2: float
    watertight: bool
    parts: tuple[ModelPart, ...]
    source_units: str
    units_source: UnitsSource
    scale_applied: float
    units_reason: str


def facts_of(model: LoadedModel | trimesh.Trimesh) -> ModelFacts:
    """Facts of a loaded model, or of a bare mesh taken to be in millimetres already."""
    if isinstance(model, trimesh.Trimesh):
        mesh, file_format, bodies = model, None, [model]
        parts = (ModelPart(name="mesh", faces=len(mesh.faces), watertight=mesh.is_watertight),)
        source_units, units_source, scale, reason = "mm", "assumed", 1.0, "a mesh in memory, taken as mm"
    else:
        mesh, file_format, parts = model.mesh, model.format, model.parts
        bodies = list(model.scene.geometry.values())
        units = model.units
        source_units, units_source, scale, reason = (
            units.source_units, units.units_source, units.scale_to_mm, units.reason
        )
    empty = len(mesh.faces) == 0
    watertight = not empty and all(part.watertight for part in parts)
    bounds = [[0.0] * 3, [0.0] * 3] if empty else mesh.bounds.tolist()
    extents = [high - low for low, high in zip(*bounds, strict=True)]
    return ModelFacts(
        format=file_format,
        vertices=len(mesh.vertices),
        faces=len(mesh.faces),
        bbox_min_mm=_vector(bounds[0]),
        bbox_max_mm=_vector(bounds[1]),
        extents_mm=_vector(extents),
        extents_sorted_mm=_vector(sorted(extents, reverse=True)),
        # per body, so that one inside-out part does not subtract from the others
        volume_mm3=round(sum(abs(float(body.volume)) for body in bodies), _DECIMALS) if watertight else None,
        area_mm2=round(float(mesh.area), _DECIMALS),
        watertight=watertight,
        parts=parts,
        source_units=source_units,
        units_source=units_source,
        scale_applied=scale,
        units_reason=reason,
    )


def _vector(values: list[float]) -> Vector:
    x, y, z = (round(float(value), _DECIMALS) for value in values)
    return (x, y, z)
