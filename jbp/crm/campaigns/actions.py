"""What each kind of step does to a batch of entries standing on it: send a message, wait, branch, issue a
coupon, assign a sales rep, add or remove a tag. Each returns the entries that go on at once.

Sending always checks, in this order: quiet hours (the entry waits for them to end), consent and opt-out for
the channel, an address for it, the frequency cap, the template, and last the tier's quota. A message that
fails a check is kept in the outbox as `suppressed` with the reason, and the entry goes on.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, NamedTuple

from jinja2 import TemplateError

from jbp.crm.audience import matching
from jbp.crm.campaigns.definition import Step
from jbp.crm.campaigns.templates import MAX_BODY_CHARS, render
from jbp.crm.clock import next_outside, parse_clock_range
from jbp.crm.events import EventIn, record_events
from jbp.crm.tags import EMPTY_RULES, TagRun, evaluate, latest_rules
from jbp.crm.vocabulary import CHANNEL_ADDRESS
from jbp.store import crm_campaign_rows, crm_rows, crm_tag_rows

if TYPE_CHECKING:
    from jbp.crm.campaigns.engine import CampaignRun


def run_step(run: CampaignRun, step: Step, entries: list[dict]) -> list[dict]:
    return _ACTIONS[step.action](run, step, entries)


def _wait(run: CampaignRun, step: Step, entries: list[dict]) -> list[dict]:
    wake = run.now + timedelta(seconds=step.wait_seconds)
    for entry in entries:
        run.advance(entry, step, step.next, f"wait until {wake.isoformat()}")
        entry["wake_at"] = wake
    return []


def _branch(run: CampaignRun, step: Step, entries: list[dict]) -> list[dict]:
    ids, matches = matching(run.conn, run.brand["id"], step.condition, run.now, sorted({e["customer_id"]
                                                                                       for e in entries}))
    holds = set(ids[matches].tolist())
    going: list[dict] = []
    for entry in entries:
        yes = entry["customer_id"] in holds
        going += run.advance(entry, step, step.next if yes else step.otherwise, "yes" if yes else "no")
    return going


def _send(run: CampaignRun, step: Step, entries: list[dict]) -> list[dict]:
    definition = run.definition
    if definition.quiet_hours:
        resume = next_outside(run.now, parse_clock_range(definition.quiet_hours))
        if resume is not None:
            for entry in entries:
                entry["wake_at"] = resume
            return []
    customer_ids = sorted({e["customer_id"] for e in entries})
    address = CHANNEL_ADDRESS[step.channel]
    customers = {cid: _Recipient(cid, *values) for cid, values in
                 crm_rows.recipients(run.conn, customer_ids, address, step.channel).items()}
    recent = {}
    if definition.cap_messages:
        recent = crm_campaign_rows.recent_message_counts(run.conn, run.brand["id"],
                                                         run.now - timedelta(days=definition.cap_days))
    rows, sent, going = [], [], []
    for entry in entries:
        customer = customers[entry["customer_id"]]
        message_id = f"{run.row['id']}:{entry['id']}:{step.id}"
        subject, body, reason = None, "", _refusal(run, step, customer, recent)
        if reason is None:
            subject, body, reason = _compose(run, step, customer, entry)
        if reason is None:
            reason = run.allowance.take(message_id)
        if reason is None:
            run.allowance.sent_to[customer.id] += 1
            run.outcome.queued += 1
            sent.append(EventIn(customer.external_id, "message_sent", run.now, ref=message_id,
                                payload={"campaign": run.row["name"], "channel": step.channel},
                                id=f"msg:{message_id}", customer_id=customer.id))
        else:
            run.outcome.suppressed[reason] += 1
        rows.append((message_id, run.brand["id"], run.row["id"], entry["id"], customer.id, step.channel,
                     customer.address if reason is None else None, subject, body if reason is None else "", run.now,
                     "queued" if reason is None else "suppressed", reason))
        going += run.advance(entry, step, step.next, "queued" if reason is None else f"suppressed: {reason}")
    crm_campaign_rows.insert_outbox(run.conn, rows)
    record_events(run.conn, run.brand, sent, run.now)
    return going


class _Recipient(NamedTuple):
    id: int
    external_id: str
    name: str | None
    industry: str | None
    region: str | None
    size: str | None
    owner_rep: str | None
    address: str | None
    consented: bool | None
    opted_out: str | None


def _refusal(run: CampaignRun, step: Step, customer: _Recipient, recent: dict) -> str | None:
    channel = step.channel
    if customer.opted_out:
        return f"opted out of {channel} on {customer.opted_out}"
    if not customer.consented:
        return f"no consent for {channel}"
    if not customer.address:
        return f"no {CHANNEL_ADDRESS[channel]} on file"
    cap = run.definition.cap_messages
    if cap and recent.get(customer.id, 0) + run.allowance.sent_to[customer.id] >= cap:
        return f"frequency cap: {cap} messages per {run.definition.cap_days}d"
    return None


def _compose(run: CampaignRun, step: Step, customer: _Recipient, entry: dict) -> tuple[str | None, str, str | None]:
    """(subject, body, None) or (None, "", why the template failed)."""
    context = {
        "customer": {k: getattr(customer, k) for k in ("external_id", "name", "industry", "region", "size",
                                                        "owner_rep")},
        "brand": {k: run.brand.get(k) for k in ("code", "name_zh", "name_en")},
        "campaign": run.row["name"],
        "coupon": entry["context"].get("coupon"),
        "rep": entry["context"].get("rep") or customer.owner_rep,
    }
    html = step.channel == "email"
    try:
        body = render(step.template, html, context)
        subject = render(step.subject, False, context) if step.subject else None
    except TemplateError as exc:
        return None, "", f"template {step.template_name}: {exc}"
    if len(body) > MAX_BODY_CHARS[step.channel]:
        return None, "", f"message longer than {MAX_BODY_CHARS[step.channel]} characters"
    return subject, body, None


def _coupon(run: CampaignRun, step: Step, entries: list[dict]) -> list[dict]:
    rows, going = [], []
    for entry in entries:
        seed = f"{run.brand['code']}:{run.row['id']}:{entry['id']}:{step.id}".encode()
        code = step.coupon_prefix + base64.b32encode(hashlib.sha256(seed).digest()).decode()[:10]
        entry["context"]["coupon"] = {"code": code, "value": step.coupon_value}
        rows.append((code, run.brand["id"], entry["customer_id"], run.row["id"], entry["id"], step.coupon_value,
                     run.now))
        going += run.advance(entry, step, step.next, f"coupon {code}")
    crm_campaign_rows.insert_coupons(run.conn, rows)
    return going


def _assign(run: CampaignRun, step: Step, entries: list[dict]) -> list[dict]:
    chosen = {e["customer_id"]: step.reps[e["customer_id"] % len(step.reps)] for e in entries}
    crm_rows.set_owner_rep(run.conn, chosen)
    crm_rows.mark_dirty(run.conn, chosen)
    going: list[dict] = []
    for entry in entries:
        entry["context"]["rep"] = chosen[entry["customer_id"]]
        going += run.advance(entry, step, step.next, f"assigned to {chosen[entry['customer_id']]}")
    return going


def _tag(run: CampaignRun, step: Step, entries: list[dict]) -> list[dict]:
    mode = "add" if step.action == "add_tag" else "remove"
    rules, rule_set_id = latest_rules(run.conn, run.brand["id"]) or (EMPTY_RULES, None)
    rule = rules.rule(step.tag)
    customer_ids = sorted({e["customer_id"] for e in entries})
    crm_tag_rows.upsert_overrides(run.conn, [
        {"customer_id": c, "tag": step.tag, "brand_id": run.brand["id"], "mode": mode,
         "tag_group": rule.group if rule else None, "until_day": None,
         "reason": f"{mode} by campaign {run.row['name']}", "set_at": run.now} for c in customer_ids])
    evaluate(run.conn, run.brand["id"], rules, rule_set_id, run.now, customer_ids,
             TagRun(run.brand["code"], "campaign", rule_set_id, run.now))
    going: list[dict] = []
    for entry in entries:
        going += run.advance(entry, step, step.next, f"{mode} tag {step.tag}")
    return going


_ACTIONS: dict[str, Callable[[CampaignRun, Step, list[dict]], list[dict]]] = {
    "send": _send, "wait": _wait, "if": _branch, "coupon": _coupon, "assign": _assign, "add_tag": _tag,
    "remove_tag": _tag,
}
