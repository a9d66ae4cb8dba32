"""What the analyst views keep in the Streamlit session, and cached evaluation of user objects.

Built-in scenarios and snapshots are cached by ``app.py`` by id. Scenarios the user
uploads or builds and control layers the user uploads live in ``st.session_state`` (one
session's own data), and their evaluations are cached by a content hash so two sessions
uploading the same file share the work.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date

import geopandas as gpd
import streamlit as st

from territory_viz import areas, render, stats
from territory_viz.datasets import DEFAULT_BASELINE, load_snapshot, snapshot_ids
from territory_viz.model import CRS_EQUAL_AREA, Control
from territory_viz.scenarios import (
    Rule,
    Scenario,
    default_recognition,
    list_scenarios,
    scenario_to_toml,
)

USER_SCENARIOS = "tv_user_scenarios"
UPLOADED_BASELINE = "tv_uploaded_baseline"
#: Id of the pseudo-scenario "the baseline itself" in compare mode.
BASELINE_SCENARIO_ID = "baseline"


@dataclass(frozen=True, eq=False)
class Baseline:
    """The control layer every scenario is evaluated against.

    Parameters
    ----------
    key
        Cache key: the snapshot id, or ``upload-<sha256 prefix>`` for an uploaded layer.
    label
        What the page calls it (snapshot id, or the user's name for the layer).
    date
        Its date (``YYYY-MM-DD``) when known, else ``None``.
    area_km2
        Area under Russian control in it, km² (equal-area).
    layer
        The snapshot-shaped one-row GeoDataFrame (``id``, ``date``, geometry); callers
        must not mutate it.
    filename
        The uploaded file's name, ``None`` for a committed snapshot.
    """

    key: str
    label: str
    date: str | None
    area_km2: float
    layer: gpd.GeoDataFrame
    filename: str | None = None

    @property
    def value(self) -> str | gpd.GeoDataFrame:
        """What to pass to ``evaluate(..., baseline=)``: the id or the layer."""
        return self.layer if self.filename is not None else self.key

    @property
    def description(self) -> str:
        """One line saying which baseline is in use (plain text, not markdown)."""
        when = f"dated {self.date}" if self.date else "no date given"
        origin = f"uploaded file {self.filename}" if self.filename else "committed snapshot"
        return (f"Baseline: {self.label} ({origin}, {when}), "
                f"{self.area_km2:,.0f} km² under Russian control")


def layer_area_km2(layer: gpd.GeoDataFrame) -> float:
    """Return the area of a control layer in km², measured in the equal-area CRS."""
    return float(layer.to_crs(CRS_EQUAL_AREA).geometry.area.sum() / 1e6)


@st.cache_resource(max_entries=16, show_spinner=False)
def snapshot_baseline(snapshot_id: str = DEFAULT_BASELINE) -> Baseline:
    """Return a committed snapshot as a :class:`Baseline` (shared across sessions)."""
    layer = load_snapshot(snapshot_id)
    date = str(layer["date"].iloc[0]) if "date" in layer.columns else None
    return Baseline(snapshot_id, snapshot_id, date or None, layer_area_km2(layer), layer)


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


@st.cache_resource(show_spinner=False)
def builtin_scenarios() -> dict[str, Scenario]:
    """Return the built-in scenarios by id, in the library's order."""
    return {s.id: s for s in list_scenarios()}


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
    taken = builtin_scenarios()
    if scenario.id in taken:
        base = f"{scenario.id}-upload"
        new_id, n = base, 1
        while new_id in taken:
            n += 1
            new_id = f"{base}-{n}"
        scenario = replace(scenario, id=new_id)
    user_scenarios()[scenario.id] = scenario
    return scenario


def scenario_key(scenario: Scenario) -> str:
    """Return a content hash of a scenario (its canonical TOML), for caching."""
    return hashlib.sha256(scenario_to_toml(scenario).encode()).hexdigest()[:16]


@st.cache_resource(max_entries=48, ttl=6 * 3600, show_spinner=False)
def _stats(
    _scenario: Scenario, _baseline: Baseline, skey: str, bkey: str
) -> tuple[stats.ScenarioStats, render.PreparedPartition]:
    result = stats.scenario_stats(_scenario, _baseline.value)
    return result, render.prepare_partition(result.partition)


def stats_for(
    scenario: Scenario, baseline: Baseline
) -> tuple[stats.ScenarioStats, render.PreparedPartition]:
    """Evaluate a scenario with its numbers and map-ready partition, cached by content.

    Works for built-in, uploaded and built scenarios and for uploaded baselines alike;
    the results are shared read-only across sessions (do not mutate them).
    """
    return _stats(scenario, baseline, scenario_key(scenario), baseline.key)


@st.cache_resource(max_entries=8, ttl=6 * 3600, show_spinner=False)
def _context(_baseline: Baseline, bkey: str) -> render.MapContext:
    return render.map_context(_baseline.value)


def context_for(baseline: Baseline) -> render.MapContext:
    """Return the map's base layers for a baseline (snapshot or uploaded), cached by key."""
    return _context(baseline, baseline.key)


@st.cache_resource(max_entries=32, ttl=6 * 3600, show_spinner=False)
def _compare(_a: Scenario, _b: Scenario, _baseline: Baseline, akey: str, bkey: str,
             basekey: str) -> stats.Comparison:
    return stats.compare(_a, _b, _baseline.value)


def compare_for(a: Scenario, b: Scenario, baseline: Baseline) -> stats.Comparison:
    """Compare two scenarios over a baseline (changes read from ``a`` to ``b``), cached."""
    return _compare(a, b, baseline, scenario_key(a), scenario_key(b), baseline.key)


def baseline_scenario(baseline: Baseline) -> Scenario:
    """Return the baseline itself as a scenario: control as in the layer, recognised by none.

    Used to compare a scenario with the state of control it starts from.
    """
    when = baseline.date or "undated"
    recognition = tuple(default_recognition(Control.RUSSIA).items())
    return Scenario(
        id=BASELINE_SCENARIO_ID,
        title=f"Baseline: control as in {baseline.label} ({when})",
        summary="Control as in the baseline layer; Russia's control recognised by no other "
        "party.",
        as_of=date.fromisoformat(baseline.date) if baseline.date else date.today(),
        sources=(),
        rules=(Rule(area=areas.Baseline(), control=Control.RUSSIA, recognition=recognition),),
    )
