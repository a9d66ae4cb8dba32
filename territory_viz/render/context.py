"""What the map shows that does not change with the scenario: the baseline's context.

A :class:`MapContext` holds display-ready base layers for one baseline (neighbours, region
borders and names, Ukraine's border, the line of contact, Russia's claim, the area occupied
before 2022, towns): simplified, encoded and escaped once, cheap to share between sessions.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from territory_viz import _bounds, notices
from territory_viz._errors import DataFileError, ValidationError
from territory_viz.labels import FRONT_MIN_POPULATION, compact, map_labels, near_front
from territory_viz.model import CRS_GEOGRAPHIC, RegionKind
from territory_viz.render.encoding import (
    CONTEXT_GRID,
    encode_geometry,
    line_row,
    lines_of,
    simplify_coverage,
)
from territory_viz.style import TOWN_MAP_MIN_POPULATION

#: Smallest town the interactive map names (from zoom 8; near the front 10,000, see
#: territory_viz.labels): the towns drawn as dots, so the payload stays in its budget.
MAP_LABEL_MIN_POPULATION = TOWN_MAP_MIN_POPULATION
_NO_PLACES = gpd.GeoDataFrame({"name": [], "population": []}, geometry=[], crs=CRS_GEOGRAPHIC)

__all__ = ["BASE_SOURCES", "PRE_2022_SNAPSHOT", "MapContext", "map_context"]

#: The snapshot of the area occupied before the full-scale invasion.
PRE_2022_SNAPSHOT = "occupied-2022-02-23"

#: Sources of the base layers, shown in every legend.
BASE_SOURCES = (
    "Regions and neighbours: Natural Earth (public domain)",
    "Towns: GeoNames (CC BY 4.0)",
)
#: Source of the water layer, in the legend of the maps that draw it.
WATER_SOURCE = "Dnipro and Kakhovka reservoir: territory_viz, approximate"


@dataclass(frozen=True)
class MapContext:
    """Display-ready base layers for one baseline (simplified, encoded, escaped).

    Build it with :func:`map_context` (from the project's data) or
    :meth:`MapContext.from_layers` (from any GeoDataFrames, e.g. in tests). It is immutable
    and cheap to share between sessions.

    Attributes
    ----------
    baseline_id, baseline_date
        The control snapshot the context belongs to, e.g. ``"occupied-2025-08-15"``.
    sources
        Source lines shown in the legend (plain text; escaped when rendered).
    layers
        Layer key -> encoded rows (``neighbours``, ``region_borders``, ``ukraine_border``,
        ``line_of_contact``, ``claim``, ``occupied_2022``, ``water``).
    region_labels
        ``[lat, lon, escaped name]`` per region.
    towns
        ``[lat, lon, population, escaped name]`` per town.
    labels
        Every name the map shows, in placement order, as
        :func:`territory_viz.labels.compact` rows (plain text, set with ``textContent``).
    """

    baseline_id: str
    baseline_date: str
    sources: tuple[str, ...]
    layers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    region_labels: list[list[Any]] = field(default_factory=list)
    towns: list[list[Any]] = field(default_factory=list)
    labels: list[list[Any]] = field(default_factory=list)

    @classmethod
    def from_layers(
        cls,
        regions: gpd.GeoDataFrame,
        *,
        baseline_id: str = "baseline",
        baseline_date: str = "",
        neighbours: gpd.GeoDataFrame | None = None,
        line_of_contact: gpd.GeoDataFrame | None = None,
        claim: gpd.GeoDataFrame | None = None,
        occupied_2022: gpd.GeoDataFrame | None = None,
        settlements: gpd.GeoDataFrame | None = None,
        water: gpd.GeoDataFrame | None = None,
        sources: Sequence[str] = (),
    ) -> MapContext:
        """Prepare base layers from GeoDataFrames (EPSG:4326).

        Parameters
        ----------
        regions
            Polygons with ``name_en`` (and ideally ``kind``); drawn as borders and names.
        baseline_id, baseline_date
            Which snapshot this context shows (the date goes into the legend).
        neighbours
            Neighbouring countries' polygons, drawn as grey land.
        line_of_contact
            Lines (the baseline's front line).
        claim
            Polygons Russia claims; their outer boundary is drawn.
        occupied_2022
            The area occupied before 24 Feb 2022; its boundary is drawn.
        settlements
            Points with ``name`` and ``population``; the larger ones are drawn.
        water
            Rivers (lines) and reservoirs (polygons) with a ``kind`` of
            :data:`territory_viz.style.WATER_STYLES` (``river``, ``reservoir``, ``drained``).
        sources
            Legend source lines in addition to :data:`BASE_SOURCES`.

        Returns
        -------
        MapContext
        """
        regions = regions.to_crs(CRS_GEOGRAPHIC)
        simplified = simplify_coverage(regions.geometry)
        layers: dict[str, list[dict[str, Any]]] = {}
        outline_lines = shapely.boundary(shapely.union_all(simplified.values))
        all_lines = lines_of(simplified.values)
        interior = shapely.difference(all_lines, outline_lines.buffer(1e-9))
        layers["region_borders"] = line_row(interior, "region_borders", simplify=False)
        layers["ukraine_border"] = line_row(outline_lines, "ukraine_border", simplify=False)
        if neighbours is not None and len(neighbours):
            # Context only: clip to a window around Ukraine and simplify more coarsely.
            window = shapely.box(14.0, 40.0, 48.0, 57.0)
            clipped = neighbours.to_crs(CRS_GEOGRAPHIC).clip(window)
            coarse = simplify_coverage(clipped.geometry, tolerance_m=1500.0)
            layers["neighbours"] = [
                {"g": enc, "c": "neighbours"}
                for enc in (encode_geometry(g, grid=CONTEXT_GRID) for g in coarse.values)
                if enc
            ]
        if water is not None and len(water):
            # Context at country scale (the points are a few km apart): on the coarse grid.
            # Areas first, rivers over them (a river runs through its reservoirs).
            rows = [
                {"g": enc, "c": str(kind)}
                for kind, enc in zip(
                    water["kind"],
                    (
                        encode_geometry(g, grid=CONTEXT_GRID)
                        for g in water.to_crs(CRS_GEOGRAPHIC).geometry.values
                    ),
                    strict=True,
                )
                if enc
            ]
            layers["water"] = sorted(rows, key=lambda row: "l" in row["g"])
        merged = None
        if line_of_contact is not None and len(line_of_contact):
            merged = shapely.line_merge(
                shapely.union_all(line_of_contact.to_crs(CRS_GEOGRAPHIC).geometry.values)
            )
            layers["line_of_contact"] = line_row(merged, "line_of_contact")
        if claim is not None and len(claim):
            area = shapely.union_all(claim.to_crs(CRS_GEOGRAPHIC).geometry.values)
            layers["claim"] = line_row(shapely.boundary(area), "claim")
        if occupied_2022 is not None and len(occupied_2022):
            area = shapely.union_all(occupied_2022.to_crs(CRS_GEOGRAPHIC).geometry.values)
            layers["occupied_2022"] = line_row(shapely.boundary(area), "occupied_2022")
        labels = []
        for _, region in regions.iterrows():
            # Cities with special status (Kyiv, Sevastopol) are labelled as towns instead.
            if str(region.get("kind", "")) == RegionKind.CITY:
                continue
            point = shapely.maximum_inscribed_circle(region.geometry, 0.01).coords[0]
            labels.append(
                [round(point[1], 3), round(point[0], 3), html.escape(str(region["name_en"]))]
            )
        front = merged
        towns = _town_points(settlements, front) if settlements is not None else []
        names = map_labels(
            settlements if settlements is not None else _NO_PLACES,
            regions,
            min_population=MAP_LABEL_MIN_POPULATION,
            countries=neighbours is not None and len(neighbours) > 0,
            front=front,
            water=water is not None and len(water) > 0,
        )
        return cls(
            baseline_id=baseline_id,
            baseline_date=baseline_date,
            sources=(
                *tuple(sources),
                *BASE_SOURCES,
                *((WATER_SOURCE,) if layers.get("water") else ()),
            ),
            layers=layers,
            region_labels=labels,
            towns=towns,
            labels=compact(names),
        )


def _town_points(settlements: gpd.GeoDataFrame, front: Any = None) -> list[list[Any]]:
    """Towns drawn as dots, largest first (drawn under smaller ones).

    Those above :data:`TOWN_MAP_MIN_POPULATION`, and the smaller ones named near the front.

    Returns ``[lat, lon, population, escaped name]`` per town.
    """
    population = settlements["population"]
    keep = population >= TOWN_MAP_MIN_POPULATION
    if front is not None:
        keep |= (population >= FRONT_MIN_POPULATION) & np.asarray(near_front(settlements, front))
    big = settlements[keep].sort_values("population", ascending=False)
    return [
        [round(geom.y, 3), round(geom.x, 3), int(population), html.escape(str(name))]
        for name, population, geom in zip(big["name"], big["population"], big.geometry, strict=True)
    ]


def map_context(baseline: str | gpd.GeoDataFrame | None = None) -> MapContext:
    """Build the base layers for a baseline from the project's data files.

    Parameters
    ----------
    baseline
        A snapshot id (default: ``datasets.DEFAULT_BASELINE``) or a snapshot-shaped
        GeoDataFrame (``id``, ``date``, geometry), e.g. an uploaded control layer.

    Returns
    -------
    MapContext
        Context layers that are missing from the checkout are left out (and named in the
        legend's sources) rather than failing the whole map.
    """
    from territory_viz import datasets  # lazy: keeps render importable on synthetic data

    if baseline is None:
        baseline = datasets.DEFAULT_BASELINE
    snapshot = datasets.load_snapshot(baseline) if isinstance(baseline, str) else baseline
    baseline_id = str(snapshot["id"].iloc[0]) if "id" in snapshot else "uploaded"
    baseline_date = str(snapshot["date"].iloc[0]) if "date" in snapshot else ""
    if not isinstance(baseline, str):  # a user's layer: bounded before any geometry runs
        _bounds.check_layer(snapshot.geometry.values, baseline_id)
    missing: list[str] = []
    optional: dict[str, Any] = {}
    for key, loader in (
        ("neighbours", datasets.load_neighbours),
        ("claim", datasets.load_claim),
        ("occupied_2022", lambda: datasets.load_snapshot(PRE_2022_SNAPSHOT)),
        ("line_of_contact", lambda: datasets.line_of_contact(snapshot)),
        ("settlements", datasets.load_settlements),
        ("water", datasets.load_water),
    ):
        try:
            optional[key] = loader()
        except (DataFileError, ValidationError):
            # A context layer missing from a checkout must not blank the whole map: draw
            # without it and say so in the legend's sources.
            optional[key] = None
            missing.append(f"{key.replace('_', ' ')}: not available in this checkout")
    # An uploaded layer may have no date: no "Control on : ..." in the legend.
    when = f"Control on {baseline_date}" if baseline_date else "Control (undated)"
    line = f"{when}: {baseline_id}"
    if isinstance(baseline, str):
        control = [f"{line} (territory_viz, from public reporting)"]
    elif notices.is_fetched(snapshot):  # a fetched day: DeepStateMap's, with its licence terms
        control = notices.credit(line, snapshot)
    else:  # an uploaded layer is the user's, not the project's reporting: say so
        control = [f"{line} (a layer supplied by the user)"]
    sources = [*control, *missing]
    return MapContext.from_layers(
        datasets.load_regions(),
        baseline_id=baseline_id,
        baseline_date=baseline_date,
        sources=sources,
        **optional,
    )
