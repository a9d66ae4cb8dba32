"""The map page says it is approximate, of which date, and offers the nearer snapshot.

streamlit.testing drives the page: the approximation note under the baseline's date, the
region-area note beside the per-region table, the one-click "snapshot nearest this
scenario's date" button (only when the dates are more than 60 days apart), and the notes in
the page's exports.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import re
import zipfile

import app_support
import pytest
from app_support import shown_numbers
from streamlit.testing.v1 import AppTest

from territory_viz import notices
from ui import exports, scenario_view

run_app = functools.partial(app_support.run_app, timeout_s=90)
FAR = "28-point-plan-2025-11"  # reported 20 Nov 2025; the default line is of 22 Aug 2026


def _plain(text: str) -> str:
    """Markdown-escaped text as the reader sees it."""
    return re.sub(r"\\(.)", r"\1", text)


def captions(at: AppTest) -> list[str]:
    return [_plain(c.value) for c in at.caption]


def shown_date(at: AppTest) -> str:
    """The baseline date the page says it shows ("Baseline: control on **…**")."""
    for md in at.markdown:
        match = re.search(r"Baseline: control on \*\*(.+?)\*\*", md.value)
        if match:
            return _plain(match.group(1))
    raise AssertionError("no baseline date on the page")


def nearest_buttons(at: AppTest) -> list:
    return [b for b in at.button if b.key == scenario_view.NEAREST_BUTTON]


def test_approximation_note_with_the_date_is_beside_the_map():
    at = run_app(scenario="land-swap")
    assert shown_date(at) == "22 Aug 2026"
    assert notices.approximation_note("2026-08-22") in captions(at)


def test_region_area_note_is_beside_the_per_region_table():
    at = run_app(scenario="land-swap")
    regions_tab = at.tabs[0]
    assert regions_tab.label == "By region"
    assert _plain(regions_tab.caption[0].value) == notices.REGION_AREA_NOTE


def test_nearest_snapshot_button_moves_the_baseline_in_one_click():
    at = run_app(scenario=FAR)
    notice = "Dates differ: reported 20 Nov 2025; evaluated on control on 22 Aug 2026."
    assert notice in captions(at)
    (button,) = nearest_buttons(at)
    assert button.label == "Evaluate on the snapshot nearest this scenario's date (15 Aug 2025)"
    before = shown_numbers(at)
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert shown_date(at) == "15 Aug 2025"
    assert notices.approximation_note("2025-08-15") in captions(at)
    # Still more than 60 days (97): the notice says so; the nearest is in use, no button.
    assert "Dates differ: reported 20 Nov 2025; evaluated on control on 15 Aug 2025." in captions(
        at
    )
    assert not nearest_buttons(at)
    assert shown_numbers(at) != before  # the numbers were re-measured


def test_no_button_when_the_dates_are_within_sixty_days():
    at = run_app(scenario="ceasefire-current-line", baseline="occupied-2025-08-15")
    assert shown_date(at) == "15 Aug 2025"
    assert not any(c.startswith("Dates differ") for c in captions(at))
    assert not nearest_buttons(at)
    # The same scenario on the newest line (more than a year later) gets one offer: the
    # history's day within 30 days of its date (the snapshot nearest it, here).
    at = run_app(scenario="ceasefire-current-line")
    assert not nearest_buttons(at)
    assert [b.label for b in at.button if b.key == scenario_view.PROPOSAL_DAY_BUTTON] == [
        "Evaluate on the line of this proposal's date (15 Aug 2025)"
    ]


@pytest.fixture()
def export_calls(monkeypatch) -> list[dict]:
    """Record what the page hands to the download buttons (the files are made on click)."""
    calls: list[dict] = []
    monkeypatch.setattr(exports, "export_buttons", lambda **kwargs: calls.append(kwargs))
    return calls


def test_page_exports_carry_the_note_and_the_date_notice(export_calls):
    at = run_app(scenario=FAR)
    at.session_state[scenario_view.OPEN_EXPORTS] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (kwargs,) = export_calls
    note = notices.export_note("2025-11-20", "2026-08-22")
    assert kwargs["note"] == note and kwargs["date"] == "2026-08-22"
    # The zip the button makes: the note in every CSV's last column and in the README.
    data = exports.tables_zip(
        kwargs["tables"](),
        scenario=kwargs["scenario"],
        baseline=kwargs["baseline"],
        date=kwargs["date"],
        sources=kwargs["sources"],
        note=kwargs["note"],
    )
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert note in zf.read("README.txt").decode("utf-8")
        for name in (n for n in zf.namelist() if n.endswith(".csv")):
            rows = list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8"))))
            assert rows and all(r["note"] == note for r in rows), name
    picture = html.unescape(re.sub(r"<[^>]+>", " ", kwargs["svg"]().decode("utf-8")))
    picture = " ".join(picture.split())
    assert notices.approximation_note("2026-08-22") in picture
    assert notices.date_notice("2025-11-20", "2026-08-22") in picture
    page = kwargs["html"]()
    calls = {
        call: json.loads(match.group(1))
        for call, match in (
            (c, re.search(re.escape(c) + r'\(map_\w+, ("(?:[^"\\]|\\.)*")', page))
            for c in ("TV.legend", "TV.caption")
        )
        if match
    }
    assert "Control as on 22 Aug 2026." in calls["TV.legend"]
    assert calls["TV.caption"].endswith(notices.date_notice("2025-11-20", "2026-08-22"))


@pytest.mark.parametrize("page", ["gallery", "compare"])
def test_gallery_and_compare_say_what_is_approximate(page):
    at = run_app(view=page, scenario=FAR)
    assert notices.approximation_note("2026-08-22") in captions(at)
    notice = notices.date_notice("2025-11-20", "2026-08-22")
    assert any(notice in c for c in captions(at)), captions(at)
