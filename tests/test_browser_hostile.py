"""Hostile and broken files in a real browser: no injected script runs, the page keeps working.

Uploads go through the page's own file inputs (Playwright ``set_input_files`` on Streamlit's
``input[type=file]``), offline (every request to another host is blocked). After each step
``window.__pwned`` must be undefined in the page and in every frame (the map component and
the compare maps' component frame), hostile text must show literally, and the map must
still be painted. The exports are opened in the browser too: the standalone HTML map (every
feature hovered and clicked) and the SVG.

Uses the server and browser fixtures of ``conftest.py``; skips like it when Chromium
is missing, unless ``TERRITORY_VIZ_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from browser_support import (
    FIGURE_VALUES,
    MAP_FRAME,
    open_and_wait_for_map,
    open_page,
    open_upload_expander,
    screenshot,
    wait_script_idle,
)
from hostile_support import hostile_map_html, hostile_partition

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hostile"
sys.path.insert(0, str(FIXTURES))

from make_fixtures import IMG, SCRIPT, oversized_geojson  # noqa: E402

pytestmark = pytest.mark.browser

FILL = ".leaflet-tv-fill-pane path.leaflet-interactive"
STEP_TIMEOUT_MS = 60_000


def assert_not_pwned(page) -> None:
    """``window.__pwned`` is undefined in the page and in every frame it contains."""
    hits = []
    for frame in page.frames:
        try:
            if frame.evaluate("() => typeof window.__pwned") != "undefined":
                hits.append(frame.url or frame.name)
        except Exception:  # noqa: BLE001,S112 - a frame detached while we looked: nothing ran in it
            continue
    assert not hits, f"injected script ran in: {hits}"
    assert page.evaluate("() => document.querySelectorAll('img[src=x]').length") == 0


def hover_and_click(frame_locator, selector: str, limit: int = 25) -> int:
    """Hover and click up to ``limit`` features; return how many were touched."""
    items = frame_locator.locator(selector)
    count = min(items.count(), limit)
    for i in range(count):
        try:
            items.nth(i).hover(force=True, timeout=2_000)
            items.nth(i).click(force=True, timeout=2_000)
        except Exception:  # noqa: BLE001,S112 - a path hidden under another is fine to skip
            continue
    return count


def sidebar_expander(page, label: str):
    """Open a sidebar upload expander by its label and return it."""
    return open_upload_expander(page, label, timeout_ms=STEP_TIMEOUT_MS)


def wait_idle(page) -> None:
    """Wait until Streamlit has finished running the script (after a widget changed)."""
    page.wait_for_timeout(300)  # the rerun a widget triggers starts a moment later
    wait_script_idle(page, timeout_ms=STEP_TIMEOUT_MS)


def upload(expander, name: str, data: bytes) -> None:
    """Choose a file in the expander's uploader (replacing any previous one), then settle."""
    expander.locator("input[type=file]").first.set_input_files(
        {"name": name, "mimeType": "application/octet-stream", "buffer": data}
    )
    chips = expander.locator("[data-testid='stFileChipName']")
    deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
    # Long names are shown shortened in the middle ("<img ...d=1>.geojson").
    while not any(
        name.startswith(t.split("...")[0]) and name.endswith(t.split("...")[-1])
        for t in chips.all_inner_texts()
    ):
        assert time.monotonic() < deadline, f"{name} never showed in the uploader"
        expander.page.wait_for_timeout(100)
    wait_idle(expander.page)


def wait_for_alert(page, kind: str, text: str):
    """Wait for a success/error box containing ``text``; return it."""
    alert = page.locator(f"[data-testid='stAlertContent{kind}']", has_text=text).first
    alert.wait_for(timeout=STEP_TIMEOUT_MS)
    return alert


def map_is_painted(page) -> None:
    page.frame_locator(MAP_FRAME).locator(FILL).first.wait_for(timeout=STEP_TIMEOUT_MS)


# --------------------------------------------------------------------------- exports


def test_standalone_map_with_hostile_names_runs_nothing_when_hovered(page_factory):  # noqa: F811
    page, offline = page_factory()
    page.set_content(hostile_map_html(), wait_until="load")
    page.locator(FILL).first.wait_for()
    touched = hover_and_click(page, FILL) + hover_and_click(page, ".leaflet-tv-towns-pane path")
    assert touched >= 4
    assert_not_pwned(page)
    page.locator(FILL).nth(1).hover(force=True)
    tooltip = page.locator(".leaflet-tooltip").first
    tooltip.wait_for()
    assert "window.__pwned" in tooltip.inner_text()  # the region name, as text
    legend = page.locator(".tv-legend").inner_text()
    assert SCRIPT in legend and IMG in legend  # caption, date and sources shown literally
    labels = page.locator(".tv-label").all_inner_texts()
    assert IMG in labels  # a region or town label, as text
    assert_not_pwned(page)
    offline.assert_no_foreign_assets()


def test_svg_export_with_hostile_text_runs_nothing(page_factory):  # noqa: F811
    from territory_viz.svg import partition_svg

    document = partition_svg(
        hostile_partition(), title=IMG + "\x01", sources=[SCRIPT], subtitle=IMG
    )
    page, _ = page_factory()
    # Served as image/svg+xml (an XML document: a single bad character would break it).
    url = "http://127.0.0.1:9/hostile.svg"
    page.route(url, lambda route: route.fulfill(body=document, content_type="image/svg+xml"))
    page.goto(url)
    assert page.locator("svg").count() >= 1  # parsed as SVG, not an XML error page
    assert IMG in page.locator("svg").first.text_content()
    assert_not_pwned(page)


# --------------------------------------------------------------------------- the page


def test_hostile_scenario_upload_shows_text_literally_and_runs_nothing(server, page_factory):  # noqa: F811
    page, offline = page_factory()
    open_and_wait_for_map(page, f"{server}/?scenario=ceasefire-current-line")
    expander = sidebar_expander(page, "Upload a scenario file")

    # Broken files first: each gets its message, the page keeps its map and picker.
    for name, expected in (
        ("syntax_error.toml", "not valid TOML"),
        ("unknown_region.toml", "UA-99"),
        ("huge_buffer.toml", "out of range"),
        ("xss_in_errors.toml", "unknown key"),
    ):
        upload(expander, name, (FIXTURES / "scenarios" / name).read_bytes())
        alert = wait_for_alert(page, "Error", name)
        problems = expander.inner_text()
        assert expected in problems, (name, problems[:300])
        map_is_painted(page)
        assert_not_pwned(page)
    assert SCRIPT in expander.inner_text()  # the hostile key, echoed as text
    assert alert.is_visible()

    data = (FIXTURES / "scenarios" / "xss_scenario.toml").read_bytes()
    upload(expander, "xss_scenario.toml", data)
    wait_for_alert(page, "Success", "joined the scenario picker")
    page.get_by_role("button", name="Show it on the map").click()
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".tv-scenario", has_text="Hostile").wait_for(timeout=STEP_TIMEOUT_MS)
    caption = frame.locator(".tv-scenario").first.inner_text()
    assert IMG in caption and SCRIPT in caption  # the legend caption, as text
    main = page.locator("[data-testid='stMain']").inner_text()
    assert IMG in main and SCRIPT in main  # summary and sources, as text
    assert "[click me](javascript:" in main  # a markdown link shown, not made
    assert page.locator("a[href^='javascript']").count() == 0
    hover_and_click(frame, FILL, limit=15)
    assert_not_pwned(page)
    screenshot(page, "hostile-scenario.png")

    # Compare mode: the hostile title reaches the synced maps' headings and tooltips.
    open_page(page, "Compare two scenarios")
    synced = page.frame_locator(
        "iframe[title='Scenario A, scenario B and the change map, panning together']"
    ).first
    synced.locator("h4", has_text="Hostile").first.wait_for(timeout=STEP_TIMEOUT_MS)
    assert IMG in synced.locator("h4").first.inner_text()
    synced.locator(FILL).first.wait_for(timeout=STEP_TIMEOUT_MS)
    hover_and_click(synced, FILL, limit=10)
    assert_not_pwned(page)
    offline.assert_no_foreign_assets()


def test_hostile_and_broken_layers_keep_the_page_working(server, page_factory):  # noqa: F811
    page, offline = page_factory()
    open_and_wait_for_map(page, f"{server}/?scenario=donbas-for-freeze")
    expander = sidebar_expander(page, "Upload a control layer")
    assert "20 MB" in expander.inner_text()  # the cap is said before any upload
    apply = expander.get_by_role("button", name="Use as baseline")

    # A hostile file name and layer name, on a valid layer.
    name_input = expander.locator("input[type=text]").first
    name_input.fill(SCRIPT)
    name_input.press("Enter")
    data = (FIXTURES / "layers" / "xss_layer.geojson").read_bytes()
    upload(expander, f"{IMG}.geojson", data)
    apply.click()
    wait_for_alert(page, "Success", "loaded")
    map_is_painted(page)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".tv-legend", has_text=SCRIPT).wait_for(timeout=STEP_TIMEOUT_MS)
    hover_and_click(frame, FILL, limit=15)
    assert_not_pwned(page)
    main_text = page.locator("[data-testid='stMain'], section.main").first.inner_text()
    assert SCRIPT in main_text  # the baseline notice names it, as text
    numbers = page.locator(FIGURE_VALUES).all_inner_texts()

    # Broken files (a representative set; AppTest in test_hostile.py runs every fixture): each
    # gets its message; the hostile baseline stays; the map keeps painting.
    for name, data, expected in (
        ("not_json.geojson", None, "not a geospatial file"),
        ("outside_ukraine.geojson", None, "nothing inside Ukraine"),
        ("oversized.geojson", oversized_geojson(20 * 1024 * 1024), "20.0MB or smaller"),
    ):
        if data is None:
            data = (FIXTURES / "layers" / name).read_bytes()
        upload(expander, name, data)
        if name == "oversized.geojson":  # Streamlit refuses it in the browser, before upload
            expander.get_by_text(expected).first.wait_for()
            if apply.count():  # the previous file may still be selected: applying it is safe
                apply.click()
                wait_idle(page)
            assert not page.locator("[data-testid='stAlertContentSuccess']", has_text=name).count()
        else:
            apply.click()
            alert = wait_for_alert(page, "Error", name)
            assert "unchanged" in alert.inner_text()
            assert expected in expander.inner_text(), (name, expander.inner_text()[:300])
        map_is_painted(page)
        assert page.locator(FIGURE_VALUES).all_inner_texts() == numbers
        assert_not_pwned(page)

    # A self-intersecting layer is repaired, and the page says so.
    name = "self_intersecting.geojson"
    upload(expander, name, (FIXTURES / "layers" / name).read_bytes())
    apply.click()
    wait_for_alert(page, "Success", name)
    assert "repaired" in expander.inner_text()
    map_is_painted(page)
    assert_not_pwned(page)
    screenshot(page, "hostile-layers.png")
    offline.assert_no_foreign_assets()


# --------------------------------------------------------------------------- isolation


def _upload_layer_as(page, server: str, *, name: str, date: str, filename: str) -> None:
    open_and_wait_for_map(page, f"{server}/?scenario=ceasefire-current-line")
    expander = sidebar_expander(page, "Upload a control layer")
    inputs = expander.locator("input[type=text]")
    for field, value in ((inputs.nth(0), name), (inputs.nth(1), date)):
        field.fill(value)
        field.press("Enter")
        wait_idle(page)
    data = (FIXTURES / "layers" / "self_intersecting.geojson").read_bytes()  # same bytes
    upload(expander, filename, data)
    expander.get_by_role("button", name="Use as baseline").click()
    wait_for_alert(page, "Success", "loaded")
    map_is_painted(page)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".tv-legend", has_text=name).wait_for(timeout=STEP_TIMEOUT_MS)


def _everything_shown(page) -> str:
    """The page's text and the map legend's (the map frame may be remounting: retry)."""
    wait_idle(page)
    for attempt in range(5):
        try:
            legend = page.frame_locator(MAP_FRAME).locator(".tv-legend")
            legend.first.wait_for(timeout=STEP_TIMEOUT_MS)
            return "\n".join([page.locator("body").inner_text(), *legend.all_inner_texts()])
        except Exception:  # noqa: BLE001 - a frame detached while read: read again
            if attempt == 4:
                raise
            page.wait_for_timeout(500)
    return ""


def test_two_visitors_uploading_the_same_file_never_see_each_others_name_date_or_file(
    server,
    page_factory,  # noqa: F811
):
    """The shared caches once keyed an uploaded layer by its bytes and date, not its name:
    the second visitor saw the first one's layer name in the legend (and, with another
    date, the first one's date)."""
    alice, _ = page_factory()
    bob, _ = page_factory()
    _upload_layer_as(
        alice, server, name="Alpha front line", date="2025-01-01", filename="alpha-upload.geojson"
    )
    alice_sees = _everything_shown(alice)
    assert "Alpha front line" in alice_sees, alice_sees[-1500:]
    assert "2025-01-01" in alice_sees or "1 Jan 2025" in alice_sees, alice_sees[-1500:]
    # Bob, before uploading anything: nothing of Alice's.
    open_and_wait_for_map(bob, f"{server}/?scenario=ceasefire-current-line")
    before = _everything_shown(bob)
    assert "Alpha front line" not in before and "alpha-upload" not in before
    _upload_layer_as(
        bob, server, name="Bravo front line", date="2025-02-02", filename="bravo-upload.geojson"
    )
    bob_sees = _everything_shown(bob)
    assert "Bravo front line" in bob_sees, bob_sees[-1500:]
    assert "2025-02-02" in bob_sees or "2 Feb 2025" in bob_sees, bob_sees[-1500:]
    for leak in ("Alpha front line", "1 Jan 2025", "2025-01-01", "alpha-upload"):
        assert leak not in bob_sees, leak
    # Alice's page, drawn again after Bob's upload, is still hers alone.
    alice.reload()
    map_is_painted(alice)
    alice_again = _everything_shown(alice)
    for leak in ("Bravo front line", "2 Feb 2025", "2025-02-02", "bravo-upload"):
        assert leak not in alice_again, leak


def test_summary_links_nothing_and_an_override_reverses_no_number(server, page_factory):  # noqa: F811
    """Bare www./http:// text and e-mail addresses in a summary stay text; U+202E in a
    title stays inside the title."""
    page, _ = page_factory()
    open_and_wait_for_map(page, f"{server}/?scenario=ceasefire-current-line")
    expander = sidebar_expander(page, "Upload a scenario file")
    text = (FIXTURES / "scenarios" / "xss_scenario.toml").read_text(encoding="utf-8")
    text = text.replace('id = "hostile-scenario"', 'id = "links-and-bidi"')
    text = text.replace(text.split("\n")[1], 'title = "Override \u202e here"')
    text = text.replace(
        text.split("\n")[2],
        'summary = "see www.example.com, http://example.org/x and a@example.net"',
    )
    upload(expander, "links.toml", text.encode())
    wait_for_alert(page, "Success", "joined the scenario picker")
    page.get_by_role("button", name="Show it on the map").click()
    map_is_painted(page)
    page.get_by_text("example.com").first.wait_for(timeout=STEP_TIMEOUT_MS)
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    assert not [h for h in hrefs if "example" in h and "example.org/report" not in h], hrefs
    # Every text node holding the override also closes it (an isolate ends in U+2069).
    unclosed = page.evaluate("""() => {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const bad = [];
        while (walker.nextNode()) {
            const t = walker.currentNode.nodeValue;
            if (t.includes('\\u202e') && !t.includes('\\u2069')) bad.push(t);
        }
        return bad;
    }""")
    assert not unclosed, unclosed
