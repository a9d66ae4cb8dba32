"""Why a flaky test needed its rerun, said at the end of the run (hooks for ``conftest.py``).

``pytest-rerunfailures`` reruns a test marked ``@pytest.mark.flaky`` and, when the rerun
passes, names it (``R``) without what went wrong the first time. A flake that passes on
its second try is still a failure to look into: these hooks print its first try's error.
"""

from __future__ import annotations

import pytest

#: Failures that passed on their rerun: kept to be shown at the end.
_RERUN_FAILURES: list[pytest.TestReport] = []

#: The last lines of a first try's report that are shown (the error and where it was raised).
SHOWN_LINES = 40


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.outcome == "rerun":
        _RERUN_FAILURES.append(report)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    for report in _RERUN_FAILURES:
        terminalreporter.write_sep("-", f"first try of {report.nodeid} (passed on its rerun)")
        for line in report.longreprtext.splitlines()[-SHOWN_LINES:]:
            terminalreporter.write_line(line)
