"""Campaign definitions (TOML): a trigger, an entry condition and re-entry policy, limits, and steps.

    name = "win-back"
    lookback = "7d"                      # how far back a run looks for triggers it has not handled
    [trigger]                            # exactly one of:
    tag_added = "at_risk"                #   tag_removed = "…" | event = "bom_upload"
                                         #   schedule = { every = "7d", start = "2026-03-02T10:00", segment = "vip" }
    [entry]
    condition = 'consent.sms and not has_tag("key_account")'
    reentry = "90d"                      # once | always | a waiting time since the previous entry
    [limits]
    messages = 2                         # at most 2 messages to a customer …
    per = "7d"                           # … per 7 days, over all of the brand's campaigns
    quiet_hours = "21:00-08:00"
    [goal]
    event = "order"                      # conversion: this event within `within` of the first message
    within = "30d"

    [[step]]                             # steps run in order of their links; the first one starts
    id = "sms"
    send = "sms"                         # a channel: wangwang | sms | email | wecom
    template = "winback_sms.j2"          # next to this file, or in templates/messages/
    next = "wait"
    [[step]]
    id = "wait"
    wait = "3d"
    next = "clicked"
    [[step]]
    id = "clicked"
    if = 'count(message_clicked, 3d) > 0'
    then = "coupon"
    else = "call"
    # other steps: coupon = { prefix = "BACK", value = 50 } · assign = ["王强", "李娜"] · add_tag / remove_tag = "…"

Steps must form no cycle (checked when loading: a cycle is named and refused) and every step must be
reachable; so an entry runs each step at most once and every campaign ends.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from jbp.crm.campaigns.templates import check_template, find_template
from jbp.crm.clock import parse_clock_range, parse_days, parse_moment, parse_span
from jbp.crm.rules import parse_rule
from jbp.crm.vocabulary import CHANNELS, EVENT_KINDS
from jbp.errors import DataError, Location, RuleSyntaxError

ACTIONS = ("send", "wait", "if", "coupon", "assign", "add_tag", "remove_tag")
_STEP_KEYS = {"id", "next", "then", "else", "template", "subject", *ACTIONS}
_TOP_KEYS = {"name", "description", "lookback", "trigger", "entry", "limits", "goal", "step"}


@dataclass
class Step:
    id: str
    action: str  # send | wait | if | coupon | assign | add_tag | remove_tag
    next: str | None = None
    channel: str | None = None
    template: str | None = None  # the template's text, kept with the campaign
    template_name: str | None = None
    subject: str | None = None  # e-mail: a template for the subject line
    wait_seconds: int | None = None
    condition: str | None = None
    otherwise: str | None = None  # `else` of an `if`; `next` is its `then`
    coupon_prefix: str | None = None
    coupon_value: str | None = None
    reps: list[str] = field(default_factory=list)
    tag: str | None = None

    def exits(self) -> list[str]:
        return [s for s in (self.next, self.otherwise) if s]


@dataclass
class Trigger:
    kind: str  # tag_added | tag_removed | event | schedule
    value: str = ""  # the tag or the event kind
    every_seconds: int | None = None
    start: str | None = None  # ISO time of the first occurrence
    segment: str | None = None


@dataclass
class Campaign:
    name: str
    trigger: Trigger
    steps: list[Step]
    description: str = ""
    lookback_days: int = 7
    condition: str | None = None
    reentry: str = "once"  # once | always | after
    reentry_days: int | None = None
    cap_messages: int | None = None
    cap_days: int | None = None
    quiet_hours: str | None = None
    goal_event: str = "order"
    goal_days: int = 30
    source: str = ""

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, document: dict) -> Campaign:
        return cls(**{**document, "trigger": Trigger(**document["trigger"]),
                      "steps": [Step(**s) for s in document["steps"]]})

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.as_json(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def step(self, step_id: str | None) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


def load_campaign(path: Path | str) -> Campaign:
    """Read, check and resolve a campaign file (templates are read in and checked)."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"cannot read the campaign ({exc})", Location(file=str(path))) from exc
    return parse_campaign(document, str(path), path.parent)


def parse_campaign(document: dict, source: str, base: Path | None) -> Campaign:
    where = Location(file=source)
    unknown = set(document) - _TOP_KEYS
    if unknown:
        raise DataError(f"unknown key(s) {', '.join(sorted(unknown))}", where)
    name = document.get("name")
    if not isinstance(name, str) or not 0 < len(name) <= 128:
        raise DataError("a campaign needs a name (up to 128 characters)", where)
    try:
        campaign = Campaign(name, _trigger(document.get("trigger"), source), [], str(document.get("description", "")),
                            parse_days(document.get("lookback", "7d")), source=source)
        entry = _section(document, "entry", {"condition", "reentry"}, source)
        campaign.condition = _rule(entry.get("condition"), source, "entry condition")
        reentry = str(entry.get("reentry", "once"))
        if reentry in ("once", "always"):
            campaign.reentry = reentry
        else:
            campaign.reentry, campaign.reentry_days = "after", parse_days(reentry)
        limits = _section(document, "limits", {"messages", "per", "quiet_hours"}, source)
        if "messages" in limits:
            campaign.cap_messages, campaign.cap_days = int(limits["messages"]), parse_days(limits.get("per", "7d"))
            if campaign.cap_messages < 1:
                raise ValueError("limits.messages is at least 1")
        if "quiet_hours" in limits:
            parse_clock_range(limits["quiet_hours"])
            campaign.quiet_hours = str(limits["quiet_hours"])
        goal = _section(document, "goal", {"event", "within"}, source)
        campaign.goal_event = _kind(goal.get("event", "order"))
        campaign.goal_days = parse_days(goal.get("within", "30d"))
    except (ValueError, TypeError) as exc:
        raise DataError(str(exc), where) from exc
    steps = document.get("step")
    if not isinstance(steps, list) or not steps:
        raise DataError("a campaign needs [[step]]s", where)
    campaign.steps = [_step(s, i, source, base) for i, s in enumerate(steps)]
    check_graph(campaign.steps, source)
    return campaign


def check_graph(steps: list[Step], source: str) -> None:
    """Refuse duplicate ids, links to no step, unreachable steps and cycles (naming the cycle)."""
    ids = [s.id for s in steps]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise DataError(f"step id(s) used twice: {', '.join(duplicates)}", Location(file=source))
    by_id = {s.id: s for s in steps}
    for step in steps:
        for target in step.exits():
            if target not in by_id:
                raise DataError(f"step {step.id!r} goes to {target!r}, which is no step", Location(file=source))
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for root in ids[:1]:
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            step_id, index = stack.pop()
            if index == 0:
                state[step_id] = 1
                path.append(step_id)
            exits = by_id[step_id].exits()
            if index < len(exits):
                stack.append((step_id, index + 1))
                target = exits[index]
                if state.get(target) == 1:
                    cycle = path[path.index(target):] + [target]
                    raise DataError(f"the steps form a cycle: {' → '.join(cycle)}; waits and branches must lead "
                                    "forward so that every customer's way through the campaign ends",
                                    Location(file=source))
                if target not in state:
                    stack.append((target, 0))
            else:
                state[step_id] = 2
                path.pop()
    unreachable = [i for i in ids if i not in state]
    if unreachable:
        raise DataError(f"step(s) {', '.join(unreachable)} can never be reached from the first step "
                        f"{ids[0]!r}", Location(file=source))


def _section(document: dict, name: str, keys: set[str], source: str) -> dict:
    section = document.get(name, {})
    if not isinstance(section, dict) or set(section) - keys:
        raise DataError(f"[{name}] takes {', '.join(sorted(keys))}", Location(file=source))
    return section


def _kind(text: str) -> str:
    if text not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {text!r} (kinds: {', '.join(EVENT_KINDS)})")
    return text


def _rule(text, source: str, what: str) -> str | None:
    if text is None:
        return None
    try:
        parse_rule(str(text))
    except RuleSyntaxError as exc:
        raise RuleSyntaxError(f"{source}: {what}: {exc.reason}", exc.text, exc.line, exc.column) from None
    return str(text)


def _trigger(section, source: str) -> Trigger:
    if not isinstance(section, dict) or len(section) != 1:
        raise DataError("[trigger] has exactly one of tag_added, tag_removed, event, schedule", Location(file=source))
    (kind, value), = section.items()
    if kind in ("tag_added", "tag_removed"):
        return Trigger(kind, str(value))
    if kind == "event":
        return Trigger(kind, _kind(str(value)))
    if kind == "schedule" and isinstance(value, dict) and set(value) <= {"every", "start", "segment"}:
        if "segment" not in value or "start" not in value:
            raise ValueError("a schedule names its first run (start) and a segment of customers")
        start = value["start"]
        start = parse_moment(start.isoformat() if isinstance(start, datetime) else str(start))
        return Trigger(kind, "", int(parse_span(value.get("every", "7d")).total_seconds()), start.isoformat(),
                       str(value["segment"]))
    raise DataError(f"unknown trigger {kind!r}: use tag_added, tag_removed, event or "
                    "schedule = { every, start, segment }", Location(file=source))


def _step(entry, index: int, source: str, base: Path | None) -> Step:
    where = Location(file=source, value=f"[[step]] #{index + 1}")
    if not isinstance(entry, dict):
        raise DataError("each [[step]] is a table", where)
    unknown = set(entry) - _STEP_KEYS
    actions = [a for a in ACTIONS if a in entry]
    step_id = entry.get("id")
    if unknown or len(actions) != 1 or not isinstance(step_id, str) or not 0 < len(step_id) <= 64:
        raise DataError(f"a step has an id (up to 64 characters) and exactly one of {', '.join(ACTIONS)}"
                        + (f"; unknown key(s) {', '.join(sorted(unknown))}" if unknown else ""), where)
    action = actions[0]
    step = Step(step_id, action, entry.get("then") if action == "if" else entry.get("next"))
    value = entry[action]
    try:
        if action == "send":
            _send(step, value, entry, source, base)
        elif action == "wait":
            step.wait_seconds = int(parse_span(value).total_seconds())
            if not step.next:
                raise ValueError("a wait leads to a next step")
        elif action == "if":
            step.condition = _rule(value, source, f"step {step_id!r}")
            step.otherwise = entry.get("else")
        elif action == "coupon":
            if not isinstance(value, dict) or not str(value.get("prefix", "")).isalnum():
                raise ValueError("coupon = { prefix = \"LETTERS\", value = 50 }")
            step.coupon_prefix = str(value["prefix"]).upper()[:12]
            step.coupon_value = str(Decimal(str(value["value"]))) if "value" in value else None
        elif action == "assign":
            reps = [value] if isinstance(value, str) else value
            if not isinstance(reps, list) or not reps or not all(isinstance(r, str) and r.strip() for r in reps):
                raise ValueError("assign = \"王强\" or a list of reps to share the customers between")
            step.reps = [r.strip()[:64] for r in reps]
        else:
            if not isinstance(value, str) or not 0 < len(value) <= 64:
                raise ValueError(f"{action} names a tag")
            step.tag = value
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise DataError(f"step {step_id!r}: {exc}", where) from exc
    return step


def _send(step: Step, channel, entry: dict, source: str, base: Path | None) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"send names a channel: {', '.join(CHANNELS)}")
    if "template" not in entry:
        raise ValueError("a send step names its template")
    html = channel == "email"
    step.channel = channel
    step.template, where = find_template(str(entry["template"]), base)
    step.template_name = str(entry["template"])
    check_template(step.template, channel, where, html=html)
    if html:
        step.subject = str(entry.get("subject", "{{ brand.name_zh or brand.code }}"))
        check_template(step.subject, "sms", f"{source}: subject of step {step.id!r}", html=False)
