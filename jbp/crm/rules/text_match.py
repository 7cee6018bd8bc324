"""Text tests of the rule language, in time linear in the text: no regular expressions.

Python's `re` backtracks: `(a+)+$` against "aaaa…ab" takes exponential time, and a rule author (or a UI
that builds rules) can write such a pattern by accident. So `like` is a glob with only `*` (any run of
characters) and `?` (one character), matched greedily: the text must start with the part before the first
`*` and end with the part after the last; each part in between is searched once, left to right, at the
leftmost place it fits, and the search never goes back. Taking the leftmost place is always safe, because
whatever follows the part can only have more room. Worst case O(len(text) × len(pattern)).
All tests ignore case (lower case), so `name contains "abb"` finds "ABB 上海". Over a column of texts the same
algorithm runs vectorised (numpy string ufuncs: startswith, endswith, find from a per-row start).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.dtypes import StringDType


def lowered(values: list[str]) -> np.ndarray:
    """The texts in lower case, as a numpy string array for `match_all`."""
    return np.array([v.lower() for v in values], dtype=StringDType())


def match_all(operator: str, pattern: str, texts: np.ndarray) -> np.ndarray:
    """`matcher(operator, pattern)` over an array made by `lowered`, without a Python call per text."""
    folded = pattern.lower()
    if operator == "contains":
        return np.strings.find(texts, folded) >= 0
    if operator == "startswith":
        return np.strings.startswith(texts, folded)
    if operator == "endswith":
        return np.strings.endswith(texts, folded)
    parts = folded.split("*")
    if operator != "like" or "?" in folded or len(parts) == 1:
        test = matcher(operator, pattern)
        return np.fromiter((test(str(t)) for t in texts), dtype=bool, count=len(texts))
    head, tail = parts[0], parts[-1]
    lengths = np.strings.str_len(texts)
    hits = (lengths >= len(head) + len(tail)) & np.strings.startswith(texts, head) & np.strings.endswith(texts, tail)
    position, end = np.full(len(texts), len(head), dtype=np.int64), lengths - len(tail)
    for part in parts[1:-1]:
        found = np.strings.find(texts, part, position, end)
        hits &= found >= 0
        position = np.where(found >= 0, found + len(part), position)
    return hits


def matcher(operator: str, pattern: str) -> Callable[[str], bool]:
    """A test of one text: contains, startswith, endswith or like (glob with * and ?)."""
    folded = pattern.lower()
    if operator == "contains":
        return lambda text: folded in text.lower()
    if operator == "startswith":
        return lambda text: text.lower().startswith(folded)
    if operator == "endswith":
        return lambda text: text.lower().endswith(folded)
    if operator == "like":
        parts = folded.split("*")
        return lambda text: _glob(text.lower(), parts)
    raise ValueError(f"unknown text test {operator!r}")


def _glob(text: str, parts: list[str]) -> bool:
    if len(parts) == 1:
        return len(text) == len(parts[0]) and _fits(text, 0, parts[0])
    head, tail = parts[0], parts[-1]
    if len(text) < len(head) + len(tail) or not _fits(text, 0, head) or not _fits(text, len(text) - len(tail), tail):
        return False
    position, end = len(head), len(text) - len(tail)
    for part in parts[1:-1]:
        found = _find(text, part, position, end)
        if found < 0:
            return False
        position = found + len(part)
    return True


def _fits(text: str, at: int, part: str) -> bool:
    return all(p == "?" or p == text[at + i] for i, p in enumerate(part))


def _find(text: str, part: str, start: int, end: int) -> int:
    """The leftmost place in text[start:end] where `part` fits (`?` is any character), or -1."""
    if "?" not in part:
        return text.find(part, start, end)
    for at in range(start, end - len(part) + 1):
        if _fits(text, at, part):
            return at
    return -1
