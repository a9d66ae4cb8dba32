"""The compare page keeps its maps' view in the address, as the map page does.

Moving any of the three synced maps writes ``&lat=&lon=&zoom=`` (map A's view) into the
address without a rerun; another scenario B redraws the maps on that view; the copied link
opens all three maps on it. Waits are on conditions (the maps painted, the address written).
"""

from __future__ import annotations

import time

import pytest
from browser_support import (
    COMPARE_FRAME,
    MAPS_VIEW_JS,
    compare_frame,
    page_query,
    wait_maps_painted,
    wait_script_idle,
)

pytestmark = pytest.mark.browser

WAIT_S = 60


def _painted_frame(page, scenario_b: str):
    """The compare document once it shows B = ``scenario_b`` with its three maps painted."""
    deadline = time.monotonic() + WAIT_S
    while True:
        page.locator(COMPARE_FRAME).wait_for()
        frame = compare_frame(page)
        if frame is not None and frame.locator("h4", has_text=scenario_b).count():
            break
        assert time.monotonic() < deadline, f"no compare maps with B: {scenario_b}"
        time.sleep(0.25)
    wait_maps_painted(frame)
    frame.locator(".folium-map[data-synced='1']").nth(2).wait_for()
    return frame


def _address_holds(page, frame) -> list:
    """Wait until the address holds map A's view; return the maps' views."""
    deadline = time.monotonic() + WAIT_S
    while True:
        views, q = frame.evaluate(MAPS_VIEW_JS), page_query(page)
        if {"lat", "lon", "zoom"} <= set(q):
            a = views[0]
            if (
                abs(float(q["lat"]) - a[0]) < 1e-4
                and abs(float(q["lon"]) - a[1]) < 1e-4
                and abs(float(q["zoom"]) - a[2]) < 0.01
            ):
                return views
        assert time.monotonic() < deadline, f"address {q} never held map A's view {views[0]}"
        time.sleep(0.25)


def _same_centre(views: list) -> None:
    for view in views[1:]:
        assert view[0] == pytest.approx(views[0][0], abs=0.05), views
        assert view[1] == pytest.approx(views[0][1], abs=0.05), views


def test_compare_maps_keep_their_view_in_the_address(server, page_factory):
    page, _ = page_factory(1400, 1500)
    page.goto(f"{server}/?scenario=land-swap&compare=ceasefire-current-line")
    frame = _painted_frame(page, "B: ")
    wait_script_idle(page)
    assert "lat" not in page_query(page)  # framing Ukraine on opening is nobody's view
    opened = frame.evaluate(MAPS_VIEW_JS)
    # The viewer zooms map B: all three move, the address takes A's view.
    box = frame.locator(".folium-map").nth(1).bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.45)
    page.mouse.wheel(0, -300)
    views = _address_holds(page, frame)
    assert views[0][2] > opened[0][2], (opened, views)  # zoomed in, through map B
    _same_centre(views)
    q = page_query(page)
    assert q["scenario"] == "land-swap" and q["compare"] == "ceasefire-current-line"
    # Another B redraws the maps (a new document): on the view the address holds.
    page.locator(".st-key-compare [data-testid='stSelectbox']").first.click()
    page.locator("[role='option']", has_text="Ukraine's 1991 borders").first.click()
    frame = _painted_frame(page, "1991 borders")
    wait_script_idle(page)
    redrawn = _address_holds(page, frame)
    # Within one screen pixel (Leaflet places a fractional zoom's centre on whole pixels).
    pixel = 360 / (256 * 2 ** views[0][2])
    assert redrawn[0][0] == pytest.approx(views[0][0], abs=pixel), (views, redrawn)
    assert redrawn[0][1] == pytest.approx(views[0][1], abs=pixel), (views, redrawn)
    assert redrawn[0][2] == pytest.approx(views[0][2], abs=0.01), (views, redrawn)
    _same_centre(redrawn)
    assert page_query(page)["compare"] == "ukraine-1991-borders"
    # The copied link opens the same view on all three maps.
    other, _ = page_factory(1400, 1500)
    other.goto(page.url)
    frame = _painted_frame(other, "1991 borders")
    reopened = _address_holds(other, frame)
    assert reopened[0][0] == pytest.approx(redrawn[0][0], abs=pixel)
    assert reopened[0][1] == pytest.approx(redrawn[0][1], abs=pixel)
    assert reopened[0][2] == pytest.approx(redrawn[0][2], abs=0.01)
    _same_centre(reopened)
