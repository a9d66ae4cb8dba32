"""territory_viz.reconcile: control layers drawn on another coastline, reconciled with ours.

Synthetic squares for the rule itself; then a DeepStateMap-shaped day built from the
committed snapshot (its coast and border moved 0.5-3 km in and out, never DeepStateMap's own
geometry) loaded through :func:`load_control_layer`, against the same committed snapshot.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from shapely.geometry import box, mapping

from territory_viz import areas, datasets, model, reconcile
from territory_viz.loaders import load_control_layer
from territory_viz.scenarios import list_scenarios
from territory_viz.stats import scenario_stats

KM = 1000.0
# A 100 x 100 km country: coast along the south (y = 0), land borders on the other sides.
# Russian-controlled: east of x = 60 km.
OUTLINE = box(0, 0, 100 * KM, 100 * KM)
HELD = box(60 * KM, 0, 100 * KM, 100 * KM)


def _km2(geom: shapely.Geometry) -> float:
    return shapely.area(geom) / 1e6


def _line_of_contact(geom: shapely.Geometry, outline: shapely.Geometry) -> shapely.Geometry:
    """The layer's edge minus the outline's (as areas.BaselineAtoms draws it)."""
    return shapely.difference(shapely.boundary(geom), shapely.buffer(shapely.boundary(outline), 5))


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize("offset_km", [0.5, 1.0, 2.0, 3.0])
def test_coast_and_border_drawn_inside_the_outline_are_filled(offset_km: float) -> None:
    d = offset_km * KM
    # The layer's coast and border lie d inside the outline's: strips d wide are "Ukrainian".
    layer = box(60 * KM, d, 100 * KM - d, 100 * KM - d)
    result = reconcile.reconcile(layer, OUTLINE)
    # The strips are filled, but for where they meet the wide Ukrainian side at the front's
    # two ends: a disc of the sliver width reaches into them there.
    assert _km2(shapely.difference(HELD, result.geometry)) < offset_km * reconcile.SLIVER_WIDTH_KM
    # Where a strip meets the Ukrainian side (the two ends of the front), the corner a
    # disc of the sliver width cannot reach goes with it: (1 - pi/4) r² each.
    corners = 2 * (1 - math.pi / 4) * (reconcile.SLIVER_WIDTH_KM / 2) ** 2 + 0.1
    assert _km2(shapely.difference(result.geometry, HELD)) < corners
    assert result.added_km2 == pytest.approx(_km2(HELD) - _km2(layer), abs=corners)
    line = _line_of_contact(result.geometry, OUTLINE)
    # Only the front (x = 60 km, 100 km long) is line of contact, not the coast or border.
    # (its ends bend round the corner of the filled strip, within the sliver width)
    assert shapely.length(line) / KM == pytest.approx(100, abs=2 * reconcile.SLIVER_WIDTH_KM)
    front = shapely.LineString([(60 * KM, 0), (60 * KM, 100 * KM)])
    assert shapely.hausdorff_distance(line, front) < reconcile.SLIVER_WIDTH_KM * KM
    unreconciled = _line_of_contact(shapely.intersection(layer, OUTLINE), OUTLINE)
    assert shapely.length(unreconciled) / KM > 200  # before: the coast and border counted
    assert "km²" in result.note() and "Russian-controlled" in result.note()


@pytest.mark.parametrize("offset_km", [0.5, 1.0, 2.0, 3.0])
def test_coast_and_border_drawn_outside_the_outline_are_clipped(offset_km: float) -> None:
    d = offset_km * KM
    layer = box(60 * KM, -d, 100 * KM + d, 100 * KM + d)
    result = reconcile.reconcile(layer, OUTLINE)
    assert result.added_km2 == 0
    assert _km2(shapely.symmetric_difference(result.geometry, HELD)) < 1e-6
    length = shapely.length(_line_of_contact(result.geometry, OUTLINE)) / KM
    assert length == pytest.approx(100, abs=0.02)
    assert "nothing to add" in result.note()


def _wavy_coast(amplitude_km: float, wavelength_km: float, shift_km: float) -> shapely.Polygon:
    """Land north of y = shift + amplitude * sin(2 pi x / wavelength) (km)."""
    xs = np.linspace(-5, 105, 441)
    ys = shift_km + amplitude_km * np.sin(2 * math.pi * xs / wavelength_km)
    ring = [(x * KM, y * KM) for x, y in zip(xs, ys, strict=True)]
    return shapely.Polygon([*ring, (105 * KM, 105 * KM), (-5 * KM, 105 * KM)])


def test_a_coast_digitised_differently_both_inward_and_outward_is_reconciled() -> None:
    # The outline's coast wiggles one way, the layer's another: the layer's coast is up to
    # 3 km inside the outline's in places and up to 3 km outside it in others.
    outline = shapely.intersection(_wavy_coast(1.0, 13, 0), box(0, -10 * KM, 100 * KM, 100 * KM))
    layer_land = _wavy_coast(1.5, 9, 0.5)
    layer = shapely.intersection(layer_land, box(60 * KM, -10 * KM, 110 * KM, 110 * KM))
    held = shapely.intersection(outline, box(60 * KM, -10 * KM, 100 * KM, 100 * KM))
    assert _km2(shapely.difference(held, layer)) > 20  # slivers to fill before
    assert _km2(shapely.difference(layer, outline)) > 20  # and land in the sea to clip
    result = reconcile.reconcile(layer, outline)
    assert _km2(shapely.symmetric_difference(result.geometry, held)) < 0.002 * _km2(held)
    line = _line_of_contact(result.geometry, outline)
    assert shapely.length(line) / KM == pytest.approx(100, abs=6)


def test_a_genuine_ukrainian_held_pocket_on_the_coast_is_kept() -> None:
    # A 20 km² bridgehead (5 x 4 km) on the coast, inside Russian-held land.
    pocket = box(75 * KM, 0, 80 * KM, 4 * KM)
    exact = shapely.difference(HELD, pocket)
    result = reconcile.reconcile(exact, OUTLINE)
    assert _km2(shapely.intersection(result.geometry, pocket)) < 0.01
    assert result.added_km2 < 0.01
    # Same pocket while the rest of the layer's coast is drawn 1 km inside the outline's:
    # the strips are filled, the pocket stays (bar the corners where the strips meet it).
    d = 1 * KM
    offset = shapely.difference(
        box(60 * KM, d, 100 * KM - d, 100 * KM - d), pocket.buffer(d, join_style="mitre")
    )
    result = reconcile.reconcile(offset, OUTLINE)
    kept = _km2(shapely.difference(pocket, result.geometry))
    assert kept > 18
    assert shapely.contains(shapely.difference(OUTLINE, result.geometry), pocket.centroid)


def test_a_pocket_on_a_river_away_from_coast_and_border_is_never_touched() -> None:
    # A thin 20 km² bridgehead (10 x 2 km) in the middle of Russian-held land.
    pocket = box(70 * KM, 40 * KM, 80 * KM, 42 * KM)
    result = reconcile.reconcile(shapely.difference(HELD, pocket), OUTLINE)
    assert _km2(shapely.intersection(result.geometry, pocket)) < 1e-6


def test_small_pieces_cut_off_at_the_coast_join_and_larger_ones_stay() -> None:
    small = box(70 * KM, 0, 73 * KM, 3 * KM)  # 9 km², cut off by the layer at the coast
    large = box(85 * KM, 0, 90 * KM, 4 * KM)  # 20 km²
    result = reconcile.reconcile(shapely.difference(HELD, shapely.union(small, large)), OUTLINE)
    assert _km2(shapely.difference(small, result.geometry)) < 0.01
    assert _km2(shapely.intersection(large, result.geometry)) < 1.0
    assert result.added_km2 == pytest.approx(9, abs=0.01)
    assert result.pieces == 1


def test_the_corner_where_the_front_meets_the_border_is_kept() -> None:
    # The front reaches the northern border at 60 degrees: a wedge of Ukrainian land, not a sliver.
    slant = shapely.Polygon(
        [
            (40 * KM, 0),
            (100 * KM, 0),
            (100 * KM, 100 * KM),
            (40 * KM + 100 * KM / math.tan(math.radians(60)), 100 * KM),
        ]
    )
    result = reconcile.reconcile(slant, OUTLINE)
    assert result.added_km2 < 0.01


def test_the_free_part_of_a_spit_the_front_crosses_is_kept() -> None:
    # A 1 km wide, 20 km long spit off the coast; the layer holds its tip only.
    outline = shapely.union(OUTLINE, box(20 * KM, -20 * KM, 21 * KM, 0))
    layer = box(15 * KM, -25 * KM, 25 * KM, -15 * KM)
    result = reconcile.reconcile(layer, outline)
    assert result.added_km2 < 0.01


def test_rule_parameters_are_named_and_stated() -> None:
    text = reconcile.rule_text()
    assert f"{reconcile.SLIVER_WIDTH_KM:g} km" in text
    assert f"{reconcile.SLIVER_AREA_KM2:g} km²" in text
    assert f"{reconcile.SLIVER_EDGE_RATIO:g}x" in text
    # Offsets up to 3 km are slivers; a compact 20 km² pocket is wider than the threshold.
    assert 3.0 < reconcile.SLIVER_WIDTH_KM < 4.0
    assert reconcile.SLIVER_AREA_KM2 < 20
    narrower = reconcile.reconcile(box(60 * KM, 3 * KM, 100 * KM, 100 * KM), OUTLINE, width_km=2.0)
    assert narrower.added_km2 < 0.01  # a 3 km strip is not a sliver at 2 km
    assert "2 km" in narrower.note()


# --------------------------------------------------------------------------- a real-shaped day


def _perturbed_coast(layer: shapely.Geometry, outline: shapely.Geometry) -> shapely.Geometry:
    """Move a layer's coast and border in and out by 0.5-3 km, band by band (equal-area)."""
    edge = shapely.boundary(outline)
    out = layer
    xs = np.linspace(-700 * KM, 800 * KM, 16)
    for i, (a, b) in enumerate(zip(xs[:-1], xs[1:], strict=True)):
        band = box(a, -600 * KM, b, 600 * KM)
        d = (0.5, 1.0, 2.0, 3.0)[i % 4] * KM
        if i % 2 == 0:  # coast and border drawn inside the outline's
            out = shapely.difference(out, shapely.intersection(shapely.buffer(edge, d), band))
        else:  # drawn outside it, into the sea and Russia
            grow = shapely.intersection(shapely.buffer(out, d), shapely.difference(band, outline))
            out = shapely.union(out, grow)
    return out


@pytest.fixture(scope="module")
def deepstate_day() -> tuple[bytes, str]:
    """A synthetic day in DeepStateMap's format, made from the default committed snapshot."""
    baseline = datasets.DEFAULT_BASELINE
    snapshot = datasets.load_snapshot(baseline, equal_area=True).geometry.iloc[0]
    moved = _perturbed_coast(snapshot, datasets.ukraine_outline(equal_area=True))
    geom = areas.to_geographic_valid(moved)
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": mapping(shapely.MultiPolygon(list(shapely.get_parts(geom)))),
            }
        ],
    }
    return json.dumps(doc).encode(), baseline


def _ukrainian(stats, code: str) -> tuple[float, float]:
    rows = stats.by_region[
        (stats.by_region["iso_code"] == code)
        & (stats.by_region["control"] == model.Control.UKRAINE.value)
    ]
    return float(rows["area_km2"].sum()), float(rows["population"].sum())


def test_deepstate_shaped_day_matches_the_committed_snapshot(deepstate_day) -> None:
    data, baseline = deepstate_day
    raw = load_control_layer(data, filename="deepstate.geojson", reconcile=False)
    layer = load_control_layer(data, filename="deepstate.geojson")
    assert any("Reconciled with the outline" in n for n in layer.attrs["notes"])
    summary = layer.attrs["reconciliation"]
    assert summary["added_km2"] > 500
    assert summary["by_region"]["UA-43"] > 100  # Crimea's coast
    freeze = next(s for s in list_scenarios() if s.id == "ceasefire-current-line")
    before = scenario_stats(freeze, raw)
    after = scenario_stats(freeze, layer)
    for code in ("UA-43", "UA-40"):  # Crimea, Sevastopol
        assert _ukrainian(before, code)[0] > 10  # the slivers the issue saw
        area, people = _ukrainian(after, code)
        assert area < 0.01, code
        assert people < 1, code

    # Line of contact: nowhere along the coast or the state border.
    border = shapely.buffer(shapely.boundary(datasets.ukraine_outline(equal_area=True)), 1 * KM)
    committed = datasets.line_of_contact(baseline).to_crs(model.CRS_EQUAL_AREA).geometry.iloc[0]
    reference = shapely.length(shapely.intersection(committed, border)) / KM
    for line in (
        datasets.line_of_contact(layer).to_crs(model.CRS_EQUAL_AREA).geometry.iloc[0],
        areas.default_geography().baseline(layer).line_of_contact,
    ):
        near_border = shapely.length(shapely.intersection(line, border)) / KM
        # Where the front reaches the border it runs within 1 km of it for a few km, as
        # the committed line does; no coastal or border stretch of hundreds of km.
        assert near_border < reference + 15, near_border
    raw_line = datasets.line_of_contact(raw).to_crs(model.CRS_EQUAL_AREA).geometry.iloc[0]
    assert shapely.length(shapely.intersection(raw_line, border)) / KM > reference + 500


def _figures(stats) -> dict[str, float]:
    out = {f"{k}": v["area_km2"] for k, v in stats.to_dict()["by_control"].items()}
    balance = stats.to_dict()["balance"]
    out |= {k: v for k, v in balance.items() if isinstance(v, (int, float)) and k.endswith("_km2")}
    return out


def test_every_scenario_on_the_deepstate_shaped_day_is_within_a_few_percent(deepstate_day):
    data, baseline = deepstate_day
    layer = load_control_layer(data, filename="deepstate.geojson")
    for scenario in list_scenarios():
        ours = _figures(scenario_stats(scenario, layer))
        committed = _figures(scenario_stats(scenario, baseline))
        for key, value in committed.items():
            # A few percent, or a few dozen km² for the small figures.
            assert ours.get(key, 0.0) == pytest.approx(value, rel=0.03, abs=30), (scenario.id, key)


def test_the_cli_on_the_deepstate_shaped_day_matches_the_committed_snapshot(
    deepstate_day, tmp_path, capsys
) -> None:
    """The same day through the CLI: no Ukrainian-held Crimea or Sevastopol, and the freeze's
    and the demilitarised zone's figures within a few percent of the committed snapshot's."""
    from territory_viz.cli import main

    data, baseline = deepstate_day
    path = tmp_path / "deepstate.geojson"
    path.write_bytes(data)

    def run(scenario: str, layer: str) -> dict:
        assert main(["stats", scenario, "--baseline", layer, "--format", "json"]) == 0
        return json.loads(capsys.readouterr().out)

    for scenario in ("ceasefire-current-line", "ceasefire-with-dmz"):
        ours, committed = run(scenario, str(path)), run(scenario, baseline)
        for row in ours["by_region"]:
            if row["iso_code"] in ("UA-43", "UA-40") and row["control"] == "ukraine":
                assert row["area_km2"] < 0.01 and row["population"] < 1, (scenario, row)
        for control, figures in committed["by_control"].items():
            got = ours["by_control"].get(control, {"area_km2": 0.0})["area_km2"]
            assert got == pytest.approx(figures["area_km2"], rel=0.03, abs=30), (scenario, control)


def test_the_page_upload_of_the_deepstate_shaped_day_is_reconciled(deepstate_day) -> None:
    """The same day through the page's upload path (read in the sandboxed child)."""
    from ui.uploads import check_layer_upload

    data, baseline = deepstate_day
    _, uploaded = check_layer_upload(data, "deepstate.geojson", date="2026-08-22")
    assert uploaded is not None and uploaded.filename == "deepstate.geojson"
    freeze = next(s for s in list_scenarios() if s.id == "ceasefire-current-line")
    result = scenario_stats(freeze, uploaded.layer)
    for code in ("UA-43", "UA-40"):  # Crimea, Sevastopol
        area, people = _ukrainian(result, code)
        assert area < 0.01 and people < 1, code
    committed = datasets.load_snapshot(baseline, equal_area=True).geometry.iloc[0].area / 1e6
    assert uploaded.area_km2 == pytest.approx(committed, rel=0.01)
