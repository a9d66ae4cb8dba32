"""The map component rendered once per content sends the map as ``st_folium`` would write it."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import app_support
import folium
import pytest
import streamlit_folium as sf
from app_support import component_args, shown_numbers
from frame_support import MAP_FRAME_SCRIPT, early_urls, inlined_scripts, inlined_urls
from streamlit.testing.v1 import AppTest

from territory_viz import assets, render, scenarios
from ui import map_component, state

APP = str(Path(__file__).resolve().parent.parent / "app.py")

#: What ``st_folium`` sends that describes the map itself (the rest is its return machinery).
MAP_ARGS = ("script", "header", "html", "feature_group", "layer_control", "css_links", "js_links")


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


def _captured(monkeypatch, module, name: str, call) -> dict:
    seen: list[dict] = []
    monkeypatch.setattr(module, name, lambda **kwargs: seen.append(kwargs))
    call()
    (kwargs,) = seen
    return kwargs


def test_rendered_map_sends_the_map_st_folium_would_send(monkeypatch):
    base, groups, control = _build()
    expected = _captured(
        monkeypatch,
        sf,
        "_component_func",
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
        map_component,
        "_component",
        lambda: map_component.show(rendered, key="map", height=700),
    )
    # Sent in two parts (ui/frames.py), both in a first run: together what st_folium sends.
    sent = {**got["base"], **got["layers"]}
    assert {k: sent[k] for k in MAP_ARGS} == {k: expected[k] for k in MAP_ARGS}
    # Keyed like st_folium: the same base script keeps the frame, its layers are swapped in.
    assert got["key"] == expected["key"] and got["height"] == 700
    assert rendered.feature_group and "TV.rows(" in rendered.feature_group


def test_a_new_base_script_gets_a_new_frame_and_the_same_base_keeps_it(monkeypatch):
    rendered = map_component.render(*_build())
    other = map_component.render(_build()[0])  # same base, no layers
    keys = [
        _captured(
            monkeypatch,
            map_component,
            "_component",
            lambda r=r: map_component.show(r, key="map", height=700),
        )["key"]
        for r in (rendered, other)
    ]
    assert keys[0] == keys[1]
    changed = map_component.Rendered(**{**rendered.__dict__, "script": rendered.script + ";1"})
    assert (
        _captured(
            monkeypatch,
            map_component,
            "_component",
            lambda: map_component.show(changed, key="map", height=700),
        )["key"]
        != keys[0]
    )


def test_the_frame_is_one_file_with_leaflet_and_the_helpers_in_it():
    page = (map_component.FRONTEND / "index.html").read_text(encoding="utf-8")
    assert map_component.FRONTEND == map_component.BUILT  # the copy naming the scripts
    assert sorted(p.name for p in map_component.FRONTEND.iterdir()) == ["index.html"]
    # Leaflet and the map helpers are in the page, in that order, exactly as the app serves
    # them: no request of their own, and run before the frame answers the handshake.
    assert inlined_scripts(page, MAP_FRAME_SCRIPT) == [assets.leaflet_js(), assets.helpers_js()]
    assert inlined_urls(page) == assets.page_links()[0]
    own = page.replace(assets.leaflet_js(), "").replace(assets.helpers_js(), "")
    assert len(own.encode()) < 8_000  # streamlit_folium's frame fetches a 225 KB bundle
    assert not re.search(r"<script[^>]*\bsrc=", page)  # nothing holds up the handshake
    assert not re.search(r"https?://", own)  # and nothing from another host
    assert "streamlit:componentReady" in page and "streamlit:render" in page
    assert map_component.FRAME_TITLE.endswith("tv_map")
    # The very scripts the page's map names (Leaflet, helpers): its first message loads none.
    assert early_urls(page) == assets.page_links()[0]
    assert map_component.render(
        render.base_map(render.map_context(), leaflet_urls=(assets.page_links()[0], []))
    ).js_links == tuple(early_urls(page))


def test_the_served_frame_is_the_source_with_the_urls_written_as_json(tmp_path):
    source = (map_component.SOURCE / "index.html").read_text(encoding="utf-8")
    # Served as it is, it loads what it is sent.
    assert early_urls(source) == [] and inlined_scripts(source, MAP_FRAME_SCRIPT) == []
    assert inlined_urls(source) == []
    odd = ["../../app/static/a.js", "b.js?x=1&y=</script><b>"]
    page = (map_component.write_frontend(odd, tmp_path) / "index.html").read_text("utf-8")
    assert early_urls(page) == odd
    assert "</script><b>" not in page and page.count("</script>") == source.count("</script>")
    # Nothing else differs from the source.
    assert page.replace(re.search(r"/\*early\*/\[.*?\]", page)[0], "/*early*/[]") == source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]  # no temporary left


def test_scripts_written_into_the_frame_come_first_and_cannot_end_their_element(tmp_path):
    links = ["a.js", "b.js"]
    page = (
        map_component.write_frontend(links, tmp_path, js_texts=["var a = 1;", "var b = a;"])
        / "index.html"
    ).read_text("utf-8")
    assert inlined_scripts(page, MAP_FRAME_SCRIPT) == ["var a = 1;", "var b = a;"]
    assert early_urls(page) == links
    assert inlined_urls(page) == links
    for bad in ("x = '</script><b>';", "x = 1; </SCRIPT >", "<!-- y"):
        with pytest.raises(ValueError, match=r"b\.js: holds '</script' or '<!--'"):
            map_component.write_frontend(links, tmp_path, js_texts=["var a = 1;", bad])
    with pytest.raises(ValueError, match="one text per link"):
        map_component.write_frontend(links, tmp_path, js_texts=["var a = 1;"])
    # A refused text leaves the page written before as it was, and no temporary file.
    assert (tmp_path / "index.html").read_text("utf-8") == page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


def _map_component(at: AppTest) -> dict:
    return component_args(at, "tv_map")


def test_a_browser_first_open_draws_the_map_alone_then_the_whole_page(monkeypatch):
    at = app_support.run_browser_first_open(monkeypatch, scenario="land-swap")
    assert _map_component(at)["report_paint"] is True
    assert at.title and at.markdown  # the headline and the key numbers are drawn
    # The picker's row is said in words meanwhile; the sidebar keeps its heading.
    assert any("Proposed settlement: **Land swap**" in m.value for m in at.markdown)
    assert any(m.value == "**Layers**" for m in at.sidebar.markdown)
    # Every widget is held back: picker, slider, layer boxes, uploads, town search, tabs.
    assert not at.selectbox and not at.select_slider and not at.checkbox and not at.expander
    assert not at.metric and not shown_numbers(at) and not at.tabs and not at.text_input
    # The frame says the map is painted (its value reruns the page): the whole page then.
    at.session_state[state.MAP_PAINTED] = True
    at.run()
    assert not at.exception, at.exception
    assert _map_component(at)["report_paint"] is False
    assert at.selectbox and at.select_slider and at.checkbox
    assert shown_numbers(at) and at.tabs and at.text_input
    assert not any("Proposed settlement: **" in m.value for m in at.markdown)


def test_a_client_without_headers_gets_the_whole_page_at_once():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert _map_component(at)["report_paint"] is False
    assert shown_numbers(at) and at.tabs
