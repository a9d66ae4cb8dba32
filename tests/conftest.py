"""Fixtures shared by the test modules.

``data_dir`` is a private copy of data/ that a test may break; ``history_cache`` an empty user
cache of fetched days (``TERRITORY_VIZ_CACHE``) for one test.

The browser fixtures start ``streamlit run app.py`` on a free local port (``server``, one
per test module) and drive Debian's Chromium through Playwright (``browser``,
``page_factory``); without Chromium or Playwright the browser tests skip, unless
``TERRITORY_VIZ_REQUIRE_BROWSER=1`` (set by ``.ci/run``) turns the skip into a failure.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAINT_TIMEOUT_MS,
    ROOT,
    STARTUP_TIMEOUT_S,
    Offline,
    need_browser,
)
from markers_support import deselect_network
from rerun_support import pytest_runtest_logreport, pytest_terminal_summary  # noqa: F401 - hooks

sys.path.insert(0, str(ROOT / "scripts"))
import _harness  # noqa: E402 - starts the server as the benchmark and the load test do

from territory_viz import datasets, model  # noqa: E402
from territory_viz import history as H  # noqa: E402


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of data/ (without the scenarios) that a test may break; caches reset."""
    copy = tmp_path / "data"
    shutil.copytree(model.DATA_DIR, copy, ignore=shutil.ignore_patterns("scenarios"))
    monkeypatch.setattr(model, "DATA_DIR", copy)
    datasets.clear_caches()
    yield copy
    datasets.clear_caches()


@pytest.fixture
def history_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This test's own user cache, empty: no fetched days unless the test adds them.

    Set in the environment, so a child process (the page's sandboxed reader) inherits it.
    """
    folder = tmp_path / "cache"
    monkeypatch.setenv(H.CACHE_ENV, str(folder))
    H.clear_caches()
    yield folder
    H.clear_caches()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ``streamlit run app.py`` on a free local port; stopped (whole group) at teardown."""
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    try:
        with _harness.streamlit_server(ROOT, log_path=log_path, timeout_s=STARTUP_TIMEOUT_S) as (
            url,
            _pid,
        ):
            yield url
    except _harness.ServerFailed as err:
        pytest.fail(str(err))


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright."""
    if not Path(CHROMIUM).exists():
        need_browser(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_browser("the playwright package is not installed (pip install -r requirements.txt)")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page_factory(browser):
    contexts = []

    def make(width: int = 1400, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        offline = Offline()
        context.route("**/*", offline.handle)
        contexts.append((context, offline))
        page = context.new_page()
        page.set_default_timeout(PAINT_TIMEOUT_MS)
        return page, offline

    yield make
    for context, offline in contexts:
        context.close()
        offline.assert_no_foreign_assets()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the tests that need the internet unless ``-m`` names them."""
    deselect_network(config, items)
