"""Spreadsheets and CSV files with one product per row (xlsx, xls, ods, csv).

The header row is found wherever it is (title rows above it are common), each column is given a
meaning by `mapping.py`, and rows become raw products; nothing here validates values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from jbp.catalog.definitions import Definitions, parameter_names
from jbp.catalog.importers.headers import fold_header
from jbp.catalog.importers.mapping import ColumnTarget, Mapping
from jbp.catalog.records import ParsedCatalog, RawParam, RawPrice, RawProduct, RawValue
from jbp.errors import CatalogImportError, Location
from jbp.sheets import Sheet, column_letter, fill_merged, find_header_row, read_sheets

HEADER_SEARCH_ROWS = 30  # a header is looked for among the first rows


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """Where a sheet's header is and what each column means (what `--show-mapping` prints)."""

    sheet: Sheet
    header_index: int  # 0-based row index of the header
    columns: list[tuple[int, str, ColumnTarget]]  # (column index, header text, target)
    header_rows: int = 1  # 2 where parameter names sit under a group header (额定值 over 电流(A), 电压(V))

    def describe(self) -> dict:
        return {
            "file": self.sheet.file, "sheet": self.sheet.name, "header_row": self.header_index + 1,
            "header_rows": self.header_rows,
            "columns": [{"column": column_letter(i), "header": h, "target": t.describe()}
                        for i, h, t in self.columns],
        }


def sheet_layouts(path: Path, definitions: Definitions, mapping: Mapping,
                  sheet: str | None = None) -> tuple[list[SheetLayout], list[str]]:
    """The layout of every sheet that holds a product table, and the names of hidden sheets left out (an
    old price list is often kept hidden; naming the sheet imports it all the same)."""
    known_params = {name for category in definitions.categories.values()
                    for p in category.parameters for name in parameter_names(p)}
    known_params |= set(mapping.parameters)

    def is_parameter_name(text: str) -> bool:
        return fold_header(text) in known_params

    def target_of(text: str) -> ColumnTarget:
        return mapping.target_for(text, is_parameter_name)

    def is_header_cell(text: str) -> bool:
        return target_of(text).kind != "ignored"

    layouts: list[SheetLayout] = []
    hidden: list[str] = []
    seen_headers: list[str] = []
    # a CSV file is streamed past the rows where its header may be
    for table in read_sheets(path, sheet=sheet, head=max(HEADER_SEARCH_ROWS, mapping.header_row or 0)):
        fill_merged(table)
        if not any(any(v not in (None, "") for v in row) for row in table.rows):
            continue
        if table.hidden and sheet is None:
            hidden.append(str(table.name))
            continue
        if mapping.header_row is not None:
            header_index = mapping.header_row - 1
        else:
            header_index = find_header_row(table.rows, lambda v: is_header_cell(str(v)), search_rows=HEADER_SEARCH_ROWS)
        if header_index is None or header_index >= len(table.rows):
            seen_headers.extend(str(v) for row in table.rows[:5] for v in row if v not in (None, ""))
            continue
        header = table.rows[header_index]
        columns = [(i, str(value).strip(), target_of(str(value))) for i, value in enumerate(header)
                   if value not in (None, "")]
        below = table.rows[header_index + 1] if header_index + 1 < len(table.rows) else ()
        sub_header = _sub_header(columns, below, target_of)
        if sub_header:
            columns = sorted({i: (i, h, target) for i, h, target in [*columns, *sub_header]}.values())
        layouts.append(SheetLayout(table, header_index, columns, header_rows=2 if sub_header else 1))
    if not layouts:
        also = f"; hidden sheets not read: {', '.join(hidden)} (name one with --sheet)" if hidden else ""
        raise CatalogImportError(
            "no product table found: no row has at least two recognised headers such as 货号/SKU, 型号/MPN, "
            f"品牌/Brand, 分类/Category, 单价/Price; first cells seen: {', '.join(seen_headers[:12]) or 'none'}"
            + also, Location(file=str(path)))
    return layouts, hidden


def _sub_header(columns: list[tuple[int, str, ColumnTarget]], below: tuple,
                target_of: Callable[[str], ColumnTarget]) -> list[tuple[int, str, ColumnTarget]]:
    """The columns the row under the header names, when it is the lower half of a two-row header: every
    cell in it reads as a header, and at least one sits under a group title or an empty header cell."""
    targets = {i: (text, target_of(text)) for i, value in enumerate(below)
               if value is not None and (text := str(value).strip())}
    if not targets or any(target.kind == "ignored" for _, target in targets.values()):
        return []
    above = {i: target for i, _, target in columns}
    return [(i, text, target) for i, (text, target) in targets.items() if i not in above or above[i].kind == "ignored"]


def load_table_catalog(path: Path, definitions: Definitions, mapping: Mapping,
                       sheet: str | None = None) -> ParsedCatalog:
    layouts, hidden = sheet_layouts(path, definitions, mapping, sheet)
    fmt = path.suffix.lower().lstrip(".") or "csv"
    warnings = [f"{layout.sheet.name or path.name}: column {column_letter(i)} {header!r} is not recognised and "
                "was not imported (name it in a mapping file)"
                for layout in layouts for i, header, target in layout.columns if target.kind == "ignored"]
    warnings += [warning for layout in layouts for warning in _same_field_twice(layout, path)]
    warnings += [f"sheet {name!r} is hidden and was not imported (import it with --sheet {name!r})" for name in hidden]
    return ParsedCatalog(source=str(path), format=fmt, products=_products(layouts),
                         default_brand=mapping.defaults.get("brand"), warnings=warnings)


def _same_field_twice(layout: SheetLayout, path: Path) -> Iterator[str]:
    """A warning per column that names a field an earlier column names too (型号 and 规格型号 are both MPN)."""
    first: dict[str, tuple[int, str]] = {}
    for i, header, target in layout.columns:
        if target.kind != "field":
            continue
        if target.name not in first:
            first[target.name] = (i, header)
            continue
        j, earlier = first[target.name]
        yield (f"{layout.sheet.name or path.name}: columns {column_letter(j)} {earlier!r} and {column_letter(i)} "
               f"{header!r} both read as {target.name}; where both hold a value, column {column_letter(j)}'s is "
               "imported (a mapping file can ignore one or map it elsewhere)")


def _products(layouts: list[SheetLayout]) -> Iterator[RawProduct]:
    for layout in layouts:
        table = layout.sheet
        # Reversed, so that where two columns name the same field the first one with a value wins.
        fields = [(i, target.name, f"{column_letter(i)} {header}", target.unit)
                  for i, header, target in reversed(layout.columns) if target.kind == "field"]
        prices = [(i, RawValue(target.min_qty, label := f"{column_letter(i)} {header}"), label, target.unit,
                   target.currency) for i, header, target in layout.columns if target.kind == "price"]
        params = [(i, target.name, f"{column_letter(i)} {header}", target.unit)
                  for i, header, target in layout.columns if target.kind == "param"]
        width = max((i + 1 for i, _, _ in layout.columns), default=0)
        first = layout.header_index + layout.header_rows
        rows = chain(table.rows[first:], table.more)
        for index, row in enumerate(rows, start=first):
            if len(row) < width:
                row = (*row, *(None,) * (width - len(row)))
            # an empty cell says nothing; wide sheets are mostly empty parameter columns
            product = RawProduct(
                Location(table.file, table.name, index + 1),
                {name: RawValue(v, label, unit) for i, name, label, unit in fields if (v := row[i]) is not None
                 and v != ""},
                [RawPrice(qty, RawValue(v, label, unit), currency) for i, qty, label, unit, currency in prices
                 if (v := row[i]) is not None and v != ""],
                [RawParam(name, RawValue(v, label, unit)) for i, name, label, unit in params
                 if (v := row[i]) is not None and v != ""])
            if product.fields or product.prices or product.params:
                yield product  # a row with nothing in the columns we read is a blank separator row


loaders = {"xlsx": load_table_catalog, "xlsm": load_table_catalog, "xls": load_table_catalog,
           "ods": load_table_catalog, "csv": load_table_catalog, "tsv": load_table_catalog,
           "txt": load_table_catalog}
