"""territory_viz page: pick a settlement scenario, see it on a map and in numbers.

Run with ``streamlit run app.py``. This file is a table of contents: widgets, cached calls
into the library (:mod:`territory_viz`), layout and one error handler. It works offline:
Leaflet is served by the app itself (see :mod:`territory_viz.assets`).

Share links: ``?scenario=<id>`` (and ``&baseline=<snapshot id>``) open that view; the URL
follows the page's state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

from territory_viz import assets, datasets, render, scenarios, stats
from territory_viz._errors import TerritoryVizError
from territory_viz.model import Party
from ui import page as analyst  # analyst workflows (issue 5): compare, builder, uploads, exports
from ui._text import md_escape

APP_DIR = Path(__file__).resolve().parent
DEFAULT_SCENARIO = "ceasefire-current-line"
MAP_HEIGHT_PX = 700  # Ukraine plus the legend below it on a laptop-width column
#: Tables longer than this many rows scroll inside a box of this height.
TABLE_SCROLL_ROWS = 14
TABLE_HEIGHT_PX = 460

# Bounded caches: read-only layers are shared by every session (cache_resource), so memory
# does not grow with viewers; evaluations are few (9 built-ins x a few baselines).
CACHE_ENTRIES = 64
CACHE_TTL_S = 6 * 3600


# --------------------------------------------------------------------------------------
# Cached calls into the library
# --------------------------------------------------------------------------------------


@st.cache_resource
def leaflet_assets() -> tuple[tuple[list[str], list[str]], str]:
    """Copy Leaflet into ./static/vendor; return its script URL and its stylesheet's text.

    The stylesheet is inlined in the map's header (no second layout once it arrives).
    """
    assets.install_static(APP_DIR / "static")
    js_urls, _ = assets.page_links()
    return (js_urls, []), assets.page_css()


@st.cache_resource(max_entries=8, ttl=CACHE_TTL_S)
def map_context(baseline_id: str) -> render.MapContext:
    """Display-ready base layers of a baseline (shared, read-only)."""
    return render.map_context(baseline_id)


@st.cache_resource(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL_S)
def evaluated(
    scenario_id: str, baseline_id: str
) -> tuple[stats.ScenarioStats, render.PreparedPartition]:
    """Evaluate a scenario: its numbers and map-ready partition (shared, read-only)."""
    result = stats.scenario_stats(scenarios.get_scenario(scenario_id), baseline_id)
    return result, render.prepare_partition(result.partition)


@st.cache_data(max_entries=4, ttl=CACHE_TTL_S)
def scenario_catalogue() -> dict[str, str]:
    """Built-in scenarios: id -> title, in the library's order."""
    return {s.id: s.title for s in scenarios.list_scenarios()}


@st.cache_data(max_entries=4, ttl=CACHE_TTL_S)
def baseline_catalogue() -> dict[str, str]:
    """Control snapshots: id -> label with the date, newest first."""
    return {
        sid: f"Control on {render.date_label(datasets.snapshot_metadata(sid).get('date', sid))}"
        for sid in sorted(datasets.snapshot_ids(), reverse=True)
    }


# --------------------------------------------------------------------------------------
# State: widgets <-> URL
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """What the viewer asked for."""

    scenario_id: str
    baseline_id: str
    layers: frozenset[str]


def _initial(param: str, allowed: dict[str, str], default: str, what: str) -> None:
    """Seed a widget from the URL once per session; remember an unknown value for a notice."""
    if param in st.session_state:
        return
    requested = st.query_params.get(param)
    if requested in allowed:
        st.session_state[param] = requested
    else:
        st.session_state[param] = default
        if requested is not None:
            st.session_state.setdefault("notices", []).append(
                f"Unknown {what} “{requested}” in the link: showing “{allowed[default]}” instead."
            )


def sidebar() -> View:
    """Scenario picker with its summary and sources, baseline choice, layer toggles."""
    catalogue = {**scenario_catalogue(), **analyst.user_catalogue()}  # + the session's own
    baselines = baseline_catalogue()
    default_baseline = (
        datasets.DEFAULT_BASELINE
        if datasets.DEFAULT_BASELINE in baselines
        else next(iter(baselines))
    )
    _initial("scenario", catalogue, DEFAULT_SCENARIO, "scenario")
    _initial("baseline", baselines, default_baseline, "baseline")
    with st.sidebar:
        scenario_id = st.selectbox(
            "Scenario", list(catalogue), key="scenario", format_func=catalogue.__getitem__
        )
        scenario = analyst.scenario(scenario_id)
        st.markdown(md_escape(scenario.summary))
        st.markdown("**Sources**")
        st.markdown("\n".join(_source_line(s) for s in scenario.sources))
        st.divider()
        baseline_id = st.selectbox(
            "Baseline (control snapshot)",
            list(baselines),
            key="baseline",
            format_func=baselines.__getitem__,
            help="Every scenario is evaluated against this dated layer of Russian control.",
        )
        st.markdown("**Layers**")
        layers = {"control"} | {
            key
            for key, label in render.LAYERS.items()
            if key != "control" and st.checkbox(label, value=True, key=f"layer_{key}")
        }
    # The URL follows the page, so a copied link reopens the same view.
    st.query_params["scenario"] = scenario_id
    if baseline_id == default_baseline:
        st.query_params.pop("baseline", None)
    else:
        st.query_params["baseline"] = baseline_id
    return View(scenario_id, baseline_id, frozenset(layers))


_SAFE_URL = re.compile(r"^https?://[^\s()<>\"']+$")


def _source_line(source: scenarios.Source) -> str:
    """One markdown bullet per source; text escaped, only plain http(s) links."""
    text = f"{md_escape(source.publisher)}, {md_escape(source.date.isoformat())}: "
    title = md_escape(source.title)
    url = getattr(source, "url", "") or ""
    line = f"- {text}[{title}]({url})" if _SAFE_URL.match(url) else f"- {text}{title}"
    if source.quote:
        line += f" — “{md_escape(source.quote)}”"
    return line


# --------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------


def header(result: stats.ScenarioStats) -> None:
    """Tool name, baseline date, one sentence of explanation."""
    st.title("territory_viz", anchor=False)
    # An uploaded layer may have no date: "****" would show as literal asterisks.
    when = render.date_label(result.baseline_date) or "an undated layer"
    st.markdown(
        "**Ukraine: who controls the territory, who claims it, and what each proposed "
        "settlement would change.**  \n"
        f"Baseline: control on **{md_escape(when)}**. "
        "Pick a proposed settlement to see who would control which part of Ukraine, "
        "who would recognise it, and what would change in km² and pre-war population."
    )
    for notice in st.session_state.pop("notices", []):
        st.warning(md_escape(notice), icon="⚠️")


def scenario_map(
    view: View, result: stats.ScenarioStats, prepared: render.PreparedPartition
) -> None:
    """Draw the folium map: constant base, scenario layers swapped in without a reload."""
    context = analyst.uploaded_context() or map_context(view.baseline_id)
    caption = render.scenario_caption(result.scenario)
    # No scenario text in the base: its script must stay identical across scenarios, or
    # streamlit-folium would remount the map (the caption comes with the scenario layers).
    urls, css = leaflet_assets()
    base = render.base_map(context, layers=view.layers, leaflet_urls=urls, leaflet_css=css)
    groups = render.scenario_layers(prepared, context, title=caption, layers=view.layers)
    # Same key and same base script on every run: the component keeps its map, and pan or
    # zoom never rerun the script (returned_objects=[]).
    st_folium(
        base,
        key="map",
        height=MAP_HEIGHT_PX,
        use_container_width=True,
        returned_objects=[],
        feature_group_to_add=groups,
        layer_control=folium.LayerControl(collapsed=True),
    )


# Numbers, not judgements: no red/green, no arrows.
_PLAIN = {"delta_color": "off", "delta_arrow": "off"}


def _people(value: float) -> str:
    return f"{value:,.0f} people"


def headline(result: stats.ScenarioStats) -> None:
    """Area and share under each control; the balance against the baseline, with signs."""
    st.subheader("Who would control what")
    for row in result.by_control.itertuples():
        st.metric(
            render.CONTROL_LABELS.get(row.control, row.control),
            f"{row.area_km2:,.0f} km²",
            f"{row.share:.1%} of Ukraine",
            delta_color="off",
            delta_arrow="off",
        )
        st.caption(f"{_people(row.population)} (pre-war)")
    st.subheader("Change against the baseline")
    balance = result.balance
    rows = [
        ("To Russian control", balance.to_russia_km2, balance.to_russia_population),
        ("Back to Ukrainian control", balance.to_ukraine_km2, balance.to_ukraine_population),
        (
            "Becomes demilitarized",
            balance.to_demilitarized_km2,
            balance.to_demilitarized_population,
        ),
    ]
    if balance.to_international_km2:
        rows.append(
            (
                "To international administration",
                balance.to_international_km2,
                balance.to_international_population,
            )
        )
    for label, km2, people in rows:
        st.metric(label, f"{km2:+,.0f} km²", f"{people:+,.0f} people", **_PLAIN)
    # Gained minus lost: what a demilitarized zone takes from Ukrainian control counts too.
    st.metric(
        "Net change in Ukrainian-controlled area",
        f"{balance.net_ukraine_km2:+,.0f} km²",
        f"{balance.net_ukraine_population:+,.0f} people",
        **_PLAIN,
    )
    st.caption("People: pre-war resident population (2022; Crimea and Sevastopol: pre-2014).")


def _md_table(header: list[str], rows: list[list[object]], *, numeric: set[int]) -> str:
    """Write a markdown table; cells escaped, numbers (columns in ``numeric``) right-aligned.

    Markdown, not ``st.dataframe``: the data grid's script (about 1.4 MB) would otherwise be
    fetched, compiled and laid out by every new viewer before the map could paint.
    """

    def cell(value: object) -> str:
        return md_escape(" ".join(str(value).split())) or " "

    align = ["---:" if i in numeric else ":---" for i in range(len(header))]
    lines = [
        "| " + " | ".join(cell(h) for h in header) + " |",
        "| " + " | ".join(align) + " |",
        *("| " + " | ".join(cell(v) for v in row) + " |" for row in rows),
    ]
    return "\n".join(lines)


def _table(header: list[str], rows: list[list[object]], *, numeric: set[int]) -> None:
    """Show a table; a long one scrolls inside a box of fixed height."""
    box = st.container(height=TABLE_HEIGHT_PX) if len(rows) > TABLE_SCROLL_ROWS else st
    box.markdown(_md_table(header, rows, numeric=numeric))


def _label(control: str) -> str:
    return render.CONTROL_LABELS.get(control, control)


def tables(result: stats.ScenarioStats) -> None:
    """Per-region table, towns changing hands, recognition matrix (units in the headers)."""
    regions_tab, towns_tab, recognition_tab = st.tabs(
        ["By region", "Towns changing hands", "Recognition"]
    )
    with regions_tab:
        # Alphabetical, so a reader finds a region (the library keeps ISO-code order).
        by_region = result.by_region.sort_values(["region", "control"], kind="stable")
        _table(
            ["Region", "Control", "Area (km²)", "Share of region (%)",
             "Pre-war population (people)"],
            [
                [r.region, _label(r.control), f"{r.area_km2:,.0f}",
                 f"{r.share_of_region * 100:.1f}", f"{r.population:,.0f}"]
                for r in by_region.itertuples()
            ],
            numeric={2, 3, 4},
        )  # fmt: skip
    with towns_tab:
        towns = result.towns
        if towns.empty:
            st.write("No town of 10,000 or more people changes hands against the baseline.")
        else:
            _table(
                ["Town", "Region", "Pre-war population (people)", "Baseline control",
                 "Scenario control"],
                [
                    [name, region, f"{population:,.0f}", _label(before), _label(after)]
                    for name, region, population, before, after in zip(
                        towns["name"], towns["region"], towns["population"], towns["from"],
                        towns["to"], strict=True,
                    )
                ],
                numeric={2},
            )  # fmt: skip
    with recognition_tab:
        matrix = result.recognition
        if matrix.empty:
            st.write("The whole country is under Ukrainian control: nothing to recognise.")
        else:
            st.caption(
                "What each party would accept about control other than Ukraine's: de jure = "
                "legal recognition of sovereignty; de facto = accepted as a fact on the ground."
            )
            parties = list(Party)
            _table(
                ["Control", *(p.label for p in parties), "Area (km²)",
                 "Pre-war population (people)", "Regions"],
                [
                    [_label(row["control"]),
                     *(str(row[f"rec_{p.value}"]).replace("_", " ") for p in parties),
                     f"{row['area_km2']:,.0f}", f"{row['population']:,.0f}",
                     row["regions"] if isinstance(row["regions"], str)
                     else ", ".join(row["regions"])]
                    for _, row in matrix.iterrows()
                ],
                numeric={len(parties) + 1, len(parties) + 2},
            )  # fmt: skip


def main() -> None:
    """Lay out the page."""
    st.set_page_config(page_title="territory_viz", page_icon="🗺️", layout="wide")
    view = sidebar()
    # --- analyst workflows (ui/, issue 5): mode, uploads, compare, builder, exports ---
    mode = analyst.sidebar_tools()
    scenario, baseline = analyst.resolve(view.scenario_id, view.baseline_id)
    if analyst.is_custom(view.scenario_id):
        result, prepared = analyst.evaluated(scenario, baseline)
    else:
        result, prepared = evaluated(view.scenario_id, view.baseline_id)
    header(result)
    if analyst.main_view(mode, scenario, baseline):
        return
    # --- end analyst workflows ---
    map_col, numbers_col = st.columns([5, 2], gap="medium")
    with map_col:
        scenario_map(view, result, prepared)
    with numbers_col:
        headline(result)
    tables(result)
    analyst.exports(scenario, baseline, result)  # analyst workflows: downloads of this view


try:
    main()
except TerritoryVizError as exc:  # the one error handler: bad input never shows a traceback
    st.error(md_escape(str(exc)))
