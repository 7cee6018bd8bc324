"""Tokens of the rule language, each with the line and column where it starts (1-based)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jbp.errors import RuleSyntaxError

MAX_RULE_CHARS = 10_000

KEYWORDS = {"and", "or", "not", "in", "contains", "startswith", "endswith", "like", "true", "false", "now"}
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "(", ")", ",", ".", "+", "-", "*", "/")
_DIGITS = "0123456789"
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # name | keyword | number | duration | string | op | end
    text: str  # the token as written (names and keywords lower-cased), or the string's value
    line: int
    column: int
    number: Decimal | None = None  # numbers: the value; durations: the days


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with an `end` token; RuleSyntaxError at the first character that fits none."""
    if len(text) > MAX_RULE_CHARS:
        raise RuleSyntaxError(f"the rule has {len(text):,} characters; the limit is {MAX_RULE_CHARS:,}", text, 1, 1)
    tokens: list[Token] = []
    i, line, line_start = 0, 1, 0
    while i < len(text):
        char = text[i]
        column = i - line_start + 1
        if char == "\n":
            i, line, line_start = i + 1, line + 1, i + 1
        elif char.isspace():
            i += 1
        elif char == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
        elif char in "\"'":
            value, i = _string(text, i, line, column)
            tokens.append(Token("string", value, line, column))
        elif char in _DIGITS:
            start = i
            while i < len(text) and (text[i] in _DIGITS or text[i] in "._"):
                i += 1
            written = text[start:i].replace("_", "")
            if i < len(text) and text[i] in "dw" and written.isdigit() and not _name_char(text, i + 1):
                days = int(written) * (7 if text[i] == "w" else 1)
                i += 1
                tokens.append(Token("duration", text[start:i], line, column, Decimal(days)))
                continue
            if _name_char(text, i) or written.count(".") > 1 or written.endswith("."):
                raise RuleSyntaxError(f"not a number: {text[start:i + 1]!r} (durations are written 90d or 2w)",
                                      text, line, column)
            tokens.append(Token("number", written, line, column, Decimal(written)))
        elif char.isalpha() or char == "_":
            start = i
            while _name_char(text, i):
                i += 1
            word = text[start:i]
            kind = "keyword" if word.lower() in KEYWORDS else "name"
            tokens.append(Token(kind, word.lower() if kind == "keyword" else word, line, column))
        else:
            operator = next((op for op in _OPERATORS if text.startswith(op, i)), None)
            if operator is None:
                hint = " (use == to compare)" if char == "=" else ""
                raise RuleSyntaxError(f"unexpected character {char!r}{hint}", text, line, column)
            tokens.append(Token("op", operator, line, column))
            i += len(operator)
    tokens.append(Token("end", "", line, i - line_start + 1))
    return tokens


def _name_char(text: str, i: int) -> bool:
    return i < len(text) and (text[i].isalnum() or text[i] == "_")


def _string(text: str, start: int, line: int, column: int) -> tuple[str, int]:
    quote, i, parts = text[start], start + 1, []
    while i < len(text):
        char = text[i]
        if char == quote:
            return "".join(parts), i + 1
        if char == "\n":
            break
        if char == "\\" and i + 1 < len(text):
            escaped = _ESCAPES.get(text[i + 1])
            if escaped is None:
                raise RuleSyntaxError(f"unknown escape \\{text[i + 1]} in a string", text, line,
                                      column + (i - start))
            parts.append(escaped)
            i += 2
            continue
        parts.append(char)
        i += 1
    raise RuleSyntaxError("the string is not closed", text, line, column)
