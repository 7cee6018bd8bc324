"""Tagging: apply a brand's tag rules to its customers, fully or incrementally, with manual overrides, TTLs,
mutually exclusive groups, a history of every change and the reasons behind it.

What a customer holds, decided per tag in rule order:
* a manual override wins while it lasts: `add` sets the tag (and, in a group, clears the group's others),
  `remove` keeps it off;
* otherwise an ungrouped tag is held while its rule holds, and for its TTL after it was set;
* in a group the first rule (in file order) that holds wins; if none holds, a tag still within its TTL stays.

Incremental retag: a customer is re-evaluated when it is marked dirty (a new event, a changed field, an
override) or when its scheduled day arrives. That day is computed at each evaluation as the earliest day any
rule could answer differently with no new event (see :mod:`jbp.crm.rules.timing`), or a TTL or an override
ends. Between those days nothing a rule reads can move, so the result equals a full retag. A new version of
the rules, or a clock moved backwards, forces a full retag.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Connection

from jbp.crm.brands import resolve_brand
from jbp.crm.clock import day_number
from jbp.crm.customers import find_customer
from jbp.crm.facts import Facts, RfmThresholds, load_facts, needs_of
from jbp.crm.rules.explain import Clause, explain, reasons
from jbp.crm.rules.timing import NEVER
from jbp.crm.tagrules import RuleSet, TagRule, load_rule_set, parse_rule_set
from jbp.errors import DataError, NotFoundError
from jbp.store import Store, crm_rows, crm_tag_rows, tiers_rows

EMPTY_RULES = RuleSet([], RfmThresholds(), "", "")


@dataclass
class TagRun:
    """What one retag did; `changes` is tag -> [added, removed]."""

    brand: str
    mode: str  # full | incremental
    rule_set_id: int | None
    now: datetime
    evaluated: int = 0
    added: int = 0
    removed: int = 0
    changes: dict[str, list[int]] = field(default_factory=dict)
    dry_run: bool = False
    seconds: float = 0.0


def check_rules(path: Path | str) -> RuleSet:
    """Parse and check a rules file (RuleSyntaxError or DataError when it is wrong)."""
    return load_rule_set(path)


def apply_rules(store: Store, brand: str | None, rules: RuleSet | None, now: datetime, *, full: bool = False,
                dry_run: bool = False) -> TagRun:
    """Retag the brand's customers at `now` with `rules` (None: the rules applied last)."""
    with store.transaction() as conn:
        run = retag(conn, resolve_brand(conn, brand), rules, now, full=full)
        if run is None:
            raise NotFoundError("no tag rules have been applied to this brand yet: jbp crm rules apply FILE")
        if dry_run:
            run.dry_run = True
            conn.rollback()
    return run


def latest_rules(conn: Connection, brand_id: int) -> tuple[RuleSet, int] | None:
    """The brand's rules applied last, with their version id."""
    stored = crm_tag_rows.latest_rule_set(conn, brand_id)
    if stored is None:
        return None
    return parse_rule_set(stored["text"], stored["source"]), stored["id"]


def retag(conn: Connection, brand: dict, rules: RuleSet | None, now: datetime, *, full: bool = False) -> TagRun | None:
    """Inside the caller's transaction: record `rules` as a new version if they changed, then re-evaluate the
    customers that need it (all of them when `full`, the rules changed or time went backwards)."""
    started = clock.perf_counter()
    tiers_rows.lock_brand(conn, brand["id"])
    stored = crm_tag_rows.latest_rule_set(conn, brand["id"])
    if rules is None:
        if stored is None:
            return None
        rules, rule_set_id = parse_rule_set(stored["text"], stored["source"]), stored["id"]
    elif stored is not None and stored["content_hash"] == rules.content_hash:
        rule_set_id = stored["id"]
    else:
        rule_set_id = crm_tag_rows.insert_rule_set(conn, {
            "brand_id": brand["id"], "content_hash": rules.content_hash, "source": rules.source, "text": rules.text,
            "loaded_at": now})
    today = day_number(now)
    last = crm_tag_rows.latest_tag_run(conn, brand["id"])
    full = full or last is None or last["rule_set_id"] != rule_set_id or today < day_number(last["now"])
    marks = crm_rows.dirty_customers(conn, brand["id"])
    customer_ids = None if full else sorted({c for c, _ in marks} | set(crm_tag_rows.due_customers(
        conn, brand["id"], today)))
    run = TagRun(brand["code"], "full" if full else "incremental", rule_set_id, now)
    if full:
        _remove_retired_rules(conn, brand["id"], rules, rule_set_id, now, run)
    if customer_ids is None or customer_ids:
        evaluate(conn, brand["id"], rules, rule_set_id, now, customer_ids, run)
    crm_rows.clear_dirty(conn, marks)
    crm_tag_rows.insert_tag_run(conn, {"brand_id": brand["id"], "rule_set_id": rule_set_id, "now": now,
                                       "mode": run.mode, "evaluated": run.evaluated, "added": run.added,
                                       "removed": run.removed, "finished_at": datetime.now()})
    run.seconds = clock.perf_counter() - started
    return run


def evaluate(conn: Connection, brand_id: int, rules: RuleSet, rule_set_id: int | None, now: datetime,
             customer_ids: list[int] | None, run: TagRun) -> None:
    """Decide the tags of the customers (all of the brand's when None) and write the differences."""
    today = day_number(now)
    facts = load_facts(conn, brand_id, rules.needs(), today, rules.rfm, customer_ids)
    run.evaluated += facts.size
    if not facts.size:
        return
    overrides = _Overrides(crm_tag_rows.overrides(conn, brand_id, customer_ids), facts, today)
    writer = _Writer(conn, brand_id, rule_set_id, now, run)
    due = np.full(facts.size, NEVER, dtype=np.int64)
    decided: dict[str, np.ndarray] = {}
    conditions: dict[str, np.ndarray] = {}
    subset = facts.ids.tolist() if facts.by_list else None
    states = {tag: _State.of(rows, facts) for tag, rows in crm_tag_rows.tag_states(
        conn, brand_id, sorted({r.name for r in rules.rules} | overrides.tags), subset).items()}
    for rule in rules.rules:
        conditions[rule.name] = rule.condition(facts)
        np.minimum(due, rule.next_change(facts), out=due)
        group = [r for r in rules.rules if rule.group and r.group == rule.group]
        if group and rule is not group[-1]:
            continue
        members = group or [rule]
        winners = _decide(members, conditions, states, overrides, today)
        for member in members:
            wanted = winners[member.name]
            decided[member.name] = wanted
            facts.set_tag(member.name, wanted)
            writer.write(member, wanted, states[member.name], overrides, facts, winners)
            held = states[member.name].holds & wanted
            np.minimum(due, np.where(held & (states[member.name].hold_day > today), states[member.name].hold_day,
                                     NEVER), out=due)
            np.minimum(due, np.where(wanted & ~states[member.name].holds & (member.ttl is not None),
                                     today + (member.ttl or 0), NEVER), out=due)
    for tag in sorted(overrides.tags - set(decided)):  # manual tags no rule decides
        writer.write_manual(tag, overrides, states[tag], facts)
    np.minimum(due, overrides.until, out=due)
    writer.finish(overrides)
    scheduled = due < NEVER
    crm_tag_rows.replace_schedule(conn, brand_id, list(zip(facts.ids[scheduled].tolist(), due[scheduled].tolist(),
                                                           strict=True)),
                                  None if customer_ids is None else facts.ids.tolist())


@dataclass
class _State:
    """Who holds a tag now among the batch, why (manual or rule) and until when a TTL keeps it."""

    holds: np.ndarray
    manual: np.ndarray
    hold_day: np.ndarray

    @classmethod
    def of(cls, rows: list[tuple], facts: Facts) -> _State:
        """From (customer id, source, hold day) rows of the tag's holders."""
        holds, manual = np.zeros(facts.size, dtype=bool), np.zeros(facts.size, dtype=bool)
        hold_day = np.full(facts.size, -1, dtype=np.int64)
        if rows:
            positions = _positions(facts, [r[0] for r in rows])
            known = positions >= 0
            holds[positions[known]] = True
            manual[positions[known]] = np.asarray([r[1] == "manual" for r in rows])[known]
            hold_day[positions[known]] = np.asarray([-1 if r[2] is None else r[2] for r in rows])[known]
        return cls(holds, manual, hold_day)


class _Overrides:
    """Manual overrides of the batch: active ones as masks per tag, expired ones to delete."""

    def __init__(self, rows: list[dict], facts: Facts, today: int):
        self.size = facts.size
        self.add: dict[str, np.ndarray] = {}
        self.remove: dict[str, np.ndarray] = {}
        self.reason: dict[tuple[int, str], str] = {}
        self.group_adds: dict[str, np.ndarray] = {}  # group -> customers with a manual add of a tag of it
        self.expired: list[tuple[int, str]] = []
        self.tags: set[str] = set()
        self.groups: dict[str, str] = {row["tag"]: row["tag_group"] for row in rows if row["tag_group"]}
        self.until = np.full(facts.size, NEVER, dtype=np.int64)
        positions = _positions(facts, [r["customer_id"] for r in rows])
        for row, position in zip(rows, positions, strict=True):
            if position < 0:
                continue
            if row["until_day"] is not None and row["until_day"] <= today:
                self.expired.append((row["customer_id"], row["tag"]))
                self.tags.add(row["tag"])
                continue
            if row["until_day"] is not None:
                self.until[position] = min(self.until[position], row["until_day"])
            self.tags.add(row["tag"])
            masks = self.add if row["mode"] == "add" else self.remove
            masks.setdefault(row["tag"], np.zeros(facts.size, dtype=bool))[position] = True
            self.reason[(position, row["tag"])] = row["reason"]
            if row["mode"] == "add" and row["tag_group"]:
                self.group_adds.setdefault(row["tag_group"], np.zeros(facts.size, dtype=bool))[position] = True

    def adds(self, tag: str) -> np.ndarray:
        return self.add.get(tag, np.zeros(self.size, dtype=bool))

    def removes(self, tag: str) -> np.ndarray:
        return self.remove.get(tag, np.zeros(self.size, dtype=bool))


def _decide(members: list[TagRule], conditions: dict[str, np.ndarray], states: dict[str, _State],
            overrides: _Overrides, today: int) -> dict[str, np.ndarray]:
    """Who should hold each tag of a group (or of one ungrouped rule)."""
    def kept(rule: TagRule) -> np.ndarray:  # within the TTL it was given when set by the rule
        state = states[rule.name]
        return state.holds & ~state.manual & (state.hold_day > today)

    if not members[0].group:
        rule = members[0]
        wanted = (conditions[rule.name] | kept(rule) | overrides.adds(rule.name)) & ~overrides.removes(rule.name)
        return {rule.name: wanted}
    size = overrides.size
    winner = np.full(size, -1, dtype=np.int64)
    names = {r.name for r in members}
    foreign = overrides.group_adds.get(members[0].group, np.zeros(size, dtype=bool)).copy()
    for tag, mask in overrides.add.items():
        if tag in names:
            foreign &= ~mask
    winner[foreign] = -2  # a manual tag of the group that no rule defines
    for candidates in ([overrides.adds(r.name) for r in members],
                       [conditions[r.name] & ~overrides.removes(r.name) for r in members],
                       [kept(r) & ~overrides.removes(r.name) for r in members]):
        for index, mask in enumerate(candidates):
            winner = np.where((winner == -1) & mask, index, winner)
    return {r.name: winner == index for index, r in enumerate(members)}


class _Writer:
    """Collects tag inserts, deletes and history for the batch and writes them in bulk."""

    def __init__(self, conn: Connection, brand_id: int, rule_set_id: int | None, now: datetime, run: TagRun):
        self.conn, self.brand_id, self.rule_set_id, self.now, self.run = conn, brand_id, rule_set_id, now, run
        self.today = day_number(now)

    def write(self, rule: TagRule, wanted: np.ndarray, state: _State, overrides: _Overrides, facts: Facts,
              winners: dict[str, np.ndarray]) -> None:
        manual_add = overrides.adds(rule.name)
        added = np.flatnonzero(wanted & ~state.holds)
        removed = np.flatnonzero(state.holds & ~wanted)
        switched = np.flatnonzero(wanted & state.holds & (state.manual != manual_add))
        read = reasons(rule.tree, rule.compiler, facts, np.concatenate([added, removed]))
        ids = facts.ids
        hold = None if rule.ttl is None else self.today + rule.ttl
        tag_rows, history = [], []
        for i, position in enumerate(added):
            customer = int(ids[position])
            if manual_add[position]:
                tag_rows.append((customer, rule.name, self.brand_id, rule.group, "manual", None, None))
                history.append(self._history(customer, rule.name, "added", "manual",
                                             overrides.reason[(position, rule.name)]))
            else:
                tag_rows.append((customer, rule.name, self.brand_id, rule.group, "rule", self.rule_set_id, hold))
                history.append(self._history(customer, rule.name, "added", "rule", f"{rule.when.strip()} — {read[i]}"))
        for i, position in enumerate(removed, start=len(added)):
            customer = int(ids[position])
            history.append(self._history(customer, rule.name, "removed", *self._removal(
                rule, position, overrides, winners, read[i])))
        crm_tag_rows.delete_tags(self.conn, [(int(ids[p]), rule.name) for p in removed])
        crm_tag_rows.insert_tags(self.conn, tag_rows, self.now)
        crm_tag_rows.update_tag_sources(self.conn, [
            (int(ids[p]), rule.name, "manual" if manual_add[p] else "rule",
             None if manual_add[p] else self.rule_set_id) for p in switched])
        crm_tag_rows.insert_history(self.conn, history, self.now)
        self._count(rule.name, len(added), len(removed))

    def _removal(self, rule: TagRule, position: int, overrides: _Overrides, winners: dict[str, np.ndarray],
                 read: str) -> tuple[str, str]:
        if overrides.removes(rule.name)[position]:
            return "manual", overrides.reason[(position, rule.name)]
        instead = next((name for name, mask in winners.items() if name != rule.name and mask[position]), None)
        if instead is not None:
            return "rule", f"group {rule.group}: {instead} holds instead — {read}"
        if rule.group and rule.group in overrides.group_adds and overrides.group_adds[rule.group][position]:
            return "manual", f"group {rule.group}: a manual tag of the group holds instead"
        return "rule", f"no longer holds: {rule.when.strip()} — {read}"

    def write_manual(self, tag: str, overrides: _Overrides, state: _State, facts: Facts) -> None:
        """A tag no rule defines: held exactly while a manual `add` lasts."""
        wanted = overrides.adds(tag)
        added = np.flatnonzero(wanted & ~state.holds)
        removed = np.flatnonzero(state.holds & ~wanted)
        ids, group = facts.ids, overrides.groups.get(tag)
        tag_rows = [(int(ids[p]), tag, self.brand_id, group, "manual", None, None) for p in added]
        history = [self._history(int(ids[p]), tag, "added", "manual", overrides.reason[(p, tag)]) for p in added]
        history += [self._history(int(ids[p]), tag, "removed", "manual",
                                  overrides.reason.get((p, tag), "the manual tag ended")) for p in removed]
        crm_tag_rows.delete_tags(self.conn, [(int(ids[p]), tag) for p in removed])
        crm_tag_rows.insert_tags(self.conn, tag_rows, self.now)
        crm_tag_rows.insert_history(self.conn, history, self.now)
        self._count(tag, len(added), len(removed))

    def finish(self, overrides: _Overrides) -> None:
        crm_tag_rows.delete_overrides(self.conn, overrides.expired)

    def _history(self, customer: int, tag: str, change: str, source: str, reason: str) -> tuple:
        return (self.brand_id, customer, tag, change, source, self.rule_set_id if source == "rule" else None, reason)

    def _count(self, tag: str, added: int, removed: int) -> None:
        if added or removed:
            counts = self.run.changes.setdefault(tag, [0, 0])
            counts[0] += added
            counts[1] += removed
            self.run.added += added
            self.run.removed += removed


def _positions(facts: Facts, customer_ids: list[int]) -> np.ndarray:
    """Positions of the ids in the batch; -1 for ids outside it."""
    wanted = np.asarray(customer_ids, dtype=np.int64)
    if not len(facts.ids) or not len(wanted):
        return np.full(len(wanted), -1, dtype=np.int64)
    found = np.minimum(np.searchsorted(facts.ids, wanted), len(facts.ids) - 1)
    return np.where(facts.ids[found] == wanted, found, -1)


def _remove_retired_rules(conn: Connection, brand_id: int, rules: RuleSet, rule_set_id: int, now: datetime,
                          run: TagRun) -> None:
    """Tags set by rules that the new version no longer has are taken off."""
    names = {r.name for r in rules.rules}
    for row in crm_tag_rows.tag_counts(conn, brand_id):
        if row["tag"] in names:
            continue
        holders = [r for r in crm_tag_rows.tag_states(conn, brand_id, [row["tag"]], None)[row["tag"]]
                   if r[1] == "rule"]
        if not holders:
            continue
        crm_tag_rows.delete_tags(conn, [(r[0], row["tag"]) for r in holders])
        crm_tag_rows.insert_history(conn, [(brand_id, r[0], row["tag"], "removed", "rule", rule_set_id,
                                            f"rule {row['tag']!r} is not in rules version {rule_set_id}")
                                           for r in holders], now)
        counts = run.changes.setdefault(row["tag"], [0, 0])
        counts[1] += len(holders)
        run.removed += len(holders)


def set_override(store: Store, brand: str | None, customer_ref: str, tag: str, mode: str, now: datetime,
                 reason: str, *, ttl_days: int | None = None, group: str | None = None) -> TagRun:
    """A manual `add` or `remove` of a tag for one customer, stronger than the rules until it ends (after
    `ttl_days`, or when cleared); the customer's tags are decided again at once."""
    if mode not in ("add", "remove"):
        raise DataError(f"a manual override adds or removes a tag, not {mode!r}")
    if not reason.strip():
        raise DataError("say why (--reason): the history keeps it")
    today = day_number(now)
    with store.transaction() as conn:
        brand_row = resolve_brand(conn, brand)
        customer = find_customer(conn, brand_row["id"], customer_ref)
        rules, rule_set_id = latest_rules(conn, brand_row["id"]) or (EMPTY_RULES, None)
        rule = rules.rule(tag)
        crm_tag_rows.upsert_overrides(conn, [{
            "customer_id": customer["id"], "tag": tag, "brand_id": brand_row["id"], "mode": mode,
            "tag_group": rule.group if rule else group, "until_day": None if ttl_days is None else today + ttl_days,
            "reason": f"{mode} by hand: {reason.strip()}", "set_at": now}])
        run = TagRun(brand_row["code"], "manual", rule_set_id, now)
        evaluate(conn, brand_row["id"], rules, rule_set_id, now, [customer["id"]], run)
    return run


def clear_override(store: Store, brand: str | None, customer_ref: str, tag: str, now: datetime) -> TagRun:
    """End a manual override now: the rules decide the tag again (a tag no rule defines is taken off)."""
    with store.transaction() as conn:
        brand_row = resolve_brand(conn, brand)
        customer = find_customer(conn, brand_row["id"], customer_ref)
        current = [o for o in crm_tag_rows.overrides(conn, brand_row["id"], [customer["id"]]) if o["tag"] == tag]
        if not current:
            raise NotFoundError(f"customer {customer_ref} has no manual override of tag {tag!r}")
        crm_tag_rows.upsert_overrides(conn, [{**current[0], "until_day": day_number(now)}])
        rules, rule_set_id = latest_rules(conn, brand_row["id"]) or (EMPTY_RULES, None)
        run = TagRun(brand_row["code"], "manual", rule_set_id, now)
        evaluate(conn, brand_row["id"], rules, rule_set_id, now, [customer["id"]], run)
    return run


@dataclass
class TagWhy:
    """Everything that explains one customer's tag: holding it now, the override, history, the rule today."""

    customer: dict
    tag: str
    held: dict | None
    override: dict | None
    history: list[dict]
    rule: TagRule | None
    rule_set_id: int | None
    holds_now: bool | None
    clauses: list[Clause]


def why(store: Store, brand: str | None, customer_ref: str, tag: str, now: datetime) -> TagWhy:
    with store.reading() as conn:
        brand_row = resolve_brand(conn, brand)
        customer = find_customer(conn, brand_row["id"], customer_ref)
        held = next((r for r in crm_tag_rows.tags_of(conn, customer["id"]) if r["tag"] == tag), None)
        override = next((o for o in crm_tag_rows.overrides(conn, brand_row["id"], [customer["id"]])
                         if o["tag"] == tag), None)
        history = crm_tag_rows.history_of(conn, customer["id"], tag)
        rules, rule_set_id = latest_rules(conn, brand_row["id"]) or (EMPTY_RULES, None)
        rule = rules.rule(tag)
        clauses: list[Clause] = []
        holds_now = None
        if rule is not None:
            needs = needs_of([rule.tree], rules.rfm)
            facts = load_facts(conn, brand_row["id"], needs, day_number(now), rules.rfm, [customer["id"]])
            holds_now = bool(rule.condition(facts)[0])
            clauses = explain(rule.tree, rule.compiler, facts)
        elif held is None and not history and override is None:
            held_tags = {r["tag"] for r in crm_tag_rows.tags_of(conn, customer["id"])}
            known = sorted({r.name for r in rules.rules} | held_tags)
            raise NotFoundError(f"customer {customer_ref} has never had tag {tag!r} and no rule defines it",
                                [k for k in known if tag.casefold() in k.casefold()][:3] or known[:5])
    return TagWhy(customer, tag, held, override, history, rule, rule_set_id, holds_now, clauses)
