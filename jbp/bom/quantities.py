"""BOM quantities as typed: `1,000`, `2 pcs`, `10个`, `3 套`, `2.5 m`, `500mm`, or a number cell.

Counts are kept as Decimal (a quantity is multiplied by the number of boards and priced, never a
float); a physical quantity (`2.5 m` of cable) keeps its SI unit. Zero, negative, text and ranges are
refused with a reason the buyer can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from jbp.units import try_parse_quantity

# Counting words: pieces, sets, units. units.py knows pcs/个/只/件; BOMs use many more.
COUNT_WORDS = r"pcs|pc|ea|nos|units?|sets?|个|只|件|套|台|片|颗|根|条|支|块|把|卷|盒|包|对|组|粒"
_COUNT = re.compile(rf"([0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:{COUNT_WORDS})?\.?", re.IGNORECASE)
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")


@dataclass(frozen=True, slots=True)
class BomQuantity:
    """A parsed quantity: `value` in `unit` ("" for a count), or `problem` saying why there is none."""

    value: Decimal | None
    unit: str = ""
    problem: str | None = None


def parse_bom_quantity(cell: object) -> BomQuantity | None:
    """The quantity in a cell; None when the cell is empty."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, bool):
        return BomQuantity(None, problem=f"quantity {cell!r} is not a number")
    if isinstance(cell, int | float):
        return _checked(Decimal(repr(cell)) if isinstance(cell, float) else Decimal(cell), "", str(cell))
    text = str(cell).strip()
    count = _COUNT.fullmatch(text)
    if count is not None:
        digits = count[1]
        if "," in digits:
            if not _THOUSANDS.fullmatch(digits):
                return BomQuantity(None, problem=f"quantity {text!r}: cannot tell whether the comma separates "
                                                 "thousands or decimals")
            digits = digits.replace(",", "")
        return _checked(Decimal(digits), "", text)
    if text.startswith("-") and try_parse_quantity(text[1:].strip()) is not None:
        return BomQuantity(None, problem=f"quantity {text!r} is negative")
    parsed = try_parse_quantity(text)
    if parsed is None or parsed.value is None:
        kind = "a range, not one quantity" if parsed is not None else "not a number"
        return BomQuantity(None, problem=f"quantity {text!r} is {kind}")
    try:
        value = Decimal(repr(parsed.value))
    except InvalidOperation:
        return BomQuantity(None, problem=f"quantity {text!r} is not a number")
    return _checked(value, parsed.unit, text)


def _checked(value: Decimal, unit: str, text: str) -> BomQuantity:
    if not value.is_finite():
        return BomQuantity(None, problem=f"quantity {text!r} is not a number")
    if value == 0:
        return BomQuantity(None, problem="quantity is zero")
    if value < 0:
        return BomQuantity(None, problem=f"quantity {text!r} is negative")
    return BomQuantity(value.to_integral_value() if value == value.to_integral_value() else value.normalize(), unit)
