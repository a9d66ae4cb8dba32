"""A scenario's partition made ready to draw: encoded pieces, display keys, tooltips."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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
    CONTROL_COLOURS,
    CONTROL_LABELS,
    CONTROL_OPACITY,
    FALLBACK_COLOUR,
    RECOGNITION_LABELS,
    UNCHANGED_CLASS,
    UNCHANGED_STYLE,
    change_key,
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
        key (recognition) and ``x`` change key when there is one, and either ``d`` the
        tooltip as compact data (:func:`tooltip_data`, written out in the browser) or
        ``t`` a caller's tooltip HTML (escaped).
    key
        Content hash; identifies the data in the browser.
    classes
        Display classes present (for the styles).
    arcs
        The shared arcs the rows' rings refer to (each border between two pieces once).
    borders
        Which of those arcs are region borders (pieces of two regions meet there) and
        Ukraine's border (one piece only): the map draws these lines from the very arcs
        the pieces are drawn from, instead of sending them again.
    """

    rows: list[dict[str, Any]]
    key: str
    classes: tuple[str, ...]
    arcs: tuple[str, ...] = ()
    #: Line layer key (``region_borders``, ``ukraine_border``) -> the arcs that draw it.
    borders: dict[str, tuple[int, ...]] = field(default_factory=dict)


def _control_of(display_class: str) -> str:
    return display_class.split("/", 1)[0]


def _hatch_of(display_class: str) -> str:
    parts = display_class.split("/", 1)
    if len(parts) == 2 and parts[1] in (Recognition.DE_JURE, Recognition.DE_FACTO):
        return parts[1]
    return ""


def _change_of(baseline_control: str, control: str) -> str:
    return change_key(baseline_control, control)


#: Recognition levels in the order the tooltip lists them (others after these).
_LEVELS = (str(Recognition.DE_JURE), str(Recognition.DE_FACTO), str(Recognition.NONE))


def tooltip_labels(classes: Iterable[str] = ()) -> dict[str, Any]:
    """Return what the map's script needs to write a piece's tooltip from its data.

    Labels of controls, parties (in :class:`Party` order) and recognition levels (in the
    order listed), all plain text from :mod:`territory_viz.style` and the model; the
    control whose pieces need no line on recognition (Ukraine's own); and the control of
    each display class in ``classes`` (a piece's control is its class's: the rows do not
    repeat it).
    """
    return {
        "own": str(Control.UKRAINE),
        "control": dict(CONTROL_LABELS),
        "parties": [party.label for party in Party],
        "levels": [RECOGNITION_LABELS.get(level, level) for level in _LEVELS],
        "of": {c: _control_of(c) for c in classes if c != UNCHANGED_CLASS},
    }


def tooltip_data(row: pd.Series) -> list[Any]:
    """Return a piece's tooltip as compact data, written out by the map's script (``TV.tip``).

    ``[region]`` for a piece the scenario leaves as it is, else ``[region, baseline
    control, recognition, area km², population]``: the recognition is one digit per party
    (in :class:`Party` order) indexing :func:`tooltip_labels` ``levels``, and the
    population is ``None`` when unknown; the control is the display class's (see
    :func:`tooltip_labels`). Text stays plain (set with ``textContent``).
    """
    region = str(row.get("region", ""))
    if row.get("display_class") == UNCHANGED_CLASS:
        return [region]
    control = str(row["control"])
    codes = "".join(
        str(_LEVELS.index(level)) if level in _LEVELS else "2"
        for level in (str(row.get(f"rec_{p.value}", Recognition.NONE)) for p in Party)
    )
    population = row.get("population")
    people = None if population is None or pd.isna(population) else int(round(float(population)))
    area = int(round(float(row.get("area_km2", 0.0) or 0.0)))
    return [region, str(row.get("baseline_control", control)), codes, area, people]


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
    regions: list[str] = []
    for i, ((_, row), encoded) in enumerate(
        zip(partition.iterrows(), topo.geometries, strict=True)
    ):
        if encoded is None:
            continue
        regions.append(str(row.get("region", "")))
        control = str(row["control"])
        display_class = str(row.get("display_class", control))
        out: dict[str, Any] = {"g": encoded, "c": display_class}
        hatch = _hatch_of(display_class)
        change = _change_of(str(row.get("baseline_control", control)), control)
        if hatch:
            out["h"] = hatch
        if change:
            out["x"] = change
        if tooltips is None:
            out["d"] = tooltip_data(row)
        else:
            out["t"] = tooltips[i]
        rows.append(out)
    borders = border_arcs(rows, regions, len(topo.arcs))
    digest = hashlib.sha1(
        js_json([rows, topo.arcs, borders]).encode("utf-8"), usedforsecurity=False
    ).hexdigest()
    classes = tuple(sorted({r["c"] for r in rows}))
    return PreparedPartition(
        rows=rows, key=f"p{digest[:12]}", classes=classes, arcs=topo.arcs, borders=borders
    )


def border_arcs(
    rows: Sequence[dict[str, Any]], regions: Sequence[str], n_arcs: int
) -> dict[str, tuple[int, ...]]:
    """Sort a tiling's arcs into region borders and the outer border.

    An arc one piece alone uses is on the tiling's outer edge (Ukraine's border, coasts
    included); an arc two pieces of different regions share is a region border; an arc
    inside one region (a line of control, a zone's edge) is neither.

    Parameters
    ----------
    rows
        Prepared rows (``g`` holds rings of arc references, see ``encoding.topology``).
    regions
        The region of each row.
    n_arcs
        Number of arcs.
    """
    users: list[list[int]] = [[] for _ in range(n_arcs)]
    for i, row in enumerate(rows):
        for polygon in row["g"]["p"]:
            for ring in polygon:
                for ref in ring:
                    users[ref if ref >= 0 else ~ref].append(i)
    outline = tuple(a for a, u in enumerate(users) if len(u) == 1)
    between = tuple(
        a for a, u in enumerate(users) if len(u) >= 2 and len({regions[i] for i in u}) > 1
    )
    return {"region_borders": between, "ukraine_border": outline}


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
