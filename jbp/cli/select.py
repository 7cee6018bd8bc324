"""`jbp select`: parametric selection (选型) over a category's parameters."""

from __future__ import annotations

import os

import click

from jbp.cli.context import current_workspace, json_option
from jbp.cli.output import echo_table, emit_json

# Selection does no linear algebra, and OpenBLAS starts a spinning thread per core when numpy loads: on two
# cores that took 0.06-0.09 s of CPU from a process that has 0.6 s. (Set before numpy loads; yours wins.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@click.command("select")
@click.option("--category", required=True, help="Category: code, zh or en name.")
@click.option("--where", "conditions", multiple=True, metavar="CONDITION",
              help='NAME OP VALUE, e.g. "rated_current>=9A", "poles in (3P,4P)", "supply_voltage=24V"; '
                   "repeat to combine (all must hold).")
@click.option("--sort", help="A parameter, price, stock or sku; prefix - for descending (--sort=-price).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=0), help="Products per page.")
@click.option("--offset", default=0, show_default=True, type=click.IntRange(min=0), help="Products to skip.")
@click.option("--facets", is_flag=True, help="Also list, per parameter, the values still available, with counts.")
@json_option
def select_command(category: str, conditions: tuple[str, ...], sort: str | None, limit: int, offset: int,
                   facets: bool, as_json: bool) -> None:
    """Select a category's products by their parameters; units are understood (9000mA = 9A).

    A range-valued parameter (a sensor rated 10..30 V) matches a value it covers; NAME=10..30V on a
    numeric parameter means within. Missing values never match. Facets count each parameter's values
    under the other conditions (not its own), as a selection screen shows them.

    \b
    Example:
      jbp select --category contactor --where "rated_current>=9A" --where "coil_voltage=220VAC"
      jbp select --category 电感式接近开关 --where "工作电压=24V" --where "output_type in (NPN, PNP)" --facets
      jbp select --category bearing_deep_groove --where "bore=20mm" --sort=-dynamic_load --json
    """
    from jbp.catalog.selection import select

    result = select(current_workspace(), category, conditions, sort=sort, limit=limit, offset=offset,
                    facets=facets)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if as_json:
        emit_json(result)
        return
    _print_selection(result)


def _print_selection(result) -> None:
    name = " ".join(n for n in (result.name_zh, result.name_en) if n)
    conditions = f" matching {'; '.join(result.where)}" if result.where else ""
    shown = f"{result.offset + 1}-{result.offset + len(result.products)}" if result.products else "none"
    click.echo(f"{result.category} ({name}): {result.total} products{conditions} (showing {shown}"
               f"{', sorted by ' + result.sort if result.sort else ''})")
    if result.products:
        codes = [c.code for c in result.columns]
        echo_table([(p.brand, p.sku, _price(p.price), p.stock, *(p.values[c] for c in codes))
                    for p in result.products], ["brand", "SKU", "price CNY", "stock", *codes])
    for facet in result.facets or ():
        values = "  ".join(f"{v.label} ({v.count})" for v in facet.values) or "-"
        extras = [f"other {facet.other}"] if facet.other else []
        extras += [f"missing {facet.missing}"] if facet.missing else []
        own = " [own condition ignored]" if facet.filtered else ""
        click.echo(f"\n{facet.parameter} {facet.name_zh or ''}{own}: {values}"
                   + (f"  ({', '.join(extras)})" if extras else ""))


def _price(price) -> str:
    return "" if price is None else f"{price.normalize():f}"
