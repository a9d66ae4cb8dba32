"""Standalone map documents for the compare page and the builder's preview (no Streamlit).

Each document is the complete HTML page the library renders for one map (legend, tooltips
and all); :mod:`ui.synced_maps` places several in frames that pan together. The cached
versions are in :mod:`ui.cache`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
from collections.abc import Sequence

import folium
import geopandas as gpd
import pandas as pd
import shapely

from territory_viz import datasets, render, stats
from territory_viz.model import CRS_GEOGRAPHIC
from territory_viz.scenarios import Scenario

#: Class of the change map's pieces that are the same in A and B.
UNCHANGED = "unchanged"


def class_label(control_or_class: str) -> str:
    """Return a reader's label of a control (``russia``) or a class (``russia/de_jure``)."""
    control, _, recognition = control_or_class.partition("/")
    text = render.CONTROL_LABELS.get(control, control)
    if recognition:
        text += {"de_jure": ", recognised de jure by another party",
                 "de_facto": ", accepted de facto by another party",
                 "none": ", recognised by no other party"}.get(recognition, f" ({recognition})")
    return text


def map_document(base: folium.Map, groups: list[folium.FeatureGroup], *,
                 legend_open: bool = True) -> str:
    """Add the scenario groups and a layer control to a base map; return its HTML page."""
    for group in groups:
        base.add_child(group)
    folium.LayerControl(collapsed=True).add_to(base)
    doc = base.get_root().render()
    if not legend_open:  # small side-by-side maps: the legend starts folded (one click opens)
        doc = doc.replace('"\\u003cdetails open\\u003e', '"\\u003cdetails\\u003e', 1)
    return doc


def restyle_unchanged(groups: list[folium.FeatureGroup]) -> None:
    """Draw the change map's unchanged area light grey (the library has no such class)."""
    for group in groups:
        for child in group._children.values():
            styles = getattr(child, "styles", None)
            if not isinstance(styles, str) or f'"{UNCHANGED}"' not in styles:
                continue
            table = json.loads(styles)
            table[UNCHANGED] = {"color": "#9e9e9e", "weight": 0.4, "opacity": 0.8,
                                "fillColor": "#f2f2f2", "fillOpacity": 0.85}
            child.styles = json.dumps(table)


def scenario_document(scenario: Scenario, prepared: render.PreparedPartition,
                      context: render.MapContext, *,
                      leaflet_urls: tuple[Sequence[str], Sequence[str]],
                      legend_open: bool = False) -> str:
    """Return one scenario's map as a standalone HTML page (Leaflet from ``leaflet_urls``)."""
    caption = render.scenario_caption(scenario)
    base = render.base_map(context, title=caption, leaflet_urls=leaflet_urls)
    return map_document(base, render.scenario_layers(prepared, context, title=caption),
                        legend_open=legend_open)


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
            "iso_code": "", "region": "Same in both scenarios", "baseline_control": UNCHANGED,
            "control": UNCHANGED, "display_class": UNCHANGED, "from_class": UNCHANGED,
            "to_class": UNCHANGED, "area_km2": float("nan"), "population": float("nan"),
        }])
        frame = pd.concat([frame, same], ignore_index=True)
        geoms.append(rest)
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=CRS_GEOGRAPHIC)


def change_tooltip(row: pd.Series, a_title: str, b_title: str) -> str:
    """Return the tooltip of one change piece (HTML; every text from a file escaped)."""
    esc = html.escape
    if row["display_class"] == UNCHANGED:
        return "<b>Same in both scenarios</b>"
    lines = [
        f"<b>{esc(str(row['region']))}</b>",
        f"A ({esc(a_title)}): {esc(class_label(str(row['from_class'])))}",
        f"B ({esc(b_title)}): {esc(class_label(str(row['to_class'])))}",
        f"Area: {float(row['area_km2']):,.0f} km²",
        f"Pre-war population: {int(round(float(row['population']))):,} people",
    ]
    return "<br>".join(lines)


def prepared_changes(frame: gpd.GeoDataFrame, a_title: str,
                     b_title: str) -> render.PreparedPartition:
    """Map-ready change pieces with tooltips that say A → B (not "baseline")."""
    tips = [change_tooltip(row, a_title, b_title) for _, row in frame.iterrows()]
    # Tooltips go in with their rows: a piece vanishing in simplification takes its own.
    prepared = render.prepare_partition(frame, tooltips=tips)
    rows = [dict(r) for r in prepared.rows]
    for r in rows:
        if r["c"] == UNCHANGED:
            r["h"] = r["x"] = ""
    digest = hashlib.sha1(repr([[(r["c"], r["t"], r["g"]) for r in rows], prepared.arcs])
                          .encode(), usedforsecurity=False).hexdigest()
    return dataclasses.replace(prepared, rows=rows, key=f"c{digest[:12]}")


def change_document(comparison: stats.Comparison, a: Scenario, b: Scenario,
                    context: render.MapContext, *,
                    leaflet_urls: tuple[Sequence[str], Sequence[str]]) -> str:
    """Return the change map from A to B as a standalone HTML page."""
    prepared = prepared_changes(change_frame(comparison), a.title, b.title)
    caption = (f"Change map, from A: {a.title} to B: {b.title}. Colour: control in B where "
               "it differs from A (light grey: same in both); outline: direction of the change.")
    base = render.base_map(context, layers={"regions"}, title=caption,
                           leaflet_urls=leaflet_urls)
    groups = render.scenario_layers(prepared, context, title=caption,
                                    layers={"control", "changes", "line_of_contact"})
    restyle_unchanged(groups)
    return map_document(base, groups)
