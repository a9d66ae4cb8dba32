"""The frame around every page: the shared sidebar, the header, and links that open a page.

``app.py`` calls, in order: :func:`follow_link` (a share link's ``?compare=`` or ``?view=``
opens its page), :func:`frame` (the headline and the scenario picker at the top of the main
column, where a phone shows them without opening anything, and on the map page the date
slider that moves the baseline; the sidebar with the layers and the two uploaders, the same
on every page), then runs the page, which reads the viewer's choices with :func:`view`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from territory_viz import datasets, history, notices, render, scenarios
from territory_viz.textsafe import isolate_if_bidi
from ui import share_view, state
from ui._text import NOTICE_ICON, UPLOADED_LAYER_ICON, md_escape
from ui.baseline import Baseline
from ui.state import (
    add_user_scenario,
    all_scenarios,
    current_baseline,
    session_history,
    uploaded_baseline,
    user_scenarios,
)
from ui.uploads import layer_upload, scenario_upload

if TYPE_CHECKING:
    from streamlit.navigation.page import StreamlitPage

DEFAULT_SCENARIO = "ceasefire-current-line"
#: Query parameter naming the second scenario of the compare page.
COMPARE_PARAM = "compare"
#: Query parameter naming a page (``?view=compare``), for links written by hand.
VIEW_PARAM = "view"
#: Session keys of the expanders whose contents are drawn only while they are open (lazy):
#: a first visit then paints the map without the uploaders' scripts.
OPEN_SCENARIO_UPLOAD = "tv_open_scenario_upload"
OPEN_LAYER_UPLOAD = "tv_open_layer_upload"
_VIEW = "tv_view"
_PAGE_CSS = Path(__file__).resolve().parent / "page.css"
_LANDED = "tv_landed"
_GOTO = "tv_goto"


@dataclass(frozen=True)
class View:
    """What the viewer asked for, resolved: the scenario and the baseline in use."""

    scenario: scenarios.Scenario
    baseline: Baseline
    layers: frozenset[str]
    #: The date picked on the slider (an uploaded layer, when there is one, wins over it).
    date: str

    @property
    def scenario_id(self) -> str:
        """Id of the scenario shown (built-in or the session's own)."""
        return self.scenario.id


def view() -> View:
    """Return the viewer's choices made in the sidebar on this run."""
    return st.session_state[_VIEW]


def go_to(page: str) -> None:
    """Open another page on the next run (for button callbacks, which cannot switch pages)."""
    st.session_state[_GOTO] = page


def show_scenario(scenario_id: str) -> None:
    """Button callback: show a scenario on the map page (runs before the picker is drawn)."""
    st.session_state["scenario"] = scenario_id
    st.session_state[_KEPT_SCENARIO] = scenario_id  # the choice kept, as a pick in the picker
    go_to("map")


def add_and_show(variant: scenarios.Scenario) -> None:
    """Button callback: add a built scenario to the picker and show it on the map page."""
    show_scenario(add_user_scenario(variant).id)


def follow_link(current: StreamlitPage, pages: dict[str, StreamlitPage]) -> None:
    """Switch to the page a link or a button asked for, keeping the link's parameters.

    A share link ``?scenario=A&compare=B`` opens the compare page and ``?view=NAME`` the
    page ``NAME``, once per session, when the link lands on the default page.
    """
    goto = st.session_state.pop(_GOTO, None)
    first = _LANDED not in st.session_state
    st.session_state[_LANDED] = True
    if goto is None and first and current is pages[next(iter(pages))]:
        requested = st.query_params.get(VIEW_PARAM)
        if requested in pages:
            goto = requested
        elif st.query_params.get(COMPARE_PARAM):
            goto = "compare"
    if goto is not None and pages.get(goto) is not None and pages[goto] is not current:
        params = {k: v for k, v in st.query_params.to_dict().items() if k != VIEW_PARAM}
        if goto != "compare":
            params.pop(COMPARE_PARAM, None)
        st.switch_page(pages[goto], query_params=params)
    st.query_params.pop(VIEW_PARAM, None)


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
            state.add_notice(
                f"Unknown {what} “{requested}” in the link: showing “{allowed[default]}” instead."
            )


_SAFE_URL = re.compile(r"^https?://[^\s()<>\"']+$")


def source_line(source: scenarios.Source) -> str:
    """One markdown bullet per source; text escaped, only plain http(s) links."""
    text = f"{md_escape(source.publisher)}, {md_escape(source.date.isoformat())}: "
    title = md_escape(source.title)
    url = getattr(source, "url", "") or ""
    line = f"- {text}[{title}]({url})" if _SAFE_URL.fullmatch(url) else f"- {text}{title}"
    if source.quote:
        line += f" — “{md_escape(source.quote)}”"
    return line


def lazy_expander(label: str, key: str):
    """Return a closed expander that reruns the page when opened or closed; test ``.open``.

    Draw its contents only while it is open, so their widgets' scripts are not fetched
    and laid out before the map paints.
    """
    return st.expander(label, key=key, on_change="rerun")


def _uploads() -> None:
    """Draw the two uploaders, each in an expander drawn only when opened.

    A file chosen in a closed expander is not kept; what it loaded is.
    """
    scenario_box = lazy_expander("Upload a scenario file", OPEN_SCENARIO_UPLOAD)
    if scenario_box.open:
        with scenario_box:
            new_id = scenario_upload()
            if new_id:
                st.button(
                    "Show it on the map",
                    key="tv_upload_show",
                    on_click=show_scenario,
                    args=(new_id,),
                )
    # An uploaded layer in use is named above the map; "back" is in here.
    layer_box = lazy_expander("Upload a control layer (baseline)", OPEN_LAYER_UPLOAD)
    if layer_box.open:
        with layer_box:
            if layer_upload():
                st.rerun()


#: The map page's file (for links to it), relative to app.py.
MAP_PAGE_FILE = "ui/pages/map.py"
#: What each page's headline says (the page's own name is in the navigation).
HEADLINES = {
    "map": "Ukraine: who would control what under each proposed settlement",
    "compare": "Two proposed settlements side by side",
    "build": "Build a settlement scenario of your own",
    "gallery": "Every proposed settlement at a glance",
}
#: Pages that show one scenario (the picker is drawn at their top, in the main column).
SCENARIO_PAGES = ("map", "compare", "build")
#: Pages that draw a map first and report its paint (state.map_first); their first run
#: holds the shell's widgets back too.
MAP_FIRST_PAGES = ("map", "compare")
#: The picker and slider's row, and what stands for it while it is held back (page.css
#: gives it the row's height).
CONTROLS_KEY = "tv_controls"
CONTROLS_HELD_KEY = "tv_controls_held"  # the picker's row and the date slider
CONTROLS_HELD_ROW_KEY = "tv_controls_held_row"  # the picker's row alone
_KEPT_SCENARIO = "tv_scenario_kept"
#: Whether the session's last run drew the picker: after a run without it (the gallery, the
#: timeline, a first run holding it back) the viewer cannot have changed it, and a value the
#: browser sends for it then is an older one (seen after "Show it on the map", when the
#: gallery's run was followed by the map page's with the scenario shown before).
_PICKER_DRAWN = "tv_picker_drawn"
#: What the page last wrote into the URL, per parameter: a different value there comes
#: from a link followed inside the session (gallery, back button) and wins over the widget.
_WRITTEN = "tv_url_written"


def _follow_url(param: str, allowed: dict[str, str]) -> None:
    """Let a URL value changed by a link inside the session set the widget (before it is drawn)."""
    written = st.session_state.get(_WRITTEN, {})
    requested = st.query_params.get(param)
    if param in written and requested in allowed and requested != written[param]:
        st.session_state[param] = requested


def _scenario_picker(catalogue: dict[str, str], *, label: str) -> str:
    """Draw the scenario picker in the main column (seen on a phone without the sidebar)."""
    st.session_state[_PICKER_DRAWN] = True  # what comes for it next run can be a pick
    # Titles are the visitors' text: isolated, a U+202E cannot reverse the picker's line.
    return st.selectbox(
        label,
        list(catalogue),
        key="scenario",
        format_func=lambda sid: isolate_if_bidi(catalogue[sid]),
    )


def about(scenario: scenarios.Scenario, baseline_date: object = None) -> None:
    """Draw the scenario's summary, its readings and dated sources (text from the file, escaped).

    With ``baseline_date``, also the notice that the scenario was reported far from the date
    of the control it is evaluated on.
    """
    st.markdown(md_escape(scenario.summary))
    if baseline_date is not None:
        notice = notices.date_notice(scenario.as_of, str(baseline_date or ""))
        if notice:
            st.caption(md_escape(notice))
    for reading in scenario.readings():
        st.caption(md_escape(f"Reading: {reading}"))
    if scenario.sources:
        st.markdown("**Sources**\n" + "\n".join(source_line(s) for s in scenario.sources))


#: Session key of the date picked, kept while a page without the slider is shown.
_KEPT_DATE = "tv_date_kept"
#: Query parameter (and widget key) of the date whose line of control is the baseline.
DATE_PARAM = "date"
#: The older share-link parameter naming a committed snapshot (still read on open).
BASELINE_PARAM = "baseline"


def set_date(date: str) -> None:
    """Button callback: move the baseline to the line of ``date`` (a day of the history).

    Runs before the slider is drawn on the next run, so the slider shows the new date.
    """
    st.session_state[DATE_PARAM] = date
    st.session_state[_KEPT_DATE] = date


def _date_from_link(dates: list[str], default: str, days: history.History) -> str:
    """Return the date a share link asks for (``?date=``, older ``?baseline=``) or the default.

    A malformed date or one the history lacks gets a notice (the nearest day is shown).
    """
    requested = st.query_params.get(DATE_PARAM)
    legacy = st.query_params.get(BASELINE_PARAM)
    if requested is None and legacy is not None:
        if legacy in datasets.snapshot_ids() and legacy.removeprefix("occupied-") in dates:
            return legacy.removeprefix("occupied-")
        state.add_notice(
            f"Unknown baseline “{legacy}” in the link: showing control on "
            f"{render.date_label(default)} instead."
        )
        return default
    if requested is None:
        return default
    if requested in dates:
        return requested
    if not history.is_date(requested):
        state.add_notice(
            f"The date “{requested}” in the link is not a date (allowed: YYYY-MM-DD): "
            f"showing control on {render.date_label(default)} instead."
        )
        return default
    nearest = days.nearest(requested) or default
    state.add_notice(
        f"There is no line of control for {render.date_label(requested)} "
        f"({len(dates)} dates, {render.date_label(dates[0])} to "
        f"{render.date_label(dates[-1])}): showing the nearest, {render.date_label(nearest)}."
    )
    return nearest


def _draws_slider(name: str, dates: list[str]) -> bool:
    """Whether the page draws the date slider: the map page, with two dates or more."""
    return name == "map" and len(dates) >= 2


def _date_choice(name: str, days: history.History, *, draw: bool = True) -> str:
    """Draw the date slider (map page; not with ``draw=False``) and return the date picked.

    The URL's ``?date=`` is read on open and followed when a link inside the session changes
    it; the choice is kept across pages that do not draw the slider.
    """
    dates = days.dates()
    default = days.latest() or ""
    if not dates:
        return default
    written = st.session_state.get(_WRITTEN, {})
    requested = st.query_params.get(DATE_PARAM)
    if DATE_PARAM in written and requested in dates and requested != written[DATE_PARAM]:
        st.session_state[DATE_PARAM] = requested  # a link followed inside the session
    elif DATE_PARAM not in st.session_state and _KEPT_DATE in st.session_state:
        st.session_state[DATE_PARAM] = st.session_state[_KEPT_DATE]
    elif DATE_PARAM not in st.session_state:
        st.session_state[DATE_PARAM] = _date_from_link(dates, default, days)
    if st.session_state[DATE_PARAM] not in dates:  # the session's history changed
        st.session_state[DATE_PARAM] = default
    if not (draw and _draws_slider(name, dates)):
        return st.session_state[DATE_PARAM]
    upload = uploaded_baseline()
    return st.select_slider(
        "Date of the line of control (the baseline)",
        options=dates,
        key=DATE_PARAM,
        format_func=render.date_label,
        disabled=upload is not None,
        help=(
            "An uploaded control layer is in use; go back to the dated lines under "
            "“Upload a control layer” in the sidebar."
            if upload is not None
            else f"{len(dates)} dated lines of Russian military control (de facto): "
            f"{md_escape(days.label)}. Every proposal is evaluated against the one picked."
        ),
    )


def _layer_shown(key: str, label: str, *, held: bool) -> bool:
    """Draw a layer's checkbox and return whether it is ticked (held: as last ticked)."""
    if held:
        return bool(st.session_state.get(f"layer_{key}", True))
    return st.checkbox(label, value=True, key=f"layer_{key}")


def frame(name: str) -> View:
    """Draw what every page shares and return the viewer's choices.

    Main column, top: the page's headline (with the baseline's date), the scenario picker
    (on pages showing a scenario), the baseline's date, and on the map page the date
    slider. Sidebar: the layers, the uploads. The URL follows the choices (``?scenario=``,
    ``?date=`` when not the newest day); the browser tab names the scenario.
    """
    options = all_scenarios()
    catalogue = {sid: s.title for sid, s in options.items()}
    catalogue.update({sid: f"{s.title} (yours)" for sid, s in user_scenarios().items()})
    days = session_history()
    # A page without the picker drops its widget state: keep the choice across pages (and
    # over an older value the browser sends for it). A link followed in the session wins.
    picker_was_drawn = st.session_state.get(_PICKER_DRAWN, True)
    st.session_state[_PICKER_DRAWN] = False  # until the picker is drawn on this run
    if _KEPT_SCENARIO in st.session_state and (
        "scenario" not in st.session_state or not picker_was_drawn
    ):
        st.session_state["scenario"] = st.session_state[_KEPT_SCENARIO]
    _follow_url("scenario", catalogue)
    _initial("scenario", catalogue, DEFAULT_SCENARIO, "scenario")
    if st.session_state["scenario"] not in catalogue:  # an uploaded scenario gone with its session
        st.session_state["scenario"] = DEFAULT_SCENARIO
    # A session's first run draws what the map needs and holds the widgets back until the
    # map has painted (state.map_first): the sidebar keeps its heading (the map's width stays),
    # the picker and slider's row keeps its height (page.css), so nothing moves when they come.
    held = name in MAP_FIRST_PAGES and state.map_first()
    with st.sidebar:
        st.markdown("**Layers**")
        layers = {"control"} | {
            key
            for key, label in render.LAYERS.items()
            if key != "control" and _layer_shown(key, label, held=held)
        }
        if not held:
            st.divider()
            _uploads()
    st.html(_PAGE_CSS)
    title = st.empty()
    date_col = None
    scenario_id = st.session_state["scenario"]
    label = "Scenario (A)" if name == "compare" else "Proposed settlement"
    if name in SCENARIO_PAGES and held:
        # Said in words meanwhile, in a box as tall as the row it stands for (page.css).
        slider = _draws_slider(name, days.dates())
        with st.container(key=CONTROLS_HELD_KEY if slider else CONTROLS_HELD_ROW_KEY):
            st.markdown(f"{label}: **{md_escape(isolate_if_bidi(catalogue[scenario_id]))}**")
        date = _date_choice(name, days, draw=False)
    elif name in SCENARIO_PAGES:
        # One box, as what stood for it: the elements after it (the map) keep their place in
        # the page's tree, so the map's frame is kept, not made again.
        with st.container(key=CONTROLS_KEY):
            picker_col, date_col = st.columns([3, 2], vertical_alignment="bottom")
            with picker_col:
                scenario_id = _scenario_picker(catalogue, label=label)
            date = _date_choice(name, days)
    else:
        date = _date_choice(name, days)
    st.session_state[_KEPT_DATE] = date
    baseline = current_baseline(date)
    when = render.date_label(baseline.date) or "an undated layer"
    headline = HEADLINES.get(name, "Ukraine: who controls what")
    if name == "map":
        headline = f"{headline}, from the line of {when}"
    title.title(headline, anchor=False)
    if date_col is not None:
        where = "with the slider on the map page" if name != "map" else "with the slider"
        date_col.markdown(
            f"Baseline: control on **{md_escape(when)}**",
            help="The line of Russian military control (de facto) every "
            f"proposal is measured against; change it {where}.",
        )
    st.session_state[_KEPT_SCENARIO] = scenario_id
    scenario = options[scenario_id]
    st.set_page_config(page_title=f"{scenario.title} · who would control Ukraine")
    if name in MAP_FIRST_PAGES:
        share_view.link_view()  # read once per session: its notice, if any, is shown here
    for notice in state.take_notices(keep=held):
        st.warning(md_escape(notice), icon=NOTICE_ICON)
    if baseline.filename is not None:
        st.info(
            md_escape(
                baseline.description + ". Every scenario and number on this page "
                "is evaluated against it. To go back to the dated lines, "
                "open “Upload a control layer” in the sidebar."
            ),
            icon=UPLOADED_LAYER_ICON,
        )
    # The URL follows the page, so a copied link reopens the same view. Written only when it
    # changed: each write makes the browser rewrite the address (and add a history entry
    # when it differs, as it does while the map keeps its view there).
    if st.query_params.get("scenario") != scenario_id:
        st.query_params["scenario"] = scenario_id
    st.query_params.pop(BASELINE_PARAM, None)  # an older link: now said with ?date=
    if date == days.latest():
        st.query_params.pop(DATE_PARAM, None)
    elif st.query_params.get(DATE_PARAM) != date:
        st.query_params[DATE_PARAM] = date
    st.session_state[_WRITTEN] = {"scenario": scenario_id, DATE_PARAM: date}
    if name != "compare":
        st.query_params.pop(COMPARE_PARAM, None)
        st.session_state.pop(COMPARE_PARAM, None)
    chosen = View(scenario, baseline, frozenset(layers), date)
    st.session_state[_VIEW] = chosen
    return chosen
