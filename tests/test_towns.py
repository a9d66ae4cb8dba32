"""Finding a town by name and who controls it: spellings, ambiguity, the `town` command."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from territory_viz._errors import ValidationError
from territory_viz.cli import main
from territory_viz.scenarios import BUILTIN_IDS
from territory_viz.towns import (
    CLEAR_WINNER_RATIO,
    TownNotFound,
    find_town,
    name_key,
    search_towns,
    town_outcomes,
    town_report,
)


@pytest.mark.parametrize(
    ("query", "name", "region"),
    [
        ("Kramatorsk", "Kramatorsk", "Donetsk"),
        ("kramatorsk", "Kramatorsk", "Donetsk"),
        ("Slovyansk", "Sloviansk", "Donetsk"),
        ("Sloviansk", "Sloviansk", "Donetsk"),
        ("Слов'янськ", "Sloviansk", "Donetsk"),
        ("Kupyansk", "Kupiansk", "Kharkiv"),
        ("Куп’янськ", "Kupiansk", "Kharkiv"),
        ("Hulyaypole", "Huliaipole", "Zaporizhzhia"),  # the town, not the village in Dnipropetrovsk
        ("Гуляйполе", "Huliaipole", "Zaporizhzhia"),
        ("Kostyantynivka", "Kostiantynivka", "Donetsk"),
        ("Костянтинівка", "Kostiantynivka", "Donetsk"),
        ("Pokrovsk", "Pokrovsk", "Donetsk"),
        ("Енергодар", "Enerhodar", "Zaporizhzhia"),
        ("Bakhmut", "Bakhmut", "Donetsk"),
        ("  Zaporizhzhya ", "Zaporizhzhia", "Zaporizhzhia"),
        # the smaller town of that name, spelled as GeoNames does (not in the labels table)
        ("Kostiantynivka, Zaporizhzhia", "Kostyantynivka", "Zaporizhzhia"),
        ("Kostiantynivka, UA-23", "Kostyantynivka", "Zaporizhzhia"),
    ],
)
def test_common_spellings_find_the_town_readers_mean(query, name, region):
    town = find_town(query)
    assert (town.name, town.region) == (name, region)


def test_the_key_forgets_transliteration_differences_but_not_the_name():
    assert name_key("Slovyansk") == name_key("Sloviansk") == name_key("Слов'янськ")
    assert name_key("Kupyansk") == name_key("Kupiansk")
    assert name_key("Kramatorsk") != name_key("Kostiantynivka")
    assert name_key("Їжакевичі") == name_key("Yizhakevychi")  # word-initial ї is "yi"
    assert name_key("Згурівка") == name_key("Zghurivka")


def test_a_typo_is_not_guessed_but_offered():
    with pytest.raises(TownNotFound) as info:
        find_town("Kramatrsk")
    assert not info.value.ambiguous
    assert [t.name for t in info.value.candidates][:1] == ["Kramatorsk"]
    assert "did you mean: Kramatorsk (Donetsk" in str(info.value)


def test_an_unknown_name_says_where_it_was_looked_for():
    with pytest.raises(TownNotFound) as info:
        find_town("Xyzzyqw")
    assert info.value.candidates == []
    assert "no place called 'Xyzzyqw'" in str(info.value)
    assert "places of 500+ people" in str(info.value)


def test_places_of_one_name_of_similar_size_are_listed_with_their_regions():
    with pytest.raises(TownNotFound) as info:
        find_town("Pokrovske")
    err = info.value
    assert err.ambiguous and len(err.candidates) > 1
    assert "Pokrovske (Dnipropetrovsk, 9,868 people)" in str(err)
    assert "say which with 'Name, Region'" in str(err)
    # narrowed by region it is found
    assert find_town("Pokrovske", region="Luhansk").iso_code == "UA-09"


def _frame(rows):
    return gpd.GeoDataFrame(
        {
            "geonameid": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "name_geonames": [r[1] for r in rows],
            "iso_code": [r[2] for r in rows],
            "population": [r[3] for r in rows],
            "lon": [30.0] * len(rows),
            "lat": [50.0] * len(rows),
        },
        geometry=gpd.points_from_xy([30.0] * len(rows), [50.0] * len(rows)),
        crs="EPSG:4326",
    )


def test_clear_winner_rule_on_synthetic_places():
    big = int(1000 * CLEAR_WINNER_RATIO)
    clear = _frame([(1, "Testivka", "UA-14", big), (2, "Testivka", "UA-23", 1000)])
    assert find_town("Testivka", settlements=clear).geonameid == 1
    close = _frame([(1, "Testivka", "UA-14", big - 1), (2, "Testivka", "UA-23", 1000)])
    with pytest.raises(TownNotFound) as info:
        find_town("Testivka", settlements=close)
    assert [t.geonameid for t in info.value.candidates] == [1, 2]
    assert "Testivka (Donetsk, 4,999 people); Testivka (Zaporizhzhia, 1,000 people)" in str(
        info.value
    )


@pytest.mark.parametrize(
    ("query", "region", "message"),
    [
        ("", None, "give a place name"),
        ("   ", None, "give a place name"),
        ("x" * 200, None, "at most 80"),
        ("1234", None, "no letters of a place name"),
        ("Kramatorsk", "Atlantis", "'Atlantis' is not a region"),
        ("Kramatorsk, Donetsk", "UA-14", "give the region once"),
    ],
)
def test_bad_queries_get_a_clear_message(query, region, message):
    with pytest.raises(ValidationError, match=message):
        find_town(query, region=region)


def test_search_offers_prefixes_for_a_search_box():
    names = [t.name for t in search_towns("Kramat")]
    assert "Kramatorsk" in names


def test_kramatorsk_under_every_scenario():
    town = find_town("Kramatorsk")
    out = town_outcomes(town)
    # The default baseline: the newest committed snapshot.
    assert out["baseline"] == {
        "id": "occupied-2026-08-22",
        "date": "2026-08-22",
        "control": "ukraine",
    }
    assert list(out["scenarios"]) == list(BUILTIN_IDS)
    controls = {sid: v["control"] for sid, v in out["scenarios"].items()}
    # Donetsk oblast in full goes to Russia in these; the 28-point plan makes the
    # Ukrainian-held part a demilitarized zone; the freeze keeps the line.
    assert controls["donbas-for-freeze"] == "russia"
    assert controls["russia-claim-in-full"] == "russia"
    assert controls["28-point-plan-2025-11"] == "demilitarized"
    assert controls["ceasefire-current-line"] == "ukraine"
    assert controls["ukraine-1991-borders"] == "ukraine"


def test_an_occupied_town_is_russian_on_the_baseline_and_ukrainian_in_1991_borders():
    out = town_report("Enerhodar")
    assert out["baseline"]["control"] == "russia"
    assert out["scenarios"]["ukraine-1991-borders"]["control"] == "ukraine"
    assert out["scenarios"]["ceasefire-current-line"]["recognition"]["russia"] == "de_jure"


def test_cli_json_has_the_documented_shape(capsys):
    assert main(["town", "Kramatorsk", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"name", "region", "population", "baseline", "scenarios"} <= set(doc)
    assert doc["name"] == "Kramatorsk" and doc["region"] == "Donetsk"
    assert doc["population"] == 147145
    assert set(doc["baseline"]) >= {"date", "control"}
    assert set(doc["scenarios"]) == set(BUILTIN_IDS)
    for outcome in doc["scenarios"].values():
        assert set(outcome) >= {"control", "recognition"}
        assert outcome["control"] in {"ukraine", "russia", "demilitarized", "international"}


def test_cli_table_names_every_scenario(capsys):
    assert main(["town", "Hulyaypole"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Huliaipole (Zaporizhzhia), pre-war population 13,446")
    for sid in BUILTIN_IDS:
        assert sid in out


def test_cli_table_words_control_and_recognition_from_style(capsys):
    from territory_viz.style import CONTROL_LABELS, recognised_by

    report = town_report("Hulyaypole")
    assert main(["town", "Hulyaypole"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].endswith(": " + CONTROL_LABELS[report["baseline"]["control"]])
    worded = 0
    for sid, outcome in report["scenarios"].items():
        line = next(x for x in lines if x.split() and x.split()[0] == sid)
        words = recognised_by(outcome["recognition"])
        expected = CONTROL_LABELS[outcome["control"]]
        if words and outcome["control"] != "ukraine":
            expected += f"; recognised {words}"
            worded += 1
        assert line.endswith(f"  {expected}"), line
    assert worded  # some scenario has another party's recognition to word


def test_cli_errors_are_one_line_without_traceback(capsys):
    assert main(["town", "Pokrovske"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m territory_viz town: error: town: 9 places")
    assert "Traceback" not in err and err.count("\n") == 1
    assert main(["town", "Kramatorsk", "--region", "Narnia"]) == 2
    assert "'Narnia' is not a region" in capsys.readouterr().err


def test_a_place_off_the_outline_takes_the_nearest_piece_of_its_region():
    """A point in the sea beside the occupied part of its region counts as occupied (the
    layer, drawn on the outline, does not reach it); one beside the Ukrainian part does not."""
    import geopandas as gpd
    import shapely

    from territory_viz import geography as G
    from territory_viz.model import CRS_EQUAL_AREA, Control

    km = 1000.0
    regions = gpd.GeoDataFrame(
        {"iso_code": ["UA-65"], "name_en": ["Kherson"], "population_2022": [100_000]},
        geometry=[shapely.box(0, 0, 100 * km, 100 * km)],
        crs=CRS_EQUAL_AREA,
    )
    places = gpd.GeoDataFrame(
        {"name": ["Harbour", "Bay", "Inland"], "population": [18_000, 5000, 3000]},
        geometry=shapely.points([(30 * km, -1 * km), (80 * km, -1 * km), (30 * km, 50 * km)]),
        crs=CRS_EQUAL_AREA,
    ).assign(iso_code="UA-65")
    layer = gpd.GeoDataFrame(
        {"id": ["t"], "date": ["2025-08-15"]},
        geometry=[shapely.box(0, 0, 50 * km, 100 * km)],  # the western half is occupied
        crs=CRS_EQUAL_AREA,
    )
    atoms = G.Geography(regions, places).baseline(layer)
    control = list(atoms.control[atoms.settlement_atom])
    assert control == [Control.RUSSIA, Control.UKRAINE, Control.RUSSIA]
    by_control = dict(zip(atoms.control, atoms.atom_settlement_weight, strict=True))
    assert by_control[Control.RUSSIA] == pytest.approx(21_000)


@pytest.mark.parametrize(
    ("query", "source", "words"),
    [
        ("Bakhmut", "GeoNames", "GeoNames' figure"),  # 80,500: GeoNames', not re-sourced
        ("Kherson", "SSSU 2022-01-01", "State Statistics Service of Ukraine"),
        ("Mariupol", "SSSU 2022-01-01", "1 January 2022"),
    ],
)
def test_the_report_says_whose_population_figure_it_is(query, source, words):
    from territory_viz.towns import population_note

    town = find_town(query)
    assert town.population_source == source
    assert words in population_note(town)
    report = town_report(query, scenarios=[])
    assert report["population_source"] == source
    assert report["population_note"] == population_note(town)
