"""Cross-reference sheets (竞品对照表): which of our SKUs replaces another maker's part, and how well.

Read like catalogs (xlsx, xls, ods or csv; the header row is found below title rows; zh or en headers),
imported with the same guarantees: one transaction; a row naming an unknown SKU, brand or grade is
rejected with its file, sheet, row and column, and nothing is written unless `partial`; re-importing the
same file changes nothing. Without an our-brand column a SKU must belong to exactly one of our brands.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from jbp.catalog.building import Rejection, text_of
from jbp.catalog.definitions import Definitions, load_definitions
from jbp.catalog.importers.headers import fold_header
from jbp.catalog.importing import ImportReport
from jbp.catalog.models import CrossReference, Grade, normalise_part_number
from jbp.errors import CatalogImportError, Location
from jbp.sheets import Sheet, column_letter, find_header_row, read_sheets
from jbp.store import Store, catalog_rows

XREF_HEADERS: dict[str, tuple[str, ...]] = {
    "other_brand": ("竞品品牌", "竞品厂家", "对标品牌", "原品牌", "原厂品牌", "other brand", "competitor brand",
                    "competitor", "other manufacturer", "competitor manufacturer"),
    "other_mpn": ("竞品型号", "竞品料号", "对标型号", "原型号", "原厂型号", "other mpn", "other part number",
                  "competitor part", "competitor mpn", "competitor part number"),
    "sku": ("我方货号", "本品货号", "替代货号", "our sku", "sku"),
    "brand": ("我方品牌", "本品品牌", "替代品牌", "our brand"),
    "grade": ("替代等级", "替代类型", "替代程度", "替换等级", "grade", "substitution grade", "match"),
    "note": ("备注", "说明", "note", "notes", "remark", "remarks", "comment"),
}
REQUIRED = {"other_brand": "competitor brand (竞品品牌)", "other_mpn": "competitor part number (竞品型号)",
            "sku": "our SKU (我方货号)"}
GRADE_WORDS: dict[Grade, tuple[str, ...]] = {
    Grade.drop_in: ("drop-in", "drop in", "dropin", "drop_in", "直接替代", "直接替换", "完全替代", "完全替换",
                    "原位替换", "pin to pin"),
    Grade.functional: ("functional", "功能替代", "功能替换", "功能兼容"),
    Grade.similar: ("similar", "相似", "参考", "相似替代", "参考替代", "近似"),
}

_FIELD_BY_HEADER = {fold_header(s): name for name, spellings in XREF_HEADERS.items() for s in spellings}
_GRADE_BY_WORD = {fold_header(w): grade for grade, words in GRADE_WORDS.items() for w in words}


@dataclass
class _Row:
    reference: CrossReference  # brand still empty when the file names none
    location: Location  # of the SKU cell


def import_xrefs(store: Store, path: Path | str, partial: bool = False, *,
                 now: datetime | None = None) -> ImportReport:
    """Import a cross-reference sheet; `report.status` is committed, or rejected (nothing written)."""
    path = Path(path)
    report = ImportReport(source=str(path), format="xref")
    sheets = read_sheets(path)
    with store.transaction() as conn:
        definitions = load_definitions(conn)
        read = [_read_sheet(sheet, definitions, report) for sheet in sheets]
        if all(rows is None for rows in read):
            raise CatalogImportError("no sheet has a cross-reference header row (竞品品牌, 竞品型号, 我方货号 …)",
                                     Location(file=str(path)))
        rows = [row for sheet_rows in read if sheet_rows for row in sheet_rows]
        references = _owned(conn, definitions, rows, report)
        if report.rejections and not partial:
            report.status = "rejected"
            return report
        stored = [{"other_brand": r.other_brand, "other_mpn": r.other_mpn,
                   "other_mpn_norm": normalise_part_number(r.other_mpn), "brand_id": definitions.brand_ids[r.brand],
                   "sku": r.sku, "grade": r.grade.value, "note": r.note} for r in references]
        report.created = catalog_rows.insert_cross_refs(conn, stored)
        report.unchanged = len(stored) - report.created
        report.warnings += _contradictions(references)
        report.status = "committed"
        report.run_id = catalog_rows.insert_import_run(conn, {
            "started_at": now or datetime.now(UTC).replace(tzinfo=None), "source": str(path),
            "format": report.format, "status": report.status, "created": report.created, "updated": 0,
            "unchanged": report.unchanged, "rejected": report.rejected, "report": report.as_dict()})
    return report


def _read_sheet(sheet: Sheet, definitions: Definitions, report: ImportReport) -> list[_Row] | None:
    """The sheet's rows that read well (others rejected); None when it has no cross-reference header."""
    header_index = find_header_row(sheet.rows, lambda text: fold_header(text) in _FIELD_BY_HEADER)
    where = sheet.name or Path(sheet.file).name
    if header_index is None:
        report.warnings.append(f"{where}: no cross-reference header row found; sheet skipped")
        return None
    columns: dict[str, tuple[int, str]] = {}
    for index, value in enumerate(sheet.rows[header_index]):
        name = _FIELD_BY_HEADER.get(fold_header(text_of(value)))
        if name and name not in columns:
            columns[name] = (index, f"{column_letter(index)} {text_of(value)}")
    missing = [label for name, label in REQUIRED.items() if name not in columns]
    if missing:
        raise CatalogImportError(f"no column for {', '.join(missing)}",
                                 Location(file=sheet.file, sheet=sheet.name, row=header_index + 1))
    rows = []
    for row_index in range(header_index + 1, len(sheet.rows)):
        cells = sheet.rows[row_index]
        if not any(text_of(value) for value in cells):
            continue
        row = _read_row(sheet, row_index, columns, definitions, report)
        if row is not None:
            rows.append(row)
    return rows


def _read_row(sheet: Sheet, row_index: int, columns: dict[str, tuple[int, str]], definitions: Definitions,
              report: ImportReport) -> _Row | None:
    cells = sheet.rows[row_index]

    def cell(name: str) -> str:
        return text_of(cells[columns[name][0]]) if name in columns else ""

    def reject(name: str, reason: str) -> None:
        value = cell(name) if name in columns else None
        location = Location(sheet.file, sheet.name, row_index + 1, columns[name][1] if name in columns else None,
                            value or None)
        report.rejections.append(Rejection(location, reason))

    for name, label in REQUIRED.items():
        if not cell(name):
            reject(name, f"{label} is missing")
            return None
    if not normalise_part_number(cell("other_mpn")):
        reject("other_mpn", "competitor part number has no letters or digits")
        return None
    grade = Grade.similar
    if cell("grade"):
        grade = _GRADE_BY_WORD.get(fold_header(cell("grade")))
        if grade is None:
            reject("grade", "grade must be drop-in/直接替代, functional/功能替代 or similar/相似")
            return None
    brand = ""
    if cell("brand"):
        found = definitions.find_brand(cell("brand"))
        if found is None:
            reject("brand", f"unknown brand (ours are {', '.join(sorted(definitions.brands)) or 'none'})")
            return None
        brand = found.code
    try:
        reference = CrossReference(other_brand=cell("other_brand"), other_mpn=cell("other_mpn"), brand=brand,
                                   sku=cell("sku"), grade=grade, note=cell("note") or None)
    except ValidationError as exc:
        first = exc.errors()[0]
        reject(str(first["loc"][0]), first["msg"])
        return None
    sku_column = columns["sku"][1]
    return _Row(reference, Location(sheet.file, sheet.name, row_index + 1, sku_column, reference.sku))


def _owned(conn, definitions: Definitions, rows: list[_Row], report: ImportReport) -> list[CrossReference]:
    """The references whose SKU exists (under the brand named, or the one brand that has it); others rejected."""
    brand_ids = definitions.brand_ids
    keys = set()
    for row in rows:
        reference = row.reference
        keys.update((brand_id, reference.sku)
                    for brand_id in ([brand_ids[reference.brand]] if reference.brand else brand_ids.values()))
    existing = catalog_rows.product_hashes(conn, sorted(keys))
    codes = {brand_id: code for code, brand_id in brand_ids.items()}
    owners: dict[str, list[str]] = defaultdict(list)
    for brand_id, sku in sorted(existing):
        owners[sku].append(codes[brand_id])
    accepted = []
    for row in rows:
        reference = row.reference
        if reference.brand:
            if (brand_ids[reference.brand], reference.sku) not in existing:
                report.rejections.append(Rejection(row.location, f"unknown SKU {reference.sku!r} of {reference.brand}"))
                continue
            accepted.append(reference)
            continue
        brands = owners.get(reference.sku, [])
        if len(brands) != 1:
            reason = (f"unknown SKU {reference.sku!r}" if not brands else
                      f"SKU {reference.sku!r} belongs to {', '.join(brands)}: add an our-brand column (我方品牌)")
            report.rejections.append(Rejection(row.location, reason))
            continue
        accepted.append(reference.model_copy(update={"brand": brands[0]}))
    return accepted


def _contradictions(references: list[CrossReference]) -> list[str]:
    grades: dict[tuple, set[str]] = defaultdict(set)
    for r in references:
        grades[(r.other_brand, r.other_mpn, r.brand, r.sku)].add(r.grade.value)
    return [f"{other_brand} {other_mpn} → {brand} {sku} is declared {' and '.join(sorted(found))}"
            for (other_brand, other_mpn, brand, sku), found in grades.items() if len(found) > 1]
