"""Header spellings (zh and en) that name each product field in catalog spreadsheets.

Matching is on a folded form (case, width, spaces and punctuation ignored), so `Part No.`, `part_no`
and `PART NO` are one header. Parameter columns are matched against the category's parameter
definitions instead; a unit written in the header (`额定电流(A)`, `Rated current [A]`, `长度 mm`) is split off.
"""

from __future__ import annotations

import re
import unicodedata

from jbp.sheets.folding import fold_header

FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "货号", "商品编码", "物料编码", "产品编码", "订货号", "article no", "article number",
            "order code", "order no", "supplier aid", "supplier pid", "item no", "item number"),
    "brand": ("brand", "品牌", "manufacturer", "厂家", "制造商", "生产厂家", "make"),
    "mpn": ("mpn", "型号", "规格型号", "产品型号", "manufacturer part number", "mfr part no", "mfr #",
            "part no", "part number", "model", "manufacturer pid"),
    "category": ("category", "类目", "分类", "产品分类", "品类", "product group", "class"),
    "series": ("series", "系列", "产品系列", "product line"),
    "name_zh": ("name zh", "中文名称", "名称", "产品名称", "商品名称", "品名"),
    "name_en": ("name en", "name", "english name", "product name", "英文名称", "description short"),
    "description": ("description", "描述", "产品描述", "详细描述", "说明", "description long"),
    "lifecycle": ("lifecycle", "生命周期", "状态", "产品状态", "status"),
    "successor_sku": ("successor", "successor sku", "替代型号", "后继型号", "替代货号"),
    "unit": ("unit", "单位", "销售单位", "order unit", "uom"),
    "package_qty": ("package qty", "包装数量", "每包数量", "pack size", "content units"),
    "moq": ("moq", "最小起订量", "起订量", "最小订购量", "minimum order quantity", "quantity min"),
    "order_multiple": ("order multiple", "订购倍数", "递增量", "quantity interval", "order increment"),
    "stock": ("stock", "库存", "库存数量", "available", "on hand"),
    "lead_time_days": ("lead time", "lead time days", "交期", "货期", "交货期", "交期(天)", "delivery time"),
    "currency": ("currency", "币种", "货币"),
    "image": ("image", "图片", "主图", "image url", "picture"),
    "datasheet": ("datasheet", "规格书", "数据手册", "datasheet url"),
    "cad": ("cad", "3d", "3d模型", "3d model", "cad model"),
    "media": ("media", "媒体", "媒体文件", "attachments", "mime info"),
    "related": ("related", "related products", "相关产品", "配件"),
}

# `单价`, `价格(≥100)`, `Price 100+`, `price@100`, `阶梯价100` — the number is the break's minimum quantity.
PRICE_HEADER = re.compile(
    r"^(?:price|unit price|单价|价格|含税单价|阶梯价|list price)\s*"
    r"(?:[@(（\[]?\s*(?:≥|>=|qty|数量)?\s*(\d+)\s*\+?\s*(?:pcs|个|件)?\s*[)）\]]?)?"
    r"\s*(?:[(（\[]?\s*(cny|rmb|usd|eur|hkd|jpy|gbp|twd|krw|sgd|chf|元|人民币)\s*[)）\]]?)?$"
)

# How exports write a price column: any three-letter currency code, since the store keeps any (RUB, CAD…).
EXPORTED_PRICE_HEADER = re.compile(r"^price@(\d+) \(([a-z]{3})\)$")

_UNIT_IN_HEADER = re.compile(r"^(.*?)\s*(?:[(（\[]\s*([^()（）\[\]]+?)\s*[)）\]]|\s([A-Za-zµμΩ℃°%²³/·]+))\s*$")
CURRENCY_WORDS = {"cny": "CNY", "rmb": "CNY", "元": "CNY", "人民币": "CNY", "usd": "USD", "eur": "EUR"}


def split_header_unit(header: str) -> tuple[str, str | None]:
    """`额定电流(A)` -> (`额定电流`, `A`); `Außenbreite mm` -> (`Außenbreite`, `mm`); no unit -> (header, None)."""
    text = unicodedata.normalize("NFKC", header).strip()
    match = _UNIT_IN_HEADER.match(text)
    if not match or not match.group(1):
        return text, None
    return match.group(1).strip(), (match.group(2) or match.group(3)).strip()


_FIELD_BY_HEADER: dict[str, str] = {
    fold_header(spelling): field_name for field_name, spellings in FIELD_HEADERS.items()
    for spelling in (field_name, *spellings)
}


# The units a whole-number field's header may name, as multiples of the field's own (days, pieces): a
# lead time in weeks is converted; 库存(千个) or 交期(月) is left unrecognised rather than guessed at.
_DAYS = {"d": 1, "day": 1, "days": 1, "天": 1, "日": 1, "w": 7, "wk": 7, "wks": 7, "week": 7, "weeks": 7, "周": 7,
         "星期": 7}
_PIECES = {"pcs": 1, "pc": 1, "ea": 1, "个": 1, "件": 1, "只": 1}
FIELD_UNITS = {"lead_time_days": _DAYS, "stock": _PIECES, "moq": _PIECES, "order_multiple": _PIECES,
               "package_qty": _PIECES}


def field_for_header(header: str) -> str | None:
    """The product field a header names, or None (then it may be a parameter or a price column)."""
    folded = fold_header(header)
    if folded in _FIELD_BY_HEADER:
        return _FIELD_BY_HEADER[folded]
    name, unit = split_header_unit(header)
    field_name = _FIELD_BY_HEADER.get(fold_header(name)) if unit else None
    if field_name in FIELD_UNITS and field_unit_factor(field_name, unit) is None:
        return None
    return field_name


def parameter_for_header(header: str) -> str | None:
    """The parameter a `param:<code>` header names: how exports write a parameter whose code reads as a
    field or price header (a BMEcat feature called Series or Model), so it imports back as a parameter."""
    prefix, colon, name = header.partition(":")
    return name.strip() or None if colon and fold_header(prefix) in ("param", "参数") else None


def field_unit_factor(field_name: str, unit: str | None) -> int | None:
    """How many of the field's own units one `unit` from its header is (交期(周): 7 days); None if unknown."""
    if not unit or field_name not in FIELD_UNITS:
        return 1
    per = fold_header(unit.split("/")[0]) if field_name == "package_qty" else fold_header(unit)  # 只/盒: per box
    return FIELD_UNITS[field_name].get(per)


def price_break_for_header(header: str) -> tuple[int, str | None] | None:
    """(minimum quantity, currency or None) when the header is a price column, else None."""
    folded = fold_header(header)
    if exported := EXPORTED_PRICE_HEADER.match(folded):
        return max(int(exported[1]), 1), exported[2].upper()
    match = PRICE_HEADER.match(folded)
    if not match:
        return None
    qty = int(match.group(1)) if match.group(1) else 1
    currency = match.group(2)
    return max(qty, 1), (CURRENCY_WORDS.get(currency, currency.upper()) if currency else None)
