"""The JBP report as a workbook: one sheet per section, numbers as numbers, partner text guarded against
formula injection, RAG statuses coloured."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from jbp.safecells import guard_cell
from jbp.tiers.report import JbpReport

FILLS = {"green": "D8EFDC", "amber": "FBE6C4", "red": "F6D2D2"}
BOLD = Font(bold=True)


def _cell(value):
    if isinstance(value, str):
        return guard_cell(value)
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def _sheet(book: Workbook, title: str, headers: list[str], rows: list[list]) -> Worksheet:
    sheet = book.create_sheet(title[:31])
    sheet.append([_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = BOLD
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for index, header in enumerate(headers, start=1):
        widest = max([len(str(header))] + [len(str(r[index - 1])) for r in rows if index - 1 < len(r)])
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(max(10, widest + 2), 60)
    return sheet


def write_xlsx(report: JbpReport, path: Path) -> None:
    t = report.labels
    book = Workbook()
    book.remove(book.active)
    summary = [[label, value] for label, value in report.parties]
    summary += [[t["period"], report.period], [t["tier"], report.tier["name"]],
                *[[t["tier_reason"], reason] for reason in report.tier["reasons"]],
                [t["proposal"], report.outlook["proposal_label"]], [t["proposed_level"], report.outlook["proposed"]],
                [t["skus"], report.catalog["skus"]], [t["completeness"], report.catalog["completeness"]],
                [t["model3d"], report.catalog["model3d"]], *[[label, value] for label, value in report.crm],
                *[[t["notes"], note] for note in report.notes]]
    _sheet(book, t["title"], [t["brand"], report.brand_name], summary)
    scorecard = _sheet(book, t["scorecard"], [t["kpi"], t["target"], t["actual"], t["last_period"], t["attainment"],
                                              t["status"]],
                       [[row["name"], row["target"], row["actual"], row["last"], row["attainment"], row["status_label"]]
                        for row in report.scorecard])
    for index, row in enumerate(report.scorecard, start=2):
        if row["status"] in FILLS:
            scorecard.cell(index, 6).fill = PatternFill("solid", fgColor=FILLS[row["status"]])
    _sheet(book, t["entitlements"], [t["service"], t["granted"], t["used"], t["remaining"]],
           [[row["name"], row["granted"] if row["granted"] is not None else row["granted_text"], row["used"],
             row["remaining"]] for row in report.entitlements])
    _sheet(book, t["initiatives"], [t["initiative"], t["owner"], t["due"], t["status"]],
           [[i["title"], i["owner"], i["due"], i["status_label"]] for i in report.initiatives])
    _sheet(book, t["gaps"], [t["gaps"]], [[gap] for gap in report.gaps] or [[t["no_gaps"]]])
    next_rows = [[t["next_targets"], name, value] for name, value in report.next_targets]
    next_rows += [[t["commitments"], party, text] for party, text in report.next_pledges]
    if report.next_note:
        next_rows.append([t["notes"], "", report.next_note])
    _sheet(book, f"{t['next_quarter']} {report.next_period}", ["", t["kpi"], t["value"]], next_rows)
    _sheet(book, t["outlook"], [t["criterion"], t["value"], t["reaches"], t["distance_to"]],
           [[c["name"], c["value"], c["reaches"],
             "; ".join(f"{level} (≥ {floor}): {distance}" for level, floor, distance in c["thresholds"])]
            for c in report.outlook["criteria"]])
    _sheet(book, t["catalog"], [t["category"], t["skus"], t["score"], t["parameters"], t["price"], t["image"],
                                t["model3d"]],
           [[c["name"], c["skus"], c["score"], c["parameters"], c["price"], c["image"], c["model3d"]]
            for c in report.catalog["categories"]])
    book.save(path)
