"""Rule text to a typed tree, by recursive descent over the grammar below; no `eval`, no Python objects reachable.

    rule       := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum [ ("=="|"!="|"<"|"<="|">"|">=") sum
                      | ["not"] "in" "(" literal ("," literal)* ")"
                      | ("contains"|"startswith"|"endswith"|"like") STRING ]
    sum        := product (("+"|"-") product)*
    product    := unary (("*"|"/") unary)*
    unary      := "-" unary | atom
    atom       := NUMBER | STRING | DURATION | "true" | "false" | "now" | "(" or_expr ")"
                | NAME "(" arguments ")" | NAME ("." NAME)*

Every name is resolved against :mod:`jbp.crm.rules.fields` and every operator checks the types of its
operands while the tree is built, so errors carry the line and column of the token at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from jbp.crm.clock import day_number
from jbp.crm.rules import fields as registry
from jbp.crm.rules.lexer import Token, tokenize
from jbp.crm.rules.tree import (
    BOOL,
    DATE,
    DURATION,
    MONEY,
    NUMBER,
    ORDERED,
    TEXT,
    Aggregate,
    Arithmetic,
    Compare,
    DaysSince,
    EventField,
    Field,
    HasTag,
    InList,
    Literal,
    Logic,
    Negate,
    Node,
    Not,
    Now,
    Rfm,
    TextMatch,
    render,
    walk,
)
from jbp.errors import RuleSyntaxError

MAX_DEPTH = 64  # nesting of parentheses and operators; deeper input is refused, never a RecursionError
MAX_LIST = 1000
MAX_PATTERN = 200
_COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}
_MATCHES = {"contains", "startswith", "endswith", "like"}


@dataclass(frozen=True, eq=False)
class _KindRef(Node):
    """A bare event kind, valid only as the subject of count, days_since or share."""

    kind: str


def parse_rule(text: str) -> Node:
    """The typed tree of a condition; RuleSyntaxError (line, column) for anything wrong with it."""
    return _Parser(text).rule()


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.position = 0
        self.depth = 0
        self.in_event = False

    # ---- plumbing

    @property
    def token(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def at(self, kind: str, *texts: str) -> bool:
        return self.token.kind == kind and (not texts or self.token.text in texts)

    def expect(self, kind: str, text: str, what: str) -> Token:
        if not self.at(kind, text):
            self.fail(f"expected {what}, found {self.describe(self.token)}")
        return self.advance()

    def fail(self, reason: str, where: Token | Node | None = None):
        where = where or self.token
        raise RuleSyntaxError(reason, self.text, where.line, where.column)

    @staticmethod
    def describe(token: Token) -> str:
        if token.kind == "end":
            return "the end of the rule"
        if token.kind == "string":
            return f"the text {token.text!r}"
        return f"{token.text!r}"

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"the rule nests deeper than {MAX_DEPTH} levels")

    # ---- grammar

    def rule(self) -> Node:
        if self.at("end"):
            self.fail("the rule is empty")
        node = self.or_expr()
        if not self.at("end"):
            hint = " (missing `and`/`or`?)" if self.token.kind in ("name", "string", "number") else ""
            self.fail(f"unexpected {self.describe(self.token)}{hint}")
        if node.type != BOOL or isinstance(node, _KindRef):
            self.fail(f"a rule must be a condition (true or false), but this is a {self.type_name(node)}", node)
        return node

    def or_expr(self) -> Node:
        return self.logic("or", self.and_expr)

    def and_expr(self) -> Node:
        return self.logic("and", self.not_expr)

    def logic(self, operator: str, operand) -> Node:
        first = operand()
        items = [first]
        while self.at("keyword", operator):
            self.advance()
            items.append(operand())
        if len(items) == 1:
            return first
        for item in items:
            self.require_bool(item, operator)
        return Logic(BOOL, first.line, first.column, operator, tuple(items))

    def not_expr(self) -> Node:
        if self.at("keyword", "not"):
            token = self.advance()
            self.nest()
            operand = self.not_expr()
            self.depth -= 1
            self.require_bool(operand, "not")
            return Not(BOOL, token.line, token.column, operand)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum_expr()
        token = self.token
        if token.kind == "op" and token.text in _COMPARISONS:
            self.advance()
            return self.compare(token, left, self.sum_expr())
        if self.at("keyword", "in") or (self.at("keyword", "not") and self.tokens[self.position + 1].text == "in"):
            negated = self.advance().text == "not"
            if negated:
                self.advance()
            return self.in_list(token, left, negated)
        if token.kind == "keyword" and token.text in _MATCHES:
            self.advance()
            pattern = self.expect("string", self.token.text, f"a text in quotes after {token.text}")
            return self.text_match(token, left, pattern)
        return left

    def sum_expr(self) -> Node:
        node = self.product()
        while self.at("op", "+", "-"):
            token = self.advance()
            node = self.arithmetic(token, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.at("op", "*", "/"):
            token = self.advance()
            node = self.arithmetic(token, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("op", "-"):
            token = self.advance()
            self.nest()
            operand = self.unary()
            self.depth -= 1
            if operand.type not in (NUMBER, MONEY, DURATION):
                self.fail(f"cannot negate a {self.type_name(operand)}", token)
            if isinstance(operand, Literal):
                return Literal(operand.type, token.line, token.column, -operand.value)
            return Negate(operand.type, token.line, token.column, operand)
        return self.atom()

    def atom(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.advance()
            return Literal(NUMBER, token.line, token.column, token.number)
        if token.kind == "duration":
            self.advance()
            return Literal(DURATION, token.line, token.column, int(token.number))
        if token.kind == "string":
            self.advance()
            return Literal(TEXT, token.line, token.column, token.text)
        if self.at("keyword", "true", "false"):
            self.advance()
            return Literal(BOOL, token.line, token.column, token.text == "true")
        if self.at("keyword", "now"):
            self.advance()
            return Now(DATE, token.line, token.column)
        if self.at("op", "("):
            self.advance()
            self.nest()
            node = self.or_expr()
            self.depth -= 1
            self.expect("op", ")", "a closing parenthesis")
            return node
        if token.kind == "name":
            self.advance()
            if self.at("op", "("):
                return self.call(token)
            return self.name(token)
        self.fail(f"expected a value, a field or a function, found {self.describe(token)}")

    # ---- names and calls

    def name(self, first: Token) -> Node:
        parts = [first.text]
        while self.at("op", "."):
            self.advance()
            parts.append(self.expect("name", self.token.text, "a field name after '.'").text)
        head = parts[0]
        if head == "rfm":
            if len(parts) != 2 or parts[1] not in registry.RFM_PARTS:
                self.fail("RFM scores are rfm.r, rfm.f and rfm.m", first)
            return Rfm(NUMBER, first.line, first.column, parts[1])
        kind = registry.event_kind(head)
        if kind is not None:
            if not self.in_event:
                self.fail(f"{head} is an event kind: use it inside count({head}, 90d), sum({head}.amount, 365d), "
                          f"days_since({head}) or share({head}.category == \"MRO\", 365d)", first)
            if len(parts) == 1:
                return _KindRef("kind", first.line, first.column, kind)
            if len(parts) != 2 or parts[1] not in registry.EVENT_FIELDS:
                self.fail(f"events have the fields {', '.join(registry.EVENT_FIELDS)}; "
                          f"{'.'.join(parts[1:])!r} is not one of them", first)
            return EventField(registry.EVENT_FIELDS[parts[1]], first.line, first.column, kind, parts[1])
        written = ".".join(parts)
        definition = registry.customer_field(written)
        if definition is None:
            close = registry.suggestions(written, registry.all_names())
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            self.fail(f"unknown field {written!r}{hint}", first)
        return Field(definition.type, first.line, first.column, definition.name)

    def call(self, name: Token) -> Node:
        function = name.text.lower()
        if function not in registry.FUNCTIONS:
            close = registry.suggestions(function, registry.FUNCTIONS)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            self.fail(f"unknown function {name.text!r}{hint}", name)
        if self.in_event:
            self.fail(f"{function}(…) cannot be used inside a condition on events", name)
        self.advance()  # (
        if function in ("has_tag", "date"):
            argument = self.expect("string", self.token.text, f"a text in quotes: {registry.FUNCTIONS[function]}")
            self.expect("op", ")", "a closing parenthesis")
            return self.has_tag(name, argument) if function == "has_tag" else self.date(name, argument)
        self.in_event = True
        self.nest()
        subject = self.or_expr()
        self.depth -= 1
        self.in_event = False
        window = None
        if self.at("op", ","):
            self.advance()
            if function == "days_since":
                self.fail("days_since takes no window: it looks at the latest event ever")
            window_token = self.expect("duration", self.token.text, "a window such as 90d or 12w")
            window = int(window_token.number)
        self.expect("op", ")", "a closing parenthesis" if window is not None else "',' and a window, or ')'")
        return self.aggregate(name, function, subject, window)

    def has_tag(self, name: Token, argument: Token) -> Node:
        tag = argument.text.strip()
        if not tag or len(tag) > 64:
            self.fail("a tag name has 1 to 64 characters", argument)
        return HasTag(BOOL, name.line, name.column, tag)

    def date(self, name: Token, argument: Token) -> Node:
        try:
            day = day_number(date.fromisoformat(argument.text.strip()))
        except ValueError:
            self.fail(f"not a date: {argument.text!r} (write date(\"2026-01-31\"))", argument)
        return Literal(DATE, name.line, name.column, day)

    def aggregate(self, name: Token, function: str, subject: Node, window: int | None) -> Node:
        if function == "sum":
            if not (isinstance(subject, EventField) and subject.name == "amount"):
                self.fail("sum adds up amounts: write sum(order.amount, 365d)", subject)
            return Aggregate(MONEY, name.line, name.column, "sum", subject.kind, None, window)
        if function == "days_since" and not isinstance(subject, _KindRef) and not self.event_fields(subject):
            if subject.type != DATE:
                self.fail(f"days_since needs an event kind or a date, not a {self.type_name(subject)}", subject)
            return DaysSince(NUMBER, name.line, name.column, subject)
        if isinstance(subject, _KindRef):
            if function == "share":
                self.fail("share needs a condition on the events, e.g. share(order.category == \"MRO\", 365d)",
                          subject)
            return Aggregate(NUMBER, name.line, name.column, function, subject.kind, None, window)
        kinds = {f.kind for f in self.event_fields(subject)}
        if subject.type != BOOL or not kinds:
            example = 'order.category == "MRO"' if function == "share" else "order"
            self.fail(f"{function} needs an event kind or a condition on one, e.g. {function}({example}, 90d)",
                      subject)
        if len(kinds) > 1:
            self.fail(f"a condition inside {function} is about one kind of event, not {', '.join(sorted(kinds))}",
                      subject)
        for node in walk(subject):
            if not isinstance(node, EventField | Literal | Compare | Logic | Not | InList | TextMatch | Arithmetic
                              | Negate):
                self.fail(f"inside {function}(…) a condition may only use the event's fields "
                          f"({', '.join(registry.EVENT_FIELDS)})", node)
        return Aggregate(NUMBER, name.line, name.column, function, kinds.pop(), subject, window)

    @staticmethod
    def event_fields(node: Node) -> list[EventField]:
        return [n for n in walk(node) if isinstance(n, EventField)]

    # ---- operators and their types

    def compare(self, token: Token, left: Node, right: Node) -> Node:
        left, right = self.coerce_money(left, right)
        for side in (left, right):
            if isinstance(side, _KindRef):
                self.fail(f"{side.kind} is an event kind, not a value", side)
        if left.type != right.type:
            self.fail(f"cannot compare {self.typed(left)} with {self.typed(right)}{self.unit_hint(left, right)}",
                      token)
        if token.text not in ("==", "!=") and left.type not in ORDERED:
            self.fail(f"{self.typed(left)} can only be tested with ==, !=, in, contains, startswith, endswith "
                      "or like", token)
        if left.type == TEXT and isinstance(left, Literal) == isinstance(right, Literal):
            self.fail("compare a text field with a text in quotes, e.g. region == \"华东\"", token)
        return Compare(BOOL, left.line, left.column, token.text, left, right)

    def in_list(self, token: Token, operand: Node, negated: bool) -> Node:
        if operand.type not in (TEXT, NUMBER, MONEY) or isinstance(operand, Literal | _KindRef):
            self.fail(f"`in` tests a text or number field against a list, not {self.typed(operand)}", token)
        self.expect("op", "(", "'(' and a list of values")
        values = []
        while True:
            value = self.unary()
            if not isinstance(value, Literal) or (value.type != operand.type and not (
                    operand.type == MONEY and value.type == NUMBER)):
                self.fail(f"the list holds {operand.type} values in quotes or digits, like the field it tests", value)
            values.append(value.value)
            if len(values) > MAX_LIST:
                self.fail(f"the list has more than {MAX_LIST} values", value)
            if not self.at("op", ","):
                break
            self.advance()
        self.expect("op", ")", "',' or ')' to close the list")
        return InList(BOOL, operand.line, operand.column, operand, tuple(values), negated)

    def text_match(self, token: Token, operand: Node, pattern: Token) -> Node:
        if operand.type != TEXT or isinstance(operand, Literal):
            self.fail(f"{token.text} tests a text field, not {self.typed(operand)}", token)
        if not pattern.text or len(pattern.text) > MAX_PATTERN:
            self.fail(f"a pattern has 1 to {MAX_PATTERN} characters", pattern)
        return TextMatch(BOOL, operand.line, operand.column, token.text, operand, pattern.text)

    def arithmetic(self, token: Token, left: Node, right: Node) -> Node:
        left, right = self.coerce_money(left, right) if token.text in "+-" else (left, right)
        result = _ARITHMETIC.get((token.text, left.type, right.type))
        if result is None:
            self.fail(f"cannot compute {self.typed(left)} {token.text} {self.typed(right)}", token)
        if isinstance(left, Literal) and isinstance(right, Literal) and result in (NUMBER, MONEY, DURATION):
            if token.text == "/" and right.value == 0:
                self.fail("division by zero", token)
            value = _FOLD[token.text](left.value, right.value)
            return Literal(result, left.line, left.column, value if result != DURATION else int(value))
        return Arithmetic(result, left.line, left.column, token.text, left, right)

    def coerce_money(self, left: Node, right: Node) -> tuple[Node, Node]:
        """A number written in the rule next to money is money: `sum(order.amount, 365d) > 50000`."""
        if left.type == MONEY and right.type == NUMBER and isinstance(right, Literal):
            right = self.money_literal(right)
        elif right.type == MONEY and left.type == NUMBER and isinstance(left, Literal):
            left = self.money_literal(left)
        return left, right

    def money_literal(self, node: Literal) -> Literal:
        if node.value.as_tuple().exponent < -4:
            self.fail("amounts are counted to 4 decimal places", node)
        return Literal(MONEY, node.line, node.column, node.value)

    def require_bool(self, node: Node, operator: str) -> None:
        if node.type != BOOL or isinstance(node, _KindRef):
            self.fail(f"`{operator}` joins conditions, but this is {self.typed(node)}", node)

    @staticmethod
    def type_name(node: Node) -> str:
        return "event kind" if isinstance(node, _KindRef) else node.type

    def typed(self, node: Node) -> str:
        if isinstance(node, Literal):
            return f"the {node.type} {render(node)}"
        if isinstance(node, _KindRef):
            return f"the event kind {node.kind}"
        return f"{render(node)} ({node.type})"

    @staticmethod
    def unit_hint(left: Node, right: Node) -> str:
        if {left.type, right.type} == {NUMBER, DURATION}:
            return " — days_since(…) is a number of days: write 90, not 90d"
        if {left.type, right.type} == {DATE, NUMBER}:
            return " — compare dates with dates, e.g. created_at > now - 30d"
        return ""


_ARITHMETIC = {
    ("+", NUMBER, NUMBER): NUMBER, ("-", NUMBER, NUMBER): NUMBER,
    ("*", NUMBER, NUMBER): NUMBER, ("/", NUMBER, NUMBER): NUMBER,
    ("+", MONEY, MONEY): MONEY, ("-", MONEY, MONEY): MONEY,
    ("*", MONEY, NUMBER): MONEY, ("*", NUMBER, MONEY): MONEY, ("/", MONEY, NUMBER): MONEY, ("/", MONEY, MONEY): NUMBER,
    ("+", DATE, DURATION): DATE, ("+", DURATION, DATE): DATE, ("-", DATE, DURATION): DATE,
    ("-", DATE, DATE): DURATION, ("+", DURATION, DURATION): DURATION, ("-", DURATION, DURATION): DURATION,
}
_FOLD = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
         "/": lambda a, b: Decimal(a) / Decimal(b)}
