"""The branca/folium elements the maps are made of.

Each element's template is fixed source that only calls a function of ``static/tv.js``;
every value (rows, styles, labels, legend HTML, captions) reaches it as JSON data made by
:func:`~territory_viz.render.encoding.js_json`. The rendered text is attached to the page
verbatim: unlike branca's own ``Element(text)``, it is never compiled again as a template.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from territory_viz.assets import minify_css
from territory_viz.render._resources import static_text
from territory_viz.render.encoding import GRID, js_json, pack_arcs, pack_lines, row_table
from territory_viz.style import HALO_COLOUR, TOWN_COLOUR, css_colour_rule

__all__ = [
    "ArcLines",
    "CaptionLater",
    "NamedGroup",
    "Labels",
    "MapLabels",
    "Legend",
    "MapSetup",
    "RowsLayer",
    "Towns",
    "Verbatim",
    "figure_of",
    "map_of",
]

#: Where the map opens: Ukraine's bounding box, [[south, west], [north, east]].
UKRAINE_BOUNDS = [[44.38, 22.14], [52.38, 40.23]]

# Panes, bottom to top; a pane each so dynamically added layers still stack correctly.
PANES = {
    "tv-context": 350,
    "tv-fill": 410,
    "tv-water": 412,
    "tv-hatch": 415,
    "tv-lines": 420,
    "tv-changes": 425,
    "tv-towns": 440,
    "tv-labels": 450,
}


class Verbatim(Element):
    """Text placed in the page as it is (never compiled as a template).

    Parameters
    ----------
    text
        Markup made by this package (a ``<style>``, a ``<script>``...).
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Verbatim"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text unchanged."""
        return self.text


class _Macro(MacroElement):
    """A macro element whose rendered parts join the figure verbatim."""

    def render(self, **kwargs: Any) -> str:
        """Add the header, html and script parts to the figure, then render the children."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("this element can only be rendered inside a Figure (a folium map)")
        module = self._template.module.__dict__
        for part, target in (
            ("header", figure.header),
            ("html", figure.html),
            ("script", figure.script),
        ):
            macro = module.get(part)
            if macro is not None:
                target.add_child(Verbatim(str(macro(self, kwargs))), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)
        return ""  # the parts are in the figure now


class MapSetup(_Macro):
    """CSS, SVG hatch patterns, panes and the decoder; must be the map's first child."""

    _template = Template(
        """
{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
{% macro script(this, kwargs) %}
{{ this.js }}
TV.setup({{ this._parent.get_name() }}, {{ this.panes }}, {{ this.patterns }}, {{ this.grid }},
  {{ this.colours }});
{% endmacro %}
"""
    )

    def __init__(self, patterns_svg: str, *, inline_js: bool = True) -> None:
        super().__init__()
        self._name = "TvSetup"
        self.css = (css_colour_rule() + minify_css(static_text("tv.css"))).replace("</", "<\\/")
        # Without inline_js the page has loaded static/tv.js as a file, after Leaflet.
        self.js = static_text("tv.js").replace("</", "<\\/") if inline_js else ""
        self.panes = js_json(PANES)
        self.patterns = js_json(patterns_svg)
        self.grid = js_json(GRID)
        self.colours = js_json({"halo": HALO_COLOUR, "town": TOWN_COLOUR})


class RowsLayer(_Macro):
    """A GeoJSON layer drawn from compact rows (see :func:`~.encoding.encode_geometry`).

    Parameters
    ----------
    rows
        Dicts with ``g`` (encoded geometry), ``c`` (style key) and optionally ``t`` (tooltip
        HTML, already escaped) or ``d`` (tooltip data, see ``tooltip_labels``).
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
    arcs
        Shared arcs the rows' rings refer to (:func:`~.encoding.topology`).
    tooltip_labels
        Labels the browser writes tooltips with from rows' compact ``d`` data
        (:func:`~territory_viz.render.partition.tooltip_labels`).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = TV.rows({{ this._parent.get_name() }}, {{ this.rows }},
  {{ this.styles }}, {{ this.options }}{% if this.arcs %}, {{ this.arcs }}{% endif %});
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
        arcs: Sequence[str] = (),
        tooltip_labels: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self._name = "TvLayer"
        packed = None
        if not arcs:
            # Lines and rings of the rows' own geometries go packed too, by index.
            rows, packed = pack_lines(list(rows or []))
        # One table: each key once, repeated texts (classes, change keys) once.
        self.rows = js_json(row_table(list(rows or [])))
        #: The shared arcs the rows' polygon rings refer to, or their own lines, packed
        #: (``""`` when they have none).
        self.arcs = js_json(pack_arcs(arcs) if arcs else packed) if arcs or packed else ""
        #: The style table as JSON text (a caller may replace it before rendering).
        self.styles = js_json(styles)
        self.options = js_json(
            {
                "pane": pane,
                "interactive": interactive,
                "dataKey": data_key,
                "sourceKey": source_key,
                "filterKey": filter_key,
                "styleKey": filter_key or "c",
                "classPrefix": class_prefix,
                "tips": tooltip_labels,
            }
        )


class Towns(_Macro):
    """Towns as circle markers sized by pre-war population, named by :class:`MapLabels`.

    ``points`` are ``[lat, lon, population, escaped name]``; with ``labels`` (the
    :class:`MapLabels` rows of the same group, drawn by this element too) a town that has a
    label row is ``[row index, population]`` instead, its name and place read from the row.
    The radius, tooltip and label are made in the browser (smaller payload than one folium
    marker per town).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
{% if this.labels %}
var {{ this.get_name() }} = {{ this.labels }};
TV.towns({{ this._parent.get_name() }}, {{ this.points }}, {{ this.label_population }},
  {{ this.get_name() }});
TV.mapLabels({{ this.map_name() }}, {{ this._parent.get_name() }}, {{ this.get_name() }});
{% else %}
TV.towns({{ this._parent.get_name() }}, {{ this.points }}, {{ this.label_population }});
{% endif %}
{% endmacro %}
"""
    )

    def __init__(self, points: list[list[Any]], labels: list[list[Any]] | None = None) -> None:
        super().__init__()
        self._name = "TvTowns"
        if labels:
            where = {(row[1], row[2], row[0]): i for i, row in enumerate(labels)}
            points = [
                [where[key], p[2]] if (key := (p[0], p[1], html.unescape(p[3]))) in where else p
                for p in points
            ]
        self.points = js_json(points)
        self.labels = js_json(labels) if labels else ""
        # names come from MapLabels (placed without overlaps), not from the dots
        self.label_population = js_json(None)

    def map_name(self) -> str:
        """Name of the Leaflet map variable the towns' group belongs to."""
        m = map_of(self)
        return m.get_name() if m is not None else "undefined"


class Labels(_Macro):
    """Text labels (region names) as non-interactive div icons; ``labels`` hold escaped HTML."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
TV.labels({{ this._parent.get_name() }}, {{ this.labels }});
{% endmacro %}
"""
    )

    def __init__(self, labels: list[list[Any]]) -> None:
        super().__init__()
        self._name = "TvLabels"
        self.labels = js_json(labels)


class MapLabels(_Macro):
    """Names placed by the map's script: by priority, each only where it overlaps no other.

    ``labels`` are :func:`territory_viz.labels.compact` rows (plain text, set with
    ``textContent``). Every group holding labels joins one placement per map, redone after
    each zoom, pan, resize and layer switch; a group switched off frees its space.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
TV.mapLabels({{ this.map_name() }}, {{ this._parent.get_name() }}, {{ this.labels }});
{% endmacro %}
"""
    )

    def __init__(self, labels: list[list[Any]]) -> None:
        super().__init__()
        self._name = "TvMapLabels"
        self.labels = js_json(labels)

    def map_name(self) -> str:
        """Name of the Leaflet map variable the labels' group belongs to."""
        m = map_of(self)
        return m.get_name() if m is not None else "undefined"


class Legend(_Macro):
    """The legend as a Leaflet control, and the initial framing on Ukraine.

    Parameters
    ----------
    body_html
        The legend's body, from ``templates/legend.html.j2`` (values escaped there).
    position
        Leaflet control corner.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
TV.legend({{ this._parent.get_name() }}, {{ this.body }}, {{ this.position }}, {{ this.bounds }});
{% endmacro %}
"""
    )

    def __init__(self, body_html: str, *, position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "TvLegend"
        self.body = js_json(body_html)
        self.position = js_json(position)
        self.bounds = js_json(UKRAINE_BOUNDS)


def figure_of(m: folium.Map) -> Figure:
    """Return the figure (the HTML page) a map belongs to."""
    root = m.get_root()
    if not isinstance(root, Figure):
        raise TypeError("the map is not inside a folium page (Figure)")
    return root


def map_of(element: Any) -> folium.Map | None:
    """Return the folium map an element belongs to, or ``None`` if it is not attached yet."""
    while element is not None and not isinstance(element, folium.Map):
        element = getattr(element, "_parent", None)
    return element


class CaptionLater(_Macro):
    """A caption whose map is only known at render time (the group is added later).

    ``keys`` (when given) are the legend rows the scenario's layers draw: the legend shows
    only those of its rows that carry a key (``data-k``).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
TV.caption({{ this.map_name() }}, {{ this.text }}, {{ this.keys }});
{% endmacro %}
"""
    )

    def __init__(self, text: str, keys: Sequence[str] | None = None) -> None:
        super().__init__()
        self._name = "TvCaption"
        self.text = js_json(text)
        self.keys = js_json(None if keys is None else list(keys))

    def map_name(self) -> str:
        """Name of the Leaflet map variable this caption's group belongs to."""
        m = map_of(self)
        return m.get_name() if m is not None else "undefined"


class NamedGroup(_Macro):
    """Names its parent group, so that layers added later can draw into it (``TV.named``)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
TV.named({{ this.map_name() }}, {{ this.name }}, {{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = "TvNamedGroup"
        self.name = js_json(name)

    def map_name(self) -> str:
        """Name of the Leaflet map variable the group belongs to."""
        m = map_of(self)
        return m.get_name() if m is not None else "undefined"


class ArcLines(_Macro):
    """Lines drawn from the shared arcs of rows an earlier :class:`RowsLayer` stored.

    Parameters
    ----------
    source_key
        The ``data_key`` of the layer whose arcs are drawn.
    lines
        Style key -> indices of the arcs that make that line.
    styles
        Style key -> Leaflet path options.
    pane
        The pane to draw in.
    into
        Where the lines go while their group is on the map: ``"map"``, the name of a group
        (:class:`NamedGroup`; the group itself when there is none), or ``None`` (the group).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
TV.arcLines({{ this.map_name() }}, {{ this._parent.get_name() }}, {{ this.source_key }},
  {{ this.lines }}, {{ this.styles }}, {{ this.options }});
{% endmacro %}
"""
    )

    def __init__(
        self,
        source_key: str,
        lines: dict[str, Sequence[int]],
        styles: dict[str, dict[str, Any]],
        *,
        pane: str,
        into: str | None = None,
    ) -> None:
        super().__init__()
        self._name = "TvArcLines"
        self.source_key = js_json(source_key)
        self.lines = js_json({k: list(v) for k, v in lines.items() if len(v)})
        self.styles = js_json(styles)
        self.options = js_json({"pane": pane, "into": into})

    def map_name(self) -> str:
        """Name of the Leaflet map variable the lines' group belongs to."""
        m = map_of(self)
        return m.get_name() if m is not None else "undefined"
