"""The typed tree a rule parses into. Every node knows its type and where it was written.

Types: bool, number, money, text, date (a day), duration (days). The parser checks them against the field
registry, so a tree that exists is a tree that can be evaluated: nothing is looked up by name at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jbp.crm.clock import day_date

BOOL, NUMBER, MONEY, TEXT, DATE, DURATION = "bool", "number", "money", "text", "date", "duration"
ORDERED = {NUMBER, MONEY, DATE, DURATION}


@dataclass(frozen=True, eq=False)
class Node:
    type: str
    line: int
    column: int


@dataclass(frozen=True, eq=False)
class Literal(Node):
    value: Decimal | str | bool | int  # number, text, bool; date and duration: an int of days


@dataclass(frozen=True, eq=False)
class Now(Node):
    """Today, as a date: rules count in whole days."""


@dataclass(frozen=True, eq=False)
class Field(Node):
    name: str  # a customer field of the registry, e.g. region, consent.sms


@dataclass(frozen=True, eq=False)
class EventField(Node):
    kind: str
    name: str  # amount | category


@dataclass(frozen=True, eq=False)
class HasTag(Node):
    tag: str


@dataclass(frozen=True, eq=False)
class Aggregate(Node):
    """count, sum, days_since or share over one kind of event, optionally filtered, in the last `window` days."""

    function: str
    kind: str
    filter: Node | None
    window: int | None  # days; None is all time

    @property
    def key(self) -> str:
        return render(self)


@dataclass(frozen=True, eq=False)
class DaysSince(Node):
    operand: Node  # a date


@dataclass(frozen=True, eq=False)
class Rfm(Node):
    part: str  # r | f | m


@dataclass(frozen=True, eq=False)
class Negate(Node):
    operand: Node


@dataclass(frozen=True, eq=False)
class Arithmetic(Node):
    operator: str  # + - * /
    left: Node
    right: Node


@dataclass(frozen=True, eq=False)
class Compare(Node):
    operator: str  # == != < <= > >=
    left: Node
    right: Node


@dataclass(frozen=True, eq=False)
class InList(Node):
    operand: Node
    values: tuple
    negated: bool


@dataclass(frozen=True, eq=False)
class TextMatch(Node):
    operator: str  # contains | startswith | endswith | like
    operand: Node
    pattern: str


@dataclass(frozen=True, eq=False)
class Logic(Node):
    operator: str  # and | or
    items: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Not(Node):
    operand: Node


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Aggregate):
        return (node.filter,) if node.filter is not None else ()
    if isinstance(node, DaysSince | Negate | Not | InList | TextMatch):
        return (node.operand,)
    if isinstance(node, Arithmetic | Compare):
        return (node.left, node.right)
    if isinstance(node, Logic):
        return node.items
    return ()


def walk(node: Node):
    """Every node of the tree, parents before children."""
    yield node
    for child in children(node):
        yield from walk(child)


def render(node: Node) -> str:
    """The node written back as rule text, in one canonical form (used as a key and in explanations)."""
    if isinstance(node, Literal):
        return _literal(node.value, node.type)
    if isinstance(node, Now):
        return "now"
    if isinstance(node, Field):
        return node.name
    if isinstance(node, EventField):
        return f"{node.kind}.{node.name}"
    if isinstance(node, HasTag):
        return f"has_tag({_quote(node.tag)})"
    if isinstance(node, Aggregate):
        subject = render(node.filter) if node.filter is not None else node.kind
        if node.function == "sum":
            subject = f"{node.kind}.amount"
        window = f", {node.window}d" if node.window is not None else ""
        return f"{node.function}({subject}{window})"
    if isinstance(node, DaysSince):
        return f"days_since({render(node.operand)})"
    if isinstance(node, Rfm):
        return f"rfm.{node.part}"
    if isinstance(node, Negate):
        return f"-{_wrap(node.operand, Arithmetic | Logic | Compare | InList | TextMatch)}"
    if isinstance(node, Arithmetic):
        return f"{_wrap(node.left, _BOOLEAN)} {node.operator} {_wrap(node.right, Arithmetic | _BOOLEAN)}"
    if isinstance(node, Compare):
        return f"{_wrap(node.left, _BOOLEAN)} {node.operator} {_wrap(node.right, _BOOLEAN)}"
    if isinstance(node, InList):
        values = ", ".join(_literal(v, node.operand.type) for v in node.values)
        return f"{_wrap(node.operand, _BOOLEAN)} {'not in' if node.negated else 'in'} ({values})"
    if isinstance(node, TextMatch):
        return f"{_wrap(node.operand, _BOOLEAN)} {node.operator} {_quote(node.pattern)}"
    if isinstance(node, Logic):
        return f" {node.operator} ".join(_wrap(item, Logic) for item in node.items)
    if isinstance(node, Not):
        return f"not {_wrap(node.operand, Logic)}"
    raise TypeError(f"not a rule node: {node!r}")


_BOOLEAN = Logic | Not | Compare | InList | TextMatch


def _wrap(node: Node, needs_parentheses) -> str:
    text = render(node)
    return f"({text})" if isinstance(node, needs_parentheses) else text


def _literal(value, type_: str) -> str:
    if type_ == TEXT:
        return _quote(value)
    if type_ == BOOL:
        return "true" if value else "false"
    if type_ == DURATION:
        return f"{value}d"
    if type_ == DATE:
        return f'date("{day_date(value).isoformat()}")'
    return str(value)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
