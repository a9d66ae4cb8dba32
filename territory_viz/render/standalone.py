"""One offline HTML file per map, from ``templates/standalone.html.j2``.

The file inlines Leaflet (from the installed ``django-js-lib-leaflet``), the map data, the
legend with the baseline date and sources, and a layer control; it loads nothing from the
network. The page title is the only outside text in the template and is autoescaped.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
from markupsafe import Markup

from territory_viz import assets
from territory_viz.render._elements import Verbatim, figure_of
from territory_viz.render._resources import render_template
from territory_viz.render.context import map_context
from territory_viz.render.legend import scenario_caption
from territory_viz.render.map import build_map
from territory_viz.style import DEFAULT_LAYERS

if TYPE_CHECKING:
    from territory_viz.scenarios import Scenario


__all__ = ["inline_leaflet", "link_leaflet_cdn", "standalone_html", "to_standalone_html"]

_CLOSE_STYLE = re.compile(r"</(?=style)", re.IGNORECASE)
_CLOSE_SCRIPT = re.compile(r"</(?=script)", re.IGNORECASE)


def _leaflet_inline() -> tuple[str, str]:
    """Leaflet's CSS and JS, unable to close the ``<style>``/``<script>`` they go into."""
    css = _CLOSE_STYLE.sub("<\\\\/", assets.leaflet_css())
    js = _CLOSE_SCRIPT.sub("<\\\\/", assets.leaflet_js())
    return css, js


def inline_leaflet(m: folium.Map) -> folium.Map:
    """Put Leaflet's stylesheet and script inside the map's page (no link to any server).

    A map shown in Jupyter or saved with ``m.save()`` then works with no internet.

    Parameters
    ----------
    m
        A map from :func:`~territory_viz.render.map.build_map`.

    Returns
    -------
    folium.Map
        ``m`` itself.
    """
    m.default_js = []
    m.default_css = []
    header = figure_of(m).header
    css, js = _leaflet_inline()
    header.add_child(Verbatim(f"<style>{css}</style>"), name="tv_leaflet_css")
    header.add_child(Verbatim(f"<script>{js}</script>"), name="tv_leaflet_js")
    return m


def link_leaflet_cdn(m: folium.Map) -> folium.Map:
    """Link Leaflet (the installed version) from the jsDelivr CDN instead of inlining it.

    Parameters
    ----------
    m
        A map from :func:`~territory_viz.render.map.build_map`.

    Returns
    -------
    folium.Map
        ``m`` itself.
    """
    base = f"https://cdn.jsdelivr.net/npm/leaflet@{assets.leaflet_version()}/dist"
    m.default_js = [("leaflet", f"{base}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{base}/leaflet.css")]
    return m


def to_standalone_html(m: folium.Map, *, page_title: str = "territory_viz map") -> str:
    """Render a map as one HTML file that works offline (Leaflet inlined, no external link).

    Parameters
    ----------
    m
        A map from :func:`~territory_viz.render.map.build_map` (or any folium map without
        plugins).
    page_title
        The document's ``<title>`` (plain text; escaped).

    Returns
    -------
    str
        The HTML document.
    """
    m.default_js = []
    m.default_css = []
    root = figure_of(m)
    root.render()  # every element adds its parts to the figure's header, html and script
    css, js = _leaflet_inline()
    return render_template(
        "standalone.html.j2",
        page_title=page_title,
        leaflet_css=Markup(css),  # noqa: S704 - Leaflet's own files, from the installed package
        leaflet_js=Markup(js),  # noqa: S704
        header=Markup(root.header.render()),  # noqa: S704 - our rendered map
        body=Markup(root.html.render()),  # noqa: S704
        script=Markup(root.script.render()),  # noqa: S704
    )


def standalone_html(
    subject: Scenario | gpd.GeoDataFrame,
    *,
    baseline: str | gpd.GeoDataFrame | None = None,
    title: str | None = None,
    layers: Collection[str] = DEFAULT_LAYERS,
) -> str:
    """Render a scenario (or a ready partition) as a standalone, offline HTML map.

    This is what ``territory-viz render ID -o FILE.html`` writes.

    Parameters
    ----------
    subject
        A ``scenarios.Scenario`` (evaluated against ``baseline``) or a partition
        GeoDataFrame already evaluated.
    baseline
        Snapshot id or snapshot-shaped GeoDataFrame; default ``datasets.DEFAULT_BASELINE``.
    title
        Legend caption and page title; default: the scenario's title, with its sources (the
        caption also says when the scenario was reported far from the baseline's date).
    layers
        Keys of :data:`territory_viz.style.LAYERS` to draw (default all).

    Returns
    -------
    str
        The HTML document (UTF-8 text).

    Examples
    --------
    >>> from territory_viz import scenarios, render
    >>> html_text = render.standalone_html(scenarios.get_scenario("land-swap"))
    >>> html_text.startswith("<!DOCTYPE html>")
    True
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
        caption = title or scenario_caption(subject, context.baseline_date)
        title = title or scenario_caption(subject)
    m = build_map(partition, context, title=caption, layers=layers)
    return to_standalone_html(m, page_title=title or "territory_viz map")
