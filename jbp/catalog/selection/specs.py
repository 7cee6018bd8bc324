"""A category and its parameter definitions as selection needs them, read straight from the store.

Plain dataclasses rather than the pydantic models: a `jbp select` process must start, answer and exit in
well under a second, and it needs only names, kinds and units. Names match the way the importer matches
headers (`fold_header`): code, zh or en name, or an alias.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Connection

from jbp.catalog.importers.headers import fold_header
from jbp.errors import NotFoundError
from jbp.store import selection_rows

NUMBER_KINDS = ("numeric", "range")
TEXT_KINDS = ("enum", "text", "bool")


@dataclass(frozen=True)
class ParamSpec:
    """One parameter definition of a category."""

    id: int
    code: str
    name_zh: str | None
    name_en: str | None
    kind: str  # numeric | range | enum | text | bool
    unit: str  # SI unit of numeric and range values ("" for none)
    allowed_values: tuple[str, ...]
    key: bool
    aliases: tuple[str, ...]

    @property
    def label(self) -> str:
        """`rated_current (额定电流)`, for messages."""
        name = self.name_zh or self.name_en
        return f"{self.code} ({name})" if name else self.code

    @cached_property
    def folded_names(self) -> frozenset[str]:
        return frozenset(fold_header(n) for n in (self.code, self.name_zh, self.name_en, *self.aliases) if n)

    def as_dict(self) -> dict:
        return {"id": self.id, "code": self.code, "name_zh": self.name_zh, "name_en": self.name_en,
                "kind": self.kind, "unit": self.unit, "allowed_values": list(self.allowed_values),
                "key": self.key, "aliases": list(self.aliases)}


@dataclass(frozen=True)
class CategorySpec:
    id: int
    code: str
    name_zh: str | None
    name_en: str | None
    params: tuple[ParamSpec, ...]

    @cached_property
    def digest(self) -> str:
        """Changes whenever a parameter definition does (a new unit or allowed value needs a new index)."""
        text = json.dumps([p.as_dict() for p in self.params], ensure_ascii=False, sort_keys=True)
        return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()

    def find_parameter(self, name: str) -> ParamSpec | None:
        folded = fold_header(name)
        return next((p for p in self.params if folded in p.folded_names), None)

    def require_parameter(self, name: str, extra_names: tuple[str, ...] = ()) -> ParamSpec:
        """The parameter called `name`, or NotFoundError listing the close ones."""
        found = self.find_parameter(name)
        if found is None:
            raise NotFoundError(f"category {self.code} has no parameter {name!r}",
                                close_names(name, [*self.parameter_names(), *extra_names]))
        return found

    def parameter_names(self) -> list[str]:
        return [n for p in self.params for n in (p.code, p.name_zh, p.name_en, *p.aliases) if n]


def close_names(name: str, names: list[str]) -> list[str]:
    """Up to five of `names` that look like `name` (folded, so case and width do not count)."""
    by_folded: dict[str, str] = {}
    for candidate in names:
        by_folded.setdefault(fold_header(candidate), candidate)
    matches = difflib.get_close_matches(fold_header(name), list(by_folded), n=5, cutoff=0.5)
    return [by_folded[m] for m in matches]


def load_category(conn: Connection, name: str) -> CategorySpec:
    """The category called `name` (code, zh or en name) with its parameters; NotFoundError with close names."""
    rows = selection_rows.category_rows(conn)
    folded = fold_header(name)
    found = next((r for r in rows if r[1] == name), None) or next(
        (r for r in rows if folded in {fold_header(n) for n in r[1:] if n}), None)
    if found is None:
        raise NotFoundError(f"unknown category {name!r}", close_names(name, [n for r in rows for n in r[1:] if n]))
    category_id, code, name_zh, name_en = found
    params = tuple(
        ParamSpec(id=r["id"], code=r["code"], name_zh=r["name_zh"], name_en=r["name_en"], kind=r["kind"],
                  unit=r["unit"] or "", allowed_values=tuple(r["allowed_values"] or ()), key=bool(r["is_key"]),
                  aliases=tuple(r["aliases"] or ()))
        for r in selection_rows.parameter_rows(conn, category_id))
    return CategorySpec(category_id, code, name_zh, name_en, params)


def load_categories(conn: Connection) -> list[CategorySpec]:
    """Every category with its parameters (for rebuilding all indexes)."""
    return [load_category(conn, row[1]) for row in selection_rows.category_rows(conn)]
