"""What every command needs from the command line's context: the workspace and its store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from jbp.workspace import Workspace

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")


def current_workspace() -> Workspace:
    from jbp.workspace import find_workspace  # SQLAlchemy loads only when a command needs the store

    ctx = click.get_current_context()
    return find_workspace(ctx.find_root().obj.get("workspace_dir"))
