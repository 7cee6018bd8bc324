"""Guarding text written to spreadsheets and CSV against formula injection (and undoing it on import).

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by Excel and
LibreOffice; a leading apostrophe makes it text. Importers strip that apostrophe again so an export
re-imports unchanged.
"""

from __future__ import annotations

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(text: str) -> str:
    """`=HYPERLINK(...)` -> `'=HYPERLINK(...)`; other text unchanged."""
    return "'" + text if text.startswith(_TRIGGERS) else text


def unguard_cell(text: str) -> str:
    """The inverse of `guard_cell`."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_TRIGGERS) else text
