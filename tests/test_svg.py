"""territory_viz.svg: static SVG map of a partition, on synthetic square partitions."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import geopandas as gpd
import pytest
from shapely.geometry import box

from territory_viz.style import LINE_STYLES
from territory_viz.svg import CLASS_STYLES, partition_svg

SVG_NS = "{http://www.w3.org/2000/svg}"


def _partition(classes: list[str], *, crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    """Adjacent 1°x1° squares in Ukraine's latitude band, one per class."""
    rows = []
    for i, cls in enumerate(classes):
        rows.append(
            {
                "iso_code": f"UA-{10 + i // 2:02d}",
                "region": f"Region {i // 2}",
                "baseline_control": "russia" if cls.startswith("russia") else "ukraine",
                "control": cls.split("/")[0],
                "display_class": cls,
                "area_km2": 1000.0 * (i + 1),
                "population": 250_000 * (i + 1),
                "geometry": box(30 + i, 48, 31 + i, 49),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def test_document_is_wellformed_svg_with_title_date_sources_and_units():
    part = _partition(["ukraine", "russia/none", "russia/de_facto", "demilitarized"])
    svg = partition_svg(
        part,
        title="Ceasefire on the current line",
        date="2025-08-15",
        sources=["CNBC, 2025-08-14, Five things at stake"],
    )
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert float(root.get("width")) == 1200
    texts = _texts(svg)
    assert "Ceasefire on the current line" in texts
    assert any("2025-08-15" in t for t in texts)
    assert any("CNBC, 2025-08-14" in t for t in texts)
    assert any("km²" in t for t in texts)
    assert any("people" in t for t in texts)
    assert root.find(f".//{SVG_NS}g[@id='scale-bar']") is not None


def test_legend_lists_each_class_present_once_in_fixed_order_with_area():
    part = _partition(["russia/de_jure", "ukraine", "ukraine", "international"])
    svg = partition_svg(part, title="t")
    legend = ET.fromstring(svg).find(f".//{SVG_NS}g[@id='legend']")
    texts = ["".join(t.itertext()) for t in legend.iter(f"{SVG_NS}text")]
    labels = [t for t in texts if t in {s.label for s in CLASS_STYLES.values()}]
    assert labels == [
        CLASS_STYLES["ukraine"].label,
        CLASS_STYLES["russia/de_jure"].label,
        CLASS_STYLES["international"].label,
    ]
    # ukraine rows are 2000 + 3000 km² of 10000 km² in total
    assert any(t.startswith("5,000 km² (50.0%)") for t in texts)
    assert not any(CLASS_STYLES["demilitarized"].label == t for t in texts)


def test_recognition_is_hatched_not_only_coloured():
    svg = partition_svg(_partition(["russia/none", "russia/de_facto", "russia/de_jure"]), title="t")
    assert 'fill="url(#hatch-diagonal)"' in svg
    assert 'fill="url(#hatch-cross)"' in svg
    fills = {CLASS_STYLES[c].fill for c in ("russia/none", "russia/de_facto", "russia/de_jure")}
    assert len(fills) == 1  # the pattern, not the colour, tells them apart


def test_every_text_is_escaped():
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"> & co'
    part = _partition(["ukraine", "mystery<b>class</b>"])
    svg = partition_svg(
        part,
        title=hostile,
        subtitle=hostile,
        date=hostile,
        sources=[hostile],
        baseline_label=hostile,
    )
    assert "<script" not in svg
    assert "<img" not in svg
    assert "<b>" not in svg
    texts = _texts(svg)
    assert hostile in texts
    assert any("mystery<b>class</b>" == t for t in texts)  # unknown class: literal label


def test_baseline_outline_is_dashed_only_when_asked():
    part = _partition(["ukraine", "russia/none"])
    assert "stroke-dasharray" not in partition_svg(part, title="t")
    with_line = partition_svg(part, title="t", baseline_label="Line of control on 2025-08-15")
    assert "stroke-dasharray" in with_line
    assert "Line of control on 2025-08-15" in _texts(with_line)


def test_neighbours_context_is_drawn_and_clipped():
    part = _partition(["ukraine", "russia/none"])
    neighbours = gpd.GeoDataFrame(
        {"name": ["Far"]}, geometry=[box(20, 40, 45, 60)], crs="EPSG:4326"
    )
    svg = partition_svg(part, title="t", neighbours=neighbours)
    # drawn as the web map draws the neighbouring countries
    assert f'fill="{LINE_STYLES["neighbours"][1]["fillColor"]}"' in svg


def test_projected_input_and_width_are_respected():
    part = _partition(["ukraine", "russia/none"]).to_crs(3857)
    svg = partition_svg(part, title="t", width_px=800)
    assert ET.fromstring(svg).get("width") == "800"


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (_partition(["ukraine"]).iloc[0:0], "empty"),
        (_partition(["ukraine"], crs=None), "CRS"),
        (_partition(["ukraine"]).drop(columns="display_class"), "display_class"),
    ],
)
def test_bad_partition_is_refused_with_a_clear_message(frame, message):
    with pytest.raises(ValueError, match=message):
        partition_svg(frame, title="t")


def test_map_only_is_the_map_cropped_without_title_legend_or_footer():
    part = _partition(["ukraine", "russia/none", "russia/de_jure"])
    full = ET.fromstring(
        partition_svg(part, title="Land swap", date="2025-08-15", sources=["CNBC"], width_px=560)
    )
    small = partition_svg(
        part,
        title="Land swap",
        date="2025-08-15",
        sources=["CNBC"],
        width_px=560,
        map_only=True,
        labels=False,
    )
    root = ET.fromstring(small)
    assert root.find(f".//{SVG_NS}g[@id='legend']") is None
    assert not [t for t in _texts(small) if t.strip()]  # no title, date, sources, notes
    assert root.get("aria-label") == "Land swap"  # still named for screen readers
    assert float(root.get("width")) < float(full.get("width"))
    assert float(root.get("height")) < float(full.get("height"))
    full_map = full.find(f"{SVG_NS}g[@id='map']")
    small_map = root.find(f"{SVG_NS}g[@id='map']")
    # the same map, pieces and all (no names asked for here)
    assert len(small_map.findall(f"{SVG_NS}path")) == len(full_map.findall(f"{SVG_NS}path"))
    assert "url(#hatch-cross)" in small  # recognition still hatched
