"""The compare page's summary and address (AppTest)."""

from __future__ import annotations

import functools
import json
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


def _share_views(doc: str) -> list[tuple[dict | None, dict]]:
    """The (view, options) of every ``TV.shareView`` call of a document."""
    found = re.findall(r"TV\.shareView\(map_\w+, (.+?), (\{.+?\})\);", doc)
    return [(json.loads(view), json.loads(options)) for view, options in found]


def test_compare_maps_follow_and_restore_the_view_of_a_link():
    at = run_app(scenario="land-swap", compare="donbas-for-freeze")
    (frame,) = at.get("iframe")
    # Map A, and only A, keeps the address following the view (B and the change map follow
    # A's); it opens on the view the address holds.
    ((view, options),) = _share_views(frame.proto.srcdoc)
    assert view is None and options["follow"] and options["fromAddress"]
    linked = run_app(
        scenario="land-swap", compare="donbas-for-freeze", lat="48.5", lon="37.6", zoom="8"
    )
    ((view, options),) = _share_views(linked.get("iframe")[0].proto.srcdoc)
    assert view == {"lat": 48.5, "lon": 37.6, "zoom": 8.0} and options["follow"]
