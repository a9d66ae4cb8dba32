"""Analyst workflows in the page (AppTest): compare, builder, uploads, exports, share links.

AppTest runs app.py's script without a browser: it sees widgets, texts and numbers, not
the inside of the map components (tests/test_browser_analyst.py does that).
"""

from __future__ import annotations

import functools
import io
import json
import re
from pathlib import Path

import app_support
import geopandas as gpd
import pandas as pd
import pytest
from app_support import shown_numbers
from streamlit.testing.v1 import AppTest

from territory_viz import datasets, scenarios, stats
from territory_viz.loaders import load_control_layer
from territory_viz.model import Control, Party, Recognition
from territory_viz.render.encoding import js_json
from ui import builder, exports, scenario_view, shell
from ui.uploads import MAX_SCENARIO_BYTES, check_layer_upload, check_scenario_upload

# Several reruns in a row (compare, builder, uploads) on a shared machine.
run_app = functools.partial(app_support.run_app, timeout_s=180)

GOOD_SCENARIO = """\
id = "zaporizhzhia-back"
title = "Zaporizhzhia back to Ukraine"
summary = "Ceasefire on the line, except that Zaporizhzhia oblast returns to Ukraine."
as_of = 2025-11-01

[[sources]]
publisher = "Test"
date = 2025-11-01
title = "A test scenario"

[[rules]]
area = "baseline"
control = "russia"

[[rules]]
area = { regions = ["UA-23"] }
control = "ukraine"
"""


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.error, at.warning, at.info, at.success):
        parts += [e.value for e in kind]
    # the page escapes markdown in texts from files: compare with the literal text
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def metric(at: AppTest, label: str) -> str:
    return shown_numbers(at)[label]


def md_tables(at: AppTest, *columns: str) -> list[pd.DataFrame]:
    """The page's markdown tables with these columns (cells unescaped, as text)."""
    found = []
    for md in at.markdown:
        lines = md.value.split("\n")
        if len(lines) < 2 or not re.fullmatch(r"\|( :?-+:? \|)+", lines[1]):
            continue
        rows = [
            [re.sub(r"\\(.)", r"\1", cell.strip()) for cell in line[2:-2].split(" | ")]
            for line in lines[:1] + lines[2:]
        ]
        if set(columns) <= set(rows[0]):
            found.append(pd.DataFrame(rows[1:], columns=rows[0]))
    return found


def md_table(at: AppTest, *columns: str) -> pd.DataFrame:
    """The one markdown table with these columns."""
    (table,) = md_tables(at, *columns)
    return table


def km2(text: str) -> float:
    return float(text.split()[0].replace(",", "").replace("+", "").replace("\u2212", "-"))


#: The sidebar expander that holds each uploader (drawn only while it is open).
UPLOAD_EXPANDERS = {
    "tv_upload_scenario": shell.OPEN_SCENARIO_UPLOAD,
    "tv_upload_layer": shell.OPEN_LAYER_UPLOAD,
}
#: The pages of the navigation (files relative to app.py).
PAGES = {
    "map": "ui/pages/map.py",
    "compare": "ui/pages/compare.py",
    "build": "ui/pages/build.py",
    "gallery": "ui/pages/gallery.py",
}


def go(at: AppTest, page: str) -> AppTest:
    """Open a page as a click in the navigation does."""
    at.switch_page(PAGES[page]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def on_page(at: AppTest) -> str:
    """Which page is shown, told by what only that page draws."""
    if any(s.key == "compare" for s in at.selectbox):
        return "compare"
    if any(s.key == "tv_builder_base" for s in at.selectbox):
        return "build"
    if at.get("image"):
        return "gallery"
    assert any(h.value == "Who would control what" for h in at.subheader), "no page shown"
    return "map"


def open_expander(at: AppTest, key: str) -> AppTest:
    """Open a lazy expander as a click on its title does (its state, then a rerun)."""
    at.session_state[key] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def upload(at: AppTest, key: str, name: str, data: bytes) -> AppTest:
    if not at.get("file_uploader") or key not in {u.key for u in at.get("file_uploader")}:
        open_expander(at, UPLOAD_EXPANDERS[key])
    at.file_uploader(key=key).set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def layer_bytes(snapshot_id: str = "occupied-2022-02-23") -> bytes:
    """A DeepStateMap-like file: one Feature, no properties, a MultiPolygon in lon/lat."""
    geom = datasets.load_snapshot(snapshot_id).geometry.iloc[0]
    feature = {"type": "Feature", "properties": {}, "geometry": geom.__geo_interface__}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


# ------------------------------------------------------------------ compare and share links


def test_share_link_opens_compare_mode_with_both_scenarios_and_the_balance():
    at = run_app(scenario="donbas-for-freeze", compare="land-swap")
    assert on_page(at) == "compare"
    assert at.selectbox(key="compare").value == "land-swap"
    expected = stats.compare(
        scenarios.get_scenario("donbas-for-freeze"), scenarios.get_scenario("land-swap")
    )
    shown = km2(metric(at, "To Ukrainian control"))
    assert shown == pytest.approx(expected.balance.to_ukraine_km2, abs=1)
    assert km2(metric(at, "To Russian control")) == 0
    net = metric(at, "Net change in Ukrainian-controlled area")
    assert net == f"{expected.balance.net_ukraine_km2:+,.0f} km²" and net.startswith("+")
    table = md_table(at, "In A", "Area (km²)")
    assert set(table["Region"]) == set(expected.by_region["region"])
    assert "Kharkiv" in set(table["Region"])
    assert at.query_params["compare"] == "land-swap"
    assert at.query_params["scenario"] == "donbas-for-freeze"


def test_compare_signs_and_precision_are_consistent():
    # From land-swap back to donbas-for-freeze Ukraine loses area: a true minus, not a hyphen.
    at = run_app(scenario="land-swap", compare="donbas-for-freeze")
    expected = stats.compare(
        scenarios.get_scenario("land-swap"), scenarios.get_scenario("donbas-for-freeze")
    )
    assert expected.balance.net_ukraine_km2 < 0
    net = next(m for m in at.metric if m.label == "Net change in Ukrainian-controlled area")
    assert net.value == f"\u2212{abs(expected.balance.net_ukraine_km2):,.0f} km²"
    assert net.delta.startswith("\u2212")
    assert km2(net.value) == pytest.approx(expected.balance.net_ukraine_km2, abs=1)
    totals = md_tables(at, "Share of Ukraine (%)")
    assert len(totals) == 2
    for df in totals:  # every share to 0.1, in both tables (80.0 beside 79.7, never 80)
        assert all(re.fullmatch(r"\d+\.\d", v) for v in df["Share of Ukraine (%)"])
        assert sum(float(v) for v in df["Share of Ukraine (%)"]) == pytest.approx(100, abs=0.2)


def test_compare_mode_offers_the_pictures_change_layer_and_balance_downloads():
    at = run_app(scenario="donbas-for-freeze", compare="land-swap")
    labels = [d.label for d in at.get("download_button")]
    assert labels == [
        "A and B side by side (SVG)",
        "A and B side by side (PNG)",
        "Change map (SVG)",
        "Change map (PNG)",
        "Change layer (GeoJSON)",
        "Change layer (GeoPackage)",
        "Balance CSV",
    ]


def test_compare_with_the_baseline_itself():
    at = run_app(scenario="ukraine-1991-borders", compare="baseline")
    assert at.selectbox(key="compare").value == "baseline"
    # from 1991 borders (A) to the baseline (B): everything occupied goes to Russian control
    assert km2(metric(at, "To Russian control")) > 100_000
    assert km2(metric(at, "To Ukrainian control")) == 0


def test_changing_scenario_b_updates_the_url():
    at = run_app(scenario="donbas-for-freeze", compare="land-swap")
    at.selectbox(key="compare").set_value("28-point-plan-2025-11").run()
    assert not at.exception
    assert at.query_params["compare"] == "28-point-plan-2025-11"
    assert km2(metric(at, "To demilitarized zone")) > 1_000


def test_unknown_compare_id_falls_back_with_a_notice():
    at = run_app(scenario="land-swap", compare="no-such-plan")
    assert at.warning and "no-such-plan" in texts(at)
    assert at.selectbox(key="compare").value != "no-such-plan"
    assert not at.exception


def test_leaving_compare_mode_drops_the_parameter():
    at = run_app(scenario="land-swap", compare="donbas-for-freeze")
    go(at, "map")
    assert "compare" not in at.query_params
    assert at.query_params["scenario"] == "land-swap"


@pytest.mark.parametrize("name", ["build", "compare", "map", "gallery"])
def test_view_parameter_opens_that_page_and_keeps_the_scenario(name):
    at = run_app(view=name, scenario="land-swap")
    assert on_page(at) == name
    assert at.query_params["scenario"] == "land-swap"
    if name != "gallery":  # the gallery shows every scenario: it has no picker
        assert at.selectbox(key="scenario").value == "land-swap"
    assert "view" not in at.query_params  # the page's own address says where it is


def test_gallery_shows_every_scenario_with_its_numbers_and_a_link_to_it():
    at = run_app(view="gallery", scenario="land-swap")
    shown = texts(at)
    images = at.get("image")
    assert len(images) == len(scenarios.list_scenarios())
    for scenario in scenarios.list_scenarios():
        result = stats.scenario_stats(scenario)
        assert scenario.title in shown
        net = f"Net change in Ukrainian-controlled area: {result.balance.net_ukraine_km2:+,.0f} km²"
        assert net in shown
    links = at.get("page_link")
    assert len(links) == len(scenarios.list_scenarios())
    # The page picker is not on the gallery, but the session's choice is kept for the map.
    go(at, "map")
    assert at.selectbox(key="scenario").value == "land-swap"


def test_a_link_followed_inside_the_session_sets_the_scenario():
    at = run_app(scenario="land-swap")
    at.query_params["scenario"] = "donbas-for-freeze"  # a gallery link, the back button
    at.run()
    assert at.selectbox(key="scenario").value == "donbas-for-freeze"
    at.selectbox(key="scenario").set_value("ukraine-1991-borders").run()
    assert at.query_params["scenario"] == "ukraine-1991-borders"


def test_unknown_view_opens_the_map():
    at = run_app(view="<no-such-page>")
    assert on_page(at) == "map" and not at.exception


def test_switching_to_compare_mode_writes_the_parameter():
    at = run_app(scenario="land-swap")
    assert "compare" not in at.query_params
    go(at, "compare")
    assert not at.exception
    assert at.query_params["compare"] == at.selectbox(key="compare").value


# ------------------------------------------------------------------ the builder


def test_builder_starts_from_the_current_scenario_and_updates_the_numbers():
    at = run_app(scenario="donbas-for-freeze")
    go(at, "build")
    assert at.selectbox(key="tv_builder_base").value == "donbas-for-freeze"
    before = km2(metric(at, "Ukrainian control"))
    at.selectbox(key="tv_builder_region").set_value("UA-23")
    at.selectbox(key="tv_builder_control").set_value("ukraine")
    at.run()
    at.button(key="tv_builder_apply").click().run()
    assert not at.exception
    after = km2(metric(at, "Ukrainian control"))
    assert after > before + 10_000  # occupied Zaporizhzhia returns
    assert [d.label for d in at.get("download_button")] == ["Download scenario file (.toml)"]


def test_builder_preview_is_one_document_with_the_variant_map_under_its_title():
    at = run_app(scenario="donbas-for-freeze")
    go(at, "build")
    [frame] = at.get("iframe")
    doc = frame.proto.srcdoc
    # One document and one Leaflet map (the compare page's composition), not a map
    # document nested in a frame of its own; the legend starts open.
    assert "<iframe" not in doc and "srcdoc" not in doc
    assert doc.count("L.map(") == 1
    assert js_json("<details open>")[1:-1] in doc
    title = f"{scenarios.get_scenario('donbas-for-freeze').title} (variant)"
    assert json.dumps([title]) in doc  # the heading, as data for the sync script
    at.selectbox(key="tv_builder_region").set_value("UA-23")
    at.selectbox(key="tv_builder_control").set_value("ukraine")
    at.run()
    at.button(key="tv_builder_apply").click().run()
    assert not at.exception
    assert at.get("iframe")[0].proto.srcdoc != doc  # the preview follows the variant


def test_builder_strip_sets_the_parameter_of_a_dmz_scenario():
    at = run_app(scenario="ceasefire-with-dmz")
    go(at, "build")
    slider = at.slider(key="tv_builder_strip_ceasefire-with-dmz")
    assert slider.value == 15
    dmz_15 = km2(metric(at, "Demilitarized zone"))
    slider.set_value(30).run()
    assert km2(metric(at, "Demilitarized zone")) > dmz_15 * 1.5


def test_builder_bad_id_lists_the_problem_and_offers_no_download():
    at = run_app(scenario="land-swap")
    go(at, "build")
    at.text_input(key="tv_builder_id_land-swap").set_value("My Variant!").run()
    assert any("not a slug" in e.value for e in at.error) or "not a slug" in texts(at)
    assert not at.get("download_button")
    assert "my-variant" in texts(at)  # suggested id


def test_builder_variant_round_trips_through_validate_and_stats(tmp_path):
    base = scenarios.get_scenario("donbas-for-freeze")
    outcome = builder.RegionOutcome(Control.UKRAINE, tuple((p, Recognition.NONE) for p in Party))
    variant = builder.build_variant(
        base, {"UA-23": outcome}, strip_km=10, scenario_id="donbas-variant", title="Donbas variant"
    )
    parsed, text = builder.validated(variant)
    assert parsed == scenarios.parse_scenario(text)
    path = tmp_path / "donbas-variant.toml"
    path.write_text(text, encoding="utf-8")
    for args in (["validate", str(path)], ["stats", "--scenario-file", str(path)]):
        done = app_support.run_cli(*args)
        assert done.returncode == 0, done.stderr


def test_builder_variant_joins_the_picker_and_shows_on_the_map():
    at = run_app(scenario="land-swap")
    go(at, "build")
    at.button(key="tv_builder_show").click().run()
    assert not at.exception
    assert on_page(at) == "map"
    assert at.selectbox(key="scenario").value == "land-swap-variant"
    assert "Land swap (variant) (yours)" in at.selectbox(key="scenario").options


# ------------------------------------------------------------------ scenario upload


def test_good_scenario_upload_joins_the_picker_and_evaluates():
    at = run_app()
    upload(at, "tv_upload_scenario", "zaporizhzhia-back.toml", GOOD_SCENARIO.encode())
    assert at.success and "joined the scenario picker" in texts(at)
    at.selectbox(key="scenario").set_value("zaporizhzhia-back").run()
    assert not at.exception
    scenario = scenarios.parse_scenario(GOOD_SCENARIO)
    expected = stats.scenario_stats(scenario)
    ua = expected.by_control.set_index("control").loc["ukraine", "area_km2"]
    assert km2(metric(at, "Ukrainian control")) == pytest.approx(ua, abs=1)


def test_uploaded_scenario_with_a_built_in_id_is_renamed():
    text = GOOD_SCENARIO.replace('id = "zaporizhzhia-back"', 'id = "land-swap"')
    at = upload(run_app(), "tv_upload_scenario", "land-swap.toml", text.encode())
    assert at.success and "renamed from land-swap" in texts(at)
    assert "Zaporizhzhia back to Ukraine (yours)" in at.selectbox(key="scenario").options
    at.selectbox(key="scenario").set_value("land-swap-upload").run()
    assert not at.exception


BAD_SCENARIOS = {
    "syntax": (b'id = "x"\ntitle = \n', "not valid TOML"),
    "unknown key": (
        GOOD_SCENARIO.replace("as_of =", "colour = 1\nas_of =").encode(),
        "unknown key",
    ),
    "unknown region": (GOOD_SCENARIO.replace("UA-23", "UA-99").encode(), "UA-99"),
    "unknown control": (
        GOOD_SCENARIO.replace('control = "ukraine"', 'control = "narnia"').encode(),
        "narnia",
    ),
    "unknown party": (
        GOOD_SCENARIO.replace(
            'control = "ukraine"', 'control = "ukraine"\nrecognition = { mars = "de_jure" }'
        ).encode(),
        "mars",
    ),
    "huge buffer": (
        GOOD_SCENARIO.replace('{ regions = ["UA-23"] }', "{ strip_km = 5000 }").encode(),
        "strip",
    ),
    "id not a slug": (
        GOOD_SCENARIO.replace('"zaporizhzhia-back"', '"Not A Slug"').encode(),
        "slug",
    ),
    "empty": (b"", "empty"),
    "not utf-8": (b'id = "\xff\xfe"\n', "UTF-8"),
    "too large": (b"#" * (MAX_SCENARIO_BYTES + 1), "at most"),
}


@pytest.mark.parametrize("kind", list(BAD_SCENARIOS))
def test_bad_scenario_upload_lists_the_problem_and_keeps_the_picker(kind):
    data, expected = BAD_SCENARIOS[kind]
    at = run_app()
    options = list(at.selectbox(key="scenario").options)
    upload(at, "tv_upload_scenario", f"{kind.replace(' ', '_')}.toml", data)
    shown = texts(at)
    assert at.error, f"no error shown for {kind}"
    assert expected.lower() in shown.lower(), shown
    assert list(at.selectbox(key="scenario").options) == options
    assert shown_numbers(at)  # the page still shows its numbers


def test_every_problem_of_a_scenario_is_listed_with_its_field():
    text = (
        GOOD_SCENARIO.replace("UA-23", "UA-99")
        .replace('control = "ukraine"', 'control = "narnia"')
        .replace('"zaporizhzhia-back"', '"Bad Id"')
    )
    result, scenario = check_scenario_upload(text.encode(), "many.toml")
    assert scenario is None and not result.ok
    assert len(result.problems) >= 3
    fields = " ".join(result.problems)
    for field in ("id", "rules[1]"):
        assert field in fields
    assert "allowed" in fields


def test_hostile_text_in_an_uploaded_scenario_is_shown_literally():
    hostile = "<img src=x onerror=alert(1)> **bold** [link](http://example.com)"
    text = GOOD_SCENARIO.replace("Zaporizhzhia back to Ukraine", hostile)
    at = upload(run_app(), "tv_upload_scenario", "hostile.toml", text.encode())
    message = next(s.value for s in at.success)
    assert "<img" not in message.replace("\\<img", "")  # escaped for markdown
    assert "\\*\\*bold\\*\\*" in message


# ------------------------------------------------------------------ control-layer upload


def _upload_layer(
    at: AppTest, name: str, data: bytes, *, label: str = "", date: str = ""
) -> AppTest:
    upload(at, "tv_upload_layer", name, data)
    at.text_input(key="tv_upload_layer_name").set_value(label)
    at.text_input(key="tv_upload_layer_date").set_value(date)
    at.button(key="tv_upload_layer_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_good_layer_becomes_the_baseline_and_everything_re_evaluates():
    at = run_app(scenario="ceasefire-current-line")
    before = km2(metric(at, "Russian control (occupied)"))
    data = layer_bytes()
    at = _upload_layer(
        at, "deepstate-like.geojson", data, label="Held before 2022", date="2022-02-23"
    )
    after = km2(metric(at, "Russian control (occupied)"))
    layer = load_control_layer(data, filename="deepstate-like.geojson", date="2022-02-23")
    expected = stats.scenario_stats(scenarios.get_scenario("ceasefire-current-line"), layer)
    ru = expected.by_control.set_index("control").loc["russia", "area_km2"]
    assert after == pytest.approx(ru, abs=1)
    assert after < before - 50_000
    shown = texts(at)
    assert "Held before 2022" in shown and "2022-02-23" in shown
    assert "deepstate-like.geojson" in shown.replace("\\", "")
    assert "km² under Russian control" in shown
    # compare mode and the builder use it too
    go(at, "compare")
    assert not at.exception
    assert "Held before 2022" in texts(at)


def test_going_back_to_the_snapshots():
    at = _upload_layer(run_app(), "old.geojson", layer_bytes(), date="2022-02-23")
    small = km2(metric(at, "Russian control (occupied)"))
    at.button(key="tv_upload_layer_reset").click().run()
    assert km2(metric(at, "Russian control (occupied)")) > small + 50_000


BAD_LAYERS = {
    "not json": ("a.geojson", b"this is not json {", None),
    "json, not geojson": ("a.json", b'{"hello": "world"}', None),
    "points only": (
        "a.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Point", "coordinates": [37.5, 48.0]},
                    }
                ],
            }
        ).encode(),
        None,
    ),
    "outside ukraine": (
        "a.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [
                                [[2.0, 48.0], [3.0, 48.0], [3.0, 49.0], [2.0, 49.0], [2.0, 48.0]]
                            ],
                        },
                    }
                ],
            }
        ).encode(),
        None,
    ),
    "empty file": ("a.geojson", b"", "empty"),
    "bad date": ("a.geojson", None, "YYYY-MM-DD"),
    "wrong extension": ("a.shp", b"junk", ".geojson"),
}


@pytest.mark.parametrize("kind", list(BAD_LAYERS))
def test_bad_layer_gets_a_message_and_the_baseline_is_kept(kind):
    name, data, expected = BAD_LAYERS[kind]
    at = run_app(scenario="ceasefire-current-line")
    before = metric(at, "Russian control (occupied)")
    if data is None:
        data = layer_bytes()
    date = "15/08/2025" if kind == "bad date" else ""
    if kind == "wrong extension":  # the uploader refuses the type; the check says so too
        result, baseline = check_layer_upload(data, name)
        assert baseline is None and expected in " ".join(result.problems)
        return
    at = _upload_layer(at, name, data, date=date)
    assert at.error, f"no error for {kind}"
    assert "baseline is unchanged" in texts(at)
    if expected:
        assert expected.lower() in texts(at).lower().replace("\\", "")
    assert metric(at, "Russian control (occupied)") == before


def test_tools_under_the_map_and_in_the_sidebar_are_drawn_only_when_opened():
    at = run_app()
    labels = {e.label: e.proto.expanded for e in at.expander}
    assert labels == {
        "Upload a scenario file": False,
        "Upload a control layer (baseline)": False,
        "Export this view": False,
    }
    assert not at.get("file_uploader") and not at.get("download_button")
    open_expander(at, shell.OPEN_SCENARIO_UPLOAD)
    assert [u.key for u in at.get("file_uploader")] == ["tv_upload_scenario"]
    assert {e.label: e.proto.expanded for e in at.expander}["Upload a scenario file"]
    at.session_state[shell.OPEN_SCENARIO_UPLOAD] = False
    at.run()
    assert not at.get("file_uploader")


def test_layer_size_cap_is_said_before_upload():
    at = run_app()
    open_expander(at, shell.OPEN_SCENARIO_UPLOAD)
    open_expander(at, shell.OPEN_LAYER_UPLOAD)
    uploader = at.file_uploader(key="tv_upload_layer")
    assert "20 MB" in uploader.label
    assert "20 MB" in at.file_uploader(key="tv_upload_layer").label
    assert "64 KB" in at.file_uploader(key="tv_upload_scenario").label


# ------------------------------------------------------------------ exports


@pytest.fixture(scope="module")
def land_swap() -> stats.ScenarioStats:
    return stats.scenario_stats(scenarios.get_scenario("land-swap"))


def test_export_buttons_are_offered_under_the_map():
    at = open_expander(run_app(scenario="land-swap"), scenario_view.OPEN_EXPORTS)
    labels = [d.label for d in at.get("download_button")]
    assert labels == [
        "GeoJSON",
        "GeoPackage",
        "Tables (CSV zip)",
        "HTML map (offline)",
        "SVG map",
        "PNG map",
    ]


def test_geojson_and_geopackage_exports_read_back(land_swap, tmp_path):
    part = land_swap.partition
    from_json = gpd.read_file(io.BytesIO(exports.geojson_bytes(part)))
    assert len(from_json) == len(part)
    assert from_json["area_km2"].sum() == pytest.approx(part["area_km2"].sum())
    path = tmp_path / "x.gpkg"
    path.write_bytes(exports.gpkg_bytes(part, layer="land-swap"))
    from_gpkg = gpd.read_file(path)
    assert len(from_gpkg) == len(part)
    assert set(from_gpkg["display_class"]) == set(part["display_class"])


def test_csv_export_has_every_table_with_units(land_swap):
    from ui.scenario_view import _tables

    frame = pd.read_csv(io.BytesIO(exports.csv_bytes(_tables(land_swap))))
    assert set(frame["table"]) == {
        "by_control",
        "by_region",
        "balance",
        "towns_changing_hands",
        "recognition",
    }
    assert "area_km2" in frame.columns and "population" in frame.columns


def test_svg_export_has_legend_title_and_date(land_swap):
    svg = exports.svg_bytes(
        land_swap.partition, title="Land swap", date="2025-08-15", sources=["CNBC, 2025-08-14"]
    ).decode()
    assert svg.startswith("<svg") and "Land swap" in svg and "2025-08-15" in svg
    assert 'id="legend"' in svg


def test_file_stem_is_safe():
    assert exports.file_stem("land-swap", "upload-ab/../c d") == "land-swap_upload-ab-..-c-d"


def test_after_a_page_without_the_picker_an_older_value_sent_for_it_is_not_taken():
    # The gallery draws no picker: whatever comes for it on the next run cannot be a pick
    # (a browser sent the value it had before "Show it on the map"); the kept choice wins.
    at = run_app(scenario="land-swap")
    go(at, "gallery")
    at.session_state["scenario"] = "donbas-for-freeze"  # as the browser's older value
    go(at, "map")
    assert at.selectbox(key="scenario").value == "land-swap"
    # A pick in the picker is taken, and kept across the gallery.
    at.selectbox(key="scenario").set_value("donbas-for-freeze").run()
    go(go(at, "gallery"), "map")
    assert at.selectbox(key="scenario").value == "donbas-for-freeze"


def test_notices_icons_are_drawn_from_the_font_streamlit_serves_not_an_emoji_font():
    """An emoji icon is a box on a machine without a colour-emoji font (seen in Chromium
    here); a Material Symbol comes from the font Streamlit ships and serves itself."""
    import streamlit

    media = Path(streamlit.__file__).parent / "static" / "static" / "media"
    assert list(media.glob("MaterialSymbols-Rounded*.woff2")), "Streamlit's icon font is missing"
    linked = run_app(scenario="no-such-plan", date="not-a-date")  # two notices
    uploaded = _upload_layer(run_app(), "old.geojson", layer_bytes(), date="2022-02-23")
    alerts = [*linked.warning, *uploaded.info]
    assert len(linked.warning) >= 2 and uploaded.info
    for alert in alerts:
        assert re.fullmatch(r":material/[a-z_]+:", alert.icon), (alert.value, alert.icon)
