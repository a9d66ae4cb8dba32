"""Statistics and comparisons on the synthetic squares of tests/synthetic.py."""

from __future__ import annotations

import json

import pytest
from synthetic import ISSUE_EXAMPLE, scenario, synthetic_geography

from territory_viz.scenarios import parse_scenario
from territory_viz.stats import compare, scenario_stats


@pytest.fixture(scope="module")
def geo():
    return synthetic_geography()


def test_json_schema_of_the_issue(geo) -> None:
    d = scenario_stats(parse_scenario(ISSUE_EXAMPLE), geography=geo).to_dict()
    json.dumps(d)  # JSON-ready
    for key in [
        "scenario",
        "baseline",
        "total_area_km2",
        "by_control",
        "balance",
        "towns_changing_hands",
        "recognition",
    ]:
        assert key in d
    assert d["scenario"] == "my-variant"
    assert d["baseline"] == "occupied-synthetic"
    assert d["total_area_km2"] == 40_000
    assert set(d["by_control"]) == {"russia", "ukraine"}
    assert set(d["by_control"]["russia"]) == {"area_km2", "share", "population"}
    assert d["by_control"]["russia"]["share"] == pytest.approx(27_500 / 40_000)
    for key in [
        "to_russia_km2",
        "to_ukraine_km2",
        "to_demilitarized_km2",
        "to_russia_population",
        "to_ukraine_population",
    ]:
        assert key in d["balance"]
    # outside the baseline, moving to Russia: UA-14's half and UA-09... none of UA-09
    assert d["balance"]["to_russia_km2"] == pytest.approx(50 * 100)
    assert d["balance"]["to_ukraine_km2"] == 0
    town = d["towns_changing_hands"][0]
    assert set(town) >= {"name", "population", "from", "to"}
    assert (town["name"], town["population"], town["from"], town["to"]) == (
        "Easttown",
        150_000,
        "ukraine",
        "russia",
    )
    assert [t["name"] for t in d["towns_changing_hands"]] == ["Easttown"]
    rec = d["recognition"]
    assert all(set(r) >= {"control", "area_km2", "parties"} for r in rec)
    by_class = {r["display_class"]: r for r in rec}
    assert by_class["russia/de_facto"]["area_km2"] == 20_000
    assert by_class["russia/de_facto"]["parties"]["united_states"] == "de_facto"
    assert by_class["russia/none"]["area_km2"] == 7_500
    assert by_class["russia/none"]["parties"] == {
        "ukraine": "none",
        "russia": "de_jure",
        "united_states": "none",
        "european_union": "none",
        "un_general_assembly": "none",
    }


def test_population_shares(geo) -> None:
    st = scenario_stats(parse_scenario(ISSUE_EXAMPLE), geography=geo)
    d = st.to_dict()
    assert d["total_population"] == 430_000
    # UA-09 and UA-14 in full (300,000); the baseline's part of UA-23 (5,000 of 10,000 km²,
    # rural remainder 49,400) and of UA-63 (2,500 km²; remainder 60,000 once Southtown's
    # 20,000 are out, and Southtown lies outside the baseline)
    expected = 300_000 + 49_400 * 0.5 + 60_000 * 0.25
    assert d["by_control"]["russia"]["population"] == pytest.approx(expected, abs=1)
    region = st.by_region.set_index(["iso_code", "control"])
    assert region.loc[("UA-14", "russia"), "share_of_region"] == pytest.approx(1.0)


def test_balance_into_demilitarized_zone(geo) -> None:
    s = scenario(
        '[[rules]]\narea = "baseline"\ncontrol = "russia"\n'
        '[[rules]]\narea = { strip_km = 10 }\ncontrol = "demilitarized"'
    )
    d = scenario_stats(s, geography=geo).to_dict()
    dmz = d["by_control"]["demilitarized"]["area_km2"]
    assert d["balance"]["to_demilitarized_km2"] == pytest.approx(dmz, abs=0.2)
    # The zone takes area from both sides: the Ukrainian side leaves Ukrainian control
    # without going to Russia, and the net change in Ukrainian-controlled area says so.
    st = scenario_stats(s, geography=geo)
    before = scenario_stats(
        scenario('[[rules]]\narea = "baseline"\ncontrol = "russia"'), geography=geo
    ).by_control.set_index("control")["area_km2"]
    after = st.by_control.set_index("control")["area_km2"]
    assert d["balance"]["to_russia_km2"] == 0
    assert 0 < d["balance"]["from_ukraine_km2"] < dmz
    assert st.balance.net_ukraine_km2 == pytest.approx(after["ukraine"] - before["ukraine"])
    assert st.balance.net_ukraine_km2 == pytest.approx(-st.balance.from_ukraine_km2)
    # Linetown (x=145 km) is 5 km inside the line: it goes into the zone
    assert [(t["name"], t["from"], t["to"]) for t in d["towns_changing_hands"]] == [
        ("Linetown", "russia", "demilitarized")
    ]


def test_compare_two_scenarios(geo) -> None:
    a = parse_scenario(ISSUE_EXAMPLE)
    b = scenario(
        '[[rules]]\narea = "baseline"\ncontrol = "russia"\n'
        '[[rules]]\narea = { regions = ["UA-23"] }\ncontrol = "ukraine"'
    )
    c = compare(a, b, geography=geo)
    # from a to b: UA-14's Ukrainian-held half goes back, and UA-23's held half too
    assert c.balance.to_ukraine_km2 == pytest.approx(5_000 + 5_000)
    assert c.balance.to_russia_km2 == 0
    assert c.towns[["name", "from", "to"]].values.tolist() == [["Easttown", "russia", "ukraine"]]
    assert c.changes.crs.to_epsg() == 4326
    changed = c.changes[c.changes["from_control"] != c.changes["to_control"]]
    assert changed["area_km2"].sum() == pytest.approx(10_000)
    # recognition-only changes appear in the layer but not in the balance
    same_control = c.changes[c.changes["from_control"] == c.changes["to_control"]]
    assert set(same_control["from_class"]) == {"russia/de_facto"}
    assert set(same_control["to_class"]) == {"russia/none"}
    d = c.to_dict()
    json.dumps(d)
    assert d["a"] == "my-variant" and d["b"] == "t"


def test_compare_with_itself_is_empty(geo) -> None:
    s = parse_scenario(ISSUE_EXAMPLE)
    c = compare(s, s, geography=geo)
    assert c.changes.empty
    assert c.balance.to_russia_km2 == c.balance.to_ukraine_km2 == 0
    assert c.towns.empty


def test_compare_cut_pieces(geo) -> None:
    a = scenario('[[rules]]\narea = { strip_km = 10, side = "russia" }\ncontrol = "demilitarized"')
    b = scenario('[[rules]]\narea = { strip_km = 5 }\ncontrol = "international"')
    c = compare(a, b, geography=geo)
    assert c.balance.to_international_km2 == pytest.approx(
        scenario_stats(b, geography=geo)
        .by_control.set_index("control")
        .loc["international", "area_km2"],
        rel=1e-6,
    )
    assert c.balance.to_ukraine_km2 == pytest.approx(2_900 - 5 * 150 * 2 + 25, rel=1e-4)
