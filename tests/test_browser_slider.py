"""The map page's date slider in a real browser: each step moves the headline, the legend,
the address and the map to that day's line.

The history is the committed snapshots plus two synthetic days "fetched" into a temporary
``TERRITORY_VIZ_CACHE`` (in DeepStateMap's daily-file shape), dated between the two newest
snapshots, so the default (the newest day) stays a committed snapshot. The days are indexed
and reconciled here, before the server starts (as ``fetch`` does), so the page only reads.
Every wait is on a condition (the run finished, the text shown, the paths drawn), not a
fixed pause.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    MAP_FRAME,
    ROOT,
    STARTUP_TIMEOUT_S,
    page_query,
    wait_script_idle,
)
from shapely.geometry import box, mapping

from territory_viz import datasets, render
from territory_viz import history as H

pytestmark = pytest.mark.browser

import _harness  # noqa: E402 - on sys.path through browser_support

#: Synthetic fetched days: boxes in Donetsk and Zaporizhzhia oblasts (small: fast to
#: reconcile and evaluate), between the two newest committed snapshots.
FETCHED = {
    "2025-12-01": box(37.4, 47.9, 38.2, 48.4),
    "2026-03-01": box(35.6, 47.2, 36.6, 47.7),
}
SLIDER = ".st-key-date input[type='range'], .st-key-date [role='slider']"
FILL_PATHS = ".leaflet-tv-fill-pane path.leaflet-interactive"


@pytest.fixture(scope="module")
def history_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """A server whose user cache holds the synthetic days; yields its URL and all dates."""
    cache = tmp_path_factory.mktemp("slider_cache")
    target = cache / "deepstate"
    target.mkdir()
    for date, geom in FETCHED.items():
        feature = {"type": "Feature", "properties": {}, "geometry": mapping(geom)}
        (target / f"deepstatemap_data_{date.replace('-', '')}.geojson").write_text(
            json.dumps(feature)
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(H.CACHE_ENV, str(cache))
        H.clear_caches()
        days = H.default_history()
        H.timeline(days)  # indexes and reconciles every day, kept on disk for the server
        dates = days.dates()
    H.clear_caches()
    log_path = Path(tmp_path_factory.mktemp("slider_server")) / "server.log"
    try:
        with _harness.streamlit_server(
            ROOT, log_path=log_path, timeout_s=STARTUP_TIMEOUT_S, env={H.CACHE_ENV: str(cache)}
        ) as (url, _pid):
            yield url, dates
    except _harness.ServerFailed as err:
        pytest.fail(str(err))


#: The map frame's painted control: every fill path's outline, joined (changes with the line).
_PAINTED = f"""() => {{
    const frames = document.querySelectorAll({json.dumps(MAP_FRAME)});
    const doc = frames.length ? frames[frames.length - 1].contentDocument : null;
    if (!doc) return null;
    const date = doc.querySelector('.tv-date');
    const paths = Array.from(doc.querySelectorAll({json.dumps(FILL_PATHS)}));
    if (!date || !paths.length) return null;
    return {{date: date.textContent, paths: paths.map(p => p.getAttribute('d')).join('|')}};
}}"""


def _wait_for_day(page, date: str, newest: str, before: str | None) -> str:
    """Wait until the page, the legend, the address and the map show ``date``.

    Returns the map's painted paths (to tell the next repaint from this one).
    """
    label = render.date_label(date)
    page.locator("h1", has_text=label).first.wait_for()
    wait_script_idle(page)
    # the address: the newest day is the short link (no ?date=)
    expected = "null" if date == newest else json.dumps(date)
    page.wait_for_function(
        f"() => new URLSearchParams(window.location.search).get('date') === {expected}"
    )
    handle = page.wait_for_function(
        f"""() => {{
            const shown = ({_PAINTED})();
            if (!shown || !shown.date.includes({json.dumps(label)})) return null;
            if (shown.paths === {json.dumps(before)}) return null;
            return shown.paths;
        }}"""
    )
    return handle.json_value()


def test_moving_the_slider_moves_headline_legend_address_and_map(history_server, page_factory):
    url, dates = history_server
    committed = [s.removeprefix("occupied-") for s in datasets.snapshot_ids()]
    assert len(dates) >= 3 and set(FETCHED) <= set(dates) and set(committed) <= set(dates)
    newest = dates[-1]
    assert newest == committed[-1]  # the synthetic days are older: the default is a snapshot
    page, _ = page_factory()
    page.goto(f"{url}/?scenario=land-swap")
    painted = _wait_for_day(page, newest, newest, None)
    slider = page.locator(SLIDER).first
    # Walk back over the three newest days (two synthetic, then a committed one), then forward
    # to the newest again: each step shows its own day everywhere and repaints the map.
    seen = {newest: painted}
    for date in reversed(dates[-4:-1]):
        slider.press("ArrowLeft")
        painted = _wait_for_day(page, date, newest, painted)
        assert page_query(page)["date"] == date and page_query(page)["scenario"] == "land-swap"
        legend = page.locator(MAP_FRAME).last.content_frame.locator(".tv-date").first
        assert render.date_label(date) in legend.inner_text()
        seen[date] = painted
    assert len(set(seen.values())) == len(seen)  # every day drew its own line
    page.locator(SLIDER).first.press("End")
    _wait_for_day(page, newest, newest, painted)  # back on the newest: the short link again
    assert "date" not in page_query(page) and page_query(page)["scenario"] == "land-swap"
