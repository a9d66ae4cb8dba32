"""A frame is sent only what it may not hold (ui/frames.py): the rules, then the page's frames."""

from __future__ import annotations

import app_support
from app_support import component_args

from ui import frames, state

PARTS = {"base": {"script": "map()"}, "layers": {"feature_group": "rows()"}}


def _run(store: dict, parts=PARTS, value=None, key: str = "map") -> dict:
    frames.count_run(store)
    return frames.split(key, parts, value, store)


def test_a_first_run_sends_every_part_with_its_digest():
    args = _run({})
    assert args["base"] == {"script": "map()"} and args["layers"] == {"feature_group": "rows()"}
    assert set(args["digests"]) == {"base", "layers"}
    assert args["digests"]["base"] != args["digests"]["layers"]


def test_digests_given_by_the_caller_are_the_ones_sent_and_compared():
    # The compare page keys its frame by its document's digest and passes it on.
    digests = frames.part_digests(PARTS)
    assert digests == _run({})["digests"]
    store: dict = {}
    frames.count_run(store)
    first = frames.split("map", PARTS, None, store, digests=digests)
    assert first["digests"] == digests and first["base"] == PARTS["base"]
    frames.count_run(store)
    same = frames.split("map", PARTS, None, store, digests=digests)
    assert same["base"] is None and same["layers"] is None
    frames.count_run(store)
    stale = {**digests, "layers": "another"}  # a changed digest sends that part
    assert frames.split("map", PARTS, None, store, digests=stale)["layers"] == PARTS["layers"]


def test_the_next_run_sends_only_the_parts_that_changed():
    store: dict = {}
    first = _run(store)
    same = _run(store)
    assert same["base"] is None and same["layers"] is None
    assert same["digests"] == first["digests"]
    other = _run(store, {"base": PARTS["base"], "layers": {"feature_group": "other()"}})
    assert other["base"] is None and other["layers"] == {"feature_group": "other()"}
    assert other["digests"]["layers"] != first["digests"]["layers"]


def test_a_run_without_the_frame_in_between_sends_everything_again():
    # Another page, a run that stopped before the map: the browser dropped the frame.
    store: dict = {}
    _run(store)
    frames.count_run(store)
    again = _run(store)
    assert again["base"] == PARTS["base"] and again["layers"] == PARTS["layers"]


def test_a_frame_that_asks_gets_everything_once_per_ask():
    store: dict = {}
    _run(store)
    asked = _run(store, value={"painted": True, "need": "t1"})
    assert asked["base"] == PARTS["base"] and asked["layers"] == PARTS["layers"]
    # The value keeps its token on later runs: answered once, not on every run.
    assert _run(store, value={"painted": True, "need": "t1"})["base"] is None
    # A frame made again asks with a new token: answered again.
    assert _run(store, value={"painted": True, "need": "t2"})["base"] == PARTS["base"]


def test_values_that_are_not_an_ask_change_nothing():
    store: dict = {}
    _run(store)
    for value in (None, {"painted": True}, {"need": 3}, {"need": None}, "need", [1]):
        assert _run(store, value=value)["base"] is None, value


def test_each_frame_key_is_kept_apart_and_old_ones_dropped():
    store: dict = {}
    _run(store, key="a")
    assert _run(store, key="b")["base"] == PARTS["base"]  # b never sent: everything
    frames.count_run(store)
    _run(store, key="c")
    assert set(store[frames.HELD]) == {"c"}  # a and b were not drawn in the last two runs


def test_the_run_after_the_paint_does_not_send_the_map_again(monkeypatch):
    at = app_support.run_browser_first_open(monkeypatch, scenario="land-swap")
    first = component_args(at, "tv_map")
    assert first["report_paint"] and first["script"] and first["feature_group"]
    at.session_state[state.MAP_PAINTED] = True  # what the frame's paint report sets
    at.run()
    assert not at.exception, at.exception
    after = component_args(at, "tv_map")
    assert after["base"] is None and after["layers"] is None
    assert after["digests"] == first["digests"] and after["report_paint"] is False
    # The page it held back is drawn in that run.
    assert at.selectbox(key="scenario").value == "land-swap"


def test_a_layer_switched_off_sends_the_layers_and_not_the_base():
    at = app_support.run_app(scenario="land-swap")
    first = component_args(at, "tv_map")
    at.checkbox(key="layer_line_of_contact").uncheck().run()
    assert not at.exception, at.exception
    after = component_args(at, "tv_map")
    assert after["digests"]["base"] == first["digests"]["base"] and after["base"] is None
    assert after["layers"] and after["digests"]["layers"] != first["digests"]["layers"]


def test_another_page_in_between_sends_the_whole_map_again():
    at = app_support.run_app(scenario="land-swap")
    at.switch_page("ui/pages/gallery.py").run()
    assert not at.exception and not at.get("component_instance")
    at.switch_page("ui/pages/map.py").run()
    assert not at.exception, at.exception
    args = component_args(at, "tv_map")
    assert args["base"] and args["layers"] and args["script"]


def test_the_compare_document_is_sent_once_per_frame():
    at = app_support.run_app(scenario="land-swap", compare="donbas-for-freeze")
    first = component_args(at, "tv_compare")
    assert first["document"]
    at.run()
    assert not at.exception, at.exception
    again = component_args(at, "tv_compare")
    assert again["digests"] == first["digests"] and again["document"] is None


def test_a_map_frame_that_asks_is_sent_the_whole_map_in_the_run_its_ask_starts():
    import streamlit_folium as sf

    at = app_support.run_app(scenario="land-swap")
    first = component_args(at, "tv_map")
    key = sf.generate_js_hash(first["script"], "map", False)  # as ui.map_component keys it
    at.run()
    assert component_args(at, "tv_map")["base"] is None
    at.session_state[key] = {"painted": True, "need": "made-again"}  # the frame's ask
    at.run()
    assert not at.exception, at.exception
    asked = component_args(at, "tv_map")
    assert asked["base"] and asked["layers"] and asked["digests"] == first["digests"]
    at.run()
    assert component_args(at, "tv_map")["base"] is None  # answered once
