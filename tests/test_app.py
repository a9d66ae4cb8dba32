"""The page's widgets and state with streamlit.testing (the folium map itself: test_browser.py)."""

from __future__ import annotations

import re

import pytest
from app_support import run_app, shown_deltas, shown_figures, shown_numbers
from streamlit.testing.v1 import AppTest

from territory_viz import render, scenarios, stats
from territory_viz.style import TOWN_CHANGE_MIN_POPULATION
from ui import scenario_view
from ui._text import md_escape


def scenario_box(at: AppTest):
    """The scenario picker: in the main column, where a phone shows it without the sidebar."""
    assert "scenario" not in {box.key for box in at.sidebar.selectbox}
    return at.selectbox(key="scenario")


def metric_values(at: AppTest) -> dict[str, str]:
    return shown_numbers(at)


def markdown_tables(at: AppTest) -> list[list[list[str]]]:
    """Markdown tables on the page: rows of unescaped cells, header first, rule dropped."""
    found = []
    for md in at.markdown:
        lines = md.value.splitlines()
        if len(lines) < 2 or not lines[0].startswith("| ") or "---" not in lines[1]:
            continue
        rows = [line.strip("| ").split(" | ") for line in lines[:1] + lines[2:]]
        found.append([[re.sub(r"\\(.)", r"\1", c) for c in row] for row in rows])
    return found


@pytest.fixture(scope="module")
def app() -> AppTest:
    return run_app()


def test_page_opens_on_the_default_scenario_with_header_and_sidebar(app):
    # The headline says what the page shows, not the package's name.
    headline = app.title[0].value
    assert "territory_viz" not in headline and "Ukraine" in headline and "control" in headline
    assert scenario_box(app).value == "ceasefire-current-line"
    assert "Baseline: control on" in app.markdown[0].value or any(
        "Baseline: control on" in md.value for md in app.markdown
    )
    assert (
        app.query_params["scenario"] == ["ceasefire-current-line"]
        or app.query_params["scenario"] == "ceasefire-current-line"
    )
    assert not app.error


@pytest.mark.parametrize("scenario_id", [s.id for s in scenarios.list_scenarios()])
def test_every_built_in_scenario_can_be_selected(app, scenario_id):
    scenario_box(app).set_value(scenario_id).run()
    assert not app.exception, app.exception
    assert not app.error
    assert scenario_box(app).value == scenario_id
    # The URL follows the page.
    assert str(app.query_params["scenario"]).strip("[]'") == scenario_id
    assert shown_numbers(app), "no numbers shown"


def test_no_town_changing_hands_names_the_threshold_the_statistics_use():
    at = run_app(scenario="ceasefire-current-line")
    assert stats.scenario_stats(scenarios.get_scenario("ceasefire-current-line")).towns.empty
    text = " ".join(m.value for m in at.markdown)
    assert f"No town of {TOWN_CHANGE_MIN_POPULATION:,} or more people changes hands" in text


def test_numbers_shown_match_the_library():
    at = run_app(scenario="donbas-for-freeze")
    shown = metric_values(at)
    result = stats.scenario_stats(scenarios.get_scenario("donbas-for-freeze"))
    for row in result.by_control.itertuples():
        label = render.CONTROL_LABELS[row.control]
        assert shown[label] == f"{row.area_km2:,.0f} km²"
    assert shown["To Russian control"] == f"{result.balance.to_russia_km2:+,.0f} km²"
    assert shown["Back to Ukrainian control"] == f"{result.balance.to_ukraine_km2:+,.0f} km²"
    deltas = shown_deltas(at)
    assert deltas["To Russian control"] == f"{result.balance.to_russia_population:+,.0f} people"
    # Every number has a unit.
    assert all(v.endswith("km²") for v in shown.values())
    # Tables (markdown): per region, towns changing hands, recognition.
    found = markdown_tables(at)
    assert [t[0][0] for t in found] == ["Region", "Town", "Control"]
    by_region, towns, recognition = found
    assert len(by_region) - 1 == len(result.by_region)
    assert {row[0] for row in towns[1:]} >= {"Kramatorsk", "Sloviansk"}
    assert len(recognition) - 1 == len(result.recognition)
    # Whole km² with thousands separators, as in the library.
    first = result.by_region.sort_values(["region", "control"]).iloc[0]
    assert by_region[1][0] == first["region"] and by_region[1][2] == f"{first['area_km2']:,.0f}"
    shown_regions = [row[0] for row in by_region[1:]]
    assert shown_regions == sorted(shown_regions)  # alphabetical, for readers


def test_key_numbers_above_the_map_say_the_same_as_the_metrics():
    at = run_app(scenario="land-swap")
    result = stats.scenario_stats(scenarios.get_scenario("land-swap"))
    line = next(
        md.value
        for md in at.markdown
        if "Net change in Ukrainian-controlled" in md.value and "of Ukraine" in md.value
    )
    for row in result.by_control.itertuples():
        label = render.CONTROL_LABELS[row.control]
        assert f"{label}: {row.area_km2:,.0f} km²" in line
        assert f"({row.share:.1%} of Ukraine)" in line
    assert f"{result.balance.net_ukraine_km2:+,.0f} km²" in line
    assert metric_values(at)["Net change in Ukrainian-controlled area"] in line


def test_net_change_counts_what_a_demilitarized_zone_takes():
    at = run_app(scenario="ceasefire-with-dmz")
    result = stats.scenario_stats(scenarios.get_scenario("ceasefire-with-dmz"))
    shown = metric_values(at)["Net change in Ukrainian-controlled area"]
    assert shown == f"{result.balance.net_ukraine_km2:+,.0f} km²"
    assert result.balance.to_russia_km2 == 0 and result.balance.net_ukraine_km2 < -1_000
    deltas = shown_deltas(at)
    assert deltas["Net change in Ukrainian-controlled area"] == (
        f"{result.balance.net_ukraine_population:+,.0f} people"
    )


def test_share_link_restores_the_scenario():
    at = run_app(scenario="land-swap")
    assert scenario_box(at).value == "land-swap"
    assert not at.warning


def test_unknown_scenario_in_link_falls_back_with_a_notice():
    at = run_app(scenario="no-such-plan<script>")
    assert scenario_box(at).value == "ceasefire-current-line"
    assert at.warning, "no notice shown"
    notice = at.warning[0].value
    assert "Unknown scenario" in notice and "no" in notice
    assert "<script>" not in notice  # escaped for markdown
    assert str(at.query_params["scenario"]).strip("[]'") == "ceasefire-current-line"


def test_layer_toggles_are_in_the_sidebar_and_the_date_slider_on_the_page(app):
    labels = [c.label for c in app.sidebar.checkbox]
    assert labels == [label for key, label in render.LAYERS.items() if key != "control"]
    app.sidebar.checkbox(key="layer_towns").uncheck().run()
    assert not app.exception
    assert app.select_slider(key="date").value
    assert "date" not in {s.key for s in app.sidebar.select_slider}


def test_share_link_restores_the_baseline_too():
    from territory_viz import datasets

    other = next(s for s in datasets.snapshot_ids() if s != datasets.DEFAULT_BASELINE)
    at = run_app(scenario="land-swap", baseline=other)
    assert at.select_slider(key="date").value == other.removeprefix("occupied-")
    assert scenario_box(at).value == "land-swap"
    assert str(at.query_params["date"]).strip("[]'") == other.removeprefix("occupied-")


def test_town_link_shows_who_controls_it_under_every_scenario():
    from territory_viz import towns

    at = run_app(town="Kramatorsk")
    report = towns.town_report("Kramatorsk")
    card = next(
        md.value for md in at.markdown if "Kramatorsk" in md.value and "pre-war" in md.value
    )
    assert f"{report['population']:,} people" in card
    assert render.CONTROL_LABELS[report["baseline"]["control"]] in card
    table = next(t for t in markdown_tables(at) if t[0][0] == "Proposal")
    assert len(table) - 1 == len(scenarios.list_scenarios())
    by_title = {row[0]: row[1] for row in table[1:]}
    for outcome in report["scenarios"].values():
        assert by_title[outcome["title"]] == render.CONTROL_LABELS[outcome["control"]]
    assert str(at.query_params["town"]).strip("[]'") == "Kramatorsk"


def test_town_typo_offers_close_spellings_and_a_click_picks_one():
    at = run_app(town="Kramatorks")
    assert at.warning and "Kramatorsk" in at.warning[0].value
    at.button(key="tv_town_pick_0").click().run()
    assert "Kramatorsk" in at.text_input(key="town").value
    assert any("pre-war" in md.value and "Kramatorsk" in md.value for md in at.markdown)


def test_map_page_shows_the_date_notice_and_the_readings_as_text():
    at = run_app(scenario="28-point-plan-2025-11")
    captions = [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption]
    assert any(
        "Dates differ: reported 20 Nov 2025; evaluated on control on 22 Aug 2026." in c
        for c in captions
    ), captions
    readings = [c for c in captions if c.startswith("Reading: ")]
    assert readings and any("other agreed territories" in c for c in readings)
    raw = [c.value for c in at.caption if c.value.startswith("Reading")]
    assert all("\\." in c for c in raw)  # escaped as text, not markdown


def test_the_map_page_writes_its_figures_as_text_without_metric_elements():
    # A metric element would make every new viewer fetch its script (four more files).
    at = run_app(scenario="land-swap")
    assert not at.metric
    figures = shown_figures(at)
    result = stats.scenario_stats(scenarios.get_scenario("land-swap"))
    for row in result.by_control.itertuples():
        label = render.CONTROL_LABELS[row.control]
        assert figures[label] == (f"{row.area_km2:,.0f} km²", f"{row.share:.1%} of Ukraine")
    people = f"{result.by_control.iloc[0].population:,.0f} people (pre-war)"
    assert any(f":small[:gray[{md_escape(people)}]]" in md.value for md in at.markdown)


def test_figures_show_their_text_literally():
    hostile = scenario_view.Figure("*Bold* [link](http://x.test) <b>", "1 km²", "`code`", "# no")
    text = scenario_view.figures_markdown([hostile])
    assert "<b>" not in text and "](" not in text and "*Bold*" not in text
    assert text.startswith(":small[") and "  \n**1 km²**  \n:gray-badge[" in text
