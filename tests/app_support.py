"""Helpers shared by the tests that run the project as a reader does.

:func:`run_app` runs the page's script once under ``streamlit.testing`` (no browser);
:func:`run_cli` runs the command line in a child process from the checkout's root.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"


def run_app(*, timeout_s: float = 60, **query: str) -> AppTest:
    """The page opened at ``?KEY=VALUE&…`` (``query``), run once; it must raise nothing."""
    at = AppTest.from_file(str(APP), default_timeout=timeout_s)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def run_cli(*args: str, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m territory_viz ARGS`` in a child (output captured as text, not checked)."""
    return subprocess.run(
        [sys.executable, "-m", "territory_viz", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
