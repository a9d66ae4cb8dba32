"""Tidy table exports: one CSV per table in a zip, rounded numbers, scenario/baseline/date."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from territory_viz.scenarios import get_scenario
from territory_viz.stats import scenario_stats
from ui import exports


@pytest.fixture(scope="module")
def land_swap():
    return scenario_stats(get_scenario("land-swap"))


def _tables(result):
    from ui.scenario_view import _tables

    return _tables(result)


def test_zip_has_one_tidy_csv_per_table_and_a_readme(land_swap):
    data = exports.tables_zip(
        _tables(land_swap),
        scenario="land-swap",
        baseline="occupied-2025-08-15",
        date="2025-08-15",
        sources=["CNBC, 2025-08-14"],
        note="Lines are approximate.",
    )
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert set(names) == {
            "by_control.csv",
            "by_region.csv",
            "balance.csv",
            "towns_changing_hands.csv",
            "recognition.csv",
            "README.txt",
        }
        readme = zf.read("README.txt").decode("utf-8")
        assert "land-swap" in readme and "2025-08-15" in readme
        assert "Lines are approximate." in readme and "CNBC, 2025-08-14" in readme
        by_region = pd.read_csv(zf.open("by_region.csv"))
        text = zf.read("by_control.csv").decode("utf-8")
    assert list(by_region.columns[:3]) == ["scenario", "baseline", "date"]
    assert set(by_region["scenario"]) == {"land-swap"}
    assert set(by_region["date"]) == {"2025-08-15"}
    assert not by_region.isna().any().any()  # tidy: no sparse columns
    # float noise is gone: km² to 0.1, people whole
    assert "0000000" not in text
    assert (by_region["area_km2"] * 10).round(6).mod(1).eq(0).all()
    assert by_region["population"].dtype.kind == "i"


def test_rounding_by_column_name_and_by_measure():
    frame = pd.DataFrame(
        {"area_km2": [1509.4999999999], "population": [1509500.0000000005], "share": [0.123456789]}
    )
    out = exports.tidy_table(frame, scenario="s", baseline="b", date="d")
    assert out.iloc[0].to_dict() == {
        "scenario": "s",
        "baseline": "b",
        "date": "d",
        "area_km2": 1509.5,
        "population": 1509500,
        "share": 0.1235,
    }
    balance = pd.DataFrame(
        {"measure": ["to_russia_km2", "to_russia_population"], "value": [12.345678, 1234.5000001]}
    )
    values = exports.tidy_table(balance)["value"].tolist()
    assert values == [12.3, 1235]


def test_long_csv_names_table_scenario_baseline_and_date(land_swap):
    text = exports.csv_bytes(
        _tables(land_swap), scenario="land-swap", baseline="occupied-2025-08-15", date="2025-08-15"
    ).decode()
    frame = pd.read_csv(io.StringIO(text))
    assert list(frame.columns[:4]) == ["table", "scenario", "baseline", "date"]
    assert "1509500.0000000005" not in text and "0000000" not in text


def test_png_export_is_made_from_the_svg(land_swap):
    svg = exports.svg_bytes(land_swap.partition, title="Land swap", date="2025-08-15")
    png = exports.png_bytes(svg)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 1800
