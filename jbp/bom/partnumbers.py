"""Part numbers from BOM cells, folded for matching, and with packaging suffixes taken off.

Folding is the catalog's (`normalise_part_number`: width, case, separators), so a BOM's `lc1-d09m7c`
meets a stored `LC1D09M7C`. Distributors and makers append packaging to an orderable part number
(`-TR`, `/TR`, `-REEL7`, `-T&R`, Digi-Key's `-ND` and `-1-ND`, `#PBF`, `#TRPBF`, `-E3`, `/NOPB`); a
suffix only counts when a separator sets it apart, because `…KRKT` or `…DR` are part of the part
number. Both the catalog's MPNs and the buyer's are compared with their suffixes taken off.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from jbp.catalog.models import normalise_part_number

_PACKAGING = re.compile(
    r"(?:[-/\s](?:TR|T&R|TR7|TR13|REEL|REEL7|REEL13|R7|R13|CT|BULK|TUBE|TRAY|ND|[0-9]-ND|E3|GE3|NOPB|PBF|TRPBF)"
    r"|#(?:PBF|TRPBF|TR))+\s*$", re.IGNORECASE)


def cell_text(value: object) -> str | None:
    """A cell as text, numbers keeping their digits (836012, not 836012.0; 1.5, not 1.500000001)."""
    if value is None:
        return None
    if type(value) is str:  # the common case first: a BOM is mostly text
        return value.strip() or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def packaging_suffix(text: str) -> str | None:
    """The packaging suffix at the end of a part number as written (`-TR`, `#PBF`), or None."""
    match = _PACKAGING.search(text.strip())
    return match[0].strip() if match and match.start() > 0 else None


def packaging_key(text: str) -> str | None:
    """The folded part number without its packaging suffix, or None when it has none."""
    suffix = packaging_suffix(text)
    if suffix is None:
        return None
    return normalise_part_number(_PACKAGING.sub("", text.strip())) or None
