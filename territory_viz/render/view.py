"""The map's view in a link (``lat``, ``lon``, ``zoom``) and the map zooming to a place.

:func:`parse_view` checks a link's view (plain decimal numbers, around Ukraine, within the
map's zoom range); :class:`ShareView` restores it on the map and keeps the page's address
following the reader's pans and zooms; :class:`FocusPlace` centres the map on a place with a
ring around it. Both only call ``static/tv.js``; values reach it as JSON data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Template

from territory_viz._errors import ValidationError
from territory_viz.render._elements import UKRAINE_BOUNDS, _Macro, map_of
from territory_viz.render.encoding import js_json

__all__ = [
    "FOCUS_ZOOM",
    "LAT_RANGE",
    "LON_RANGE",
    "MAX_ZOOM",
    "MIN_ZOOM",
    "VIEW_PARAMS",
    "FocusPlace",
    "MapView",
    "ShareView",
    "parse_view",
]

#: The map's zoom range (Leaflet zoom levels).
MIN_ZOOM = 4
MAX_ZOOM = 12
#: Zoom the map takes to show a place found by name (the town and its surroundings).
FOCUS_ZOOM = 9
#: Degrees a link's centre may lie beyond Ukraine's bounding box (neighbours, the seas).
_VIEW_MARGIN_DEG = 5.0
#: What a link's centre may be: Ukraine's bounding box widened by the margin.
LAT_RANGE = (UKRAINE_BOUNDS[0][0] - _VIEW_MARGIN_DEG, UKRAINE_BOUNDS[1][0] + _VIEW_MARGIN_DEG)
LON_RANGE = (UKRAINE_BOUNDS[0][1] - _VIEW_MARGIN_DEG, UKRAINE_BOUNDS[1][1] + _VIEW_MARGIN_DEG)
#: The link's parameters, in the order they are written.
VIEW_PARAMS = ("lat", "lon", "zoom")
#: Decimals the page writes (about 10 m; zoom in quarter steps).
_DECIMALS = {"lat": 4, "lon": 4, "zoom": 2}
# A plain decimal number: no exponent, no nan/inf, no thousands of digits.
_NUMBER = re.compile(r"[+-]?\d{1,3}(?:\.\d{1,10})?")
_SHOWN_CHARS = 24
#: How often the map checks that the page's address still holds its view (the page rewrites
#: its address from the server's side after each run, which does not know the view).
_CHECK_MS = 500


@dataclass(frozen=True)
class MapView:
    """A map view: centre (degrees, WGS 84) and Leaflet zoom."""

    lat: float
    lon: float
    zoom: float

    def to_js(self) -> dict[str, float]:
        """Return the view as the map's script takes it."""
        return {"lat": self.lat, "lon": self.lon, "zoom": self.zoom}


def _shown(value: str) -> str:
    """Return the link's text as a message quotes it: one line, cut short."""
    text = " ".join(str(value).split())
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def parse_view(params: Mapping[str, Any], *, source: str = "link") -> MapView | None:
    """Return the view a link asks for, or ``None`` when it names none.

    Parameters
    ----------
    params
        The link's query parameters (``lat``, ``lon``, ``zoom`` as text; others ignored).
    source
        Names the input in the error.

    Raises
    ------
    ValidationError
        When the view is incomplete, a value is not a plain decimal number, or a value is
        outside its range (centre around Ukraine, zoom within the map's range); one problem
        per parameter, each naming what is allowed.
    """
    given = {k: params.get(k) for k in VIEW_PARAMS if params.get(k) not in (None, "")}
    if not given:
        return None
    problems = []
    missing = [k for k in VIEW_PARAMS if k not in given]
    if missing:
        problems.append(
            f"{', '.join(missing)} missing: a map view needs lat, lon and zoom together"
        )
    limits = {"lat": LAT_RANGE, "lon": LON_RANGE, "zoom": (MIN_ZOOM, MAX_ZOOM)}
    values: dict[str, float] = {}
    for key, raw in given.items():
        text = raw[0] if isinstance(raw, list | tuple) and raw else raw
        text = str(text).strip()
        low, high = limits[key]
        allowed = f"a number from {low:g} to {high:g}"
        if not _NUMBER.fullmatch(text):
            problems.append(f"{key} “{_shown(text)}” is not a number; allowed: {allowed}")
            continue
        value = float(text)
        if not (math.isfinite(value) and low <= value <= high):
            problems.append(f"{key} {text} is out of range; allowed: {allowed}")
            continue
        values[key] = value
    if problems:
        raise ValidationError(source, problems)
    return MapView(values["lat"], values["lon"], values["zoom"])


class ShareView(_Macro):
    """Restore a link's view on the map; keep the page's address following the view.

    Added to the map before its legend (the legend's framing then holds this view instead of
    fitting Ukraine). In a page (the map inside a frame of the same site) the map's script
    writes ``lat``, ``lon`` and ``zoom`` into the page's address with ``history.replaceState``
    once the reader has moved the map, after a pause (no page reload, nothing sent to the
    server), and puts them back when the page rewrites its address after a run; a standalone
    file writes nothing.

    Parameters
    ----------
    view
        The link's view, or ``None`` (the map opens framed on Ukraine).
    follow
        Write the view into the page's address.
    debounce_ms
        Pause after the last move before the address is written.
    from_address
        Open on the view the page's address holds when the map is drawn, if it has one
        within a link's limits, over ``view``: a document drawn again in the same page (the
        compare maps, after scenario B changed) keeps the reader's view.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
TV.shareView({{ this._parent.get_name() }}, {{ this.view }}, {{ this.options }});
{% endmacro %}
"""
    )

    def __init__(
        self,
        view: MapView | None = None,
        *,
        follow: bool = True,
        debounce_ms: int = 400,
        from_address: bool = False,
    ) -> None:
        super().__init__()
        self._name = "TvShareView"
        self.view = js_json(view.to_js() if view is not None else None)
        self.options = js_json(
            {
                "follow": bool(follow),
                "debounceMs": int(debounce_ms),
                "checkMs": _CHECK_MS,
                "decimals": _DECIMALS,
                "fromAddress": bool(from_address),
                "limits": {"lat": LAT_RANGE, "lon": LON_RANGE, "zoom": (MIN_ZOOM, MAX_ZOOM)},
            }
        )


class FocusPlace(_Macro):
    """Centre the map on a place (once per place) and ring it; for a group added later.

    The map moves when the place changes, not when the same place comes again with another
    scenario's layers, and not over a view restored from a link on opening.

    Parameters
    ----------
    lat, lon
        The place (degrees, WGS 84).
    name
        Its name (set as text in the ring's tooltip).
    zoom
        Zoom to show it at.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
TV.focusPlace({{ this.map_name() }}, {{ this._parent.get_name() }}, {{ this.place }});
{% endmacro %}
"""
    )

    def __init__(self, lat: float, lon: float, name: str, *, zoom: float = FOCUS_ZOOM) -> None:
        super().__init__()
        self._name = "TvFocusPlace"
        self.place = js_json(
            {
                "key": f"{float(lat):.5f},{float(lon):.5f}",
                "lat": float(lat),
                "lon": float(lon),
                "zoom": float(zoom),
                "name": str(name),
            }
        )

    def map_name(self) -> str:
        """Name of the Leaflet map variable this element's group belongs to."""
        m = map_of(self)
        return m.get_name() if m is not None else "undefined"
