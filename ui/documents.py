"""The maps of the compare page, the builder's preview and the timeline (no Streamlit).

Each is a complete folium map (legend, tooltips, the layers the sidebar selects);
:func:`territory_viz.render.synced_maps_html` puts the compare page's and the preview's in
one document whose views pan together. The cached documents are in :mod:`ui.cache`.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Sequence
from typing import Any

import folium
import geopandas as gpd

from territory_viz import render, stats
from territory_viz.render import changes as change_maps
from territory_viz.render.changes import change_tooltip, prepared_changes
from territory_viz.render.view import MapView
from territory_viz.scenarios import Scenario
from territory_viz.style import BALANCE_ROWS, UNCHANGED_CLASS

#: Class of the change map's pieces that are the same in A and B (drawn light grey).
UNCHANGED = UNCHANGED_CLASS

__all__ = [
    "UNCHANGED",
    "change_map",
    "change_tooltip",
    "day_change_document",
    "day_change_pieces",
    "prepared_changes",
    "scenario_map",
]


#: The page's maps have no layer control of their own: the sidebar's layer checkboxes are
#: the one control, and each map is drawn with the layers they select.


def _add_layers(base: folium.Map, groups: list[folium.FeatureGroup]) -> folium.Map:
    for group in groups:
        base.add_child(group)
    return base


def scenario_map(
    scenario: Scenario,
    prepared: render.PreparedPartition,
    context: render.MapContext,
    *,
    leaflet_urls: tuple[Sequence[str], Sequence[str]],
    layers: Collection[str] = render.DEFAULT_LAYERS,
    view: MapView | None = None,
    share_view: bool = False,
    legend_open: bool = False,
) -> folium.Map:
    """Return one scenario's complete map (the ``layers`` the sidebar selects), not rendered.

    With ``share_view`` the page's address follows its view (and the maps synced with it),
    and it opens on the view the address holds, else on ``view`` (a link's).
    """
    caption = render.scenario_caption(scenario, context.baseline_date)
    base = render.base_map(
        context,
        title=caption,
        leaflet_urls=leaflet_urls,
        legend_open=legend_open,
        layers=layers,
        view=view,
        share_view=share_view,
        view_from_address=share_view,
    )
    return _add_layers(
        base, render.scenario_layers(prepared, context, title=caption, layers=layers)
    )


def change_map(
    comparison: stats.Comparison,
    a: Scenario,
    b: Scenario,
    context: render.MapContext,
    *,
    leaflet_urls: tuple[Sequence[str], Sequence[str]],
    layers: Collection[str] = render.DEFAULT_LAYERS,
    legend_open: bool = False,
) -> folium.Map:
    """Return the change map from A to B (of the ``layers`` selected), not yet rendered."""
    return change_maps.change_map(
        comparison, context, leaflet_urls=leaflet_urls, layers=layers, legend_open=legend_open
    )


#: What the pieces of a change between two days are, by ``Changes.layer``'s ``change``:
#: (control on the later day, control on the earlier day).
_DAY_CHANGE = {"to_russia": ("russia", "ukraine"), "to_ukraine": ("ukraine", "russia")}


def day_change_pieces(changes: Any) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return the areas that changed hands between two days as map pieces, with tooltips.

    ``changes`` is a :class:`territory_viz.history.Changes`; each of its layer's rows (to
    Russian control, back to Ukrainian control) becomes one piece whose control is the later
    day's and whose baseline control is the earlier day's, so the map draws it with the
    palette's fill and the change outline of that direction.
    """
    labels = dict(BALANCE_ROWS)
    when = f"{render.date_label(changes.date_from)} → {render.date_label(changes.date_to)}"
    records, tips, geoms = [], [], []
    for row in changes.layer.itertuples():
        control, before = _DAY_CHANGE[str(row.change)]
        label = labels[str(row.change)]
        records.append(
            {
                "region": label,
                "baseline_control": before,
                "control": control,
                "display_class": control,
                "area_km2": float(row.area_km2),
                "population": float("nan"),
            }
        )
        tips.append(
            f"<b>{html.escape(label)}</b><br>{html.escape(when)}<br>"
            f"Area: {float(row.area_km2):,.0f} km²"
        )
        geoms.append(row.geometry)
    frame = gpd.GeoDataFrame(
        records or None,
        columns=[
            "region",
            "baseline_control",
            "control",
            "display_class",
            "area_km2",
            "population",
        ],
        geometry=geoms,
        crs=changes.layer.crs,
    )
    return frame, tips


def day_change_document(
    changes: Any,
    context: render.MapContext,
    *,
    leaflet_urls: tuple[Sequence[str], Sequence[str]],
) -> str | None:
    """Return the map of what changed hands between two days (a standalone HTML page).

    Over the later day's base (its line of contact, regions, towns): the areas gone to
    Russian control and back to Ukrainian control, filled and outlined as the legend's
    changes. ``None`` when nothing changed.
    """
    frame, tips = day_change_pieces(changes)
    if frame.empty:
        return None
    prepared = render.prepare_partition(frame, tooltips=tips)
    caption = (
        f"What changed from {render.date_label(changes.date_from)} to "
        f"{render.date_label(changes.date_to)}: outlined areas went to Russian control "
        "(black dashes) or back to Ukrainian control (blue); the line of contact is the later "
        "day's."
    )
    base = render.base_map(context, title=caption, leaflet_urls=leaflet_urls, legend_open=True)
    groups = render.scenario_layers(
        prepared, context, title=caption, layers={"control", "changes", "line_of_contact"}
    )
    return _add_layers(base, groups).get_root().render()
