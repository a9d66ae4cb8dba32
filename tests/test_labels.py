"""The label hierarchy and greedy placement, and the names in the SVG/PNG exports."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import pytest

from territory_viz.cli import main
from territory_viz.labels import (
    LABEL_KINDS,
    REGION_CENTRES,
    Label,
    compact,
    map_labels,
    place_greedy,
    zoom_for_scale,
)
from territory_viz.scenarios import get_scenario
from territory_viz.svg import scenario_svg, svg_to_png

SVG_NS = "{http://www.w3.org/2000/svg}"
FRONT_TOWNS = (
    "Kramatorsk",
    "Sloviansk",
    "Pokrovsk",
    "Kostiantynivka",
    "Huliaipole",
    "Kupiansk",
    "Enerhodar",
    "Bakhmut",
)


@pytest.fixture(scope="module")
def labels() -> list[Label]:
    from territory_viz import datasets

    front = datasets.line_of_contact("occupied-2025-08-15").geometry.union_all()
    return map_labels(front=front)


def test_capital_first_then_every_region_centre(labels):
    assert labels[0].text == "Kyiv" and labels[0].kind == "capital"
    centres = [lb.text for lb in labels if lb.kind == "centre"]
    assert set(centres) == {name for _, name in REGION_CENTRES.values()} - {"Kyiv"}
    assert all(lb.min_zoom <= 5 for lb in labels if lb.kind in ("capital", "centre"))
    kinds = [lb.kind for lb in labels]
    assert kinds.index("town") > max(i for i, k in enumerate(kinds) if k == "centre")


def test_front_towns_have_their_search_names_by_zoom_8(labels):
    by_name = {lb.text: lb for lb in labels if lb.kind == "town"}
    for name in FRONT_TOWNS:
        assert by_name[name].min_zoom <= 8, name
    # towns are ordered by population within their kind
    towns = [lb.population for lb in labels if lb.kind == "town"]
    assert towns == sorted(towns, reverse=True)
    named_at_8 = [lb for lb in labels if lb.kind == "town" and lb.min_zoom <= 8]
    assert min(lb.population for lb in named_at_8) >= 10_000
    # under 20,000 only near the front: Huliaipole yes, a town of the west no
    assert "Huliaipole" in {lb.text for lb in named_at_8}
    assert by_name["Zhydachiv"].min_zoom == 9


def test_the_map_rows_rebuild_the_placement_order_from_kind_and_position(labels):
    """The map's script places names by (kind index, arrival): the rows carry no order."""
    rows = compact(labels)
    assert all(len(row) == 5 for row in rows)
    assert [row[0] for row in rows] == [lb.text for lb in labels]
    # The script's order: kind index first, then the rows in the order they arrive, each
    # layer bringing whole kinds (as render.map's groups do: towns, regions, the rest).
    groups = [(0, 1, 4), (2,), (3, 5)]
    arrived = [row for kinds in groups for row in rows if row[3] in kinds]
    order = sorted(range(len(arrived)), key=lambda i: (arrived[i][3], i))
    assert [arrived[i][0] for i in order] == [lb.text for lb in labels]
    assert [LABEL_KINDS[row[3]] for row in rows] == [lb.kind for lb in labels]
    # What that relies on: the rows come kind by kind, in the kinds' rank order.
    assert [row[3] for row in rows] == sorted(row[3] for row in rows)


def test_greedy_placement_never_overlaps_and_keeps_priority():
    # three labels at one point: the first wins the right side, the next the left...
    same = [Label(f"Town{i}", 0, 0, "town", 5, i) for i in range(6)]
    placed = place_greedy(same, [(100.0, 100.0)] * 6, zoom=8, frame=(0, 0, 400, 400))
    # right and left of the dot; above and below would cover those boxes
    assert [p.label.text for p in placed] == ["Town0", "Town1"]
    assert [p.anchor for p in placed] == ["start", "end"]
    boxes = [p.box for p in placed]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    # a label outside the frame, or wanted only from a higher zoom, is left out
    far = [Label("Far", 0, 0, "town", 5, 0), Label("Later", 0, 0, "town", 12, 1)]
    assert place_greedy(far, [(900.0, 10.0), (50.0, 50.0)], zoom=8, frame=(0, 0, 400, 400)) == []


def test_a_region_named_like_its_centre_does_not_print_over_it():
    city = Label("Chernivtsi", 0, 0, "centre", 5, 1)
    region = Label("Chernivtsi", 0, 0, "region", 5, 2)
    placed = place_greedy(
        [city, region], [(100.0, 100.0), (110.0, 103.0)], zoom=6, frame=(0, 0, 400, 400)
    )
    assert [p.label.kind for p in placed] == ["centre"]


def test_zoom_for_scale_matches_leaflet():
    # Leaflet zoom 8 at 48.5 N: 256 * 2**8 px per 40,075 km * cos(48.5)
    px_per_m = 256 * 2**8 / (40_075_016.686 * 0.6626200482157375)
    assert zoom_for_scale(px_per_m) == pytest.approx(8, abs=1e-6)


@pytest.fixture(scope="module")
def export_svg() -> str:
    return scenario_svg(get_scenario("donbas-for-freeze"))


def _label_texts(svg: str) -> list[str]:
    group = ET.fromstring(svg).find(f".//{SVG_NS}g[@id='labels']")
    assert group is not None
    return ["".join(t.itertext()) for t in group.iter(f"{SVG_NS}text")]


def test_the_svg_export_names_capital_centres_and_neighbours(export_svg):
    names = _label_texts(export_svg)
    for name in (
        "Kyiv",
        "Kharkiv",
        "Odesa",
        "Lviv",
        "Donetsk",
        "Chernivtsi",
        "POLAND",
        "RUSSIA",
        "ROMANIA",
    ):
        assert name in names, name
    assert len(names) == len(set(names)) or names.count("Chernivtsi") == 1


def test_the_svg_export_has_title_date_sources_legend_and_scale(export_svg):
    root = ET.fromstring(export_svg)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]
    assert "Crimea and all of Donbas for a freeze" in texts
    assert any("Baseline: 2026-08-22" in t for t in texts)  # the default: the newest snapshot
    assert any(t.startswith("Sources: CNBC") for t in texts)
    assert any("GeoNames" in t for t in texts)
    assert root.find(f".//{SVG_NS}g[@id='legend']") is not None
    assert root.find(f".//{SVG_NS}g[@id='scale-bar']") is not None


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_png_is_print_width_and_not_blank(export_svg):
    png = svg_to_png(export_svg)
    width, height = _png_size(png)
    assert width == 1800 and 800 < height < 1400
    assert len(png) > 100_000  # a blank or text-less picture compresses to a few KB


@pytest.mark.parametrize("suffix", [".svg", ".png", ".html"])
def test_render_writes_every_format(tmp_path, capsys, suffix):
    out = tmp_path / f"map{suffix}"
    assert main(["render", "land-swap", "-o", str(out)]) == 0
    data = out.read_bytes()
    if suffix == ".svg":
        assert "Kyiv" in _label_texts(data.decode("utf-8"))
    elif suffix == ".png":
        assert _png_size(data)[0] == 1800
    else:
        assert data.lstrip().lower().startswith(b"<!doctype html")
    assert f"wrote {out}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["render", "land-swap", "-o", "x.pdf"], "must end in .html, .svg or .png"),
        (["render", "land-swap", "-o", "x.svg", "--width", "2000"], "allowed only with .png"),
        (["render", "land-swap", "-o", "x.png", "--width", "99999"], "from 1000 to 6000"),
    ],
)
def test_render_refuses_bad_output_clearly(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
