"""Several standalone Leaflet maps in one component, panning and zooming together.

folium's ``DualMap`` loads the Leaflet.Sync plugin from a CDN, which a closed network
cannot reach. Instead each map stays the complete, self-contained HTML document the
library renders (legend, tooltips and all), placed in a same-origin ``srcdoc`` frame,
and a few lines of our own script in the parent find each frame's ``L.Map`` and copy
the centre and zoom of whichever map moves to the others. No file is fetched by this
page itself; the frames load only what their documents name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape

import streamlit as st

# Our own sync: find the L.Map of every frame, then mirror centre and zoom. The guard
# flag stops the echo (setView on a follower fires its own move events).
_SYNC_JS = """
(function (bounds) {
  var frames = Array.prototype.slice.call(document.querySelectorAll("iframe.tv-map"));
  var maps = [];
  var syncing = false;
  function findMap(win) {
    try {
      if (!win || !win.L || !win.L.Map) { return null; }
      var keys = Object.keys(win);
      for (var i = 0; i < keys.length; i++) {
        if (/^map_[0-9a-f]+$/.test(keys[i]) && win[keys[i]] instanceof win.L.Map) {
          return win[keys[i]];
        }
      }
    } catch (e) { return null; }
    return null;
  }
  function quietly(fn) {
    syncing = true;
    try { fn(); } finally { syncing = false; }
  }
  // Followers show the same extent: same centre, zoom adjusted by the width ratio
  // (the change map is wider than the two scenario maps).
  function follow(source) {
    // Only a map the viewer has touched leads: the maps' own framing on load and on
    // resize (each fits Ukraine to its size) must not drag the others along.
    if (syncing || !source._tvLead) { return; }
    quietly(function () {
      var width = source.getSize().x || 1;
      maps.forEach(function (m) {
        if (m === source) { return; }
        var dz = Math.log((m.getSize().x || width) / width) / Math.LN2;
        m.setView(source.getCenter(), source.getZoom() + dz, {animate: false});
      });
    });
  }
  function attach(frame, tries) {
    var m = findMap(frame.contentWindow);
    if (!m) {
      if (tries < 200) { setTimeout(function () { attach(frame, tries + 1); }, 50); }
      return;
    }
    if (maps.indexOf(m) >= 0) { return; }
    maps.push(m);
    if (bounds) { quietly(function () { m.fitBounds(bounds, {animate: false}); }); }
    ["mousedown", "touchstart", "wheel", "keydown", "dblclick"].forEach(function (ev) {
      m.getContainer().addEventListener(ev, function () {
        maps.forEach(function (o) { o._tvLead = false; });
        m._tvLead = true;
      }, {passive: true, capture: true});
    });
    m.on("move zoomend moveend", function () { follow(m); });
    frame.setAttribute("data-synced", "1");
  }
  frames.forEach(function (f) { attach(f, 0); });
})(%s);
"""

_CSS = """
body { margin: 0; font-family: "Source Sans Pro", "DejaVu Sans", sans-serif; }
.tv-grid { display: flex; flex-wrap: wrap; gap: 8px; }
.tv-cell { flex: 1 1 420px; min-width: 280px; display: flex; flex-direction: column; }
.tv-cell.wide { flex-basis: 100%; }
.tv-cell h4 { margin: 2px 0 4px; font-size: 15px; font-weight: 600; color: #262730;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tv-map { width: 100%; box-sizing: border-box; border: 1px solid #d0d0d0; border-radius: 4px; }
"""


def synced_maps_html(
    maps: Sequence[tuple[str, str]],
    *,
    height_px: int = 460,
    wide_last: bool = True,
    fit_bounds: Sequence[Sequence[float]] | None = None,
) -> str:
    """Compose standalone map documents into one page whose maps move together.

    Parameters
    ----------
    maps
        ``(heading, html_document)`` pairs; each document must define a folium map
        (a global ``map_<hex>`` variable holding an ``L.Map``).
    height_px
        Height of each map frame in pixels.
    wide_last
        Give the last map the full width (the change map under the two scenarios).
    fit_bounds
        ``[[south, west], [north, east]]`` every map is framed on when it opens.

    Returns
    -------
    str
        An HTML document; headings are escaped, documents are embedded via ``srcdoc``.
    """
    bounds_js = (
        json.dumps([[float(v) for v in corner] for corner in fit_bounds])
        if fit_bounds is not None
        else "null"
    )
    cells = []
    for i, (heading, doc) in enumerate(maps):
        wide = " wide" if wide_last and i == len(maps) - 1 and len(maps) > 2 else ""
        cells.append(
            f'<div class="tv-cell{wide}"><h4 title="{escape(heading)}">{escape(heading)}</h4>'
            f'<iframe class="tv-map" data-map-index="{i}" title="{escape(heading)}" '
            f'style="height:{int(height_px)}px" srcdoc="{escape(doc, quote=True)}"></iframe>'
            "</div>"
        )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<style>{_CSS}</style></head><body>"
        f'<div class="tv-grid">{"".join(cells)}</div>'
        f"<script>{_SYNC_JS % bounds_js}</script></body></html>"
    )


def synced_maps(
    maps: Sequence[tuple[str, str]],
    *,
    height_px: int = 460,
    wide_last: bool = True,
    fit_bounds: Sequence[Sequence[float]] | None = None,
    alt: str = "Synced maps",
) -> None:
    """Show maps side by side in the page, panning and zooming together.

    Parameters
    ----------
    maps
        ``(heading, html_document)`` pairs, see :func:`synced_maps_html`.
    height_px
        Height of each map frame in pixels.
    wide_last
        Give the last map the full width.
    fit_bounds
        ``[[south, west], [north, east]]`` every map is framed on when it opens.
    alt
        Accessible name of the component's frame (its ``title``).
    """
    # Two maps per row on a laptop, one per row on a phone: the frame takes the height of
    # its content, whichever layout the width gives.
    st.iframe(
        synced_maps_html(maps, height_px=height_px, wide_last=wide_last, fit_bounds=fit_bounds),
        height="content",
        alt=alt,
    )
