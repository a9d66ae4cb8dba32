"""The compare page's views: two scenarios side by side on synced maps, a change map, a balance.

``?scenario=A&compare=B`` opens this view; the URL follows the pickers, and the maps'
view (``&lat=&lon=&zoom=``) as the map page's does. ``B`` may be
``baseline``: the control layer itself, so that a scenario can be compared with the
state it starts from. Changes are always read from A to B.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from territory_viz import assets, notices, render, stats, svg
from territory_viz.scenarios import Scenario
from territory_viz.style import (
    COMPARE_BALANCE_ROWS,
    NET_UKRAINE_LABEL,
    TOWN_CHANGE_MIN_POPULATION,
    format_signed,
)
from territory_viz.style import class_label as _label
from territory_viz.textsafe import isolate_if_bidi
from ui import cache, exports, frames, map_component, share_view, state
from ui._text import NOTICE_ICON, md_escape
from ui.scenario_view import _table, _table_text, town_change_rows
from ui.state import BASELINE_SCENARIO_ID, Baseline, baseline_scenario

#: Query parameter naming the second scenario.
COMPARE_PARAM = "compare"
MAP_HEIGHT_PX = 480
#: Accessible names (frame titles) of the compare maps and of the builder's preview.
COMPARE_FRAME_TITLE = "Scenario A, scenario B and the change map, panning together"
PREVIEW_FRAME_TITLE = "Map of the scenario being built"
#: The compare maps' frame: one static HTML file with its script inline (no framework).
SOURCE = Path(__file__).resolve().parent / "compare_frontend"
#: Where the served copy is written (git-ignored), with Leaflet and the map helpers in it.
BUILT = SOURCE / "build"


def _frontend() -> Path:
    """Write the served copy: the scripts the maps' document names, written into the frame.

    They have run when the frame gets its document, so the maps' scripts start at once
    instead of after two fetches. The source as it is where they cannot be written.
    """
    try:
        links = assets.page_links(base_url=cache.FRAME_STATIC_URL)[0]
        inline = list(zip(links, map_component.leaflet_and_helpers(), strict=True))
        return map_component.write_frame(SOURCE, BUILT, inline=inline)
    except (OSError, ValueError, assets.AssetError):
        return SOURCE


#: The component's frontend as served: the copy with the scripts in it, or the source.
FRONTEND = _frontend()
_maps_component = components.declare_component("tv_compare", path=str(FRONTEND))
#: The frame's height before its document is laid out (two rows of maps, each under its
#: heading with its legend docked under it); it then follows the document.
FRAME_HEIGHT_PX = 2 * (MAP_HEIGHT_PX + 150)
#: Session key of a notice about the link's B, kept for the run that draws the picker.
_B_NOTICE = "tv_compare_notice"
#: The box of the sources' expander and the B picker; while the first run holds them back,
#: it is as tall as they are, so the maps do not move when they come.
PICKER_KEY = "tv_compare_picker"
HELD_HEIGHT_PX = 124


def single_map(
    scenario: Scenario,
    baseline: Baseline,
    *,
    height_px: int = 560,
    layers: Collection[str] = render.DEFAULT_LAYERS,
) -> None:
    """Show one scenario's map (the builder's preview): same map as the page's, no rerun."""
    st.iframe(
        cache.preview_document(scenario, baseline, height_px=height_px, layers=layers),
        height="content",
        alt=PREVIEW_FRAME_TITLE,
    )


def _choices(options: dict[str, Scenario], baseline: Baseline) -> dict[str, str]:
    return {
        BASELINE_SCENARIO_ID: f"The baseline ({baseline.label})",
        **{sid: s.title for sid, s in options.items()},
    }


def compare_choice(
    options: dict[str, Scenario],
    *,
    scenario_id: str,
    baseline: Baseline,
    key: str = COMPARE_PARAM,
) -> Scenario:
    """Return scenario B as the picker holds it (or the link asks), without drawing the picker.

    Keeps ``?compare=`` in the URL. An unknown id in the link is noted for the picker
    (:func:`compare_picker` shows the notice).
    """
    choices = _choices(options, baseline)
    if key not in st.session_state:
        requested = st.query_params.get(key)
        if requested in choices:
            st.session_state[key] = requested
        else:
            if requested is not None:
                st.session_state[_B_NOTICE] = (
                    f"Unknown scenario “{requested}” to compare with: showing the next one instead."
                )
            ids = list(options)
            nxt = ids[(ids.index(scenario_id) + 1) % len(ids)] if scenario_id in ids else ids[0]
            st.session_state[key] = nxt
    elif st.session_state[key] not in choices:  # an uploaded scenario gone with its session
        st.session_state[key] = BASELINE_SCENARIO_ID
    chosen = st.session_state[key]
    st.query_params[key] = chosen
    return baseline_scenario(baseline) if chosen == BASELINE_SCENARIO_ID else options[chosen]


def compare_picker(
    options: dict[str, Scenario],
    *,
    scenario_id: str,
    baseline: Baseline,
    key: str = COMPARE_PARAM,
) -> Scenario:
    """Draw the picker of scenario B (or the baseline) and keep ``?compare=`` in the URL.

    Parameters
    ----------
    options
        Scenarios by id (built-in and the session's own).
    scenario_id
        Scenario A (default for B is the next one in the list).
    baseline
        The baseline in use (offered as B under the id ``baseline``).
    key
        Widget key and query parameter.

    Returns
    -------
    Scenario
        Scenario B.
    """
    compare_choice(options, scenario_id=scenario_id, baseline=baseline, key=key)
    notice = st.session_state.pop(_B_NOTICE, None)
    if notice:
        st.warning(md_escape(notice), icon=NOTICE_ICON)
    choices = _choices(options, baseline)
    chosen = st.selectbox(
        "Compare with (B)",
        list(choices),
        key=key,
        format_func=lambda sid: isolate_if_bidi(choices[sid]),
        help="Scenario A is the one picked above. Changes are read from A "
        "to B. “The baseline” is the control layer as it is.",
    )
    st.query_params[key] = chosen
    return baseline_scenario(baseline) if chosen == BASELINE_SCENARIO_ID else options[chosen]


def held_picker(b: Scenario) -> None:
    """Stand for the sources' expander and the B picker in a run that holds them back.

    B is said in words, in a box as tall as the two (the maps under it do not move).
    """
    with st.container(height=HELD_HEIGHT_PX, border=False, key=PICKER_KEY):
        st.markdown(f"Compare with (B): **{md_escape(b.title)}**")


def _people(value: float) -> str:
    return f"{value:+,.0f} people"


def table(header: list[str], rows: list[list[object]], *, numeric: set[int]) -> None:
    """Show a markdown table as the map page does (a long one scrolls in a box)."""
    _table(_table_text(header, rows, numeric=numeric))


def balance_section(comparison: stats.Comparison) -> None:
    """Draw what moves from A to B: totals by destination, per region, and named towns."""
    bal = comparison.balance
    st.subheader("Balance from A to B", anchor=False)
    items = [
        (label, f"{getattr(bal, f'{key}_km2'):,.0f}", f"{getattr(bal, f'{key}_population'):,.0f}")
        for key, label in COMPARE_BALANCE_ROWS
    ]
    # Gained minus lost, with its sign (+ or a true minus): a zone takes area from Ukrainian
    # control too.
    items.append(
        (
            NET_UKRAINE_LABEL,
            format_signed(bal.net_ukraine_km2, 0),
            format_signed(bal.net_ukraine_population, 0),
        )
    )
    # Four destinations in a row; the net on a row of its own (its label is long).
    cols = [*st.columns(4), st.columns(2)[0]]
    for col, (label, km2, people) in zip(cols, items, strict=True):
        col.metric(
            label, f"{km2} km²", f"{people} people (pre-war)", delta_color="off", delta_arrow="off"
        )
    by_region = comparison.by_region
    if by_region.empty:
        st.info(
            "No area changes control between A and B"
            + (" (only recognition differs)." if len(comparison.changes) else ".")
        )
    else:
        # Markdown tables, as on the map page (no data grid's script to fetch).
        table(
            ["Region", "In A", "In B", "Area (km²)", "Pre-war population (people)"],
            [
                [r.region, _label(r.from_control), _label(r.to_control), f"{r.area_km2:,.0f}",
                 f"{r.population:,.0f}"]
                for r in by_region.itertuples()
            ],
            numeric={3, 4},
        )  # fmt: skip
    recognition_only = comparison.changes[
        comparison.changes["from_control"] == comparison.changes["to_control"]
    ]
    if len(recognition_only):
        st.caption(
            f"Recognition differs (same control) on "
            f"{recognition_only['area_km2'].sum():,.0f} km² in "
            f"{recognition_only['region'].nunique()} region(s): see the change map."
        )
    towns = comparison.towns
    if len(towns):
        st.markdown(
            f"**Towns changing hands from A to B** ({TOWN_CHANGE_MIN_POPULATION:,} people or more,"
            " pre-war)"
        )
        table(
            ["Town", "Region", "Pre-war population (people)", "In A", "In B"],
            town_change_rows(towns),
            numeric={2},
        )  # fmt: skip


#: Columns of each scenario's totals (whole km² and people; shares to 0.1 in every row, 80.0
#: beside 79.7, never 80).
TOTALS_HEADER = ["Control", "Area (km²)", "Share of Ukraine (%)", "Pre-war population (people)"]


def _totals(result: stats.ScenarioStats) -> None:
    table(
        TOTALS_HEADER,
        [
            [_label(r.control), f"{r.area_km2:,.0f}", f"{r.share * 100:.1f}",
             f"{r.population:,.0f}"]
            for r in result.by_control.itertuples()
        ],
        numeric={1, 2, 3},
    )  # fmt: skip


def _painted() -> None:
    # Before the run the paint report starts: all of that run knows the maps are painted.
    st.session_state[state.MAP_PAINTED] = True


def compare_maps(
    a: Scenario,
    b: Scenario,
    baseline: Baseline,
    *,
    layers: Collection[str] = render.DEFAULT_LAYERS,
) -> bool:
    """Draw the A, B and change maps in one frame (one Leaflet, views in sync).

    On a session's first run in a browser (:func:`ui.state.map_first`) the frame
    reports when the maps are painted, which reruns the page once; returns whether the rest
    of the page is to be drawn in this run.
    """
    document = cache.compare_document(
        a, b, baseline, height_px=MAP_HEIGHT_PX, layers=layers, view=share_view.link_view()
    )
    waiting = state.map_first()
    # The document (~200 KB) only where the frame may not hold it (ui/frames.py); keyed by
    # its digest: another A, B, baseline or set of layers gets a new frame.
    document_part = {"document": {"document": document}}
    digests = frames.part_digests(document_part)
    key = f"tv_compare_maps_{digests['document']}"
    parts = frames.arguments(key, document_part, _painted, digests=digests)
    value = _maps_component(
        **parts,
        title=COMPARE_FRAME_TITLE,
        height=FRAME_HEIGHT_PX,
        report_paint=waiting,
        key=key,
        default=None,
    )
    return frames.painted(value) or not waiting


def compare_view(
    a: Scenario,
    b: Scenario,
    baseline: Baseline,
    *,
    layers: Collection[str] = render.DEFAULT_LAYERS,
) -> stats.Comparison:
    """Draw compare mode for scenarios A and B over a baseline.

    On a session's first run in a browser, the maps only (the rest comes in the run their
    paint starts: :func:`compare_maps`).

    Parameters
    ----------
    a, b
        The scenarios (B may be :func:`ui.state.baseline_scenario`).
    baseline
        The baseline both are evaluated against.
    layers
        The layers the sidebar selects (the maps have no layer control of their own).

    Returns
    -------
    stats.Comparison
        What was shown (for tests and exports).
    """
    st.markdown(
        f"**A:** {md_escape(a.title)}  \n**B:** {md_escape(b.title)}  \n"
        f"{md_escape(baseline.in_words)}."
    )
    comparison = cache.compare_for(a, b, baseline)
    if not compare_maps(a, b, baseline, layers=layers):
        return comparison
    st.caption("The three maps pan and zoom together. Hover a piece for its numbers.")
    balance_section(comparison)
    result_a, _ = cache.stats_for(a, baseline)
    result_b, _ = cache.stats_for(b, baseline)
    col_a, col_b = st.columns(2)
    with col_a:
        st.markdown(f"**A: {md_escape(a.title)}**")
        _totals(result_a)
    with col_b:
        st.markdown(f"**B: {md_escape(b.title)}**")
        _totals(result_b)
    _exports(comparison, a, b, baseline, (result_a.partition, result_b.partition))
    return comparison


def _picture(
    kind: str,
    fmt: str,
    a: Scenario,
    b: Scenario,
    comparison: stats.Comparison,
    partitions: tuple,
) -> bytes:
    """Draw the compare pair or the change map as SVG or PNG (made when the button is clicked)."""
    picture = svg.compare_pictures(
        a, b, partitions=partitions, comparison=comparison, which=[kind]
    )[kind]
    if fmt == "svg":
        return picture.encode("utf-8")
    return svg.svg_to_png(
        picture, width_px=svg.PAIR_PNG_WIDTH_PX if kind == "pair" else svg.PNG_WIDTH_PX
    )


def _exports(
    comparison: stats.Comparison,
    a: Scenario,
    b: Scenario,
    baseline: Baseline,
    partitions: tuple,
) -> None:
    """Draw the downloads of the comparison: the pictures, the change layer, the tables."""
    changes = comparison.changes
    balance = pd.DataFrame(
        [{"measure": k, "value": v} for k, v in comparison.balance.to_dict().items()]
    )
    tables = [
        ("balance", balance),
        ("by_region", comparison.by_region),
        ("towns_changing_hands", comparison.towns),
        ("changes", pd.DataFrame(changes.drop(columns=changes.geometry.name))),
    ]
    stem = exports.file_stem(f"{a.id}-to-{b.id}", baseline.key)
    with st.expander("Export this comparison", expanded=False):
        st.caption(
            "For print and slides: A and B side by side and the change map, as SVG or PNG "
            "(2400 and 1800 px) with title, date, legend, names, scale bar, sources and what "
            "is approximate. For analysis: the change layer (pieces whose control or "
            "recognition differs from A to B, with from/to and km², pre-war people) and the "
            "balance tables."
        )
        pictures = st.columns(4)
        for col, (kind, fmt, label) in zip(
            pictures,
            [
                ("pair", "svg", "A and B side by side (SVG)"),
                ("pair", "png", "A and B side by side (PNG)"),
                ("change", "svg", "Change map (SVG)"),
                ("change", "png", "Change map (PNG)"),
            ],
            strict=True,
        ):

            def made(kind: str = kind, fmt: str = fmt) -> bytes:
                return _picture(kind, fmt, a, b, comparison, partitions)

            col.download_button(
                label,
                data=made,
                file_name=f"{stem}_{kind}.{fmt}",
                mime="image/svg+xml" if fmt == "svg" else "image/png",
                key=f"tv_compare_export_{kind}_{fmt}",
                on_click="ignore",
                width="stretch",
            )
        c1, c2, c3 = st.columns(3)
        c1.download_button(
            "Change layer (GeoJSON)",
            data=lambda: exports.geojson_bytes(changes),
            file_name=f"{stem}_changes.geojson",
            mime="application/geo+json",
            key="tv_compare_export_geojson",
            on_click="ignore",
        )
        c2.download_button(
            "Change layer (GeoPackage)",
            data=lambda: exports.gpkg_bytes(changes, layer=stem),
            file_name=f"{stem}_changes.gpkg",
            mime="application/geopackage+sqlite3",
            key="tv_compare_export_gpkg",
            on_click="ignore",
        )
        c3.download_button(
            "Balance CSV",
            data=lambda: exports.csv_bytes(
                tables, note=notices.export_note(None, baseline.date or "", baseline.layer)
            ),
            file_name=f"{stem}_balance.csv",
            mime="text/csv",
            key="tv_compare_export_csv",
            on_click="ignore",
        )
