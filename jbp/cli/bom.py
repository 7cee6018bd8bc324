"""`jbp bom quote|order|show|confirm`: a buyer's BOM spreadsheet quoted, confirmed and ordered."""

from __future__ import annotations

import time
from pathlib import Path

import click

from jbp.cli.context import current_workspace, json_option, now_option, parse_now
from jbp.cli.output import echo_table, emit_json

_SHORT = {"matched": "matched", "substituted": "SUBST", "ambiguous": "AMBIG?", "not_found": "NOT FOUND",
          "invalid": "INVALID"}


@click.group("bom")
def bom_group() -> None:
    """BOM ordering (BOM下单): quote a buyer's BOM, confirm ambiguous lines, place the order."""


def _quote_options(func):
    for option in reversed((
        click.option("--sheet", "sheets", multiple=True, metavar="NAME",
                     help="Sheet to quote (repeatable); needed when several sheets hold a BOM."),
        click.option("--all-sheets", is_flag=True, help="Quote every sheet that holds a BOM."),
        click.option("--customer", metavar="ID", help="The customer's id in the CRM (discount, confirmations)."),
        click.option("--brand", help="Which brand quotes (code, 中文名 or English name); needed with several."),
        click.option("--boards", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Boards or machines to build: every quantity is multiplied by it."),
        click.option("--mapping", type=click.Path(exists=True, dir_okay=False),
                     help="TOML file naming columns detection gets wrong (see --show-mapping)."),
        click.option("--max-rows", type=click.IntRange(min=1), help="Refuse larger BOMs (default 50,000)."),
        click.option("--max-lead-days", type=click.IntRange(min=0), metavar="DAYS",
                     help="Longest lead time accepted: a part short of stock whose rest ships later gets a drop-in "
                          "substitute with stock (default: any known lead time; [bom] max_lead_days)."),
        click.option("--keep-short-stock", is_flag=True, help="Never replace a part for being short of stock."),
        now_option,
    )):
        func = option(func)
    return func


def _options(sheets, all_sheets, customer, brand, boards, mapping, max_rows, max_lead_days, keep_short_stock,
             now_text):
    from jbp.bom import QuoteOptions

    return QuoteOptions(sheets=sheets, all_sheets=all_sheets, customer=customer, brand=brand, boards=boards,
                        mapping=mapping, now=parse_now(now_text) if now_text else None, max_rows=max_rows,
                        max_lead_days=max_lead_days, replace_short_stock=not keep_short_stock)


@bom_group.command("quote")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_quote_options
@click.option("--show-mapping", is_flag=True, help="Print which column was read as what, and stop.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the quote workbook (.xlsx) here.")
@json_option
def quote_command(file: str, sheets: tuple[str, ...], all_sheets: bool, customer: str | None, brand: str | None,
                  boards: int, mapping: str | None, max_rows: int | None, max_lead_days: int | None,
                  keep_short_stock: bool, now_text: str | None, show_mapping: bool, output: str | None,
                  as_json: bool) -> None:
    """Quote FILE (xlsx, xls, ods or csv, as the buyer's engineers made it).

    Every line ends matched, substituted, ambiguous (candidates listed), not_found or invalid, with the
    rule that decided and a confidence; then it is priced for --boards (MOQ, order multiple, price
    break, the customer's discount) with stock, lead time and the day the order ships complete. The
    quote is stored: quoting the same file again is recognised.

    \b
    Example:
      jbp bom quote panel.xlsx --brand CHNT --customer C-1001 --boards 10 -o panel-quote.xlsx
      jbp bom quote hackrf-one-bom.csv --show-mapping
      jbp bom quote plant.xlsx --sheet 电源柜 --mapping columns.toml --json
    """
    from jbp.bom import quote_bom, write_quote_xlsx

    if show_mapping:
        _show_mapping(file, sheets, mapping, max_rows, as_json)
        return
    options = _options(sheets, all_sheets, customer, brand, boards, mapping, max_rows, max_lead_days,
                       keep_short_stock, now_text)
    quote = quote_bom(current_workspace(), file, options)
    if output:
        started = time.perf_counter()
        write_quote_xlsx(quote, output)
        quote.timings["xlsx"] = time.perf_counter() - started
    if as_json:
        emit_json({**quote.as_dict(), "timings": quote.timings})
        return
    _print_quote(quote.as_dict())
    if output:
        click.echo(f"quote workbook: {output}")
    click.echo("times: " + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in quote.timings.items()), err=True)


def _show_mapping(file: str, sheets: tuple[str, ...], mapping: str | None, max_rows: int | None,
                  as_json: bool) -> None:
    from jbp.bom import read_bom, read_mapping
    from jbp.bom.reading import DEFAULT_MAX_ROWS

    document = read_bom(file, sheets=sheets, all_sheets=not sheets, mapping=read_mapping(mapping),
                        max_rows=max_rows or DEFAULT_MAX_ROWS)
    blocks = [{"sheet": sheet.name, "header_row": block.header_row,
               "columns": [{"column": c.letter, "header": c.header, "field": c.field, "decided": c.decided}
                           for c in block.columns if c.header]}
              for sheet in document.sheets for block in sheet.blocks]
    if as_json:
        emit_json({"file": file, "blocks": blocks, "lines": len(document.lines), "skipped": len(document.skipped),
                   "other_sheets": document.other_sheets})
        return
    for block in blocks:
        where = f"sheet {block['sheet']!r}, " if block["sheet"] else ""
        click.echo(f"\n{where}header in row {block['header_row']}:")
        echo_table([(c["column"], c["header"], c["field"] or "-", c["decided"] if c["field"] else "")
                    for c in block["columns"]], ["col", "header", "read as", "by"])
    click.echo(f"\n{len(document.lines)} lines, {len(document.skipped)} rows skipped")
    for other in document.other_sheets:
        click.echo(f"not read: {other}")
    click.echo("\n# A mapping file (pass with --mapping) overrides any of these:\n[columns]")
    for column in (c for block in blocks for c in block["columns"]):
        click.echo(f'"{column["header"]}" = "{column["field"] or "ignore"}"')


def _print_quote(document: dict) -> None:
    summary = document["summary"]
    customer = f" for customer {document['customer']}" if document["customer"] else ""
    click.echo(f"Quote {document['quote_id']} — {document['brand']}{customer}, {document['source']}, "
               f"{document['boards']} board(s)")
    for note in document["notes"]:
        click.echo(f"note: {note}")
    click.echo("")
    echo_table([(line["position"], _where(line), _SHORT[line["status"]], line["rule"], line["confidence"],
                 _asked(line), line["sku"] or "", line.get("order_qty"), line.get("unit_price"), line.get("extended"),
                 line.get("ready") or "") for line in document["lines"]],
               ["#", "row", "status", "rule", "conf", "BOM part", "SKU", "qty", "unit price", "extended", "ready"])
    explained = [line for line in document["lines"] if line["status"] not in ("matched", "not_found")]
    missing: dict[str, list[int]] = {}
    for line in document["lines"]:
        if line["status"] == "not_found":
            missing.setdefault("; ".join(line["reasons"]), []).append(line["position"])
    if explained or missing:
        click.echo("")
    for line in explained:
        click.echo(f"#{line['position']} {_SHORT[line['status']]}: {'; '.join(line['reasons'])}")
        for candidate in line["candidates"]:
            click.echo(f"    {candidate['sku']}  {candidate['mpn'] or ''}  {candidate['name'] or ''}")
    for reason, positions in missing.items():
        listed = ", ".join(f"#{p}" for p in positions[:12]) + (" …" if len(positions) > 12 else "")
        click.echo(f"{listed} NOT FOUND: {reason}")
    counts = ", ".join(f"{count} {status.replace('_', ' ')}" for status, count in summary["by_status"].items() if count)
    click.echo(f"\n{summary['lines']} lines: {counts}; {summary['skipped_rows']} rows skipped")
    ready = summary["ready"] or (f"unknown (no date for lines {', '.join(map(str, summary['lines_without_date']))})"
                                 if summary["lines_without_date"] else "-")
    click.echo(f"total {summary['total']} {summary['currency']}; ships complete: {ready}")
    granted = document.get("entitlement")
    if granted and granted["quota"] is not None:
        click.echo(f"bom_ordering: {granted['used']} of {granted['quota']} quotes used in {granted['period']} "
                   f"(tier {granted['tier']})")


def _where(line: dict) -> str:
    return f"{line['sheet']}!{line['row']}" if line["sheet"] else str(line["row"])


def _asked(line: dict) -> str:
    buyer = line["buyer"]
    return " ".join(v for v in (buyer.get("maker"), buyer.get("mpn") or buyer.get("part_code") or buyer.get("sku"))
                    if v) or buyer.get("description") or buyer.get("name") or buyer.get("value") or ""


@bom_group.command("show")
@click.argument("quote_id", type=int)
@json_option
def show_command(quote_id: int, as_json: bool) -> None:
    """Show a stored quote, line by line.

    \b
    Example:
      jbp bom show 12
      jbp bom show 12 --json
    """
    from jbp.bom import show_quote

    document = show_quote(current_workspace(), quote_id)
    if as_json:
        emit_json(document)
        return
    _print_quote(document)
    click.echo(f"status: {document['status']}" + (f", order {document['order_id']}" if document["order_id"] else ""))


@bom_group.command("confirm")
@click.argument("quote_id", type=int)
@click.argument("line", type=int)
@click.argument("sku")
@json_option
def confirm_command(quote_id: int, line: int, sku: str, as_json: bool) -> None:
    """Confirm SKU for LINE (the # column) of a quote; remembered for this customer's next BOMs.

    \b
    Example:
      jbp bom confirm 12 7 836012
    """
    from jbp.bom import confirm_line

    detail = confirm_line(current_workspace(), quote_id, line, sku)
    if as_json:
        emit_json(detail)
        return
    price = (f" × {detail['order_qty']} at {detail['unit_price']} {detail['currency']}" if detail.get("unit_price")
             else "")
    click.echo(f"quote {quote_id} line {line}: {detail['sku']}{price} (remembered for this customer)")


@bom_group.command("order")
@click.argument("source")
@_quote_options
@click.option("--partial", is_flag=True, help="Order the lines that can be ordered and list the rest.")
@json_option
def order_command(source: str, sheets: tuple[str, ...], all_sheets: bool, customer: str | None, brand: str | None,
                  boards: int, mapping: str | None, max_rows: int | None, max_lead_days: int | None,
                  keep_short_stock: bool, now_text: str | None, partial: bool, as_json: bool) -> None:
    """Turn a quote into an order: SOURCE is a quote id, or a BOM file (quoted first, with the options).

    Ordering the same quote twice gives the same order. Lines that are ambiguous, not found, invalid or
    unpriced stop the order unless --partial.

    \b
    Example:
      jbp bom order 12
      jbp bom order panel.xlsx --brand CHNT --customer C-1001 --boards 10 --partial
    """
    from jbp.bom import order_quote, quote_bom

    workspace = current_workspace()
    options = _options(sheets, all_sheets, customer, brand, boards, mapping, max_rows, max_lead_days,
                       keep_short_stock, now_text)
    if source.isdigit() and not Path(source).exists():
        quote_id = int(source)
    elif Path(source).is_file():
        quote_id = quote_bom(workspace, source, options).id
    else:
        raise click.BadParameter(f"{source!r} is neither a quote id nor a file", param_hint="SOURCE")
    order = order_quote(workspace, quote_id, partial=partial, now=options.now)
    if as_json:
        emit_json(order.as_dict())
        return
    again = " (already ordered: the same order)" if order.existing else ""
    click.echo(f"Order {order.id} from quote {order.quote_id}{again}: {len(order.lines)} lines, "
               f"total {order.total} {order.currency}")
    echo_table([(line.position, line.sku, line.qty, line.unit_price, line.extended) for line in order.lines],
               ["#", "SKU", "qty", "unit price", "extended"])
    for item in order.left_out:
        click.echo(f"not ordered: #{item['position']} (row {item['row']}) {item['status']}: {item['why']}")
