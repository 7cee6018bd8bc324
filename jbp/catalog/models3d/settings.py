"""The ``[models]`` section of a workspace's ``jbp.toml``: size limits for model files and the
tolerance of datasheet checks.

    [models]
    max_faces = 500000        # any field of ModelLimits
    tolerance = 0.03          # relative, for `jbp model check`
"""

from __future__ import annotations

from dataclasses import fields

from jbp.errors import WorkspaceError
from jbp.workspace import Workspace

from .limits import ModelLimits

SECTION = "models"
DEFAULT_TOLERANCE = 0.05


def model_limits(workspace: Workspace) -> ModelLimits:
    """ModelLimits with whatever the workspace overrides."""
    overrides = {}
    for field in fields(ModelLimits):
        value = workspace.setting(SECTION, field.name)
        if value is not None:
            overrides[field.name] = _positive(field.name, value, float if field.type == "float" else int)
    return ModelLimits(**overrides)


def check_tolerance(workspace: Workspace) -> float:
    value = workspace.setting(SECTION, "tolerance")
    return DEFAULT_TOLERANCE if value is None else _positive("tolerance", value, float)


def _positive(name: str, value, kind: type) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0 or (
            kind is int and not isinstance(value, int)):
        raise WorkspaceError(f"jbp.toml [{SECTION}] {name} = {value!r}: expected a positive "
                             f"{'whole number' if kind is int else 'number'}")
    return kind(value)
