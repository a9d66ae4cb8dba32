"""territory_viz.loaders: users' own control layers, good and bad."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import box, mapping

from territory_viz import datasets, loaders, model
from territory_viz._errors import ValidationError
from territory_viz.loaders import load_control_layer

# Crimea plus a block of Donbas, spilling into Russia and the sea like the DeepStateMap archive.
DEEPSTATE_GEOM = shapely.MultiPolygon([box(32.4, 44.3, 36.7, 46.3), box(37.5, 47.5, 40.5, 49.0)])


def _fc(*geoms: shapely.Geometry, crs: str | None = None) -> bytes:
    doc: dict = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": mapping(g)} for g in geoms],
    }
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc).encode()


def _area_km2(gdf: gpd.GeoDataFrame) -> float:
    return float(gdf.to_crs(model.CRS_EQUAL_AREA).area.sum()) / 1e6


def _expected_km2(geom: shapely.Geometry) -> float:
    inside = shapely.intersection(geom, datasets.ukraine_outline())
    return _area_km2(gpd.GeoDataFrame(geometry=[inside], crs=model.CRS_GEOGRAPHIC))


def _message(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return str(exc.value)


# --------------------------------------------------------------------------- good input


def test_deepstate_archive_shape_loads_clipped_to_ukraine() -> None:
    # The archive's shape: one Feature, empty properties, MultiPolygon, CRS84 declared.
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [{"type": "Feature", "properties": {}, "geometry": mapping(DEEPSTATE_GEOM)}],
    }
    layer = load_control_layer(
        json.dumps(doc).encode(), filename="deepstatemap_data_20250815.geojson"
    )
    assert list(layer.columns) == ["id", "date", "geometry"]
    assert len(layer) == 1
    assert layer.crs == model.CRS_GEOGRAPHIC
    assert layer.geom_type.iloc[0] == "MultiPolygon"
    assert layer["date"].iloc[0] == "2025-08-15"  # found in the file name
    assert layer["id"].iloc[0] == "user-2025-08-15"
    geom = layer.geometry.iloc[0]
    assert geom.is_valid
    # Clipped: everything lies within Ukraine, and the clipped-off part is reported.
    outside = shapely.difference(geom, datasets.ukraine_outline().buffer(1e-6))
    assert outside.area < 1e-9
    # Only clipped when asked not to reconcile; reconciled, it may only grow (slivers filled).
    clipped = load_control_layer(json.dumps(doc).encode(), reconcile=False)
    assert _area_km2(clipped) == pytest.approx(_expected_km2(DEEPSTATE_GEOM), rel=1e-6)
    assert _area_km2(layer) >= _area_km2(clipped) - 1e-6
    assert any("outside Ukraine" in note for note in layer.attrs["notes"])
    assert any("Reconciled with the outline" in note for note in layer.attrs["notes"])
    assert "reconciliation" in layer.attrs and "reconciliation" not in clipped.attrs
    # Crimea is entirely inside the box, so the layer holds all of it.
    crimea = datasets.load_regions().set_index("iso_code").geometry["UA-43"]
    assert shapely.difference(crimea, geom).area / crimea.area < 1e-6


def test_name_and_date_arguments_win(tmp_path: Path) -> None:
    path = tmp_path / "my-layer-2024-01-01.geojson"
    path.write_bytes(_fc(box(37, 47.5, 38, 48.5)))
    layer = load_control_layer(path, name="analyst-a", date="2025-09-01")
    assert layer["id"].iloc[0] == "analyst-a"
    assert layer["date"].iloc[0] == "2025-09-01"
    assert load_control_layer(str(path))["date"].iloc[0] == "2024-01-01"


def test_bare_geometry_and_single_feature_are_accepted() -> None:
    square = box(37, 47.5, 38, 48.5)
    for data in (
        json.dumps(mapping(square)).encode(),
        json.dumps({"type": "Feature", "properties": None, "geometry": mapping(square)}).encode(),
    ):
        layer = load_control_layer(data)
        assert _area_km2(layer) == pytest.approx(_expected_km2(square), rel=1e-6)


def test_overlapping_features_are_dissolved() -> None:
    a, b = box(37, 47.5, 38, 48.5), box(37.5, 47.5, 38.5, 48.5)
    layer = load_control_layer(_fc(a, b))
    assert len(layer) == 1
    assert _area_km2(layer) == pytest.approx(_expected_km2(shapely.union(a, b)), rel=1e-6)


def test_invalid_polygon_is_repaired_with_a_note() -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[37, 47.5], [38, 48.5], [38, 47.5], [37, 48.5], [37, 47.5]]],
    }
    layer = load_control_layer(json.dumps(bowtie).encode())
    assert layer.geometry.iloc[0].is_valid
    assert _area_km2(layer) > 1000  # both triangles kept (each about 2,000 km²)
    assert any("make_valid" in note for note in layer.attrs["notes"])


def test_points_mixed_with_polygons_are_dropped_with_a_note() -> None:
    layer = load_control_layer(_fc(box(37, 47.5, 38, 48.5), shapely.Point(36, 48)))
    assert layer.geom_type.iloc[0] == "MultiPolygon"
    assert any("ignored" in note for note in layer.attrs["notes"])


def test_projected_geojson_with_declared_crs_is_reprojected() -> None:
    square = box(37, 47.5, 38, 48.5)
    projected = gpd.GeoSeries([square], crs=model.CRS_GEOGRAPHIC).to_crs("EPSG:3857").iloc[0]
    layer = load_control_layer(_fc(projected, crs="EPSG:3857"))
    assert layer.crs == model.CRS_GEOGRAPHIC
    assert _area_km2(layer) == pytest.approx(_expected_km2(square), rel=1e-3)


def test_geopackage_in_utm_loads_from_path_and_bytes(tmp_path: Path) -> None:
    square = box(37, 47.5, 38, 48.5)
    gdf = gpd.GeoDataFrame({"side": ["russia"]}, geometry=[square], crs=model.CRS_GEOGRAPHIC)
    path = tmp_path / "front.gpkg"
    gdf.to_crs("EPSG:32637").to_file(path, driver="GPKG")
    expected = _expected_km2(square)
    assert _area_km2(load_control_layer(path)) == pytest.approx(expected, rel=1e-3)
    upload = load_control_layer(path.read_bytes(), filename="front.gpkg")
    assert _area_km2(upload) == pytest.approx(expected, rel=1e-3)


def test_kml_loads(tmp_path: Path) -> None:
    square = box(37, 47.5, 38, 48.5)
    path = tmp_path / "front.kml"
    gpd.GeoDataFrame({"Name": ["x"]}, geometry=[square], crs=model.CRS_GEOGRAPHIC).to_file(
        path, driver="KML"
    )
    layer = load_control_layer(path)
    assert _area_km2(layer) == pytest.approx(_expected_km2(square), rel=1e-3)


def test_committed_snapshot_round_trips_through_the_loader() -> None:
    ids = datasets.snapshot_ids()
    assert ids, "no committed snapshot in data/control/"
    snapshot = datasets.load_snapshot(ids[-1])
    data = snapshot.to_json().encode()
    layer = load_control_layer(data, name=ids[-1], date=snapshot["date"].iloc[0])
    assert _area_km2(layer) == pytest.approx(_area_km2(snapshot), rel=1e-4)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"hello, this is a text file", "not a geospatial file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a geospatial file"),
        (b"PK\x03\x04 zipped", "zip archive"),
        (b'{"type": "Feature', "not valid JSON"),
        (b'{"name": "a list of things", "items": [1, 2]}', "JSON but not GeoJSON"),
        (b"[1, 2, 3]", "JSON but not GeoJSON"),
        (b"", "file is empty"),
        (b'{"type": "FeatureCollection", "features": []}', "empty"),
        (b'{"type": "FeatureCollection", "features": "x"}', "features"),
    ],
)
def test_not_a_usable_file(data: bytes, expected: str) -> None:
    with pytest.raises(ValidationError) as exc:
        load_control_layer(data, filename="upload.geojson")
    assert expected in _message(exc)
    assert _message(exc).startswith("upload.geojson: ")


@pytest.mark.parametrize(
    ("data", "date", "expected"),
    [
        (b"", None, ["file is empty"]),
        (b" " * (loaders.MAX_UPLOAD_BYTES + 1), None, ["the limit is 20 MB"]),
        (b"{}", "15/08/2025", ["not an ISO date"]),
        (b"\n", "2025-02-30", ["file is empty", "not an ISO date"]),
    ],
)
def test_check_upload_makes_the_loaders_first_checks(data, date, expected) -> None:
    with pytest.raises(ValidationError) as caught:
        loaders.check_upload(data, filename="up.geojson", date=date)
    problems = caught.value.problems
    assert caught.value.source == "up.geojson" and len(problems) == len(expected)
    for problem, text in zip(problems, expected, strict=True):
        assert text in problem
    with pytest.raises(ValidationError) as loaded:  # the loader stops at the first of them
        load_control_layer(data, filename="up.geojson", date=date)
    assert loaded.value.problems == problems[:1]


def test_check_upload_passes_what_the_loader_goes_on_to_read() -> None:
    loaders.check_upload(b"junk", filename="up.geojson", date="2025-08-15")  # no error
    with pytest.raises(ValidationError, match="not a geospatial file"):
        load_control_layer(b"junk", filename="up.geojson", date="2025-08-15")


def test_features_without_geometry_are_empty() -> None:
    data = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": None}],
        }
    ).encode()
    with pytest.raises(ValidationError, match="empty"):
        load_control_layer(data)


@pytest.mark.parametrize(
    "geoms",
    [
        [shapely.Point(37, 48)],
        [shapely.LineString([(37, 48), (38, 48.5)])],
        [shapely.MultiPoint([(37, 48), (36, 47)]), shapely.LineString([(37, 48), (38, 48)])],
    ],
)
def test_points_or_lines_only(geoms: list[shapely.Geometry]) -> None:
    with pytest.raises(ValidationError) as exc:
        load_control_layer(_fc(*geoms))
    assert "no polygons" in _message(exc)
    assert "Polygon or MultiPolygon" in _message(exc)


def test_nothing_inside_ukraine() -> None:
    with pytest.raises(ValidationError) as exc:
        load_control_layer(_fc(box(2.0, 48.0, 3.0, 49.0)))  # around Paris
    assert "nothing inside Ukraine" in _message(exc)
    assert "lon 2.00..3.00" in _message(exc)


def test_projected_coordinates_declared_as_lon_lat() -> None:
    square = box(37, 47.5, 38, 48.5)
    projected = gpd.GeoSeries([square], crs=model.CRS_GEOGRAPHIC).to_crs("EPSG:32637").iloc[0]
    with pytest.raises(ValidationError) as exc:
        load_control_layer(_fc(projected))  # no "crs" member: GeoJSON means lon/lat
    assert "not longitude/latitude" in _message(exc)


def test_unreadable_crs() -> None:
    with pytest.raises(ValidationError) as exc:
        load_control_layer(_fc(box(37, 47.5, 38, 48.5), crs="EPSG:999999"))
    assert "unreadable CRS" in _message(exc)


def test_geopackage_without_crs(tmp_path: Path) -> None:
    path = tmp_path / "nocrs.gpkg"
    gdf = gpd.GeoDataFrame(geometry=[box(37, 47.5, 38, 48.5)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyogrio warns that no CRS is written: that's the point
        gdf.to_file(path, driver="GPKG")
    with pytest.raises(ValidationError, match="no CRS declared"):
        load_control_layer(path)


def test_too_large_bytes() -> None:
    data = b" " * (loaders.MAX_UPLOAD_BYTES + 1)
    with pytest.raises(ValidationError) as exc:
        load_control_layer(data, filename="huge.geojson")
    assert "the limit is 20 MB" in _message(exc)


def test_too_large_file_is_rejected_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.geojson"
    with path.open("wb") as fh:
        fh.truncate(loaders.MAX_UPLOAD_BYTES + 1)  # sparse file: no 20 MB written
    with pytest.raises(ValidationError, match="MAX_UPLOAD_BYTES"):
        load_control_layer(path)


def test_too_many_features(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "MAX_FEATURES", 3)
    squares = [box(37 + i * 0.1, 48, 37.05 + i * 0.1, 48.05) for i in range(4)]
    with pytest.raises(ValidationError) as exc:
        load_control_layer(_fc(*squares))
    assert "4 features; the limit is 3 (MAX_FEATURES)" in _message(exc)


def test_too_many_vertices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "MAX_VERTICES", 100)
    circle = shapely.Point(37.5, 48).buffer(0.3, quad_segs=64)
    with pytest.raises(ValidationError) as exc:
        load_control_layer(_fc(circle))
    assert "the limit is 100 (MAX_VERTICES)" in _message(exc)


def test_limits_are_stated_as_constants() -> None:
    assert loaders.MAX_UPLOAD_BYTES == 20 * 1024 * 1024
    assert loaders.MAX_FEATURES > 1000
    assert loaders.MAX_VERTICES > 100_000


def test_missing_file() -> None:
    with pytest.raises(ValidationError, match="file not found"):
        load_control_layer("/nonexistent/front.geojson")


def test_bad_date_argument() -> None:
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        load_control_layer(_fc(box(37, 47.5, 38, 48.5)), date="15/08/2025")


def test_url_unreachable_gives_a_clear_error() -> None:
    # Port 9 on the loopback interface: nothing listens, so the connection is refused at once.
    with pytest.raises(ValidationError) as exc:
        load_control_layer("http://127.0.0.1:9/front.geojson")
    assert "could not download" in _message(exc)
    assert "load it from disk" in _message(exc)


def test_url_is_downloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    payload = _fc(box(37, 47.5, 38, 48.5))

    class _Response:
        def __enter__(self) -> _Response:
            return self

        def __exit__(self, *args: object) -> None:
            return None

        def read(self, n: int) -> bytes:
            return payload[:n]

    seen = {}

    def fake_urlopen(request, timeout):  # noqa: ANN001, ANN202
        seen["url"], seen["timeout"] = request.full_url, timeout
        return _Response()

    monkeypatch.setattr(loaders.urllib.request, "urlopen", fake_urlopen)
    layer = load_control_layer("https://example.org/occupied-2025-10-01.geojson")
    assert seen == {
        "url": "https://example.org/occupied-2025-10-01.geojson",
        "timeout": loaders.URL_TIMEOUT_S,
    }
    assert layer["date"].iloc[0] == "2025-10-01"


# --------------------------------------------------------------------------- property-based

_json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
_coords = st.lists(
    st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.integers(), max_size=3),
    max_size=6,
)
_geometry = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Polygon", "MultiPolygon", "Point", "LineString", "Blob"]),
        "coordinates": st.one_of(_coords, st.lists(_coords, max_size=3), _json_scalars),
    }
)
_feature = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Feature", "feature", "Geometry"]),
        "properties": st.one_of(st.none(), st.dictionaries(st.text(max_size=4), _json_scalars)),
        "geometry": st.one_of(st.none(), _geometry, _json_scalars),
    }
)
_geojsonish = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["FeatureCollection", "Feature", "Polygon", "Nope"]),
            "features": st.one_of(st.lists(_feature, max_size=3), _json_scalars),
        }
    ),
    _feature,
    _geometry,
    st.recursive(_json_scalars, lambda c: st.lists(c, max_size=3), max_leaves=10),
)


def _accepts(data: bytes) -> None:
    try:
        layer = load_control_layer(data, filename="fuzz.geojson")
    except ValidationError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
        return
    assert len(layer) == 1
    assert layer.geometry.iloc[0].is_valid
    assert layer.geom_type.iloc[0] == "MultiPolygon"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_fuzz_junk_bytes(data: bytes) -> None:
    _accepts(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_geojsonish)
def test_fuzz_generated_json(doc: object) -> None:
    _accepts(json.dumps(doc).encode())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Found by this test: a box across the Polish border whose sliver bookkeeping drifted, and a box
# over Crimea whose remainder outside the outline was a collinear spike.
@example(squares=[(21.0, 50.125, 2.5)])
@example(squares=[(32.98652518691891, 44.5, 1.375)])
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=20, max_value=42),
            st.floats(min_value=42, max_value=54),
            st.floats(min_value=0.001, max_value=3),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_fuzz_squares_near_ukraine(squares: list[tuple[float, float, float]]) -> None:
    # Edges with a vertex every 0.01 degree (about 1 km), as a drawn control layer has: a
    # straight edge a degree long in lon/lat bows by metres in the equal-area projection, and
    # the reconciliation (which runs there) would see a different layer from the one measured.
    geoms = [shapely.segmentize(box(x, y, x + s, y + s), 0.01) for x, y, s in squares]
    try:
        layer = load_control_layer(_fc(*geoms), reconcile=False)
    except ValidationError as exc:
        assert "nothing inside Ukraine" in str(exc)
        return
    assert _area_km2(layer) == pytest.approx(
        _expected_km2(shapely.union_all(geoms)), rel=1e-6, abs=1e-3
    )
    # Reconciled, it grows by what the note says was added (rounded to 0.01 km²) and stays
    # inside the outline.
    reconciled = load_control_layer(_fc(*geoms))
    added = reconciled.attrs["reconciliation"]["added_km2"]
    assert _area_km2(reconciled) == pytest.approx(_area_km2(layer) + added, rel=1e-3, abs=0.05)
    # Outside measured where the clipping ran, in lon/lat (1 degree² is at most 12,400 km² at
    # these latitudes): a collinear spike of zero area there is not straight once projected
    # and would show thousands of m² in the equal-area CRS.
    outside = shapely.difference(reconciled.geometry.iloc[0], datasets.ukraine_outline())
    assert shapely.area(outside) * 12_400 < 1e-3


def test_malformed_geometry_read_as_null_is_noted() -> None:
    good = {"type": "Feature", "properties": {}, "geometry": mapping(box(37, 47.5, 38, 48.5))}
    bad = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": 5}}
    data = json.dumps({"type": "FeatureCollection", "features": [good, bad]}).encode()
    layer = load_control_layer(data)
    assert _area_km2(layer) > 5000
    # Counted and classified, never GDAL's own text (it can quote files).
    assert any(
        note.startswith("the reader gave 1 warning (1 about geometry)")
        for note in layer.attrs["notes"]
    ), layer.attrs["notes"]
    assert not any("vsimem" in note or "OGR" in note for note in layer.attrs["notes"])
