"""The Dnipro and the Kakhovka reservoir's bed: data, loader, map, SVG/PNG; areas unchanged."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from territory_viz import datasets, model, render, scenarios, stats, svg
from territory_viz._errors import DataFileError
from territory_viz.render._elements import PANES
from territory_viz.style import LABEL_COLOURS, LINE_STYLES, WATER_LABELS, WATER_STYLES

REPO = Path(__file__).resolve().parent.parent


def test_the_committed_water_is_the_dnipro_and_the_drained_kakhovka_bed():
    water = datasets.load_water()
    assert set(water["kind"]) == {"river", "drained"}
    assert set(water["kind"]) <= set(WATER_STYLES) == set(datasets.WATER_KINDS)
    river = water[water["kind"] == "river"].geometry.iloc[0]
    bed = water[water["kind"] == "drained"].geometry.iloc[0]
    assert "approximate" in " ".join(water["note"])
    assert "6 June 2023" in water[water["kind"] == "drained"]["note"].iloc[0]
    # The river passes the cities it flows through (within a few km: it is approximate).
    towns = datasets.load_settlements().set_index("geonameid")
    metres = gpd.GeoSeries([river], crs=model.CRS_GEOGRAPHIC).to_crs(model.CRS_EQUAL_AREA).iloc[0]
    for gid in (703448, 706900, 710791, 704147, 709932, 709930, 687700, 700051, 706448):
        town = towns.loc[gid]
        point = gpd.GeoSeries(
            [shapely.Point(town["lon"], town["lat"])], crs=model.CRS_GEOGRAPHIC
        ).to_crs(model.CRS_EQUAL_AREA)
        assert point.iloc[0].distance(metres) < 6_000, town["name"]
    # The river runs through the bed, between the dam at Nova Kakhovka and Zaporizhzhia.
    assert river.intersection(bed).length > 2.0
    assert bed.contains(shapely.Point(34.4, 47.52))  # off Nikopol / Kamianka-Dniprovska
    assert bed.is_valid and 1_500 < _km2(bed) < 3_000  # the reservoir was about 2,150 km²
    # Drawn on land: the river stays inside Ukraine's outline.
    assert datasets.ukraine_outline().buffer(0.02).contains(river)


def _km2(geom: shapely.Geometry) -> float:
    return (
        float(
            gpd.GeoSeries([geom], crs=model.CRS_GEOGRAPHIC)
            .to_crs(model.CRS_EQUAL_AREA)
            .area.iloc[0]
        )
        / 1e6
    )


def test_the_water_file_rebuilds_byte_for_byte_from_the_points():
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_water.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches the rebuild" in result.stdout


def test_a_water_file_with_an_unknown_kind_is_a_clear_error(data_dir: Path):
    path = data_dir / "context" / "water.geojson"
    doc = json.loads(path.read_text())
    doc["features"][0]["properties"]["kind"] = "canal"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataFileError) as err:
        datasets.load_water()
    text = str(err.value)
    assert "water.geojson" in text and "'canal'" in text and "river" in text
    assert "build_water.py" in text


def test_a_river_drawn_as_a_polygon_is_a_clear_error(data_dir: Path):
    path = data_dir / "context" / "water.geojson"
    doc = json.loads(path.read_text())
    bed = next(f for f in doc["features"] if f["properties"]["kind"] == "drained")
    bed["properties"]["kind"] = "river"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataFileError, match="a river must be a LineString or MultiLineString"):
        datasets.load_water()


def test_a_checkout_without_the_water_file_still_draws_the_map(data_dir: Path):
    (data_dir / "context" / "water.geojson").unlink()
    context = render.map_context()
    assert "water" not in context.layers
    assert any(s.startswith("water: not available") for s in context.sources)
    page = render.base_map(context).get_root().render()
    assert "Kakhovka reservoir" not in page
    assert (
        svg.partition_svg(scenarios.evaluate(scenarios.get_scenario("land-swap")), title="t").count(
            'id="water"'
        )
        == 0
    )


@pytest.fixture(scope="module")
def context():
    return render.map_context()


def test_the_map_draws_the_water_over_the_fill_and_under_the_lines(context):
    assert PANES["tv-fill"] < PANES["tv-water"] < PANES["tv-hatch"] < PANES["tv-lines"]
    kinds = [row["c"] for row in context.layers["water"]]
    assert kinds == ["drained", "river"]  # the bed first, the river over it
    page = render.base_map(context).get_root().render()
    assert '"pane":"tv-water"' in page
    for label in WATER_LABELS.values():  # escaped once by the template, then as JSON
        assert label.replace("'", "&#39;") in page
    # Light: the whole layer is a small part of the payload.
    assert len(json.dumps(context.layers["water"])) < 3_000


def test_the_svg_and_png_draw_the_water_with_its_legend():
    partition = scenarios.evaluate(scenarios.get_scenario("land-swap"))
    text = svg.partition_svg(partition, title="Land swap", water=True)
    group = text[text.index('<g id="water">') : text.index("</g>", text.index('<g id="water">'))]
    assert group.count("<path") == 4  # bed and river, each on its casing
    assert WATER_STYLES["river"]["color"] in group
    assert f'stroke-dasharray="{WATER_STYLES["drained"]["dashArray"]}"' in group
    legend = text[text.index('<g id="legend">') :]
    assert "Dnipro and its reservoirs" in legend and "drained since June 2023" in legend
    # Water goes under the region borders and labels.
    borders = f'stroke="{LINE_STYLES["region_borders"][1]["color"]}" stroke-width="0.9"'
    assert text.index('<g id="water">') < text.index(borders)
    assert text.index('<g id="water">') < text.index('<g id="labels">')
    png = svg.svg_to_png(text)
    assert png.startswith(b"\x89PNG") and len(png) > 50_000
    bare = svg.partition_svg(partition, title="Land swap", water=False)
    assert 'id="water"' not in bare and "Dnipro and its" not in bare


def _numbers(text: str) -> list[str]:
    return re.findall(r"[\d,]+ km²[^<]*", text)


def test_water_never_changes_an_area_number(monkeypatch):
    scenario = scenarios.get_scenario("ceasefire-with-dmz")
    before = stats.scenario_stats(scenario).by_control.copy()
    partition = scenarios.evaluate(scenario)
    svg_before = _numbers(svg.partition_svg(partition, title="t", water=False))
    html_before = render.standalone_html(scenario)
    # Replace the water with a reservoir over half of Ukraine: nothing measured may move.
    flood = gpd.GeoDataFrame(
        {"name": ["flood"], "kind": ["reservoir"], "note": ["test"]},
        geometry=[shapely.box(30.0, 44.0, 41.0, 53.0)],
        crs=model.CRS_GEOGRAPHIC,
    )
    datasets.clear_caches()
    monkeypatch.setattr(datasets, "load_water", lambda: flood)
    after_partition = scenarios.evaluate(scenario)
    assert after_partition["area_km2"].round(6).tolist() == partition["area_km2"].round(6).tolist()
    assert _numbers(svg.partition_svg(after_partition, title="t", water=True)) == svg_before
    html_after = render.standalone_html(scenario)
    assert re.findall(r"Area: [\d,]+ km²", html_after) == re.findall(
        r"Area: [\d,]+ km²", html_before
    )
    assert "tv-water" in html_after
    assert stats.scenario_stats(scenario).by_control.equals(before)


def test_the_water_is_named_on_the_map_and_in_the_svg(context):
    from territory_viz.labels import LABEL_KINDS, WATER_NAMES

    water = LABEL_KINDS.index("water")
    named = {row[0] for row in context.labels if row[3] == water}
    assert named == {"Dnipro", "Kakhovka reservoir (drained)"}
    assert len([r for r in context.labels if r[3] == water]) == len(WATER_NAMES)
    # Placed after every other name: they never push a town or a region name out.
    kinds = [r[3] for r in context.labels]  # in placement order
    assert min(i for i, k in enumerate(kinds) if k == water) > max(
        i for i, k in enumerate(kinds) if k != water
    )
    page = render.base_map(context).get_root().render()
    assert '"Kakhovka reservoir (drained)"' in page
    partition = scenarios.evaluate(scenarios.get_scenario("land-swap"))
    river_name = re.compile(f'fill="{LABEL_COLOURS["water"]}"[^>]*>Dnipro</text>')  # not the city
    assert river_name.search(svg.partition_svg(partition, title="t", water=True))
    assert not river_name.search(svg.partition_svg(partition, title="t", water=False))
