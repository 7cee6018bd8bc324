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
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from jbp.catalog.importers.headers import fold_header
from jbp.errors import NotFoundError
from jbp.store import selection_rows
from jbp.store.reader import Reader

if TYPE_CHECKING:
    from sqlalchemy import Connection

NUMBER_KINDS = ("numeric", "range")


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

    @cached_property
    def _by_folded_name(self) -> dict[str, ParamSpec]:
        by_name: dict[str, ParamSpec] = {}
        for param in self.params:  # the first parameter to claim a name keeps it
            for folded in param.folded_names:
                by_name.setdefault(folded, param)
        return by_name

    def find_parameter(self, name: str) -> ParamSpec | None:
        return self._by_folded_name.get(fold_header(name))

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


# database URL -> (category row, its folded names) of every category; refreshed on a miss or a change
_known_categories: dict[str, list[tuple[tuple, frozenset[str]]]] = {}


def read_category(conn: Reader | Connection, name: str) -> tuple[CategorySpec, dict]:
    """The category called `name` (code, zh or en name) with its parameters, and its stamp (see
    selection_rows.category_state); NotFoundError listing the close names.

    The list of categories is kept between calls, so one round trip answers; that round trip also
    returns the category's names as stored, and a renamed or removed category refreshes the list."""
    reader = Reader.of(conn)
    found = _find(_known_categories.get(reader.database, []), name)
    if found is not None:
        state = selection_rows.category_state(reader, found[0])
        if state.category == found:
            return _category_spec(state.category, state.parameters), state.stamp
    known = _known_categories[reader.database] = [
        (row, frozenset(fold_header(n) for n in row[1:] if n)) for row in selection_rows.category_rows(reader)]
    found = _find(known, name)
    state = selection_rows.category_state(reader, found[0]) if found else None
    if state is None or state.category is None:
        raise NotFoundError(f"unknown category {name!r}",
                            close_names(name, [n for row, _ in known for n in row[1:] if n]))
    return _category_spec(state.category, state.parameters), state.stamp


def _find(known: list[tuple[tuple, frozenset[str]]], name: str) -> tuple | None:
    exact = next((row for row, _ in known if row[1] == name), None)
    if exact is not None:
        return exact
    folded = fold_header(name)
    return next((row for row, names in known if folded in names), None)


def load_category(conn: Reader | Connection, name: str) -> CategorySpec:
    return read_category(conn, name)[0]


@lru_cache(maxsize=256)
def _category_spec(category: tuple, parameters: tuple) -> CategorySpec:
    """Specs are cached by the rows they come from, so a query pays for names and digests only once."""
    category_id, code, name_zh, name_en = category
    params = tuple(
        ParamSpec(id=id_, code=code_, name_zh=zh, name_en=en, kind=kind, unit=unit or "",
                  allowed_values=_strings(allowed), key=bool(is_key), aliases=_strings(aliases))
        for id_, code_, zh, en, kind, unit, allowed, is_key, aliases in parameters)
    return CategorySpec(category_id, code, name_zh, name_en, params)


def _strings(stored) -> tuple[str, ...]:
    """A JSON list column as the driver returned it (text, or already a list/tuple)."""
    return tuple(json.loads(stored) if isinstance(stored, str) else stored or ())
