"""The scenario commands of ``python -m territory_viz``: output, formats, and bad input."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from synthetic import ISSUE_EXAMPLE

from territory_viz import datasets
from territory_viz.cli import main
from territory_viz.scenarios import BUILTIN_IDS

REPO = Path(__file__).resolve().parent.parent

#: The synthetic example scenario as a user would write it, with a comment and a strip rule.
HAND_WRITTEN = (
    "# written by hand from the README example"
    + ISSUE_EXAMPLE
    + """
[[rules]]
area = { strip_km = 10, side = "ukraine" }
control = "demilitarized"
"""
)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def hand_written(tmp_path) -> Path:
    path = tmp_path / "my-variant.toml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    return path


def test_scenarios_lists_id_then_title(capsys) -> None:
    code, out, _ = run(capsys, "scenarios")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == list(BUILTIN_IDS)
    assert "Ceasefire on the current line" in lines[0]
    code, out, _ = run(capsys, "scenarios", "--format", "json")
    assert [s["id"] for s in json.loads(out)] == list(BUILTIN_IDS)


def test_stats_json(capsys) -> None:
    # The figures are those of the 15 Aug 2025 line, so that date is pinned.
    code, out, err = run(
        capsys,
        "stats",
        "donbas-for-freeze",
        "--baseline",
        "occupied-2025-08-15",
        "--format",
        "json",
    )
    assert code == 0, err
    d = json.loads(out)
    assert d["scenario"] == "donbas-for-freeze"
    assert d["baseline"] == "occupied-2025-08-15"
    assert 6_000 <= d["balance"]["to_russia_km2"] <= 8_000
    names = {t["name"] for t in d["towns_changing_hands"] if t["to"] == "russia"}
    assert {"Kramatorsk", "Sloviansk", "Druzhkivka", "Kostiantynivka"} <= names
    assert set(d["by_control"]) == {"russia", "ukraine"}
    assert all(
        set(r["parties"])
        == {"ukraine", "russia", "united_states", "european_union", "un_general_assembly"}
        for r in d["recognition"]
    )


def test_stats_default_baseline_is_the_newest_committed_snapshot(capsys) -> None:
    code, out, err = run(capsys, "stats", "donbas-for-freeze", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["baseline"] == datasets.snapshot_ids()[-1] == "occupied-2026-08-22"


def test_stats_table_and_csv(capsys) -> None:
    code, out, _ = run(capsys, "stats", "russia-claim-in-full")
    assert code == 0
    assert "Zaporizhzhia" in out and "Kherson" in out and "ukraine -> russia" in out
    code, out, _ = run(capsys, "stats", "russia-claim-in-full", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["iso_code"] == "UA" and rows[0]["scenario"] == "russia-claim-in-full"
    assert {r["control"] for r in rows if r["iso_code"] == "UA-23"} == {"russia"}


def test_stats_with_another_baseline(capsys) -> None:
    code, out, err = run(
        capsys,
        "stats",
        "ceasefire-current-line",
        "--baseline",
        "occupied-2022-02-23",
        "--format",
        "json",
    )
    if "unknown baseline" in err:
        pytest.skip("2022 snapshot not built yet")
    assert code == 0, err
    assert json.loads(out)["baseline"] == "occupied-2022-02-23"


def test_hand_written_file_end_to_end(capsys, hand_written, tmp_path) -> None:
    code, out, err = run(capsys, "validate", str(hand_written))
    assert code == 0, err
    assert "ok (my-variant" in out
    code, out, err = run(capsys, "stats", "--scenario-file", str(hand_written), "--format", "json")
    assert code == 0, err
    d = json.loads(out)
    assert d["scenario"] == "my-variant"
    assert d["by_control"]["demilitarized"]["area_km2"] > 1_000
    code, out, err = run(capsys, "stats", str(hand_written))  # a .toml path as the id
    assert code == 0, err
    target = tmp_path / "mine.geojson"
    code, _, err = run(capsys, "export", "--scenario-file", str(hand_written), "-o", str(target))
    assert code == 0, err
    assert set(gpd.read_file(target)["control"]) == {"russia", "ukraine", "demilitarized"}
    code, out, err = run(
        capsys, "compare", "ceasefire-current-line", str(hand_written), "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)["balance"]["to_demilitarized_km2"] > 1_000


def test_stats_table_says_what_leaves_ukrainian_control(capsys) -> None:
    from territory_viz import scenarios, stats

    code, out, err = run(capsys, "stats", "ceasefire-with-dmz")
    assert code == 0, err
    balance = stats.scenario_stats(scenarios.get_scenario("ceasefire-with-dmz")).balance
    line = next(x for x in out.splitlines() if "out of Ukrainian control" in x)
    assert f"{balance.from_ukraine_km2:,.1f} km²" in line
    assert f"{round(balance.from_ukraine_population):,} people" in line
    code, out, err = run(capsys, "stats", "ceasefire-with-dmz", "--format", "json")
    assert json.loads(out)["balance"]["from_ukraine_km2"] == pytest.approx(
        balance.from_ukraine_km2, abs=0.1
    )


def test_python_dash_m_subprocess(hand_written) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "territory_viz",
            "stats",
            "--scenario-file",
            str(hand_written),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["scenario"] == "my-variant"


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".csv"])
def test_export_formats(capsys, tmp_path, suffix) -> None:
    target = tmp_path / f"out{suffix}"
    code, out, err = run(capsys, "export", "land-swap", "-o", str(target))
    assert code == 0, err
    if suffix == ".csv":
        with target.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert {"iso_code", "control", "display_class", "area_km2", "population"} <= set(rows[0])
    else:
        gdf = gpd.read_file(target)
        assert gdf.crs.to_epsg() == 4326 and len(gdf) >= 27
        assert {"iso_code", "control", "rec_united_states", "display_class"} <= set(gdf.columns)


def test_compare_formats(capsys) -> None:
    code, out, _ = run(capsys, "compare", "donbas-for-freeze", "land-swap")
    assert code == 0 and "Vovchansk" in out and "russia -> ukraine" in out
    code, out, _ = run(capsys, "compare", "donbas-for-freeze", "land-swap", "--format", "json")
    d = json.loads(out)
    assert d["a"] == "donbas-for-freeze" and d["b"] == "land-swap"
    assert d["balance"]["to_ukraine_km2"] > 500 and d["balance"]["to_russia_km2"] == 0
    code, out, _ = run(capsys, "compare", "baseline", "land-swap", "--format", "csv")
    assert code == 0 and out.startswith("a,b,iso_code,region,from_control,to_control")


@pytest.mark.parametrize(
    ("scenario_id", "title"),
    [("land-swap", "Land swap"), ("ceasefire-with-dmz", "Ceasefire with a demilitarized zone")],
)
def test_render_standalone_offline_map(capsys, tmp_path, scenario_id, title) -> None:
    target = tmp_path / "map.html"
    code, out, err = run(capsys, "render", scenario_id, "-o", str(target))
    assert code == 0, err
    html = target.read_text(encoding="utf-8")
    assert title in html
    # nothing loads from another host
    assert not re.search(r"<script[^>]+src=[\"']https?://", html)
    assert not re.search(r"<link[^>]+href=[\"']https?://", html)


# --------------------------------------------------------------------------- bad input


def bad_file(tmp_path, body: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


HEADER = 'id = "x"\ntitle = "T"\nsummary = "S"\nas_of = "2025-08-15"\n'


@pytest.mark.parametrize(
    ("body", "field", "allowed"),
    [
        (
            HEADER + '[[rules]]\narea = { regions = ["UA-99"] }\ncontrol = "russia"',
            "rules[0].area.regions[0]: unknown region 'UA-99'",
            "UA-05",
        ),
        (
            HEADER + '[[rules]]\narea = "country"\ncontrol = "martians"',
            "rules[0].control: unknown control 'martians'",
            "ukraine, russia, demilitarized",
        ),
        (
            HEADER.replace('summary = "S"\n', "")
            + '[[rules]]\narea = "country"\ncontrol = "russia"',
            "summary: missing field",
            "text",
        ),
        (HEADER + '[[rules]]\ncontrol = "russia"', "rules[0]: rule with no area", "baseline"),
        (
            HEADER + '[[rules]]\narea = "country"\ncontrol = "russia"\n'
            'recognition = { nato = "de_jure" }',
            "unknown party 'nato'",
            "united_states",
        ),
        (
            HEADER + '[[rules]]\narea = "country"\ncontrol = "russia"\n'
            'recognition = { russia = "kind_of" }',
            "unknown recognition level 'kind_of'",
            "de_jure, de_facto, none",
        ),
        (
            HEADER + '[[rules]]\narea = { strip_km = 1000 }\ncontrol = "demilitarized"',
            "rules[0].area.strip_km: 1000 is out of range",
            "<= 100",
        ),
        (
            HEADER.replace('"x"', '"Not a slug!"')
            + '[[rules]]\narea = "country"\ncontrol = "russia"',
            "id: 'Not a slug!' is not a slug",
            "lower-case",
        ),
        (
            HEADER.replace('"2025-08-15"', '"yesterday"') + '[[rules]]\narea = "country"\n'
            'control = "russia"',
            "as_of: 'yesterday' is not a date",
            "YYYY-MM-DD",
        ),
        (
            HEADER + 'colour = "red"\n[[rules]]\narea = "country"\ncontrol = "russia"',
            "'colour': unknown key",
            "id, title, summary",
        ),
        (HEADER + '[[rules]]\narea = "country"\ncontrol = ', "not valid TOML", "TOML"),
    ],
)
def test_bad_file_one_message_exit_2(capsys, tmp_path, body, field, allowed) -> None:
    path = bad_file(tmp_path, body)
    for argv in (["validate", str(path)], ["stats", "--scenario-file", str(path)]):
        code, out, err = run(capsys, *argv)
        assert code == 2
        assert "Traceback" not in err
        assert str(path) in err  # the file
        assert field in err  # the field
        assert allowed in err  # what is allowed


def test_validate_lists_every_problem_of_every_file(capsys, tmp_path) -> None:
    one = bad_file(
        tmp_path,
        'id = "A B"\n[[rules]]\narea = { regions = ["UA-99"] }\ncontrol = "martians"',
        "one.toml",
    )
    two = bad_file(tmp_path, HEADER + '[[rules]]\narea = 5\ncontrol = "russia"', "two.toml")
    good = REPO / "data" / "scenarios" / "land-swap.toml"
    code, out, err = run(capsys, "validate", str(one), str(good), str(two))
    assert code == 2
    assert "land-swap.toml: ok" in out
    assert f"{one}: 6 problems" in err
    for text in [
        "UA-99",
        "martians",
        "summary: missing field",
        "as_of: missing field",
        "title: missing field",
        "not a slug",
        f"{two}: 1 problem",
    ]:
        assert text in err


def test_huge_file(capsys, tmp_path) -> None:
    path = bad_file(tmp_path, HEADER + "# " + "x" * 100_000)
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2 and "at most 65,536 bytes" in err


def test_missing_file(capsys, tmp_path) -> None:
    code, _, err = run(capsys, "validate", str(tmp_path / "nope.toml"))
    assert code == 2 and "cannot read" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["stats", "no-such-scenario"],
            "unknown scenario 'no-such-scenario'; allowed: ceasefire-current-line",
        ),
        (["stats", "land-swap", "--baseline", "occupied-1999-01-01"], "unknown baseline"),
        (["stats", "land-swap", "--format", "xml"], "invalid choice: 'xml'"),
        (["stats"], "say which scenario"),
        (["compare", "land-swap"], "required"),
        (["compare", "land-swap", "nope"], "unknown scenario 'nope'"),
        (["export", "land-swap", "-o", "out.shp"], "must end in .geojson, .gpkg, .csv"),
        (["export", "land-swap"], "required"),
        (["export", "land-swap", "--layer", "regions", "-o", "x.geojson"], "not both"),
        (["export", "land-swap", "-o", "/no/such/folder/x.geojson"], "does not exist"),
        (["render", "land-swap", "-o", "map.pdf"], "must end in .html, .svg or .png"),
        (["validate"], "required"),
    ],
)
def test_bad_arguments_exit_2(capsys, argv, expected) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert expected in err
    assert "Traceback" not in err


def test_scenario_file_and_other_id(capsys, hand_written) -> None:
    code, _, err = run(capsys, "stats", "land-swap", "--scenario-file", str(hand_written))
    assert code == 2 and "holds scenario 'my-variant', not 'land-swap'" in err


def test_bad_baseline_file(capsys, tmp_path) -> None:
    layer = bad_file(tmp_path, "not json at all", "front.geojson")
    code, _, err = run(capsys, "stats", "land-swap", "--baseline", str(layer))
    assert code == 2 and "front.geojson" in err and "Traceback" not in err


def test_baseline_from_a_file(capsys, tmp_path) -> None:
    """A user's control layer (here: the committed snapshot written out) as the baseline."""
    layer = tmp_path / "front-2025-08-15.geojson"
    code, _, err = run(capsys, "export", "--layer", "occupied-2025-08-15", "-o", str(layer))
    assert code == 0, err
    code, out, err = run(
        capsys, "stats", "donbas-for-freeze", "--baseline", str(layer), "--format", "json"
    )
    assert code == 0, err
    from_file = json.loads(out)
    code, out, _ = run(
        capsys,
        "stats",
        "donbas-for-freeze",
        "--baseline",
        "occupied-2025-08-15",
        "--format",
        "json",
    )
    committed = json.loads(out)
    assert from_file["baseline"] != committed["baseline"]
    assert from_file["balance"]["to_russia_km2"] == pytest.approx(
        committed["balance"]["to_russia_km2"], rel=1e-3
    )
