"""The replica set for analysts: nginx over Streamlit replicas, sticky, with websockets.

Needs Debian's ``nginx`` (``apt-get install -y nginx``; ``.ci/run`` installs it). Without it
the tests that start nginx skip, unless ``TERRITORY_VIZ_REQUIRE_BROWSER=1`` (set by
``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
import replicas  # noqa: E402


def test_config_lists_every_replica_and_listens_on_loopback(tmp_path: Path) -> None:
    text = replicas.render_config(8080, [9001, 9002, 9003], tmp_path)
    assert "listen 127.0.0.1:8080;" in text
    servers = re.findall(r"server 127\.0\.0\.1:(\d+)", text)
    assert servers == ["9001", "9002", "9003"]
    assert "hash $tv_sticky consistent;" in text
    assert "@@" not in text
    assert f"pid {tmp_path}/nginx.pid;" in text


def test_config_needs_a_replica(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one replica"):
        replicas.render_config(8080, [], tmp_path)


@pytest.fixture(scope="module")
def replica_set(tmp_path_factory: pytest.TempPathFactory):
    if not Path(replicas.NGINX).exists():
        reason = f"{replicas.NGINX} is missing (apt-get install -y nginx)"
        if os.environ.get("TERRITORY_VIZ_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("replicas")
    try:
        with replicas.replica_set(2, workdir=work) as running:
            yield running
    except replicas.ReplicasFailed as err:
        pytest.fail(str(err))


def _get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def _upstreams(log: Path, key: str) -> list[str]:
    return re.findall(rf"upstream=(\S+) key={re.escape(key)} ", log.read_text())


@pytest.mark.slow
def test_nginx_serves_the_page_and_sets_the_sticky_cookie(replica_set) -> None:
    status, headers, body = _get(f"{replica_set.url}/")
    assert status == 200
    assert b"<noscript>" in body or b"streamlit" in body.lower()
    cookie = headers.get("Set-Cookie", "")
    assert cookie.startswith("tv_replica=") and "HttpOnly" in cookie
    # A browser that sends the cookie back is not given a new one.
    _, again, _ = _get(f"{replica_set.url}/", cookie=cookie.split(";")[0])
    assert "Set-Cookie" not in again


@pytest.mark.slow
def test_one_browser_stays_on_one_replica_and_browsers_spread(replica_set) -> None:
    keys = [f"k{i:02d}" for i in range(24)]
    for key in keys:
        for path in ("/", "/_stcore/health", "/_stcore/host-config"):
            _get(f"{replica_set.url}{path}", cookie=f"tv_replica={key}")
    chosen = {}
    for key in keys:
        served = _upstreams(replica_set.access_log, key)
        assert len(served) == 3, served
        assert len(set(served)) == 1, f"browser {key} was served by {set(served)}"
        chosen[key] = served[0]
    spread = Counter(chosen.values())
    assert set(spread) == {u.removeprefix("http://") for u in replica_set.replica_urls}


@pytest.mark.slow
def test_websocket_upgrades_through_nginx(replica_set) -> None:
    import websockets

    async def connect() -> int:
        url = replica_set.url.replace("http://", "ws://") + "/_stcore/stream"
        async with websockets.connect(
            url,
            origin=replica_set.url,
            subprotocols=["streamlit"],
            additional_headers={"Cookie": "tv_replica=ws-test"},
            open_timeout=15,
        ) as ws:
            await ws.ping()
            return ws.response.status_code

    assert asyncio.run(connect()) == 101
    served = _upstreams(replica_set.access_log, "ws-test")
    assert served and all(u in served[0] for u in served)
    assert re.search(
        r'"GET /_stcore/stream HTTP/1.1" 101 .*key=ws-test ', replica_set.access_log.read_text()
    )


@pytest.mark.slow
def test_nginx_serves_the_static_files_itself(replica_set) -> None:
    folders = replicas.static_folders()
    bundle = next((folders["streamlit"] / "js").glob("*.js"))
    component = folders["tv_map"] / "index.html"
    for path, source in (
        (f"/static/js/{bundle.name}", bundle),
        ("/component/ui.map_component.tv_map/index.html", component),
    ):
        status, headers, body = _get(f"{replica_set.url}{path}", cookie="tv_replica=static")
        assert status == 200 and body == source.read_bytes(), path
        # A browser runs a module script only when it is served as JavaScript.
        wanted = "application/javascript" if path.endswith(".js") else "text/html"
        assert headers["Content-Type"].startswith(wanted), headers["Content-Type"]
    # Neither went to a replica: nginx logs no upstream for them.
    assert _upstreams(replica_set.access_log, "static") == ["-", "-"]
