"""Octopart Common Parts Library (CPL) YAML: generic parts with parametric values, each met by several
manufacturers' part numbers.

Each manufacturer part becomes a product of that manufacturer's brand (its MPN is its SKU), in the
category the file names, with the generic part's values and its CPL id as parameters, so `jbp select
--where cpl_id=…` lists the interchangeable parts. A column's parameter is numeric when every value in the
file reads as a quantity of one unit (`63 mW`, `1W`), else text (`0402` beside `3 mm` is a size code);
parameters the workspace already defines are used as they are. `–` marks a value that does not apply.

YAML is read as a node tree (every value stays text, with its line for messages); anchors and aliases are
refused, since an alias bomb expands exponentially and real CPL files never use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from jbp import units
from jbp.catalog.building import code_for
from jbp.catalog.definitions import Definitions, find_parameter
from jbp.catalog.models import Category, ParameterDef, ParamKind
from jbp.catalog.records import ParsedCatalog, RawMedia, RawParam, RawProduct, RawValue
from jbp.errors import CatalogImportError, Location

FORMAT_NAME = "octopart-cpl"
CPL_ID = "CPL ID"
NOT_APPLICABLE = {"–", "—", "-", "n/a", "N/A"}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML was built with it
# A YAML node tree takes about 25 times its file in memory and libyaml reads ~1 MB/s into it: 8 MB (some
# 20,000 parts; published CPL lists are under 100 KB) keeps an import under 200 MB and ten seconds.
MAX_FILE_BYTES = 8 << 20


_ENTRY_FIELDS = ("cplid", "title", "description")
_PART_FIELDS = ("manufacturer", "mpn", "imageurl", "footprinturl", "externalurl", "note")


@dataclass(slots=True)
class _Part:
    line: int
    fields: dict[str, str]  # _PART_FIELDS -> text ("" when absent)


@dataclass(slots=True)
class _Entry:
    """One generic part (a CPL row) and the manufacturer parts that meet it."""

    line: int
    fields: dict[str, str]  # _ENTRY_FIELDS -> text ("" when absent)
    values: dict[str, str]  # parameter name -> value as written, those that apply
    parts: list[_Part]


def load_cpl(path: Path, definitions: Definitions, _mapping=None, sheet: str | None = None) -> ParsedCatalog:
    """The file's category (with the parameters the workspace lacks) and a product per manufacturer part."""
    file = str(path)
    document = _mapping_of(_compose(path), file, "the document")
    rows = document.get("rows")
    if not isinstance(rows, yaml.SequenceNode) or "name" not in document:
        raise CatalogImportError("not an Octopart CPL file (expected a name and a list of rows)",
                                 Location(file=file))
    name = _text(document["name"], file, "name")
    entries = [_entry(node, file) for node in rows.value]
    category = _category(_text(document.get("cleanname"), file, "cleanname") or name, entries, definitions, file)
    empty = [f"line {entry.line}" for entry in entries if not entry.parts]
    warnings = [f"rows without parts, so without products: {', '.join(empty)}"] if empty else []
    return ParsedCatalog(source=file, format=FORMAT_NAME, categories=[category], warnings=warnings,
                         products=_products(entries, category.code, file), derive_definitions=True)


def _compose(path: Path) -> yaml.Node:
    file = str(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise CatalogImportError(f"the file has {size:,} bytes, over the limit of {MAX_FILE_BYTES:,} for YAML; "
                                 "import a list that long as CSV or xlsx", Location(file=file))
    data = path.read_bytes()
    try:
        # compose() gives aliases no hook to refuse them (it shares their nodes), so a first pass over
        # the events looks for them: a third of the reading time, on files of at most 8 MB
        for event in yaml.parse(data, Loader=_LOADER):
            if isinstance(event, yaml.AliasEvent):
                raise CatalogImportError("YAML aliases (*name) are not accepted",
                                         Location(file=file, row=event.start_mark.line + 1))
        node = yaml.compose(data, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise CatalogImportError(f"not valid YAML: {exc.problem or exc}",
                                 Location(file=file, row=mark.line + 1 if mark else None)) from None
    except yaml.YAMLError as exc:  # a reader error: bytes that are not UTF-8 or UTF-16
        raise CatalogImportError(f"not valid YAML: {exc}", Location(file=file)) from None
    if node is None:
        raise CatalogImportError("the file is empty", Location(file=file))
    return node


def _mapping_of(node: yaml.Node, file: str, what: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise CatalogImportError(f"{what} must be a mapping of names to values",
                                 Location(file=file, row=node.start_mark.line + 1))
    return {_text(key, file, "a key"): value for key, value in node.value}


def _text(node: yaml.Node | None, file: str, key: str) -> str:
    """A scalar's text as written ("" for null or absent); a list or mapping here is an error."""
    if node is None or node.tag == "tag:yaml.org,2002:null":
        return ""
    if not isinstance(node, yaml.ScalarNode):
        raise CatalogImportError(f"{key} must be a single value, not a list or mapping",
                                 Location(file=file, row=node.start_mark.line + 1, column=key))
    return node.value.strip()


def _entry(node: yaml.Node, file: str) -> _Entry:
    fields = _mapping_of(node, file, "a row")
    values = {}
    if "extravals" in fields:
        values = {name: text for name, value in _mapping_of(fields["extravals"], file, "extravals").items()
                  if (text := _text(value, file, f"extravals.{name}")) and text not in NOT_APPLICABLE}
    parts = fields.get("parts")
    if not isinstance(parts, yaml.SequenceNode):
        raise CatalogImportError("a row needs a list of parts", Location(file=file, row=node.start_mark.line + 1,
                                                                          column="parts"))
    part_list = []
    for part in parts.value:
        part_fields = _texts(_mapping_of(part, file, "a part"), _PART_FIELDS, "parts.", file)
        part_list.append(_Part(part.start_mark.line + 1, part_fields))
    return _Entry(node.start_mark.line + 1, _texts(fields, _ENTRY_FIELDS, "", file), values, part_list)


def _texts(fields: dict[str, yaml.Node], names: tuple[str, ...], prefix: str, file: str) -> dict[str, str]:
    return {name: _text(fields.get(name), file, prefix + name) for name in names}


def _category(name: str, entries: list[_Entry], definitions: Definitions, file: str) -> Category:
    """The workspace's category of that name with the parameters it lacks added, or a new one."""
    known = definitions.find_category(name)
    columns: dict[str, list[str]] = {CPL_ID: [entry.fields["cplid"] for entry in entries]}
    for entry in entries:
        for column, value in entry.values.items():
            columns.setdefault(column, []).append(value)
    named = {p.code: p.name_en or p.code for p in known.parameters} if known else {}
    added = []
    for column, values in columns.items():
        if known is not None and find_parameter(known, column) is not None:
            continue
        definition = _parameter(column, values)
        if definition.code in named:
            raise CatalogImportError(f"columns {named[definition.code]!r} and {column!r} would both be parameter "
                                     f"{definition.code!r}; rename one", Location(file=file, column=column))
        named[definition.code] = column
        added.append(definition)
    if known is not None:
        return known.model_copy(update={"parameters": (*known.parameters, *added)})
    return Category(code=code_for(name, 64), name_en=name, parameters=tuple(added))


def _parameter(column: str, values: list[str]) -> ParameterDef:
    """Numeric in the one unit every value of the column is written in, else text."""
    quantities = [units.try_parse_quantity(value) for value in values if value]
    found = {quantity.unit if quantity else "" for quantity in quantities}
    unit = found.pop() if len(found) == 1 else ""
    code = code_for(column, 64, parameter=True)
    if not unit:
        return ParameterDef(code=code, name_en=column, kind=ParamKind.text)
    kind = ParamKind.range if any(quantity.value is None for quantity in quantities) else ParamKind.numeric
    return ParameterDef(code=code, name_en=column, kind=kind, unit=unit)


def _products(entries: list[_Entry], category: str, file: str) -> Iterator[RawProduct]:
    for entry in entries:
        text = entry.fields
        for part in entry.parts:
            field = part.fields
            product = RawProduct(location=Location(file=file, row=part.line))
            product.fields.update({
                "sku": RawValue(field["mpn"], "parts.mpn"),
                "mpn": RawValue(field["mpn"], "parts.mpn"),
                "brand": RawValue(field["manufacturer"], "parts.manufacturer"),
                "category": RawValue(category, "name"),
                "name_en": RawValue(text["title"], "title"),
                "description": RawValue("\n".join(filter(None, (text["description"], field["note"]))),
                                        "description"),
            })
            product.params.append(RawParam(CPL_ID, RawValue(text["cplid"], "cplid")))
            product.params += [RawParam(name, RawValue(value, f"extravals.{name}"))
                               for name, value in entry.values.items()]
            product.media += [RawMedia(kind, field[key], description) for key, kind, description in (
                ("imageurl", "image", None), ("footprinturl", "document", "footprint"),
                ("externalurl", "document", None)) if field[key]]
            yield product


loaders = {"yaml": load_cpl, "yml": load_cpl}
