r"""Folium maps of a scenario, one module per part.

- :mod:`~territory_viz.render.context`    the baseline's base layers (:class:`MapContext`)
- :mod:`~territory_viz.render.encoding`   compact display geometries and script-safe JSON
- :mod:`~territory_viz.render.partition`  a partition made ready to draw (tooltips, keys)
- :mod:`~territory_viz.render.legend`     the legend (an autoescaping template), captions
- :mod:`~territory_viz.render.map`        :func:`base_map`, :func:`scenario_layers`,
  :func:`build_map`
- :mod:`~territory_viz.render.standalone` one offline HTML file (an autoescaping template)
- :mod:`~territory_viz.render.synced`     several maps in one document, views in sync

The browser side is real files shipped with the package: ``static/tv.css`` and
``static/tv.js`` (a small decoder and drawing helpers, our own code), and the templates in
``templates/``. Palette, labels and line styles come from :mod:`territory_viz.style`.

Map encoding (see the design brief):

- **colour = control**, from the Okabe-Ito colour-blind-safe palette;
- **hatching = recognition** of Russian control by a party other than Russia (cross-hatch:
  de jure by someone; single diagonal: de facto at most), so recognition never relies on colour;
- **outlines = changes against the baseline** (to Russian control, back to Ukrainian control,
  demilitarized), each with its own colour *and* dash pattern;
- lines: the line of contact, Russia's claimed borders, the area occupied before 2022;
- context: neighbouring countries on a plain sea-coloured background (no tiles, so it works
  offline), region borders and names, towns sized by pre-war population.

Safety: text from data reaches HTML escaped (``html.escape`` for tooltips and labels, the
templates' autoescaping for the legend and the standalone page); everything a script
receives is JSON with ``<``, ``>``, ``&`` and Jinja openers escaped
(:func:`~territory_viz.render.encoding.js_json`), and element output is never compiled again
as a template.
"""

from territory_viz.render.changes import change_map_html
from territory_viz.render.context import BASE_SOURCES, PRE_2022_SNAPSHOT, MapContext, map_context
from territory_viz.render.encoding import SIMPLIFY_TOLERANCE_M, simplify_coverage
from territory_viz.render.legend import date_label, scenario_caption
from territory_viz.render.map import (
    add_scenario_layers,
    base_map,
    build_map,
    scenario_layers,
    scenario_legend_keys,
)
from territory_viz.render.partition import PreparedPartition, prepare_partition
from territory_viz.render.standalone import (
    inline_leaflet,
    link_leaflet_cdn,
    standalone_html,
    to_standalone_html,
)
from territory_viz.render.synced import synced_maps_html
from territory_viz.style import CONTROL_COLOURS, CONTROL_LABELS, DEFAULT_LAYERS, LAYERS

__all__ = [
    "BASE_SOURCES",
    "CONTROL_COLOURS",
    "CONTROL_LABELS",
    "DEFAULT_LAYERS",
    "LAYERS",
    "PRE_2022_SNAPSHOT",
    "SIMPLIFY_TOLERANCE_M",
    "MapContext",
    "PreparedPartition",
    "add_scenario_layers",
    "change_map_html",
    "base_map",
    "build_map",
    "date_label",
    "inline_leaflet",
    "link_leaflet_cdn",
    "map_context",
    "prepare_partition",
    "scenario_caption",
    "scenario_layers",
    "scenario_legend_keys",
    "simplify_coverage",
    "standalone_html",
    "synced_maps_html",
    "to_standalone_html",
]
