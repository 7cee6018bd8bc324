"""The JBP report as one self-contained HTML page, from templates/jbp_report.html.j2 (autoescaped)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from jbp.tiers.report import JbpReport

# templates/ sits at the repository root beside jbp/ (ARCHITECTURE.md); jbp/templates is where an installed
# package would carry them.
TEMPLATE_DIRS = (Path(__file__).resolve().parents[2] / "templates", Path(__file__).resolve().parents[1] / "templates")


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=FileSystemLoader([str(d) for d in TEMPLATE_DIRS]), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(report: JbpReport) -> str:
    return environment().get_template("jbp_report.html.j2").render(r=report)
