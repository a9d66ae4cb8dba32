"""The geometry an evaluation runs on: a geography and its atoms over a baseline.

This module owns

- the :class:`Geography` an evaluation runs on: equal-area regions with their pre-war
  population, settlements, claims and a loader of control snapshots. The default one is
  built from :mod:`territory_viz.datasets`; tests inject tiny synthetic ones (squares);
- :class:`BaselineAtoms`: the regions split by one baseline into *atoms* (region ×
  baseline control). Every area expression (:mod:`territory_viz.areas`) is computed as an
  :class:`AtomArea` — for each atom, all of it, part of it, or nothing — so areas made of
  whole regions, the baseline or a claim need no geometry at all, and only strips and
  circles cut atoms. Cut areas are cached per baseline, which is what keeps warm
  evaluation fast.

All geometry here is in the equal-area CRS (:data:`territory_viz.model.CRS_EQUAL_AREA`,
metres); conversion to EPSG:4326 happens when a partition is returned.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from territory_viz import _bounds
from territory_viz._messages import short, type_name
from territory_viz.areas import (
    SLIVER_KM2,
    STRIP_LINE_TOLERANCE_M,
    Area,
    Baseline,
    Circle,
    Claim,
    Country,
    Difference,
    Intersection,
    ParamRef,
    Regions,
    Snapshot,
    Strip,
    StripSide,
    Union,
)
from territory_viz.model import CRS_EQUAL_AREA, CRS_GEOGRAPHIC, Control

__all__ = [
    "AtomArea",
    "BaselineAtoms",
    "Geography",
    "claim_ids",
    "default_geography",
    "polygonal",
    "polygonal_array",
    "snapshot_ids",
    "to_equal_area",
    "to_geographic",
    "to_geographic_valid",
]


# --------------------------------------------------------------------------- geography


@cache
def _to_wgs() -> Transformer:
    return Transformer.from_crs(CRS_EQUAL_AREA, CRS_GEOGRAPHIC, always_xy=True)


@cache
def _to_equal_area() -> Transformer:
    return Transformer.from_crs(CRS_GEOGRAPHIC, CRS_EQUAL_AREA, always_xy=True)


def to_geographic(geometry: Any) -> Any:
    """Project equal-area geometry (scalar or array) to EPSG:4326 lon/lat."""
    transformer = _to_wgs()
    return shapely.transform(
        geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def to_geographic_valid(geometry: Any) -> Any:
    """Like :func:`to_geographic` for polygons, repairing what the projection made invalid.

    Projecting is done vertex by vertex, so edges shared by two pieces stay shared; but
    two nearly touching rings (a buffer's arc meeting a border) can cross by a few
    nanodegrees afterwards, which drawing and simplification reject.
    """
    out = to_geographic(geometry)
    if isinstance(out, np.ndarray):
        bad = np.flatnonzero(~shapely.is_valid(out))
        for i in bad:
            out[i] = polygonal(shapely.make_valid(out[i]))
        return out
    return out if shapely.is_valid(out) else polygonal(shapely.make_valid(out))


def to_equal_area(geometry: Any) -> Any:
    """Project EPSG:4326 geometry (scalar or array) to the equal-area CRS."""
    transformer = _to_equal_area()
    return shapely.transform(
        geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def polygonal(geometry: Any) -> Any:
    """Keep only the polygonal parts of an overlay result (drops stray lines and points)."""
    if geometry is None or shapely.is_empty(geometry):
        return shapely.Polygon()
    type_id = shapely.get_type_id(geometry)
    if type_id in (3, 6):  # Polygon, MultiPolygon
        return geometry
    parts = shapely.get_parts(geometry)
    keep = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    if len(keep) == 0:
        return shapely.Polygon()
    return shapely.union_all(keep) if len(keep) > 1 else keep[0]


class Geography:
    """Everything an evaluation needs besides the scenario: regions, people, claims, snapshots.

    Parameters
    ----------
    regions
        One row per region, columns ``iso_code``, ``name_en``, ``population_2022`` and a
        polygonal geometry, in :data:`~territory_viz.model.CRS_EQUAL_AREA` (reprojected if
        it is in another CRS). The regions must not overlap.
    settlements
        Points with ``name``, ``population`` and ``iso_code`` (any CRS, reprojected), or
        ``None`` for none. Settlements whose ``iso_code`` is not in ``regions`` are ignored.
    claims
        Claim id -> the ISO codes of the regions it covers in full.
    snapshot_loader
        Function from a snapshot id to a one-row GeoDataFrame (``id``, ``date``, geometry),
        used when a baseline is given by id.
    snapshot_ids
        The ids the loader knows.
    default_baseline
        Id of the baseline used when none is given.
    cache_size
        How many baselines keep their atoms and cut areas in memory.
    """

    def __init__(
        self,
        regions: gpd.GeoDataFrame,
        settlements: gpd.GeoDataFrame | None = None,
        *,
        claims: Mapping[str, Iterable[str]] | None = None,
        snapshot_loader: Callable[[str], gpd.GeoDataFrame] | None = None,
        snapshot_ids: Sequence[str] = (),
        default_baseline: str = "",
        cache_size: int = 8,
    ) -> None:
        if regions.crs is not None and not regions.crs.equals(CRS_EQUAL_AREA):
            regions = regions.to_crs(CRS_EQUAL_AREA)
        regions = regions.reset_index(drop=True)
        self.iso_codes: np.ndarray = regions["iso_code"].astype(str).to_numpy()
        self.region_names: np.ndarray = regions["name_en"].astype(str).to_numpy()
        self.region_population = regions["population_2022"].astype(float).to_numpy()
        self.region_geoms: np.ndarray = np.asarray(
            shapely.make_valid(np.asarray(regions.geometry.values)), dtype=object
        )
        self.region_area_km2 = shapely.area(self.region_geoms) / 1e6
        self.region_index = {code: i for i, code in enumerate(self.iso_codes)}
        self.claims = {k: frozenset(v) for k, v in (claims or {}).items()}
        self.snapshot_loader = snapshot_loader
        self.snapshot_ids = tuple(snapshot_ids)
        self.default_baseline = default_baseline
        self._cache_size = cache_size
        self._baselines: OrderedDict[str, BaselineAtoms] = OrderedDict()
        self._lock = threading.Lock()
        self._outline: Any = None
        self._outline_edge: Any = None
        self._set_settlements(settlements)

    def _set_settlements(self, settlements: gpd.GeoDataFrame | None) -> None:
        n_regions = len(self.iso_codes)
        if settlements is None or len(settlements) == 0:
            self.settlement_names = np.array([], dtype=object)
            self.settlement_population = np.array([], dtype=float)
            self.settlement_xy = np.zeros((0, 2))
            self.settlement_region = np.array([], dtype=int)
        else:
            if settlements.crs is not None and not settlements.crs.equals(CRS_EQUAL_AREA):
                settlements = settlements.to_crs(CRS_EQUAL_AREA)
            region = settlements["iso_code"].astype(str).map(self.region_index)
            keep = region.notna().to_numpy()
            settlements = settlements[keep]
            self.settlement_names = settlements["name"].astype(str).to_numpy(dtype=object)
            self.settlement_population = settlements["population"].astype(float).to_numpy()
            self.settlement_xy = shapely.get_coordinates(settlements.geometry.values)
            self.settlement_region = region[keep].astype(int).to_numpy()
        # Settlement counts can exceed an oblast's official total (different years and
        # definitions): scale them down in that region so the region's total is kept.
        summed = np.bincount(
            self.settlement_region, weights=self.settlement_population, minlength=n_regions
        )
        scale = np.ones(n_regions)
        over = summed > self.region_population
        scale[over] = self.region_population[over] / summed[over]
        self.settlement_weight = self.settlement_population * scale[self.settlement_region]
        rural = np.maximum(self.region_population - summed * scale, 0.0)
        self.rural_density = np.where(
            self.region_area_km2 > 0, rural / np.maximum(self.region_area_km2, 1e-12), 0.0
        )

    @property
    def outline(self) -> Any:
        """Union of all regions (equal-area)."""
        if self._outline is None:
            self._outline = shapely.union_all(self.region_geoms)
        return self._outline

    @property
    def outline_edge(self) -> Any:
        """A thin band along the country's outer edge, used to find the line of contact."""
        if self._outline_edge is None:
            # The baseline is clipped to the outline, so its edge along the border coincides
            # with the outline's up to floating point: a 5 m band absorbs that, and is thin
            # enough that strips ending at the border leave no visible notch.
            self._outline_edge = shapely.buffer(shapely.boundary(self.outline), 5.0, quad_segs=2)
            shapely.prepare(self._outline_edge)
        return self._outline_edge

    @property
    def total_area_km2(self) -> float:
        """Area of all regions, km²."""
        return float(self.region_area_km2.sum())

    # ------------------------------------------------------------------ baselines

    def baseline(self, baseline: str | gpd.GeoDataFrame | None = None) -> BaselineAtoms:
        """Return the (cached) atoms of a baseline given by snapshot id or as a layer.

        Raises
        ------
        ValidationError
            Unknown snapshot id, or a layer without polygons.
        """
        from territory_viz._errors import ValidationError

        if baseline is None:
            baseline = self.default_baseline
        if isinstance(baseline, str):
            key = "id:" + baseline
        elif isinstance(baseline, gpd.GeoDataFrame):
            # A user's layer: its size is checked before any geometry operation runs on it.
            _bounds.check_layer(baseline.geometry.values, _layer_meta(baseline, "id") or "baseline")
            digest = hashlib.sha1(usedforsecurity=False)
            digest.update(str(baseline.crs).encode())
            # The layer's id and date travel with the atoms (into every partition's attrs):
            # they are part of the key, so equal geometry under another name is not shared.
            for column in ("id", "date"):
                digest.update(b"\0" + _layer_meta(baseline, column).encode())
            for geom in shapely.to_wkb(np.asarray(baseline.geometry.values)):
                digest.update(geom or b"")
            key = "gdf:" + digest.hexdigest()
        else:
            raise ValidationError(
                "baseline",
                [
                    f"{type_name(baseline)} is not a baseline; allowed: a snapshot id "
                    f"({', '.join(self.snapshot_ids)}) or a control layer"
                ],
            )
        with self._lock:
            atoms = self._baselines.get(key)
            if atoms is not None:
                self._baselines.move_to_end(key)
                return atoms
        if isinstance(baseline, str):
            if self.snapshot_loader is None or (
                self.snapshot_ids and baseline not in self.snapshot_ids
            ):
                raise ValidationError(
                    "--baseline",
                    [
                        f"unknown baseline {short(baseline)}; allowed: "
                        f"{', '.join(self.snapshot_ids) or 'a control layer'}"
                    ],
                )
            layer = self.snapshot_loader(baseline)
        else:
            layer = baseline
        atoms = BaselineAtoms(self, layer, key)
        with self._lock:
            self._baselines[key] = atoms
            while len(self._baselines) > self._cache_size:
                self._baselines.popitem(last=False)
        return atoms


def _km(value: float | ParamRef) -> float:
    """Return a resolved width or radius (areas are resolved before they are computed)."""
    if isinstance(value, ParamRef):
        raise TypeError(f"unresolved parameter {value.name!r}")
    return float(value)


def _layer_meta(layer: gpd.GeoDataFrame, column: str) -> str:
    if column in layer.columns and len(layer):
        value = layer[column].iloc[0]
        if value is not None and not (isinstance(value, float) and np.isnan(value)):
            return str(value)
    return ""


def _layer_equal_area(layer: gpd.GeoDataFrame) -> Any:
    """Union of a layer's polygons in the equal-area CRS (no CRS: lon/lat, as GeoJSON says)."""
    geoms = np.asarray(layer.geometry.values)
    if layer.crs is None or layer.crs.equals(CRS_GEOGRAPHIC) or layer.crs.to_epsg() == 4326:
        geoms = to_equal_area(geoms)
    elif not layer.crs.equals(CRS_EQUAL_AREA):
        geoms = np.asarray(layer.to_crs(CRS_EQUAL_AREA).geometry.values)
    geoms = geoms[~shapely.is_missing(geoms)]
    if len(geoms) == 0:
        return shapely.Polygon()
    return polygonal(shapely.union_all(shapely.make_valid(geoms)))


class _Part:
    """An atom cut in two by an area: ``inside`` the area and ``outside`` it (lazy)."""

    __slots__ = ("atom", "inside", "_outside")

    def __init__(self, atom_geom: Any, inside: Any, outside: Any = None) -> None:
        self.atom = atom_geom
        self.inside = inside
        self._outside = outside

    @property
    def outside(self) -> Any:
        if self._outside is None:
            self._outside = polygonal(shapely.difference(self.atom, self.inside))
        return self._outside

    def swapped(self) -> _Part:
        return _Part(self.atom, self.outside, self.inside)


@dataclass
class AtomArea:
    """An area over a baseline's atoms: atoms covered in ``full``, and cut atoms in ``partial``."""

    full: frozenset[int]
    partial: dict[int, _Part] = field(default_factory=dict)


class BaselineAtoms:
    """The regions split by one baseline: atom = (region, baseline control) piece.

    Built once per baseline and cached by :meth:`Geography.baseline`. Holds the atoms'
    equal-area and geographic geometry, area and population, which atom each settlement
    falls in, the line of contact, and a cache of areas already cut.
    """

    def __init__(self, geography: Geography, layer: gpd.GeoDataFrame, key: str) -> None:
        from territory_viz._errors import ValidationError

        self.geography = geography
        self.key = key
        self.id = _layer_meta(layer, "id") or (key[3:] if key.startswith("id:") else "custom")
        self.date = _layer_meta(layer, "date")
        russia = _layer_equal_area(layer)
        if not shapely.is_empty(russia) and shapely.area(russia) <= 0:
            raise ValidationError("baseline", ["the control layer has no polygon area"])
        self.russia = polygonal(shapely.intersection(russia, geography.outline))
        shapely.prepare(self.russia)

        region_geoms = geography.region_geoms
        inside = polygonal_array(shapely.intersection(region_geoms, self.russia))
        outside = polygonal_array(shapely.difference(region_geoms, self.russia))
        region_of, control_of, geom_of = [], [], []
        for i in range(len(region_geoms)):
            for control, geom in ((Control.RUSSIA, inside[i]), (Control.UKRAINE, outside[i])):
                if shapely.area(geom) / 1e6 > SLIVER_KM2 and not _hairline(geom):
                    region_of.append(i)
                    control_of.append(control)
                    geom_of.append(geom)
        self.region = np.asarray(region_of, dtype=int)
        self.control = np.asarray(control_of, dtype=object)
        self.geoms = np.asarray(geom_of, dtype=object)
        self.area_km2 = shapely.area(self.geoms) / 1e6
        self.is_russia = self.control == Control.RUSSIA
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self._geoms_wgs: np.ndarray | None = None
        self._line: Any = None
        self._areas: OrderedDict[Area, AtomArea] = OrderedDict()
        self._wgs_cache: OrderedDict[int, tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._assign_settlements()

    def _assign_settlements(self) -> None:
        g = self.geography
        n = len(g.settlement_region)
        # atom of (region, control); -1 where that combination has no area
        lookup = -np.ones((len(g.iso_codes), 2), dtype=int)
        for atom, (region, control) in enumerate(zip(self.region, self.control, strict=True)):
            lookup[region, 0 if control == Control.RUSSIA else 1] = atom
        if n:
            in_russia = shapely.contains_xy(
                self.russia, g.settlement_xy[:, 0], g.settlement_xy[:, 1]
            )
            first = lookup[g.settlement_region, np.where(in_russia, 0, 1)]
            other = lookup[g.settlement_region, np.where(in_russia, 1, 0)]
            # a point just off its region's polygon still counts in its region
            atom = np.where(first >= 0, first, other)
            # a point outside the outline (off a generalised coast or border) is in no layer:
            # it takes the nearest piece of its region, not whichever side the layer leaves it
            off = ~shapely.contains_xy(g.outline, g.settlement_xy[:, 0], g.settlement_xy[:, 1])
            for i in np.flatnonzero(off):
                pieces = np.flatnonzero(self.region == g.settlement_region[i])
                if len(pieces):
                    distance = shapely.distance(
                        self.geoms[pieces], shapely.Point(g.settlement_xy[i])
                    )
                    atom[i] = pieces[int(np.argmin(distance))]
            self.settlement_atom = atom
        else:
            self.settlement_atom = np.array([], dtype=int)
        order = np.argsort(self.settlement_atom, kind="stable")
        bounds = np.searchsorted(self.settlement_atom[order], np.arange(len(self.geoms) + 1))
        self.atom_settlements = [order[bounds[i] : bounds[i + 1]] for i in range(len(self.geoms))]
        self.atom_settlement_weight = np.bincount(
            self.settlement_atom[self.settlement_atom >= 0],
            weights=g.settlement_weight[self.settlement_atom >= 0],
            minlength=len(self.geoms),
        )
        self.atom_population = (
            self.atom_settlement_weight + g.rural_density[self.region] * self.area_km2
        )

    @property
    def geoms_wgs(self) -> np.ndarray:
        """The atoms in EPSG:4326."""
        if self._geoms_wgs is None:
            self._geoms_wgs = to_geographic_valid(self.geoms)
        return self._geoms_wgs

    def wgs(self, geom: Any) -> Any:
        """EPSG:4326 version of a piece geometry, cached for the pieces cut areas reuse."""
        key = id(geom)
        with self._lock:
            hit = self._wgs_cache.get(key)
            if hit is not None and hit[0] is geom:
                return hit[1]
        out = to_geographic_valid(geom)
        with self._lock:
            self._wgs_cache[key] = (geom, out)  # holding geom keeps its id from being reused
            while len(self._wgs_cache) > 256:
                self._wgs_cache.popitem(last=False)
        return out

    @property
    def line_of_contact(self) -> Any:
        """The baseline's edge inside Ukraine (equal-area lines)."""
        if self._line is None:
            edge = shapely.boundary(self.russia)
            self._line = shapely.difference(edge, self.geography.outline_edge)
        return self._line

    # ------------------------------------------------------------------ areas

    def area(self, area: Area, *, check: Callable[[], None] | None = None) -> AtomArea:
        """Cut (or fetch from the cache) a resolved area (no parameter references).

        Parameters
        ----------
        area
            The area, parameters already resolved (:func:`resolve_area`).
        check
            Called before every geometric step; raises to abandon the computation
            (the evaluation's time limit).
        """
        with self._lock:
            hit = self._areas.get(area)
            if hit is not None:
                self._areas.move_to_end(area)
                return hit
        if check is not None:
            check()
        result = self._compute(area, check)
        with self._lock:
            self._areas[area] = result
            # bounded: a strip's cut pieces can weigh a few MB
            while len(self._areas) > 64:
                self._areas.popitem(last=False)
        return result

    def _all(self) -> frozenset[int]:
        return frozenset(range(len(self.geoms)))

    def _compute(self, area: Area, check: Callable[[], None] | None = None) -> AtomArea:
        g = self.geography
        match area:
            case Country():
                return AtomArea(self._all())
            case Baseline():
                return AtomArea(frozenset(np.flatnonzero(self.is_russia).tolist()))
            case Regions(codes=codes):
                wanted = {g.region_index[c] for c in codes if c in g.region_index}
                return AtomArea(frozenset(i for i, r in enumerate(self.region) if r in wanted))
            case Claim(claim_id=claim_id):
                claimed = g.claims.get(claim_id, frozenset())
                return self._compute(Regions(tuple(sorted(claimed))))
            case Intersection(items=items):
                result = self.area(items[0], check=check)
                for item in items[1:]:
                    result = _intersect(result, self.area(item, check=check))
                return result
            case Union(items=items):
                result = self.area(items[0], check=check)
                for item in items[1:]:
                    result = self._union(result, self.area(item, check=check))
                return result
            case Difference(items=items):
                result = self.area(items[0], check=check)
                for item in items[1:]:
                    result = _subtract(result, self.area(item, check=check))
                return result
            case Strip(width_km=width, side=side):
                if shapely.is_empty(self.line_of_contact):
                    return AtomArea(frozenset())
                # A dense or wiggly uploaded line makes GEOS's buffer superlinear (and its
                # simplification recursion deep): 50 m of simplification is invisible in a
                # strip kilometres wide; a line still over the cap is simplified further, up
                # to a tenth of the strip's width, then refused.
                width_m = _km(width) * 1000.0
                line = _bounds.reduce_lines(
                    self.line_of_contact,
                    STRIP_LINE_TOLERANCE_M,
                    max_tolerance=max(STRIP_LINE_TOLERANCE_M, width_m / 10),
                    limit=_bounds.MAX_STRIP_LINE_VERTICES,
                    label=self.id,
                    what="the line of contact",
                )
                shape = _bounds.buffer_lines(line, width_m, quad_segs=8)
                if side is StripSide.BOTH:
                    allowed = None
                else:
                    allowed = self.is_russia if side is StripSide.RUSSIA else ~self.is_russia
                return self._cut(shape, allowed)
            case Snapshot(snapshot_id=snapshot_id):
                if g.snapshot_loader is None:
                    return AtomArea(frozenset())
                return self._cut(_layer_equal_area(g.snapshot_loader(snapshot_id)), None)
            case Circle(lat=lat, lon=lon, radius_km=radius):
                x, y = _to_equal_area().transform(lon, lat)
                shape = shapely.buffer(shapely.Point(x, y), _km(radius) * 1000.0, quad_segs=16)
                return self._cut(shape, None)
        raise TypeError(f"unresolved area {area!r}")

    def _cut(self, shape: Any, allowed: np.ndarray | None) -> AtomArea:
        """Intersect a shape with the atoms it touches."""
        candidates = self.tree.query(shape, predicate="intersects")
        if allowed is not None:
            candidates = candidates[allowed[candidates]]
        full: set[int] = set()
        partial: dict[int, _Part] = {}
        if len(candidates):
            inside = polygonal_array(shapely.intersection(self.geoms[candidates], shape))
            areas = shapely.area(inside) / 1e6
            for atom, geom, area in zip(candidates.tolist(), inside, areas, strict=True):
                if area <= SLIVER_KM2:
                    continue
                if area >= self.area_km2[atom] * (1 - 1e-9):
                    full.add(atom)
                else:
                    partial[atom] = _Part(self.geoms[atom], geom)
        return AtomArea(frozenset(full), partial)

    def _union(self, a: AtomArea, b: AtomArea) -> AtomArea:
        full = set(a.full | b.full)
        partial: dict[int, _Part] = {}
        for atom in (a.partial.keys() | b.partial.keys()) - full:
            pa, pb = a.partial.get(atom), b.partial.get(atom)
            if pa is not None and pb is not None:
                geom = polygonal(shapely.union(pa.inside, pb.inside))
                if shapely.area(geom) / 1e6 >= self.area_km2[atom] * (1 - 1e-9):
                    full.add(atom)
                else:
                    partial[atom] = _Part(pa.atom, geom)
            else:
                partial[atom] = pa if pa is not None else pb  # type: ignore[assignment]
        return AtomArea(frozenset(full), partial)


def _intersect(a: AtomArea, b: AtomArea) -> AtomArea:
    partial: dict[int, _Part] = {}
    for atom, part in a.partial.items():
        if atom in b.full:
            partial[atom] = part
        elif atom in b.partial:
            geom = polygonal(shapely.intersection(part.inside, b.partial[atom].inside))
            if shapely.area(geom) / 1e6 > SLIVER_KM2:
                partial[atom] = _Part(part.atom, geom)
    for atom, part in b.partial.items():
        if atom in a.full:
            partial[atom] = part
    return AtomArea(a.full & b.full, partial)


def _subtract(a: AtomArea, b: AtomArea) -> AtomArea:
    partial: dict[int, _Part] = {}
    for atom in a.full & b.partial.keys():
        swapped = b.partial[atom].swapped()  # the atom minus a cut of it is the cut's outside
        if shapely.area(swapped.inside) / 1e6 > SLIVER_KM2:
            partial[atom] = swapped
    for atom, part in a.partial.items():
        if atom in b.full:
            continue
        if atom in b.partial:
            geom = polygonal(shapely.difference(part.inside, b.partial[atom].inside))
            if shapely.area(geom) / 1e6 > SLIVER_KM2:
                partial[atom] = _Part(part.atom, geom)
        else:
            partial[atom] = part
    return AtomArea(a.full - b.full - b.partial.keys(), partial)


#: Pieces narrower than this on average (m) are rounding seams of two projections (a layer
#: in EPSG:4326 meeting regions projected to metres), dropped like slivers.
HAIRLINE_M = 0.5


def _hairline(geom: Any) -> bool:
    """Whether a piece is nothing but seams: its mean width (2 x area / perimeter) is tiny."""
    length = shapely.length(geom)
    return bool(length > 0 and 2 * shapely.area(geom) / length < HAIRLINE_M)


def polygonal_array(geoms: np.ndarray) -> np.ndarray:
    """:func:`polygonal` over an array, fast when every element is already polygonal."""
    geoms = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(geoms)
    out = geoms.copy()
    for i in np.flatnonzero(~np.isin(types, (3, 6))):
        out[i] = polygonal(geoms[i])
    return out


# --------------------------------------------------------------------------- default


_default_lock = threading.Lock()
_default: Geography | None = None


def default_geography() -> Geography:
    """Return the geography of the committed data (built once, shared read-only).

    Raises
    ------
    DataFileError
        A committed data file is missing or corrupt.
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = _build_default()
        return _default


def snapshot_ids() -> tuple[str, ...]:
    """Ids of the control snapshots shipped in ``data/control`` (without loading them)."""
    from territory_viz.model import DATA_DIR

    return tuple(sorted(p.stem for p in (DATA_DIR / "control").glob("occupied-*.geojson")))


def claim_ids() -> tuple[str, ...]:
    """Ids of the claim layers shipped in ``data/claims`` (without loading them)."""
    from territory_viz.model import DATA_DIR

    found = sorted(p.stem for p in (DATA_DIR / "claims").glob("*.geojson"))
    return tuple(found) or ("russia-claim",)


def _build_default() -> Geography:
    from territory_viz import datasets

    regions = datasets.regions_equal_area()
    settlements = datasets.load_settlements()
    claims = {}
    for claim_id in claim_ids():
        layer = datasets.load_claim(claim_id)
        claims[claim_id] = frozenset(layer["iso_code"].astype(str))
    return Geography(
        regions[["iso_code", "name_en", "population_2022", "geometry"]],
        gpd.GeoDataFrame(
            settlements[["name", "population", "iso_code"]],
            geometry=settlements.geometry,
            crs=settlements.crs,
        ),
        claims=claims,
        snapshot_loader=functools.partial(datasets.load_snapshot, equal_area=True),
        snapshot_ids=datasets.snapshot_ids(),
        default_baseline=datasets.DEFAULT_BASELINE,
    )
