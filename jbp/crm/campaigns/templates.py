"""Message templates: jinja2 in a sandbox, because brand staff write them.

The SandboxedEnvironment refuses attribute access to Python internals (`__class__`, `mro`, function globals),
so a template cannot reach the interpreter; StrictUndefined makes a misspelt variable an error instead of
a blank in a customer's message; e-mail is HTML and autoescaped (a company name with `<` stays text). The
sandbox does not bound CPU, so a template is rendered once when the campaign is loaded and refused if that
takes more than 50 ms, or its message is longer than its channel allows.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from jbp.errors import DataError, Location
from jbp.shipped import templates_dir

MESSAGE_TEMPLATES = templates_dir() / "messages"
MAX_TEMPLATE_CHARS = 20_000
MAX_RENDER_SECONDS = 0.05
MAX_BODY_CHARS = {"sms": 500, "wangwang": 2000, "wecom": 2000, "email": 100_000}

_ENVIRONMENTS = {html: SandboxedEnvironment(autoescape=html, undefined=StrictUndefined, trim_blocks=True,
                                            lstrip_blocks=True) for html in (False, True)}

SAMPLE_CONTEXT = {
    "customer": {"external_id": "C0001", "name": "上海华通电气有限公司", "industry": "电力", "region": "华东",
                 "size": "large", "owner_rep": "王强"},
    "brand": {"code": "CHNT", "name_zh": "正泰", "name_en": "CHINT"},
    "campaign": "sample",
    "coupon": {"code": "SAMPLE0000", "value": "50"},
    "rep": "王强",
}


def find_template(name: str, base: Path | None) -> tuple[str, str]:
    """(text, where it was found) of a template named in a campaign: next to the campaign file, else in the
    shipped templates/messages/."""
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise DataError(f"template {name!r}: name a file next to the campaign or in templates/messages/")
    for folder in (base, MESSAGE_TEMPLATES):
        if folder is not None and (folder / name).is_file():
            path = folder / name
            text = path.read_text(encoding="utf-8")
            if len(text) > MAX_TEMPLATE_CHARS:
                raise DataError(f"longer than {MAX_TEMPLATE_CHARS:,} characters", Location(file=str(path)))
            return text, str(path)
    raise DataError(f"no template {name!r} next to the campaign file or in {MESSAGE_TEMPLATES}")


def render(text: str, html: bool, context: dict) -> str:
    """The template filled in for one customer; TemplateError when it cannot be."""
    return _compiled(text, html).render(context).strip()


@lru_cache(maxsize=256)
def _compiled(text: str, html: bool) -> Template:
    return _ENVIRONMENTS[html].from_string(text)


def check_template(text: str, channel: str, where: str, *, html: bool) -> None:
    """Refuse a template that does not compile, fails on the sample customer, is slow or too long."""
    try:
        _ENVIRONMENTS[html].from_string(text)
    except TemplateSyntaxError as exc:
        raise DataError(f"template syntax: {exc.message}", Location(file=where, row=exc.lineno)) from exc
    started = time.perf_counter()
    try:
        body = render(text, html, SAMPLE_CONTEXT)
    except TemplateError as exc:  # includes the sandbox's SecurityError
        raise DataError(f"template fails on a sample customer: {exc}", Location(file=where)) from exc
    if time.perf_counter() - started > MAX_RENDER_SECONDS:
        raise DataError(f"the template takes over {MAX_RENDER_SECONDS * 1000:.0f} ms to render once",
                        Location(file=where))
    if len(body) > MAX_BODY_CHARS[channel]:
        raise DataError(f"a {channel} message holds at most {MAX_BODY_CHARS[channel]} characters; the sample has "
                        f"{len(body)}", Location(file=where))
