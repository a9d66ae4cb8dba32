"""Many viewers at once: N simultaneous headless Chromium sessions on a local page.

Starts ``streamlit run app.py`` on a free local port (or uses ``--url``), opens one viewer
first (the warm-up: caches fill, as after a deploy), then N viewers at the same time, each
in its own browser context (its own Streamlit session) on a different built-in scenario.
Every request to another host is blocked, as on a closed network. A viewer counts as served
when its map is painted: ``.leaflet-interactive`` paths inside the map's component iframe.

Reported: time to a painted map per viewer (median, slowest), errors (no paint, a Streamlit
exception or error box, a page error), and the server's resident memory (VmRSS from
``/proc/<pid>/status``) idle, after the warm-up and with all N sessions open, hence the
memory per extra session. CPU seconds used during the N viewers' run by the server, by the
browsers (this script's other child processes) and by the whole machine tell whether the
server or the simulated viewers' browsers are the bottleneck (on one small machine, they
share its cores).

With ``--replicas N`` the viewers go through nginx to N Streamlit replicas with sticky
sessions (``deploy/replicas.py``, Debian's ``nginx``); memory and CPU are then summed over
the replicas (nginx's own CPU is shown apart), and the report says which replica served how
many viewers.

Usage::

    python scripts/load_test.py                 # 8 viewers, own server
    python scripts/load_test.py --viewers 16 --json artifacts/load.json
    python scripts/load_test.py --viewers 16 --replicas 2   # through nginx
    python scripts/load_test.py --url http://127.0.0.1:8501 --pid 1234
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import _harness  # noqa: E402 - the server and CPU counts shared with bench_page and the tests
from _harness import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS  # noqa: E402

MAP_FRAME = "iframe[title='ui.map_component.tv_map']"
PAINTED = ".leaflet-interactive"
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
#: The map page's headline figures (ui.scenario_view.headline), drawn with the rest of the page.
FIGURES = ".st-key-tv_headline strong"


@dataclass
class Viewer:
    """What one simulated viewer saw."""

    index: int
    scenario: str
    seconds_to_map: float | None = None
    #: seconds from the start to: page loaded (Streamlit's shell), map frame attached, then
    #: ``seconds_to_map`` (painted); numbers shown: the rest of the page, drawn in the run the
    #: map's paint starts (ui.scenario_view.map_first)
    milestones: dict[str, float] = field(default_factory=dict)
    painted_paths: int = 0
    #: HTTP requests the page made to the server (its scripts, styles, fonts, the map frame)
    requests: int = 0

    @property
    def finished(self) -> bool:
        """The whole page is drawn (its CPU all spent), or the viewer failed."""
        return "numbers_shown" in self.milestones or bool(self.errors)

    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


@dataclass
class Report:
    """The whole run."""

    viewers: int
    url: str
    warmup: Viewer | None
    results: list[Viewer]
    rss_idle_mb: float | None
    rss_after_warmup_mb: float | None
    rss_with_all_sessions_mb: float | None
    wall_seconds: float
    server_cpu_seconds: float | None = None
    browsers_cpu_seconds: float | None = None
    machine_busy_seconds: float | None = None
    cpu_count: int = field(default_factory=lambda: os.cpu_count() or 0)
    browser_nice: int = 0
    replicas: int = 1
    nginx_cpu_seconds: float | None = None
    #: replica address -> viewers it served (from nginx's access log), with ``--replicas``
    replica_share: dict[str, int] = field(default_factory=dict)

    @property
    def times(self) -> list[float]:
        return [v.seconds_to_map for v in self.results if v.seconds_to_map is not None]

    @property
    def failures(self) -> list[Viewer]:
        return [v for v in self.results if v.errors or v.seconds_to_map is None]

    @property
    def rss_per_extra_session_mb(self) -> float | None:
        if self.rss_with_all_sessions_mb is None or self.rss_after_warmup_mb is None:
            return None
        # the warm-up session stays open: at the end N more sessions are open than after it
        extra = max(self.viewers, 1)
        return (self.rss_with_all_sessions_mb - self.rss_after_warmup_mb) / extra

    def summary(self) -> dict[str, object]:
        times = self.times
        return {
            "viewers": self.viewers,
            "painted": len(times),
            "failed": len(self.failures),
            "blocked_foreign_requests": sum(len(v.blocked) for v in self.results),
            "median_s": round(statistics.median(times), 2) if times else None,
            "p95_s": round(percentile(times, 95), 2) if times else None,
            "slowest_s": round(max(times), 2) if times else None,
            "warmup_s": (
                round(self.warmup.seconds_to_map, 2)
                if self.warmup and self.warmup.seconds_to_map is not None
                else None
            ),
            "rss_idle_mb": self.rss_idle_mb,
            "rss_after_warmup_mb": self.rss_after_warmup_mb,
            "rss_with_all_sessions_mb": self.rss_with_all_sessions_mb,
            "rss_per_extra_session_mb": (
                round(self.rss_per_extra_session_mb, 1)
                if self.rss_per_extra_session_mb is not None
                else None
            ),
            "median_milestones_s": {
                key: round(
                    statistics.median(
                        v.milestones[key] for v in self.results if key in v.milestones
                    ),
                    2,
                )
                for key in ("page_loaded", "map_frame", "numbers_shown")
                if any(key in v.milestones for v in self.results)
            },
            # Each costs the server CPU (Streamlit's static files; ~2 ms each on this machine).
            "median_requests_per_viewer": (
                statistics.median(v.requests for v in self.results) if self.results else None
            ),
            "wall_s": round(self.wall_seconds, 1),
            "server_cpu_s": self.server_cpu_seconds,
            "server_cpu_per_viewer_s": (
                round(self.server_cpu_seconds / self.viewers, 3)
                if self.server_cpu_seconds is not None and self.viewers
                else None
            ),
            "replicas": self.replicas,
            "nginx_cpu_s": self.nginx_cpu_seconds,
            "viewers_per_replica": self.replica_share,
            "browsers_cpu_s": self.browsers_cpu_seconds,
            "machine_busy_cpu_s": self.machine_busy_seconds,
            "machine_cpu_capacity_s": round(self.wall_seconds * self.cpu_count, 1),
            "load_average_1min": round(os.getloadavg()[0], 1),
            "cpu_count": self.cpu_count,
            "browser_nice": self.browser_nice,
        }


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (linear between closest ranks, as numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# --------------------------------------------------------------------------- server


def _rss_one(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def rss_mb(pids: list[int] | int | None) -> float | None:
    """Resident memory of the server process(es) in MB (``VmRSS``), or ``None`` if unknown."""
    if pids is None:
        return None
    values = [_rss_one(pid) for pid in ([pids] if isinstance(pids, int) else pids)]
    known = [v for v in values if v is not None]
    if not values or len(known) < len(values):
        return None
    return round(sum(known), 1)


def cpu_seconds(pids: list[int] | int | None) -> float | None:
    """User + system CPU time the server process(es) and their children used, seconds."""
    if pids is None:
        return None
    return _harness.tree_cpu_seconds([pids] if isinstance(pids, int) else list(pids))


def browsers_cpu(server_pids: list[int]) -> float:
    """CPU seconds used by this script's children but the servers: the browsers."""
    mine = _harness.tree_cpu_seconds([os.getpid()], include_roots=False)
    return mine - (_harness.tree_cpu_seconds(server_pids) if server_pids else 0.0)


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (``/proc/stat``)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- viewers


async def _open_viewer(browser, viewer: Viewer, url: str, timeout_s: float, hold: asyncio.Event):
    """Open one viewer's session, wait for its map, keep it open until ``hold`` is set."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})

    async def offline(route) -> None:
        parsed = urlparse(route.request.url)
        if parsed.scheme in ("data", "blob", "about") or parsed.hostname in LOCAL_HOSTS:
            viewer.requests += parsed.hostname in LOCAL_HOSTS
            await route.continue_()
        else:
            viewer.blocked.append(route.request.url)
            await route.abort()

    await context.route("**/*", offline)
    page = await context.new_page()
    page.on("pageerror", lambda exc: viewer.errors.append(f"page error: {exc}"))
    start = time.monotonic()
    try:
        await page.goto(f"{url}/?scenario={viewer.scenario}", timeout=timeout_s * 1000)
        viewer.milestones["page_loaded"] = round(time.monotonic() - start, 3)
        await page.locator(MAP_FRAME).first.wait_for(timeout=timeout_s * 1000)
        viewer.milestones["map_frame"] = round(time.monotonic() - start, 3)
        frame = page.frame_locator(MAP_FRAME).first
        await frame.locator(PAINTED).first.wait_for(timeout=timeout_s * 1000)
        viewer.seconds_to_map = round(time.monotonic() - start, 3)
        viewer.painted_paths = await frame.locator(PAINTED).count()
        # The rest of the page comes in the run the map's paint starts: its CPU is counted too.
        await page.locator(FIGURES).first.wait_for(timeout=timeout_s * 1000)
        viewer.milestones["numbers_shown"] = round(time.monotonic() - start, 3)
        # Errors the page itself shows (an exception box or st.error) also count.
        for text in await page.locator(ERRORS).all_inner_texts():
            viewer.errors.append(f"page shows: {text[:200]}")
    except Exception as exc:  # noqa: BLE001 - one viewer failing is a result, not a crash
        viewer.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    try:
        await hold.wait()
    finally:
        await context.close()


def _niced_chromium(niceness: int, folder: Path) -> str:
    """A wrapper that starts Chromium at a lower CPU priority (the server keeps its own)."""
    wrapper = folder / "chromium-niced"
    wrapper.write_text(f'#!/bin/sh\nexec nice -n {int(niceness)} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


async def _run(
    url: str,
    pid: list[int] | None,
    n: int,
    scenario_ids: list[str],
    timeout_s: float,
    warmup: bool,
    browser_nice: int = 0,
    nginx_pid: int | None = None,
    warm_urls: list[str] | None = None,
) -> Report:
    import tempfile

    from playwright.async_api import async_playwright

    rss_idle = rss_mb(pid)
    async with async_playwright() as p:
        executable = CHROMIUM
        if browser_nice:
            executable = _niced_chromium(browser_nice, Path(tempfile.mkdtemp(prefix="tv_load_")))
        browser = await p.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        hold = asyncio.Event()
        warm: Viewer | None = None
        tasks = []
        if warmup:
            # One warm-up viewer per server (behind nginx: each replica at its own address).
            for i, warm_url in enumerate(warm_urls or [url]):
                warm = Viewer(-1 - i, scenario_ids[0])
                ready = asyncio.create_task(_open_viewer(browser, warm, warm_url, timeout_s, hold))
                tasks.append(ready)
                while not warm.finished:
                    await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # let the server settle after the first run
        rss_warm = rss_mb(pid)
        cpu_start = cpu_seconds(pid)
        nginx_start = cpu_seconds(nginx_pid)
        browsers_start = browsers_cpu(pid or [])
        busy_start = machine_busy_seconds()
        viewers = [Viewer(i, scenario_ids[i % len(scenario_ids)]) for i in range(n)]
        start = time.monotonic()
        tasks += [
            asyncio.create_task(_open_viewer(browser, v, url, timeout_s, hold)) for v in viewers
        ]
        while not all(v.finished for v in viewers):
            await asyncio.sleep(0.1)
        wall = time.monotonic() - start
        await asyncio.sleep(1.0)
        rss_all = rss_mb(pid)
        cpu_end = cpu_seconds(pid)
        cpu = round(cpu_end - cpu_start, 2) if cpu_start is not None and cpu_end else None
        nginx_end = cpu_seconds(nginx_pid)
        nginx_cpu = (
            round(nginx_end - nginx_start, 2)
            if nginx_start is not None and nginx_end is not None
            else None
        )
        browsers = round(browsers_cpu(pid or []) - browsers_start, 1)
        busy = round(machine_busy_seconds() - busy_start, 1)
        hold.set()
        await asyncio.gather(*tasks)
        await browser.close()
    return Report(
        n,
        url,
        warm,
        viewers,
        rss_idle,
        rss_warm,
        rss_all,
        wall,
        cpu,
        browsers,
        busy,
        browser_nice=browser_nice,
        replicas=len(pid or []) or 1,
        nginx_cpu_seconds=nginx_cpu,
    )


def _scenario_ids() -> list[str]:
    from territory_viz.scenarios import BUILTIN_IDS

    return list(BUILTIN_IDS)


def _replica_share(access_log: Path) -> dict[str, int]:
    """Websocket sessions per replica, from nginx's access log (the warm-ups went direct)."""
    import re

    counts: dict[str, int] = {}
    for line in access_log.read_text(errors="replace").splitlines():
        match = re.search(r'"GET /_stcore/stream[^"]*" 101 .*upstream=(\S+)', line)
        if match:
            counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    return counts


def print_report(report: Report) -> None:
    """Print one line per viewer and the summary."""
    if report.warmup is not None:
        w = report.warmup
        print(
            f"warm-up viewer ({w.scenario}): "
            f"{w.seconds_to_map if w.seconds_to_map is not None else 'no map'} s"
            + (f"  ERRORS {w.errors}" if w.errors else "")
        )
    for v in report.results:
        state = (
            f"{v.seconds_to_map:6.2f} s, {v.painted_paths} paths"
            if v.seconds_to_map is not None
            else "  no map"
        )
        state += "  (" + ", ".join(f"{k} {t:.1f}" for k, t in v.milestones.items()) + ")"
        print(
            f"viewer {v.index:2d} {v.scenario:28s} {state}"
            + (f"  ERRORS {v.errors}" if v.errors else "")
        )
    print(json.dumps(report.summary(), indent=2))


def main(argv: list[str] | None = None) -> int:
    """Run the load test; exit 1 if any viewer did not get a painted map without error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", "-n", type=int, default=8, help="simultaneous viewers")
    parser.add_argument("--url", help="use this running server instead of starting one")
    parser.add_argument("--pid", type=int, help="pid of the --url server (for its memory)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per viewer")
    parser.add_argument(
        "--no-warmup", action="store_true", help="all viewers hit a cold server at once"
    )
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument(
        "--browser-nice",
        type=int,
        default=0,
        metavar="N",
        help="run the simulated browsers at niceness N (e.g. 19), so that on "
        "one machine they take CPU only when the server does not need it",
    )
    parser.add_argument(
        "--replicas",
        type=int,
        default=0,
        metavar="N",
        help="start N Streamlit replicas behind nginx (deploy/replicas.py) "
        "and send the viewers through nginx",
    )
    args = parser.parse_args(argv)
    if args.replicas < 0 or (args.replicas and args.url):
        parser.error("--replicas N needs N >= 1 and no --url")
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    ids = _scenario_ids()

    def run(url: str, pids: list[int] | None, **extra) -> Report:
        return asyncio.run(
            _run(
                url,
                pids,
                args.viewers,
                ids,
                args.timeout,
                not args.no_warmup,
                args.browser_nice,
                **extra,
            )
        )

    if args.url:
        report = run(args.url.rstrip("/"), [args.pid] if args.pid else None)
    elif args.replicas:
        sys.path.insert(0, str(ROOT / "deploy"))
        import replicas as deploy

        try:
            with deploy.replica_set(args.replicas, workdir=ROOT / "artifacts" / "replicas") as rs:
                report = run(
                    rs.url,
                    list(rs.replica_pids),
                    nginx_pid=rs.nginx_pid,
                    warm_urls=list(rs.replica_urls),
                )
                report.replica_share = _replica_share(rs.access_log)
        except deploy.ReplicasFailed as err:
            print(err, file=sys.stderr)
            return 2
    else:
        try:
            with _harness.streamlit_server(
                ROOT, log_path=ROOT / "artifacts" / "load_test_server.log", timeout_s=90
            ) as (url, pid):
                report = run(url, [pid])
        except _harness.ServerFailed as err:
            print(err, file=sys.stderr)
            return 2
    print_report(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "summary": report.summary(),
            "viewers": [asdict(v) for v in report.results],
            "warmup": asdict(report.warmup) if report.warmup else None,
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
