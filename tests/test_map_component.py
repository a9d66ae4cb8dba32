"""The map component rendered once per content sends what ``st_folium`` itself would."""

from __future__ import annotations

import functools

import folium
import streamlit_folium as sf

from territory_viz import datasets, render, scenarios
from ui import map_component


@functools.cache
def _data():
    scenario = scenarios.get_scenario("land-swap")
    return scenario, render.map_context(), render.prepare_partition(scenarios.evaluate(scenario))


def _build():
    """A new map each time (rendering it mutates it), from data computed once."""
    scenario, context, prepared = _data()
    base = render.base_map(context, leaflet_urls=(["app/static/leaflet.js"], []))
    groups = render.scenario_layers(prepared, context, title=scenario.title)
    return base, groups, folium.LayerControl(collapsed=True)


def _captured(monkeypatch, call) -> dict:
    seen: list[dict] = []
    monkeypatch.setattr(sf, "_component_func", lambda **kwargs: seen.append(kwargs))
    call()
    (kwargs,) = seen
    kwargs.pop("on_change")
    return kwargs


def test_rendered_map_sends_the_arguments_st_folium_sends(monkeypatch):
    base, groups, control = _build()
    expected = _captured(
        monkeypatch,
        lambda: sf.st_folium(
            base,
            key="map",
            height=700,
            use_container_width=True,
            returned_objects=[],
            feature_group_to_add=groups,
            layer_control=control,
        ),
    )
    rendered = map_component.render(*_build())
    got = _captured(
        monkeypatch,
        lambda: map_component.show(rendered, key="map", height=700, returned_objects=[]),
    )
    assert got == expected
    assert rendered.feature_group and "TV.rows(" in rendered.feature_group


def test_rendered_map_defaults_for_every_returned_object(monkeypatch):
    base, groups, control = _build()
    expected = _captured(monkeypatch, lambda: sf.st_folium(base, key="m", returned_objects=None))
    rendered = map_component.render(*_build()[:1])
    got = _captured(
        monkeypatch,
        lambda: map_component.show(
            rendered, key="m", height=700, use_container_width=False, width=500,
            returned_objects=None,
        ),
    )  # fmt: skip
    assert got["default"] == expected["default"]
    assert got["key"] == expected["key"] and got["width"] == expected["width"] == 500
    assert datasets.DEFAULT_BASELINE  # the map above is drawn on it
