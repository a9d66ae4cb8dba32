"""What a session keeps: its own scenarios (uploaded or built) and its uploaded baseline.

Built-in scenarios and snapshots come from :mod:`ui.cache` (shared by every session).
Scenarios the user uploads or builds and control layers the user uploads live in
``st.session_state`` (one session's own data); their evaluations are cached by content
in :mod:`ui.cache` too.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from territory_viz import scenarios
from territory_viz.datasets import DEFAULT_BASELINE, snapshot_ids
from territory_viz.scenarios import Scenario
from ui.baseline import Baseline, layer_area_km2
from ui.cache import (
    builtin_scenarios,
    compare_for,
    context_for,
    scenario_key,
    snapshot_baseline,
    stats_for,
)

__all__ = [
    "BASELINE_SCENARIO_ID",
    "Baseline",
    "add_user_scenario",
    "all_scenarios",
    "baseline_scenario",
    "builtin_scenarios",
    "compare_for",
    "context_for",
    "current_baseline",
    "layer_area_km2",
    "scenario_key",
    "set_uploaded_baseline",
    "snapshot_baseline",
    "stats_for",
    "uploaded_baseline",
    "user_scenarios",
]

USER_SCENARIOS = "tv_user_scenarios"
UPLOADED_BASELINE = "tv_uploaded_baseline"
#: Id of the pseudo-scenario "the baseline itself" in compare mode.
BASELINE_SCENARIO_ID = "baseline"


def uploaded_baseline() -> Baseline | None:
    """Return the control layer this session uploaded, if any."""
    return st.session_state.get(UPLOADED_BASELINE)


def set_uploaded_baseline(baseline: Baseline | None) -> None:
    """Make an uploaded layer this session's baseline (``None`` goes back to the snapshots)."""
    if baseline is None:
        st.session_state.pop(UPLOADED_BASELINE, None)
    else:
        st.session_state[UPLOADED_BASELINE] = baseline


def current_baseline(snapshot_id: str | None = None) -> Baseline:
    """Return the baseline in use: the session's uploaded layer, else the chosen snapshot.

    Parameters
    ----------
    snapshot_id
        The snapshot picked in the page; unknown or ``None`` means the default one.
    """
    upload = uploaded_baseline()
    if upload is not None:
        return upload
    if snapshot_id not in snapshot_ids():
        snapshot_id = DEFAULT_BASELINE
    return snapshot_baseline(snapshot_id)


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
