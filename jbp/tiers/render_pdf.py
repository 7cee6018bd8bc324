"""The JBP report as PDF: the same HTML laid out by weasyprint, with a CJK font checked for first.

Without a font covering Chinese, weasyprint draws every Chinese character as an empty box and says
nothing; we refuse instead and name the package to install (Debian: fonts-wqy-microhei).
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from jbp.errors import JbpError


@lru_cache(maxsize=1)
def has_cjk_font() -> bool:
    """Whether fontconfig knows a font covering Chinese (True when fc-list is absent: we cannot tell)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return True
    found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False, timeout=30)
    return bool(found.stdout.strip())


def write_pdf(html: str, path: Path) -> None:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: pango missing from the system
        raise JbpError(f"PDF output needs weasyprint and its system libraries (pango): {exc}") from exc
    if not has_cjk_font():
        raise JbpError("no font with Chinese characters is installed, so the PDF would show empty boxes: install "
                       "one (Debian/Ubuntu: apt-get install fonts-wqy-microhei) or write .html")
    weasyprint.HTML(string=html).write_pdf(str(path))
