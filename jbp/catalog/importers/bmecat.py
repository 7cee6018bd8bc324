"""Read BMEcat 1.2 and 2005 catalogs (XML) into raw products, streamed with flat memory.

A catalog is read in up to three passes of `lxml.etree.iterparse`, none of which expands an entity, loads
a DTD or touches the network:

1. header pass (at once, in `load_bmecat`): checks the root and the DOCTYPE, reads HEADER (language,
   currency, supplier) and CATALOG_GROUP_SYSTEM, and stops at the first ARTICLE/PRODUCT;
2. product pass (lazily, when `products` is iterated): each ARTICLE/PRODUCT is read, yielded and freed;
3. group-map pass (at the first article without an ETIM/ECLASS class, if the file mentions
   `CATALOGGROUP_MAP`): BMEcat lists the ARTICLE_TO_CATALOGGROUP_MAP elements *after* all articles, so
   they are collected (SKU -> group) in a pass of their own before that article is yielded.

Values stay the strings the file holds; units, numbers and duplicates are judged later by the builder.
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from lxml import etree
from pydantic import ValidationError

from jbp.catalog.media_refs import CAD_SUFFIXES
from jbp.catalog.models import Category
from jbp.catalog.records import ParsedCatalog, RawLink, RawMedia, RawParam, RawPrice, RawProduct, RawValue
from jbp.errors import CatalogImportError, Location

# Files come from partners: no entity expansion, no DTD loading, no network, no giant text nodes.
_SAFE_PARSING = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
_ENTITIES_REFUSED = "DOCTYPE with entity declarations is not accepted"

# BMEcat 2005 renamed the 1.2 elements; products are read under the 2005 names.
_NAME_2005 = {
    "ARTICLE": "PRODUCT", "SUPPLIER_AID": "SUPPLIER_PID", "MANUFACTURER_AID": "MANUFACTURER_PID",
    "ARTICLE_DETAILS": "PRODUCT_DETAILS", "ARTICLE_FEATURES": "PRODUCT_FEATURES",
    "ARTICLE_ORDER_DETAILS": "PRODUCT_ORDER_DETAILS", "ARTICLE_PRICE_DETAILS": "PRODUCT_PRICE_DETAILS",
    "ARTICLE_PRICE": "PRODUCT_PRICE", "ARTICLE_REFERENCE": "PRODUCT_REFERENCE", "ART_ID_TO": "PROD_ID_TO",
    "ARTICLE_STATUS": "PRODUCT_STATUS", "ARTICLE_TO_CATALOGGROUP_MAP": "PRODUCT_TO_CATALOGGROUP_MAP",
    "ART_ID": "PROD_ID",
}
_DETAIL_FIELDS = {"MANUFACTURER_PID": "mpn", "MANUFACTURER_NAME": "brand", "EAN": "ean",
                  "DELIVERY_TIME": "lead_time_days"}
_ORDER_FIELDS = {"ORDER_UNIT": "unit", "CONTENT_UNIT": "content_unit", "NO_CU_PER_OU": "package_qty",
                 "PRICE_QUANTITY": "price_quantity", "QUANTITY_MIN": "moq",
                 "QUANTITY_INTERVAL": "order_multiple"}
# Net prices are what a buyer pays; gross and recommended retail prices are the fallbacks.
_PRICE_TYPE_PREFERENCE = ("net_customer", "net_list", "gros_list", "nrp")
_MEDIA_BY_PURPOSE = {"normal": "image", "thumbnail": "image", "detail": "image", "data_sheet": "datasheet"}
_CAD_MIME_TYPES = {"model/step", "application/step", "model/stl", "application/sla", "model/gltf-binary"}
_LINK_KINDS = {"followup": "successor", "successor": "successor"}
# Feature systems whose group id names a product class; nexmart's "udf_…" groups and the like do not.
_CLASSIFICATION_SYSTEM = re.compile(r"^(?:etim|ecl@?ass|unspsc|proficl@ss)", re.IGNORECASE)
_ZH_LANGUAGES = {"zh", "zho", "chi"}
_EN_LANGUAGES = {"en", "eng"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_HTML_BREAK = re.compile(r"<\s*(?:br|/p|/li|/div|/tr|/h\d)\b[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[A-Za-z/!][^<>]*>")
_ALNUM = re.compile(r"[^\W_]")  # a letter or digit of any script
_SNIFF = re.compile(rb"<(?:[\w.-]+:)?BMECAT[\s>/]")


class _Group(NamedTuple):
    code: str
    name_zh: str | None
    name_en: str | None
    parent: str | None
    line: int


class _Class(NamedTuple):
    """The product class one feature block names."""

    group_id: RawValue
    system: RawValue | None


@dataclass(slots=True)
class _Header:
    """What the header pass learns and the product pass needs."""

    file: str
    namespace: str
    version: str | None = None  # "1.2" or "2005"
    language: str | None = None
    currency: str | None = None
    supplier: str | None = None
    categories: list[Category] = field(default_factory=list)
    group_by_sku: dict[str, str] | None = None  # read when first needed

    def tag(self, name: str) -> str:
        """The element name in this file's namespace, for iterparse's tag filter."""
        return f"{{{self.namespace}}}{name}" if self.namespace else name


def load_bmecat(path: Path) -> ParsedCatalog:
    """Header and catalog groups of a BMEcat file, with its products streamed when iterated (once)."""
    path = Path(path)
    header = _read_header(path)
    return ParsedCatalog(
        source=str(path), format=f"bmecat-{header.version}", categories=header.categories,
        products=_iter_products(path, header), default_brand=header.supplier, derive_definitions=True,
    )


def sniff_bmecat(head: bytes) -> bool:
    """True when the first bytes of a file look like a BMEcat document."""
    return _SNIFF.search(head[:4096]) is not None


# --- passes ------------------------------------------------------------------------------------------


def _iterparse(path: Path, **options) -> Iterator[tuple[str, etree._Element]]:
    """lxml's iterparse with the safe options, its errors turned into CatalogImportError."""
    try:
        yield from etree.iterparse(str(path), **options, **_SAFE_PARSING)
    except etree.XMLSyntaxError as error:
        if "amplification" in error.msg:  # libxml2 ≥ 2.14 stops nested entities before we see the root
            raise CatalogImportError(_ENTITIES_REFUSED, Location(file=str(path))) from None
        line = error.position[0] if error.position else error.lineno
        raise CatalogImportError(f"not well-formed XML: {error.msg}",
                                 Location(file=str(path), row=line)) from None
    except OSError as error:
        raise CatalogImportError(f"cannot read the file: {error}", Location(file=str(path))) from None


def _read_header(path: Path) -> _Header:
    header: _Header | None = None
    groups: list[_Group] = []
    for event, elem in _iterparse(path, events=("start", "end")):
        if header is None:
            header = _check_root(elem, path)
            continue
        name = _NAME[elem.tag]
        if event == "start":
            if name == "PRODUCT":  # the first article's own name settles the version (and the tags to stream)
                header.version = "2005" if _LOCAL[elem.tag] == "PRODUCT" else "1.2"
                break
            if name in ("T_UPDATE_PRODUCTS", "T_UPDATE_PRICES"):
                raise CatalogImportError(f"BMEcat update transaction {name} is not supported; "
                                         "export the full catalog (T_NEW_CATALOG)",
                                         Location(file=header.file, row=elem.sourceline))
        elif name == "HEADER":
            _read_catalog_header(elem, header)
        elif name == "CATALOG_STRUCTURE":
            if elem.get("type") != "root":  # the root group stands for the catalog itself
                groups.append(_catalog_group(elem, header))
            _free(elem)
    if header is None:
        raise CatalogImportError("empty XML document", Location(file=str(path)))
    header.version = header.version or "1.2"
    header.categories = _categories(groups, header.file)
    return header


def _check_root(root: etree._Element, path: Path) -> _Header:
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and next(dtd.iterentities(), None) is not None:
        raise CatalogImportError(_ENTITIES_REFUSED, Location(file=str(path)))
    namespace, _, name = root.tag.rpartition("}")
    if name != "BMECAT":
        raise CatalogImportError(f"not a BMEcat file: the root element is <{name}>, not <BMECAT>",
                                 Location(file=str(path), row=root.sourceline))
    version = root.get("version", "")
    if version.startswith("2005") or "2005" in namespace:
        version = "2005"
    elif version.startswith("1."):
        version = "1.2"
    return _Header(file=str(path), namespace=namespace.lstrip("{"),
                   version=version if version in ("1.2", "2005") else None)


def _read_group_maps(path: Path, header: _Header) -> dict[str, str]:
    """SKU -> catalog group id from the *_TO_CATALOGGROUP_MAP elements (an article's first group wins)."""
    if not _file_mentions(path, b"CATALOGGROUP_MAP"):
        return {}
    group_by_sku: dict[str, str] = {}
    for elem in _articles_and_maps(path, header):
        if _NAME[elem.tag] == "PRODUCT_TO_CATALOGGROUP_MAP":
            sku, group = _child_text(elem, "PROD_ID"), _child_text(elem, "CATALOG_GROUP_ID")
            if sku and group:
                group_by_sku.setdefault(sku, sys.intern(group))
    return group_by_sku


def _iter_products(path: Path, header: _Header) -> Iterator[RawProduct]:
    for elem in _articles_and_maps(path, header):
        if _NAME[elem.tag] == "PRODUCT":
            yield _read_product(elem, header)


def _articles_and_maps(path: Path, header: _Header) -> Iterator[etree._Element]:
    """Articles and group maps in file order, each freed once the caller is done with it.

    The maps are listed by the product pass too, only to be freed: thousands follow the last article.
    """
    names = ("ARTICLE", "ARTICLE_TO_CATALOGGROUP_MAP") if header.version == "1.2" else (
        "PRODUCT", "PRODUCT_TO_CATALOGGROUP_MAP")
    for _, elem in _iterparse(path, events=("end",), tag=[header.tag(name) for name in names]):
        yield elem
        _free(elem)


def _free(elem: etree._Element) -> None:
    """Drop an element's content and its earlier siblings, so the tree never grows past one article."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    while elem.getprevious() is not None:
        del parent[0]


def _file_mentions(path: Path, needle: bytes, chunk_size: int = 1 << 20) -> bool:
    """A byte scan in chunks (an mmap would count the whole file in the process's resident memory)."""
    tail = b""
    with path.open("rb") as file:
        while chunk := file.read(chunk_size):
            if needle in tail + chunk[: len(needle)] or needle in chunk:
                return True
            tail = chunk[-len(needle):]
    return False


# --- header ------------------------------------------------------------------------------------------


def _read_catalog_header(elem: etree._Element, header: _Header) -> None:
    for child in elem:
        name = _NAME[child.tag]
        if name == "CATALOG":
            languages = [c for c in child if _NAME[c.tag] == "LANGUAGE" and _text(c)]
            default = [c for c in languages if c.get("default") == "true"] or languages
            header.language = _text(default[0]) if default else None
            header.currency = _child_text(child, "CURRENCY")
        elif name == "SUPPLIER":
            header.supplier = _child_text(child, "SUPPLIER_NAME")


def _catalog_group(elem: etree._Element, header: _Header) -> _Group:
    group_names = [c for c in elem if _NAME[c.tag] == "GROUP_NAME"]
    name_zh, name_en = (e if e is None else _text(e) for e in _by_language(group_names, header.language))
    return _Group(_child_text(elem, "GROUP_ID") or "", name_zh, name_en, _child_text(elem, "PARENT_ID"),
                  elem.sourceline)


def _categories(groups: list[_Group], file: str) -> list[Category]:
    declared = {group.code for group in groups}
    categories = []
    for group in groups:
        try:
            categories.append(Category(code=group.code, name_zh=group.name_zh, name_en=group.name_en,
                                       parent=group.parent if group.parent in declared else None))
        except ValidationError:
            raise CatalogImportError(
                "catalog group id cannot be used as a category code",
                Location(file=file, row=group.line, column="GROUP_ID", value=group.code)) from None
    return categories


# --- products ----------------------------------------------------------------------------------------
# The hot loop (about 100 elements per article): plain child iteration and a cached tag -> name lookup
# (`_NAME[child.tag]`, "" for comments) rather than namespaced find()/findtext() calls.


def _read_product(elem: etree._Element, header: _Header) -> RawProduct:
    product = RawProduct(location=Location(file=header.file, row=elem.sourceline))
    prices: list[etree._Element] = []
    classes: list[_Class] = []
    for child in elem:
        name = _NAME[child.tag]
        if name == "SUPPLIER_PID":
            product.fields["sku"] = _value(child)
        elif name == "PRODUCT_DETAILS":
            _read_details(child, product, header)
        elif name == "PRODUCT_FEATURES":
            _read_features(child, product, classes, header)
        elif name == "PRODUCT_ORDER_DETAILS":
            _read_order_details(child, product)
        elif name == "PRODUCT_PRICE_DETAILS":
            prices.extend(c for c in child if _NAME[c.tag] == "PRODUCT_PRICE")
        elif name == "PRODUCT_LOGISTIC_DETAILS":
            _read_lead_time(child, product)
        elif name == "MIME_INFO":
            product.media.extend(filter(None, (_media(mime) for mime in child if _NAME[mime.tag] == "MIME")))
        elif name == "PRODUCT_REFERENCE" and (target := _child_text(child, "PROD_ID_TO")):
            kind = child.get("type") or "similar"
            product.links.append(RawLink(_LINK_KINDS.get(kind, kind), target))
    _choose_category(product, classes, header)
    _choose_prices(product, prices, header)
    return product


def _read_details(elem: etree._Element, product: RawProduct, header: _Header) -> None:
    prefix = f"{_LOCAL[elem.tag]}/"
    short, long, statuses = [], [], []
    for child in elem:
        name = _NAME[child.tag]
        if name == "DESCRIPTION_SHORT":
            short.append(child)
        elif name == "DESCRIPTION_LONG":
            long.append(child)
        elif name in _DETAIL_FIELDS:
            if (value := _value(child, prefix)).value:
                product.fields[_DETAIL_FIELDS[name]] = value
        elif name == "INTERNATIONAL_PID" and _text(child):
            product.fields.setdefault("ean", _value(child, prefix))
        elif name == "PRODUCT_STATUS" and child.get("type"):
            statuses.append(child)
    for field_name, chosen in zip(("name_zh", "name_en"), _by_language(short, header.language), strict=True):
        if chosen is not None:
            product.fields[field_name] = _value(chosen, prefix)
    if long:
        chosen = min(long, key=lambda e: _language_rank(e, header.language))
        if text := _plain_text("".join(chosen.itertext())):
            product.fields["description"] = RawValue(text, prefix + _LOCAL[chosen.tag])
    if statuses:
        hints = ";".join(status.get("type") for status in statuses)
        product.fields["status_hint"] = RawValue(hints, prefix + _LOCAL[statuses[0].tag])


def _read_features(elem: etree._Element, product: RawProduct, classes: list[_Class], header: _Header) -> None:
    prefix = f"{_LOCAL[elem.tag]}/"
    system = group_id = None
    for child in elem:
        name = _NAME[child.tag]
        if name == "REFERENCE_FEATURE_SYSTEM_NAME":
            system = _value(child, prefix)
        elif name == "REFERENCE_FEATURE_GROUP_ID" and group_id is None and _text(child):
            group_id = _value(child, prefix)
    if group_id is not None:
        classes.append(_Class(group_id, system))
    # ECLASS advanced exports nest features in FEATURE_GROUPs (iter() finds them at any depth) and repeat a
    # property in the blocks that describe related parts: the first occurrence is the product's own.
    known = {param.name for param in product.params}
    for feature in elem.iter(header.tag("FEATURE")):
        param = _feature(feature, header)
        if param is not None and param.name not in known:
            known.add(param.name)
            product.params.append(param)


def _feature(elem: etree._Element, header: _Header) -> RawParam | None:
    names, values, texts, unit, value_ref, template_id = [], [], [], None, None, None
    for child in elem:
        name = _NAME[child.tag]
        if name == "FNAME":
            names.append(child)
        elif name == "FVALUE" and (value := _text(child)):
            values.append(child)
            texts.append(value)
        elif name == "FUNIT":
            unit = _text(child)
        elif name == "VALUE_IDREF":
            value_ref = _text(child)
        elif name == "FTEMPLATE":  # ECLASS advanced exports: the property IRDI stands in for FNAME
            template_id, unit = _child_text(child, "FT_ID"), unit or _child_text(child, "FT_UNIT")
    if len(names) > 1:  # FNAME repeated in several languages
        names = [min(names, key=lambda e: _language_rank(e, header.language))]
    param_id = _text(names[0]) if names else template_id
    # A feature named "-" is a marketing bullet (nexmart exports), not a parameter.
    if not param_id or not _ALNUM.search(param_id):
        return None
    if len(values) > 1 and any(v.get("lang") for v in values):
        # Several FVALUEs are several values, unless they are translations (lang="deu"/"eng"): keep the best.
        ranks = [_language_rank(v, header.language) for v in values]
        texts = [t for t, rank in zip(texts, ranks, strict=True) if rank == min(ranks)]
    if texts:
        text = texts[0] if len(texts) == 1 else ";".join(texts)
    elif value_ref and "#01-" not in value_ref:  # an ECLASS "#01-" reference names a block, not a value
        text = value_ref
    else:
        return None
    return RawParam(name=param_id, value=RawValue(text, f"FEATURE {param_id}", unit))


def _read_order_details(elem: etree._Element, product: RawProduct) -> None:
    prefix = f"{_LOCAL[elem.tag]}/"
    for child in elem:
        field_name = _ORDER_FIELDS.get(_NAME[child.tag])
        if field_name and (value := _value(child, prefix)).value:
            product.fields[field_name] = value


def _read_lead_time(elem: etree._Element, product: RawProduct) -> None:
    """BMEcat 2005 keeps DELIVERY_TIME (or DELIVERY_TIMES/LEADTIME) in the logistic details."""
    for child in elem.iter(etree.Element):
        if _NAME[child.tag] in ("DELIVERY_TIME", "LEADTIME") and _text(child):
            product.fields.setdefault("lead_time_days", _value(child, f"{_LOCAL[child.getparent().tag]}/"))
            return


def _choose_category(product: RawProduct, classes: list[_Class], header: _Header) -> None:
    """A classification class (ETIM, ECLASS…) first, then the catalog group, then any other feature group."""
    standard = next((c for c in classes if c.system and _CLASSIFICATION_SYSTEM.match(c.system.value)), None)
    sku, group = product.fields.get("sku"), None
    if standard is None and sku is not None:
        if header.group_by_sku is None:  # a catalog classified throughout never needs the maps
            header.group_by_sku = _read_group_maps(Path(header.file), header)
        group = header.group_by_sku.get(sku.value)
    if group is not None:
        map_name = "ARTICLE_TO_CATALOGGROUP_MAP" if header.version == "1.2" else "PRODUCT_TO_CATALOGGROUP_MAP"
        product.fields["category"] = RawValue(group, f"{map_name}/CATALOG_GROUP_ID")
    elif chosen := standard or (classes[0] if classes else None):
        product.fields["category"] = chosen.group_id
        if chosen.system is not None:
            product.fields["feature_system"] = chosen.system


def _choose_prices(product: RawProduct, prices: list[etree._Element], header: _Header) -> None:
    """Only one price type is kept (see _PRICE_TYPE_PREFERENCE), one price per currency and quantity break."""
    by_type: dict[str, list[tuple[str, dict[str, str | None]]]] = {}
    for price in prices:
        parts = {_NAME[c.tag]: _text(c) for c in price}
        if parts.get("PRICE_AMOUNT"):
            by_type.setdefault(price.get("price_type") or "", []).append((_LOCAL[price.tag], parts))
    if not by_type:
        return
    chosen = next((t for t in _PRICE_TYPE_PREFERENCE if t in by_type), next(iter(by_type)))
    if chosen:
        product.fields["price_type"] = RawValue(chosen, f"{by_type[chosen][0][0]}/@price_type")
    seen = set()
    for element_name, parts in by_type[chosen]:
        column = f"{element_name}[{chosen}]" if chosen else element_name
        currency = parts.get("PRICE_CURRENCY") or header.currency
        lower = parts.get("LOWER_BOUND") or "1"  # BMEcat's default lower bound
        if (currency, lower) in seen:  # another validity period or territory of the same break
            continue
        seen.add((currency, lower))
        product.prices.append(RawPrice(min_qty=RawValue(lower, f"{column}/LOWER_BOUND"),
                                       price=RawValue(parts["PRICE_AMOUNT"], f"{column}/PRICE_AMOUNT"),
                                       currency=currency))


def _media(elem: etree._Element) -> RawMedia | None:
    parts = {_NAME[c.tag]: _text(c) for c in elem}
    source = parts.get("MIME_SOURCE")
    if not source:
        return None
    if (parts.get("MIME_TYPE") or "").lower() in _CAD_MIME_TYPES or source.lower().endswith(CAD_SUFFIXES):
        kind = "cad"
    else:
        kind = _MEDIA_BY_PURPOSE.get(parts.get("MIME_PURPOSE") or "", "document")
    return RawMedia(kind=kind, uri=source, description=parts.get("MIME_DESCR"))


# --- small readers -----------------------------------------------------------------------------------


class _TagNames(dict):
    """Element tag -> local name (renamed to BMEcat 2005 when asked), worked out once per distinct tag."""

    def __init__(self, renames: dict[str, str]):
        super().__init__()
        self.renames = renames

    def __missing__(self, tag: object) -> str:
        local = tag.rpartition("}")[2] if isinstance(tag, str) else ""  # comments and PIs have no name
        name = self.renames.get(local, local)
        if len(self) < 10_000:  # a hostile file could invent endless tag names
            self[tag] = name
        return name


_LOCAL = _TagNames({})
_NAME = _TagNames(_NAME_2005)


def _text(elem: etree._Element) -> str | None:
    text = elem.text  # each access makes a new string
    return (text.strip() or None) if text else None


def _child_text(elem: etree._Element, name: str) -> str | None:
    return next((_text(c) for c in elem if _NAME[c.tag] == name), None)


def _value(elem: etree._Element, prefix: str = "", text: str | None = None) -> RawValue:
    """The element's text (`text` when already read) with a readable column for messages:
    `ARTICLE_DETAILS/MANUFACTURER_AID`."""
    return RawValue(text if text is not None else _text(elem), prefix + _LOCAL[elem.tag])


def _language_rank(elem: etree._Element, default_language: str | None) -> int:
    """0 Chinese, 1 English, 2 language unknown, 3 another language: lower is preferred.

    Chinese characters make a text Chinese whatever its lang says; the catalog LANGUAGE only stands in for
    a missing lang attribute when it is not Chinese (a Chinese catalog still has English names).
    """
    explicit = (elem.get("lang") or "").lower().split("-")[0]
    if explicit in _ZH_LANGUAGES or _CJK.search(elem.text or ""):
        return 0
    language = explicit or (default_language or "").lower().split("-")[0]
    if language in _EN_LANGUAGES:
        return 1
    return 2 if not language or language in _ZH_LANGUAGES else 3


def _by_language(elements: list[etree._Element], default_language: str | None,
                 ) -> tuple[etree._Element | None, etree._Element | None]:
    """Of repeated lang-tagged elements, the best Chinese one and the best one in another language."""
    ranked = sorted(((_language_rank(e, default_language), i, e) for i, e in enumerate(elements) if _text(e)),
                    key=lambda item: item[:2])
    chinese = next((e for rank, _, e in ranked if rank == 0), None)
    other = next((e for rank, _, e in ranked if rank > 0), None)
    return chinese, other


def _plain_text(markup: str) -> str:
    """DESCRIPTION_LONG may hold HTML (escaped or not): keep its text, one line per paragraph or break."""
    text = html.unescape(_HTML_TAG.sub("", _HTML_BREAK.sub("\n", markup)))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


loaders = {"bmecat": load_bmecat}
