"""Tests of territory_viz.render and territory_viz.assets: encoding, budgets, escaping, offline."""

from __future__ import annotations

import html
import json
import re

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
import streamlit_folium as sf

from territory_viz import assets, datasets, render
from territory_viz.model import CRS_EQUAL_AREA, Party
from territory_viz.render.encoding import GRID, js_json
from territory_viz.render.partition import tooltip_labels

HOSTILE = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=2</script>"


# -- helpers -----------------------------------------------------------------------------


def decode_line(text: str) -> np.ndarray:
    """The points of an encoded line, decoded from the format's description.

    An independent oracle for render.encoding.encode_line and the map's script, on purpose
    not the library's own decoder (encoding._values): one mistake shared by encoder and
    decoder would pass a round trip through both. Written plainly, in arithmetic: each
    character less 63 is a digit 0-63; digits of 32 and up carry 5 bits (digit - 32) and go
    on, a digit below 32 is a number's last 5 bits; the digits are base 32, least significant
    first. A number n stands for n / 2 if it is even and -(n + 1) / 2 if odd. The numbers
    are steps of lon, lat, lon, lat... on the grid of 1 / GRID degree, starting from (0, 0).
    """
    numbers, digits = [], []
    for char in text:
        digit = ord(char) - 63
        assert 0 <= digit < 64, f"{char!r} is outside the encoding's characters"
        digits.append(digit - 32 if digit >= 32 else digit)
        if digit < 32:
            numbers.append(sum(d * 32**k for k, d in enumerate(digits)))
            digits = []
    assert not digits and len(numbers) % 2 == 0, "the line ends inside a point"
    steps = [n // 2 if n % 2 == 0 else -(n + 1) // 2 for n in numbers]
    lon = lat = 0
    points = []
    for dlon, dlat in zip(steps[0::2], steps[1::2], strict=True):
        lon, lat = lon + dlon, lat + dlat
        points.append((lon / GRID, lat / GRID))
    return np.array(points, dtype=float).reshape(-1, 2)


def decode_geometry(encoded: dict) -> shapely.Geometry:
    if "a" in encoded:
        polygons = [
            shapely.Polygon(decode_line(rings[0]), [decode_line(r) for r in rings[1:]])
            for rings in encoded["a"]
        ]
        return shapely.MultiPolygon(polygons)
    return shapely.MultiLineString([decode_line(s) for s in encoded["l"]])


def decode_topology(arcs: list[str], encoded: dict) -> shapely.Geometry:
    """Inverse of render.encoding.topology for one geometry (the browser's ring assembly)."""
    decoded = [decode_line(a) for a in arcs]

    def ring(refs: list[int]) -> np.ndarray:
        points: list[np.ndarray] = []
        for k, r in enumerate(refs):
            arc = decoded[r] if r >= 0 else decoded[~r][::-1]
            points.extend(arc if k == 0 else arc[1:])
        return np.array(points)

    return shapely.MultiPolygon(
        [shapely.Polygon(ring(p[0]), [ring(r) for r in p[1:]]) for p in encoded["p"]]
    )


def synthetic_partition(names: list[str] | None = None) -> gpd.GeoDataFrame:
    """Four 1°x1° squares in Ukraine: one per display class of interest."""
    names = names or ["Alpha", "Beta", "Gamma", "Delta"]
    squares = [shapely.box(30 + i, 48, 31 + i, 49) for i in range(4)]
    rows = [
        ("ukraine", "ukraine", "ukraine", "none"),
        ("russia", "russia", "russia/de_jure", "de_jure"),
        ("ukraine", "russia", "russia/de_facto", "de_facto"),
        ("russia", "demilitarized", "demilitarized", "none"),
    ]
    data = {
        "iso_code": ["UA-05", "UA-14", "UA-09", "UA-23"],
        "region": names,
        "baseline_control": [r[0] for r in rows],
        "control": [r[1] for r in rows],
        "display_class": [r[2] for r in rows],
        "area_km2": [7400.0, 7400.0, 7400.0, 7400.0],
        "population": [1_000_000.0, 250_000.0, 12_345.0, 0.0],
    }
    for party in Party:
        data[f"rec_{party.value}"] = ["none"] * 4
    data["rec_russia"] = ["none", "de_jure", "de_jure", "de_jure"]
    data["rec_united_states"] = ["none", "de_jure", "de_facto", "none"]
    return gpd.GeoDataFrame(data, geometry=squares, crs="EPSG:4326")


def synthetic_regions(names: list[str] | None = None) -> gpd.GeoDataFrame:
    part = synthetic_partition(names)
    return gpd.GeoDataFrame(
        {"name_en": part["region"], "kind": ["oblast"] * 4}, geometry=part.geometry, crs=4326
    )


@pytest.fixture(scope="module")
def regions() -> gpd.GeoDataFrame:
    return datasets.load_regions()


@pytest.fixture(scope="module")
def context() -> render.MapContext:
    return render.map_context()


# -- encoding and simplification ----------------------------------------------------------


def test_encode_line_round_trips_on_the_grid():
    coords = np.array([[30.12345, 48.5], [30.2, 48.49], [29.999, 50.001], [-0.5, -0.25]])
    decoded = decode_line(render.encoding.encode_line(coords))
    assert np.allclose(decoded, np.round(coords * GRID) / GRID)
    assert np.abs(decoded - coords).max() <= 0.5 / GRID + 1e-12
    assert set(render.encoding.encode_line(coords)) <= {chr(c) for c in range(63, 127)}


def test_simplified_regions_stay_within_500_m_and_keep_shared_borders(regions):
    simplified = render.simplify_coverage(regions.geometry)
    drawn = gpd.GeoSeries(
        [decode_geometry(render.encoding.encode_geometry(g)) for g in simplified], crs=4326
    )
    # Shared borders stay coincident: the drawn regions still form a valid coverage.
    assert shapely.coverage_is_valid(drawn.values)
    source = regions.geometry.to_crs(CRS_EQUAL_AREA).values
    shown = drawn.to_crs(CRS_EQUAL_AREA).values
    worst = max(
        shapely.hausdorff_distance(a.boundary, b.boundary, densify=0.25)
        for a, b in zip(source, shown, strict=True)
    )
    assert worst <= 500.0, f"a boundary moved {worst:.0f} m"
    # ...and simplification is worth it.
    assert shapely.get_num_coordinates(drawn.values).sum() < 0.6 * sum(
        shapely.get_num_coordinates(regions.geometry.values)
    )


def test_topology_sends_each_shared_border_once_and_draws_it_identically():
    # A 2x2 grid of squares: every inner border is shared by two of them.
    squares = [shapely.box(30 + x, 48 + y, 31 + x, 49 + y) for x in (0, 1) for y in (0, 1)]
    squares = [shapely.segmentize(sq, 0.25) for sq in squares]  # matching vertices
    topo = render.encoding.topology(squares)
    drawn = [decode_topology(list(topo.arcs), g) for g in topo.geometries]
    for square, shown in zip(squares, drawn, strict=True):
        assert shown.normalize().equals(shapely.MultiPolygon([square]).normalize())
    assert shapely.coverage_is_valid(np.array(drawn))
    # Four outer arcs (one per square) and four inner ones (each referenced twice,
    # once forward and once reversed).
    refs = [r for g in topo.geometries for poly in g["p"] for ring in poly for r in ring]
    uses = {i: sum(1 for r in refs if r == i or r == ~i) for i in range(len(topo.arcs))}
    assert sorted(uses.values()) == [1, 1, 1, 1, 2, 2, 2, 2]
    assert any(r < 0 for r in refs)


def test_topology_keeps_islands_and_enclaves_as_closed_arcs():
    outer = shapely.Polygon(
        shapely.box(30, 48, 33, 51).exterior, [shapely.box(31, 49, 32, 50).exterior.coords]
    )
    inner = shapely.box(31, 49, 32, 50)
    island = shapely.box(35, 48, 35.5, 48.5)
    topo = render.encoding.topology([outer, inner, island])
    drawn = [decode_topology(list(topo.arcs), g) for g in topo.geometries]
    assert drawn[0].area == pytest.approx(outer.area) and drawn[1].equals(inner)
    assert drawn[2].equals(island)
    assert len(topo.arcs) == 3  # the enclave's border is sent once, for both of its sides


@pytest.mark.slow
def test_largest_partition_is_drawn_coincident_and_within_500_m(regions):
    from territory_viz import scenarios

    partition = scenarios.evaluate(scenarios.get_scenario("ceasefire-with-dmz"))
    prepared = render.prepare_partition(partition)
    drawn = [decode_topology(list(prepared.arcs), r["g"]) for r in prepared.rows]
    # Shared borders coincide: the drawn pieces tile without overlaps (rounding to the
    # grid can pinch a narrow piece into a self-touching ring, hence make_valid) or gaps.
    valid = shapely.make_valid(np.array(drawn))
    union = shapely.union_all(valid)
    assert shapely.area(valid).sum() == pytest.approx(union.area, rel=1e-5)
    assert union.area == pytest.approx(shapely.union_all(partition.geometry.values).area, rel=1e-3)
    # Each piece's drawn boundary is within 500 m of its source, both ways. Towards the
    # source, the source is first opened by 50 m (overlay artefacts: zero-width spikes
    # and slits) and parts under 1 km^2 are left out (specks below the 0.001-degree grid
    # may vanish; a vanished speck is not a moved boundary).
    source = partition.geometry.to_crs(CRS_EQUAL_AREA).values
    shown = gpd.GeoSeries(drawn, crs=4326).to_crs(CRS_EQUAL_AREA).values

    def far(line_from, line_to) -> float:
        points = shapely.points(shapely.get_coordinates(shapely.segmentize(line_from, 200)))
        return float(shapely.distance(points, line_to).max())

    worst = 0.0
    for src, out in zip(source, shown, strict=True):
        worst = max(worst, far(out.boundary, src.boundary))
        opened = shapely.buffer(shapely.buffer(src, -50), 50)
        parts = [p for p in shapely.get_parts(opened) if p.area > 1e6]
        if parts:
            worst = max(worst, far(shapely.MultiPolygon(parts).boundary, out.boundary))
    assert worst <= 500.0, f"a boundary moved {worst:.0f} m"
    # Every arc is used by one piece (Ukraine's outline) or two (a shared border).
    refs = [r for row in prepared.rows for poly in row["g"]["p"] for ring in poly for r in ring]
    uses = np.bincount([r if r >= 0 else ~r for r in refs], minlength=len(prepared.arcs))
    assert uses.min() >= 1 and uses.max() <= 2


def test_prepare_partition_keys_hatching_and_changes():
    prepared = render.prepare_partition(synthetic_partition())
    assert [r["c"] for r in prepared.rows] == [
        "ukraine",
        "russia/de_jure",
        "russia/de_facto",
        "demilitarized",
    ]
    assert [r.get("h", "") for r in prepared.rows] == ["", "de_jure", "de_facto", ""]
    assert [r.get("x", "") for r in prepared.rows] == ["", "", "to_russia", "to_demilitarized"]
    # The tooltip travels as data the browser writes out (test_browser checks the text):
    # region, baseline control, a level per party, km², people; the control is the
    # class's, sent once per class.
    assert prepared.rows[2]["d"] == ["Gamma", "ukraine", "20122", 7400, 12345]
    labels = tooltip_labels(prepared.classes)
    assert labels["of"] == {
        "ukraine": "ukraine",
        "russia/de_jure": "russia",
        "russia/de_facto": "russia",
        "demilitarized": "demilitarized",
    }
    assert [labels["levels"][int(c)] for c in "20122"] == [
        "none", "de jure", "de facto", "none", "none"
    ]  # fmt: skip
    assert labels["parties"][2] == "United States"
    assert labels["control"]["russia"] == "Russian control (occupied)"


def test_partition_sorts_its_arcs_into_region_borders_and_the_outline():
    # Two regions side by side, the western one cut in two pieces (a line of control).
    west = [shapely.box(30, 48, 31, 48.5), shapely.box(30, 48.5, 31, 49)]
    east = [shapely.Polygon([(31, 48), (32, 48), (32, 49), (31, 49), (31, 48.5)])]
    part = synthetic_partition()[:3].set_geometry(west + east, crs=4326)
    part["region"] = ["West", "West", "East"]
    prepared = render.prepare_partition(part, tolerance_m=1.0)
    arcs = [shapely.LineString(decode_line(a)) for a in prepared.arcs]
    borders = shapely.union_all([arcs[i] for i in prepared.borders["region_borders"]])
    outline = shapely.union_all([arcs[i] for i in prepared.borders["ukraine_border"]])
    assert borders.equals(shapely.LineString([(31, 48), (31, 49)]))
    assert outline.equals(shapely.box(30, 48, 32, 49).boundary)
    # The line of control inside West is neither.
    assert not (set(prepared.borders["region_borders"]) & set(prepared.borders["ukraine_border"]))


# -- payload budget -----------------------------------------------------------------------


def naive_explore_bytes(regions: gpd.GeoDataFrame) -> int:
    """What GeoDataFrame.explore() embeds: the full GeoJSON of the 10 m regions."""
    return len(json.dumps(regions.__geo_interface__))


def component_payload_bytes(m: folium.Map, groups: list[folium.FeatureGroup]) -> int:
    """Bytes streamlit-folium sends for the map: script, header, feature groups, control."""
    m.get_root().render()
    m.render()
    total = len(sf._get_header(m)) + len(sf._get_html(m)) + len(sf._get_map_string(m))
    total += sum(len(sf._get_feature_group_string(g, map=m, idx=i)) for i, g in enumerate(groups))
    total += len(sf._get_layer_control_string(folium.LayerControl(), m))
    return total


def test_page_payload_is_within_20_percent_of_naive_explore(regions, context):
    from territory_viz import scenarios

    naive = naive_explore_bytes(regions)
    assert naive > 300_000  # the figure the budget is stated against (about 450 KB)
    worst = 0
    for scenario in scenarios.list_scenarios():
        prepared = render.prepare_partition(scenarios.evaluate(scenario))
        # As the page sends it: Leaflet's script linked, its stylesheet inlined.
        m = render.base_map(
            context, leaflet_urls=(assets.page_links()[0], []), leaflet_css=assets.page_css()
        )
        groups = render.scenario_layers(prepared, context, title=scenario.title)
        worst = max(worst, component_payload_bytes(m, groups))
    # The budget is 18%, judged by scripts/bench_page.py; this guards against regressions.
    assert worst <= 0.20 * naive, f"{worst} bytes > 20% of {naive}"


# -- escaping -----------------------------------------------------------------------------


def test_every_text_is_escaped_in_tooltips_labels_legend_and_caption():
    names = [HOSTILE, SCRIPT, "Gamma & <b>", "Delta {{ 7*7 }} {% if %} {# c"]
    context = render.MapContext.from_layers(
        synthetic_regions(names),
        baseline_date=HOSTILE,
        sources=[SCRIPT],
        settlements=gpd.GeoDataFrame(
            {"name": [HOSTILE], "population": [500_000]},
            geometry=[shapely.Point(30.5, 48.5)],
            crs=4326,
        ),
    )
    m = render.build_map(synthetic_partition(names), context, title=SCRIPT)
    page = render.to_standalone_html(m, page_title=HOSTILE)
    assert "<img src=x" not in page
    assert "<script>window.__pwned" not in page
    assert "&lt;img src=x onerror=" in page or "\\u0026lt;img src=x onerror=" in page
    # Template syntax in data is neither evaluated nor a syntax error (branca re-compiles).
    assert "Delta \\u007b{ 7*7 }} \\u007b% if %} \\u007b# c" in page
    # The caption travels as JSON inside a script and is set with textContent.
    assert "\\u003cscript>window.__pwned=2\\u003c/script>" in page


# -- offline ------------------------------------------------------------------------------

EXTERNAL_ASSET = re.compile(
    r"<script[^>]+src=[\"']?https?:|<link[^>]+href=[\"']?https?:|@import\s+url\(\s*[\"']?https?:",
    re.IGNORECASE,
)


def test_standalone_html_inlines_leaflet_and_links_nothing_external():
    m = render.build_map(synthetic_partition(), render.MapContext.from_layers(synthetic_regions()))
    page = render.to_standalone_html(m)
    assert not EXTERNAL_ASSET.search(page)
    assert "cdn." not in page and "cdnjs" not in page and "jsdelivr" not in page
    assert "Leaflet 1.9.4" in page
    assert "url(images/" not in page  # the layer control icon is a data: URI


def test_page_map_loads_leaflet_from_the_app_only(context):
    m = render.base_map(context, leaflet_urls=assets.page_links())
    css = [href for _, href in m.default_css]
    js = [src for _, src in m.default_js]
    assert js and css
    assert all(not u.startswith(("http:", "https:", "//")) for u in js + css)
    header = m.get_root().header.render()
    assert "https://" not in header


def test_page_map_inlines_leaflet_css_first_with_images_from_the_app(context):
    css = assets.page_css()
    assert ".leaflet-pane" in css and "/*" not in css
    # What the map uses stays; rules of features it never uses are left out (no popups,
    # no tiles offline, no layer control: the sidebar is the page's one).
    for used in (".leaflet-tooltip", ".leaflet-marker-icon", ".leaflet-control-scale"):
        assert used in css
    for unused in ("popup", "@media print", "leaflet-vml", "leaflet-tile", "control-layers"):
        assert unused not in css
    assert ".leaflet-pane,.leaflet-marker-icon," in css  # a rule keeps its other selectors
    assert css.count("{") == css.count("}")
    images = re.findall(r"url\(([^)#]*)\)", css)
    assert all(u.startswith("../../app/static/vendor/") for u in images)
    assert len(css) < 7_000
    m = render.base_map(context, leaflet_urls=(assets.page_links()[0], []), leaflet_css=css)
    m.get_root().render()  # as st_folium does: our own CSS joins the header then
    header = sf._get_header(m)
    assert header.index(".leaflet-pane") < header.index(".tv-legend")  # ours override it
    assert not m.default_css and "<link" not in header


def test_install_static_copies_the_files_page_links_point_to(tmp_path):
    folder = assets.install_static(tmp_path)
    (js, helpers), (css,) = assets.page_links(base_url="")
    assert (tmp_path / js.lstrip("/")).read_bytes() == (
        assets.leaflet_dir() / "leaflet.js"
    ).read_bytes()
    assert (tmp_path / helpers.lstrip("/")).read_text() == assets.helpers_js()
    assert (tmp_path / css.lstrip("/")).is_file()
    assert (folder / "images" / "layers.png").is_file()
    assert assets.leaflet_version() == "1.9.4"


def test_standalone_html_of_a_real_scenario_has_legend_date_and_sources():
    from territory_viz import scenarios

    page = render.standalone_html(scenarios.get_scenario("land-swap"))
    assert "Land swap" in page
    assert "Baseline: control on 22 Aug 2026" in page  # the default: the newest snapshot
    assert "Sources:" in page and "Natural Earth" in page
    assert not EXTERNAL_ASSET.search(page)


def test_template_syntax_in_a_page_title_or_caption_stays_text():
    m = render.build_map(
        synthetic_partition(),
        render.MapContext.from_layers(synthetic_regions()),
        title="{{ 7*7 }} {% if true %}x{% endif %}",
    )
    page = render.to_standalone_html(m, page_title="T {{ 7*7 }} {# c #}")
    assert "<title>T {{ 7*7 }} {# c #}</title>" in page
    assert "T 49" not in page and ">49<" not in page
    assert "\\u007b{ 7*7 }} \\u007b% if true %}x\\u007b% endif %}" in page


def test_synced_maps_share_one_leaflet_and_keep_headings_as_data(context):
    from territory_viz import scenarios

    maps = []
    for heading, scenario_id, legend_open in (
        (HOSTILE, "land-swap", False),
        (SCRIPT, "ceasefire-current-line", True),
    ):
        scenario = scenarios.get_scenario(scenario_id)
        m = render.build_map(
            render.prepare_partition(scenarios.evaluate(scenario)),
            context,
            title=scenario.title,
            legend_open=legend_open,
        )
        m.default_js = [(f"leaflet_{i}", u) for i, u in enumerate(assets.page_links()[0])]
        maps.append((heading, m))
    text = render.synced_maps_html(maps, height_px=300)
    assert text.count("leaflet.js") == 1 and text.count(assets.HELPERS_JS) == 1
    assert text.count("L.map(") == 2
    # Headings reach the page only as JSON data for textContent, never as markup.
    assert HOSTILE not in text and SCRIPT not in text
    assert json.dumps(HOSTILE).replace("<", "\\u003c") in text
    # The grid (headings, cells) is laid out after the maps' containers and before their
    # scripts, so each map is made once at its size; the sync runs after both maps exist.
    # Each legend starts as its map was built.
    assert text.rindex('class="folium-map"') < text.index("TVSync.grid(") < text.index("L.map(")
    assert text.rindex("L.map(") < text.index("TVSync.sync()")
    assert text.count(js_json("<details open>")[1:-1]) == 1


def test_town_dots_read_their_names_and_places_from_the_label_rows(context):
    from territory_viz.render._elements import Towns

    rows = [r for r in context.labels if r[3] in (0, 1, 4)]  # capital, centres, towns
    towns = Towns(context.towns, rows)
    points = json.loads(towns.points)
    labels = json.loads(towns.labels)
    assert len(points) == len(context.towns)
    for (lat, lon, people, name), point in zip(context.towns, points, strict=True):
        if len(point) == 2:  # a labelled town: [row, population], sent once
            row = labels[point[0]]
            assert (row[1], row[2], row[0], point[1]) == (lat, lon, html.unescape(name), people)
        else:
            assert point == [lat, lon, people, name]
    assert sum(len(p) == 2 for p in points) > 0.9 * len(points)
