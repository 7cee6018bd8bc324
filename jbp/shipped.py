"""Where the jinja2 templates are: templates/ at the top of a checkout (beside jbp/, as ARCHITECTURE.md lays
it out), jbp/templates/ inside an installed wheel (setup.py copies them there when the wheel is built)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def templates_dir() -> Path:
    installed = _PACKAGE / "templates"
    return installed if installed.is_dir() else _PACKAGE.parent / "templates"
