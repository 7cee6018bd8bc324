"""Why a rule holds or not: the values it read (for tag history reasons) and a clause-by-clause account (for
`jbp crm why`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.dtypes import StringDType

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


def format_values(node: t.Node, value: Vec, positions: np.ndarray) -> np.ndarray:
    """Display texts of `value` at `positions` (money in yuan, days as dates, texts as written), vectorised."""
    data = np.broadcast_to(value.data, (int(positions.max()) + 1,))[positions] if np.ndim(value.data) == 0 \
        else value.data[positions]
    if node.type == t.TEXT:
        texts = np.asarray([*value.vocabulary.values, "none"], dtype=StringDType())[data]
    elif node.type == t.MONEY:
        units = np.abs(data.astype(np.int64))
        fraction = np.strings.rstrip(np.strings.zfill((units % MONEY_SCALE).astype(StringDType()), 4), "0")
        whole = np.strings.add(np.where(data < 0, "-", ""), (units // MONEY_SCALE).astype(StringDType()))
        texts = np.strings.add(whole, np.where(np.strings.str_len(fraction) > 0, np.strings.add(".", fraction), ""))
    elif node.type == t.DATE:
        texts = data.astype("datetime64[D]").astype(str).astype(StringDType())
    elif node.type == t.BOOL:
        texts = np.where(data, "yes", "no").astype(StringDType())
    elif data.dtype.kind == "f":
        texts = np.asarray([f"{v:g}" for v in data.tolist()], dtype=StringDType())
    else:
        texts = data.astype(StringDType())
    if value.valid is not None:
        texts = np.where(value.valid[positions], texts, "none")
    return texts


def reasons(tree: t.Node, compiler: Compiler, source, positions: np.ndarray) -> list[str]:
    """For each customer at `positions`: "name=value, …" of what the rule read."""
    if not len(positions):
        return []
    text = None
    for node in inputs(tree):
        column = np.strings.add(f"{t.render(node)}=", format_values(node, compiler.compile(node)(source), positions))
        text = column if text is None else np.strings.add(np.strings.add(text, ", "), column)
    return [""] * len(positions) if text is None else text.tolist()


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
