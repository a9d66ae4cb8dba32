"""Analysts' own control layers: read, check, repair and clip a polygon layer.

This module owns :func:`load_control_layer`, the door through which a user's layer of
territory under Russian military control comes in: a file path, uploaded bytes or an
http(s) URL, in GeoJSON (including the daily DeepStateMap archive: one Feature, empty
properties, a MultiPolygon in CRS84), GeoPackage or KML. The result has the shape of a
committed snapshot (:func:`territory_viz.datasets.load_snapshot`), so every scenario can be
re-evaluated against it.

Everything that can be wrong with the input raises one
:class:`~territory_viz._errors.ValidationError` naming the source and the problem and what
is allowed; nothing else escapes for bad input.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from territory_viz import datasets, model
from territory_viz._errors import ValidationError

__all__ = [
    "MAX_FEATURES",
    "MAX_UPLOAD_BYTES",
    "MAX_VERTICES",
    "URL_TIMEOUT_S",
    "load_control_layer",
]

#: Largest input accepted, bytes (20 MB; a DeepStateMap day is about 1-2 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Most features accepted in one layer.
MAX_FEATURES = 50_000
#: Most coordinates (vertices) accepted in one layer.
MAX_VERTICES = 2_000_000
#: Seconds to wait for a URL before giving up.
URL_TIMEOUT_S = 20.0
#: Smallest area inside Ukraine that counts as "something", km².
MIN_AREA_KM2 = 0.01

_FORMATS = "GeoJSON (.geojson/.json), GeoPackage (.gpkg) or KML (.kml)"
_GEOJSON_TYPES = {
    "FeatureCollection",
    "Feature",
    "Polygon",
    "MultiPolygon",
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "GeometryCollection",
}
_DATE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
# GDAL raises its own error classes, and plain ValueError/RuntimeError for odd inputs.
_READ_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
    ValueError,
    RuntimeError,
    OSError,
    TypeError,
    KeyError,
    IndexError,
    UnicodeError,
    shapely.errors.ShapelyError,
)


def load_control_layer(
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    name: str | None = None,
    date: str | None = None,
) -> gpd.GeoDataFrame:
    """Load a user's layer of Russian-controlled territory as a snapshot.

    Parameters
    ----------
    source
        A file path, the file's bytes (an upload), or an ``http(s)://`` URL; or geometries
        already read (a GeoSeries/GeoDataFrame, e.g. one day of a multi-date file), which
        then skip the file reading and take the same checks, repair, clip and reconciling.
    filename
        The original file name of uploaded bytes (used in messages and to guess the date).
    name
        Id of the resulting layer; default ``user-<date>`` or ``user-layer``.
    date
        ISO date (YYYY-MM-DD) the layer describes; default: a date found in the file name.

    Returns
    -------
    GeoDataFrame
        One row in EPSG:4326: ``id``, ``date`` (ISO date or ``""`` if unknown) and a
        MultiPolygon: every polygon of the input, repaired, dissolved and clipped to Ukraine.
        ``attrs["notes"]`` lists what was changed (repairs, parts dropped, area clipped).

    Raises
    ------
    ValidationError
        If the input is not a geospatial file of polygons inside Ukraine within the caps
        ``MAX_UPLOAD_BYTES``, ``MAX_FEATURES`` and ``MAX_VERTICES``; one message per problem.
    """
    data, label = _read_source(source, filename)
    problems: list[str] = []
    if date is not None and not _valid_date(date):
        problems.append(f"date {date!r} is not an ISO date; allowed: YYYY-MM-DD")
    if problems:
        raise ValidationError(label, problems)
    notes: list[str] = []
    gdf = _parse(data, label, notes)
    geom = _prepare_geometry(gdf, label, notes)
    clipped = _clip_to_ukraine(geom, gdf.total_bounds, label, notes)
    if date is None:
        found = _DATE.search(Path(filename or label).name)
        guess = "-".join(found.groups()) if found else ""
        date = guess if guess and _valid_date(guess) else ""
    layer_id = name or (f"user-{date}" if date else "user-layer")
    out = gpd.GeoDataFrame(
        {"id": [layer_id], "date": [date]}, geometry=[clipped], crs=model.CRS_GEOGRAPHIC
    )
    out.attrs["notes"] = notes
    out.attrs["source"] = label
    return out


# --------------------------------------------------------------------------- getting bytes


def _read_source(source: str | Path | bytes, filename: str | None) -> tuple[bytes, str]:
    """Return the input's bytes and a label for messages, enforcing the size cap."""
    if isinstance(source, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return source, filename or "<layer>"  # type: ignore[return-value]
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = filename or "<upload>"
    elif isinstance(source, str) and re.match(r"^https?://", source, flags=re.IGNORECASE):
        data, label = _download(source), source
    elif isinstance(source, (str, Path)):
        path = Path(source)
        label = str(path)
        if not path.is_file():
            raise ValidationError(label, ["file not found"])
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            raise ValidationError(label, [_too_large(size)])
        data = path.read_bytes()
    else:
        raise ValidationError(
            repr(type(source).__name__),
            ["source must be a file path, an http(s) URL or the file's bytes"],
        )
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(label, [_too_large(len(data))])
    if not data.strip():
        raise ValidationError(label, ["file is empty; expected " + _FORMATS])
    return data, label


def _too_large(size: int) -> str:
    return (
        f"file is {size / 1024 / 1024:.1f} MB; the limit is "
        f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB (MAX_UPLOAD_BYTES): simplify the layer first"
    )


def _download(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "territory_viz"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=URL_TIMEOUT_S) as response:  # noqa: S310
            data = response.read(MAX_UPLOAD_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise ValidationError(url, [f"download failed: HTTP {exc.code} {exc.reason}"]) from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ValidationError(
            url,
            [
                f"could not download ({reason}); without internet, save the file and load it "
                "from disk or upload it"
            ],
        ) from exc
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            url,
            [f"download exceeds {MAX_UPLOAD_BYTES // 1024 // 1024} MB (MAX_UPLOAD_BYTES)"],
        )
    return data


# --------------------------------------------------------------------------- parsing


def _sniff(data: bytes, label: str) -> str:
    """Return the GDAL driver for the bytes, or raise if they are no supported format."""
    if data.startswith(b"SQLite format 3\x00"):
        return "GPKG"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return "GeoJSON"
    if head.startswith(b"<") and b"<kml" in data[:65536].lower():
        return "KML"
    if data.startswith(b"PK"):
        raise ValidationError(
            label, [f"a zip archive (KMZ or zipped shapefile?) is not supported; use {_FORMATS}"]
        )
    raise ValidationError(label, [f"not a geospatial file; expected {_FORMATS}"])


def _check_geojson(data: bytes, label: str) -> None:
    """Parse the JSON ourselves first: clearer messages than GDAL's, and a feature cap."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ValidationError(label, [f"not UTF-8 text ({exc.reason}); {_FORMATS}"]) from exc
    except json.JSONDecodeError as exc:
        raise ValidationError(
            label, [f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]
        ) from exc
    except RecursionError as exc:
        raise ValidationError(label, ["JSON nested too deeply to be GeoJSON"]) from exc
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind not in _GEOJSON_TYPES:
        raise ValidationError(
            label,
            [
                'JSON but not GeoJSON: the top-level object needs a "type" of '
                "FeatureCollection, Feature or a geometry type"
                + (f" (found {kind!r})" if isinstance(kind, str) else "")
            ],
        )
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise ValidationError(label, ['FeatureCollection without a "features" list'])
        if not features:
            raise ValidationError(label, ["empty: the FeatureCollection has no features"])
        if len(features) > MAX_FEATURES:
            raise ValidationError(label, [_too_many_features(len(features))])
    crs = doc.get("crs")
    if crs is not None:
        crs_name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
        if not isinstance(crs_name, str) or not _crs_ok(crs_name):
            raise ValidationError(
                label,
                [
                    f'unreadable CRS {json.dumps(crs)[:80]}; allowed: omit "crs" (lon/lat, '
                    'RFC 7946) or {"type": "name", "properties": {"name": "EPSG:<code>"}}'
                ],
            )


def _crs_ok(text: str) -> bool:
    try:
        CRS.from_user_input(text)
    except ProjCRSError:
        return False
    return True


def _too_many_features(n: int) -> str:
    return f"{n:,} features; the limit is {MAX_FEATURES:,} (MAX_FEATURES)"


def _read_layers(data: bytes, label: str, notes: list[str]) -> list[gpd.GeoDataFrame]:
    """Read the geometry of every layer in the bytes (GeoPackages may have several).

    GDAL's warnings (e.g. a malformed geometry read as null) become notes for the user.
    """
    frames = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # GDAL warns that in-memory GeoPackages lack the .gpkg extension; harmless.
        warnings.filterwarnings("ignore", message=".*non conformant file extension")
        # Layers by index: each BytesIO read gets a fresh in-memory name, so names don't carry.
        n_layers = len(pyogrio.list_layers(io.BytesIO(data)))
        for layer in range(n_layers):
            info = pyogrio.read_info(io.BytesIO(data), layer=layer)
            if info.get("features", 0) > MAX_FEATURES:
                raise ValidationError(label, [_too_many_features(info["features"])])
            frame = gpd.read_file(io.BytesIO(data), layer=layer, engine="pyogrio")
            frames.append(frame[["geometry"]])
    for message in dict.fromkeys(str(w.message).splitlines()[0][:160] for w in caught):
        if len(notes) < 5:
            notes.append(f"reader warning: {message}")
    return frames


def _parse(data: bytes, label: str, notes: list[str]) -> gpd.GeoDataFrame:
    """Read every polygon-bearing layer of the bytes into one GeoDataFrame in EPSG:4326."""
    if isinstance(data, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return _frame_of(data, label)
    driver = _sniff(data, label)
    if driver == "GeoJSON":
        _check_geojson(data, label)
    frames = []
    try:
        frames = _read_layers(data, label, notes)
    except ValidationError:
        raise
    except _READ_ERRORS as exc:
        message = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        message = re.sub(r"\s*/vsimem/pyogrio_\w+\s*", " ", message).strip()  # GDAL's temp name
        raise ValidationError(label, [f"cannot be read as {driver} ({message})"]) from exc
    frames = [f for f in frames if len(f)]
    if not frames:
        raise ValidationError(label, ["empty: no features"])
    crs_values = {f.crs.to_string() if f.crs else None for f in frames}
    if driver == "GeoJSON" or driver == "KML":
        # RFC 7946 and KML are lon/lat by definition when no CRS is declared.
        frames = [f.set_crs(model.CRS_GEOGRAPHIC) if f.crs is None else f for f in frames]
    elif None in crs_values:
        raise ValidationError(
            label, ["no CRS declared; save the layer with its CRS (any EPSG code is fine)"]
        )
    try:
        gdf = gpd.GeoDataFrame(
            [row for f in frames for row in f.to_crs(model.CRS_GEOGRAPHIC).itertuples()],
            geometry="geometry",
            crs=model.CRS_GEOGRAPHIC,
        )[["geometry"]]
    except (ProjCRSError, ValueError, RuntimeError) as exc:
        raise ValidationError(
            label, [f"unreadable CRS ({exc}); allowed: any CRS with an EPSG code"]
        ) from exc
    if len(gdf) > MAX_FEATURES:
        raise ValidationError(label, [_too_many_features(len(gdf))])
    return gdf


def _frame_of(layer: gpd.GeoDataFrame | gpd.GeoSeries, label: str) -> gpd.GeoDataFrame:
    """Geometries already read: into EPSG:4326 (none declared: lon/lat, as GeoJSON says)."""
    geoms = layer.geometry if isinstance(layer, gpd.GeoDataFrame) else layer
    if len(geoms) == 0:
        raise ValidationError(label, ["empty: no features"])
    if len(geoms) > MAX_FEATURES:
        raise ValidationError(label, [_too_many_features(len(geoms))])
    frame = gpd.GeoDataFrame(geometry=geoms.values, crs=geoms.crs or model.CRS_GEOGRAPHIC)
    return frame if frame.crs.equals(model.CRS_GEOGRAPHIC) else frame.to_crs(
        model.CRS_GEOGRAPHIC)


# --------------------------------------------------------------------------- geometry


def _prepare_geometry(gdf: gpd.GeoDataFrame, label: str, notes: list[str]) -> shapely.Geometry:
    """Check coordinates and types, repair, keep polygons and dissolve them."""
    geoms = gdf.geometry.values
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(present) == 0:
        raise ValidationError(label, ["empty: the features have no geometry"])
    vertices = int(shapely.get_num_coordinates(present).sum())
    if vertices > MAX_VERTICES:
        raise ValidationError(
            label,
            [f"{vertices:,} vertices; the limit is {MAX_VERTICES:,} (MAX_VERTICES): simplify it"],
        )
    bounds = shapely.total_bounds(present)
    if not np.isfinite(bounds).all():
        raise ValidationError(label, ["coordinates are not finite numbers"])
    minx, miny, maxx, maxy = bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise ValidationError(
            label,
            [
                f"coordinates up to x={max(abs(minx), abs(maxx)):,.0f}, "
                f"y={max(abs(miny), abs(maxy)):,.0f} are not longitude/latitude: projected "
                "coordinates declared as (or defaulting to) EPSG:4326? Declare the layer's CRS"
            ],
        )
    parts = shapely.get_parts(shapely.get_parts(shapely.get_parts(present)))
    types = sorted(set(shapely.get_type_id(parts)))
    polygons = parts[shapely.get_type_id(parts) == 3]
    if len(polygons) == 0:
        names = sorted({_TYPE_NAMES.get(int(t), str(t)) for t in types})
        raise ValidationError(
            label,
            [
                f"no polygons (found {', '.join(names)} only); a control layer needs "
                "Polygon or MultiPolygon areas"
            ],
        )
    if len(polygons) < len(parts):
        notes.append(f"{len(parts) - len(polygons)} point/line part(s) ignored")
    invalid = ~shapely.is_valid(polygons)
    if invalid.any():
        repaired = shapely.make_valid(polygons[invalid])
        polygons = np.concatenate([polygons[~invalid], _polygon_parts(repaired)])
        notes.append(f"{int(invalid.sum())} invalid polygon(s) repaired with make_valid")
    try:
        merged = shapely.union_all(polygons)
    except shapely.errors.GEOSException as exc:
        raise ValidationError(label, [f"polygons cannot be merged ({exc})"]) from exc
    return merged


_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon"}


def _polygon_parts(geoms: np.ndarray) -> np.ndarray:
    parts = shapely.get_parts(shapely.get_parts(shapely.get_parts(geoms)))
    return parts[shapely.get_type_id(parts) == 3]


def _clip_to_ukraine(
    geom: shapely.Geometry, bounds: np.ndarray, label: str, notes: list[str]
) -> shapely.MultiPolygon:
    outline = datasets.ukraine_outline()
    inside = shapely.intersection(geom, outline)
    polys = _polygon_parts(np.array([inside]))
    clipped = shapely.MultiPolygon(list(polys))
    area_in = _area_km2(clipped)
    if area_in < MIN_AREA_KM2:
        minx, miny, maxx, maxy = bounds
        raise ValidationError(
            label,
            [
                f"nothing inside Ukraine (the layer spans lon {minx:.2f}..{maxx:.2f}, "
                f"lat {miny:.2f}..{maxy:.2f}; Ukraine is lon 22.1..40.2, lat 44.4..52.4)"
            ],
        )
    outside = _area_km2(geom) - area_in
    if outside > MIN_AREA_KM2:
        notes.append(f"{outside:,.1f} km² outside Ukraine's borders clipped off")
    return clipped


def _area_km2(geom: shapely.Geometry) -> float:
    series = gpd.GeoSeries([geom], crs=model.CRS_GEOGRAPHIC).to_crs(model.CRS_EQUAL_AREA)
    return float(series.area.iloc[0]) / 1e6


def _valid_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))
