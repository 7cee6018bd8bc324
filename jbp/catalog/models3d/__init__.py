"""3D models of catalog parts: read CAD and mesh files into millimetres, measure them, check them
against the datasheet, draw a thumbnail and export them again."""

from .checks import Finding, check_against_dimensions
from .errors import ModelError
from .export import export_model
from .facts import ModelFacts, facts_of
from .limits import ModelLimits
from .loading import load_model
from .model import LoadedModel, ModelPart
from .model_units import UnitsDecision, guess_units
from .preview import render_png
from .step import STEP_EXTRA_MISSING

__all__ = [
    "STEP_EXTRA_MISSING",
    "Finding",
    "LoadedModel",
    "ModelError",
    "ModelFacts",
    "ModelLimits",
    "ModelPart",
    "UnitsDecision",
    "check_against_dimensions",
    "export_model",
    "facts_of",
    "guess_units",
    "load_model",
    "render_png",
]
