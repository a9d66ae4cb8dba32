"""The cleaning rules of scripts/build_settlements.py, on small synthetic inputs, and the
committed data/settlements.csv they produce."""

from __future__ import annotations

import build_settlements as B
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from territory_viz import datasets, model, towns

# --------------------------------------------------------------------------- synthetic inputs


def _places(rows: list[tuple]) -> gpd.GeoDataFrame:
    """Places from (geonameid, name, population, x_km, y_km, iso_code or admin1)."""
    frame = pd.DataFrame(
        [
            {"geonameid": g, "name_geonames": n, "population": p, "iso_code": c, "admin1": c}
            for g, n, p, _, _, c in rows
        ]
    )
    points = [shapely.Point(x * 1000, y * 1000) for *_, x, y, _ in rows]
    return gpd.GeoDataFrame(frame, geometry=points, crs=model.CRS_EQUAL_AREA)


def _regions() -> gpd.GeoDataFrame:
    """Region A is x in 0..100 km, region B is x in 100..200 km (y in 0..100 km)."""
    return gpd.GeoDataFrame(
        {"iso_code": ["A", "B"]},
        geometry=[shapely.box(0, 0, 100_000, 100_000), shapely.box(100_000, 0, 200_000, 100_000)],
        crs=model.CRS_EQUAL_AREA,
    )


def _assign(rows: list[tuple], exclaves: dict[int, str] | None = None) -> gpd.GeoDataFrame:
    places = _places(rows).drop(columns="iso_code")
    return B.assign_regions(
        places, _regions(), admin1_iso={"A": "A", "B": "B"}, exclaves=exclaves or {}
    ).set_index("geonameid")


def test_region_is_the_admin1_code_within_admin_km_of_its_polygon() -> None:
    out = _assign(
        [
            (1, "Agrees", 1000, 50, 50, "A"),
            (2, "Over the border", 1000, 100 + B.ADMIN_KM - 1, 50, "A"),
            (3, "Far from its code", 1000, 100 + B.ADMIN_KM + 5, 50, "A"),
        ]
    )
    assert out.loc[1, "iso_code"] == "A"
    assert out.loc[2, "iso_code"] == "A"  # generalised border: the code decides
    assert out.loc[3, "iso_code"] == "B"  # the code contradicts the point: the polygon decides
    assert (out["moved_m"] == 0).all()  # points inside the outline stay where GeoNames has them


def test_an_exclave_keeps_its_admin1_region_with_its_neighbourhood() -> None:
    rows = [
        (10, "Exclave", 20_000, 150, 50, "A"),
        (11, "Its quarter", 1000, 151, 50, "A"),
        (12, "Beyond it", 1000, 150 + B.EXCLAVE_KM + 2, 50, "A"),
    ]
    out = _assign(rows, exclaves={10: "Exclave"})
    assert out.loc[10, "iso_code"] == "A"
    assert out.loc[11, "iso_code"] == "A"
    assert out.loc[12, "iso_code"] == "B"
    assert _assign(rows).loc[10, "iso_code"] == "B"  # not listed: the polygon decides


def test_a_point_outside_the_outline_moves_inside_its_region_or_is_dropped() -> None:
    out = _assign(
        [
            (20, "Harbour", 5000, 50, 100 + B.SNAP_KM - 1, "A"),  # in the sea north of A
            (21, "Code elsewhere", 800, 150, 100 + 2, "A"),  # north of B, A is 50 km away
            (22, "Far out", 800, 50, 100 + B.SNAP_KM + 3, "A"),
        ]
    )
    assert 22 not in out.index
    assert out.loc[20, "iso_code"] == "A"
    assert out.loc[21, "iso_code"] == "B"  # the nearest region within SNAP_KM
    regions = _regions().set_index("iso_code").geometry
    for gid in (20, 21):
        point = out.geometry[gid]
        region = regions[out.loc[gid, "iso_code"]]
        assert region.contains(point)
        # moved to the nearest point INSET_M inside: the distance is the gap plus the inset
        assert region.exterior.distance(point) == pytest.approx(B.INSET_M, abs=1)
    assert out.loc[20, "moved_m"] == pytest.approx((B.SNAP_KM - 1) * 1000 + B.INSET_M, abs=1)
    assert out.loc[21, "moved_m"] == pytest.approx(2000 + B.INSET_M, abs=1)


def test_an_unknown_admin1_code_or_a_wrong_table_stops_the_build() -> None:
    places = _places([(1, "X", 1000, 50, 50, "C")]).drop(columns="iso_code")
    with pytest.raises(SystemExit, match="not in ADMIN1_ISO"):
        B.assign_regions(places, _regions(), admin1_iso={"A": "A"}, exclaves={})
    places = _places([(1, "X", 1000, 50, 50, "A"), (2, "Y", 1000, 60, 50, "A")])
    with pytest.raises(SystemExit, match="lie mostly in A"):
        B.check_admin1_table(places, _regions(), {"A": "B"})
    B.check_admin1_table(places, _regions(), {"A": "A"})


def _districts(rows: list[tuple], **kwargs: dict[int, str]) -> dict[int, tuple[str, int | None]]:
    kwargs.setdefault("independent", {})
    kwargs.setdefault("extra", {})
    return B.district_of(_places(rows), **kwargs)


def test_section_rule_near_a_city_or_a_place_several_times_larger() -> None:
    # a city of 100,000: built-up radius 0.011 * sqrt(100,000) = 3.48 km
    city = (1, "City", 100_000, 0, 0, "A")
    found = _districts(
        [
            city,
            (2, "In it", 6000, 3.0, 0, "A"),
            (3, "Beyond it", 6000, 4.0, 0, "A"),
            (4, "Other region", 6000, 0, 3.0, "B"),
            (5, "Big quarter", 60_000, -3.0, 0, "A"),  # under a city of 100,000+: no ratio
        ]
    )
    assert found == {2: ("section", 1), 5: ("section", 1)}
    # a town of 30,000 (radius 1.9 km): a place of 8,000 is a section (3.75x), 12,000 not (2.5x)
    found = _districts(
        [(1, "Town", 30_000, 0, 0, "A"), (2, "Q", 8000, 1, 0, "A"), (3, "R", 12_000, -1, 0, "A")]
    )
    assert found == {2: ("section", 1)}


def test_inner_rule_small_places_deep_inside_a_much_larger_one() -> None:
    found = _districts(
        [
            (1, "City", 100_000, 0, 0, "A"),
            (2, "Inner", 900, 1.5, 0, "A"),  # within half the radius (1.74 km), 111x
            (3, "Outer", 900, 2.5, 0, "A"),  # beyond half the radius
            (4, "Too big", 20_000, 0, 1.5, "A"),  # 5x: not inner; section? yes (5,000+, 100k+)
        ]
    )
    assert found == {2: ("inner", 1), 4: ("section", 1)}


def test_named_rule_district_words_and_numbered_names() -> None:
    found = _districts(
        [
            (1, "Zuhres", 17_871, 0, 0, "A"),
            (2, "Zuhres-2", 8000, 2.4, 0, "A"),  # radius 1.5 km, ratio 2.2: only the name
            (3, "Zuhres 3", 8000, 0, B.NAMED_KM + 1, "A"),  # too far
            (4, "Slavutych", 24_464, 50, 0, "A"),
            (5, "Kyiv Quarter", 1800, 52.2, 0, "A"),
            (6, "Kyivka", 1800, 50, 3, "A"),  # an ordinary village name
            (7, "Riga Quarter", 20_000, 48, 0, "A"),  # not half the town's size
        ]
    )
    assert found == {2: ("named", 1), 5: ("named", 4)}


def test_city_rule_every_other_place_of_a_one_city_region() -> None:
    rows = [
        (1, "Capital", 2_000_000, 0, 0, "C"),
        (2, "Its forest quarter", 3400, 15, 0, "C"),  # beyond half the radius, under 5,000
        (3, "Teremky-III", 2000, 0, 10, "C"),
        (4, "Village over the line", 900, 0, 10.5, "A"),
        (5, "Town of a two-city region", 1500, 30, 0, "D"),
        (6, "Other town there", 1500, 32, 0, "D"),
    ]
    cities = {"C": (1, "Capital")}
    found = _districts(rows, city_regions=cities)
    assert found == {2: ("city", 1), 3: ("city", 1)}
    assert _districts(rows, city_regions={}) == {}  # the rule only, no other rule fires
    # a listed independent place of the region stays
    assert _districts(rows, city_regions=cities, independent={2: "x"}) == {3: ("city", 1)}


def test_listed_exceptions_and_no_district_of_a_district() -> None:
    rows = [
        (1, "City", 100_000, 0, 0, "A"),
        (2, "Big district", 30_000, 2, 0, "A"),  # section of City
        (3, "Near the district", 2000, 2.9, 0, "A"),  # 0.9 km from it, 2.9 km from City
        (4, "Independent town", 6000, -3, 0, "A"),
        (5, "Missed district", 9000, 0, 5, "A"),
    ]
    found = _districts(rows, independent={4: "Independent town"}, extra={5: "Missed district"})
    assert found == {2: ("section", 1), 5: ("listed", None)}
    assert 3 not in found  # would be "inner" of 'Big district'; a district is nobody's city


def test_duplicates_same_name_nearby_in_one_region() -> None:
    rows = [
        (1, "Sofiivska Borschahivka", 25_882, 0, 0, "A"),
        (2, "Sofiyivska Borschagivka", 6571, 0.6, 0, "A"),  # g/h, yi/i: same place
        (3, "Pikuzy", 860, 10, 0, "A"),
        (4, "Pikuzy", 507, 10.5, 0, "A"),
        (5, "Stavkove", 549, 20, 0, "A"),
        (6, "Stavkove", 549, 20 + B.DUPLICATE_KM + 1, 0, "A"),  # two villages
        (7, "Lukovytsya", 610, 30, 0, "A"),
        (8, "Lukovytsya", 1412, 30, 0.5, "B"),  # across a regional border
        (9, "Patskanyovo", 1074, 40, 0, "A"),
        (10, "Patskanovo", 1074, 40.3, 0, "A"),  # nearly the same name, the same figure
        (11, "Patskanivka", 900, 40, 0.3, "A"),  # nearly the same name, another figure
    ]
    assert B.duplicates_of(_places(rows)) == {2: 1, 4: 3, 10: 9}


# --------------------------------------------------------------------------- committed CSV


@pytest.fixture(scope="module")
def committed() -> pd.DataFrame:
    return pd.read_csv(datasets._data_dir() / "settlements.csv")


def _as_points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=model.CRS_GEOGRAPHIC
    ).to_crs(model.CRS_EQUAL_AREA)


#: Districts named in the issue and found while cleaning, by geonameid.
KNOWN_DISTRICTS = {
    13535742: "Lazurnyi (Pokrovsk)",
    13645596: "Lazurnyi (Kramatorsk)",
    713195: "Arshyntseve (Kerch)",
    13631346: "Zuhres-2",
    13645652: "Kyiv Quarter (Slavutych)",
    11902776: "Dnipro Quarter (Slavutych)",
    6722148: "Saltivka (Kharkiv)",
    13546519: "Desna (Kyiv)",
    13580034: "Pravyi Bereh (Mariupol)",
    11139621: "Molodizhne (Kremenchuk)",
    13645610: "Yevbaz (Kyiv)",
    696050: "Pushcha-Vodytsya (Kyiv)",
    13580110: "Teremky-III (Kyiv)",
    13645594: "KPD (Kramatorsk)",
    13545872: "Druhyi Zanasyp (Kremenchuk)",
    13561775: "Lisok (Poltava)",
    13645664: "Ruski Filvarky (Kamianets-Podilskyi)",
}


def test_committed_list_has_no_known_district_or_duplicate(committed: pd.DataFrame) -> None:
    assert not set(KNOWN_DISTRICTS) & set(committed["geonameid"])
    assert not committed["name"].str.contains("Quarter").any()
    points = _as_points(committed.rename(columns={"name": "label"}))
    # the rules find nothing more to drop in their own output
    assert B.duplicates_of(points) == {}
    left = B.district_of(points)
    assert set(left) == set(B.EXTRA_SECTIONS)  # only the listed ones, already absent
    assert 8504651 not in set(committed["geonameid"])  # Sofiyivska Borschagivka
    assert 13513215 in set(committed["geonameid"])  # Sofiivska Borschahivka stays once


@pytest.mark.parametrize("name", ["Kramatorsk", "Sloviansk", "Pokrovsk", "Bakhmut", "Kerch"])
def test_headline_towns_present_once(committed: pd.DataFrame, name: str) -> None:
    key = towns.name_key(name)
    same = committed[committed["name"].map(towns.name_key) == key]
    assert len(same[same["population"] >= 10_000]) == 1, same
    assert towns.find_town(name).population >= 50_000


def test_committed_regions_follow_the_rule(committed: pd.DataFrame) -> None:
    points = _as_points(committed)
    regions = datasets.regions_equal_area().set_index("iso_code")
    region_of = gpd.GeoSeries(regions.geometry[points["iso_code"]].values, crs=points.crs)
    dist_km = points.distance(region_of.set_axis(points.index)) / 1000
    far = points.loc[dist_km > B.ADMIN_KM, "geonameid"]
    # only the exclave (Slavutych, Kyiv oblast inside Chernihiv oblast) is farther
    assert set(far) == set(B.ADMIN_EXCLAVES)
    assert (dist_km == 0).mean() > 0.98
    by_id = committed.set_index("geonameid")
    # Irpin, Vyshneve, Vyshhorod, Hostomel (inside Natural Earth's Kyiv city), Slavutych
    for suburb in (707565, 689487, 688723, 708251, 6930327):
        assert by_id.loc[suburb, "iso_code"] == "UA-32", by_id.loc[suburb, "name"]
    kyiv_city = committed.loc[committed["iso_code"] == "UA-30", ["geonameid", "population"]]
    # Kyiv city is Kyiv alone: its quarters are in Kyiv's figure (the city rule)
    assert kyiv_city.values.tolist() == [[703448, 2_952_301]]


def test_committed_points_lie_inside_the_outline(committed: pd.DataFrame) -> None:
    outline = datasets.ukraine_outline()
    inside = shapely.contains_xy(outline, committed["lon"], committed["lat"])
    assert inside.all(), committed.loc[~inside, "name"].tolist()
    moved = committed[committed["moved_m"] > 0]
    assert 30 < len(moved) < 80
    assert moved["moved_m"].max() <= B.SNAP_KM * 1000 + B.INSET_M
    assert set(committed["population_source"]) == {"GeoNames", "SSSU 2022-01-01"}
    corrected = committed.loc[committed["population_source"] != "GeoNames", "geonameid"]
    assert set(corrected) == set(B.POPULATION_CORRECTIONS)


@pytest.mark.parametrize("snapshot", ["occupied-2025-08-15", "occupied-2026-08-22"])
def test_skadovsk_counts_as_occupied_where_it_was_moved(snapshot: str) -> None:
    skadovsk = towns.find_town("Skadovsk")
    assert skadovsk.iso_code == "UA-65"
    layer = datasets.load_snapshot(snapshot)
    occupied = shapely.union_all(layer.geometry.values)
    assert occupied.contains(shapely.Point(skadovsk.lon, skadovsk.lat))
    # GeoNames' own point lies in the sea, outside the layer
    assert not occupied.contains(shapely.Point(32.90978, 46.11313))
    # and the model counts the moved point on the occupied side
    outcome = towns.town_outcomes(skadovsk, baseline=snapshot, scenarios=[])
    assert outcome["baseline"]["control"] == "russia"


def test_moved_points_are_counted_by_the_control_at_their_new_place() -> None:
    from territory_viz import geography

    atoms = geography.default_geography().baseline("occupied-2026-08-22")
    frame = pd.read_csv(datasets._data_dir() / "settlements.csv")
    rows = np.flatnonzero(frame["moved_m"].to_numpy() > 0)
    layer = shapely.union_all(datasets.load_snapshot("occupied-2026-08-22").geometry.values)
    lon, lat = frame["lon"].to_numpy()[rows], frame["lat"].to_numpy()[rows]
    in_layer = shapely.contains_xy(layer, lon, lat)
    control = atoms.control[atoms.settlement_atom[rows]]
    assert ((control == model.Control.RUSSIA) == in_layer).all()
    assert in_layer.sum() >= 10  # Skadovsk, Foros, Zaozerne, Milove...
