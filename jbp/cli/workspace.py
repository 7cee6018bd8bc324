"""`jbp init`, `jbp info`, `jbp db upgrade`: creating, describing and upgrading a workspace."""

from __future__ import annotations

import click

from jbp.cli.context import current_workspace, json_option
from jbp.cli.output import echo_table, emit_json
from jbp.store import SCHEMA_VERSION, Store, mask_url
from jbp.workspace import init_workspace


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--db", "db_url", help="Database URL (default: SQLite inside the workspace).")
def init_command(directory: str, db_url: str | None) -> None:
    """Create a workspace in DIRECTORY (jbp.toml, database, index/, blobs/, outbox/).

    \b
    Example:
      jbp init shop
      jbp init team --db postgresql://jbp:secret@db.example/jbp
    """
    workspace = init_workspace(directory, db_url)
    click.echo(f"Created workspace {workspace.root} (database {mask_url(workspace.db_url)}, "
               f"schema version {SCHEMA_VERSION})")


@click.command("info")
@json_option
def info_command(as_json: bool) -> None:
    """Show the workspace, its database (password masked) and the rows in each table.

    \b
    Example:
      jbp info --json
    """
    workspace = current_workspace()
    store = workspace.store
    document = {"workspace": str(workspace.root), "database": mask_url(workspace.db_url),
                "dialect": store.dialect, "schema_version": store.version(), "counts": store.counts()}
    if as_json:
        emit_json(document)
        return
    click.echo(f"Workspace: {document['workspace']}")
    click.echo(f"Database:  {document['database']} (schema version {document['schema_version']})")
    echo_table(sorted(document["counts"].items()), ["table", "rows"])


@click.group("db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command("upgrade")
def db_upgrade_command() -> None:
    """Bring the workspace database to this jbp's schema version (forward migrations).

    \b
    Example:
      jbp db upgrade
    """
    workspace = current_workspace()
    store = Store(workspace.db_url)
    steps = store.upgrade()
    for step in steps:
        click.echo(f"applied {step}")
    click.echo(f"schema version {store.version()}" + ("" if steps else " (already current)"))
