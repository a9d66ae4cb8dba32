"""Synthetic inputs for the engine and statistics tests: four 100 km squares, exact numbers.

Regions Luhansk, Donetsk (north), Zaporizhzhia, Kharkiv (south) in the equal-area CRS, five
towns, one control snapshot covering ``x < 150 km, y > 50 km``, and Russia's claim over three
of the squares: every area and population a test expects can be worked out by hand.
"""

from __future__ import annotations

import geopandas as gpd
import shapely

from territory_viz import geography as G
from territory_viz.model import CRS_EQUAL_AREA
from territory_viz.scenarios import Scenario, parse_scenario

KM = 1000.0

ISSUE_EXAMPLE = """
id = "my-variant"
title = "Donbas to Russia, front frozen elsewhere"
summary = "One or two sentences."
as_of = "2025-08-15"

[[sources]]
publisher = "CNBC"
date = "2025-08-14"
title = "Five things at stake in Trump and Putin's high-level talks"

[[rules]]
area = "baseline"                          # the baseline control snapshot
control = "russia"

[[rules]]
area = { regions = ["UA-14", "UA-09"] }    # ISO 3166-2 codes
control = "russia"
recognition = { russia = "de_jure", united_states = "de_facto" }
"""


def square(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(x0 * KM, y0 * KM, x1 * KM, y1 * KM)


def synthetic_geography() -> G.Geography:
    regions = gpd.GeoDataFrame(
        {
            "iso_code": ["UA-09", "UA-14", "UA-23", "UA-63"],
            "name_en": ["Luhansk", "Donetsk", "Zaporizhzhia", "Kharkiv"],
            "population_2022": [100_000, 200_000, 50_000, 80_000],
        },
        geometry=[
            square(0, 100, 100, 200),
            square(100, 100, 200, 200),
            square(0, 0, 100, 100),
            square(100, 0, 200, 100),
        ],
        crs=CRS_EQUAL_AREA,
    )
    settlements = gpd.GeoDataFrame(
        {
            "name": ["Northtown", "Linetown", "Easttown", "Southtown", "Smallville"],
            "population": [40_000, 30_000, 150_000, 20_000, 600],
            "iso_code": ["UA-09", "UA-14", "UA-14", "UA-63", "UA-23"],
        },
        geometry=shapely.points(
            [
                (50 * KM, 150 * KM),
                (145 * KM, 150 * KM),
                (180 * KM, 150 * KM),
                (170 * KM, 20 * KM),
                (50 * KM, 20 * KM),
            ]
        ),
        crs=CRS_EQUAL_AREA,
    )
    snapshots = {
        "occupied-synthetic": gpd.GeoDataFrame(
            {"id": ["occupied-synthetic"], "date": ["2025-08-15"]},
            geometry=[square(0, 50, 150, 200)],
            crs=CRS_EQUAL_AREA,
        ),
    }
    return G.Geography(
        regions,
        settlements,
        claims={"russia-claim": ["UA-09", "UA-14", "UA-23"]},
        snapshot_loader=snapshots.__getitem__,
        snapshot_ids=list(snapshots),
        default_baseline="occupied-synthetic",
    )


def scenario(rules: str, *, params: str = "") -> Scenario:
    text = f'id = "t"\ntitle = "T"\nsummary = "S"\nas_of = 2025-08-15\n{params}\n{rules}'
    return parse_scenario(text)
