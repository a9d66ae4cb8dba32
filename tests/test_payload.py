"""The map's payload as the page sends it, decoded as the browser decodes it.

The map's own script (``render/static/tv.js``) is run in Node on the text the page sends:
what it draws must be the prepared pieces (exactly) and their source (within 500 m).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
import streamlit_folium as sf
from browser_support import need_browser

from territory_viz import assets, render, scenarios
from territory_viz.model import CRS_EQUAL_AREA
from territory_viz.render.encoding import GRID, js_json, row_table

TV_JS = Path(render.__file__).parent / "static" / "tv.js"
NODE = shutil.which("node")


@pytest.fixture
def _node() -> None:
    """Node.js runs the map's own script; it skips without it, fails when CI requires it."""
    if NODE is None:
        need_browser("needs Node.js (Debian's nodejs) to run the map's script")


needs_node = pytest.mark.usefixtures("_node")


def js_calls(text: str, function: str) -> list[list[Any]]:
    """The JSON arguments of every ``function(name, ...)`` call in a map's script.

    The first argument (a variable name) is skipped; the others are JSON (``js_json``).
    """
    decoder = json.JSONDecoder()
    calls = []
    for match in re.finditer(re.escape(function) + r"\(\s*[\w$]+,\s*", text):
        args, i = [], match.end()
        while True:
            value, i = decoder.raw_decode(text, i)
            args.append(value)
            rest = re.match(r"\s*,\s*", text[i:])
            if not rest:
                break
            i += rest.end()
        calls.append(args)
    return calls


def run_decoder(calls: list[dict[str, Any]]) -> list[Any]:
    """Run ``TV.features(rows, arcs)`` of the map's script in Node for each call."""
    script = (
        "global.window = global;\n"
        f"{TV_JS.read_text(encoding='utf-8')}\n"
        "TV.grid = JSON.parse(process.argv[1]);\n"
        "let input = '';\n"
        "process.stdin.on('data', (c) => { input += c; });\n"
        "process.stdin.on('end', () => {\n"
        "  const calls = JSON.parse(input);\n"
        "  process.stdout.write(JSON.stringify(calls.map((c) => TV.features(c.rows, c.arcs))));\n"
        "});\n"
    )
    done = subprocess.run(
        [str(NODE), "-e", script, json.dumps(GRID)],
        input=json.dumps(calls),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def page_layers(scenario_id: str) -> tuple[render.PreparedPartition, gpd.GeoDataFrame, str]:
    """A scenario's prepared pieces, its partition, and its layers' text as the page sends it."""
    partition = scenarios.evaluate(scenarios.get_scenario(scenario_id))
    prepared = render.prepare_partition(partition)
    context = render.map_context()
    m = render.base_map(
        context, leaflet_urls=(assets.page_links()[0], []), leaflet_css=assets.page_css()
    )
    groups = render.scenario_layers(prepared, context, title=scenario_id)
    m.get_root().render()
    m.render()
    text = "".join(sf._get_feature_group_string(g, map=m, idx=i) for i, g in enumerate(groups))
    return prepared, partition, text


def shape_of(geometry: dict[str, Any]) -> shapely.Geometry:
    return shapely.geometry.shape(geometry)


# -- js_json ------------------------------------------------------------------------------


def test_js_json_leaves_no_tag_and_no_template_opener_and_stays_json():
    value = {"t": "</script><!-- <b>&amp; {{ 7*7 }} {% x %} {# c"}
    text = js_json(value)
    assert "<" not in text  # no </script>, no <!--, no tag
    assert "{{" not in text and "{%" not in text and "{#" not in text
    assert json.loads(text) == value
    # Only what needs it is escaped: > and & mean nothing in a script element.
    assert "&amp;" in text and "b>" in text


# -- the rows' table ----------------------------------------------------------------------


def decode_table(table: Any) -> list[dict[str, Any]]:
    """The browser's reading of ``row_table`` (``rowsOf`` in tv.js), in Python."""
    if isinstance(table, list):
        return table
    out = []
    for values in table["v"]:
        row = {}
        for key, value in zip(table["k"], values, strict=False):
            if value is not None:
                row[key] = table["s"][key][value] if key in table["s"] else value
        out.append(row)
    return out


def test_row_table_writes_each_key_and_each_repeated_text_once():
    rows = [
        {"g": {"p": [[[0]]]}, "c": "ukraine", "d": ["Kyiv", 1]},
        {"g": {"p": [[[1]]]}, "c": "russia/none", "x": "to_russia", "d": ["Sumy", 2]},
        {"g": {"p": [[[2]]]}, "c": "ukraine", "h": "de_jure", "d": ["Kyiv", 3]},
        {"g": {"p": [[[3]]]}, "c": "ukraine", "t": "unique &lt;b&gt;", "d": None},
    ]
    table = row_table(rows)
    assert decode_table(json.loads(js_json(table))) == [
        {k: v for k, v in row.items() if v is not None} for row in rows
    ]
    text = js_json(table)
    assert text.count('"ukraine"') == 1 and text.count('"c"') == 2  # keys, and its texts
    assert "t" not in table["s"]  # a text no other row repeats is sent as it is
    assert table["v"][0] == [{"p": [[[0]]]}, 0, ["Kyiv", 1]]  # nothing after the last key
    assert row_table([]) == []


@needs_node
def test_the_maps_script_reads_the_table_back_into_the_same_rows():
    rows = [
        {"g": {"l": ["??"]}, "c": "river", "n": 0, "b": False},
        {"g": {"l": ["??"]}, "c": "river", "x": "to_ukraine"},
        {"g": {"l": ["??"]}, "c": "lake", "constructor": "a key like a built-in"},
    ]
    table = json.loads(js_json(row_table(rows)))
    (features,) = run_decoder([{"rows": table, "arcs": []}])
    assert [{k: v for k, v in f["properties"].items() if k != "g"} for f in features] == [
        {k: v for k, v in row.items() if k != "g"} for row in rows
    ]


# -- the largest scenario as sent -------------------------------------------------------


@needs_node
@pytest.mark.slow
def test_the_sent_pieces_decode_in_the_maps_script_to_the_prepared_pieces_and_source():
    prepared, partition, text = page_layers("ceasefire-with-dmz")
    (fill,) = [c for c in js_calls(text, "TV.rows") if c[2]["dataKey"] == prepared.key]
    rows, _styles, _options, arcs = fill
    (features,) = run_decoder([{"rows": rows, "arcs": arcs}])
    # The same properties as prepared (the table is only a way of writing them)...
    assert [f["properties"] for f in features] == prepared.rows
    # ...and the same points as the arcs decoded one by one.
    decoded_arcs = [
        np.cumsum(np.array(render.encoding._values(a), dtype=np.int64).reshape(-1, 2), axis=0)
        / GRID
        for a in prepared.arcs
    ]

    def ring(refs: list[int]) -> np.ndarray:
        points: list[np.ndarray] = []
        for k, r in enumerate(refs):
            arc = decoded_arcs[r] if r >= 0 else decoded_arcs[~r][::-1]
            points.extend(arc if k == 0 else arc[1:])
        return np.array(points)

    for feature, row in zip(features, prepared.rows, strict=True):
        shown = feature["geometry"]["coordinates"]
        expected = [[ring(r) for r in polygon] for polygon in row["g"]["p"]]
        assert len(shown) == len(expected)
        for got, want in zip(shown, expected, strict=True):
            for got_ring, want_ring in zip(got, want, strict=True):
                assert np.allclose(np.array(got_ring), want_ring, atol=1e-9)
    # What the browser draws is within 500 m of the source, and the pieces tile.
    drawn = np.array([shape_of(f["geometry"]) for f in features])
    valid = shapely.make_valid(drawn)  # the grid can pinch a narrow piece's ring
    union = shapely.union_all(valid)
    assert shapely.area(valid).sum() == pytest.approx(union.area, rel=1e-5)
    assert len(features) == len(partition)  # no piece of this scenario vanishes on the grid
    source = partition.geometry.to_crs(CRS_EQUAL_AREA).values
    shown_m = gpd.GeoSeries(drawn, crs=4326).to_crs(CRS_EQUAL_AREA).values
    worst = 0.0
    for src, out in zip(source, shown_m, strict=True):
        points = shapely.points(shapely.get_coordinates(shapely.segmentize(out.boundary, 200)))
        worst = max(worst, float(shapely.distance(points, src.boundary).max()))
    assert worst <= 500.0, f"a drawn boundary is {worst:.0f} m from its source"


# -- packed arcs --------------------------------------------------------------------------


def unpack_arcs(packed: dict[str, Any]) -> list[np.ndarray]:
    """The browser's reading of ``pack_arcs`` (``unpack`` in tv.js), in Python: points."""
    alphabet = render.encoding.BITS_ALPHABET
    lengths = [alphabet.index(ch) for ch in packed["n"]]
    escape, end = len(lengths) - 2, len(lengths) - 1
    by_code = {}
    code, previous = 0, 0
    for symbol in sorted((s for s, n in enumerate(lengths) if n), key=lambda s: (lengths[s], s)):
        code <<= lengths[symbol] - previous
        previous = lengths[symbol]
        by_code[(code, previous)] = symbol
        code += 1
    bits = "".join(format(alphabet.index(ch), "06b") for ch in packed["b"])
    pos = 0

    def take(k: int) -> int:
        nonlocal pos
        pos += k
        return int(bits[pos - k : pos], 2)

    arcs, values = [], []
    while len(arcs) < packed["a"]:
        code = length = 0
        while (code, length) not in by_code:
            code, length = code << 1 | take(1), length + 1
        symbol = by_code[(code, length)]
        if symbol == end:
            arcs.append(values)
            values = []
            continue
        zigzag = take(take(5)) if symbol == escape else symbol
        values.append(~(zigzag >> 1) if zigzag & 1 else zigzag >> 1)
    assert not bits[pos:].strip("0"), "bits left after the last arc"
    start = np.zeros(2, dtype=np.int64)
    points = []
    for v in arcs:
        steps = np.cumsum(np.array(v, dtype=np.int64).reshape(-1, 2), axis=0) + start
        if len(steps):
            start = steps[-1]
        points.append(steps / GRID)
    return points


def arc_points(arc: str) -> np.ndarray:
    values = np.array(render.encoding._values(arc), dtype=np.int64).reshape(-1, 2)
    return np.cumsum(values, axis=0) / GRID


def test_packed_arcs_hold_the_same_points_in_fewer_characters():
    from territory_viz import datasets

    regions = datasets.load_regions()
    arcs = render.encoding.topology(list(render.simplify_coverage(regions.geometry))).arcs
    packed = render.encoding.pack_arcs(arcs)
    decoded = unpack_arcs(packed)
    assert len(decoded) == len(arcs) == packed["a"]
    for arc, again in zip(arcs, decoded, strict=True):
        assert np.array_equal(arc_points(arc), again)
    text = js_json(packed)
    assert len(text) < 0.9 * len(js_json(list(arcs)))  # than the arcs written one by one
    assert set(packed["b"] + packed["n"]) <= set(render.encoding.BITS_ALPHABET)
    assert "\\" not in text  # nothing escaped


def test_packing_escapes_long_steps_and_keeps_empty_arcs():
    grid = render.encoding.GRID
    arcs = [
        render.encoding.encode_line(np.array([[30, 48], [30.002, 48], [33, 44]])),
        "",
        render.encoding.encode_line(np.array([[33, 44], [30, 48]])),
    ]
    packed = render.encoding.pack_arcs(arcs)
    decoded = unpack_arcs(packed)
    assert [len(a) for a in decoded] == [3, 0, 2]
    assert np.allclose(decoded[0] * grid, [[15000, 24000], [15001, 24000], [16500, 22000]])
    assert np.array_equal(decoded[2], arc_points(arcs[2]))
    assert render.encoding.pack_arcs([]) == {"a": 0, "n": "", "b": ""}


def _skewed_arcs() -> list[str]:
    """Arcs whose steps make codes of 1 to 14 bits, escapes of 30 bits and an empty arc."""
    steps = []
    a, b = 1, 1
    for zigzag in range(21):  # Fibonacci counts: each symbol one bit deeper than the last
        value = ~(zigzag >> 1) if zigzag & 1 else zigzag >> 1
        steps += [value] * a
        a, b = b, a + b
    rng = np.random.default_rng(7)
    rng.shuffle(steps)
    steps += [2**29 + 3, -(2**29), 64, -65]  # escaped (zigzag >= 128), up to 31 bits
    ints = np.cumsum(np.array(steps + steps[:1], dtype=np.int64)[: len(steps) // 2 * 2])
    points = ints.reshape(-1, 2) / GRID
    half = len(points) // 2
    return [
        render.encoding.encode_line(points[:half]),
        "",
        render.encoding.encode_line(points[half - 1 :]),
    ]


@needs_node
@pytest.mark.parametrize(
    "arcs",
    [_skewed_arcs(), [""] * 3, [render.encoding.encode_line(np.array([[30.0, 48.0]]))]],
    ids=["long-codes-and-escapes", "only-ends", "one-point"],
)
def test_the_maps_script_unpacks_every_code_length_as_python_does(arcs):
    packed = render.encoding.pack_arcs(arcs)
    want = unpack_arcs(packed)
    if len(arcs[0]) > 100:  # longer codes than the script's one-look-up table (10 bits)
        assert max(render.encoding.BITS_ALPHABET.index(c) for c in packed["n"]) > 10
    rows = [{"g": {"l": [i]}, "c": "x"} for i in range(len(arcs))]
    (features,) = run_decoder([{"rows": rows, "arcs": json.loads(js_json(packed))}])
    for feature, points in zip(features, want, strict=True):
        (line,) = feature["geometry"]["coordinates"]
        assert np.array_equal(np.array(line).reshape(-1, 2), points.reshape(-1, 2))


def line_points(text: str, grid: int) -> np.ndarray:
    values = np.array(render.encoding._values(text), dtype=np.int64).reshape(-1, 2)
    return np.cumsum(values, axis=0) / grid


@needs_node
def test_the_maps_script_reads_packed_lines_and_rings_back_to_the_same_points():
    context = render.map_context()
    rows = [
        *context.layers["neighbours"],  # polygons on the coarse grid
        *context.layers["water"],
        *context.layers["line_of_contact"],
        *context.layers["claim"],
    ]
    assert {row["g"].get("s") for row in rows} == {None, render.encoding.CONTEXT_GRID}
    packed_rows, packed = render.encoding.pack_lines(rows)
    assert packed is not None
    strings = [s for row in rows for s in row["g"].get("l", [])]
    strings += [s for row in rows for rings in row["g"].get("a", []) for s in rings]
    assert len(js_json(packed)) < 0.9 * sum(len(js_json(s)) for s in strings)
    (features,) = run_decoder(
        [{"rows": json.loads(js_json(row_table(packed_rows))), "arcs": packed}]
    )
    assert len(features) == len(rows)
    for feature, row in zip(features, rows, strict=True):
        grid = row["g"].get("s", GRID)
        if "a" in row["g"]:
            want = [[line_points(s, grid) for s in rings] for rings in row["g"]["a"]]
            got = feature["geometry"]["coordinates"]
            assert feature["geometry"]["type"] == "MultiPolygon" and len(got) == len(want)
            pairs = [
                (g, w)
                for gp, wp in zip(got, want, strict=True)
                for g, w in zip(gp, wp, strict=True)
            ]
        else:
            want = [line_points(s, grid) for s in row["g"]["l"]]
            got = feature["geometry"]["coordinates"]
            assert feature["geometry"]["type"] == "MultiLineString"
            pairs = list(zip(got, want, strict=True))
        for got_line, want_line in pairs:
            assert np.allclose(np.array(got_line), want_line, rtol=0, atol=1e-12)
        assert {k: v for k, v in feature["properties"].items() if k != "g"} == {
            k: v for k, v in row.items() if k != "g"
        }


def test_the_page_sends_the_context_lines_packed():
    context = render.map_context()
    m = render.base_map(
        context, leaflet_urls=(assets.page_links()[0], []), leaflet_css=assets.page_css()
    )
    m.get_root().render()
    text = sf._get_map_string(m)
    calls = [c for c in js_calls(text, "TV.rows") if len(c) == 4]
    assert calls  # neighbours and water, each with its lines packed
    for rows, _styles, _options, packed in calls:
        assert set(packed) == {"a", "n", "b"}
        for row in decode_table(rows):
            lines = row["g"].get("l", []) + [s for rings in row["g"].get("a", []) for s in rings]
            assert lines and all(isinstance(i, int) for i in lines)
