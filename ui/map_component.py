"""The page's map component: a folium map rendered once per content, drawn in a light frame.

``streamlit_folium.st_folium`` turns the folium map into the component's arguments (its
script, header, feature groups and layer control as text) on every call, so every
script run of every session rebuilt and re-rendered the same map. :func:`render` does the
same conversion, with the same ``streamlit_folium`` helpers, once; ``ui.cache`` keeps the
result per content (:func:`ui.cache.rendered_map`) and :func:`show` sends it.

The frame is our own (:data:`FRONTEND`, a few kilobytes of script written inline), not
``streamlit_folium``'s React bundle (225 KB to fetch and compile before the map's own
scripts could start loading). It does what that bundle did for this page: on the first
render it adds the map's header, loads its scripts in order and runs the map's script;
on later renders with the same key it swaps the scenario's layers on the same map. The
page reads nothing back from the map (pans and zooms never rerun the script).

The app serves a copy of the frame (:func:`write_frontend`) that carries the map's scripts
(Leaflet and the map helpers, as :func:`territory_viz.assets.page_links` names them) in the
page itself: they have run when the frame answers the page's handshake, with no request of
their own (two fewer per viewer), instead of being fetched after the first message names
them. Where they cannot be written in, the copy names them and fetches them as it starts.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import streamlit.components.v1 as components
import streamlit_folium as sf

from territory_viz import assets
from ui import frames

__all__ = [
    "FRAME_TITLE",
    "FRONTEND",
    "Rendered",
    "feature_group_script",
    "render",
    "show",
    "write_frame",
    "write_frontend",
]

#: The frame's source: one static HTML file with its script inline (it works served as it
#: is, loading the scripts the first render names).
SOURCE = Path(__file__).resolve().parent / "map_frontend"
#: Where the served copy is written (git-ignored), naming the scripts to fetch at once.
BUILT = SOURCE / "build"
#: In the frame's script, the list of scripts to fetch as it starts (empty in the source).
_EARLY = "/*early*/[]"
#: In a frame's script, the URLs of the scripts written into its page (empty in the source).
_INLINED = "/*inlined*/[]"
#: Where a frame's page holds the scripts written into it (before its own script).
_SCRIPTS = "<!--scripts-->"
#: What may not appear in a script written into a page: it would end the script element
#: or change how the HTML parser reads it (``<!--`` inside a script).
_UNSAFE_IN_SCRIPT = re.compile(r"</script|<!--", re.IGNORECASE)


def _json_in_script(value: object) -> str:
    """JSON that cannot end the script it is written into (``<``, ``>``, ``&`` escaped)."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def write_frame(
    source: Path,
    folder: Path,
    *,
    early: Sequence[str] | None = None,
    inline: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write a component frame's page (``source/index.html``) into ``folder``; return ``folder``.

    ``inline``: scripts as ``(url, text)``, written into the page before its own script, in
    that order (they have run when the frame answers the page's handshake, with no request
    of their own); their URLs go in the frame's ``INLINED`` list, so that a document or
    message naming them loads nothing. ``early`` (the map frame): URLs for its ``EARLY``
    list, fetched as it starts unless written in.

    The URLs and scripts are the app's own files (never a reader's text). URLs are written
    as JSON that cannot end the script; a script text holding ``</script`` or ``<!--`` is
    refused (``ValueError``), not altered. Safe from several processes at once: written to a
    temporary name and renamed into place.
    """
    text = (source / "index.html").read_text(encoding="utf-8")
    markers = (_INLINED, _SCRIPTS) + ((_EARLY,) if early is not None else ())
    for marker in markers:
        if text.count(marker) != 1:
            raise RuntimeError(f"{source / 'index.html'}: expected one {marker!r} to fill in")
    for url, script in inline:
        if _UNSAFE_IN_SCRIPT.search(script):
            raise ValueError(f"{url}: holds '</script' or '<!--': cannot be written inline")
    if early is not None:
        text = text.replace(_EARLY, f"/*early*/{_json_in_script([str(u) for u in early])}")
    if inline:
        scripts = "".join(f"<script>{script}</script>\n" for _, script in inline)
        urls = _json_in_script([str(url) for url, _ in inline])
        text = text.replace(_SCRIPTS, scripts).replace(_INLINED, f"/*inlined*/{urls}")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "index.html"
    tmp = folder / f".index.html.{os.getpid()}.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return folder


def write_frontend(
    js_links: Sequence[str], folder: Path = BUILT, *, js_texts: Sequence[str] | None = None
) -> Path:
    """Write the map's frame into ``folder`` with ``js_links`` ready as it starts.

    With ``js_texts`` (the scripts' contents, in the same order), the scripts are written
    into the page (:func:`write_frame`); without, the page fetches ``js_links`` as it
    starts. Either way the map's first message, naming the same scripts, loads nothing.
    """
    if js_texts is not None and len(js_texts) != len(js_links):
        raise ValueError("js_texts: one text per link, in the same order")
    inline = list(zip(js_links, js_texts, strict=True)) if js_texts is not None else []
    return write_frame(SOURCE, folder, early=js_links, inline=inline)


def leaflet_and_helpers() -> list[str]:
    """Return the texts of Leaflet and the map helpers, in the order ``page_links`` names them."""
    return [assets.leaflet_js(), assets.helpers_js()]


def _frontend() -> Path:
    try:
        links = assets.page_links()[0]
        return write_frontend(links, js_texts=leaflet_and_helpers())
    except (OSError, ValueError, assets.AssetError):
        return SOURCE  # a read-only checkout or no Leaflet: the frame loads what it is sent


#: The component's frontend as served: the copy naming the map's scripts, or the source.
FRONTEND = _frontend()
_component = components.declare_component("tv_map", path=str(FRONTEND))
#: The map frame's title (Streamlit titles a component's frame with its name): tests, the
#: benchmarks and the page's stylesheet find the map by it.
FRAME_TITLE = _component.name


@dataclass(frozen=True)
class Rendered:
    """A map's component arguments that do not depend on the call (read-only, shared)."""

    script: str
    header: str
    html: str
    id: str
    feature_group: str | None
    layer_control: str | None
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: dict[str, dict[str, Any]]
    zoom: Any

    @property
    def size(self) -> int:
        """Characters of map text sent to the browser (script, header, html, layers)."""
        return sum(
            len(part or "")
            for part in (
                self.script,
                self.header,
                self.html,
                self.feature_group,
                self.layer_control,
            )
        )


def _bounds(m: folium.Map) -> dict[str, dict[str, Any]]:
    try:
        (south, west), (north, east) = m.get_bounds()
    except AttributeError:
        south = west = north = east = None
    return {
        "_southWest": {"lat": south, "lng": west},
        "_northEast": {"lat": north, "lng": east},
    }


def _links(m: folium.Map) -> tuple[tuple[str, ...], tuple[str, ...]]:
    css: list[str] = []
    js: list[str] = []

    def walk(element: Any) -> None:
        if isinstance(element, folium.elements.JSCSSMixin):
            css.extend(href for _, href in getattr(element, "default_css", []))
            js.extend(src for _, src in getattr(element, "default_js", []))
        for child in getattr(element, "_children", {}).values():
            walk(child)

    walk(m)
    return tuple(dict.fromkeys(css)), tuple(dict.fromkeys(js))


def render(
    m: folium.Map,
    feature_groups: Sequence[folium.FeatureGroup] = (),
    layer_control: folium.LayerControl | None = None,
) -> Rendered:
    """Convert a map (and the layers to swap in) into the component's arguments.

    The same steps, in the same order, as ``st_folium`` (which mutates the map: pass a map
    built for this call only).
    """
    m.get_root().render()
    m.render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    groups = None
    if feature_groups:
        groups = "".join(
            sf._get_feature_group_string(group, map=m, idx=i)
            for i, group in enumerate(feature_groups)
        )
    control = sf._get_layer_control_string(layer_control, m) if layer_control else None
    css, js = _links(m)
    return Rendered(
        script=script,
        header=header,
        html=html,
        id=sf.get_full_id(m),
        feature_group=groups,
        layer_control=control,
        css_links=css,
        js_links=js,
        bounds=_bounds(m),
        zoom=m.options.get("zoom") if hasattr(m, "options") else {},
    )


def feature_group_script(group: folium.FeatureGroup, *, index: int) -> str:
    """Return one more layer to swap in, as ``st_folium`` writes its feature groups.

    Drawn on a throwaway map whose name becomes the page's ``map_div``, like the others;
    ``index`` must differ from the rendered map's own layers'.
    """
    return sf._get_feature_group_string(group, map=folium.Map(tiles=None), idx=index)


def show(
    rendered: Rendered,
    *,
    key: str,
    height: int,
    report_paint: bool = False,
    on_paint: Callable[[], None] | None = None,
) -> bool:
    """Draw a rendered map in the page's own map component (:data:`FRONTEND`).

    Keyed by ``key`` and the base script (as ``st_folium`` keys it): the same base keeps its
    frame and map, and a new scenario's layers are swapped in without a reload. The base
    and the layers are sent only where the frame may not hold them (:mod:`ui.frames`).
    With ``report_paint``, the frame says once the map's first frame is painted (which
    reruns the script once, after ``on_paint``: called before that run starts, so all of
    it knows); returns whether this frame has said so.
    """
    widget_key = sf.generate_js_hash(rendered.script, key, False)
    parts = frames.arguments(
        widget_key,
        {
            "base": {
                "script": rendered.script,
                "header": rendered.header,
                "html": rendered.html,
                "css_links": list(rendered.css_links),
                "js_links": list(rendered.js_links),
            },
            "layers": {
                "feature_group": rendered.feature_group,
                "layer_control": rendered.layer_control,
            },
        },
        on_paint,
    )
    value = _component(
        **parts,
        key=widget_key,
        height=height,
        zoom=None,
        center=None,
        report_paint=bool(report_paint),
        default=None,
    )
    return frames.painted(value)
