"""What rules read about a batch of customers, as numpy columns: their fields, their tags and, per kind of event,
the events themselves (customer position, day, amount, category) from which every aggregate is one vectorised
pass (a bincount or a ufunc.at), never a Python loop over events.

Only what the rules name is loaded: the fields they use, the kinds of events they count (with amounts or
categories only when asked for), and no events older than the longest window when no rule looks further back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import chain

import numpy as np
from sqlalchemy import Connection

from jbp.crm.clock import day_number
from jbp.crm.rules import tree as t
from jbp.crm.rules.compile import Compiler, Vec, Vocabulary, money_units
from jbp.crm.rules.fields import CUSTOMER_FIELDS
from jbp.crm.rules.timing import NEVER
from jbp.store import crm_rows, crm_tag_rows


@dataclass(frozen=True)
class RfmThresholds:
    """Business thresholds of the RFM scores (each score is 1 + the number of thresholds reached).

    recency: a last order at most this many days ago (ascending); frequency: at least this many orders in the
    window; monetary: at least this much spent in the window. A customer who never ordered scores 1, 1, 1.
    """

    window: int = 365
    recency: tuple[int, ...] = (30, 90, 180, 365)
    frequency: tuple[int, ...] = (2, 4, 8, 16)
    monetary: tuple[Decimal, ...] = (Decimal(5000), Decimal(20000), Decimal(50000), Decimal(200000))

    def aggregates(self) -> dict[str, t.Aggregate]:
        return {"r": t.Aggregate(t.NUMBER, 0, 0, "days_since", "order", None, None),
                "f": t.Aggregate(t.NUMBER, 0, 0, "count", "order", None, self.window),
                "m": t.Aggregate(t.MONEY, 0, 0, "sum", "order", None, self.window)}


@dataclass
class Needs:
    """What a set of rules reads."""

    fields: set[str] = field(default_factory=set)
    aggregates: dict[str, t.Aggregate] = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)
    rfm: bool = False

    def add(self, tree: t.Node, rfm: RfmThresholds) -> None:
        for node in t.walk(tree):
            if isinstance(node, t.Field):
                self.fields.add(node.name)
            elif isinstance(node, t.Aggregate):
                self.aggregates.setdefault(node.key, node)
            elif isinstance(node, t.HasTag):
                self.tags.add(node.tag)
            elif isinstance(node, t.Rfm) and not self.rfm:
                self.rfm = True
                for aggregate in rfm.aggregates().values():
                    self.aggregates.setdefault(aggregate.key, aggregate)


def needs_of(trees: Iterable[t.Node], rfm: RfmThresholds) -> Needs:
    needs = Needs()
    for tree in trees:
        needs.add(tree, rfm)
    return needs


@dataclass
class EventRows:
    """The events of one kind for the batch: the source an aggregate's condition is evaluated on."""

    today: int
    customer: np.ndarray  # position of the customer in the batch
    day: np.ndarray
    amount: np.ndarray | None = None  # 0.0001 units; 0 when the event has none
    category: Vec | None = None

    @property
    def size(self) -> int:
        return len(self.customer)

    def event_field(self, name: str) -> Vec:
        return Vec(self.amount) if name == "amount" else self.category


class Facts:
    """Fields, tags and events of a batch of customers at day `today`; the source compiled rules run on."""

    def __init__(self, ids: np.ndarray, today: int, fields: dict[str, Vec], events: dict[str, EventRows],
                 tags: dict[str, np.ndarray], rfm: RfmThresholds):
        self.ids, self.today, self.size = ids, today, len(ids)
        self._fields, self._events, self._tags, self._rfm = fields, events, tags, rfm
        self.by_list = False  # read by lists of ids (a few customers) rather than one pass over the tables
        self._compiler = Compiler()
        self._aggregates: dict[str, Vec] = {}
        self._changes: dict[str, np.ndarray] = {}
        self._filters: dict[str, np.ndarray] = {}

    # ---- the source protocol of compiled rules

    def field(self, name: str) -> Vec:
        return self._fields[name]

    def has_tag(self, tag: str) -> np.ndarray:
        return self._tags.get(tag, np.zeros(self.size, dtype=bool))

    def set_tag(self, tag: str, holders: np.ndarray) -> None:
        """Tag rules see the fresh result of the rules above them."""
        self._tags[tag] = holders

    def aggregate(self, node: t.Aggregate) -> Vec:
        value = self._aggregates.get(node.key)
        if value is None:
            value = self._aggregates[node.key] = self._compute(node)
        return value

    def aggregate_change(self, node: t.Aggregate) -> np.ndarray:
        """Per customer, the first day after today the aggregate may change with no new event: an event in the
        window leaves it, or an event dated after today arrives."""
        due = self._changes.get(node.key)
        if due is None:
            due = self._changes[node.key] = self._change(node)
        return due

    def _change(self, node: t.Aggregate) -> np.ndarray:
        rows = self._events[node.kind]
        due = np.full(self.size, NEVER, dtype=np.int64)
        for condition in ({None, node.filter} if node.function == "share" else {node.filter}):
            chosen = self._filter(rows, condition)
            ahead = chosen & (rows.day > self.today)
            np.minimum.at(due, rows.customer[ahead], rows.day[ahead])
            if node.window is not None:
                inside = chosen & (rows.day <= self.today) & (rows.day > self.today - node.window)
                np.minimum.at(due, rows.customer[inside], rows.day[inside] + node.window)
        return due

    def rfm(self, part: str) -> Vec:
        aggregate = self.aggregate(self._rfm.aggregates()[part])
        if part == "r":
            thresholds = np.asarray(self._rfm.recency)
            reached = (aggregate.data[:, None] <= thresholds[None, :]).sum(axis=1)
            return Vec(np.where(aggregate.present(), 1 + reached, 1))
        thresholds = np.asarray(self._rfm.frequency if part == "f" else [money_units(m) for m in self._rfm.monetary])
        return Vec(1 + (aggregate.data[:, None] >= thresholds[None, :]).sum(axis=1))

    def rfm_change(self, part: str) -> np.ndarray:
        aggregate_node = self._rfm.aggregates()[part]
        due = self.aggregate_change(aggregate_node).copy()
        if part == "r":
            days = self.aggregate(aggregate_node)
            thresholds = np.asarray(self._rfm.recency)
            for threshold in thresholds:  # the score drops the day days_since passes a threshold
                crossing = days.present() & (days.data <= threshold)
                np.minimum(due, np.where(crossing, self.today + threshold - days.data + 1, NEVER), out=due)
        return due

    # ---- aggregates

    def _filter(self, rows: EventRows, condition: t.Node | None) -> np.ndarray:
        if condition is None:
            return np.ones(rows.size, dtype=bool)
        key = f"{id(rows)}:{t.render(condition)}"
        mask = self._filters.get(key)
        if mask is None:
            mask = self._filters[key] = self._compiler.condition(condition)(rows)
        return mask

    def _compute(self, node: t.Aggregate) -> Vec:
        rows = self._events[node.kind]
        in_window = rows.day <= self.today
        if node.window is not None:
            in_window &= rows.day > self.today - node.window
        if node.function == "share":
            total = np.bincount(rows.customer[in_window], minlength=self.size)
            chosen = in_window & self._filter(rows, node.filter)
            hits = np.bincount(rows.customer[chosen], minlength=self.size)
            share = np.divide(hits, total, out=np.zeros(self.size), where=total > 0)
            return Vec(share, total > 0)
        chosen = in_window & self._filter(rows, node.filter)
        customers = rows.customer[chosen]
        if node.function == "count":
            return Vec(np.bincount(customers, minlength=self.size).astype(np.int64))
        if node.function == "sum":
            # float64 adds integers exactly below 2**53 units (9·10^11 yuan per customer)
            totals = np.bincount(customers, weights=rows.amount[chosen], minlength=self.size)
            return Vec(np.rint(totals).astype(np.int64))
        latest = np.full(self.size, -1, dtype=np.int64)
        np.maximum.at(latest, customers, rows.day[chosen])
        return Vec(self.today - latest, latest >= 0)


SCAN_SHARE = 0.6  # above this share of the brand's customers, one pass over the tables beats lists of ids


def load_facts(conn: Connection, brand_id: int, needs: Needs, today: int, rfm: RfmThresholds,
               customer_ids: Sequence[int] | None = None) -> Facts:
    """The facts of the brand's customers (all, or those given) that `needs` asks for."""
    definitions = [CUSTOMER_FIELDS[name] for name in sorted(needs.fields)]
    columns = [(d.column, d.key, "present" if d.column == "opted_out" else "bool") for d in definitions]
    subset = None if customer_ids is None else sorted(set(customer_ids))
    by_list = subset is not None and len(subset) <= SCAN_SHARE * crm_rows.count_customers(conn, brand_id)
    rows = list(chain.from_iterable(crm_rows.customer_columns(conn, brand_id, columns, subset if by_list else None)))
    if subset is not None and not by_list:
        wanted = set(subset)
        rows = [r for r in rows if r[0] in wanted]
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    fields = {d.name: _column([r[i + 1] for r in rows], d.type) for i, d in enumerate(definitions)}
    listed = ids.tolist() if by_list else None
    events = _load_events(conn, brand_id, needs, today, ids, listed)
    holders = crm_tag_rows.tag_holders(conn, brand_id, sorted(needs.tags), listed)
    tags = {tag: np.isin(ids, np.asarray(members, dtype=np.int64)) for tag, members in holders.items()}
    facts = Facts(ids, today, fields, events, tags, rfm)
    facts.by_list = by_list
    return facts


def _column(values: list, type_: str) -> Vec:
    if type_ == t.TEXT:
        index: dict[str, int] = {}
        codes = np.fromiter((-1 if v is None else index.setdefault(v, len(index)) for v in values), dtype=np.int32,
                            count=len(values))
        return Vec(codes, None, Vocabulary(list(index)))
    cells = np.array(values, dtype=object)
    valid = cells != None  # noqa: E711 (element-wise)
    if type_ == t.DATE:  # SQLite gives times as text
        data = np.fromiter((0 if v is None else day_number(v if isinstance(v, date) else date.fromisoformat(v[:10]))
                            for v in values), dtype=np.int64, count=len(values))
    elif type_ == t.BOOL:
        data = cells.astype(bool)
    else:
        data = np.where(valid, cells, 0).astype(float)
    return Vec(data, None if valid.all() else valid)


def _load_events(conn: Connection, brand_id: int, needs: Needs, today: int, ids: np.ndarray,
                 subset: list[int] | None) -> dict[str, EventRows]:
    """The events of every kind the aggregates count, read in one pass."""
    aggregates = list(needs.aggregates.values())
    kinds = sorted({a.kind for a in aggregates})
    if not kinds:
        return {}
    amount_kinds = sorted({a.kind for a in aggregates if a.function == "sum" or _reads(a, "amount")})
    category_kinds = sorted({a.kind for a in aggregates if _reads(a, "category")})
    windows = [a.window for a in aggregates if a.function != "days_since"]
    all_time = any(a.function == "days_since" for a in aggregates) or None in windows
    batches = crm_rows.event_columns(conn, brand_id, kinds, amount_kinds=amount_kinds, category_kinds=category_kinds,
                                     min_day=None if all_time else today - max(windows) + 1, customer_ids=subset)
    position = np.full(int(ids.max()) + 1 if len(ids) else 1, -1, dtype=np.int64)
    position[ids] = np.arange(len(ids))
    width = 3 + bool(amount_kinds)
    numbers: list[np.ndarray] = []
    categories: list[str | None] = []
    for rows in batches:
        if category_kinds:
            categories.extend(r[-1] for r in rows)
            rows = [r[:-1] for r in rows]
        numbers.append(np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=width * len(rows))
                       .reshape(-1, width))
    table = np.concatenate(numbers) if numbers else np.zeros((0, width), dtype=np.int64)
    in_range = table[:, 0] < len(position)
    customer = np.where(in_range, position[np.where(in_range, table[:, 0], 0)], -1)
    known = customer >= 0
    category = _column(categories, t.TEXT) if category_kinds else None
    events = {}
    for code, kind in enumerate(kinds):
        chosen = known & (table[:, 1] == code)
        events[kind] = EventRows(today, customer[chosen], table[chosen, 2],
                                 table[chosen, 3] if kind in amount_kinds else None,
                                 Vec(category.data[chosen], None, category.vocabulary) if kind in category_kinds
                                 else None)
    return events


def _reads(aggregate: t.Aggregate, name: str) -> bool:
    return aggregate.filter is not None and any(
        isinstance(n, t.EventField) and n.name == name for n in t.walk(aggregate.filter))
