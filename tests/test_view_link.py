"""A link's map view (lat, lon, zoom): checked as data, restored on the map, followed."""

from __future__ import annotations

import json

import pytest

from territory_viz import render
from territory_viz._errors import ValidationError
from territory_viz.render.view import (
    LAT_RANGE,
    LON_RANGE,
    MAX_ZOOM,
    MIN_ZOOM,
    FocusPlace,
    MapView,
    parse_view,
)


def test_a_full_view_in_range_is_read():
    assert parse_view({"lat": "48.5", "lon": "37.75", "zoom": "8.25"}) == MapView(48.5, 37.75, 8.25)
    assert parse_view({"lat": ["48"], "lon": ["30"], "zoom": ["6"]}) == MapView(48, 30, 6)
    assert parse_view({"scenario": "land-swap"}) is None
    assert parse_view({"lat": "", "lon": "", "zoom": ""}) is None


def test_the_ranges_are_around_ukraine_and_the_maps_zoom():
    assert LAT_RANGE[0] < 44.38 and LAT_RANGE[1] > 52.38
    assert LON_RANGE[0] < 22.14 and LON_RANGE[1] > 40.23
    m = render.base_map(render.map_context())
    assert (m.options["min_zoom"], m.options["max_zoom"]) == (MIN_ZOOM, MAX_ZOOM)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"lat": "91", "lon": "30", "zoom": "6"}, "lat 91 is out of range; allowed: a number from"),
        ({"lat": "48", "lon": "-120", "zoom": "6"}, "lon -120 is out of range"),
        ({"lat": "48", "lon": "30", "zoom": "13"}, "zoom 13 is out of range; allowed: a number "
         f"from {MIN_ZOOM} to {MAX_ZOOM}"),
        ({"lat": "48", "lon": "30", "zoom": "3.5"}, "zoom 3.5 is out of range"),
        ({"lat": "nan", "lon": "30", "zoom": "6"}, "lat “nan” is not a number"),
        ({"lat": "inf", "lon": "30", "zoom": "6"}, "lat “inf” is not a number"),
        ({"lat": "4.8e1", "lon": "30", "zoom": "6"}, "lat “4.8e1” is not a number"),
        ({"lat": "9" * 5000, "lon": "30", "zoom": "6"}, "is not a number"),
        ({"lat": "48", "lon": "30"}, "zoom missing: a map view needs lat, lon and zoom together"),
        ({"zoom": "7"}, "lat, lon missing"),
    ],
)  # fmt: skip
def test_a_bad_view_names_the_parameter_and_what_is_allowed(params, fragment):
    with pytest.raises(ValidationError) as err:
        parse_view(params)
    assert err.value.source == "link"
    assert any(fragment in p for p in err.value.problems), err.value.problems


def test_link_text_in_a_message_is_cut_short_and_one_line():
    with pytest.raises(ValidationError) as err:
        parse_view({"lat": "<script>\nalert(1)</script>" + "x" * 200, "lon": "30", "zoom": "6"})
    (problem,) = err.value.problems
    assert "\n" not in problem and len(problem) < 120
    assert "x" * 50 not in problem


def test_every_bad_parameter_is_listed_at_once():
    with pytest.raises(ValidationError) as err:
        parse_view({"lat": "abc", "lon": "500", "zoom": "99"})
    assert [p.split()[0] for p in err.value.problems] == ["lat", "lon", "zoom"]


def map_script(m) -> str:
    return m.get_root().render()


def test_the_page_map_restores_the_view_and_follows_it_standalone_maps_do_not():
    context = render.map_context()
    page = map_script(render.base_map(context, view=MapView(48.5, 37.7, 9), share_view=True))
    call = page[page.index("TV.shareView(") :].split(");", 1)[0]
    assert '{"lat":48.5,"lon":37.7,"zoom":9' in call and '"follow":true' in call
    # before the legend, whose framing then holds the view instead of fitting Ukraine
    assert page.index("TV.shareView(") < page.index("TV.legend(")
    assert "TV.shareView(" not in map_script(render.base_map(context))
    following = map_script(render.base_map(context, share_view=True))
    assert "TV.shareView(" in following and '"follow":true' in following


def test_a_place_focus_takes_its_name_as_data():
    import folium

    m = render.base_map(render.map_context())
    group = folium.FeatureGroup(name="found", control=False)
    group.add_child(FocusPlace(48.7, 37.6, "</script><b>x</b>"))
    m.add_child(group)
    page = map_script(m)
    call = page[page.index("TV.focusPlace(") :].split(");", 1)[0]
    assert "</script>" not in call and "<b>" not in call
    payload = json.loads(call.split(", ", 2)[2])
    assert payload["name"] == "</script><b>x</b>" and payload["zoom"] == 9
