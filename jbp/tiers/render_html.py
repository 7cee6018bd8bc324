"""The JBP report as one self-contained HTML page, from templates/jbp_report.html.j2 (autoescaped)."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from jbp.shipped import templates_dir
from jbp.tiers.report import JbpReport


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(templates_dir()), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(report: JbpReport) -> str:
    return environment().get_template("jbp_report.html.j2").render(r=report)
