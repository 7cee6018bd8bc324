"""Labels of the JBP report and review notes in Chinese and English (from report_labels.toml)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

LANGS = ("zh", "en")
_FILE = Path(__file__).with_name("report_labels.toml")


@lru_cache(maxsize=2)
def labels(lang: str) -> dict[str, str]:
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}")
    return tomllib.loads(_FILE.read_text(encoding="utf-8"))[lang]


def note_text(code: str, params: dict, lang: str = "en") -> str:
    """A review note (`no_activity`, `no_agreement`, …) as a sentence."""
    return labels(lang)[f"note_{code}"].format(**params)
