"""What a session keeps: its own scenarios (uploaded or built) and its uploaded baseline.

Built-in scenarios and snapshots come from :mod:`ui.cache` (shared by every session).
Scenarios the user uploads or builds and control layers the user uploads live in
``st.session_state`` (one session's own data); their evaluations are cached by content
in :mod:`ui.cache` too.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from territory_viz import history, scenarios
from territory_viz.scenarios import Scenario
from ui.baseline import Baseline, layer_area_km2
from ui.cache import (
    builtin_scenarios,
    compare_for,
    context_for,
    history_baseline,
    scenario_key,
    snapshot_baseline,
    stats_for,
)

__all__ = [
    "BASELINE_SCENARIO_ID",
    "Baseline",
    "MAP_PAINTED",
    "add_notice",
    "add_user_scenario",
    "all_scenarios",
    "baseline_scenario",
    "builtin_scenarios",
    "compare_for",
    "context_for",
    "current_baseline",
    "layer_area_km2",
    "map_first",
    "scenario_key",
    "session_history",
    "set_uploaded_baseline",
    "set_uploaded_history",
    "uploaded_history",
    "snapshot_baseline",
    "stats_for",
    "take_notices",
    "uploaded_baseline",
    "user_scenarios",
]

USER_SCENARIOS = "tv_user_scenarios"
UPLOADED_BASELINE = "tv_uploaded_baseline"
UPLOADED_HISTORY = "tv_uploaded_history"
#: Id of the pseudo-scenario "the baseline itself" in compare mode.
BASELINE_SCENARIO_ID = "baseline"


#: Session key: what the page could not do as a link asked (shown once, then dropped).
NOTICES = "tv_notices"


def add_notice(text: str) -> None:
    """Note, for the reader, a link's value the page could not follow (plain text)."""
    st.session_state.setdefault(NOTICES, []).append(text)


def take_notices(*, keep: bool) -> list[str]:
    """Return the notices to draw on this run; drop them unless ``keep``.

    A run that holds the page back (:func:`map_first`) is replaced within a second by the
    one after the map's paint: it keeps them, so they stay on the page the reader reads.
    """
    if keep:
        return list(st.session_state.get(NOTICES, []))
    return st.session_state.pop(NOTICES, [])


#: Session key: the map has been painted once in this session.
MAP_PAINTED = "tv_map_painted"


def map_first() -> bool:
    """Whether this run draws the map and holds back the rest of the page.

    So on a browser's first open of a session: everything drawn around the map (the
    sidebar's widgets, the scenario picker and date slider, numbers, tables, downloads)
    would be laid out on the same main thread as the map's frame, before it, and each kind
    of widget first fetches its own script; it comes in the run the map's paint starts (one
    rerun). A client without HTTP headers (Streamlit's ``AppTest``) cannot paint and gets
    the whole page.
    """
    return not st.session_state.get(MAP_PAINTED) and bool(st.context.headers)


def uploaded_baseline() -> Baseline | None:
    """Return the control layer this session uploaded, if any."""
    return st.session_state.get(UPLOADED_BASELINE)


def set_uploaded_baseline(baseline: Baseline | None) -> None:
    """Make an uploaded layer this session's baseline (``None`` goes back to the snapshots)."""
    if baseline is None:
        st.session_state.pop(UPLOADED_BASELINE, None)
    else:
        st.session_state[UPLOADED_BASELINE] = baseline


def uploaded_history() -> history.History | None:
    """Return the multi-date file this session uploaded (its own history), if any."""
    return st.session_state.get(UPLOADED_HISTORY)


def set_uploaded_history(days: history.History | None) -> None:
    """Make an uploaded multi-date file this session's history (``None``: the default one)."""
    if days is None:
        st.session_state.pop(UPLOADED_HISTORY, None)
    else:
        st.session_state[UPLOADED_HISTORY] = days


def session_history() -> history.History:
    """Return the history the date slider and the Timeline page use in this session.

    The session's uploaded multi-date file, else the committed snapshots plus the days
    fetched into the server's cache (shared, read-only).
    """
    own = uploaded_history()
    return own if own is not None else history.default_history()


def current_baseline(date: str | None = None) -> Baseline:
    """Return the baseline in use: the session's uploaded layer, else the day of the history.

    Parameters
    ----------
    date
        The date picked on the page; one the session's history lacks (or ``None``) means
        its newest day.
    """
    upload = uploaded_baseline()
    if upload is not None:
        return upload
    days = session_history()
    if date not in days.dates():
        latest = days.latest()
        if latest is None:
            return snapshot_baseline()
        date = latest
    return history_baseline(days, date)


def user_scenarios() -> dict[str, Scenario]:
    """Return the scenarios this session uploaded or built, by id (insertion order)."""
    return st.session_state.setdefault(USER_SCENARIOS, {})


def all_scenarios() -> dict[str, Scenario]:
    """Return built-in scenarios followed by this session's own ones, by id."""
    return {**builtin_scenarios(), **user_scenarios()}


def add_user_scenario(scenario: Scenario) -> Scenario:
    """Add a scenario to this session's picker, renaming it if its id is already taken.

    A built-in id is never replaced: an upload called ``land-swap`` joins as
    ``land-swap-upload`` (then ``-upload-2``...). An earlier user scenario of the same id
    is replaced (uploading a corrected file again).

    Returns
    -------
    Scenario
        The scenario as stored (possibly with a new id).
    """
    # Reserved too: "baseline" is compare mode's "the baseline itself".
    taken = {**builtin_scenarios(), BASELINE_SCENARIO_ID: None}
    if scenario.id in taken:
        base = f"{scenario.id}-upload"
        new_id, n = base, 1
        while new_id in taken:
            n += 1
            new_id = f"{base}-{n}"
        scenario = replace(scenario, id=new_id)
    user_scenarios()[scenario.id] = scenario
    return scenario


def baseline_scenario(baseline: Baseline) -> Scenario:
    """Return the baseline itself as a scenario (the library's rule, named after the layer).

    Used to compare a scenario with the state of control it starts from.
    """
    return scenarios.baseline_scenario(label=baseline.label, baseline_date=baseline.date)
