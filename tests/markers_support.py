"""The test run's marker rules that go beyond ``--strict-markers`` (used by ``conftest.py``)."""

from __future__ import annotations

import pytest

#: The marker of a test that needs the internet.
NETWORK = "network"


def deselect_network(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the tests marked ``network`` unless the ``-m`` expression names the marker.

    A plain ``pytest`` and ``pytest -m "not browser"`` then never reach the internet;
    ``pytest -m network`` (or any expression naming it) decides for itself.
    """
    if NETWORK in (config.getoption("markexpr") or ""):
        return
    needs = [item.get_closest_marker(NETWORK) is not None for item in items]
    if any(needs):
        config.hook.pytest_deselected(items=[i for i, n in zip(items, needs, strict=True) if n])
        items[:] = [i for i, n in zip(items, needs, strict=True) if not n]
