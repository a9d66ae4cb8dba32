"""A test that passed only on its rerun has its first failure shown at the end of the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

FLAKY = """
import pytest
from pathlib import Path

@pytest.mark.flaky(reruns=1)
def test_fails_once(tmp_path_factory):
    flag = Path(__file__).with_name("tried")
    if not flag.exists():
        flag.touch()
        assert 1 + 1 == 3, "the first try's own message"
"""


def _run(folder: Path) -> str:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_rerun_test_says_why_its_first_try_failed(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        "from rerun_support import pytest_runtest_logreport, pytest_terminal_summary\n"
    )
    (tmp_path / "test_flaky.py").write_text(FLAKY)
    out = _run(tmp_path)
    assert "1 passed, 1 rerun" in out
    assert "first try of test_flaky.py::test_fails_once (passed on its rerun)" in out
    assert "the first try's own message" in out


def test_a_run_without_reruns_adds_nothing(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        "from rerun_support import pytest_runtest_logreport, pytest_terminal_summary\n"
    )
    (tmp_path / "test_steady.py").write_text("def test_steady():\n    assert True\n")
    out = _run(tmp_path)
    assert "1 passed" in out and "first try of" not in out
