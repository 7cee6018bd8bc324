"""Attaching a model file to a product: the file is read and measured once per content, stored as
content-addressed blobs (the original and a web-ready GLB), and the product points at it.

Nothing is stored for bad input: the product is looked up before the file is read, the file is read
and measured before any blob is written, and blobs this call wrote are removed again if the database
refuses the rows. The same file attached to many products (a family of variants) is one model row and
one blob. Replacing a product's model leaves the old model and its blobs stored: other products may
use it, and attaching it again costs nothing. Nothing collects unreferenced models yet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import Connection

from jbp.catalog.definitions import load_definitions
from jbp.errors import Location
from jbp.store import model_rows
from jbp.workspace import Workspace

from .archive_safety import check_gltf_references
from .catalog_checks import expected_for_product, stored_facts
from .checks import Finding, check_against_dimensions
from .errors import ModelError
from .export import export_model
from .facts import ModelFacts, facts_of
from .loading import load_model
from .lookup import find_product
from .settings import check_tolerance, model_limits
from .storage import BlobStore

Origin = Literal["file", "catalog"]
# reread: the same file, read again in the unit given (its facts and GLB changed for every product using it)
AttachStatus = Literal["attached", "replaced", "unchanged", "reread"]
_HASH_CHUNK = 1024 * 1024


class AttachResult(BaseModel):
    """What attaching one file to one product did, and how the model compares with the datasheet."""

    brand: str
    sku: str
    file: str
    status: AttachStatus
    model_sha256: str
    new_model: bool  # stored by this call; False when an identical file was stored already
    previous_sha256: str | None = None  # the model it replaced
    previous_still_used_by: int = 0  # products still attached to the replaced model
    facts: ModelFacts
    findings: list[Finding]


@dataclass
class PreparedModel:
    """A model file read, measured and written to the blobs, ready for its row; or one stored already."""

    sha256: str
    facts: ModelFacts
    model_id: int | None  # the stored model with this content
    row: dict | None = None  # a new models3d row, or new facts for the stored one (read in another unit)
    written: list[tuple[str, str]] = field(default_factory=list)  # (sha256, ext) of blobs this call created


class ModelAttacher:
    """Attaches model files to the products of one workspace; definitions, limits and tolerance are read once."""

    def __init__(self, workspace: Workspace):
        self.store = workspace.store
        self.blobs = BlobStore(workspace.blobs_dir)
        self.limits = model_limits(workspace)
        self.tolerance = check_tolerance(workspace)
        with self.store.reading() as conn:
            self.definitions = load_definitions(conn)
        self.brand_codes = {brand_id: code for code, brand_id in self.definitions.brand_ids.items()}

    def add(self, sku: str, path: Path | str, *, brand: str | None = None,
            assume_units: str | None = None) -> AttachResult:
        """Attach the file at ``path`` to the product ``sku`` (of ``brand`` where SKUs repeat across brands)."""
        with self.store.reading() as conn:
            product = find_product(conn, self.definitions, sku, brand)
            expected, _ = expected_for_product(conn, self.definitions, product)
        prepared = self.prepare(path, expected_mm=expected, assume_units=assume_units)
        return self.attach(product, prepared, origin="file", file=Path(path), expected_mm=expected)

    def prepare(self, path: Path | str, *, expected_mm: dict[str, float] | None = None,
                assume_units: str | None = None) -> PreparedModel:
        """Read, measure and store the file's blobs, unless a file with the same content is stored already.

        ``expected_mm`` (datasheet dimensions) helps guess the unit of a file that declares none;
        ``assume_units`` states it, and re-reads a stored file whose facts were taken in another unit.
        """
        path = Path(path)
        sha256 = file_sha256(path)
        with self.store.reading() as conn:
            stored = model_rows.model_by_sha(conn, sha256)
        if stored and assume_units is None:
            return PreparedModel(sha256, stored_facts(stored), stored["id"])
        loaded = load_model(path, limits=self.limits, assume_units=assume_units, expected_mm=expected_mm or None)
        _require_self_contained(path, loaded.format)
        facts = facts_of(loaded)
        glb = export_model(loaded.scene, "glb")
        written: list[tuple[str, str]] = []
        try:
            copied, size, new_original = self.blobs.put_file(path, loaded.format)
            if new_original:
                written.append((copied, loaded.format))
            if copied != sha256:
                raise ModelError("the file changed while it was being read; try again", Location(file=str(path)))
            glb_sha256, new_glb = self.blobs.put_bytes(glb, "glb")
            if new_glb:
                written.append((glb_sha256, "glb"))
        except BaseException:
            self._discard(written)
            raise
        row = {"sha256": sha256, "format": loaded.format, "original_name": path.name, "size_bytes": size,
               "facts": facts.model_dump(mode="json", exclude={"parts"}),
               "parts": [part.model_dump(mode="json") for part in facts.parts], "glb_sha256": glb_sha256,
               "created_at": self._now()}
        if stored and stored["facts"] == row["facts"] and stored["glb_sha256"] == glb_sha256:
            return PreparedModel(sha256, facts, stored["id"])
        return PreparedModel(sha256, facts, stored["id"] if stored else None, row, written)

    def attach(self, product: dict, prepared: PreparedModel, *, origin: Origin, file: Path,
               expected_mm: dict[str, float]) -> AttachResult:
        """Point the product at the prepared model; returns what changed and the datasheet findings."""
        new_model, [change] = self.attach_all([product], prepared, origin=origin)
        return AttachResult(brand=self.brand_codes[product["brand_id"]], sku=product["sku"], file=str(file),
                            model_sha256=prepared.sha256, new_model=new_model, facts=prepared.facts,
                            findings=check_against_dimensions(prepared.facts, expected_mm, self.tolerance),
                            **change)

    def attach_all(self, products: list[dict], prepared: PreparedModel, *, origin: Origin) -> tuple[bool, list[dict]]:
        """Point every product at the prepared model in one transaction; returns whether the model is new
        and per product its status (and the model it replaced)."""
        try:
            with self.store.transaction() as conn:
                model_id, new_model = self._save_model(conn, prepared)
                changes = [self._point(conn, product["id"], model_id, origin, reread=prepared.row is not None)
                           for product in products]
        except BaseException:
            self._discard(prepared.written)
            raise
        return new_model, changes

    def _point(self, conn: Connection, product_id: int, model_id: int, origin: Origin, *, reread: bool) -> dict:
        previous = model_rows.attachment(conn, product_id)
        if previous is not None and previous["model_id"] == model_id:
            return {"status": "reread" if reread else "unchanged"}
        model_rows.set_attachment(conn, product_id, model_id, origin, self._now(), replacing=previous is not None)
        if previous is None:
            return {"status": "attached"}
        old = model_rows.models_by_ids(conn, [previous["model_id"]])[previous["model_id"]]
        return {"status": "replaced", "previous_sha256": old["sha256"],
                "previous_still_used_by": model_rows.products_using(conn, previous["model_id"])}

    def _save_model(self, conn: Connection, prepared: PreparedModel) -> tuple[int, bool]:
        """The model's id, inserting or updating its row as prepared; and whether it is new."""
        if prepared.row is None:
            return prepared.model_id, False
        if prepared.model_id is not None:
            model_rows.update_model_reading(conn, prepared.model_id, prepared.row)
            return prepared.model_id, False
        stored = model_rows.model_by_sha(conn, prepared.sha256)  # stored meanwhile by another process
        if stored is not None:
            return stored["id"], False
        return model_rows.insert_model(conn, prepared.row), True

    def _discard(self, written: list[tuple[str, str]]) -> None:
        for sha256, ext in written:
            self.blobs.discard(sha256, ext)

    @staticmethod
    def _now() -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)


def add_model(workspace: Workspace, sku: str, path: Path | str, *, brand: str | None = None,
              assume_units: str | None = None) -> AttachResult:
    """Attach the model file at ``path`` to the product ``sku``; see :class:`ModelAttacher`."""
    return ModelAttacher(workspace).add(sku, path, brand=brand, assume_units=assume_units)


def file_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes, read in chunks; ModelError if there is no such file."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_HASH_CHUNK):
                digest.update(chunk)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise ModelError("no such file", Location(file=str(path))) from None
    return digest.hexdigest()


def _require_self_contained(path: Path, file_format: str) -> None:
    """A stored model is one file; a .gltf whose buffers or images lie beside it is not."""
    if file_format != "gltf":
        return
    where = Location(file=str(path))
    external = check_gltf_references(path.read_bytes(), where)
    if external:
        raise ModelError(f"this glTF refers to other files ({', '.join(external[:3])}); store it as .glb, or zip "
                         "it with its files", where)
