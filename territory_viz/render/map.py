"""Folium maps of a scenario, in two parts so that switching scenario does not rebuild the map.

:func:`base_map` draws what depends only on the baseline (background, neighbours, region
names, towns, legend); :func:`scenario_layers` returns the scenario's layers (the
partition, its hatching and changes, region borders and Ukraine's border drawn from the
partition's own shared arcs, the baseline's lines) as :class:`folium.FeatureGroup` objects;
:func:`build_map` puts both in one map.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import folium
import geopandas as gpd

from territory_viz import assets
from territory_viz.labels import LABEL_KINDS
from territory_viz.render._elements import (
    ArcLines,
    CaptionLater,
    Legend,
    MapLabels,
    MapSetup,
    NamedGroup,
    RowsLayer,
    Towns,
    Verbatim,
    figure_of,
)
from territory_viz.render._resources import render_template
from territory_viz.render.context import MapContext
from territory_viz.render.legend import legend_html, legend_keys
from territory_viz.render.partition import (
    PreparedPartition,
    fill_styles,
    prepare_partition,
    tooltip_labels,
)
from territory_viz.render.view import MAX_ZOOM, MIN_ZOOM, MapView, ShareView
from territory_viz.style import (
    CHANGE_CASING,
    CHANGE_STYLES,
    DEFAULT_LAYERS,
    HALO_COLOUR,
    HATCH_COLOUR,
    LAYERS,
    LINE_STYLES,
    WATER_CASING,
    WATER_STYLES,
)

__all__ = [
    "add_scenario_layers",
    "base_map",
    "build_map",
    "scenario_layers",
    "scenario_legend_keys",
]


def _patterns_svg() -> str:
    """Render the SVG ``<defs>`` of the hatch and change patterns ``static/tv.css`` uses."""
    return render_template(
        "patterns.svg.j2",
        changes=[(key, style["color"]) for key, (_, style) in CHANGE_STYLES.items()],
        hatch=HATCH_COLOUR,
        halo=HALO_COLOUR,
    )


def _new_map(*, height: int | str) -> folium.Map:
    m = folium.Map(
        location=[48.6, 31.3],
        zoom_start=6,
        tiles=None,
        min_zoom=MIN_ZOOM,
        max_zoom=MAX_ZOOM,
        zoom_snap=0.25,
        control_scale=True,
        height=height,
        prefer_canvas=False,
    )
    # Without tiles folium drops min_zoom/max_zoom (tile options): set them on the map itself.
    m.options.update(min_zoom=MIN_ZOOM, max_zoom=MAX_ZOOM)
    # Instance attributes (folium's are shared class lists): no CDN link is ever emitted.
    m.default_js = []
    m.default_css = []
    return m


def base_map(
    context: MapContext,
    *,
    layers: Collection[str] = DEFAULT_LAYERS,
    title: str = "",
    height: int | str = "100%",
    leaflet_urls: tuple[Sequence[str], Sequence[str]] | None = None,
    leaflet_css: str | None = None,
    legend_open: bool = True,
    legend_keys: Collection[str] | None = None,
    view: MapView | None = None,
    share_view: bool = False,
    view_from_address: bool = False,
) -> folium.Map:
    """Build the map's constant part: background, neighbours, region borders, towns, legend.

    The map opens framed on Ukraine. It has no tiles and links to no external script or
    stylesheet (``default_js``/``default_css`` are empty): the page supplies Leaflet from the
    app (:func:`territory_viz.assets.page_links`), a standalone file inlines it
    (:func:`~territory_viz.render.standalone.to_standalone_html`).

    Parameters
    ----------
    context
        Base layers from :func:`~territory_viz.render.context.map_context`.
    layers
        Keys of :data:`territory_viz.style.LAYERS` to include (``regions`` and ``towns`` are
        drawn here).
    title
        Initial legend caption (scenario layers update it).
    height
        Map height (CSS value or pixels).
    leaflet_urls
        ``(js_urls, css_urls)`` to load Leaflet from, e.g. :func:`assets.page_links`;
        ``None`` links nothing (a standalone file inlines Leaflet instead).
    leaflet_css
        Leaflet's stylesheet as text (:func:`assets.page_css`), inlined at the top of the
        map's header so it applies before the first layout (pass no CSS URL then).
    legend_open
        Whether the legend's key starts unfolded (small maps start folded: one click opens
        it; the caption, date and sources always show).
    legend_keys
        The legend rows the scenario needs (:func:`scenario_legend_keys`); ``None`` puts
        every row in the HTML and the scenario layers' script shows only theirs.
    view
        Open on this view (a link's, see :func:`~territory_viz.render.view.parse_view`)
        instead of framing Ukraine.
    share_view
        Keep the page's address following the view as the reader pans and zooms (for a map
        inside the page's frame; see :class:`~territory_viz.render.view.ShareView`).
    view_from_address
        With ``share_view``: open on the view the page's address holds, if any, over
        ``view`` (a document drawn again in the same page keeps the reader's view).

    Returns
    -------
    folium.Map
    """
    m = _new_map(height=height)
    if leaflet_css:
        text = leaflet_css.replace("</", "<\\/")  # cannot close the <style> element
        figure_of(m).header.add_child(Verbatim(f"<style>{text}</style>"), name="tv_leaflet_css")
    if leaflet_urls is not None:
        # The page loads Leaflet from the app's own static files (see territory_viz.assets).
        m.default_js = [(f"leaflet_{i}", url) for i, url in enumerate(leaflet_urls[0])]
        m.default_css = [(f"leaflet_css_{i}", url) for i, url in enumerate(leaflet_urls[1])]
    # The helpers come as a file when the page links them (cached by the browser across
    # opens), inlined otherwise.
    linked = leaflet_urls is not None and any(
        str(url).rsplit("/", 1)[-1] == assets.HELPERS_JS for url in leaflet_urls[0]
    )
    m.add_child(MapSetup(_patterns_svg(), inline_js=not linked))
    # The view first: the legend frames the map (docked under a narrow one, which resizes
    # it), so every layer after it is projected and drawn once, at the view it opens on,
    # not drawn at the initial zoom and then again at each resize and fit.
    if view is not None or share_view:
        # before the legend: it holds this view
        m.add_child(ShareView(view, follow=share_view, from_address=view_from_address))
    m.add_child(
        Legend(
            legend_html(context, title=title, open_=legend_open, present=legend_keys, layers=layers)
        )
    )
    neighbours = context.layers.get("neighbours", [])
    if neighbours:
        m.add_child(
            RowsLayer(neighbours, {"neighbours": LINE_STYLES["neighbours"][1]}, pane="tv-context")
        )
    water = context.layers.get("water", [])
    if water:
        # Over the control fill (readable on any colour), under its borders and lines.
        casing = dict.fromkeys(WATER_STYLES, WATER_CASING)
        m.add_child(RowsLayer(water, casing, pane="tv-water", data_key="tv-water"))
        m.add_child(RowsLayer(None, WATER_STYLES, pane="tv-water", source_key="tv-water"))
    if "regions" in layers:
        # The borders themselves come with the scenario's layers (drawn from its arcs).
        group = folium.FeatureGroup(name=LAYERS["regions"])
        m.add_child(group)
        group.add_child(NamedGroup("regions"))
        group.add_child(MapLabels(_labels_of(context, "region")))
    if "towns" in layers and context.towns:
        towns = folium.FeatureGroup(name=LAYERS["towns"])
        m.add_child(towns)
        # The towns' names and places travel once, in the label rows.
        towns.add_child(Towns(context.towns, _labels_of(context, "capital", "centre", "town")))
    if context.labels:
        m.add_child(MapLabels(_labels_of(context, "country", "water")))
    return m


def _labels_of(context: MapContext, *kinds: str) -> list[list[Any]]:
    """Return the context's label rows of the given kinds (see ``labels.LABEL_KINDS``)."""
    wanted = {LABEL_KINDS.index(k) for k in kinds}
    return [row for row in context.labels if row[3] in wanted]


def scenario_legend_keys(
    prepared: PreparedPartition, context: MapContext, layers: Collection[str] = DEFAULT_LAYERS
) -> list[str]:
    """Return the keys of the legend rows a scenario's layers draw (see ``legend_keys``).

    The classes, recognition and changes its pieces have, and the baseline's lines shown.
    """
    keys = legend_keys(prepared.rows, changes="changes" in layers)
    keys += [
        f"l:{key}"
        for key in ("line_of_contact", "claim", "occupied_2022")
        if key in layers and context.layers.get(key)
    ]
    return keys


def scenario_layers(
    partition: PreparedPartition | gpd.GeoDataFrame,
    context: MapContext,
    *,
    title: str = "",
    layers: Collection[str] = DEFAULT_LAYERS,
) -> list[folium.FeatureGroup]:
    """Build the scenario's layers as feature groups (to add to a :func:`base_map`).

    Parameters
    ----------
    partition
        The partition (``scenarios.evaluate``) or its
        :func:`~territory_viz.render.partition.prepare_partition` result.
    context
        The base layers (for the baseline's lines).
    title
        Caption written into the legend when the layers are added (plain text).
    layers
        Keys of :data:`territory_viz.style.LAYERS` to include.

    Returns
    -------
    list of folium.FeatureGroup
        In drawing order; each has a ``name`` for the layer control. Pass them to
        ``st_folium(..., feature_group_to_add=...)`` or add them to the map.
    """
    prepared = (
        partition if isinstance(partition, PreparedPartition) else prepare_partition(partition)
    )
    groups: list[folium.FeatureGroup] = []
    fill = folium.FeatureGroup(name=LAYERS["control"])
    fill.add_child(
        RowsLayer(
            prepared.rows,
            fill_styles(prepared.classes),
            pane="tv-fill",
            interactive=True,
            data_key=prepared.key,
            arcs=prepared.arcs,
            tooltip_labels=tooltip_labels(prepared.classes),
        )
    )
    hatch_style = {h: {"stroke": False, "fillOpacity": 1} for h in ("de_jure", "de_facto")}
    fill.add_child(
        RowsLayer(
            None,
            hatch_style,
            pane="tv-hatch",
            source_key=prepared.key,
            filter_key="h",
            class_prefix="tv-hatch-",
        )
    )
    # Region borders and Ukraine's border are the partition's own arcs (sent once): the
    # borders join the base map's "Regions" group, the outline the map, while shown.
    if "regions" in layers:
        fill.add_child(
            ArcLines(
                prepared.key,
                {"region_borders": prepared.borders.get("region_borders", ())},
                {"region_borders": LINE_STYLES["region_borders"][1]},
                pane="tv-lines",
                into="regions",
            )
        )
    fill.add_child(
        ArcLines(
            prepared.key,
            {"ukraine_border": prepared.borders.get("ukraine_border", ())},
            {"ukraine_border": LINE_STYLES["ukraine_border"][1]},
            pane="tv-lines",
            into="map",
        )
    )
    fill.add_child(CaptionLater(title, scenario_legend_keys(prepared, context, layers)))
    groups.append(fill)
    if "changes" in layers:
        changes = folium.FeatureGroup(name=LAYERS["changes"])
        changes.add_child(
            RowsLayer(
                None,
                dict.fromkeys(CHANGE_STYLES, CHANGE_CASING),
                pane="tv-changes",
                source_key=prepared.key,
                filter_key="x",
            )
        )
        changes.add_child(
            RowsLayer(
                None,
                {k: {**s, "fill": True, "fillOpacity": 1} for k, (_, s) in CHANGE_STYLES.items()},
                pane="tv-changes",
                source_key=prepared.key,
                filter_key="x",
                class_prefix="tv-chg-",
            )
        )
        groups.append(changes)
    for key in ("line_of_contact", "claim", "occupied_2022"):
        rows = context.layers.get(key)
        if key in layers and rows:
            group = folium.FeatureGroup(name=LAYERS[key])
            group.add_child(RowsLayer(rows, {key: LINE_STYLES[key][1]}, pane="tv-lines"))
            groups.append(group)
    return groups


def build_map(
    partition: PreparedPartition | gpd.GeoDataFrame,
    context: MapContext,
    *,
    title: str = "",
    layers: Collection[str] = DEFAULT_LAYERS,
    height: int | str = "100%",
    legend_open: bool = True,
) -> folium.Map:
    """Build a complete map: :func:`base_map` plus :func:`scenario_layers` and a layer control.

    Parameters
    ----------
    partition
        The partition or its ``prepare_partition`` result.
    context
        Base layers from ``map_context``.
    title
        Legend caption (plain text: the scenario's title).
    layers
        Keys of :data:`territory_viz.style.LAYERS` to include.
    height
        Map height.
    legend_open
        Whether the legend starts unfolded.

    Returns
    -------
    folium.Map
    """
    prepared = (
        partition if isinstance(partition, PreparedPartition) else prepare_partition(partition)
    )
    m = base_map(
        context,
        layers=layers,
        title=title,
        height=height,
        legend_keys=scenario_legend_keys(prepared, context, layers),
        legend_open=legend_open,
    )
    for group in scenario_layers(prepared, context, title=title, layers=layers):
        m.add_child(group)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def add_scenario_layers(
    m: folium.Map,
    partition: PreparedPartition | gpd.GeoDataFrame,
    context: MapContext,
    *,
    title: str = "",
    layers: Collection[str] = DEFAULT_LAYERS,
) -> folium.Map:
    """Add a scenario's layers to any folium map (e.g. one of the caller's own).

    The map gets the project's styles, patterns and decoder first if it does not have them
    (a map from :func:`base_map` has); no legend or layer control is added.

    Parameters
    ----------
    m
        The map to draw on.
    partition, context, title, layers
        As for :func:`scenario_layers`.

    Returns
    -------
    folium.Map
        ``m`` itself.
    """
    if not any(isinstance(child, MapSetup) for child in m._children.values()):
        m.add_child(MapSetup(_patterns_svg()))
    for group in scenario_layers(partition, context, title=title, layers=layers):
        m.add_child(group)
    return m
