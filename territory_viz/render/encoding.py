r"""Compact display geometries: coverage simplification, rounding and polyline encoding.

Geometries are simplified as a coverage (shared borders stay coincident, every boundary
within :data:`SIMPLIFY_TOLERANCE_M` + rounding of its source), rounded to a grid of
:data:`GRID` points per degree, and
delta-encoded as compact strings (the "encoded polyline" scheme) that ``static/tv.js``
decodes in the browser. :func:`js_json` makes any value safe to embed in a ``<script>``.

Polygons that tile an area (a scenario's partition) go one step further, as TopoJSON does:
:func:`topology` cuts every ring into arcs where its neighbours change, keeps each arc once
(a border two pieces share is sent once, and drawn from the very same points on both
sides), and each polygon lists its rings as arc references (``i`` for arc ``i``, ``~i`` for
arc ``i`` reversed).

On the wire (what the page sends), a layer's arcs or lines travel as one bit stream
(:func:`pack_arcs`, :func:`pack_lines`: a Huffman code made for that layer's steps, most of
them 2-5 bits instead of the polyline's 6 per character) and its rows as one table
(:func:`row_table`); both are lossless, the browser decodes exactly the points above.
"""

from __future__ import annotations

import heapq
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from territory_viz import _bounds
from territory_viz.model import CRS_EQUAL_AREA, CRS_GEOGRAPHIC

__all__ = [
    "BITS_ALPHABET",
    "PACKED_VALUES",
    "CONTEXT_GRID",
    "GRID",
    "SIMPLIFY_TOLERANCE_M",
    "Topology",
    "encode_geometry",
    "encode_line",
    "topology",
    "js_json",
    "line_row",
    "lines_of",
    "noded_coverage",
    "pack_arcs",
    "pack_lines",
    "row_table",
    "simplify_coverage",
    "simplify_lines",
]

#: Display coordinates are rounded to this many points per degree (1/500° is about 222 m
#: north-south, 149 m east-west at 48°N: a point moves at most 133 m). The map's script
#: is told the same number (``TV.setup``).
GRID = 500
#: Grid of context drawn coarsely anyway (neighbouring countries, simplified by 1.5 km):
#: 1/100 degree, a point moves at most about 670 m.
CONTEXT_GRID = 100

#: Simplification tolerance for display geometries, in metres: with the rounding to
#: :data:`GRID` every boundary stays within 500 m of its source (360 + 133).
SIMPLIFY_TOLERANCE_M = 360.0

# In compact JSON a structural "{" is always followed by '"' or "}", so a "{" followed by
# "{", "%" or "#" is inside a string.
_JINJA_OPENER = re.compile(r"\{(?=[{%#])")


def js_json(value: Any) -> str:
    """JSON safe to embed in a ``<script>`` element of a folium template.

    Every ``<`` is escaped, so no ``</script>``, ``<!--`` or other tag can appear: in a
    script element's text only ``<`` can start markup (``>`` and ``&`` mean nothing there,
    and stay as they are, which keeps HTML text such as the legend short). So is a ``{``
    that would open a Jinja tag, so that the text stays inert even where a consumer (branca,
    streamlit-folium) compiles rendered output again as a template.

    Parameters
    ----------
    value
        Any JSON-serialisable value.

    Returns
    -------
    str
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c")
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
    if len(values) > 1 and not bool(shapely.coverage_is_valid(values)):
        # Overlay results rarely match vertex for vertex along shared edges: node them.
        values = noded_coverage(values)
    if len(values) and bool(shapely.coverage_is_valid(values)):
        simplified = shapely.coverage_simplify(values, tolerance_m)
    else:
        simplified = shapely.simplify(values, tolerance_m, preserve_topology=True)
    return gpd.GeoSeries(simplified, index=geometries.index, crs=CRS_EQUAL_AREA).to_crs(
        CRS_GEOGRAPHIC
    )


def noded_coverage(values: np.ndarray) -> np.ndarray:
    """Make polygons that tile an area share their edges vertex for vertex.

    The pieces of a partition come from overlays: along a shared border one side may have
    a vertex the other lacks, which is not a valid coverage (and could not be simplified as
    one). The pieces' boundaries are noded together, polygonized into faces, and each face
    goes back to the piece it lies in; faces in no piece (slivers of a gap) are dropped.

    Parameters
    ----------
    values
        Polygons (a numpy array of shapely geometries), any planar CRS.

    Returns
    -------
    numpy.ndarray
        The same pieces, in the same order, rebuilt from shared faces (an empty polygon
        where a piece had no face left).
    """
    lines = shapely.union_all([shapely.boundary(g) for g in values if g is not None])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    if not len(faces):
        return values
    tree = shapely.STRtree(values)
    face_index, piece_index = tree.query(shapely.point_on_surface(faces), predicate="within")
    owner = np.full(len(faces), -1)
    owner[face_index[::-1]] = piece_index[::-1]  # the first piece found wins
    out = np.empty(len(values), dtype=object)
    for i in range(len(values)):
        mine = faces[owner == i]
        out[i] = shapely.coverage_union_all(mine) if len(mine) else shapely.Polygon()
    return out


def encode_line(coords: np.ndarray, *, grid: int = GRID) -> str:
    """Encode one ring or line (lon, lat) as a polyline string on the :data:`GRID`.

    Parameters
    ----------
    coords
        ``(n, 2)`` (or wider) array of longitude, latitude.
    grid
        Points per degree (a coarser one for context drawn coarsely anyway).

    Returns
    -------
    str
        Printable ASCII (characters 63-126).
    """
    ints = np.round(np.asarray(coords)[:, :2] * grid).astype(np.int64)
    keep = np.ones(len(ints), dtype=bool)
    keep[1:] = np.any(ints[1:] != ints[:-1], axis=1)  # rounding can merge neighbours
    ints = ints[keep]
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    return _chars(np.where(deltas < 0, ~(deltas << 1), deltas << 1).tolist())


def _chars(zigzag: Iterable[int]) -> str:
    out: list[str] = []
    for value in zigzag:
        while value >= 0x20:
            out.append(chr((0x20 | (value & 0x1F)) + 63))
            value >>= 5
        out.append(chr(value + 63))
    return "".join(out)


def _values(text: str) -> list[int]:
    """Inverse of :func:`_chars`: the signed deltas of an encoded line."""
    values, i = [], 0
    while i < len(text):
        result, shift = 0, 0
        while True:
            b = ord(text[i]) - 63
            i += 1
            result |= (b & 0x1F) << shift
            shift += 5
            if b < 0x20:
                break
        values.append(~(result >> 1) if result & 1 else result >> 1)
    return values


#: The 64 characters a packed bit stream is written with, 6 bits each (base64url's
#: alphabet: none of them needs escaping in JSON or in a script element).
BITS_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: Zigzag deltas below this have a code of their own in :func:`pack_arcs`; larger ones
#: (a few in a thousand on the grid) are written after an escape code.
PACKED_VALUES = 128
_ESCAPE = PACKED_VALUES
_END_OF_ARC = PACKED_VALUES + 1
#: Longest code :func:`pack_arcs` makes (the script reads codes into 31-bit integers).
_MAX_CODE_BITS = 24


def _code_lengths(counts: dict[int, int]) -> dict[int, int]:
    """Huffman code lengths of symbols with these counts, none over :data:`_MAX_CODE_BITS`."""
    if len(counts) == 1:
        return dict.fromkeys(counts, 1)
    weights = dict(counts)
    while True:
        heap = [(w, s, [s]) for s, w in sorted(weights.items())]
        heapq.heapify(heap)
        lengths = dict.fromkeys(weights, 0)
        while len(heap) > 1:
            w1, s1, group1 = heapq.heappop(heap)
            w2, s2, group2 = heapq.heappop(heap)
            for s in (*group1, *group2):
                lengths[s] += 1
            heapq.heappush(heap, (w1 + w2, min(s1, s2), group1 + group2))
        if max(lengths.values()) <= _MAX_CODE_BITS:
            return lengths
        weights = {s: w // 2 + 1 for s, w in weights.items()}  # flatter: shallower tree


def _canonical_codes(lengths: dict[int, int]) -> dict[int, tuple[int, int]]:
    """Canonical codes (code, length) for code lengths, as DEFLATE assigns them."""
    codes, code, previous = {}, 0, 0
    for symbol in sorted(lengths, key=lambda s: (lengths[s], s)):
        code <<= lengths[symbol] - previous
        previous = lengths[symbol]
        codes[symbol] = (code, previous)
        code += 1
    return codes


def pack_arcs(arcs: Sequence[str]) -> dict[str, Any]:
    """Pack encoded arcs into one Huffman-coded bit stream (smaller than the arcs' text).

    The same points, each arc continuing from where the previous one ended (its first
    point a small step from the last one's end, not a whole coordinate): every zigzag
    delta below :data:`PACKED_VALUES` is one symbol, a larger one an escape symbol then
    its bit length (5 bits) and its bits, and an end symbol closes each arc. The symbols
    get a canonical Huffman code made for these very arcs (frequent small steps take 2-4
    bits instead of 6). Decoded by the map's script (``TV.rows``).

    Parameters
    ----------
    arcs
        Arcs encoded by :func:`encode_line` (on the :data:`GRID`).

    Returns
    -------
    dict
        ``{"a": number of arcs, "n": each symbol's code length, one character of
        :data:`BITS_ALPHABET` per symbol (0: unused), "b": the bits, 6 per character of
        :data:`BITS_ALPHABET`, zeros after the last}``.
    """
    if not arcs:
        return {"a": 0, "n": "", "b": ""}
    symbols: list[int] = []
    escaped: dict[int, int] = {}  # position in symbols -> the value after the escape
    x = y = 0
    for arc in arcs:
        values = _values(arc)
        if values:
            points = np.cumsum(np.array(values, dtype=np.int64).reshape(-1, 2), axis=0)
            deltas = np.diff(points, axis=0, prepend=np.array([[x, y]], dtype=np.int64))
            x, y = (int(v) for v in points[-1])
            for delta in deltas.ravel().tolist():
                zigzag = ~(delta << 1) if delta < 0 else delta << 1
                if zigzag < PACKED_VALUES:
                    symbols.append(zigzag)
                else:
                    escaped[len(symbols)] = zigzag
                    symbols.append(_ESCAPE)
        symbols.append(_END_OF_ARC)
    counts: dict[int, int] = {}
    for symbol in symbols:
        counts[symbol] = counts.get(symbol, 0) + 1
    codes = _canonical_codes(_code_lengths(counts))
    bits: list[str] = []
    for i, symbol in enumerate(symbols):
        code, length = codes[symbol]
        bits.append(format(code, f"0{length}b"))
        if symbol == _ESCAPE:
            value = escaped[i]
            if value.bit_length() > 31:
                raise ValueError("an arc's step is too large to pack")
            bits.append(format(value.bit_length(), "05b") + format(value, "b"))
    stream = "".join(bits)
    stream += "0" * (-len(stream) % 6)
    text = "".join(BITS_ALPHABET[int(stream[i : i + 6], 2)] for i in range(0, len(stream), 6))
    lengths = "".join(
        BITS_ALPHABET[codes[s][1] if s in codes else 0] for s in range(_END_OF_ARC + 1)
    )
    return {"a": len(arcs), "n": lengths, "b": text}


def pack_lines(
    rows: Sequence[dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Move the encoded lines of rows' geometries into one :func:`pack_arcs` stream.

    Each ring or line string of a ``{"a": ...}`` or ``{"l": ...}`` geometry
    (:func:`encode_geometry`) becomes its index in the stream; its grid (``"s"``) stays
    with the geometry, which the map's script reads the packed points on.

    Returns
    -------
    tuple
        The rows with indices in place of strings, and the packed lines (``None`` if
        there were none).
    """
    lines: list[str] = []

    def ref(text: str) -> int:
        lines.append(text)
        return len(lines) - 1

    out = []
    for row in rows:
        geometry = row.get("g")
        if isinstance(geometry, dict) and ("a" in geometry or "l" in geometry):
            geometry = dict(geometry)
            if "a" in geometry:
                geometry["a"] = [[ref(ring) for ring in rings] for rings in geometry["a"]]
            if "l" in geometry:
                geometry["l"] = [ref(line) for line in geometry["l"]]
            row = {**row, "g": geometry}
        out.append(row)
    return out, (pack_arcs(lines) if lines else None)


def _unique_rounded(coords: np.ndarray, grid: int = GRID) -> np.ndarray:
    return np.unique(np.round(coords[:, :2] * grid), axis=0)


def encode_geometry(geom: Any, *, grid: int = GRID) -> dict[str, Any] | None:
    """Encode a (multi)polygon as ``{"a": [[ring, ...], ...]}`` or lines as ``{"l": [...]}``.

    Parameters
    ----------
    geom
        A shapely geometry in EPSG:4326, or ``None``.
    grid
        Points per degree; other than :data:`GRID` it is sent along as ``"s"``.

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
            if len(_unique_rounded(np.asarray(part.exterior.coords), grid)) < 3:
                continue
            rings = [part.exterior, *part.interiors]
            polygons.append(
                [
                    encode_line(np.asarray(r.coords), grid=grid)
                    for r in rings
                    if len(_unique_rounded(np.asarray(r.coords), grid)) >= 3
                ]
            )
        elif isinstance(part, shapely.LineString | shapely.LinearRing):
            if len(part.coords) >= 2:
                lines.append(encode_line(np.asarray(part.coords), grid=grid))
        elif isinstance(part, shapely.GeometryCollection | shapely.MultiPolygon):
            sub = encode_geometry(part, grid=grid)
            if sub:
                polygons.extend(sub.get("a", []))
                lines.extend(sub.get("l", []))
    scale = {} if grid == GRID else {"s": grid}
    if polygons:
        return {"a": polygons, **scale}
    if lines:
        return {"l": lines, **scale}
    return None


def row_table(rows: Sequence[dict[str, Any]]) -> dict[str, Any] | list[Any]:
    """Rows of properties as one table: each key written once, repeated texts once.

    ``{"k": keys, "v": [[value per key], ...], "s": {key: texts}}``: a row's values follow
    ``k`` (a key the row lacks is ``null``, and trailing ``null`` values are left out); a
    key in ``s`` is a column of texts sent once each, its values indexing into them.
    Decoded by the map's script (``TV.rows``), which rebuilds the very same dicts.

    Parameters
    ----------
    rows
        Dicts of JSON values (``None`` is treated as a missing key).

    Returns
    -------
    dict or list
        ``[]`` when there are no rows.
    """
    if not rows:
        return []
    keys = list(dict.fromkeys(k for row in rows for k in row))
    texts: dict[str, list[str]] = {}
    for key in keys:
        column = [row[key] for row in rows if row.get(key) is not None]
        if all(isinstance(v, str) for v in column):
            distinct = list(dict.fromkeys(column))
            if len(distinct) < len(column):
                texts[key] = distinct
    index = {key: {text: i for i, text in enumerate(values)} for key, values in texts.items()}
    table = []
    for row in rows:
        values = [
            None if row.get(key) is None else (index[key][row[key]] if key in index else row[key])
            for key in keys
        ]
        while values and values[-1] is None:
            values.pop()
        table.append(values)
    return {"k": keys, "v": table, "s": texts}


def lines_of(geometries: Iterable[Any]) -> Any:
    """Merge boundaries into lines where each shared edge appears once."""
    boundaries = [shapely.boundary(g) for g in geometries if g is not None and not g.is_empty]
    if not boundaries:
        return shapely.MultiLineString()
    return shapely.line_merge(shapely.union_all(boundaries))


def simplify_lines(geom: Any, *, tolerance_m: float = SIMPLIFY_TOLERANCE_M) -> Any:
    """Simplify lines (EPSG:4326) by ``tolerance_m`` metres in the equal-area projection."""
    # Piecewise: Douglas-Peucker recursion over one 100,000-vertex line overflows the stack.
    series = gpd.GeoSeries([geom], crs=CRS_GEOGRAPHIC).to_crs(CRS_EQUAL_AREA)
    simplified = _bounds.simplify_lines(series.values, tolerance_m)
    return gpd.GeoSeries([simplified], crs=CRS_EQUAL_AREA).to_crs(CRS_GEOGRAPHIC).iloc[0]


def line_row(geom: Any, key: str, *, simplify: bool = True) -> list[dict[str, Any]]:
    """One encoded row ``{"g": ..., "c": key}`` for a line layer, or ``[]`` if empty."""
    if geom is None or geom.is_empty:
        return []
    encoded = encode_geometry(simplify_lines(geom) if simplify else geom)
    return [{"g": encoded, "c": key}] if encoded else []


@dataclass(frozen=True)
class Topology:
    """Polygons as shared arcs (see :func:`topology`).

    Attributes
    ----------
    arcs
        Each arc encoded as by :func:`encode_line` (on the :data:`GRID`).
    geometries
        Per input geometry, ``{"p": [[ring, ...], ...]}`` (polygons of rings of arc
        references, exterior ring first) or ``None`` when nothing is left after rounding.
    """

    arcs: tuple[str, ...]
    geometries: tuple[dict[str, Any] | None, ...]


def _rings_of(geom: Any) -> list[list[list[tuple[int, int]]]]:
    """Polygons of rings of rounded integer points (open: last point != first)."""
    scale = GRID
    polygons = []
    for part in shapely.get_parts(geom) if geom is not None and not geom.is_empty else ():
        if isinstance(part, shapely.MultiPolygon | shapely.GeometryCollection):
            polygons.extend(_rings_of(part))
            continue
        if not isinstance(part, shapely.Polygon):
            continue
        rings = []
        for ring in (part.exterior, *part.interiors):
            ints = np.round(np.asarray(ring.coords)[:, :2] * scale).astype(np.int64)
            keep = np.ones(len(ints), dtype=bool)
            keep[1:] = np.any(ints[1:] != ints[:-1], axis=1)
            points = [(int(x), int(y)) for x, y in ints[keep]]
            if len(points) > 1 and points[0] == points[-1]:
                points.pop()
            if len(set(points)) >= 3:
                rings.append(points)
            elif ring is part.exterior:
                break  # the exterior collapsed: the polygon is gone
        else:
            if rings:
                polygons.append(rings)
    return polygons


def topology(geometries: Sequence[Any]) -> Topology:
    """Encode polygons that tile an area as shared, quantized, delta-encoded arcs.

    Coordinates are rounded to the :data:`GRID` (as :func:`encode_geometry` does). A vertex is a
    junction where the set of its neighbouring vertices over all rings is not exactly two
    (three regions meet, a shared border ends); rings are cut at junctions into arcs, and an
    arc that another ring already produced (either way round) is referenced, not repeated.
    Shared borders are therefore sent once and coincide exactly when drawn.

    Parameters
    ----------
    geometries
        (Multi)polygons in EPSG:4326, e.g. :func:`simplify_coverage` output.

    Returns
    -------
    Topology
    """
    shapes = [_rings_of(g) for g in geometries]
    neighbours: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for polygons in shapes:
        for rings in polygons:
            for ring in rings:
                n = len(ring)
                for i, point in enumerate(ring):
                    near = neighbours.setdefault(point, set())
                    near.add(ring[i - 1])
                    near.add(ring[(i + 1) % n])
    junctions = {p for p, near in neighbours.items() if len(near) != 2}
    index: dict[tuple[tuple[int, int], ...], int] = {}
    arcs: list[tuple[tuple[int, int], ...]] = []

    def ref(points: list[tuple[int, int]]) -> int:
        key = tuple(points)
        if key in index:
            return index[key]
        back = key[::-1]
        if back in index:
            return ~index[back]
        index[key] = len(arcs)
        arcs.append(key)
        return len(arcs) - 1

    def ring_refs(ring: list[tuple[int, int]]) -> list[int]:
        cuts = [i for i, p in enumerate(ring) if p in junctions]
        if not cuts:
            # A ring no other ring touches at a junction (an island, an enclave and the hole
            # around it): one closed arc, started at its smallest point so that both rings
            # that trace it produce the same arc (one of them reversed).
            start = ring.index(min(ring))
            rotated = ring[start:] + ring[:start]
            forward = [*rotated, rotated[0]]
            backward = [rotated[0], *rotated[:0:-1], rotated[0]]
            key = tuple(backward)
            if key in index:
                return [~index[key]]
            return [ref(forward)]
        rotated = ring[cuts[0] :] + ring[: cuts[0]]
        starts = [c - cuts[0] for c in cuts]
        out = []
        for k, begin in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else len(rotated)
            piece = (
                rotated[begin : end + 1] if end < len(rotated) else [*rotated[begin:], rotated[0]]
            )
            out.append(ref(piece))
        return out

    encoded_geometries: list[dict[str, Any] | None] = []
    for polygons in shapes:
        refs = [[ring_refs(ring) for ring in rings] for rings in polygons]
        encoded_geometries.append({"p": refs} if refs else None)
    scale = GRID
    encoded_arcs = tuple(encode_line(np.asarray(a, dtype=np.float64) / scale) for a in arcs)
    return Topology(arcs=encoded_arcs, geometries=tuple(encoded_geometries))
