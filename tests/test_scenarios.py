"""The scenario algebra on tiny synthetic layers (squares), the parser and the validator.

The synthetic country is a 2 x 2 grid of 100 km squares in the equal-area CRS (metres):

    y 200 km +---------+---------+
             |  UA-09  |  UA-14  |     baseline (Russian-held): x 0..150 km, y 50..200 km
    y 100 km +---------+---------+
             |  UA-23  |  UA-63  |
    y   0    +---------+---------+
             x 0     100 km    200 km
"""

from __future__ import annotations

import math
from datetime import date

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthetic import ISSUE_EXAMPLE, KM, scenario, square, synthetic_geography

from territory_viz import areas as A
from territory_viz._errors import ValidationError
from territory_viz.model import CRS_EQUAL_AREA, Control, Party, Recognition
from territory_viz.scenarios import (
    Scenario,
    display_class,
    evaluate,
    evaluate_full,
    parse_scenario,
    scenario_to_toml,
)


@pytest.fixture(scope="module")
def geo() -> A.Geography:
    return synthetic_geography()


def by_control(partition: gpd.GeoDataFrame) -> dict[str, float]:
    return partition.groupby("control")["area_km2"].sum().round(3).to_dict()


def assert_partition(partition: gpd.GeoDataFrame, geo: A.Geography) -> None:
    """No gaps, no overlaps, area conserved (measured in the equal-area CRS)."""
    assert shapely.is_valid(partition.geometry.values).all()
    pieces = np.asarray(partition.to_crs(CRS_EQUAL_AREA).geometry.values)
    total = geo.total_area_km2
    assert partition["area_km2"].sum() == pytest.approx(total, rel=1e-4)
    union_km2 = shapely.area(shapely.union_all(pieces)) / 1e6
    assert union_km2 == pytest.approx(total, rel=1e-4)  # no gaps
    assert shapely.area(pieces).sum() / 1e6 == pytest.approx(union_km2, rel=1e-4)  # no overlaps
    keys = partition[
        [
            "iso_code",
            "baseline_control",
            "control",
            "display_class",
            *[f"rec_{p.value}" for p in Party],
        ]
    ]
    assert not keys.duplicated().any()


# --------------------------------------------------------------------------- parsing


def test_issue_example_parses_as_written() -> None:
    s = parse_scenario(ISSUE_EXAMPLE, source_name="my-variant.toml")
    assert s.id == "my-variant"
    assert s.as_of == date(2025, 8, 15)
    assert s.sources[0].date == date(2025, 8, 14)
    assert s.rules[0].area == A.Baseline()
    # recognition omitted: Russia de jure, everyone else none
    assert dict(s.rules[0].recognition) == {
        Party.UKRAINE: Recognition.NONE,
        Party.RUSSIA: Recognition.DE_JURE,
        Party.UNITED_STATES: Recognition.NONE,
        Party.EUROPEAN_UNION: Recognition.NONE,
        Party.UN_GENERAL_ASSEMBLY: Recognition.NONE,
    }
    assert s.rules[1].area == A.Regions(("UA-09", "UA-14"))
    assert s.rules[1].level(Party.UNITED_STATES) is Recognition.DE_FACTO
    assert s.rules[1].level(Party.EUROPEAN_UNION) is Recognition.NONE


def test_toml_date_literals_are_accepted() -> None:
    text = ISSUE_EXAMPLE.replace('"2025-08-15"', "2025-08-15").replace('"2025-08-14"', "2025-08-14")
    assert parse_scenario(text) == parse_scenario(ISSUE_EXAMPLE)


def test_omitted_recognition_elsewhere_is_none() -> None:
    s = scenario('[[rules]]\narea = "country"\ncontrol = "demilitarized"')
    assert all(level is Recognition.NONE for _, level in s.rules[0].recognition)


def test_round_trip_through_toml() -> None:
    s = scenario(
        '[[rules]]\narea = { difference = ["country", { claim = "russia-claim" }] }\n'
        'control = "international"\nnote = "a \\"quoted\\" note\\twith tab"\n'
        '[[rules]]\narea = { strip_km = "buffer_km", side = "russia" }\ncontrol = "demilitarized"\n'
        '[[rules]]\narea = { circle_km = 7.5, lat = 47.51, lon = 34.585 }\ncontrol = "ukraine"\n',
        params="[parameters]\nbuffer_km = 15\n",
    )
    s = Scenario(**{**s.__dict__, "title": 'Ünïcode — \x7f and \x01 \\ "q"'})
    again = parse_scenario(scenario_to_toml(s))
    assert again == s
    assert hash(again) == hash(s)


def test_path_and_bytes_inputs(tmp_path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(ISSUE_EXAMPLE, encoding="utf-8")
    assert (
        parse_scenario(path) == parse_scenario(str(path)) == parse_scenario(ISSUE_EXAMPLE.encode())
    )


# --------------------------------------------------------------------------- validation


def problems_of(text: str) -> list[str]:
    with pytest.raises(ValidationError) as info:
        parse_scenario(text, source_name="bad.toml")
    assert info.value.source == "bad.toml"
    assert str(info.value).startswith("bad.toml")
    return info.value.problems


def test_every_problem_is_collected_at_once() -> None:
    text = """
id = "Not A Slug"
title = "x"
as_of = "15 August 2025"
colour = "red"

[[sources]]
publisher = "X"
date = "2025-13-01"
title = "Y"
url = "javascript:alert(1)"

[[rules]]
control = "russia"

[[rules]]
area = { regions = ["UA-99"] }
control = "martians"
recognition = { china = "de_jure", russia = "sort_of" }

[[rules]]
area = { strip_km = 500 }
control = "demilitarized"
"""
    problems = problems_of(text)
    joined = "\n".join(problems)
    for expected in [
        "id: 'Not A Slug' is not a slug",
        "summary: missing field",
        "as_of: '15 August 2025' is not a date",
        "'colour': unknown key",
        "sources[0].date",
        "sources[0].url",
        "rules[0]: rule with no area",
        "rules[1].area.regions[0]: unknown region 'UA-99'",
        "rules[1].control: unknown control 'martians'",
        "unknown party 'china'",
        "rules[1].recognition.russia",
        "rules[2].area.strip_km: 500 is out of range",
    ]:
        assert expected in joined, expected
    assert len(problems) >= 12
    # every message says what is allowed
    assert "allowed: ukraine, russia, demilitarized, international" in joined
    assert "allowed: de_jure, de_facto, none" in joined


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('area = { regions = ["UA-99"] }\ncontrol = "russia"', "unknown region 'UA-99'"),
        ('area = "country"\ncontrol = "martians"', "unknown control 'martians'"),
        ('area = "country"', "rules[0].control: missing field"),
        ('control = "russia"', "rule with no area"),
        (
            'area = "country"\ncontrol = "russia"\nrecognition = { nato = "none" }',
            "unknown party 'nato'",
        ),
        (
            'area = "country"\ncontrol = "russia"\nrecognition = { russia = "maybe" }',
            "unknown recognition level 'maybe'",
        ),
        ('area = { strip_km = 0 }\ncontrol = "demilitarized"', "out of range"),
        ('area = { strip_km = 101 }\ncontrol = "demilitarized"', "out of range"),
        ('area = { strip_km = 5, side = "north" }\ncontrol = "demilitarized"', "unknown side"),
        ('area = { strip_km = "width" }\ncontrol = "demilitarized"', "unknown parameter 'width'"),
        ('area = { circle_km = 5, lat = 47.5 }\ncontrol = "international"', "missing field 'lon'"),
        ('area = { circle_km = 5, lat = 95, lon = 34 }\ncontrol = "international"', ".lat:"),
        ('area = { claim = "china-claim" }\ncontrol = "russia"', "unknown claim 'china-claim'"),
        ('area = { union = ["country"] }\ncontrol = "russia"', "at least two areas"),
        (
            'area = { regions = ["UA-14"], claim = "russia-claim" }\ncontrol = "russia"',
            "exactly one of",
        ),
        ('area = "UA-14"\ncontrol = "russia"', 'regions = ["UA-14"]'),
        ('area = "everywhere"\ncontrol = "russia"', "unknown area 'everywhere'"),
        ('area = 5\ncontrol = "russia"', "an integer is not an area"),
        (
            'area = "country"\ncontrol = "ukraine"\nrecognition = { united_states = "de_jure" }',
            "every level must be none",
        ),
        ('area = "country"\ncontrol = "russia"\nextra = 1', "rules[0].'extra': unknown key"),
    ],
)
def test_one_message_per_rule(snippet: str, expected: str) -> None:
    text = f'id = "x"\ntitle = "T"\nsummary = "S"\nas_of = "2025-08-15"\n[[rules]]\n{snippet}\n'
    problems = problems_of(text)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id = ", "not valid TOML"),
        ("", "the file is empty"),
        ("# a comment and nothing else\n", "id: missing field"),
        (
            'id = "x"\ntitle = "T"\nsummary = "S"\nas_of = 2025-08-15T10:00:00\nrules = []',
            "a date-time",
        ),
        (
            'id = "x"\ntitle = "T"\nsummary = "S"\nas_of = "2025-08-15"\nrules = []',
            "one or more [[rules]]",
        ),
        (
            'id = "x"\ntitle = "T"\nsummary = "S"\nas_of = "2025-08-15"\n'
            + '[[rules]]\narea = "country"\ncontrol = "russia"\n' * 51,
            "at most 50",
        ),
        (
            'id = "x"\ntitle = "T"\nsummary = "S"\nas_of = "2025-08-15"\n'
            '[parameters]\nbuffer_km = "wide"\n[[rules]]\narea = "country"\ncontrol = "russia"',
            "parameters.buffer_km",
        ),
        (
            'id = "x"\ntitle = "T"\nsummary = "S"\nas_of = "2025-08-15"\n'
            '[parameters]\nbuffer_km = 500\n[[rules]]\narea = { strip_km = "buffer_km" }\n'
            'control = "demilitarized"',
            "parameter 'buffer_km' = 500 is out of range",
        ),
    ],
)
def test_file_level_problems(text: str, expected: str) -> None:
    assert any(expected in p for p in problems_of(text))


def test_huge_file_is_refused_before_parsing() -> None:
    text = ISSUE_EXAMPLE + "# " + "x" * 70_000
    assert "allowed: at most 65,536 bytes" in problems_of(text)[0]


def test_deep_nesting_is_refused() -> None:
    area = '"country"'
    for _ in range(10):
        area = f'{{ union = [{area}, "baseline"] }}'
    text = (
        f'id = "x"\ntitle = "T"\nsummary = "S"\nas_of = "2025-08-15"\n'
        f'[[rules]]\narea = {area}\ncontrol = "russia"'
    )
    assert any("nested too deeply" in p for p in problems_of(text))


def test_unreadable_path_is_a_validation_error(tmp_path) -> None:
    with pytest.raises(ValidationError, match="cannot read"):
        parse_scenario(tmp_path / "missing.toml")


def test_not_utf8() -> None:
    with pytest.raises(ValidationError, match="not UTF-8"):
        parse_scenario(b'id = "\xff"\n')


@pytest.mark.parametrize("blank", [b"", b"  \n\t\n", "\ufeff".encode(), "\n\n"])
def test_empty_file_is_one_problem_naming_what_a_scenario_holds(blank) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_scenario(blank, source_name="blank.toml")
    (problem,) = caught.value.problems
    assert problem.startswith("the file is empty") and "[[rules]]" in problem
    assert caught.value.source == "blank.toml"


# --------------------------------------------------------------------------- algebra


def test_issue_example_on_squares(geo) -> None:
    partition = evaluate(parse_scenario(ISSUE_EXAMPLE), geography=geo)
    assert_partition(partition, geo)
    # top row (20,000 km²) plus the baseline's part of the bottom row (150 x 50 km)
    assert by_control(partition) == {"russia": 27_500.0, "ukraine": 12_500.0}
    top = partition[partition["iso_code"].isin(["UA-09", "UA-14"])]
    assert set(top["display_class"]) == {"russia/de_facto"}
    bottom_russia = partition[
        (partition["iso_code"] == "UA-23") & (partition["control"] == "russia")
    ]
    assert set(bottom_russia["display_class"]) == {"russia/none"}
    assert partition.crs.to_epsg() == 4326
    assert partition.attrs["baseline"] == "occupied-synthetic"


def test_default_is_ukraine_and_later_rules_win(geo) -> None:
    partition = evaluate(
        scenario(
            '[[rules]]\narea = "country"\ncontrol = "russia"\n'
            '[[rules]]\narea = { regions = ["UA-63"] }\ncontrol = "ukraine"\n'
        ),
        geography=geo,
    )
    assert by_control(partition) == {"russia": 30_000.0, "ukraine": 10_000.0}
    nothing = evaluate(
        scenario('[[rules]]\narea = { regions = ["UA-63"] }\ncontrol = "ukraine"'), geography=geo
    )
    assert by_control(nothing) == {"ukraine": 40_000.0}


def test_set_operations(geo) -> None:
    inter = evaluate(
        scenario(
            '[[rules]]\narea = { intersection = ["baseline", '
            '{ regions = ["UA-14", "UA-63"] }] }\ncontrol = "russia"'
        ),
        geography=geo,
    )
    assert by_control(inter)["russia"] == 50 * 100 + 50 * 50
    diff = evaluate(
        scenario(
            '[[rules]]\narea = { difference = [{ claim = "russia-claim" }, '
            '"baseline"] }\ncontrol = "russia"'
        ),
        geography=geo,
    )
    # the claim (three squares) minus the baseline: UA-14's right half and UA-23's south half
    assert by_control(diff)["russia"] == 50 * 100 + 100 * 50
    union = evaluate(
        scenario(
            '[[rules]]\narea = { union = ["baseline", { regions = ["UA-63"] }] }'
            '\ncontrol = "international"'
        ),
        geography=geo,
    )
    assert by_control(union)["international"] == 22_500 + 10_000 - 50 * 50
    for partition in (inter, diff, union):
        assert_partition(partition, geo)


def test_strip_on_each_side_of_the_line(geo) -> None:
    russia = evaluate(
        scenario('[[rules]]\narea = { strip_km = 10, side = "russia" }\ncontrol = "demilitarized"'),
        geography=geo,
    )
    # inside the baseline within 10 km of its L-shaped edge (the border is not the line)
    assert by_control(russia)["demilitarized"] == pytest.approx(10 * 150 * 2 - 10 * 10, rel=1e-5)
    ukraine = evaluate(
        scenario(
            '[[rules]]\narea = { strip_km = 10, side = "ukraine" }\ncontrol = "demilitarized"'
        ),
        geography=geo,
    )
    # two 10 x 150 km bands and a rounded corner (a quarter disc)
    expected = 2 * 10 * 150 + math.pi * 100 / 4
    assert by_control(ukraine)["demilitarized"] == pytest.approx(expected, rel=1e-3)
    both = evaluate(
        scenario(
            '[[rules]]\narea = { strip_km = "w" }\ncontrol = "demilitarized"',
            params="[parameters]\nw = 10",
        ),
        geography=geo,
    )
    assert by_control(both)["demilitarized"] == pytest.approx(
        by_control(russia)["demilitarized"] + by_control(ukraine)["demilitarized"], rel=1e-6
    )
    for partition in (russia, ukraine, both):
        assert_partition(partition, geo)


def test_strip_is_clipped_to_the_country(geo) -> None:
    wide = evaluate(
        scenario('[[rules]]\narea = { strip_km = 100 }\ncontrol = "demilitarized"'), geography=geo
    )
    assert_partition(wide, geo)
    assert wide["area_km2"].sum() == pytest.approx(40_000, rel=1e-6)


def test_circle_around_a_point(geo) -> None:
    centre = A.to_geographic(shapely.Point(170 * KM, 20 * KM))
    partition = evaluate(
        scenario(
            f"[[rules]]\narea = {{ circle_km = 10, lat = {centre.y}, lon = {centre.x} }}\n"
            'control = "international"'
        ),
        geography=geo,
    )
    assert by_control(partition)["international"] == pytest.approx(math.pi * 100, rel=2e-3)
    assert_partition(partition, geo)


def test_cuts_stack_and_identical_outcomes_merge(geo) -> None:
    s = scenario(
        '[[rules]]\narea = "baseline"\ncontrol = "russia"\n'
        '[[rules]]\narea = { strip_km = 10 }\ncontrol = "demilitarized"\n'
        '[[rules]]\narea = { strip_km = 5, side = "russia" }\ncontrol = "russia"\n'
        '[[rules]]\narea = { strip_km = 3 }\ncontrol = "demilitarized"\n'
        '[[rules]]\narea = { regions = ["UA-63"] }\ncontrol = "international"\n'
    )
    partition = evaluate(s, geography=geo)
    assert_partition(partition, geo)
    assert set(partition["control"]) == {"russia", "ukraine", "demilitarized", "international"}
    assert by_control(partition)["international"] == 10_000


def test_population_is_conserved_and_located(geo) -> None:
    ev = evaluate_full(parse_scenario(ISSUE_EXAMPLE), geography=geo)
    p = ev.partition
    assert p["population"].sum() == pytest.approx(430_000)
    # Easttown (150,000) is in UA-14's Ukrainian-held half and moves to Russia
    east = p[(p["iso_code"] == "UA-14") & (p["baseline_control"] == "ukraine")]
    assert east["control"].tolist() == ["russia"]
    # UA-14: 180,000 in towns, 20,000 rural over 10,000 km²; the half holds Easttown + 10,000
    assert east["population"].iloc[0] == pytest.approx(160_000)
    names = ev.geography.settlement_names
    assert p.iloc[ev.settlement_piece[list(names).index("Easttown")]]["control"] == "russia"


def test_settlements_above_the_region_total_are_scaled() -> None:
    geo = synthetic_geography()
    regions = gpd.GeoDataFrame(
        {"iso_code": ["UA-09"], "name_en": ["L"], "population_2022": [1000]},
        geometry=[square(0, 0, 10, 10)],
        crs=CRS_EQUAL_AREA,
    )
    towns = gpd.GeoDataFrame(
        {"name": ["a", "b"], "population": [1500, 500], "iso_code": ["UA-09", "UA-09"]},
        geometry=shapely.points([(1000, 1000), (9000, 9000)]),
        crs=CRS_EQUAL_AREA,
    )
    geo = A.Geography(
        regions,
        towns,
        snapshot_loader=lambda _: gpd.GeoDataFrame(
            {"id": ["x"]}, geometry=[square(0, 0, 5, 10)], crs=CRS_EQUAL_AREA
        ),
        default_baseline="x",
    )
    p = evaluate(scenario('[[rules]]\narea = "baseline"\ncontrol = "russia"'), geography=geo)
    assert p["population"].sum() == pytest.approx(1000)
    assert p.set_index("control")["population"].to_dict() == pytest.approx(
        {"russia": 750, "ukraine": 250}
    )


def test_user_layer_as_baseline(geo) -> None:
    layer = gpd.GeoDataFrame(
        {"id": ["mine"], "date": ["2026-01-01"]},
        geometry=[square(0, 0, 100, 100)],
        crs=CRS_EQUAL_AREA,
    ).to_crs("EPSG:4326")
    p = evaluate(parse_scenario(ISSUE_EXAMPLE), layer, geography=geo)
    assert by_control(p) == pytest.approx({"russia": 30_000.0, "ukraine": 10_000.0}, rel=1e-6)
    assert p.attrs["baseline"] == "mine"
    assert geo.baseline(layer) is geo.baseline(layer.copy())  # cached by content


def test_unknown_baseline_id(geo) -> None:
    with pytest.raises(ValidationError, match="unknown baseline 'occupied-1900-01-01'"):
        evaluate(parse_scenario(ISSUE_EXAMPLE), "occupied-1900-01-01", geography=geo)


def test_evaluation_is_bounded_in_time(geo) -> None:
    with pytest.raises(ValidationError, match="longer than"):
        evaluate(parse_scenario(ISSUE_EXAMPLE), geography=geo, timeout_s=-1)


def test_with_parameters(geo) -> None:
    s = scenario(
        '[[rules]]\narea = { strip_km = "buffer_km" }\ncontrol = "demilitarized"',
        params="[parameters]\nbuffer_km = 15",
    )
    wider = s.with_parameters(buffer_km=20)
    assert wider.parameters == {"buffer_km": 20.0}
    assert parse_scenario(scenario_to_toml(wider)) == wider
    with pytest.raises(ValidationError, match="out of range"):
        s.with_parameters(buffer_km=1000)
    with pytest.raises(ValidationError, match="unknown parameter"):
        s.with_parameters(width=3)


def test_display_class() -> None:
    none = dict.fromkeys(Party, Recognition.NONE)
    assert display_class(Control.UKRAINE, none) == "ukraine"
    assert (
        display_class(Control.RUSSIA, none | {Party.RUSSIA: Recognition.DE_JURE}) == "russia/none"
    )
    assert (
        display_class(
            Control.RUSSIA,
            none | {Party.UNITED_STATES: Recognition.DE_FACTO, Party.UKRAINE: Recognition.DE_JURE},
        )
        == "russia/de_jure"
    )
    assert display_class(Control.DEMILITARIZED, none) == "demilitarized"


# --------------------------------------------------------------------------- fuzzing

_keys = st.sampled_from(
    [
        "id",
        "title",
        "summary",
        "as_of",
        "rules",
        "sources",
        "parameters",
        "area",
        "control",
        "recognition",
        "regions",
        "strip_km",
        "side",
        "circle_km",
        "lat",
        "lon",
        "union",
        "difference",
        "claim",
        "snapshot",
        "x",
    ]
)
_scalars = st.one_of(
    st.text(max_size=12),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.booleans(),
    st.dates(),
    st.sampled_from(
        [
            "country",
            "baseline",
            "UA-14",
            "russia",
            "de_jure",
            "russia-claim",
            "2025-08-15",
            "occupied-2022-02-23",
        ]
    ),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_keys, _values, max_size=7))
def test_fuzz_structures(data) -> None:
    from territory_viz.scenarios import scenario_from_dict

    try:
        result = scenario_from_dict(data)
    except ValidationError as exc:
        assert exc.problems
    else:
        assert isinstance(result, Scenario)
        assert parse_scenario(scenario_to_toml(result)) == result


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_fuzz_text(text) -> None:
    try:
        result = parse_scenario(
            text if isinstance(text, bytes) or "\n" in text or "=" in text else text + "\n="
        )
    except ValidationError as exc:
        assert exc.problems
    else:
        assert isinstance(result, Scenario)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "area": st.one_of(
                    st.sampled_from(["country", "baseline"]),
                    st.fixed_dictionaries(
                        {
                            "regions": st.lists(
                                st.sampled_from(["UA-09", "UA-14", "UA-23", "UA-63"]),
                                min_size=1,
                                max_size=3,
                            )
                        }
                    ),
                    st.fixed_dictionaries(
                        {
                            "strip_km": st.floats(1, 60),
                            "side": st.sampled_from(["both", "russia", "ukraine"]),
                        }
                    ),
                ),
                "control": st.sampled_from(["ukraine", "russia", "demilitarized", "international"]),
            }
        ),
        min_size=1,
        max_size=5,
    )
)
def test_fuzz_partitions(rules) -> None:
    from territory_viz.scenarios import scenario_from_dict

    s = scenario_from_dict(
        {"id": "f", "title": "F", "summary": "S", "as_of": "2025-01-01", "rules": rules}
    )
    geo = _FUZZ_GEO
    assert_partition(evaluate(s, geography=geo), geo)


_FUZZ_GEO = synthetic_geography()


def test_too_many_strips_and_circles() -> None:
    rules = "".join(
        f'[[rules]]\narea = {{ strip_km = {i + 1} }}\ncontrol = "demilitarized"\n'
        for i in range(A.MAX_CUTS + 1)
    )
    text = f'id = "x"\ntitle = "T"\nsummary = "S"\nas_of = "2025-08-15"\n{rules}'
    assert any("strips, circles and snapshots; allowed: at most 16" in p for p in problems_of(text))


def test_rule_of_fills_defaults() -> None:
    from territory_viz.scenarios import Rule

    rule = Rule.of(A.Regions(("UA-09", "UA-14")), Control.RUSSIA, {Party.UNITED_STATES: "de_facto"})
    assert rule == parse_scenario(ISSUE_EXAMPLE).rules[1]
    assert Rule.of(A.Country(), Control.UKRAINE).level(Party.RUSSIA) is Recognition.NONE


def test_layer_without_properties_or_crs(geo) -> None:
    """A DeepStateMap-like layer: one feature, no properties, lon/lat without a CRS."""
    lonlat = A.to_geographic(square(0, 0, 100, 100))
    layer = gpd.GeoDataFrame(geometry=[lonlat], crs=None)
    p = evaluate(parse_scenario(ISSUE_EXAMPLE), layer, geography=geo)
    assert by_control(p) == pytest.approx({"russia": 30_000.0, "ukraine": 10_000.0}, rel=1e-6)
    assert p.attrs["baseline"] == "custom"


def test_empty_baseline_means_no_line(geo) -> None:
    layer = gpd.GeoDataFrame(geometry=[shapely.Polygon()], crs="EPSG:4326")
    s = scenario(
        '[[rules]]\narea = "baseline"\ncontrol = "russia"\n'
        '[[rules]]\narea = { strip_km = 10 }\ncontrol = "demilitarized"'
    )
    p = evaluate(s, layer, geography=geo)
    assert by_control(p) == {"ukraine": 40_000.0}


def test_snapshot_area(geo) -> None:
    from territory_viz.scenarios import Rule

    s = Scenario(
        "t",
        "T",
        "S",
        date(2025, 8, 15),
        (),
        (Rule.of(A.Snapshot("occupied-synthetic"), Control.RUSSIA),),
    )
    layer = gpd.GeoDataFrame(geometry=[square(0, 0, 100, 100)], crs=CRS_EQUAL_AREA)
    p = evaluate(s, layer, geography=geo)  # the baseline differs from the snapshot
    assert by_control(p) == pytest.approx({"russia": 22_500.0, "ukraine": 17_500.0}, rel=1e-6)
    assert_partition(p, geo)
    assert (
        A.area_to_toml(A.Snapshot("occupied-2022-02-23")) == '{ snapshot = "occupied-2022-02-23" }'
    )


def test_unknown_snapshot() -> None:
    text = (
        'id = "x"\ntitle = "T"\nsummary = "S"\nas_of = "2025-08-15"\n[[rules]]\n'
        'area = { snapshot = "occupied-1900-01-01" }\ncontrol = "russia"'
    )
    assert any("unknown snapshot 'occupied-1900-01-01'" in p for p in problems_of(text))
