"""Several maps in one document: one Leaflet, one frame, views panning and zooming together.

Compare mode shows scenario A, scenario B and the change map. As three documents in three
nested frames, the browser parses Leaflet and the helpers three times and lays out four
documents; here the maps (each a complete :func:`~territory_viz.render.map.base_map` with
its layers) are placed in one figure: Leaflet and the helpers load once (branca keys them
by name), and ``static/tv-sync.js`` puts each map's container under its heading (set as
text, never markup) before the maps are made (each is drawn once, at its size), then
docks the legends under small maps and mirrors the centre and zoom of whichever map the
viewer moves.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
from branca.element import Figure

from territory_viz.render._elements import Verbatim
from territory_viz.render._resources import static_text
from territory_viz.render.encoding import js_json

__all__ = ["synced_maps_html"]

_CSS = """
html, body { height: auto !important; }
body { margin: 0; font-family: "Source Sans Pro", "DejaVu Sans", sans-serif; }
.tv-grid { display: flex; flex-wrap: wrap; gap: 8px; }
.tv-cell { flex: 1 1 420px; min-width: 280px; display: flex; flex-direction: column; }
.tv-cell.wide { flex-basis: 100%; }
.tv-cell h4 { margin: 2px 0 4px; font-size: 15px; font-weight: 600; color: #262730;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.folium-map { height: __HEIGHT__px !important; width: 100% !important;
  box-sizing: border-box; border: 1px solid #d0d0d0; border-radius: 4px; }
"""

#: Side by side, each legend is under its map (``tv-sync.js``), as wide as it, growing the
#: document when the key is opened; folded, it is its caption, date and scale bar only: the
#: sources and the approximation note open with the key (the page states both above the
#: maps). A single map (the builder's preview) keeps the map's own legend.
_SIDE_BY_SIDE_CSS = """
.tv-legend-under .tv-legend { max-width: none; max-height: none; overflow: visible; float: none;
  margin: 0; box-shadow: none; border: 1px solid #d0d0d0; border-top: 0;
  border-radius: 0 0 4px 4px; }
.tv-cell .tv-legend-dock .tv-legend { max-width: none; }
.tv-cell .tv-legend details:not([open]) ~ .tv-foot .tv-src { display: none; }
"""


def synced_maps_html(
    maps: Sequence[tuple[str, folium.Map]],
    *,
    height_px: int = 460,
    wide_last: bool = True,
    page_title: str = "Maps",
) -> str:
    """Render maps into one HTML document whose views move together.

    Parameters
    ----------
    maps
        ``(heading, map)`` pairs: complete maps (layers and layer control added), each
        linking the same Leaflet and helpers (:func:`territory_viz.assets.page_links`), each
        legend folded or not as the map was built (side by side, fold them: the maps are
        small).
        The maps are moved into a new figure: render each only through this function.
    height_px
        Height of each map in pixels.
    wide_last
        Give the last map the full width (the change map under the two scenarios), when
        there are more than two.
    page_title
        The document's ``<title>``.

    Returns
    -------
    str
        The HTML document.
    """
    figure = Figure(title=page_title)
    css = _CSS + (_SIDE_BY_SIDE_CSS if len(maps) > 1 else "")
    for _, m in maps:
        figure.add_child(m)
    figure.header.add_child(
        Verbatim(f"<style>{css.replace('__HEIGHT__', str(int(height_px)))}</style>"),
        name="tv_synced_css",
    )
    script = static_text("tv-sync.js").replace("</", "<\\/").rstrip()
    figure.header.add_child(Verbatim(f"<script>{script}</script>"), name="tv_synced_lib")
    figure.render()  # the maps' parts join the figure; the grid and sync scripts come after
    headings = js_json([heading for heading, _ in maps])
    # After the maps' containers, before their scripts: each map is made in its cell.
    figure.html.add_child(
        Verbatim(f"<script>TVSync.grid({headings}, {js_json(bool(wide_last))});</script>"),
        name="tv_synced_grid",
    )
    figure.script.add_child(Verbatim("TVSync.sync();"), name="tv_synced_js")
    return figure.render()
