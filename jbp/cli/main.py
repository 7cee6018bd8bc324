"""The `jbp` command: global options, error handling and lazily loaded command groups.

Command modules are imported only when their command runs, so `jbp --help` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import click

from jbp import __version__
from jbp.errors import JbpError

# command name -> "module:attribute"; each module holds one area's commands
COMMANDS = {
    "init": "jbp.cli.workspace:init_command",
    "info": "jbp.cli.workspace:info_command",
    "db": "jbp.cli.workspace:db_group",
    "catalog": "jbp.cli.catalog:catalog_group",
    "search": "jbp.cli.search:search_command",
    "index": "jbp.cli.search:index_group",
    "select": "jbp.cli.select:select_command",
    "substitute": "jbp.cli.substitute:substitute_command",
    "bom": "jbp.cli.bom:bom_group",
    "tiers": "jbp.cli.tiers:tiers_group",
    "jbp": "jbp.cli.jbp_agreements:jbp_group",
    "crm": "jbp.cli.crm:crm_group",
    "report": "jbp.cli.report:report_group",
    "model": "jbp.cli.model:model_group",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("-w", "--workspace", "workspace_dir", type=click.Path(file_okay=False),
              envvar="JBP_WORKSPACE", help="Workspace folder (default: found upward from here).")
@click.version_option(__version__, prog_name="jbp")
@click.pass_context
def cli(ctx: click.Context, workspace_dir: str | None) -> None:
    """jbp — product data, selection, substitution, 3D models and BOM ordering for industrial brands.

    \b
    Example:
      jbp init shop && cd shop
      jbp catalog define ../sample_data/categories.toml
      jbp catalog import ../sample_data/chnt_catalog.xlsx
      jbp catalog quality
    """
    ctx.obj = {"workspace_dir": workspace_dir}


def main(argv: list[str] | None = None) -> None:
    """Entry point: JbpError -> message and exit code 1; usage errors exit 2 (click's own)."""
    try:
        cli.main(args=argv, prog_name="jbp", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except JbpError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
