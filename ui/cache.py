"""The page's one cache layer: every cached call into the library, shared by all pages.

Read-only results (layers, evaluations, map documents) are ``st.cache_resource``: one copy
per server, shared by every session, so memory does not grow with viewers; callers must
not mutate them. Scenarios and baselines are keyed by content (:func:`scenario_key`, the
baseline's ``key``), so built-in, uploaded and built scenarios share one path, and two
sessions uploading the same file share the work. Entries are bounded and expire.
"""

from __future__ import annotations

import gc
import hashlib
import threading
import weakref
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st

from territory_viz import assets, datasets, render, stats, svg
from territory_viz.render.view import MapView
from territory_viz.scenarios import Scenario, list_scenarios, scenario_to_toml
from ui import documents, map_component

if TYPE_CHECKING:
    from territory_viz.history import History
    from territory_viz.towns import Town
from ui.baseline import Baseline, layer_area_km2

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
#: Evaluations kept (9 built-ins x a few baselines, plus the sessions' own scenarios).
CACHE_ENTRIES = 64
CACHE_TTL_S = 6 * 3600


@st.cache_resource(show_spinner=False)
def leaflet_assets() -> tuple[tuple[list[str], list[str]], str]:
    """Copy Leaflet into ./static/vendor; return its script URL and its stylesheet's text.

    For the page's own map component; the stylesheet is inlined in the map's header (no
    second layout once it arrives).
    """
    assets.install_static(STATIC_DIR)
    js_urls, _ = assets.page_links()
    return (js_urls, []), assets.page_css()


#: The app's static folder as a map document in a component frame names it (relative to
#: the page: the frames' documents set their base there).
FRAME_STATIC_URL = "app/static"


@st.cache_resource(show_spinner=False)
def frame_leaflet_urls() -> tuple[list[str], list[str]]:
    """Leaflet for map documents in ``srcdoc`` frames (URLs relative to the page)."""
    assets.install_static(STATIC_DIR)
    return assets.page_links(base_url=FRAME_STATIC_URL)


@st.cache_resource(show_spinner=False)
def builtin_scenarios() -> dict[str, Scenario]:
    """Return the built-in scenarios by id, in the library's order."""
    return {s.id: s for s in list_scenarios()}


@st.cache_resource(max_entries=16, show_spinner=False)
def snapshot_baseline(snapshot_id: str = datasets.DEFAULT_BASELINE) -> Baseline:
    """Return a committed snapshot as a :class:`Baseline` (shared across sessions)."""
    layer = datasets.load_snapshot(snapshot_id)
    date = str(layer["date"].iloc[0]) if "date" in layer.columns else None
    return Baseline(snapshot_id, snapshot_id, date or None, layer_area_km2(layer), layer)


def scenario_key(scenario: Scenario) -> str:
    """Return a content hash of a scenario (its canonical TOML), for caching."""
    return hashlib.sha256(scenario_to_toml(scenario).encode()).hexdigest()[:16]


@st.cache_resource(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL_S, show_spinner=False)
def _stats(
    _scenario: Scenario, _baseline: Baseline, skey: str, bkey: str
) -> tuple[stats.ScenarioStats, render.PreparedPartition]:
    result = stats.scenario_stats(_scenario, _baseline.value)
    return result, render.prepare_partition(result.partition)


def stats_for(
    scenario: Scenario, baseline: Baseline
) -> tuple[stats.ScenarioStats, render.PreparedPartition]:
    """Evaluate a scenario: its numbers and map-ready partition, cached by content.

    Works for built-in, uploaded and built scenarios and for uploaded baselines alike.
    """
    return _stats(scenario, baseline, scenario_key(scenario), baseline.key)


@st.cache_resource(max_entries=8, ttl=CACHE_TTL_S, show_spinner=False)
def _context(_baseline: Baseline, bkey: str) -> render.MapContext:
    return render.map_context(_baseline.value)


def context_for(baseline: Baseline) -> render.MapContext:
    """Return the map's base layers for a baseline (snapshot or uploaded), cached by key."""
    return _context(baseline, baseline.key)


@st.cache_resource(max_entries=32, ttl=CACHE_TTL_S, show_spinner=False)
def _compare(
    _a: Scenario, _b: Scenario, _baseline: Baseline, akey: str, bkey: str, basekey: str
) -> stats.Comparison:
    return stats.compare(_a, _b, _baseline.value)


def compare_for(a: Scenario, b: Scenario, baseline: Baseline) -> stats.Comparison:
    """Compare two scenarios over a baseline (changes read from ``a`` to ``b``), cached."""
    return _compare(a, b, baseline, scenario_key(a), scenario_key(b), baseline.key)


@st.cache_resource(max_entries=24, ttl=CACHE_TTL_S, show_spinner=False)
def _preview_document(
    _scenario: Scenario,
    _baseline: Baseline,
    skey: str,
    bkey: str,
    height_px: int,
    layers: frozenset[str],
) -> str:
    _, prepared = stats_for(_scenario, _baseline)
    m = documents.scenario_map(
        _scenario,
        prepared,
        context_for(_baseline),
        leaflet_urls=frame_leaflet_urls(),
        layers=layers,
        legend_open=True,
    )
    return render.synced_maps_html(
        [(_scenario.title, m)],
        height_px=height_px,
        wide_last=False,
        page_title="Preview",
    )


def preview_document(
    scenario: Scenario,
    baseline: Baseline,
    *,
    height_px: int,
    layers: Collection[str] = render.DEFAULT_LAYERS,
) -> str:
    """Return one scenario's map under its title as one document (the builder's preview), cached.

    The same composition as the compare page's (:func:`compare_document`), with one map.
    """
    return _preview_document(
        scenario, baseline, scenario_key(scenario), baseline.key, height_px, frozenset(layers)
    )


@st.cache_resource(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL_S, show_spinner=False)
def rendered_map(key: tuple[str, ...], _build: Callable[[], tuple]) -> map_component.Rendered:
    """Return a folium map converted to the map component's arguments, once per ``key``.

    ``_build`` makes the map, its scenario layers and layer control (the arguments of
    :func:`ui.map_component.render`); ``key`` must name everything it depends on (content
    keys of the scenario and baseline, the layers shown). Shared by every session.
    """
    return map_component.render(*_build())


T = TypeVar("T")
_DERIVED: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_DERIVED_LOCK = threading.Lock()


def derived(result: Any, name: str, make: Callable[[], T]) -> T:
    """Return ``make()``, made once per read-only ``result`` and ``name``, shared by sessions.

    For what the page writes from a cached result (its tables' markdown, its headline line):
    made on the first run that draws it, then kept as long as ``result`` lives (a cached
    evaluation), not written again on every script run of every session. ``result`` must
    be hashable by identity and weakly referable (:class:`territory_viz.stats.ScenarioStats`).
    """
    with _DERIVED_LOCK:
        made = _DERIVED.get(result)
        if made is not None and name in made:
            return made[name]
    value = make()  # outside the lock: two sessions may both make it, one copy is kept
    with _DERIVED_LOCK:
        return _DERIVED.setdefault(result, {}).setdefault(name, value)


#: Simplification of the gallery's small maps, metres.
THUMBNAIL_SIMPLIFY_M = 4000.0
#: Width of the picture the small map is cut from (the map is about 64% of it).
THUMBNAIL_WIDTH_PX = 560


@st.cache_resource(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL_S, show_spinner=False)
def _thumbnail(_scenario: Scenario, _baseline: Baseline, skey: str, bkey: str) -> str:
    result, _ = stats_for(_scenario, _baseline)
    return svg.partition_svg(
        result.partition,
        title=_scenario.title,
        date=_baseline.date,
        width_px=THUMBNAIL_WIDTH_PX,
        simplify_m=THUMBNAIL_SIMPLIFY_M,
        map_only=True,
    )


def thumbnail(scenario: Scenario, baseline: Baseline) -> str:
    """Return a small static map of a scenario (an SVG document), cached."""
    return _thumbnail(scenario, baseline, scenario_key(scenario), baseline.key)


@st.cache_resource(max_entries=16, ttl=CACHE_TTL_S, show_spinner=False)
def _compare_document(
    _a: Scenario,
    _b: Scenario,
    _baseline: Baseline,
    akey: str,
    bkey: str,
    basekey: str,
    height_px: int,
    layers: frozenset[str],
    view: MapView | None = None,
) -> str:
    context = context_for(_baseline)
    urls = frame_leaflet_urls()
    _, prepared_a = stats_for(_a, _baseline)
    _, prepared_b = stats_for(_b, _baseline)
    maps = [
        (
            f"A: {_a.title}",
            # A keeps the address following the view (the other maps follow A's).
            documents.scenario_map(
                _a,
                prepared_a,
                context,
                leaflet_urls=urls,
                layers=layers,
                view=view,
                share_view=True,
            ),
        ),
        (
            f"B: {_b.title}",
            documents.scenario_map(_b, prepared_b, context, leaflet_urls=urls, layers=layers),
        ),
        (
            "Change from A to B",
            documents.change_map(
                compare_for(_a, _b, _baseline), _a, _b, context, leaflet_urls=urls, layers=layers
            ),
        ),
    ]
    return render.synced_maps_html(maps, height_px=height_px, page_title="Compare")


def compare_document(
    a: Scenario,
    b: Scenario,
    baseline: Baseline,
    *,
    height_px: int,
    layers: Collection[str] = render.DEFAULT_LAYERS,
    view: MapView | None = None,
) -> str:
    """Return A, B and the change map in one document (one Leaflet, views in sync), cached.

    The maps draw the ``layers`` the sidebar selects (they have no layer control of their own).
    The page's address follows their view (``&lat=&lon=&zoom=``); they open on the view the
    address holds, else on ``view`` (the session's link's).
    """
    return _compare_document(
        a,
        b,
        baseline,
        scenario_key(a),
        scenario_key(b),
        baseline.key,
        height_px,
        frozenset(layers),
        view,
    )


@st.cache_resource(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL_S, show_spinner=False)
def _town_outcomes(
    _town: Town,
    _scenarios: tuple[Scenario, ...],
    _baseline: Baseline,
    geonameid: int,
    skeys: tuple[str, ...],
    bkey: str,
) -> dict:
    from territory_viz import towns

    return towns.town_outcomes(_town, baseline=_baseline.value, scenarios=list(_scenarios))


def town_outcomes(town: Town, scenarios: list[Scenario], baseline: Baseline) -> dict:
    """Who controls a town on the baseline and under each scenario, cached (read-only)."""
    return _town_outcomes(
        town,
        tuple(scenarios),
        baseline,
        town.geonameid,
        tuple(scenario_key(s) for s in scenarios),
        baseline.key,
    )


def history_key(history: History) -> str:
    """Cache key of a history: its days' content and what it is called (a visitor's file name)."""
    return hashlib.sha256(f"{history.key}\0{history.label}".encode()).hexdigest()[:24]


#: Days of a history kept as baselines (a slider walked back and forth stays warm).
HISTORY_BASELINES = 32


@st.cache_resource(max_entries=HISTORY_BASELINES, ttl=CACHE_TTL_S, show_spinner=False)
def _history_baseline(_history: History, hkey: str, date: str) -> Baseline:
    day = _history.day(date)
    if _history.is_committed(date):
        return snapshot_baseline(day.layer_id)
    layer = _history.layer(date)
    from territory_viz import _bounds

    _bounds.check_layer(list(layer.geometry), _history.label)  # what a day may bring in
    return Baseline(
        key=f"history-{hkey[:16]}-{date}",
        label=f"{_history.label}, {date}",
        date=date,
        area_km2=layer_area_km2(layer),
        layer=layer,
        history=_history.label,
    )


def history_baseline(history: History, date: str) -> Baseline:
    """Return the day ``date`` of a history as a :class:`Baseline`, cached (read-only).

    A committed snapshot's day is the snapshot's own baseline (one cache entry for both the
    slider and links naming the snapshot).
    """
    return _history_baseline(history, history_key(history), date)


@st.cache_resource(max_entries=4, ttl=CACHE_TTL_S, show_spinner=False)
def _history_timeline(_history: History, hkey: str) -> list:
    from territory_viz import history

    return history.timeline(_history)


def history_timeline(history: History) -> list:
    """Area under Russian control on each day of a history (oldest first), cached."""
    return _history_timeline(history, history_key(history))


@st.cache_resource(max_entries=8, ttl=CACHE_TTL_S, show_spinner=False)
def _history_changes(_history: History, hkey: str, date_from: str, date_to: str):
    from territory_viz import history

    return history.changes(_history, date_from, date_to)


def history_changes(history: History, date_from: str, date_to: str):
    """Return what changed hands between two days of a history, cached (read-only)."""
    return _history_changes(history, history_key(history), date_from, date_to)


@st.cache_resource(max_entries=8, ttl=CACHE_TTL_S, show_spinner=False)
def _day_change_document(_history: History, hkey: str, date_from: str, date_to: str) -> str | None:
    return documents.day_change_document(
        history_changes(_history, date_from, date_to),
        context_for(history_baseline(_history, date_to)),
        leaflet_urls=frame_leaflet_urls(),
    )


def day_change_document(history: History, date_from: str, date_to: str) -> str | None:
    """Return the map of the areas that changed hands between two days (None: none), cached."""
    return _day_change_document(history, history_key(history), date_from, date_to)


_WARM_LOCK = threading.Lock()
_WARMED: list[bool] = []


def warm_up() -> None:
    """Fill the shared caches once per server process, on its first script run.

    Every built-in scenario is evaluated on the default baseline and its map rendered as a
    new viewer sees it (every layer on), with the map context and Leaflet's files, so the
    first viewer after a start finds them ready. The server
    answers ``/_stcore/script-health-check`` (enabled in ``.streamlit/config.toml``) only
    once that first run is over: a deploy that waits for it serves no viewer a cold cache.
    What is loaded then is frozen out of the garbage collector's full passes (Streamlit
    runs one after every script run; the warm caches are long-lived and need none).
    Sessions arriving meanwhile wait for it rather than computing the same things again.
    """
    if _WARMED:
        return
    with _WARM_LOCK:
        if _WARMED:
            return
        leaflet_assets()
        frame_leaflet_urls()
        from territory_viz import history

        days = history.default_history()  # the page opens on its newest day
        latest = days.latest()
        baseline = history_baseline(days, latest) if latest else snapshot_baseline()
        context_for(baseline)
        from ui import scenario_view  # the page's map, drawn from these caches

        for scenario in builtin_scenarios().values():
            stats_for(scenario, baseline)
            scenario_view.warm_map(scenario, baseline)
        gc.collect()
        gc.freeze()
        _WARMED.append(True)
