"""Models a catalog refers to (BMEcat MIME_INFO of a CAD type, a "3D模型" column), attached after an
import when the file is present beside the catalog.

References are the catalog's own paths, relative to its folder (``cad/hgt/6205.stp``). The catalog
comes from outside, so a reference that is absolute, climbs out of that folder (``..``, or a link
pointing elsewhere) is refused, and a URL is not fetched. A referenced file that is absent is counted,
not an error. A model attached by hand (`jbp model add`) is never replaced by an import; one attached
by an earlier import follows the catalog. A file shared by a family of products is read once.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from pydantic import BaseModel

from jbp.errors import JbpError, Location
from jbp.store import model_rows
from jbp.workspace import Workspace

from .archive_safety import check_reference
from .attach import ModelAttacher
from .catalog_checks import expected_for_product
from .errors import ModelError

_REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


class ReferenceProblem(BaseModel):
    reference: str
    skus: list[str]
    error: str


class ReferencedModelsReport(BaseModel):
    products: int = 0  # imported products that refer to a CAD file
    files: int = 0  # distinct files found beside the catalog
    attached: int = 0
    replaced: int = 0
    unchanged: int = 0
    kept: int = 0  # products keeping a model attached by hand
    new_models: int = 0
    absent: list[str] = []  # references whose file is not there
    remote: list[str] = []  # URLs, not fetched
    problems: list[ReferenceProblem] = []  # unsafe references, unreadable files


def attach_referenced_models(workspace: Workspace, catalog_path: Path | str,
                             product_ids: list[int]) -> ReferencedModelsReport:
    """Attach to each of ``product_ids`` the first of its CAD references whose file exists relative to the
    folder of ``catalog_path``."""
    report = ReferencedModelsReport()
    catalog_path = Path(catalog_path)
    with workspace.store.reading() as conn:
        references = model_rows.cad_media(conn, product_ids)
        if not references:
            return report
        referring = sorted({product_id for product_id, _ in references})
        products = model_rows.product_rows(conn, referring)
        current = model_rows.attachments(conn, referring)
    report.products = len(referring)
    files = _files_to_attach(catalog_path, references, products, report)
    if not files:
        return report
    attacher = ModelAttacher(workspace)
    for path, product_ids_of_file in files.items():
        chosen = [products[i] for i in product_ids_of_file if current.get(i, {}).get("origin") != "file"]
        report.kept += len(product_ids_of_file) - len(chosen)
        if chosen:
            _attach_file(attacher, path, chosen, report)
    return report


def _files_to_attach(catalog_path: Path, references: list[tuple[int, str]], products: dict[int, dict],
                     report: ReferencedModelsReport) -> dict[Path, list[int]]:
    """Existing file -> the products to attach it to (each product's first reference that exists)."""
    base = catalog_path.resolve().parent
    files: dict[Path, list[int]] = {}
    placed: set[int] = set()
    by_reference: dict[str, Path | None] = {}
    for product_id, uri in references:
        if product_id in placed:
            continue
        if uri not in by_reference:
            by_reference[uri] = _resolve(catalog_path, base, uri, products[product_id]["sku"], report)
        path = by_reference[uri]
        if path is not None:
            files.setdefault(path, []).append(product_id)
            placed.add(product_id)
    report.files = len(files)
    return files


def _resolve(catalog_path: Path, base: Path, uri: str, sku: str, report: ReferencedModelsReport) -> Path | None:
    """The file a reference names, or None (recorded in the report) when it is remote, unsafe or absent."""
    reference = uri.strip()
    if _REMOTE.match(reference):
        report.remote.append(reference)
        return None
    try:
        check_reference(reference, Location(file=str(catalog_path), value=reference))
        path = (base / unquote(reference).replace("\\", "/")).resolve()
        if not path.is_relative_to(base):
            raise ModelError(f"{reference!r} leads out of the catalog's folder (a link?)",
                             Location(file=str(catalog_path), value=reference))
    except ModelError as error:
        report.problems.append(ReferenceProblem(reference=reference, skus=[sku], error=str(error)))
        return None
    if not path.is_file():
        report.absent.append(reference)
        return None
    return path


def _attach_file(attacher: ModelAttacher, path: Path, products: list[dict], report: ReferencedModelsReport) -> None:
    try:
        with attacher.store.reading() as conn:
            expected, _ = expected_for_product(conn, attacher.definitions, products[0])
        prepared = attacher.prepare(path, expected_mm=expected)
        new_model, changes = attacher.attach_all(products, prepared, origin="catalog")
    except JbpError as error:
        report.problems.append(ReferenceProblem(reference=str(path), skus=[p["sku"] for p in products],
                                                error=str(error)))
        return
    report.new_models += int(new_model)
    for change in changes:
        status = change["status"]
        setattr(report, status, getattr(report, status) + 1)
