"""Reconcile a control layer with Ukraine's outline: fill the slivers digitising leaves.

A control layer drawn on another base map (DeepStateMap's daily archive, an analyst's own
layer, a fetched day) has its own coastline and state border, up to a few kilometres from
the Natural Earth outline this project measures on. Clipping it to the outline removes
what lies in the sea or in Russia, but leaves the opposite error: thin strips between the
layer's coast or border and the outline's, which would count as "Ukrainian-controlled" land
inside occupied Crimea or along the Russian border, and whose edges would count as line of
contact.

The rule (:func:`reconcile`), stated with its parameters:

1. Ukrainian-controlled land is the outline minus the layer. Its *wide* part is what a disc
   :data:`SLIVER_WIDTH_KM` across can reach (a morphological opening); the rest is *thin*.
2. A thin piece joins the layer when it runs between the layer and the outline's coast or
   border: along each of them at least :data:`SLIVER_EDGE_RATIO` times as long as it meets
   wide Ukrainian-controlled land. A coastal sliver runs along the coast and the layer for
   its whole length and meets the rest of Ukraine, if at all, across a neck. Kept: the
   corner where a front line reaches the border (it meets wide land along its whole inner
   side) and the free part of a spit the front line crosses (it meets the layer only across
   the spit).
3. A connected piece of Ukrainian-controlled land that touches both the layer and the coast
   or border, and whose whole area is under :data:`SLIVER_AREA_KM2`, joins the layer: it is
   cut off from the rest of Ukraine by the layer, and too small to be a held pocket.

Nothing else changes: land the layer leaves Ukrainian away from the coast and border
(a bridgehead on a river, a hole inside the layer) stays Ukrainian, and the layer itself is
only clipped. Afterwards the layer's edge along the coast and border is the outline's own,
so the line of contact (its boundary inside the outline) is only where Russian- and
Ukrainian-controlled land meet.

Everything is computed in :data:`territory_viz.model.CRS_EQUAL_AREA` (metres). The cost is a
few buffers of the layer near the outline's edge; callers bound the layer's vertex count
first (:data:`territory_viz.loaders.MAX_VERTICES`) and run user layers in a child process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from territory_viz import model

__all__ = [
    "NEGLIGIBLE_KM2",
    "SLIVER_AREA_KM2",
    "SLIVER_EDGE_RATIO",
    "SLIVER_WIDTH_KM",
    "Reconciliation",
    "reconcile",
    "reconcile_geographic",
    "reconcile_layer",
    "rule_text",
]

#: Strips of Ukrainian-controlled land narrower than this (km) between a layer and the
#: outline's coast or border are digitising differences, not held land. DeepStateMap's coast
#: and border lie up to about 3 km from Natural Earth's; 3.5 km leaves a margin, and is
#: narrower than any Ukrainian-held strip along the coast or border in the committed data
#: (and than a compact held pocket of 20 km², about 5 x 4 km).
SLIVER_WIDTH_KM = 3.5
#: A connected piece of Ukrainian-controlled land under this area (km²), touching both the
#: layer and the coast or border, is a sliver. A genuine held pocket is larger (the Dnipro
#: left-bank bridgehead at Krynky, 2023-24, was about 20 km²).
SLIVER_AREA_KM2 = 15.0
#: A thin piece joins only if it runs along the coast or border, and along the layer, at least
#: this many times as long as it meets wide Ukrainian-controlled land (the module's rule 2).
SLIVER_EDGE_RATIO = 1.5
#: Less than this (km²) added, in all or in one region, is reported as nothing: rounding
#: crumbs of a few m² along a filled sliver or a rounded coast.
NEGLIGIBLE_KM2 = 0.05

# Tolerance (m) for "lies on" the outline's edge or the wide part's edge: far below any
# digitising difference, far above floating-point noise of the overlays.
_ON_EDGE_M = 5.0
# Pieces smaller than this (km²) are overlay noise and are ignored either way.
_NOISE_KM2 = 1e-4
# Gaps left between a layer and its projected slivers smaller than this (km²) are closed.
_CRUMB_KM2 = 1e-3
# ... and so are gaps narrower than this on average (m): the two projections' rounding.
_HAIRLINE_M = 1.0
# How far (degrees, about 1-2 m) projected slivers are widened before joining the layer.
_WELD_DEG = 2e-5


@dataclass(frozen=True)
class Reconciliation:
    """The result of :func:`reconcile`.

    Attributes
    ----------
    geometry
        The layer clipped to the outline with the slivers added (equal-area, polygonal).
    added
        The slivers added (equal-area, polygonal; empty if none).
    added_km2
        Their area, km².
    by_region
        ISO code -> km² added in that region (regions with at least
        :data:`NEGLIGIBLE_KM2`), largest first.
    pieces
        How many separate slivers were added.
    parameters
        ``(width_km, area_km2, edge_ratio)`` the rule ran with.
    """

    geometry: Any
    added: Any
    added_km2: float
    by_region: dict[str, float] = field(default_factory=dict)
    pieces: int = 0
    parameters: tuple[float, float, float] = (SLIVER_WIDTH_KM, SLIVER_AREA_KM2, SLIVER_EDGE_RATIO)

    def summary(self) -> dict[str, Any]:
        """Plain, JSON-ready figures: the rule, its parameters and the km² added per region."""
        return {
            "rule": rule_text(*self.parameters),
            "width_km": self.parameters[0],
            "area_km2": self.parameters[1],
            "edge_ratio": self.parameters[2],
            "added_km2": round(self.added_km2, 2),
            "pieces": self.pieces,
            "by_region": {code: round(km2, 2) for code, km2 in self.by_region.items()},
        }

    def note(self) -> str:
        """One line for a layer's notes: the rule, its parameters and what it moved."""
        if self.added_km2 < NEGLIGIBLE_KM2:
            return f"Reconciled with the outline ({rule_text(*self.parameters)}): nothing to add."
        names = model.REGION_NAMES
        moved = ", ".join(
            f"{names.get(code, code)} {km2:,.1f} km²" for code, km2 in self.by_region.items()
        )
        return (
            f"Reconciled with the outline ({rule_text(*self.parameters)}): "
            f"{self.added_km2:,.1f} km² in "
            f"{self.pieces} sliver(s) counted as Russian-controlled ({moved})."
        )


def rule_text(
    width_km: float = SLIVER_WIDTH_KM,
    area_km2: float = SLIVER_AREA_KM2,
    edge_ratio: float = SLIVER_EDGE_RATIO,
) -> str:
    """Return the reconciliation rule in one sentence, with its parameters."""
    return (
        f"Ukrainian-controlled slivers between the layer and Ukraine's coast or border "
        f"- narrower than {width_km:g} km and running along both at least "
        f"{edge_ratio:g}x as long as they meet wider land, or cut off and under "
        f"{area_km2:g} km² - join the layer"
    )


def _polygons(geom: Any) -> np.ndarray:
    """Return the polygons of an overlay result (lines and points dropped)."""
    if geom is None or shapely.is_empty(geom):
        return np.array([], dtype=object)
    parts = shapely.get_parts(shapely.get_parts(np.asarray([geom], dtype=object)))
    return parts[shapely.get_type_id(parts) == 3]


def _union(parts: Sequence[Any] | np.ndarray) -> Any:
    parts = [p for p in parts if p is not None and not shapely.is_empty(p)]
    if not parts:
        return shapely.MultiPolygon()
    merged = shapely.union_all(np.asarray(parts, dtype=object))
    polys = _polygons(merged)
    return shapely.MultiPolygon(list(polys)) if len(polys) else shapely.MultiPolygon()


#: Buffers of an outline's boundary, by (id of the outline, distance, quad_segs): the same
#: outline is reconciled against for every layer, so its bands are made once. The outline
#: itself is kept in the entry, so its id cannot be reused while the entry lives.
_BANDS: dict[tuple[int, float, int], tuple[Any, Any]] = {}
_BANDS_MAX = 8


def _outline_band(outline: Any, distance: float, quad_segs: int) -> Any:
    """Return the outline's boundary buffered by ``distance``, prepared, cached per outline.

    (What buffering it each time gives.)
    """
    key = (id(outline), float(distance), int(quad_segs))
    hit = _BANDS.get(key)
    if hit is not None and hit[0] is outline:
        return hit[1]
    band = shapely.buffer(shapely.boundary(outline), distance, quad_segs=quad_segs)
    shapely.prepare(band)
    if len(_BANDS) >= _BANDS_MAX:
        _BANDS.clear()
    _BANDS[key] = (outline, band)
    return band


def reconcile(
    layer: Any,
    outline: Any,
    *,
    regions: gpd.GeoDataFrame | None = None,
    width_km: float = SLIVER_WIDTH_KM,
    area_km2: float = SLIVER_AREA_KM2,
    edge_ratio: float = SLIVER_EDGE_RATIO,
) -> Reconciliation:
    """Clip a layer of Russian-controlled land to the outline and fill its slivers.

    Parameters
    ----------
    layer
        Polygonal geometry of the layer, equal-area metres (need not be clipped).
    outline
        Ukraine's outline, equal-area metres.
    regions
        Regions (``iso_code`` and geometry, equal-area) to report the added area per region;
        ``None``: no per-region figures.
    width_km, area_km2, edge_ratio
        The rule's parameters (defaults: :data:`SLIVER_WIDTH_KM`, :data:`SLIVER_AREA_KM2`,
        :data:`SLIVER_EDGE_RATIO`).

    Returns
    -------
    Reconciliation
    """
    params = (float(width_km), float(area_km2), float(edge_ratio))
    # Reprojection can make nearly touching rings cross by nanometres: repair first.
    if not shapely.is_valid(layer):
        layer = _union(_polygons(shapely.make_valid(layer)))
    clipped = _union(_polygons(shapely.intersection(layer, outline)))

    def unchanged() -> Reconciliation:
        return Reconciliation(clipped, shapely.MultiPolygon(), 0.0, parameters=params)

    if shapely.is_empty(clipped):
        return unchanged()
    half = width_km * 1000.0 / 2.0
    edge = _outline_band(outline, _ON_EDGE_M, 2)
    band = _outline_band(outline, 2 * half, 4)
    # Only land near both the layer and the outline's edge can be a sliver; work in a window
    # around it (far enough out that the window's own cut cannot change the opening inside).
    near = shapely.intersection(band, shapely.buffer(clipped, 2 * half, quad_segs=4))
    if shapely.is_empty(near):
        return unchanged()
    window = shapely.buffer(near, 4 * half, quad_segs=4)
    ukraine = shapely.difference(shapely.intersection(outline, window), clipped)
    ukraine_parts = _polygons(ukraine)
    layer_touch = shapely.buffer(clipped, _ON_EDGE_M, quad_segs=2)
    shapely.prepare(layer_touch)

    added: list[Any] = []
    window_edge = shapely.buffer(shapely.boundary(window), _ON_EDGE_M, quad_segs=2)
    shapely.prepare(window_edge)
    rest = _union([p for p in ukraine_parts if shapely.area(p) / 1e6 >= _NOISE_KM2])
    # Rule 2: thin pieces between the layer and the coast or border. Pieces that reach the
    # window's own edge continue beyond it, so they are judged by what lies inside only if
    # they do not.
    if not shapely.is_empty(rest):
        wide = shapely.buffer(shapely.buffer(rest, -half, quad_segs=8), half, quad_segs=8)
        wide = _union(_polygons(shapely.intersection(wide, rest)))
        thin = _polygons(shapely.difference(rest, wide))
        wide_edge = shapely.buffer(shapely.boundary(wide), _ON_EDGE_M, quad_segs=2)
        shapely.prepare(wide_edge)
        # (The prepared geometry goes first: GEOS then uses its index.)
        thin = thin[shapely.area(thin) / 1e6 >= _NOISE_KM2]
        thin = thin[shapely.intersects(edge, thin) & shapely.intersects(layer_touch, thin)]
        thin = thin[~shapely.intersects(window_edge, thin)]
        rings = shapely.boundary(thin)
        along_edge = shapely.length(shapely.intersection(rings, edge))
        along_layer = shapely.length(shapely.intersection(rings, layer_touch))
        along_wide = shapely.length(shapely.intersection(rings, wide_edge))
        added.extend(thin[np.minimum(along_edge, along_layer) >= edge_ratio * along_wide])
    # Rule 3: small pieces cut off by the layer (and by the slivers just added) at the coast
    # or border.
    by_rule_2 = len(added)
    if added:
        slivers = _union(added)
        with_slivers = _union([clipped, slivers])
        remaining = _polygons(shapely.difference(rest, slivers))
        layer_touch = shapely.buffer(with_slivers, _ON_EDGE_M, quad_segs=2)
        shapely.prepare(layer_touch)
    else:
        remaining = _polygons(rest)
    remaining_km2 = shapely.area(remaining) / 1e6
    remaining = remaining[(_NOISE_KM2 <= remaining_km2) & (remaining_km2 < area_km2)]
    added.extend(
        remaining[
            shapely.intersects(edge, remaining)
            & shapely.intersects(layer_touch, remaining)
            & ~shapely.intersects(window_edge, remaining)
        ]
    )
    if not added:
        return unchanged()
    if len(added) == by_rule_2:  # rule 3 added nothing: the unions are those made above
        added_geom, geometry = slivers, with_slivers
    else:
        added_geom = _union(added)
        geometry = _union([clipped, added_geom])
    by_region = _by_region(regions, added_geom) if regions is not None else {}
    return Reconciliation(
        geometry,
        added_geom,
        float(shapely.area(added_geom) / 1e6),
        by_region,
        len(_polygons(added_geom)),
        params,
    )


def reconcile_geographic(geometry: Any) -> tuple[shapely.MultiPolygon, Reconciliation]:
    """Reconcile EPSG:4326 polygons with the committed outline; return EPSG:4326 polygons.

    The rule runs in the equal-area CRS; the slivers come back to EPSG:4326 widened by a
    metre or two toward the layer and the coast and cut by the EPSG:4326 outline, so the
    result follows the outline's own vertices along the coast and border and projected
    again meets the regions' edges (a
    round trip through two projections otherwise leaves hairline "Ukrainian" crumbs, a few
    m² each but hundreds of km long, along every filled sliver). Hairline gaps that remain
    beside a sliver are closed.
    """
    from territory_viz import datasets
    from territory_viz.geography import to_equal_area, to_geographic

    outline_wgs = datasets.ukraine_outline()
    if not shapely.is_valid(geometry):
        geometry = _union(_polygons(shapely.make_valid(geometry)))
    clipped = _union(_polygons(shapely.intersection(geometry, outline_wgs)))
    # No per-region figures here: they are measured on what the EPSG:4326 layer gains
    # (``_restated``), so the rule's own would be thrown away.
    result = reconcile(to_equal_area(clipped), datasets.ukraine_outline(equal_area=True))
    if result.added_km2 <= 0:
        return _as_multi(clipped), result
    # Widened by about a metre so that the projections' rounding leaves no hairline between
    # a sliver and the layer or the coast; the outline then cuts the excess off.
    # (Projected, a sliver's thin parts can cross themselves; the "structure" repair keeps
    # them, where the default one drops some.)
    added = to_geographic(result.added)
    if not shapely.is_valid(added):
        try:
            added = shapely.make_valid(added, method="structure")
        except shapely.errors.GEOSException:
            # GEOS could not rebuild the rings' structure ("side location conflict" on a
            # day of a synthetic archive): repair line by line instead (keeps the polygons).
            added = _union(_polygons(shapely.make_valid(added)))
    # Only toward the layer and the coast or border: where a sliver meets Ukrainian land
    # (at a neck) it is not widened.
    seams = shapely.union(
        shapely.buffer(clipped, _WELD_DEG, quad_segs=2),
        _outline_band(outline_wgs, _WELD_DEG, 2),
    )
    weld = shapely.intersection(shapely.buffer(added, _WELD_DEG, quad_segs=2), seams)
    merged = _union([clipped, *_polygons(added), *_polygons(weld)])
    gaps = _polygons(shapely.difference(outline_wgs, merged))
    if len(gaps):
        gaps_ea = to_equal_area(gaps)
        gap_km2 = shapely.area(gaps_ea) / 1e6
        mean_width_m = 2 * shapely.area(gaps_ea) / np.maximum(shapely.length(gaps_ea), 1e-9)
        crumbs = gaps[
            ((gap_km2 < _CRUMB_KM2) | (mean_width_m < _HAIRLINE_M))
            & shapely.intersects(gaps, shapely.buffer(added, 2 * _WELD_DEG))
        ]
        if len(crumbs):
            merged = _union([merged, *crumbs])
    final = _as_multi(shapely.intersection(merged, outline_wgs))
    return final, _restated(result, to_equal_area(shapely.difference(final, clipped)))


def _restated(result: Reconciliation, added: Any) -> Reconciliation:
    """Return ``result`` with its km² (in all and per region) measured on ``added``.

    The rule finds the slivers in the equal-area CRS; what a layer in EPSG:4326 gains is
    what is left of them once they are brought back and cut by the EPSG:4326 outline (the
    two outlines differ by the bow of their longer edges), so the note states that.
    """
    from territory_viz import datasets

    if not shapely.is_valid(added):
        # Projected, hairline parts of the difference can cross themselves.
        added = _union(_polygons(shapely.make_valid(added)))
    return replace(
        result,
        added_km2=float(shapely.area(added) / 1e6),
        by_region=_by_region(datasets.regions_equal_area(), added),
    )


def _by_region(regions: gpd.GeoDataFrame, added: Any) -> dict[str, float]:
    """Return ISO code -> km² of ``added`` (equal-area) in that region, largest first."""
    geoms = np.asarray(regions.geometry.values, dtype=object)
    hits = shapely.area(shapely.intersection(geoms, added)) / 1e6
    pairs = sorted(zip(regions["iso_code"].astype(str), hits, strict=True), key=lambda kv: -kv[1])
    return {code: float(km2) for code, km2 in pairs if km2 >= NEGLIGIBLE_KM2}


def reconcile_layer(layer: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, Reconciliation]:
    """Reconcile a snapshot-shaped layer (``id``, ``date``, geometry) with the committed outline.

    Returns a copy in EPSG:4326 whose geometry is clipped and filled, with the note appended
    to ``attrs["notes"]`` and the figures in ``attrs["reconciliation"]``, and the
    :class:`Reconciliation`. The entry point for layers from elsewhere (fetched days).
    """
    wgs = layer.set_crs(layer.crs or model.CRS_GEOGRAPHIC, allow_override=True).to_crs(
        model.CRS_GEOGRAPHIC
    )
    geoms = np.asarray(wgs.geometry.values, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    merged = (
        _union(_polygons(shapely.union_all(shapely.make_valid(geoms))))
        if len(geoms)
        else shapely.MultiPolygon()
    )
    geometry, result = reconcile_geographic(merged)
    out = gpd.GeoDataFrame(
        layer.drop(columns=layer.geometry.name).iloc[:1].reset_index(drop=True),
        geometry=[geometry],
        crs=model.CRS_GEOGRAPHIC,
    )
    out.attrs = dict(layer.attrs)
    out.attrs["notes"] = [*layer.attrs.get("notes", []), result.note()]
    out.attrs["reconciliation"] = result.summary()
    return out, result


def _as_multi(geom: Any) -> shapely.MultiPolygon:
    polys = _polygons(geom)
    if len(polys) and not all(shapely.is_valid(polys)):
        polys = _polygons(shapely.union_all(shapely.make_valid(polys)))
    return shapely.MultiPolygon(list(polys))
