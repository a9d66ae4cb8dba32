"""The compare page's summary and address (AppTest)."""

from __future__ import annotations

import functools
import re

import app_support

from territory_viz import render

#: A compare run evaluates two scenarios and draws three maps: slow on a loaded host.
run_app = functools.partial(app_support.run_app, timeout_s=150)


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
