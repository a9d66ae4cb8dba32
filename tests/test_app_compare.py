"""The compare page's summary and address (AppTest)."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from territory_viz import render

APP = str(Path(__file__).resolve().parent.parent / "app.py")
#: A compare run evaluates two scenarios and draws three maps: slow on a loaded host.
TIMEOUT_S = 150


def run_app(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _summary(at) -> str:
    (line,) = [md.value for md in at.markdown if "**A:**" in md.value and "Baseline" in md.value]
    return re.sub(r"\\(.)", r"\1", line)


def test_compare_summary_gives_the_baseline_date_in_words():
    at = run_app(scenario="land-swap", compare="donbas-for-freeze")
    line = _summary(at)
    baseline = render.map_context().baseline_date
    assert f"Baseline: control on {render.date_label(baseline)} (committed snapshot), " in line
    assert baseline not in line and "occupied-" not in line  # no id, no ISO date
    assert re.search(r"[\d,]+ km² under Russian control\.$", line)
