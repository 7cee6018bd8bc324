"""What every command needs from the command line's context: the workspace and its store."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from jbp.workspace import Workspace

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")


def current_workspace() -> Workspace:
    from jbp.workspace import find_workspace  # SQLAlchemy loads only when a command needs the store

    ctx = click.get_current_context()
    return find_workspace(ctx.find_root().obj.get("workspace_dir"))


def parse_now(value: str | None) -> datetime:
    """`--now` as given (ISO date or date-time), else the current time to the second."""
    if not value:
        return datetime.now().replace(microsecond=0)
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date or date-time (2026-10-08 or 2026-10-08T09:30)",
                                 param_hint="--now") from None


now_option = click.option("--now", "now_text", metavar="ISO", help="The moment to act at (default: now).")
