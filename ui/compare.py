"""Compare mode: two scenarios side by side on synced maps, a change map and a balance table.

``?scenario=A&compare=B`` opens this view; the URL follows the pickers. ``B`` may be
``baseline``: the control layer itself, so that a scenario can be compared with the
state it starts from. Changes are always read from A to B.
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from territory_viz import assets, datasets, render, stats
from territory_viz.model import CRS_GEOGRAPHIC
from territory_viz.scenarios import Scenario
from ui import exports
from ui._text import md_escape
from ui.state import (
    BASELINE_SCENARIO_ID,
    Baseline,
    baseline_scenario,
    compare_for,
    context_for,
    scenario_key,
    stats_for,
)
from ui.synced_maps import synced_maps

#: Query parameter naming the second scenario.
COMPARE_PARAM = "compare"
MAP_HEIGHT_PX = 480
#: Accessible names (frame titles) of the compare maps and of the builder's preview.
COMPARE_FRAME_TITLE = "Scenario A, scenario B and the change map, panning together"
PREVIEW_FRAME_TITLE = "Map of the scenario being built"
_STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

#: Class of the change map's pieces that are the same in A and B.
_UNCHANGED = "unchanged"


@st.cache_resource(show_spinner=False)
def _leaflet_urls() -> tuple[list[str], list[str]]:
    """Leaflet served by the app; relative to the page, as the map frames are ``srcdoc``."""
    assets.install_static(_STATIC_DIR)
    return assets.page_links(base_url="app/static")


def _label(control_or_class: str) -> str:
    control, _, recognition = control_or_class.partition("/")
    text = render.CONTROL_LABELS.get(control, control)
    if recognition:
        text += {"de_jure": ", recognised de jure by another party",
                 "de_facto": ", accepted de facto by another party",
                 "none": ", recognised by no other party"}.get(recognition, f" ({recognition})")
    return text


def _map_document(base: folium.Map, groups: list[folium.FeatureGroup], *,
                  legend_open: bool = True) -> str:
    for group in groups:
        base.add_child(group)
    folium.LayerControl(collapsed=True).add_to(base)
    doc = base.get_root().render()
    if not legend_open:  # small side-by-side maps: the legend starts folded (one click opens)
        doc = doc.replace('"\\u003cdetails open\\u003e', '"\\u003cdetails\\u003e', 1)
    return doc


def _restyle_unchanged(groups: list[folium.FeatureGroup]) -> None:
    """Draw the change map's unchanged area light grey (the library has no such class)."""
    for group in groups:
        for child in group._children.values():
            styles = getattr(child, "styles", None)
            if not isinstance(styles, str) or f'"{_UNCHANGED}"' not in styles:
                continue
            table = json.loads(styles)
            table[_UNCHANGED] = {"color": "#9e9e9e", "weight": 0.4, "opacity": 0.8,
                                 "fillColor": "#f2f2f2", "fillOpacity": 0.85}
            child.styles = json.dumps(table)


@st.cache_resource(max_entries=24, ttl=6 * 3600, show_spinner=False)
def _scenario_document(_scenario: Scenario, _baseline: Baseline, skey: str, bkey: str,
                       legend_open: bool = False) -> str:
    _, prepared = stats_for(_scenario, _baseline)
    context = context_for(_baseline)
    caption = render.scenario_caption(_scenario)
    base = render.base_map(context, title=caption, leaflet_urls=_leaflet_urls())
    return _map_document(base, render.scenario_layers(prepared, context, title=caption),
                         legend_open=legend_open)


def single_map(scenario: Scenario, baseline: Baseline, *, height_px: int = 560) -> None:
    """Show one scenario's map (the builder's preview): same map as the page's, no rerun."""
    doc = _scenario_document(scenario, baseline, scenario_key(scenario), baseline.key,
                             legend_open=True)
    synced_maps([(scenario.title, doc)], height_px=height_px, wide_last=False,
                alt=PREVIEW_FRAME_TITLE)


def change_frame(comparison: stats.Comparison) -> gpd.GeoDataFrame:
    """Return the change map's pieces: what differs from A to B, and the rest as unchanged.

    Columns follow the partition schema so the library's map styles apply: ``control`` and
    ``display_class`` are B's, ``baseline_control`` is A's control (so outlines show the
    direction of change), plus ``from_class`` and ``to_class``.
    """
    changes = comparison.changes
    frame = pd.DataFrame({
        "iso_code": changes["iso_code"],
        "region": changes["region"],
        "baseline_control": changes["from_control"],
        "control": changes["to_control"],
        "display_class": changes["to_class"],
        "from_class": changes["from_class"],
        "to_class": changes["to_class"],
        "area_km2": changes["area_km2"],
        "population": changes["population"],
    })
    geoms = list(changes.geometry)
    outline = datasets.ukraine_outline()
    rest = shapely.difference(outline, shapely.union_all(geoms)) if geoms else outline
    if not rest.is_empty:
        same = pd.DataFrame([{
            "iso_code": "", "region": "Same in both scenarios", "baseline_control": _UNCHANGED,
            "control": _UNCHANGED, "display_class": _UNCHANGED, "from_class": _UNCHANGED,
            "to_class": _UNCHANGED, "area_km2": float("nan"), "population": float("nan"),
        }])
        frame = pd.concat([frame, same], ignore_index=True)
        geoms.append(rest)
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=CRS_GEOGRAPHIC)


def _change_tooltip(row: pd.Series, a_title: str, b_title: str) -> str:
    esc = html.escape
    if row["display_class"] == _UNCHANGED:
        return "<b>Same in both scenarios</b>"
    lines = [
        f"<b>{esc(str(row['region']))}</b>",
        f"A ({esc(a_title)}): {esc(_label(str(row['from_class'])))}",
        f"B ({esc(b_title)}): {esc(_label(str(row['to_class'])))}",
        f"Area: {float(row['area_km2']):,.0f} km²",
        f"Pre-war population: {int(round(float(row['population']))):,} people",
    ]
    return "<br>".join(lines)


def _prepared_changes(frame: gpd.GeoDataFrame, a_title: str,
                      b_title: str) -> render.PreparedPartition:
    """Map-ready change pieces with tooltips that say A → B (not "baseline")."""
    tips = [_change_tooltip(row, a_title, b_title) for _, row in frame.iterrows()]
    prepared = render.prepare_partition(frame)
    if len(prepared.rows) != len(frame):  # a piece vanished in simplification: go one by one
        rows = []
        for i in range(len(frame)):
            one = render.prepare_partition(frame.iloc[[i]]).rows
            rows.extend({**r, "t": tips[i]} for r in one)
    else:
        rows = [{**r, "t": tip} for r, tip in zip(prepared.rows, tips, strict=True)]
    for r in rows:
        if r["c"] == _UNCHANGED:
            r["h"] = r["x"] = ""
    digest = hashlib.sha1(repr([(r["c"], r["t"], r["g"]) for r in rows]).encode(),
                          usedforsecurity=False).hexdigest()
    return render.PreparedPartition(rows=rows, key=f"c{digest[:12]}", classes=prepared.classes)


@st.cache_resource(max_entries=16, ttl=6 * 3600, show_spinner=False)
def _change_document(_a: Scenario, _b: Scenario, _baseline: Baseline, akey: str, bkey: str,
                     basekey: str) -> str:
    comparison = compare_for(_a, _b, _baseline)
    prepared = _prepared_changes(change_frame(comparison), _a.title, _b.title)
    context = context_for(_baseline)
    caption = (f"Change map, from A: {_a.title} to B: {_b.title}. Colour: control in B where "
               "it differs from A (light grey: same in both); outline: direction of the change.")
    base = render.base_map(context, layers={"regions"}, title=caption,
                           leaflet_urls=_leaflet_urls())
    groups = render.scenario_layers(prepared, context, title=caption,
                                    layers={"control", "changes", "line_of_contact"})
    _restyle_unchanged(groups)
    return _map_document(base, groups)


def compare_picker(
    options: dict[str, Scenario], *, scenario_id: str, baseline: Baseline,
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
    choices = {BASELINE_SCENARIO_ID: f"The baseline ({baseline.label})",
               **{sid: s.title for sid, s in options.items()}}
    if key not in st.session_state:
        requested = st.query_params.get(key)
        if requested in choices:
            st.session_state[key] = requested
        else:
            if requested is not None:
                st.warning(md_escape(f"Unknown scenario “{requested}” to compare with: "
                                     "showing the next one instead."), icon="⚠️")
            ids = list(options)
            nxt = ids[(ids.index(scenario_id) + 1) % len(ids)] if scenario_id in ids else ids[0]
            st.session_state[key] = nxt
    elif st.session_state[key] not in choices:  # an uploaded scenario gone with its session
        st.session_state[key] = BASELINE_SCENARIO_ID
    chosen = st.selectbox("Compare with (B)", list(choices), key=key,
                          format_func=choices.__getitem__,
                          help="Scenario A is the one picked above. Changes are read from A "
                          "to B. “The baseline” is the control layer as it is.")
    st.query_params[key] = chosen
    return baseline_scenario(baseline) if chosen == BASELINE_SCENARIO_ID else options[chosen]


#: Whole km² and people with thousands separators, as in the rest of the page.
_WHOLE_NUMBERS = {
    "Area (km²)": st.column_config.NumberColumn(format="localized"),
    "Pre-war population (people)": st.column_config.NumberColumn(format="localized"),
}


def _people(value: float) -> str:
    return f"{value:+,.0f} people"


def balance_section(comparison: stats.Comparison) -> None:
    """Draw what moves from A to B: totals by destination, per region, and named towns."""
    bal = comparison.balance
    st.subheader("Balance from A to B", anchor=False)
    items = [
        ("To Russian control", bal.to_russia_km2, bal.to_russia_population, ","),
        ("To Ukrainian control", bal.to_ukraine_km2, bal.to_ukraine_population, ","),
        ("To demilitarized zone", bal.to_demilitarized_km2, bal.to_demilitarized_population,
         ","),
        ("To international administration", bal.to_international_km2,
         bal.to_international_population, ","),
        # Gained minus lost, with its sign: a zone takes area from Ukrainian control too.
        ("Net change in Ukrainian-controlled area", bal.net_ukraine_km2,
         bal.net_ukraine_population, "+,"),
    ]
    # Four destinations in a row; the net on a row of its own (its label is long).
    cols = [*st.columns(4), st.columns(2)[0]]
    for col, (label, km2, people, fmt) in zip(cols, items, strict=True):
        col.metric(label, f"{km2:{fmt}.0f} km²", f"{people:{fmt}.0f} people (pre-war)",
                   delta_color="off", delta_arrow="off")
    by_region = comparison.by_region
    if by_region.empty:
        st.info("No area changes control between A and B"
                + (" (only recognition differs)." if len(comparison.changes) else "."))
    else:
        table = pd.DataFrame({
            "Region": by_region["region"],
            "In A": by_region["from_control"].map(_label),
            "In B": by_region["to_control"].map(_label),
            "Area (km²)": by_region["area_km2"].round(0),
            "Pre-war population (people)": by_region["population"].round(0),
        })
        st.dataframe(table, hide_index=True, key="tv_compare_balance",
                     column_config=_WHOLE_NUMBERS)
    recognition_only = comparison.changes[
        comparison.changes["from_control"] == comparison.changes["to_control"]]
    if len(recognition_only):
        st.caption(f"Recognition differs (same control) on "
                   f"{recognition_only['area_km2'].sum():,.0f} km² in "
                   f"{recognition_only['region'].nunique()} region(s): see the change map.")
    towns = comparison.towns
    if len(towns):
        st.markdown("**Towns changing hands from A to B** (10,000 people or more, pre-war)")
        st.dataframe(pd.DataFrame({
            "Town": towns["name"], "Region": towns["region"],
            "Pre-war population (people)": towns["population"],
            "In A": towns["from"].map(_label), "In B": towns["to"].map(_label),
        }), hide_index=True, key="tv_compare_towns", column_config=_WHOLE_NUMBERS)


def _totals(result: stats.ScenarioStats) -> pd.DataFrame:
    return pd.DataFrame({
        "Control": result.by_control["control"].map(_label),
        "Area (km²)": result.by_control["area_km2"].round(0),
        "Share of Ukraine (%)": (result.by_control["share"] * 100).round(1),
        "Pre-war population (people)": result.by_control["population"].round(0),
    })


def compare_view(a: Scenario, b: Scenario, baseline: Baseline) -> stats.Comparison:
    """Draw compare mode for scenarios A and B over a baseline.

    Parameters
    ----------
    a, b
        The scenarios (B may be :func:`ui.state.baseline_scenario`).
    baseline
        The baseline both are evaluated against.

    Returns
    -------
    stats.Comparison
        What was shown (for tests and exports).
    """
    st.markdown(f"**A:** {md_escape(a.title)}  \n**B:** {md_escape(b.title)}  \n"
                f"{md_escape(baseline.description)}.")
    comparison = compare_for(a, b, baseline)
    doc_a = _scenario_document(a, baseline, scenario_key(a), baseline.key)
    doc_b = _scenario_document(b, baseline, scenario_key(b), baseline.key)
    doc_c = _change_document(a, b, baseline, scenario_key(a), scenario_key(b), baseline.key)
    synced_maps([(f"A: {a.title}", doc_a), (f"B: {b.title}", doc_b),
                 ("Change from A to B", doc_c)], height_px=MAP_HEIGHT_PX,
                alt=COMPARE_FRAME_TITLE)
    st.caption("The three maps pan and zoom together. Hover a piece for its numbers.")
    balance_section(comparison)
    result_a, _ = stats_for(a, baseline)
    result_b, _ = stats_for(b, baseline)
    col_a, col_b = st.columns(2)
    with col_a:
        st.markdown(f"**A: {md_escape(a.title)}**")
        st.dataframe(_totals(result_a), hide_index=True, key="tv_compare_totals_a",
                     column_config=_WHOLE_NUMBERS)
    with col_b:
        st.markdown(f"**B: {md_escape(b.title)}**")
        st.dataframe(_totals(result_b), hide_index=True, key="tv_compare_totals_b",
                     column_config=_WHOLE_NUMBERS)
    _exports(comparison, a, b, baseline)
    return comparison


def _exports(comparison: stats.Comparison, a: Scenario, b: Scenario,
             baseline: Baseline) -> None:
    """Draw the downloads of the comparison: the change layer and the balance tables."""
    changes = comparison.changes
    balance = pd.DataFrame([{"measure": k, "value": v}
                            for k, v in comparison.balance.to_dict().items()])
    tables = [("balance", balance), ("by_region", comparison.by_region),
              ("towns_changing_hands", comparison.towns),
              ("changes", pd.DataFrame(changes.drop(columns=changes.geometry.name)))]
    stem = exports.file_stem(f"{a.id}-to-{b.id}", baseline.key)
    with st.expander("Export this comparison", expanded=False):
        st.caption("The change layer (pieces whose control or recognition differs from A to "
                   "B, with from/to and km², pre-war people) and the balance tables.")
        c1, c2, c3 = st.columns(3)
        c1.download_button("Change layer (GeoJSON)", data=lambda: exports.geojson_bytes(changes),
                           file_name=f"{stem}_changes.geojson", mime="application/geo+json",
                           key="tv_compare_export_geojson", on_click="ignore")
        c2.download_button("Change layer (GeoPackage)",
                           data=lambda: exports.gpkg_bytes(changes, layer=stem),
                           file_name=f"{stem}_changes.gpkg",
                           mime="application/geopackage+sqlite3",
                           key="tv_compare_export_gpkg", on_click="ignore")
        c3.download_button("Balance CSV", data=lambda: exports.csv_bytes(tables),
                           file_name=f"{stem}_balance.csv", mime="text/csv",
                           key="tv_compare_export_csv", on_click="ignore")
