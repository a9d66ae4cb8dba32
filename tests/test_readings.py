"""The ``reading`` field: where a scenario goes beyond its sources, said plainly."""

from __future__ import annotations

import pytest

from territory_viz import scenarios
from territory_viz.cli import main
from territory_viz.scenarios import ValidationError, parse_scenario, scenario_to_toml

TEXT = """
id = "read-test"
title = "A test"
summary = "A summary."
reading = "The buffer width is this project's choice."
as_of = 2025-11-20

[[sources]]
publisher = "CNBC"
date = 2025-11-20
title = "A title"

[[rules]]
note = "Crimea"
reading = "Crimea is read as included."
area = { regions = ["UA-43"] }
control = "russia"

[[rules]]
area = { regions = ["UA-09"] }
control = "russia"
"""


def test_reading_is_parsed_at_both_levels_and_round_trips() -> None:
    s = parse_scenario(TEXT, source_name="t.toml")
    assert s.reading == "The buffer width is this project's choice."
    assert s.rules[0].reading == "Crimea is read as included."
    assert s.rules[1].reading == ""
    assert s.readings() == [s.reading, "Crimea is read as included."]
    again = parse_scenario(scenario_to_toml(s), source_name="again.toml")
    assert again == s and again.readings() == s.readings()


def test_reading_is_optional() -> None:
    text = TEXT.replace('reading = "The buffer width is this project\'s choice."\n', "")
    s = parse_scenario(text, source_name="t.toml")
    assert s.reading == "" and "reading =" not in scenario_to_toml(s).split("[[")[0]


@pytest.mark.parametrize(
    "bad, field",
    [
        ("reading = 5", "reading"),
        ('reading = "' + "x" * 1001 + '"', "reading"),
    ],
)
def test_bad_reading_is_a_clear_problem(bad: str, field: str) -> None:
    text = TEXT.replace('reading = "The buffer width is this project\'s choice."', bad)
    with pytest.raises(ValidationError) as err:
        parse_scenario(text, source_name="t.toml")
    assert "t.toml" in str(err.value) and field in str(err.value)


def test_bad_rule_reading_names_the_rule() -> None:
    text = TEXT.replace('reading = "Crimea is read as included."', "reading = []")
    with pytest.raises(ValidationError) as err:
        parse_scenario(text, source_name="t.toml")
    assert "rules[1].reading" in str(err.value) or "rules[0].reading" in str(err.value)


def test_stats_json_and_table_carry_reading_notice_and_note(tmp_path, capsys) -> None:
    import json

    path = tmp_path / "read-test.toml"
    path.write_text(TEXT, encoding="utf-8")
    assert (
        main(
            [
                "stats",
                "--scenario-file",
                str(path),
                "--baseline",
                "occupied-2026-08-22",
                "--format",
                "json",
            ]
        )
        == 0
    )
    d = json.loads(capsys.readouterr().out)
    assert d["reading"] == "The buffer width is this project's choice."
    assert d["rule_readings"] == ["Crimea is read as included."]
    assert d["date_notice"] == "reported 20 Nov 2025; evaluated on control on 22 Aug 2026"
    assert d["approximation"].endswith("Control as on 22 Aug 2026.")

    assert main(["stats", "--scenario-file", str(path), "--baseline", "occupied-2026-08-22"]) == 0
    out = capsys.readouterr().out
    assert "Dates differ: reported 20 Nov 2025; evaluated on control on 22 Aug 2026." in out
    assert "Approximate:" in out and "Control as on 22 Aug 2026." in out
    assert "Reading: The buffer width is this project's choice." in out
    assert "Reading: Crimea is read as included." in out


def test_no_date_notice_when_dates_are_close(tmp_path, capsys) -> None:
    path = tmp_path / "read-test.toml"
    path.write_text(TEXT.replace("as_of = 2025-11-20", "as_of = 2025-08-01"), encoding="utf-8")
    assert main(["stats", "--scenario-file", str(path), "--baseline", "occupied-2025-08-15"]) == 0
    out = capsys.readouterr().out
    assert "Dates differ" not in out and "Control as on 15 Aug 2025." in out


def test_every_builtin_scenario_loads() -> None:
    for scenario_id in scenarios.BUILTIN_IDS:
        assert scenarios.get_scenario(scenario_id).id == scenario_id


#: Built-in scenarios whose files read more than their sources say, and a word each reading
#: must contain.
BUILTIN_READINGS = {
    "28-point-plan-2025-11": (
        "other agreed territories",
        "internationally recognized",
        "AFP, 21 Nov 2025",
        "Ukraine, a party to the plan",
    ),
    "de-facto-not-de-jure": ("four regions it broadly occupies", "Crimea and Sevastopol"),
    "us-final-offer-2025-04": (
        "Sumy",
        "Dnipropetrovsk",
        "Reuters on 25 Apr 2025",
        "plant_radius_km",
        "Kakhovka dam",
        "international administration",
    ),
    "ceasefire-with-dmz": ("15 km default of buffer_km is the project's choice", "claim"),
    "donbas-for-freeze": ("one analyst's paraphrase quoted by CNBC",),
    "land-swap": ("which land would be swapped is not reported",),
    "ceasefire-current-line": ("no party other than Russia",),
    "russia-claim-in-full": ("No reported plan proposes the claim in full",),
}


def test_only_the_constitutional_position_has_no_reading() -> None:
    # Every other file interprets its source somewhere; this one maps a stated position.
    without = {s.id for s in scenarios.list_scenarios() if not s.readings()}
    assert without == {"ukraine-1991-borders"}
    assert set(BUILTIN_READINGS) == {s.id for s in scenarios.list_scenarios()} - without


def test_every_parameter_is_said_to_be_the_files_choice() -> None:
    # A width or radius no source gives: a reading names the parameter.
    for s in scenarios.list_scenarios():
        text = " ".join(s.readings())
        for name in s.parameters:
            assert name in text and "project's choice" in text, (s.id, name)


def test_final_offer_cites_reuters_for_the_spit_and_the_dam() -> None:
    s = scenarios.get_scenario("us-final-offer-2025-04")
    reuters = [src for src in s.sources if src.publisher == "Reuters"]
    assert [src.date.isoformat() for src in reuters] == ["2025-04-25"]
    assert "17 Apr 2025" in reuters[0].title
    spit = [r for r in s.rules if "Kinburn" in r.note]
    assert spit and "Reuters on 25 Apr 2025" in spit[0].reading
    # The dam is not drawn (no rule covers it by name) and the reading says why.
    assert not any("Kakhovka" in r.note for r in s.rules)
    assert "is not drawn" in s.reading and "Kakhovka dam" in s.reading
    plant = [r for r in s.rules if r.control.value == "international"]
    assert plant and "Ukrainian territory, operated by the US" in plant[0].reading


@pytest.mark.parametrize("scenario_id, words", sorted(BUILTIN_READINGS.items()))
def test_builtin_readings_say_where_the_file_goes_beyond_its_source(scenario_id, words) -> None:
    s = scenarios.get_scenario(scenario_id)
    text = " ".join(s.readings())
    for word in words:
        assert word in text, (scenario_id, word)
    assert "project's" in text


def test_donbas_for_freeze_is_not_presented_as_the_russian_position() -> None:
    s = scenarios.get_scenario("donbas-for-freeze")
    assert "reported Russian position" not in s.title + s.summary
    assert "analyst" in s.summary
