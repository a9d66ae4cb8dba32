"""Every map and export says it is approximate, of which date, and when the dates differ.

The texts live once in ``territory_viz.notices``; these tests check that the legend (page and
standalone HTML), the SVG and PNG pictures, the CSV exports of the command line and the
page's tables zip carry them, and that the command line prints them.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest
from document_support import legend_and_caption

from territory_viz import datasets, notices, render, svg
from territory_viz.cli import main
from territory_viz.render.legend import legend_html
from territory_viz.scenarios import get_scenario
from territory_viz.stats import scenario_stats
from ui import exports

SVG_NS = "{http://www.w3.org/2000/svg}"
#: The 28-point plan was reported on 20 Nov 2025; the default baseline is 22 Aug 2026.
FAR = "28-point-plan-2025-11"
NOTICE = "Dates differ: reported 20 Nov 2025; evaluated on control on 22 Aug 2026."
NOTE_2026 = notices.approximation_note("2026-08-22")
NOTE_2025 = notices.approximation_note("2025-08-15")


def _svg_text(picture: str) -> str:
    """All text of an SVG, its wrapped lines joined by spaces."""
    root = ET.fromstring(picture)
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG_NS}text"))


def _footer_free(picture: str, *needles: str) -> str:
    """The SVG with every footer line containing a word of ``needles`` removed."""
    lines = picture.splitlines()
    return "\n".join(
        line for line in lines if not (line.startswith("<text") and any(n in line for n in needles))
    )


# --------------------------------------------------------------------------- the texts


def test_export_note_is_the_approximation_note_and_the_date_notice() -> None:
    assert notices.export_note(None, "2026-08-22") == NOTE_2026
    assert notices.export_note("2025-08-01", "2025-08-15") == NOTE_2025
    assert notices.export_note("2025-11-20", "2026-08-22") == f"{NOTE_2026} {NOTICE}"
    assert notices.date_notice("2025-11-20", "2026-08-22") == NOTICE
    assert notices.date_notice("2025-08-01", "2025-08-15") == ""


#: How the note names the regions it gives figures for.
_NOTE_REGIONS = {
    "Kherson": "UA-65",
    "Mykolaiv": "UA-48",
    "Kyiv oblast": "UA-32",
    "Sevastopol": "UA-40",
    "Kyiv city": "UA-30",
}


def test_region_area_note_figures_are_the_measured_areas() -> None:
    areas = datasets.load_regions().set_index("iso_code")["area_km2"]
    found = re.findall(
        r"(Kherson|Mykolaiv|Kyiv oblast|Sevastopol|Kyiv city) \(([\d,]+)(?: km²)? against "
        r"([\d,]+), ([−+])([\d.]+)%",
        notices.REGION_AREA_NOTE,
    )
    assert {name for name, *_ in found} == set(_NOTE_REGIONS)
    for name, measured, official, sign, percent in found:
        measured_km2 = float(measured.replace(",", ""))
        official_km2 = float(official.replace(",", ""))
        assert measured_km2 == round(float(areas[_NOTE_REGIONS[name]])), name
        change = (measured_km2 / official_km2 - 1) * 100
        assert f"{abs(change):.{len(percent.split('.')[1]) if '.' in percent else 0}f}" == percent
        assert (change < 0) == (sign == "−"), name
    # The short note every map carries points at the same fact without figures.
    assert "generalised outlines, not official figures" in notices.APPROXIMATION_TEXT


# --------------------------------------------------------------------------- legend, HTML


def test_legend_footer_carries_the_approximation_note_with_the_date() -> None:
    body = legend_html(render.map_context("occupied-2025-08-15"), title="x")
    foot = body[body.index('class="tv-foot"') :]
    assert 'class="tv-approx"' in foot
    assert notices.APPROXIMATION_TEXT.split(";")[0] in foot
    assert "Control as on 15 Aug 2025." in foot


def test_caption_says_when_the_dates_differ() -> None:
    plan = get_scenario(FAR)
    assert NOTICE not in render.scenario_caption(plan)
    assert render.scenario_caption(plan, "2026-08-22").endswith(NOTICE)
    near = get_scenario("ceasefire-current-line")  # reported 15 Aug 2025
    assert "Dates differ" not in render.scenario_caption(near, "2025-08-15")


def test_standalone_html_has_the_note_and_the_date_notice_in_its_legend() -> None:
    page = render.standalone_html(get_scenario(FAR))
    legend, caption = legend_and_caption(page)
    foot = legend[legend.index('class="tv-foot"') :]
    assert 'class="tv-approx"' in foot and "Control as on 22 Aug 2026." in foot
    assert caption.endswith(NOTICE)
    # The browser tab's title stays the scenario's title, without the notice.
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title and "Dates differ" not in title.group(1)
    near = render.standalone_html(
        get_scenario("ceasefire-current-line"), baseline="occupied-2025-08-15"
    )
    legend, caption = legend_and_caption(near)
    assert "Control as on 15 Aug 2025." in legend and "Dates differ" not in caption


# --------------------------------------------------------------------------- SVG, PNG


@pytest.fixture(scope="module")
def far_svg() -> str:
    return svg.scenario_svg(get_scenario(FAR))


def test_svg_footer_has_the_note_with_the_date_and_the_date_notice(far_svg) -> None:
    text = " ".join(_svg_text(far_svg).split())
    assert NOTE_2026 in text
    assert NOTICE in text


def test_svg_of_a_partition_always_says_it_is_approximate() -> None:
    result = scenario_stats(get_scenario("land-swap"), "occupied-2025-08-15")
    picture = svg.partition_svg(result.partition, title="t", date="2025-08-15")
    assert NOTE_2025 in " ".join(_svg_text(picture).split())
    assert "Dates differ" not in picture


def test_png_draws_the_note(far_svg) -> None:
    # The same picture without the note's lines rasterises differently: the note is drawn.
    without = _footer_free(far_svg, "Approximate", "Control as on", "Dates differ")
    assert without != far_svg
    assert svg.svg_to_png(far_svg, width_px=1200) != svg.svg_to_png(without, width_px=1200)


def test_cli_render_svg_and_png_carry_the_note(tmp_path, capsys) -> None:
    out = tmp_path / "plan.svg"
    assert main(["render", FAR, "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert NOTICE in printed and NOTE_2026 in printed
    assert NOTE_2026 in " ".join(_svg_text(out.read_text(encoding="utf-8")).split())
    png = tmp_path / "plan.png"
    assert main(["render", FAR, "-o", str(png), "--baseline", "occupied-2025-08-15"]) == 0
    printed = capsys.readouterr().out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert NOTE_2025 in printed
    assert "Dates differ: reported 20 Nov 2025; evaluated on control on 15 Aug 2025." in printed


def test_cli_render_html_has_the_legend_note(tmp_path, capsys) -> None:
    out = tmp_path / "plan.html"
    assert main(["render", FAR, "-o", str(out)]) == 0
    legend, caption = legend_and_caption(out.read_text(encoding="utf-8"))
    assert "Control as on 22 Aug 2026." in legend and caption.endswith(NOTICE)


# --------------------------------------------------------------------------- CSV


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_cli_export_csv_has_a_note_column_with_the_date(tmp_path, capsys) -> None:
    out = tmp_path / "plan.csv"
    assert main(["export", FAR, "-o", str(out)]) == 0
    rows = _rows(out.read_text(encoding="utf-8"))
    assert rows and all(r["note"] == f"{NOTE_2026} {NOTICE}" for r in rows)


def test_cli_stats_csv_has_the_same_note_column(capsys) -> None:
    assert main(["stats", FAR, "--format", "csv"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows and all(r["note"] == f"{NOTE_2026} {NOTICE}" for r in rows)
    assert main(["stats", "land-swap", "--baseline", "occupied-2025-08-15", "--format", "csv"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert all(r["note"] == NOTE_2025 for r in rows)


def test_cli_compare_prints_and_writes_the_notes(capsys) -> None:
    assert main(["compare", FAR, "land-swap"]) == 0
    out = capsys.readouterr().out
    assert (
        f"Dates differ ({FAR}): reported 20 Nov 2025; evaluated on control on 22 Aug 2026." in out
    )
    assert NOTE_2026 in out
    assert main(["compare", FAR, "land-swap", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["baseline_date"] == "2026-08-22" and d["approximation"] == NOTE_2026
    assert d["date_notices"][FAR] == "reported 20 Nov 2025; evaluated on control on 22 Aug 2026"
    assert (
        main(["compare", "baseline", "ceasefire-current-line", "--baseline", "occupied-2025-08-15"])
        == 0
    )
    out = capsys.readouterr().out
    assert "Dates differ" not in out and NOTE_2025 in out
    assert main(["compare", FAR, "land-swap", "--format", "csv"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows and all(r["note"] == NOTE_2026 for r in rows)


def test_cli_prints_the_layer_notes_on_stderr(tmp_path, capsys) -> None:
    layer = tmp_path / "layer.geojson"
    square = [[37.5, 47.5], [41.0, 47.5], [41.0, 49.0], [37.5, 49.0], [37.5, 47.5]]
    layer.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Polygon", "coordinates": [square]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    assert main(["stats", "land-swap", "--baseline", str(layer), "--format", "json"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)  # stdout stays the document alone
    notes = [line for line in captured.err.splitlines() if line.startswith("note: ")]
    assert any("outside Ukraine's borders clipped off" in n for n in notes), captured.err
    assert any("Reconciled with the outline" in n for n in notes), captured.err
    # A committed snapshot has no loading notes.
    assert main(["stats", "land-swap", "--format", "json"]) == 0
    assert "note: " not in capsys.readouterr().err


def test_page_tables_zip_has_the_note_in_every_csv_and_the_readme() -> None:
    from ui.scenario_view import _tables

    result = scenario_stats(get_scenario(FAR))
    note = notices.export_note(get_scenario(FAR).as_of, result.baseline_date)
    data = exports.tables_zip(
        _tables(result), scenario=FAR, baseline="occupied-2026-08-22", date="2026-08-22", note=note
    )
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert "README.txt" in names and note in zf.read("README.txt").decode("utf-8")
        for name in names:
            if name.endswith(".csv"):
                rows = _rows(zf.read(name).decode("utf-8"))
                header = next(csv.reader(io.StringIO(zf.read(name).decode("utf-8"))))
                assert header[-1] == "note", name
                assert all(r["note"] == f"{NOTE_2026} {NOTICE}" for r in rows), name
