"""Where a fresh open's time goes: when each step happens, on the page's own clock.

Usage::

    python scripts/page_timeline.py [--runs 7] [--url "/?scenario=land-swap"]

Starts ``streamlit run app.py`` on a free local port, and beside it the title-only page that
``bench_page.py`` measures the page against (``bench_page.FLOOR_APP``), and opens both in
headless Chromium, offline (as ``bench_page.py`` does), alternately, in a fresh browser
context each time (empty HTTP cache); each server's first open is not counted (it warms the
server). A script injected in every frame notes, against the top page's navigation start, when
each step first happens: the top document parsed, Streamlit's app element, its websocket opened
and its first messages, the last message before the title and the largest before the paint
(on the map page, the map's element), the title, the map's frame created, the frame's own
script started, Leaflet ready in it, the frame's first render message, the first fill path, and
the frame that paints it (read as ``bench_page.py`` reads a paint, from its own mark). Prints
each step's median and range in milliseconds, in the order they happen, with the title-only
page's median of the same step beside it (its last step: its title painted).

A diagnostic to read beside ``bench_page.py`` (which judges the budgets), not a budget of
its own: the gaps between the steps say which part of the open to work on (issue 15's
notes quote it).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import _harness  # noqa: E402 - the server shared with the benchmarks
import bench_page  # noqa: E402 - the offline browser, the map frame and its fill path

#: Injected into every frame: each step's first time, in ms from the top page's navigation
#: start, in ``window.top.__tvSteps``.
STEPS_JS = """
(() => {
  var top = window.top;
  function mark(name) {
    try {
      var steps = top.__tvSteps || (top.__tvSteps = {});
      if (!(name in steps)) {
        steps[name] = performance.timeOrigin + performance.now() - top.performance.timeOrigin;
      }
    } catch (e) {}
  }
  if (window === top) {
    var seen = {"top title": "__TITLE__", "top app element": "[data-testid='stApp']",
                "top map frame created": "__FRAME__"};
    new MutationObserver(function () {
      Object.keys(seen).forEach(function (name) {
        if (document.querySelector(seen[name])) { mark(name); }
      });
    }).observe(document, {subtree: true, childList: true});
    document.addEventListener("DOMContentLoaded", function () { mark("top document parsed"); });
    var Native = window.WebSocket;
    window.WebSocket = function (url, protocols) {
      var socket = new Native(url, protocols), count = 0;
      socket.addEventListener("open", function () { mark("top websocket open"); });
      socket.addEventListener("message", function (event) {
        count += 1;
        if (count <= 2) { mark("top websocket message " + count); }
        // Every message's time and size: which of them came before a step (_open).
        var data = event.data || "";
        (top.__tvSocket = top.__tvSocket || []).push(
          [performance.timeOrigin + performance.now() - top.performance.timeOrigin,
           data.byteLength || data.size || data.length || 0]);
      });
      return socket;
    };
    window.WebSocket.prototype = Native.prototype;
    return;
  }
  mark("frame script started");
  window.addEventListener("message", function (event) {
    if (event.data && event.data.type === "streamlit:render") { mark("frame render message"); }
  });
  var timer = setInterval(function () {
    if (window.L) { mark("frame Leaflet ready"); }
    if (!document.querySelector("__FILL__")) { return; }
    clearInterval(timer);
    mark("frame fill path");
  }, 2);
})();
"""
STEPS_JS = (
    STEPS_JS.replace("__TITLE__", bench_page.TITLE_SELECTOR)
    .replace("__FRAME__", bench_page.MAP_FRAME)
    .replace("__FILL__", bench_page.FILL_PATH)
)


#: Steps read off the websocket's messages: the last one before the title (by then the
#: server had sent everything the title needed; what follows is the browser's work), and the
#: largest before the paint (on the map page, the map's element: about 70 KB).
LAST_BEFORE_TITLE = "top websocket last message before title"
LARGEST = "top websocket largest message before paint"
#: Its size in bytes (in the steps returned, not a step: :func:`table` leaves it out).
LARGEST_SIZE = "size of that message"
#: The last step of each page: its map painted, or the reference page's title painted.
PAINTED = "painted (map; the reference page: its title)"


def _open(browser, url: str, blocked: list[str], painted: str) -> dict[str, float]:
    context = bench_page.offline_context(browser, blocked)
    context.add_init_script(STEPS_JS)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    # Painted as the benchmark reads it (bench_page.PAINT_MARK_JS, in every offline context).
    page.wait_for_function(f"window.{painted}")
    time.sleep(0.2)  # the steps of other frames already queued
    steps, socket = page.evaluate(
        f"[Object.assign({{}}, window.__tvSteps, {{'{PAINTED}': window.{painted}"
        " - performance.timeOrigin}), window.__tvSocket || []]"
    )
    context.close()
    steps = {name: float(value) for name, value in steps.items()}
    messages = [(float(t), int(size)) for t, size in socket if float(t) <= steps[PAINTED]]
    title = steps.get("top title")
    before_title = [t for t, _ in messages if title is not None and t <= title]
    if before_title:
        steps[LAST_BEFORE_TITLE] = max(before_title)
    if messages:
        at, size = max(messages, key=lambda m: (m[1], -m[0]))
        steps[LARGEST] = at
        steps[LARGEST_SIZE] = size
    return steps


def open_once(browser, url: str, blocked: list[str]) -> dict[str, float]:
    """Open the page at ``url`` in a fresh context; return each step's time (ms from
    navigation start), the map's paint last."""
    return _open(browser, url, blocked, "__tvPaintAt")


def open_reference(browser, url: str, blocked: list[str]) -> dict[str, float]:
    """Open the title-only reference page (``bench_page.FLOOR_APP``) the same way; its last
    step is its title painted."""
    return _open(browser, url, blocked, "__tvTitleAt")


def _values(opens: Sequence[dict[str, float]], name: str) -> list[float]:
    return [steps[name] for steps in opens if name in steps]


def table(
    opens: Sequence[dict[str, float]], reference: Sequence[dict[str, float]] = ()
) -> list[str]:
    """One line per step: median and range over the opens, in the order they happen; with
    ``reference`` (the title-only page's opens), its median of the same step beside it."""
    names = {name for steps in opens for name in steps} - {LARGEST_SIZE}
    order = sorted(names, key=lambda n: statistics.median(_values(opens, n)))
    lines = []
    if reference:
        lines.append(f"{'step':46s} {'this page':29s} {'title-only page':>16s}")
    for name in order:
        values = _values(opens, name)
        line = (
            f"{name:46s} {statistics.median(values):9.0f} ms"
            f" ({min(values):.0f}-{max(values):.0f}, n={len(values)})"
        )
        if reference:
            other = _values(reference, name)
            shown = f"{statistics.median(other):.0f} ms" if other else "-"
            line = f"{line:76s} {shown:>16s}"
        lines.append(line)
    sizes = [steps[LARGEST_SIZE] for steps in opens if LARGEST_SIZE in steps]
    if sizes:
        size_kb = statistics.median(sizes) / 1000
        lines.append(f"(this page's largest message before its paint: {size_kb:.0f} KB)")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="opens counted (default 7)")
    parser.add_argument("--url", default="/?scenario=land-swap", help="path to open")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs: at least 1")
    if not args.url.startswith("/"):
        parser.error("--url: a path on the local server, starting with '/'")
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    floor_dir = bench_page.write_floor_app()
    opens, reference = [], []
    try:
        with (
            _harness.streamlit_server(ROOT) as (base, _pid),
            _harness.streamlit_server(floor_dir) as (floor, _floor_pid),
            sync_playwright() as p,
        ):
            browser = bench_page.launch(p)
            open_once(browser, base + args.url, blocked)  # each server warmed: not counted
            open_reference(browser, floor, blocked)
            for i in range(args.runs):  # alternating, so both see the same load on the host
                if i % 2:
                    reference.append(open_reference(browser, floor, blocked))
                opens.append(open_once(browser, base + args.url, blocked))
                if not i % 2:
                    reference.append(open_reference(browser, floor, blocked))
            browser.close()
    finally:
        shutil.rmtree(floor_dir, ignore_errors=True)
    print(
        f"{args.url}: {args.runs} fresh opens, each beside one of the title-only page; "
        f"load average {bench_page.load_average():.1f}"
    )
    print("\n".join(table(opens, reference)))
    if blocked:
        print(f"requests to another host: {len(blocked)} (the page must work offline)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
