"""Screenshots of the page for docs/: four views at a phone's and a laptop's size.

Starts ``streamlit run app.py`` on a free local port (scripts/_harness.py), opens each view
in headless Debian Chromium (the page fetches nothing from other hosts: tests/test_browser.py
checks it) and writes
``docs/page-<view>-<width>x<height>.png`` (the first screen, as a reader sees it).

    python scripts/page_screenshots.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import _harness

ROOT = Path(__file__).resolve().parent.parent
VIEWS = {
    "default": "/",
    "scenario": "/?scenario=28-point-plan-2025-11",
    "compare": "/?scenario=donbas-for-freeze&compare=land-swap",
    "gallery": "/?view=gallery",
}
SIZES = ((390, 844), (1400, 900))
SETTLE_S = 6.0
MAP_FRAME = "iframe[title='ui.map_component.tv_map']"
PAINTED = ".leaflet-tv-fill-pane path.leaflet-interactive"
#: The compare page's one frame (its title, ui.compare.COMPARE_FRAME_TITLE).
COMPARE_FRAME = "iframe[title^='Scenario A']"
#: A small map of the gallery.
GALLERY_PICTURE = "[data-testid='stImage'] img"


def main() -> int:
    from playwright.sync_api import sync_playwright

    out = ROOT / "docs"
    with _harness.streamlit_server(ROOT) as (url, _pid), sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, query in VIEWS.items():
            for width, height in SIZES:
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(url + query)
                page.wait_for_function(
                    "() => document.querySelector('[data-testid=stApp]')"
                    "?.getAttribute('data-test-script-state') === 'notRunning'",
                    timeout=120_000,
                )
                if page.locator(MAP_FRAME).count():
                    page.frame_locator(MAP_FRAME).locator(PAINTED).first.wait_for(timeout=120_000)
                elif name == "compare":
                    # one frame holds the three maps (A, B, the change map)
                    maps = page.frame_locator(COMPARE_FRAME).locator(".folium-map")
                    maps.nth(2).wait_for(state="attached", timeout=120_000)
                    page.frame_locator(COMPARE_FRAME).locator(PAINTED).first.wait_for(
                        state="attached", timeout=120_000
                    )
                elif name == "gallery":
                    page.locator(GALLERY_PICTURE).first.wait_for(timeout=120_000)
                time.sleep(SETTLE_S)  # maps frame Ukraine for their size
                path = out / f"page-{name}-{width}x{height}.png"
                page.screenshot(path=str(path))
                print(path.relative_to(ROOT))
                context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
