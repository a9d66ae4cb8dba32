"""History of control: multi-date files streamed and indexed, timeline, changes, --date."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box, mapping

from territory_viz import areas
from territory_viz import history as H
from territory_viz._errors import ValidationError
from territory_viz.cli import main

# Boxes well inside Donetsk oblast (UA-14); SLOVIANSK_BOX holds Sloviansk (105,141 people).
EAST = box(37.8, 48.0, 38.2, 48.4)
WEST = box(37.4, 48.0, 37.8, 48.4)
SLOVIANSK_BOX = box(37.5, 48.75, 37.7, 48.95)


pytestmark = pytest.mark.usefixtures("history_cache")


def km2(geom) -> float:
    return float(shapely.area(areas.to_equal_area(geom))) / 1e6


def feature(geom, date=None, fid=None, **extra) -> dict:
    props = {}
    if fid is not None:
        props["id"] = fid
    if date is not None:
        props["date"] = date
    props.update(extra)
    return {
        "type": "Feature",
        "properties": props,
        "geometry": None if geom is None else mapping(geom),
    }


def archive(path: Path, features: list[dict], *, gz: bool = True, **top) -> Path:
    doc = {"type": "FeatureCollection", **top, "features": features}
    data = json.dumps(doc).encode()
    if gz:
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def three_days(tmp_path: Path) -> Path:
    return archive(
        tmp_path / "deepstate-map-data.geojson.gz",
        [
            feature(EAST, "2025-01-30", 1),
            feature(shapely.union(EAST, WEST), "2025-01-31", 2),
            feature(shapely.union(WEST, SLOVIANSK_BOX), "2025-02-01", 3),
        ],
    )


# --------------------------------------------------------------------------- the archive


def test_archive_days_timeline_and_figures(tmp_path) -> None:
    h = H.open_history(three_days(tmp_path))
    assert h.dates() == ["2025-01-30", "2025-01-31", "2025-02-01"]
    rows = H.timeline(h)
    assert rows[0].occupied_km2 == pytest.approx(km2(EAST), rel=1e-3)
    assert rows[1].occupied_km2 == pytest.approx(km2(shapely.union(EAST, WEST)), rel=1e-3)
    assert rows[0].change_km2 is None
    assert rows[1].change_km2 == pytest.approx(rows[1].occupied_km2 - rows[0].occupied_km2)
    assert set(rows[1].by_region) == {"UA-14"}
    total = areas.default_geography().total_area_km2
    assert rows[2].share == pytest.approx(rows[2].occupied_km2 / total)
    doc = rows[1].to_dict()
    assert set(doc) >= {"date", "occupied_km2", "share", "change_km2", "by_region"}
    month = H.timeline(h, every="month")
    assert [r.date for r in month] == ["2025-01-31", "2025-02-01"]


def test_layer_is_a_baseline(tmp_path) -> None:
    from territory_viz.scenarios import get_scenario
    from territory_viz.stats import scenario_stats

    h = H.open_history(three_days(tmp_path))
    layer = h.layer("2025-01-31")
    assert list(layer.columns) == ["id", "date", "geometry"]
    assert layer["date"].iloc[0] == "2025-01-31"
    assert h.layer("2025-01-31") is layer  # cached: a slider step costs a dictionary look-up
    stats = scenario_stats(get_scenario("ceasefire-current-line"), layer)
    russia = stats.by_control.set_index("control").loc["russia", "area_km2"]
    assert russia == pytest.approx(h.stats("2025-01-31").occupied_km2, rel=1e-3)
    assert (
        H.layer_for_date("2025-01-31", tmp_path / "deepstate-map-data.geojson.gz")["date"].iloc[0]
        == "2025-01-31"
    )


def test_changes_areas_regions_and_towns(tmp_path) -> None:
    h = H.open_history(three_days(tmp_path))
    c = H.changes(h, "2025-01-31", "2025-02-01")
    assert c.to_russia_km2 == pytest.approx(km2(SLOVIANSK_BOX), rel=1e-3)
    assert c.to_ukraine_km2 == pytest.approx(km2(EAST), rel=1e-3)
    assert c.by_region["UA-14"]["net_km2"] == pytest.approx(
        c.to_russia_km2 - c.to_ukraine_km2, abs=0.01
    )
    names = {t["name"]: t for t in c.towns}
    assert names["Sloviansk"]["from"] == "ukraine" and names["Sloviansk"]["to"] == "russia"
    assert names["Sloviansk"]["population"] >= 10_000
    doc = c.to_dict()
    assert {"to_russia_km2", "to_ukraine_km2", "by_region", "towns"} <= set(doc)
    assert set(c.layer["change"]) == {"to_russia", "to_ukraine"}
    back = H.changes(h, "2025-02-01", "2025-01-31")
    assert back.to_russia_km2 == pytest.approx(c.to_ukraine_km2)
    assert {t["name"]: t for t in back.towns}["Sloviansk"]["from"] == "russia"


def test_index_is_reused_and_keyed_by_content(tmp_path, monkeypatch) -> None:
    path = three_days(tmp_path)
    H.open_history(path)
    calls = []
    real = H._build_index
    monkeypatch.setattr(H, "_build_index", lambda *a: calls.append(a) or real(*a))
    H.clear_caches()
    assert H.open_history(path).dates()[0] == "2025-01-30"
    assert calls == []  # read from the index, not streamed again
    archive(path, [feature(EAST, "2024-12-01", 1)])
    assert H.open_history(path).dates() == ["2024-12-01"]
    assert len(calls) == 1


def test_several_features_per_date_are_dissolved(tmp_path) -> None:
    path = archive(
        tmp_path / "dated.geojson",
        [
            feature(EAST, "2025-03-01"),
            feature(WEST, "2025-03-02"),
            feature(box(37.9, 48.1, 38.3, 48.3), "2025-03-01"),  # overlaps EAST, comes back later
        ],
        gz=False,
    )
    h = H.open_history(path)
    assert h.dates() == ["2025-03-01", "2025-03-02"]
    expected = km2(shapely.union(EAST, box(37.9, 48.1, 38.3, 48.3)))
    assert h.stats("2025-03-01").occupied_km2 == pytest.approx(expected, rel=1e-3)


def test_scanner_survives_chunk_boundaries_and_odd_strings(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(H, "_READ_CHUNK", 7)
    path = archive(
        tmp_path / "odd.geojson",
        [
            feature(EAST, "2025-04-01", 1, note='braces } { and "quotes" \\ inside'),
            feature(WEST, "2025-04-02", 2, note="]"),
        ],
        gz=False,
        name="a name with [brackets] and {braces}",
    )
    text = path.read_text().replace('"type": "FeatureCollection", ', "")
    path.write_text(text[:-1] + ', "type": "FeatureCollection"}')  # type after the features
    assert H.open_history(path).dates() == ["2025-04-01", "2025-04-02"]


# --------------------------------------------------------------------------- bad input


def problems_of(path: Path) -> str:
    with pytest.raises(ValidationError) as info:
        H.open_history(path)
    assert info.value.source == str(path)
    return str(info.value)


def test_bad_date_names_the_feature(tmp_path) -> None:
    text = problems_of(
        archive(
            tmp_path / "a.geojson.gz",
            [feature(EAST, "2025-01-01", 1), feature(WEST, "2025-02-30", 2)],
        )
    )
    assert "feature #2" in text and "2025-02-30" in text and "YYYY-MM-DD" in text


def test_missing_date_says_what_is_allowed(tmp_path) -> None:
    text = problems_of(archive(tmp_path / "nodate.geojson", [feature(EAST)], gz=False))
    assert 'no "date" property' in text and "deepstatemap_data_" in text


def test_duplicate_date_in_the_archive(tmp_path) -> None:
    text = problems_of(
        archive(
            tmp_path / "a.geojson.gz",
            [feature(EAST, "2025-01-01", 1), feature(WEST, "2025-01-01", 2)],
        )
    )
    assert "duplicate date 2025-01-01" in text and "feature #1" in text


def test_duplicate_id(tmp_path) -> None:
    text = problems_of(
        archive(
            tmp_path / "a.geojson.gz",
            [feature(EAST, "2025-01-01", 7), feature(WEST, "2025-01-02", 7)],
        )
    )
    assert "duplicate id 7" in text


def test_wrong_geometry_type(tmp_path) -> None:
    line = shapely.LineString([(37.5, 48.0), (38.0, 48.5)])
    text = problems_of(
        archive(
            tmp_path / "a.geojson.gz",
            [feature(EAST, "2025-01-01", 1), feature(line, "2025-01-02", 2)],
        )
    )
    assert "feature #2 (2025-01-02)" in text and "'LineString'" in text
    assert "Polygon or MultiPolygon" in text
    assert "no geometry" in problems_of(
        archive(tmp_path / "b.geojson.gz", [feature(None, "2025-01-01", 1)])
    )


def test_day_outside_ukraine_names_the_date(tmp_path) -> None:
    text = problems_of(
        archive(tmp_path / "a.geojson.gz", [feature(box(2.0, 48.0, 3.0, 49.0), "2025-01-01", 1)])
    )
    assert "date 2025-01-01" in text and "nothing inside Ukraine" in text


def test_caps(tmp_path, monkeypatch) -> None:
    path = three_days(tmp_path)
    monkeypatch.setattr(H, "MAX_FEATURE_BYTES", 100)
    assert "MAX_FEATURE_BYTES" in problems_of(path)
    monkeypatch.setattr(H, "MAX_FEATURE_BYTES", 20 * 1024 * 1024)
    monkeypatch.setattr(H, "MAX_HISTORY_BYTES", 200)
    monkeypatch.setattr(H, "_READ_CHUNK", 64)
    assert "MAX_HISTORY_BYTES" in problems_of(path)
    monkeypatch.setattr(H, "MAX_HISTORY_BYTES", 1 << 30)
    monkeypatch.setattr(H, "MAX_DAYS", 2)
    assert "MAX_DAYS" in problems_of(path)


def test_not_a_history(tmp_path) -> None:
    junk = tmp_path / "junk.geojson"
    junk.write_bytes(b"\x00\x01binary")
    assert "not a history file" in problems_of(junk)
    bad_gz = tmp_path / "bad.geojson.gz"
    bad_gz.write_bytes(gzip.compress(b'{"type": "FeatureCollection", "features": [')[:-8])
    text = problems_of(bad_gz)
    assert "decompressed" in text or "never ends" in text
    point = tmp_path / "point.geojson"
    point.write_text('{"type": "Point", "coordinates": [37, 48]}')
    assert "not a FeatureCollection" in problems_of(point)
    unclosed = tmp_path / "unclosed.geojson"
    unclosed.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"')
    assert "never ends" in problems_of(unclosed)
    empty = archive(tmp_path / "empty.geojson", [], gz=False)
    assert "no features" in problems_of(empty)
    with pytest.raises(ValidationError, match="file not found"):
        H.open_history(tmp_path / "absent.geojson.gz")


# --------------------------------------------------------------------------- other sources


def single_day(folder: Path, date: str, geom) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"deepstatemap_data_{date.replace('-', '')}.geojson"
    path.write_text(json.dumps(feature(geom)))
    return path


def test_folder_and_list_of_single_day_files(tmp_path) -> None:
    folder = tmp_path / "days"
    a = single_day(folder, "2025-05-01", EAST)
    b = single_day(folder, "2025-05-02", shapely.union(EAST, WEST))
    h = H.open_history(folder)
    assert h.dates() == ["2025-05-01", "2025-05-02"]
    assert H.open_history([b, a]).dates() == ["2025-05-01", "2025-05-02"]
    assert H.changes(h, "2025-05-01", "2025-05-02").to_russia_km2 == pytest.approx(
        km2(WEST), rel=1e-3
    )
    (folder / "again-2025-05-01.geojson").write_text(json.dumps(feature(WEST)))
    with pytest.raises(ValidationError, match="date 2025-05-01 is in both"):
        H.open_history(folder)


def test_geopackage_with_a_date_column(tmp_path) -> None:
    path = tmp_path / "lines.gpkg"
    gdf = gpd.GeoDataFrame(
        {"date": ["2025-06-01", "2025-06-01", "2025-06-02"]},
        geometry=[EAST, WEST, SLOVIANSK_BOX],
        crs="EPSG:4326",
    )
    gdf.to_file(path, driver="GPKG", engine="pyogrio")
    h = H.open_history(path)
    assert h.dates() == ["2025-06-01", "2025-06-02"]
    assert h.stats("2025-06-01").occupied_km2 == pytest.approx(
        km2(shapely.union(EAST, WEST)), rel=1e-3
    )
    bad = tmp_path / "bad.gpkg"
    gpd.GeoDataFrame({"date": ["2025-06-31"]}, geometry=[EAST], crs="EPSG:4326").to_file(
        bad, driver="GPKG", engine="pyogrio"
    )
    assert "2025-06-31" in problems_of(bad)
    nodate = tmp_path / "nodate.gpkg"
    gpd.GeoDataFrame({"when": ["x"]}, geometry=[EAST], crs="EPSG:4326").to_file(
        nodate, driver="GPKG", engine="pyogrio"
    )
    assert 'no layer with a "date" column' in problems_of(nodate)


def test_uploaded_bytes(tmp_path) -> None:
    data = three_days(tmp_path).read_bytes()
    h = H.open_history(data, filename="deepstate-map-data.geojson.gz")
    assert len(h) == 3 and h.label == "deepstate-map-data.geojson.gz"


def test_default_history_is_committed_plus_cache(history_cache) -> None:
    from territory_viz import datasets

    committed = [s.removeprefix("occupied-") for s in datasets.snapshot_ids()]
    assert H.default_history().dates() == committed
    single_day(history_cache / "deepstate", "2025-11-20", EAST)
    single_day(history_cache / "deepstate", committed[-1], WEST)  # same day as a snapshot: it wins
    h = H.default_history()
    assert h.dates() == sorted([*committed, "2025-11-20"])
    assert h.day(committed[-1]).source == "committed"
    assert h.day("2025-11-20").source == "cache"
    assert h.nearest("2025-11-01", within_days=30) == "2025-11-20"
    assert h.nearest("2026-06-01", within_days=30) is None


def test_unknown_day_names_the_nearest(tmp_path) -> None:
    h = H.open_history(three_days(tmp_path))
    with pytest.raises(ValidationError, match=r"no day 2025-01-29 .*nearest: 2025-01-30"):
        h.layer("2025-01-29")
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        h.layer("yesterday")


# --------------------------------------------------------------------------- command line


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_timeline_json_and_csv(tmp_path, capsys) -> None:
    path = str(three_days(tmp_path))
    code, out, _ = run(capsys, "timeline", path, "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["date"] for r in rows] == ["2025-01-30", "2025-01-31", "2025-02-01"]
    assert set(rows[0]) >= {"date", "occupied_km2", "share", "change_km2", "by_region"}
    assert rows[0]["change_km2"] is None and rows[1]["change_km2"] > 0
    code, out, _ = run(capsys, "timeline", path, "--every", "month", "--format", "csv")
    lines = out.splitlines()
    assert lines[0].startswith("date,occupied_km2,share,change_km2") and len(lines) == 3
    code, out, _ = run(capsys, "timeline")
    assert code == 0 and "2025-08-15" in out and "%" in out


def test_cli_changes(tmp_path, capsys) -> None:
    path = str(three_days(tmp_path))
    code, out, _ = run(
        capsys, "changes", path, "--from", "2025-01-31", "--to", "2025-02-01", "--format", "json"
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["to_russia_km2"] > 0 and doc["to_ukraine_km2"] > 0
    assert "UA-14" in doc["by_region"] and "Sloviansk" in {t["name"] for t in doc["towns"]}
    code, out, _ = run(capsys, "changes", path, "--from", "2025-01-31", "--to", "2025-02-01")
    assert "Sloviansk" in out and "Donetsk" in out
    code, _, err = run(capsys, "changes", path, "--from", "2025-01-01", "--to", "2025-02-01")
    assert code == 2 and "no day 2025-01-01" in err and "Traceback" not in err


def test_cli_date_flag(tmp_path, capsys) -> None:
    path = str(three_days(tmp_path))
    code, out, _ = run(
        capsys,
        "stats",
        "ceasefire-current-line",
        "--date",
        "2025-01-31",
        "--history",
        path,
        "--format",
        "json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["baseline_date"] == "2025-01-31"
    assert doc["by_control"]["russia"]["area_km2"] == pytest.approx(
        km2(shapely.union(EAST, WEST)), rel=1e-3
    )
    code, _, err = run(capsys, "stats", "ceasefire-current-line", "--history", path)
    assert code == 2 and "--history needs --date" in err
    code, _, err = run(
        capsys,
        "stats",
        "ceasefire-current-line",
        "--date",
        "2025-08-15",
        "--baseline",
        "occupied-2025-08-15",
    )
    assert code == 2 and "not both" in err
    out_html = tmp_path / "map.html"
    code, out, _ = run(
        capsys,
        "render",
        "ceasefire-current-line",
        "-o",
        str(out_html),
        "--date",
        "2025-01-30",
        "--history",
        path,
    )
    assert code == 0 and out_html.stat().st_size > 0
    code, out, _ = run(
        capsys,
        "compare",
        "baseline",
        "land-swap",
        "--date",
        "2025-01-30",
        "--history",
        path,
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)["baseline"] == "history-2025-01-30"


def test_cli_town_on_a_day_of_a_history(tmp_path, capsys) -> None:
    path = str(three_days(tmp_path))
    controls = {}
    for day in ("2025-01-31", "2025-02-01"):
        code, out, err = run(
            capsys, "town", "Sloviansk", "--date", day, "--history", path, "--format", "json"
        )
        assert code == 0, err
        doc = json.loads(out)
        assert {"name", "region", "population", "baseline", "scenarios"} <= set(doc)
        assert doc["name"] == "Sloviansk" and doc["baseline"]["date"] == day
        for outcome in doc["scenarios"].values():
            assert {"control", "recognition"} <= set(outcome)
        controls[day] = doc["baseline"]["control"]
        # the current line frozen: the town stays with whoever holds it that day
        assert doc["scenarios"]["ceasefire-current-line"]["control"] == controls[day]
    assert controls == {"2025-01-31": "ukraine", "2025-02-01": "russia"}
    code, out, _ = run(capsys, "town", "Sloviansk", "--date", "2025-02-01", "--history", path)
    assert code == 0 and "On 2025-02-01" in out and "Russian control" in out
    code, _, err = run(capsys, "town", "Sloviansk", "--history", path)
    assert code == 2 and "--history needs --date" in err and "Traceback" not in err
    code, _, err = run(capsys, "town", "Sloviansk", "--date", "2025-01-01", "--history", path)
    assert code == 2 and "no day 2025-01-01" in err and err.count("\n") == 1
    code, _, err = run(
        capsys, "town", "Sloviansk", "--date", "2025-02-01", "--baseline", "occupied-2025-08-15"
    )
    assert code == 2 and "not both" in err


def test_worker_pool_gives_the_inline_figures(tmp_path, monkeypatch, history_cache) -> None:
    days = [
        feature(box(37.5, 48.0, 37.6 + 0.02 * i, 48.3), f"2025-07-{i + 1:02d}", i + 1)
        for i in range(H._INLINE_DAYS + 4)
    ]
    days.append(feature(WEST, "2025-07-01"))  # no id: joins the first day, merged at the end
    path = archive(tmp_path / "many.geojson.gz", days)
    monkeypatch.setattr(H, "INDEX_WORKERS", 2)
    pooled = {r.date: r.occupied_km2 for r in H.timeline(H.open_history(path))}
    monkeypatch.setattr(H, "INDEX_WORKERS", 1)
    monkeypatch.setenv(H.CACHE_ENV, str(tmp_path / "other-cache"))
    H.clear_caches()
    inline = {r.date: r.occupied_km2 for r in H.timeline(H.open_history(path))}
    assert pooled == inline and len(pooled) == H._INLINE_DAYS + 4
    assert pooled["2025-07-01"] == pytest.approx(
        km2(shapely.union(box(37.5, 48.0, 37.6, 48.3), WEST)), rel=1e-3
    )


def test_load_control_layer_takes_geometries_already_read() -> None:
    from territory_viz.loaders import load_control_layer

    parts = gpd.GeoSeries([EAST, box(37.9, 48.1, 38.3, 48.3), box(2, 48, 3, 49)], crs="EPSG:4326")
    from_series = load_control_layer(parts, filename="day (2025-01-01)", date="2025-01-01")
    doc = {"type": "FeatureCollection", "features": [feature(g) for g in parts]}
    from_bytes = load_control_layer(json.dumps(doc).encode(), date="2025-01-01")
    assert from_series.geometry.iloc[0].equals(from_bytes.geometry.iloc[0])
    assert from_series.attrs["notes"] == from_bytes.attrs["notes"]  # the same path
    assert from_series.attrs["source"] == "day (2025-01-01)"
    with pytest.raises(ValidationError, match="no features"):
        load_control_layer(gpd.GeoSeries([], crs="EPSG:4326"), filename="x")


def test_upload_indexed_elsewhere_then_opened_without_geometry_work(tmp_path, monkeypatch):
    data = three_days(tmp_path).read_bytes()
    with pytest.raises(ValidationError, match="not indexed yet") as info:
        H.open_history(data, filename="my archive.geojson.gz", build=False)
    assert info.value.source == "my archive.geojson.gz"  # not the server's spool path
    lazy = H.open_history(data, filename="my archive.geojson.gz")  # indexed, not reconciled
    H.clear_caches()
    unreconciled = H.open_history(data, filename="my archive.geojson.gz", build=False)
    with pytest.raises(ValidationError, match="not reconciled yet"):
        unreconciled.layer("2025-01-30")  # no geometry work where build=False
    assert lazy.dates() == unreconciled.dates()
    # as the page's reading child does
    H.open_history(data, filename="my archive.geojson.gz", reconcile_now=True)
    monkeypatch.setattr(H, "_build_index", lambda *a: pytest.fail("indexed again"))
    monkeypatch.setattr(H, "_reconcile_stored", lambda *a: pytest.fail("reconciled again"))
    H.clear_caches()
    h = H.open_history(data, filename="my archive.geojson.gz", build=False)
    assert h.dates() == ["2025-01-30", "2025-01-31", "2025-02-01"]
    assert {r.source for r in H.timeline(h)} == {"my archive.geojson.gz"}
    monkeypatch.undo()
    monkeypatch.setenv(H.CACHE_ENV, str(tmp_path / "cache"))
    single = json.dumps(feature(EAST)).encode()
    day = H.open_history(single, filename="../../deepstatemap_data_20251120.geojson\x00")
    assert day.dates() == ["2025-11-20"]


def test_cli_export_a_day_and_a_scenario_on_a_day(tmp_path, capsys) -> None:
    path = str(three_days(tmp_path))
    out = tmp_path / "day.geojson"
    code, _, err = run(capsys, "export", "--date", "2025-01-31", "--history", path, "-o", str(out))
    assert code == 0, err
    day = gpd.read_file(out)
    assert str(day["date"].iloc[0])[:10] == "2025-01-31"
    assert km2(day.geometry.iloc[0]) == pytest.approx(km2(shapely.union(EAST, WEST)), rel=1e-3)
    part = tmp_path / "swap.csv"
    code, _, err = run(
        capsys, "export", "land-swap", "--date", "2025-01-30", "--history", path, "-o", str(part)
    )
    assert code == 0, err
    text = part.read_text()
    # the day's box is the baseline: Crimea is not in it (it is in every committed snapshot)
    assert "UA-14,Donetsk,russia" in text and "UA-43,Crimea,russia" not in text
    code, _, err = run(
        capsys, "export", "--layer", "regions", "--date", "2025-01-30", "-o", str(out)
    )
    assert code == 2 and "either --layer" in err


def test_is_multi_date_tells_a_history_from_one_layer(tmp_path) -> None:
    assert H.is_multi_date(three_days(tmp_path))  # the gzipped archive
    two = archive(
        tmp_path / "two.geojson",
        [feature(EAST, "2025-01-30"), feature(WEST, "2025-01-31")],
        gz=False,
    )
    assert H.is_multi_date(two)
    one = archive(
        tmp_path / "one.geojson",
        [feature(EAST, "2025-01-30"), feature(WEST, "2025-01-30")],
        gz=False,
    )
    assert not H.is_multi_date(one)  # one date: a layer (its features dissolved)
    plain = archive(tmp_path / "plain.geojson", [feature(EAST), feature(WEST)], gz=False)
    assert not H.is_multi_date(plain)
    junk = tmp_path / "junk.kml"
    junk.write_bytes(b'<kml><Placemark name="date"/></kml>')
    assert not H.is_multi_date(junk)


def test_history_key_and_the_proposal_day(tmp_path) -> None:
    path = three_days(tmp_path)
    h = H.open_history(path)
    copy = tmp_path / "copy.geojson.gz"
    copy.write_bytes(path.read_bytes())
    again = H.open_history(copy)
    assert h.key == again.key  # same days, same key
    other = H.open_history([single_day(tmp_path / "days", "2025-01-30", WEST)])
    assert other.key != h.key
    assert h.proposal_day("2025-02-20") == "2025-02-01"  # 19 days away
    assert h.proposal_day("2025-03-10") is None  # 37 days away: more than 30
    assert not h.is_committed("2025-01-30")


def test_days_are_reconciled_on_first_use_and_kept(tmp_path, monkeypatch) -> None:
    """Indexing only reads and clips; a day is reconciled once, when first used."""
    from territory_viz import reconcile as R

    calls: list[str] = []
    real = H._reconcile_stored

    def counted(folder: str, date: str):
        calls.append(date)
        return real(folder, date)

    monkeypatch.setattr(H, "_reconcile_stored", counted)
    path = three_days(tmp_path)
    h = H.open_history(path)
    assert calls == []  # the index is built without reconciling
    layer = h.layer("2025-01-31")
    assert calls == ["2025-01-31"]
    assert any("Reconciled with the outline" in n for n in layer.attrs["notes"])
    assert h.stats("2025-01-31").occupied_km2 == pytest.approx(km2(EAST.union(WEST)), rel=1e-3)
    H.clear_caches()
    again = H.open_history(path)
    again.layer("2025-01-31")
    assert calls == ["2025-01-31"]  # kept on disk beside the index
    H.timeline(again)
    assert sorted(calls) == ["2025-01-30", "2025-01-31", "2025-02-01"]  # each day once
    # The reconciled figures are those of the loader's own path (reconcile on).
    direct = R.reconcile_geographic(shapely.union(EAST, WEST))[0]
    assert shapely.equals_exact(
        shapely.normalize(layer.geometry.iloc[0]), shapely.normalize(direct), 1e-9
    )


# --------------------------------------------------------------------------- unchanged days

NORTH = box(37.6, 48.4, 38.0, 48.7)


def _counting(monkeypatch, name: str) -> list[str]:
    """Record the date (second argument) of every call of ``H.<name>``."""
    calls: list[str] = []
    real = getattr(H, name)

    def counted(*args, **kwargs):
        calls.append(args[2] if name == "_day_from_parts" else args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(H, name, counted)
    return calls


def _unchanged_days(tmp_path: Path) -> Path:
    """Five days: EAST twice, NORTH, EAST again (not the day before), NORTH again."""
    return archive(
        tmp_path / "unchanged.geojson.gz",
        [
            feature(EAST, "2025-05-01", 1),
            feature(EAST, "2025-05-02", 2),  # the line did not move
            feature(NORTH, "2025-05-03", 3),
            feature(EAST, "2025-05-04", 4),  # back to the first day's line
            feature(NORTH, "2025-05-05", 5),
        ],
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_unchanged_days_are_read_and_reconciled_once(tmp_path, monkeypatch, workers) -> None:
    monkeypatch.setattr(H, "INDEX_WORKERS", workers)
    monkeypatch.setattr(H, "_INLINE_DAYS", 0 if workers > 1 else H._INLINE_DAYS)
    path = _unchanged_days(tmp_path)
    if workers == 1:  # (counted inline only: a worker process gets the module's own)
        read = _counting(monkeypatch, "_day_from_parts")
        reconciled = _counting(monkeypatch, "_reconcile_stored")
    h = H.open_history(path)
    dates = h.dates()
    assert len(dates) == 5
    rows = {r.date: r for r in H.timeline(h)}
    if workers == 1:
        assert read == ["2025-05-01", "2025-05-03", "2025-05-04", "2025-05-05"]
        # one reconciling per distinct geometry, named after its first day
        assert sorted(reconciled) == ["2025-05-01", "2025-05-03"]
    folder = h.day(dates[0])._ref.folder / "days"
    assert sorted(p.name for p in folder.glob("*.wkb") if ".r." not in p.name) == [
        "2025-05-01.wkb",
        "2025-05-03.wkb",
    ]
    assert sorted(p.name for p in folder.glob("*.r.json")) == [
        "2025-05-01.r.json",
        "2025-05-03.r.json",
    ]
    # each day keeps its own date and id; its figures and line are its first twin's
    for date, twin in (("2025-05-02", "2025-05-01"), ("2025-05-04", "2025-05-01")):
        assert rows[date].by_region == rows[twin].by_region
        assert rows[date].occupied_km2 == rows[twin].occupied_km2
        layer = h.layer(date)
        assert layer["date"].iloc[0] == date and layer["id"].iloc[0] == f"history-{date}"
        assert layer.geometry.iloc[0].equals_exact(h.layer(twin).geometry.iloc[0], 0)
    assert rows["2025-05-05"].occupied_km2 == rows["2025-05-03"].occupied_km2
    assert rows["2025-05-02"].change_km2 == 0
    assert H.changes(h, "2025-05-01", "2025-05-04").to_russia_km2 == 0
    assert H.changes(h, "2025-05-02", "2025-05-03").to_russia_km2 == pytest.approx(
        km2(NORTH.difference(EAST)), rel=1e-3
    )


def test_unchanged_days_give_the_figures_of_separate_files(tmp_path) -> None:
    """Sharing a stored geometry changes no figure: each day as its own single-day file."""
    shared = H.open_history(_unchanged_days(tmp_path))
    files = [
        single_day(tmp_path / "days", d, g)
        for d, g in (
            ("2025-05-01", EAST),
            ("2025-05-02", EAST),
            ("2025-05-03", NORTH),
            ("2025-05-04", EAST),
            ("2025-05-05", NORTH),
        )
    ]
    separate = H.open_history(files)
    for a, b in zip(H.timeline(shared), H.timeline(separate), strict=True):
        assert a.to_dict() | {"source": ""} == b.to_dict() | {"source": ""}
    for date in shared.dates():
        assert (
            shared.layer(date)
            .geometry.iloc[0]
            .equals_exact(separate.layer(date).geometry.iloc[0], 0)
        )


def test_a_repeated_day_whose_twin_gains_features_later_is_its_own(tmp_path) -> None:
    """Day 2 repeats day 1, and day 1 gets another feature further on: day 2 stays EAST."""
    path = archive(
        tmp_path / "late.geojson",
        [
            feature(EAST, "2025-06-01"),
            feature(EAST, "2025-06-02"),
            feature(NORTH, "2025-06-03"),
            feature(WEST, "2025-06-01"),  # day 1 comes back: it is EAST and WEST
        ],
        gz=False,
    )
    h = H.open_history(path)
    assert h.stats("2025-06-01").occupied_km2 == pytest.approx(km2(EAST.union(WEST)), rel=1e-3)
    assert h.stats("2025-06-02").occupied_km2 == pytest.approx(km2(EAST), rel=1e-3)
    assert h.stats("2025-06-03").occupied_km2 == pytest.approx(km2(NORTH), rel=1e-3)


def test_fetched_days_whose_files_are_the_same_are_both_days(history_cache) -> None:
    """Two daily files byte for byte the same (the line did not move) are two days."""
    a = single_day(history_cache / "deepstate", "2025-11-20", EAST)
    b = single_day(history_cache / "deepstate", "2025-11-21", EAST)
    assert a.read_bytes() == b.read_bytes()
    h = H.default_history()
    assert {"2025-11-20", "2025-11-21"} <= set(h.dates())
    assert h.stats("2025-11-21") == h.stats("2025-11-20")
    assert h.layer("2025-11-21")["date"].iloc[0] == "2025-11-21"
