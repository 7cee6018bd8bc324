"""What every command needs from the command line's context: the workspace and its store."""

from __future__ import annotations

import click

from jbp.workspace import Workspace, find_workspace

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")


def current_workspace() -> Workspace:
    ctx = click.get_current_context()
    return find_workspace(ctx.find_root().obj.get("workspace_dir"))
