"""One import = one transaction: parse, validate, compare with the store, write, report.

A file with rejected rows changes nothing unless `partial` is set, and then exactly the valid rows
land. Re-importing the same file finds every product unchanged (by content hash).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection

from jbp.catalog import definitions as defs
from jbp.catalog.building import ProductBuilder, Rejected, Rejection, text_of
from jbp.catalog.importers.mapping import read_mapping
from jbp.catalog.importers.registry import read_catalog
from jbp.catalog.models import Product
from jbp.catalog.records import RawProduct
from jbp.errors import Location
from jbp.store import Store, catalog_rows

BATCH_SIZE = 2000
ProgressCallback = Callable[[int], None]


@dataclass
class ImportOptions:
    partial: bool = False  # commit the valid rows even when some are rejected
    dry_run: bool = False  # validate and compare, write nothing
    mapping: Path | None = None
    sheet: str | None = None
    default_brand: str | None = None
    default_category: str | None = None
    now: datetime | None = None


@dataclass
class ImportReport:
    source: str
    format: str = ""
    status: str = "pending"  # committed | dry_run | rejected
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)  # definitions created from the file (BMEcat)
    run_id: int | None = None
    # ids of every created or updated product, for the indexes to follow
    changed_ids: list[int] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def as_dict(self) -> dict:
        return {"source": self.source, "format": self.format, "status": self.status, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "rejected": self.rejected,
                "rejections": [r.as_dict() for r in self.rejections], "warnings": self.warnings,
                "derived": self.derived, "run_id": self.run_id}


class Indexer(Protocol):
    """A derived index kept current by imports (search, selection).

    `update` runs inside the import's transaction, so an index stored in the same database commits or
    rolls back with the import; `after_commit` is for indexes kept in files beside the database.
    """

    def update(self, conn: Connection, product_ids: list[int]) -> None: ...

    def after_commit(self, product_ids: list[int]) -> None: ...


class _RollBack(Exception):
    """Leaves the import transaction without committing."""


def import_catalog(store: Store, path: Path | str, options: ImportOptions | None = None,
                   progress: ProgressCallback | None = None, indexers: Sequence[Indexer] = ()) -> ImportReport:
    """Import one catalog file into the store; see the module docstring for the guarantees.

    `indexers` are told which products changed, inside the transaction and again after it commits.
    """
    options = options or ImportOptions()
    path = Path(path)
    report = ImportReport(source=str(path))
    mapping = read_mapping(options.mapping)
    try:
        with store.transaction() as conn:
            definitions = defs.load_definitions(conn)
            parsed = read_catalog(path, definitions, mapping, sheet=options.sheet)
            report.format, report.warnings = parsed.format, list(parsed.warnings)
            for brand in parsed.brands:
                defs.save_brand(conn, brand, definitions)
            for category in parsed.categories:
                defs.save_category(conn, category, definitions)
            builder = ProductBuilder(
                definitions, derive=parsed.derive_definitions,
                default_brand=options.default_brand or parsed.default_brand or mapping.defaults.get("brand"),
                default_category=options.default_category or mapping.defaults.get("category"))
            _write_products(conn, builder, parsed.products, report, options, progress)
            if report.rejections and not options.partial:
                report.status = "rejected"
                raise _RollBack
            if options.dry_run:
                report.status = "dry_run"
                raise _RollBack
            report.status = "committed"
            for indexer in indexers:
                indexer.update(conn, report.changed_ids)
            report.run_id = catalog_rows.insert_import_run(conn, {
                "started_at": options.now or datetime.now(UTC).replace(tzinfo=None), "source": str(path),
                "format": report.format, "status": report.status, "created": report.created,
                "updated": report.updated, "unchanged": report.unchanged, "rejected": report.rejected,
                "report": report.as_dict()})
    except _RollBack:
        return report
    for indexer in indexers:
        indexer.after_commit(report.changed_ids)
    return report


def _write_products(conn: Connection, builder: ProductBuilder, raw_products, report: ImportReport,
                    options: ImportOptions, progress: ProgressCallback | None) -> None:
    seen: dict[tuple[str, str], Location] = {}
    stored_derived: set[str] = set()
    for batch in _batches(raw_products, BATCH_SIZE):
        valid: list[Product] = []
        for raw in batch:
            product = _build(builder, raw, report)
            if product is None:
                continue
            key = (product.brand, product.sku)
            if key in seen:
                first = seen[key]
                report.rejections.append(Rejection(
                    _at(raw, "sku", product.sku),
                    f"duplicate SKU {product.sku!r} for brand {product.brand} (first at row {first.row})"))
                continue
            seen[key] = raw.location
            valid.append(product)
        _store_derived(conn, builder, report, stored_derived)
        _store_batch(conn, builder.definitions, valid, report, options)
        if progress:
            progress(len(batch))


def _build(builder: ProductBuilder, raw: RawProduct, report: ImportReport) -> Product | None:
    try:
        return builder.build(raw)
    except Rejected as problem:
        value = problem.value
        where = raw.location
        location = Location(where.file, where.sheet, where.row, value.column if value else None,
                            text_of(value.value) if value else None)
        report.rejections.append(Rejection(location, problem.reason))
        return None


def _at(raw: RawProduct, field_name: str, value: str) -> Location:
    column = raw.fields[field_name].column if field_name in raw.fields else None
    return Location(raw.location.file, raw.location.sheet, raw.location.row, column, value)


def _store_derived(conn: Connection, builder: ProductBuilder, report: ImportReport, stored: set[str]) -> None:
    for brand in builder.derived_brands:
        if f"brand:{brand.code}" not in stored:
            defs.save_brand(conn, brand, builder.definitions)
            stored.add(f"brand:{brand.code}")
            report.derived.append(f"brand {brand.code}")
    for code, category in list(builder.derived_categories.items()):
        known = {p.code for p in category.parameters}
        marker = f"category:{code}:{sorted(known)}"
        if marker not in stored:
            defs.save_category(conn, category, builder.definitions)
            stored.add(marker)
            report.derived.append(f"category {code} ({len(known)} parameters)")


def _batches(items, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def content_hash(product: Product) -> str:
    """A fingerprint of everything stored for a product, so an unchanged row is recognised."""
    return hashlib.sha1(product.model_dump_json().encode("utf-8"), usedforsecurity=False).hexdigest()


def _store_batch(conn: Connection, definitions: defs.Definitions, products: list[Product],
                 report: ImportReport, options: ImportOptions) -> None:
    keys = [(definitions.brand_ids[p.brand], p.sku) for p in products]
    existing = catalog_rows.product_hashes(conn, keys)
    now = options.now or datetime.now(UTC).replace(tzinfo=None)
    to_insert: list[tuple[dict, Product]] = []
    to_update: list[tuple[dict, Product]] = []
    for key, product in zip(keys, products, strict=True):
        digest = content_hash(product)
        row = _product_row(product, definitions, digest, now)
        if key not in existing:
            to_insert.append((row, product))
        elif existing[key][1] == digest:
            report.unchanged += 1
        else:
            to_update.append(({**row, "id": existing[key][0]}, product))
    report.created += len(to_insert)
    report.updated += len(to_update)
    if options.dry_run:
        return
    ids = catalog_rows.insert_products(conn, [row for row, _ in to_insert])
    catalog_rows.update_products(conn, [row for row, _ in to_update])
    pairs = list(zip(ids, (p for _, p in to_insert), strict=True))
    pairs += [(row["id"], p) for row, p in to_update]
    catalog_rows.insert_children(conn, _child_rows(pairs, definitions))
    report.changed_ids.extend(product_id for product_id, _ in pairs)


def _product_row(product: Product, definitions: defs.Definitions, digest: str, now: datetime) -> dict:
    return {
        "brand_id": definitions.brand_ids[product.brand], "sku": product.sku,
        "category_id": definitions.category_ids[product.category], "mpn": product.mpn,
        "mpn_norm": product.normalised_mpn, "series": product.series, "name_zh": product.name_zh,
        "name_en": product.name_en, "description": product.description, "lifecycle": product.lifecycle.value,
        "successor_sku": product.successor_sku, "unit": product.unit, "package_qty": product.package_qty,
        "moq": product.moq, "order_multiple": product.order_multiple, "stock": product.stock,
        "lead_time_days": product.lead_time_days, "content_hash": digest, "updated_at": now,
    }


def _child_rows(pairs: list[tuple[int, Product]], definitions: defs.Definitions) -> dict[str, list[tuple]]:
    """Rows for the child tables as tuples in `catalog_rows.CHILD_COLUMNS` order."""
    children: dict[str, list[tuple]] = {"param_values": [], "price_breaks": [], "media": [], "product_links": []}
    parameter_ids = definitions.parameter_ids
    for product_id, product in pairs:
        category = product.category
        children["param_values"].extend(
            (product_id, parameter_ids[(category, code)], v.num, v.num_min, v.num_max, v.text, v.source)
            for code, v in product.params.items())
        children["price_breaks"].extend((product_id, b.currency, b.min_qty, b.price) for b in product.price_breaks)
        children["media"].extend((product_id, position, ref.kind.value, ref.uri, ref.description)
                                 for position, ref in enumerate(product.media))
        children["product_links"].extend((product_id, r.kind, r.sku) for r in product.related)
    return children
