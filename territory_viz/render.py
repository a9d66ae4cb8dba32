r"""Folium maps of a scenario: styles, legend, compact display geometries, standalone HTML.

Map encoding (see the design brief):

- **colour = control**, from the Okabe-Ito colour-blind-safe palette;
- **hatching = recognition** of Russian control by a party other than Russia (cross-hatch:
  de jure by someone; single diagonal: de facto at most), so recognition never relies on colour;
- **outlines = changes against the baseline** (to Russian control, back to Ukrainian control,
  demilitarized), each with its own colour *and* dash pattern;
- lines: the line of contact, Russia's claimed borders, the area occupied before 2022;
- context: neighbouring countries on a plain sea-coloured background (no tiles, so it works
  offline), region borders and names, towns sized by pre-war population.

The page is built from two parts so that switching scenario does not rebuild the map:
:func:`base_map` (background, region borders and names, towns, legend: depends only on the
baseline) and :func:`scenario_layers` (the partition, its hatching and changes, and the
baseline's lines, as :class:`folium.FeatureGroup` objects). :func:`build_map` puts both in
one map, and :func:`standalone_html` writes that map as one offline HTML file.

Payload: geometries are simplified as a coverage (shared borders stay coincident, every
boundary within :data:`SIMPLIFY_TOLERANCE_M` + rounding of its source), rounded to 0.001°,
delta-encoded as compact strings (the "encoded polyline" scheme) and decoded in the browser by
a few lines of our own JavaScript. Only the properties the map shows are kept.

Every text that reaches HTML (tooltips, labels, legend) goes through :func:`html.escape`; text
the browser inserts later (legend caption) is set with ``textContent``. JSON embedded in a
``<script>`` has ``<``, ``>`` and ``&`` escaped as ``\\u003c`` etc.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import json
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from territory_viz import assets
from territory_viz._errors import DataFileError, ValidationError
from territory_viz.model import (
    CRS_EQUAL_AREA,
    CRS_GEOGRAPHIC,
    Control,
    Party,
    Recognition,
    RegionKind,
)

if TYPE_CHECKING:
    from territory_viz.scenarios import Scenario

__all__ = [
    "CONTROL_COLOURS",
    "CONTROL_LABELS",
    "LAYERS",
    "DEFAULT_LAYERS",
    "SIMPLIFY_TOLERANCE_M",
    "MapContext",
    "PreparedPartition",
    "base_map",
    "build_map",
    "date_label",
    "map_context",
    "prepare_partition",
    "scenario_caption",
    "scenario_layers",
    "simplify_coverage",
    "standalone_html",
    "to_standalone_html",
]

# --------------------------------------------------------------------------------------
# Styles
# --------------------------------------------------------------------------------------

#: Fill colour per control (Okabe-Ito palette: distinguishable with the common colour-vision
#: deficiencies).
CONTROL_COLOURS: dict[str, str] = {
    Control.UKRAINE: "#56B4E9",  # sky blue
    Control.RUSSIA: "#D55E00",  # vermillion
    Control.DEMILITARIZED: "#F0E442",  # yellow
    Control.INTERNATIONAL: "#009E73",  # bluish green
}

#: Fill opacity per control: Ukrainian control is most of the map, so it is the lightest.
_CONTROL_OPACITY: dict[str, float] = {
    Control.UKRAINE: 0.35,
    Control.RUSSIA: 0.65,
    Control.DEMILITARIZED: 0.75,
    Control.INTERNATIONAL: 0.6,
}

#: Legend and tooltip wording per control (de facto, on the ground).
CONTROL_LABELS: dict[str, str] = {
    Control.UKRAINE: "Ukrainian control",
    Control.RUSSIA: "Russian control (occupied)",
    Control.DEMILITARIZED: "Demilitarized zone",
    Control.INTERNATIONAL: "International administration",
}

_RECOGNITION_LABELS: dict[str, str] = {
    Recognition.DE_JURE: "de jure",
    Recognition.DE_FACTO: "de facto",
    Recognition.NONE: "none",
}

#: Changes against the baseline: key -> (legend label, Leaflet path style). Each is drawn as
#: a thick outline with its own dash pattern over a white casing (visible on any fill), and
#: filled with horizontal stripes of its colour (recognition hatching is diagonal), so a
#: change reads without colour too.
_CHANGE_STYLES: dict[str, tuple[str, dict[str, Any]]] = {
    "to_russia": (
        "To Russian control",
        {"color": "#000000", "weight": 3.5, "dashArray": "9 5"},
    ),
    "to_ukraine": (
        "Back to Ukrainian control",
        {"color": "#0072B2", "weight": 4},
    ),
    "to_demilitarized": (
        "Becomes demilitarized",
        {"color": "#6b5b00", "weight": 3.5, "dashArray": "1 6", "lineCap": "round"},
    ),
    "to_international": (
        "To international administration",
        {"color": "#00573f", "weight": 3.5, "dashArray": "12 4 2 4"},
    ),
}

#: The white casing drawn under every change outline.
_CHANGE_CASING: dict[str, Any] = {"color": "#ffffff", "weight": 7, "opacity": 0.85, "fill": False}

#: Line layers: key -> (legend label, style).
_LINE_STYLES: dict[str, tuple[str, dict[str, Any]]] = {
    "line_of_contact": ("Line of contact (baseline)", {"color": "#222222", "weight": 2.2}),
    "claim": (
        "Russia's claimed borders (rejected by UN GA)",
        {"color": "#CC79A7", "weight": 2.6, "dashArray": "9 5"},
    ),
    "occupied_2022": (
        "Occupied before 24 Feb 2022",
        {"color": "#3d3d3d", "weight": 1.6, "dashArray": "2 4", "lineCap": "round"},
    ),
    "region_borders": ("Region borders", {"color": "#ffffff", "weight": 1.1, "opacity": 0.95}),
    "ukraine_border": ("Ukraine's border", {"color": "#4d4d4d", "weight": 1.4}),
    "neighbours": (
        "Neighbouring countries",
        {"color": "#9a9a9a", "weight": 1, "fillColor": "#ededed", "fillOpacity": 1},
    ),
}

#: Layers the page can toggle: key -> label. Order = drawing order in the layer control.
LAYERS: dict[str, str] = {
    "control": "Control and recognition",
    "changes": "Changes vs baseline",
    "line_of_contact": "Line of contact",
    "claim": "Russia's claim",
    "occupied_2022": "Occupied before 2022",
    "regions": "Region borders and names",
    "towns": "Towns",
}

#: Layers shown by default.
DEFAULT_LAYERS: frozenset[str] = frozenset(LAYERS)

#: Simplification tolerance for display geometries, in metres. With rounding to 0.001°
#: (at most ~60 m) every boundary stays within 500 m of its source.
SIMPLIFY_TOLERANCE_M = 400.0

#: Decimal places kept in display coordinates (0.001° is about 111 m north-south).
_PRECISION = 3

#: Towns drawn (pre-war population at least this) and labelled.
TOWN_MIN_POPULATION = 20_000
TOWN_LABEL_POPULATION = 250_000

#: Where the map opens: Ukraine's bounding box, [[south, west], [north, east]].
UKRAINE_BOUNDS = [[44.38, 22.14], [52.38, 40.23]]

#: The snapshot of the area occupied before the full-scale invasion.
PRE_2022_SNAPSHOT = "occupied-2022-02-23"

#: Sources of the base layers, shown in every legend.
BASE_SOURCES = (
    "Regions and neighbours: Natural Earth (public domain)",
    "Towns: GeoNames (CC BY 4.0)",
)

# Panes, bottom to top; a pane each so dynamically added layers still stack correctly.
_PANES = {
    "tv-context": 350,
    "tv-fill": 410,
    "tv-hatch": 415,
    "tv-lines": 420,
    "tv-changes": 425,
    "tv-towns": 440,
}

# --------------------------------------------------------------------------------------
# Browser side: CSS, SVG patterns and a tiny decoder (our own code, no plugin)
# --------------------------------------------------------------------------------------

_CSS = """
.leaflet-container { background: #d6e6ef; font-family: system-ui, -apple-system, "Segoe UI",
  Roboto, "DejaVu Sans", sans-serif; }
.tv-hatch-de_jure { fill: url(#tv-pat-de_jure); }
.tv-hatch-de_facto { fill: url(#tv-pat-de_facto); }
.tv-chg-to_russia { fill: url(#tv-pat-chg-to_russia); }
.tv-chg-to_ukraine { fill: url(#tv-pat-chg-to_ukraine); }
.tv-chg-to_demilitarized { fill: url(#tv-pat-chg-to_demilitarized); }
.tv-chg-to_international { fill: url(#tv-pat-chg-to_international); }
.tv-label { color: #333; font-size: 11px; font-style: italic; white-space: nowrap;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; pointer-events: none;
  transform: translate(-50%, -50%); width: auto !important; height: auto !important; }
.tv-town-label { color: #111; font-size: 11px; font-weight: 600; font-style: normal;
  transform: translate(6px, -50%); }
.tv-tip { font-size: 12px; line-height: 1.35; white-space: normal; width: max-content;
  min-width: 180px; max-width: min(300px, 75vw); }
.tv-legend { background: rgba(255,255,255,0.94); padding: 6px 8px; border-radius: 5px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font-size: 11.5px; line-height: 1.3; color: #222;
  max-width: 255px; max-height: calc(100vh - 150px); overflow-y: auto; }
.tv-legend summary { font-weight: 700; cursor: pointer; margin-top: 2px; }
.tv-legend details:not([open]) summary::after { content: " (show the key)";
  font-weight: 400; color: #555; }
.tv-legend .tv-scenario { font-weight: 700; margin: 0 0 2px; }
.tv-legend .tv-scenario:empty { display: none; }
.tv-legend .tv-h { font-weight: 600; margin-top: 5px; }
.tv-legend .tv-sec { break-inside: avoid; }
.tv-legend .tv-row { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
.tv-legend svg { flex: none; }
.tv-legend .tv-foot { display: flex; align-items: flex-end; gap: 8px; margin-top: 4px; }
.tv-legend .tv-src { color: #555; font-size: 10.5px; flex: 1; }
.tv-legend .leaflet-control-scale { margin: 0; flex: none; float: none; }
.tv-legend .leaflet-control-attribution { margin: 0; flex: none; float: none; padding: 0;
  background: none; font-size: 9px; color: #555; align-self: flex-end; }
.tv-legend .leaflet-control-scale-line { font-size: 9.5px; line-height: 1.2;
  background: rgba(255,255,255,0.8); }
@media (max-width: 800px) {
  .leaflet-bottom.leaflet-left { right: 0; }
  .tv-legend { font-size: 10px; line-height: 1.2; max-width: none; padding: 4px 7px;
    max-height: 45%; }
  .tv-legend .tv-body { display: grid; column-gap: 10px;
    grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); }
  .tv-legend .tv-h { margin-top: 2px; }
  .tv-legend svg { width: 16px; height: 10px; }
  .tv-legend .tv-src { font-size: 8.5px; }
  .tv-label { font-size: 9px; }
}
@media (max-width: 500px) {
  .tv-town-label { display: none; }
}
"""

_PATTERNS_SVG = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    '<pattern id="tv-pat-de_jure" width="7" height="7" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="7" height="7" fill="none"/>'
    '<line x1="0" y1="0" x2="0" y2="7" stroke="#1a1a1a" stroke-width="1.6"/>'
    '<line x1="0" y1="0" x2="7" y2="0" stroke="#1a1a1a" stroke-width="1.6"/></pattern>'
    '<pattern id="tv-pat-de_facto" width="8" height="8" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="8" height="8" fill="none"/>'
    '<line x1="0" y1="0" x2="0" y2="8" stroke="#1a1a1a" stroke-width="1.4"/></pattern>'
    + "".join(
        f'<pattern id="tv-pat-chg-{key}" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="#ffffff" fill-opacity="0.25"/>'
        f'<line x1="0" y1="1" x2="6" y2="1" stroke="{style["color"]}" stroke-width="1.6" '
        'stroke-opacity="0.6"/></pattern>'
        for key, (_, style) in _CHANGE_STYLES.items()
    )
    + "</defs></svg>"
)

# Decodes our compact rows into GeoJSON features. Geometry strings use the "encoded
# polyline" scheme (zigzag deltas in 5-bit chunks, offset 63), longitude first, 1e3 scale.
_JS_HELPERS = """
(function () {
  if (window.TV) { return; }
  function dec(s) {
    var pts = [], i = 0, x = 0, y = 0, n = s.length, r, h, b;
    while (i < n) {
      r = 0; h = 0; do { b = s.charCodeAt(i++) - 63; r |= (b & 31) << h; h += 5; } while (b >= 32);
      x += (r & 1) ? ~(r >> 1) : (r >> 1);
      r = 0; h = 0; do { b = s.charCodeAt(i++) - 63; r |= (b & 31) << h; h += 5; } while (b >= 32);
      y += (r & 1) ? ~(r >> 1) : (r >> 1);
      pts.push([x / 1e3, y / 1e3]);
    }
    return pts;
  }
  function geom(g) {
    if (g.a) {
      return {type: "MultiPolygon", coordinates: g.a.map(function (p) { return p.map(dec); })};
    }
    return {type: "MultiLineString", coordinates: g.l.map(dec)};
  }
  window.TV = {
    data: {},
    features: function (rows) {
      return rows.map(function (r) {
        return {type: "Feature", properties: r, geometry: geom(r.g)};
      });
    },
    setup: function (map, panes, patterns) {
      Object.keys(panes).forEach(function (name) {
        if (!map.getPane(name)) {
          var p = map.createPane(name);
          p.style.zIndex = panes[name];
          p.style.pointerEvents = "none";
        }
      });
      // Plain prefix: the page stays neutral and links nowhere.
      if (map.attributionControl) { map.attributionControl.setPrefix("Leaflet"); }
      if (!document.getElementById("tv-pat-de_jure")) {
        var holder = document.createElement("div");
        holder.innerHTML = patterns;
        document.body.appendChild(holder.firstChild);
      }
    },
    caption: function (map, text) {
      var el = map.getContainer().querySelectorAll(".tv-scenario");
      for (var i = 0; i < el.length; i++) { el[i].textContent = text; }
      // The caption can change the legend's height: frame Ukraine again around it.
      if (map._tvFrame) { map._tvFrame(); }
    }
  };
})();
"""


class _MapSetup(MacroElement):
    """CSS, SVG hatch patterns, panes and the decoder; must be the map's first child."""

    _template = Template(
        """
{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
{% macro script(this, kwargs) %}
{{ this.js }}
TV.setup({{ this._parent.get_name() }}, {{ this.panes }}, {{ this.patterns }});
{% endmacro %}
"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "TvSetup"
        self.css = _CSS
        self.js = _JS_HELPERS
        self.panes = _js_json(_PANES)
        self.patterns = _js_json(_PATTERNS_SVG)


class _RowsLayer(MacroElement):
    """A GeoJSON layer drawn from compact rows (see :func:`_encode_geometry`).

    Parameters
    ----------
    rows
        Dicts with ``g`` (encoded geometry), ``c`` (style key) and optionally ``t`` (tooltip
        HTML, already escaped).
    styles
        Style key -> Leaflet path options.
    pane
        The pane to draw in.
    interactive
        Whether features react to the mouse (tooltips).
    data_key
        Share the rows with later layers under this key (``TV.data[key]``) instead of
        sending them twice; ``None`` embeds them only for this layer.
    source_key
        Read rows stored by an earlier layer instead of ``rows``.
    filter_key
        Only draw rows whose property of that name is truthy; the style key is then that
        property's value (used for hatching and changes).
    class_prefix
        Adds ``className = prefix + style key`` (hatching uses CSS pattern fills).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
{%- if this.data_key %}TV.data[{{ this.data_key|tojson }}] = {{ this.rows }};{% endif %}
var {{ this.get_name() }} = L.geoJSON(
  TV.features(
    {%- if this.source_key %}TV.data[{{ this.source_key|tojson }}] || []
    {%- elif this.data_key %}TV.data[{{ this.data_key|tojson }}]
    {%- else %}{{ this.rows }}{% endif %}),
  {
    pane: {{ this.pane|tojson }},
    interactive: {{ this.interactive|tojson }},
    {%- if this.filter_key %}
    filter: function (f) { return !!f.properties[{{ this.filter_key|tojson }}]; },
    {%- endif %}
    style: function (f) {
      var k = f.properties[{{ this.style_key|tojson }}];
      var s = Object.assign({}, {{ this.styles }}[k] || {});
      {%- if this.class_prefix %}s.className = {{ this.class_prefix|tojson }} + k;{% endif %}
      return s;
    },
    onEachFeature: function (f, l) {
      if (f.properties.t) { l.bindTooltip(f.properties.t, {sticky: true, className: "tv-tip"}); }
    }
  }
).addTo({{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(
        self,
        rows: Sequence[dict[str, Any]] | None,
        styles: dict[str, dict[str, Any]],
        *,
        pane: str,
        interactive: bool = False,
        data_key: str | None = None,
        source_key: str | None = None,
        filter_key: str | None = None,
        class_prefix: str | None = None,
    ) -> None:
        super().__init__()
        self._name = "TvLayer"
        self.rows = _js_json(list(rows or []))
        self.styles = _js_json(styles)
        self.pane = pane
        self.interactive = interactive
        self.data_key = data_key
        self.source_key = source_key
        self.filter_key = filter_key
        self.style_key = filter_key or "c"
        self.class_prefix = class_prefix


class _Points(MacroElement):
    """Towns as circle markers sized by pre-war population, the larger ones labelled.

    ``points`` are ``[lat, lon, population, escaped name]``; the radius, tooltip and label
    are made in the browser (smaller payload than one folium marker per town).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function (group) {
  {{ this.points }}.forEach(function (p) {
    var radius = 1.5 + Math.sqrt(p[2]) / 180;
    var tip = "<b>" + p[3] + "</b><br>Pre-war population: " + p[2].toLocaleString("en-US")
      + " people";
    L.circleMarker([p[0], p[1]], {pane: "tv-towns", radius: radius, color: "#ffffff",
      weight: 0.8, fillColor: "#1f1f1f", fillOpacity: 0.85})
      .bindTooltip(tip, {className: "tv-tip"}).addTo(group);
    if (p[2] >= {{ this.label_population }}) {
      L.marker([p[0], p[1]], {interactive: false, keyboard: false,
        icon: L.divIcon({className: "tv-label tv-town-label", html: p[3], iconSize: null})})
        .addTo(group);
    }
  });
})({{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(self, points: list[list[Any]]) -> None:
        super().__init__()
        self._name = "TvTowns"
        self.points = _js_json(points)
        self.label_population = TOWN_LABEL_POPULATION


class _Labels(MacroElement):
    """Text labels (region names) as non-interactive div icons; ``labels`` hold escaped HTML."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
{{ this.labels }}.forEach(function (p) {
  L.marker([p[0], p[1]], {interactive: false, keyboard: false,
    icon: L.divIcon({className: "tv-label", html: p[2], iconSize: null})})
    .addTo({{ this._parent.get_name() }});
});
{% endmacro %}
"""
    )

    def __init__(self, labels: list[list[Any]]) -> None:
        super().__init__()
        self._name = "TvLabels"
        self.labels = _js_json(labels)


class _Legend(MacroElement):
    """The legend as a Leaflet control, and the initial framing on Ukraine.

    A Leaflet control stacks with the other controls in its corner instead of covering
    them. The map is framed after the legend exists so that, on a narrow (phone) map, where
    the legend spans the bottom, Ukraine is fitted into the space above it.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function (map) {
  var legend = L.control({position: {{ this.position|tojson }}});
  var div;
  legend.onAdd = function () {
    div = L.DomUtil.create("div", "tv-legend");
    div.innerHTML = {{ this.body }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  legend.addTo(map);
  // The scale bar and the attribution join the legend's footer, so nothing overlaps.
  [".leaflet-control-scale", ".leaflet-control-attribution"].forEach(function (sel) {
    var el = map.getContainer().querySelector(sel);
    if (el) { div.querySelector(".tv-foot").appendChild(el); }
  });
  var bounds = L.latLngBounds({{ this.bounds }});
  var framed = "";
  function fit(topLeft, bottomRight) {
    // Refit only when the map's size or the free area changed: a refit redraws every path.
    var size = map.getSize();
    var key = [size.x, size.y, topLeft, bottomRight].join();
    if (key === framed) { return; }
    framed = key;
    // No animation: a fit asked for during a zoom animation would be dropped by Leaflet.
    map.fitBounds(bounds, {paddingTopLeft: topLeft, paddingBottomRight: bottomRight,
                           animate: false});
  }
  function frame() {
    var size = map.getSize();
    if (size.x <= 800) {
      // Everything from the legend's top edge down (legend, scale bar) is covered.
      var box = map.getContainer().getBoundingClientRect();
      var covered = Math.max(0, box.bottom - div.getBoundingClientRect().top) + 6;
      fit([4, 4], [4, Math.round(covered)]);
    } else {
      // Wide map: keep Ukraine clear of the legend on the left when there is room.
      var room = size.x - div.offsetWidth > 520 ? div.offsetWidth + 12 : 8;
      fit([room, 8], [8, 8]);
    }
  }
  // The component iframe can be laid out (or resized) after this script runs: frame again
  // on every resize until the viewer moves the map themselves.
  var touched = false;
  ["mousedown", "touchstart", "wheel", "keydown"].forEach(function (ev) {
    map.getContainer().addEventListener(ev, function () { touched = true; }, {passive: true});
  });
  function reframe() { if (!touched) { map.invalidateSize(); frame(); } }
  map._tvFrame = reframe;
  map.on("resize", reframe);
  div.querySelector("details").addEventListener("toggle", reframe);
  frame();
  [80, 300, 1000].forEach(function (ms) { setTimeout(reframe, ms); });
})({{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(self, body_html: str, *, position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "TvLegend"
        self.body = _js_json(body_html)
        self.position = position
        self.bounds = _js_json(UKRAINE_BOUNDS)


# --------------------------------------------------------------------------------------
# Geometry preparation
# --------------------------------------------------------------------------------------


# In compact JSON a structural "{" is always followed by '"' or "}", so a "{" followed by
# "{", "%" or "#" is inside a string.
_JINJA_OPENER = re.compile(r"\{(?=[{%#])")


def _js_json(value: Any) -> str:
    """JSON safe to embed in a ``<script>`` element of a folium template.

    ``<``, ``>`` and ``&`` are escaped (no ``</script>`` or HTML comment can appear), and so
    is a ``{`` that would open a Jinja tag: branca compiles every rendered script again as
    a Jinja template, and our encoded geometries (or a user's text) may contain ``{{``.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _JINJA_OPENER.sub(r"\\u007b", text)


def simplify_coverage(
    geometries: gpd.GeoSeries, *, tolerance_m: float = SIMPLIFY_TOLERANCE_M
) -> gpd.GeoSeries:
    """Simplify polygons that tile an area, keeping shared borders coincident.

    Parameters
    ----------
    geometries
        Polygons forming a coverage (no overlaps; neighbours share vertices), any CRS.
    tolerance_m
        Simplification tolerance in metres, applied in :data:`CRS_EQUAL_AREA`.

    Returns
    -------
    GeoSeries
        The simplified polygons in EPSG:4326, same index. If the input is not a valid
        coverage, each polygon is simplified on its own (topology-preserving) instead.
    """
    projected = geometries.to_crs(CRS_EQUAL_AREA)
    values = projected.values
    if len(values) and bool(shapely.coverage_is_valid(values)):
        simplified = shapely.coverage_simplify(values, tolerance_m)
    else:
        simplified = shapely.simplify(values, tolerance_m, preserve_topology=True)
    return gpd.GeoSeries(simplified, index=geometries.index, crs=CRS_EQUAL_AREA).to_crs(
        CRS_GEOGRAPHIC
    )


def _encode_line(coords: np.ndarray) -> str:
    """Encode one ring or line (lon, lat) as a polyline string at 1e-3 degrees."""
    ints = np.round(np.asarray(coords)[:, :2] * 10**_PRECISION).astype(np.int64)
    keep = np.ones(len(ints), dtype=bool)
    keep[1:] = np.any(ints[1:] != ints[:-1], axis=1)  # rounding can merge neighbours
    ints = ints[keep]
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    zigzag = np.where(deltas < 0, ~(deltas << 1), deltas << 1)
    out: list[str] = []
    for value in zigzag.tolist():
        while value >= 0x20:
            out.append(chr((0x20 | (value & 0x1F)) + 63))
            value >>= 5
        out.append(chr(value + 63))
    return "".join(out)


def _unique_rounded(coords: np.ndarray) -> np.ndarray:
    return np.unique(np.round(coords[:, :2] * 10**_PRECISION), axis=0)


def _encode_geometry(geom: Any) -> dict[str, Any] | None:
    """Encode a (multi)polygon as ``{"a": [[ring, ...], ...]}`` or lines as ``{"l": [...]}``.

    Rings that collapse below 3 distinct points after rounding are dropped; ``None`` if
    nothing is left.
    """
    if geom is None or geom.is_empty:
        return None
    polygons: list[list[str]] = []
    lines: list[str] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, shapely.Polygon):
            if len(_unique_rounded(np.asarray(part.exterior.coords))) < 3:
                continue
            rings = [part.exterior, *part.interiors]
            polygons.append(
                [
                    _encode_line(np.asarray(r.coords))
                    for r in rings
                    if len(_unique_rounded(np.asarray(r.coords))) >= 3
                ]
            )
        elif isinstance(part, shapely.LineString | shapely.LinearRing):
            if len(part.coords) >= 2:
                lines.append(_encode_line(np.asarray(part.coords)))
        elif isinstance(part, shapely.GeometryCollection | shapely.MultiPolygon):
            sub = _encode_geometry(part)
            if sub:
                polygons.extend(sub.get("a", []))
                lines.extend(sub.get("l", []))
    if polygons:
        return {"a": polygons}
    if lines:
        return {"l": lines}
    return None


def _lines_of(geometries: Iterable[Any]) -> Any:
    """Merge boundaries into lines where each shared edge appears once."""
    boundaries = [shapely.boundary(g) for g in geometries if g is not None and not g.is_empty]
    if not boundaries:
        return shapely.MultiLineString()
    return shapely.line_merge(shapely.union_all(boundaries))


def _simplify_lines(geom: Any, *, tolerance_m: float = SIMPLIFY_TOLERANCE_M) -> Any:
    series = gpd.GeoSeries([geom], crs=CRS_GEOGRAPHIC).to_crs(CRS_EQUAL_AREA)
    simplified = shapely.simplify(series.values, tolerance_m, preserve_topology=False)
    return gpd.GeoSeries(simplified, crs=CRS_EQUAL_AREA).to_crs(CRS_GEOGRAPHIC).iloc[0]


def _line_row(geom: Any, key: str, *, simplify: bool = True) -> list[dict[str, Any]]:
    if geom is None or geom.is_empty:
        return []
    encoded = _encode_geometry(_simplify_lines(geom) if simplify else geom)
    return [{"g": encoded, "c": key}] if encoded else []


# --------------------------------------------------------------------------------------
# Context (what does not change with the scenario)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapContext:
    """Display-ready base layers for one baseline (simplified, encoded, escaped).

    Build it with :func:`map_context` (from the project's data) or
    :meth:`MapContext.from_layers` (from any GeoDataFrames, e.g. in tests). It is immutable
    and cheap to share between sessions.

    Attributes
    ----------
    baseline_id, baseline_date
        The control snapshot the context belongs to, e.g. ``"occupied-2025-08-15"``.
    sources
        Source lines shown in the legend (plain text; escaped when rendered).
    layers
        Layer key -> encoded rows (``neighbours``, ``region_borders``, ``ukraine_border``,
        ``line_of_contact``, ``claim``, ``occupied_2022``).
    region_labels
        ``[lat, lon, escaped name]`` per region.
    towns
        ``[lat, lon, population, escaped name]`` per town.
    """

    baseline_id: str
    baseline_date: str
    sources: tuple[str, ...]
    layers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    region_labels: list[list[Any]] = field(default_factory=list)
    towns: list[list[Any]] = field(default_factory=list)

    @classmethod
    def from_layers(
        cls,
        regions: gpd.GeoDataFrame,
        *,
        baseline_id: str = "baseline",
        baseline_date: str = "",
        neighbours: gpd.GeoDataFrame | None = None,
        line_of_contact: gpd.GeoDataFrame | None = None,
        claim: gpd.GeoDataFrame | None = None,
        occupied_2022: gpd.GeoDataFrame | None = None,
        settlements: gpd.GeoDataFrame | None = None,
        sources: Sequence[str] = (),
    ) -> MapContext:
        """Prepare base layers from GeoDataFrames (EPSG:4326).

        Parameters
        ----------
        regions
            Polygons with ``name_en`` (and ideally ``kind``); drawn as borders and names.
        baseline_id, baseline_date
            Which snapshot this context shows (the date goes into the legend).
        neighbours
            Neighbouring countries' polygons, drawn as grey land.
        line_of_contact
            Lines (the baseline's front line).
        claim
            Polygons Russia claims; their outer boundary is drawn.
        occupied_2022
            The area occupied before 24 Feb 2022; its boundary is drawn.
        settlements
            Points with ``name`` and ``population``; the larger ones are drawn.
        sources
            Legend source lines in addition to :data:`BASE_SOURCES`.

        Returns
        -------
        MapContext
        """
        regions = regions.to_crs(CRS_GEOGRAPHIC)
        simplified = simplify_coverage(regions.geometry)
        layers: dict[str, list[dict[str, Any]]] = {}
        outline_lines = shapely.boundary(shapely.union_all(simplified.values))
        all_lines = _lines_of(simplified.values)
        interior = shapely.difference(all_lines, outline_lines.buffer(1e-9))
        layers["region_borders"] = _line_row(interior, "region_borders", simplify=False)
        layers["ukraine_border"] = _line_row(outline_lines, "ukraine_border", simplify=False)
        if neighbours is not None and len(neighbours):
            # Context only: clip to a window around Ukraine and simplify more coarsely.
            window = shapely.box(14.0, 40.0, 48.0, 57.0)
            clipped = neighbours.to_crs(CRS_GEOGRAPHIC).clip(window)
            coarse = simplify_coverage(clipped.geometry, tolerance_m=1500.0)
            layers["neighbours"] = [
                {"g": enc, "c": "neighbours"}
                for enc in (_encode_geometry(g) for g in coarse.values)
                if enc
            ]
        if line_of_contact is not None and len(line_of_contact):
            merged = shapely.line_merge(
                shapely.union_all(line_of_contact.to_crs(CRS_GEOGRAPHIC).geometry.values)
            )
            layers["line_of_contact"] = _line_row(merged, "line_of_contact")
        if claim is not None and len(claim):
            area = shapely.union_all(claim.to_crs(CRS_GEOGRAPHIC).geometry.values)
            layers["claim"] = _line_row(shapely.boundary(area), "claim")
        if occupied_2022 is not None and len(occupied_2022):
            area = shapely.union_all(occupied_2022.to_crs(CRS_GEOGRAPHIC).geometry.values)
            layers["occupied_2022"] = _line_row(shapely.boundary(area), "occupied_2022")
        labels = []
        for _, region in regions.iterrows():
            # Cities with special status (Kyiv, Sevastopol) are labelled as towns instead.
            if str(region.get("kind", "")) == RegionKind.CITY:
                continue
            point = shapely.maximum_inscribed_circle(region.geometry, 0.01).coords[0]
            labels.append(
                [round(point[1], 3), round(point[0], 3), html.escape(str(region["name_en"]))]
            )
        towns = _town_points(settlements) if settlements is not None else []
        return cls(
            baseline_id=baseline_id,
            baseline_date=baseline_date,
            sources=(*tuple(sources), *BASE_SOURCES),
            layers=layers,
            region_labels=labels,
            towns=towns,
        )


def _town_points(settlements: gpd.GeoDataFrame) -> list[list[Any]]:
    """Towns above :data:`TOWN_MIN_POPULATION`, largest first (drawn under smaller ones).

    Returns ``[lat, lon, population, escaped name]`` per town.
    """
    big = settlements[settlements["population"] >= TOWN_MIN_POPULATION].sort_values(
        "population", ascending=False
    )
    return [
        [round(geom.y, 3), round(geom.x, 3), int(population), html.escape(str(name))]
        for name, population, geom in zip(big["name"], big["population"], big.geometry, strict=True)
    ]


def map_context(baseline: str | gpd.GeoDataFrame | None = None) -> MapContext:
    """Build the base layers for a baseline from the project's data files.

    Parameters
    ----------
    baseline
        A snapshot id (default: ``datasets.DEFAULT_BASELINE``) or a snapshot-shaped
        GeoDataFrame (``id``, ``date``, geometry), e.g. an uploaded control layer.

    Returns
    -------
    MapContext
        Context layers that are missing from the checkout are left out (and named in the
        legend's sources) rather than failing the whole map.
    """
    from territory_viz import datasets  # lazy: keeps render importable on synthetic data

    if baseline is None:
        baseline = datasets.DEFAULT_BASELINE
    snapshot = datasets.load_snapshot(baseline) if isinstance(baseline, str) else baseline
    baseline_id = str(snapshot["id"].iloc[0]) if "id" in snapshot else "uploaded"
    baseline_date = str(snapshot["date"].iloc[0]) if "date" in snapshot else ""
    missing: list[str] = []
    optional: dict[str, Any] = {}
    for key, loader in (
        ("neighbours", datasets.load_neighbours),
        ("claim", datasets.load_claim),
        ("occupied_2022", lambda: datasets.load_snapshot(PRE_2022_SNAPSHOT)),
        ("line_of_contact", lambda: datasets.line_of_contact(snapshot)),
        ("settlements", datasets.load_settlements),
    ):
        try:
            optional[key] = loader()
        except (DataFileError, ValidationError):
            # A context layer missing from a checkout must not blank the whole map: draw
            # without it and say so in the legend's sources.
            optional[key] = None
            missing.append(f"{key.replace('_', ' ')}: not available in this checkout")
    # An uploaded layer is the user's, not the project's reporting: say so in the legend.
    origin = (
        "territory_viz, from public reporting"
        if isinstance(baseline, str)
        else "a layer supplied by the user"
    )
    # An uploaded layer may have no date: no "Control on : ..." in the legend.
    when = f"Control on {baseline_date}" if baseline_date else "Control (undated)"
    sources = [f"{when}: {baseline_id} ({origin})", *missing]
    return MapContext.from_layers(
        datasets.load_regions(),
        baseline_id=baseline_id,
        baseline_date=baseline_date,
        sources=sources,
        **optional,
    )


# --------------------------------------------------------------------------------------
# The partition
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedPartition:
    """A scenario's partition ready to draw: encoded rows with escaped tooltips.

    Attributes
    ----------
    rows
        One dict per piece: ``g`` geometry, ``c`` display class, ``h`` hatch key (recognition)
        or ``""``, ``x`` change key or ``""``, ``t`` tooltip HTML.
    key
        Content hash; identifies the data in the browser.
    classes
        Display classes present (for the styles).
    """

    rows: list[dict[str, Any]]
    key: str
    classes: tuple[str, ...]


def _control_of(display_class: str) -> str:
    return display_class.split("/", 1)[0]


def _hatch_of(display_class: str) -> str:
    parts = display_class.split("/", 1)
    if len(parts) == 2 and parts[1] in (Recognition.DE_JURE, Recognition.DE_FACTO):
        return parts[1]
    return ""


def _change_of(baseline_control: str, control: str) -> str:
    if baseline_control == control:
        return ""
    key = f"to_{control}"
    return key if key in _CHANGE_STYLES else ""


def _recognition_text(row: pd.Series) -> str:
    """Say who recognises what: "de jure: Russia · de facto: United States · none: ..."."""
    groups: dict[str, list[str]] = {}
    for party in Party:
        value = str(row.get(f"rec_{party.value}", Recognition.NONE))
        groups.setdefault(value, []).append(party.label)
    order = [str(Recognition.DE_JURE), str(Recognition.DE_FACTO), str(Recognition.NONE)]
    return " · ".join(
        f"{_RECOGNITION_LABELS.get(level, level)}: {', '.join(groups[level])}"
        for level in [*order, *(k for k in groups if k not in order)]
        if level in groups
    )


def _tooltip(row: pd.Series) -> str:
    esc = html.escape
    control = str(row["control"])
    baseline_control = str(row.get("baseline_control", control))
    lines = [
        f"<b>{esc(str(row.get('region', '')))}</b>",
        f"Control: {esc(CONTROL_LABELS.get(control, control))}",
    ]
    if control != Control.UKRAINE:
        lines.append(f"Recognition of Russian control — {esc(_recognition_text(row))}")
    if baseline_control != control:
        before = CONTROL_LABELS.get(baseline_control, baseline_control)
        lines.append(f"Baseline: {esc(before)} → {esc(CONTROL_LABELS.get(control, control))}")
    area = float(row.get("area_km2", 0.0) or 0.0)
    population = row.get("population")
    lines.append(f"Area: {area:,.0f} km²")
    if population is not None and not pd.isna(population):
        lines.append(f"Pre-war population: {int(round(float(population))):,} people")
    return "<br>".join(lines)


def prepare_partition(
    partition: gpd.GeoDataFrame, *, tolerance_m: float = SIMPLIFY_TOLERANCE_M
) -> PreparedPartition:
    """Simplify, encode and annotate a partition for drawing.

    Parameters
    ----------
    partition
        The GeoDataFrame returned by ``scenarios.evaluate`` (columns in the team contract:
        ``region``, ``baseline_control``, ``control``, ``rec_*``, ``display_class``,
        ``area_km2``, ``population``, geometry).
    tolerance_m
        Simplification tolerance in metres.

    Returns
    -------
    PreparedPartition
    """
    geometries = simplify_coverage(partition.geometry, tolerance_m=tolerance_m)
    rows: list[dict[str, Any]] = []
    for (_, row), geom in zip(partition.iterrows(), geometries.values, strict=True):
        encoded = _encode_geometry(geom)
        if encoded is None:
            continue
        control = str(row["control"])
        display_class = str(row.get("display_class", control))
        rows.append(
            {
                "g": encoded,
                "c": display_class,
                "h": _hatch_of(display_class),
                "x": _change_of(str(row.get("baseline_control", control)), control),
                "t": _tooltip(row),
            }
        )
    digest = hashlib.sha1(_js_json(rows).encode("utf-8"), usedforsecurity=False).hexdigest()
    classes = tuple(sorted({r["c"] for r in rows}))
    return PreparedPartition(rows=rows, key=f"p{digest[:12]}", classes=classes)


def _fill_styles(classes: Iterable[str]) -> dict[str, dict[str, Any]]:
    styles = {}
    for display_class in classes:
        control = _control_of(display_class)
        colour = CONTROL_COLOURS.get(control, "#999999")
        styles[display_class] = {
            "color": colour,
            "weight": 0.4,
            "opacity": 0.6,
            "fillColor": colour,
            "fillOpacity": _CONTROL_OPACITY.get(control, 0.6),
        }
    return styles


# --------------------------------------------------------------------------------------
# Legend
# --------------------------------------------------------------------------------------


def _swatch_fill(colour: str, opacity: float, hatch: str = "") -> str:
    hatch_rect = f'<rect width="22" height="14" fill="url(#tv-pat-{hatch})"/>' if hatch else ""
    return (
        '<svg width="22" height="14" aria-hidden="true">'
        f'<rect width="22" height="14" fill="{colour}" fill-opacity="{opacity}" '
        f'stroke="#666" stroke-width="0.5"/>{hatch_rect}</svg>'
    )


def _swatch_line(style: dict[str, Any]) -> str:
    dash = f' stroke-dasharray="{style["dashArray"]}"' if style.get("dashArray") else ""
    colour = style.get("color", "#000")
    bg = '<rect width="22" height="14" fill="#9fb7c6"/>' if colour.lower() == "#ffffff" else ""
    return (
        f'<svg width="22" height="14" aria-hidden="true">{bg}<line x1="1" y1="7" x2="21" y2="7" '
        f'stroke="{colour}" stroke-width="{style.get("weight", 2)}"{dash}/></svg>'
    )


def _swatch_change(key: str) -> str:
    style = _CHANGE_STYLES[key][1]
    dash = f' stroke-dasharray="{style["dashArray"]}"' if style.get("dashArray") else ""
    cap = f' stroke-linecap="{style["lineCap"]}"' if style.get("lineCap") else ""
    return (
        '<svg width="22" height="14" aria-hidden="true">'
        '<rect width="22" height="14" fill="#9fb7c6"/>'
        f'<rect x="2" y="2" width="18" height="10" fill="url(#tv-pat-chg-{key})" stroke="#fff" '
        f'stroke-width="4"/><rect x="2" y="2" width="18" height="10" fill="none" '
        f'stroke="{style["color"]}" stroke-width="2"{dash}{cap}/></svg>'
    )


def date_label(value: object) -> str:
    """Write an ISO date (or timestamp) as ``15 Aug 2025``; other text is returned unchanged.

    Parameters
    ----------
    value
        A date, ``"2025-08-15"``, ``"2025-08-15 00:00:00"``...

    Returns
    -------
    str
    """
    text = str(value)
    try:
        return datetime.date.fromisoformat(text[:10]).strftime("%-d %b %Y")
    except ValueError:
        return text


def _legend_html(context: MapContext, *, title: str = "") -> str:
    """Legend body (HTML); every text from data is escaped."""
    esc = html.escape

    def section(heading: str, rows: list[str]) -> str:
        return f'<div class="tv-sec"><div class="tv-h">{esc(heading)}</div>{"".join(rows)}</div>'

    def row(swatch: str, label: str) -> str:
        return f'<div class="tv-row">{swatch}<span>{esc(label)}</span></div>'

    control_rows = [
        row(_swatch_fill(CONTROL_COLOURS[c], _CONTROL_OPACITY[c]), CONTROL_LABELS[c])
        for c in Control
    ]
    russia = CONTROL_COLOURS[Control.RUSSIA]
    recognition_rows = [
        row(_swatch_fill(russia, 0.65, Recognition.DE_JURE), "de jure (cross-hatched)"),
        row(_swatch_fill(russia, 0.65, Recognition.DE_FACTO), "de facto only (diagonal)"),
        row(_swatch_fill(russia, 0.65), "by no one"),
    ]
    change_rows = [row(_swatch_change(key), label) for key, (label, _) in _CHANGE_STYLES.items()]
    line_rows = [
        row(_swatch_line(_LINE_STYLES[k][1]), _LINE_STYLES[k][0])
        for k in ("line_of_contact", "claim", "occupied_2022", "region_borders")
        if k == "region_borders" or context.layers.get(k)  # only lines the map can draw
    ]
    town_swatch = (
        '<svg width="22" height="14" aria-hidden="true">'
        '<circle cx="6" cy="7" r="3" fill="#1f1f1f"/><circle cx="16" cy="7" r="5.5" '
        'fill="#1f1f1f"/></svg>'
    )
    line_rows.append(row(town_swatch, "Towns, sized by pre-war population"))
    baseline = (
        f'<div class="tv-date">Baseline: control on {esc(date_label(context.baseline_date))}</div>'
        if context.baseline_date
        else ""
    )
    # Caption, date and sources stay visible; only the key folds away.
    return (
        f'<div class="tv-scenario">{esc(title)}</div>{baseline}'
        "<details open><summary>Legend</summary>"
        '<div class="tv-body">'
        + section("Control (de facto)", control_rows)
        + section("Russian control recognised by others", recognition_rows)
        + section("Change vs baseline", change_rows)
        + section("Lines and places", line_rows)
        + "</div></details>"
        '<div class="tv-foot"><div class="tv-src">Sources: '
        + "; ".join(esc(s) for s in context.sources)
        + "</div></div>"
    )


# --------------------------------------------------------------------------------------
# Maps
# --------------------------------------------------------------------------------------


def _new_map(*, height: int | str) -> folium.Map:
    m = folium.Map(
        location=[48.6, 31.3],
        zoom_start=6,
        tiles=None,
        min_zoom=4,
        max_zoom=12,
        zoom_snap=0.25,
        control_scale=True,
        height=height,
        prefer_canvas=False,
    )
    # Instance attributes (folium's are shared class lists): no CDN link is ever emitted.
    m.default_js = []
    m.default_css = []
    return m


def base_map(
    context: MapContext,
    *,
    layers: Collection[str] = DEFAULT_LAYERS,
    title: str = "",
    height: int | str = "100%",
    leaflet_urls: tuple[Sequence[str], Sequence[str]] | None = None,
    leaflet_css: str | None = None,
) -> folium.Map:
    """Build the map's constant part: background, neighbours, region borders, towns, legend.

    The map opens framed on Ukraine. It has no tiles and links to no external script or
    stylesheet (``default_js``/``default_css`` are empty): the page supplies Leaflet from the
    app (:func:`territory_viz.assets.page_links`), a standalone file inlines it
    (:func:`to_standalone_html`).

    Parameters
    ----------
    context
        Base layers from :func:`map_context`.
    layers
        Keys of :data:`LAYERS` to include (``regions`` and ``towns`` are drawn here).
    title
        Initial legend caption (scenario layers update it).
    height
        Map height (CSS value or pixels).
    leaflet_urls
        ``(js_urls, css_urls)`` to load Leaflet from, e.g. :func:`assets.page_links`;
        ``None`` links nothing (a standalone file inlines Leaflet instead).
    leaflet_css
        Leaflet's stylesheet as text (:func:`assets.page_css`), inlined at the top of the
        map's header so it applies before the first layout (pass no CSS URL then).

    Returns
    -------
    folium.Map
    """
    m = _new_map(height=height)
    if leaflet_css:
        text = leaflet_css.replace("</", "<\\/")  # cannot close the <style> element
        m.get_root().header.add_child(Element(f"<style>{text}</style>"), name="tv_leaflet_css")
    if leaflet_urls is not None:
        # The page loads Leaflet from the app's own static files (see territory_viz.assets).
        m.default_js = [(f"leaflet_{i}", url) for i, url in enumerate(leaflet_urls[0])]
        m.default_css = [(f"leaflet_css_{i}", url) for i, url in enumerate(leaflet_urls[1])]
    m.add_child(_MapSetup())
    neighbours = context.layers.get("neighbours", [])
    if neighbours:
        m.add_child(
            _RowsLayer(neighbours, {"neighbours": _LINE_STYLES["neighbours"][1]}, pane="tv-context")
        )
    border_styles = {k: _LINE_STYLES[k][1] for k in ("region_borders", "ukraine_border")}
    if "regions" in layers:
        group = folium.FeatureGroup(name=LAYERS["regions"])
        group.add_child(
            _RowsLayer(context.layers.get("region_borders", []), border_styles, pane="tv-lines")
        )
        group.add_child(_Labels(context.region_labels))
        m.add_child(group)
    m.add_child(
        _RowsLayer(context.layers.get("ukraine_border", []), border_styles, pane="tv-lines")
    )
    if "towns" in layers and context.towns:
        m.add_child(folium.FeatureGroup(name=LAYERS["towns"]).add_child(_Points(context.towns)))
    m.add_child(_Legend(_legend_html(context, title=title)))
    return m


def _map_of(element: Any) -> folium.Map | None:
    while element is not None and not isinstance(element, folium.Map):
        element = getattr(element, "_parent", None)
    return element


def scenario_layers(
    partition: PreparedPartition | gpd.GeoDataFrame,
    context: MapContext,
    *,
    title: str = "",
    layers: Collection[str] = DEFAULT_LAYERS,
) -> list[folium.FeatureGroup]:
    """Build the scenario's layers as feature groups (to add to a :func:`base_map`).

    Parameters
    ----------
    partition
        The partition (``scenarios.evaluate``) or its :func:`prepare_partition` result.
    context
        The base layers (for the baseline's lines).
    title
        Caption written into the legend when the layers are added (plain text).
    layers
        Keys of :data:`LAYERS` to include.

    Returns
    -------
    list of folium.FeatureGroup
        In drawing order; each has a ``name`` for the layer control. Pass them to
        ``st_folium(..., feature_group_to_add=...)`` or add them to the map.
    """
    prepared = (
        partition if isinstance(partition, PreparedPartition) else prepare_partition(partition)
    )
    groups: list[folium.FeatureGroup] = []
    fill = folium.FeatureGroup(name=LAYERS["control"])
    fill.add_child(
        _RowsLayer(
            prepared.rows,
            _fill_styles(prepared.classes),
            pane="tv-fill",
            interactive=True,
            data_key=prepared.key,
        )
    )
    hatch_style = {h: {"stroke": False, "fillOpacity": 1} for h in ("de_jure", "de_facto")}
    fill.add_child(
        _RowsLayer(
            None,
            hatch_style,
            pane="tv-hatch",
            source_key=prepared.key,
            filter_key="h",
            class_prefix="tv-hatch-",
        )
    )
    fill.add_child(_CaptionLater(title))
    groups.append(fill)
    if "changes" in layers:
        changes = folium.FeatureGroup(name=LAYERS["changes"])
        changes.add_child(
            _RowsLayer(
                None,
                dict.fromkeys(_CHANGE_STYLES, _CHANGE_CASING),
                pane="tv-changes",
                source_key=prepared.key,
                filter_key="x",
            )
        )
        changes.add_child(
            _RowsLayer(
                None,
                {k: {**s, "fill": True, "fillOpacity": 1} for k, (_, s) in _CHANGE_STYLES.items()},
                pane="tv-changes",
                source_key=prepared.key,
                filter_key="x",
                class_prefix="tv-chg-",
            )
        )
        groups.append(changes)
    for key in ("line_of_contact", "claim", "occupied_2022"):
        rows = context.layers.get(key)
        if key in layers and rows:
            group = folium.FeatureGroup(name=LAYERS[key])
            group.add_child(_RowsLayer(rows, {key: _LINE_STYLES[key][1]}, pane="tv-lines"))
            groups.append(group)
    return groups


class _CaptionLater(MacroElement):
    """A caption whose map is only known at render time (the group is added later)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
TV.caption({{ this.map_name() }}, {{ this.text }});
{% endmacro %}
"""
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "TvCaption"
        self.text = _js_json(text)

    def map_name(self) -> str:
        """Name of the Leaflet map variable this caption's group belongs to."""
        m = _map_of(self)
        return m.get_name() if m is not None else "undefined"


def build_map(
    partition: PreparedPartition | gpd.GeoDataFrame,
    context: MapContext,
    *,
    title: str = "",
    layers: Collection[str] = DEFAULT_LAYERS,
    height: int | str = "100%",
) -> folium.Map:
    """Build a complete map: :func:`base_map` plus :func:`scenario_layers` and a layer control.

    Parameters
    ----------
    partition
        The partition or its :func:`prepare_partition` result.
    context
        Base layers from :func:`map_context`.
    title
        Legend caption (plain text: the scenario's title).
    layers
        Keys of :data:`LAYERS` to include.
    height
        Map height.

    Returns
    -------
    folium.Map
    """
    m = base_map(context, layers=layers, title=title, height=height)
    for group in scenario_layers(partition, context, title=title, layers=layers):
        m.add_child(group)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def to_standalone_html(m: folium.Map, *, page_title: str = "territory_viz map") -> str:
    """Render a map as one HTML file that works offline (Leaflet inlined, no external link).

    Parameters
    ----------
    m
        A map from :func:`build_map` (or any folium map without plugins).
    page_title
        The document's ``<title>`` (escaped).

    Returns
    -------
    str
        The HTML document.
    """
    m.default_js = []
    m.default_css = []
    root = m.get_root()
    js = assets.leaflet_js().replace("</script", "<\\/script")
    root.header.add_child(Element(f"<style>{assets.leaflet_css()}</style>"), name="tv_leaflet_css")
    root.header.add_child(Element(f"<script>{js}</script>"), name="tv_leaflet_js")
    root.header.add_child(
        Element(f"<title>{html.escape(page_title)}</title>"), name="tv_title", index=0
    )
    return root.render()


def standalone_html(
    subject: Scenario | gpd.GeoDataFrame,
    *,
    baseline: str | gpd.GeoDataFrame | None = None,
    title: str | None = None,
    layers: Collection[str] = DEFAULT_LAYERS,
) -> str:
    """Render a scenario (or a ready partition) as a standalone, offline HTML map.

    This is what ``python -m territory_viz render ID -o FILE.html`` writes. The file
    contains Leaflet itself (from the installed ``django-js-lib-leaflet``), the map data, the
    legend with the baseline date and sources, and a layer control; it loads nothing from
    the network.

    Parameters
    ----------
    subject
        A ``scenarios.Scenario`` (evaluated against ``baseline``) or a partition
        GeoDataFrame already evaluated.
    baseline
        Snapshot id or snapshot-shaped GeoDataFrame; default ``datasets.DEFAULT_BASELINE``.
    title
        Legend caption and page title; default: the scenario's title, with its sources.
    layers
        Keys of :data:`LAYERS` to draw (default all).

    Returns
    -------
    str
        The HTML document (UTF-8 text).

    Examples
    --------
    >>> from territory_viz import scenarios, render
    >>> html_text = render.standalone_html(scenarios.get_scenario("ceasefire-on-the-line"))
    >>> _ = pathlib.Path("map.html").write_text(html_text, encoding="utf-8")  # doctest: +SKIP
    """
    context = map_context(baseline)
    if isinstance(subject, gpd.GeoDataFrame):
        partition = subject
        caption = title or ""
    else:
        from territory_viz import scenarios  # lazy: the engine is optional for render

        partition = scenarios.evaluate(
            subject, context.baseline_id if baseline is None else baseline
        )
        caption = title or scenario_caption(subject)
    m = build_map(partition, context, title=caption, layers=layers)
    return to_standalone_html(m, page_title=caption or "territory_viz map")


def scenario_caption(scenario: Any) -> str:
    """Plain-text legend caption: title and its sources (publisher, date).

    Parameters
    ----------
    scenario
        A ``scenarios.Scenario`` (uses ``title`` and ``sources``).

    Returns
    -------
    str
    """
    cited = []
    for source in getattr(scenario, "sources", ()) or ():
        publisher = getattr(source, "publisher", "")
        date = getattr(source, "date", "")
        cited.append(f"{publisher} {date}".strip())
    suffix = f" (sources: {'; '.join(c for c in cited if c)})" if any(cited) else ""
    return f"{getattr(scenario, 'title', '')}{suffix}"
