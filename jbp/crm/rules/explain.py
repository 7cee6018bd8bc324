"""Why a rule holds or not: the values it read (for tag history reasons) and a clause-by-clause account (for
`jbp crm why`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from jbp.crm.clock import day_date
from jbp.crm.rules import tree as t
from jbp.crm.rules.compile import MONEY_SCALE, Compiler, Vec

_SHOWN = (t.Field, t.Aggregate, t.Rfm, t.DaysSince, t.HasTag)


def inputs(tree: t.Node) -> list[t.Node]:
    """The values a rule reads, each once, in the order written (not inside aggregates' event conditions)."""
    found: dict[str, t.Node] = {}

    def visit(node: t.Node) -> None:
        if isinstance(node, _SHOWN):
            found.setdefault(t.render(node), node)
        if not isinstance(node, t.Aggregate | t.DaysSince):
            for child in t.children(node):
                visit(child)
    visit(tree)
    return list(found.values())


def format_values(node: t.Node, value: Vec, positions: np.ndarray) -> list[str]:
    """Display texts of `value` at `positions` (money in yuan, days as dates, texts as written)."""
    scalar = np.ndim(value.data) == 0
    texts = []
    for position in positions:
        if value.valid is not None and not value.valid[position]:
            texts.append("none")
            continue
        item = value.data if scalar else value.data[position]
        if node.type == t.TEXT:
            texts.append(value.vocabulary.values[item] if item >= 0 else "none")
        elif node.type == t.MONEY:
            texts.append(f"{Decimal(int(item)) / MONEY_SCALE:f}")
        elif node.type == t.DATE:
            texts.append(day_date(int(item)).isoformat())
        elif node.type == t.BOOL:
            texts.append("yes" if item else "no")
        else:
            texts.append(f"{item:g}" if isinstance(item, float | np.floating) else str(item))
    return texts


def reasons(tree: t.Node, compiler: Compiler, source, positions: np.ndarray) -> list[str]:
    """For each customer at `positions`: "name=value, …" of what the rule read."""
    if not len(positions):
        return []
    columns = [(t.render(node), format_values(node, compiler.compile(node)(source), positions))
               for node in inputs(tree)]
    return [", ".join(f"{name}={texts[i]}" for name, texts in columns) for i in range(len(positions))]


@dataclass(frozen=True)
class Clause:
    depth: int
    text: str
    holds: bool | None  # None for values that are not conditions
    values: str


def explain(tree: t.Node, compiler: Compiler, source, position: int = 0) -> list[Clause]:
    """Each condition of the rule, nested as written, with its truth and the values it read, for one customer."""
    clauses: list[Clause] = []
    at = np.asarray([position])

    def visit(node: t.Node, depth: int) -> None:
        holds = bool(compiler.condition(node)(source)[position]) if node.type == t.BOOL else None
        if isinstance(node, t.Logic | t.Not):
            clauses.append(Clause(depth, node.operator if isinstance(node, t.Logic) else "not", holds, ""))
            for child in t.children(node):
                visit(child, depth + 1)
            return
        values = ", ".join(f"{t.render(n)} = {format_values(n, compiler.compile(n)(source), at)[0]}"
                           for n in inputs(node))
        clauses.append(Clause(depth, t.render(node), holds, values))
    visit(tree, 0)
    return clauses
