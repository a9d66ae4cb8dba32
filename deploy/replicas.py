"""Run N Streamlit replicas of the page behind nginx, on loopback, for analysts.

Each replica is ``streamlit run app.py`` on its own free port of 127.0.0.1; nginx (Debian's
``nginx`` package, not its system service) listens on another free port and balances them
with sticky sessions and websocket upgrade (see ``deploy/nginx.conf.template``). nginx runs
with its own prefix (config, pid, logs and temp files in a fresh folder), so nothing under
/etc/nginx or /var/lib/nginx is read or written.

Usage::

    python deploy/replicas.py --replicas 2            # serve until Ctrl-C, print the URL
    python deploy/replicas.py --replicas 2 --port 8080

From Python (the load test and the tests do this)::

    with replica_set(2) as replicas:
        print(replicas.url, replicas.replica_pids)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import _harness  # noqa: E402 - free ports, server start/wait/stop shared with the scripts

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class ReplicasFailed(RuntimeError):
    """nginx or a replica did not start; the message says which, with its log."""


@dataclass(frozen=True)
class ReplicaSet:
    """A running replica set."""

    url: str  #: nginx, the one address viewers open
    replica_urls: tuple[str, ...]
    replica_pids: tuple[int, ...]
    nginx_pid: int
    prefix: Path  #: nginx's folder: nginx.conf, logs/access.log, logs/error.log, temp/

    @property
    def access_log(self) -> Path:
        """The access log of nginx: one line per request, with the replica that served it."""
        return self.prefix / "logs" / "access.log"


def render_config(
    listen_port: int, upstream_ports: list[int], prefix: Path, static: Path | None = None
) -> str:
    """Fill the template: nginx on ``127.0.0.1:listen_port`` over the given replicas.

    ``static`` is the folder of :func:`static_folders` copies (default ``prefix/static``).
    """
    if not upstream_ports:
        raise ValueError("a replica set needs at least one replica")
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=3 fail_timeout=5s;" for port in upstream_ports
    )
    # As root, nginx's workers drop to "nobody"; they then need to reach the temp folders.
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in {
        "@@STATIC@@": str(static or prefix / "static"),
        "@@PREFIX@@": str(prefix),
        "@@LISTEN@@": f"127.0.0.1:{int(listen_port)}",
        "@@SERVERS@@": servers,
        "@@USER@@": user,
    }.items():
        text = text.replace(key, value)
    return text


def static_folders(app_dir: Path = ROOT) -> dict[str, Path]:
    """Return the folders nginx serves itself: name under ``PREFIX/static`` -> source.

    Streamlit's frontend bundle from the installed package, the map component's frontend
    (``ui/map_frontend/build``, as the app serves it) and the app's ``static/`` folder (Leaflet
    and the map helpers); the app writes the last two as it starts.
    """
    import streamlit

    return {
        "streamlit": Path(streamlit.__file__).parent / "static" / "static",
        "tv_map": app_dir / "ui" / "map_frontend" / "build",
        "app": app_dir / "static",
    }


def _copy_static(app_dir: Path) -> Path:
    """Copy :func:`static_folders` into a new folder every user may read; return it.

    Copies, not links, in a folder of their own: nginx's workers (``nobody`` when started
    as root) may not read the installed packages' folders or the work folder (under a home
    directory or a private temporary folder, say).
    """
    static = Path(tempfile.mkdtemp(prefix="tv_static_"))
    static.chmod(0o755)
    for name, source in static_folders(app_dir).items():
        shutil.copytree(source, static / name)
    return static


def _start_nginx(
    prefix: Path, listen_port: int, upstream_ports: list[int], static: Path
) -> subprocess.Popen:
    if not Path(NGINX).exists():
        raise ReplicasFailed(f"{NGINX} is missing: apt-get install -y nginx")
    for sub in ("logs", "temp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    for old in (prefix / "logs").glob("*.log"):
        old.unlink()  # nginx appends: a kept workdir must not count an earlier run
    if os.geteuid() == 0:
        # The workers (nobody) write proxied bodies under temp/; the master (root) the logs.
        prefix.chmod(0o755)
        (prefix / "temp").chmod(0o777)
    conf = prefix / "nginx.conf"
    conf.write_text(render_config(listen_port, upstream_ports, prefix, static), encoding="utf-8")
    test = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs" /
         "error.log")], capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    if test.returncode != 0:
        raise ReplicasFailed(f"nginx rejects {conf}:\n{test.stderr.strip()}")
    return subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs" / "error.log"),
         "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


@contextlib.contextmanager
def replica_set(
    n: int = 2,
    *,
    app_dir: Path = ROOT,
    port: int | None = None,
    workdir: Path | None = None,
    timeout_s: float = 90,
) -> Iterator[ReplicaSet]:
    """Start ``n`` replicas and nginx in front of them; stop all of them afterwards.

    Parameters
    ----------
    n
        Number of Streamlit replicas (one or two per core is a sensible range).
    app_dir
        The folder with ``app.py``.
    port
        nginx's port on 127.0.0.1 (default: a free one).
    workdir
        Folder for nginx's prefix and the replicas' logs (default: a new temporary folder,
        removed afterwards).
    timeout_s
        How long the replicas may take to become healthy.

    Raises
    ------
    ReplicasFailed
        If nginx or a replica does not start (with the log that says why).
    """
    if n < 1:
        raise ValueError(f"--replicas must be at least 1, not {n}")
    own = workdir is None
    base = Path(tempfile.mkdtemp(prefix="tv_replicas_")) if workdir is None else Path(workdir)
    base.mkdir(parents=True, exist_ok=True)
    prefix = base / "nginx"
    # Every replica signs its cookies with the same secret: a browser moved to another
    # replica (one stopped) keeps a valid XSRF cookie.
    env = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    procs: list[subprocess.Popen] = []
    logs = []
    nginx: subprocess.Popen | None = None
    static: Path | None = None
    try:
        ports = [_harness.free_port() for _ in range(n)]
        for i, replica_port in enumerate(ports):
            log = (base / f"replica-{i}.log").open("wb")
            logs.append(log)
            procs.append(_harness.start_streamlit(app_dir, replica_port, log=log, env=env))
        urls = tuple(f"http://127.0.0.1:{p}" for p in ports)
        for i, (url, proc) in enumerate(zip(urls, procs, strict=True)):
            try:
                _harness.wait_healthy(url, proc, timeout_s, base / f"replica-{i}.log")
            except _harness.ServerFailed as err:
                raise ReplicasFailed(f"replica {i}: {err}") from err
        listen = port or _harness.free_port()
        static = _copy_static(app_dir)
        nginx = _start_nginx(prefix, listen, ports, static)
        url = f"http://127.0.0.1:{listen}"
        try:
            _harness.wait_healthy(url, nginx, 30, prefix / "logs" / "error.log", name="nginx")
        except _harness.ServerFailed as err:
            raise ReplicasFailed(str(err)) from err
        yield ReplicaSet(url, urls, tuple(p.pid for p in procs), nginx.pid, prefix)
    finally:
        if nginx is not None:
            _harness.stop_server(nginx, sig=signal.SIGQUIT, timeout_s=10)  # finish open requests
        for proc in procs:
            _harness.stop_server(proc)
        for log in logs:
            log.close()
        if static is not None:
            shutil.rmtree(static, ignore_errors=True)
        if own:
            shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; print the address and the replicas."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", "-n", type=int, default=2, help="Streamlit replicas")
    parser.add_argument("--port", type=int, help="nginx port on 127.0.0.1 (default: free)")
    parser.add_argument(
        "--workdir", type=Path, help="keep nginx's prefix and the logs here (default: temporary)"
    )
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    try:
        with replica_set(args.replicas, port=args.port, workdir=args.workdir) as replicas:
            print(
                f"serving {replicas.url} (nginx pid {replicas.nginx_pid}, prefix "
                f"{replicas.prefix})",
                flush=True,
            )
            for url, pid in zip(replicas.replica_urls, replicas.replica_pids, strict=True):
                print(f"  replica {url} (pid {pid})", flush=True)
            while not stop:
                time.sleep(0.5)
    except ReplicasFailed as err:
        print(err, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
