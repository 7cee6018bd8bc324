"""An installed jbp (a built wheel, not this checkout) carries what it reads at run time."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FIND_TEMPLATES = """
from jbp.crm.campaigns.templates import find_template
from jbp.tiers.render_html import environment
print(environment().get_template("jbp_report.html.j2").filename)
print(find_template("welcome_wangwang.j2", None)[1])
"""


def test_the_wheel_carries_the_templates_and_the_installed_code_finds_them(tmp_path):
    source = tmp_path / "source"  # a copy, so that no build/ left in the checkout stands in for the real build
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("jbp", "templates"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(tmp_path)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("jbp-*.whl")
    shipped = {name for name in zipfile.ZipFile(wheel).namelist() if name.startswith("jbp/templates/")}
    in_checkout = {f"jbp/{path.relative_to(ROOT).as_posix()}" for path in (ROOT / "templates").rglob("*.j2")}
    assert shipped == in_checkout and "jbp/templates/jbp_report.html.j2" in shipped

    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    found = subprocess.run([sys.executable, "-c", FIND_TEMPLATES], cwd=tmp_path, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(installed)}, check=True).stdout.split()
    assert [Path(path).relative_to(installed).as_posix() for path in found] == [
        "jbp/templates/jbp_report.html.j2", "jbp/templates/messages/welcome_wangwang.j2"]
