"""Build step: the wheel carries a copy of the repository's ``data/`` as package data.

``data/`` at the top of the repository stays the one source of truth (scripts rebuild it,
``data/SOURCES.md`` records it). Building copies it into ``territory_viz/data/`` of the
build tree only, so an installed package finds its files with no checkout around it (see
``territory_viz.model.DATA_DIR``). Everything else is configured in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithData(build_py):
    """``build_py`` that also copies ``data/`` into the built package."""

    def run(self) -> None:
        """Build the Python files, then copy the data files beside them."""
        super().run()
        source = ROOT / "data"
        if not (source / "SOURCES.md").is_file():
            raise SystemExit(f"{source}: the data folder is missing; build from a full checkout")
        target = Path(self.build_lib) / "territory_viz" / "data"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithData})
