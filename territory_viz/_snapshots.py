"""Derivation of the control snapshots from labelled anchor points.

A control snapshot (``data/control/occupied-YYYY-MM-DD.geojson``) is authored in
this project from public reporting. What a reviewer checks is not the polygon
but the list of anchors beside it (``data/control/anchors-YYYY-MM-DD.csv``):
named settlements (GeoNames coordinates) labelled by the side that held them on
the date, plus explicit vertices for natural lines (river banks, the drained
Kakhovka reservoir bed, the Kinburn spit) and for villages GeoNames lacks.

The polygon follows from the anchors by one rule: inside a *front zone* (a set
of regions), every point belongs to the side of its nearest anchor (a Voronoi
partition, computed in the project's equal-area projection so that "nearest" is
measured in metres). The occupied cells are united, clipped to the zone, and
the regions occupied in full (Crimea, Sevastopol) are added. The boundary
between a last-occupied and a first-Ukrainian settlement therefore runs halfway
between them: the line is as good as the density and the labels of the anchors.

This module holds the pure derivation; ``scripts/build_snapshots.py`` reads
and writes the files.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from territory_viz._errors import DataFileError
from territory_viz.model import CRS_EQUAL_AREA, CRS_GEOGRAPHIC

#: Columns of an anchors CSV, in order.
ANCHOR_COLUMNS = (
    "name",
    "name_geonames",
    "geonameid",
    "lon",
    "lat",
    "side",
    "kind",
    "note",
    "km_from_line",
)

#: A settlement whose distance to the line is known (``km_from_line``) keeps a disk of that
#: radius on its side: ring points of the same side are placed this much inside the circle...
RING_INSET_KM = 0.5
#: ...at most this far apart along it...
RING_SPACING_KM = 3.0
#: ...and only around settlements at least this far from the line (nearer ones bound the line
#: by themselves).
RING_MIN_KM = 1.0

#: Allowed values of the ``side`` column.
SIDES = ("occupied", "ukraine")

#: Allowed values of the ``kind`` column.
#: ``settlement``: a GeoNames place (geonameid and GeoNames coordinates);
#: ``natural``: a vertex placed to make the line follow a natural feature (river bank, spit);
#: ``vertex``: a village GeoNames (population >= 500) lacks, position authored and approximate,
#: or a point placed behind one side's line where no settlement bounds the partition.
KINDS = ("settlement", "natural", "vertex")

#: Decimal places of the written coordinates (1e-5 degree is about 1 m).
COORD_DECIMALS = 5


@dataclass(frozen=True)
class Anchor:
    """One labelled point of an anchors CSV.

    Attributes
    ----------
    name
        Common English label (national transliteration).
    name_geonames
        The GeoNames spelling ("" for natural and vertex anchors).
    geonameid
        GeoNames id, or ``None`` for natural and vertex anchors.
    lon, lat
        WGS84 degrees.
    side
        ``"occupied"`` (Russian military control on the date) or ``"ukraine"``.
    kind
        One of :data:`KINDS`.
    note
        Free text: the source of doubt, a contested status, a position remark.
    km_from_line
        Distance from the point to the line of contact on the date, km, where a source gives
        it (``None`` otherwise); see :func:`ring_points`.
    """

    name: str
    name_geonames: str
    geonameid: int | None
    lon: float
    lat: float
    side: str
    kind: str
    note: str
    km_from_line: float | None = None


def read_anchors(path: Path) -> list[Anchor]:
    """Read and check an anchors CSV.

    Parameters
    ----------
    path
        The CSV file (columns :data:`ANCHOR_COLUMNS`).

    Returns
    -------
    list of Anchor
        In file order.

    Raises
    ------
    DataFileError
        If the file is missing, a column is missing, or a row is malformed; the
        message lists every bad row.
    """
    if not path.is_file():
        raise DataFileError(path, "anchors file is missing")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ANCHOR_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataFileError(path, f"missing columns {missing}; expected {list(ANCHOR_COLUMNS)}")
        anchors: list[Anchor] = []
        problems: list[str] = []
        for line, row in enumerate(reader, start=2):
            try:
                lon, lat = float(row["lon"]), float(row["lat"])
            except ValueError:
                problems.append(f"line {line}: lon/lat not numbers")
                continue
            if row["side"] not in SIDES:
                problems.append(f"line {line}: side {row['side']!r} not one of {SIDES}")
            if row["kind"] not in KINDS:
                problems.append(f"line {line}: kind {row['kind']!r} not one of {KINDS}")
            gid = row["geonameid"].strip()
            if row["kind"] == "settlement" and not gid.isdigit():
                problems.append(f"line {line}: a settlement needs a numeric geonameid")
            km_text = (row["km_from_line"] or "").strip()
            km: float | None = None
            if km_text:
                try:
                    km = float(km_text)
                except ValueError:
                    km = None
                if km is None or not 0.0 <= km <= 100.0:
                    problems.append(
                        f"line {line}: km_from_line {km_text!r} is not a distance of 0-100 km"
                    )
                    km = None
            if not (22.0 <= lon <= 41.0 and 44.0 <= lat <= 53.0):
                problems.append(f"line {line}: {lon},{lat} is not in Ukraine's bounding box")
            anchors.append(
                Anchor(
                    name=row["name"],
                    name_geonames=row["name_geonames"],
                    geonameid=int(gid) if gid.isdigit() else None,
                    lon=lon,
                    lat=lat,
                    side=row["side"],
                    kind=row["kind"],
                    note=row["note"],
                    km_from_line=km,
                )
            )
    if problems:
        raise DataFileError(path, "; ".join(problems))
    return anchors


def _to_equal_area() -> Transformer:
    return Transformer.from_crs(CRS_GEOGRAPHIC, CRS_EQUAL_AREA, always_xy=True)


def _to_geographic() -> Transformer:
    return Transformer.from_crs(CRS_EQUAL_AREA, CRS_GEOGRAPHIC, always_xy=True)


def project(geom: BaseGeometry, *, inverse: bool = False) -> BaseGeometry:
    """Reproject a shapely geometry between EPSG:4326 and the equal-area CRS.

    Parameters
    ----------
    geom
        The geometry.
    inverse
        ``False``: geographic to equal-area; ``True``: back.

    Returns
    -------
    BaseGeometry
        The reprojected geometry.
    """
    tr = _to_geographic() if inverse else _to_equal_area()
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def ring_points(
    anchors: Sequence[Anchor], land_ea: BaseGeometry | None = None
) -> tuple[np.ndarray, list[str]]:
    """Points that keep each anchor's known distance to the line on its side.

    A source that gives a settlement's distance ``d`` to the line of contact says more than
    its side: the whole disk of radius ``d`` around it is on that side. The Voronoi partition
    honours it approximately through points of the same side on a circle of radius
    ``d - RING_INSET_KM`` around the anchor, ``RING_SPACING_KM`` or less apart. A ring point
    inside another anchor's disk of the other side (sources that disagree by a few hundred
    metres) is left out. The distance is to the line of contact, not to the coast or the state
    border: across a sea, an estuary or the border the disk says nothing, so with ``land_ea``
    a ring point is kept only if the straight way to it from its anchor stays on land.

    Parameters
    ----------
    anchors
        Labelled anchors; those with ``km_from_line`` of at least ``RING_MIN_KM`` get rings.
    land_ea
        Ukraine's territory in the equal-area CRS, or ``None`` to keep every ring point.

    Returns
    -------
    (ndarray, list of str)
        Ring point coordinates in the equal-area CRS (n × 2) and their sides.
    """
    tr = _to_equal_area()
    known = [a for a in anchors if a.km_from_line is not None]
    if not known:
        return np.empty((0, 2)), []
    xs, ys = tr.transform([a.lon for a in known], [a.lat for a in known])
    centres = np.column_stack([xs, ys])
    radii = np.array([a.km_from_line for a in known]) * 1000.0
    sides = np.array([a.side for a in known])
    out_xy: list[np.ndarray] = []
    out_side: list[str] = []
    for i, a in enumerate(known):
        if radii[i] < RING_MIN_KM * 1000.0:
            continue
        r = radii[i] - RING_INSET_KM * 1000.0
        n = max(6, int(np.ceil(2 * np.pi * r / (RING_SPACING_KM * 1000.0))))
        angles = np.arange(n) * (2 * np.pi / n)
        ring = centres[i] + r * np.column_stack([np.cos(angles), np.sin(angles)])
        other = sides != a.side
        dist = np.linalg.norm(ring[:, None, :] - centres[None, other, :], axis=2)
        inside_other = (dist < radii[None, other]).any(axis=1)
        if land_ea is not None:
            rays = shapely.linestrings([[centres[i], p] for p in ring])
            inside_other |= ~shapely.within(rays, land_ea)
        for p in ring[~inside_other]:
            out_xy.append(p)
            out_side.append(a.side)
    if not out_xy:
        return np.empty((0, 2)), []
    return np.array(out_xy), out_side


def voronoi_occupied(
    anchors: Sequence[Anchor], zone_ea: BaseGeometry, land_ea: BaseGeometry | None = None
) -> BaseGeometry:
    """Union of the Voronoi cells of the occupied anchors, clipped to the zone.

    Anchors with a known distance to the line add their :func:`ring_points`.

    Parameters
    ----------
    anchors
        Labelled anchors (at least one of each side).
    zone_ea
        The front zone in the equal-area CRS.
    land_ea
        Passed to :func:`ring_points`.

    Returns
    -------
    BaseGeometry
        Occupied part of the zone, equal-area CRS.
    """
    tr = _to_equal_area()
    xs, ys = tr.transform([a.lon for a in anchors], [a.lat for a in anchors])
    if len({(round(x, 1), round(y, 1)) for x, y in zip(xs, ys, strict=True)}) != len(anchors):
        raise ValueError("two anchors share a position; Voronoi cells would be ambiguous")
    ring_xy, ring_sides = ring_points(anchors, land_ea)
    # A ring point within a metre of an earlier point would make the cells ambiguous.
    anchor_xy = np.column_stack([xs, ys])
    seen = {(round(x), round(y)) for x, y in anchor_xy}
    keep = []
    for i, (x, y) in enumerate(ring_xy):
        key = (round(x), round(y))
        if key not in seen:
            seen.add(key)
            keep.append(i)
    coords = np.vstack([anchor_xy, ring_xy[keep]])
    sides = [a.side for a in anchors] + [ring_sides[i] for i in keep]
    points = shapely.points(coords)
    # The extent must contain the whole zone, or cells at the edge would be cut short.
    minx, miny, maxx, maxy = zone_ea.bounds
    pad = 100_000.0
    extent = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    cells = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=extent, ordered=True)
    parts = list(shapely.get_parts(cells))
    if len(parts) != len(sides):
        raise ValueError("the Voronoi partition lost a cell (points too close together)")
    occupied = [parts[i] for i, side in enumerate(sides) if side == "occupied"]
    return shapely.intersection(shapely.union_all(occupied), zone_ea)


def as_multipolygon(geom: BaseGeometry, *, min_area_m2: float = 0.0) -> MultiPolygon:
    """Keep the polygonal parts of a geometry as a MultiPolygon.

    Parameters
    ----------
    geom
        Any geometry (collections allowed).
    min_area_m2
        Drop parts smaller than this (in the units of ``geom``); slivers left by
        clipping against slightly different region edges carry no information.

    Returns
    -------
    MultiPolygon
        Parts sorted by a stable key, so that output is deterministic.
    """
    polys: list[Polygon] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon):
            if part.area > min_area_m2:
                polys.append(part)
        elif isinstance(part, MultiPolygon):
            polys.extend(p for p in part.geoms if p.area > min_area_m2)
        elif part.geom_type == "GeometryCollection":
            polys.extend(as_multipolygon(part, min_area_m2=min_area_m2).geoms)
    polys.sort(key=lambda p: (round(p.bounds[0], 6), round(p.bounds[1], 6), -p.area))
    return MultiPolygon(polys)


def round_geometry(geom: BaseGeometry, decimals: int = COORD_DECIMALS) -> MultiPolygon:
    """Snap coordinates to a grid of ``10**-decimals`` degrees, keeping validity.

    Parameters
    ----------
    geom
        A geographic (lon/lat) polygonal geometry.
    decimals
        Decimal places kept.

    Returns
    -------
    MultiPolygon
        Valid, normalised (deterministic ring order and start vertex).
    """
    snapped = shapely.set_precision(geom, 10.0**-decimals)
    snapped = shapely.make_valid(snapped)
    return shapely.normalize(as_multipolygon(snapped))


def ring_coords(ring: Iterable[tuple[float, ...]], decimals: int = COORD_DECIMALS) -> list:
    """Coordinates of a ring as JSON-ready lists rounded to ``decimals``.

    Parameters
    ----------
    ring
        Coordinate tuples.
    decimals
        Decimal places.

    Returns
    -------
    list
        ``[[lon, lat], ...]``.
    """
    # Adding 0.0 turns -0.0 into 0.0, which would otherwise print differently.
    return [[round(xy[0], decimals) + 0.0, round(xy[1], decimals) + 0.0] for xy in ring]


def multipolygon_coords(mp: MultiPolygon, decimals: int = COORD_DECIMALS) -> list:
    """GeoJSON ``coordinates`` of a MultiPolygon, rounded.

    Parameters
    ----------
    mp
        The geometry.
    decimals
        Decimal places.

    Returns
    -------
    list
        Nested lists: polygons, rings, positions.
    """
    return [
        [ring_coords(p.exterior.coords, decimals)]
        + [ring_coords(r.coords, decimals) for r in p.interiors]
        for p in mp.geoms
    ]
