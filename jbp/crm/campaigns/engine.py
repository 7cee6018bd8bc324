"""`jbp crm run --now T`: bring a brand's CRM up to time T, in one transaction.

1. BOM quotes and orders not yet seen become events; 2. tags are brought up to date (incrementally);
3. each active campaign admits the customers its trigger fired for (tag added/removed, event, schedule)
within its look-back window, then moves every entry that is due through its steps until it waits or ends.

Idempotent by construction: a trigger enters at most once (entries are unique per campaign and trigger key:
the tag history row, the event id, or the schedule occurrence and customer), a message's id is
campaign:entry:step, and an entry's position and wake-up time are written in the same transaction as the
messages it produced. Running again for the same T finds nothing new and nothing due, so sends nothing.
"""

from __future__ import annotations

import hashlib
import time as clock
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection

from jbp.crm.audience import matching, members
from jbp.crm.brands import resolve_brand
from jbp.crm.campaigns import actions
from jbp.crm.campaigns.definition import Campaign, Step
from jbp.crm.events import sync_bom
from jbp.crm.segments import saved_segment
from jbp.crm.tags import TagRun, retag
from jbp.errors import NotFoundError
from jbp.store import Store, crm_campaign_rows, crm_tag_rows
from jbp.tiers import consume, entitlement

SERVICE = "marketing_messages"


@dataclass
class CampaignOutcome:
    campaign: str
    entered: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> triggers not admitted
    steps: Counter = field(default_factory=Counter)  # step id -> entries that ran it
    queued: int = 0
    suppressed: Counter = field(default_factory=Counter)  # reason -> messages not sent
    finished: int = 0
    waiting: int = 0
    problem: str | None = None  # why the campaign could not admit anyone in this run


@dataclass
class CrmRun:
    brand: str
    now: datetime
    dry_run: bool
    synced: int
    tags: TagRun | None
    campaigns: list[CampaignOutcome]
    tier: str
    quota: int | None
    used_before: int
    queued: int
    seconds: float = 0.0


class Allowance:
    """The brand's marketing-message quota for this run, taken message by message."""

    def __init__(self, tier: str, granted: bool, quota: int | None, remaining: int | None, period: str):
        self.tier, self.granted, self.quota, self.remaining, self.period = tier, granted, quota, remaining, period
        self.taken: list[str] = []
        self.sent_to: Counter = Counter()  # customer id -> messages queued in this run, for frequency caps

    def take(self, message_id: str) -> str | None:
        """None when the message may go, else why not."""
        if not self.granted:
            return f"tier {self.tier} does not include marketing messages"
        if self.remaining is not None and len(self.taken) >= self.remaining:
            return f"tier {self.tier}: the quota of {self.quota:,} marketing messages for {self.period} is used up"
        self.taken.append(message_id)
        return None

    @property
    def ref(self) -> str:
        digest = hashlib.sha256("\n".join(self.taken).encode()).hexdigest()[:32]
        return f"crm:{digest}"


def run_crm(store: Store, brand: str | None, now: datetime, *, dry_run: bool = False) -> CrmRun:
    """Advance the brand's CRM to `now`: sync, retag, run every active campaign."""
    started = clock.perf_counter()
    with store.reading() as conn:
        brand_row = resolve_brand(conn, brand)
    granted = entitlement(store, brand_row["code"], SERVICE, now)
    allowance = Allowance(granted.tier, granted.granted, granted.quota, granted.remaining, granted.period)
    with store.transaction() as conn:
        synced = sync_bom(conn, brand_row, now).added
        tags = retag(conn, brand_row, None, now)
        outcomes = [CampaignRun(conn, brand_row, row, now, allowance).run()
                    for row in crm_campaign_rows.campaigns(conn, brand_row["id"], "active")]
        if allowance.taken:
            consume(conn, brand_row["code"], SERVICE, len(allowance.taken), now, allowance.ref)
        result = CrmRun(brand_row["code"], now, dry_run, synced, tags, outcomes, granted.tier, granted.quota,
                        granted.used, len(allowance.taken))
        result.seconds = clock.perf_counter() - started
        crm_campaign_rows.insert_run(conn, {"brand_id": brand_row["id"], "now": now, "finished_at": datetime.now(),
                                            "summary": summary(result)})
        if dry_run:
            conn.rollback()
    return result


def summary(run: CrmRun) -> dict:
    return {"synced": run.synced, "queued": run.queued, "tier": run.tier,
            "tags": None if run.tags is None else {"mode": run.tags.mode, "evaluated": run.tags.evaluated,
                                                   "added": run.tags.added, "removed": run.tags.removed},
            "campaigns": [{"campaign": c.campaign, "entered": c.entered, "skipped": dict(c.skipped),
                           "queued": c.queued, "suppressed": dict(c.suppressed), "finished": c.finished,
                           "waiting": c.waiting, "problem": c.problem} for c in run.campaigns]}


class CampaignRun:
    """One campaign in one run: admit triggered customers, then move due entries step by step."""

    def __init__(self, conn: Connection, brand: dict, row: dict, now: datetime, allowance: Allowance):
        self.conn, self.brand, self.row, self.now, self.allowance = conn, brand, row, now, allowance
        self.definition = Campaign.from_json(row["definition"])
        self.outcome = CampaignOutcome(row["name"])
        self.now_text = now.isoformat()
        self.since = now - timedelta(days=self.definition.lookback_days)  # triggers older than this are not looked at

    def run(self) -> CampaignOutcome:
        """Move the entries already waiting first (one may end and so let its customer in again), then admit
        the triggered customers and move them."""
        waiting = crm_campaign_rows.due_entries(self.conn, self.row["id"], self.now)
        self.move(waiting)
        crm_campaign_rows.update_entries(self.conn, waiting)
        try:
            fresh = self.enter()
        except NotFoundError as missing:  # a schedule's segment was deleted or never saved
            self.outcome.problem = str(missing)
            return self.outcome
        self.move([e for e in fresh if e["status"] == "active"])
        crm_campaign_rows.insert_entries(self.conn, fresh)
        return self.outcome

    def move(self, entries: list[dict]) -> None:
        """Run the entries' steps until each waits or ends."""
        pending = entries
        # The steps form no cycle, so each wave moves every pending entry one step further along a path of
        # at most len(steps) steps: the loop ends.
        for _ in range(len(self.definition.steps) + 1):
            if not pending:
                break
            by_step: dict[str | None, list[dict]] = defaultdict(list)
            for entry in pending:
                by_step[entry["step"]].append(entry)
            pending = []
            for step_id, group in by_step.items():
                step = self.definition.step(step_id)
                if step is None:
                    for entry in group:
                        self.finish(entry, "exited", f"step {step_id!r} is no longer in the campaign")
                    continue
                self.outcome.steps[step.id] += len(group)
                pending += actions.run_step(self, step, group)
        self.outcome.waiting += sum(1 for e in entries if e["status"] == "active")

    # ---- entering

    def enter(self) -> list[dict]:
        """New entries (admitted, or skipped with the reason) for the triggers not handled yet, with their ids."""
        known = crm_campaign_rows.trigger_keys_since(self.conn, self.row["id"], self.since)
        triggers = sorted((t for t in self.triggers(known) if t[0] not in known), key=lambda t: (t[2], t[0]))
        if not triggers:
            return []
        customer_ids = sorted({c for _, c, _ in triggers})
        history = crm_campaign_rows.entry_history(self.conn, self.row["id"], customer_ids)
        admitted = None
        if self.definition.condition:
            ids, matches = matching(self.conn, self.brand["id"], self.definition.condition, self.now, customer_ids)
            admitted = set(ids[matches].tolist())
        first = self.definition.steps[0].id
        entries, entering = [], set()
        times: dict[datetime, str] = {}
        for entry_id, (key, customer_id, at) in zip(crm_campaign_rows.new_entry_ids(self.conn, len(triggers)),
                                                    triggers, strict=True):
            reason = self.refusal(customer_id, history.get(customer_id), customer_id in entering, admitted)
            entry = {"id": entry_id, "campaign_id": self.row["id"], "customer_id": customer_id, "trigger_key": key,
                     "entered_at": self.now, "step": first, "wake_at": self.now, "status": "active",
                     "finished_at": None, "context": {"trigger_at": times.setdefault(at, at.isoformat()), "trail": []}}
            if reason:
                self.outcome.skipped[reason] += 1
                entry.update(step=None, wake_at=None, status="skipped", finished_at=self.now)
                entry["context"]["skipped"] = reason
            else:
                entering.add(customer_id)
                self.outcome.entered += 1
            entries.append(entry)
        return entries

    def refusal(self, customer_id: int, history: tuple | None, entering: bool, admitted: set | None) -> str | None:
        definition = self.definition
        if entering or (history and history[1]):
            return "already in the campaign"
        if history and definition.reentry == "once":
            return "entered before (re-entry: once)"
        waited = timedelta(days=definition.reentry_days or 0)
        if history and definition.reentry == "after" and history[0] + waited > self.now:
            return f"entered less than {definition.reentry_days}d ago"
        if admitted is not None and customer_id not in admitted:
            return "entry condition not met"
        return None

    def triggers(self, known: set[str]) -> list[tuple[str, int, datetime]]:
        """(trigger key, customer id, when) of what fired within the look-back window. A schedule's segment is
        read once per occurrence: at the first run after it (`known` holds the keys already handled)."""
        trigger, since = self.definition.trigger, self.since
        if trigger.kind in ("tag_added", "tag_removed"):
            change = "added" if trigger.kind == "tag_added" else "removed"
            return [(f"tag:{h}", c, at) for h, c, at in crm_tag_rows.tag_changes(
                self.conn, self.brand["id"], trigger.value, change, since, self.now)]
        if trigger.kind == "event":
            return [(f"event:{e}", c, at) for e, c, at in crm_campaign_rows.events_between(
                self.conn, self.brand["id"], trigger.value, since, self.now)]
        start = datetime.fromisoformat(trigger.start)
        if start > self.now:
            return []
        every = timedelta(seconds=trigger.every_seconds)
        occurrence = start + every * ((self.now - start) // every)
        prefix = f"schedule:{occurrence.isoformat()}:"
        if occurrence <= since or any(k.startswith(prefix) for k in known):
            return []
        segment = saved_segment(self.conn, self.brand["id"], trigger.segment)
        audience = members(self.conn, self.brand["id"], segment["rule"], self.now)
        return [(f"{prefix}{c}", c, occurrence) for c in audience.tolist()]

    # ---- moving on

    def advance(self, entry: dict, step: Step, target: str | None, outcome: str) -> list[dict]:
        """Record the step's outcome and move the entry to `target`; returns [entry] when it runs on now."""
        entry["context"].setdefault("trail", []).append([step.id, self.now_text, outcome])
        if target is None:
            self.finish(entry, "done")
            return []
        entry["step"] = target
        return [entry]

    def finish(self, entry: dict, status: str, reason: str | None = None) -> None:
        entry.update(step=None, wake_at=None, status=status, finished_at=self.now)
        if reason:
            entry["context"]["exit"] = reason
        self.outcome.finished += 1
