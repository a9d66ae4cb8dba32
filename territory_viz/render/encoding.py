r"""Compact display geometries: coverage simplification, rounding and polyline encoding.

Geometries are simplified as a coverage (shared borders stay coincident, every boundary
within :data:`SIMPLIFY_TOLERANCE_M` + rounding of its source), rounded to 0.001°, and
delta-encoded as compact strings (the "encoded polyline" scheme) that ``static/tv.js``
decodes in the browser. :func:`js_json` makes any value safe to embed in a ``<script>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from territory_viz.model import CRS_EQUAL_AREA, CRS_GEOGRAPHIC

__all__ = [
    "PRECISION",
    "SIMPLIFY_TOLERANCE_M",
    "encode_geometry",
    "encode_line",
    "js_json",
    "line_row",
    "lines_of",
    "simplify_coverage",
    "simplify_lines",
]

#: Simplification tolerance for display geometries, in metres. With rounding to 0.001°
#: (at most ~60 m) every boundary stays within 500 m of its source.
SIMPLIFY_TOLERANCE_M = 400.0

#: Decimal places kept in display coordinates (0.001° is about 111 m north-south).
PRECISION = 3

# In compact JSON a structural "{" is always followed by '"' or "}", so a "{" followed by
# "{", "%" or "#" is inside a string.
_JINJA_OPENER = re.compile(r"\{(?=[{%#])")


def js_json(value: Any) -> str:
    """JSON safe to embed in a ``<script>`` element of a folium template.

    ``<``, ``>`` and ``&`` are escaped (no ``</script>`` or HTML comment can appear), and so
    is a ``{`` that would open a Jinja tag, so that the text stays inert even where a
    consumer (branca, streamlit-folium) compiles rendered output again as a template.

    Parameters
    ----------
    value
        Any JSON-serialisable value.

    Returns
    -------
    str
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _JINJA_OPENER.sub(r"\\u007b", text)


def simplify_coverage(
    geometries: gpd.GeoSeries, *, tolerance_m: float = SIMPLIFY_TOLERANCE_M
) -> gpd.GeoSeries:
    """Simplify polygons that tile an area, keeping shared borders coincident.

    Parameters
    ----------
    geometries
        Polygons forming a coverage (no overlaps; neighbours share vertices), any CRS.
    tolerance_m
        Simplification tolerance in metres, applied in :data:`CRS_EQUAL_AREA`.

    Returns
    -------
    GeoSeries
        The simplified polygons in EPSG:4326, same index. If the input is not a valid
        coverage, each polygon is simplified on its own (topology-preserving) instead.
    """
    projected = geometries.to_crs(CRS_EQUAL_AREA)
    values = projected.values
    if len(values) and bool(shapely.coverage_is_valid(values)):
        simplified = shapely.coverage_simplify(values, tolerance_m)
    else:
        simplified = shapely.simplify(values, tolerance_m, preserve_topology=True)
    return gpd.GeoSeries(simplified, index=geometries.index, crs=CRS_EQUAL_AREA).to_crs(
        CRS_GEOGRAPHIC
    )


def encode_line(coords: np.ndarray) -> str:
    """Encode one ring or line (lon, lat) as a polyline string at 1e-3 degrees.

    Parameters
    ----------
    coords
        ``(n, 2)`` (or wider) array of longitude, latitude.

    Returns
    -------
    str
        Printable ASCII (characters 63-126).
    """
    ints = np.round(np.asarray(coords)[:, :2] * 10**PRECISION).astype(np.int64)
    keep = np.ones(len(ints), dtype=bool)
    keep[1:] = np.any(ints[1:] != ints[:-1], axis=1)  # rounding can merge neighbours
    ints = ints[keep]
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    zigzag = np.where(deltas < 0, ~(deltas << 1), deltas << 1)
    out: list[str] = []
    for value in zigzag.tolist():
        while value >= 0x20:
            out.append(chr((0x20 | (value & 0x1F)) + 63))
            value >>= 5
        out.append(chr(value + 63))
    return "".join(out)


def _unique_rounded(coords: np.ndarray) -> np.ndarray:
    return np.unique(np.round(coords[:, :2] * 10**PRECISION), axis=0)


def encode_geometry(geom: Any) -> dict[str, Any] | None:
    """Encode a (multi)polygon as ``{"a": [[ring, ...], ...]}`` or lines as ``{"l": [...]}``.

    Parameters
    ----------
    geom
        A shapely geometry in EPSG:4326, or ``None``.

    Returns
    -------
    dict or None
        Rings that collapse below 3 distinct points after rounding are dropped; ``None`` if
        nothing is left.
    """
    if geom is None or geom.is_empty:
        return None
    polygons: list[list[str]] = []
    lines: list[str] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, shapely.Polygon):
            if len(_unique_rounded(np.asarray(part.exterior.coords))) < 3:
                continue
            rings = [part.exterior, *part.interiors]
            polygons.append(
                [
                    encode_line(np.asarray(r.coords))
                    for r in rings
                    if len(_unique_rounded(np.asarray(r.coords))) >= 3
                ]
            )
        elif isinstance(part, shapely.LineString | shapely.LinearRing):
            if len(part.coords) >= 2:
                lines.append(encode_line(np.asarray(part.coords)))
        elif isinstance(part, shapely.GeometryCollection | shapely.MultiPolygon):
            sub = encode_geometry(part)
            if sub:
                polygons.extend(sub.get("a", []))
                lines.extend(sub.get("l", []))
    if polygons:
        return {"a": polygons}
    if lines:
        return {"l": lines}
    return None


def lines_of(geometries: Iterable[Any]) -> Any:
    """Merge boundaries into lines where each shared edge appears once."""
    boundaries = [shapely.boundary(g) for g in geometries if g is not None and not g.is_empty]
    if not boundaries:
        return shapely.MultiLineString()
    return shapely.line_merge(shapely.union_all(boundaries))


def simplify_lines(geom: Any, *, tolerance_m: float = SIMPLIFY_TOLERANCE_M) -> Any:
    """Simplify lines (EPSG:4326) by ``tolerance_m`` metres in the equal-area projection."""
    series = gpd.GeoSeries([geom], crs=CRS_GEOGRAPHIC).to_crs(CRS_EQUAL_AREA)
    simplified = shapely.simplify(series.values, tolerance_m, preserve_topology=False)
    return gpd.GeoSeries(simplified, crs=CRS_EQUAL_AREA).to_crs(CRS_GEOGRAPHIC).iloc[0]


def line_row(geom: Any, key: str, *, simplify: bool = True) -> list[dict[str, Any]]:
    """One encoded row ``{"g": ..., "c": key}`` for a line layer, or ``[]`` if empty."""
    if geom is None or geom.is_empty:
        return []
    encoded = encode_geometry(simplify_lines(geom) if simplify else geom)
    return [{"g": encoded, "c": key}] if encoded else []
