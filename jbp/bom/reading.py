"""A buyer's BOM file as it comes (xlsx, xls, ods, csv) -> blocks of lines, every row accounted for.

The file is read by the catalog's safe reader (jbp.sheets), so encodings, zip bombs, passwords
and corrupt files are handled once. In each sheet every row that looks like a BOM header starts a
block (several BOMs stacked in one sheet each have their own header); rows above the first header are
titles. Inside a block a row is a line, or skipped as blank, a section title ("电源板 Power board") or a
total row ("合计") — with its row number, so that every row of every sheet read is either a line or a
skipped row, exactly once.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from jbp.bom.columns import BomMapping, expected_headers, fold
from jbp.bom.designators import expand_designators
from jbp.bom.partnumbers import cell_text
from jbp.bom.quantities import COUNT_WORDS, parse_bom_quantity
from jbp.errors import BomReadError, CatalogImportError, Location
from jbp.sheets import (
    CellValue,
    ReadLimits,
    Row,
    Sheet,
    column_letter,
    fill_merged,
    find_header_rows,
    formula_cells_without_cache,
    read_sheets,
)
from jbp.units import try_parse_quantity

DEFAULT_MAX_ROWS = 50_000
PART_NUMBER_FIELDS = ("mpn", "part_code", "sku", "supplier_part", "designator")
IDENTIFYING = ("mpn", "part_code", "sku", "supplier_part", "name", "spec", "description", "value")
TEXT_FIELDS = ("name", "spec", "description", "value", "footprint")  # read for values, in this order
_TOTAL_WORDS = {"合计", "总计", "小计", "共计", "总数", "total", "totals", "subtotal", "sum", "grand total"}
_LONGEST_TOTAL = 16
_COUNT_UNITS = re.compile(rf"^(?:{COUNT_WORDS})\.?$", re.IGNORECASE)


@dataclass
class Column:
    letter: str
    header: str
    field: str | None
    decided: str  # detected | mapping


@dataclass
class Block:
    """One BOM inside a sheet: its header row (1-based) and what each column holds."""

    header_row: int
    columns: list[Column]

    @cached_property
    def field_columns(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for index, column in enumerate(self.columns):
            if column.field:
                found.setdefault(column.field, []).append(index)
        return found


@dataclass
class BomLine:
    """One row the buyer wants something for."""

    position: int  # 1-based across the whole BOM
    sheet: str | None
    row: int  # 1-based spreadsheet row (CSV record)
    block: int
    fields: dict[str, str]  # field -> text (several columns of one field joined)
    qty: Decimal | None = None  # per board / machine
    qty_unit: str = ""  # "" counts pieces, else an SI unit (m, kg)
    designators: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # any problem makes the line invalid
    notes: list[str] = field(default_factory=list)


@dataclass
class SkippedRow:
    sheet: str | None
    row: int
    reason: str
    text: str = ""


@dataclass
class SheetRead:
    name: str | None
    rows: list[Row]  # as read, before merged cells were filled in: what the quote writes back
    blocks: list[Block] = field(default_factory=list)


@dataclass
class BomDocument:
    file: str
    sheets: list[SheetRead]
    lines: list[BomLine]
    skipped: list[SkippedRow]
    other_sheets: list[str]  # sheets of the workbook that were not read, with why


def read_bom(path: Path | str, *, sheets: Sequence[str] = (), all_sheets: bool = False,
             mapping: BomMapping | None = None, max_rows: int = DEFAULT_MAX_ROWS) -> BomDocument:
    """Read the BOM in `path`: the named sheets, or the one sheet holding a BOM, or with `all_sheets` every
    sheet that holds one. More than one candidate and no choice is an error that lists them."""
    mapping = mapping or BomMapping()
    file = str(path)
    workbook = _read(path, max_rows, sheets[0] if len(sheets) == 1 else None)
    found: list[tuple[Sheet, list[Row], list[int]]] = []
    others: list[str] = []
    for sheet in workbook:
        if sheets and sheet.name not in sheets and sheet.name is not None:
            others.append(f"{sheet.name}: not chosen")
            continue
        if sheet.hidden and not sheets:
            others.append(f"{sheet.name}: hidden")
            continue
        raw = list(sheet.rows)
        headers = _header_rows(fill_merged(sheet), mapping)
        if headers:
            found.append((sheet, raw, headers))
        elif sheets or sheet.name is None:
            raise _no_header(sheet, mapping)
        else:
            others.append(f"{sheet.name}: no BOM header")
    missing = [name for name in sheets if name not in {s.name for s, _, _ in found}]
    if missing:
        raise BomReadError(f"no sheet named {missing[0]!r}", Location(file=file))
    if not found:
        raise _no_header(workbook[0], mapping) if len(workbook) == 1 else BomReadError(
            f"no sheet holds a recognisable BOM header ({'; '.join(others)}); expected headers such as "
            f"{expected_headers()}", Location(file=file))
    if len(found) > 1 and not sheets and not all_sheets:
        listed = "; ".join(f"{s.name!r} (header in row {h[0] + 1}, {len(s.rows) - h[0] - 1} rows below it)"
                           for s, _, h in found)
        raise BomReadError(f"{len(found)} sheets hold a BOM: {listed}; choose with --sheet NAME (repeatable) or "
                           "quote them all with --all-sheets", Location(file=file))
    total_rows = sum(len(raw) for _, raw, _ in found)
    if total_rows > max_rows:
        raise BomReadError(f"the BOM has {total_rows:,} rows, over the limit of {max_rows:,} ([bom] max_rows in "
                           "jbp.toml)", Location(file=file))
    document = BomDocument(file, [], [], [], others)
    for sheet, raw, headers in found:
        _read_sheet(document, Path(path), sheet, raw, headers, mapping)
    _check_repeated_designators(document.lines)
    return document


def _read(path: Path | str, max_rows: int, sheet: str | None) -> list[Sheet]:
    try:
        return read_sheets(path, limits=ReadLimits(max_rows=max_rows), sheet=sheet)
    except CatalogImportError as exc:
        reason = exc.reason
        if "rows with data" in reason:
            reason += " ([bom] max_rows in jbp.toml sets the limit for BOMs)"
        raise BomReadError(reason, exc.location) from exc


def _header_rows(sheet: Sheet, mapping: BomMapping) -> list[int]:
    """Zero-based rows that head a block: they name a part column and a quantity or designator column."""
    if mapping.header_row is not None:
        index = mapping.header_row - 1
        return [index] if index < len(sheet.rows) else []
    rows = find_header_rows(sheet.rows, mapping.is_header_cell)
    return [index for index in rows if _is_complete(_columns(sheet.rows[index], mapping))]


def _is_complete(columns: list[Column]) -> bool:
    fields = {c.field for c in columns}
    return bool(fields & set(IDENTIFYING)) and bool(fields & {"qty", "designator"})


def _columns(row: Row, mapping: BomMapping) -> list[Column]:
    columns = []
    for index, value in enumerate(row):
        header = cell_text(value) or ""
        target, decided = mapping.target_for(header) if header else (None, "detected")
        columns.append(Column(column_letter(index), header, target, decided))
    return columns


def _no_header(sheet: Sheet, mapping: BomMapping) -> BomReadError:
    """Which headers were seen (the fullest of the first rows) and which were expected."""
    candidates = [row for row in sheet.rows[:30] if any(v is not None for v in row)]
    seen = max(candidates, key=lambda row: sum(v is not None for v in row), default=())
    shown = ", ".join(repr(cell_text(v)) for v in seen if v is not None)[:300]
    where = "the mapping's header_row" if mapping.header_row else "the first 30 rows"
    return BomReadError(f"no recognisable BOM header in {where}; seen: {shown or 'nothing'}; expected headers such "
                        f"as {expected_headers()} (a part column and a quantity or designator column), or a mapping "
                        "file (--mapping) naming the columns", Location(file=sheet.file, sheet=sheet.name))


def _read_sheet(document: BomDocument, path: Path, sheet: Sheet, raw: list[Row], headers: list[int],
                mapping: BomMapping) -> None:
    read = SheetRead(sheet.name, raw)
    document.sheets.append(read)
    uncached = set(formula_cells_without_cache(path, sheet.name)) if _has_formulas(path) else set()
    merged_across = {r for r0, c0, r1, c1 in sheet.merged if c1 > c0 for r in range(r0, r1 + 1)}
    formula_rows = {r for r, _ in uncached}
    for index in range(headers[0]):
        _skip(document, sheet, index, "above the header (title)" if _filled(sheet.rows[index]) else "blank row")
    for number, start in enumerate(headers):
        block = Block(start + 1, _columns(sheet.rows[start], mapping))
        read.blocks.append(block)
        _skip(document, sheet, start, "header row")
        end = headers[number + 1] if number + 1 < len(headers) else len(sheet.rows)
        for index in range(start + 1, end):
            reason = None if index in formula_rows else _skip_reason(sheet.rows[index], block, index in merged_across)
            if reason:
                _skip(document, sheet, index, reason)
            else:
                document.lines.append(_line(document, sheet, index, number, block, mapping, uncached))


def _has_formulas(path: Path) -> bool:
    """Whether an .xlsx holds any formula at all: a byte search, so formula-free BOMs (most) skip the cell-by-cell
    scan for formulas without a saved value. Other formats store their results (or have no formulas)."""
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    data = archive.read(name)  # sizes were checked when the workbook was read
                    if b"<f>" in data or b"<f " in data or b":f>" in data or b":f " in data:
                        return True
    except (zipfile.BadZipFile, OSError):
        return False
    return False


def _filled(row: Row) -> list[CellValue]:
    return [v for v in row if v is not None and not (isinstance(v, str) and not v.strip())]


def _skip(document: BomDocument, sheet: Sheet, index: int, reason: str) -> None:
    text = " | ".join(cell_text(v) or "" for v in _filled(sheet.rows[index]))[:120]
    document.skipped.append(SkippedRow(sheet.name, index + 1, reason, text))


def _skip_reason(row: Row, block: Block, merged_across: bool) -> str | None:
    values = _filled(row)
    if not values:
        return "blank row"
    fields = block.field_columns
    numbered = [i for name in PART_NUMBER_FIELDS for i in fields.get(name, ()) if i < len(row) and row[i] is not None]
    if not numbered and any(isinstance(v, str) and len(v) <= _LONGEST_TOTAL and fold(v) in _TOTAL_WORDS
                            for v in values):
        return "total row"
    if len({str(v) for v in values}) == 1 and isinstance(values[0], str):
        first = next(i for i, v in enumerate(row) if v is not None)
        leading = min((i for indexes in fields.values() for i in indexes), default=0)
        part_number = any(first in fields.get(name, ()) for name in PART_NUMBER_FIELDS)
        if merged_across or not (part_number and any(ch.isdigit() for ch in values[0])) and (
                first <= leading or first in fields.get("line_no", ())):
            return "section title"
    return None


def _line(document: BomDocument, sheet: Sheet, index: int, block_number: int, block: Block, mapping: BomMapping,
          uncached: set[tuple[int, int]]) -> BomLine:
    row = sheet.rows[index]
    line = BomLine(len(document.lines) + 1, sheet.name, index + 1, block_number, {})
    for name, indexes in block.field_columns.items():
        texts = [text for i in indexes if (text := cell_text(row[i]))]  # rows are as wide as the header
        if texts:
            line.fields[name] = texts[0] if len(texts) == 1 else " ".join(dict.fromkeys(texts))
        for i in indexes if uncached else ():
            if (index, i) in uncached:
                problem = (f"column {column_letter(i)} ({block.columns[i].header}) is a formula without a saved "
                           "value: open the file in Excel or LibreOffice and save it")
                (line.problems if name == "qty" else line.notes).append(problem)
    for name, value in mapping.defaults.items():
        line.fields.setdefault(name, value)
    _read_quantity(line, row, block)
    if not any(line.fields.get(name) for name in IDENTIFYING):
        line.problems.append("no part number, value or description")
    return line


def _read_quantity(line: BomLine, row: Row, block: Block) -> None:
    indexes = block.field_columns.get("qty", [])
    cell = next((row[i] for i in indexes if i < len(row) and row[i] is not None), None)
    quantity = parse_bom_quantity(cell)
    if quantity is not None and quantity.problem:
        line.problems.append(quantity.problem)
    elif quantity is not None:
        line.qty, line.qty_unit = quantity.value, quantity.unit
        _apply_unit_column(line)
    if line.fields.get("designator"):
        designators = expand_designators(line.fields["designator"])
        line.designators = designators.names
        line.notes += designators.problems
        if designators.repeated:
            line.notes.append(f"designator {', '.join(designators.repeated)} listed twice in this line")
    count = len(line.designators)
    if quantity is None:
        if count:
            line.qty = Decimal(count)
            line.notes.append(f"quantity taken from the {count} designators")
        elif not any(p.startswith("column") for p in line.problems):
            line.problems.append("no quantity")
    elif line.qty is not None and count and line.qty_unit == "" and line.qty != count:
        line.notes.append(f"{count} designators but quantity {line.qty}: check the line (quoted for {line.qty})")


def _apply_unit_column(line: BomLine) -> None:
    """A count with a physical unit in the unit column (2.5 and 米) becomes that quantity (2.5 m)."""
    unit = line.fields.get("unit", "").strip()
    if not unit or line.qty_unit or _COUNT_UNITS.match(unit):
        return
    parsed = try_parse_quantity(f"{line.qty} {unit}")
    if parsed is not None and parsed.value is not None and parsed.unit:
        line.qty, line.qty_unit = Decimal(repr(parsed.value)).normalize(), parsed.unit


def _check_repeated_designators(lines: list[BomLine]) -> None:
    """A designator on two lines of one block is a copy-paste slip or a double order: both lines say so."""
    first: dict[tuple, BomLine] = {}
    for line in lines:
        for name in line.designators:
            key = (line.sheet, line.block, name.upper())
            earlier = first.setdefault(key, line)
            if earlier is not line:
                line.notes.append(f"designator {name} is also on row {earlier.row}")
                earlier.notes.append(f"designator {name} is also on row {line.row}")
