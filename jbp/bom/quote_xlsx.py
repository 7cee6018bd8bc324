"""The quote as a workbook the buyer recognises: each sheet they sent, every row in its place with their
own columns untouched, and our answer added to the right (status in colour, SKU, description, prices,
stock, ship date, notes); a summary sheet in front.

Every text cell is written as text and guarded (`jbp.safecells.guard_cell`), so a buyer's `=HYPERLINK(…)`
or `@SUM(…)` comes back as the characters they typed, never as a formula. Written in openpyxl's
write-only mode: a 5,000-line quote takes well under a second.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill

from jbp.bom.quotes import Quote, QuoteLine
from jbp.safecells import guard_cell

SUMMARY_SHEET = "报价汇总 Summary"
ADDED = ("状态 Status", "规则 Rule", "置信度 Confidence", "货号 SKU", "型号 MPN", "名称 Name", "订购数量 Order qty",
         "单价 Unit price", "金额 Extended", "交期(天) Lead days", "预计发货 Ready", "说明 Notes")
STATUS_COLOURS = {"matched": "C6EFCE", "substituted": "DDEBF7", "ambiguous": "FFEB9C", "not_found": "FFC7CE",
                  "invalid": "D9D9D9"}
STATUS_WORDS = {"matched": "匹配 matched", "substituted": "替代 substituted", "ambiguous": "待确认 ambiguous",
                "not_found": "未找到 not found", "invalid": "无效 invalid"}
_BOLD = Font(bold=True)
_FILLS = {status: PatternFill("solid", start_color=colour) for status, colour in STATUS_COLOURS.items()}


def write_quote_xlsx(quote: Quote, path: Path | str) -> Path:
    workbook = Workbook(write_only=True)
    _summary(workbook.create_sheet(SUMMARY_SHEET), quote)
    by_row = {(q.line.sheet, q.line.row): q for q in quote.lines}
    skipped = {(s.sheet, s.row): s.reason for s in quote.document.skipped}
    used = {SUMMARY_SHEET}
    for sheet in quote.document.sheets:
        name = _sheet_name(sheet.name or "BOM", used)
        worksheet = workbook.create_sheet(name)
        width = max((len(row) for row in sheet.rows), default=0)
        header_rows = {block.header_row for block in sheet.blocks}
        for index, row in enumerate(sheet.rows, start=1):
            cells = [_cell(worksheet, value) for value in row] + [None] * (width - len(row))
            quoted = by_row.get((sheet.name, index))
            if index in header_rows:
                cells += [_cell(worksheet, header, bold=True) for header in ADDED]
            elif quoted is not None:
                cells += _answer(worksheet, quoted)
            elif skipped.get((sheet.name, index), "blank row") != "blank row":
                cells += [None] * (len(ADDED) - 1) + [_cell(worksheet, f"skipped: {skipped[(sheet.name, index)]}")]
            worksheet.append(cells)
    path = Path(path)
    workbook.save(path)
    return path


def _cell(worksheet, value, *, bold: bool = False, fill: PatternFill | None = None):
    """A value to append: guarded text, a number or a date as it is; a styled cell only where a style is asked.
    (openpyxl makes a formula of text starting with "="; guarded text never does, so plain values are safe.)"""
    if value is None:
        return None
    if isinstance(value, str):
        value = guard_cell(ILLEGAL_CHARACTERS_RE.sub("", value))  # control characters Excel cannot store
    elif not isinstance(value, int | float | Decimal | datetime | date | time | timedelta | bool):
        value = guard_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    if not bold and fill is None:
        return value
    cell = WriteOnlyCell(worksheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never "f", whatever the text starts with
    if bold:
        cell.font = _BOLD
    if fill is not None:
        cell.fill = fill
    return cell


def _answer(worksheet, quoted: QuoteLine) -> list:
    match, price, product = quoted.match, quoted.price, quoted.match.product or {}
    notes = [*match.reasons, *quoted.line.notes, *match.notes, *(price.notes if price else [])]
    if price is not None and price.availability:
        notes.append(price.availability)
    if match.candidates:
        notes.append("candidates: " + ", ".join(f"{c.sku} ({c.mpn})" if c.mpn else c.sku for c in match.candidates))
    if match.original:
        named = " ".join(str(v) for v in match.original.values() if v)
        notes.append(f"the BOM asked for {named}")
    values = [STATUS_WORDS[match.status], match.rule, round(match.confidence, 2), product.get("sku"),
              product.get("mpn"), product.get("name_zh") or product.get("name_en"),
              price.qty if price else None, price.unit_price if price else None, price.extended if price else None,
              price.lead_time_days if price else None, price.ready if price else None, "; ".join(notes)]
    cells = [_cell(worksheet, value) for value in values]
    cells[0] = _cell(worksheet, values[0], fill=_FILLS[match.status])
    return cells


def _summary(worksheet, quote: Quote) -> None:
    document = quote.as_dict()
    summary = document["summary"]
    rows = [("报价单号 Quote", quote.id), ("品牌 Brand", quote.brand), ("客户 Customer", quote.customer),
            ("文件 File", quote.source), ("日期 Date", quote.created_at), ("套数 Boards", quote.boards),
            ("折扣 Discount %", quote.discount_pct), ("币种 Currency", quote.currency),
            ("合计 Total", summary["total"]), ("齐套发货 Ships complete", summary["ready"] or "—"),
            ("行数 Lines", summary["lines"]), ("跳过的行 Skipped rows", summary["skipped_rows"])]
    rows += [(STATUS_WORDS[status], count) for status, count in summary["by_status"].items()]
    for label, value in rows:
        worksheet.append([_cell(worksheet, label, bold=True), _cell(worksheet, value)])
    for note in quote.notes:
        worksheet.append([_cell(worksheet, "说明 Note", bold=True), _cell(worksheet, note)])
    worksheet.append([])
    worksheet.append([_cell(worksheet, status, fill=_FILLS[status]) for status in STATUS_COLOURS])


def _sheet_name(name: str, used: set[str]) -> str:
    """Excel allows 31 characters and no []:*?/\\ in a sheet name, and no two alike (ignoring case)."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "BOM"
    candidate, number = cleaned, 2
    while candidate.lower() in {u.lower() for u in used}:
        suffix = f" ({number})"
        candidate, number = cleaned[:31 - len(suffix)] + suffix, number + 1
    used.add(candidate)
    return candidate
