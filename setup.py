"""Packaging hook, the only one: the templates live in templates/ at the top of the repository and a built
wheel carries them as jbp/templates/, so that an installed jbp renders reports and messages too
(package data cannot reach outside the package's folder). Everything else is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithTemplates(build_py):
    def run(self):
        super().run()
        shutil.copytree(Path(__file__).parent / "templates", Path(self.build_lib) / "jbp" / "templates",
                        dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithTemplates})
