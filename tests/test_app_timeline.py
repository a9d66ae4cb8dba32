"""The timeline page: area under Russian control per day, and what changed between two days."""

from __future__ import annotations

import re

from app_support import run_app

from territory_viz import history, notices, render, style


def test_timeline_view_shows_rows_with_the_history_numbers():
    at = run_app(view="timeline")
    assert not at.exception
    rows = history.timeline(history.default_history())
    assert rows
    frame = at.dataframe[0].value
    assert list(frame["Date"]) == [row.date for row in rows]
    assert list(frame["Under Russian control (km²)"]) == [round(r.occupied_km2, 1) for r in rows]


def test_what_changed_totals_equal_the_history_changes():
    at = run_app(view="timeline")
    assert not at.exception
    dates = history.default_history().dates()
    change = history.changes(history.default_history(), dates[-2], dates[-1])
    frame = at.dataframe[1].value
    assert frame["To Russian control (km²)"][0] == round(change.to_russia_km2, 1)
    assert frame["Back to Ukrainian control (km²)"][0] == round(change.to_ukraine_km2, 1)


def test_timeline_tables_name_regions_not_codes():
    from territory_viz.model import REGION_NAMES

    at = run_app(view="timeline")
    box = at.selectbox(key="tv_timeline_region")
    assert box.options[0] == "All of Ukraine"
    assert set(box.options[1:]) <= set(REGION_NAMES.values())
    assert not any(option.startswith("UA-") for option in box.options)
    dates = history.default_history().dates()
    change = history.changes(history.default_history(), dates[-2], dates[-1])
    totals = at.dataframe[1].value
    assert list(totals["Area"][1:]) == sorted(REGION_NAMES[iso] for iso in change.by_region)
    towns = at.dataframe[2].value
    assert set(towns["Region"]) <= set(REGION_NAMES.values())
    assert set(towns["To"]) <= set(render.CONTROL_LABELS.values())


def test_what_changed_map_draws_both_directions_with_the_legend_names():
    at = run_app(view="timeline")
    frames = at.get("iframe")
    assert len(frames) == 1
    doc = frames[0].proto.srcdoc
    for label, _ in style.BALANCE_ROWS[:2]:  # to Russian control, back to Ukrainian control
        assert label in doc
    dates = history.default_history().dates()
    change = history.changes(history.default_history(), dates[-2], dates[-1])
    for row in change.layer.itertuples():
        assert f"Area: {row.area_km2:,.0f} km²" in doc  # each direction's piece is drawn
    # Choosing other dates redraws the map for them.
    at.selectbox(key="tv_changes_from").set_value(dates[0]).run()
    assert not at.exception
    assert render.date_label(dates[0]) in at.get("iframe")[0].proto.srcdoc


def test_region_area_note_is_beside_the_per_region_change_table():
    at = run_app(view="timeline")
    assert not at.exception
    # the column that holds the per-region table ("Area" rows by region) carries the note
    (column,) = [c for c in at.columns if any("Area" in d.value.columns for d in c.dataframe)]
    shown = [re.sub(r"\\(.)", r"\1", c.value) for c in column.caption]
    assert notices.REGION_AREA_NOTE in shown
