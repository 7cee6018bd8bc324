"""One import = one transaction: parse, validate, compare with the store, write, report.

A file with rejected rows changes nothing unless `partial` is set, and then exactly the valid rows
land. Re-importing the same file finds every product unchanged (by content hash).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection

from jbp.catalog import definitions as defs
from jbp.catalog.building import BuiltProduct, Rejection
from jbp.catalog.importers.mapping import read_mapping
from jbp.catalog.producer import BuiltBatch, built_products, rare_collections
from jbp.store import Store, catalog_rows

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
    parallel: bool | None = None  # build products in a second process; None: when the file is large


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
    # child rows that updated products had and the file does not give them, by table; products losing any
    dropped: Counter = field(default_factory=Counter)
    dropped_from: int = 0

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
    derived: dict[str, str] = {}
    try:
        with rare_collections(), store.bulk_transaction() as conn:
            definitions = defs.load_definitions(conn)
            with built_products(path, definitions, mapping, options) as messages:
                opening = next(messages)
                report.format, report.warnings = opening.format, opening.warnings
                for brand in opening.brands:
                    defs.save_brand(conn, brand, definitions)
                for category in opening.categories:
                    defs.save_category(conn, category, definitions)
                for batch in messages:
                    _store_derived(conn, batch, definitions, derived)
                    report.rejections.extend(batch.rejections)
                    _store_batch(conn, definitions, batch.products, report, options)
                    if progress:
                        progress(batch.rows)
            report.derived = list(derived.values())
            if report.dropped:
                report.warnings.append(_dropped_warning(report))
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


def _store_derived(conn: Connection, batch: BuiltBatch, definitions: defs.Definitions,
                   derived: dict[str, str]) -> None:
    """Store what the file declared without saying so (BMEcat), before the products that use it."""
    for brand in batch.brands:
        defs.save_brand(conn, brand, definitions)
        derived[f"brand {brand.code}"] = f"brand {brand.code}"
    for category in batch.categories:
        defs.save_category(conn, category, definitions)
        derived[f"category {category.code}"] = f"category {category.code} ({len(category.parameters)} parameters)"


def _store_batch(conn: Connection, definitions: defs.Definitions, products: list[BuiltProduct],
                 report: ImportReport, options: ImportOptions) -> None:
    brand_ids, category_ids = definitions.brand_ids, definitions.category_ids
    keys = [(brand_ids[p.brand], p.sku) for p in products]
    existing = catalog_rows.product_hashes(conn, keys)
    now = options.now or datetime.now(UTC).replace(tzinfo=None)
    to_insert: list[tuple[tuple, BuiltProduct]] = []
    to_update: list[tuple[int, tuple, BuiltProduct]] = []
    for key, product in zip(keys, products, strict=True):
        stored = existing.get(key)
        digest = product.digest()
        if stored is not None and stored[1] == digest:
            report.unchanged += 1
            continue
        row = (key[0], product.sku, category_ids[product.category], product.mpn, product.mpn_norm,
               *product[4:16], digest, now)
        if stored is None:
            to_insert.append((row, product))
        else:
            to_update.append((stored[0], row, product))
    report.created += len(to_insert)
    report.updated += len(to_update)
    if to_update:
        _count_dropped(conn, definitions, to_update, report)
    if options.dry_run:
        return
    ids = catalog_rows.insert_products(conn, [row for row, _ in to_insert])
    catalog_rows.refresh_statistics(conn, report.created - len(to_insert), report.created)
    catalog_rows.update_products(conn, [(product_id, row) for product_id, row, _ in to_update])
    pairs = list(zip(ids, (p for _, p in to_insert), strict=True))
    pairs += [(product_id, p) for product_id, _, p in to_update]
    catalog_rows.insert_children(conn, _child_rows(pairs, definitions))
    report.changed_ids.extend(product_id for product_id, _ in pairs)


def _count_dropped(conn: Connection, definitions: defs.Definitions, updates: list[tuple[int, tuple, BuiltProduct]],
                   report: ImportReport) -> None:
    """Count what updated products lose: a row replaces the whole product, so a sheet without a product's
    parameter or price columns empties them; the report says so (and `--dry-run` says it first)."""
    stored = catalog_rows.child_keys(conn, [product_id for product_id, _, _ in updates])
    parameter_ids = definitions.parameter_ids
    for product_id, _, product in updates:
        given = {"param_values": {(parameter_ids[(product.category, p[0])],) for p in product.params},
                 "price_breaks": {(currency, qty) for currency, qty, _ in product.prices},
                 "media": {(uri,) for _, uri, _ in product.media},
                 "product_links": set(product.related)}
        lost = {table: len(stored[table].get(product_id, set()) - keys) for table, keys in given.items()}
        if any(lost.values()):
            report.dropped.update(lost)
            report.dropped_from += 1


def _dropped_warning(report: ImportReport) -> str:
    names = {"param_values": "parameter value", "price_breaks": "price break", "media": "media reference",
             "product_links": "related product"}
    lost = ", ".join(f"{count} {names[table]}{'s' * (count > 1)}" for table, count in report.dropped.items() if count)
    products = f"{report.dropped_from} product{'s' * (report.dropped_from > 1)}"
    return (f"what this file does not give the products it updates is removed from them: {lost}, from "
            f"{products} (a row replaces the whole product, so columns a file leaves out are emptied; import a "
            "full export to change a few columns)")


def _child_rows(pairs: list[tuple[int, BuiltProduct]], definitions: defs.Definitions) -> dict[str, list[tuple]]:
    """Rows for the child tables as tuples in `catalog_rows.CHILD_COLUMNS` order (a dozen per product:
    unpacked by name, which makes them in half the time slicing and starring did)."""
    children: dict[str, list[tuple]] = {"param_values": [], "price_breaks": [], "media": [], "product_links": []}
    ids_by_category: dict[str, dict[str, int]] = {}
    for (category, code), param_id in definitions.parameter_ids.items():
        ids_by_category.setdefault(category, {})[code] = param_id
    values, prices, media, links = (children[name] for name in children)
    for product_id, product in pairs:
        ids = ids_by_category.get(product.category, {})
        values += [(product_id, ids[code], num, low, high, text, source)
                   for code, num, low, high, text, source in product.params]
        prices += [(product_id, *price) for price in product.prices]
        media += [(product_id, position, *ref) for position, ref in enumerate(product.media)]
        links += [(product_id, *link) for link in product.related]
    return children
