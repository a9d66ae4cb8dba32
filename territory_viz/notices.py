"""What every figure and map must say about itself: that it is approximate, and of which date.

One definition each, used by the page, the map legend, every export and the command line:

- :func:`approximation_note`: the approximation note, with the baseline's date;
- :func:`date_mismatch`: the notice a scenario gets when the baseline it is evaluated on is
  more than :data:`DATE_MISMATCH_DAYS` days from the date the scenario was reported, and
  :func:`date_notice`, the sentence the legend, the page and the command line print;
- :func:`export_note`: what an exported file (CSV ``note`` column, SVG/PNG footer) says about
  itself: the approximation note, the date notice when there is one, and the licence terms
  of a day fetched from DeepStateMap;
- :data:`REGION_AREA_NOTE`: the note beside every per-region table (the figures behind it are
  documented in ``data/SOURCES.md``);
- :data:`SOURCE_NAME` and :data:`LICENCE_TERMS`: where a day fetched from DeepStateMap comes
  from and the terms of its reuse (what ``fetch`` prints, and every map or export of such a
  day: :func:`credit`, :func:`is_fetched`);
- :func:`nearest_snapshot`: the committed snapshot nearest a scenario's date (what the page
  offers in one click);
- :func:`format_date`: how a date is written in these texts (``20 Nov 2025``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

__all__ = [
    "APPROXIMATION_TEXT",
    "DATE_MISMATCH_DAYS",
    "LICENCE_TERMS",
    "REGION_AREA_NOTE",
    "SOURCE_NAME",
    "approximation_note",
    "credit",
    "date_mismatch",
    "date_notice",
    "export_note",
    "format_date",
    "is_fetched",
    "nearest_snapshot",
    "parse_date",
]

#: A scenario evaluated on a baseline further than this many days from its date says so.
DATE_MISMATCH_DAYS = 60

#: What is approximate about every map and figure (the date is added by
#: :func:`approximation_note`).
APPROXIMATION_TEXT = (
    "Approximate: control lines are simplified from public reports; areas are measured on "
    "generalised outlines, not official figures; people are pre-war residents, not today's "
    "population."
)

#: Beside every per-region table: how the measured region areas differ from the official ones
#: (measured on data/regions.geojson against the State Statistics Service's figures; the
#: reasons are in data/SOURCES.md, section regions.geojson).
REGION_AREA_NOTE = (
    "Region areas are measured on generalised outlines (Natural Earth), not taken from the "
    "official figures. They differ most for Kherson (26,177 km² against 28,461, −8.0%), "
    "Mykolaiv (23,547 against 24,598, −4.3%), Kyiv oblast (27,023 against 28,131, −3.9%), "
    "Sevastopol (750 against 864, −13.2%) and Kyiv city (1,642 against 839, +96%: its outline "
    "is larger than its legal boundary); every other region is within 2%. Shares of a region "
    "are shares of these outlines. Why: data/SOURCES.md."
)

#: Where a day fetched by ``python -m territory_viz fetch deepstate`` comes from, as a legend,
#: a picture or a table names it.
SOURCE_NAME = "DeepStateMap (deepstatemap.live), via the public archive cyterat/deepstate-map-data"
#: The terms of reuse of a fetched day: printed by ``fetch`` and wherever such a day is shown
#: or exported.
LICENCE_TERMS = (
    "Reuse is governed by DeepStateMap's licence (see deepstatemap.live): publishing its data, "
    "or a public deployment that shows it, needs DeepStateMap's permission."
)
#: Id of a fetched day's layer (as :func:`territory_viz.history.default_history` names it).
_FETCHED_ID = re.compile(r"^deepstate-\d{4}-\d{2}-\d{2}$")


def is_fetched(layer: object) -> bool:
    """Tell whether a control layer is a DeepStateMap day fetched into the user cache.

    Parameters
    ----------
    layer
        A control layer (what :meth:`territory_viz.history.History.layer` returns: its
        ``attrs["source"]`` says it comes from the cache) or a layer id (a partition's
        ``attrs["baseline"]``, where only the id is known: ``deepstate-YYYY-MM-DD``).
    """
    if isinstance(layer, str):
        return bool(_FETCHED_ID.match(layer))
    from territory_viz import history

    attrs = getattr(layer, "attrs", None)
    if not isinstance(attrs, dict) or attrs.get("source") != history._CACHE:
        return False
    ids = layer["id"] if "id" in getattr(layer, "columns", ()) else ()  # type: ignore[index]
    return len(ids) == 1 and bool(_FETCHED_ID.match(str(ids.iloc[0])))  # type: ignore[union-attr]


def credit(line: str, layer: object) -> list[str]:
    """Return the source lines of a control layer as a legend or an export prints them.

    For a fetched DeepStateMap day (:func:`is_fetched`): ``line`` naming DeepStateMap
    (:data:`SOURCE_NAME`), then its licence terms (:data:`LICENCE_TERMS`). For any other
    layer: ``[line]``.

    >>> credit("Control: deepstate-2026-11-30", "deepstate-2026-11-30")[1] == LICENCE_TERMS
    True
    >>> credit("Control: occupied-2026-08-22", "occupied-2026-08-22")
    ['Control: occupied-2026-08-22']
    """
    if not is_fetched(layer):
        return [line]
    return [f"{line}, from {SOURCE_NAME}", LICENCE_TERMS]


def parse_date(value: str | dt.date | None) -> dt.date | None:
    """Return a date from an ISO string (``YYYY-MM-DD...``) or a date; ``None`` if neither."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def format_date(value: str | dt.date | None, *, otherwise: str = "an unknown date") -> str:
    """Write a date as ``20 Nov 2025``: the one way the tool writes a day for readers.

    ``otherwise`` is returned when ``value`` holds no date (by default ``"an unknown date"``).

    >>> format_date("2025-11-20"), format_date("2026-08-02 00:00:00"), format_date(None)
    ('20 Nov 2025', '2 Aug 2026', 'an unknown date')
    """
    day = parse_date(value)
    if day is None:
        return otherwise
    return f"{day.day} {day.strftime('%b')} {day.year}"


def approximation_note(baseline_date: str | dt.date | None) -> str:
    """Return the approximation note with the date of the control it shows.

    >>> approximation_note("2026-08-22").endswith("Control as on 22 Aug 2026.")
    True
    """
    return f"{APPROXIMATION_TEXT} Control as on {format_date(baseline_date)}."


def date_mismatch(as_of: str | dt.date | None, baseline_date: str | dt.date | None) -> str:
    """Say when a scenario is evaluated on control far from the date it was reported.

    Returns
    -------
    str
        ``"reported 20 Nov 2025; evaluated on control on 22 Aug 2026"`` when the two dates
        are more than :data:`DATE_MISMATCH_DAYS` days apart, or the baseline has no date;
        ``""`` otherwise.
    """
    reported = parse_date(as_of)
    evaluated = parse_date(baseline_date)
    if reported is None:
        return ""
    if evaluated is None:
        return f"reported {format_date(reported)}; evaluated on control of an unknown date"
    if abs((evaluated - reported).days) <= DATE_MISMATCH_DAYS:
        return ""
    return f"reported {format_date(reported)}; evaluated on control on {format_date(evaluated)}"


def date_notice(as_of: str | dt.date | None, baseline_date: str | dt.date | None) -> str:
    """Return the date notice as a sentence (``"Dates differ: reported …."``), or ``""``.

    >>> date_notice("2025-11-20", "2026-08-22")
    'Dates differ: reported 20 Nov 2025; evaluated on control on 22 Aug 2026.'
    >>> date_notice("2026-08-01", "2026-08-22")
    ''
    """
    notice = date_mismatch(as_of, baseline_date)
    return f"Dates differ: {notice}." if notice else ""


def export_note(
    as_of: str | dt.date | None, baseline_date: str | dt.date | None, layer: object = None
) -> str:
    """Return what an export says about itself: the approximation note and the date notice.

    ``as_of`` is the scenario's date (``None`` when there is no single scenario, e.g. a
    comparison of two): then only the approximation note. ``layer`` is the control layer
    (or its id) the figures are measured on: a day fetched from DeepStateMap adds its
    licence terms (:data:`LICENCE_TERMS`), so a table copied out of its
    export still carries them.

    >>> export_note("2025-11-20", "2026-08-22").endswith(
    ...     "Control as on 22 Aug 2026. Dates differ: reported 20 Nov 2025; "
    ...     "evaluated on control on 22 Aug 2026.")
    True
    """
    licence = LICENCE_TERMS if layer is not None and is_fetched(layer) else ""
    return " ".join(
        x
        for x in (approximation_note(baseline_date), date_notice(as_of, baseline_date), licence)
        if x
    )


def nearest_snapshot(as_of: str | dt.date | None, snapshot_ids: Iterable[str]) -> str:
    """Return the snapshot id (``occupied-YYYY-MM-DD``) nearest a date (ties: the earlier).

    Returns ``""`` when there is no dated snapshot or no date.
    """
    target = parse_date(as_of)
    best: tuple[int, dt.date, str] | None = None
    for snapshot_id in snapshot_ids:
        day = parse_date(snapshot_id.removeprefix("occupied-"))
        if day is None or target is None:
            continue
        key = (abs((day - target).days), day, snapshot_id)
        if best is None or key < best:
            best = key
    return best[2] if best else ""
