"""In a real browser: the map goes over the websocket once per frame (ui/frames.py).

A fresh open sends the map in the held first run only (the run after its paint does not send
it again); a layer switched off sends the layers, not the base; a frame the browser made
again (here: its document reloaded, which the server cannot see) asks for the map and paints
it again.
"""

from __future__ import annotations

import time

import pytest
from browser_support import (
    COMPARE_FRAME,
    PAINTED,
    open_and_wait_for_map,
    wait_maps_painted,
    wait_script_idle,
)

pytestmark = pytest.mark.browser

#: In the map's base script (Leaflet's map made) and in its layers (the rows they draw).
BASE_MARK = b"L.map("
LAYERS_MARK = b"TV.rows("


def _listen(page) -> list[bytes]:
    got: list[bytes] = []

    def frame(payload) -> None:
        got.append(payload if isinstance(payload, bytes) else payload.encode("utf-8"))

    page.on("websocket", lambda ws: ws.on("framereceived", frame))
    return got


def _carrying(messages: list[bytes], mark: bytes) -> int:
    return sum(mark in m for m in messages)


def _reload_and_wait(page, frame, redrawn: str, timeout_s: float = 60) -> None:
    """Reload ``frame``'s document (as if the browser made the frame again); wait for ``redrawn``.

    The old document is marked (``window.tvOld``), so ``redrawn`` can tell the new one.
    """
    from playwright.sync_api import Error as PlaywrightError

    frame.evaluate("() => { window.tvOld = true; setTimeout(() => location.reload(), 0); }")
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if frame.evaluate(f"() => {redrawn}"):
                return
        except PlaywrightError:  # the old document went while it was asked
            pass
        assert time.monotonic() < deadline, f"{frame.url}: not drawn again: {redrawn}"
        page.wait_for_timeout(100)


def test_a_fresh_open_sends_the_map_once_and_a_layer_switch_only_the_layers(server, page_factory):
    page, _ = page_factory()
    got = _listen(page)
    open_and_wait_for_map(page, f"{server}/?scenario=land-swap")
    wait_script_idle(page)
    page.wait_for_timeout(500)  # any message still on its way
    assert _carrying(got, BASE_MARK) == 1 and _carrying(got, LAYERS_MARK) == 1
    got.clear()
    frame = next(f for f in page.frames if "tv_map" in f.url)
    paths = frame.locator("path").count()
    frame.evaluate("() => { window.tvSame = true; }")
    # A scenario layer (the towns and the region borders are in the base: a new map).
    box = page.locator(
        "[data-testid='stSidebar'] [data-testid='stCheckbox']", has_text="Line of contact"
    )
    box.locator("label").click()
    frame.wait_for_function(f"() => document.querySelectorAll('path').length < {paths}")
    wait_script_idle(page)
    assert _carrying(got, LAYERS_MARK) == 1 and _carrying(got, BASE_MARK) == 0
    assert frame.locator(PAINTED).count() > 0
    # The same frame swapped its layers (a new one would not have the mark).
    same = next(f for f in page.frames if "tv_map" in f.url)
    assert same.evaluate("() => window.tvSame === true")


def test_a_frame_made_again_asks_for_the_map_and_paints_it(server, page_factory):
    page, _ = page_factory()
    got = _listen(page)
    open_and_wait_for_map(page, f"{server}/?scenario=ceasefire-with-dmz")
    wait_script_idle(page)
    frame = next(f for f in page.frames if "tv_map" in f.url)
    painted = frame.locator(PAINTED).count()
    got.clear()
    _reload_and_wait(
        page,
        frame,
        f"""window.tvOld === undefined && Boolean(window.map)
        && document.querySelectorAll("{PAINTED}").length === {painted}""",
    )
    # One ask, answered with the whole map once (no loop of asks).
    wait_script_idle(page)
    page.wait_for_timeout(1000)
    assert _carrying(got, BASE_MARK) == 1 and _carrying(got, LAYERS_MARK) == 1


def test_a_compare_frame_made_again_asks_for_its_document_and_draws_the_three_maps(
    server, page_factory
):
    page, _ = page_factory()
    got = _listen(page)
    page.goto(f"{server}/?scenario=land-swap&compare=donbas-for-freeze")
    frame = page.locator(COMPARE_FRAME).element_handle().content_frame()
    wait_maps_painted(frame)
    wait_script_idle(page)
    page.wait_for_timeout(500)
    assert _carrying(got, BASE_MARK) == 1  # the document (three maps) once, not per run
    got.clear()
    _reload_and_wait(
        page,
        frame,
        "window.tvOld === undefined && document.querySelectorAll('.folium-map').length === 3",
    )
    wait_maps_painted(frame)
    wait_script_idle(page)
    page.wait_for_timeout(1000)
    assert _carrying(got, BASE_MARK) == 1
