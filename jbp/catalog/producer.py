"""Reading and validating a catalog file, in a second process when the file is large.

An import is two kinds of work: parsing and building products (CPU in Python), and writing them (the
database). On a large file a second process reads and builds while this one writes, so the two overlap
on two cores; small files are built in-process, where starting a process would cost more than it saves.
Either way the same generator runs and the importer sees the same messages: an `Opening` with what the
file declares, then `BuiltBatch`es in file order.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import multiprocessing
import os
import pickle
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from jbp.catalog.building import BuiltProduct, ProductBuilder, Rejected, Rejection, text_of
from jbp.catalog.definitions import Definitions
from jbp.catalog.importers.mapping import Mapping
from jbp.catalog.importers.registry import read_catalog
from jbp.catalog.models import Brand, Category
from jbp.catalog.records import RawProduct
from jbp.errors import CatalogImportError, JbpError, Location

if TYPE_CHECKING:
    from jbp.catalog.importing import ImportOptions

BATCH_SIZE = 2000
PARALLEL_MIN_BYTES = 2 << 20  # below this a file is read and built in-process
RARE_COLLECTIONS = (50_000, 20, 100)  # garbage collector thresholds while importing; see `rare_collections`


@dataclass(slots=True)
class Opening:
    """What the file is and what it declares, before its products."""

    format: str
    warnings: list[str]
    brands: list[Brand]
    categories: list[Category]


@dataclass(slots=True)
class BuiltBatch:
    """The next products of the file, built or rejected, with definitions derived on the way (BMEcat)."""

    rows: int  # raw products read
    products: list[BuiltProduct] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    brands: list[Brand] = field(default_factory=list)  # derived since the last batch
    categories: list[Category] = field(default_factory=list)  # derived or grown since the last batch

    def __reduce__(self):
        # Sent between the processes: the products as marshal bytes (plain tuples of plain values), which
        # loads in a third of the time pickle takes over the same named tuples
        products = marshal.dumps([tuple(product) for product in self.products], 4)
        return _unpack_batch, (self.rows, products, self.rejections, self.brands, self.categories)


def _unpack_batch(rows: int, products: bytes, rejections: list[Rejection], brands: list[Brand],
                  categories: list[Category]) -> BuiltBatch:
    built = marshal.loads(products)  # noqa: S302 - written by our own reading process, through a private pipe
    return BuiltBatch(rows, list(map(BuiltProduct._make, built)), rejections, brands, categories)


@contextmanager
def built_products(path: Path, definitions: Definitions, mapping: Mapping,
                   options: ImportOptions) -> Iterator[Iterator[Opening | BuiltBatch]]:
    """The file's messages: an `Opening`, then `BuiltBatch`es; built in a second process when worth it.

    `definitions` must not be changed by the caller while this runs in-process: the builder adds the
    file's declarations and derived definitions to it.
    """
    if not _parallel(path, options):
        yield _produce(path, definitions, mapping, options)
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    receiver, sender = context.Pipe(duplex=False)  # a pipe blocks the builder when the writer falls behind
    worker = context.Process(target=_produce_into, args=(sender, path, definitions, mapping, options),
                             name="jbp-import-builder", daemon=True)
    worker.start()
    sender.close()
    try:
        yield _received(receiver, worker, path)
    finally:
        receiver.close()
        if worker.is_alive():
            worker.terminate()
        worker.join()


@contextmanager
def rare_collections() -> Iterator[None]:
    """Run the cyclic garbage collector rarely for a while (reference counting still frees everything).

    An import allocates millions of short-lived tuples and keeps few; at CPython's default thresholds the
    collector walked the whole process heap, SQLAlchemy's included, over and over: 0.9 s of a 5.2 s
    write of 100k SKUs, 0.3 s of the reading process's 6 s.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(*RARE_COLLECTIONS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _parallel(path: Path, options: ImportOptions) -> bool:
    if options.parallel is not None:
        return options.parallel
    try:
        large = path.stat().st_size >= PARALLEL_MIN_BYTES
    except OSError:
        return False  # the reader reports the missing file
    return large and (os.cpu_count() or 1) > 1


def _received(receiver, worker, path: Path) -> Iterator[Opening | BuiltBatch]:
    while True:
        try:
            message = receiver.recv()
        except EOFError:
            worker.join()
            raise CatalogImportError(f"the process reading the file stopped unexpectedly (exit code "
                                     f"{worker.exitcode})", Location(file=str(path))) from None
        if message is None:
            return
        if isinstance(message, BaseException):
            raise message
        yield message


def _produce_into(sender, path: Path, definitions: Definitions, mapping: Mapping, options: ImportOptions) -> None:
    """The second process: every message down the pipe, then None; an error is sent, not printed."""
    gc.set_threshold(*RARE_COLLECTIONS)  # this process ends with the import
    try:
        for message in _produce(path, definitions, mapping, options):
            sender.send(message)
            if isinstance(message, Opening):
                # What the file declared lives until the end, so keep the garbage collector from
                # walking it again and again (this process ends with the import).
                gc.freeze()
        sender.send(None)
    except KeyboardInterrupt:
        pass  # Ctrl-C reached the whole process group: the importing process stops the import
    except BaseException as exc:  # noqa: BLE001 - the importer re-raises it in the writing process
        with contextlib.suppress(OSError):  # the importing process may be gone already
            sender.send(_transportable(exc))
    finally:
        sender.close()


def _transportable(exc: BaseException) -> BaseException:
    """The exception itself when it survives pickling, else one that tells the same story."""
    if isinstance(exc, JbpError):
        try:
            return pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own object, to test it survives
        except Exception:  # noqa: BLE001, S110 - fall through to the generic form
            pass
    text = "".join(traceback.format_exception(exc)).strip()
    return RuntimeError(f"building products failed in the reading process:\n{text}")


def _produce(path: Path, definitions: Definitions, mapping: Mapping,
             options: ImportOptions) -> Iterator[Opening | BuiltBatch]:
    parsed = read_catalog(path, definitions, mapping, sheet=options.sheet)
    for brand in parsed.brands:
        definitions.brands[brand.code] = brand
    for category in parsed.categories:
        definitions.categories[category.code] = definitions.merged(category)
    yield Opening(parsed.format, list(parsed.warnings), list(parsed.brands), list(parsed.categories))
    builder = ProductBuilder(
        definitions, derive=parsed.derive_definitions, decimal_comma=mapping.decimal_comma,
        default_brand=options.default_brand or parsed.default_brand or mapping.defaults.get("brand"),
        default_category=options.default_category or mapping.defaults.get("category"))
    seen: dict[tuple[str, str], int | None] = {}  # (brand, SKU) -> row: only ints kept, for flat memory
    sent_brands = 0
    sent_categories: dict[str, Category] = {}
    batch = BuiltBatch(rows=0)
    for raw in parsed.products:
        batch.rows += 1
        product = _build(builder, raw, batch)
        if product is not None:
            key = (product.brand, product.sku)
            if key in seen:
                batch.rejections.append(Rejection(
                    _at(raw, "sku", product.sku),
                    f"duplicate SKU {product.sku!r} for brand {product.brand} (first at row {seen[key]})"))
            else:
                seen[key] = raw.location.row
                batch.products.append(product)
        if batch.rows == BATCH_SIZE:
            sent_brands = _add_derived(batch, builder, sent_brands, sent_categories)
            yield batch
            batch = BuiltBatch(rows=0)
    if batch.rows:
        _add_derived(batch, builder, sent_brands, sent_categories)
        yield batch


def _add_derived(batch: BuiltBatch, builder: ProductBuilder, sent_brands: int,
                 sent_categories: dict[str, Category]) -> int:
    batch.brands = builder.derived_brands[sent_brands:]
    for code, category in builder.derived_categories.items():
        if sent_categories.get(code) is not category:  # new, or grown by a derived parameter
            batch.categories.append(category)
            sent_categories[code] = category
    return len(builder.derived_brands)


def _build(builder: ProductBuilder, raw: RawProduct, batch: BuiltBatch) -> BuiltProduct | None:
    try:
        return builder.build(raw)
    except Rejected as problem:
        value = problem.value
        where = raw.location
        location = Location(where.file, where.sheet, where.row, value.column if value else None,
                            text_of(value.value) if value else None)
        batch.rejections.append(Rejection(location, problem.reason))
        return None


def _at(raw: RawProduct, field_name: str, value: str) -> Location:
    column = raw.fields[field_name].column if field_name in raw.fields else None
    return Location(raw.location.file, raw.location.sheet, raw.location.row, column, value)
