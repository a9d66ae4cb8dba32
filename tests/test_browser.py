"""End to end in a real browser: ``streamlit run app.py`` driven by headless Chromium, offline.

Every request to a host other than the local server is blocked and recorded; a script or
stylesheet from elsewhere fails the test. Screenshots go to the git-ignored ``artifacts/``.

Needs Debian's ``/usr/bin/chromium`` and Playwright's Python package (Playwright's own browser
download is not used). Without them the tests skip, unless ``TERRITORY_VIZ_REQUIRE_BROWSER=1``
(set by ``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import time

import pytest
from browser_support import (
    FIGURE_VALUES,
    MAP_FRAME,
    PAINTED,
    open_and_wait_for_map,
    picker_shown,
    screenshot,
    wait_script_idle,
)

pytestmark = pytest.mark.browser


def fill_colours(frame) -> list[str]:
    return frame.locator(".leaflet-tv-fill-pane path").evaluate_all(
        "paths => paths.map(p => p.getAttribute('fill'))"
    )


def metric_values(page) -> list[str]:
    return page.locator(FIGURE_VALUES).all_inner_texts()


def boxes_overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def assert_crimea_clear_of_legend(page) -> None:
    """The map opens with Crimea's southern tip above the legend (legend and scale below)."""
    frame = next(f for f in page.frames if "tv_map" in f.url)
    time.sleep(1.2)  # the map reframes itself once the legend has its caption
    tip_y, legend_top = frame.evaluate(
        """() => {
          const box = window.map.getContainer().getBoundingClientRect();
          const legend = document.querySelector('.tv-legend').getBoundingClientRect();
          return [window.map.latLngToContainerPoint([44.39, 33.8]).y, legend.top - box.top];
        }"""
    )
    assert 0 < tip_y < legend_top, (tip_y, legend_top)


def test_map_paints_offline_with_legend_and_tooltips(server, page_factory):
    page, offline = page_factory()
    frame, seconds = open_and_wait_for_map(page, f"{server}/?scenario=ceasefire-current-line")
    assert frame.locator(".leaflet-interactive").count() > 30  # pieces and towns
    legend = frame.locator(".tv-legend")
    text = legend.inner_text()
    for expected in ("Legend", "Ceasefire on the current line", "Baseline: control on", "Sources:"):
        assert expected in text
    legend_box = legend.bounding_box()
    assert not boxes_overlap(legend_box, frame.locator(".leaflet-control-zoom").bounding_box())
    # One layer control: the sidebar's checkboxes (the map has none of its own).
    assert frame.locator(".leaflet-control-layers").count() == 0
    # Hovering a piece shows its tooltip with units (dispatched on the path itself, so a
    # town marker drawn over the piece cannot catch the pointer instead).
    frame.locator(".leaflet-tv-fill-pane path.leaflet-interactive").first.dispatch_event(
        "mouseover"
    )
    tooltip = frame.locator(".leaflet-tooltip").first
    tooltip.wait_for()
    assert "km²" in tooltip.inner_text() and "Control:" in tooltip.inner_text()
    assert tooltip.bounding_box()["width"] >= 150  # not a one-word column
    assert_crimea_clear_of_legend(page)
    # The scale bar sits in the legend's footer, not under or over it.
    assert frame.locator(".tv-legend .leaflet-control-scale").count() == 1
    screenshot(page, "browser-desktop.png")
    offline.assert_no_foreign_assets()
    print(f"map painted in {seconds:.2f} s")


#: In the map's frame, as its fills are drawn (before their paint, hence before the frame
#: reports it): which of the page's widgets exist, and where the frame is on the page.
AT_FIRST_PAINT_JS = """
(() => {
  // Run in the frame's first (about:blank) document: the map's document reuses its window.
  if (window === window.top) { return; }
  var timer = setInterval(function () {
    if (!document.getElementById("map_div")) { return; }
    clearInterval(timer);
    new MutationObserver(function (_, observer) {
      if (!document.querySelector("__PAINTED__")) { return; }
      observer.disconnect();
      var top = window.top.document, box = window.frameElement.getBoundingClientRect();
      window.__tvAtPaint = {
        top: box.top + window.top.scrollY,
        left: box.left,
        widgets: top.querySelectorAll(
          "[data-testid='stSelectbox'], [data-testid='stSlider'], [data-testid='stCheckbox']"
        ).length,
        held: (top.querySelector(".st-key-tv_controls_held") || {}).textContent || "",
        sidebar: (top.querySelector("[data-testid='stSidebar']") || {}).textContent || ""
      };
    }).observe(document.body, {childList: true, subtree: true});
  }, 1);
})();
""".replace("__PAINTED__", PAINTED)


@pytest.mark.parametrize("width,height", [(1400, 900), (390, 844)])
def test_first_open_paints_the_map_before_the_widgets_and_nothing_moves(
    server, page_factory, width, height
):
    page, offline = page_factory(width, height)
    page.context.add_init_script(AT_FIRST_PAINT_JS)
    open_and_wait_for_map(page, f"{server}/?scenario=land-swap")
    frame = next(f for f in page.frames if "tv_map" in f.url)
    frame.wait_for_function("window.__tvAtPaint")
    at_paint = frame.evaluate("window.__tvAtPaint")
    # When the map's fills are drawn no widget is there yet (each kind fetches its script, on
    # the same main thread as the map's frame); the picker's row is said in words.
    assert at_paint["widgets"] == 0, at_paint
    assert "Proposed settlement: Land swap" in at_paint["held"]
    assert "Layers" in at_paint["sidebar"]
    # Then they come (open_and_wait_for_map waits for them), the words go, the map stays put.
    wait_script_idle(page)
    page.locator(".st-key-scenario [data-testid='stSelectbox']").wait_for()
    page.locator("[data-testid='stSlider']").wait_for()
    assert page.locator(".st-key-tv_controls_held").count() == 0
    box = page.locator(MAP_FRAME).bounding_box()
    now = page.evaluate("window.scrollY") + box["y"]
    assert abs(now - at_paint["top"]) <= 2, (now, at_paint)
    assert abs(box["x"] - at_paint["left"]) <= 2, (box, at_paint)
    offline.assert_no_foreign_assets()


def test_switching_scenario_changes_map_numbers_and_url(server, page_factory):
    page, offline = page_factory()
    frame, _ = open_and_wait_for_map(page, f"{server}/?scenario=ceasefire-current-line")
    vermillion = "#D55E00"
    assert vermillion in fill_colours(frame)
    numbers_before = metric_values(page)

    start = time.monotonic()
    page.locator(".st-key-scenario [data-testid='stSelectbox']").first.click()
    page.locator("[role='option']", has_text="Ukraine's 1991 borders").first.click()
    frame.locator(".tv-scenario", has_text="1991 borders").wait_for()
    page.wait_for_function(
        "c => !Array.from(document.querySelector('" + MAP_FRAME.replace("'", "\\'") + "')"
        ".contentDocument.querySelectorAll('.leaflet-tv-fill-pane path'))"
        ".some(p => p.getAttribute('fill') === c)",
        arg=vermillion,
    )
    switch_s = time.monotonic() - start
    page.wait_for_function(
        "before => JSON.stringify(Array.from(document.querySelectorAll("
        f"'{FIGURE_VALUES}')).map(e => e.innerText)) !== before",
        arg=str(numbers_before).replace("'", '"'),
    )
    assert vermillion not in fill_colours(frame)
    assert metric_values(page) != numbers_before
    assert "scenario=ukraine-1991-borders" in page.url
    assert page.locator(MAP_FRAME).count() == 1  # layers swapped, map not remounted
    screenshot(page, "browser-switched.png")
    offline.assert_no_foreign_assets()
    print(f"scenario switch in {switch_s:.2f} s")


def test_phone_width_legend_clear_of_controls(server, page_factory):
    page, offline = page_factory(390, 844)
    frame, _ = open_and_wait_for_map(page, f"{server}/?scenario=28-point-plan-2025-11")
    legend_box = frame.locator(".tv-legend").bounding_box()
    assert legend_box["width"] > 0 and legend_box["height"] > 0
    assert not boxes_overlap(legend_box, frame.locator(".leaflet-control-zoom").bounding_box())
    assert "Sources:" in frame.locator(".tv-legend").inner_text()
    assert_crimea_clear_of_legend(page)
    # On a phone the folded legend sits under the map, over none of it (not even the sea).
    map_frame = next(f for f in page.frames if "tv_map" in f.url)
    map_bottom, legend_top, legend_bottom, frame_height = map_frame.evaluate(
        """() => {
          const box = window.map.getContainer().getBoundingClientRect();
          const legend = document.querySelector('.tv-legend').getBoundingClientRect();
          return [box.bottom, legend.top, legend.bottom, window.innerHeight];
        }"""
    )
    assert legend_top >= map_bottom - 1, (legend_top, map_bottom)
    assert legend_bottom <= frame_height + 1, (legend_bottom, frame_height)
    # On a phone the key starts folded; caption, date and sources stay in view.
    text = frame.locator(".tv-legend").inner_text()
    assert "Baseline: control on" in text and "Sources:" in text and "de facto only" not in text
    # Unfolding and folding it keep the reader's view (no refit, no zoom reset).
    view = """() => { const n = Object.keys(window).find(k => k.startsWith('map_')
      && window[k].getZoom); const m = window[n]; m.setView([48.6, 37.6], 8, {animate: false});
      return [m.getZoom(), m.getCenter().lat.toFixed(4), m.getCenter().lng.toFixed(4)]; }"""
    now = """() => { const n = Object.keys(window).find(k => k.startsWith('map_')
      && window[k].getZoom); const m = window[n];
      return [m.getZoom(), m.getCenter().lat.toFixed(4), m.getCenter().lng.toFixed(4)]; }"""
    before = frame.locator("body").evaluate(view.replace("() =>", "_ =>"))
    frame.locator(".tv-legend summary").click()
    # Unfolded, it lists this plan's classes only: de facto acceptance, no de jure row.
    unfolded = frame.locator(".tv-legend").inner_text()
    assert "de facto only" in unfolded and "Demilitarized zone" in unfolded
    assert "de jure" not in unfolded and "International administration" not in unfolded
    page.wait_for_timeout(1200)
    assert frame.locator("body").evaluate(now.replace("() =>", "_ =>")) == before
    frame.locator(".tv-legend summary").click()
    page.wait_for_timeout(300)
    assert frame.locator("body").evaluate(now.replace("() =>", "_ =>")) == before
    screenshot(page, "browser-phone.png")
    offline.assert_no_foreign_assets()


def ukraine_box(page) -> dict:
    """Box of every control fill of the map (Ukraine as drawn), in page coordinates."""
    frame_box = page.locator(MAP_FRAME).bounding_box()
    frame = page.frame_locator(MAP_FRAME)
    box = frame.locator(".leaflet-tv-fill-pane").first.evaluate(
        """pane => {
          const rects = Array.from(pane.querySelectorAll('path')).map(
            p => p.getBoundingClientRect()).filter(r => r.width > 0);
          const map = pane.closest('.leaflet-container').getBoundingClientRect();
          return {left: Math.min(...rects.map(r => r.left)),
                  top: Math.min(...rects.map(r => r.top)),
                  right: Math.max(...rects.map(r => r.right)),
                  bottom: Math.max(...rects.map(r => r.bottom)),
                  mapTop: map.top, mapBottom: map.bottom, mapLeft: map.left,
                  mapRight: map.right};
        }"""
    )
    return {
        k: v + (frame_box["y"] if k in ("top", "bottom", "mapTop", "mapBottom") else frame_box["x"])
        for k, v in box.items()
    }


def in_viewport(page, locator, height: int) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_phone_first_screen_has_headline_picker_date_numbers_and_ukraine_whole(
    server, page_factory
):
    width, height = 390, 844
    page, offline = page_factory(width, height)
    open_and_wait_for_map(page, f"{server}/?scenario=land-swap")
    time.sleep(1.5)  # the map frames Ukraine for its size
    # Nothing opened: the sidebar stays folded, everything below is on the first screen.
    sidebar = page.locator("[data-testid='stSidebar']")
    box = sidebar.bounding_box()
    assert sidebar.get_attribute("aria-expanded") == "false" or box["x"] + box["width"] <= 0
    title = page.locator("h1").first
    assert in_viewport(page, title, height)
    assert "territory_viz" not in title.inner_text() and "Ukraine" in title.inner_text()
    picker = page.locator(".st-key-scenario")
    assert in_viewport(page, picker, height) and "Land swap" in picker_shown(page)
    date = page.get_by_text("Baseline: control on").first
    assert in_viewport(page, date, height)
    numbers = page.locator(".st-key-tv_key_numbers")
    assert in_viewport(page, numbers, height)
    assert numbers.inner_text().count("km²") >= 3
    ukraine = ukraine_box(page)
    assert ukraine["top"] >= ukraine["mapTop"] and ukraine["bottom"] <= ukraine["mapBottom"]
    assert ukraine["left"] >= ukraine["mapLeft"] - 1 and ukraine["right"] <= ukraine["mapRight"] + 1
    assert ukraine["left"] >= 0 and ukraine["right"] <= width and ukraine["bottom"] <= height
    # The map's height follows the viewport (not a fixed 700 px on a 844 px screen).
    frame_height = page.locator(MAP_FRAME).bounding_box()["height"]
    assert 340 <= frame_height <= 0.7 * height
    # The browser tab names the scenario.
    assert "Land swap" in page.title()
    screenshot(page, "browser-phone-first-screen.png")
    offline.assert_no_foreign_assets()


def test_embed_mode_still_offers_the_picker(server, page_factory):
    page, offline = page_factory(390, 844)
    open_and_wait_for_map(page, f"{server}/?scenario=land-swap&embed=true")
    picker = page.locator(".st-key-scenario [data-testid='stSelectbox']")
    assert picker.is_visible()
    picker.click()
    page.locator("[role='option']", has_text="Ukraine's 1991 borders").first.click()
    page.frame_locator(MAP_FRAME).locator(".tv-scenario", has_text="1991 borders").wait_for()
    assert "scenario=ukraine-1991-borders" in page.url and "embed=true" in page.url
    offline.assert_no_foreign_assets()


def test_gallery_click_opens_that_scenario_on_the_map(server, page_factory):
    page, offline = page_factory(1400, 900)
    page.goto(f"{server}/?view=gallery")
    cards = page.locator("[class*='st-key-tv_card_']")
    cards.first.wait_for()
    wait_script_idle(page)
    assert cards.count() >= 9
    card = page.locator(".st-key-tv_card_land-swap")
    assert "Land swap" in card.inner_text() and "km²" in card.inner_text()
    assert card.locator("img").first.evaluate("img => img.naturalWidth") > 100  # drawn
    screenshot(page, "browser-gallery.png")
    card.get_by_text("Open this proposal").click()
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".tv-scenario", has_text="Land swap").wait_for()
    assert "scenario=land-swap" in page.url
    # The picker comes right after the map's first paint in the session.
    page.locator(".st-key-scenario [data-testid='stSelectbox']").wait_for()
    assert "Land swap" in picker_shown(page)
    offline.assert_no_foreign_assets()
