"""Helpers shared by the browser tests (their fixtures are in ``conftest.py``).

The page is driven by Debian's ``/usr/bin/chromium`` through Playwright's Python package,
offline: :class:`Offline` blocks and records every request to another host.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from _harness import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS  # noqa: E402, F401 - shared with the scripts

ARTIFACTS = ROOT / "artifacts"
MAP_FRAME = "iframe[title='ui.map_component.tv_map']"
#: The compare page's one frame: the A, B and change maps in one document.
COMPARE_FRAME = "iframe[title='Scenario A, scenario B and the change map, panning together']"
#: A map's painted fill paths.
PAINTED = ".leaflet-tv-fill-pane path.leaflet-interactive"
#: The map page's headline figures' values (ui.scenario_view.headline: bold in its container).
FIGURE_VALUES = ".st-key-tv_headline strong"
#: Centre, zoom and width of every Leaflet map of a document, in document order.
MAPS_VIEW_JS = """() => Array.from(document.querySelectorAll(".folium-map")).map(div => {
  const m = Object.values(window).find(v => v instanceof L.Map && v.getContainer() === div);
  const c = m.getCenter();
  return [c.lat, c.lng, m.getZoom(), m.getSize().x];
})"""
STARTUP_TIMEOUT_S = 120
PAINT_TIMEOUT_MS = 60_000


def need_browser(reason: str) -> None:
    if os.environ.get("TERRITORY_VIZ_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required (TERRITORY_VIZ_REQUIRE_BROWSER=1): {reason}")
    pytest.skip(reason)


class Offline:
    """Blocks and records every request that does not go to the local server."""

    def __init__(self) -> None:
        self.blocked: list[tuple[str, str]] = []

    def handle(self, route) -> None:
        request = route.request
        parsed = urlparse(request.url)
        if parsed.scheme in ("data", "blob", "about") or parsed.hostname in LOCAL_HOSTS:
            route.continue_()
            return
        self.blocked.append((request.resource_type, request.url))
        route.abort()

    def assert_no_foreign_assets(self) -> None:
        assets = [(kind, url) for kind, url in self.blocked if kind in ("script", "stylesheet")]
        assert not assets, f"scripts or stylesheets requested from other hosts: {assets}"


#: Drawn once the map page's whole shell is: a session's first run draws the map first and
#: the sidebar's widgets, the picker and the slider in the run its paint starts.
SHELL_DRAWN = (
    ".st-key-scenario [data-testid='stSelectbox']",
    "[data-testid='stSidebar'] [data-testid='stCheckbox']",
)


def open_and_wait_for_map(page, url: str) -> tuple[object, float]:
    """Open the map page; return the map frame once its paths are painted, and the time taken.

    Returns once the page's widgets are drawn too (they come right after the map's paint),
    so a test can use them at once.
    """
    start = time.monotonic()
    page.goto(url)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(PAINTED).first.wait_for()
    seconds = time.monotonic() - start
    for selector in SHELL_DRAWN:
        page.wait_for_selector(selector, state="attached")
    return frame, seconds


def open_upload_expander(page, label: str, *, timeout_ms: int = PAINT_TIMEOUT_MS):
    """Open a sidebar upload expander by its label; return it once its uploader is drawn.

    The page draws an expander's contents only while it is open (opening it reruns the page).
    """
    expander = page.locator(
        "[data-testid='stSidebar'] [data-testid='stExpander']", has_text=label
    ).first
    expander.wait_for()
    details = expander.locator("details")
    if details.count() and details.first.get_attribute("open") is None:
        expander.locator("summary").first.click()
    expander.locator("[data-testid='stFileUploader']").first.wait_for(timeout=timeout_ms)
    wait_script_idle(page, timeout_ms=timeout_ms)
    return expander


def picker_shown(page) -> str:
    """What the scenario picker shows: its label and the value in its box."""
    return page.locator(".st-key-scenario").evaluate(
        "el => el.textContent + ' ' + Array.from(el.querySelectorAll('input'))"
        ".map(i => i.value).join(' ')"
    )


def page_query(page) -> dict[str, str]:
    """The page address's query parameters (the last value of each)."""
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def wait_script_idle(page, timeout_ms: float | None = None) -> None:
    """Wait until Streamlit has finished running the page's script."""
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'",
        **({} if timeout_ms is None else {"timeout": timeout_ms}),
    )


def compare_frame(page):
    """The compare component: one document holding the A, B and change maps."""
    return page.locator(COMPARE_FRAME).element_handle().content_frame()


def wait_maps_painted(frame, maps: int = 3, timeout_s: float = 90) -> None:
    """Wait until each of a document's ``maps`` Leaflet maps has painted a fill path."""
    deadline = time.monotonic() + timeout_s
    counts: list[int] = []
    while time.monotonic() < deadline:
        divs = frame.locator(".folium-map")
        counts = [divs.nth(i).locator(PAINTED).count() for i in range(divs.count())]
        if len(counts) == maps and all(counts):
            return
        time.sleep(0.25)
    raise AssertionError(f"maps not painted within {timeout_s} s: {counts}")


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def open_page(page, title: str) -> None:
    """Open one of the app's pages by its title in the navigation (top bar or sidebar)."""
    page.locator(
        "[data-testid='stTopNavLink'], [data-testid='stSidebarNavLink']", has_text=title
    ).first.click()
