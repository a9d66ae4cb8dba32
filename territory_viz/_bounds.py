"""Limits on user geometry, and geometry operations whose cost those limits bound.

A layer a visitor uploads is read, repaired and simplified in a child process (see
:mod:`territory_viz.loaders`); what comes back to the server must stay under
:data:`MAX_LAYER_VERTICES` and :data:`MAX_RING_VERTICES`, checked by :func:`check_layer`
before any other geometry operation runs on it. Two GEOS operations need more than that:

- Douglas-Peucker simplification recurses once per kept vertex: a 100,000-vertex zigzag
  overflows an 8 MB thread stack (segmentation fault). :func:`simplify_lines` simplifies
  pieces of at most :data:`MAX_SIMPLIFY_VERTICES` vertices.
- Buffering a wiggly line is superlinear (a 1,000-vertex zigzag buffered by 15 km takes
  about 50 s). :func:`buffer_lines` buffers pieces of a few vertices and unions them (the
  same shape: a buffer distributes over a union), on a line of at most
  :data:`MAX_STRIP_LINE_VERTICES` vertices (about 1 s in the worst case measured).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from territory_viz._errors import ValidationError

#: Most vertices in a control layer once it has reached the server (the reader simplifies a
#: denser layer down to this).
MAX_LAYER_VERTICES = 100_000
#: Most vertices in one ring of such a layer.
MAX_RING_VERTICES = 20_000
#: Most vertices one Douglas-Peucker call sees (its recursion depth is bounded by this;
#: 50,000 still fits an 8 MB stack, 100,000 does not).
MAX_SIMPLIFY_VERTICES = 10_000
#: Most vertices of the line a strip is buffered around (after simplification).
MAX_STRIP_LINE_VERTICES = 2_000
#: Vertices per piece when a line is buffered piecewise.
_BUFFER_PIECE = 4


def vertex_counts(geoms: Any) -> tuple[int, int]:
    """Return (total vertices, vertices of the largest ring or line) of geometries.

    Counting walks the coordinate arrays once; it runs no GEOS algorithm.
    """
    array = np.atleast_1d(np.asarray(geoms, dtype=object))
    array = array[~shapely.is_missing(array)]
    if len(array) == 0:
        return 0, 0
    total = int(shapely.get_num_coordinates(array).sum())
    parts = shapely.get_parts(shapely.get_parts(array))
    rings = [parts[shapely.get_type_id(parts) != 3]]
    polygons = parts[shapely.get_type_id(parts) == 3]
    if len(polygons):
        rings.append(shapely.get_rings(polygons))
    largest = max((int(shapely.get_num_coordinates(r).max()) for r in rings if len(r)), default=0)
    return total, largest


def check_layer(geoms: Any, label: str) -> None:
    """Refuse geometry over :data:`MAX_LAYER_VERTICES` or :data:`MAX_RING_VERTICES`.

    Raises
    ------
    ValidationError
        Naming the count and the limit.
    """
    total, largest = vertex_counts(geoms)
    problems = []
    if total > MAX_LAYER_VERTICES:
        problems.append(
            f"{total:,} vertices; the limit is {MAX_LAYER_VERTICES:,} "
            "(MAX_LAYER_VERTICES): simplify the layer first"
        )
    if largest > MAX_RING_VERTICES:
        problems.append(
            f"a ring of {largest:,} vertices; the limit is "
            f"{MAX_RING_VERTICES:,} per ring (MAX_RING_VERTICES)"
        )
    if problems:
        raise ValidationError(label, problems)


def _line_arrays(geom: Any) -> list[np.ndarray]:
    parts = shapely.get_parts(shapely.get_parts(np.atleast_1d(np.asarray(geom, dtype=object))))
    lines = []
    for part in parts:
        if shapely.get_type_id(part) == 3:  # a polygon: its rings as lines
            lines += [shapely.get_coordinates(r) for r in shapely.get_rings(part)]
        elif shapely.get_type_id(part) in (1, 2):
            lines.append(shapely.get_coordinates(part))
    return [xy for xy in lines if len(xy) >= 2]


def _pieces(xy: np.ndarray, size: int) -> list[np.ndarray]:
    """Cut a coordinate run into overlapping pieces of at most ``size`` vertices."""
    if len(xy) <= size:
        return [xy]
    return [xy[s : s + size] for s in range(0, len(xy) - 1, size - 1)]


def simplify_lines(geom: Any, tolerance: float) -> Any:
    """Douglas-Peucker simplification of lines, piecewise (bounded recursion).

    Parameters
    ----------
    geom
        Lines (or polygons, whose rings are taken as lines).
    tolerance
        In the geometry's units.

    Returns
    -------
    MultiLineString
        Each piece keeps its end points, so the pieces still join.
    """
    pieces = [
        shapely.linestrings(p)
        for xy in _line_arrays(geom)
        for p in _pieces(xy, MAX_SIMPLIFY_VERTICES)
    ]
    if not pieces:
        return shapely.MultiLineString()
    simplified = shapely.simplify(
        np.asarray(pieces, dtype=object), tolerance, preserve_topology=False
    )
    return shapely.multilinestrings(simplified)


def reduce_lines(
    geom: Any, tolerance: float, *, max_tolerance: float, limit: int, label: str, what: str
) -> Any:
    """Simplify lines until they have at most ``limit`` vertices.

    The tolerance starts at ``tolerance`` and doubles up to ``max_tolerance``.

    Raises
    ------
    ValidationError
        Still over ``limit`` at ``max_tolerance``.
    """
    tol = tolerance
    while True:
        line = simplify_lines(geom, tol)
        count = int(shapely.get_num_coordinates(line))
        if count <= limit:
            return line
        if tol >= max_tolerance:
            raise ValidationError(
                label,
                [
                    f"{what} has {count:,} vertices after simplifying by {tol:,.0f} m; the limit "
                    f"is {limit:,} (MAX_STRIP_LINE_VERTICES): the baseline layer is too complex "
                    "for this; allowed: a simpler control layer"
                ],
            )
        tol = min(tol * 2, max_tolerance)


def buffer_lines(lines: Any, distance: float, *, quad_segs: int = 8) -> Any:
    """Buffer lines piece by piece and union the pieces' buffers (the same shape).

    Raises
    ------
    ValueError
        More than :data:`MAX_STRIP_LINE_VERTICES` vertices (callers reduce first).
    """
    arrays = _line_arrays(lines)
    count = sum(len(xy) for xy in arrays)
    if count > MAX_STRIP_LINE_VERTICES:
        raise ValueError(f"{count} vertices to buffer; reduce to {MAX_STRIP_LINE_VERTICES} first")
    pieces = [shapely.linestrings(p) for xy in arrays for p in _pieces(xy, _BUFFER_PIECE)]
    if not pieces:
        return shapely.Polygon()
    blobs = shapely.buffer(np.asarray(pieces, dtype=object), distance, quad_segs=quad_segs)
    return shapely.union_all(blobs)


__all__ = [
    "MAX_LAYER_VERTICES",
    "MAX_RING_VERTICES",
    "MAX_SIMPLIFY_VERTICES",
    "MAX_STRIP_LINE_VERTICES",
    "buffer_lines",
    "check_layer",
    "reduce_lines",
    "simplify_lines",
    "vertex_counts",
]
