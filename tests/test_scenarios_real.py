"""The nine built-in scenarios on the committed data: exact partitions and the issue's numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from territory_viz import datasets
from territory_viz.areas import default_geography
from territory_viz.model import CRS_EQUAL_AREA, Control, Party, Recognition
from territory_viz.scenarios import (
    BUILTIN_IDS,
    PARTITION_COLUMNS,
    evaluate,
    get_scenario,
    list_scenarios,
    parse_scenario,
    scenario_to_toml,
)
from territory_viz.stats import compare, scenario_stats

# the article's saved text sits beside the repository (shared/sources/), in CI too
_ARTICLE = "sources/cnbc-2025-08-14-five-things-at-stake.txt"
SOURCE_CANDIDATES = [
    Path(__file__).resolve().parents[2] / "shared" / _ARTICLE,
    Path("/work/shared") / _ARTICLE,
]


@pytest.fixture(scope="module")
def geo():
    return default_geography()


def test_builtin_ids_exactly() -> None:
    assert (
        [s.id for s in list_scenarios()]
        == list(BUILTIN_IDS)
        == [
            "ceasefire-current-line",
            "ukraine-1991-borders",
            "donbas-for-freeze",
            "land-swap",
            "de-facto-not-de-jure",
            "us-final-offer-2025-04",
            "28-point-plan-2025-11",
            "russia-claim-in-full",
            "ceasefire-with-dmz",
        ]
    )


@pytest.mark.parametrize("scenario_id", BUILTIN_IDS)
def test_builtin_cites_sources_and_round_trips(scenario_id: str) -> None:
    s = get_scenario(scenario_id)
    assert s.sources, "every built-in scenario cites who proposed or reported it"
    for source in s.sources:
        assert source.publisher and source.title and source.date
    assert parse_scenario(scenario_to_toml(s)) == s


def test_cnbc_quotes_are_exact() -> None:
    found = [p for p in SOURCE_CANDIDATES if p.is_file()]
    if not found:
        pytest.skip("source article not available")
    text = found[0].read_text(encoding="utf-8")
    for s in list_scenarios():
        for source in s.sources:
            if source.publisher == "CNBC":
                assert source.quote in text, (s.id, source.quote)
                assert source.title in text


@pytest.mark.parametrize("scenario_id", BUILTIN_IDS)
def test_builtin_is_an_exact_partition(scenario_id: str, geo) -> None:
    p = evaluate(get_scenario(scenario_id))
    assert list(p.columns) == [*PARTITION_COLUMNS, "geometry"]
    assert p.crs.to_epsg() == 4326
    assert shapely.is_valid(p.geometry.values).all()
    total = geo.total_area_km2
    assert p["area_km2"].sum() == pytest.approx(total, rel=1e-4)
    pieces = np.asarray(p.to_crs(CRS_EQUAL_AREA).geometry.values)
    measured = shapely.area(pieces) / 1e6
    assert measured.sum() == pytest.approx(total, rel=1e-4)  # area conserved
    union = shapely.area(shapely.union_all(pieces)) / 1e6
    assert union == pytest.approx(total, rel=1e-4)  # no gaps
    assert measured.sum() == pytest.approx(union, rel=1e-4)  # no overlaps
    assert set(p["iso_code"]) == set(geo.iso_codes)
    assert p["population"].sum() == pytest.approx(geo.region_population.sum(), rel=1e-9)
    keys = p.drop(columns=["area_km2", "population", "geometry", "region"])
    assert not keys.duplicated().any()


def test_regions_total_matches_official_area(geo) -> None:
    assert geo.total_area_km2 == pytest.approx(603_628, rel=0.01)


def test_donbas_for_freeze_balance_and_towns() -> None:
    # The figures are those of the 15 Aug 2025 line (Pokrovsk and Kostiantynivka side).
    st = scenario_stats(get_scenario("donbas-for-freeze"), "occupied-2025-08-15")
    d = st.to_dict()
    assert 6_000 <= d["balance"]["to_russia_km2"] <= 8_000
    assert d["balance"]["to_ukraine_km2"] == 0
    moved = {t["name"]: t for t in d["towns_changing_hands"]}
    for town in ["Kramatorsk", "Sloviansk", "Druzhkivka", "Kostiantynivka"]:
        assert moved[town]["from"] == "ukraine" and moved[town]["to"] == "russia"
        assert moved[town]["population"] >= 10_000
    donetsk = st.by_region[st.by_region["iso_code"] == "UA-14"]
    assert set(donetsk["control"]) == {"russia"}


def test_russia_claim_in_full_takes_zaporizhzhia_and_kherson() -> None:
    d = scenario_stats(get_scenario("russia-claim-in-full")).to_dict()
    moved = {t["name"]: t for t in d["towns_changing_hands"]}
    for city in ["Zaporizhzhia", "Kherson"]:
        assert moved[city]["to"] == "russia"
    claimed = sum(
        datasets.load_regions()
        .set_index("iso_code")
        .loc[["UA-09", "UA-14", "UA-23", "UA-40", "UA-43", "UA-65"], "area_km2"]
    )
    assert d["by_control"]["russia"]["area_km2"] == pytest.approx(claimed, rel=1e-3)


def test_ceasefire_matches_the_baseline() -> None:
    st = scenario_stats(get_scenario("ceasefire-current-line"))
    d = st.to_dict()
    assert d["balance"]["to_russia_km2"] == 0 and d["balance"]["to_ukraine_km2"] == 0
    assert d["towns_changing_hands"] == []
    # Russia de jure only where it claims; nobody else recognises anything
    for row in d["recognition"]:
        others = {k: v for k, v in row["parties"].items() if k != "russia"}
        assert set(others.values()) == {"none"}
    share = d["by_control"]["russia"]["share"]
    assert 0.17 < share < 0.21  # about 19 % of Ukraine


@pytest.mark.parametrize("scenario_id", BUILTIN_IDS)
def test_net_change_in_ukrainian_control_is_after_minus_before(scenario_id: str) -> None:
    """Gained minus lost, whatever the other side is (a demilitarized zone too)."""
    before = scenario_stats(get_scenario("ceasefire-current-line")).by_control
    st = scenario_stats(get_scenario(scenario_id))
    ukraine = {
        name: frame.set_index("control").get("area_km2", {}).get("ukraine", 0.0)
        for name, frame in (("before", before), ("after", st.by_control))
    }
    assert st.balance.net_ukraine_km2 == pytest.approx(
        ukraine["after"] - ukraine["before"], abs=0.5
    )
    # Out of Ukrainian control goes to Russia, a zone or an administration, never nowhere.
    b = st.balance
    assert b.from_ukraine_km2 <= (
        b.to_russia_km2 + b.to_demilitarized_km2 + b.to_international_km2 + 0.5
    )


def test_1991_borders_returns_everything() -> None:
    d = scenario_stats(get_scenario("ukraine-1991-borders")).to_dict()
    assert list(d["by_control"]) == ["ukraine"]
    assert d["recognition"] == []
    assert d["balance"]["to_ukraine_km2"] > 100_000


def test_land_swap_returns_the_north() -> None:
    c = compare(get_scenario("donbas-for-freeze"), get_scenario("land-swap"))
    assert c.balance.to_russia_km2 == 0
    assert c.balance.to_ukraine_km2 > 500
    assert set(c.changes["iso_code"]) <= {"UA-12", "UA-59", "UA-63"}
    assert set(c.changes["to_control"]) == {"ukraine"}


def test_us_final_offer_recognition() -> None:
    p = evaluate(get_scenario("us-final-offer-2025-04"))
    crimea = p[p["iso_code"].isin(["UA-43", "UA-40"])]
    assert set(crimea["rec_united_states"]) == {"de_jure"}
    occupied_claimed = p[
        p["iso_code"].isin(["UA-09", "UA-14", "UA-65"]) & (p["control"] == "russia")
    ]
    assert set(occupied_claimed["rec_united_states"]) == {"de_facto"}
    assert not ((p["iso_code"] == "UA-63") & (p["control"] == "russia")).any()
    plant = p[p["control"] == "international"]
    # One disc in Zaporizhzhia oblast; it may be split in rows by baseline control, since the
    # line runs along the reservoir's southern shore at the plant.
    assert set(plant["iso_code"]) == {"UA-23"}
    assert 20 < plant["area_km2"].sum() < 30  # a 3 km circle
    assert set(p["rec_un_general_assembly"]) == {"none"}


def test_28_point_plan() -> None:
    p = evaluate(get_scenario("28-point-plan-2025-11"))
    dmz = p[p["control"] == "demilitarized"]
    assert set(dmz["iso_code"]) == {"UA-14"}
    assert set(dmz["rec_russia"]) == {"de_jure"}
    assert set(dmz["rec_united_states"]) == {"de_facto"}
    donbas = p[p["iso_code"].isin(["UA-09", "UA-43"])]
    assert set(donbas["display_class"]) == {"russia/de_facto"}
    outside = p[~p["iso_code"].isin(["UA-09", "UA-14", "UA-23", "UA-40", "UA-43", "UA-65"])]
    assert set(outside["control"]) == {"ukraine"}
    assert set(p["rec_un_general_assembly"]) == {"none"}


def test_dmz_width_parameter() -> None:
    s = get_scenario("ceasefire-with-dmz")
    assert s.parameters == {"buffer_km": 15.0}
    narrow = scenario_stats(s.with_parameters(buffer_km=5)).to_dict()
    wide = scenario_stats(s).to_dict()
    narrow_km2 = narrow["by_control"]["demilitarized"]["area_km2"]
    wide_km2 = wide["by_control"]["demilitarized"]["area_km2"]
    assert 2.5 * narrow_km2 < wide_km2 < 3.5 * narrow_km2
    p = evaluate(s)
    # both sides of the line
    dmz = p[p["control"] == "demilitarized"]
    assert set(dmz["baseline_control"]) == {"russia", "ukraine"}


def test_de_facto_not_de_jure() -> None:
    p = evaluate(get_scenario("de-facto-not-de-jure"))
    russia = p[p["control"] == Control.RUSSIA.value]
    assert set(russia["rec_ukraine"]) == {Recognition.DE_FACTO.value}
    assert Recognition.DE_JURE.value not in set(russia[f"rec_{Party.UKRAINE.value}"])


def test_another_snapshot_as_baseline(geo) -> None:
    ids = datasets.snapshot_ids()
    if "occupied-2022-02-23" not in ids:
        pytest.skip("2022 snapshot not built yet")
    d = scenario_stats(get_scenario("ceasefire-current-line"), "occupied-2022-02-23").to_dict()
    assert d["baseline"] == "occupied-2022-02-23"
    assert 35_000 < d["by_control"]["russia"]["area_km2"] < 50_000


def test_snapshot_area_on_real_data() -> None:
    if "occupied-2022-02-23" not in datasets.snapshot_ids():
        pytest.skip("2022 snapshot not built yet")
    s = parse_scenario(
        'id = "held-before-2022"\ntitle = "T"\nsummary = "S"\nas_of = 2025-08-15\n'
        '[[rules]]\narea = { snapshot = "occupied-2022-02-23" }\ncontrol = "russia"\n'
    )
    d = scenario_stats(s).to_dict()
    held = datasets.load_snapshot("occupied-2022-02-23", equal_area=True).area.sum() / 1e6
    assert d["by_control"]["russia"]["area_km2"] == pytest.approx(held, rel=1e-3)
    assert parse_scenario(scenario_to_toml(s)) == s


@pytest.mark.parametrize("scenario_id", BUILTIN_IDS)
def test_builtin_partitions_every_snapshot(scenario_id: str, geo) -> None:
    """Every scenario re-evaluates against the other committed snapshots, exactly."""
    for snapshot_id in datasets.snapshot_ids():
        if snapshot_id == datasets.DEFAULT_BASELINE:
            continue
        p = evaluate(get_scenario(scenario_id), snapshot_id)
        assert p.attrs["baseline"] == snapshot_id
        pieces = np.asarray(p.to_crs(CRS_EQUAL_AREA).geometry.values)
        union = shapely.area(shapely.union_all(pieces)) / 1e6
        assert union == pytest.approx(geo.total_area_km2, rel=1e-4)
        assert (shapely.area(pieces).sum() / 1e6) == pytest.approx(union, rel=1e-4)
