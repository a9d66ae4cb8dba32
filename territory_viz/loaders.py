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
import sqlite3
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import xml.parsers.expat
from pathlib import Path
from typing import NoReturn

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from territory_viz import _bounds, datasets, model
from territory_viz import reconcile as reconcile_mod
from territory_viz._bounds import MAX_LAYER_VERTICES, MAX_RING_VERTICES
from territory_viz._errors import ValidationError

__all__ = [
    "DRIVERS",
    "GDAL_CONFIG",
    "MAX_FEATURES",
    "MAX_GEOMETRY_NESTING",
    "MAX_LAYER_VERTICES",
    "MAX_NUMBER_DIGITS",
    "MAX_PROPERTY_KEYS",
    "MAX_RING_VERTICES",
    "MAX_UPLOAD_BYTES",
    "MAX_VERTICES",
    "LAYER_SUFFIXES",
    "URL_TIMEOUT_S",
    "check_upload",
    "gdal_skip",
    "load_control_layer",
    "only_allowed_drivers",
]

#: Largest input accepted, bytes (20 MB; a DeepStateMap day is about 1-2 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Most features accepted in one layer.
MAX_FEATURES = 50_000
#: Most coordinates (vertices) read from one file (the result is then simplified down to
#: ``MAX_LAYER_VERTICES``, at most ``MAX_RING_VERTICES`` per ring).
MAX_VERTICES = 2_000_000
#: Most distinct property (attribute) names in a layer. Only geometry is read, but GDAL
#: builds a schema of every name first: 20,000 names in a 3 MB file took 3.4 GB.
MAX_PROPERTY_KEYS = 500
#: Deepest nesting of GeometryCollections in a GeoJSON geometry.
MAX_GEOMETRY_NESTING = 3
#: Most digits in one number of a GeoJSON file (a coordinate needs about 20).
MAX_NUMBER_DIGITS = 40
#: The GDAL drivers an upload may be read with. The format is decided by the content
#: (never the file name); a child process registers no other driver (``gdal_skip``).
DRIVERS = ("GeoJSON", "GPKG", "KML")
#: GDAL configuration while reading: no network, no virtual file system a file could name.
GDAL_CONFIG = {
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".territory-viz-no-network",
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/territory-viz/no-network",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_PROXY": "",
    "GDAL_HTTP_NETRC": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "CPL_ALLOW_VSISTDIN": "NO",
    "ALLOW_VIRTUAL_OGR_FROM_TRIGGER_AND_VIEW": "NO",
    "GDAL_ALLOW_REMOTE_RESOURCE_TO_ACCESS_LOCAL_FILE": "NO",
    "OGR_SQLITE_LIST_VIRTUAL_OGR": "NO",
}
#: Most simplification tolerance used to bring a dense layer under the caps, degrees
#: (about 1 km); a layer still over the caps then is refused.
MAX_SIMPLIFY_DEG = 0.01
_SIMPLIFY_START_DEG = 0.0001  # about 10 m
#: Seconds to wait for a URL before giving up.
URL_TIMEOUT_S = 20.0
#: Smallest area inside Ukraine that counts as "something", km².
MIN_AREA_KM2 = 0.01

#: The formats read, with the file name endings they usually have (the content decides the
#: format; the endings are what a file picker offers).
_FORMAT_SUFFIXES = {"GeoJSON": (".geojson", ".json"), "GeoPackage": (".gpkg",), "KML": (".kml",)}
#: File name endings of the formats read.
LAYER_SUFFIXES = tuple(s for suffixes in _FORMAT_SUFFIXES.values() for s in suffixes)
_FORMAT_NAMES = [f"{name} ({'/'.join(ends)})" for name, ends in _FORMAT_SUFFIXES.items()]
_FORMATS = ", ".join(_FORMAT_NAMES[:-1]) + " or " + _FORMAT_NAMES[-1]
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
    reconcile: bool = True,
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
    reconcile
        Fill the slivers between the layer's coast/border and Ukraine's outline
        (:func:`territory_viz.reconcile.reconcile`; the default). ``False`` only clips, for
        comparing the two.

    Returns
    -------
    GeoDataFrame
        One row in EPSG:4326: ``id``, ``date`` (ISO date or ``""`` if unknown) and a
        MultiPolygon: every polygon of the input, repaired, dissolved, clipped to Ukraine and
        reconciled with its outline. ``attrs["notes"]`` lists what was changed (repairs,
        parts dropped, area clipped, the reconciliation rule and the km² it added per
        region); ``attrs["reconciliation"]`` the same as figures
        (:meth:`territory_viz.reconcile.Reconciliation.summary`; absent with
        ``reconcile=False``).

    Raises
    ------
    ValidationError
        If the input is not a geospatial file of polygons inside Ukraine within the caps
        ``MAX_UPLOAD_BYTES``, ``MAX_FEATURES`` and ``MAX_VERTICES``; one message per problem.
    """
    data, label = _read_source(source, filename)
    problems = _date_problems(date)
    if problems:
        raise ValidationError(label, problems)
    notes: list[str] = []
    gdf = _parse(data, label, notes)
    geom = _prepare_geometry(gdf, label, notes)
    clipped = _clip_to_ukraine(geom, gdf.total_bounds, label, notes)
    clipped = _reduce(clipped, label, notes)
    reconciliation = None
    if reconcile:
        clipped, reconciliation = _reconcile(clipped, notes)
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
    if reconciliation is not None:
        out.attrs["reconciliation"] = reconciliation.summary()
    return out


# --------------------------------------------------------------------------- getting bytes


def _read_source(source: str | Path | bytes, filename: str | None) -> tuple[bytes, str]:
    """Return the input's bytes and a label for messages, enforcing the size cap."""
    if isinstance(source, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return source, filename or "<layer>"
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
    problems = _content_problems(data)
    if problems:
        raise ValidationError(label, problems)
    return data, label


def check_upload(data: bytes, *, filename: str, date: str | None = None) -> None:
    """Make the checks :func:`load_control_layer` makes before reading a file's bytes.

    Size, emptiness and the date; cheap, so a caller that reads the file elsewhere (the
    page, in a child process) can refuse it at once with the loader's own messages.

    Raises
    ------
    ValidationError
        One message per problem, under ``filename``.
    """
    problems = _content_problems(data) + _date_problems(date)
    if problems:
        raise ValidationError(filename, problems)


def _content_problems(data: bytes) -> list[str]:
    if len(data) > MAX_UPLOAD_BYTES:
        return [_too_large(len(data))]
    if not data.strip():
        return ["file is empty; expected " + _FORMATS]
    return []


def _date_problems(date: str | None) -> list[str]:
    if date is not None and not _valid_date(date):
        return [f"date {date!r} is not an ISO date; allowed: YYYY-MM-DD"]
    return []


def _too_large(size: int) -> str:
    return (
        f"file size {size / 1024 / 1024:.1f} MB; the limit is "
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


def gdal_skip() -> str:
    """Return the ``GDAL_SKIP`` value that leaves only :data:`DRIVERS` registered.

    GDAL reads it once, when its drivers are registered (at import): a child process
    started with it in its environment cannot open anything but GeoJSON, GeoPackage and KML
    (no VRT, no CSV, no web service, whatever the content says).
    """
    return ",".join(d for d in pyogrio.list_drivers() if d not in DRIVERS)


def only_allowed_drivers() -> bool:
    """Whether this process's GDAL has no vector driver but :data:`DRIVERS`."""
    return set(pyogrio.list_drivers()) <= set(DRIVERS)


class _Refused(Exception):
    """A reason to refuse the file, raised from inside a parser callback."""


def _sniff(data: bytes, label: str) -> str:
    """Return the GDAL driver for the bytes, or raise if they are no supported format.

    The content decides, and each format is checked whole here before GDAL sees it: a VRT
    document named ``.kml``, a GeoPackage with a virtual table or a JSON document that another
    GDAL driver would claim are refused.
    """
    if data.startswith(b"SQLite format 3\x00"):
        _check_gpkg(data, label)
        return "GPKG"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        _check_geojson(data, label)
        return "GeoJSON"
    if head.startswith(b"<"):
        _check_kml(data, label)
        return "KML"
    if data.startswith(b"PK"):
        raise ValidationError(
            label, [f"a zip archive (KMZ or zipped shapefile?) is not supported; use {_FORMATS}"]
        )
    raise ValidationError(label, [f"not a geospatial file; expected {_FORMATS}"])


# --------------------------------------------------------------------------- GeoJSON


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _Refused(
            f"a number with {len(text.lstrip('-')):,} digits; allowed: at most "
            f"{MAX_NUMBER_DIGITS} (MAX_NUMBER_DIGITS)"
        )
    return int(text)


def _json_float(text: str) -> float:
    digits = len(re.sub(r"[^0-9]", "", text.split("e")[0].split("E")[0]))
    if digits > MAX_NUMBER_DIGITS:
        raise _Refused(
            f"a number with {digits:,} digits; allowed: at most "
            f"{MAX_NUMBER_DIGITS} (MAX_NUMBER_DIGITS)"
        )
    value = float(text)
    if not np.isfinite(value):
        raise _Refused(f"the number {text[:20]} is too large (not finite)")
    return value


def _json_constant(text: str) -> float:
    raise _Refused(f"{text} is not a number JSON allows; coordinates must be finite numbers")


def _check_geojson(data: bytes, label: str) -> None:
    """Parse the JSON ourselves first: clearer messages than GDAL's, and the caps."""
    try:
        doc = json.loads(
            data.decode("utf-8-sig"),
            parse_int=_json_int,
            parse_float=_json_float,
            parse_constant=_json_constant,
        )
    except UnicodeDecodeError as exc:
        raise ValidationError(label, [f"not UTF-8 text ({exc.reason}); {_FORMATS}"]) from exc
    except json.JSONDecodeError as exc:
        raise ValidationError(
            label, [f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]
        ) from exc
    except RecursionError as exc:
        raise ValidationError(label, ["JSON nested too deeply to be GeoJSON"]) from exc
    except _Refused as exc:
        raise ValidationError(label, [str(exc)]) from exc
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
    features = [doc]
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise ValidationError(label, ['FeatureCollection without a "features" list'])
        if not features:
            raise ValidationError(label, ["empty: the FeatureCollection has no features"])
        if len(features) > MAX_FEATURES:
            raise ValidationError(label, [_too_many_features(len(features))])
    keys: set[str] = set()
    for feature in features:
        if not isinstance(feature, dict):
            continue
        properties = feature.get("properties")
        if isinstance(properties, dict):
            keys.update(properties)
            if len(keys) > MAX_PROPERTY_KEYS:
                raise ValidationError(label, [_too_many_keys(len(keys), "at least ")])
        geometry = feature.get("geometry") if feature.get("type") == "Feature" else feature
        depth = _collection_depth(geometry)
        if depth > MAX_GEOMETRY_NESTING:
            raise ValidationError(
                label,
                [
                    f"GeometryCollections nested {depth} deep; allowed: at most "
                    f"{MAX_GEOMETRY_NESTING} (MAX_GEOMETRY_NESTING)"
                ],
            )
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


def _collection_depth(geometry: object) -> int:
    """How deep GeometryCollections nest in a GeoJSON geometry (iterative, no recursion)."""
    deepest, todo = 0, [(geometry, 1)]
    while todo:
        node, depth = todo.pop()
        if isinstance(node, dict) and node.get("type") == "GeometryCollection":
            deepest = max(deepest, depth)
            if deepest > MAX_GEOMETRY_NESTING:
                return deepest
            children = node.get("geometries")
            if isinstance(children, list):
                todo.extend((child, depth + 1) for child in children)
    return deepest


# Only names; a path, a URL or WKT naming a file is not a CRS a layer needs.
_CRS_NAME = re.compile(
    r"^(EPSG:\d{1,6}|urn:ogc:def:crs:(EPSG::?\d{1,6}|OGC:1\.3:CRS84|OGC::CRS84))$",
    re.IGNORECASE,
)


def _crs_ok(text: str) -> bool:
    if not _CRS_NAME.match(text.strip()):
        return False
    try:
        CRS.from_user_input(text.strip())
    except ProjCRSError:
        return False
    return True


def _too_many_features(n: int) -> str:
    return f"{n:,} features; the limit is {MAX_FEATURES:,} (MAX_FEATURES)"


def _too_many_keys(n: int, prefix: str = "") -> str:
    return (
        f"{prefix}{n:,} distinct property names; the limit is {MAX_PROPERTY_KEYS:,} "
        "(MAX_PROPERTY_KEYS): only the geometry is used, so drop the attributes first"
    )


# --------------------------------------------------------------------------- KML

_XINCLUDE = "http://www.w3.org/2001/XInclude"


def _check_kml(data: bytes, label: str) -> None:
    """Refuse XML that is not plain KML.

    That is: another root element (e.g. a GDAL VRT document), a DOCTYPE or entity (external
    entities, billion laughs), XInclude, or a NetworkLink.
    """
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    state: dict[str, object] = {"root": None}
    names: set[str] = set()

    def refuse_doctype(*_: object) -> None:
        raise _Refused("a DOCTYPE (entity declarations) is not allowed in KML")

    def refuse_entity(*_: object) -> NoReturn:
        raise _Refused("entities are not allowed in KML")

    def start(name: str, attrs: dict[str, str]) -> None:
        uri, _, local = name.rpartition(" ")
        if state["root"] is None:
            state["root"] = local
            if local != "kml":
                raise _Refused(
                    f"an XML document whose root element is <{local[:40]}>, not "
                    f"<kml>; the content decides the format: allowed is {_FORMATS}"
                )
        if uri == _XINCLUDE:
            raise _Refused("XInclude is not allowed in KML")
        if local == "NetworkLink":
            raise _Refused(
                "a KML NetworkLink (a link to another file) is not followed; "
                "allowed: polygons in the file itself"
            )
        if local in ("Data", "SimpleData", "SimpleField") and "name" in attrs:
            names.add(attrs["name"])
            if len(names) > MAX_PROPERTY_KEYS:
                raise _Refused(_too_many_keys(len(names), "at least "))

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_entity
    parser.ExternalEntityRefHandler = refuse_entity
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise ValidationError(label, [str(exc)]) from exc
    except xml.parsers.expat.ExpatError as exc:
        raise ValidationError(
            label,
            [
                f"not well-formed XML (line {exc.lineno}, column {exc.offset}: "
                f"{xml.parsers.expat.ErrorString(exc.code)}); expected {_FORMATS}"
            ],
        ) from exc
    if state["root"] is None:
        raise ValidationError(label, [f"not a geospatial file; expected {_FORMATS}"])


# --------------------------------------------------------------------------- GeoPackage

_GPKG_APPLICATION_IDS = {0x47504B47, 0x47503130, 0x47503131}  # "GPKG", "GP10", "GP11"
# The triggers GeoPackage and GDAL write themselves (R-tree index, tile matrix checks,
# feature counts); they run only on writes, and the reader never writes.
_GPKG_TRIGGER = re.compile(
    r"^(rtree_\w+_(insert|update\d|delete)|gpkg_tile_matrix_\w+|gpkg_metadata_\w+"
    r"|trigger_(insert|delete)_feature_count_\w+)$"
)
_TRIGGER_CALLS = {
    "and",
    "or",
    "not",
    "in",
    "is",
    "lower",
    "raise",
    "values",
    "when",
    "where",
    "select",
    "exists",
    "st_isempty",
    "st_minx",
    "st_maxx",
    "st_miny",
    "st_maxy",
}
_SQL_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_SQL_DANGER = re.compile(
    r"load_extension|virtualogr|\bogr_\w+|spatialite|blobfromfile|blobtofile|readfile"
    r"|writefile|fts3_tokenizer|\bimport(shp|dbf|dxf|xls|wfs|geojson|zipshp)\b"
    r"|\bexport(shp|dbf|kml|geojson)\b|\bxb_(load|store)xml\b|\bgenerated\b",
    re.IGNORECASE,
)


def _check_gpkg(data: bytes, label: str) -> None:
    """Inspect a GeoPackage's schema with SQLite itself before GDAL opens it.

    Opened read-only and immutable from a private temporary copy, no extension loading,
    schema not trusted. Refused: a file without the GeoPackage application id, any view,
    any virtual table but the R-tree index (``VirtualOGR`` reads files and URLs), a trigger
    GeoPackage does not define itself, generated columns, and SQL naming functions that
    reach files or the network (spatialite's and GDAL's own).
    """
    with tempfile.TemporaryDirectory(prefix="tv-gpkg-") as tmp:
        path = Path(tmp) / "upload.gpkg"
        path.write_bytes(data)
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro&immutable=1"
        try:
            con = sqlite3.connect(uri, uri=True)
        except sqlite3.Error as exc:
            raise ValidationError(
                label, ["an SQLite file that cannot be opened; expected a GeoPackage"]
            ) from exc
        try:
            if hasattr(con, "enable_load_extension"):
                con.enable_load_extension(False)
            con.execute("PRAGMA trusted_schema = OFF")
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
            rows = con.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        except sqlite3.Error as exc:
            raise ValidationError(
                label,
                ["an SQLite file whose schema cannot be read (damaged?); expected a GeoPackage"],
            ) from exc
        finally:
            con.close()
    if app_id not in _GPKG_APPLICATION_IDS:
        raise ValidationError(
            label,
            [
                "an SQLite database that is not a GeoPackage (no "
                "GeoPackage application id); allowed: " + _FORMATS
            ],
        )
    problems = []
    for kind, name, sql in rows:
        sql = sql or ""
        shown = _short_name(name)
        if kind == "view":
            problems.append(f"view {shown}: views are not allowed in an uploaded GeoPackage")
        elif kind == "table" and re.match(r"\s*CREATE\s+VIRTUAL\s+TABLE", sql, re.IGNORECASE):
            module = re.search(r"\bUSING\s+(\w+)", sql, re.IGNORECASE)
            if not module or module.group(1).lower() != "rtree":
                problems.append(
                    f"table {shown}: a virtual table "
                    f"({_short_name(module.group(1) if module else '?')}) is not "
                    "allowed; only the R-tree spatial index"
                )
        elif kind == "trigger":
            calls = {c.lower() for c in _SQL_CALL.findall(sql)} - _TRIGGER_CALLS
            if not _GPKG_TRIGGER.match(name or "") or calls:
                problems.append(
                    f"trigger {shown}: triggers other than GeoPackage's own "
                    "(spatial index, feature count) are not allowed"
                )
        if _SQL_DANGER.search(sql):
            problems.append(
                f"{kind} {shown}: names a function or construct that is not "
                "allowed (extensions, files, generated columns)"
            )
    if problems:
        raise ValidationError(label, sorted(set(problems))[:10])


def _short_name(name: object) -> str:
    text = "".join(c for c in str(name) if c.isprintable())
    return repr(text if len(text) <= 40 else text[:37] + "...")


# --------------------------------------------------------------------------- reading


# GDAL's messages can quote the file (or, before this reader's checks, other files): the
# page says how many there were and of what kind, never their text.
_WARNING_KINDS = (
    ("geometry", re.compile(r"geometr|coordinate|ring|polygon|point", re.IGNORECASE)),
    ("attribute", re.compile(r"field|column|attribute|propert", re.IGNORECASE)),
    ("coordinate system", re.compile(r"crs|srs|projection|epsg", re.IGNORECASE)),
)


def _warning_note(messages: list[str]) -> str | None:
    if not messages:
        return None
    counts: dict[str, int] = {}
    for message in messages:
        kind = next((k for k, pattern in _WARNING_KINDS if pattern.search(message)), "other")
        counts[kind] = counts.get(kind, 0) + 1
    parts = ", ".join(
        f"{n} about {kind}" if kind != "other" else f"{n} other" for kind, n in counts.items()
    )
    noun = "warning" if len(messages) == 1 else "warnings"
    return (
        f"the reader gave {len(messages)} {noun} ({parts}); parts it could not read were left out"
    )


def _read_layers(data: bytes, driver: str, label: str, notes: list[str]) -> list[gpd.GeoDataFrame]:
    """Read the geometry (only) of every layer in the bytes (GeoPackages may have several)."""
    frames = []
    pyogrio.set_gdal_config_options(GDAL_CONFIG)
    options = {"PRELUDE_STATEMENTS": "PRAGMA trusted_schema = OFF"} if driver == "GPKG" else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # GDAL warns that in-memory GeoPackages lack the .gpkg extension; harmless.
        warnings.filterwarnings("ignore", message=".*non conformant file extension")
        # Layers by index: each BytesIO read gets a fresh in-memory name, so names don't carry.
        n_layers = len(pyogrio.list_layers(io.BytesIO(data)))
        for layer in range(n_layers):
            info = pyogrio.read_info(io.BytesIO(data), layer=layer, **options)
            # In a process where GDAL registered every driver (the command line), LIBKML
            # may read KML first; the content has been checked (no NetworkLink, no entity).
            if info.get("driver", driver) not in (driver, "LIBKML" if driver == "KML" else driver):
                raise ValidationError(
                    label,
                    [
                        f"the content was claimed by another reader than {driver}; allowed: "
                        + _FORMATS
                    ],
                )
            if info.get("features", 0) > MAX_FEATURES:
                raise ValidationError(label, [_too_many_features(info["features"])])
            if len(info.get("fields", ())) > MAX_PROPERTY_KEYS:
                raise ValidationError(label, [_too_many_keys(len(info["fields"]))])
            frame = pyogrio.read_dataframe(io.BytesIO(data), layer=layer, columns=[], **options)
            frames.append(frame[["geometry"]])
    note = _warning_note([str(w.message) for w in caught])
    if note:
        notes.append(note)
    return frames


def _parse(data: bytes, label: str, notes: list[str]) -> gpd.GeoDataFrame:
    """Read every polygon-bearing layer of the bytes into one GeoDataFrame in EPSG:4326."""
    if isinstance(data, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return _frame_of(data, label)
    driver = _sniff(data, label)
    frames = []
    try:
        frames = _read_layers(data, driver, label, notes)
    except ValidationError:
        raise
    except _READ_ERRORS as exc:
        # GDAL's own text is not shown (it can quote files); its kind is.
        kind = type(exc).__name__.replace("Error", " error").strip().lower()
        raise ValidationError(
            label,
            [
                f"cannot be read as {driver} (the reader stopped with a {kind}); allowed: a "
                f"valid {driver} file of polygons"
            ],
        ) from exc
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
            label, ["unreadable CRS; allowed: any CRS with an EPSG code"]
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
    return frame if frame.crs.equals(model.CRS_GEOGRAPHIC) else frame.to_crs(model.CRS_GEOGRAPHIC)


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


def _reduce(geom: shapely.MultiPolygon, label: str, notes: list[str]) -> shapely.MultiPolygon:
    """Simplify a layer over ``MAX_LAYER_VERTICES`` (or a ring over ``MAX_RING_VERTICES``).

    Visvalingam-Whyatt (``coverage_simplify``: no recursion, so no stack to overflow) with a
    tolerance from about 10 m up to ``MAX_SIMPLIFY_DEG`` (about 1 km); still over the caps
    then, the layer is refused. What the server receives is always within the caps.
    """
    total, largest = _bounds.vertex_counts(geom)
    if total <= MAX_LAYER_VERTICES and largest <= MAX_RING_VERTICES:
        return geom
    tolerance = _SIMPLIFY_START_DEG
    while True:
        simplified = shapely.coverage_simplify(np.array([geom], dtype=object), tolerance)
        polys = _polygon_parts(shapely.make_valid(simplified))
        reduced = shapely.MultiPolygon(list(polys))
        count, ring = _bounds.vertex_counts(reduced)
        if count <= MAX_LAYER_VERTICES and ring <= MAX_RING_VERTICES:
            notes.append(
                f"simplified from {total:,} to {count:,} vertices (tolerance about "
                f"{tolerance * 111_000:,.0f} m) to stay within "
                f"{MAX_LAYER_VERTICES:,} vertices, {MAX_RING_VERTICES:,} per ring"
            )
            return reduced
        if tolerance >= MAX_SIMPLIFY_DEG:
            raise ValidationError(
                label,
                [
                    f"the file was too complex: {total:,} vertices (largest ring {largest:,}) "
                    f"still {count:,} (ring {ring:,}) after simplifying by about "
                    f"{tolerance * 111_000:,.0f} m; allowed: at most {MAX_LAYER_VERTICES:,} "
                    f"vertices (MAX_LAYER_VERTICES), {MAX_RING_VERTICES:,} per ring "
                    "(MAX_RING_VERTICES)"
                ],
            )
        tolerance = min(tolerance * 4, MAX_SIMPLIFY_DEG)


def _reconcile(
    clipped: shapely.MultiPolygon, notes: list[str]
) -> tuple[shapely.MultiPolygon, reconcile_mod.Reconciliation]:
    """Fill the coast and border slivers of a clipped layer; note the rule and the km²."""
    geometry, result = reconcile_mod.reconcile_geographic(clipped)
    notes.append(result.note())
    return geometry, result


def _area_km2(geom: shapely.Geometry) -> float:
    # The equal-area projection every measurement uses (the same figure as a GeoSeries'
    # to_crs, without building one for each of the two areas of every layer read).
    from territory_viz.geography import to_equal_area

    return float(shapely.area(to_equal_area(geom))) / 1e6


def _valid_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))
