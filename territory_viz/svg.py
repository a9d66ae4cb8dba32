"""Static SVG maps of a scenario partition, for slides and articles.

A partition (see :func:`territory_viz.scenarios.evaluate`) is drawn in the project's
equal-area projection (Lambert azimuthal centred on Ukraine, so shapes and areas keep
their proportions), coloured by who controls each piece and hatched by the strongest
recognition of Russian control by a party other than Russia. The picture carries its
own legend (with km² and pre-war population per class), title, date, sources and a
scale bar, so it can be pasted on a slide as it is. No plotting library is used: the
SVG is written from the geometries, and every text is XML-escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape as _html_escape
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from territory_viz import notices
from territory_viz.labels import Label, map_labels, place_greedy, zoom_for_scale
from territory_viz.model import CRS_EQUAL_AREA, CRS_GEOGRAPHIC, UKRAINE_OFFICIAL_AREA_KM2
from territory_viz.style import (
    CHANGE_CASING,
    CHANGE_STYLES,
    CLASS_LABELS,
    COMPARE_BALANCE_ROWS,
    CONTROL_COLOURS,
    FALLBACK_COLOUR,
    HALO_COLOUR,
    HATCH_COLOUR,
    LABEL_COLOURS,
    LINE_STYLES,
    MUTED_TEXT_COLOUR,
    PAPER_COLOUR,
    SEA_COLOUR,
    SWATCH_EDGE_COLOUR,
    SWATCH_GROUND_COLOUR,
    TEXT_COLOUR,
    TOWN_COLOUR,
    UNCHANGED_CLASS,
    UNCHANGED_STYLE,
    WATER_CASING,
    WATER_LABELS,
    WATER_STYLES,
    change_key,
    format_share,
)
from territory_viz.textsafe import isolate_if_bidi as isolate

__all__ = [
    "CHANGE_MAP_STYLES",
    "CLASS_STYLES",
    "PAIR_PNG_WIDTH_PX",
    "PNG_WIDTH_PX",
    "ClassStyle",
    "compare_pictures",
    "pair_svg",
    "partition_svg",
    "svg_to_png",
]

#: Width of PNG exports: print quality for a full-width newspaper graphic.
PNG_WIDTH_PX = 1800

# Characters XML 1.0 forbids even when escaped (a TOML "\u0001" would make the SVG unreadable).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(text: object) -> str:
    """XML-escape text, replacing characters XML 1.0 does not allow with U+FFFD."""
    return _html_escape(_XML_INVALID.sub("\ufffd", str(text)))


@dataclass(frozen=True)
class ClassStyle:
    """How one ``display_class`` of a partition is drawn.

    Parameters
    ----------
    label
        Legend text.
    fill
        Fill colour (hex).
    hatch
        ``""`` (plain), ``"diagonal"`` (accepted de facto) or ``"cross"`` (recognised de jure).
    """

    label: str
    fill: str
    hatch: str = ""


# Colours and labels from territory_viz.style. Recognition is carried by the hatching, so the
# three Russian-control classes share one colour and differ in pattern, never in colour alone.
_HATCH = {"russia/de_facto": "diagonal", "russia/de_jure": "cross"}
CLASS_STYLES: dict[str, ClassStyle] = {
    cls: ClassStyle(label, CONTROL_COLOURS[cls.split("/", 1)[0]], _HATCH.get(cls, ""))
    for cls, label in CLASS_LABELS.items()
}
_FALLBACK_FILL = FALLBACK_COLOUR
_BACKGROUND = PAPER_COLOUR
_TEXT = TEXT_COLOUR
_NEIGHBOURS = LINE_STYLES["neighbours"][1]
_REGION_BORDER = LINE_STYLES["region_borders"][1]["color"]
_BORDER = LINE_STYLES["ukraine_border"][1]["color"]
_BASELINE_LINE = LINE_STYLES["line_of_contact"][1]["color"]
_FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
#: The hatching of recognition (``ClassStyle.hatch``), one ``<pattern>`` each.
_HATCH_PATTERNS = (
    '<pattern id="hatch-diagonal" patternUnits="userSpaceOnUse" width="7" height="7" '
    'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="7" '
    f'stroke="{HATCH_COLOUR}" '
    'stroke-width="1.6"/></pattern>',
    '<pattern id="hatch-cross" patternUnits="userSpaceOnUse" width="6" height="6" '
    'patternTransform="rotate(45)"><path d="M0 0V6M0 0H6" '
    f'stroke="{HATCH_COLOUR}" '
    'stroke-width="1.6" fill="none"/></pattern>',
)
#: The same, as the compare pair's one-line ``<defs>``.
_DEFS = "<defs>" + "".join(_HATCH_PATTERNS) + "</defs>"


def partition_svg(
    partition: gpd.GeoDataFrame,
    *,
    title: str,
    date: str | None = None,
    sources: Iterable[str] = (),
    subtitle: str | None = None,
    neighbours: gpd.GeoDataFrame | None = None,
    baseline_label: str | None = None,
    width_px: int = 1200,
    simplify_m: float = 300.0,
    styles: Mapping[str, ClassStyle] | None = None,
    labels: Sequence[Label] | bool = True,
    water: gpd.GeoDataFrame | bool | None = True,
    note: str | Sequence[str] | None = None,
    map_only: bool = False,
    changes: Mapping[str, str] | None = None,
    total_area_km2: float | None = None,
) -> str:
    """Draw a scenario partition as a standalone SVG document with legend.

    Parameters
    ----------
    partition
        One row per piece, with at least ``display_class``, ``iso_code`` and geometry
        (any CRS set on the frame); ``area_km2`` and ``population`` feed the legend
        when present.
    title
        Heading of the picture (escaped).
    date
        Date the picture refers to (baseline date), shown under the title.
    sources
        One line per source, shown at the foot.
    subtitle
        Optional second line under the title.
    neighbours
        Optional context polygons (neighbouring countries) drawn in light grey.
    baseline_label
        When given and the partition has ``baseline_control``, the boundary of the
        baseline's Russian-held area is drawn as a dashed line with this legend text.
    width_px
        Width of the document in pixels; the height follows from the map's shape.
    simplify_m
        Simplification tolerance in metres (shared borders stay coincident).
    styles
        Colours, hatching and labels per ``display_class``; defaults to
        :data:`CLASS_STYLES`.
    labels
        Names to place (see :mod:`territory_viz.labels`): ``True`` for the map's own
        hierarchy (capital, oblast centres, regions, towns by population as the picture's
        scale allows, neighbours), placed greedily without overlaps; ``False`` for none.
    water
        Rivers and reservoirs to draw (``True``: the committed Dnipro layer when present).
    note
        Further notes for the footer, one paragraph each (e.g. the date notice,
        :func:`territory_viz.notices.date_notice`, and the scenario's readings). The footer
        always says what is approximate, with the date
        (:func:`territory_viz.notices.approximation_note` of ``date``).
    map_only
        Draw only the map (no title, legend or footer), cropped to it: a small multiple
        for a gallery, whose card says the rest. Its ``data-metres-per-px`` attribute gives
        the map's scale.
    changes
        Change key (:data:`territory_viz.style.CHANGE_STYLES`) -> legend text: outline each
        piece whose ``control`` differs from its ``baseline_control`` in that change's
        colour and dash pattern (the change map), with one legend entry per change drawn.
    total_area_km2
        Area the legend's shares are of (default: the partition's own total).

    Returns
    -------
    str
        The SVG document (UTF-8 text, starts with ``<svg``).

    Raises
    ------
    ValueError
        If ``partition`` is empty, has no CRS, or lacks ``display_class``.
    """
    if partition.empty:
        raise ValueError("partition is empty: nothing to draw")
    if partition.crs is None:
        raise ValueError("partition has no CRS: set one (EPSG:4326 expected)")
    if "display_class" not in partition.columns:
        raise ValueError("partition lacks the column 'display_class'")
    styles = dict(CLASS_STYLES if styles is None else styles)
    width_px = max(400, int(width_px))

    parts = partition.to_crs(CRS_EQUAL_AREA)
    geoms = _simplified(list(parts.geometry), simplify_m)
    bounds = shapely.total_bounds(shapely.GeometryCollection(geoms))

    margin = 24.0
    map_w = width_px * 0.64
    scale = (map_w - 2 * margin) / max(bounds[2] - bounds[0], 1.0)
    map_h = (bounds[3] - bounds[1]) * scale + 2 * margin
    header_h = 70.0 if subtitle else 56.0
    proj = _Projector(bounds[0], bounds[3], scale, margin, header_h)

    body: list[str] = []
    if neighbours is not None and not neighbours.empty and neighbours.crs is not None:
        # Context fills the map's frame (sea behind, neighbours clipped to the frame).
        inset = 6.0
        pad = (margin - inset) / scale
        clip = shapely.box(bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad)
        body.append(
            f'<rect x="{inset}" y="{header_h + inset}" width="{map_w - 2 * inset:.1f}" '
            f'height="{map_h - 2 * inset:.1f}" fill="{SEA_COLOUR}"/>'
        )
        ctx = neighbours.to_crs(CRS_EQUAL_AREA)
        for geom in ctx.geometry:
            if geom is None or geom.is_empty:
                continue
            piece = shapely.intersection(shapely.make_valid(geom), clip)
            d = proj.path(shapely.simplify(piece, simplify_m * 3))
            if d:
                body.append(
                    f'<path d="{d}" fill="{_NEIGHBOURS["fillColor"]}" '
                    f'stroke="{_NEIGHBOURS["color"]}" stroke-width="0.6" fill-rule="evenodd"/>'
                )

    classes = [str(c) for c in parts["display_class"]]
    for cls, geom in zip(classes, geoms, strict=True):
        d = proj.path(geom)
        if not d:
            continue
        style = styles.get(cls)
        fill = style.fill if style else _FALLBACK_FILL
        body.append(
            f'<path d="{d}" fill="{fill}" stroke="{fill}" stroke-width="0.3" fill-rule="evenodd"/>'
        )
        if style and style.hatch:
            body.append(
                f'<path d="{d}" fill="url(#hatch-{style.hatch})" stroke="none" '
                'fill-rule="evenodd"/>'
            )

    water_frame, water_kinds = _water_kinds(water, shapely.box(*bounds))
    body.extend(_water(water_frame, proj, simplify_m))
    drawn_changes = _change_outlines(parts, geoms, proj, changes) if changes else []
    body.extend(line for _, lines in drawn_changes for line in lines)

    if "iso_code" in parts.columns:
        by_region: dict[str, list[BaseGeometry]] = {}
        for iso, geom in zip(parts["iso_code"].astype(str), geoms, strict=True):
            by_region.setdefault(iso, []).append(geom)
        for region_geoms in by_region.values():
            body.extend(
                _outline(
                    proj,
                    region_geoms,
                    f'stroke="{_REGION_BORDER}" stroke-width="0.9" stroke-linejoin="round" '
                    'stroke-opacity="0.9"',
                )
            )

    has_baseline = baseline_label is not None and "baseline_control" in parts.columns
    if has_baseline:
        held = [
            g
            for g, b in zip(geoms, parts["baseline_control"].astype(str), strict=True)
            if b == "russia"
        ]
        if held:
            body.extend(
                _outline(
                    proj,
                    held,
                    f'stroke="{_BASELINE_LINE}" stroke-width="1.4" stroke-dasharray="5 3" '
                    'stroke-linejoin="round"',
                )
            )
    body.extend(
        _outline(proj, geoms, f'stroke="{_BORDER}" stroke-width="1.1" stroke-linejoin="round"')
    )

    frame = (
        margin * 0.4,
        header_h + margin * 0.4,
        map_w - margin * 0.4,
        header_h + map_h - margin * 0.4,
    )
    bar_box = (margin - 4, header_h + map_h - margin - 12, margin + 150, header_h + map_h)
    body.extend(
        _labels(
            labels,
            proj,
            frame=frame,
            blocked=[bar_box],
            width_px=width_px,
            water=bool(water_kinds),
        )
    )

    legend, legend_h = _legend(
        parts,
        styles,
        x=map_w + 8,
        y=header_h + 8,
        width=width_px - map_w - 24,
        baseline_label=baseline_label if has_baseline else None,
        water_kinds=water_kinds,
        changes=[(changes[key], key) for key, _ in drawn_changes] if changes else [],
        total_area_km2=total_area_km2,
    )
    scale_bar = _scale_bar(scale, x=margin, y=header_h + map_h - margin + 4)

    foot_lines = _footer_lines(sources, note, width_px, date)
    content_h = max(header_h + map_h, header_h + 8 + legend_h)
    height = content_h + 14 + 15 * len(foot_lines) + 10

    if map_only:
        size = (
            f'width="{map_w:.0f}" height="{map_h:.0f}" '
            f'viewBox="0 {header_h:.0f} {map_w:.0f} {map_h:.0f}" '
            f'data-metres-per-px="{1 / scale:.3f}"'
        )
    else:
        size = f'width="{width_px}" height="{height:.0f}" viewBox="0 0 {width_px} {height:.0f}"'
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" {size} font-family="{_FONT}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        "<defs>",
        *_HATCH_PATTERNS,
        "</defs>",
        f'<rect width="100%" height="100%" fill="{_BACKGROUND}"/>',
        f'<text x="{margin}" y="30" font-size="22" font-weight="bold" fill="{_TEXT}">'
        f"{escape(isolate(title))}</text>",
    ]
    if map_only:
        out = [line for line in out if not line.startswith(("<rect", "<text"))]
        out.extend(['<g id="map">', *body, "</g>", "</svg>"])
        return "\n".join(out) + "\n"
    sub = _subtitle(subtitle, date)
    if sub:
        out.append(_subtitle_text(sub, x=margin))
    out.append('<g id="map">')
    out.extend(body)
    out.append("</g>")
    out.extend(scale_bar)
    out.extend(legend)
    out.extend(_footer(foot_lines, x=margin, y=content_h + 14))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _outline(proj: _Projector, geoms: Sequence[BaseGeometry], attrs: str) -> list[str]:
    """Draw the outline of the union of ``geoms`` (a ``<path>`` with ``attrs``), if any."""
    d = proj.path(shapely.union_all([shapely.make_valid(g) for g in geoms]).boundary, close=False)
    return [f'<path d="{d}" fill="none" {attrs}/>'] if d else []


def _subtitle(text: str | None, date: str | None) -> str:
    """Return the line under the title: ``text`` and the baseline's date."""
    # Each user text is its own bidi isolate: a U+202E in it cannot reverse what follows.
    return " · ".join(isolate(x) for x in (text, f"Baseline: {date}" if date else None) if x)


def _subtitle_text(sub: str, *, x: float) -> str:
    """Draw the line under the title."""
    return f'<text x="{x}" y="52" font-size="14" fill="{MUTED_TEXT_COLOUR}">{escape(sub)}</text>'


def _footer(lines: Iterable[str], *, x: float, y: float) -> list[str]:
    """Draw the footer lines (sources, notes) from ``y`` down."""
    return [
        f'<text x="{x}" y="{y + 15 * i:.0f}" font-size="11" fill="{MUTED_TEXT_COLOUR}">'
        f"{escape(line)}</text>"
        for i, line in enumerate(lines)
    ]


_HALO = f'stroke="{HALO_COLOUR}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'


def _load_water() -> gpd.GeoDataFrame | None:
    """Return the committed water layer, or ``None`` when the checkout lacks it."""
    from territory_viz import datasets
    from territory_viz._errors import DataFileError

    try:
        return datasets.load_water()
    except DataFileError:
        return None


def _water_kinds(
    water: gpd.GeoDataFrame | bool | None, frame_box: BaseGeometry
) -> tuple[gpd.GeoDataFrame | None, set[str]]:
    """Resolve ``water`` to the features inside the map (equal-area) and their kinds."""
    frame = _load_water() if water is True else (None if water is False else water)
    if frame is None or len(frame) == 0:
        return None, set()
    frame = frame.to_crs(CRS_EQUAL_AREA)
    frame = frame[frame.geometry.intersects(frame_box)]
    if len(frame) == 0:
        return None, set()
    kinds = {str(k) for k in frame["kind"]} if "kind" in frame.columns else {"river"}
    return frame, kinds


def _water(water: gpd.GeoDataFrame | None, proj: _Projector, simplify_m: float) -> list[str]:
    """Draw the Dnipro and the Kakhovka reservoir's drained bed as the web map does.

    Over the control fill, under the region borders; areas first, rivers over them, every
    line on a white casing so that it reads on any control colour.
    """
    if water is None or len(water) == 0:
        return []
    kinds = water["kind"].astype(str) if "kind" in water.columns else ["river"] * len(water)
    areas: list[str] = []
    lines: list[str] = []
    for kind, geom in zip(kinds, water.to_crs(CRS_EQUAL_AREA).geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        d = proj.path(shapely.simplify(geom, simplify_m / 2))
        if not d:
            continue
        style = WATER_STYLES.get(kind, WATER_STYLES["river"])
        fill = style.get("fillColor", "none") if style.get("fill", True) else "none"
        dash = f' stroke-dasharray="{style["dashArray"]}"' if style.get("dashArray") else ""
        casing = (
            f'<path d="{d}" fill="none" stroke="{WATER_CASING["color"]}" '
            f'stroke-width="{WATER_CASING["weight"] * 0.8:.2f}" '
            f'stroke-opacity="{WATER_CASING["opacity"]}" stroke-linejoin="round"/>'
        )
        path = (
            f'<path d="{d}" fill="{fill}" stroke="{style["color"]}" '
            f'stroke-width="{style["weight"]:.2f}"{dash} stroke-linejoin="round" '
            'stroke-linecap="round" fill-rule="evenodd"/>'
        )
        (lines if geom.geom_type in ("LineString", "MultiLineString") else areas).extend(
            [casing, path]
        )
    return ['<g id="water">', *areas, *lines, "</g>"]


def _labels(
    labels: Sequence[Label] | bool,
    proj: _Projector,
    *,
    frame: tuple[float, float, float, float],
    blocked: Sequence[tuple[float, float, float, float]],
    width_px: int,
    water: bool = True,
) -> list[str]:
    """Place names greedily by priority (no label over another), as the map's script does.

    The water's names only where the water is drawn.
    """
    if labels is False:
        return []
    chosen = map_labels(water=water) if labels is True else list(labels)
    if not chosen:
        return []
    import numpy as np
    from pyproj import Transformer

    to_ea = Transformer.from_crs(CRS_GEOGRAPHIC, CRS_EQUAL_AREA, always_xy=True)
    xs, ys = to_ea.transform(
        np.array([lb.lon for lb in chosen]), np.array([lb.lat for lb in chosen])
    )
    where = [proj.point(x, y) for x, y in zip(xs, ys, strict=True)]
    # fonts grow a little with the picture so a 1800 px print reads like the screen map
    scale = max(1.0, min(1.4, width_px / 1300))
    zoom = zoom_for_scale(proj.scale / scale)
    placed = place_greedy(chosen, where, zoom=zoom, frame=frame, blocked=blocked, scale=scale)
    dots, texts = [], []
    for p in placed:
        lb = p.label
        x, y = p.anchor_xy
        size = f"{p.font_px:.1f}"
        if lb.kind in ("capital", "centre", "town"):
            r = {"capital": 4.0, "centre": 3.0, "town": 2.2}[lb.kind] * scale
            fill = PAPER_COLOUR if lb.kind == "capital" else TOWN_COLOUR
            dots.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}" '
                f'stroke="{TOWN_COLOUR}" stroke-width="{1.2 if lb.kind == "capital" else 0.6}"/>'
            )
            weight = ' font-weight="bold"' if lb.kind in ("capital", "centre") else ""
            texts.append(
                f'<text x="{p.x:.1f}" y="{p.y:.1f}" font-size="{size}"{weight} '
                f'text-anchor="{p.anchor}" fill="{LABEL_COLOURS["place"]}" {_HALO}>'
                f"{escape(lb.text)}</text>"
            )
        else:
            colour = LABEL_COLOURS.get(lb.kind, LABEL_COLOURS["country"])
            sea = lb.text.endswith("Sea") or "Sea " in lb.text
            style = ' font-style="italic"' if sea or lb.kind == "water" else ""
            texts.append(
                f'<text x="{p.x:.1f}" y="{p.y:.1f}" font-size="{size}" '
                f'text-anchor="middle" fill="{colour}" letter-spacing="0.6"{style} '
                f'stroke="{HALO_COLOUR}" stroke-opacity="0.7" stroke-width="2" '
                f'paint-order="stroke">{escape(lb.text)}</text>'
            )
    return ['<g id="labels">', *dots, *texts, "</g>"]


class _Projector:
    """Turns equal-area metres into SVG pixel path data (y axis flipped)."""

    def __init__(self, x0: float, y1: float, scale: float, margin: float, top: float) -> None:
        self.x0, self.y1, self.scale, self.margin, self.top = x0, y1, scale, margin, top

    def _ring(self, coords: Sequence[Sequence[float]], close: bool) -> str:
        pts: list[str] = []
        last = ""
        for x, y, *_ in coords:
            px = (x - self.x0) * self.scale + self.margin
            py = (self.y1 - y) * self.scale + self.margin + self.top
            pt = f"{px:.1f} {py:.1f}"
            if pt != last:
                pts.append(pt)
                last = pt
        if len(pts) < 2:
            return ""
        return "M" + " L".join(pts) + (" Z" if close else "")

    def point(self, x: float, y: float) -> tuple[float, float]:
        """Pixel position of an equal-area point."""
        return (
            (x - self.x0) * self.scale + self.margin,
            (self.y1 - y) * self.scale + self.margin + self.top,
        )

    def path(self, geom: BaseGeometry | None, *, close: bool = True) -> str:
        """Return SVG path data for any (multi)polygon or (multi)line geometry."""
        if geom is None or geom.is_empty:
            return ""
        kind = geom.geom_type
        if kind == "Polygon":
            rings = [geom.exterior, *geom.interiors]
            return " ".join(r for r in (self._ring(x.coords, True) for x in rings) if r)
        if kind in ("LineString", "LinearRing"):
            return self._ring(geom.coords, close and kind == "LinearRing")
        if kind in ("MultiPolygon", "MultiLineString", "GeometryCollection"):
            return " ".join(p for p in (self.path(g, close=close) for g in geom.geoms) if p)
        return ""


def _simplified(geoms: list[BaseGeometry], tolerance: float) -> list[BaseGeometry]:
    """Simplify a coverage keeping shared borders coincident; fall back per geometry."""
    valid = [shapely.make_valid(g) if g is not None else shapely.Polygon() for g in geoms]
    if tolerance <= 0:
        return valid
    polys = [g if g.geom_type in ("Polygon", "MultiPolygon") else _polygonal(g) for g in valid]
    try:
        return list(shapely.coverage_simplify(polys, tolerance))
    except Exception:  # noqa: BLE001 - a non-coverage input is still drawable
        return [shapely.simplify(g, tolerance, preserve_topology=True) for g in polys]


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygonal parts of a geometry (make_valid may return collections)."""
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        return shapely.union_all(polys) if polys else shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    return shapely.Polygon()


def _fmt_int(value: float) -> str:
    return f"{value:,.0f}"


def _fmt_people(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.2f} million people"
    return f"{value:,.0f} people"


def _legend(
    parts: gpd.GeoDataFrame,
    styles: Mapping[str, ClassStyle],
    *,
    x: float,
    y: float,
    width: float,
    baseline_label: str | None,
    water_kinds: Collection[str] = (),
    changes: Sequence[tuple[str, str]] = (),
    total_area_km2: float | None = None,
) -> tuple[list[str], float]:
    """Draw legend entries for the classes present, in a fixed order, with km² and people.

    Then the change outlines drawn (``(label, change key)``), the baseline's line, the
    region borders. A class without a measured area (the change map's "same in both")
    shows no figures.
    """
    areas = _sums(parts, "area_km2")
    people = _sums(parts, "population")
    total_area = (
        float(total_area_km2)
        if total_area_km2
        else float(sum(areas.values())) or float(UKRAINE_OFFICIAL_AREA_KM2)
    )
    chars = _legend_chars(width)

    def figures(cls: str) -> list[str]:
        if cls not in areas:
            return []
        area = float(areas[cls])
        detail = f"{_fmt_int(area)} km² ({format_share(area / total_area)})"
        if cls in people:
            detail += f" · {_fmt_people(float(people[cls]))}"
        return _wrap(detail, chars + 4)

    out, cy = _legend_rows([parts], styles, figures, x=x, y=y, chars=chars, baseline_label=None)
    for label, key in changes:
        out.extend(_change_swatch(key, x=x, y=cy + 9))
        cy = _legend_label(out, label, x=x, cy=cy, chars=chars) + 12
    cy = _baseline_row(out, baseline_label, x=x, cy=cy, chars=chars)
    # A white line on the web legend's ground for light lines, so that it shows.
    out.append(
        f'<rect x="{x:.0f}" y="{cy + 2:.0f}" width="26" height="14" '
        f'fill="{SWATCH_GROUND_COLOUR}"/>'
        f'<line x1="{x:.0f}" y1="{cy + 9:.0f}" x2="{x + 26:.0f}" y2="{cy + 9:.0f}" '
        f'stroke="{_REGION_BORDER}" stroke-width="1.6"/>'
    )
    out.append(
        f'<text x="{x + 34:.0f}" y="{cy + 13:.0f}" font-size="13" fill="{_TEXT}">'
        "Region borders</text>"
    )
    cy += 28
    for kind in ("river", "drained"):
        if kind not in water_kinds and not (kind == "river" and "reservoir" in water_kinds):
            continue
        water_style = WATER_STYLES[kind]
        dash = (
            f' stroke-dasharray="{water_style["dashArray"]}"'
            if water_style.get("dashArray")
            else ""
        )
        shape = (
            f'<path d="M{x:.0f} {cy + 13:.0f} C{x + 9:.0f} {cy + 3:.0f} {x + 15:.0f} '
            f'{cy + 17:.0f} {x + 26:.0f} {cy + 5:.0f}"'
            if kind == "river"
            else f'<rect x="{x + 1:.0f}" y="{cy + 2:.0f}" width="24" height="14" rx="5"'
        )
        out.append(
            f'{shape} fill="none" stroke="{water_style["color"]}" '
            f'stroke-width="{water_style["weight"]:.1f}"{dash}/>'
        )
        cy = _legend_label(out, WATER_LABELS[kind], x=x, cy=cy, chars=chars) + 12
    out.append("</g>")
    return out, cy - y


def _legend_chars(width: float) -> int:
    """How many characters a legend line of ``width`` px holds."""
    return max(20, int(width / 7.0))


def _legend_label(out: list[str], label: str, *, x: float, cy: float, chars: int) -> float:
    """Write a legend row's label (wrapped) beside its swatch; return where its text ends."""
    lines = _wrap(label, chars)
    for i, line in enumerate(lines):
        out.append(
            f'<text x="{x + 34:.0f}" y="{cy + 13 + 16 * i:.0f}" font-size="13" '
            f'fill="{_TEXT}">{escape(line)}</text>'
        )
    return cy + 16 * len(lines)


def _baseline_row(
    out: list[str], baseline_label: str | None, *, x: float, cy: float, chars: int
) -> float:
    """Write the baseline's line of control row (if labelled); return the next row's top."""
    if not baseline_label:
        return cy
    out.append(
        f'<line x1="{x:.0f}" y1="{cy + 9:.0f}" x2="{x + 26:.0f}" y2="{cy + 9:.0f}" '
        f'stroke="{_BASELINE_LINE}" stroke-width="1.6" stroke-dasharray="5 3"/>'
    )
    return _legend_label(out, baseline_label, x=x, cy=cy, chars=chars) + 12


def _legend_rows(
    parts: Sequence[gpd.GeoDataFrame],
    styles: Mapping[str, ClassStyle],
    figures: Callable[[str], Sequence[str]],
    *,
    x: float,
    y: float,
    chars: int,
    baseline_label: str | None,
) -> tuple[list[str], float]:
    """Start a legend: its heading, then one row per class present in any of ``parts``.

    Classes come in the order of ``styles`` (unknown ones after, in the fallback colour);
    each row is the swatch (hatched by recognition), the label and the lines ``figures``
    gives for the class (km², share, people), then the baseline's row if labelled.

    Returns
    -------
    tuple
        The SVG lines (the ``<g id="legend">`` is left open) and the next row's top.
    """
    present = list(dict.fromkeys(str(c) for p in parts for c in p["display_class"]))
    order = [c for c in styles if c in present] + [c for c in present if c not in styles]
    out = [
        f'<g id="legend"><text x="{x:.0f}" y="{y + 14:.0f}" font-size="15" '
        f'font-weight="bold" fill="{_TEXT}">Legend</text>'
    ]
    cy = y + 30
    for cls in order:
        style = styles.get(cls, ClassStyle(cls, _FALLBACK_FILL))
        out.append(
            f'<rect x="{x:.0f}" y="{cy:.0f}" width="26" height="18" fill="{style.fill}" '
            f'stroke="{SWATCH_EDGE_COLOUR}" stroke-width="0.6"/>'
        )
        if style.hatch:
            out.append(
                f'<rect x="{x:.0f}" y="{cy:.0f}" width="26" height="18" '
                f'fill="url(#hatch-{style.hatch})" stroke="none"/>'
            )
        cy = _legend_label(out, style.label, x=x, cy=cy, chars=chars)
        for line in figures(cls):
            out.append(
                f'<text x="{x + 34:.0f}" y="{cy + 12:.0f}" font-size="11.5" '
                f'fill="{MUTED_TEXT_COLOUR}">{escape(line)}</text>'
            )
            cy += 15
        cy += 12
    return out, _baseline_row(out, baseline_label, x=x, cy=cy, chars=chars)


def _scale_bar(scale: float, *, x: float, y: float) -> list[str]:
    """Draw a scale bar of a round length (km) about 120 px long."""
    target_km = 120.0 / scale / 1000.0
    step = 10 ** math.floor(math.log10(target_km))
    km = max(s for s in (step, 2 * step, 5 * step) if s <= target_km) if target_km >= 1 else 1
    px = km * 1000.0 * scale
    return [
        '<g id="scale-bar">',
        f'<rect x="{x:.0f}" y="{y - 6:.0f}" width="{px:.1f}" height="5" fill="{_TEXT}"/>',
        f'<rect x="{x:.0f}" y="{y - 6:.0f}" width="{px / 2:.1f}" height="5" fill="{PAPER_COLOUR}" '
        f'stroke="{_TEXT}" stroke-width="0.8"/>',
        f'<text x="{x:.0f}" y="{y + 10:.0f}" font-size="11" fill="{_TEXT}">0</text>',
        f'<text x="{x + px:.0f}" y="{y + 10:.0f}" font-size="11" fill="{_TEXT}" '
        f'text-anchor="middle">{km:g} km</text>',
        "</g>",
    ]


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap (SVG 1.1 text does not wrap by itself)."""
    words = text.split()
    lines: list[str] = []
    line = ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines or [""]


def svg_to_png(svg: str, *, width_px: int = PNG_WIDTH_PX) -> bytes:
    """Rasterise an SVG document (as :func:`partition_svg` writes) to PNG bytes.

    Uses resvg (the ``resvg-py`` wheel, self-contained: no system library) with the system's
    fonts; DejaVu Sans is the first font the SVGs ask for. The whole picture is scaled to
    ``width_px`` (text, lines and legend alike), so a 1200 px SVG prints at 1800 px sharp.

    Raises
    ------
    RuntimeError
        If resvg-py is not installed (``pip install -r requirements.txt``).
    """
    try:
        import resvg_py
    except ImportError as exc:  # pragma: no cover - it is in requirements.txt
        raise RuntimeError(
            "PNG export needs the resvg-py package (pip install -r requirements.txt)"
        ) from exc
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, width=int(width_px), background=_BACKGROUND))


def export_sources(scenario: object, baseline_label: str, baseline_date: str | None) -> list[str]:
    """Source lines of an exported picture: the scenario's sources, control layer, base data."""
    return [
        *_scenario_source_lines(scenario),
        *_control_source_lines(baseline_label, baseline_date),
        _BASE_DATA_SOURCES,
    ]


_BASE_DATA_SOURCES = (
    "Regions and neighbours: Natural Earth (public domain); towns: GeoNames "
    "(CC BY 4.0); pre-war population: State Statistics Service of Ukraine, "
    "1 Jan 2022; Dnipro and Kakhovka reservoir: territory_viz, approximate"
)


def _scenario_source_lines(scenario: object) -> list[str]:
    return [
        f"{s.publisher}, {s.date.isoformat()}: {s.title}"
        for s in getattr(scenario, "sources", ()) or ()
    ]


def _control_source_lines(baseline_label: str, baseline_date: str | None) -> list[str]:
    """Return the control layer's source line (a fetched day: DeepStateMap's, and its terms)."""
    line = f"Control: {baseline_label}" + (f" ({baseline_date})" if baseline_date else "")
    return notices.credit(line, baseline_label)


def scenario_svg(
    scenario: object,
    baseline: object = None,
    *,
    width_px: int = 1200,
    partition: gpd.GeoDataFrame | None = None,
) -> str:
    """Draw the export picture of a scenario: map, names, legend, title, date, sources, note.

    Parameters
    ----------
    scenario
        A :class:`territory_viz.scenarios.Scenario`.
    baseline
        Snapshot id or control layer (default: the newest committed snapshot).
    width_px
        Width of the SVG (rasterise with :func:`svg_to_png` for print).
    partition
        The scenario's partition if already evaluated over ``baseline``.
    """
    from territory_viz import datasets
    from territory_viz.scenarios import evaluate

    part = partition if partition is not None else evaluate(scenario, baseline)  # type: ignore[arg-type]
    baseline_id = str(
        part.attrs.get("baseline", "")
        or (baseline if isinstance(baseline, str) else "")
        or datasets.DEFAULT_BASELINE
    )
    date = part.attrs.get("baseline_date") or _snapshot_date(baseline_id)
    return partition_svg(
        part,
        title=str(getattr(scenario, "title", "")),
        date=date,
        subtitle="Who would control what: colour = control, hatching = recognition",
        sources=export_sources(scenario, baseline_id, date),
        neighbours=datasets.load_neighbours(),
        baseline_label=f"Line of control in the baseline ({date or baseline_id})",
        width_px=width_px,
        note=scenario_notes(scenario, date or ""),
    )


def scenario_notes(scenario: object, baseline_date: str) -> list[str]:
    """Footer notes of a scenario's picture: the date notice, then its readings of its sources."""
    notice = notices.date_notice(getattr(scenario, "as_of", None), baseline_date)
    readings = getattr(scenario, "readings", None)
    return [notice, *(f"Reading: {r}" for r in (readings() if callable(readings) else ()))]


def _snapshot_date(baseline_id: str) -> str | None:
    match = re.search(r"(\d{4}-\d{2}-\d{2})$", baseline_id or "")
    return match.group(1) if match else None


# --------------------------------------------------------------------------- compare exports


def _sums(parts: gpd.GeoDataFrame, column: str) -> dict[str, float]:
    """Sum a column per display class; classes without any value are left out."""
    if column not in parts.columns:
        return {}
    sums = parts.groupby("display_class")[column].sum(min_count=1).dropna()
    return {str(k): float(v) for k, v in sums.items()}


def _footer_lines(
    sources: Iterable[str],
    note: str | Sequence[str] | None,
    width_px: int,
    date: str | None,
) -> list[str]:
    """Return the footer lines: sources, the approximation note, notes, how things are measured."""
    source_lines = [s for s in (str(x).strip() for x in sources) if s]
    foot_lines = ([f"Sources: {source_lines[0]}"] + source_lines[1:]) if source_lines else []
    foot_lines.append(notices.approximation_note(date))
    foot_lines += [str(n) for n in ([note] if isinstance(note, str) else note or ()) if n]
    foot_lines.append(
        "Areas in km² measured in a Lambert azimuthal equal-area projection centred on Ukraine; "
        "population = pre-war resident population (people)."
    )
    return [line for raw in foot_lines for line in _wrap(raw, int(width_px / 6.3))]


def _stroke(style: Mapping[str, Any]) -> str:
    """SVG stroke attributes of a Leaflet path style (colour, weight, dashes, caps)."""
    attrs = f'stroke="{style.get("color", _TEXT)}" stroke-width="{float(style.get("weight", 2)):g}"'
    if style.get("dashArray"):
        attrs += f' stroke-dasharray="{escape(style["dashArray"])}"'
    if style.get("lineCap"):
        attrs += f' stroke-linecap="{escape(style["lineCap"])}"'
    return attrs


_CASING = (
    f'stroke="{CHANGE_CASING["color"]}" stroke-opacity="{CHANGE_CASING["opacity"]}" '
    'stroke-linejoin="round"'
)


def _change_outlines(
    parts: gpd.GeoDataFrame,
    geoms: Sequence[BaseGeometry],
    proj: _Projector,
    changes: Mapping[str, str],
) -> list[tuple[str, list[str]]]:
    """Outline the pieces of each change (``baseline_control`` -> ``control``), in order."""
    if "baseline_control" not in parts.columns or "control" not in parts.columns:
        return []
    keys = [
        change_key(str(before), str(after))
        for before, after in zip(parts["baseline_control"], parts["control"], strict=True)
    ]
    drawn = []
    for key in changes:
        pieces = [shapely.make_valid(g) for g, k in zip(geoms, keys, strict=True) if k == key]
        if not pieces:
            continue
        d = proj.path(shapely.union_all(pieces).boundary, close=False)
        if not d:
            continue
        style = CHANGE_STYLES[key][1]
        casing = float(CHANGE_CASING.get("weight", 7)) * 0.8
        drawn.append(
            (
                key,
                [
                    f'<path d="{d}" fill="none" {_CASING} stroke-width="{casing:g}"/>',
                    f'<path d="{d}" fill="none" {_stroke(style)} stroke-linejoin="round"/>',
                ],
            )
        )
    return drawn


def _change_swatch(key: str, *, x: float, y: float) -> list[str]:
    """Draw a legend swatch of a change outline: a short line with its casing."""
    style = CHANGE_STYLES[key][1]
    casing = float(CHANGE_CASING.get("weight", 7)) * 0.8
    line = f'x1="{x:.0f}" y1="{y:.0f}" x2="{x + 26:.0f}" y2="{y:.0f}"'
    return [
        f'<line {line} {_CASING} stroke-width="{casing:g}"/>',
        f"<line {line} {_stroke(style)}/>",
    ]


#: Width of PNG exports of the compare pair (two maps side by side).
PAIR_PNG_WIDTH_PX = 2400
#: Classes of the change map: the partition's, plus what is the same in both scenarios.
CHANGE_MAP_STYLES: dict[str, ClassStyle] = {
    **CLASS_STYLES,
    UNCHANGED_CLASS: ClassStyle("Same in both scenarios", str(UNCHANGED_STYLE["fillColor"])),
}
_INNER_SVG = re.compile(
    r'^<svg [^>]*width="(?P<w>[\d.]+)" height="(?P<h>[\d.]+)" viewBox="(?P<vb>[^"]+)" '
    r'data-metres-per-px="(?P<mpp>[\d.]+)"[^>]*>.*?</defs>\n(?P<body>.*)</svg>\n?$',
    re.DOTALL,
)


def pair_svg(
    part_a: gpd.GeoDataFrame,
    part_b: gpd.GeoDataFrame,
    *,
    title: str,
    heading_a: str,
    heading_b: str,
    date: str | None = None,
    sources: Iterable[str] = (),
    note: str | Sequence[str] | None = None,
    neighbours: gpd.GeoDataFrame | None = None,
    baseline_label: str | None = None,
    width_px: int = 1500,
    labels: Sequence[Label] | bool = True,
    water: gpd.GeoDataFrame | bool | None = True,
) -> str:
    """Draw two scenarios side by side, on one scale, with one legend (A and B figures).

    Parameters
    ----------
    part_a, part_b
        The two partitions (over the same baseline), as for :func:`partition_svg`.
    title
        Heading of the picture.
    heading_a, heading_b
        Heading of each map (``A: title``).
    date, sources, note, neighbours, baseline_label, labels, water
        As for :func:`partition_svg`; the legend gives each class's km² in A and in B.
    width_px
        Width of the document (rasterise with ``svg_to_png(..., width_px=PAIR_PNG_WIDTH_PX)``).

    Returns
    -------
    str
        The SVG document.
    """
    width_px = max(900, int(width_px))
    margin, gap, legend_w = 24.0, 18.0, 300.0
    header_h = 70.0
    panel_w = (width_px - 2 * margin - gap - legend_w - 12) / 2
    panels = []
    for part, heading in ((part_a, heading_a), (part_b, heading_b)):
        inner = partition_svg(
            part,
            title=heading,
            neighbours=neighbours,
            baseline_label=baseline_label,
            width_px=int(round(panel_w / 0.64)),
            labels=labels,
            water=water,
            map_only=True,
        )
        match = _INNER_SVG.match(inner)
        if match is None:  # pragma: no cover - partition_svg writes this shape
            raise RuntimeError("unexpected map-only SVG layout")
        panels.append((heading, match))
    heading_h = 22.0
    map_h = max(float(m["h"]) for _, m in panels)
    out_body: list[str] = []
    for i, (heading, m) in enumerate(panels):
        x = margin + i * (panel_w + gap)
        chars = int(panel_w / 8.2)
        text = _wrap(isolate(heading), chars)[0]
        if len(heading) > len(text):
            text = text.rstrip(" ,;:") + "…"
        out_body.append(
            f'<text x="{x:.1f}" y="{header_h + 15:.0f}" font-size="15" font-weight="bold" '
            f'fill="{_TEXT}">{escape(text)}</text>'
        )
        out_body.append(
            f'<svg x="{x:.1f}" y="{header_h + heading_h:.1f}" width="{m["w"]}" '
            f'height="{m["h"]}" viewBox="{m["vb"]}">{m["body"]}</svg>'
        )
    metres_per_px = float(panels[0][1]["mpp"])
    map_bottom = header_h + heading_h + map_h
    scale_bar = _scale_bar(1 / metres_per_px, x=margin + 10, y=map_bottom + 18)
    legend, legend_h = _pair_legend(
        [part_a, part_b],
        x=width_px - margin - legend_w,
        y=header_h + 8,
        width=legend_w,
        baseline_label=baseline_label if "baseline_control" in part_a.columns else None,
    )
    foot_lines = _footer_lines(sources, note, width_px, date)
    content_h = max(map_bottom + 34, header_h + 8 + legend_h)
    height = content_h + 14 + 15 * len(foot_lines) + 10
    sub = _subtitle("Colour = control, hatching = recognition", date)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{height:.0f}" '
        f'viewBox="0 0 {width_px} {height:.0f}" font-family="{_FONT}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        _DEFS,
        f'<rect width="100%" height="100%" fill="{_BACKGROUND}"/>',
        f'<text x="{margin}" y="30" font-size="22" font-weight="bold" fill="{_TEXT}">'
        f"{escape(isolate(title))}</text>",
        _subtitle_text(sub, x=margin),
        '<g id="maps">',
        *out_body,
        "</g>",
        *scale_bar,
        *legend,
    ]
    out.extend(_footer(foot_lines, x=margin, y=content_h + 14))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _pair_legend(
    parts: Sequence[gpd.GeoDataFrame],
    *,
    x: float,
    y: float,
    width: float,
    baseline_label: str | None,
) -> tuple[list[str], float]:
    """Draw the pair's legend: each class present in A or B, with its km² and share in each."""
    sums = [_sums(p, "area_km2") for p in parts]
    totals = [sum(s.values()) or float(UKRAINE_OFFICIAL_AREA_KM2) for s in sums]

    def figures(cls: str) -> list[str]:
        return [
            f"{side}: {_fmt_int(area_by_class.get(cls, 0.0))} km² "
            f"({format_share(area_by_class.get(cls, 0.0) / total)})"
            for side, area_by_class, total in zip("AB", sums, totals, strict=True)
        ]

    out, cy = _legend_rows(
        parts,
        CLASS_STYLES,
        figures,
        x=x,
        y=y,
        chars=_legend_chars(width),
        baseline_label=baseline_label,
    )
    out.append("</g>")
    return out, cy - y


def _unchanged_by_region(changes: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Cut the change map's one "same in both" piece along the regions, to draw their borders."""
    import pandas as pd

    same = changes["display_class"] == UNCHANGED_CLASS
    if not same.any() or "iso_code" not in regions.columns:
        return changes
    rest = shapely.union_all(list(changes.geometry[same]))
    template = changes[same].iloc[0]
    rows, geoms = [], []
    for iso, group in regions.to_crs(changes.crs).groupby("iso_code"):
        piece = shapely.intersection(rest, shapely.union_all(list(group.geometry)))
        if not piece.is_empty:
            rows.append({**template.drop(changes.geometry.name).to_dict(), "iso_code": iso})
            geoms.append(piece)
    pieces = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=changes.crs)
    return gpd.GeoDataFrame(pd.concat([changes[~same], pieces], ignore_index=True), crs=changes.crs)


def compare_sources(a: object, b: object, baseline_label: str, date: str | None) -> list[str]:
    """Source lines of a compare picture: both scenarios' sources (once each), control, data."""
    own_a, own_b = _scenario_source_lines(a), _scenario_source_lines(b)
    return [
        *own_a,
        *(line for line in own_b if line not in own_a),
        *_control_source_lines(baseline_label, date),
        _BASE_DATA_SOURCES,
    ]


def compare_pictures(
    a: object,
    b: object,
    baseline: object = None,
    *,
    width_px: int | None = None,
    partitions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None = None,
    comparison: object = None,
    which: Sequence[str] = ("pair", "change"),
) -> dict[str, str]:
    """Draw the compare pair and the change map of scenarios A and B over a baseline.

    Parameters
    ----------
    a, b
        :class:`territory_viz.scenarios.Scenario` objects (B may be the baseline itself).
    baseline
        Snapshot id or control layer (default: the newest committed snapshot).
    width_px
        Width of the SVGs (default: 1500 for the pair, 1200 for the change map).
    partitions, comparison
        A's and B's partitions and their :class:`~territory_viz.stats.Comparison`, if
        already evaluated over ``baseline`` (the page has them).
    which
        The pictures to draw: ``"pair"``, ``"change"`` or both.

    Returns
    -------
    dict
        ``{"pair": svg, "change": svg}``: each with title, date, legend, names, scale bar,
        sources and the approximation note.
    """
    from territory_viz import datasets, stats
    from territory_viz.scenarios import evaluate_full

    if partitions is None or comparison is None:
        ev_a = evaluate_full(a, baseline)  # type: ignore[arg-type]
        ev_b = evaluate_full(b, ev_a.baseline)  # type: ignore[arg-type]
        partitions = (ev_a.partition, ev_b.partition)
        comparison = stats.compare_evaluations(ev_a, ev_b)
    part_a, part_b = partitions
    baseline_id = str(part_a.attrs.get("baseline", "") or datasets.DEFAULT_BASELINE)
    date = part_a.attrs.get("baseline_date") or _snapshot_date(baseline_id)
    title_a, title_b = str(getattr(a, "title", "A")), str(getattr(b, "title", "B"))
    sources = compare_sources(a, b, baseline_id, date)
    # the footer adds the approximation note; then each scenario's date notice and readings
    note = list(dict.fromkeys(n for s in (a, b) for n in scenario_notes(s, date or "") if n))
    neighbours = datasets.load_neighbours()
    out: dict[str, str] = {}
    if "pair" in which:
        out["pair"] = pair_svg(
            part_a,
            part_b,
            title=f"{title_a} compared with {title_b}",
            heading_a=f"A: {title_a}",
            heading_b=f"B: {title_b}",
            date=date,
            sources=sources,
            note=note,
            neighbours=neighbours,
            baseline_label=f"Line of control in the baseline ({date or baseline_id})",
            width_px=width_px or 1500,
        )
    if "change" not in which:
        return out
    total = float(part_a["area_km2"].sum()) if "area_km2" in part_a.columns else None
    out["change"] = partition_svg(
        _unchanged_by_region(stats.change_partition(comparison), part_a),  # type: ignore[arg-type]
        title=f"What changes from A: {title_a} to B: {title_b}",
        date=date,
        subtitle="Colour: control in B where it differs from A (light grey: same in both); "
        "outline: direction of the change",
        sources=sources,
        neighbours=neighbours,
        width_px=width_px or 1200,
        styles=CHANGE_MAP_STYLES,
        note=note,
        changes=dict(COMPARE_BALANCE_ROWS),
        total_area_km2=total,
    )
    return out
