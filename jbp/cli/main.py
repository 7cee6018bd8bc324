"""The `jbp` command: global options, error handling and lazily loaded command groups.

Command modules are imported only when their command runs, so `jbp --help` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import click

from jbp import __version__
from jbp.errors import JbpError

# command name -> ("module:attribute", one-line help); each module holds one area's commands, and the
# help line lets `jbp --help` list them without importing any of them.
COMMANDS = {
    "init": ("jbp.cli.workspace:init_command", "Create a workspace."),
    "info": ("jbp.cli.workspace:info_command", "Show the workspace, its database and row counts."),
    "db": ("jbp.cli.workspace:db_group", "Database maintenance (schema upgrade)."),
    "catalog": ("jbp.cli.catalog:catalog_group", "The product database: definitions, imports, quality, export."),
    "search": ("jbp.cli.search:search_command", "Search products by words and part numbers."),
    "index": ("jbp.cli.search:index_group", "Rebuild the search and selection indexes."),
    "select": ("jbp.cli.select:select_command", "Parametric selection (选型) with facets."),
    "substitute": ("jbp.cli.substitute:substitute_command", "Graded, explained alternatives for a part (替换)."),
    "model": ("jbp.cli.model:model_group", "3D models per product: add, check, export, preview."),
    "bom": ("jbp.cli.bom:bom_group", "BOM ordering (BOM下单): quote a buyer's BOM, turn it into an order."),
    "tiers": ("jbp.cli.tiers:tiers_group", "JBP tier programs, assignment, entitlements and reviews."),
    "jbp": ("jbp.cli.jbp_agreements:jbp_group", "JBP agreements: add, import, show."),
    "report": ("jbp.cli.report:report_group", "Reports (the JBP report)."),
    "crm": ("jbp.cli.crm:crm_group", "Private-domain customers: tags, segments, campaigns (私域运营)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name][0].split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])


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
