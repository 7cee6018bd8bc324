"""When can a rule's answer for a customer change with no new event? The day its next re-evaluation is due.

A rule reads time in three ways, and each gives a day per customer from the facts at hand:

* a windowed aggregate (`count(order, 90d)`) changes only when an event leaves the window (the oldest
  event in it, plus the window) or a dated-ahead event enters it;
* a value that grows by one a day (`days_since(order)`, `now`, `now - created_at`) changes a comparison
  only where the two sides cross. Both sides are linear in the day, so the crossing day is solved for:
  `days_since(order) > 90` with the last order 30 days ago is due in 60 days, not tomorrow;
* `rfm.r` steps at its recency thresholds.

A customer is due at the earliest of these days over all rules; in between, nothing the rule reads can
move, so the incremental retag skips them safely. Anything the plan cannot solve (a day count multiplied
by a field, `days_since(order) in (7, 14)`) falls back to "tomorrow" for every customer, which is always
correct and only slower. New events and changed customer fields mark a customer directly (see tags.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from jbp.crm.rules import tree as t
from jbp.crm.rules.compile import Compiler

NEVER = np.iinfo(np.int64).max // 4


def slope(node: t.Node) -> float | None:
    """How much the node's value grows per day with no new event: 0, a rate, or None when not linear."""
    if isinstance(node, t.Now | t.DaysSince) or (isinstance(node, t.Aggregate) and node.function == "days_since"):
        return 1.0
    if isinstance(node, t.Negate):
        inner = slope(node.operand)
        return None if inner is None else -inner
    if isinstance(node, t.Arithmetic):
        left, right = slope(node.left), slope(node.right)
        if left is None or right is None:
            return None
        if node.operator in "+-":
            return left + right if node.operator == "+" else left - right
        if left == 0 and right == 0:
            return 0.0
        if node.operator == "*" and isinstance(node.right, t.Literal):
            return left * float(node.right.value)
        if node.operator == "*" and isinstance(node.left, t.Literal):
            return right * float(node.left.value)
        if node.operator == "/" and isinstance(node.right, t.Literal):
            return left / float(node.right.value)
        return None
    return 0.0  # literals, fields, tags, counts, sums, shares and RFM scores are step functions of time


def plan(tree: t.Node, compiler: Compiler) -> Callable[[object], np.ndarray]:
    """A closure giving, per customer, the first day after `today` on which the rule may answer differently."""
    parts: list[Callable[[object], np.ndarray]] = []
    for node in _outside_events(tree):
        if isinstance(node, t.Aggregate):
            parts.append(lambda source, node=node: source.aggregate_change(node))
        elif isinstance(node, t.Rfm):
            parts.append(lambda source, part=node.part: source.rfm_change(part))
        elif isinstance(node, t.Compare) and node.left.type != t.TEXT:
            crossing = _crossing(node, compiler)
            if crossing is not None:
                parts.append(crossing)
        elif isinstance(node, t.InList) and slope(node.operand) != 0:
            parts.append(_tomorrow)

    def next_change(source) -> np.ndarray:
        due = np.full(source.size, NEVER, dtype=np.int64)
        for part in parts:
            np.minimum(due, part(source), out=due)
        return due
    return next_change


def _outside_events(node: t.Node):
    """The nodes of the tree, without descending into aggregates' event conditions (they hold no time)."""
    yield node
    if not isinstance(node, t.Aggregate):
        for child in t.children(node):
            yield from _outside_events(child)


def _crossing(node: t.Compare, compiler: Compiler) -> Callable[[object], np.ndarray] | None:
    left_slope, right_slope = slope(node.left), slope(node.right)
    if left_slope is None or right_slope is None:
        return _tomorrow
    rate = left_slope - right_slope
    if rate == 0:
        return None
    left, right = compiler.compile(node.left), compiler.compile(node.right)

    def crossing(source) -> np.ndarray:
        a, b = left(source), right(source)
        gap = np.broadcast_to(np.asarray(a.data, dtype=float) - np.asarray(b.data, dtype=float), (source.size,))
        valid = np.broadcast_to(a.present() & b.present(), (source.size,))
        # the gap moves by `rate` a day; it can change the comparison only once it reaches zero. Re-evaluating
        # on the day before the crossing is harmless (the next plan is then at most a day ahead).
        approaching = valid & (gap * rate <= 0)
        days = np.maximum(np.floor(np.divide(-gap, rate, where=approaching, out=np.zeros_like(gap))), 1)
        return np.where(approaching, source.today + days.astype(np.int64), NEVER)
    return crossing


def _tomorrow(source) -> np.ndarray:
    return np.full(source.size, source.today + 1, dtype=np.int64)
