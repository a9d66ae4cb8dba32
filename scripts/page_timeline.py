"""Where a fresh open's time goes: when each step happens, on the page's own clock.

Usage::

    python scripts/page_timeline.py [--runs 7] [--url "/?scenario=land-swap"]

Starts ``streamlit run app.py`` on a free local port and opens the page in headless
Chromium, offline (as ``bench_page.py`` does), in a fresh browser context each time (empty
HTTP cache); the first open is not counted (it warms the server). A script injected in
every frame notes, against the top page's navigation start, when each step first happens:
the top document parsed, Streamlit's app element, its websocket opened and its first
messages, the title, the map's frame created, the frame's own script started, Leaflet
ready in it, the frame's first render message, the first fill path, and the frame that
paints it (read as ``bench_page.py`` reads a paint, from its own mark). Prints each step's
median and range in milliseconds, in the order they happen.

A diagnostic to read beside ``bench_page.py`` (which judges the budgets), not a budget of
its own: the gaps between the steps say which part of the open to work on (issue 15's
notes quote it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
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
      socket.addEventListener("message", function () {
        count += 1;
        if (count <= 2) { mark("top websocket message " + count); }
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


def open_once(browser, url: str, blocked: list[str]) -> dict[str, float]:
    """Open ``url`` in a fresh context; return each step's time (ms from navigation start)."""
    context = bench_page.offline_context(browser, blocked)
    context.add_init_script(STEPS_JS)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    # Painted as the benchmark reads it (bench_page.PAINT_MARK_JS, in every offline context).
    page.wait_for_function("window.__tvPaintAt")
    time.sleep(0.2)  # the steps of other frames already queued
    steps = page.evaluate(
        "Object.assign({}, window.__tvSteps,"
        " {'frame painted': window.__tvPaintAt - performance.timeOrigin})"
    )
    context.close()
    return {name: float(value) for name, value in steps.items()}


def table(opens: list[dict[str, float]]) -> list[str]:
    """One line per step: median and range over the opens, in the order they happen."""
    names = {name for steps in opens for name in steps}
    order = sorted(names, key=lambda n: statistics.median(s[n] for s in opens if n in s))
    lines = []
    for name in order:
        values = [steps[name] for steps in opens if name in steps]
        lines.append(
            f"{name:26s} {statistics.median(values):6.0f} ms"
            f" ({min(values):.0f}-{max(values):.0f}, n={len(values)})"
        )
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
    with _harness.streamlit_server(ROOT) as (base, _pid), sync_playwright() as p:
        browser = bench_page.launch(p)
        open_once(browser, base + args.url, blocked)  # warms the server: not counted
        opens = [open_once(browser, base + args.url, blocked) for _ in range(args.runs)]
        browser.close()
    print(f"{args.url}: {args.runs} fresh opens, load average {bench_page.load_average():.1f}")
    print("\n".join(table(opens)))
    if blocked:
        print(f"requests to another host: {len(blocked)} (the page must work offline)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
