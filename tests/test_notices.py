"""The approximation note and the date-mismatch notice (one definition each)."""

from __future__ import annotations

import datetime as dt

from territory_viz import notices, render


def test_format_date_writes_day_month_year() -> None:
    assert notices.format_date("2025-11-20") == "20 Nov 2025"
    assert notices.format_date(dt.date(2026, 8, 2)) == "2 Aug 2026"
    assert notices.format_date("not a date") == "an unknown date"
    assert notices.format_date(None) == "an unknown date"
    assert notices.format_date("no date", otherwise="undated") == "undated"


def test_the_map_and_the_notices_write_a_day_the_same_way() -> None:
    # render.date_label (legends, the page's headlines and slider) writes through format_date:
    # one spelling of a day, whatever form the day comes in.
    days = ["2025-11-20", "2026-08-02 00:00:00", dt.date(2022, 2, 3), dt.datetime(2024, 12, 9, 5)]
    for day in days:
        assert render.date_label(day) == notices.format_date(day)
    assert render.date_label("2026-08-02") == "2 Aug 2026"  # no zero before a one-digit day
    # Text holding no date is the legend's own wording: kept as it is.
    assert render.date_label("an undated layer") == "an undated layer"
    assert render.date_label("") == ""


def test_approximation_note_carries_the_baseline_date() -> None:
    note = notices.approximation_note("2026-08-22")
    assert note.startswith(notices.APPROXIMATION_TEXT)
    assert note.endswith("Control as on 22 Aug 2026.")
    assert "Approximate" in note and "pre-war" in note
    assert notices.approximation_note("").endswith("Control as on an unknown date.")


def test_date_mismatch_only_beyond_sixty_days() -> None:
    assert notices.DATE_MISMATCH_DAYS == 60
    assert notices.date_mismatch("2025-11-20", "2026-08-22") == (
        "reported 20 Nov 2025; evaluated on control on 22 Aug 2026"
    )
    # exactly 60 days either way: no notice; 61 days: a notice
    assert notices.date_mismatch("2025-06-16", "2025-08-15") == ""
    assert notices.date_mismatch("2025-10-14", "2025-08-15") == ""
    assert notices.date_mismatch("2025-06-15", "2025-08-15") != ""
    assert notices.date_mismatch("2025-10-15", "2025-08-15") != ""
    assert notices.date_mismatch(dt.date(2025, 8, 14), "2025-08-15") == ""


def test_date_mismatch_with_missing_dates() -> None:
    assert notices.date_mismatch(None, "2026-08-22") == ""
    assert notices.date_mismatch("2025-11-20", "") == (
        "reported 20 Nov 2025; evaluated on control of an unknown date"
    )


def test_nearest_snapshot() -> None:
    ids = ["occupied-2022-02-23", "occupied-2025-08-15", "occupied-2026-08-22", "custom"]
    assert notices.nearest_snapshot("2025-11-20", ids) == "occupied-2025-08-15"
    assert notices.nearest_snapshot("2026-05-01", ids) == "occupied-2026-08-22"
    assert notices.nearest_snapshot("2019-01-01", ids) == "occupied-2022-02-23"
    assert notices.nearest_snapshot(None, ids) == ""
    assert notices.nearest_snapshot("2025-11-20", ["custom"]) == ""
