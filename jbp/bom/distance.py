"""Edit distance between part numbers, bounded: only "one or two characters off" matters for matching.

Optimal string alignment (Levenshtein plus swapping two neighbours, the commonest typing slip), with the
common prefix and suffix cut first: near part numbers share most of both, so what is left is short.
"""

from __future__ import annotations


def bounded_distance(first: str, second: str, limit: int) -> int:
    """The OSA distance of the two strings, or `limit + 1` when it is larger than `limit`."""
    start = 0
    shortest = min(len(first), len(second))
    while start < shortest and first[start] == second[start]:
        start += 1
    end = 0
    while end < shortest - start and first[-1 - end] == second[-1 - end]:
        end += 1
    a, b = first[start:len(first) - end], second[start:len(second) - end]
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if not a or not b:
        return max(len(a), len(b))
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1] if previous[-1] <= limit else limit + 1
