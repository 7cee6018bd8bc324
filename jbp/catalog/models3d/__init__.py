"""3D models of catalog parts: read CAD and mesh files into millimetres, measure them, check them
against the datasheet, draw a thumbnail and export them again; store them in the workspace once per
content and attach them to products."""

from .attach import AttachResult, ModelAttacher, add_model
from .bulk import BulkReport, add_models_from_dir
from .catalog_checks import CheckReport, ProductCheck, check_models
from .checks import Finding, check_against_dimensions
from .errors import ModelError
from .export import export_model
from .facts import ModelFacts, facts_of
from .limits import ModelLimits
from .loading import load_model
from .media_models import ReferencedModelsReport, attach_referenced_models
from .model import LoadedModel, ModelPart
from .model_units import UnitsDecision, guess_units
from .preview import render_png
from .retrieval import PreviewResult, ProductModel, export_product_model, preview_product_model, show_model
from .step import STEP_EXTRA_MISSING
from .storage import BlobStore

__all__ = [
    "STEP_EXTRA_MISSING",
    "AttachResult",
    "BlobStore",
    "BulkReport",
    "CheckReport",
    "Finding",
    "LoadedModel",
    "ModelAttacher",
    "ModelError",
    "ModelFacts",
    "ModelLimits",
    "ModelPart",
    "PreviewResult",
    "ProductCheck",
    "ProductModel",
    "ReferencedModelsReport",
    "UnitsDecision",
    "add_model",
    "add_models_from_dir",
    "attach_referenced_models",
    "check_against_dimensions",
    "check_models",
    "export_model",
    "export_product_model",
    "facts_of",
    "guess_units",
    "load_model",
    "preview_product_model",
    "render_png",
    "show_model",
]
