"""Which part the buyer means: one of ours by SKU or by MPN in any spelling, or a competitor's part known
by its cross-references or by parameters given with it (`--param rated_current=9A`), and what they need.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from jbp.catalog.building import Rejected, parse_parameter
from jbp.catalog.definitions import Definitions, find_parameter
from jbp.catalog.models import Category, ParamValue, normalise_part_number
from jbp.catalog.records import RawValue
from jbp.catalog.substitution.grading import Need, display_value, is_textual, target_of
from jbp.catalog.substitution.makers import same_maker
from jbp.catalog.substitution.results import PartDescription
from jbp.errors import DataError, JbpError, Location, NotFoundError
from jbp.store import substitution_rows

_ASSIGNMENT = re.compile(r"^\s*(?P<name>[^=<>≥≤]+?)\s*(?P<operator>>=|<=|≥|≤|=)\s*(?P<value>.*?)\s*$")
_OPERATORS = {"≥": ">=", "≤": "<="}


@dataclass
class Original:
    """The resolved part: what it is, its category and parameter values, and what is declared to replace it."""

    description: PartDescription
    category: Category | None
    values: dict[str, ParamValue]
    product: dict | None = None  # our product row, when it is ours
    cross_refs: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def resolve_part(conn: Connection, definitions: Definitions, part: str, *, brand: str | None = None,
                 category: str | None = None, params: Sequence[str] = ()) -> Original:
    """Find the part: our SKU, then our MPN, then a competitor MPN among the cross-references, then a
    competitor part described only by `category` and `params`. NotFoundError suggests close part numbers."""
    text = part.strip()
    normalised = normalise_part_number(text)
    if not normalised:
        raise DataError("no part number given", Location(value=part))
    our_brand = definitions.find_brand(brand) if brand else None
    brand_ids = [definitions.brand_ids[our_brand.code]] if our_brand else list(definitions.brand_ids.values())
    rows: list[dict] = []
    if brand_ids and (brand is None or our_brand):
        rows = (substitution_rows.products_by_sku(conn, text, brand_ids)
                or substitution_rows.products_by_mpn(conn, normalised, brand_ids))
    if len(rows) > 1:
        codes = {v: k for k, v in definitions.brand_ids.items()}
        listed = ", ".join(f"{codes[r['brand_id']]} {r['sku']} ({r['mpn'] or '-'})" for r in rows[:10])
        raise JbpError(f"{part!r} names {len(rows)} parts: {listed}; pass --brand (or the SKU)")
    if rows:
        return _ours(conn, definitions, rows[0], params)
    refs = [ref for ref in substitution_rows.cross_refs_by_mpn(conn, normalised)
            if brand is None or same_maker(ref["other_brand"], brand)]
    named = definitions.require_category(category) if category else None
    if refs or (named is not None and params):
        return _competitor(conn, definitions, text, brand, refs, named, params)
    if params and named is None:
        raise JbpError(f"{part!r} is neither one of our parts nor cross-referenced; to find substitutes from its "
                       "parameters, also give its category (--category)")
    raise NotFoundError(f"unknown part {part!r}", close_part_numbers(conn, definitions, text))


def _ours(conn: Connection, definitions: Definitions, row: dict, params: Sequence[str]) -> Original:
    brand = next(code for code, brand_id in definitions.brand_ids.items() if brand_id == row["brand_id"])
    category = next(definitions.categories[code] for code, category_id in definitions.category_ids.items()
                    if category_id == row["category_id"])
    codes = {param_id: code for (cat, code), param_id in definitions.parameter_ids.items() if cat == category.code}
    values = {codes[v["param_id"]]: ParamValue(num=v["num"], num_min=v["num_min"], num_max=v["num_max"],
                                               text=v["text"], source=v["source"])
              for v in substitution_rows.param_values_of(conn, row["id"]) if v["param_id"] in codes}
    values.update(parse_params(category, params))
    names = [n for n in (brand, *_brand_names(definitions, brand)) if n]
    refs = [ref for ref in substitution_rows.cross_refs_by_mpn(conn, row["mpn_norm"])
            if any(same_maker(ref["other_brand"], name) for name in names)] if row["mpn_norm"] else []
    description = PartDescription(
        kind="ours", brand=brand, mpn=row["mpn"], sku=row["sku"], name=row["name_zh"] or row["name_en"],
        category=category.code, lifecycle=row["lifecycle"], params=_shown(category, values))
    return Original(description, category, values, product=row, cross_refs=refs)


def _brand_names(definitions: Definitions, code: str) -> list[str]:
    brand = definitions.brands[code]
    return [n for n in (brand.name_zh, brand.name_en, *brand.aliases) if n]


def _competitor(conn: Connection, definitions: Definitions, text: str, brand: str | None, refs: list[dict],
                named: Category | None, params: Sequence[str]) -> Original:
    warnings = []
    category = named
    if category is None:
        targets = substitution_rows.products_by_keys(conn, list({(r["brand_id"], r["sku"]) for r in refs}))
        counts = Counter(row["category_id"] for row in targets.values())
        if counts:
            by_id = {category_id: code for code, category_id in definitions.category_ids.items()}
            category = definitions.categories[by_id[counts.most_common(1)[0][0]]]
            if len(counts) > 1:
                warnings.append(f"{text} is cross-referenced to parts of {len(counts)} categories; "
                                f"comparing within {category.code} (pass --category to choose)")
    values = parse_params(category, params) if category else {}
    makers = list(dict.fromkeys(r["other_brand"] for r in refs)) or [brand or "?"]
    description = PartDescription(
        kind="competitor", brand=brand or " / ".join(makers), mpn=refs[0]["other_mpn"] if refs else text,
        category=category.code if category else None, params=_shown(category, values) if category else {})
    return Original(description, category, values, cross_refs=refs, warnings=warnings)


def _shown(category: Category, values: dict[str, ParamValue]) -> dict[str, str]:
    shown = {}
    for definition in category.parameters:
        if definition.code in values:
            text = display_value(definition, values[definition.code])
            if text is not None:
                shown[definition.code] = text
    return shown


def _split(category: Category, text: str, option: str) -> tuple:
    match = _ASSIGNMENT.match(text)
    if not match or not match["value"]:
        raise DataError(f"{option} is written name=value (e.g. rated_current=9A)", Location(value=text))
    definition = find_parameter(category, match["name"])
    if definition is None:
        known = [p.code for p in category.parameters]
        suggestions = difflib.get_close_matches(match["name"], known, n=3) or known
        raise NotFoundError(f"{option} {text!r}: {match['name']!r} is not a parameter of {category.code}",
                            suggestions)
    try:
        value = parse_parameter(definition, RawValue(match["value"], column=option))
    except Rejected as problem:
        raise DataError(f"{option}: {problem.reason}", Location(value=text)) from None
    return definition, _OPERATORS.get(match["operator"], match["operator"]), value


def parse_params(category: Category, texts: Sequence[str]) -> dict[str, ParamValue]:
    """`--param` values (`rated_current=9A`, `线圈电压=AC220V`), read like catalog cells of the category."""
    values = {}
    for text in texts:
        definition, operator, value = _split(category, text, "--param")
        if operator != "=":
            raise DataError("--param gives a value with '='; use --need for a requirement", Location(value=text))
        values[definition.code] = value
    return values


def parse_needs(category: Category, texts: Sequence[str]) -> list[Need]:
    """`--need` requirements: `rated_current>=6A`, `width<=18mm`, or `name=value` (met by the parameter's rule)."""
    needs = []
    for text in texts:
        definition, operator, value = _split(category, text, "--need")
        if operator != "=" and is_textual(definition):
            raise DataError(f"--need {definition.code} is a text parameter: use '='", Location(value=text))
        target = target_of(definition, value)
        if target is None:
            raise DataError(f"--need {text!r} gives no comparable value", Location(value=text))
        needs.append(Need(definition, operator, target, text.strip()))
    return needs


def close_part_numbers(conn: Connection, definitions: Definitions, text: str, count: int = 5) -> list[str]:
    """SKUs and MPNs (ours and cross-referenced) close to a mistyped one: candidates sharing ever shorter
    prefixes (index range scans, never a full scan), ranked by similarity."""
    normalised = normalise_part_number(text)
    brand_ids = list(definitions.brand_ids.values())
    pool: set[str] = set()
    for cut in range(max(len(text), len(normalised))):
        sku_prefix, mpn_prefix = text[:len(text) - cut], normalised[:len(normalised) - cut]
        if len(sku_prefix) < 3 and len(mpn_prefix) < 3:
            break
        pool.update(substitution_rows.part_numbers_starting(
            conn, sku_prefix if len(sku_prefix) >= 3 else "", mpn_prefix if len(mpn_prefix) >= 3 else "",
            brand_ids))
        if len(pool) >= 4 * count:
            break
    by_form = {normalise_part_number(p): p for p in pool}
    return [by_form[m] for m in difflib.get_close_matches(normalised, list(by_form), n=count, cutoff=0.5)]
