"""`jbp report …`: documents handed to people (the JBP report)."""

from __future__ import annotations

import click

from jbp.cli.context import current_workspace, now_option, parse_now


@click.group("report")
def report_group() -> None:
    """Reports for brands and account managers."""


@report_group.command("jbp")
@click.option("--brand", required=True, help="Brand code or name.")
@click.option("--period", required=True, help="Quarter, e.g. 2026Q3.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="report.html, report.pdf or report.xlsx.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@now_option
def jbp_report_command(brand: str, period: str, output: str, lang: str, now_text: str | None) -> None:
    """The JBP report of a brand's quarter: parties and tier, scorecard (targets, actuals, last period,
    red/amber/green), trends, entitlements used, initiatives, gaps, next quarter and tier outlook.

    HTML opens offline; PDF needs a font with Chinese characters (Debian: fonts-wqy-microhei).

    \b
    Example:
      jbp report jbp --brand CHNT --period 2026Q3 -o chnt_2026q3.pdf
      jbp report jbp --brand CHNT --period 2026Q3 --lang en -o chnt_2026q3.xlsx
    """
    from jbp.tiers import build_report, write_report

    report = build_report(current_workspace().store, brand, period, parse_now(now_text), lang)
    path = write_report(report, output)
    click.echo(f"wrote {path} ({report.brand_code} {report.period}, tier {report.tier['code']})")
