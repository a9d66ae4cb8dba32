"""Compare exports: A and B side by side, the change map (SVG and PNG), from the library,
the command line and the compare page.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import geopandas as gpd
import pytest
from PIL import Image
from shapely.geometry import box

from territory_viz.cli import main
from territory_viz.style import COMPARE_BALANCE_ROWS, SWATCH_GROUND_COLOUR, UNCHANGED_CLASS
from territory_viz.svg import CHANGE_MAP_STYLES, pair_svg, partition_svg

SVG_NS = "{http://www.w3.org/2000/svg}"


def squares(classes: list[str], before: list[str] | None = None) -> gpd.GeoDataFrame:
    """Adjacent 1°x1° squares in Ukraine's latitude band, one per class."""
    rows = []
    for i, cls in enumerate(classes):
        rows.append(
            {
                "iso_code": f"UA-{10 + i:02d}",
                "region": f"Region {i}",
                "baseline_control": (before or [c.split("/")[0] for c in classes])[i],
                "control": cls.split("/")[0],
                "display_class": cls,
                "area_km2": 1000.0 * (i + 1),
                "population": 250_000 * (i + 1),
                "geometry": box(30 + i, 48, 31 + i, 49),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG_NS}text")]


def test_pair_is_two_maps_on_one_scale_with_one_legend_giving_a_and_b():
    a = squares(["ukraine", "russia/none", "ukraine"])
    b = squares(["ukraine", "russia/de_facto", "russia/none"])
    svg = pair_svg(
        a,
        b,
        title="Plan A compared with plan B",
        heading_a="A: Plan A",
        heading_b="B: Plan B",
        date="2026-08-22",
        sources=["Reuters, 2026-01-01: Plan A", "Control: occupied-2026-08-22"],
        note="Approximate: lines are simplified.",
        baseline_label="Line of control in the baseline (2026-08-22)",
        labels=False,
        water=False,
    )
    root = ET.fromstring(svg)
    assert float(root.get("width")) == 1500
    maps = root.find(f".//{SVG_NS}g[@id='maps']")
    inner = maps.findall(f"{SVG_NS}svg")
    assert len(inner) == 2 and inner[0].get("width") == inner[1].get("width")
    assert all(m.get("viewBox") for m in inner)
    assert root.find(f".//{SVG_NS}g[@id='scale-bar']") is not None
    t = texts(svg)
    assert {"Plan A compared with plan B", "A: Plan A", "B: Plan B", "Legend"} <= set(t)
    assert any("Baseline: 2026-08-22" in x for x in t)
    assert any(x.startswith("Sources: Reuters") for x in t)
    assert "Approximate: lines are simplified." in t
    legend = texts(ET.tostring(root.find(f".//{SVG_NS}g[@id='legend']"), encoding="unicode"))
    # Ukrainian control: A has squares 1 and 3 (1,000 + 3,000 of 6,000 km²), B square 1
    i = legend.index("Ukrainian control")
    assert legend[i + 1] == "A: 4,000 km² (66.7%)" and legend[i + 2] == "B: 1,000 km² (16.7%)"
    assert "A: 0 km² (0.0%)" in legend  # de facto recognition appears only in B
    assert any("Line of control in the baseline" in x for x in legend)


def _legend_rows(svg: str) -> tuple[list[tuple[str | None, str | None]], str]:
    """The legend's swatches (fill, stroke) and its row labels (13 px text, joined)."""
    legend = ET.fromstring(svg).find(f".//{SVG_NS}g[@id='legend']")
    swatches = [(r.get("fill"), r.get("stroke")) for r in legend.iter(f"{SVG_NS}rect")]
    labels = " ".join(
        t.text or "" for t in legend.iter(f"{SVG_NS}text") if t.get("font-size") == "13"
    )
    return swatches, labels


def test_pair_legend_draws_each_class_row_as_the_single_map_legend_does():
    a = squares(["ukraine", "russia/de_jure", "demilitarized", "russia/none"])
    b = squares(["ukraine", "russia/de_facto", "international", "russia/none"])
    line = "Line of control in the baseline (2026-08-22)"
    pair = pair_svg(
        a,
        b,
        title="P",
        heading_a="A",
        heading_b="B",
        baseline_label=line,
        labels=False,
        water=False,
    )
    both = gpd.GeoDataFrame(
        gpd.pd.concat([a, b], ignore_index=True), geometry="geometry", crs=a.crs
    )
    single = partition_svg(both, title="S", baseline_label=line, labels=False, water=False)
    pair_swatches, pair_labels = _legend_rows(pair)
    single_swatches, single_labels = _legend_rows(single)
    # The same rows (swatch, hatching, label) in the same order; the single map then adds
    # its region borders (a white line on the swatch ground).
    assert single_swatches == [*pair_swatches, (SWATCH_GROUND_COLOUR, None)]
    assert single_labels == f"{pair_labels} Region borders"
    assert pair_labels.startswith("Ukrainian control Russian control") and line in pair_labels


def test_pair_titles_are_text_never_markup():
    hostile = "</text><script>alert(1)</script>&amp;"
    svg = pair_svg(
        squares(["ukraine"]),
        squares(["russia/none"]),
        title=hostile,
        heading_a=hostile,
        heading_b="B",
        sources=[hostile],
        labels=False,
        water=False,
    )
    root = ET.fromstring(svg)  # well-formed
    assert root.find(f".//{SVG_NS}script") is None
    assert hostile in texts(svg)


def test_change_map_outlines_each_change_and_lists_only_those_drawn():
    changes = squares(
        ["russia/none", "ukraine", "demilitarized", UNCHANGED_CLASS],
        before=["ukraine", "russia", "ukraine", UNCHANGED_CLASS],
    )
    changes.loc[3, ["area_km2", "population"]] = float("nan")
    svg = partition_svg(
        changes,
        title="What changes",
        styles=CHANGE_MAP_STYLES,
        changes=dict(COMPARE_BALANCE_ROWS),
        total_area_km2=600_000,
        labels=False,
        water=False,
    )
    legend = texts(ET.tostring(ET.fromstring(svg).find(f".//{SVG_NS}g[@id='legend']"), "unicode"))
    assert ["To Russian control", "To Ukrainian control", "To demilitarized zone"] == [
        x for x in legend if x.startswith("To ")
    ]
    i = legend.index("Same in both scenarios")
    assert "km²" not in legend[i + 1]  # no figures for what is the same in both
    assert any(x.startswith("1,000 km² (0.2%)") for x in legend)  # share of Ukraine's area
    assert 'stroke-dasharray="9 5"' in svg  # the "to Russian control" outline's dashes
    same = squares(["ukraine", UNCHANGED_CLASS], before=["ukraine", UNCHANGED_CLASS])
    quiet = partition_svg(
        same,
        title="No change",
        styles=CHANGE_MAP_STYLES,
        changes=dict(COMPARE_BALANCE_ROWS),
        labels=False,
        water=False,
    )
    assert not [x for x in texts(quiet) if x.startswith("To ")]


# --------------------------------------------------------------------------- end to end


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


PAIR = ("ukraine-1991-borders", "28-point-plan-2025-11")


def test_cli_draws_the_pair_as_svg_and_png(tmp_path, capsys):
    svg_path, png_path = tmp_path / "pair.svg", tmp_path / "pair.png"
    code, out, err = run(capsys, "compare", *PAIR, "-o", str(svg_path))
    assert code == 0, err
    assert "A and B side by side" in out
    t = texts(svg_path.read_text(encoding="utf-8"))
    assert any(x.startswith("A: Ukraine's 1991 borders") for x in t)
    assert any(x.startswith("B: 28-point plan") for x in t)
    assert t.count("Kyiv") == 2  # named on both maps
    assert any(x.startswith("Approximate:") for x in t)
    assert any(x.startswith("Sources: ") for x in t) and any("Axios" in x for x in t)
    assert any(x.endswith(" km") for x in t)  # the scale bar
    code, _, err = run(capsys, "compare", *PAIR, "-o", str(png_path), "--width", "2000")
    assert code == 0, err
    image = Image.open(io.BytesIO(png_path.read_bytes()))
    assert image.width == 2000 and image.height > 700
    assert len(image.convert("RGB").resize((60, 30)).getcolors(maxcolors=1800)) > 20  # not blank


def test_cli_draws_the_change_map_as_png_and_offline_html(tmp_path, capsys):
    png_path, html_path = tmp_path / "change.png", tmp_path / "change.html"
    code, _, err = run(capsys, "compare", *PAIR, "--map", "change", "-o", str(png_path))
    assert code == 0, err
    with Image.open(png_path) as picture:
        assert picture.width == 1800
    code, out, err = run(capsys, "compare", *PAIR, "--map", "change", "-o", str(html_path))
    assert code == 0, err and "the change map" in out
    page = html_path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Change map, from A:" in page
    assert "<script src=" not in page and '<link rel="stylesheet" href="http' not in page


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "{tmp}/x.txt"], "-o {tmp}/x.txt: the file name must end in .svg or .png"),
        (["-o", "{tmp}/x.html"], "(an HTML file: the change map, --map change)"),
        (["--map", "change", "-o", "{tmp}/x.pdf"], "must end in .svg, .png or .html"),
        (["-o", "{tmp}/no/x.svg"], "folder {tmp}/no does not exist"),
        (["-o", "{tmp}/x.svg", "--width", "2000"], "--width 2000: allowed only with .png"),
        (["-o", "{tmp}/x.png", "--width", "90000"], "from 1000 to 6000"),
        (["--width", "2000"], "--map and --width draw a picture: give -o"),
        (["--map", "change"], "--map and --width draw a picture"),
        (["-o", "{tmp}/x.svg", "--format", "json"], "--format prints the figures; -o draws"),
    ],
)
def test_cli_picture_errors_are_one_line(tmp_path, capsys, extra, message):
    argv = [x.replace("{tmp}", str(tmp_path)) for x in extra]
    code, _, err = run(capsys, "compare", "land-swap", "baseline", *argv)
    assert code == 2
    assert message.replace("{tmp}", str(tmp_path)) in err
    assert err.startswith("python -m territory_viz compare: error: ") and err.count("\n") == 1


def test_cli_compare_without_o_still_prints_the_figures(capsys):
    code, out, _ = run(capsys, "compare", "land-swap", "baseline", "--format", "json")
    assert code == 0 and json.loads(out)["a"] == "land-swap"


def test_page_buttons_make_the_pictures(tmp_path):
    from territory_viz import stats
    from territory_viz.scenarios import evaluate_full, get_scenario
    from ui.compare import _picture

    a, b = (get_scenario(s) for s in PAIR)
    ev_a = evaluate_full(a, None)
    ev_b = evaluate_full(b, ev_a.baseline)
    comparison = stats.compare_evaluations(ev_a, ev_b)
    parts = (ev_a.partition, ev_b.partition)
    change_svg = _picture("change", "svg", a, b, comparison, parts).decode("utf-8")
    t = texts(change_svg)
    assert any(x.startswith("What changes from A: Ukraine's 1991 borders") for x in t)
    assert "To Russian control" in t and "Same in both scenarios" in t
    pair_png = _picture("pair", "png", a, b, comparison, parts)
    assert Image.open(io.BytesIO(pair_png)).width == 2400
