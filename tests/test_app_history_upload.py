"""A multi-date file uploaded as a control layer becomes that session's history (only its)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from shapely.geometry import box, mapping
from streamlit.testing.v1 import AppTest

from territory_viz import datasets, render
from territory_viz import history as H
from ui import shell, uploads

APP = str(Path(__file__).resolve().parent.parent / "app.py")
# Boxes well inside Donetsk oblast, away from the border (nothing to reconcile).
EAST = box(37.8, 48.0, 38.2, 48.4)
WEST = box(37.4, 48.0, 37.8, 48.4)
DATES = ["2025-03-01", "2025-03-02", "2025-03-03"]
COMMITTED = [s.removeprefix("occupied-") for s in datasets.snapshot_ids()]


pytestmark = pytest.mark.usefixtures("history_cache")


def archive(features: list[dict]) -> bytes:
    doc = {"type": "FeatureCollection", "features": features}
    return gzip.compress(json.dumps(doc).encode())


def day(geom, date: str, fid: int) -> dict:
    return {"type": "Feature", "properties": {"id": fid, "date": date}, "geometry": mapping(geom)}


def three_days() -> bytes:
    return archive(
        [
            day(EAST, DATES[0], 1),
            day(EAST.union(WEST), DATES[1], 2),
            day(WEST, DATES[2], 3),
        ]
    )


def test_the_reader_child_indexes_a_multi_date_file_and_the_server_only_reads_it():
    result, days = uploads.check_layer_upload(three_days(), "deepstate-map-data.geojson.gz")
    assert result.ok, result
    assert isinstance(days, H.History) and days.dates() == DATES
    assert "3 dated lines" in result.headline
    # The figures are the library's own for the same file.
    direct = H.open_history(three_days(), filename="direct.geojson.gz")
    assert [days.stats(d).occupied_km2 for d in DATES] == [
        direct.stats(d).occupied_km2 for d in DATES
    ]


def test_a_bad_multi_date_file_names_its_problems_and_changes_nothing():
    data = archive([day(EAST, DATES[0], 1), day(WEST, DATES[0], 2)])
    result, days = uploads.check_layer_upload(data, "bad.geojson.gz")
    assert not result.ok and days is None
    assert any("duplicate date 2025-03-01" in p for p in result.problems)


def test_a_geojson_with_a_date_column_is_a_history_and_one_date_is_a_layer():
    doc = {
        "type": "FeatureCollection",
        "features": [day(EAST, DATES[0], 1), day(WEST, DATES[1], 2)],
    }
    result, days = uploads.check_layer_upload(json.dumps(doc).encode(), "days.geojson")
    assert result.ok and isinstance(days, H.History) and days.dates() == DATES[:2]
    one = {"type": "FeatureCollection", "features": [day(EAST, DATES[0], 1)]}
    result, layer = uploads.check_layer_upload(json.dumps(one).encode(), "one.geojson")
    assert result.ok and layer is not None and not isinstance(layer, H.History)


def new_session() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def upload_history(at: AppTest, data: bytes, name: str = "my-days.geojson.gz") -> AppTest:
    at.session_state[shell.OPEN_LAYER_UPLOAD] = True
    at.run()
    at.file_uploader(key="tv_upload_layer").set_value((name, data, "application/gzip")).run()
    at.button(key="tv_upload_layer_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_uploaded_history_drives_the_slider_and_the_timeline_of_that_session_only():
    mine = upload_history(new_session(), three_days())
    other = new_session()  # another visitor, on the same server process
    assert any("3 dated lines" in s.value for s in mine.success)
    slider = mine.select_slider(key="date")
    assert list(slider.options) == [render.date_label(d) for d in DATES]
    assert slider.value == DATES[-1]
    slider.set_value(DATES[0]).run()
    assert not mine.exception
    assert render.date_label(DATES[0]) in mine.title[0].value
    assert str(mine.query_params["date"]).strip("[]'") == DATES[0]
    # The Timeline page is the upload's.
    mine.switch_page("ui/pages/timeline.py").run()
    assert not mine.exception
    assert list(mine.dataframe[0].value["Date"]) == DATES
    # The other visitor still has the committed snapshots, on both pages.
    other.run()
    assert list(other.select_slider(key="date").options) == [
        render.date_label(d) for d in COMMITTED
    ]
    other.switch_page("ui/pages/timeline.py").run()
    assert list(other.dataframe[0].value["Date"]) == COMMITTED
    assert "my-days" not in " ".join(c.value for c in other.caption)


def test_back_to_the_committed_snapshots_leaves_the_uploaded_history():
    at = upload_history(new_session(), three_days())
    at.button(key="tv_upload_layer_reset").click().run()
    assert not at.exception
    assert list(at.select_slider(key="date").options) == [render.date_label(d) for d in COMMITTED]
