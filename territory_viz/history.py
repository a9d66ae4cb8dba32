"""Control over time: a history of dated control layers, its timeline, and what changed.

A **history** is an ordered set of days, each a control layer (territory under Russian
military control, de facto) of one date:

- the committed snapshots (``data/control/occupied-YYYY-MM-DD.geojson``);
- the days fetched into the user's cache (:func:`cache_dir`, ``deepstate/`` below it) by
  ``python -m territory_viz fetch deepstate`` (see :mod:`territory_viz.fetch`): single days,
  and the unified archive for the days no single-day file has;
- a multi-date file: the DeepStateMap unified archive ``deepstate-map-data.geojson.gz`` (a
  gzipped GeoJSON FeatureCollection, one Feature per day, properties ``id`` and ``date``),
  any GeoJSON or GeoPackage with a ``date`` column (several features per date are
  dissolved), or a folder or list of single-day files whose names carry the date
  (``deepstatemap_data_20251120.geojson``).

Every day goes through :func:`territory_viz.loaders.load_control_layer`, the path every
control layer takes (repair, dissolve, reconcile with Ukraine's outline), so a day of a
history and an uploaded layer of the same day are the same layer.

A multi-date file is **streamed**: features are cut out of the (decompressed) text one at a
time by a bounded scanner, so memory holds one day's geometry at a time. The result is an
**index** written to disk under :func:`cache_dir` and keyed by the file's content: per day,
its geometry read, repaired and clipped (WKB); on the day's first use, its geometry
reconciled with the outline and the km² under Russian control in total and per region.
Days whose geometry did not change share one stored geometry and are reconciled once.
Opening the same file again reads the index (milliseconds), and a day's layer is one
small file read, cached in memory (:data:`LAYER_CACHE_SIZE` days), so a date-slider step
costs little.

The API the page and the command line use::

    from territory_viz import history as H

    h = H.default_history()               # committed snapshots + the cache
    h = H.open_history("deepstate-map-data.geojson.gz")   # or a folder, a list, bytes
    h.dates()                             # ["2022-02-23", ..., "2025-08-15"]
    h.layer("2025-08-15")                 # a control layer, as load_control_layer returns
    h.nearest("2025-04-23", within_days=30)
    H.timeline(h, every="month")          # list of TimelineRow (to_dict(): the JSON rows)
    H.changes(h, "2025-01-01", "2025-08-15")   # Changes (to_dict(), geometry for a map)
    H.layer_for_date("2025-08-15")        # date -> layer over the default history

Numbers are km² in the equal-area CRS (:data:`territory_viz.model.CRS_EQUAL_AREA`), over the
regions of the committed data (:func:`territory_viz.geography.default_geography`).
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
import json
import os
import re
import tempfile
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import shapely

from territory_viz import model
from territory_viz._errors import ValidationError

__all__ = [
    "CACHE_ENV",
    "EVERY",
    "INDEX_VERSION",
    "INDEX_WORKERS",
    "LAYER_CACHE_SIZE",
    "MAX_DAYS",
    "MAX_FEATURE_BYTES",
    "MAX_HISTORY_BYTES",
    "MAX_PROBLEMS",
    "PROPOSAL_DAY_WITHIN_DAYS",
    "Changes",
    "Day",
    "DayStats",
    "History",
    "TimelineRow",
    "cache_dir",
    "changes",
    "date_from_name",
    "default_history",
    "deepstate_dir",
    "is_date",
    "is_multi_date",
    "layer_for_date",
    "open_history",
    "timeline",
]

#: Environment variable that moves the user cache (fetched days, indexes).
CACHE_ENV = "TERRITORY_VIZ_CACHE"
#: Largest multi-date file accepted, bytes, counted after decompression (the full
#: DeepStateMap archive is about 60 MB and grows by about 80 KB a day).
MAX_HISTORY_BYTES = 1024 * 1024 * 1024
#: Largest single feature of a multi-date file, bytes (one day of the archive: about 80 KB).
MAX_FEATURE_BYTES = 20 * 1024 * 1024
#: Most days one history may hold (the archive has about 770).
MAX_DAYS = 20_000
#: Problems collected before a bad file's ValidationError is raised.
MAX_PROBLEMS = 20
#: Days whose layer (and equal-area geometry) stay in memory.
LAYER_CACHE_SIZE = 16
#: Bumped whenever the index's content or the way days are reconciled changes.
INDEX_VERSION = "3"
#: Most processes that reconcile the days of a multi-date file in parallel.
INDEX_WORKERS = 2
#: Row spacings of :func:`timeline`.
EVERY = ("day", "week", "month")
#: A proposal is evaluated "on the line of its own date" when the history has a day at most
#: this many days from the proposal's ``as_of``.
PROPOSAL_DAY_WITHIN_DAYS = 30

_READ_CHUNK = 1 << 20
_DAY_NAME = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COMMITTED = "committed"
_CACHE = "cache"


# --------------------------------------------------------------------------- places


def cache_dir() -> Path:
    """Return the user cache: ``$TERRITORY_VIZ_CACHE``, else platformdirs' user cache."""
    override = os.environ.get(CACHE_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("territory_viz"))


def deepstate_dir() -> Path:
    """Where ``fetch deepstate`` keeps the days it downloaded (one file a day)."""
    return cache_dir() / "deepstate"


def _index_root() -> Path:
    return cache_dir() / "index"


def date_from_name(name: str) -> str | None:
    """Return the date a file name carries (``x_20251120.geojson``, ``x-2025-11-20``) or None."""
    found = _DAY_NAME.search(Path(name).name)
    if not found:
        return None
    text = "-".join(found.groups())
    return text if _valid_date(text) else None


def is_date(text: object) -> bool:
    """Tell whether ``text`` is an ISO calendar date (``YYYY-MM-DD``, a real day)."""
    return _valid_date(text)


def _valid_date(text: object) -> bool:
    if not isinstance(text, str) or not _ISO_DATE.match(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _check_date(value: object, what: str) -> str:
    """Return ``value`` if it is an ISO date, else raise naming ``what``."""
    if not _valid_date(value):
        raise ValidationError(what, [f"{str(value)[:40]!r} is not a date; allowed: YYYY-MM-DD"])
    return str(value)


# --------------------------------------------------------------------------- days


@dataclass(frozen=True)
class DayStats:
    """Area under Russian control on one day, km²: in total and per region (ISO code)."""

    occupied_km2: float
    by_region: dict[str, float]


@dataclass(frozen=True)
class Day:
    """One day of a history.

    Attributes
    ----------
    date
        ISO date.
    source
        ``committed`` (a snapshot under ``data/control``), ``cache`` (fetched) or the file
        the day comes from.
    layer_id
        Id of the layer :meth:`History.layer` returns (``occupied-2025-08-15``...).
    """

    date: str
    source: str
    layer_id: str
    _ref: Any = field(default=None, repr=False, compare=False)


class History:
    """An ordered set of days, at most one per date (see the module docstring).

    Build one with :func:`default_history` or :func:`open_history`; a History is read-only
    and safe to share between threads.
    """

    def __init__(self, days: Iterable[Day], *, label: str = "history") -> None:
        ordered = sorted(days, key=lambda d: d.date)
        self.label = label
        self.days: tuple[Day, ...] = tuple(ordered)
        self._by_date = {d.date: d for d in self.days}

    def __len__(self) -> int:
        return len(self.days)

    def __repr__(self) -> str:
        span = f"{self.days[0].date}..{self.days[-1].date}" if self.days else "empty"
        return f"History({self.label!r}, {len(self.days)} days, {span})"

    def dates(self) -> list[str]:
        """Return the history's dates, oldest first (ISO strings)."""
        return [d.date for d in self.days]

    def day(self, date: str) -> Day:
        """Return the day of ``date``.

        Raises
        ------
        ValidationError
            If ``date`` is not a date or the history has no such day (the message names
            the nearest days and the history's span).
        """
        date = _check_date(date, "--date")
        hit = self._by_date.get(date)
        if hit is not None:
            return hit
        if not self.days:
            raise ValidationError(self.label, [f"no day {date}: the history is empty"])
        before = [d.date for d in self.days if d.date < date][-1:]
        after = [d.date for d in self.days if d.date > date][:1]
        near = " and ".join(before + after)
        raise ValidationError(
            self.label,
            [
                f"no day {date} (the history has {len(self.days)} days, "
                f"{self.days[0].date} to {self.days[-1].date}; nearest: {near})"
            ],
        )

    def nearest(self, date: str, *, within_days: int | None = None) -> str | None:
        """Return the history's date closest to ``date`` (the earlier on a tie), or None.

        Parameters
        ----------
        date
            ISO date.
        within_days
            Return None when the closest day is further away than this.
        """
        target = dt.date.fromisoformat(_check_date(date, "date"))
        best: tuple[int, str] | None = None
        for d in self.days:
            gap = abs((dt.date.fromisoformat(d.date) - target).days)
            if best is None or gap < best[0]:
                best = (gap, d.date)
        if best is None or (within_days is not None and best[0] > within_days):
            return None
        return best[1]

    def stats(self, date: str) -> DayStats:
        """km² under Russian control on ``date``, in total and per region (from the index)."""
        return _day_stats(self.day(date))

    def layer(self, date: str) -> gpd.GeoDataFrame:
        """Return the control layer of ``date``: ``id``, ``date``, a MultiPolygon (EPSG:4326).

        The same shape as :func:`territory_viz.loaders.load_control_layer` returns, so it
        can be given as the ``baseline`` of any scenario evaluation. Cached
        (:data:`LAYER_CACHE_SIZE` days); do not mutate.
        """
        return _day_layer(self.day(date))

    def latest(self) -> str | None:
        """Return the newest date, or None for an empty history."""
        return self.days[-1].date if self.days else None

    def proposal_day(self, as_of: str) -> str | None:
        """Return the day closest to a proposal's date ``as_of``, or None.

        None when no day is within :data:`PROPOSAL_DAY_WITHIN_DAYS` of it.
        """
        return self.nearest(as_of, within_days=PROPOSAL_DAY_WITHIN_DAYS)

    @functools.cached_property
    def key(self) -> str:
        """Return a content key of the history: two histories of the same days share it.

        A day is named by where its layer comes from (the committed snapshot's id, or the
        content key of the indexed file and the date), so a cache keyed by it never serves
        one file's day for another's.
        """
        digest = hashlib.sha256()
        for day in self.days:
            digest.update("\0".join((day.date, *_day_key(day))).encode())
            digest.update(b"\n")
        return digest.hexdigest()[:24]

    def is_committed(self, date: str) -> bool:
        """Tell whether the day of ``date`` is a committed snapshot (its id: ``layer_id``)."""
        return self.day(date).source == _COMMITTED


# --------------------------------------------------------------------------- measuring


def _geography() -> Any:
    from territory_viz import geography as G

    return G.default_geography()


def _region_tree() -> tuple[Any, np.ndarray, np.ndarray]:
    return _region_tree_cached()


@functools.cache
def _region_tree_cached() -> tuple[Any, np.ndarray, np.ndarray]:
    geo = _geography()
    geoms = np.asarray(geo.region_geoms, dtype=object)
    shapely.prepare(geoms)
    return shapely.STRtree(geoms), geoms, np.asarray(geo.iso_codes)


def _equal_area(geom: Any) -> Any:
    from territory_viz import geography as G

    projected = G.to_equal_area(geom)
    if not shapely.is_valid(projected):
        # Projecting can make nearly touching rings cross by nanometres ("side location
        # conflict" in the overlays that measure it): repair, keep the polygons.
        projected = G.polygonal(shapely.make_valid(projected))
    return projected


def _by_region(geom_ea: Any) -> dict[str, float]:
    """km² of an equal-area geometry in each region it touches (regions sorted by code)."""
    if geom_ea is None or shapely.is_empty(geom_ea):
        return {}
    tree, geoms, codes = _region_tree()
    hits = np.sort(tree.query(geom_ea, predicate="intersects"))
    if len(hits) == 0:
        return {}
    areas_km2 = shapely.area(shapely.intersection(geoms[hits], geom_ea)) / 1e6
    return {
        str(codes[i]): round(float(a), 3)
        for i, a in zip(hits, areas_km2, strict=True)
        if a > 0.0005
    }


def _measure(layer: gpd.GeoDataFrame) -> DayStats:
    geoms = np.asarray(layer.geometry.values)
    geom = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
    by_region = _by_region(_equal_area(geom))
    return DayStats(round(sum(by_region.values()), 3), by_region)


# --------------------------------------------------------------------------- committed


def _committed_days() -> list[Day]:
    from territory_viz import datasets

    days = []
    for sid in datasets.snapshot_ids():
        date = sid.removeprefix("occupied-")
        if _valid_date(date):
            days.append(Day(date, _COMMITTED, sid, sid))
    return days


# --------------------------------------------------------------------------- day cache

_layer_lock = threading.Lock()
_layers: OrderedDict[tuple[str, str], gpd.GeoDataFrame] = OrderedDict()
_stats_memo: dict[tuple[str, str], DayStats] = {}
_default_memo: dict[tuple[Any, ...], History] = {}


def _remember(key: tuple[str, str], layer: gpd.GeoDataFrame) -> None:
    with _layer_lock:
        _layers[key] = layer
        _layers.move_to_end(key)
        while len(_layers) > LAYER_CACHE_SIZE:
            _layers.popitem(last=False)


def _cached_layer(key: tuple[str, str]) -> gpd.GeoDataFrame | None:
    with _layer_lock:
        hit = _layers.get(key)
        if hit is not None:
            _layers.move_to_end(key)
        return hit


def clear_caches() -> None:
    """Forget the days held in memory (after the cache folder changed, or in tests)."""
    with _layer_lock:
        _layers.clear()
        _stats_memo.clear()
        _default_memo.clear()
    _ea_cached.cache_clear()


def _day_key(day: Day) -> tuple[str, str]:
    if day.source == _COMMITTED:
        return ("committed", day.layer_id)
    index: _Index = day._ref
    return (index.key, day.date)


def _day_layer(day: Day) -> gpd.GeoDataFrame:
    key = _day_key(day)
    hit = _cached_layer(key)
    if hit is not None and day.source != _COMMITTED and hit.attrs.get("source") != day.source:
        # The same content under another origin (a user's copy of a fetched day): the same
        # geometry, but its own id and source.
        named = gpd.GeoDataFrame(
            {"id": [day.layer_id], "date": [day.date]}, geometry=hit.geometry.values, crs=hit.crs
        )
        named.attrs.update(hit.attrs, source=day.source)
        return named
    if hit is not None:
        return hit
    if day.source == _COMMITTED:
        from territory_viz import datasets

        layer = datasets.load_snapshot(day.layer_id)
    else:
        index: _Index = day._ref
        geom = index.geometry(day.date)
        layer = gpd.GeoDataFrame(
            {"id": [day.layer_id], "date": [day.date]}, geometry=[geom], crs=model.CRS_GEOGRAPHIC
        )
        layer.attrs["source"] = day.source
        layer.attrs["notes"] = list(index.reconciled(day.date).get("notes", []))
    _remember(key, layer)
    return layer


def _day_stats(day: Day) -> DayStats:
    if day.source != _COMMITTED:
        entry = day._ref.reconciled(day.date)
        return DayStats(float(entry["occupied_km2"]), dict(entry["by_region"]))
    key = _day_key(day)
    hit = _stats_memo.get(key)
    if hit is None:
        hit = _measure(_day_layer(day))
        _stats_memo[key] = hit
    return hit


@functools.lru_cache(maxsize=LAYER_CACHE_SIZE)
def _ea_cached(key: tuple[str, str], layer_ref: int) -> Any:
    layer = _cached_layer(key)
    if layer is None:
        raise KeyError(key)  # callers cache the layer before asking for its geometry
    geoms = np.asarray(layer.geometry.values)
    geom = _equal_area(geoms[0] if len(geoms) == 1 else shapely.union_all(geoms))
    shapely.prepare(geom)
    return geom


def _day_equal_area(day: Day) -> Any:
    layer = _day_layer(day)
    return _ea_cached(_day_key(day), id(layer))


# --------------------------------------------------------------------------- the index


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@functools.cache
def _index_salt() -> str:
    """Return what besides the file makes an index: its version, outline and reconciling code.

    The regions' file and the source of the modules a day passes through (reading,
    repairing, clipping, reconciling, measuring): a change to any of them makes new indexes
    instead of serving figures made the old way.
    """
    digest = hashlib.sha256(INDEX_VERSION.encode())
    package = Path(__file__).resolve().parent
    for path in (
        model.DATA_DIR / "regions.geojson",
        package / "loaders.py",
        package / "reconcile.py",
        package / "history.py",
    ):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _content_key(path: Path) -> str:
    """SHA-256 of the file's bytes (and the index salt), memoised by path, size and mtime."""
    st = path.stat()
    stamp = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{_index_salt()}"
    memo = _index_root() / "by-stat" / hashlib.sha256(stamp.encode()).hexdigest()[:32]
    try:
        known = memo.read_text(encoding="ascii").strip()
        if re.fullmatch(r"[0-9a-f]{64}", known):
            return known
    except OSError:
        pass
    digest = hashlib.sha256(_index_salt().encode())
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_READ_CHUNK), b""):
            digest.update(chunk)
    key = digest.hexdigest()
    try:
        _atomic_write(memo, key.encode("ascii"))
    except OSError:
        pass  # a read-only cache still works, it only hashes again
    return key


class _Index:
    """The on-disk index of one file: per day its figures and its geometry.

    Each day is stored read, repaired and clipped (its entry in ``index.json``, its geometry
    in ``GEOM.wkb``); its reconciled geometry and figures (``GEOM.r.wkb``, ``GEOM.r.json``)
    are made on the day's first use, or for every day at once with
    ``open_history(..., reconcile_now=True)``. ``GEOM`` (the entry's ``geom``) is the first
    date whose clipped geometry is byte for byte the same: days that did not change share
    their files, and are reconciled once. ``build=False``: no geometry work here (an index
    a sandboxed child wrote); a day not reconciled there is an error.
    """

    def __init__(
        self,
        key: str,
        folder: Path,
        label: str,
        entries: list[dict[str, Any]],
        build: bool = True,
    ):
        self.key = key
        self.folder = folder
        self.label = label
        self.build = build
        self.entries = {e["date"]: e for e in entries}
        self._reconciled: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def entry(self, date: str) -> dict[str, Any]:
        """Return the reconciled figures of a day (``occupied_km2``, ``by_region``, ``notes``)."""
        return self.reconciled(date)

    def geom(self, date: str) -> str:
        """Return the name of the stored geometry of a day (shared by identical days)."""
        return str(self.entries[date].get("geom", date))

    def _stored(self, date: str) -> dict[str, Any] | None:
        geom = self.geom(date)
        try:
            doc = json.loads((self.folder / "days" / f"{geom}.r.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return doc if isinstance(doc, dict) and doc.get("geom") == geom else None

    def is_reconciled(self, date: str) -> bool:
        return date in self._reconciled or self._stored(date) is not None

    def remember(self, date: str, entry: dict[str, Any]) -> dict[str, Any]:
        notes = [*self.entries[date].get("notes", []), *entry.get("notes", [])][:6]
        full = {**entry, "date": date, "notes": notes}
        with self._lock:
            self._reconciled[date] = full
        return full

    def reconciled(self, date: str) -> dict[str, Any]:
        hit = self._reconciled.get(date)
        if hit is not None:
            return hit
        stored = self._stored(date)
        if stored is None:
            if not self.build:
                raise ValidationError(
                    self.label,
                    [f"day {date} is not reconciled yet; open the file with build=True first"],
                )
            stored = _reconcile_stored(str(self.folder), self.geom(date))
        return self.remember(date, stored)

    def geometry(self, date: str) -> Any:
        self.reconciled(date)
        path = self.folder / "days" / f"{self.geom(date)}.r.wkb"
        try:
            return shapely.from_wkb(path.read_bytes())
        except (OSError, shapely.errors.ShapelyError) as exc:
            raise ValidationError(
                self.label,
                [
                    f"the index of day {date} is unreadable ({exc}); delete {self.folder} "
                    "and open the file again"
                ],
            ) from exc


def _load_index(path: Path, label: str, build: bool = True) -> _Index:
    key = _content_key(path)
    named = date_from_name(path.name)
    if named is not None:
        # A single-day file's date is its name's: two days whose files are byte for byte
        # the same (the line did not move) are two indexes, not one day under two names.
        key = hashlib.sha256(f"{key}|{named}".encode()).hexdigest()
    folder = _index_root() / key[:32]
    meta = folder / "index.json"
    try:
        doc = json.loads(meta.read_text(encoding="utf-8"))
        if doc.get("version") == INDEX_VERSION and doc.get("key") == key:
            return _Index(key, folder, label, doc["days"], build)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if not build:
        raise ValidationError(
            label,
            ["not indexed yet: open it with build=True first (in a child process for an upload)"],
        )
    entries = _shared_geometries(folder, _build_index(path, label, folder))
    doc = {"version": INDEX_VERSION, "key": key, "source": Path(label).name, "days": entries}
    _atomic_write(meta, json.dumps(doc, separators=(",", ":")).encode("utf-8"))
    return _Index(key, folder, label, entries, build)


def _store_day(folder: Path, date: str, layer: gpd.GeoDataFrame) -> dict[str, Any]:
    """Write a read and clipped day's geometry; return its index entry (date, notes).

    Not measured here: every figure is the reconciled day's (:func:`_reconcile_stored`).
    The entry's ``sha`` (of the geometry's WKB) lets :func:`_shared_geometries` find the
    days that did not change.
    """
    wkb = shapely.to_wkb(layer.geometry.iloc[0])
    _atomic_write(folder / "days" / f"{date}.wkb", wkb)
    return {
        "date": date,
        "geom": date,
        "sha": hashlib.sha256(wkb).hexdigest(),
        "notes": list(layer.attrs.get("notes", []))[:5],
    }


def _shared_geometries(folder: Path, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Point the days whose stored geometry is the same (the same WKB) at one file.

    The earliest such day's: its reconciled geometry and figures are then made once for
    all of them, and the other copies are deleted. Returns the entries (without ``sha``).
    """
    first: dict[str, str] = {}
    out = []
    for entry in sorted(entries, key=lambda e: e["date"]):
        entry = dict(entry)
        sha = entry.pop("sha", None)
        own = entry.get("geom", entry["date"])
        if sha is not None:
            shared = first.setdefault(sha, own)
            if shared != own:
                (folder / "days" / f"{own}.wkb").unlink(missing_ok=True)
            entry["geom"] = shared
        out.append(entry)
    return out


def _read_day(data: bytes | gpd.GeoSeries, label: str, date: str) -> gpd.GeoDataFrame:
    """One day's features read, repaired, dissolved and clipped (the loader's path).

    Reconciling with the outline, the costly step (about a second a day), is left to the
    day's first use (:meth:`_Index.reconciled`), so that indexing a whole archive stays fast.
    """
    from territory_viz.loaders import load_control_layer

    return load_control_layer(data, filename=label, date=date, reconcile=False)


def _reconcile_stored(folder: str, date: str) -> dict[str, Any]:
    """Reconcile one stored day with the outline; write its geometry and figures beside it.

    ``date`` names the stored geometry (the entry's ``geom``: the first of the days that
    share it). Runs inline or in a worker process (returns the figures, which cross the
    boundary).
    """
    from territory_viz import reconcile as R

    days = Path(folder) / "days"
    geom = shapely.from_wkb((days / f"{date}.wkb").read_bytes())
    merged, result = R.reconcile_geographic(geom)
    layer = gpd.GeoDataFrame({"date": [date]}, geometry=[merged], crs=model.CRS_GEOGRAPHIC)
    stats = _measure(layer)
    _atomic_write(days / f"{date}.r.wkb", shapely.to_wkb(merged))
    entry = {
        "geom": date,
        "occupied_km2": stats.occupied_km2,
        "by_region": stats.by_region,
        "notes": [result.note()],
    }
    _atomic_write(days / f"{date}.r.json", json.dumps(entry, separators=(",", ":")).encode())
    return entry


def _reconcile_many(index: _Index, dates: Sequence[str]) -> None:
    """Reconcile the days of ``dates`` not reconciled yet, in worker processes if allowed."""
    missing = [d for d in dates if not index.is_reconciled(d)]
    if not missing:
        return
    if not index.build:
        index.reconciled(missing[0])  # raises: no geometry work on this index here
    geoms = list(dict.fromkeys(index.geom(d) for d in missing))  # days that differ, once
    workers = _index_workers()
    if workers == 1 or len(geoms) <= _INLINE_DAYS:
        for date in missing:
            index.reconciled(date)  # a day sharing an earlier one's geometry reads it
        return
    import concurrent.futures
    import multiprocessing

    from territory_viz import datasets

    _region_tree()  # loaded once here, inherited by the forked workers
    datasets.ukraine_outline()
    datasets.ukraine_outline(equal_area=True)
    with concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork")
    ) as pool:
        done = dict(
            zip(
                geoms,
                pool.map(_reconcile_stored, [str(index.folder)] * len(geoms), geoms),
                strict=True,
            )
        )
    for date in missing:
        index.remember(date, done[index.geom(date)])


def _build_index(path: Path, label: str, folder: Path) -> list[dict[str, Any]]:
    kind = _sniff(path, label)
    if kind == "gpkg":
        return _index_gpkg(path, label, folder)
    if kind == "single":
        date = date_from_name(path.name)
        layer = _read_day(path.read_bytes(), label, date or "")
        return [_store_day(folder, date or "", layer)]
    return _index_geojson(path, label, folder)


def _sniff(path: Path, label: str) -> str:
    """``gpkg``, ``geojson`` (multi-date, maybe gzipped) or ``single`` (one dated day)."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"\x1f\x8b"):
        return "geojson"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return "single" if _is_single_day(path, label) else "geojson"
    raise ValidationError(
        label,
        [
            "not a history file; allowed: the DeepStateMap archive (.geojson.gz), GeoJSON or "
            "GeoPackage with a date column, or single-day files named with their date"
        ],
    )


def _is_single_day(path: Path, label: str) -> bool:
    """Tell whether a file is named with its date and holds one day (no ``date`` property).

    A lone Feature or geometry, or a FeatureCollection whose first feature has no ``date``
    property (the daily files of the DeepStateMap archive).
    """
    if date_from_name(path.name) is None:
        return False
    with _open_stream(path) as stream:
        try:
            for raw in _iter_features(stream, label):
                props = json.loads(raw).get("properties")
                return not (isinstance(props, dict) and "date" in props)
        except ValidationError:
            return True  # not a FeatureCollection: load_control_layer says what it is
        except (ValueError, AttributeError):
            return False  # the multi-date reader names the bad feature
    return False


def is_multi_date(path: str | Path) -> bool:
    """Tell whether a file holds more than one date (so it is a history, not one layer).

    True for a gzipped file (the DeepStateMap archive), a GeoJSON whose features carry two or
    more distinct ``date`` values, or a GeoPackage layer with two or more in its ``date``
    column. Only the date properties are read (no geometry); a file that cannot be read that
    far is not multi-date (the single-layer reader then says what is wrong with it).
    """
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(b"\x1f\x8b"):
        return True
    seen: set[str] = set()
    try:
        if head.startswith(b"SQLite format 3\x00"):
            import pyogrio

            for name, _ in pyogrio.list_layers(path):
                if "date" in list(pyogrio.read_info(path, layer=name)["fields"]):
                    table = pyogrio.read_dataframe(
                        path, layer=name, columns=["date"], read_geometry=False
                    )
                    return table["date"].astype(str).nunique() > 1
            return False
        if not _mentions_date(path):
            return False  # no "date" key anywhere: not worth scanning
        with _open_stream(path) as stream:
            for raw in _iter_features(stream, str(path)):
                props = json.loads(raw).get("properties")
                if isinstance(props, dict) and "date" in props:
                    seen.add(str(props["date"])[:40])
                    if len(seen) > 1:
                        return True
    except Exception:  # noqa: BLE001 - unreadable this far: the single-layer reader says why
        return False
    return False


def _mentions_date(path: Path) -> bool:
    """Tell whether the bytes ``"date"`` occur in a (plain) file, read in chunks."""
    tail = b""
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_READ_CHUNK), b""):
            if b'"date"' in tail + chunk:
                return True
            tail = chunk[-5:]
    return False


# --------------------------------------------------------------------------- streaming

_STRUCT = re.compile(rb'[{}\[\]"]')
_BRACES = re.compile(rb'[{}"]')
_STRING_END = re.compile(rb'(?:[^"\\]|\\.)*"', re.DOTALL)
_SPACE = re.compile(rb"[ \t\r\n]*")


class _Reader:
    """A bounded byte buffer over a (decompressed) stream, counting what it has read.

    ``pos`` marks what is consumed; the unconsumed part never exceeds ``MAX_FEATURE_BYTES``
    plus one read, so a feature (or any top-level value) larger than that is refused.
    """

    def __init__(self, stream: IO[bytes], label: str, limit: int) -> None:
        self.stream = stream
        self.label = label
        self.limit = limit
        self.buf = b""
        self.pos = 0
        self.total = 0
        self.eof = False

    def more(self) -> bool:
        """Read another chunk (dropping what was consumed); False at the end of the stream.

        Positions held by callers shift by the old ``pos``: callers keep offsets relative to
        ``pos`` across a call.
        """
        if self.eof:
            return False
        if len(self.buf) - self.pos > MAX_FEATURE_BYTES:
            raise ValidationError(self.label, [_too_large_feature()])
        try:
            chunk = self.stream.read(_READ_CHUNK)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValidationError(self.label, [f"cannot be decompressed ({exc})"]) from exc
        if not chunk:
            self.eof = True
            return False
        self.total += len(chunk)
        if self.total > self.limit:
            raise ValidationError(
                self.label,
                [
                    f"more than {self.limit // 1024 // 1024:,} MB once decompressed; the limit is "
                    "MAX_HISTORY_BYTES"
                ],
            )
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def string_end(self, start: int) -> tuple[int, int]:
        """Return where a string's content starts and just past its closing quote.

        ``start`` is where the content starts now; both indexes are into the buffer as it
        is on return (reading on may have shifted it).
        """
        while True:
            m = _STRING_END.match(self.buf, start)
            if m:
                return start, m.end()
            keep = start - self.pos
            if not self.more():
                raise ValidationError(self.label, ["not valid JSON (unterminated string)"])
            start = self.pos + keep

    def search(self, pattern: re.Pattern[bytes], start: int) -> re.Match[bytes] | None:
        """Return the next match of ``pattern`` at or after ``start``, reading on as needed."""
        while True:
            m = pattern.search(self.buf, start)
            if m:
                return m
            keep = len(self.buf) - self.pos
            if not self.more():
                return None
            start = self.pos + keep

    def peek(self, start: int) -> tuple[bytes, int]:
        """Return the next non-blank byte at or after ``start`` and its index (b"" at the end)."""
        while True:
            blank = _SPACE.match(self.buf, start)  # matches the empty string too
            at = blank.end() if blank else start
            if at < len(self.buf):
                return self.buf[at : at + 1], at
            keep = at - self.pos
            if not self.more():
                return b"", at
            start = self.pos + keep


def _too_large_feature() -> str:
    return (
        f"a feature larger than {MAX_FEATURE_BYTES / 1024 / 1024:g} MB; the limit is "
        "MAX_FEATURE_BYTES (one day of the DeepStateMap archive is about 80 KB)"
    )


def _iter_features(stream: IO[bytes], label: str) -> Iterator[bytes]:
    """Yield the raw bytes of each Feature of a FeatureCollection, one at a time.

    Only the structure outside the features is tracked (the top-level object's keys, the
    ``features`` array); inside a feature only braces and strings count, so coordinates are
    skipped by a regular-expression search and never become Python objects here.
    """
    r = _Reader(stream, label, MAX_HISTORY_BYTES)
    r.more()
    first, pos = r.peek(3 if r.buf.startswith(b"\xef\xbb\xbf") else 0)
    if first != b"{":
        raise ValidationError(
            label, ["not a GeoJSON FeatureCollection (the file does not start with an object)"]
        )
    depth, pos, key, doc_type, found = 1, pos + 1, None, None, False
    while True:
        r.pos = pos  # everything before pos is consumed
        m = r.search(_STRUCT, pos)
        if m is None:
            break
        tok, pos = m.group(), m.end()
        if tok == b'"':
            pos, end = r.string_end(pos)
            text = r.buf[pos : end - 1]
            nxt, after = r.peek(end)
            if depth == 1 and nxt == b":":
                key = text
            elif depth == 1 and key == b"type":
                doc_type = text
            pos = after
            continue
        if tok in (b"{", b"["):
            if depth == 1 and tok == b"[" and key == b"features":
                found = True
                r.pos = pos
                yield from _features_array(r, label)
                pos, key = r.pos, None
                continue
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                break
    if doc_type is not None and doc_type != b"FeatureCollection":
        raise ValidationError(
            label,
            [
                f"a GeoJSON {doc_type.decode('utf-8', 'replace')[:30]}, not a FeatureCollection; "
                "a multi-date file is a FeatureCollection of dated features"
            ],
        )
    if not found:
        raise ValidationError(label, ['FeatureCollection without a "features" list'])


def _features_array(r: _Reader, label: str) -> Iterator[bytes]:
    """Yield the features of the array starting at ``r.pos``; leave ``r.pos`` past its end."""
    pos = r.pos
    while True:
        ch, pos = r.peek(pos)
        if ch == b",":
            pos += 1
            ch, pos = r.peek(pos)
        if ch == b"]":
            r.pos = pos + 1
            return
        if ch != b"{":
            shown = ch.decode("utf-8", "replace") if ch else "the end of the file"
            raise ValidationError(
                label,
                [
                    f"not valid JSON: the features list holds {shown!r} where a Feature object "
                    "was expected"
                ],
            )
        r.pos = pos  # keep the feature's start in the buffer
        depth, scan = 0, pos
        while True:
            m = r.search(_BRACES, scan)
            if m is None:
                raise ValidationError(label, ["not valid JSON (a feature never ends)"])
            tok, scan = m.group(), m.end()
            if tok == b'"':
                scan = r.string_end(scan)[1]
            elif tok == b"{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    break
        if scan - r.pos > MAX_FEATURE_BYTES:
            raise ValidationError(label, [_too_large_feature()])
        feature = r.buf[r.pos : scan]
        r.pos = pos = scan
        yield feature


def _open_stream(path: Path) -> IO[bytes]:
    """Open the file for reading, decompressing it if it is gzipped; closing it closes the file.

    (A ``GzipFile`` over a handle of ours would leave that handle open when closed.)
    """
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    if gzipped:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


_POLYGONAL = ("Polygon", "MultiPolygon")


def _day_from_parts(
    folder: str, label: str, date: str, parts: list[bytes], merge: str | None = None
) -> tuple[str, Any]:
    """Read, clip, measure and store one date's features: ("ok", entry) or ("bad", problems).

    ``merge`` names a stored geometry to add (the date came back later in the file: what
    is stored for it). Runs in an index worker process or inline; returns rather than
    raises so that the result crosses a process boundary.
    """
    try:
        geoms = [shapely.from_geojson(raw) for raw in parts]
    except shapely.errors.ShapelyError as exc:
        return "bad", [f"date {date}: unreadable geometry ({str(exc)[:120]})"]
    if merge is not None:
        geoms.append(shapely.from_wkb((Path(folder) / "days" / f"{merge}.wkb").read_bytes()))
    frame = gpd.GeoSeries(geoms, crs=model.CRS_GEOGRAPHIC)
    try:
        layer = _read_day(frame, f"{label} ({date})", date)
    except ValidationError as exc:
        return "bad", [f"date {date}: {p}" for p in exc.problems]
    return "ok", _store_day(Path(folder), date, layer)


def _index_workers() -> int:
    """Return how many processes reconcile days: the CPUs, at most :data:`INDEX_WORKERS`.

    One (inline) in a process with other threads running (a server): forking one is unsafe.
    """
    if INDEX_WORKERS <= 1 or threading.active_count() > 1 or os.name != "posix":
        return 1
    return max(1, min(INDEX_WORKERS, len(os.sched_getaffinity(0))))


#: Days reconciled inline before a pool is started (a short file is not worth the fork).
_INLINE_DAYS = 8


class _Days:
    """Runs :func:`_day_from_parts` for each date, inline or in a bounded pool of processes.

    A date whose features are those of the date before (the same parsed GeoJSON: a day the
    line did not move) is not read again: it takes that date's entry and stored geometry.
    """

    def __init__(self, folder: Path, label: str, problems: list[str]) -> None:
        self.folder, self.label, self.problems = str(folder), label, problems
        self.entries: dict[str, dict[str, Any]] = {}
        self.workers = _index_workers()
        self.pool: Any = None
        self.pending: list[Any] = []
        self.late: dict[str, list[bytes]] = {}
        self.submitted: set[str] = set()
        #: date -> (the earlier date it repeats, its features), resolved in finish()
        self.repeats: dict[str, tuple[str, list[bytes]]] = {}

    def add(self, date: str, parts: list[bytes], same_as: str | None = None) -> None:
        """Index the features of ``date``; ``same_as``: an earlier date with the same ones."""
        if date in self.submitted:  # not contiguous: merged once the first part is stored
            self.late.setdefault(date, []).extend(parts)
            return
        self.submitted.add(date)
        if same_as is not None and same_as in self.submitted and same_as not in self.late:
            self.repeats[date] = (self.repeats.get(same_as, (same_as, parts))[0], parts)
            return
        if self.workers == 1 or len(self.submitted) <= _INLINE_DAYS:
            self._take(_day_from_parts(self.folder, self.label, date, parts))
            return
        if self.pool is None:
            import concurrent.futures
            import multiprocessing

            from territory_viz import datasets

            _region_tree()  # loaded once here, inherited by the forked workers
            datasets.ukraine_outline()
            self.pool = concurrent.futures.ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("fork")
            )
        self.pending.append(self.pool.submit(_day_from_parts, self.folder, self.label, date, parts))
        while len(self.pending) > 2 * self.workers:  # bounded: a few days in flight
            self._take(self.pending.pop(0).result())

    def _take(self, result: tuple[str, Any]) -> None:
        kind, value = result
        if kind == "ok":
            self.entries[value["date"]] = value
        else:
            self.problems.extend(value)

    def finish(self) -> dict[str, dict[str, Any]]:
        for future in self.pending:
            self._take(future.result())
        self.pending = []
        self.close()
        for date, (first, parts) in self.repeats.items():
            if first in self.late:  # that date gained features later: not the same any more
                self._take(_day_from_parts(self.folder, self.label, date, parts))
            elif first in self.entries:
                self.entries[date] = {**self.entries[first], "date": date}
        for date, parts in self.late.items():
            if date in self.entries and not self.problems:
                stored = self.entries[date]["geom"]
                self._take(_day_from_parts(self.folder, self.label, date, parts, stored))
        return self.entries

    def close(self) -> None:
        if self.pool is not None:
            for future in self.pending:
                future.cancel()
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _index_geojson(path: Path, label: str, folder: Path) -> list[dict[str, Any]]:
    """Stream a multi-date GeoJSON file and index it day by day.

    Features of one date are dissolved; the archive's own shape (an integer ``id`` on each
    feature) allows one feature per date. The features of a date are usually contiguous:
    a date seen again later is merged with what was stored for it. Days are read and
    clipped in up to :data:`INDEX_WORKERS` processes, a few days in flight at a time; a date
    whose geometries are those of the date before is not read again.
    """
    problems: list[str] = []
    ids: dict[int, int] = {}
    dated_by_id: dict[str, tuple[int, int]] = {}
    group: list[bytes] = []
    group_geoms: list[Any] = []
    group_date: str | None = None
    before: tuple[str | None, list[Any]] = (None, [])  # the date added last, its geometries

    def close_group() -> None:
        nonlocal before
        assert group_date is not None
        days.add(group_date, group, same_as=before[0] if group_geoms == before[1] else None)
        before = (group_date, group_geoms)

    days = _Days(folder, label, problems)
    n = 0
    try:
        with _open_stream(path) as stream:
            for raw in _iter_features(stream, label):
                n += 1
                where = f"feature #{n}"
                try:
                    feature = json.loads(raw)
                except (ValueError, RecursionError) as exc:
                    problems.append(f"{where}: not valid JSON ({str(exc)[:80]})")
                    feature = None
                if not isinstance(feature, dict):
                    if feature is not None:
                        problems.append(f"{where}: not a GeoJSON Feature object")
                else:
                    date = _feature_date(feature, where, path, problems)
                    _check_feature(feature, where, date, problems)
                    fid = (feature.get("properties") or {}).get("id")
                    if isinstance(fid, int) and not isinstance(fid, bool):
                        if fid in ids:
                            problems.append(
                                f"{where}: duplicate id {fid} (also feature "
                                f"#{ids[fid]}); each feature's id is unique"
                            )
                        ids[fid] = n
                        if date and date in dated_by_id:
                            other_n, other_id = dated_by_id[date]
                            problems.append(
                                f"{where}: duplicate date {date} (also feature #{other_n}, "
                                f"id {other_id}); the DeepStateMap archive has one feature "
                                "per day"
                            )
                        elif date:
                            dated_by_id[date] = (n, fid)
                    if date and not problems:
                        if date != group_date:
                            if group_date is not None:
                                close_group()
                            group, group_geoms, group_date = [], [], date
                            if len(days.submitted) + 1 > MAX_DAYS:
                                problems.append(
                                    f"more than {MAX_DAYS:,} days; the limit is MAX_DAYS"
                                )
                        group.append(raw)
                        group_geoms.append(feature.get("geometry"))
                if len(problems) >= MAX_PROBLEMS:
                    break
            if not problems and group_date is not None:
                close_group()
        entries = days.finish()
    finally:
        days.close()
    if not problems and not entries:
        problems.append("empty: the FeatureCollection has no features")
    if problems:
        raise ValidationError(label, problems[:MAX_PROBLEMS])
    return [entries[d] for d in sorted(entries)]


def _feature_date(
    feature: dict[str, Any], where: str, path: Path, problems: list[str]
) -> str | None:
    props = feature.get("properties")
    value = props.get("date") if isinstance(props, dict) else None
    if value is None:
        problems.append(
            f'{where}: no "date" property; allowed: "date": "YYYY-MM-DD" on every '
            "feature (or one day per file, the date in the file's name, such as "
            "deepstatemap_data_20251120.geojson)"
        )
        return None
    text = str(value)[:10] if isinstance(value, str) and "T" in value[:11] else value
    if not _valid_date(text):
        problems.append(f"{where}: date {str(value)[:40]!r} is not a date; allowed: YYYY-MM-DD")
        return None
    return str(text)


def _check_feature(
    feature: dict[str, Any], where: str, date: str | None, problems: list[str]
) -> None:
    at = f"{where} ({date})" if date else where
    if feature.get("type") != "Feature":
        problems.append(f'{at}: "type" is {str(feature.get("type"))[:30]!r}; allowed: "Feature"')
        return
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        problems.append(f"{at}: no geometry; allowed: Polygon or MultiPolygon")
        return
    kind = geometry.get("type")
    if kind not in _POLYGONAL:
        problems.append(
            f"{at}: geometry type {str(kind)[:30]!r}; allowed: {' or '.join(_POLYGONAL)}"
        )


def _index_gpkg(path: Path, label: str, folder: Path) -> list[dict[str, Any]]:
    """Index a GeoPackage with a ``date`` column, one date at a time."""
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except (pyogrio.errors.DataSourceError, OSError, ValueError) as exc:
        raise ValidationError(label, [f"cannot be read as GeoPackage ({exc})"]) from exc
    layer_name = None
    for name, _ in layers:
        info = pyogrio.read_info(path, layer=name)
        if "date" in list(info["fields"]):
            layer_name = name
            break
    if layer_name is None:
        raise ValidationError(
            label,
            [
                'no layer with a "date" column; allowed: a GeoPackage layer with a "date" column '
                "(YYYY-MM-DD), several features per date"
            ],
        )
    try:
        table = pyogrio.read_dataframe(
            path, layer=layer_name, columns=["date"], read_geometry=False, fid_as_index=True
        )
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise ValidationError(label, [f"cannot read its date column ({exc})"]) from exc
    problems: list[str] = []
    by_date: dict[str, list[int]] = {}
    for fid, value in zip(table.index, table["date"], strict=True):
        text = value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)[:10]
        if not _valid_date(text):
            problems.append(
                f"feature fid {fid}: date {str(value)[:40]!r} is not a date; allowed: YYYY-MM-DD"
            )
            if len(problems) >= MAX_PROBLEMS:
                break
            continue
        by_date.setdefault(text, []).append(int(fid))
    if len(by_date) > MAX_DAYS:
        problems.append(f"{len(by_date):,} dates; the limit is {MAX_DAYS:,} (MAX_DAYS)")
    if not by_date and not problems:
        problems.append("empty: no features")
    if problems:
        raise ValidationError(label, problems)
    entries = []
    for date in sorted(by_date):
        try:
            frame = pyogrio.read_dataframe(path, layer=layer_name, fids=by_date[date], columns=[])
        except (pyogrio.errors.DataLayerError, ValueError) as exc:
            problems.append(f"date {date}: cannot be read ({exc})")
            continue
        types = sorted(set(frame.geom_type.dropna()) - set(_POLYGONAL))
        if types:
            problems.append(
                f"date {date}: geometry type {', '.join(types)}; allowed: {' or '.join(_POLYGONAL)}"
            )
            continue
        try:
            layer = _read_day(frame.geometry, f"{label} ({date})", date)
        except ValidationError as exc:
            problems.extend(f"date {date}: {p}" for p in exc.problems)
            continue
        entries.append(_store_day(folder, date, layer))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise ValidationError(label, problems[:MAX_PROBLEMS])
    return entries


# --------------------------------------------------------------------------- opening

_HISTORY_SUFFIXES = (".geojson", ".json", ".gpkg", ".gz")


def _days_of_file(path: Path, source: str, build: bool = True) -> list[Day]:
    label = str(path) if source in (_CACHE, str(path)) else source
    if not path.is_file():
        raise ValidationError(label, ["file not found"])
    index = _load_index(path, label, build)
    prefix = "deepstate" if source == _CACHE else "history"
    return [Day(date, source, f"{prefix}-{date}", index) for date in sorted(index.entries)]


def _merge(days_lists: Iterable[tuple[str, list[Day]]], label: str) -> list[Day]:
    seen: dict[str, str] = {}
    out: list[Day] = []
    problems: list[str] = []
    for name, days in days_lists:
        for day in days:
            if day.date in seen:
                problems.append(
                    f"date {day.date} is in both {Path(seen[day.date]).name} and "
                    f"{Path(name).name}; allowed: one layer per date"
                )
                continue
            seen[day.date] = name
            out.append(day)
    if problems:
        raise ValidationError(label, problems[:MAX_PROBLEMS])
    return out


def _files_in(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name.lower().endswith(_HISTORY_SUFFIXES)
    )


def open_history(
    source: str | Path | bytes | Sequence[str | Path],
    *,
    filename: str | None = None,
    build: bool = True,
    reconcile_now: bool = False,
) -> History:
    """Open a multi-date file, a folder or list of single-day files, or uploaded bytes.

    Parameters
    ----------
    source
        A path (the DeepStateMap archive ``.geojson.gz``, a GeoJSON or GeoPackage with a
        ``date`` column, a single-day file named with its date, or a folder of such files),
        a list of paths, or a file's bytes (an upload).
    filename
        The original name of uploaded bytes (messages; a single-day file's date).
    build
        Index a file not indexed yet (streaming it, reconciling every day). ``False``
        raises instead, so that a server can index an upload in a bounded child process
        (``open_history(data, filename=name, reconcile_now=True)`` there) and then open it
        here, which only reads the index this project wrote: no geometry operation on the
        user's data.
    reconcile_now
        Reconcile every day with the outline now (in worker processes where allowed)
        instead of on each day's first use; what a sandboxed child or ``fetch`` does so that
        a server only reads.

    Returns
    -------
    History
        Its days, indexed (the first open of a file streams it once; later opens read the
        index from :func:`cache_dir`).

    Raises
    ------
    ValidationError
        Naming the file and, per problem, the feature or date and what is allowed.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        # the spool file's name keeps the date a single-day file's name carries, nothing else
        name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(filename or "upload").name)[-80:]
        name = name.lstrip(".") or "upload"
        digest = hashlib.sha256(data).hexdigest()[:32]
        spool = cache_dir() / "uploads" / digest / name
        if not spool.is_file():
            _atomic_write(spool, data)
        days = _days_of_file(spool, filename or "<upload>", build)
        return _now(History(days, label=filename or "<upload>"), reconcile_now)
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            files = _files_in(path)
            if not files:
                raise ValidationError(
                    str(path),
                    ["no history files in the folder; allowed: .geojson, .json, .gpkg, .gz"],
                )
            return _now(_open_files(files, str(path), build), reconcile_now)
        return _now(History(_days_of_file(path, str(path), build), label=str(path)), reconcile_now)
    paths = [Path(p) for p in source]
    if not paths:
        raise ValidationError("history", ["no files given"])
    return _now(_open_files(paths, ", ".join(p.name for p in paths[:3]), build), reconcile_now)


def _now(history: History, reconcile_now: bool) -> History:
    if reconcile_now:
        _reconcile_days(history, history.dates())
    return history


def _open_files(files: list[Path], label: str, build: bool = True) -> History:
    return History(
        _merge(((str(f), _days_of_file(f, str(f), build)) for f in files), label), label=label
    )


def default_history(*, include_cache: bool = True) -> History:
    """Return the committed snapshots plus the days fetched into the cache.

    Where a fetched day has the date of a committed snapshot, the committed snapshot is used
    (it is the one every default baseline and the page's built-in views are made of).
    Days in the cache that cannot be read are left out (``fetch`` validates each day before
    keeping it; a file edited by hand is the only way to get one). The result is reused
    while the cache folder's listing (names, sizes, times) is unchanged: calling this on
    every page run costs a directory listing.
    """
    folder = deepstate_dir()
    files = _files_in(folder) if include_cache and folder.is_dir() else []
    from territory_viz import datasets

    stamp = (
        str(folder),
        include_cache,
        tuple(datasets.snapshot_ids()),
        tuple((p.name, st.st_size, st.st_mtime_ns) for p in files for st in [p.stat()]),
    )
    with _layer_lock:
        hit = _default_memo.get(stamp)
    if hit is not None:
        return hit
    days = _committed_days()
    if include_cache:
        taken = {d.date for d in days}
        if files:
            # the daily files first, then the unified archive (if fetched) for other days
            for path in sorted(files, key=lambda p: date_from_name(p.name) is None):
                if date_from_name(path.name) in taken:
                    continue
                try:
                    found = _days_of_file(path, _CACHE)
                except ValidationError:
                    continue
                for day in found:
                    if day.date not in taken:
                        taken.add(day.date)
                        days.append(day)
    history = History(
        days, label="committed snapshots and cache" if include_cache else "committed snapshots"
    )
    with _layer_lock:
        _default_memo.clear()  # only the newest listing is worth keeping
        _default_memo[stamp] = history
    return history


def layer_for_date(date: str, history: History | str | Path | None = None) -> gpd.GeoDataFrame:
    """Return the control layer of ``date``, a baseline for scenario evaluation.

    Parameters
    ----------
    date
        ISO date (YYYY-MM-DD); it must be a day of the history.
    history
        A History, a path for :func:`open_history`, or None for :func:`default_history`.

    Raises
    ------
    ValidationError
        Not a date, or no such day (the message names the nearest days).
    """
    if history is None:
        history = default_history()
    elif not isinstance(history, History):
        history = open_history(history)
    return history.layer(date)


def _reconcile_days(history: History, dates: Sequence[str]) -> None:
    """Reconcile the given days of a history that are not yet (grouped by file)."""
    by_index: dict[int, tuple[_Index, list[str]]] = {}
    for date in dates:
        day = history.day(date)
        if day.source != _COMMITTED:
            by_index.setdefault(id(day._ref), (day._ref, []))[1].append(date)
    for index, wanted in by_index.values():
        _reconcile_many(index, wanted)


# --------------------------------------------------------------------------- timeline


@dataclass(frozen=True)
class TimelineRow:
    """One row of :func:`timeline`.

    Attributes
    ----------
    date
        ISO date.
    occupied_km2
        Area under Russian military control, km².
    share
        ``occupied_km2`` over Ukraine's area (0..1).
    change_km2
        Change since the previous row, km² (None on the first row).
    by_region
        km² under Russian control per region (ISO code), regions with none left out.
    source
        Where the day comes from (``committed``, ``cache`` or a file name).
    """

    date: str
    occupied_km2: float
    share: float
    change_km2: float | None
    by_region: dict[str, float]
    source: str

    def to_dict(self) -> dict[str, Any]:
        """Return the row of ``timeline --format json``: km² to 0.1, share to 5 decimals."""
        return {
            "date": self.date,
            "occupied_km2": round(self.occupied_km2, 1),
            "share": round(self.share, 5),
            "change_km2": None if self.change_km2 is None else round(self.change_km2, 1),
            "by_region": {k: round(v, 1) for k, v in sorted(self.by_region.items())},
            "source": self.source,
        }


def _period(date: str, every: str) -> str:
    if every == "day":
        return date
    if every == "month":
        return date[:7]
    year, week, _ = dt.date.fromisoformat(date).isocalendar()
    return f"{year}-W{week:02d}"


def pick_dates(dates: Sequence[str], every: str) -> list[str]:
    """Return the last date of each day, ISO week or month present in ``dates`` (sorted)."""
    if every not in EVERY:
        raise ValidationError("--every", [f"{every!r}; allowed: {', '.join(EVERY)}"])
    last: dict[str, str] = {}
    for d in sorted(dates):
        last[_period(d, every)] = d
    return sorted(last.values())


def timeline(history: History, *, every: str = "day") -> list[TimelineRow]:
    """Area under Russian control per date (the last day of each week or month).

    Parameters
    ----------
    history
        The history.
    every
        ``day`` (every day), ``week`` or ``month`` (the last day of each present).

    Returns
    -------
    list of TimelineRow
        Oldest first; ``change_km2`` is against the previous row.
    """
    total = float(_geography().total_area_km2)
    rows: list[TimelineRow] = []
    previous: float | None = None
    picked = pick_dates(history.dates(), every)
    _reconcile_days(history, picked)
    for date in picked:
        day = history.day(date)
        stats = _day_stats(day)
        source = day.source if day.source in (_COMMITTED, _CACHE) else Path(day.source).name
        rows.append(
            TimelineRow(
                date,
                stats.occupied_km2,
                stats.occupied_km2 / total,
                None if previous is None else stats.occupied_km2 - previous,
                dict(stats.by_region),
                source,
            )
        )
        previous = stats.occupied_km2
    return rows


# --------------------------------------------------------------------------- changes


@dataclass(frozen=True, eq=False)
class Changes:
    """What changed hands between two days.

    Attributes
    ----------
    date_from, date_to
        The two days (ISO dates).
    to_russia_km2
        Under Russian control on ``date_to`` and not on ``date_from``.
    to_ukraine_km2
        Under Russian control on ``date_from`` and not on ``date_to`` (back to Ukrainian
        control).
    by_region
        ISO code -> ``{"to_russia_km2", "to_ukraine_km2", "net_km2"}`` (net: the change in the
        area under Russian control), regions with a change only.
    towns
        Towns of 10,000+ people (:data:`territory_viz.stats.TOWN_MIN_POPULATION`) whose
        control differs: ``name``, ``population``, ``iso_code``, ``region``, ``from``,
        ``to``; largest first.
    layer
        The changed areas for a map (EPSG:4326): one row per direction present, columns
        ``change`` (``to_russia`` or ``to_ukraine``), ``area_km2`` and geometry.
    """

    date_from: str
    date_to: str
    to_russia_km2: float
    to_ukraine_km2: float
    by_region: dict[str, dict[str, float]]
    towns: list[dict[str, Any]]
    layer: gpd.GeoDataFrame

    @property
    def net_km2(self) -> float:
        """Change in the area under Russian control, km²."""
        return self.to_russia_km2 - self.to_ukraine_km2

    def to_dict(self) -> dict[str, Any]:
        """Return the document of ``changes --format json`` (km² to 0.1)."""
        return {
            "from": self.date_from,
            "to": self.date_to,
            "to_russia_km2": round(self.to_russia_km2, 1),
            "to_ukraine_km2": round(self.to_ukraine_km2, 1),
            "net_km2": round(self.net_km2, 1),
            "by_region": {
                iso: {k: round(v, 1) for k, v in row.items()}
                for iso, row in sorted(self.by_region.items())
            },
            "towns": [dict(t) for t in self.towns],
        }


def changes(history: History, date_from: str, date_to: str) -> Changes:
    """Areas and towns that changed hands between two days of a history.

    Parameters
    ----------
    history
        The history.
    date_from, date_to
        Two of its dates (``date_from`` may be after ``date_to``: the directions follow
        the order given).

    Raises
    ------
    ValidationError
        A date that is not a date or not a day of the history.
    """
    day_a = history.day(_check_date(date_from, "--from"))
    day_b = history.day(_check_date(date_to, "--to"))
    a = _day_equal_area(day_a)
    b = _day_equal_area(day_b)
    gained = _polygonal(shapely.difference(b, a))
    lost = _polygonal(shapely.difference(a, b))
    to_r = _by_region(gained)
    to_u = _by_region(lost)
    by_region = {}
    for iso in sorted(set(to_r) | set(to_u)):
        r, u = to_r.get(iso, 0.0), to_u.get(iso, 0.0)
        if r > 0.05 or u > 0.05:
            by_region[iso] = {"to_russia_km2": r, "to_ukraine_km2": u, "net_km2": r - u}
    towns = _towns_changed(a, b)
    from territory_viz import geography as G

    rows = [
        (name, geom)
        for name, geom in (("to_russia", gained), ("to_ukraine", lost))
        if not shapely.is_empty(geom)
    ]
    layer = gpd.GeoDataFrame(
        {
            "change": [r[0] for r in rows],
            "area_km2": [float(shapely.area(r[1])) / 1e6 for r in rows],
        },
        geometry=[G.to_geographic_valid(r[1]) for r in rows],
        crs=model.CRS_GEOGRAPHIC,
    )
    return Changes(
        day_a.date,
        day_b.date,
        float(sum(to_r.values())),
        float(sum(to_u.values())),
        by_region,
        towns,
        layer,
    )


def _polygonal(geom: Any) -> Any:
    from territory_viz import geography as G

    return G.polygonal(geom)


def _towns_changed(a: Any, b: Any) -> list[dict[str, Any]]:
    from territory_viz.style import TOWN_CHANGE_MIN_POPULATION as TOWN_MIN_POPULATION

    geo = _geography()
    idx = np.flatnonzero(geo.settlement_population >= TOWN_MIN_POPULATION)
    if len(idx) == 0:
        return []
    xy = geo.settlement_xy[idx]
    in_a = shapely.contains_xy(a, xy[:, 0], xy[:, 1])
    in_b = shapely.contains_xy(b, xy[:, 0], xy[:, 1])
    moved = in_a != in_b
    out: list[dict[str, Any]] = []
    for i, was, now in zip(idx[moved], in_a[moved], in_b[moved], strict=True):
        out.append(
            {
                "name": str(geo.settlement_names[i]),
                "population": int(geo.settlement_population[i]),
                "iso_code": str(geo.iso_codes[geo.settlement_region[i]]),
                "region": str(geo.region_names[geo.settlement_region[i]]),
                "from": "russia" if was else "ukraine",
                "to": "russia" if now else "ukraine",
            }
        )
    out.sort(key=lambda t: (-t["population"], t["name"]))
    return out
