"""The compare page's summary and address (AppTest)."""

from __future__ import annotations

import functools
import json
import re

import app_support
from frame_support import COMPARE_FRAME_SCRIPT, inlined_scripts, inlined_urls

from territory_viz import assets, render
from ui import compare

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


def compare_args(at) -> dict:
    """The arguments of the page's one compare component (its document, title, paint report)."""
    return app_support.component_args(at, "tv_compare")


def test_compare_maps_follow_and_restore_the_view_of_a_link():
    at = run_app(scenario="land-swap", compare="donbas-for-freeze")
    # Map A, and only A, keeps the address following the view (B and the change map follow
    # A's); it opens on the view the address holds.
    ((view, options),) = _share_views(compare_args(at)["document"])
    assert view is None and options["follow"] and options["fromAddress"]
    linked = run_app(
        scenario="land-swap", compare="donbas-for-freeze", lat="48.5", lon="37.6", zoom="8"
    )
    ((view, options),) = _share_views(compare_args(linked)["document"])
    assert view == {"lat": 48.5, "lon": 37.6, "zoom": 8.0} and options["follow"]


def test_compare_maps_are_one_frame_with_three_maps_and_the_page_drawn_whole_without_a_browser():
    at = run_app(scenario="land-swap", compare="donbas-for-freeze")
    args = compare_args(at)
    assert args["document"].count("L.map(") == 3 and "<iframe" not in args["document"]
    assert args["title"] == compare.COMPARE_FRAME_TITLE
    # No browser to paint (AppTest): nothing waits for a paint report, the whole page is drawn.
    assert args["report_paint"] is False
    assert at.selectbox(key="compare").value == "donbas-for-freeze"
    assert any("Balance from A to B" in h.value for h in at.subheader)
    # The tables are markdown (no data grid), numbers right-aligned.
    assert not at.dataframe
    assert any(md.value.startswith("| Region | In A | In B |") for md in at.markdown)


def test_the_compare_frame_carries_the_scripts_its_document_names_so_it_loads_none():
    at = run_app(scenario="land-swap", compare="donbas-for-freeze")
    document = compare_args(at)["document"]
    page = (compare.FRONTEND / "index.html").read_text(encoding="utf-8")
    assert compare.FRONTEND == compare.BUILT  # the served copy, not the source
    inlined = inlined_urls(page)
    # Leaflet and the helpers, written into the frame in the order the document names them.
    assert re.findall(r'<script src="([^"]+)"', document) == inlined
    assert inlined_scripts(page, COMPARE_FRAME_SCRIPT) == [
        assets.leaflet_js(),
        assets.helpers_js(),
    ]
    source = (compare.SOURCE / "index.html").read_text(encoding="utf-8")
    assert "var INLINED = /*inlined*/[];" in source  # served as it is, it loads them itself
