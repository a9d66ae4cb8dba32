"""Hostile map inputs shared by the escaping tests and their browser counterparts.

Every text a map shows (region and town names, dates, sources, captions, titles) is one of
the payloads of ``fixtures/hostile/make_fixtures.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import shapely

from territory_viz import render
from territory_viz.model import Party

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "hostile"))

from make_fixtures import CLOSE, IMG, MD_LINK, SCRIPT, SVG  # noqa: E402


def hostile_regions() -> gpd.GeoDataFrame:
    """Four 1° squares in Ukraine, each region named with a different payload."""
    squares = [shapely.box(30 + i, 48, 31 + i, 49) for i in range(4)]
    return gpd.GeoDataFrame(
        {"name_en": [IMG, SCRIPT, SVG, CLOSE], "kind": ["oblast"] * 4},
        geometry=squares,
        crs="EPSG:4326",
    )


def hostile_partition() -> gpd.GeoDataFrame:
    """A partition of the four squares with hostile region names and every display class."""
    regions = hostile_regions()
    data: dict[str, list] = {
        "iso_code": ["UA-05", "UA-14", "UA-09", "UA-23"],
        "region": list(regions["name_en"]),
        "baseline_control": ["ukraine", "russia", "ukraine", "russia"],
        "control": ["ukraine", "russia", "russia", "demilitarized"],
        "display_class": ["ukraine", "russia/de_jure", "russia/de_facto", "demilitarized"],
        "area_km2": [7400.0] * 4,
        "population": [1e6, 2e5, 1e4, 0.0],
    }
    for party in Party:
        data[f"rec_{party.value}"] = ["none"] * 4
    data["rec_united_states"] = ["none", "de_jure", "de_facto", "none"]
    return gpd.GeoDataFrame(data, geometry=list(regions.geometry), crs="EPSG:4326")


def hostile_context() -> render.MapContext:
    """Base layers whose region names, town names, dates and sources are all payloads."""
    towns = gpd.GeoDataFrame(
        {"name": [IMG, SCRIPT, MD_LINK], "population": [900_000, 300_000, 50_000]},
        geometry=[shapely.Point(30.5, 48.5), shapely.Point(32.5, 48.5), shapely.Point(31.5, 48.2)],
        crs="EPSG:4326",
    )
    return render.MapContext.from_layers(
        hostile_regions(),
        baseline_id=SCRIPT,
        baseline_date=IMG,
        settlements=towns,
        sources=[SVG, CLOSE],
    )


def hostile_map_html() -> str:
    """A complete offline map in which every text from data is hostile (also used in browser)."""
    context = hostile_context()
    m = render.build_map(hostile_partition(), context, title=f"{SCRIPT} {IMG}")
    return render.to_standalone_html(m, page_title=IMG)
