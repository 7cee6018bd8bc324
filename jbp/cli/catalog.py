"""`jbp catalog …`: declare definitions, import, check quality, export."""

from __future__ import annotations

from pathlib import Path

import click

from jbp.cli.context import current_workspace, json_option
from jbp.cli.output import echo_table, emit_json, progress


@click.group("catalog")
def catalog_group() -> None:
    """The product database: definitions, imports, quality, export."""


@catalog_group.command("define")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@json_option
def define_command(file: str, as_json: bool) -> None:
    """Declare brands, categories and parameter definitions from a TOML file.

    \b
    Example:
      jbp catalog define sample_data/categories.toml
    """
    from jbp.catalog.definitions import define

    report = define(current_workspace().store, file)
    if as_json:
        emit_json(report)
    else:
        click.echo(f"{report.brands} brands ({report.brands_changed} new or changed), {report.categories} "
                   f"categories ({report.categories_changed} new or changed)")


@catalog_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--sheet", help="Import only this sheet.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False), help="Mapping file (TOML).")
@click.option("--brand", "default_brand", help="Brand for rows that name none.")
@click.option("--category", "default_category", help="Category for rows that name none.")
@click.option("--partial", is_flag=True, help="Commit the valid rows even when some are rejected.")
@click.option("--dry-run", is_flag=True, help="Validate and compare; write nothing.")
@click.option("--show-mapping", is_flag=True, help="Print how the columns were understood; import nothing.")
@json_option
def import_command(file: str, sheet: str | None, mapping: str | None, default_brand: str | None,
                   default_category: str | None, partial: bool, dry_run: bool, show_mapping: bool,
                   as_json: bool) -> None:
    """Import a catalog file (xlsx, xls, ods, csv, BMEcat XML, jbp JSON, Octopart CPL YAML) in one transaction.

    A file with rejected rows changes nothing unless --partial is given. Exit code 1 when rows were
    rejected and nothing was imported.

    \b
    Example:
      jbp catalog import sample_data/chnt_catalog.xlsx
      jbp catalog import supplier.csv --show-mapping
      jbp catalog import big.xml --dry-run --json
    """
    from jbp.catalog.importing import ImportOptions, import_catalog
    from jbp.catalog.indexes import indexers_for
    from jbp.catalog.layout import describe_layout

    workspace = current_workspace()
    store = workspace.store
    if show_mapping:
        layouts = describe_layout(store, file, mapping, sheet)
        if as_json:
            emit_json(layouts)
            return
        for layout in layouts:
            if "columns" not in layout:
                click.echo(layout["note"])
                continue
            click.echo(f"{layout['file']} sheet {layout['sheet'] or '-'}: header in row {layout['header_row']}")
            echo_table([(c["column"], c["header"], c["target"]) for c in layout["columns"]],
                       ["column", "header", "read as"])
        return
    options = ImportOptions(partial=partial, dry_run=dry_run, mapping=Path(mapping) if mapping else None,
                            sheet=sheet, default_brand=default_brand, default_category=default_category)
    with progress(f"Importing {Path(file).name}") as advance:
        report = import_catalog(store, file, options, progress=advance, indexers=indexers_for(workspace))
    models = None
    if report.status == "committed" and report.changed_ids:
        from jbp.catalog.models3d import attach_referenced_models

        models = attach_referenced_models(workspace, file, report.changed_ids)
    if as_json:
        emit_json({**report.as_dict(), **({"models3d": models} if models and models.products else {})})
    else:
        _print_import_report(report)
        if models and models.products:
            _print_referenced_models(models)
    if report.status == "rejected":
        raise SystemExit(1)


def _print_import_report(report) -> None:
    verdict = {"committed": "imported", "dry_run": "dry run, nothing written",
               "rejected": "NOTHING imported: rows were rejected (fix them, or pass --partial)"}[report.status]
    click.echo(f"{report.source} ({report.format}): {verdict}")
    echo_table([(report.created, report.updated, report.unchanged, report.rejected)],
               ["created", "updated", "unchanged", "rejected"])
    for line in report.derived:
        click.echo(f"created from the file: {line}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report.rejections:
        click.echo("")
        echo_table([(r.location.sheet or "", r.location.row, r.location.column or "", r.location.value or "",
                     r.reason) for r in report.rejections[:200]],
                   ["sheet", "row", "column", "value", "reason"])
        if report.rejected > 200:
            click.echo(f"… and {report.rejected - 200} more (use --json for all)")


def _print_referenced_models(models) -> None:
    click.echo(f"3D models: {models.products} products refer to CAD files, {models.files} found beside the catalog: "
               f"{models.attached} attached, {models.replaced} replaced, {models.unchanged} unchanged, "
               f"{models.kept} kept (attached by hand); {len(models.absent)} files absent, "
               f"{len(models.remote)} URLs not fetched")
    for problem in models.problems:
        click.echo(f"warning: 3D model {problem.reference} ({', '.join(problem.skus[:5])}): {problem.error}", err=True)


@catalog_group.command("quality")
@click.option("--category", help="Only this category (code, zh or en name).")
@click.option("--worst", default=20, show_default=True, help="How many of the worst SKUs to list.")
@json_option
def quality_command(category: str | None, worst: int, as_json: bool) -> None:
    """Digitisation completeness per category: parameters, prices, images, 3D models.

    \b
    Example:
      jbp catalog quality --category contactor
    """
    from jbp.catalog.quality import quality

    report = quality(current_workspace().store, category=category, worst=worst)
    if as_json:
        emit_json(report)
        return
    rows = [(c.category, c.name, c.skus, _pct(c.parameters), _pct(c.price), _pct(c.image), _pct(c.model3d),
             _pct(c.score)) for c in [*report.categories, report.total]]
    echo_table(rows, ["category", "name", "SKUs", "parameters", "price", "image", "3D", "score"])
    if report.worst:
        click.echo("\nWorst gaps:")
        echo_table([(g.brand, g.sku, g.category, _pct(g.score), ", ".join(g.missing)) for g in report.worst],
                   ["brand", "SKU", "category", "score", "missing"])


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


@catalog_group.command("export")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "json"]), help="Default: from -o's suffix.")
@click.option("--category", help="Only this category.")
@click.option("--brand", help="Only this brand.")
def export_command(output: str, fmt: str | None, category: str | None, brand: str | None) -> None:
    """Export the catalog; the file imports back unchanged.

    \b
    Example:
      jbp catalog export -o catalog.xlsx
      jbp catalog export --format json -o catalog.json --brand CHNT
    """
    from jbp.catalog.export import export_catalog

    try:
        report = export_catalog(current_workspace().store, output, fmt, category=category, brand=brand)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"wrote {report.products} products to {report.path} ({report.format})")


# `catalog import-xref` lives with substitution, the feature cross-references serve.
from jbp.cli.substitute import import_xref_command  # noqa: E402

catalog_group.add_command(import_xref_command)
