"""The form in which headers and names from files are compared (catalog, BOM and CRM files alike)."""

from __future__ import annotations

import re
import unicodedata

_FOLD = re.compile(r"[\s_\-.:#/]+")


def fold_header(text: str) -> str:
    """NFKC, lower case, runs of separators to one space: `Part No.`, `part_no` and `ＰＡＲＴ NO` are one header."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    return _FOLD.sub(" ", folded).strip()
