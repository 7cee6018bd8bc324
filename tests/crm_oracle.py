"""A brute-force reading of the rule language: one customer at a time, over the raw events, in plain Python.

It shares nothing with the compiled evaluator but the typed tree (text matching here is fnmatch,
aggregates are loops, money is Decimal), so when the two agree on random shops that is evidence.
"""

from __future__ import annotations

import fnmatch
from datetime import date, datetime
from decimal import Decimal

from jbp.crm.clock import day_number, parse_moment
from jbp.crm.facts import RfmThresholds
from jbp.crm.rules import tree as t
from jbp.crm.tagrules import RuleSet

_COMPARE = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def expected_tags(rules: RuleSet, customers: list[dict], events: list[dict], now: datetime) -> dict[str, set[str]]:
    """customer external id -> the tags the rules give it at `now` (rules without TTLs or overrides)."""
    today = day_number(now)
    by_customer: dict[str, list[dict]] = {c["customer"]: [] for c in customers}
    for event in events:
        if event["customer"] in by_customer:
            at = event["at"] if isinstance(event["at"], datetime) else parse_moment(event["at"])
            by_customer[event["customer"]].append({"kind": event["kind"], "day": day_number(at),
                                                   "amount": Decimal(event["amount"]) if "amount" in event else None,
                                                   "category": event.get("category")})
    result = {}
    for customer in customers:
        held: dict[str, bool] = {}
        conditions: dict[str, bool] = {}
        for rule in rules.rules:
            conditions[rule.name] = truth(rule.tree, customer, by_customer[customer["customer"]], today, rules.rfm,
                                          held)
            group = [r for r in rules.rules if rule.group and r.group == rule.group]
            if group and rule is not group[-1]:
                continue
            winner = next((r.name for r in group if conditions[r.name]), None)
            for member in group or [rule]:
                held[member.name] = member.name == winner if group else conditions[member.name]
        result[customer["customer"]] = {name for name, on in held.items() if on}
    return result


def truth(node: t.Node, customer: dict, events: list[dict], today: int, rfm: RfmThresholds,
          tags: dict[str, bool]) -> bool:
    return bool(value(node, customer, events, today, rfm, tags))


def value(node: t.Node, customer: dict, events: list[dict], today: int, rfm: RfmThresholds, tags: dict):
    def v(child):
        return value(child, customer, events, today, rfm, tags)

    if isinstance(node, t.Literal):
        return node.value
    if isinstance(node, t.Now):
        return today
    if isinstance(node, t.Field):
        return _field(node.name, customer)
    if isinstance(node, t.HasTag):
        return tags.get(node.tag, False)
    if isinstance(node, t.Aggregate):
        return _aggregate(node.function, node.kind, node.filter, node.window, events, today)
    if isinstance(node, t.DaysSince):
        day = v(node.operand)
        return None if day is None else today - day
    if isinstance(node, t.Rfm):
        return _rfm(node.part, events, today, rfm)
    if isinstance(node, t.Negate):
        inner = v(node.operand)
        return None if inner is None else -inner
    if isinstance(node, t.Arithmetic):
        a, b = v(node.left), v(node.right)
        if a is None or b is None or (node.operator == "/" and b == 0):
            return None
        a, b = _number(a), _number(b)
        return {"+": a + b, "-": a - b, "*": a * b}[node.operator] if node.operator != "/" else a / b
    if isinstance(node, t.Compare):
        a, b = v(node.left), v(node.right)
        if a is None or b is None:
            return False
        return _COMPARE[node.operator](_number(a), _number(b))
    if isinstance(node, t.InList):
        a = v(node.operand)
        if a is None:
            return False
        inside = _number(a) in [_number(x) for x in node.values]
        return not inside if node.negated else inside
    if isinstance(node, t.TextMatch):
        text = v(node.operand)
        if text is None:
            return False
        pattern = {"contains": "*{}*", "startswith": "{}*", "endswith": "*{}", "like": "{}"}[node.operator]
        return fnmatch.fnmatchcase(text.lower(), pattern.format(node.pattern.lower()))
    if isinstance(node, t.Logic):
        items = [truth(i, customer, events, today, rfm, tags) for i in node.items]
        return all(items) if node.operator == "and" else any(items)
    if isinstance(node, t.Not):
        return not truth(node.operand, customer, events, today, rfm, tags)
    raise TypeError(node)


def _number(x):
    if isinstance(x, float):
        return Decimal(repr(x))
    return Decimal(x) if isinstance(x, int) and not isinstance(x, bool) else x


def _field(name: str, customer: dict):
    if name.startswith("consent."):
        return name.split(".", 1)[1] in customer.get("consent", [])
    if name.startswith("opted_out."):
        return name.split(".", 1)[1] in customer.get("opted_out", [])
    raw = customer.get(name)
    if raw is None:
        return None
    if name == "created_at":
        return day_number(date.fromisoformat(raw))
    if name == "discount_pct":
        return Decimal(raw)
    return raw


def _matches(condition: t.Node | None, event: dict) -> bool:
    if condition is None:
        return True
    fields = {"amount": event["amount"] or Decimal(0), "category": event["category"]}
    return _event_truth(condition, fields)


def _event_truth(node: t.Node, fields: dict):
    if isinstance(node, t.EventField):
        return fields[node.name]
    if isinstance(node, t.Literal):
        return node.value
    if isinstance(node, t.Logic):
        items = [bool(_event_truth(i, fields)) for i in node.items]
        return all(items) if node.operator == "and" else any(items)
    if isinstance(node, t.Not):
        return not _event_truth(node.operand, fields)
    if isinstance(node, t.Compare):
        a, b = _event_truth(node.left, fields), _event_truth(node.right, fields)
        return a is not None and b is not None and _COMPARE[node.operator](_number(a), _number(b))
    if isinstance(node, t.InList):
        a = _event_truth(node.operand, fields)
        return a is not None and ((a not in node.values) if node.negated else (a in node.values))
    if isinstance(node, t.TextMatch):
        text = _event_truth(node.operand, fields)
        return text is not None and {"contains": lambda: node.pattern.lower() in text.lower(),
                                     "startswith": lambda: text.lower().startswith(node.pattern.lower()),
                                     "endswith": lambda: text.lower().endswith(node.pattern.lower())}[node.operator]()
    raise TypeError(node)


def _aggregate(function: str, kind: str, condition, window, events: list[dict], today: int):
    inside = [e for e in events if e["kind"] == kind and e["day"] <= today
              and (window is None or e["day"] > today - window)]
    chosen = [e for e in inside if _matches(condition, e)]
    if function == "count":
        return len(chosen)
    if function == "sum":
        return sum((e["amount"] or Decimal(0) for e in chosen), Decimal(0))
    if function == "days_since":
        return today - max(e["day"] for e in chosen) if chosen else None
    return Decimal(len(chosen)) / Decimal(len(inside)) if inside else None


def _rfm(part: str, events: list[dict], today: int, rfm: RfmThresholds) -> int:
    if part == "r":
        days = _aggregate("days_since", "order", None, None, events, today)
        return 1 if days is None else 1 + sum(1 for limit in rfm.recency if days <= limit)
    if part == "f":
        count = _aggregate("count", "order", None, rfm.window, events, today)
        return 1 + sum(1 for limit in rfm.frequency if count >= limit)
    spent = _aggregate("sum", "order", None, rfm.window, events, today)
    return 1 + sum(1 for limit in rfm.monetary if spent >= limit)
