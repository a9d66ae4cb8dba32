"""A day fetched from DeepStateMap is named as DeepStateMap's, with its licence terms.

Wherever the source of the control layer is printed: the map legend (page and standalone
HTML), the SVG and PNG pictures (scenario and compare), the CSV ``note`` column of the
command line and of the page's tables, and the page's compare summary. A layer the user
supplied, and a committed snapshot, keep their own source line and get no licence terms.
The licence text is :data:`territory_viz.notices.LICENCE_TERMS`, the one ``fetch`` prints.
"""

from __future__ import annotations

import csv
import html
import io
import json
import xml.etree.ElementTree as ET

import pytest
from document_support import legend_and_caption
from shapely.geometry import box, mapping

from territory_viz import fetch, notices, render, svg
from territory_viz import history as H
from territory_viz.cli import main
from territory_viz.loaders import load_control_layer
from territory_viz.render.legend import legend_html
from territory_viz.scenarios import get_scenario

DAY = "2026-11-30"
#: A box well inside Donetsk oblast: a small, fast day in the archive's exact shape.
DONETSK_BOX = box(37.4, 48.0, 38.2, 48.4)
SVG_NS = "{http://www.w3.org/2000/svg}"
#: The day's file, in the archive's exact shape (one Feature, no properties).
DAY_FILE = json.dumps({"type": "Feature", "properties": {}, "geometry": mapping(DONETSK_BOX)})


@pytest.fixture
def fetched(history_cache) -> object:
    """A user cache holding one fetched day (as ``fetch deepstate --date`` leaves it)."""
    target = history_cache / "deepstate"
    target.mkdir(parents=True)
    (target / f"deepstatemap_data_{DAY.replace('-', '')}.geojson").write_text(DAY_FILE)
    return H.default_history().layer(DAY)


def _svg_text(picture: str) -> str:
    """All text of an SVG, its wrapped lines joined by spaces."""
    root = ET.fromstring(picture)
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG_NS}text"))


def _says_deepstatemap(text: str) -> bool:
    flat = " ".join(text.split())
    return notices.SOURCE_NAME in flat and notices.LICENCE_TERMS in flat


def test_the_licence_terms_are_the_ones_fetch_prints() -> None:
    assert notices.LICENCE_TERMS in fetch.LICENCE_NOTE and notices.SOURCE_NAME in fetch.LICENCE_NOTE
    assert "deepstatemap.live" in notices.LICENCE_TERMS
    assert "permission" in notices.LICENCE_TERMS and "public deployment" in notices.LICENCE_TERMS


def test_a_fetched_day_is_told_from_other_layers(fetched, tmp_path) -> None:
    assert notices.is_fetched(fetched)
    assert notices.is_fetched(f"deepstate-{DAY}")  # a partition's baseline id
    assert not notices.is_fetched("occupied-2026-08-22")
    assert not notices.is_fetched(render.map_context().baseline_id)
    # a user's file named like a fetched day, with an id like one, is still the user's
    path = tmp_path / f"deepstatemap_data_{DAY.replace('-', '')}.geojson"
    path.write_text(DAY_FILE)
    upload = load_control_layer(path, name=f"deepstate-{DAY}")
    assert not notices.is_fetched(upload)
    assert not notices.is_fetched(H.open_history(path).layer(DAY))  # a day of the user's file


def test_legend_names_deepstatemap_and_its_licence(fetched) -> None:
    context = render.map_context(fetched)
    control = context.sources[0]
    assert control.startswith(f"Control on {DAY}: deepstate-{DAY}, from DeepStateMap")
    assert "supplied by the user" not in " ".join(context.sources)
    assert context.sources[1] == notices.LICENCE_TERMS
    assert _says_deepstatemap(html.unescape(legend_html(context, title="x")))


def test_other_layers_keep_their_source_line(tmp_path) -> None:
    committed = render.map_context("occupied-2026-08-22").sources
    assert committed[0].endswith("(territory_viz, from public reporting)")
    path = tmp_path / "mine.geojson"
    path.write_text(DAY_FILE)
    user = render.map_context(load_control_layer(path, date=DAY)).sources
    assert user[0].endswith("(a layer supplied by the user)")
    for sources in (committed, user):
        assert notices.LICENCE_TERMS not in sources and "DeepStateMap" not in " ".join(sources)


def test_standalone_html_names_deepstatemap_and_its_licence(fetched) -> None:
    page = render.standalone_html(get_scenario("land-swap"), baseline=fetched)
    legend, _ = legend_and_caption(page)
    assert _says_deepstatemap(html.unescape(legend))
    assert "supplied by the user" not in html.unescape(legend)


def test_svg_and_png_name_deepstatemap_and_its_licence(fetched) -> None:
    picture = svg.scenario_svg(get_scenario("land-swap"), fetched)
    assert _says_deepstatemap(_svg_text(picture))
    pair = svg.compare_pictures(
        get_scenario("land-swap"), get_scenario("ceasefire-current-line"), fetched
    )
    for kind, drawn in pair.items():
        assert _says_deepstatemap(_svg_text(drawn)), kind
    committed = svg.scenario_svg(get_scenario("land-swap"), "occupied-2026-08-22")
    assert "DeepStateMap" not in _svg_text(committed)


def test_cli_csv_note_carries_the_licence_of_a_fetched_day(fetched, tmp_path, capsys) -> None:
    out = tmp_path / "swap.csv"
    assert main(["export", "land-swap", "--date", DAY, "-o", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert rows and all(notices.LICENCE_TERMS in row["note"] for row in rows)
    capsys.readouterr()
    assert main(["stats", "land-swap", "--date", DAY, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and all(notices.LICENCE_TERMS in row["note"] for row in rows)
    assert (
        main(["compare", "land-swap", "ceasefire-current-line", "--date", DAY, "--format", "csv"])
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and all(notices.LICENCE_TERMS in row["note"] for row in rows)
    assert main(["stats", "land-swap", "--format", "csv"]) == 0  # the committed default
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and not any("DeepStateMap" in row["note"] for row in rows)


def test_export_note_adds_the_licence_only_for_a_fetched_day(fetched) -> None:
    plain = notices.export_note("2025-11-20", DAY)
    assert notices.export_note("2025-11-20", DAY, fetched) == f"{plain} {notices.LICENCE_TERMS}"
    assert notices.export_note("2025-11-20", DAY, "occupied-2026-08-22") == plain


def test_page_exports_of_a_fetched_day(fetched) -> None:
    from ui import scenario_view
    from ui.baseline import Baseline, layer_area_km2

    baseline = Baseline(
        key=f"history-x-{DAY}",
        label=f"committed snapshots and cache, {DAY}",
        date=DAY,
        area_km2=layer_area_km2(fetched),
        layer=fetched,
        history="committed snapshots and cache",
    )
    lines = scenario_view._sources(get_scenario("land-swap"), baseline)
    assert any(notices.SOURCE_NAME in line for line in lines) and notices.LICENCE_TERMS in lines
    assert baseline.in_words.startswith(
        "Baseline: control on 30 Nov 2026 (fetched from DeepStateMap), "
    )
