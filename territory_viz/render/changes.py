"""The change map from scenario A to scenario B: a folium map, or one offline HTML file.

Colour is B's control where it differs from A (light grey: the same in both); outlines show
the direction of the change; tooltips say A and B (not "baseline"). The compare page shows
it beside the two scenarios; ``compare A B --map change -o FILE.html`` writes it alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import pandas as pd

from territory_viz.render.context import MapContext, map_context
from territory_viz.render.map import base_map, scenario_layers
from territory_viz.render.partition import PreparedPartition, prepare_partition
from territory_viz.render.standalone import to_standalone_html
from territory_viz.style import DEFAULT_LAYERS, UNCHANGED_CLASS, class_label

if TYPE_CHECKING:
    from territory_viz import stats

__all__ = ["change_caption", "change_map", "change_map_html", "change_tooltip", "prepared_changes"]


def change_tooltip(row: pd.Series, a_title: str, b_title: str) -> str:
    """Return the tooltip of one change piece (HTML; every text from a file escaped)."""
    esc = html.escape
    if row["display_class"] == UNCHANGED_CLASS:
        return "<b>Same in both scenarios</b>"
    lines = [
        f"<b>{esc(str(row['region']))}</b>",
        f"A ({esc(a_title)}): {esc(class_label(str(row['from_class'])))}",
        f"B ({esc(b_title)}): {esc(class_label(str(row['to_class'])))}",
        f"Area: {float(row['area_km2']):,.0f} km²",
        f"Pre-war population: {int(round(float(row['population']))):,} people",
    ]
    return "<br>".join(lines)


def prepared_changes(frame: gpd.GeoDataFrame, a_title: str, b_title: str) -> PreparedPartition:
    """Map-ready change pieces with tooltips that say A → B (not "baseline")."""
    tips = [change_tooltip(row, a_title, b_title) for _, row in frame.iterrows()]
    # Tooltips go in with their rows: a piece vanishing in simplification takes its own.
    prepared = prepare_partition(frame, tooltips=tips)
    rows = [dict(r) for r in prepared.rows]
    for r in rows:
        if r["c"] == UNCHANGED_CLASS:
            r["h"] = r["x"] = ""
    digest = hashlib.sha1(
        repr([[(r["c"], r["t"], r["g"]) for r in rows], prepared.arcs]).encode(),
        usedforsecurity=False,
    ).hexdigest()
    return dataclasses.replace(prepared, rows=rows, key=f"c{digest[:12]}")


def change_caption(a_title: str, b_title: str) -> str:
    """Return the change map's caption (plain text)."""
    return (
        f"Change map, from A: {a_title} to B: {b_title}. Colour: control in B where "
        "it differs from A (light grey: same in both); outline: direction of the change."
    )


def change_map(
    comparison: stats.Comparison,
    context: MapContext,
    *,
    leaflet_urls: tuple[Sequence[str], Sequence[str]] | None = None,
    layers: Collection[str] = DEFAULT_LAYERS,
    legend_open: bool = True,
) -> folium.Map:
    """Return the change map from A to B (of the ``layers`` selected), not yet rendered.

    Parameters
    ----------
    comparison
        From :func:`territory_viz.stats.compare`.
    context
        The baseline's base layers.
    leaflet_urls
        Where the page loads Leaflet from; ``None`` for a standalone file (inlined).
    layers
        Keys of :data:`territory_viz.style.LAYERS` selected (the change map draws the
        control, changes, line of contact and regions among them).
    legend_open
        Whether the legend starts unfolded.
    """
    from territory_viz import stats  # lazy: the engine is optional for render

    a_title, b_title = comparison.a.title, comparison.b.title
    prepared = prepared_changes(stats.change_partition(comparison), a_title, b_title)
    caption = change_caption(a_title, b_title)
    selected = set(layers) | {"control"}
    base = base_map(
        context,
        layers={"regions"} & selected,
        title=caption,
        leaflet_urls=leaflet_urls,
        legend_open=legend_open,
    )
    # Region borders are drawn from the change pieces' own arcs (with the regions layer).
    drawn = {"control", "changes", "line_of_contact", "regions"} & selected
    for group in scenario_layers(prepared, context, title=caption, layers=drawn):
        base.add_child(group)
    return base


def change_map_html(
    comparison: stats.Comparison, *, baseline: str | gpd.GeoDataFrame | None = None
) -> str:
    """Return the change map from A to B as one offline HTML file (Leaflet inlined).

    Parameters
    ----------
    comparison
        From :func:`territory_viz.stats.compare`.
    baseline
        The baseline both scenarios were evaluated over (snapshot id or control layer).
    """
    m = change_map(comparison, map_context(baseline))
    return to_standalone_html(
        m, page_title=f"Change from {comparison.a.title} to {comparison.b.title}"
    )
