"""Hostile uploads against the readers, the reading child and the server's geometry.

Each test names the attack it replays; together with ``test_hostile.py`` (escaping, broken
files) this is the hostile-input suite. Attack files are made at run time by
``tests/fixtures/hostile/make_fixtures.py`` (some are megabytes; none is committed).

Anything that could crash the interpreter (deep GEOS recursion) runs in a subprocess here,
so that a regression fails its test instead of killing the test run.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from app_support import run_cli

from territory_viz import _bounds, loaders, render, scenarios
from territory_viz._errors import ValidationError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hostile"
sys.path.insert(0, str(FIXTURES))

from make_fixtures import (  # noqa: E402
    gpkg_attacks,
    hostile_toml_numbers,
    kml_attacks,
    many_keys_geojson,
    nested_collections_geojson,
    number_attacks,
    vrt_as_kml,
    zigzag_geojson,
)

LEAKS = ("root:x:0:0", "/etc/passwd", "vsicurl", "vsimem", "127.0.0.1")


def refused(data: bytes, name: str) -> str:
    """Load through the library; return the message (it must be a ValidationError)."""
    with pytest.raises(ValidationError) as caught:
        loaders.load_control_layer(data, filename=name)
    message = str(caught.value)
    assert caught.value.source == name
    return message


def refused_by_page(data: bytes, name: str) -> str:
    """Load through the page's upload check (the sandboxed child); return its problems."""
    from ui.uploads import check_layer_upload

    result, baseline = check_layer_upload(data, name)
    assert baseline is None and not result.ok, result
    return " ".join(result.problems)


# --------------------------------------------------------------------------- formats by content


def test_a_vrt_document_named_kml_is_refused_by_its_content() -> None:
    message = refused(vrt_as_kml(), "leak.kml")
    assert "root element is <OGRVRTDataSource>" in message
    assert not any(leak in message for leak in LEAKS[:1])
    page = refused_by_page(vrt_as_kml(), "leak.kml")
    assert "OGRVRTDataSource" in page and "root:x" not in page


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("network_link.kml", "NetworkLink"),
        ("xinclude.kml", "XInclude"),
        ("billion_laughs.kml", "DOCTYPE"),
        ("many_keys.kml", "MAX_PROPERTY_KEYS"),
    ],
)
def test_kml_that_would_fetch_include_or_expand_is_refused(name: str, expected: str) -> None:
    message = refused(kml_attacks()[name], name)
    assert expected in message
    assert not any(leak in message for leak in LEAKS)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("virtual_ogr.gpkg", "virtual table ('VirtualOGR')"),
        ("plain_sqlite.gpkg", "not a GeoPackage"),
        ("trigger.gpkg", "triggers other than GeoPackage's own"),
        ("view.gpkg", "views are not allowed"),
        ("generated_column.gpkg", "generated columns"),
    ],
)
def test_geopackages_that_would_run_sql_or_open_other_sources_are_refused(
    tmp_path: Path, name: str, expected: str
) -> None:
    attacks = gpkg_attacks(tmp_path)
    message = refused(attacks[name], name)
    assert expected in message, message
    assert not any(leak in message for leak in LEAKS)


def test_a_plain_geopackage_written_by_gdal_still_loads(tmp_path: Path) -> None:
    layer = loaders.load_control_layer(gpkg_attacks(tmp_path)["good.gpkg"], filename="ok.gpkg")
    assert layer.geometry.iloc[0].area > 0


def test_gpkg_check_reads_sqlite_immutable_and_read_only(tmp_path: Path, monkeypatch) -> None:
    """The schema is read with SQLite itself from a read-only, immutable URI."""
    data = gpkg_attacks(tmp_path)["good.gpkg"]
    seen = []
    real = loaders.sqlite3.connect

    def spy(database: str, **kwargs: object):
        seen.append((database, kwargs))
        return real(database, **kwargs)

    monkeypatch.setattr(loaders.sqlite3, "connect", spy)
    loaders.load_control_layer(data, filename="ok.gpkg")
    assert seen and seen[0][0].endswith("?mode=ro&immutable=1") and seen[0][1] == {"uri": True}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("long_number.geojson", "5,000 digits"),
        ("infinite.geojson", "not finite"),
        ("nan.geojson", "NaN is not a number"),
    ],
)
def test_geojson_numbers_out_of_range_are_refused(name: str, expected: str) -> None:
    assert expected in refused(number_attacks()[name], name)


def test_deeply_nested_geometry_collections_are_refused() -> None:
    message = refused(nested_collections_geojson(200), "nested.geojson")
    assert "MAX_GEOMETRY_NESTING" in message


def test_a_crs_naming_a_file_or_url_is_refused() -> None:
    for name in ("/etc/passwd", "http://127.0.0.1:9/crs.wkt", "+init=epsg:4326"):
        doc = {
            "type": "Feature",
            "properties": {},
            "crs": {"type": "name", "properties": {"name": name}},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[37.2, 47.8], [38.2, 47.8], [38.2, 48.4], [37.2, 47.8]]],
            },
        }
        assert "unreadable CRS" in refused(json.dumps(doc).encode(), "crs.geojson")


# --------------------------------------------------------------------------- memory bomb


def test_twenty_thousand_property_keys_are_refused_before_gdal_reads_them() -> None:
    data = many_keys_geojson(20_000)
    assert len(data) > 400_000
    real = loaders.pyogrio.list_layers
    loaders.pyogrio.list_layers = None  # refused before GDAL is asked anything
    try:
        message = refused(data, "keys.geojson")
    finally:
        loaders.pyogrio.list_layers = real
    assert "MAX_PROPERTY_KEYS" in message and f"{loaders.MAX_PROPERTY_KEYS:,}" in message
    assert "MAX_PROPERTY_KEYS" in refused_by_page(data, "keys.geojson")


def test_only_geometry_is_read(monkeypatch) -> None:
    calls = []
    real = loaders.pyogrio.read_dataframe

    def spy(*args: object, **kwargs: object):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(loaders.pyogrio, "read_dataframe", spy)
    loaders.load_control_layer(many_keys_geojson(100), filename="few.geojson")
    assert calls and all(c.get("columns") == [] for c in calls)


# --------------------------------------------------------------------------- the reading child


def sandboxed(code: str) -> subprocess.CompletedProcess:
    from ui.uploads import run_sandboxed

    return run_sandboxed(textwrap.dedent(code), b"", timeout_s=60)


def test_the_child_has_only_the_three_drivers() -> None:
    done = sandboxed("import pyogrio; print(sorted(pyogrio.list_drivers()))")
    assert done.returncode == 0, done.stderr[-500:]
    drivers = set(eval(done.stdout))  # noqa: S307 - our own child's list of names
    assert drivers and drivers <= set(loaders.DRIVERS)


def test_the_child_cannot_open_a_socket_even_to_this_machine() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        done = sandboxed(f"""
            import socket
            for connect in (lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2),
                            lambda: socket.socket().connect(("127.0.0.1", {port}))):
                try:
                    connect()
                    print("connected")
                except OSError as exc:
                    print("refused:", exc)
        """)
    finally:
        listener.close()
    assert done.returncode == 0, done.stderr[-500:]
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all(b"refused" in x and b"no network" in x for x in lines), lines


def test_below_the_python_guard_the_network_namespace_is_empty() -> None:
    """GDAL's own sockets (curl) are C code the Python guard cannot see: the namespace can."""
    from ui.uploads import _no_network_prefix

    if not _no_network_prefix():
        pytest.skip("this system does not allow an unprivileged network namespace")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        done = sandboxed(f"""
            import _socket
            s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
            s.settimeout(2)
            try:
                s.connect(("127.0.0.1", {port}))
                print("connected")
            except OSError as exc:
                print("refused:", exc)
        """)
    finally:
        listener.close()
    assert done.stdout.startswith(b"refused"), done.stdout


def test_the_child_has_a_memory_and_a_cpu_cap() -> None:
    from ui.uploads import LAYER_CPU_S, LAYER_MEMORY_BYTES

    done = sandboxed("""
        import resource
        print(resource.getrlimit(resource.RLIMIT_AS)[0], resource.getrlimit(resource.RLIMIT_CPU)[0])
        try:
            block = bytearray(3 * 1024**3)
            print("allocated")
        except MemoryError:
            print("MemoryError")
    """)
    lines = done.stdout.decode().split("\n")
    assert lines[0] == f"{LAYER_MEMORY_BYTES} {LAYER_CPU_S}"
    assert lines[1] == "MemoryError"


def test_a_crash_of_the_child_is_a_message_and_not_a_dead_server(monkeypatch) -> None:
    from ui import uploads

    monkeypatch.setattr(uploads, "_READ", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    with pytest.raises(ValidationError, match="too complex for the reader: it overflowed"):
        uploads.load_layer_bounded(b"{}", filename="x.geojson", name="x", date=None)
    answer = json.dumps({"kind": "ok", "wkb": "010700000000000000"})  # a GeometryCollection
    monkeypatch.setattr(uploads, "_READ", f"import sys; sys.stdout.write({answer!r})")
    with pytest.raises(ValidationError, match="unexpected geometry"):  # a collection, not ours
        uploads.load_layer_bounded(b"{}", filename="x.geojson", name="x", date=None)


# --------------------------------------------------------------------------- heavy geometry


def test_the_200000_vertex_zigzag_is_simplified_in_the_child_and_the_server_survives() -> None:
    """Replays the segfault: upload, then draw the map and evaluate a strip scenario.

    Run in a subprocess: without the guards, this is a segmentation fault.
    """
    data = zigzag_geojson(200_000)
    assert len(data) > 3_000_000
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from ui.uploads import check_layer_upload
        from territory_viz import _bounds, render, scenarios, stats
        result, baseline = check_layer_upload(sys.stdin.buffer.read(), "zigzag.geojson")
        assert result.ok, result
        total, ring = _bounds.vertex_counts(baseline.layer.geometry.values)
        assert total <= _bounds.MAX_LAYER_VERTICES and ring <= _bounds.MAX_RING_VERTICES
        assert "simplified from 200,013" in result.headline, result.headline
        render.map_context(baseline.layer)
        dmz = scenarios.get_scenario("ceasefire-with-dmz")
        stats.scenario_stats(dmz, baseline.layer)
        print("served")
    """)
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=data,
        capture_output=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-800:])
    assert done.stdout.strip().endswith(b"served")


def test_the_server_refuses_an_unbounded_layer_before_any_geometry_operation() -> None:
    """A layer that did not come through the reader (e.g. a library caller's) is checked."""
    ring = shapely.from_geojson(zigzag_geojson(50_000))
    layer = gpd.GeoDataFrame({"id": ["z"], "date": [""]}, geometry=[ring], crs=4326)
    for call in (
        render.map_context,
        lambda lay: scenarios.evaluate(scenarios.get_scenario("ceasefire-with-dmz"), lay),
    ):
        with pytest.raises(ValidationError, match="MAX_RING_VERTICES"):
            call(layer)


def test_line_simplification_is_piecewise_so_its_recursion_is_bounded() -> None:
    """A 200,000-vertex zigzag line in a thread (8 MB stack): whole, Douglas-Peucker
    overflows; in pieces of MAX_SIMPLIFY_VERTICES it finishes."""
    code = textwrap.dedent(f"""
        import sys, threading
        sys.path.insert(0, {str(ROOT)!r})
        import numpy as np, shapely
        from territory_viz import _bounds
        n = 200_000
        xy = np.column_stack([np.linspace(0, 2e6, n), np.where(np.arange(n) % 2, 1000.0, 0)])
        line = shapely.LineString(xy)
        out = []
        t = threading.Thread(target=lambda: out.append(_bounds.simplify_lines(line, 50.0)))
        t.start(); t.join()
        print(shapely.get_num_coordinates(out[0]))
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=600, check=False
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-500:])


def test_the_strip_buffer_sees_a_bounded_line() -> None:
    line = shapely.LineString([(i * 100.0, 5000.0 * (i % 2)) for i in range(20_000)])
    with pytest.raises(ValidationError, match="MAX_STRIP_LINE_VERTICES"):
        _bounds.reduce_lines(
            line,
            50.0,
            max_tolerance=1500.0,
            limit=_bounds.MAX_STRIP_LINE_VERTICES,
            label="x",
            what="the line of contact",
        )
    with pytest.raises(ValueError, match="reduce"):
        _bounds.buffer_lines(line, 15_000.0)
    straight = shapely.LineString([(i * 100.0, 0.0) for i in range(20_000)])
    reduced = _bounds.reduce_lines(
        straight,
        50.0,
        max_tolerance=1500.0,
        limit=_bounds.MAX_STRIP_LINE_VERTICES,
        label="x",
        what="l",
    )
    strip = _bounds.buffer_lines(reduced, 15_000.0)
    whole = shapely.buffer(straight, 15_000.0)
    assert abs(strip.area - whole.area) / whole.area < 1e-3  # the same shape


# --------------------------------------------------------------------------- scenario numbers


@pytest.mark.parametrize("case", sorted(hostile_toml_numbers()))
def test_toml_numbers_out_of_range_name_their_field(case: str) -> None:
    from ui.uploads import check_scenario_upload

    text = hostile_toml_numbers()[case]
    with pytest.raises(ValidationError) as caught:
        scenarios.parse_scenario(text, source_name="numbers.toml")
    message = str(caught.value)
    field = "parameters.width" if case.startswith("parameter") else "strip_km"
    assert field in message, message
    result, scenario = check_scenario_upload(text.encode(), "numbers.toml")
    assert scenario is None and not result.ok and field in " ".join(result.problems)


def test_validate_and_stats_print_no_traceback_for_a_huge_integer(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(hostile_toml_numbers()["2^64"], encoding="utf-8")
    for command in (["validate", str(path)], ["stats", str(path)]):
        done = run_cli(*command)
        assert done.returncode != 0 and "strip_km" in done.stderr + done.stdout
        assert "Traceback" not in done.stderr, done.stderr[-800:]


# --------------------------------------------------------------------------- ids and text


@pytest.mark.parametrize(
    ("scenario_id", "expected"),
    [
        ("baseline", "is reserved"),
        ("my-variant\n", "not a slug"),
        ("land\u202eswap", r"invisible characters U\+202E"),
        ("a\u200bb", r"invisible characters U\+200B"),
    ],
)
def test_ids_that_are_reserved_or_hide_characters_are_refused(
    scenario_id: str, expected: str
) -> None:
    text = (
        f'id = {json.dumps(scenario_id)}\ntitle = "t"\nsummary = "s"\nas_of = 2025-08-15\n'
        '[[rules]]\narea = { regions = ["UA-14"] }\ncontrol = "russia"\n'
    )
    with pytest.raises(ValidationError, match=expected):
        scenarios.parse_scenario(text)


def test_titles_are_shown_as_bidi_isolates() -> None:
    from ui._text import md_escape

    title = "Override \u202e here"
    for shown in (
        md_escape(title),
        render.scenario_caption(
            scenarios.Scenario("x", title, "s", scenarios.date(2025, 1, 1), (), ())
        ),
    ):
        assert shown.startswith("\u2068") and shown.rstrip().endswith("\u2069"), repr(shown)
    assert md_escape("plain title") == "plain title"  # left-to-right text is left as it is
    # a PDI inside the text cannot close the isolate early
    from territory_viz.textsafe import isolate

    assert isolate("\u2069\u202e7,935") == "\u2068\u202e7,935\u2069"


def test_page_text_makes_no_autolink() -> None:
    from ui._text import md_escape

    shown = md_escape("see www.example.com, http://example.org or a@example.net")
    for pattern in ("www\\.", "http\\:", "a@"):
        assert pattern not in shown, (pattern, shown)
    assert shown.replace("\u2060", "").replace("\\", "") == (
        "see www.example.com, http://example.org or a@example.net"
    )


def test_the_cli_strips_terminal_escapes_from_what_it_prints(tmp_path: Path) -> None:
    path = tmp_path / "escapes.toml"
    path.write_text(
        'id = "escapes"\ntitle = "T\\u001b]0;owned\\u0007\\u001b[2J"\n'
        'summary = "s"\nas_of = 2025-08-15\n[[rules]]\n'
        'area = { regions = ["UA-14"] }\ncontrol = "russia"\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "territory_viz", "stats", str(path)],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert b"owned" in done.stdout and b"\x1b" not in done.stdout and b"\x07" not in done.stdout


def test_what_a_visitor_typed_is_part_of_every_cache_key() -> None:
    from ui.uploads import check_layer_upload

    data = (FIXTURES / "layers" / "self_intersecting.geojson").read_bytes()
    _, alpha = check_layer_upload(data, "a.geojson", name="Alpha", date="2025-01-01")
    _, bravo = check_layer_upload(data, "a.geojson", name="Bravo", date="2025-01-01")
    _, later = check_layer_upload(data, "a.geojson", name="Alpha", date="2025-02-02")
    assert len({alpha.key, bravo.key, later.key}) == 3
    # The engine's own cache of baselines, keyed by geometry: the name and date travel with
    # the atoms into each partition, so they are part of its key too.
    geography = __import__("territory_viz.areas", fromlist=["_"]).default_geography()
    a, b = geography.baseline(alpha.layer), geography.baseline(bravo.layer)
    assert (a.id, b.id) == ("Alpha", "Bravo")
    assert geography.baseline(later.layer).date == "2025-02-02"
