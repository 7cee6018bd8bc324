"""Brands, categories and parameter definitions: declared in TOML, kept in the store, looked up by any name.

Headers and buyers name a category or parameter by code, Chinese or English name, or an alias; the
lookups here accept all of them in folded form (width, case and separators ignored).
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Connection

from jbp.catalog.importers.headers import fold_header
from jbp.catalog.models import Brand, Category, ParameterDef
from jbp.errors import CatalogImportError, Location, NotFoundError
from jbp.store import Store, catalog_rows, schema


@dataclass
class Definitions:
    """The brands and categories a store knows, with their database ids."""

    brands: dict[str, Brand] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    brand_ids: dict[str, int] = field(default_factory=dict)
    category_ids: dict[str, int] = field(default_factory=dict)
    parameter_ids: dict[tuple[str, str], int] = field(default_factory=dict)  # (category, code) -> id

    def find_brand(self, name: str) -> Brand | None:
        folded = fold_header(name)
        for brand in self.brands.values():
            if folded in {fold_header(n) for n in (brand.code, brand.name_zh, brand.name_en, *brand.aliases) if n}:
                return brand
        return None

    def find_category(self, name: str) -> Category | None:
        if name in self.categories:
            return self.categories[name]
        folded = fold_header(name)
        for category in self.categories.values():
            if folded in {fold_header(n) for n in (category.code, category.name_zh, category.name_en) if n}:
                return category
        return None

    def merged(self, category: Category) -> Category:
        """The category as declared, keeping parameters it no longer lists (never dropped with their values)."""
        known = self.categories.get(category.code)
        parameters = list(known.parameters) if known else []
        for definition in category.parameters:  # added or updated
            parameters = [p for p in parameters if p.code != definition.code] + [definition]
        return category.model_copy(update={"parameters": tuple(parameters)})

    def require_category(self, name: str) -> Category:
        category = self.find_category(name)
        if category is None:
            names = [c for cat in self.categories.values() for c in (cat.code, cat.name_zh, cat.name_en) if c]
            raise NotFoundError(f"unknown category {name!r}", difflib.get_close_matches(name, names, n=5))
        return category

    def require_brand(self, name: str) -> Brand:
        brand = self.find_brand(name)
        if brand is None:
            names = [n for b in self.brands.values() for n in (b.code, b.name_zh, b.name_en) if n]
            raise NotFoundError(f"unknown brand {name!r}", difflib.get_close_matches(name, names, n=5))
        return brand


def parameter_names(definition: ParameterDef) -> set[str]:
    """Every folded spelling that names this parameter in a header or a query."""
    names = (definition.code, definition.name_zh, definition.name_en, *definition.aliases)
    return {fold_header(n) for n in names if n}


def find_parameter(category: Category, name: str) -> ParameterDef | None:
    folded = fold_header(name)
    return next((p for p in category.parameters if folded in parameter_names(p)), None)


@dataclass
class DefinitionsFile:
    brands: list[Brand]
    categories: list[Category]


def read_definitions_file(path: Path | str) -> DefinitionsFile:
    """Parse and validate a definitions TOML (`[[brands]]`, `[[categories]]` with `[[categories.parameters]]`)."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogImportError(f"cannot read definitions: {exc}", Location(file=str(path))) from exc
    unknown = set(document) - {"brands", "categories"}
    if unknown:
        raise CatalogImportError(f"unknown sections {sorted(unknown)}; expected brands and categories",
                                 Location(file=str(path)))
    brands = [_validated(Brand, table, path, "brands", i) for i, table in enumerate(document.get("brands", []))]
    categories = [_validated(Category, table, path, "categories", i)
                  for i, table in enumerate(document.get("categories", []))]
    return DefinitionsFile(brands=brands, categories=_parents_first(categories, path))


def _validated(model, table: dict, path: Path, section: str, index: int):
    try:
        return model.model_validate(table)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        name = table.get("code", f"#{index + 1}")
        raise CatalogImportError(f"{section} {name}: {where}: {first['msg']}",
                                 Location(file=str(path), column=f"{section}[{index}].{where}")) from exc


def _parents_first(categories: list[Category], path: Path) -> list[Category]:
    by_code = {c.code: c for c in categories}
    ordered: list[Category] = []
    placed: set[str] = set()

    def place(category: Category, trail: tuple[str, ...]) -> None:
        if category.code in placed:
            return
        if category.code in trail:
            raise CatalogImportError(f"category parents form a cycle: {' > '.join((*trail, category.code))}",
                                     Location(file=str(path)))
        if category.parent in by_code:
            place(by_code[category.parent], (*trail, category.code))
        placed.add(category.code)
        ordered.append(category)

    for category in categories:
        place(category, ())
    return ordered


def load_definitions(conn: Connection) -> Definitions:
    """Everything the store declares, as domain models."""
    definitions = Definitions()
    for row in catalog_rows.brands(conn):
        definitions.brands[row["code"]] = Brand(code=row["code"], name_zh=row["name_zh"], name_en=row["name_en"],
                                                aliases=tuple(row["aliases"] or ()))
        definitions.brand_ids[row["code"]] = row["id"]
    category_rows = catalog_rows.categories(conn)
    code_by_id = {row["id"]: row["code"] for row in category_rows}
    parameters: dict[int, list[ParameterDef]] = {}
    for row in catalog_rows.parameter_defs(conn):
        definition = ParameterDef(
            code=row["code"], name_zh=row["name_zh"], name_en=row["name_en"], kind=row["kind"], unit=row["unit"],
            allowed_values=tuple(row["allowed_values"] or ()), key=row["is_key"], comparison=row["comparison"],
            tolerance=row["tolerance"], required=row["required"], aliases=tuple(row["aliases"] or ()),
            dimension=row["dimension"])
        parameters.setdefault(row["category_id"], []).append(definition)
        definitions.parameter_ids[(code_by_id[row["category_id"]], row["code"])] = row["id"]
    for row in category_rows:
        definitions.categories[row["code"]] = Category(
            code=row["code"], name_zh=row["name_zh"], name_en=row["name_en"],
            parent=code_by_id.get(row["parent_id"]), parameters=tuple(parameters.get(row["id"], ())))
        definitions.category_ids[row["code"]] = row["id"]
    return definitions


def save_brand(conn: Connection, brand: Brand, definitions: Definitions) -> bool:
    """Store a brand (insert or update); returns whether anything changed."""
    row = {"code": brand.code, "name_zh": brand.name_zh, "name_en": brand.name_en, "aliases": list(brand.aliases)}
    brand_id, changed = catalog_rows.upsert_by_code(conn, schema.brands, row)
    definitions.brands[brand.code] = brand
    definitions.brand_ids[brand.code] = brand_id
    return changed


def save_category(conn: Connection, category: Category, definitions: Definitions) -> bool:
    """Store a category and its parameters (parents must be stored first); returns whether anything changed."""
    parent_id = definitions.category_ids.get(category.parent) if category.parent else None
    if category.parent and parent_id is None:
        raise NotFoundError(f"category {category.code!r} names an unknown parent {category.parent!r}")
    row = {"code": category.code, "name_zh": category.name_zh, "name_en": category.name_en, "parent_id": parent_id}
    category_id, changed = catalog_rows.upsert_by_code(conn, schema.categories, row)
    merged = definitions.merged(category).parameters
    for position, definition in enumerate(merged):
        param_id, param_changed = catalog_rows.upsert_parameter_def(conn, {
            "category_id": category_id, "position": position, "code": definition.code,
            "name_zh": definition.name_zh, "name_en": definition.name_en, "kind": definition.kind.value,
            "unit": definition.unit, "allowed_values": list(definition.allowed_values), "is_key": definition.key,
            "comparison": definition.comparison.value, "tolerance": definition.tolerance,
            "required": definition.required, "aliases": list(definition.aliases), "dimension": definition.dimension})
        definitions.parameter_ids[(category.code, definition.code)] = param_id
        changed = changed or param_changed
    definitions.categories[category.code] = category.model_copy(update={"parameters": merged})
    definitions.category_ids[category.code] = category_id
    return changed


@dataclass
class DefineReport:
    brands_changed: int
    categories_changed: int
    brands: int
    categories: int


def define(store: Store, path: Path | str) -> DefineReport:
    """Declare the brands and categories of a definitions file in the store, in one transaction."""
    declared = read_definitions_file(path)
    with store.transaction() as conn:
        definitions = load_definitions(conn)
        brands_changed = sum(save_brand(conn, b, definitions) for b in declared.brands)
        categories_changed = sum(save_category(conn, c, definitions) for c in declared.categories)
    return DefineReport(brands_changed, categories_changed, len(declared.brands), len(declared.categories))
