"""Rebuild ``data/context/water.geojson``: the Dnipro and the Kakhovka reservoir's bed.

No package on the registries ships Natural Earth's rivers and lakes with names, so the
project draws its own **approximate** geometry from ``data/context/water-points.csv``: points
placed by hand from the well-known positions of the places along the river (Kyiv, Kaniv,
Cherkasy, Kremenchuk, Kamianske, Dnipro, Zaporizhzhia, Nikopol, Enerhodar, Nova Kakhovka,
Kherson, the mouth at the Dnipro-Buh estuary), each row naming the place it follows.

- ``kind = river``: the rows of a feature, in order, are its course (a line). The Dnipro is
  drawn as one line through its reservoirs (Kyiv, Kaniv, Kremenchuk, Kamianske, Dnipro).
- ``kind = drained`` (or ``reservoir``): the rows are a ring (one polygon, closed here). The
  Kakhovka reservoir has been a drained bed since the dam's destruction on 6 June 2023.

Accuracy: a few kilometres; this is context for a country-scale map, never an input to any
area. The river is cut at Ukraine's outline (``data/regions.geojson``) where it would run out
to sea. Coordinates are rounded to 3 decimals (about 100 m).

Deterministic output::

    python scripts/build_water.py           # write the file
    python scripts/build_water.py --check   # rebuild to a temp file, compare SHA-256
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import geopandas as gpd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_regions import (  # noqa: E402
    REPO,
    format_feature_collection,
    geometry_to_json,
    main_for,
)

POINTS = REPO / "data" / "context" / "water-points.csv"
OUTPUT = REPO / "data" / "context" / "water.geojson"
REGIONS = REPO / "data" / "regions.geojson"
KINDS = ("river", "reservoir", "drained")
DECIMALS = 3
#: The river may end this far outside Ukraine's outline (degrees, about 1 km): the mouth
#: meets the estuary's shore, not a point inland.
COAST_TOLERANCE_DEG = 0.01

NOTES = {
    "river": "approximate course, drawn by territory_viz",
    "reservoir": "approximate outline, drawn by territory_viz",
    "drained": "approximate outline of the former reservoir, drawn by territory_viz; "
    "drained since the Kakhovka dam's destruction on 6 June 2023",
}


def read_points(path: Path) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """Return ``(feature, kind) -> [(lon, lat), ...]`` in file order, checking each row."""
    features: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            kind = row["kind"].strip()
            if kind not in KINDS:
                raise SystemExit(f"{path.name}:{number}: kind {kind!r}; allowed: {KINDS}")
            lon, lat = float(row["lon"]), float(row["lat"])
            if not (22.0 <= lon <= 41.0 and 44.0 <= lat <= 52.5):
                raise SystemExit(f"{path.name}:{number}: ({lon}, {lat}) is not near Ukraine")
            features.setdefault((row["feature"].strip(), kind), []).append((lon, lat))
    return features


def build_water(_package_dir: Path | None, output: Path) -> None:
    """Write the water features to ``output``."""
    land = shapely.union_all(gpd.read_file(REGIONS).geometry.values)
    near_land = land.buffer(COAST_TOLERANCE_DEG)
    records = []
    for (name, kind), points in read_points(POINTS).items():
        if kind == "river":
            geom = shapely.intersection(shapely.LineString(points), near_land)
            geom = shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom
        else:
            geom = shapely.make_valid(shapely.Polygon(points))
        records.append(
            {
                "type": "Feature",
                "properties": {"name": name, "kind": kind, "note": NOTES[kind]},
                "geometry": geometry_to_json(geom, decimals=DECIMALS),
            }
        )
    output.write_text(
        format_feature_collection(records, name="water"), encoding="utf-8", newline="\n"
    )


if __name__ == "__main__":
    sys.exit(main_for(build_water, OUTPUT, __doc__, uses_package=False))
