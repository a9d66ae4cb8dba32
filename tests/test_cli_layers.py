"""``python -m territory_viz layers`` and ``export --layer``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest

from territory_viz import cli, datasets, model

REPO = Path(__file__).resolve().parent.parent


def test_layers_lists_every_layer_with_date_area_and_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["layers"]) == 0
    lines = capsys.readouterr().out.splitlines()
    infos = datasets.list_layers()
    assert len(lines) == len(infos)
    rows = {line.split()[0]: line for line in lines}
    assert "599,094.4 km²" in rows["regions"]
    assert "Natural Earth" in rows["regions"]
    assert "2022-09-30" in rows["russia-claim"]
    assert "68/262" in rows["russia-claim"]
    for sid in datasets.snapshot_ids():
        date = sid.removeprefix("occupied-")
        assert rows[sid].split()[1] == date
        assert "km²" in rows[sid]
        assert f"line-of-contact-{date}" in rows


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_export_regions(tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"regions{suffix}"
    assert cli.main(["export", "--layer", "regions", "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    back = gpd.read_file(out)
    assert len(back) == 27
    assert back.crs == model.CRS_GEOGRAPHIC
    assert sorted(back["iso_code"]) == sorted(model.REGION_NAMES)
    area = float(back.to_crs(model.CRS_EQUAL_AREA).area.sum()) / 1e6
    assert area == pytest.approx(599_094, rel=1e-4)


def test_export_overwrites_an_existing_geopackage(tmp_path: Path) -> None:
    out = tmp_path / "layer.gpkg"
    assert cli.main(["export", "--layer", "russia-claim", "-o", str(out)]) == 0
    assert cli.main(["export", "--layer", "russia-claim", "-o", str(out)]) == 0
    assert len(gpd.read_file(out)) == 6


def test_export_every_listed_layer(tmp_path: Path) -> None:
    for info in datasets.list_layers():
        out = tmp_path / f"{info.id}.geojson"
        assert cli.main(["export", "--layer", info.id, "-o", str(out)]) == 0, info.id
        assert len(gpd.read_file(out)) >= 1


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "choose a command: layers"),
        (["nope"], "invalid choice: 'nope'"),
        (["export", "--layer", "regions"], "required: -o/--output"),
        (["export", "-o", "x.geojson"], "--layer ID"),
        (["export", "--layer", "regions", "-o", "x.shp"], "must end in .geojson or .gpkg"),
        (["export", "--layer", "nope", "-o", "x.geojson"], "allowed: regions"),
        (["export", "--layer", "regions", "-o", "/nonexistent/dir/x.gpkg"], "does not exist"),
        (["layers", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert expected in err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err
    assert captured.out == ""


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "territory_viz", "export", "--layer", "x", "-o", "a.txt"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=120,
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1
    assert "must end in .geojson or .gpkg" in run.stderr


def test_commands_are_registered_in_one_place() -> None:
    assert {"layers", "export"} <= set(cli.COMMANDS)
    parser = cli.build_parser()
    args = parser.parse_args(["export", "scenario-id", "-o", "x.geojson"])
    assert args.scenario == "scenario-id"  # room for `export ID -o FILE` (scenarios)
    assert args.layer is None
