"""A model as read from a file: its parts, all in millimetres, and how its unit was decided."""

from __future__ import annotations

from dataclasses import dataclass

import trimesh
from pydantic import BaseModel, ConfigDict

from .model_units import UnitsDecision


class ModelPart(BaseModel):
    """One body of a model (a STEP assembly lists many): its name and size in faces."""

    model_config = ConfigDict(frozen=True)

    name: str
    faces: int
    watertight: bool


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """A model file read into memory: ``mesh`` joins every part (for facts and preview), ``scene``
    keeps them apart (for export); both are in millimetres."""

    mesh: trimesh.Trimesh
    scene: trimesh.Scene
    parts: tuple[ModelPart, ...]
    format: str
    units: UnitsDecision
    source: str
