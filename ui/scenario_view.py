"""The map page's views: the scenario on a map, its headline numbers, tables and downloads."""

from __future__ import annotations

import dataclasses
from typing import Any

import branca.element
import folium
import pandas as pd
import streamlit as st

from territory_viz import datasets, history, notices, render, stats, towns
from territory_viz._errors import ValidationError
from territory_viz.model import Party
from territory_viz.render.view import FocusPlace, MapView
from territory_viz.scenarios import Scenario
from territory_viz.style import (
    BALANCE_ROWS,
    NET_UKRAINE_LABEL,
    TOWN_CHANGE_MIN_POPULATION,
    format_share,
    recognised_by,
)
from territory_viz.svg import scenario_notes as svg_notes
from ui import cache, map_component, share_view, state
from ui import exports as export_views
from ui._text import md_escape
from ui.baseline import Baseline
from ui.shell import View, lazy_expander, set_date
from ui.state import session_history

#: Height the map component is created with; the page's stylesheet (ui/page.css) then sizes
#: its frame to the viewport, and the map fills the frame (:data:`FILL_FRAME_CSS`).
MAP_HEIGHT_PX = 700
#: Added to the map's header: the map fills its frame, whatever height the page gives it.
FILL_FRAME_CSS = (
    "<style>html, body { margin: 0; overflow: hidden; } "
    "#map_div { height: 100vh !important; }</style>"
)
#: Tables longer than this many rows scroll inside a box of this height.
TABLE_SCROLL_ROWS = 14
TABLE_HEIGHT_PX = 460
#: Session key of the export expander (drawn only while open, like the uploaders).
OPEN_EXPORTS = "tv_open_exports"


def _folium_map(
    view: View, prepared: render.PreparedPartition, link_view: MapView | None = None
) -> tuple[folium.Map, list[folium.FeatureGroup], None]:
    """Build the folium map: constant base, the scenario's layers, no layer control.

    The sidebar's checkboxes are the page's one layer control.
    """
    context = cache.context_for(view.baseline)
    caption = render.scenario_caption(view.scenario, view.baseline.date or "")
    # No scenario text in the base: its script must stay identical across scenarios, or
    # streamlit-folium would remount the map (the caption comes with the scenario layers).
    # The link's view is read once per session, so it keeps the base the same too.
    urls, css = cache.leaflet_assets()
    base = render.base_map(
        context,
        layers=view.layers,
        leaflet_urls=urls,
        leaflet_css=css,
        view=link_view,
        share_view=True,
    )
    root = base.get_root()
    assert isinstance(root, branca.element.Figure)  # a folium map's root is its page
    root.header.add_child(folium.Element(FILL_FRAME_CSS), name="tv_fill_frame")
    groups = render.scenario_layers(prepared, context, title=caption, layers=view.layers)
    return base, groups, None


def warm_map(scenario: Scenario, baseline: Baseline) -> None:
    """Prepare a scenario's page as a new viewer first sees it, into the shared caches.

    Its map (every layer on) rendered, its headline line, figures and tables written.
    """
    result, prepared = cache.stats_for(scenario, baseline)
    view = View(scenario, baseline, render.DEFAULT_LAYERS, baseline.key)
    cache.rendered_map(_map_key(view, prepared, None), lambda: _folium_map(view, prepared))
    key_numbers_text(result)
    _headline_of(result)
    _tables_of(result)


def _map_key(
    view: View, prepared: render.PreparedPartition, link_view: MapView | None
) -> tuple[str, ...]:
    return (
        "scenario",
        cache.scenario_key(view.scenario),
        view.baseline.key,
        prepared.key,
        *sorted(view.layers),
        *(() if link_view is None else ("view", repr(link_view))),
    )


#: Index of the found town's layer among the map's swapped-in layers (after the scenario's).
_TOWN_GROUP_INDEX = 90


def _town_layer(town: towns.Town) -> str:
    """Return the found town's layer (a ring, the map centred on it) as the component's script.

    Made apart from the cached map (a few characters), so a town found does not render the
    whole map again.
    """
    found = folium.FeatureGroup(name="Town found", control=False)
    found.add_child(FocusPlace(town.lat, town.lon, town.name))
    return map_component.feature_group_script(found, index=_TOWN_GROUP_INDEX)


def _painted() -> None:
    # Before the run the paint report starts: the shell draws its widgets in that run too.
    st.session_state[state.MAP_PAINTED] = True


def scenario_map(
    view: View, prepared: render.PreparedPartition, *, town: towns.Town | None = None
) -> bool:
    """Draw the map: constant base, scenario layers swapped in without a reload.

    Built and rendered once per scenario, baseline and layers for every session
    (:func:`ui.cache.rendered_map`), not on every script run. The map opens on the link's
    view if it has one (``&lat=&lon=&zoom=``) and the page's address follows the reader's
    view; with ``town``, the map centres on that place.

    Returns whether the rest of the page is to be drawn in this run (:func:`map_first`).
    """
    link_view = share_view.link_view()
    rendered = cache.rendered_map(
        _map_key(view, prepared, link_view), lambda: _folium_map(view, prepared, link_view)
    )
    if town is not None:
        rendered = dataclasses.replace(
            rendered, feature_group=(rendered.feature_group or "") + _town_layer(town)
        )
    # Same key and same base script on every run: the component keeps its map, and pan or
    # zoom never rerun the script (returned_objects=[]). No layer control on the map: the
    # sidebar's checkboxes are the one control and the map draws what they select.
    waiting = state.map_first()
    if map_component.show(
        rendered, key="map", height=MAP_HEIGHT_PX, report_paint=waiting, on_paint=_painted
    ):
        return True
    return not waiting


# Numbers, not judgements: no red/green, no arrows.
_PLAIN = {"delta_color": "off", "delta_arrow": "off"}


def _people(value: float) -> str:
    return f"{value:,.0f} people"


def key_numbers_text(result: stats.ScenarioStats) -> str:
    """Return the headline numbers as one line of markdown (area, share, net change)."""
    return cache.derived(result, "key_numbers", lambda: _key_numbers_text(result))


def _key_numbers_text(result: stats.ScenarioStats) -> str:
    parts = [
        f"**{_label(row.control)}: {row.area_km2:,.0f} km²** ({format_share(row.share)} of Ukraine)"
        for row in result.by_control.itertuples()
    ]
    net = result.balance.net_ukraine_km2
    parts.append(f"**Net change in Ukrainian-controlled area: {net:+,.0f} km²**")
    return " · ".join(parts)


def key_numbers(result: stats.ScenarioStats) -> None:
    """Draw the headline numbers in one line above the map (a phone sees them first)."""
    with st.container(key="tv_key_numbers"):
        st.markdown(key_numbers_text(result))


@dataclasses.dataclass(frozen=True)
class Figure:
    """One labelled figure as a metric shows it: what, how much, and beside it what it means."""

    label: str
    value: str
    delta: str
    #: A smaller line under it (a control's pre-war people).
    note: str = ""


def control_figure(row: Any) -> Figure:
    """One control's area and share of Ukraine (a ``by_control`` row), as the page words it."""
    return Figure(
        render.CONTROL_LABELS.get(row.control, row.control),
        f"{row.area_km2:,.0f} km²",
        f"{format_share(row.share)} of Ukraine",
    )


def control_metric(target: Any, row: Any) -> None:
    """Show one control's figure (:func:`control_figure`) as a metric (the builder's numbers).

    ``target`` is ``st`` or a column.
    """
    figure = control_figure(row)
    target.metric(figure.label, figure.value, figure.delta, **_PLAIN)


def headline_figures(result: stats.ScenarioStats) -> tuple[list[Figure], list[Figure]]:
    """Area and share under each control; the balance against the baseline, with signs."""
    control = [
        dataclasses.replace(control_figure(row), note=f"{_people(row.population)} (pre-war)")
        for row in result.by_control.itertuples()
    ]
    balance = result.balance
    change = []
    for key, label in BALANCE_ROWS:
        km2 = getattr(balance, f"{key}_km2")
        if key == "to_international" and not km2:
            continue  # rare: shown only when a scenario has it
        people = getattr(balance, f"{key}_population")
        change.append(Figure(label, f"{km2:+,.0f} km²", f"{people:+,.0f} people"))
    # Gained minus lost: what a demilitarized zone takes from Ukrainian control counts too.
    change.append(
        Figure(
            NET_UKRAINE_LABEL,
            f"{balance.net_ukraine_km2:+,.0f} km²",
            f"{balance.net_ukraine_population:+,.0f} people",
        )
    )
    return control, change


def figures_markdown(figures: list[Figure]) -> str:
    """Write figures as markdown, one paragraph each, laid out as metrics show them.

    Label (small), value (bold; the page's stylesheet makes it large), delta (a grey badge)
    and note (small, grey). One element for all of them, and no metric's script: that is
    four more files for every new viewer to fetch, and one element per figure.
    """

    def paragraph(figure: Figure) -> str:
        lines = [f":small[{md_escape(figure.label)}]", f"**{md_escape(figure.value)}**"]
        if figure.delta:
            lines.append(f":gray-badge[{md_escape(figure.delta)}]")
        if figure.note:
            lines.append(f":small[:gray[{md_escape(figure.note)}]]")
        return "  \n".join(lines)

    return "\n\n".join(paragraph(figure) for figure in figures)


def _headline_of(result: stats.ScenarioStats) -> tuple[str, ...]:
    """Return the headline figures' markdown, written once per process (:func:`cache.derived`)."""
    return cache.derived(
        result,
        "headline",
        lambda: tuple(figures_markdown(figures) for figures in headline_figures(result)),
    )


#: Key of the container of the headline figures (the page's stylesheet sizes their values).
HEADLINE_KEY = "tv_headline"


def headline(result: stats.ScenarioStats) -> None:
    """Area and share under each control; the balance against the baseline, with signs.

    Written once per evaluation and process (:func:`ui.cache.derived`).
    """
    control, change = _headline_of(result)
    with st.container(key=HEADLINE_KEY):
        st.subheader("Who would control what")
        st.markdown(control)
        st.subheader("Change against the baseline")
        st.markdown(change)
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


def _table_text(
    header: list[str], rows: list[list[object]], *, numeric: set[int]
) -> tuple[str, bool]:
    """Return a table's markdown and whether it is long enough to scroll in a box."""
    return _md_table(header, rows, numeric=numeric), len(rows) > TABLE_SCROLL_ROWS


def _table(table: tuple[str, bool]) -> None:
    """Show a table (:func:`_table_text`); a long one scrolls inside a box of fixed height."""
    text, scrolls = table
    box = st.container(height=TABLE_HEIGHT_PX) if scrolls else st
    box.markdown(text)


def town_change_rows(frame: pd.DataFrame) -> list[list[object]]:
    """Rows of towns changing hands: name, region, pre-war people, control before, after."""
    return [
        [name, region, f"{population:,.0f}", _label(before), _label(after)]
        for name, region, population, before, after in zip(
            frame["name"],
            frame["region"],
            frame["population"],
            frame["from"],
            frame["to"],
            strict=True,
        )
    ]


def _label(control: str) -> str:
    return render.CONTROL_LABELS.get(control, control)


@dataclasses.dataclass(frozen=True)
class _Tables:
    """The map page's three tables as markdown (:func:`_table_text`; ``None``: empty)."""

    regions: tuple[str, bool]
    towns: tuple[str, bool] | None
    recognition: tuple[str, bool] | None


def _table_texts(result: stats.ScenarioStats) -> _Tables:
    """Write the three tables of one evaluation."""
    # Alphabetical, so a reader finds a region (the library keeps ISO-code order).
    by_region = result.by_region.sort_values(["region", "control"], kind="stable")
    regions = _table_text(
        ["Region", "Control", "Area (km²)", "Share of region (%)",
         "Pre-war population (people)"],
        [
            [r.region, _label(r.control), f"{r.area_km2:,.0f}",
             f"{r.share_of_region * 100:.1f}", f"{r.population:,.0f}"]
            for r in by_region.itertuples()
        ],
        numeric={2, 3, 4},
    )  # fmt: skip
    towns = recognition = None
    frame = result.towns
    if not frame.empty:
        towns = _table_text(
            ["Town", "Region", "Pre-war population (people)", "Baseline control",
             "Scenario control"],
            town_change_rows(frame),
            numeric={2},
        )  # fmt: skip
    matrix = result.recognition
    if not matrix.empty:
        parties = list(Party)
        recognition = _table_text(
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
    return _Tables(regions, towns, recognition)


def _tables_of(result: stats.ScenarioStats) -> _Tables:
    """Return the tables of an evaluation, written once per process (:func:`cache.derived`)."""
    return cache.derived(result, "tables", lambda: _table_texts(result))


def tables(result: stats.ScenarioStats) -> None:
    """Per-region table, towns changing hands, recognition matrix (units in the headers).

    Their markdown is written once per evaluation and process, not on every script run of
    every session.
    """
    texts = _tables_of(result)
    regions_tab, towns_tab, recognition_tab = st.tabs(
        ["By region", "Towns changing hands", "Recognition"]
    )
    with regions_tab:
        st.caption(md_escape(notices.REGION_AREA_NOTE))
        _table(texts.regions)
    with towns_tab:
        if texts.towns is None:
            st.write(
                f"No town of {TOWN_CHANGE_MIN_POPULATION:,} or more people changes hands "
                "against the baseline."
            )
        else:
            _table(texts.towns)
    with recognition_tab:
        if texts.recognition is None:
            st.write("The whole country is under Ukrainian control: nothing to recognise.")
        else:
            st.caption(
                "What each party would accept about control other than Ukraine's: de jure = "
                "legal recognition of sovereignty; de facto = accepted as a fact on the ground."
            )
            _table(texts.recognition)


def _sources(chosen: Scenario, baseline: Baseline) -> list[str]:
    lines = [f"{s.publisher}, {s.date.isoformat()}: {s.title}" for s in chosen.sources]
    line = f"Control: {baseline.label}" + (f" ({baseline.date})" if baseline.date else "")
    lines.extend(notices.credit(line, baseline.layer))
    lines.append(
        "Regions: Natural Earth admin-1 (public domain); pre-war population: State "
        "Statistics Service of Ukraine, 1 Jan 2022"
    )
    return lines


def _tables(result: stats.ScenarioStats) -> list[tuple[str, pd.DataFrame]]:
    recognition = result.recognition.copy()
    if "regions" in recognition.columns:
        recognition["regions"] = recognition["regions"].map(
            lambda r: r if isinstance(r, str) else "; ".join(map(str, r))
        )
    balance = pd.DataFrame(
        [{"measure": k, "value": v} for k, v in result.balance.to_dict().items()]
    )
    return [
        ("by_control", result.by_control),
        ("by_region", result.by_region),
        ("balance", balance),
        ("towns_changing_hands", result.towns),
        ("recognition", recognition),
    ]


def exports(chosen: Scenario, baseline: Baseline, result: stats.ScenarioStats) -> None:
    """Draw the downloads of the current view (scenario over the baseline in use)."""
    partition = result.partition
    caption = render.scenario_caption(chosen, baseline.date or "")
    note = notices.export_note(chosen.as_of, baseline.date or "", baseline.layer)

    def html() -> str:
        return render.standalone_html(partition, baseline=baseline.value, title=caption)

    def svg() -> bytes:
        label = f"Line of control in the baseline ({baseline.date or baseline.label})"
        return export_views.svg_bytes(
            partition,
            title=chosen.title,
            date=baseline.date,
            subtitle="Who would control what: colour = control, hatching = recognition",
            sources=_sources(chosen, baseline),
            neighbours=datasets.load_neighbours(),
            baseline_label=label,
            note=svg_notes(chosen, baseline.date or ""),
        )

    box = lazy_expander("Export this view", OPEN_EXPORTS)
    if not box.open:
        return
    with box:
        export_views.export_buttons(
            stem=export_views.file_stem(chosen.id, baseline.key),
            partition=partition,
            tables=lambda: _tables(result),
            html=html,
            svg=svg,
            scenario=chosen.id,
            baseline=baseline.key,
            date=baseline.date or "",
            sources=_sources(chosen, baseline),
            note=note,
        )


#: Widget key of the button that moves the baseline to the snapshot nearest the scenario's date.
NEAREST_BUTTON = "tv_nearest_snapshot"


#: Widget key of the button that moves the slider to the history's day of the proposal's date.
PROPOSAL_DAY_BUTTON = "tv_proposal_day"


def nearest_snapshot_offer(view: View) -> None:
    """Offer, in one click, a line of control nearer the scenario's date (one button at most).

    - Where the session's history has a day within
      :data:`territory_viz.history.PROPOSAL_DAY_WITHIN_DAYS` of the scenario's ``as_of``
      (and it is not the day in use): "Evaluate on the line of this proposal's date".
    - Else, when the baseline in use is more than
      :data:`territory_viz.notices.DATE_MISMATCH_DAYS` days from ``as_of`` and a committed
      snapshot of the history is nearer that date: "Evaluate on the snapshot nearest this
      scenario's date".

    Both move the date slider (:func:`ui.shell.set_date`). An uploaded layer in use wins
    over any date, so no offer is made then (the upload box says how to go back).
    """
    baseline = view.baseline
    if baseline.filename is not None:
        return
    days = session_history()
    proposal_day = days.proposal_day(view.scenario.as_of.isoformat())
    if proposal_day is not None:
        if proposal_day != view.date:
            st.button(
                "Evaluate on the line of this proposal's date "
                f"({notices.format_date(proposal_day)})",
                key=PROPOSAL_DAY_BUTTON,
                on_click=set_date,
                args=(proposal_day,),
                help=f"The proposal is dated {notices.format_date(view.scenario.as_of)}; this "
                "moves the date slider to the history's nearest day (within "
                f"{history.PROPOSAL_DAY_WITHIN_DAYS} days).",
            )
        return
    if not notices.date_mismatch(view.scenario.as_of, baseline.date or ""):
        return
    committed = [f"occupied-{d}" for d in days.dates() if days.is_committed(d)]
    nearest = notices.nearest_snapshot(view.scenario.as_of, committed)
    if not nearest or nearest == baseline.key:
        return
    date = nearest.removeprefix("occupied-")
    day = notices.format_date(date)
    st.button(
        f"Evaluate on the snapshot nearest this scenario's date ({day})",
        key=NEAREST_BUTTON,
        on_click=set_date,
        args=(date,),
        help="Every number and the map are then measured against the line of control of "
        f"{day} instead of {notices.format_date(baseline.date)}.",
    )


#: Widget key and query parameter of the "Find a town" box.
TOWN_PARAM = "town"


def _set_town(name: str) -> None:
    st.session_state[TOWN_PARAM] = name


def _town_query() -> str:
    """Return the "Find a town" box's text; ``?town=NAME`` fills it on the first run."""
    if TOWN_PARAM not in st.session_state:
        st.session_state[TOWN_PARAM] = (st.query_params.get(TOWN_PARAM) or "")[
            : towns.MAX_QUERY_CHARS
        ]
    return str(st.session_state[TOWN_PARAM]).strip()


def found_town() -> towns.Town | None:
    """Return the place the "Find a town" box names, if exactly one answers (for the map)."""
    query = _town_query()
    if not query:
        return None
    try:
        return towns.find_town(query)
    except ValidationError:  # TownNotFound too: the card says why
        return None


def town_card(view: View, options: dict[str, Scenario]) -> None:
    """Draw the "Find a town" box and, for a town found, who controls it where.

    ``?town=NAME`` fills the box; the URL follows it. Close spellings and places sharing a
    name are offered as buttons; the card gives the baseline's control and each scenario's,
    with what other parties would recognise, and the pre-war population. The map centres on
    the town (:func:`found_town`, :func:`scenario_map`).
    """
    _town_query()
    query = st.text_input(
        "Find a town",
        key=TOWN_PARAM,
        max_chars=towns.MAX_QUERY_CHARS,
        placeholder="e.g. Kramatorsk, Huliaipole, Enerhodar",
        help="Any common spelling: Sloviansk or Slovyansk, Latin or "
        "Cyrillic. Add “, Region” to tell namesakes apart. The map zooms to it.",
    ).strip()
    if not query:
        st.query_params.pop(TOWN_PARAM, None)
        return
    if st.query_params.get(TOWN_PARAM) != query:
        st.query_params[TOWN_PARAM] = query
    try:
        town = towns.find_town(query)
    except towns.TownNotFound as err:
        st.warning(md_escape("; ".join(err.problems)))
        for i, candidate in enumerate(err.candidates):
            st.button(
                candidate.label(),
                key=f"tv_town_pick_{i}",
                on_click=_set_town,
                args=(f"{candidate.name}, {candidate.region}",),
            )
        return
    except ValidationError as err:
        st.warning(md_escape("; ".join(err.problems)))
        return
    outcomes = cache.town_outcomes(town, list(options.values()), view.baseline)
    base = outcomes["baseline"]
    with st.container(border=True, key="tv_town_card"):
        st.markdown(
            f"**{md_escape(town.name)}**, {md_escape(town.region)}: "
            f"{town.population:,} people (pre-war, GeoNames)  \n"
            f"On {md_escape(render.date_label(base['date']) or 'the baseline')}: "
            f"**{md_escape(_label(base['control']))}**"
        )
        rows = []
        for scenario_id, outcome in outcomes["scenarios"].items():
            rows.append(
                [
                    options[scenario_id].title if scenario_id in options else outcome["title"],
                    _label(outcome["control"]),
                    recognised_by(outcome["recognition"])
                    if outcome["control"] != "ukraine"
                    else "",
                ]
            )
        st.markdown(_md_table(["Proposal", "Control", "Recognised"], rows, numeric=set()))
