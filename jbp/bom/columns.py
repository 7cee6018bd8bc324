"""Which column of a BOM means what: zh/en header synonyms, detection of header rows, and mapping files.

Headers are compared in a folded form (width, case, separators ignored) that keeps `#` as "no", so
`Mfr. #` (a part number) and `Mfr` (a maker) stay apart. A unit in brackets (`数量(个)`, `Qty (pcs)`) is
ignored. A mapping file corrects detection:

    header_row = 3                  # 1-based; every sheet read uses it instead of detection
    [columns]
    "SOLIDWORKS PART NUMBER" = "part_code"
    "Comment" = "value"
    "内部备注" = "ignore"
    [defaults]
    maker = "正泰"                   # for lines that name no maker
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jbp.errors import BomReadError, Location

# field -> what it holds; the order is the order `--show-mapping` lists them in
FIELDS: dict[str, str] = {
    "line_no": "the buyer's line number",
    "mpn": "manufacturer part number (型号)",
    "part_code": "the buyer's material code (物料编码), tried as our SKU",
    "sku": "our SKU / order code (货号)",
    "maker": "manufacturer (品牌/厂家)",
    "qty": "quantity per board or machine (数量/用量)",
    "designator": "reference designators (位号)",
    "value": "component value (10k, 100nF)",
    "footprint": "footprint / package (封装)",
    "name": "part name (名称)",
    "spec": "specification (规格)",
    "description": "description (描述)",
    "unit": "unit of the quantity (单位)",
    "supplier": "supplier / distributor",
    "supplier_part": "the supplier's part number (tried as our SKU when the supplier is us)",
    "note": "the buyer's remarks (备注)",
}
IGNORE = "ignore"

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "line_no": ("no", "item", "item no", "序号", "项次", "行号", "line", "line no", "pos", "position"),
    "mpn": ("mpn", "型号", "规格型号", "型号规格", "产品型号", "制造商型号", "厂家型号", "原厂型号", "器件型号",
            "订货型号", "manufacturer part number", "manufacturer part no", "manufacturer part",
            "manufacturer pn", "manufacturer p n", "mfr part number", "mfr part no", "mfr part", "mfr no",
            "mfr pn", "mfr p n", "mfg part number", "mfg part no", "mfg pn", "part no", "part number", "pn",
            "p n", "catalog part number", "catalog number", "catalog no", "cat no", "model", "model no"),
    "part_code": ("物料编码", "料号", "物料号", "物料代码", "存货编码", "内部料号", "客户料号", "item code",
                  "material code", "material no", "material number", "internal part number", "internal pn"),
    "sku": ("sku", "货号", "订货号", "商品编码", "产品编码", "order code", "order no", "ordering code"),
    "maker": ("品牌", "厂家", "制造商", "生产厂家", "生产商", "厂商", "厂牌", "manufacturer", "manufacturer name",
              "mfr", "mfr name", "mfg", "brand", "make", "maker", "catalog"),
    "qty": ("数量", "用量", "单机用量", "单板用量", "单台用量", "每台用量", "需求数量", "qty", "quantity",
            "qty per board", "qty per unit", "quantity per board", "quantity per", "count", "pcs"),
    "designator": ("位号", "元件位号", "器件位号", "标号", "designator", "designators", "reference",
                   "references", "ref", "refs", "ref des", "refdes", "reference designator",
                   "reference designators", "part reference"),
    "value": ("value", "值", "标称值", "参数值", "comment"),
    "footprint": ("footprint", "封装", "封装形式", "package", "case", "case package", "pcb footprint"),
    "name": ("名称", "品名", "物料名称", "产品名称", "元件名称", "器件名称", "name", "part name", "item name",
             "component"),
    "spec": ("规格", "规格参数", "参数", "技术参数", "specification", "specifications", "spec", "specs"),
    "description": ("描述", "物料描述", "规格描述", "产品描述", "description", "desc", "item description",
                    "part description"),
    "unit": ("单位", "计量单位", "unit", "uom"),
    "supplier": ("供应商", "供货商", "supplier", "distributor", "vendor"),
    "supplier_part": ("供应商料号", "供应商编码", "supplier part", "supplier part number", "supplier pn",
                      "distributor part number", "vendor part number"),
    "note": ("备注", "说明", "remark", "remarks", "note", "notes", "comments"),
}

_HASH = re.compile(r"[#№]")
_PLURAL = re.compile(r"\(s\)", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s_\-.:/\\]+")
_TRAILING_BRACKET = re.compile(r"\s*[(（\[【][^()（）\[\]【】]*[)）\]】]\s*$")


def fold(header: str) -> str:
    """The form headers are compared in: `Mfr. #` -> `mfr no`, `Reference(s)` -> `references`."""
    text = unicodedata.normalize("NFKC", header).strip().lower()
    text = _PLURAL.sub("s", _HASH.sub(" no ", text))
    return _SEPARATORS.sub(" ", text).strip()


_FIELD_BY_SYNONYM = {fold(s): name for name, synonyms in _SYNONYMS.items() for s in synonyms}
_LONGEST_HEADER = 60  # longer cells are data (descriptions), never headers


@lru_cache(maxsize=4096)
def field_for_header(header: str) -> str | None:
    """The field a header names, trying it without a trailing bracketed unit too (`数量(个)`)."""
    if len(header) > _LONGEST_HEADER or any(ch.isdigit() for ch in header):  # no synonym has a digit; data does
        return None
    folded = fold(header)
    if folded in _FIELD_BY_SYNONYM:
        return _FIELD_BY_SYNONYM[folded]
    bare = _TRAILING_BRACKET.sub("", unicodedata.normalize("NFKC", header))
    return _FIELD_BY_SYNONYM.get(fold(bare)) if bare.strip() else None


def expected_headers() -> str:
    """A short list of the headers detection looks for, for error messages."""
    return ("型号/MPN/Part Number, 物料编码/料号, 品牌/Manufacturer, 数量/用量/Qty, 位号/Designator, "
            "名称/规格/描述/Description, Value, Footprint")


@dataclass
class BomMapping:
    """Corrections to detection, read from a mapping file; empty means detect everything."""

    columns: dict[str, str] = field(default_factory=dict)  # folded header -> field or "ignore"
    header_row: int | None = None
    defaults: dict[str, str] = field(default_factory=dict)  # field -> value for empty cells (maker)
    source: str | None = None

    def target_for(self, header: str) -> tuple[str | None, str]:
        """(field or None, how it was decided: "mapping" or "detected")."""
        folded = fold(header)
        if folded in self.columns:
            target = self.columns[folded]
            return (None if target == IGNORE else target), "mapping"
        return field_for_header(header), "detected"

    def is_header_cell(self, text: str) -> bool:
        return field_for_header(text) is not None or (bool(self.columns) and fold(text) in self.columns)


def read_mapping(path: Path | str | None) -> BomMapping:
    """The mapping file at `path`; an empty mapping for None."""
    if path is None:
        return BomMapping()
    path = Path(path)
    where = Location(file=str(path))
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BomReadError(f"cannot read the mapping file: {exc}", where) from exc
    unknown = set(document) - {"columns", "header_row", "defaults"}
    if unknown:
        raise BomReadError(f"unknown keys {sorted(unknown)}; a mapping file has header_row, [columns], [defaults]",
                           where)
    mapping = BomMapping(source=str(path))
    for header, target in document.get("columns", {}).items():
        if target != IGNORE and target not in FIELDS:
            raise BomReadError(f"[columns] {header!r} = {target!r}: not a field; fields are "
                               f"{', '.join(FIELDS)} (or \"ignore\")", where)
        mapping.columns[fold(header)] = target
    header_row = document.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or isinstance(header_row, bool)
                                   or header_row < 1):
        raise BomReadError("header_row must be a row number ≥ 1", where)
    mapping.header_row = header_row
    for name, value in document.get("defaults", {}).items():
        if name not in FIELDS:
            raise BomReadError(f"[defaults] {name!r}: not a field", where)
        mapping.defaults[name] = str(value)
    return mapping
