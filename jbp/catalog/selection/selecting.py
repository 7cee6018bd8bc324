"""Parametric selection (选型): a category's products filtered by parameter conditions, sorted, paged, and
with facets, answered from the columnar index; the page's display fields come from the store.

Each result row carries the values its conditions matched, so a buyer sees why a product is listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from jbp.catalog.importers.headers import fold_header
from jbp.catalog.selection.columnar import CategoryIndex
from jbp.catalog.selection.freshness import current_index, rebuilt_index
from jbp.catalog.selection.predicates import Predicate, parse_where
from jbp.catalog.selection.specs import CategorySpec, close_names, read_category
from jbp.errors import DataError, NotFoundError
from jbp.store import selection_rows
from jbp.workspace import Workspace

if TYPE_CHECKING:
    from jbp.catalog.selection.facets import Facet

# Sort fields besides the parameters, with the names they go by.
SORT_FIELDS = {"price": ("price", "价格", "单价"), "stock": ("stock", "库存"), "sku": ("sku", "货号")}
DEFAULT_COLUMNS = 4  # parameters shown when a category marks none as key


@dataclass(frozen=True)
class SortKey:
    field: str  # a parameter code, or price / stock / sku
    descending: bool
    is_parameter: bool


@dataclass
class Column:
    code: str
    name_zh: str | None
    name_en: str | None
    kind: str
    unit: str


@dataclass
class Match:
    """One condition and the product's value that satisfied it."""

    where: str
    parameter: str
    value: str | None


@dataclass
class SelectedProduct:
    product_id: int
    brand: str
    sku: str
    mpn: str | None
    name_zh: str | None
    name_en: str | None
    lifecycle: str
    stock: int | None
    price: Decimal | None  # CNY, at the smallest quantity break
    price_min_qty: int | None
    values: dict[str, str | None]  # column code -> value with its unit (`12A`, `10V..30V DC`, `3P`)
    matched: list[Match]


@dataclass
class Selection:
    category: str
    name_zh: str | None
    name_en: str | None
    where: list[str]
    sort: str | None
    total: int  # products matching every condition
    offset: int
    limit: int
    columns: list[Column]
    products: list[SelectedProduct]
    facets: list[Facet] | None = None
    notes: list[str] = field(default_factory=list)  # e.g. that a stale index was rebuilt first


def select(workspace: Workspace, category: str, where: Sequence[str] | str = (), *, sort: str | None = None,
           limit: int = 20, offset: int = 0, facets: bool = False, rebuild: bool = True) -> Selection:
    """The products of `category` meeting every `where` condition (see `predicates` for the language).

    `sort` is a parameter name, `price`, `stock` or `sku`, `-` in front for descending (missing values
    last either way); the default order is by SKU. `facets` adds, per parameter, the values still
    available (see `facets`). A missing or stale index is rebuilt first, or with `rebuild=False`
    StaleIndexError is raised; the answer never comes from an index behind the store.
    """
    if limit < 0 or offset < 0:
        raise DataError(f"limit and offset cannot be negative (got limit {limit}, offset {offset})")
    conditions = [where] if isinstance(where, str) else list(where)
    with workspace.reading() as conn:
        spec, stamp = read_category(conn, category)
        predicates = [parse_where(text, spec) for text in conditions]
        sort_key = parse_sort(sort, spec) if sort else None
        index, rebuilt = current_index(workspace, spec, stamp, conn, rebuild=rebuild)
        found = _evaluate(index, predicates, sort_key, offset, limit)
        rows = selection_rows.page_rows(conn, index.ids[found.page].tolist())
        if len(rows) < len(found.page):  # a product was removed since the build (not by an import)
            index, rebuilt = rebuilt_index(workspace, spec.code, "stale (products removed)", rebuild=rebuild)
            found = _evaluate(index, predicates, sort_key, offset, limit)
            rows = selection_rows.page_rows(conn, index.ids[found.page].tolist())
    columns = _columns(spec, predicates, sort_key)
    products = []
    for position in found.page.tolist():
        row = rows.get(int(index.ids[position]))
        if row is None:  # removed in the instant since the rebuild
            continue
        values = {c.code: index.params[c.code].display(position) for c in columns}
        products.append(SelectedProduct(
            product_id=row["id"], brand=row["brand"], sku=row["sku"], mpn=row["mpn"], name_zh=row["name_zh"],
            name_en=row["name_en"], lifecycle=row["lifecycle"], stock=row["stock"], price=row["price"],
            price_min_qty=row["price_min_qty"], values=values,
            matched=[Match(p.text, p.param.code, values[p.param.code]) for p in predicates]))
    return Selection(
        category=spec.code, name_zh=spec.name_zh, name_en=spec.name_en, where=[p.text for p in predicates],
        sort=sort, total=len(found.matching), offset=offset, limit=limit, columns=columns, products=products,
        facets=_facets(index, found) if facets else None,
        notes=[rebuilt] if rebuilt else [])


@dataclass
class _Evaluation:
    masks: dict[str, np.ndarray]  # per filtered parameter, its conditions ANDed (facets need them apart)
    matching: np.ndarray  # positions of the products meeting every condition
    page: np.ndarray  # positions of the requested page, in order


def _evaluate(index: CategoryIndex, predicates: list[Predicate], sort_key: SortKey | None, offset: int,
              limit: int) -> _Evaluation:
    masks = _masks_by_parameter(index, predicates)
    everything = np.ones(index.size, bool)
    for mask in masks.values():
        everything &= mask
    matching = np.flatnonzero(everything)
    return _Evaluation(masks, matching, _page(index, matching, sort_key, offset, limit))


def _facets(index: CategoryIndex, found: _Evaluation) -> list[Facet]:
    from jbp.catalog.selection.facets import compute_facets  # loaded when asked for: a cold process compiles less

    return compute_facets(index, found.masks, found.matching)


def parse_sort(text: str, spec: CategorySpec) -> SortKey:
    """`rated_current`, `-额定电流`, `price`, `-stock` -> what to sort on and which way."""
    stripped = text.strip()
    descending = stripped.startswith("-")
    name = stripped.lstrip("+-").strip()
    param = spec.find_parameter(name)
    if param is not None:
        return SortKey(param.code, descending, True)
    folded = fold_header(name)
    for field_name, names in SORT_FIELDS.items():
        if folded in {fold_header(n) for n in names}:
            return SortKey(field_name, descending, False)
    raise NotFoundError(f"cannot sort by {name!r}: not a parameter of {spec.code}, nor price, stock or sku",
                        close_names(name, [*spec.parameter_names(), *(n for ns in SORT_FIELDS.values() for n in ns)]))


def _masks_by_parameter(index: CategoryIndex, predicates: list[Predicate]) -> dict[str, np.ndarray]:
    masks: dict[str, np.ndarray] = {}
    for predicate in predicates:
        code = predicate.param.code
        mask = predicate.mask(index.params[code])
        masks[code] = masks[code] & mask if code in masks else mask
    return masks


def _page(index: CategoryIndex, matching: np.ndarray, key: SortKey | None, offset: int, limit: int) -> np.ndarray:
    """Positions of the requested page. Sorting uses one int64 per product, (rank of the sort value,
    then the SKU order), so a partial sort (argpartition) finds the page without sorting everything."""
    size = max(index.size, 1)
    order = index.arrays["order"][matching].astype(np.int64)
    if key is None or key.field == "sku":
        keys = size - 1 - order if key is not None and key.descending else order
    else:
        if key.is_parameter:
            ranks, count = index.params[key.field].sort_rank(key.descending)
        else:
            ranks, count = index.arrays[f"{key.field}.rank"], len(index.arrays[f"{key.field}.distinct"])
        primary = ranks[matching].astype(np.int64)
        missing = primary < 0
        if key.descending:
            primary = count - 1 - primary
        primary[missing] = count
        keys = primary * size + order
    wanted = min(offset + limit, len(keys))
    if wanted <= offset:
        return matching[:0]
    if wanted < len(keys):
        chosen = np.argpartition(keys, wanted - 1)[:wanted]
        chosen = chosen[np.argsort(keys[chosen])]
    else:
        chosen = np.argsort(keys)
    return matching[chosen[offset:wanted]]


def _columns(spec: CategorySpec, predicates: list[Predicate], key: SortKey | None) -> list[Column]:
    """The filtered parameters, then the key ones, then the sort one (first few when none is key)."""
    codes: list[str] = [p.param.code for p in predicates]
    codes += [p.code for p in spec.params if p.key]
    if key is not None and key.is_parameter:
        codes.append(key.field)
    if not codes:
        codes = [p.code for p in spec.params[:DEFAULT_COLUMNS]]
    by_code = {p.code: p for p in spec.params}
    return [Column(c, by_code[c].name_zh, by_code[c].name_en, by_code[c].kind, by_code[c].unit)
            for c in dict.fromkeys(codes)]
