"""Share links on the map page: the map's view (lat, lon, zoom) and the town it zooms to."""

from __future__ import annotations

import json
import re

from app_support import component_args, run_app, shown_numbers
from streamlit.testing.v1 import AppTest


def map_args(at: AppTest) -> dict:
    return component_args(at, "tv_map")


def call(script: str, name: str) -> str:
    return script[script.index(f"TV.{name}(") :].split(");", 1)[0]


def param(at: AppTest, key: str) -> str | None:
    value = at.query_params.get(key)
    return None if value is None else str(value).strip("[]'")


def test_a_link_view_opens_the_map_there_and_stays_in_the_address():
    at = run_app(scenario="land-swap", lat="48.6", lon="37.9", zoom="9")
    assert not at.warning
    share = call(map_args(at)["script"], "shareView")
    assert '{"lat":48.6,"lon":37.9,"zoom":9.0}' in share and '"follow":true' in share
    assert (param(at, "lat"), param(at, "lon"), param(at, "zoom")) == ("48.6", "37.9", "9")


def test_the_maps_script_stays_the_same_across_runs_so_the_map_is_not_remounted():
    at = run_app(lat="48.6", lon="37.9", zoom="9")
    before = map_args(at)
    assert before["script"]
    # the reader panned: the map's script wrote a new view into the address
    at.query_params["lat"], at.query_params["lon"], at.query_params["zoom"] = "47", "35", "7"
    at.selectbox(key="scenario").set_value("donbas-for-freeze").run()
    assert not at.exception
    after = map_args(at)
    # The same base (so the same frame): not even sent again; the new scenario's layers are.
    assert after["digests"]["base"] == before["digests"]["base"] and after["base"] is None
    assert after["layers"] and after["feature_group"] != before["feature_group"]
    assert param(at, "lat") == "47"  # the page keeps what the map wrote


def test_without_a_view_the_map_frames_ukraine_and_still_follows_the_reader():
    share = call(map_args(run_app())["script"], "shareView")
    assert share.startswith("TV.shareView(map_div, null,") and '"follow":true' in share


def test_a_bad_view_is_ignored_with_a_note_never_a_traceback():
    at = run_app(lat="<b>91</b>", lon="37.9", zoom="99")
    assert not at.error
    (note,) = [w.value for w in at.warning if "map view" in w.value]
    plain = re.sub(r"\\(.)", r"\1", note)
    assert "The link's map view was ignored" in plain
    assert "lat “<b>91</b>” is not a number" in plain and "zoom 99 is out of range" in plain
    assert "<b>" not in note  # escaped for markdown
    assert call(map_args(at)["script"], "shareView").startswith("TV.shareView(map_div, null,")
    assert param(at, "lat") is None and param(at, "zoom") is None  # dropped from the address
    assert shown_numbers(at)  # the page is whole


def test_an_incomplete_view_is_ignored_with_a_note():
    at = run_app(lat="48.6", lon="37.9")
    assert any("zoom missing" in w.value for w in at.warning)


def test_a_found_town_centres_the_map_with_a_ring():
    from territory_viz import towns

    at = run_app(town="Kramatorsk")
    town = towns.find_town("Kramatorsk")
    focus = call(map_args(at)["feature_group"], "focusPlace")
    payload = json.loads(focus.split(", ", 2)[2])
    assert payload["name"] == "Kramatorsk"
    assert (payload["lat"], payload["lon"]) == (town.lat, town.lon)
    # typing another town moves the map there; clearing it leaves no ring
    at.text_input(key="town").set_value("Enerhodar").run()
    assert '"name":"Enerhodar"' in call(map_args(at)["feature_group"], "focusPlace")
    at.text_input(key="town").set_value("").run()
    assert "TV.focusPlace(" not in map_args(at)["feature_group"]


def test_an_unknown_or_ambiguous_town_moves_nothing():
    for query in ("Kramatorks", "Pokrovske"):
        at = run_app(town=query)
        assert at.warning
        assert "TV.focusPlace(" not in map_args(at)["feature_group"]
