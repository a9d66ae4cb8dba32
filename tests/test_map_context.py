"""The map's context and key: the legend lists the classes present, one layer control."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from territory_viz import render, scenarios
from territory_viz.render.legend import legend_html, legend_keys

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def row_keys(html_text: str) -> set[str]:
    """Legend row keys in a page (the legend body travels as JSON, quotes escaped)."""
    return set(re.findall(r'data-k=\\?"([a-z_]+:[a-z_0-9]+)\\?"', html_text))


def caption_keys(html_text: str) -> list[str]:
    """The keys the scenario layers hand to ``TV.caption`` (the rows they draw)."""
    match = re.search(r"TV\.caption\([^,]+, \"[^\"]*\", (\[[^\]]*\]|null)\)", html_text)
    assert match, "no caption call in the page"
    return re.findall(r'"([^"]+)"', match.group(1))


@pytest.fixture(scope="module")
def context():
    return render.map_context()


@pytest.fixture(scope="module")
def prepared():
    return {
        sid: render.prepare_partition(scenarios.evaluate(scenarios.get_scenario(sid)))
        for sid in ("land-swap", "ceasefire-with-dmz", "ukraine-1991-borders")
    }


def test_legend_keys_follow_the_pieces():
    rows = [
        {"c": "ukraine", "h": "", "x": "to_ukraine"},
        {"c": "russia/de_jure", "h": "de_jure", "x": ""},
        {"c": "russia/none", "h": "", "x": "to_russia"},
    ]
    assert legend_keys(rows) == [
        "c:russia",
        "c:ukraine",
        "h:de_jure",
        "h:none",
        "x:to_russia",
        "x:to_ukraine",
    ]
    assert "x:to_russia" not in legend_keys(rows, changes=False)
    assert legend_keys([{"c": "demilitarized", "h": "", "x": "to_demilitarized"}]) == [
        "c:demilitarized",
        "x:to_demilitarized",
    ]


def test_standalone_legend_lists_only_the_classes_on_the_map():
    land_swap = render.standalone_html(scenarios.get_scenario("land-swap"))
    keys = row_keys(land_swap)
    assert {"c:ukraine", "c:russia", "x:to_ukraine"} <= keys
    # No demilitarized zone, no international administration, no recognition in this plan.
    assert not keys & {"c:demilitarized", "c:international", "x:to_demilitarized"}
    assert not keys & {"h:de_jure", "h:de_facto"}
    dmz = render.standalone_html(scenarios.get_scenario("ceasefire-with-dmz"))
    assert {"c:demilitarized", "x:to_demilitarized"} <= row_keys(dmz)


def test_the_page_legend_has_every_row_and_the_layers_say_which_to_show(context, prepared):
    # The page's base map is the same for every scenario (so the map is never remounted):
    # all rows are in it, each with its key; the scenario layers name theirs.
    base = render.base_map(context)
    every = row_keys(base.get_root().render())
    assert {"c:demilitarized", "c:international", "h:de_jure", "x:to_demilitarized"} <= every
    for sid, prep in prepared.items():
        m = render.base_map(context)
        for group in render.scenario_layers(prep, context, title=sid):
            m.add_child(group)
        keys = caption_keys(m.get_root().render())
        assert keys == render.scenario_legend_keys(prep, context)
        assert set(legend_keys(prep.rows)) <= set(keys)
        assert ("c:demilitarized" in keys) == (sid == "ceasefire-with-dmz")
        assert set(keys) <= every | {"c:unchanged"}


def test_hidden_layers_leave_the_legend(context, prepared):
    prep = prepared["land-swap"]
    keys = render.scenario_legend_keys(prep, context, layers={"control", "claim"})
    assert "l:claim" in keys and "l:line_of_contact" not in keys
    assert not any(k.startswith("x:") for k in keys)  # the changes layer is off
    body = legend_html(context, layers={"control"})
    assert "Region borders" not in body and "Towns, sized" not in body
    assert "Region borders" in legend_html(context)


def test_the_page_map_has_no_layer_control_of_its_own(monkeypatch):
    # The sidebar's checkboxes are the one layer control: the component gets none.
    from ui import map_component

    shown = []
    monkeypatch.setattr(map_component, "show", lambda rendered, **kwargs: shown.append(rendered))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert shown and all(r.layer_control is None for r in shown)
    assert all("L.control.layers" not in r.script for r in shown)
    assert all(r.feature_group and "TV.caption(" in r.feature_group for r in shown)


def test_compare_and_preview_maps_follow_the_selected_layers(context, prepared):
    from ui import documents

    scenario = scenarios.get_scenario("land-swap")
    prep = prepared["land-swap"]
    urls = ([], [])
    full = documents.scenario_map(scenario, prep, context, leaflet_urls=urls)
    text = full.get_root().render()
    assert "L.control.layers" not in text
    assert "l:line_of_contact" in caption_keys(text)
    bare = (
        documents.scenario_map(
            scenario, prep, context, leaflet_urls=urls, layers={"control", "towns"}
        )
        .get_root()
        .render()
    )
    assert "L.control.layers" not in bare
    assert "l:line_of_contact" not in caption_keys(bare)
    assert "Region borders" not in bare
    assert text.count("TV.rows(") > bare.count("TV.rows(")


NEIGHBOURS = {"POLAND", "BELARUS", "RUSSIA", "ROMANIA", "MOLDOVA", "Black Sea"}


def test_the_map_has_a_scale_bar_and_names_the_neighbours(context):
    page = render.base_map(context).get_root().render()
    assert "L.control.scale(" in page  # Leaflet's scale bar (tv.js docks it in the legend)
    countries = {row[0] for row in context.labels if row[3] == 3}  # kind "country"
    assert countries >= NEIGHBOURS
    # Named at the zoom a phone shows the whole country at (about 4.5).
    assert {row[0] for row in context.labels if row[3] == 3 and row[4] <= 4} >= {
        "POLAND",
        "BELARUS",
        "RUSSIA",
        "ROMANIA",
    }
    for name in NEIGHBOURS:
        assert f'"{name}"' in page


def test_the_svg_and_png_have_a_scale_bar_and_the_neighbours_names():
    from territory_viz import svg

    text = svg.scenario_svg(scenarios.get_scenario("land-swap"))
    bar = text[text.index('<g id="scale-bar">') :]
    assert re.search(r">\d+ km</text>", bar[: bar.index("</g>")])
    labels = text[text.index('<g id="labels">') :]
    named = set(re.findall(r">([A-Z][A-Za-z ]+)</text>", labels))
    assert {"POLAND", "BELARUS", "RUSSIA", "ROMANIA", "MOLDOVA"} <= named
    assert svg.svg_to_png(text).startswith(b"\x89PNG")


def test_the_svg_legend_lists_only_the_classes_on_the_map():
    from territory_viz import svg

    def legend_of(sid: str) -> str:
        text = svg.scenario_svg(scenarios.get_scenario(sid))
        return text[text.index('<g id="legend">') :]

    land_swap = legend_of("land-swap")
    assert "Ukrainian control" in land_swap and "Russian control" in land_swap
    assert "Demilitarized zone" not in land_swap and "International" not in land_swap
    assert "Demilitarized zone" in legend_of("ceasefire-with-dmz")
