"""`jbp crm …`: private-domain customers — import, tag rules, segments, campaigns, the outbox and results.

Phone numbers, e-mail addresses and messenger ids are masked in every table and JSON output unless
--reveal is given.
"""

from __future__ import annotations

from datetime import datetime

import click

from jbp.cli.context import current_workspace, json_option
from jbp.cli.output import echo_table, emit_json

brand_option = click.option("--brand", help="Brand code or name (default: the store's only brand).")
now_option = click.option("--now", "now_text", help="The time to act at (ISO date or datetime; default: now).")
reveal_option = click.option("--reveal", is_flag=True, help="Show phone numbers and addresses unmasked.")


def _now(text: str | None) -> datetime:
    from jbp.crm.clock import parse_moment

    if text is None:
        return datetime.now().replace(microsecond=0)
    try:
        return parse_moment(text)
    except ValueError:
        raise click.BadParameter(f"not an ISO date or datetime: {text!r}", param_hint="--now") from None


@click.group("crm")
def crm_group() -> None:
    """Private-domain customers: events, tags, segments, campaigns (私域运营)."""


# ---------------------------------------------------------------------------------------- import


@crm_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "kind", type=click.Choice(["customers", "events"]),
              help="What the file holds (default: events when it has a kind column, else customers).")
@brand_option
@now_option
@click.option("--partial", is_flag=True, help="Import the good rows even when some are rejected.")
@click.option("--dry-run", is_flag=True, help="Check and count; write nothing.")
@json_option
def import_command(file: str, kind: str | None, brand: str | None, now_text: str | None, partial: bool,
                   dry_run: bool, as_json: bool) -> None:
    """Import customers or events from CSV, xlsx or JSON Lines.

    Re-importing a file adds nothing twice. A file with a rejected row (or a malformed JSON line) imports
    nothing unless --partial is given; problems are listed with their line or row and column. Events for
    customers the brand does not have are kept aside and reported.

    \b
    Example:
      jbp crm import sample_data/crm/customers.csv --brand CHNT
      jbp crm import sample_data/crm/events.jsonl --brand CHNT --now 2026-03-01
    """
    from jbp.crm.customers import import_customers
    from jbp.crm.events import import_events
    from jbp.crm.records import first_keys

    store = current_workspace().store
    if kind is None:
        kind = "events" if _names_kind(first_keys(file)) else "customers"
    importer = import_events if kind == "events" else import_customers
    report = importer(store, file, _now(now_text), brand=brand, partial=partial, dry_run=dry_run)
    if as_json:
        emit_json(report.as_dict())
    else:
        verdict = {"committed": "imported", "dry_run": "dry run, nothing written",
                   "rejected": "NOTHING imported: rows were rejected (fix them, or pass --partial)"}[report.status]
        click.echo(f"{report.source} ({report.kind}): {verdict}")
        if kind == "customers":
            echo_table([(report.created, report.updated, report.unchanged, report.rejected, report.events_rematched)],
                       ["created", "updated", "unchanged", "rejected", "kept-aside events matched"])
        else:
            echo_table([(report.events_added, report.events_duplicate, report.events_unmatched, report.rejected)],
                       ["added", "already recorded", "kept aside (unknown customer)", "rejected"])
            if report.unmatched_refs:
                click.echo(f"unknown customers: {', '.join(report.unmatched_refs[:20])} "
                           "(see jbp crm events unmatched)")
        for problem in report.problems[:200]:
            click.echo(f"{problem.location.describe()}: {problem.reason}", err=True)
        if len(report.problems) > 200:
            click.echo(f"… and {len(report.problems) - 200} more (use --json for all)", err=True)
    if report.status == "rejected":
        raise SystemExit(1)


def _names_kind(keys: list[str]) -> bool:
    from jbp.catalog.importers.headers import fold_header
    from jbp.crm.events import EVENT_HEADERS

    spellings = {fold_header(s) for s in ("kind", *EVENT_HEADERS["kind"])}
    return any(fold_header(k) in spellings for k in keys)


@crm_group.command("sync")
@brand_option
@now_option
@json_option
def sync_command(brand: str | None, now_text: str | None, as_json: bool) -> None:
    """Turn BOM quotes and orders into CRM events (bom_upload, quote, order); each once.

    \b
    Example:
      jbp crm sync --brand CHNT
    """
    from jbp.crm.brands import resolve_brand
    from jbp.crm.events import sync_bom

    store = current_workspace().store
    with store.transaction() as conn:
        result = sync_bom(conn, resolve_brand(conn, brand), _now(now_text))
    if as_json:
        emit_json({"added": result.added, "unmatched": result.unmatched})
    else:
        click.echo(f"{result.added} events added, {result.unmatched} kept aside for unknown customers")


@crm_group.group("events")
def events_group() -> None:
    """Events kept aside and a customer's recent events."""


@events_group.command("unmatched")
@brand_option
@json_option
def unmatched_command(brand: str | None, as_json: bool) -> None:
    """Events naming customers the brand does not have, by customer reference.

    They are matched when the customer is imported.

    \b
    Example:
      jbp crm events unmatched --brand CHNT
    """
    from jbp.crm.brands import resolve_brand
    from jbp.store import crm_rows

    with current_workspace().store.reading() as conn:
        brand_row = resolve_brand(conn, brand)
        total = crm_rows.count_unmatched(conn, brand_row["id"])
        rows = crm_rows.unmatched_summary(conn, brand_row["id"])
    if as_json:
        emit_json({"events": total, "customers": rows})
        return
    click.echo(f"{total} events kept aside")
    echo_table([(r["customer_ref"], r["events"], r["first_source"]) for r in rows],
               ["customer", "events", "first seen in"])


# ------------------------------------------------------------------------------------- customers


@crm_group.command("customer")
@click.argument("customer")
@brand_option
@reveal_option
@json_option
def customer_command(customer: str, brand: str | None, reveal: bool, as_json: bool) -> None:
    """One customer: fields, contacts, tags and recent events.

    \b
    Example:
      jbp crm customer C001 --brand CHNT
      jbp crm customer C001 --reveal --json
    """
    from jbp.crm.brands import resolve_brand
    from jbp.crm.customers import find_customer
    from jbp.crm.privacy import masked
    from jbp.store import crm_rows, crm_tag_rows

    with current_workspace().store.reading() as conn:
        brand_row = resolve_brand(conn, brand)
        row = find_customer(conn, brand_row["id"], customer)
        people = [masked(c, reveal) for c in crm_rows.contacts_of(conn, row["id"])]
        tags = crm_tag_rows.tags_of(conn, row["id"])
        events = crm_rows.events_of(conn, row["id"], limit=20)
    shown = masked(row, reveal)
    if as_json:
        emit_json({"customer": shown, "contacts": people, "tags": tags, "events": events})
        return
    echo_table([(k, v) for k, v in shown.items() if k not in ("id", "brand_id", "content_hash")], ["field", "value"])
    if people:
        click.echo("")
        echo_table([(c["name"], c["role"], c["phone"], c["email"]) for c in people],
                   ["contact", "role", "phone", "email"])
    click.echo("")
    echo_table([(t["tag_group"] or "", t["tag"], t["source"], t["added_at"]) for t in tags],
               ["group", "tag", "source", "since"])
    click.echo("")
    echo_table([(e["at"], e["kind"], e["amount"], e["category"], e["id"]) for e in events],
               ["at", "kind", "amount", "category", "event id"])


# ----------------------------------------------------------------------------------------- rules


@crm_group.group("rules")
def rules_group() -> None:
    """Tag rules (TOML): check a file, apply it, see tag counts."""


@rules_group.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@json_option
def rules_check_command(file: str, as_json: bool) -> None:
    """Parse and type-check a rules file; errors point at the line and column.

    \b
    Example:
      jbp crm rules check sample_data/crm/rules.toml
    """
    from jbp.crm.rules import render
    from jbp.crm.tags import check_rules

    rules = check_rules(file)
    rows = [(r.name, r.group or "", f"{r.ttl}d" if r.ttl else "", render(r.tree)) for r in rules.rules]
    if as_json:
        emit_json([dict(zip(("name", "group", "ttl", "when"), row, strict=True)) for row in rows])
        return
    click.echo(f"{file}: {len(rows)} rules, all valid")
    echo_table(rows, ["tag", "group", "ttl", "when"])


@rules_group.command("apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False), required=False)
@brand_option
@now_option
@click.option("--full", is_flag=True, help="Re-evaluate every customer, not only those that need it.")
@click.option("--dry-run", is_flag=True, help="Count what would change; write nothing.")
@json_option
def rules_apply_command(file: str | None, brand: str | None, now_text: str | None, full: bool, dry_run: bool,
                        as_json: bool) -> None:
    """Tag customers by the rules file (a new version when it changed), or by the rules applied last.

    Incremental: only customers with new events or changed fields, and those whose time-based rules may
    have changed answer since the last run, are evaluated. BOM quotes and orders are synced first.

    \b
    Example:
      jbp crm rules apply sample_data/crm/rules.toml --brand CHNT --now 2026-03-01
      jbp crm rules apply --now 2026-03-15
    """
    from jbp.crm.brands import resolve_brand
    from jbp.crm.events import sync_bom
    from jbp.crm.tags import apply_rules, check_rules

    store = current_workspace().store
    now = _now(now_text)
    rules = check_rules(file) if file else None
    with store.transaction() as conn:
        sync_bom(conn, resolve_brand(conn, brand), now)
    run = apply_rules(store, brand, rules, now, full=full, dry_run=dry_run)
    if as_json:
        emit_json(run)
        return
    note = " (dry run, nothing written)" if run.dry_run else ""
    click.echo(f"{run.brand}: {run.mode} retag with rules version {run.rule_set_id} at {run.now}{note}: "
               f"{run.evaluated:,} customers evaluated, {run.added:,} tags added, {run.removed:,} removed "
               f"in {run.seconds:.2f} s")
    if run.changes:
        echo_table([(tag, a, r) for tag, (a, r) in sorted(run.changes.items())], ["tag", "added", "removed"])


@rules_group.command("show")
@brand_option
@json_option
def rules_show_command(brand: str | None, as_json: bool) -> None:
    """How many customers hold each tag, and the rules version in force.

    \b
    Example:
      jbp crm rules show --brand CHNT
    """
    from jbp.crm.brands import resolve_brand
    from jbp.store import crm_tag_rows

    with current_workspace().store.reading() as conn:
        brand_row = resolve_brand(conn, brand)
        latest = crm_tag_rows.latest_rule_set(conn, brand_row["id"])
        counts = crm_tag_rows.tag_counts(conn, brand_row["id"])
    if as_json:
        emit_json({"rules_version": latest and latest["id"], "rules_file": latest and latest["source"],
                   "tags": counts})
        return
    if latest:
        click.echo(f"rules version {latest['id']} from {latest['source']} (loaded {latest['loaded_at']})")
    echo_table([(c["tag_group"] or "", c["tag"], c["customers"]) for c in counts], ["group", "tag", "customers"])


# ------------------------------------------------------------------------------------------ tags


@crm_group.group("tag")
def tag_group() -> None:
    """Manual tags: add or remove one for a customer (stronger than the rules), or clear that."""


def _override(customer: str, tag: str, mode: str, reason: str, ttl: str | None, group: str | None,
              brand: str | None, now_text: str | None) -> None:
    from jbp.crm.clock import parse_days
    from jbp.crm.tags import set_override

    try:
        days = parse_days(ttl) if ttl else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--ttl") from None
    run = set_override(current_workspace().store, brand, customer, tag, mode, _now(now_text), reason,
                       ttl_days=days, group=group)
    click.echo(f"{customer}: {tag} {mode}ed by hand" + (f" for {days} days" if days else "")
               + (f"; changes: {run.changes}" if run.changes else ""))


@tag_group.command("add")
@click.argument("customer")
@click.argument("tag")
@click.option("--reason", required=True, help="Why (kept in the tag's history).")
@click.option("--ttl", help="End the override after this long (e.g. 30d).")
@click.option("--group", help="The tag's group, for a tag no rule defines.")
@brand_option
@now_option
def tag_add_command(customer: str, tag: str, reason: str, ttl: str | None, group: str | None, brand: str | None,
                    now_text: str | None) -> None:
    """Give a customer a tag by hand, whatever the rules say (until cleared or --ttl ends).

    \b
    Example:
      jbp crm tag add C003 key_account --reason "framework agreement signed" --brand CHNT
    """
    _override(customer, tag, "add", reason, ttl, group, brand, now_text)


@tag_group.command("remove")
@click.argument("customer")
@click.argument("tag")
@click.option("--reason", required=True, help="Why (kept in the tag's history).")
@click.option("--ttl", help="End the override after this long (e.g. 30d).")
@brand_option
@now_option
def tag_remove_command(customer: str, tag: str, reason: str, ttl: str | None, brand: str | None,
                       now_text: str | None) -> None:
    """Keep a tag off a customer, whatever the rules say (until cleared or --ttl ends).

    \b
    Example:
      jbp crm tag remove C001 big_spender --reason "orders placed for a sister company" --brand CHNT
    """
    _override(customer, tag, "remove", reason, ttl, None, brand, now_text)


@tag_group.command("clear")
@click.argument("customer")
@click.argument("tag")
@brand_option
@now_option
def tag_clear_command(customer: str, tag: str, brand: str | None, now_text: str | None) -> None:
    """End a manual override: the rules decide the tag again.

    \b
    Example:
      jbp crm tag clear C001 big_spender --brand CHNT
    """
    from jbp.crm.tags import clear_override

    run = clear_override(current_workspace().store, brand, customer, tag, _now(now_text))
    click.echo(f"{customer}: override of {tag} cleared" + (f"; changes: {run.changes}" if run.changes else ""))


@crm_group.command("why")
@click.argument("customer")
@click.argument("tag")
@brand_option
@now_option
@json_option
def why_command(customer: str, tag: str, brand: str | None, now_text: str | None, as_json: bool) -> None:
    """Why a customer has (or lacks) a tag: its history with rule versions and reasons, and the rule today.

    \b
    Example:
      jbp crm why C001 active --brand CHNT --now 2026-03-01
    """
    from jbp.crm.tags import why

    answer = why(current_workspace().store, brand, customer, tag, _now(now_text))
    if as_json:
        emit_json({"customer": answer.customer["external_id"], "tag": tag, "held": answer.held,
                   "override": answer.override, "history": answer.history,
                   "rule": answer.rule and answer.rule.when, "rules_version": answer.rule_set_id,
                   "holds_now": answer.holds_now,
                   "clauses": [c.__dict__ for c in answer.clauses]})
        return
    held = answer.held
    state = (f"holds {tag} since {held['added_at']} ({held['source']}"
             + (f", rules version {held['rule_set_id']}" if held["rule_set_id"] else "") + ")") if held else \
        f"does not hold {tag}"
    click.echo(f"{answer.customer['external_id']} {answer.customer['name'] or ''}: {state}")
    if answer.override:
        until = answer.override["until_day"]
        click.echo(f"manual override: {answer.override['mode']} — {answer.override['reason']}"
                   + (f" (until day {until})" if until else ""))
    if answer.rule is not None:
        click.echo(f"\nrule (version {answer.rule_set_id}): {answer.rule.when.strip()}  → "
                   f"{'true' if answer.holds_now else 'false'} now")
        for clause in answer.clauses:
            mark = "" if clause.holds is None else ("✓ " if clause.holds else "✗ ")
            click.echo(f"  {'  ' * clause.depth}{mark}{clause.text}" + (f"   [{clause.values}]" if clause.values
                                                                          else ""))
    if answer.history:
        click.echo("\nhistory (newest first):")
        for h in answer.history:
            version = f", rules version {h['rule_set_id']}" if h["rule_set_id"] else ""
            click.echo(f"  {h['at']}  {h['change']} ({h['source']}{version}): {h['reason']}")


# -------------------------------------------------------------------------------------- segments


@crm_group.group("segment")
def segment_group() -> None:
    """Segments: saved rules over tags and fields, with a count and a diff before saving."""


@segment_group.command("save")
@click.argument("name")
@click.argument("rule")
@brand_option
@now_option
@click.option("--dry-run", is_flag=True, help="Show the count and who would enter or leave; save nothing.")
@json_option
def segment_save_command(name: str, rule: str, brand: str | None, now_text: str | None, dry_run: bool,
                         as_json: bool) -> None:
    """Save a segment (or change its rule), showing who enters and who leaves.

    \b
    Example:
      jbp crm segment save vip 'has_tag("big_spender") or rfm.m >= 4' --dry-run --brand CHNT
      jbp crm segment save vip 'has_tag("big_spender") or rfm.m >= 4' --brand CHNT
    """
    from jbp.crm.segments import preview_segment, save_segment

    action = preview_segment if dry_run else save_segment
    preview = action(current_workspace().store, brand, name, rule, _now(now_text))
    if as_json:
        emit_json({**preview.__dict__, "saved": not dry_run})
        return
    verb = "would hold" if dry_run else "saved: holds"
    click.echo(f"segment {name} {verb} {preview.count:,} customers (before: {preview.previous_count:,}); "
               f"{preview.entering:,} enter, {preview.leaving:,} leave")
    if preview.entering_sample:
        click.echo(f"  entering: {', '.join(preview.entering_sample)}" + (" …" if preview.entering > 20 else ""))
    if preview.leaving_sample:
        click.echo(f"  leaving: {', '.join(preview.leaving_sample)}" + (" …" if preview.leaving > 20 else ""))


@segment_group.command("list")
@brand_option
@json_option
def segment_list_command(brand: str | None, as_json: bool) -> None:
    """The brand's segments.

    \b
    Example:
      jbp crm segment list --brand CHNT
    """
    from jbp.crm.segments import list_segments

    rows = list_segments(current_workspace().store, brand)
    if as_json:
        emit_json(rows)
        return
    echo_table([(s["name"], s["version"], s["saved_at"], s["rule"]) for s in rows],
               ["segment", "version", "saved", "rule"])


@segment_group.command("show")
@click.argument("name")
@brand_option
@now_option
@click.option("--limit", default=50, show_default=True, help="How many members to list.")
@reveal_option
@json_option
def segment_show_command(name: str, brand: str | None, now_text: str | None, limit: int, reveal: bool,
                         as_json: bool) -> None:
    """A segment's members now.

    \b
    Example:
      jbp crm segment show vip --brand CHNT
    """
    from jbp.crm.privacy import masked
    from jbp.crm.segments import segment_members

    saved, people = segment_members(current_workspace().store, brand, name, _now(now_text))
    shown = [masked({k: c[k] for k in ("external_id", "name", "region", "owner_rep", "phone", "email")}, reveal)
             for c in people]
    if as_json:
        emit_json({"segment": saved, "count": len(people), "members": shown[:limit]})
        return
    click.echo(f"segment {name}: {len(people):,} customers — {saved['rule']}")
    echo_table([tuple(c.values()) for c in shown[:limit]], ["customer", "name", "region", "rep", "phone", "email"])


# ------------------------------------------------------------------------------------- campaigns


@crm_group.group("campaign")
def campaign_group() -> None:
    """Campaigns: load a definition (TOML), list, pause and resume."""


@campaign_group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@brand_option
@now_option
def campaign_load_command(file: str, brand: str | None, now_text: str | None) -> None:
    """Check and store a campaign (templates included); it replaces the brand's campaign of that name.

    A campaign whose steps form a cycle, name a missing step or template, or hold a bad rule is refused.

    \b
    Example:
      jbp crm campaign load sample_data/crm/winback.toml --brand CHNT
    """
    from jbp.crm.campaigns import save_campaign

    campaign, campaign_id, version = save_campaign(current_workspace().store, brand, file, _now(now_text))
    click.echo(f"campaign {campaign.name} (#{campaign_id}) version {version}: trigger {campaign.trigger.kind} "
               f"{campaign.trigger.value or campaign.trigger.segment}, {len(campaign.steps)} steps")


@campaign_group.command("list")
@brand_option
@json_option
def campaign_list_command(brand: str | None, as_json: bool) -> None:
    """The brand's campaigns.

    \b
    Example:
      jbp crm campaign list --brand CHNT
    """
    from jbp.crm.campaigns import list_campaigns

    rows = list_campaigns(current_workspace().store, brand)
    if as_json:
        emit_json([{k: v for k, v in r.items() if k != "definition"} for r in rows])
        return
    echo_table([(r["name"], r["status"], r["version"], r["loaded_at"], r["source"]) for r in rows],
               ["campaign", "status", "version", "loaded", "file"])


@campaign_group.command("pause")
@click.argument("name")
@brand_option
def campaign_pause_command(name: str, brand: str | None) -> None:
    """Pause a campaign: nobody enters, no entry moves, until it is resumed.

    \b
    Example:
      jbp crm campaign pause win-back --brand CHNT
    """
    from jbp.crm.campaigns import set_status

    set_status(current_workspace().store, brand, name, "paused")
    click.echo(f"campaign {name} paused")


@campaign_group.command("resume")
@click.argument("name")
@brand_option
def campaign_resume_command(name: str, brand: str | None) -> None:
    """Resume a paused campaign.

    \b
    Example:
      jbp crm campaign resume win-back --brand CHNT
    """
    from jbp.crm.campaigns import set_status

    set_status(current_workspace().store, brand, name, "active")
    click.echo(f"campaign {name} resumed")


@crm_group.command("run")
@brand_option
@now_option
@click.option("--dry-run", is_flag=True, help="Show what would happen; write and send nothing.")
@json_option
def run_command(brand: str | None, now_text: str | None, dry_run: bool, as_json: bool) -> None:
    """Advance the CRM to --now: sync BOM events, retag, run every active campaign.

    Running it twice for the same time sends nothing twice. Messages go to the outbox; consent, opt-outs,
    quiet hours, frequency caps and the brand's tier quota (marketing_messages) are always respected.

    \b
    Example:
      jbp crm run --brand CHNT --now 2026-03-02T10:00 --dry-run
      jbp crm run --brand CHNT --now 2026-03-02T10:00
    """
    from jbp.crm.campaigns.engine import run_crm, summary

    run = run_crm(current_workspace().store, brand, _now(now_text), dry_run=dry_run)
    if as_json:
        emit_json({"brand": run.brand, "now": run.now, "dry_run": run.dry_run, **summary(run)})
        return
    note = " (dry run, nothing written or sent)" if run.dry_run else ""
    quota = "unlimited" if run.quota is None else f"{run.quota:,}/month, {run.used_before:,} used before"
    click.echo(f"{run.brand} at {run.now}{note}: {run.synced} BOM events synced; tier {run.tier} "
               f"(marketing messages: {quota}); {run.queued:,} messages queued in {run.seconds:.2f} s")
    if run.tags is not None:
        click.echo(f"tags: {run.tags.mode}, {run.tags.evaluated:,} evaluated, +{run.tags.added:,} "
                   f"-{run.tags.removed:,}")
    echo_table([(c.campaign, c.entered, sum(c.skipped.values()), c.queued, sum(c.suppressed.values()), c.waiting,
                 c.finished) for c in run.campaigns],
               ["campaign", "entered", "not admitted", "queued", "suppressed", "waiting", "finished"])
    reasons = [(c.campaign, reason, count) for c in run.campaigns
               for reason, count in [*c.skipped.items(), *c.suppressed.items()]]
    for campaign in run.campaigns:
        if campaign.problem:
            click.echo(f"{campaign.campaign}: admitted nobody: {campaign.problem}", err=True)
    if reasons:
        click.echo("")
        echo_table(reasons, ["campaign", "held back because", "count"])


@crm_group.command("report")
@brand_option
@click.option("--campaign", help="Only this campaign.")
@now_option
@json_option
def report_command(brand: str | None, campaign: str | None, now_text: str | None, as_json: bool) -> None:
    """Campaign results: entries, messages sent and held back, clicks, and conversion to the goal event.

    \b
    Example:
      jbp crm report --brand CHNT --now 2026-04-01
    """
    from jbp.crm.campaigns.report import campaign_report

    results = campaign_report(current_workspace().store, brand, _now(now_text), campaign)
    if as_json:
        emit_json([{**r.__dict__, "click_rate": r.click_rate, "conversion_rate": r.conversion_rate} for r in results])
        return
    echo_table([(r.campaign, r.status, sum(r.entries.values()) - r.entries.get("skipped", 0), r.sent,
                 sum(r.suppressed.values()), r.clicked, _percent(r.click_rate), r.converted,
                 _percent(r.conversion_rate), r.revenue, r.goal) for r in results],
               ["campaign", "status", "entered", "sent", "suppressed", "clicked", "click rate", "converted",
                "conversion", "revenue", "goal"])
    for r in results:
        for reason, count in {**r.skipped, **r.suppressed}.items():
            click.echo(f"  {r.campaign}: {count} × {reason}")


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


# ---------------------------------------------------------------------------------------- outbox


@crm_group.group("outbox")
def outbox_group() -> None:
    """The outbox of messages for the sending system."""


@outbox_group.command("list")
@brand_option
@click.option("--status", type=click.Choice(["queued", "exported", "suppressed"]), help="Only messages in this state.")
@click.option("--limit", default=50, show_default=True)
@reveal_option
@json_option
def outbox_list_command(brand: str | None, status: str | None, limit: int, reveal: bool, as_json: bool) -> None:
    """Recent messages, newest first, with why a message was suppressed.

    \b
    Example:
      jbp crm outbox list --brand CHNT --status suppressed
    """
    from jbp.crm.campaigns.outbox import outbox_messages
    from jbp.crm.privacy import masked

    rows = [masked(r, reveal) for r in outbox_messages(current_workspace().store, brand, status, limit)]
    if as_json:
        emit_json(rows)
        return
    echo_table([(r["created_at"], r["campaign"], r["external_id"], r["channel"], r["recipient"], r["status"],
                 r["reason"] or "") for r in rows],
               ["created", "campaign", "customer", "channel", "to", "status", "reason"])


@outbox_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@brand_option
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="Default: from the file's suffix.")
@click.option("--again", type=int, help="Write an earlier export (its number) once more.")
@now_option
def outbox_export_command(file: str, brand: str | None, fmt: str | None, again: int | None,
                          now_text: str | None) -> None:
    """Export queued messages for the sending system (message id, channel, address, subject, text only).

    \b
    Example:
      jbp crm outbox export outbox/2026-03-02.csv --brand CHNT
      jbp crm outbox export outbox/again.jsonl --again 1
    """
    from jbp.crm.campaigns.outbox import export_outbox

    result = export_outbox(current_workspace().store, brand, file, _now(now_text), again=again, fmt=fmt)
    label = f"export {result.export_id}" if result.export_id else "nothing new to export"
    click.echo(f"{result.messages} messages written to {result.path} ({label})")
