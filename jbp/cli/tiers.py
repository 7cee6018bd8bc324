"""`jbp tiers …`: the tier program, a brand's tier and entitlements, overrides, usage and quarterly reviews."""

from __future__ import annotations

import click

from jbp.cli.context import current_workspace, json_option, now_option, parse_now
from jbp.cli.output import echo_table, emit_json

brand_option = click.option("--brand", required=True, help="Brand code, Chinese or English name.")


@click.group("tiers")
def tiers_group() -> None:
    """JBP tiers: the program, each brand's level and entitlements, quarterly reviews."""


@tiers_group.group("program")
def program_group() -> None:
    """The tier program: levels, entry criteria, entitlements."""


@program_group.command("show")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), help="A program file instead.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True)
@json_option
def program_show_command(path: str | None, lang: str, as_json: bool) -> None:
    """Show the program in force (or a file): levels, criteria ranges and each level's entitlements.

    \b
    Example:
      jbp tiers program show
      jbp tiers program show --lang zh --json
    """
    from jbp.tiers.program import CRITERIA, load_program, program_file_text, program_in_force

    if path:
        program = load_program(program_file_text(path), path)
    else:
        with current_workspace().store.reading() as conn:
            program = program_in_force(conn)
    if as_json:
        emit_json(_program_document(program))
        return
    name = program.name_zh if lang == "zh" else program.name_en
    click.echo(f"{name} ({program.code}), {program.source}")
    criteria = program.criteria_codes()
    rows = [[level.name(lang)] + [level.criteria[c].describe(CRITERIA[c].unit, program.currency)
                                  if c in level.criteria else "" for c in criteria] for level in program.levels]
    echo_table(rows, ["level"] + [CRITERIA[c].name(lang) for c in criteria])
    click.echo("")
    echo_table([[service.name(lang)] + [_grant_text(program, level, code, lang) for level in program.levels]
                for code, service in program.services.items()],
               ["service"] + [level.code for level in program.levels])


def _grant_text(program, level, service: str, lang: str) -> str:
    grant, definition = program.grant(level, service), program.service(service)
    if not grant.granted:
        return "-"
    if definition.kind == "value":
        return f"{grant.value:g} {definition.unit(lang)}"
    if definition.kind == "flag" or grant.quota is None:
        return "yes" if definition.kind == "flag" else "unlimited"
    return f"{grant.quota:,} {definition.unit(lang)}"


def _program_document(program) -> dict:
    return {"code": program.code, "name_zh": program.name_zh, "name_en": program.name_en, "source": program.source,
            "currency": program.currency, "amber": program.amber, "services": program.services,
            "levels": [{"code": level.code, "name_zh": level.name_zh, "name_en": level.name_en,
                        "criteria": {k: {"from": b.low, "below": b.high} for k, b in level.criteria.items()},
                        "entitlements": level.grants} for level in program.levels]}


@program_group.command("check")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@json_option
def program_check_command(file: str | None, as_json: bool) -> None:
    """Check a program file (default: the shipped one): overlapping or missing criteria ranges, undeclared
    services, levels granting less than the level below. Exit code 1 on errors.

    \b
    Example:
      jbp tiers program check my_program.toml
    """
    from jbp.tiers.program import DEFAULT_PROGRAM, check_program, program_file_text, read_program

    path = file or str(DEFAULT_PROGRAM)
    problems = check_program(read_program(program_file_text(path), path))
    if as_json:
        emit_json({"file": path, "problems": problems})
    elif problems:
        for problem in problems:
            click.echo(str(problem))
    else:
        click.echo(f"{path}: no problems")
    if any(p.severity == "error" for p in problems):
        raise SystemExit(1)


@program_group.command("use")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--by", default="", help="Who puts it in force.")
@now_option
def program_use_command(file: str, by: str, now_text: str | None) -> None:
    """Put a checked program in force for this workspace (levels already assigned keep until reassigned).

    \b
    Example:
      jbp tiers program use programs/2027.toml --by 李娜
    """
    from jbp.tiers.program import use_program

    program = use_program(current_workspace().store, file, parse_now(now_text), by)
    click.echo(f"program {program.code} is in force ({len(program.levels)} levels); "
               "run `jbp tiers assign --brand B` to place brands by its criteria")


@tiers_group.command("show")
@brand_option
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True)
@now_option
@json_option
def show_command(brand: str, lang: str, now_text: str | None, as_json: bool) -> None:
    """A brand's tier (with why) and what it is entitled to now, with this period's usage.

    \b
    Example:
      jbp tiers show --brand CHNT --now 2026-11-15
    """
    from jbp.tiers import current_tier, entitlements
    from jbp.tiers.assignment import describe_reasons
    from jbp.tiers.program import program_in_force

    store, now = current_workspace().store, parse_now(now_text)
    status = current_tier(store, brand, now)
    rights = entitlements(store, brand, now)
    with store.reading() as conn:
        program = program_in_force(conn)
    reasons = describe_reasons(program, status.reasons, lang)
    if as_json:
        emit_json({"brand": status.brand, "tier": status.level.code, "source": status.source,
                   "agreement": status.agreement["code"] if status.agreement else None, "decided_by": status.decided_by,
                   "why": status.why, "decided_at": status.decided_at, "reasons": reasons, "entitlements": rights})
        return
    agreement = f"agreement {status.agreement['code']}" if status.agreement else "no agreement in force"
    click.echo(f"{status.brand}: {status.level.name(lang)} ({status.level.code}), {status.source}, {agreement}")
    for reason in reasons:
        click.echo(f"  - {reason}")
    click.echo("")
    echo_table([(program.service(e.service).name(lang), "yes" if e.granted else "no",
                 _quota_text(e), f"{e.used:,}" if e.per else "", "" if e.remaining is None else f"{e.remaining:,}",
                 e.period if e.per else "") for e in rights], ["service", "granted", "quota", "used", "left", "period"])


def _quota_text(right) -> str:
    if right.value is not None:
        return f"{right.value:g}"
    if not right.per:
        return ""
    return "unlimited" if right.quota is None else f"{right.quota:,}"


@tiers_group.command("assign")
@brand_option
@click.option("--by", default="", help="Who asks for it.")
@now_option
def assign_command(brand: str, by: str, now_text: str | None) -> None:
    """Place a brand again by the program's criteria from its agreement in force (replacing an override).

    \b
    Example:
      jbp tiers assign --brand CHNT --by 李娜
    """
    from jbp.tiers import reassign
    from jbp.tiers.assignment import describe_reasons
    from jbp.tiers.program import program_in_force

    store = current_workspace().store
    status = reassign(store, brand, parse_now(now_text), by)
    with store.reading() as conn:
        program = program_in_force(conn)
    click.echo(f"{status.brand}: {status.level.code} ({status.source})")
    for reason in describe_reasons(program, status.reasons):
        click.echo(f"  - {reason}")


@tiers_group.command("override")
@brand_option
@click.option("--level", required=True, help="Level code (e.g. top, follower).")
@click.option("--by", required=True, help="Who decides.")
@click.option("--why", required=True, help="Why (kept in the history).")
@now_option
def override_command(brand: str, level: str, by: str, why: str, now_text: str | None) -> None:
    """Set a brand's level by hand; who and why are recorded in its history.

    \b
    Example:
      jbp tiers override --brand CHNT --level top --by 李娜 --why "strategic brand for the 2026 launch"
    """
    from jbp.tiers import override

    status = override(current_workspace().store, brand, level, by, why, parse_now(now_text))
    click.echo(f"{status.brand}: {status.level.code} (override by {status.decided_by}: {status.why})")


@tiers_group.command("history")
@brand_option
@json_option
def history_command(brand: str, as_json: bool) -> None:
    """Every tier decision of a brand: criteria assignments, overrides and review decisions.

    \b
    Example:
      jbp tiers history --brand CHNT
    """
    from jbp.tiers import review_history, tier_history

    store = current_workspace().store
    assignments, reviews = tier_history(store, brand), review_history(store, brand)
    if as_json:
        emit_json({"assignments": assignments, "reviews": reviews})
        return
    echo_table([(a["decided_at"], a["agreement"] or "", a["level"], a["source"], a["decided_by"] or "",
                 "; ".join(a["explained"])) for a in assignments],
               ["decided", "agreement", "level", "source", "by", "why"])
    if reviews:
        click.echo("")
        echo_table([(r["decided_at"], r["period"], r["level_before"], r["proposal"], r["decision"], r["level_after"],
                     r["decided_by"], r["why"] or "") for r in reviews],
                   ["decided", "period", "before", "proposal", "decision", "after", "by", "why"])


@tiers_group.command("use")
@brand_option
@click.option("--service", required=True, help="Service code (traffic_slots, training_seats, data_products, …).")
@click.option("--amount", type=int, default=1, show_default=True, help="How much (negative gives back).")
@click.option("--ref", required=True, help="What it was for (idempotent: the same ref counts once).")
@now_option
@json_option
def use_command(brand: str, service: str, amount: int, ref: str, now_text: str | None, as_json: bool) -> None:
    """Record a use of an entitlement (a booked slot, a training seat); refused past the quota.

    \b
    Example:
      jbp tiers use --brand CHNT --service traffic_slots --amount 2 --ref 2026-double11-banner
    """
    from jbp.tiers import use

    right = use(current_workspace().store, brand, service, amount, parse_now(now_text), ref)
    if as_json:
        emit_json(right)
        return
    left = "unlimited" if right.remaining is None else f"{right.remaining:,} left"
    click.echo(f"{right.brand} ({right.tier}): {service} {right.used:,} used in {right.period}, {left}")


@tiers_group.command("review")
@brand_option
@click.option("--period", required=True, help="Quarter, e.g. 2026Q3.")
@click.option("--decide", "decision", type=click.Choice(["accept", "keep", "promote", "demote"]),
              help="Record a decision (accept = the proposal).")
@click.option("--by", default="", help="Who decides (with --decide).")
@click.option("--why", default="", help="Why (with --decide).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True)
@now_option
@json_option
def review_command(brand: str, period: str, decision: str | None, by: str, why: str, lang: str,
                   now_text: str | None, as_json: bool) -> None:
    """Quarterly review: actuals against targets (red/amber/green), criteria against the level thresholds, and
    a proposal to keep, promote or demote. With --decide the decision and its figures are stored.

    \b
    Example:
      jbp tiers review --brand CHNT --period 2026Q3 --now 2026-10-08
      jbp tiers review --brand CHNT --period 2026Q3 --decide accept --by 李娜 --why "Q3 review meeting"
    """
    from jbp.tiers import decide, review
    from jbp.tiers.kpis import KPIS, format_value
    from jbp.tiers.labels import note_text
    from jbp.tiers.program import CRITERIA

    store, now = current_workspace().store, parse_now(now_text)
    result, stored = decide(store, brand, period, decision, by, why, now) if decision else (
        review(store, brand, period, now), None)
    currency = result.agreement.currency if result.agreement else result.program.currency
    if as_json:
        emit_json({"brand": result.brand["code"], "period": result.period, "tier": result.tier.level.code,
                   "agreement": result.agreement.code if result.agreement else None,
                   "scorecard": result.scorecard, "criteria": result.criteria, "proposal": result.proposal,
                   "proposed_level": result.proposed_level.code, "figures": result.actuals.figures,
                   "notes": [note_text(code, params, lang) for code, params in result.notes], "decision": stored})
        return
    click.echo(f"{result.brand['code']} {result.period}: tier {result.tier.level.code}, agreement "
               f"{result.agreement.code if result.agreement else '-'}")
    for code, params in result.notes:
        click.echo(f"note: {note_text(code, params, lang)}")
    echo_table([(KPIS[s.kpi].name(lang), format_value(s.target, KPIS[s.kpi].unit, currency),
                 format_value(s.actual, KPIS[s.kpi].unit, currency), format_value(s.last, KPIS[s.kpi].unit, currency),
                 "" if s.attainment is None else f"{s.attainment}%", s.status.upper() if s.status in ("red", "amber",
                                                                                                       "green")
                 else s.status) for s in result.scorecard],
               ["KPI", "target", "actual", "last period", "attained", "status"])
    click.echo("")
    levels = [t.level for t in result.criteria[0].thresholds] if result.criteria else []
    rows = []
    for check in result.criteria:
        unit = CRITERIA[check.criterion].unit

        def distance(threshold, unit=unit) -> str:
            floor = format_value(threshold.floor, unit, currency)
            if threshold.distance is None:
                return f"no data (≥ {floor})"
            sign = "+" if threshold.distance >= 0 else "-"
            return f"{sign}{format_value(abs(threshold.distance), unit, currency)} (≥ {floor})"

        rows.append((CRITERIA[check.criterion].name(lang), format_value(check.value, unit, currency), check.level,
                     *[distance(t) for t in check.thresholds]))
    echo_table(rows, ["criterion", "value", "reaches", *[f"to {level} (+ above, - short)" for level in levels]])
    click.echo(f"\nproposal: {result.proposal} ({result.tier.level.code} -> {result.proposed_level.code})")
    if stored:
        click.echo(f"decision recorded: {stored['decision']} by {stored['decided_by']}: "
                   f"{stored['level_before']} -> {stored['level_after']}")
