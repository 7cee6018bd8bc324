"""Digitisation completeness: what share of required parameters, prices, images and 3D models exist.

This is the figure account managers report on (商品数字化), per SKU and per category, with the worst
gaps listed so a catalog engineer knows what to fill in first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jbp.catalog.definitions import load_definitions
from jbp.store import Store, catalog_rows

# How much each part weighs in a SKU's completeness score.
WEIGHTS = {"parameters": 0.55, "price": 0.2, "image": 0.15, "model3d": 0.10}


@dataclass
class SkuGap:
    brand: str
    sku: str
    category: str
    score: float
    missing: list[str]


@dataclass
class CategoryQuality:
    category: str
    name: str
    skus: int = 0
    parameters: float = 0.0  # mean share of required parameters present
    price: float = 0.0  # share of SKUs with a price
    image: float = 0.0
    model3d: float = 0.0
    score: float = 0.0


@dataclass
class QualityReport:
    categories: list[CategoryQuality] = field(default_factory=list)
    total: CategoryQuality = field(default_factory=lambda: CategoryQuality("*", "all categories"))
    worst: list[SkuGap] = field(default_factory=list)


def quality(store: Store, category: str | None = None, worst: int = 20) -> QualityReport:
    """Completeness per category and overall, plus the `worst` SKUs with what each is missing."""
    with store.reading() as conn:
        definitions = load_definitions(conn)
        chosen = [definitions.require_category(category)] if category else list(definitions.categories.values())
        ids = [definitions.category_ids[c.code] for c in chosen]
        rows = catalog_rows.completeness_rows(conn, ids)
    brand_codes = {v: k for k, v in definitions.brand_ids.items()}
    category_by_id = {definitions.category_ids[c.code]: c for c in chosen}
    report = QualityReport()
    per_category: dict[str, CategoryQuality] = {}
    gaps: list[SkuGap] = []
    for row in rows:
        cat = category_by_id[row["category_id"]]
        required = [p.code for p in cat.parameters if p.required] or [p.code for p in cat.parameters]
        present = set(row["param_codes"])
        missing = [code for code in required if code not in present]
        parts = {"parameters": 1 - len(missing) / len(required) if required else 1.0,
                 "price": float(row["has_price"]), "image": float(row["has_image"]),
                 "model3d": float(row["has_model"])}
        score = sum(WEIGHTS[k] * v for k, v in parts.items())
        for target in (per_category.setdefault(cat.code, CategoryQuality(cat.code, cat.name_zh or cat.name_en or "")),
                       report.total):
            target.skus += 1
            for key, value in parts.items():
                setattr(target, key, getattr(target, key) + value)
            target.score += score
        absent = missing + [k for k in ("price", "image", "model3d") if not parts[k]]
        if absent:
            gaps.append(SkuGap(brand_codes[row["brand_id"]], row["sku"], cat.code, score, absent))
    for entry in (*per_category.values(), report.total):
        if entry.skus:
            for key in ("parameters", "price", "image", "model3d", "score"):
                setattr(entry, key, round(getattr(entry, key) / entry.skus, 4))
    report.categories = sorted(per_category.values(), key=lambda c: c.score)
    report.worst = sorted(gaps, key=lambda g: (g.score, g.brand, g.sku))[:worst]
    return report
