"""A product's stored model read back: shown with its facts and checks, exported, or drawn as a PNG.

Exports and previews are made from the cached GLB (fast to read, already in one unit), never by
reading the original again (a STEP file costs seconds to tessellate). Previews are cached in the blob
folder per (model, size), so a catalog page asks for each thumbnail once.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from jbp.catalog.definitions import load_definitions
from jbp.errors import DataError, Location, NotFoundError
from jbp.store import model_rows
from jbp.workspace import Workspace

from .catalog_checks import expected_for_product, stored_facts, verdict
from .checks import Finding, check_against_dimensions
from .export import export_model
from .facts import ModelFacts
from .limits import ModelLimits
from .loading import load_model
from .lookup import find_product
from .model import LoadedModel
from .preview import render_png
from .settings import check_tolerance, model_limits
from .storage import BlobStore

OutputFormat = Literal["glb", "stl", "obj", "original"]
PREVIEW_SIZES = (32, 2048)


class ProductModel(BaseModel):
    """A product's model: where it is stored, its facts and how it compares with the datasheet."""

    brand: str
    sku: str
    category: str
    sha256: str
    format: str
    original_name: str
    size_bytes: int
    glb_sha256: str
    created_at: datetime
    attached_at: datetime
    origin: str
    used_by: int  # products attached to this same model, this one included
    original_path: str
    glb_path: str
    facts: ModelFacts
    expected_mm: dict[str, float]
    status: str
    findings: list[Finding]


class PreviewResult(BaseModel):
    path: str
    size: int
    cached: bool  # drawn before and read from the blob folder


def show_model(workspace: Workspace, sku: str, *, brand: str | None = None) -> ProductModel:
    """The model attached to ``sku``; NotFoundError if the SKU is unknown or has no model."""
    blobs = BlobStore(workspace.blobs_dir)
    with workspace.store.reading() as conn:
        definitions = load_definitions(conn)
        product = find_product(conn, definitions, sku, brand)
        brand_code = next(code for code, i in definitions.brand_ids.items() if i == product["brand_id"])
        attached = model_rows.attachment(conn, product["id"])
        if attached is None:
            raise NotFoundError(f"{brand_code} {product['sku']} has no 3D model; attach one with "
                                f"`jbp model add {product['sku']} FILE`")
        model = model_rows.models_by_ids(conn, [attached["model_id"]])[attached["model_id"]]
        used_by = model_rows.products_using(conn, model["id"])
        expected, _ = expected_for_product(conn, definitions, product)
    facts = stored_facts(model)
    findings = check_against_dimensions(facts, expected, check_tolerance(workspace))
    category = next(code for code, i in definitions.category_ids.items() if i == product["category_id"])
    return ProductModel(
        brand=brand_code, sku=product["sku"], category=category, sha256=model["sha256"], format=model["format"],
        original_name=model["original_name"], size_bytes=model["size_bytes"], glb_sha256=model["glb_sha256"],
        created_at=model["created_at"], attached_at=attached["attached_at"], origin=attached["origin"],
        used_by=used_by, original_path=str(blobs.path(model["sha256"], model["format"])),
        glb_path=str(blobs.path(model["glb_sha256"], "glb")), facts=facts, expected_mm=expected,
        status=verdict(findings), findings=findings)


def export_product_model(workspace: Workspace, sku: str, fmt: OutputFormat, output: Path | str, *,
                         brand: str | None = None) -> Path:
    """Write the model of ``sku`` to ``output`` as GLB (metres), STL or OBJ (mm), or the original file."""
    model = show_model(workspace, sku, brand=brand)
    blobs = BlobStore(workspace.blobs_dir)
    if fmt == "original":
        content = blobs.read(model.sha256, model.format)
    elif fmt == "glb":
        content = blobs.read(model.glb_sha256, "glb")
    elif fmt in ("stl", "obj"):
        loaded = _load_glb(blobs, model.glb_sha256, model_limits(workspace))
        content = export_model(loaded.mesh if fmt == "stl" else loaded.scene, fmt)
    else:
        raise DataError(f"cannot export as {fmt!r}; choose glb, stl, obj or original", Location(value=fmt))
    output = Path(output)
    output.write_bytes(content)
    return output


def preview_product_model(workspace: Workspace, sku: str, output: Path | str | None = None, *, size: int = 512,
                          brand: str | None = None) -> PreviewResult:
    """A ``size``×``size`` PNG of the model of ``sku``, from the cache or drawn and cached; copied to ``output``."""
    low, high = PREVIEW_SIZES
    if not low <= size <= high:
        raise DataError(f"preview size {size} is outside {low}..{high} pixels", Location(value=str(size)))
    model = show_model(workspace, sku, brand=brand)
    blobs = BlobStore(workspace.blobs_dir)
    cached_path = blobs.preview_path(model.sha256, size)
    cached = cached_path.is_file()
    if cached:
        png = cached_path.read_bytes()
    else:
        png = render_png(_load_glb(blobs, model.glb_sha256, model_limits(workspace)).mesh, size)
        blobs.put_preview(model.sha256, size, png)
    if output is not None:
        Path(output).write_bytes(png)
    return PreviewResult(path=str(output if output is not None else cached_path), size=size, cached=cached)


def _load_glb(blobs: BlobStore, glb_sha256: str, limits: ModelLimits) -> LoadedModel:
    blobs.read(glb_sha256, "glb")  # a damaged or missing blob stops here with a clear error
    return load_model(blobs.path(glb_sha256, "glb"), limits=limits, assume_units="m")
