"""`jbp substitute PART` (what replaces a part) and `jbp catalog import-xref FILE` (declared replacements)."""

from __future__ import annotations

from pathlib import Path

import click

from jbp.cli.context import current_workspace, json_option
from jbp.cli.output import echo_table, emit_json

_VERDICT_MARKS = {"better": "better", "worse": "WORSE", "equal": "equal", "unknown": "unknown"}


@click.command("substitute")
@click.argument("part")
@click.option("--brand", help="Brand of PART: one of ours, or a competitor's (施耐德, Schneider, ABB…).")
@click.option("--for-brand", help="Only substitutes of this brand of ours.")
@click.option("--grade", type=click.Choice(["drop-in", "functional", "similar"]),
              help="Weakest grade to list (default: similar, i.e. all).")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--qty", type=click.IntRange(min=1), default=1, show_default=True, help="Quantity to price.")
@click.option("--category", help="Category of a part known only by its parameters.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of PART (repeatable): rated_current=9A, 线圈电压=AC220V.")
@click.option("--need", "needs", multiple=True, metavar="NAME>=VALUE",
              help="What the part must do (repeatable; quote it for the shell): 'rated_current>=6A', or NAME=VALUE "
                   "by the parameter's rule. A candidate worse than PART but meeting every need is functional.")
@json_option
def substitute_command(part: str, brand: str | None, for_brand: str | None, grade: str | None, limit: int, qty: int,
                       category: str | None, params: tuple[str, ...], needs: tuple[str, ...], as_json: bool) -> None:
    """Find substitutes for PART (a SKU, an MPN in any spelling, or a competitor's part).

    Sources: declared cross-references, the successor chain of an EOL/obsolete part, then parts of the
    same category. Grades: drop-in (key parameters equal, performance equal or better), functional
    (worse only where --need allows), similar (closest by parameters). Each substitute lists the
    parameters that differ, then stock, lead time and the unit price at --qty.

    \b
    Example:
      jbp substitute 836012
      jbp substitute LC1D09M7C --brand 施耐德 --qty 50
      jbp substitute "nxc-09 220v" --need "rated_current>=6A" --grade functional --json
      jbp substitute X-9 --brand Acme --category contactor --param rated_current=9A --param 线圈电压=AC220V
    """
    from jbp.catalog.substitution import substitutes

    result = substitutes(current_workspace().store, part, brand=brand, for_brand=for_brand, grade=grade,
                         limit=limit, qty=qty, category=category, params=params, needs=needs)
    if as_json:
        emit_json(result)
        return
    _print_result(result, qty)


def _print_result(result, qty: int) -> None:
    original = result.original
    label = f"{original.brand} {original.sku or original.mpn}"
    if original.kind == "ours" and original.mpn:
        label += f" ({original.mpn})"
    facts = [original.kind if original.kind == "competitor" else original.lifecycle, original.category]
    click.echo(f"{label} — {', '.join(f for f in facts if f)}")
    if original.params:
        click.echo("  " + ", ".join(f"{code} {value}" for code, value in original.params.items()))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not result.substitutes:
        click.echo("no substitutes found")
        return
    click.echo("")
    echo_table([(rank, s.grade.value, s.source, s.brand, s.sku, s.mpn or "", s.distance, s.stock, s.lead_time_days,
                 f"{s.unit_price} {s.currency}" if s.unit_price is not None else "")
                for rank, s in enumerate(result.substitutes, 1)],
               ["#", "grade", "source", "brand", "SKU", "MPN", "distance", "stock", "lead days", f"price @{qty}"])
    for rank, s in enumerate(result.substitutes, 1):
        lines = [f"{d.param}: {d.original or '-'} → {d.candidate or '-'} ({_VERDICT_MARKS[d.verdict]})"
                 for d in s.differences] + s.notes
        if lines:
            click.echo(f"\n{rank}. {s.brand} {s.sku}")
            for line in lines:
                click.echo(f"   {line}")


@click.command("import-xref")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--partial", is_flag=True, help="Commit the valid rows even when some are rejected.")
@json_option
def import_xref_command(file: str, partial: bool, as_json: bool) -> None:
    """Import a cross-reference sheet: competitor brand and part, our SKU, grade, note (zh or en headers).

    Grades: drop-in (直接替代), functional (功能替代), similar (相似/参考). A file with rejected rows
    (unknown SKU, brand or grade) changes nothing unless --partial is given; exit code 1 then.

    \b
    Example:
      jbp catalog import-xref sample_data/xref.csv
    """
    from jbp.catalog.substitution import import_xrefs
    from jbp.cli.catalog import _print_import_report

    report = import_xrefs(current_workspace().store, Path(file), partial=partial)
    if as_json:
        emit_json(report.as_dict())
    else:
        _print_import_report(report)
    if report.status == "rejected":
        raise SystemExit(1)
