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

from pydantic import ValidationError

from jbp import units
from jbp.catalog.definitions import Definitions, find_parameter
from jbp.catalog.importers.headers import fold_header
from jbp.catalog.models import (
    Brand,
    Category,
    Lifecycle,
    MediaKind,
    MediaRef,
    ParameterDef,
    ParamKind,
    ParamValue,
    PriceBreak,
    Product,
    RelatedProduct,
)
from jbp.catalog.records import RawProduct, RawValue
from jbp.errors import Location, UnitError
from jbp.safecells import unguard_cell


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
_TRUE = {"true", "yes", "y", "1", "是", "有", "√", "✓"}
_FALSE = {"false", "no", "n", "0", "否", "无", "×", "✗"}
_INT_TEXT = re.compile(r"^([+-]?\d[\d,，\s]*)\s*(?:pcs|pc|个|件|只|天|days?|d)?$", re.IGNORECASE)
_INT_FIELDS = ("package_qty", "moq", "order_multiple", "stock", "lead_time_days")
_TEXT_FIELDS = ("mpn", "series", "name_zh", "name_en", "description", "successor_sku")
_MEDIA_FIELDS = {"image": MediaKind.image, "datasheet": MediaKind.datasheet, "cad": MediaKind.cad}
_CAD_SUFFIXES = (".stp", ".step", ".stl", ".igs", ".iges", ".glb", ".gltf", ".obj", ".3mf", ".x_t", ".sldprt")


def text_of(value: object) -> str:
    """Cell value as text: integral floats lose their `.0` (part numbers stored as numbers keep their digits)."""
    if type(value) is str and value.isascii():
        return unguard_cell(value.strip())
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unguard_cell(unicodedata.normalize("NFC", str(value)).strip())


def parse_int(raw: RawValue, *, minimum: int = 0) -> int:
    if isinstance(raw.value, bool):
        raise Rejected("expected a whole number", raw)
    if isinstance(raw.value, int):
        number = raw.value
    elif isinstance(raw.value, float) and raw.value.is_integer():
        number = int(raw.value)
    else:
        match = _INT_TEXT.match(unicodedata.normalize("NFKC", text_of(raw.value)))
        if not match:
            raise Rejected("expected a whole number", raw)
        number = int(re.sub(r"[,，\s]", "", match.group(1)))
    if number < minimum:
        raise Rejected(f"must be at least {minimum}", raw)
    return number


def parse_price(raw: RawValue) -> Decimal:
    """A price as Decimal: `12.5`, `1,234.50`, `12,50` (decimal comma), `¥12.5`; never negative or NaN."""
    if isinstance(raw.value, bool):
        raise Rejected("price is not a number", raw)
    if isinstance(raw.value, int | float):
        text = repr(raw.value) if isinstance(raw.value, float) else str(raw.value)
    else:
        text = unicodedata.normalize("NFKC", text_of(raw.value)).replace("¥", "").replace("￥", "")
        text = re.sub(r"^(?:cny|rmb|usd|eur|元)\s*|\s*(?:cny|rmb|usd|eur|元)$", "", text, flags=re.IGNORECASE)
        text = text.replace(" ", "")
        if re.fullmatch(r"-?\d+,\d{1,2}", text):
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


def parse_parameter(definition: ParameterDef, raw: RawValue) -> ParamValue:
    """One parameter value, normalised by the definition's kind and unit; the source text is kept."""
    source = text_of(raw.value)
    if definition.kind in (ParamKind.numeric, ParamKind.range):
        text = source
        if raw.unit_hint and _is_bare_number(source):
            text = f"{source} {raw.unit_hint}"
        try:
            quantity = units.parse_quantity(text, expected_unit=definition.unit or None)
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
    return ParamValue(text=source, source=source)


def _is_bare_number(text: str) -> bool:
    return re.fullmatch(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?", text) is not None


def _param_label(definition: ParameterDef) -> str:
    unit = f" [{definition.unit}]" if definition.unit else ""
    return f"{definition.code}{unit}"


class ProductBuilder:
    """Turns raw products into domain products against the store's definitions.

    With `derive=True` (BMEcat), a brand, category or parameter the file uses but nobody declared is
    created from what the file says of it; the new definitions are listed in `derived_*` for storage.
    """

    def __init__(self, definitions: Definitions, *, default_brand: str | None = None,
                 default_category: str | None = None, derive: bool = False):
        self.definitions = definitions
        self.default_brand = default_brand
        self.default_category = default_category
        self.derive = derive
        self.derived_brands: list[Brand] = []
        self.derived_categories: dict[str, Category] = {}
        # (category, name as written) -> definition; folding every header for every row was the hot spot
        self._parameter_by_name: dict[tuple[str, str], ParameterDef | None] = {}
        self._brand_by_name: dict[str, Brand | None] = {}
        # Catalogs repeat the same few values in a column (coil 220VAC, 3P, M8); parse each once.
        self._parsed: dict[tuple, ParamValue] = {}

    def build(self, raw: RawProduct) -> Product:
        """The product, or `Rejected` naming the first bad value."""
        fields = raw.fields
        sku = text_of(fields["sku"].value) if "sku" in fields else ""
        if not sku:
            raise Rejected("SKU is missing", fields.get("sku"))
        brand = self._brand(fields.get("brand"))
        category = self._category(fields.get("category"), raw)
        values: dict = {"brand": brand.code, "sku": sku, "category": category.code}
        texts = {name: text_of(raw_value.value) for name, raw_value in fields.items()}
        for name in _TEXT_FIELDS:
            if texts.get(name):
                values[name] = texts[name]
        if texts.get("lifecycle"):
            values["lifecycle"] = self._lifecycle(fields["lifecycle"])
        elif "old_product" in texts.get("status_hint", ""):
            values["lifecycle"] = Lifecycle.obsolete  # BMEcat PRODUCT_STATUS type="old_product": discontinued
        if texts.get("unit"):
            values["unit"] = texts["unit"]
        for name in _INT_FIELDS:
            if texts.get(name):
                values[name] = parse_int(fields[name], minimum=0 if name in ("stock", "lead_time_days") else 1)
        successors = [link.target_sku for link in raw.links if link.kind == "successor"]
        if successors and "successor_sku" not in values:
            values["successor_sku"] = successors[0]
        values["related"] = self._related(raw)
        values["price_breaks"] = self._prices(raw)
        values["media"] = self._media(raw)
        values["params"] = self._params(raw, category)
        try:
            return Product(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            field_name = str(first["loc"][0]) if first["loc"] else ""
            raise Rejected(f"{field_name}: {first['msg']}", fields.get(field_name)) from None

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
        brand = Brand(code=_code_for(name, 64, upper=True), name_en=name)
        self.definitions.brands[brand.code] = brand
        self._brand_by_name[name] = brand
        self.derived_brands.append(brand)
        return brand

    def _category(self, raw: RawValue | None, product: RawProduct) -> Category:
        name = (text_of(raw.value) if raw else "") or self.default_category or ""
        if not name:
            raise Rejected("category is missing", raw)
        category = self.definitions.find_category(name)
        if category:
            return category
        if not self.derive:
            raise Rejected(f"unknown category {name!r}", raw)
        category = Category(code=_code_for(name, 64), name_en=name)
        self.definitions.categories[category.code] = category
        self.derived_categories[category.code] = category
        return category

    def _lifecycle(self, raw: RawValue) -> Lifecycle:
        state = _LIFECYCLE.get(fold_header(text_of(raw.value)))
        if state is None:
            raise Rejected("lifecycle must be active, NRND, EOL or obsolete (在产/不推荐/停产/淘汰)", raw)
        return state

    def _prices(self, raw: RawProduct) -> tuple[PriceBreak, ...]:
        per = Decimal(1)
        if "price_quantity" in raw.fields and text_of(raw.fields["price_quantity"].value):
            per = parse_price(raw.fields["price_quantity"])
            if per == 0:
                raise Rejected("price quantity must be positive", raw.fields["price_quantity"])
        default_currency = text_of(raw.fields["currency"].value).upper() if "currency" in raw.fields else ""
        breaks: dict[tuple[str, int], PriceBreak] = {}
        for item in raw.prices:
            if not text_of(item.price.value):
                continue
            price = parse_price(item.price) / per
            min_qty = parse_int(item.min_qty, minimum=1) if text_of(item.min_qty.value) else 1
            currency = (item.currency or default_currency or "CNY").upper()
            if (currency, min_qty) in breaks:
                raise Rejected(f"two prices for {min_qty}+ in {currency}", item.price)
            try:
                breaks[(currency, min_qty)] = PriceBreak(min_qty=min_qty, price=price.quantize(Decimal("0.000001")),
                                                         currency=currency)
            except ValidationError as exc:
                raise Rejected(f"price: {exc.errors()[0]['msg']}", item.price) from None
        return tuple(breaks.values())

    def _media(self, raw: RawProduct) -> tuple[MediaRef, ...]:
        # a media column may list several references, one per line
        refs = [MediaRef(kind=kind, uri=uri.strip())
                for name, kind in _MEDIA_FIELDS.items() if name in raw.fields
                for uri in text_of(raw.fields[name].value).splitlines() if uri.strip()]
        for item in raw.media:
            kind = _media_kind(item.kind, item.uri)
            refs.append(MediaRef(kind=kind, uri=item.uri, description=item.description))
        return tuple(refs)

    def _related(self, raw: RawProduct) -> tuple[RelatedProduct, ...]:
        """Links from the file (BMEcat references) and a `related` column of `kind:SKU` lines."""
        pairs = [(link.kind, link.target_sku) for link in raw.links if link.kind != "successor"]
        if "related" in raw.fields:
            for line in text_of(raw.fields["related"].value).splitlines():
                kind, sep, sku = line.partition(":")
                if not sep or not kind.strip() or not sku.strip():
                    raise Rejected("related products are written one per line as kind:SKU", raw.fields["related"])
                pairs.append((kind.strip(), sku.strip()))
        return tuple(RelatedProduct(kind=kind, sku=sku) for kind, sku in dict.fromkeys(pairs))

    def _params(self, raw: RawProduct, category: Category) -> dict[str, ParamValue]:
        params: dict[str, ParamValue] = {}
        for item in raw.params:
            if not text_of(item.value.value):
                continue
            key = (category.code, item.name)
            if key not in self._parameter_by_name:
                self._parameter_by_name[key] = find_parameter(category, item.name)
            definition = self._parameter_by_name[key]
            if definition is None:
                if not self.derive:
                    raise Rejected(f"{item.name!r} is not a parameter of category {category.code!r}", item.value)
                category, definition = self._derive_parameter(category, item.name, item.value)
            if definition.code in params:
                raise Rejected(f"parameter {definition.code!r} given twice", item.value)
            memo = (category.code, definition.code, type(item.value.value), item.value.value, item.value.unit_hint)
            parsed = self._parsed.get(memo)
            if parsed is None:
                parsed = parse_parameter(definition, item.value)
                if len(self._parsed) > 50_000:  # bounded, so memory stays flat on any file size
                    self._parsed.clear()
                self._parsed[memo] = parsed
            params[definition.code] = parsed
        return dict(sorted(params.items()))  # one order whatever the column order, for the content hash

    def _derive_parameter(self, category: Category, name: str, raw: RawValue) -> tuple[Category, ParameterDef]:
        unit = ""
        kind = ParamKind.text
        sample = text_of(raw.value)
        if raw.unit_hint or _is_bare_number(sample):
            quantity = units.try_parse_quantity(f"{sample} {raw.unit_hint or ''}".strip())
            if quantity is not None:
                kind = ParamKind.range if quantity.value is None else ParamKind.numeric
                unit = quantity.unit
        definition = ParameterDef(code=_code_for(name, 64, parameter=True), name_en=name, kind=kind, unit=unit)
        if category.parameter(definition.code):
            return category, category.parameter(definition.code)
        category = category.model_copy(update={"parameters": (*category.parameters, definition)})
        self.definitions.categories[category.code] = category
        self.derived_categories[category.code] = category
        self._parameter_by_name[(category.code, name)] = definition
        return category, definition


def _media_kind(word: str, uri: str) -> MediaKind:
    lowered = word.lower()
    if lowered in MediaKind.__members__:
        return MediaKind(lowered)
    if uri.lower().endswith(_CAD_SUFFIXES):
        return MediaKind.cad
    if "sheet" in lowered:
        return MediaKind.datasheet
    return MediaKind.image if lowered in ("normal", "thumbnail", "detail", "logo") else MediaKind.document


def _code_for(name: str, limit: int, *, upper: bool = False, parameter: bool = False) -> str:
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
