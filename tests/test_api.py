"""The Python API (``import territory_viz as tv``): same numbers as the CLI, files, maps, errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest

import territory_viz as tv
from territory_viz import scenarios
from territory_viz.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL = re.compile(r"<script[^>]+src=[\"']?https?:|<link[^>]+href=[\"']?https?:", re.I)


def cli_json(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def land_swap() -> tv.Result:
    return tv.evaluate("land-swap")


def test_import_is_lazy() -> None:
    code = "import sys, territory_viz; print('geopandas' in sys.modules, 'folium' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    assert out.split() == ["False", "False"]


def test_scenarios_is_the_module_and_lists_the_builtins() -> None:
    assert tv.scenarios is scenarios
    assert [s.id for s in tv.scenarios()] == [s.id for s in scenarios.list_scenarios()]


def test_layers_catalogue_and_copies() -> None:
    catalogue = tv.layers()
    assert isinstance(catalogue, pd.DataFrame)
    assert {"regions", "occupied-2022-02-23", "russia-claim"} <= set(catalogue["id"])
    first = tv.layer("regions")
    first["name_en"] = "changed"
    assert (tv.layer("regions")["name_en"] != "changed").all()
    with pytest.raises(tv.ValidationError, match="unknown layer id 'nope'; allowed: regions"):
        tv.layer("nope")


def test_evaluate_takes_an_id_a_toml_path_or_a_scenario(land_swap) -> None:
    path = ROOT / "data" / "scenarios" / "land-swap.toml"
    for given in (path, str(path), scenarios.get_scenario("land-swap")):
        assert tv.evaluate(given).to_dict() == land_swap.to_dict()


def test_partition_schema(land_swap) -> None:
    p = land_swap.partition
    assert isinstance(p, gpd.GeoDataFrame) and p.crs.to_string() == "EPSG:4326"
    for column in ("iso_code", "control", "area_km2", "population", "rec_united_states"):
        assert column in p.columns
    p["control"] = "changed"  # a copy
    assert "changed" not in set(land_swap.partition["control"])
    assert land_swap.balance.to_ukraine_km2 > 0
    assert land_swap.towns["name"].tolist() == land_swap.stats.towns["name"].tolist()


def test_to_dict_is_the_cli_json(capsys, land_swap) -> None:
    assert land_swap.to_dict() == cli_json(capsys, "stats", "land-swap", "--format", "json")
    c = tv.compare("donbas-for-freeze", "land-swap")
    assert c.to_dict() == cli_json(
        capsys, "compare", "donbas-for-freeze", "land-swap", "--format", "json"
    )


def test_baseline_and_date(capsys) -> None:
    old = tv.evaluate("ceasefire-current-line", baseline="occupied-2022-02-23")
    assert old.to_dict()["baseline"] == "occupied-2022-02-23"
    by_date = tv.evaluate("ceasefire-current-line", date="2022-02-23")
    assert by_date.stats.by_control.equals(old.stats.by_control)
    with pytest.raises(tv.ValidationError, match="either baseline= or date="):
        tv.evaluate("land-swap", baseline="occupied-2022-02-23", date="2022-02-23")
    with pytest.raises(tv.ValidationError, match="unknown baseline 'occupied-1900-01-01'"):
        tv.evaluate("land-swap", baseline="occupied-1900-01-01")
    with pytest.raises(tv.ValidationError):
        tv.evaluate("land-swap", date="1900-01-01")


def test_errors_carry_the_cli_messages(capsys) -> None:
    with pytest.raises(tv.ValidationError) as caught:
        tv.evaluate("no-such-scenario")
    assert main(["stats", "no-such-scenario"]) == 2
    assert " ".join(str(caught.value).split()) in capsys.readouterr().err
    with pytest.raises(tv.ValidationError, match="allowed: a scenario id, a .toml path"):
        tv.evaluate(42)


def test_to_file_by_extension(tmp_path, land_swap) -> None:
    rows = len(land_swap.partition)
    for name in ("x.geojson", "x.gpkg"):
        written = gpd.read_file(land_swap.to_file(tmp_path / name))
        assert len(written) == rows and written["area_km2"].sum() == pytest.approx(
            land_swap.partition["area_km2"].sum(), rel=1e-6
        )
    table = pd.read_csv(land_swap.to_file(tmp_path / "x.csv"))
    assert len(table) == rows and "geometry" not in table.columns
    # The same note column as the command line's CSV (approximate, of which date, dates differ).
    from territory_viz import notices

    note = notices.export_note(land_swap.scenario.as_of, land_swap.stats.baseline_date)
    assert "Control as on" in note and set(table["note"]) == {note}
    pair = pd.read_csv(tv.compare("land-swap", "donbas-for-freeze").to_file(tmp_path / "c.csv"))
    assert set(pair["note"]) == {notices.approximation_note(land_swap.stats.baseline_date)}
    with pytest.raises(tv.ValidationError, match=r"must end in \.geojson, \.gpkg, \.csv"):
        land_swap.to_file(tmp_path / "x.shp")
    with pytest.raises(tv.ValidationError, match="does not exist"):
        land_swap.to_file(tmp_path / "missing" / "x.geojson")
    changes = tv.compare("ceasefire-current-line", "land-swap").to_file(tmp_path / "c.geojson")
    assert len(gpd.read_file(changes)) > 0


def test_explore_is_offline_and_styled(land_swap) -> None:
    page = land_swap.explore().get_root().render()
    assert "Leaflet 1.9.4" in page and not EXTERNAL.search(page)
    assert "tv-legend" in page and "Land swap" in page
    linked = land_swap.explore(offline=False).get_root().render()
    assert "cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js" in linked


def test_explore_onto_a_given_map(land_swap) -> None:
    m = folium.Map(tiles=None)
    assert land_swap.explore(m=m) is m
    page = m.get_root().render()
    assert page.count("TV.setup(") == 1 and "TV.rows(" in page
    land_swap.explore(m=m)  # a second scenario on the same map: the setup is not repeated
    assert m.get_root().render().count("TV.setup(") == 1


def test_compare_explore_draws_the_unchanged_area_grey() -> None:
    page = tv.compare("donbas-for-freeze", "land-swap").explore().get_root().render()
    assert '"unchanged":{"color":"#9e9e9e"' in page
    assert "Same in both scenarios" in page
