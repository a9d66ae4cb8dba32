"""fetch deepstate against a loopback HTTP server serving synthetic days in the archive's shape."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from shapely.geometry import box, mapping

from territory_viz import fetch
from territory_viz import history as H
from territory_viz.cli import main

TODAY = dt.date(2025, 11, 22)


def day_bytes(x0: float) -> bytes:
    """One day in the archive's daily shape: a Feature, empty properties, a MultiPolygon."""
    geom = mapping(box(x0, 48.0, x0 + 0.4, 48.4))
    multi = {"type": "MultiPolygon", "coordinates": [geom["coordinates"]]}
    return json.dumps({"type": "Feature", "properties": {}, "geometry": multi}).encode()


class Server:
    """Serves ``files`` (path -> bytes) with Range support; ``mode`` makes it misbehave."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.mode = ""
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                rng = self.headers.get("Range")
                server.requests.append((self.path, rng))
                data = server.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                if server.mode == "slow":
                    time.sleep(1.5)
                start = int(rng.split("=")[1].split("-")[0]) if rng else 0
                body = data[start:]
                self.send_response(206 if rng else 200)
                if rng:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                length = 10**9 if server.mode == "oversize" else len(body)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                if server.mode == "cut":
                    server.mode = ""  # only the first time
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if server.mode != "oversize":
                    self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def add_day(self, date: str, data: bytes) -> None:
        self.files[f"/data/deepstatemap_data_{date.replace('-', '')}.geojson"] = data


@pytest.fixture()
def server(tmp_path, monkeypatch):
    srv = Server()
    srv.thread.start()
    monkeypatch.setenv(fetch.URL_ENV, f"http://127.0.0.1:{srv.port}/")
    monkeypatch.setenv(H.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(fetch, "_today", lambda: TODAY)
    H.clear_caches()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()
    H.clear_caches()


def cached_days() -> list[str]:
    folder = H.deepstate_dir()
    return sorted(p.name for p in folder.glob("*")) if folder.is_dir() else []


def test_fetch_one_day_then_it_is_in_the_default_history(server, capsys) -> None:
    server.add_day("2025-11-20", day_bytes(37.8))
    code = main(["fetch", "deepstate", "--date", "2025-11-20"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "fetched 1 day" in out
    assert "deepstatemap.live" in err and "permission" in err  # the licence terms
    assert cached_days() == ["deepstatemap_data_20251120.geojson"]
    assert "2025-11-20" in H.default_history().dates()
    code = main(["fetch", "deepstate", "--date", "2025-11-20"])
    out, _ = capsys.readouterr()
    assert code == 0 and "1 already in the cache" in out
    assert len(server.requests) == 1  # the second run asked nothing


def test_latest_looks_back_past_unpublished_days(server) -> None:
    server.add_day("2025-11-20", day_bytes(37.8))
    report = fetch.fetch_latest()
    assert report.ok and report.fetched == ["2025-11-20"]
    assert report.missing == ["2025-11-22", "2025-11-21"]


def test_since_fetches_every_day_and_notes_gaps(server) -> None:
    server.add_day("2025-11-19", day_bytes(37.8))
    server.add_day("2025-11-21", day_bytes(37.4))
    report = fetch.fetch_since("2025-11-19")
    assert report.fetched == ["2025-11-19", "2025-11-21"]
    assert report.missing == ["2025-11-20", "2025-11-22"]
    assert report.ok


def test_resume_after_an_interrupted_download(server, capsys) -> None:
    data = day_bytes(37.8)
    server.add_day("2025-11-20", data)
    server.mode = "cut"
    first = fetch.fetch_days(["2025-11-20"])
    assert not first.ok and "run again to resume" in first.failed[0][1]
    part = H.deepstate_dir() / "deepstatemap_data_20251120.geojson.part"
    assert 0 < part.stat().st_size < len(data)
    assert cached_days() == ["deepstatemap_data_20251120.geojson.part"]  # no final file
    second = fetch.fetch_days(["2025-11-20"])
    assert second.ok and second.fetched == ["2025-11-20"]
    assert server.requests[-1][1] == f"bytes={len(data) // 2}-"
    assert (H.deepstate_dir() / "deepstatemap_data_20251120.geojson").read_bytes() == data
    assert cached_days() == ["deepstatemap_data_20251120.geojson"]


def test_timeout(server, monkeypatch) -> None:
    monkeypatch.setattr(fetch, "TIMEOUT_S", 0.3)
    server.add_day("2025-11-20", day_bytes(37.8))
    server.mode = "slow"
    report = fetch.fetch_days(["2025-11-20"])
    assert not report.ok and "0.3 s" in report.failed[0][1]
    assert cached_days() in ([], ["deepstatemap_data_20251120.geojson.part"])
    assert not (H.deepstate_dir() / "deepstatemap_data_20251120.geojson").exists()


def test_oversize_is_refused_before_reading(server) -> None:
    server.add_day("2025-11-20", day_bytes(37.8))
    server.mode = "oversize"
    report = fetch.fetch_days(["2025-11-20"])
    assert "MAX_DAY_BYTES" in report.failed[0][1]
    assert cached_days() == []


def test_not_published_is_not_an_error(server, capsys) -> None:
    code = main(["fetch", "deepstate", "--date", "2025-11-20"])
    out, _ = capsys.readouterr()
    assert code == 0 and "1 not published" in out


def test_offline_says_so(tmp_path, monkeypatch, capsys) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    monkeypatch.setenv(fetch.URL_ENV, f"http://127.0.0.1:{port}/")
    monkeypatch.setenv(H.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(fetch, "_today", lambda: TODAY)
    code = main(["fetch", "deepstate", "--since", "2025-11-01"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Offline?" in out and "refused" in out.lower()
    assert "Traceback" not in err
    assert out.count("offline") <= 2  # stopped at the first day, did not try all 22


def test_corrupt_file_is_not_kept(server) -> None:
    server.add_day("2025-11-20", b'{"type": "Feature", "properties": {}, "geometry": {"typ')
    server.add_day("2025-11-21", day_bytes(2.0))  # valid GeoJSON, but in France
    report = fetch.fetch_days(["2025-11-20", "2025-11-21"])
    assert [d for d, _ in report.failed] == ["2025-11-20", "2025-11-21"]
    assert all("corrupt file, not kept" in m for _, m in report.failed)
    assert cached_days() == []


def test_bad_arguments(server, capsys) -> None:
    for argv, expected in (
        (["--date", "2025-11-31"], "not a date"),
        (["--date", "2024-01-01"], "before the archive's first day"),
        (["--date", "2025-12-01"], "in the future"),
        ([], "one of --date DATE, --latest, --since DATE or --archive"),
        (["--latest", "--date", "2025-11-20"], "one of"),
    ):
        code = main(["fetch", "deepstate", *argv])
        _, err = capsys.readouterr()
        assert code == 2 and expected in err, (argv, err)


def test_base_url_is_fixed_unless_overridden(monkeypatch) -> None:
    monkeypatch.delenv(fetch.URL_ENV, raising=False)
    assert fetch.day_url("2025-11-20") == (
        "https://raw.githubusercontent.com/cyterat/deepstate-map-data/main/"
        "data/deepstatemap_data_20251120.geojson"
    )


def test_page_never_fetches() -> None:
    root = Path(__file__).resolve().parent.parent
    for path in [root / "app.py", *sorted((root / "ui").rglob("*.py"))]:
        text = path.read_text(encoding="utf-8")
        assert "territory_viz.fetch" not in text and "import fetch" not in text, path


def test_progress_bar_on_a_terminal_and_lines_otherwise() -> None:
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, log = Tty(), io.StringIO()
    for stream in (tty, log):
        bar = fetch.Progress(stream)
        bar.start("2025-11-20", 1, 3)
        bar.update(500_000, 1_000_000)
        bar.finish("ok")
    assert "[############............]" in tty.getvalue() and "\r" in tty.getvalue()
    assert log.getvalue() == "      1/3 2025-11-20 ok\n"


def test_fetch_the_unified_archive(server, capsys) -> None:
    import gzip

    days = [
        {
            "type": "Feature",
            "properties": {"id": i + 1, "date": f"2025-10-0{i + 1}"},
            "geometry": json.loads(day_bytes(37.4 + 0.1 * i))["geometry"],
        }
        for i in range(3)
    ]
    archive = gzip.compress(json.dumps({"type": "FeatureCollection", "features": days}).encode())
    server.files["/" + fetch.ARCHIVE_PATH] = archive
    server.add_day("2025-10-02", day_bytes(37.0))  # a single day wins over the archive's
    assert fetch.fetch_days(["2025-10-02"]).ok
    code = main(["fetch", "deepstate", "--archive"])
    out, _ = capsys.readouterr()
    assert code == 0 and "fetched 3 days" in out
    assert fetch.archive_file().read_bytes() == archive
    h = H.default_history()
    assert {"2025-10-01", "2025-10-02", "2025-10-03"} <= set(h.dates())
    assert h.layer("2025-10-02").total_bounds[0] == pytest.approx(37.0)  # the single day's
    server.files["/" + fetch.ARCHIVE_PATH] = gzip.compress(b'{"type": "FeatureCollection"')
    report = fetch.fetch_archive()
    assert "corrupt file, not kept" in report.failed[0][1]
    assert fetch.archive_file().read_bytes() == archive  # the good copy stays
