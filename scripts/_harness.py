"""What the scripts and the browser tests share: servers, Chromium's settings, CPU counts.

The page's benchmark, its load test, the static-site check, the replica set (deploy/) and the
browser tests start, wait for and stop their servers here. No import of :mod:`territory_viz`
or of Streamlit: this starts ``streamlit run app.py`` as a child process and reads ``/proc``,
nothing more.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

_TICK = os.sysconf("SC_CLK_TCK")
#: Answers once the app's script has run (``server.scriptHealthCheckEnabled``): a readiness
#: check, where ``/_stcore/health`` only says the server is up.
SCRIPT_HEALTH = "/_stcore/script-health-check"

#: Debian's Chromium, driven headless through Playwright.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: The hosts a local server answers on; a request to any other host is not ours.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})


class ServerFailed(RuntimeError):
    """A server exited or did not become healthy; the message has its log."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_streamlit(
    app_dir: Path,
    port: int,
    *,
    log: IO[bytes] | int = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
    extra_args: Sequence[str] = (),
) -> subprocess.Popen:
    """Start ``streamlit run app.py`` from ``app_dir`` on ``127.0.0.1:port``; do not wait.

    The server runs in its own process group (:func:`stop_server` stops it and its
    children). ``env`` entries are added to this process's environment.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(app_dir / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", *extra_args],
        cwd=app_dir, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,  # its own process group: stopping it stops its children
    )  # fmt: skip


def stop_server(
    proc: subprocess.Popen, *, sig: int = signal.SIGTERM, timeout_s: float = 15
) -> None:
    """Stop a server started in its own process group, and its children.

    ``sig`` first (nginx takes SIGQUIT to finish open requests); SIGKILL after ``timeout_s``.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout_s)


@contextlib.contextmanager
def streamlit_server(
    app_dir: Path,
    *,
    log_path: Path | None = None,
    timeout_s: float = 120,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[str, int]]:
    """Run ``streamlit run app.py`` from ``app_dir`` on a free local port.

    Yields the URL and the server's pid once it is ready (:func:`wait_healthy`); stops the server
    and its children (its own process group) afterwards.

    Parameters
    ----------
    app_dir
        Folder holding ``app.py`` (and ``.streamlit/config.toml``).
    log_path
        Where the server's output goes; discarded when ``None``.
    timeout_s
        How long to wait for the server to become healthy.
    env
        Extra environment variables for the server.

    Raises
    ------
    ServerFailed
        If the server exits or is not healthy in time (with the log's text when kept).
    """
    port = free_port()
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") if log_path is not None else open(os.devnull, "wb") as log:
        proc = start_streamlit(app_dir, port, log=log, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc, timeout_s, log_path)
            yield url, proc.pid
        finally:
            stop_server(proc)


def wait_healthy(
    url: str,
    proc: subprocess.Popen,
    timeout_s: float,
    log_path: Path | None = None,
    *,
    name: str = "streamlit",
) -> None:
    """Wait until the server is ready; raise :class:`ServerFailed` if not in time.

    Ready: ``/_stcore/health`` answers ``ok`` and then :data:`SCRIPT_HEALTH` does, i.e. the
    app's script has run once (its first run warms the caches, see ``ui.cache.warm_up``);
    a server without that check enabled is ready when it is up.

    ``name`` is the server's name in the message (nginx in front of replicas answers the
    same checks); the message ends with ``log_path``'s text when given.
    """

    def log_text() -> str:
        return f":\n{log_path.read_text(errors='replace')}" if log_path is not None else ""

    deadline = time.monotonic() + timeout_s
    path = "/_stcore/health"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerFailed(f"{name} exited with code {proc.returncode}{log_text()}")
        try:
            wait = max(2.0, min(90.0, deadline - time.monotonic()))
            with urllib.request.urlopen(f"{url}{path}", timeout=wait) as response:
                if response.read().strip() == b"ok":
                    if path == SCRIPT_HEALTH:
                        return
                    path = SCRIPT_HEALTH  # up: now wait for the app's first run
                    continue
        except urllib.error.HTTPError as err:
            if path == SCRIPT_HEALTH and err.code == 404:
                return  # the script check is not enabled: up is ready
        except OSError:
            pass
        time.sleep(0.3)
    raise ServerFailed(f"{name} at {url} not ready after {timeout_s:.0f} s{log_text()}")


def process_table() -> dict[int, tuple[int, float]]:
    """Return pid -> (parent pid, CPU seconds used so far) for every readable process."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK)
    return table


def tree_cpu_seconds(
    roots: list[int], *, include_roots: bool = True, exclude: int | None = None
) -> float:
    """Return the CPU seconds used by live processes under ``roots``.

    Parameters
    ----------
    roots
        Process ids whose descendants are counted.
    include_roots
        Count the roots themselves too.
    exclude
        A process whose whole subtree is left out.
    """
    table = process_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    stack = list(roots) if include_roots else [c for r in roots for c in children.get(r, [])]
    total, seen = 0.0, set()
    while stack:
        pid = stack.pop()
        if pid in seen or pid == exclude or pid not in table:
            continue
        seen.add(pid)
        total += table[pid][1]
        stack.extend(children.get(pid, []))
    return total
