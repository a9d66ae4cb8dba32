"""Which places a map names, in which order, from which zoom: the label hierarchy.

One definition for every map: the interactive map sends :func:`map_labels` to its script as
JSON data (the script places them greedily by priority, dropping a label that would overlap
one already placed, at every zoom), and the SVG/PNG exports place the same list with
:func:`place_greedy` at the zoom their scale corresponds to (:func:`zoom_for_scale`).

Order (lower ``rank`` first): the capital, the oblast centres (and Crimea's and
Sevastopol's), then towns by pre-war population; a town's first zoom grows as its population
falls (:data:`TOWN_ZOOMS`: 20,000+ from zoom 8, the zoom at which the front fills a laptop
screen). Region names and the neighbours' names come after the centres: where a region and
its centre share a name (Chernivtsi, Kharkiv...) only one of them is shown where they would
overlap. Names are the ``name`` column of ``data/settlements.csv`` (the common English names
of Ukraine's national transliteration: Sloviansk, Kupiansk, Huliaipole; the spelling
overrides live in one table, ``LABELS`` in ``scripts/build_settlements.py``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CAPITAL",
    "NEIGHBOUR_LABELS",
    "REGION_CENTRES",
    "TOWN_ZOOMS",
    "WATER_NAMES",
    "Label",
    "label_width_px",
    "map_labels",
    "place_greedy",
    "zoom_for_scale",
]

#: The capital (geonameid of Kyiv in data/settlements.csv).
CAPITAL = 703448

#: Administrative centre of each region, by ISO code -> (geonameid, name) in settlements.csv.
REGION_CENTRES: dict[str, tuple[int, str]] = {
    "UA-05": (689558, "Vinnytsia"),
    "UA-07": (702569, "Lutsk"),
    "UA-09": (702658, "Luhansk"),
    "UA-12": (709930, "Dnipro"),
    "UA-14": (709717, "Donetsk"),
    "UA-18": (686967, "Zhytomyr"),
    "UA-21": (690548, "Uzhhorod"),
    "UA-23": (687700, "Zaporizhzhia"),
    "UA-26": (707471, "Ivano-Frankivsk"),
    "UA-30": (703448, "Kyiv"),
    "UA-32": (703448, "Kyiv"),
    "UA-35": (705812, "Kropyvnytskyi"),
    "UA-40": (694423, "Sevastopol"),
    "UA-43": (693805, "Simferopol"),
    "UA-46": (702550, "Lviv"),
    "UA-48": (700569, "Mykolaiv"),
    "UA-51": (698740, "Odesa"),
    "UA-53": (696643, "Poltava"),
    "UA-56": (695594, "Rivne"),
    "UA-59": (692194, "Sumy"),
    "UA-61": (691650, "Ternopil"),
    "UA-63": (706483, "Kharkiv"),
    "UA-65": (706448, "Kherson"),
    "UA-68": (706369, "Khmelnytskyi"),
    "UA-71": (710791, "Cherkasy"),
    "UA-74": (710735, "Chernihiv"),
    "UA-77": (710719, "Chernivtsi"),
}

#: First zoom at which the oblast centres are named: a phone shows Ukraine whole at about
#: zoom 4.75, where the centres that fit (placed by priority) are named beside Kyiv.
CENTRE_MIN_ZOOM = 4

#: Towns (not centres): first zoom at which a town of at least this many people is named.
TOWN_ZOOMS: tuple[tuple[int, int], ...] = (
    (250_000, 6),
    (100_000, 7),
    (20_000, 8),
    (10_000, 9),
    (5_000, 10),
    (2_000, 11),
)

#: Towns of at least FRONT_MIN_POPULATION within FRONT_KM of the line of contact are named
#: from zoom 8 (the front at zoom 8 is where readers look for them).
FRONT_KM = 30.0
FRONT_MIN_POPULATION = 10_000

#: Neighbours' and seas' names: (text, lon, lat, first zoom). Placed inside each country's
#: part of the usual view, away from Ukraine's border; the large neighbours are named from
#: zoom 4, the zoom a phone shows the whole country at.
NEIGHBOUR_LABELS: tuple[tuple[str, float, float, int], ...] = (
    ("BELARUS", 27.8, 52.3, 4),
    ("RUSSIA", 38.6, 51.9, 4),
    ("POLAND", 22.2, 51.6, 4),
    ("SLOVAKIA", 21.4, 48.75, 6),
    ("HUNGARY", 21.6, 47.8, 6),
    ("ROMANIA", 26.2, 47.1, 4),
    ("MOLDOVA", 28.6, 47.35, 5),
    ("Black Sea", 32.2, 44.1, 4),
    ("Sea of Azov", 36.6, 46.15, 6),
)

#: Names of the water the map draws (``data/context/water.geojson``): (text, lon, lat, first
#: zoom), each beside its river or inside the former reservoir, placed after every other name.
WATER_NAMES: tuple[tuple[str, float, float, int], ...] = (
    ("Dnipro", 33.95, 48.98, 5),
    ("Dnipro", 30.83, 50.25, 7),
    ("Kakhovka reservoir (drained)", 33.36, 47.12, 8),
)

#: Kinds of label, by their index in the map's compact rows (:func:`compact`), in priority
#: order: the index is the kind's rank (lower is placed first).
LABEL_KINDS = ("capital", "centre", "region", "country", "town", "water")

_RANK = {kind: i for i, kind in enumerate(LABEL_KINDS)}

#: Label font sizes in px by kind (the map's CSS and the SVG use the same).
FONT_PX = {"capital": 14, "centre": 12.5, "region": 11, "country": 12, "town": 11.5, "water": 11}

#: Kinds whose text is centred on its point (no dot beside it).
CENTRED_KINDS = ("region", "country", "water")


@dataclass(frozen=True)
class Label:
    """One name on the map.

    Attributes
    ----------
    text
        The name shown.
    lon, lat
        Anchor in degrees: the place's point (towns) or the label point (regions, countries).
    kind
        ``capital``, ``centre``, ``town`` (a dot beside the name), ``region``, ``country`` or
        ``water`` (the text centred on the point).
    min_zoom
        First (Leaflet) zoom at which the label is wanted.
    rank
        Placement order: lower first (kind, then larger population first).
    population
        Pre-war population for places, 0 otherwise.
    """

    text: str
    lon: float
    lat: float
    kind: str
    min_zoom: int
    rank: int
    population: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return the label as the map's script reads it."""
        return asdict(self)


def _town_zoom(population: int) -> int | None:
    for threshold, zoom in TOWN_ZOOMS:
        if population >= threshold:
            return zoom
    return None


def _rank(kind: str, population: int) -> int:
    # kind first; within a kind the larger place first (population fits in 10^8)
    return _RANK[kind] * 100_000_000 + max(0, 99_999_999 - int(population))


def map_labels(
    settlements: gpd.GeoDataFrame | None = None,
    regions: gpd.GeoDataFrame | None = None,
    *,
    min_population: int = TOWN_ZOOMS[-1][0],
    countries: bool = True,
    front: Any = None,
    water: bool | None = None,
) -> list[Label]:
    """Every label of the map, in placement order (see the module docstring).

    Parameters
    ----------
    settlements
        Places (default: ``data/settlements.csv``): ``geonameid``, ``name``, ``population``,
        ``lon``, ``lat``, ``iso_code``.
    regions
        Regions (default: ``data/regions.geojson``) for region names at their label points;
        ``None`` with ``settlements`` given: no region names.
    min_population
        Smallest town named at any zoom (near the front: :data:`FRONT_MIN_POPULATION`).
    countries
        Include the neighbours' and seas' names.
    water
        Include the Dnipro's and the Kakhovka reservoir's names (default: with ``countries``).
    front
        The line of contact (a line geometry in lon/lat): towns within
        :data:`FRONT_KM` of it are named one zoom earlier (Huliaipole, 13,000 people, from
        zoom 8), since readers look for them.
    """
    from territory_viz import datasets

    if water is None:
        water = countries
    if settlements is None:
        settlements = datasets.load_settlements()
        regions = datasets.load_regions() if regions is None else regions
    centres = {gid for gid, _ in REGION_CENTRES.values()}
    settlements = _with_lon_lat(settlements)
    near = _near_front(settlements, front)
    out: list[Label] = []
    zoom: int | None
    for i, row in enumerate(
        settlements[["geonameid", "name", "population", "lon", "lat"]].itertuples(index=False)
    ):
        gid, population = int(row.geonameid), int(row.population)
        if gid == CAPITAL:
            kind, zoom = "capital", 0
        elif gid in centres:
            kind, zoom = "centre", CENTRE_MIN_ZOOM
        else:
            kind = "town"
            front_town = near[i] and population >= FRONT_MIN_POPULATION
            zoom = _town_zoom(population)
            if zoom is None or (population < min_population and not front_town):
                continue
            if front_town:
                zoom = min(zoom, 8)
        out.append(
            Label(
                str(row.name),
                round(float(row.lon), 5),
                round(float(row.lat), 5),
                kind,
                zoom,
                _rank(kind, population),
                population,
            )
        )
    if regions is not None:
        for text, (lon, lat), area in _region_points(regions):
            out.append(
                Label(
                    text, lon, lat, "region", 5 if area > 5_000 else 7, _rank("region", int(area))
                )
            )
    if countries:
        for i, (text, lon, lat, zoom) in enumerate(NEIGHBOUR_LABELS):
            out.append(Label(text, lon, lat, "country", zoom, _rank("country", 0) + i))
    if water:
        for i, (text, lon, lat, zoom) in enumerate(WATER_NAMES):
            out.append(Label(text, lon, lat, "water", zoom, _rank("water", 0) + i))
    return sorted(out, key=lambda label: (label.rank, label.text))


def _with_lon_lat(settlements: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Settlements with ``geonameid``, ``lon`` and ``lat`` (from the geometry if missing)."""
    if {"geonameid", "lon", "lat"} <= set(settlements.columns):
        return settlements
    from territory_viz.model import CRS_GEOGRAPHIC

    out = settlements.copy()
    if "geonameid" not in out.columns:
        out["geonameid"] = -1
    if not {"lon", "lat"} <= set(out.columns):
        geo = out.geometry.to_crs(CRS_GEOGRAPHIC) if out.crs is not None else out.geometry
        out["lon"], out["lat"] = geo.x, geo.y
    return out


def near_front(settlements: gpd.GeoDataFrame, front: Any) -> list[bool]:
    """For each settlement, whether it lies within :data:`FRONT_KM` of ``front``."""
    return _near_front(_with_lon_lat(settlements), front)


def _near_front(settlements: gpd.GeoDataFrame, front: Any) -> list[bool]:
    if front is None or getattr(front, "is_empty", True):
        return [False] * len(settlements)
    import geopandas as gpd
    import shapely

    from territory_viz.model import CRS_EQUAL_AREA, CRS_GEOGRAPHIC

    line = gpd.GeoSeries([front], crs=CRS_GEOGRAPHIC).to_crs(CRS_EQUAL_AREA).iloc[0]
    points = gpd.GeoSeries(
        gpd.points_from_xy(settlements["lon"], settlements["lat"]), crs=CRS_GEOGRAPHIC
    ).to_crs(CRS_EQUAL_AREA)
    zone = shapely.buffer(line, FRONT_KM * 1000.0)
    shapely.prepare(zone)
    return list(shapely.contains(zone, points.values))


def _region_points(regions: gpd.GeoDataFrame) -> list[tuple[str, tuple[float, float], float]]:
    import shapely

    from territory_viz.model import CRS_EQUAL_AREA, RegionKind

    name_col = "name_en" if "name_en" in regions.columns else "name"
    if "kind" in regions.columns:
        # Kyiv city and Sevastopol are named by their city label
        regions = regions[regions["kind"].astype(str) != str(RegionKind.CITY)]
    areas = regions.to_crs(CRS_EQUAL_AREA).area / 1e6
    out = []
    for name, geom, area in zip(
        regions[name_col], regions.to_crs(4326).geometry, areas, strict=True
    ):
        # the largest part's inner point (a coastal region's islands do not pull it offshore)
        parts = list(getattr(geom, "geoms", [geom]))
        main = max(parts, key=lambda g: g.area)
        point = shapely.point_on_surface(main)
        out.append((str(name), (round(point.x, 4), round(point.y, 4)), float(area)))
    return out


def compact(labels: Iterable[Label]) -> list[list[Any]]:
    """Rows for the map's script: ``[text, lat, lon, kind index, min zoom]``.

    Labels of several layers are placed together, in placement order: by kind (its index in
    :data:`LABEL_KINDS` is its rank), then in the order of the rows, which the map's script
    keeps (each layer gets the rows of whole kinds, in this order). The text is plain (the
    script sets it with ``textContent``), never markup.
    """
    return [
        [lb.text, round(lb.lat, 3), round(lb.lon, 3), LABEL_KINDS.index(lb.kind), lb.min_zoom]
        for lb in labels
    ]


@functools.cache
def default_labels_json() -> tuple[dict[str, Any], ...]:
    """:func:`map_labels` of the committed data, as JSON-ready dicts (cached)."""
    return tuple(label.to_json() for label in map_labels())


def label_width_px(text: str, font_px: float) -> float:
    """Estimated width of ``text`` in DejaVu Sans / Helvetica at ``font_px`` (slightly wide)."""
    narrow = sum(1 for ch in text if ch in "iljtfr.,'-:; ")
    wide = sum(1 for ch in text if ch in "mwMW") + sum(1 for ch in text if ch.isupper())
    return font_px * (0.62 * len(text) - 0.28 * narrow + 0.18 * wide) + 2


def zoom_for_scale(px_per_m: float, lat: float = 48.5) -> float:
    """Return the Leaflet zoom whose scale at ``lat`` is ``px_per_m`` pixels per metre."""
    metres_per_px_z0 = 40_075_016.686 * math.cos(math.radians(lat)) / 256
    return math.log2(px_per_m * metres_per_px_z0)


@dataclass(frozen=True)
class Placed:
    """A label placed on a picture: text box and anchor, in pixels."""

    label: Label
    x: float
    y: float
    anchor: str  # "start", "end" or "middle" (SVG text-anchor)
    anchor_xy: tuple[float, float]  # the place's own point
    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    font_px: float


def _overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_greedy(
    labels: Sequence[Label],
    positions: Sequence[tuple[float, float]],
    *,
    zoom: float,
    frame: tuple[float, float, float, float],
    blocked: Iterable[tuple[float, float, float, float]] = (),
    scale: float = 1.0,
) -> list[Placed]:
    """Place labels in order, each where it overlaps nothing placed before; drop the rest.

    The same rule as the map's script: a place's name is tried right of its dot, then left,
    above, below; a region's or country's centred on its point.

    Parameters
    ----------
    labels
        In priority order (as :func:`map_labels` returns them).
    positions
        Each label's anchor ``(x, y)`` in pixels (y down), aligned with ``labels``.
    zoom
        Labels with ``min_zoom`` above this are left out.
    frame
        ``x0, y0, x1, y1``: a label must fit inside.
    blocked
        Boxes no label may cover (legend, scale bar).
    scale
        Font-size multiplier.
    """
    taken: list[tuple[float, float, float, float]] = list(blocked)
    placed: list[Placed] = []
    for label, (x, y) in zip(labels, positions, strict=True):
        if label.min_zoom > zoom + 1e-9:
            continue
        if not (frame[0] <= x <= frame[2] and frame[1] <= y <= frame[3]):
            continue
        font = FONT_PX[label.kind] * scale
        w, h = label_width_px(label.text, font), font * 1.15
        gap = 3 + 2 * scale
        if label.kind in CENTRED_KINDS:
            options = [(x, y + font * 0.35, "middle", (x - w / 2, y - h / 2, x + w / 2, y + h / 2))]
        else:
            options = [
                (x + gap, y + font * 0.35, "start", (x + gap, y - h / 2, x + gap + w, y + h / 2)),
                (x - gap, y + font * 0.35, "end", (x - gap - w, y - h / 2, x - gap, y + h / 2)),
                (
                    x - w / 2,
                    y - gap - 0.2 * font,
                    "start",
                    (x - w / 2, y - gap - h, x + w / 2, y - gap),
                ),
                (x - w / 2, y + gap + font, "start", (x - w / 2, y + gap, x + w / 2, y + gap + h)),
            ]
        dot = (x - 2.5, y - 2.5, x + 2.5, y + 2.5)
        for tx, ty, anchor, box in options:
            inside = (
                box[0] >= frame[0]
                and box[1] >= frame[1]
                and box[2] <= frame[2]
                and box[3] <= frame[3]
            )
            if inside and not any(_overlaps(box, other) for other in taken):
                taken.append(box)
                if label.kind not in CENTRED_KINDS:
                    taken.append(dot)
                placed.append(Placed(label, tx, ty, anchor, (x, y), box, font))
                break
    return placed
