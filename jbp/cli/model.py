"""`jbp model …`: attach 3D models to products, check them against the datasheet, export and preview them."""

from __future__ import annotations

from pathlib import Path

import click

from jbp.cli.context import current_workspace, json_option
from jbp.cli.output import echo_table, emit_json, progress

brand_option = click.option("--brand", help="Brand of the SKU, where several brands use it.")
units_option = click.option("--units", "assume_units", type=click.Choice(["mm", "cm", "m", "in"]),
                            help="Unit the file is drawn in (default: declared by the file, else guessed "
                                 "from the datasheet).")
_STATUS_WORDS = {"attached": "attached", "replaced": "replaced its model", "unchanged": "unchanged (same file)",
                 "reread": "re-read in the given unit"}
_ORIGIN_WORDS = {"file": "by `jbp model add`", "catalog": "from a catalog's CAD reference"}


@click.group("model")
def model_group() -> None:
    """3D models of products (STEP, STL, OBJ, PLY, OFF, glTF/GLB, 3MF): stored once per content in the
    workspace, checked against the datasheet, exported and previewed."""


@model_group.command("add")
@click.argument("sku")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@brand_option
@units_option
@json_option
def add_command(sku: str, file: str, brand: str | None, assume_units: str | None, as_json: bool) -> None:
    """Attach the model FILE to the product SKU (replacing its model, if it has one).

    An unknown SKU or an unreadable file stores nothing. The same file attached to many SKUs is
    stored once. Datasheet disagreements are printed but do not stop the attachment (see `model check`).

    \b
    Example:
      jbp model add HGT-6205 6205.step
      jbp model add 6205 bearing.stl --brand HGT --units in
    """
    from jbp.catalog.models3d import add_model

    result = add_model(current_workspace(), sku, file, brand=brand, assume_units=assume_units)
    if as_json:
        emit_json(result)
        return
    facts = result.facts
    stored = "new model" if result.new_model else "already stored"
    click.echo(f"{result.brand} {result.sku}: {_STATUS_WORDS[result.status]} — {Path(file).name} "
               f"({facts.format}, {facts.faces:,} faces, {_size(facts.extents_mm)}; {stored} "
               f"{result.model_sha256[:12]})")
    if result.status == "replaced":
        click.echo(f"the previous model {result.previous_sha256[:12]} stays stored "
                   f"(still used by {result.previous_still_used_by} products)")
    _print_findings(result.findings)


@model_group.command("add-dir")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--match", "pattern", default="{sku}.*", show_default=True,
              help="File name pattern naming the SKU: * any characters, ? one; matched against the path "
                   "inside FOLDER.")
@brand_option
@units_option
@json_option
def add_dir_command(folder: str, pattern: str, brand: str | None, assume_units: str | None, as_json: bool) -> None:
    """Attach every model file in FOLDER to the SKU its name names.

    Files that do not match are skipped; a bad file or an unknown SKU is reported and the rest go in.
    Exit code 1 when any matching file could not be attached.

    \b
    Example:
      jbp model add-dir sample_data/models --match "{sku}.stl"
      jbp model add-dir cad/ --match "3D_{sku}_*.step" --brand HGT --json
    """
    from jbp.catalog.models3d import add_models_from_dir

    with progress(f"Attaching models from {Path(folder).name}") as advance:
        report = add_models_from_dir(current_workspace(), folder, match=pattern, brand=brand,
                                     assume_units=assume_units, progress=advance)
    if as_json:
        emit_json(report)
    else:
        click.echo(f"{report.files} files, {report.matched} matching {report.pattern!r}: {report.attached} "
                   f"attached, {report.replaced} replaced, {report.unchanged} unchanged, {report.reread} re-read; "
                   f"{report.new_models} new models stored, {report.already_stored} files were stored already")
        for result in report.results:
            _print_findings(result.findings, heading=f"{result.brand} {result.sku}")
        if report.problems:
            click.echo("")
            echo_table([(Path(p.file).name, p.error) for p in report.problems], ["file", "not attached"])
    if report.problems:
        raise SystemExit(1)


@model_group.command("show")
@click.argument("sku")
@brand_option
@json_option
def show_command(sku: str, brand: str | None, as_json: bool) -> None:
    """Show the model of SKU: file, size, facts, parts, and how it compares with the datasheet.

    \b
    Example:
      jbp model show HGT-6205
    """
    from jbp.catalog.models3d import show_model

    model = show_model(current_workspace(), sku, brand=brand)
    if as_json:
        emit_json(model)
        return
    facts = model.facts
    volume = f"{facts.volume_mm3:,.1f} mm³" if facts.volume_mm3 is not None else "unknown (not closed)"
    lines = [
        ("product", f"{model.brand} {model.sku} ({model.category})"),
        ("file", f"{model.original_name} ({model.format}, {model.size_bytes:,} bytes)"),
        ("stored as", f"{model.sha256} (used by {model.used_by} product{'s' if model.used_by > 1 else ''})"),
        ("attached", f"{model.attached_at:%Y-%m-%d %H:%M}, {_ORIGIN_WORDS[model.origin]}"),
        ("size", _size(facts.extents_mm)),
        ("faces", f"{facts.faces:,} ({facts.vertices:,} vertices), {'closed' if facts.watertight else 'open'}"),
        ("volume", volume),
        ("units", f"{facts.source_units} ({facts.units_source}: {facts.units_reason})"),
        ("original", model.original_path),
        ("web GLB", model.glb_path),
    ]
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        click.echo(f"{label:<{width}}  {value}")
    if len(facts.parts) > 1:
        click.echo(f"\n{len(facts.parts)} parts:")
        echo_table([(p.name, p.faces, "yes" if p.watertight else "no") for p in facts.parts],
                   ["part", "faces", "closed"])
    if model.expected_mm:
        click.echo("\ndatasheet: " + ", ".join(f"{name} {value:g} mm" for name, value in model.expected_mm.items()))
    _print_findings(model.findings, heading=f"checks: {model.status}", everything=True)


@model_group.command("check")
@click.argument("skus", nargs=-1)
@click.option("--all", "include_missing", is_flag=True,
              help="Check every product in scope; those without a model are listed as missing.")
@brand_option
@click.option("--category", help="Only this category (code, zh or en name).")
@click.option("--tolerance", type=click.FloatRange(min=0, min_open=True),
              help="Relative tolerance of dimensions (default: [models] tolerance in jbp.toml, else 0.05).")
@click.option("--limit", type=click.IntRange(min=0), default=200, show_default=True,
              help="Most problems to list (0: all); the rest are counted.")
@click.option("--strict", is_flag=True, help="Exit with code 1 when any model has an error.")
@json_option
def check_command(skus: tuple[str, ...], include_missing: bool, brand: str | None, category: str | None,
                  tolerance: float | None, limit: int, strict: bool, as_json: bool) -> None:
    """Check stored models against their datasheets and themselves.

    Lists every SKU whose model disagrees with a dimension parameter of its category (outer diameter,
    width, length…), is empty, open (not watertight) or absurdly sized — and, with --all, every SKU
    with no model. Errors: a dimension mismatch, an empty or implausibly sized model. Warnings: an open
    mesh, a unit that looks misread, a missing model. The exit code is 0 whatever was found, unless
    --strict is given and a model has an error.

    \b
    Example:
      jbp model check
      jbp model check --all --category bearing_deep_groove --json
      jbp model check HGT-6205 HGT-6305 --strict
    """
    from jbp.catalog.models3d import check_models

    report = check_models(current_workspace(), skus=skus, brand=brand, category=category,
                          include_missing=include_missing, tolerance=tolerance, limit=limit or None)
    if as_json:
        emit_json(report)
    else:
        click.echo(f"{report.checked} products checked ({report.with_model} with a model, {report.missing} "
                   f"without): {report.ok} ok, {report.with_errors} with errors, {report.with_warnings} with "
                   f"warnings (tolerance {report.tolerance:.0%})")
        for problem in report.problems:
            _print_findings(problem.findings, heading=f"{problem.brand} {problem.sku} ({problem.category})")
        if report.omitted:
            click.echo(f"… and {report.omitted} more products with problems (--limit 0 lists all)")
    if strict and report.has_errors:
        raise SystemExit(1)


@model_group.command("export")
@click.argument("sku")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--format", "fmt", type=click.Choice(["glb", "stl", "obj", "original"]),
              help="Default: from -o's suffix. GLB is in metres (glTF's unit), STL and OBJ in mm.")
@brand_option
def export_command(sku: str, output: str, fmt: str | None, brand: str | None) -> None:
    """Write the model of SKU as GLB, STL or OBJ, or the original file as it was added.

    \b
    Example:
      jbp model export HGT-6205 -o 6205.glb
      jbp model export HGT-6205 --format original -o 6205-original.stl
    """
    from jbp.catalog.models3d import export_product_model

    if fmt is None:
        fmt = Path(output).suffix.lower().lstrip(".")
        if fmt not in ("glb", "stl", "obj"):
            raise click.UsageError(f"cannot tell the format from {output!r}: pass --format glb|stl|obj|original")
    path = export_product_model(current_workspace(), sku, fmt, output, brand=brand)
    click.echo(f"wrote {path} ({fmt}, {path.stat().st_size:,} bytes)")


@model_group.command("preview")
@click.argument("sku")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="PNG file to write.")
@click.option("--size", type=click.IntRange(32, 2048), default=512, show_default=True, help="Width and height.")
@brand_option
def preview_command(sku: str, output: str, size: int, brand: str | None) -> None:
    """Draw a shaded PNG thumbnail of the model of SKU (cached per model and size).

    \b
    Example:
      jbp model preview HGT-6205 -o 6205.png --size 256
    """
    from jbp.catalog.models3d import preview_product_model

    result = preview_product_model(current_workspace(), sku, output, size=size, brand=brand)
    click.echo(f"wrote {result.path} ({result.size}×{result.size}{', from the cache' if result.cached else ''})")


def _size(extents) -> str:
    return " × ".join(f"{extent:g}" for extent in extents) + " mm"


def _print_findings(findings, heading: str | None = None, everything: bool = False) -> None:
    """Findings one per line under an optional heading; info findings (agreements) only if `everything`."""
    shown = [f for f in findings if everything or f.severity != "info"]
    if shown and heading:
        click.echo(f"\n{heading}")
    for finding in shown:
        click.echo(f"{'  ' if heading else ''}{finding.severity:<7}  {finding.message}")
