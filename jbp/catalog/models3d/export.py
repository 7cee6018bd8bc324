"""Model files for download, written from millimetre meshes.

STL and OBJ carry no unit and are written in millimetres, as CAD tools expect. GLB is written in
metres, the unit the glTF specification fixes, so that web and AR viewers show the part at its real
size; reading it back with :func:`load_model` returns millimetres again.
"""

from __future__ import annotations

from typing import Literal

import trimesh

from .errors import ModelError

ExportFormat = Literal["glb", "stl", "obj"]
_MM_TO_M = 0.001


def export_model(model: trimesh.Trimesh | trimesh.Scene, fmt: ExportFormat) -> bytes:
    """Serialise a mesh or scene in millimetres as ``glb``, binary ``stl`` or ``obj``."""
    if fmt not in ("glb", "stl", "obj"):
        raise ModelError(f"cannot export {fmt!r}; choose glb, stl or obj")
    if fmt == "glb":
        scene = trimesh.Scene(model) if isinstance(model, trimesh.Trimesh) else model
        model = scene.scaled(_MM_TO_M)
        model.units = "meters"
    exported = model.export(file_type=fmt)
    return exported.encode("utf-8") if isinstance(exported, str) else exported
