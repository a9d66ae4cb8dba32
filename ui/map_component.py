"""The folium map component, rendered once per content instead of on every script run.

``streamlit_folium.st_folium`` turns the folium map into the component's arguments (its
script, header, feature groups and layer control as text) on every call, so every
script run of every session rebuilt and re-rendered the same map. :func:`render` does the
same conversion, with the same ``streamlit_folium`` helpers, once; ``ui.cache`` keeps the
result per content (:func:`ui.cache.rendered_map`) and :func:`show` sends it as
``st_folium`` would. The arguments are identical to ``st_folium``'s (tests compare them),
so the frontend behaves the same: same key while the base map is the same, scenario
layers swapped in without a reload.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import streamlit as st
import streamlit_folium as sf

__all__ = ["Rendered", "feature_group_script", "render", "show"]


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
    use_container_width: bool = True,
    width: int | None = None,
    returned_objects: Iterable[str] | None = (),
    zoom: int | None = None,
    center: tuple[float, float] | None = None,
    on_change: Callable[[], None] | None = None,
) -> Any:
    """Draw a rendered map as ``st_folium`` does; return what the component returns."""
    returned = None if returned_objects is None else list(returned_objects)
    every = {**dict.fromkeys(_ALL_RETURNED), "bounds": rendered.bounds, "zoom": rendered.zoom}
    defaults = {k: v for k, v in every.items() if returned is None or k in returned}
    hash_key = sf.generate_js_hash(rendered.script, key, False)

    def _on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})
        if on_change is not None:
            on_change()

    return sf._component_func(
        script=rendered.script,
        header=rendered.header,
        html=rendered.html,
        id=rendered.id,
        key=hash_key,
        height=height,
        width=None if use_container_width else width,
        returned_objects=returned,
        default=defaults,
        zoom=zoom,
        center=center,
        feature_group=rendered.feature_group,
        return_on_hover=False,
        layer_control=rendered.layer_control,
        pixelated=False,
        css_links=list(rendered.css_links),
        js_links=list(rendered.js_links),
        on_change=_on_change,
        wrap_longitude=False,
    )


#: Everything ``st_folium`` can return, in its order (``returned_objects=None``).
_ALL_RETURNED = (
    "last_clicked",
    "last_object_clicked",
    "last_object_clicked_count",
    "last_object_clicked_tooltip",
    "last_object_clicked_popup",
    "all_drawings",
    "last_active_drawing",
    "bounds",
    "zoom",
    "last_circle_radius",
    "last_circle_polygon",
    "selected_layers",
    "selected_tags",
    "last_geocoder_result",
)
