"""Reference designator lists as engineers write them: `R1,R2,R5-R8`, `C1、C3`, `"C1, C3"`, `R5~8`, `U1 U2`.

A range expands to every designator in it; anything that is not a letter prefix and a number (`J1A`,
`SW_RESET`) stays one designator as written. Repeats within a list are reported, not counted twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_RANGE = 10_000  # R1-R99999 is a typo, not a board
_SPLIT = re.compile(r"[,，、;；\s]+")
_RANGE_SPACES = re.compile(r"\s*([-~～–—])\s*")
_SINGLE = re.compile(r"([A-Za-z]+)(\d+)")
_RANGE = re.compile(r"([A-Za-z]+)(\d+)[-~～–—]([A-Za-z]*)(\d+)")


@dataclass
class Designators:
    names: list[str] = field(default_factory=list)  # in the order written, each once
    repeated: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def expand_designators(text: str) -> Designators:
    """The designators `text` lists, expanded; ranges that run backwards or are absurdly long are problems."""
    result = Designators()
    seen: set[str] = set()
    cleaned = _RANGE_SPACES.sub(r"\1", text.strip().strip("\"'"))
    for token in filter(None, _SPLIT.split(cleaned)):
        for name in _expand(token, result):
            key = name.upper()
            if key in seen:
                result.repeated.append(name)
            else:
                seen.add(key)
                result.names.append(name)
    return result


def _expand(token: str, result: Designators) -> list[str]:
    match = _RANGE.fullmatch(token)
    if match is None:
        return [token]
    prefix, first, second_prefix, last = match.groups()
    if second_prefix and second_prefix.upper() != prefix.upper():
        return [token]
    start, end = int(first), int(last)
    if end < start:
        result.problems.append(f"designator range {token} runs backwards")
        return [token]
    if end - start + 1 > MAX_RANGE:
        result.problems.append(f"designator range {token} spans {end - start + 1:,} parts")
        return [token]
    return [f"{prefix}{number}" for number in range(start, end + 1)]


def designator_prefix(names: list[str]) -> str | None:
    """The common letter prefix of the designators (`R` for R1, R2), or None when they differ or have none."""
    prefixes = {match[1].upper() for name in names if (match := _SINGLE.fullmatch(name))}
    return prefixes.pop() if len(prefixes) == 1 else None
