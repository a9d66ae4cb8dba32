"""The map page's date slider: the baseline's day, ``?date=`` links, the proposal-date button."""

from __future__ import annotations

import functools
import json

import app_support
import pytest
from app_support import shown_numbers
from shapely.geometry import box, mapping
from streamlit.testing.v1 import AppTest

from territory_viz import datasets, render, scenarios, stats
from territory_viz import history as H

run_app = functools.partial(app_support.run_app, timeout_s=90)
COMMITTED = [s.removeprefix("occupied-") for s in datasets.snapshot_ids()]
NEWEST, OLDER = COMMITTED[-1], COMMITTED[-2]


pytestmark = pytest.mark.usefixtures("history_cache")


def param(at: AppTest, name: str) -> str | None:
    value = at.query_params.get(name)
    return None if value is None else str(value).strip("[]'")


def slider(at: AppTest):
    return at.select_slider(key="date")


def test_slider_walks_the_history_and_moves_the_baseline():
    at = run_app(scenario="land-swap")
    box_ = slider(at)
    assert list(box_.options) == [render.date_label(d) for d in COMMITTED]
    assert box_.value == NEWEST and param(at, "date") is None  # the newest: a short link
    assert render.date_label(NEWEST) in at.title[0].value
    box_.set_value(OLDER).run()
    assert not at.exception
    assert param(at, "date") == OLDER
    assert render.date_label(OLDER) in at.title[0].value
    assert any(f"control on **{render.date_label(OLDER)}**" in md.value for md in at.markdown)
    # The numbers are the library's on that day's line.
    result = stats.scenario_stats(scenarios.get_scenario("land-swap"), f"occupied-{OLDER}")
    shown = shown_numbers(at)
    for row in result.by_control.itertuples():
        assert shown[render.CONTROL_LABELS[row.control]] == f"{row.area_km2:,.0f} km²"


def test_date_link_opens_that_day():
    at = run_app(date=OLDER)
    assert slider(at).value == OLDER and not at.warning
    assert param(at, "date") == OLDER


def test_older_baseline_link_opens_its_day_and_says_it_with_a_date():
    at = run_app(scenario="land-swap", baseline=f"occupied-{OLDER}")
    assert slider(at).value == OLDER and not at.warning
    assert param(at, "date") == OLDER and param(at, "baseline") is None


@pytest.mark.parametrize("bad", ["2025-13-40", "yesterday", "2025-8-15", "<b>x</b>"])
def test_malformed_date_gets_a_notice_and_the_newest_day(bad):
    at = run_app(date=bad)
    assert slider(at).value == NEWEST
    notice = " ".join(w.value for w in at.warning)
    assert "is not a date" in notice and "YYYY" in notice
    assert "<b>" not in notice  # the link's text is escaped


def test_unknown_date_names_the_span_and_shows_the_nearest():
    at = run_app(date="2025-08-01")
    assert slider(at).value == "2025-08-15"
    notice = " ".join(w.value for w in at.warning)
    assert "no line of control for 1 Aug 2025" in notice and "nearest" in notice


def test_date_is_kept_on_other_pages_and_back():
    at = run_app(date=OLDER)
    at.switch_page("ui/pages/gallery.py").run()
    assert not at.exception
    assert render.date_label(OLDER) not in at.title[0].value  # only the map page says it
    at.switch_page("ui/pages/map.py").run()
    assert slider(at).value == OLDER


def proposal(as_of: str) -> str:
    return next(s.id for s in scenarios.list_scenarios() if s.as_of.isoformat() == as_of)


def test_proposal_date_button_moves_the_slider_to_the_nearby_day():
    scenario_id = proposal("2025-08-14")
    at = run_app(scenario=scenario_id)
    button = at.button(key="tv_proposal_day")
    assert "15 Aug 2025" in button.label
    button.click().run()
    assert not at.exception
    assert slider(at).value == "2025-08-15" and param(at, "date") == "2025-08-15"
    assert not [b for b in at.button if b.key == "tv_proposal_day"]  # already there


def test_no_proposal_date_button_without_a_day_within_30_days():
    scenario_id = proposal("2025-11-20")  # committed days: Feb 2022, Aug 2025, Aug 2026
    at = run_app(scenario=scenario_id)
    assert not [b for b in at.button if b.key == "tv_proposal_day"]


def test_fetched_day_joins_the_slider_and_is_a_baseline(history_cache):
    folder = history_cache / "deepstate"
    folder.mkdir(parents=True)
    day = box(37.4, 47.6, 38.6, 48.4)  # in Donetsk oblast
    (folder / "deepstatemap_data_20251121.geojson").write_text(
        json.dumps({"type": "Feature", "properties": {}, "geometry": mapping(day)})
    )
    at = run_app(scenario=proposal("2025-11-20"))
    assert "2025-11-21" in [d for d in H.default_history().dates()]
    at.button(key="tv_proposal_day").click().run()
    assert not at.exception
    assert slider(at).value == "2025-11-21"
    result = stats.scenario_stats(
        scenarios.get_scenario("ceasefire-current-line"), H.layer_for_date("2025-11-21")
    )
    at.selectbox(key="scenario").set_value("ceasefire-current-line").run()
    shown = shown_numbers(at)
    russia = result.by_control.set_index("control").loc["russia", "area_km2"]
    assert shown[render.CONTROL_LABELS["russia"]] == f"{russia:,.0f} km²"
