"""Whether a BOM's maker column names the brand being quoted: `正泰`, `CHINT`, `Chint Electric`, `正泰电器股份`
all name CHNT; `muRata(村田)` names Murata twice. Aliases come from the brand's definition and from the
substitution area's table of makers whose Chinese and Latin names share no letters (施耐德 = Schneider)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from jbp.catalog.importers.headers import fold_header
from jbp.catalog.models import Brand
from jbp.catalog.substitution.makers import same_maker

_PARTS = re.compile(r"[()（）/,，、]+|(?<=[A-Za-z])(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])(?=[A-Za-z])")


@dataclass(frozen=True, slots=True)
class MakerCheck:
    """`ours`: the line names the quoted brand; `other`: another maker; `none`: no maker given."""

    kind: str
    text: str = ""


class MakerResolver:
    """Answers per maker text, remembered: a BOM names a few makers over and over."""

    def __init__(self, brand: Brand):
        self.names = tuple(n for n in (brand.code, brand.name_zh, brand.name_en, *brand.aliases) if n)
        self._known: dict[str, MakerCheck] = {}

    def check(self, text: str | None) -> MakerCheck:
        text = (text or "").strip()
        if not text:
            return MakerCheck("none")
        if text not in self._known:
            parts = [p.strip() for p in _PARTS.split(text) if p.strip()]
            ours = any(same_maker(part, name) for part in (text, *parts) for name in self.names)
            self._known[text] = MakerCheck("ours" if ours else "other", text)
        return self._known[text]


def makers_agree(line_maker: str, named: str) -> str | None:
    """How a line's maker meets a maker named elsewhere (a cross-reference): "same" when they are spelled
    alike, "alias" when only an alias table says so, None when they differ."""
    if fold_header(line_maker) == fold_header(named):
        return "same"
    parts = [p.strip() for p in _PARTS.split(line_maker) if p.strip()]
    return "alias" if any(same_maker(part, named) for part in (line_maker, *parts)) else None
