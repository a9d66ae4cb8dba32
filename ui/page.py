"""Glue between ``app.py`` and the analyst views: mode switch, uploads, resolution, exports.

``app.py`` calls, in order: :func:`sidebar_tools` (mode and uploads, in the sidebar),
:func:`resolve` (the scenario and baseline in use, which may be the session's own),
:func:`main_view` (compare or builder instead of the single map) and :func:`exports`
(downloads under the single map).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from territory_viz import datasets, render, stats
from territory_viz.scenarios import Scenario
from ui import compare
from ui import exports as export_views
from ui._text import md_escape
from ui.builder import builder_view
from ui.state import (
    Baseline,
    add_user_scenario,
    all_scenarios,
    builtin_scenarios,
    context_for,
    current_baseline,
    stats_for,
    uploaded_baseline,
    user_scenarios,
)
from ui.uploads import layer_upload, scenario_upload

MODE_KEY = "tv_mode"
#: Session keys of the expanders whose contents are drawn only while they are open (lazy):
#: a first visit then paints the map without the uploaders' and download buttons' scripts.
OPEN_SCENARIO_UPLOAD = "tv_open_scenario_upload"
OPEN_LAYER_UPLOAD = "tv_open_layer_upload"
OPEN_EXPORTS = "tv_open_exports"
MODES = {
    "map": "Scenario map",
    "compare": "Compare two scenarios",
    "build": "Build a scenario",
}


def user_catalogue() -> dict[str, str]:
    """Return the session's own scenarios (uploaded or built): id -> title."""
    return {sid: f"{s.title} (yours)" for sid, s in user_scenarios().items()}


def scenario(scenario_id: str) -> Scenario:
    """Return a built-in or session scenario by id (the picker only offers known ids)."""
    return all_scenarios()[scenario_id]


def resolve(scenario_id: str, baseline_id: str) -> tuple[Scenario, Baseline]:
    """Return the scenario and the baseline in use (an uploaded layer wins over the picker)."""
    return scenario(scenario_id), current_baseline(baseline_id)


def is_custom(scenario_id: str) -> bool:
    """Whether the view needs the session-aware caches (own scenario or uploaded layer)."""
    return scenario_id not in builtin_scenarios() or uploaded_baseline() is not None


def evaluated(
    chosen: Scenario, baseline: Baseline
) -> tuple[stats.ScenarioStats, render.PreparedPartition]:
    """Numbers and map-ready partition of any scenario over any baseline (cached by content)."""
    return stats_for(chosen, baseline)


def uploaded_context() -> render.MapContext | None:
    """Return the uploaded baseline's base map layers, or ``None`` when a snapshot is in use."""
    upload = uploaded_baseline()
    return context_for(upload) if upload is not None else None


def _select_scenario(scenario_id: str) -> None:
    """Button callback: show a scenario in the page (runs before the picker is drawn)."""
    st.session_state["scenario"] = scenario_id
    st.session_state[MODE_KEY] = "map"


def lazy_expander(label: str, key: str):
    """Return a closed expander that reruns the page when opened or closed; test ``.open``.

    Draw its contents only while it is open, so their widgets' scripts are not fetched
    and laid out before the map paints.
    """
    return st.expander(label, key=key, on_change="rerun")


def sidebar_tools() -> str:
    """Draw the mode switch and the two uploaders in the sidebar; return the mode.

    ``?compare=B`` in the link opens compare mode. The uploaders sit in expanders whose
    contents are drawn only when opened (a file chosen in a closed expander is not kept;
    what it loaded is).
    """
    if MODE_KEY not in st.session_state:
        st.session_state[MODE_KEY] = "compare" if st.query_params.get("compare") else "map"
    with st.sidebar:
        st.divider()
        mode = st.radio("View", list(MODES), key=MODE_KEY, format_func=MODES.__getitem__,
                        horizontal=False)
        scenario_box = lazy_expander("Upload a scenario file", OPEN_SCENARIO_UPLOAD)
        if scenario_box.open:
            with scenario_box:
                new_id = scenario_upload()
                if new_id:
                    st.button("Show it on the map", key="tv_upload_show",
                              on_click=_select_scenario, args=(new_id,))
        # An uploaded layer in use is named above the map; "back" is in here.
        layer_box = lazy_expander("Upload a control layer (baseline)", OPEN_LAYER_UPLOAD)
        if layer_box.open:
            with layer_box:
                if layer_upload():
                    st.rerun()
    if mode != "compare":
        st.query_params.pop(compare.COMPARE_PARAM, None)
        st.session_state.pop(compare.COMPARE_PARAM, None)
    return mode


def baseline_notice(baseline: Baseline) -> None:
    """Say which baseline is in use when it is an uploaded layer."""
    if baseline.filename is not None:
        st.info(md_escape(baseline.description + ". Every scenario and number on this page "
                          "is evaluated against it. To go back to the committed snapshots, "
                          "open “Upload a control layer” in the sidebar."), icon="📄")


def main_view(mode: str, chosen: Scenario, baseline: Baseline) -> bool:
    """Draw compare mode or the builder; return ``False`` in map mode (the app draws it)."""
    baseline_notice(baseline)
    if mode == "compare":
        options = all_scenarios()
        b = compare.compare_picker(options, scenario_id=chosen.id, baseline=baseline)
        compare.compare_view(chosen, b, baseline)
        return True
    if mode == "build":
        variant = builder_view(all_scenarios(), baseline, start_id=chosen.id)
        if variant is not None:
            compare.single_map(variant, baseline)
            st.button("Show it in the scenario map", key="tv_builder_show",
                      on_click=_add_and_select, args=(variant,))
        return True
    return False


def _add_and_select(variant: Scenario) -> None:
    _select_scenario(add_user_scenario(variant).id)


def _sources(chosen: Scenario, baseline: Baseline) -> list[str]:
    lines = [f"{s.publisher}, {s.date.isoformat()}: {s.title}" for s in chosen.sources]
    lines.append(f"Control: {baseline.label}" + (f" ({baseline.date})" if baseline.date else ""))
    lines.append("Regions: Natural Earth admin-1 (public domain); pre-war population: State "
                 "Statistics Service of Ukraine, 1 Jan 2022")
    return lines


def _tables(result: stats.ScenarioStats) -> list[tuple[str, pd.DataFrame]]:
    recognition = result.recognition.copy()
    if "regions" in recognition.columns:
        recognition["regions"] = recognition["regions"].map(
            lambda r: r if isinstance(r, str) else "; ".join(map(str, r)))
    balance = pd.DataFrame([{"measure": k, "value": v}
                            for k, v in result.balance.to_dict().items()])
    return [("by_control", result.by_control), ("by_region", result.by_region),
            ("balance", balance), ("towns_changing_hands", result.towns),
            ("recognition", recognition)]


def exports(chosen: Scenario, baseline: Baseline, result: stats.ScenarioStats) -> None:
    """Draw the downloads of the current view (scenario over the baseline in use)."""
    partition = result.partition
    caption = render.scenario_caption(chosen)

    def html() -> str:
        return render.standalone_html(partition, baseline=baseline.value, title=caption)

    def svg() -> bytes:
        label = f"Line of control in the baseline ({baseline.date or baseline.label})"
        return export_views.svg_bytes(
            partition, title=chosen.title, date=baseline.date,
            subtitle="Who would control what: colour = control, hatching = recognition",
            sources=_sources(chosen, baseline), neighbours=datasets.load_neighbours(),
            baseline_label=label)

    box = lazy_expander("Export this view", OPEN_EXPORTS)
    if not box.open:
        return
    with box:
        export_views.export_buttons(
            stem=export_views.file_stem(chosen.id, baseline.key),
            partition=partition, tables=lambda: _tables(result), html=html, svg=svg)
