"""A scenario's partition made ready to draw: encoded pieces, display keys, tooltips."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from territory_viz.model import Control, Party, Recognition
from territory_viz.render.encoding import (
    SIMPLIFY_TOLERANCE_M,
    js_json,
    simplify_coverage,
    topology,
)
from territory_viz.style import (
    CHANGE_STYLES,
    CONTROL_COLOURS,
    CONTROL_LABELS,
    CONTROL_OPACITY,
    FALLBACK_COLOUR,
    RECOGNITION_LABELS,
    UNCHANGED_CLASS,
    UNCHANGED_STYLE,
)

__all__ = ["PreparedPartition", "fill_styles", "prepare_partition"]


@dataclass(frozen=True)
class PreparedPartition:
    """A scenario's partition ready to draw: encoded rows with escaped tooltips.

    Attributes
    ----------
    rows
        One dict per piece: ``g`` geometry (rings as references into ``arcs``, see
        :func:`~territory_viz.render.encoding.topology`), ``c`` display class, ``h`` hatch
        key (recognition) or ``""``, ``x`` change key or ``""``, ``t`` tooltip HTML.
    key
        Content hash; identifies the data in the browser.
    classes
        Display classes present (for the styles).
    arcs
        The shared arcs the rows' rings refer to (each border between two pieces once).
    """

    rows: list[dict[str, Any]]
    key: str
    classes: tuple[str, ...]
    arcs: tuple[str, ...] = ()


def _control_of(display_class: str) -> str:
    return display_class.split("/", 1)[0]


def _hatch_of(display_class: str) -> str:
    parts = display_class.split("/", 1)
    if len(parts) == 2 and parts[1] in (Recognition.DE_JURE, Recognition.DE_FACTO):
        return parts[1]
    return ""


def _change_of(baseline_control: str, control: str) -> str:
    if baseline_control == control:
        return ""
    key = f"to_{control}"
    return key if key in CHANGE_STYLES else ""


def _recognition_text(row: pd.Series) -> str:
    """Say who recognises what: "de jure: Russia · de facto: United States · none: ..."."""
    groups: dict[str, list[str]] = {}
    for party in Party:
        value = str(row.get(f"rec_{party.value}", Recognition.NONE))
        groups.setdefault(value, []).append(party.label)
    order = [str(Recognition.DE_JURE), str(Recognition.DE_FACTO), str(Recognition.NONE)]
    return " · ".join(
        f"{RECOGNITION_LABELS.get(level, level)}: {', '.join(groups[level])}"
        for level in [*order, *(k for k in groups if k not in order)]
        if level in groups
    )


def _tooltip(row: pd.Series) -> str:
    esc = html.escape
    if row.get("display_class") == UNCHANGED_CLASS:
        return f"<b>{esc(str(row.get('region', '')))}</b>"
    control = str(row["control"])
    baseline_control = str(row.get("baseline_control", control))
    lines = [
        f"<b>{esc(str(row.get('region', '')))}</b>",
        f"Control: {esc(CONTROL_LABELS.get(control, control))}",
    ]
    if control != Control.UKRAINE:
        lines.append(f"Recognition of Russian control — {esc(_recognition_text(row))}")
    if baseline_control != control:
        before = CONTROL_LABELS.get(baseline_control, baseline_control)
        lines.append(f"Baseline: {esc(before)} → {esc(CONTROL_LABELS.get(control, control))}")
    area = float(row.get("area_km2", 0.0) or 0.0)
    population = row.get("population")
    lines.append(f"Area: {area:,.0f} km²")
    if population is not None and not pd.isna(population):
        lines.append(f"Pre-war population: {int(round(float(population))):,} people")
    return "<br>".join(lines)


def prepare_partition(
    partition: gpd.GeoDataFrame,
    *,
    tolerance_m: float = SIMPLIFY_TOLERANCE_M,
    tooltips: Sequence[str] | None = None,
) -> PreparedPartition:
    """Simplify, encode (as shared arcs) and annotate a partition for drawing.

    Parameters
    ----------
    partition
        The GeoDataFrame returned by ``scenarios.evaluate`` (columns in the team contract:
        ``region``, ``baseline_control``, ``control``, ``rec_*``, ``display_class``,
        ``area_km2``, ``population``, geometry).
    tolerance_m
        Simplification tolerance in metres.
    tooltips
        Tooltip HTML per row of ``partition`` (already escaped), instead of the scenario
        tooltip; rows whose geometry vanishes in simplification are dropped with theirs.

    Returns
    -------
    PreparedPartition
    """
    if tooltips is not None and len(tooltips) != len(partition):
        raise ValueError(f"{len(tooltips)} tooltips for {len(partition)} pieces")
    geometries = simplify_coverage(partition.geometry, tolerance_m=tolerance_m)
    topo = topology(list(geometries.values))
    rows: list[dict[str, Any]] = []
    for i, ((_, row), encoded) in enumerate(
        zip(partition.iterrows(), topo.geometries, strict=True)
    ):
        if encoded is None:
            continue
        control = str(row["control"])
        display_class = str(row.get("display_class", control))
        rows.append(
            {
                "g": encoded,
                "c": display_class,
                "h": _hatch_of(display_class),
                "x": _change_of(str(row.get("baseline_control", control)), control),
                "t": _tooltip(row) if tooltips is None else tooltips[i],
            }
        )
    digest = hashlib.sha1(
        js_json([rows, topo.arcs]).encode("utf-8"), usedforsecurity=False
    ).hexdigest()
    classes = tuple(sorted({r["c"] for r in rows}))
    return PreparedPartition(rows=rows, key=f"p{digest[:12]}", classes=classes, arcs=topo.arcs)


def fill_styles(classes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Leaflet path styles per display class: colour and opacity by control."""
    styles = {}
    for display_class in classes:
        if display_class == UNCHANGED_CLASS:
            styles[display_class] = dict(UNCHANGED_STYLE)
            continue
        control = _control_of(display_class)
        colour = CONTROL_COLOURS.get(control, FALLBACK_COLOUR)
        styles[display_class] = {
            "color": colour,
            "weight": 0.4,
            "opacity": 0.6,
            "fillColor": colour,
            "fillOpacity": CONTROL_OPACITY.get(control, 0.6),
        }
    return styles
