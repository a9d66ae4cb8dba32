"""Benchmark: one step of the map page's date slider, in headless Chromium, offline.

Starts ``streamlit run app.py`` with a user cache holding a few synthetic fetched days (made
from the committed snapshot ``occupied-2026-08-22``, warped a little more each day as in
``scripts/bench_history.py``; never DeepStateMap geometry), so the slider has the committed
snapshots and those days. Then, in one page:

- **step, cold**: from the newest day, the slider is moved one date to the left with the
  keyboard until the oldest (each date's evaluation, map context and map built for the first
  time); timed from the key press to the headline and the map's legend naming the new date,
  the script run finished;
- **step, warm**: back to the newest and to the left again, over dates already visited
  (what the budget is about: every piece a step needs is in ``ui.cache``);
- **reference**: warm scenario switches in the same page and run (budget 1 s), so the ratio
  step / switch can be read on a busy host;
- **server CPU**: the CPU seconds the Streamlit process (and its children) spent on each warm
  step and each warm switch, which a busy host does not inflate as much as wall clock.

Budget (issue): a slider step repaints within 1 s warm. Usage::

    python scripts/bench_slider.py [--days 6]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
import _harness  # noqa: E402
import bench_page  # noqa: E402 - the offline browser, frames and waits of the page benchmark
from bench_history import _day_geometry  # noqa: E402 - the same synthetic warp

BUDGET_STEP_S = 1.0
SLIDER = ".st-key-date input[type='range']"


def make_cache(folder: Path, days: int) -> list[str]:
    """Write ``days`` synthetic fetched days into ``folder/deepstate``; index them."""
    import os

    import shapely

    from territory_viz import datasets
    from territory_viz import history as H

    base = datasets.load_snapshot("occupied-2026-08-22").geometry.iloc[0]
    target = folder / "deepstate"
    target.mkdir(parents=True, exist_ok=True)
    first = dt.date(2025, 11, 1)
    dates = []
    for i in range(days):
        date = (first + dt.timedelta(days=30 * i)).isoformat()
        geom = _day_geometry(base, i, days)
        feature = {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(geom)}
        (target / f"deepstatemap_data_{date.replace('-', '')}.geojson").write_text(
            json.dumps(feature)
        )
        dates.append(date)
    os.environ[H.CACHE_ENV] = str(folder)
    H.clear_caches()
    H.default_history()  # indexed here (as `fetch` does), so the page only reads
    return dates


#: CPU seconds of the server's process tree per :func:`step` (filled when SERVER_PID is set).
STEP_CPU: list[float] = []
SERVER_PID: list[int] = []


def step(page, key: str, label: str) -> float:
    """Press ``key`` on the slider; seconds until the page and the map show ``label``."""
    cpu = _harness.tree_cpu_seconds(SERVER_PID) if SERVER_PID else 0.0
    start = time.monotonic()
    page.locator(SLIDER).first.press(key)
    page.locator("h1", has_text=label).first.wait_for()
    bench_page.wait_idle(page)  # the run is over: the previous map's frame is gone
    frame = page.frame_locator(bench_page.MAP_FRAME).last
    frame.locator(".tv-date", has_text=label).first.wait_for()
    frame.locator(bench_page.FILL_PATH).first.wait_for()
    elapsed = time.monotonic() - start
    if SERVER_PID:
        STEP_CPU.append(_harness.tree_cpu_seconds(SERVER_PID) - cpu)
    return elapsed


def timed_switches(page, titles: dict[str, str]) -> tuple[list[float], list[float]]:
    """Warm scenario switches: seconds each, and the server's CPU seconds each."""
    seconds, cpu = [], []
    for scenario_id, title in titles.items():
        before = _harness.tree_cpu_seconds(SERVER_PID)
        seconds.append(bench_page.time_switches(page, {scenario_id: title})[scenario_id])
        cpu.append(_harness.tree_cpu_seconds(SERVER_PID) - before)
    return seconds, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=6, help="synthetic fetched days (default 6)")
    args = parser.parse_args()
    if not Path(bench_page.CHROMIUM).exists():
        print(f"{bench_page.CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    from territory_viz import history as H
    from territory_viz import render, scenarios

    cache = Path(tempfile.mkdtemp(prefix="tv_bench_slider_"))
    make_cache(cache, args.days)
    dates = H.default_history().dates()
    labels = [render.date_label(d) for d in dates]
    print(
        f"slider: {len(dates)} dates ({dates[0]} .. {dates[-1]}); "
        f"load {bench_page.load_average():.1f}"
    )
    titles = {s.id: s.title for s in scenarios.list_scenarios()}
    blocked: list[str] = []
    with (
        _harness.streamlit_server(ROOT, env={H.CACHE_ENV: str(cache)}) as (url, pid),
        sync_playwright() as p,
    ):
        browser = bench_page.launch(p)
        context = bench_page.offline_context(browser, blocked)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{url}/?scenario=ceasefire-current-line")
        page.frame_locator(bench_page.MAP_FRAME).locator(bench_page.FILL_PATH).first.wait_for()
        bench_page.wait_idle(page)
        cold = [step(page, "ArrowLeft", labels[i]) for i in range(len(dates) - 2, -1, -1)]
        SERVER_PID[:] = [pid]  # warm steps: the server's CPU counted too
        warm = [step(page, "ArrowRight", labels[i]) for i in range(1, len(dates))]
        warm += [step(page, "ArrowLeft", labels[i]) for i in range(len(dates) - 2, -1, -1)]
        order = {k: v for k, v in titles.items() if k != "ceasefire-current-line"}
        order["ceasefire-current-line"] = titles["ceasefire-current-line"]
        bench_page.time_switches(page, order)  # first switches on this day: cold
        switches, switch_cpu = timed_switches(page, order)
        browser.close()
    if blocked:
        print(f"requests to other hosts: {blocked[:5]}", file=sys.stderr)
        return 1
    warm_median, switch_median = statistics.median(warm), statistics.median(switches)
    print(f"slider step, cold (first visit of a date): {bench_page.spread(cold)}")
    print(
        f"slider step, warm: {bench_page.spread(warm)} (budget {BUDGET_STEP_S:.1f} s); "
        f"{warm_median / switch_median:.2f}x a warm scenario switch in the same run, "
        f"{bench_page.spread(switches)}"
    )
    print(
        f"server CPU per warm step: median {statistics.median(STEP_CPU):.3f} s; per warm "
        f"scenario switch {statistics.median(switch_cpu):.3f} s"
    )
    ok = warm_median <= BUDGET_STEP_S
    print("budget: " + ("met" if ok else "NOT met") + f"; load {bench_page.load_average():.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
