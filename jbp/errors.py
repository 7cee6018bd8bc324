"""One exception hierarchy, rooted in :class:`JbpError`, so callers can catch "any jbp error".

Errors about input data carry a :class:`Location` (file, sheet, row, column, value) because a
catalog engineer or a buyer must be able to find the cell that is wrong without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """Where in an input file something was found; every part is optional."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def describe(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.value is not None:
            parts.append(f"value {_clip(self.value)!r}")
        return ", ".join(parts)


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class JbpError(Exception):
    """Root of every error jbp raises on purpose; the CLI reports it and exits with code 1."""


class WorkspaceError(JbpError):
    """No workspace where one was expected, or a workspace that cannot be used."""


class StoreError(JbpError):
    """The database cannot be opened, is too new, or a migration failed."""


class NotFoundError(JbpError):
    """A named thing (SKU, category, parameter, brand) does not exist; suggestions say what does."""

    def __init__(self, message: str, suggestions: list[str] | None = None):
        self.message = message
        self.suggestions = list(suggestions or [])
        if self.suggestions:
            message = f"{message} (did you mean: {', '.join(self.suggestions)}?)"
        super().__init__(message)

    def __reduce__(self):  # pickled whole, e.g. from the process that builds an import's products
        return type(self), (self.message, self.suggestions)


class DataError(JbpError):
    """Bad input data, with the place it was found."""

    def __init__(self, reason: str, location: Location | None = None):
        self.reason = reason
        self.location = location or Location()
        where = self.location.describe()
        super().__init__(f"{where}: {reason}" if where else reason)

    def __reduce__(self):
        return type(self), (self.reason, self.location)


class UnitError(DataError):
    """A quantity that cannot be parsed, or whose unit has the wrong dimension."""


class CatalogImportError(DataError):
    """A catalog file that cannot be imported (unreadable, hostile, or with rejected rows)."""


class BomReadError(DataError):
    """A bill of materials that cannot be read."""


class RuleSyntaxError(JbpError):
    """A user-written rule that does not parse; points at line and column."""

    def __init__(self, reason: str, text: str, line: int, column: int):
        self.reason, self.text, self.line, self.column = reason, text, line, column
        source_line = text.splitlines()[line - 1] if text and line >= 1 else ""
        pointer = " " * max(column - 1, 0) + "^"
        super().__init__(f"line {line}, column {column}: {reason}\n  {source_line}\n  {pointer}")
