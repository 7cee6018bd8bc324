"""Validation: raw products as read become domain products, or rejections naming the cell that is wrong.

Shared by every importer, so a price or a parameter means the same whether it came from a spreadsheet,
a CSV or BMEcat.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from jbp import units
from jbp.catalog.definitions import Definitions, find_parameter
from jbp.catalog.importers.headers import CURRENCY_WORDS, field_unit_factor, fold_header
from jbp.catalog.media_refs import MediaRef, media_kind, one_line, parse_media_cell, uri_problem
from jbp.catalog.models import (
    Brand,
    Category,
    Lifecycle,
    MediaKind,
    ParameterDef,
    ParamKind,
    ParamValue,
    normalise_part_number,
)
from jbp.catalog.records import RawProduct, RawValue
from jbp.errors import Location, UnitError
from jbp.safecells import unguard_cell
from jbp.store.catalog_rows import product_digest


@dataclass(frozen=True, slots=True)
class Rejection:
    location: Location
    reason: str

    def as_dict(self) -> dict:
        loc = self.location
        return {"file": loc.file, "sheet": loc.sheet, "row": loc.row, "column": loc.column,
                "value": loc.value, "reason": self.reason}


class Rejected(Exception):
    """One row's first problem; collected into the import report, never raised past it."""

    def __init__(self, reason: str, value: RawValue | None = None):
        super().__init__(reason)
        self.reason, self.value = reason, value


LIFECYCLE_WORDS = {
    Lifecycle.active: ("active", "在产", "正常", "量产", "在售", "production"),
    Lifecycle.nrnd: ("nrnd", "不推荐", "不推荐新设计", "not recommended for new designs"),
    Lifecycle.eol: ("eol", "停产", "即将停产", "end of life", "last time buy"),
    Lifecycle.obsolete: ("obsolete", "淘汰", "已淘汰", "已停产", "废弃", "discontinued"),
}
_LIFECYCLE = {fold_header(w): state for state, words in LIFECYCLE_WORDS.items() for w in words}
_LIFECYCLE.update({state.value: state for state in Lifecycle})
_TRUE = {"true", "yes", "y", "1", "是", "有", "√", "✓"}
_FALSE = {"false", "no", "n", "0", "否", "无", "×", "✗"}
_PLAIN_DECIMAL = re.compile(r"\d{1,15}(?:\.\d{1,6})?")
_CURRENCY_WORD = "|".join(map(re.escape, CURRENCY_WORDS))
_PRICE_CURRENCY = re.compile(rf"^({_CURRENCY_WORD})\s*|\s*({_CURRENCY_WORD})$", re.IGNORECASE)  # USD 3, 3元
_INT_TEXT = re.compile(r"^([+-]?\d{1,3}(?:[,，\s]\d{3})*|[+-]?\d+)\s*(?:pcs|pc|个|件|只|天|days?|d)?$",
                       re.IGNORECASE)  # separators only between thousands: `1,5` is not fifteen
_INT_FIELDS = {"package_qty": 1, "moq": 1, "order_multiple": 1, "stock": 0, "lead_time_days": 0}  # minimums
_TEXT_FIELDS = ("mpn", "series", "name_zh", "name_en", "description", "successor_sku")
_TEXT_LIMITS = {"mpn": 128, "successor_sku": 128}  # the store's column widths
_MEDIA_FIELDS = {"image": MediaKind.image, "datasheet": MediaKind.datasheet, "cad": MediaKind.cad}


def text_of(value: object) -> str:
    """Cell value as text: integral floats lose their `.0` (part numbers stored as numbers keep their digits)."""
    if type(value) is str and value.isascii():
        text = value.strip()
        return unguard_cell(text) if text.startswith("'") else text
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unguard_cell(unicodedata.normalize("NFC", str(value)).strip())


def parse_int(raw: RawValue, *, minimum: int = 0) -> int:
    value = raw.value
    if type(value) is str and value.isdigit() and value.isascii():  # the common case, ten times faster
        number = int(value)
    elif isinstance(value, bool):
        raise Rejected("expected a whole number", raw)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        match = _INT_TEXT.match(unicodedata.normalize("NFKC", text_of(value)))
        if not match:
            raise Rejected("expected a whole number", raw)
        number = int(re.sub(r"[,，\s]", "", match.group(1)))
    if number < minimum:
        raise Rejected(f"must be at least {minimum}", raw)
    return number


def _named_currency(raw: RawValue) -> str | None:
    """The currency a price cell names itself (`USD 3`, `3元`), if it names one."""
    if type(raw.value) is not str:
        return None
    match = _PRICE_CURRENCY.search(unicodedata.normalize("NFKC", raw.value.strip()))
    return CURRENCY_WORDS[(match[1] or match[2]).lower()] if match else None


def _whole_number(name: str, raw: RawValue, minimum: int) -> int:
    """A whole-number field in its own unit (days, pieces), converted from the one its header names."""
    number = parse_int(raw, minimum=minimum)
    return number if raw.unit_hint is None else number * (field_unit_factor(name, raw.unit_hint) or 1)


def parse_price(raw: RawValue, *, decimal_comma: bool = False) -> Decimal:
    """A price as Decimal: `12.5`, `1,234.50`, `12,50` (decimal comma), `¥12.5`, with `decimal_comma`
    `1.234,50`; never negative or NaN."""
    if not decimal_comma and type(raw.value) is str and _PLAIN_DECIMAL.fullmatch(raw.value):  # `12.50`
        return Decimal(raw.value)
    if isinstance(raw.value, bool):
        raise Rejected("price is not a number", raw)
    if isinstance(raw.value, int | float):
        text = repr(raw.value) if isinstance(raw.value, float) else str(raw.value)
    else:
        text = unicodedata.normalize("NFKC", text_of(raw.value)).replace("¥", "").replace("￥", "")
        text = _PRICE_CURRENCY.sub("", text)
        text = text.replace(" ", "")
        if decimal_comma:
            try:
                text = units.european_numbers(text, text)
            except UnitError as exc:
                raise Rejected(f"price: {exc.reason}", raw) from None
        elif re.fullmatch(r"-?\d+,\d{1,2}", text):
            text = text.replace(",", ".")
        elif re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
            text = text.replace(",", "")
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise Rejected("price is not a number", raw) from None
    if not price.is_finite():
        raise Rejected("price is not a finite number", raw)
    if price < 0:
        raise Rejected("price is negative", raw)
    return price


def parse_parameter(definition: ParameterDef, raw: RawValue, *, decimal_comma: bool = False) -> ParamValue:
    """One parameter value, normalised by the definition's kind and unit; the source text is kept."""
    source = text_of(raw.value)
    if definition.kind in (ParamKind.numeric, ParamKind.range):
        decimal_comma = decimal_comma and isinstance(raw.value, str)  # a number cell has no commas to read
        if raw.unit_hint and _without_unit(source, decimal_comma):
            # the unit the header (`功率(kW)`) or BMEcat's FUNIT gave is part of the value: kept with it,
            # an exported `2.2 kW` imports back as 2200 W (a bare `2.2` would read as 2.2 W); `AC0.4`,
            # `1E3`, `3 to 5` have letters but no unit of their own either
            source = f"{source} {raw.unit_hint}"
        try:
            quantity = units.parse_quantity(source, expected_unit=definition.unit or None, decimal_comma=decimal_comma)
        except UnitError as exc:
            raise Rejected(f"{_param_label(definition)}: {exc.reason}", raw) from None
        if definition.kind == ParamKind.numeric:
            if quantity.value is None:
                raise Rejected(f"{_param_label(definition)}: expected one value, got a range", raw)
            return ParamValue(num=quantity.value, text=quantity.current, source=source)
        low = quantity.min if quantity.min is not None else quantity.value
        high = quantity.max if quantity.max is not None else quantity.value
        return ParamValue(num_min=low, num_max=high, text=quantity.current, source=source)
    if definition.kind == ParamKind.bool:
        folded = fold_header(source)
        if folded in _TRUE or folded in _FALSE:
            return ParamValue(text="true" if folded in _TRUE else "false", source=source)
        raise Rejected(f"{_param_label(definition)}: expected yes/no (是/否)", raw)
    if definition.kind == ParamKind.enum and definition.allowed_values:
        folded = fold_header(source)
        for allowed in definition.allowed_values:
            if fold_header(allowed) == folded:
                return ParamValue(text=allowed, source=source)
        raise Rejected(f"{_param_label(definition)}: not one of {', '.join(definition.allowed_values)}", raw)
    if raw.unit_hint:  # a text parameter keeps the unit it was given (`M 8` under `螺纹(mm)`, FUNIT dB(A))
        source = f"{source} {raw.unit_hint}"
    return ParamValue(text=source, source=source)


def _without_unit(text: str, decimal_comma: bool) -> bool:
    """True unless the value names a unit of its own (`5 cm`, `-25~70℃`, `4.7uF`), so that the header's
    unit belongs to it: `4`, `1,5`, `3..5`, `3 to 5`, `±5`, `≥10`, `1E3`, `4k7`, `AC0.4`."""
    quantity = units.try_parse_quantity(text, decimal_comma=decimal_comma)
    return quantity is None or not quantity.unit


def _is_bare_number(text: str) -> bool:
    return re.fullmatch(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?", text) is not None


def _param_label(definition: ParameterDef) -> str:
    unit = f" [{definition.unit}]" if definition.unit else ""
    return f"{definition.code}{unit}"


class BuiltProduct(NamedTuple):
    """A validated product as the store's rows hold it: plain values, no model object per row.

    Imports build hundreds of thousands of these, so they are plain tuples of plain values (cheap to make,
    to hash and to hand to the writing process with marshal; prices are Decimal text for that reason);
    `Product` stays the domain model for library callers.
    """

    brand: str
    sku: str
    category: str
    mpn: str | None
    series: str | None
    name_zh: str | None
    name_en: str | None
    description: str | None
    lifecycle: str
    successor_sku: str | None
    unit: str
    package_qty: int
    moq: int
    order_multiple: int
    stock: int | None
    lead_time_days: int | None
    params: tuple[tuple, ...]  # (code, num, num_min, num_max, text, source), by code
    prices: tuple[tuple[str, int, str], ...]  # (currency, min_qty, price as exact text), by currency and quantity
    media: tuple[tuple[str, str, str | None], ...]  # (kind, uri, description), in file order
    related: tuple[tuple[str, str], ...]  # (kind, sku)
    mpn_norm: str | None  # the MPN as lookups compare it (derived from `mpn`, so not part of the digest)

    def digest(self) -> str:
        """The content hash the store keeps (`catalog_rows.product_digest` of the values above
        `mpn_norm`). Worked out by the writing process, which has time to spare for it."""
        return product_digest(self[:-1])


class ProductBuilder:
    """Turns raw products into built products (store rows) against the store's definitions.

    With `derive=True` (BMEcat), a brand, category or parameter the file uses but nobody declared is
    created from what the file says of it; the new definitions are listed in `derived_*` for storage.
    Catalogs repeat the same few values down a column (coil 220VAC, 3P, 停产, 只), so every parse that
    depends only on the value is done once per distinct value; the memos are bounded, so memory stays
    flat on any file size.
    """

    def __init__(self, definitions: Definitions, *, default_brand: str | None = None,
                 default_category: str | None = None, derive: bool = False, decimal_comma: bool = False):
        self.definitions = definitions
        self.decimal_comma = decimal_comma  # European numbers (a mapping file says so)
        self.default_brand = default_brand
        self.default_category = default_category
        self.derive = derive
        self.derived_brands: list[Brand] = []
        self.derived_categories: dict[str, Category] = {}
        # (category, name as written) -> definition; folding every header for every row was the hot spot
        self._parameter_by_name: dict[tuple[str, str], ParameterDef | None] = {}
        self._brand_by_name: dict[str, Brand | None] = {}
        self._category_by_name: dict[str, Category | None] = {}
        self._parsed: dict[tuple, tuple | str] = {}  # parameter value -> row tuple, or why it is wrong

    def build(self, raw: RawProduct) -> BuiltProduct:
        """The product, or `Rejected` naming the first bad value."""
        fields = raw.fields
        sku_raw = fields.get("sku")
        sku = text_of(sku_raw.value) if sku_raw else ""
        if not sku:
            raise Rejected("SKU is missing", sku_raw)
        _check_length(sku, 128, "SKU", sku_raw)
        if len(fields) == 1 and not (raw.prices or raw.params or raw.media or raw.links):
            # a footnote under the table (注：以上价格含税) would otherwise become a product of the defaults
            raise Rejected("nothing but a SKU in this row (a note?): a product needs a name, MPN, brand, "
                           "category, price or parameter too", sku_raw)
        brand = self._brand(fields.get("brand"))
        category = self._category(fields.get("category"))
        texts = {name: text_of(raw_value.value) or None if (raw_value := fields.get(name)) else None
                 for name in _TEXT_FIELDS}
        for name, limit in _TEXT_LIMITS.items():
            if texts[name]:
                _check_length(texts[name], limit, name, fields[name])
        lifecycle = Lifecycle.active.value
        if "lifecycle" in fields and (word := text_of(fields["lifecycle"].value)):
            lifecycle = _lifecycle(word, fields["lifecycle"])
        elif "old_product" in _field_text(fields, "status_hint"):
            lifecycle = Lifecycle.obsolete.value  # BMEcat PRODUCT_STATUS type="old_product": discontinued
        unit = _field_text(fields, "unit") or "PCE"
        _check_length(unit, 16, "unit", fields.get("unit"))
        numbers = {name: _whole_number(name, raw_value, minimum) for name, minimum in _INT_FIELDS.items()
                   if (raw_value := fields.get(name)) and _has_value(raw_value)}
        successor = texts["successor_sku"]
        if not successor:
            successor = next((link.target_sku for link in raw.links if link.kind == "successor"), None)
        values = (brand.code, sku, category.code, texts["mpn"], texts["series"], texts["name_zh"], texts["name_en"],
                  texts["description"], lifecycle, successor, unit, numbers.get("package_qty", 1),
                  numbers.get("moq", 1), numbers.get("order_multiple", 1), numbers.get("stock"),
                  numbers.get("lead_time_days"), self._params(raw, category), self._prices(raw), _media(raw),
                  _related(raw))
        mpn_norm = normalise_part_number(texts["mpn"]) if texts["mpn"] else None
        return BuiltProduct(*values, mpn_norm)

    def _brand(self, raw: RawValue | None) -> Brand:
        name = text_of(raw.value) if raw else ""
        name = name or self.default_brand or ""
        if not name:
            raise Rejected("brand is missing (add a brand column or pass a default brand)", raw)
        if name not in self._brand_by_name:
            self._brand_by_name[name] = self.definitions.find_brand(name)
        brand = self._brand_by_name[name]
        if brand:
            return brand
        if not self.derive:
            known = ", ".join(sorted(self.definitions.brands)) or "none declared"
            raise Rejected(f"unknown brand {name!r} (known: {known})", raw)
        brand = Brand(code=code_for(name, 64, upper=True), name_en=name)
        self.definitions.brands[brand.code] = brand
        self._brand_by_name[name] = brand
        self.derived_brands.append(brand)
        return brand

    def _category(self, raw: RawValue | None) -> Category:
        name = (text_of(raw.value) if raw else "") or self.default_category or ""
        if not name:
            raise Rejected("category is missing", raw)
        if name not in self._category_by_name:
            self._category_by_name[name] = self.definitions.find_category(name)
        found = self._category_by_name[name]
        if found:
            return self.definitions.categories[found.code]  # the current version, with derived parameters
        if not self.derive:
            raise Rejected(f"unknown category {name!r}", raw)
        category = Category(code=code_for(name, 64), name_en=name)
        self.definitions.categories[category.code] = category
        self.derived_categories[category.code] = category
        self._category_by_name[name] = category
        return category

    def _prices(self, raw: RawProduct) -> tuple[tuple[str, int, str], ...]:
        fields = raw.fields
        per = None
        if "price_quantity" in fields and text_of(fields["price_quantity"].value):
            per = parse_price(fields["price_quantity"], decimal_comma=self.decimal_comma)
            if per == 0:
                raise Rejected("price quantity must be positive", fields["price_quantity"])
            if per == 1:
                per = None  # prices are per unit already
        default_currency = _field_text(fields, "currency").upper()
        breaks: dict[tuple[str, int], str] = {}
        for item in raw.prices:
            if not _has_value(item.price):
                continue
            text = item.price.value
            named = None
            if per is None and not self.decimal_comma and type(text) is str and (plain := _PLAIN_PRICE.fullmatch(text)):
                text = f"{plain[1]}.{(plain[2] or '').ljust(6, '0')}"  # what Decimal would print, 20× faster
            else:
                named = _named_currency(item.price)
                price = parse_price(item.price, decimal_comma=self.decimal_comma)
                if per is not None:
                    price = price / per
                if price >= _PRICE_LIMIT:
                    raise Rejected(f"price must be below {_PRICE_LIMIT:,}", item.price)
                if price and not price.quantize(_PRICE_STEP):
                    raise Rejected("price rounds to 0 at the 6 decimals stored", item.price)
                text = str(price.quantize(_PRICE_STEP))
            min_qty = parse_int(item.min_qty, minimum=1) if _has_value(item.min_qty) else 1
            currency = (item.currency or default_currency or named or "CNY").upper()
            if named and named != currency:
                raise Rejected(f"the price says {named}, its column or currency field {currency}", item.price)
            if not _CURRENCY.fullmatch(currency):
                raise Rejected(f"currency {currency!r} is not a three-letter code such as CNY", item.price)
            if (currency, min_qty) in breaks:
                raise Rejected(f"two prices for {min_qty}+ in {currency}", item.price)
            breaks[(currency, min_qty)] = text
        return tuple((currency, qty, price) for (currency, qty), price in sorted(breaks.items()))

    def _params(self, raw: RawProduct, category: Category) -> tuple[tuple, ...]:
        params: dict[str, tuple] = {}
        memo = self._parsed
        for item in raw.params:
            value = item.value
            cell = value.value
            if cell is None or cell == "":
                continue
            # the type is part of the key: True == 1 but they read differently
            key = (category.code, item.name, cell, type(cell), value.unit_hint)
            parsed = memo.get(key)
            if parsed is None:
                category, parsed = self._parse(category, item.name, value)
                if len(memo) > 50_000:  # bounded, so memory stays flat on any file size
                    memo.clear()
                memo[(category.code, item.name, cell, type(cell), value.unit_hint)] = parsed
            if type(parsed) is str:
                raise Rejected(parsed, value)
            if parsed[0] in params:
                raise Rejected(f"parameter {parsed[0]!r} given twice", value)
            params[parsed[0]] = parsed
        return tuple(params[code] for code in sorted(params))  # one order whatever the column order

    def _parse(self, category: Category, name: str, value: RawValue) -> tuple[Category, tuple | str]:
        """(category, the value as a row tuple or why it is wrong); the category grows a derived parameter."""
        key = (category.code, name)
        if key not in self._parameter_by_name:
            self._parameter_by_name[key] = find_parameter(category, name)
        definition = self._parameter_by_name[key]
        if definition is None:
            if not self.derive:
                return category, f"{name!r} is not a parameter of category {category.code!r}"
            category, definition = self._derive_parameter(category, name, value)
        try:
            parsed = parse_parameter(definition, value, decimal_comma=self.decimal_comma)
        except Rejected as problem:
            return category, problem.reason
        return category, (definition.code, parsed.num, parsed.num_min, parsed.num_max, parsed.text, parsed.source)

    def _derive_parameter(self, category: Category, name: str, raw: RawValue) -> tuple[Category, ParameterDef]:
        unit = ""
        kind = ParamKind.text
        sample = text_of(raw.value)
        if raw.unit_hint or _is_bare_number(sample):
            quantity = units.try_parse_quantity(f"{sample} {raw.unit_hint or ''}".strip())
            if quantity is not None:
                kind = ParamKind.range if quantity.value is None else ParamKind.numeric
                unit = quantity.unit
        definition = ParameterDef(code=code_for(name, 64, parameter=True), name_en=name, kind=kind, unit=unit)
        if category.parameter(definition.code):
            return category, category.parameter(definition.code)
        category = category.model_copy(update={"parameters": (*category.parameters, definition)})
        self.definitions.categories[category.code] = category
        self.derived_categories[category.code] = category
        self._parameter_by_name[(category.code, name)] = definition
        return category, definition


_UNSEEN = object()
_PRICE_STEP = Decimal("0.000001")
_PRICE_LIMIT = Decimal(10) ** 12  # the store keeps 18 digits, 6 of them decimals
_PLAIN_PRICE = re.compile(r"(0|[1-9]\d{0,11})(?:\.(\d{1,6}))?")  # below the limit, at most 6 decimals
_CURRENCY = re.compile(r"[A-Z]{3}")


def _has_value(raw: RawValue) -> bool:
    value = raw.value
    if type(value) is str:
        return value != "" and not value.isspace()
    return value is not None


def _field_text(fields: dict[str, RawValue], name: str) -> str:
    raw = fields.get(name)
    return text_of(raw.value) if raw is not None else ""


def _check_length(text: str, limit: int, what: str, raw: RawValue | None) -> None:
    if len(text) > limit:
        raise Rejected(f"{what} is longer than {limit} characters", raw)


def _lifecycle(word: str, raw: RawValue) -> str:
    state = _LIFECYCLE.get(word) or _LIFECYCLE.get(fold_header(word))
    if state is None:
        raise Rejected("lifecycle must be active, NRND, EOL or obsolete (在产/不推荐/停产/淘汰)", raw)
    return state.value


def _media(raw: RawProduct) -> tuple[MediaRef, ...]:
    """Columns of one kind (a reference per line), a `media` column (kind: uri | description per line, as
    exports write it), then the file's own references (BMEcat MIME_INFO, JSON, CPL), in that order."""
    refs: list[MediaRef] = []
    for name, kind in _MEDIA_FIELDS.items():
        if name in raw.fields:
            for uri in text_of(raw.fields[name].value).splitlines():
                if uri.strip():
                    refs.append((kind.value, _checked_uri(uri.strip(), raw.fields[name]), None))
    if "media" in raw.fields:
        try:
            refs += parse_media_cell(text_of(raw.fields["media"].value))
        except ValueError as exc:
            raise Rejected(str(exc), raw.fields["media"]) from None
    refs += [(media_kind(item.kind, item.uri).value, _checked_uri(item.uri, None), one_line(item.description))
             for item in raw.media]
    return tuple(refs)


def _checked_uri(uri: str, raw: RawValue | None) -> str:
    if problem := uri_problem(uri):
        raise Rejected(problem, raw)
    return uri


def _related(raw: RawProduct) -> tuple[tuple[str, str], ...]:
    """Links from the file (BMEcat references) and a `related` column of `kind:SKU` lines."""
    pairs = [(link.kind, link.target_sku) for link in raw.links if link.kind != "successor"]
    if "related" in raw.fields:
        for line in text_of(raw.fields["related"].value).splitlines():
            kind, sep, sku = line.partition(":")
            if not sep or not kind.strip() or not sku.strip():
                raise Rejected("related products are written one per line as kind:SKU", raw.fields["related"])
            pairs.append((kind.strip(), sku.strip()))
    for kind, sku in pairs:
        if not kind or len(kind) > 32 or not sku or len(sku) > 128:
            raise Rejected(f"related product {kind}:{sku} needs a kind of up to 32 and a SKU of up to 128 "
                           "characters", raw.fields.get("related"))
    return tuple(sorted(set(pairs)))  # the store keeps no order for them


def code_for(name: str, limit: int, *, upper: bool = False, parameter: bool = False) -> str:
    """A stable code derived from a free-text name (ETIM/ECLASS ids keep their shape)."""
    folded = unicodedata.normalize("NFKC", name).strip()
    code = re.sub(r"[^A-Za-z0-9]+", "_", folded).strip("_")
    if not code:
        code = "x" + format(abs(hash_text(folded)), "x")
    if parameter:
        code = code.lower()
        if not code[0].isalpha():
            code = "p_" + code
    return (code.upper() if upper else code)[:limit]


def hash_text(text: str) -> int:
    """A hash of text that is the same in every process (unlike `hash`)."""
    return zlib.crc32(text.encode("utf-8"))
