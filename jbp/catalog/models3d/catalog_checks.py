"""Stored models checked against their products' datasheets: `jbp model check`.

A category says which of its parameters are model dimensions (``dimension = "outer_diameter"`` on a
parameter definition); a product's values of those parameters (SI metres) become the expected
dimensions in mm, and the model's stored facts are compared with them (see :mod:`.checks`). A product
without a model is reported as ``missing`` when the whole catalog is checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import Connection

from jbp.catalog.definitions import Definitions, load_definitions
from jbp.store import model_rows
from jbp.workspace import Workspace

from .checks import Finding, check_against_dimensions
from .facts import ModelFacts
from .lookup import find_product
from .settings import check_tolerance

Status = Literal["error", "warning", "ok"]
MISSING = Finding(code="missing", severity="warning", message="no 3D model attached")


@dataclass(frozen=True, slots=True)
class DimensionParameter:
    param_id: int
    code: str
    dimension: str


class ProductCheck(BaseModel):
    """One product's verdict: the worst severity among its findings (info findings are fine)."""

    brand: str
    sku: str
    category: str
    model_sha256: str | None
    status: Status
    expected_mm: dict[str, float]  # dimension -> value from the datasheet
    parameters: dict[str, str]  # dimension -> the parameter it came from
    findings: list[Finding]


class CheckReport(BaseModel):
    tolerance: float
    checked: int = 0
    with_model: int = 0
    missing: int = 0
    ok: int = 0
    with_errors: int = 0
    with_warnings: int = 0
    problems: list[ProductCheck] = []  # errors, then warnings, each in product order; at most the limit
    omitted: int = 0  # problems beyond the limit, counted only

    @property
    def has_errors(self) -> bool:
        return self.with_errors > 0


def dimension_parameters(definitions: Definitions) -> dict[int, list[DimensionParameter]]:
    """category id -> its parameters that declare a model dimension."""
    found: dict[int, list[DimensionParameter]] = {}
    for code, category in definitions.categories.items():
        declared = [DimensionParameter(definitions.parameter_ids[(code, p.code)], p.code, p.dimension)
                    for p in category.parameters if p.dimension]
        if declared:
            found[definitions.category_ids[code]] = declared
    return found


def expected_dimensions(parameters: Sequence[DimensionParameter], values: dict[int, float]
                        ) -> tuple[dict[str, float], dict[str, str]]:
    """(dimension -> mm, dimension -> parameter code) from a product's SI values. Two parameters naming
    the same dimension keep apart as ``dimension (code)`` for the second one."""
    expected: dict[str, float] = {}
    sources: dict[str, str] = {}
    for parameter in parameters:
        if parameter.param_id not in values:
            continue
        name = parameter.dimension if parameter.dimension not in expected else \
            f"{parameter.dimension} ({parameter.code})"
        expected[name] = round(values[parameter.param_id] * 1000, 6)
        sources[name] = parameter.code
    return expected, sources


def expected_for_product(conn: Connection, definitions: Definitions, product: dict) -> tuple[dict, dict]:
    """The expected dimensions (mm) of one product row and the parameters they came from."""
    parameters = dimension_parameters(definitions).get(product["category_id"], [])
    values = model_rows.dimension_values(conn, [product["id"]], [p.param_id for p in parameters])
    return expected_dimensions(parameters, values.get(product["id"], {}))


def stored_facts(model_row: dict) -> ModelFacts:
    return ModelFacts.model_validate({**model_row["facts"], "parts": model_row["parts"]})


def verdict(findings: Iterable[Finding]) -> Status:
    severities = {finding.severity for finding in findings}
    return "error" if "error" in severities else "warning" if "warning" in severities else "ok"


def check_models(workspace: Workspace, *, skus: Sequence[str] = (), brand: str | None = None,
                 category: str | None = None, include_missing: bool = False,
                 tolerance: float | None = None, limit: int | None = None) -> CheckReport:
    """Check the models of the chosen products (SKUs, or every product of ``brand``/``category``, or all).

    Only products with a model are checked unless ``include_missing``, which lists the others as missing
    (named SKUs are always checked). At most ``limit`` problems are listed, errors first; the rest are counted.
    """
    tolerance = check_tolerance(workspace) if tolerance is None else tolerance
    report = CheckReport(tolerance=tolerance)
    listed: dict[Status, list[ProductCheck]] = {"error": [], "warning": []}
    with workspace.store.reading() as conn:
        definitions = load_definitions(conn)
        product_ids = [find_product(conn, definitions, sku, brand)["id"] for sku in skus] or None
        category_ids = brand_ids = None
        if category:
            category_ids = [definitions.category_ids[definitions.require_category(category).code]]
        if brand:
            brand_ids = [definitions.brand_ids[definitions.require_brand(brand).code]]
        by_category = dimension_parameters(definitions)
        brand_codes = {brand_id: code for code, brand_id in definitions.brand_ids.items()}
        category_codes = {category_id: code for code, category_id in definitions.category_ids.items()}
        facts_cache: dict[int, tuple[str, ModelFacts]] = {}
        for batch in model_rows.products_for_check(conn, category_ids=category_ids, brand_ids=brand_ids,
                                                   product_ids=product_ids, with_missing=include_missing or bool(skus)):
            param_ids = {p.param_id for row in batch for p in by_category.get(row["category_id"], [])}
            values = model_rows.dimension_values(conn, [row["id"] for row in batch], list(param_ids))
            unseen = {row["model_id"] for row in batch if row["model_id"] is not None} - set(facts_cache)
            for model_id, model_row in model_rows.models_by_ids(conn, unseen).items():
                facts_cache[model_id] = (model_row["sha256"], stored_facts(model_row))
            for row in batch:
                expected, sources = expected_dimensions(by_category.get(row["category_id"], []),
                                                        values.get(row["id"], {}))
                sha256, facts = facts_cache.get(row["model_id"], (None, None))
                findings = [MISSING] if facts is None else check_against_dimensions(facts, expected, tolerance)
                result = ProductCheck(brand=brand_codes[row["brand_id"]], sku=row["sku"],
                                      category=category_codes[row["category_id"]], model_sha256=sha256,
                                      status=verdict(findings), expected_mm=expected, parameters=sources,
                                      findings=findings)
                _count(report, result, listed[result.status] if result.status != "ok" else None, limit)
    report.problems = (listed["error"] + listed["warning"])[:limit]
    report.omitted = report.with_errors + report.with_warnings - len(report.problems)
    return report


def _count(report: CheckReport, result: ProductCheck, listed: list[ProductCheck] | None, limit: int | None) -> None:
    report.checked += 1
    if result.model_sha256 is None:
        report.missing += 1
    else:
        report.with_model += 1
    if listed is None:
        report.ok += 1
        return
    if result.status == "error":
        report.with_errors += 1
    else:
        report.with_warnings += 1
    if limit is None or len(listed) < limit:
        listed.append(result)
