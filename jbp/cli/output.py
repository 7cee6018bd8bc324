"""Rendering for every command: human tables (CJK-width aware), JSON for machines, progress bars."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import click


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if hasattr(value, "model_dump"):  # pydantic models, without importing pydantic at start-up
        return value.model_dump(mode="json")
    if is_dataclass(value):
        return asdict(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def emit_json(document) -> None:
    """Print `document` as JSON; Decimals as strings so no money turns into a float."""
    click.echo(json.dumps(document, default=_default, ensure_ascii=False, indent=2))


def display_width(text: str) -> int:
    if text.isascii():  # most cells: no per-character lookup
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Enum):
        return str(value.value)
    return str(value).replace("\n", " ")


def table(rows: Sequence[Sequence], headers: Sequence[str], *, max_width: int = 48) -> str:
    """A plain-text table; numeric columns right-aligned, long cells clipped with an ellipsis."""
    cells = [[_clip(_cell(v), max_width) for v in row] for row in rows]
    numeric = [any(row[i] is not None for row in rows)
               and all(row[i] is None or isinstance(row[i], int | float | Decimal) for row in rows)
               for i in range(len(headers))]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, widths[i], numeric[i]) for i, h in enumerate(headers)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(r[i], widths[i], numeric[i]) for i in range(len(headers))).rstrip() for r in cells]
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    if display_width(text) <= limit:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def echo_table(rows: Iterable[Sequence], headers: Sequence[str]) -> None:
    click.echo(table(list(rows), headers))


@contextmanager
def progress(label: str, total: int | None = None):
    """A progress bar on a terminal (stderr), nothing when piped; yields an `advance(n)` callable."""
    if not sys.stderr.isatty():
        yield lambda _n: None
        return
    with click.progressbar(length=total or 0, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar.update
