"""The run's marker rules: unknown markers fail, tests that need the internet stay out."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Each case is a pytest run in a child (a few seconds each).
pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent

CONFTEST = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
from markers_support import deselect_network

def pytest_collection_modifyitems(config, items):
    deselect_network(config, items)
"""

INI = """
[pytest]
strict_markers = true
markers =
    browser: a browser test
    network: needs the internet
"""

MODULE = """
import pytest

def test_offline():
    pass

@pytest.mark.network
def test_online():
    pass

@pytest.mark.network
@pytest.mark.browser
def test_online_in_a_browser():
    pass
"""


def collect(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The test names a pytest run in ``folder`` would run (``--collect-only``)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A throwaway project with this suite's marker rules and one module of tests."""
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text(INI, encoding="utf-8")
    (tmp_path / "test_some.py").write_text(MODULE, encoding="utf-8")
    return tmp_path


def names(done: subprocess.CompletedProcess[str]) -> set[str]:
    assert done.returncode in (0, 5), done.stdout + done.stderr  # 5: none selected
    return {line.split("::")[1] for line in done.stdout.splitlines() if "::" in line}


@pytest.mark.parametrize("args", [(), ("-m", "not browser"), ("-m", "browser")])
def test_tests_that_need_the_internet_are_deselected_by_default(project, args) -> None:
    done = collect(project, *args)
    assert not names(done) & {"test_online", "test_online_in_a_browser"}
    assert "deselected" in done.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("-m", "network"), {"test_online", "test_online_in_a_browser"}),
        (("-m", "network and not browser"), {"test_online"}),
        (("-m", "not network"), {"test_offline"}),
    ],
)
def test_an_expression_naming_network_decides_itself(project, args, expected) -> None:
    assert names(collect(project, *args)) == expected


def test_an_unregistered_marker_is_an_error(project) -> None:
    (project / "test_typo.py").write_text(
        textwrap.dedent("""
            import pytest

            @pytest.mark.netwrok
            def test_typo():
                pass
        """),
        encoding="utf-8",
    )
    done = collect(project)
    assert done.returncode != 0 and "'netwrok' not found in `markers`" in done.stdout, done.stdout


def test_this_suite_runs_with_strict_markers_and_warnings_as_errors(
    pytestconfig: pytest.Config,
) -> None:
    assert pytestconfig.getini("strict_markers") is True
    assert pytestconfig.getini("filterwarnings")[0] == "error"
