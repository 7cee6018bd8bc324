"""`jbp search …` (full-text search of the catalog) and `jbp index rebuild` (the derived indexes)."""

from __future__ import annotations

import click

from jbp.cli.context import current_workspace, json_option
from jbp.cli.output import echo_table, emit_json, progress


@click.command("search")
@click.argument("query")
@click.option("--brand", help="Only this brand (code, zh or en name).")
@click.option("--category", help="Only this category and those below it (code, zh or en name).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="How many hits to show.")
@click.option("--engine", type=click.Choice(["fts5", "whoosh"]), help="Search engine (default: jbp.toml [search]).")
@json_option
def search_command(query: str, brand: str | None, category: str | None, limit: int, engine: str | None,
                   as_json: bool) -> None:
    """Find products by part number or words: SKU/MPN as typed (case, spaces, dashes, dots and slashes
    ignored; prefixes and fragments found), zh/en names, description, brand, series, category.

    Exact SKU/MPN hits come first, then part numbers starting with or containing the query, then
    word matches by relevance. A part number that finds nothing gets "did you mean" suggestions.

    \b
    Example:
      jbp search lc1-d09
      jbp search 交流接触器 --brand 正泰 --limit 5
      jbp search "deep groove bearing 6205" --category bearings --json
    """
    from jbp.catalog.textsearch import search

    result = search(current_workspace(), query, brand=brand, category=category, limit=limit, engine=engine)
    if as_json:
        emit_json(result)
        return
    if result.hits:
        echo_table([(h.match, h.brand, h.sku, h.mpn, h.name_zh or h.name_en, h.name_en if h.name_zh else None,
                     h.category) for h in result.hits],
                   ["match", "brand", "SKU", "MPN", "name", "English name", "category"])
        if result.more:
            click.echo(f"more than {len(result.hits)} products match: raise --limit or narrow with --brand/--category")
    else:
        click.echo(f"no products match {result.query!r}")
    if result.did_you_mean:
        click.echo(f"did you mean: {', '.join(result.did_you_mean)}?")


@click.group("index")
def index_group() -> None:
    """The derived indexes (search, selection): rebuilt from the store at any time, updated by imports."""


@index_group.command("rebuild")
@json_option
def rebuild_command(as_json: bool) -> None:
    """Recreate every index from the store (after a restore, a crash, or switching the search engine).

    Searches keep answering from the old index until the new one is complete.

    \b
    Example:
      jbp index rebuild
      jbp index rebuild --json
    """
    from jbp.catalog.indexes import INDEX_KINDS, rebuild_indexes

    workspace = current_workspace()
    products = workspace.store.counts().get("products", 0)
    with progress("Rebuilding indexes", products * len(INDEX_KINDS)) as advance:
        report = rebuild_indexes(workspace, progress=advance)
    if as_json:
        emit_json(report)
        return
    for kind, figures in report.items():
        details = ", ".join(f"{key} {_figure(key, value)}" for key, value in figures.items())
        click.echo(f"{kind}: {details}")


def _figure(key: str, value) -> str:
    if key == "size_bytes" and isinstance(value, int):
        return f"{value / 1e6:.1f} MB"
    if key == "seconds":
        return f"{value:.1f} s"
    return str(value)
