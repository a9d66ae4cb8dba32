"""The timeline page: the area under Russian control per committed snapshot date."""

from __future__ import annotations

from territory_viz import history
from tests.test_app import run_app


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
