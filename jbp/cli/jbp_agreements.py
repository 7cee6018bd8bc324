"""`jbp jbp agreement …`: recording and showing Joint Business Plan agreements."""

from __future__ import annotations

import click

from jbp.cli.context import current_workspace, json_option, now_option, parse_now
from jbp.cli.output import echo_table, emit_json


@click.group("jbp")
def jbp_group() -> None:
    """Joint Business Plans: agreements between a brand and the platform."""


@jbp_group.group("agreement")
def agreement_group() -> None:
    """JBP agreements: period, commitments of both sides, quarterly KPI targets."""


@agreement_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--by", default="", help="Who records it.")
@now_option
@json_option
def import_command(file: str, by: str, now_text: str | None, as_json: bool) -> None:
    """Record the agreements of a TOML file (one, or several as [[agreements]]) and assign their tiers.

    Re-importing an unchanged agreement changes nothing; a changed one replaces it and is placed again.

    \b
    Example:
      jbp jbp agreement import sample_data/jbp_chnt_2026.toml --by 李娜
    """
    from jbp.tiers import read_agreements_file, record_agreements

    recorded = record_agreements(current_workspace().store, read_agreements_file(file), parse_now(now_text), by)
    _print_recorded(recorded, as_json)


@agreement_group.command("add")
@click.option("--code", required=True, help="Agreement reference, e.g. JBP-CHNT-2026.")
@click.option("--brand", required=True, help="Brand code or name.")
@click.option("--start", required=True, help="First day, e.g. 2026-07-01.")
@click.option("--end", required=True, help="Last day, e.g. 2027-06-30.")
@click.option("--signed", required=True, help="Signing date.")
@click.option("--currency", default="CNY", show_default=True)
@click.option("--investment", help="Committed annual investment, e.g. 600万元.")
@click.option("--annual-gmv", help="Committed annual GMV, e.g. 8000万.")
@click.option("--completeness", help="Committed catalog completeness, e.g. 95%.")
@click.option("--model3d", help="Committed 3D model coverage, e.g. 60%.")
@click.option("--target", "targets", multiple=True, metavar="QUARTER:KPI=VALUE",
              help="A quarterly KPI target, e.g. 2026Q3:gmv=1800万 (repeatable).")
@click.option("--signatory", default="", help="The brand's signatory.")
@click.option("--manager", default="", help="The platform's account manager.")
@click.option("--by", default="", help="Who records it.")
@now_option
@json_option
def add_command(code: str, brand: str, start: str, end: str, signed: str, currency: str, investment: str | None,
                annual_gmv: str | None, completeness: str | None, model3d: str | None, targets: tuple[str, ...],
                signatory: str, manager: str, by: str, now_text: str | None, as_json: bool) -> None:
    """Record one agreement from options and assign the brand's tier by the program's criteria.

    \b
    Example:
      jbp jbp agreement add --code JBP-DELIXI-2026 --brand DELIXI --start 2026-07-01 --end 2027-06-30 \\
          --signed 2026-06-25 --investment 200万 --annual-gmv 2000万 --completeness 80% \\
          --target 2026Q3:gmv=450万 --target 2026Q3:orders=300
    """
    from jbp.tiers import agreement_from_table, record_agreements

    commitments = {key: value for key, value in (("committed_investment", investment), ("gmv", annual_gmv),
                                                 ("catalog_completeness", completeness),
                                                 ("model3d_coverage", model3d)) if value}
    table = {"code": code, "brand": brand, "start": start, "end": end, "signed": signed, "currency": currency,
             "brand_signatory": signatory, "account_manager": manager, "commitments": commitments,
             "targets": _targets(targets)}
    agreement = agreement_from_table(table, "")
    _print_recorded(record_agreements(current_workspace().store, [agreement], parse_now(now_text), by), as_json)


def _targets(options: tuple[str, ...]) -> dict:
    targets: dict[str, dict[str, str]] = {}
    for option in options:
        quarter, sep, rest = option.partition(":")
        kpi, eq, value = rest.partition("=")
        if not (sep and eq and quarter and kpi and value):
            raise click.BadParameter(f"{option!r}: write QUARTER:KPI=VALUE, e.g. 2026Q3:gmv=1800万",
                                     param_hint="--target")
        targets.setdefault(quarter.strip(), {})[kpi.strip()] = value.strip()
    return targets


def _print_recorded(recorded, as_json: bool) -> None:
    if as_json:
        emit_json(recorded)
        return
    for item in recorded:
        state = "recorded" if item.changed else "unchanged"
        click.echo(f"{item.code} ({item.brand}): {state}; tier {item.level}")
        for reason in item.reasons:
            click.echo(f"  - {reason}")


@agreement_group.command("show")
@click.option("--brand", required=True, help="Brand code or name.")
@json_option
def show_command(brand: str, as_json: bool) -> None:
    """A brand's agreements: period, commitments, quarterly targets, pledges and initiatives.

    \b
    Example:
      jbp jbp agreement show --brand CHNT
    """
    from jbp.tiers import agreements_for
    from jbp.tiers.kpis import KPIS, format_value
    from jbp.tiers.program import CRITERIA

    agreements = agreements_for(current_workspace().store, brand)
    if as_json:
        emit_json(agreements)
        return
    if not agreements:
        click.echo(f"{brand}: no agreements (the brand is at the unsigned level)")
    for agreement in agreements:
        click.echo(f"{agreement.code}: {agreement.brand} {agreement.starts_on} – {agreement.ends_on}, signed "
                   f"{agreement.signed_on} ({agreement.brand_signatory or '-'} / {agreement.account_manager or '-'})")
        for code, value in agreement.commitments.items():
            click.echo(f"  {CRITERIA[code].name_en}: {format_value(value, CRITERIA[code].unit, agreement.currency)}")
        quarters = sorted(agreement.targets)
        if quarters:
            echo_table([[KPIS[k].name_en] + [format_value(agreement.targets[q].get(k), KPIS[k].unit,
                                                          agreement.currency) for q in quarters]
                        for k in KPIS if any(k in agreement.targets[q] for q in quarters)], ["KPI", *quarters])
        for pledge in agreement.pledges:
            click.echo(f"  {pledge.party} pledges{' for ' + pledge.quarter if pledge.quarter else ''}: {pledge.text}")
        for initiative in agreement.initiatives:
            click.echo(f"  initiative: {initiative.title} ({initiative.owner}, {initiative.status}"
                       f"{', due ' + initiative.due.isoformat() if initiative.due else ''})")
        click.echo("")
