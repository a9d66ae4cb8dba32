"""Check a static site written by ``python -m territory_viz site``: every page, offline.

Serves DIR from 127.0.0.1 on a free port (Python's own static file server, as any static
host would), then opens the gallery and every page in headless Chromium, offline: every
request to another host is blocked and recorded. A page passes when

- its map (the ``map.html`` frame) paints: Leaflet draws filled paths of the partition;
- its legend shows the scenario's title, and the page shows its numbers table;
- nothing was requested from another host, no local file was missing (HTTP 4xx/5xx),
  and the page threw no script error.

The gallery passes when every card's thumbnail loads. Prints one line per page; exits 1 if
any page fails.

Usage::

    python -m territory_viz site -o /tmp/site
    python scripts/check_site.py /tmp/site [--screenshot artifacts/site.png]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import _harness  # noqa: E402 - free_port and the browser settings, shared with the other scripts
from _harness import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS  # noqa: E402

MAP_FRAME = "iframe.map"
FILL_PATH = ".leaflet-tv-fill-pane path.leaflet-interactive"


@dataclass
class PageResult:
    """What one page showed."""

    path: str
    seconds: float | None = None
    paths: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; yield its URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", _harness.free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def page_paths(folder: Path) -> list[str]:
    """The site's scenario pages, as URL paths (``land-swap/2025-08-15/``)."""
    return sorted(
        f"{p.parent.parent.name}/{p.parent.name}/"
        for p in folder.glob("*/*/index.html")
        if (p.parent / "map.html").exists()
    )


def _watch(context, page, result: PageResult) -> None:
    def on_route(route) -> None:
        parsed = urlparse(route.request.url)
        if parsed.scheme in ("data", "blob", "about") or parsed.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            result.problems.append(f"request to another host: {route.request.url}")
            route.abort()

    context.route("**/*", on_route)
    page.on("pageerror", lambda exc: result.problems.append(f"script error: {exc}"))

    def on_response(response) -> None:
        if response.status >= 400:
            result.problems.append(f"HTTP {response.status}: {response.url}")

    page.on("response", on_response)


def check_page(browser, url: str, path: str, title: str | None, timeout_ms: int) -> PageResult:
    """Open one scenario page and check that its map paints, offline."""
    result = PageResult(path)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _watch(context, page, result)
    start = time.monotonic()
    try:
        page.goto(f"{url}/{path}", timeout=timeout_ms)
        frame = page.frame_locator(MAP_FRAME)
        frame.locator(FILL_PATH).first.wait_for(timeout=timeout_ms)
        result.seconds = round(time.monotonic() - start, 2)
        result.paths = frame.locator(FILL_PATH).count()
        if title:
            caption = frame.locator(".tv-scenario").first.inner_text(timeout=timeout_ms)
            if title not in caption:
                result.problems.append(f"legend caption {caption!r} lacks {title!r}")
        if not page.locator("table td").count():
            result.problems.append("no numbers table")
    except Exception as exc:  # noqa: BLE001 - a page failing is a result
        result.problems.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    page.wait_for_timeout(200)  # late script errors or requests
    context.close()
    return result


def check_gallery(browser, url: str, timeout_ms: int, screenshot: Path | None) -> PageResult:
    """Open the gallery; every thumbnail must load."""
    result = PageResult("index.html")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _watch(context, page, result)
    start = time.monotonic()
    try:
        page.goto(f"{url}/index.html", timeout=timeout_ms, wait_until="load")
        images = page.locator(".gallery img")
        for i in range(images.count()):
            images.nth(i).scroll_into_view_if_needed(timeout=timeout_ms)  # lazy images
        page.wait_for_function(
            "Array.from(document.querySelectorAll('.gallery img')).every(i => i.complete)",
            timeout=timeout_ms)  # fmt: skip
        broken = page.evaluate(
            "Array.from(document.querySelectorAll('.gallery img'))"
            ".filter(i => !i.naturalWidth).map(i => i.getAttribute('src'))")  # fmt: skip
        result.problems += [f"thumbnail does not load: {src}" for src in broken]
        result.paths = images.count()
        if not result.paths:
            result.problems.append("no cards in the gallery")
        result.seconds = round(time.monotonic() - start, 2)
        if screenshot is not None:
            page.evaluate("window.scrollTo(0, 0)")
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot.with_name(screenshot.stem + "-gallery.png")))
    except Exception as exc:  # noqa: BLE001
        result.problems.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    context.close()
    return result


def _titles(folder: Path, paths: list[str]) -> dict[str, str]:
    import json

    out = {}
    for path in paths:
        with contextlib.suppress(OSError, ValueError, KeyError):
            out[path] = json.loads((folder / path / "stats.json").read_text())["title"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the folder `site -o` wrote")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per page")
    parser.add_argument(
        "--screenshot", type=Path, help="also save the first page (and the gallery) as PNG here"
    )
    args = parser.parse_args(argv)
    folder = args.folder
    if not (folder / "index.html").exists():
        print(
            f"{folder}: no index.html (write it with `python -m territory_viz site -o {folder}`)",
            file=sys.stderr,
        )
        return 2
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    paths = page_paths(folder)
    if not paths:
        print(f"{folder}: no scenario pages (*/*/index.html with map.html)", file=sys.stderr)
        return 2
    titles = _titles(folder, paths)
    timeout_ms = int(args.timeout * 1000)
    results = []
    with serve(folder) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        results.append(check_gallery(browser, url, timeout_ms, args.screenshot))
        for i, path in enumerate(paths):
            result = check_page(browser, url, path, titles.get(path), timeout_ms)
            results.append(result)
            if i == 0 and args.screenshot is not None and result.ok:
                context = browser.new_context(viewport={"width": 1280, "height": 1000})
                shot = context.new_page()
                shot.goto(f"{url}/{path}")
                shot.frame_locator(MAP_FRAME).locator(FILL_PATH).first.wait_for()
                shot.wait_for_timeout(1200)
                shot.screenshot(path=str(args.screenshot), full_page=True)
                context.close()
        browser.close()
    for r in results:
        state = "ok " if r.ok else "BAD"
        timing = f"{r.seconds:5.2f} s" if r.seconds is not None else "   -   "
        print(
            f"{state} {timing} {r.paths:4d} {'images' if r.path == 'index.html' else 'paths '}"
            f"  {r.path}" + ("".join(f"\n      {p}" for p in r.problems))
        )
    bad = [r for r in results if not r.ok]
    print(
        f"{len(results) - len(bad)} of {len(results)} pages ok, offline "
        f"(served from {folder} on loopback)"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
