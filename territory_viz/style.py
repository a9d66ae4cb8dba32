"""The project's visual vocabulary in one place: palette, labels, line styles, thresholds.

Every map (folium and SVG), the command line and the page read their colours, wording and
drawing thresholds from here, so one fact has one definition.

Colours come from the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies). Colour says who controls; recognition is carried by hatching, changes against
the baseline by outlines with their own dash patterns, so nothing relies on colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from territory_viz.model import Control, Party, Recognition

__all__ = [
    "ALL_REGIONS_LABEL",
    "BALANCE_ROWS",
    "CLASS_LABELS",
    "COMPARE_BALANCE_ROWS",
    "FROM_UKRAINE_LABEL",
    "NET_UKRAINE_LABEL",
    "TOWN_CHANGE_MIN_POPULATION",
    "class_label",
    "format_share",
    "format_signed",
    "recognised_by",
    "CHANGE_CASING",
    "CSS_COLOURS",
    "HALO_COLOUR",
    "HATCH_COLOUR",
    "LABEL_COLOURS",
    "MUTED_TEXT_COLOUR",
    "PAGE_ACCENT_COLOUR",
    "PAPER_COLOUR",
    "SEA_COLOUR",
    "SWATCH_EDGE_COLOUR",
    "SWATCH_GROUND_COLOUR",
    "TEXT_COLOUR",
    "TOWN_COLOUR",
    "WATER_COLOUR",
    "CHANGE_STYLES",
    "CONTROL_COLOURS",
    "CONTROL_LABELS",
    "CONTROL_OPACITY",
    "DEFAULT_LAYERS",
    "FALLBACK_COLOUR",
    "LAYERS",
    "LINE_STYLES",
    "RECOGNITION_LABELS",
    "TOWN_LABEL_POPULATION",
    "TOWN_MAP_MIN_POPULATION",
    "WATER_CASING",
    "WATER_LABELS",
    "WATER_STYLES",
    "UNCHANGED_CLASS",
    "UNCHANGED_STYLE",
    "change_key",
    "css_colour_rule",
]

#: Fill colour per control.
CONTROL_COLOURS: dict[str, str] = {
    Control.UKRAINE: "#56B4E9",  # sky blue
    Control.RUSSIA: "#D55E00",  # vermillion
    Control.DEMILITARIZED: "#F0E442",  # yellow
    Control.INTERNATIONAL: "#009E73",  # bluish green
}

#: Colour of a class the palette does not know.
FALLBACK_COLOUR = "#999999"

#: The page's accent (buttons, the slider, links): Okabe-Ito blue. Streamlit reads it from
#: ``.streamlit/config.toml`` (``[theme] primaryColor``), which cannot import it; a test keeps
#: the two the same.
PAGE_ACCENT_COLOUR = "#0072B2"

# The ground and ink the maps are drawn on and with, shared by the web map (its CSS reads
# them as custom properties, see CSS_COLOURS), its legend and the SVG.
#: The sea and whatever lies beyond the neighbouring countries.
SEA_COLOUR = "#d6e6ef"
#: The background of a picture (SVG, PNG).
PAPER_COLOUR = "#ffffff"
#: The halo under names and the casing under lines, so they read on any fill.
HALO_COLOUR = "#ffffff"
#: Titles, legend text, the scale bar.
TEXT_COLOUR = "#222222"
#: Secondary text: sources, figures under a legend row, the attribution.
MUTED_TEXT_COLOUR = "#555555"
#: The lines of the recognition hatching.
HATCH_COLOUR = "#1a1a1a"
#: Town dots and the ring around a place found by name.
TOWN_COLOUR = "#1f1f1f"
#: The edge of a legend's fill swatch.
SWATCH_EDGE_COLOUR = "#666666"
#: What a legend draws a light line (region borders) on, so that it shows.
SWATCH_GROUND_COLOUR = "#9fb7c6"
#: The Dnipro, its reservoirs' shores and the water's names.
WATER_COLOUR = "#1f6fa8"
#: Names on the map by kind (``labels.Label.kind``: places, regions, countries, water).
LABEL_COLOURS: dict[str, str] = {
    "place": "#1a1a1a",
    "region": "#34495a",
    "country": "#6a6a6a",
    "water": WATER_COLOUR,
}
#: The colours ``render/static/tv.css`` reads, by custom property (``var(--tv-sea)``...).
CSS_COLOURS: dict[str, str] = {
    "--tv-sea": SEA_COLOUR,
    "--tv-halo": HALO_COLOUR,
    "--tv-text": TEXT_COLOUR,
    "--tv-muted": MUTED_TEXT_COLOUR,
    **{f"--tv-label-{kind}": colour for kind, colour in LABEL_COLOURS.items()},
}


def css_colour_rule() -> str:
    """Return the CSS rule that defines :data:`CSS_COLOURS` for a stylesheet to read.

    >>> css_colour_rule().startswith(":root{--tv-sea:#d6e6ef;")
    True
    """
    return ":root{" + ";".join(f"{name}:{colour}" for name, colour in CSS_COLOURS.items()) + "}"


#: Fill opacity per control on the web map: Ukrainian control is most of the map, so it is
#: the lightest.
CONTROL_OPACITY: dict[str, float] = {
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

#: Wording of a recognition level.
RECOGNITION_LABELS: dict[str, str] = {
    Recognition.DE_JURE: "de jure",
    Recognition.DE_FACTO: "de facto",
    Recognition.NONE: "none",
}

#: Label per display class: the control, and for Russian control the strongest
#: recognition by a party other than Russia (see ``scenarios.display_class``).
CLASS_LABELS: dict[str, str] = {
    "ukraine": "Ukrainian control",
    "russia/none": "Russian control, recognised by no other party",
    "russia/de_facto": "Russian control, accepted de facto by another party",
    "russia/de_jure": "Russian control, recognised de jure by another party",
    "demilitarized": "Demilitarized zone",
    "international": "International administration",
}


def class_label(control_or_class: str) -> str:
    """Return a reader's label of a control (``russia``) or a display class (``russia/de_jure``).

    Parameters
    ----------
    control_or_class
        A control value or a display class.

    Returns
    -------
    str
        From :data:`CLASS_LABELS`, else :data:`CONTROL_LABELS`, else the text itself.

    Examples
    --------
    >>> class_label("russia/de_facto")
    'Russian control, accepted de facto by another party'
    >>> class_label("russia")
    'Russian control (occupied)'
    """
    if control_or_class in CLASS_LABELS and "/" in control_or_class:
        return CLASS_LABELS[control_or_class]
    control, _, recognition = control_or_class.partition("/")
    text = CONTROL_LABELS.get(control, control)
    return f"{text} ({recognition})" if recognition else text


def recognised_by(levels: Mapping[str, str]) -> str:
    """Say which parties other than Russia recognise Russian control, strongest first.

    Parameters
    ----------
    levels
        Recognition level per party value (``{"united_states": "de_facto", ...}``), as in a
        town's outcome or a rule's recognition.

    Returns
    -------
    str
        ``"de jure by …; de facto by …"`` with the parties' names, or ``""`` when no other
        party recognises it.

    Examples
    --------
    >>> recognised_by({"russia": "de_jure", "ukraine": "de_facto", "united_states": "de_facto"})
    'de facto by Ukraine, United States'
    >>> recognised_by({"russia": "de_jure", "ukraine": "none"})
    ''
    """
    others = [p for p in Party if p is not Party.RUSSIA]
    parts = []
    for level in (Recognition.DE_JURE, Recognition.DE_FACTO):
        names = [p.label for p in others if levels.get(p.value) == level]
        if names:
            parts.append(f"{RECOGNITION_LABELS[level]} by {', '.join(names)}")
    return "; ".join(parts)


def format_share(share: float) -> str:
    """Return a share of a whole (a fraction of 1) as a percentage to 0.1, for readers.

    A share above zero that would round to ``0.0%`` reads ``<0.1%`` (a small area is not
    none); zero stays ``0.0%``. Every page, command-line table, export and legend formats
    shares with this.

    Parameters
    ----------
    share
        A fraction of 1 (``0.186`` for 18.6 %).

    Returns
    -------
    str

    Examples
    --------
    >>> format_share(0.1864)
    '18.6%'
    >>> format_share(0.00003)
    '<0.1%'
    >>> format_share(0.0)
    '0.0%'
    """
    value = float(share)
    if 0 < value < 0.0005:
        return "<0.1%"
    return f"{value:.1%}"


def format_signed(value: float, digits: int = 1) -> str:
    """Return a change with its sign always shown: ``+80.0``, ``−79.7`` (a true minus), ``0.0``.

    Parameters
    ----------
    value
        The change.
    digits
        Decimals (every number of one table uses the same).

    Returns
    -------
    str
        With thousands separators; zero (after rounding) has no sign.

    Examples
    --------
    >>> format_signed(80)
    '+80.0'
    >>> format_signed(-79.66)
    '−79.7'
    >>> format_signed(-1234.4, 0)
    '−1,234'
    """
    text = f"{abs(float(value)):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return ("+" if value > 0 else "\u2212") + text


#: The balance against the baseline, in this order: (field prefix of ``stats.Balance``,
#: label). Its labels are those of the change outlines on the map.
BALANCE_ROWS: tuple[tuple[str, str], ...] = (
    ("to_russia", "To Russian control"),
    ("to_ukraine", "Back to Ukrainian control"),
    ("to_demilitarized", "Becomes demilitarized"),
    ("to_international", "To international administration"),
)

#: The balance from one scenario to another (nothing goes "back" between two scenarios).
COMPARE_BALANCE_ROWS: tuple[tuple[str, str], ...] = (
    ("to_russia", "To Russian control"),
    ("to_ukraine", "To Ukrainian control"),
    ("to_demilitarized", "To demilitarized zone"),
    ("to_international", "To international administration"),
)

#: The row of a per-region table that totals the whole country (``iso_code`` ``UA``).
ALL_REGIONS_LABEL = "Ukraine (all regions)"

#: What leaves Ukrainian control for any other (``Balance.from_ukraine_*``).
FROM_UKRAINE_LABEL = "Out of Ukrainian control"

#: Gained minus lost (``Balance.net_ukraine_*``): a demilitarized zone counts too.
NET_UKRAINE_LABEL = "Net change in Ukrainian-controlled area"

#: Changes against the baseline: key -> (legend label, Leaflet path style). Each is drawn as
#: a thick outline with its own dash pattern over a white casing (visible on any fill), and
#: filled with horizontal stripes of its colour (recognition hatching is diagonal), so a
#: change reads without colour too.
_CHANGE_PATHS: dict[str, dict[str, Any]] = {
    "to_russia": {"color": "#000000", "weight": 3.5, "dashArray": "9 5"},
    "to_ukraine": {"color": "#0072B2", "weight": 4},
    # Small, spaced dots: the zone is a narrow strip and its yellow fill must still read.
    "to_demilitarized": {"color": "#6b5b00", "weight": 2.5, "dashArray": "1 8", "lineCap": "round"},
    "to_international": {"color": "#00573f", "weight": 3.5, "dashArray": "12 4 2 4"},
}
CHANGE_STYLES: dict[str, tuple[str, dict[str, Any]]] = {
    key: (label, _CHANGE_PATHS[key]) for key, label in BALANCE_ROWS
}


def change_key(before: str, after: str) -> str:
    """Return the :data:`CHANGE_STYLES` key of a piece whose control went ``before`` -> ``after``.

    ``""`` when it did not change, or changed to a control without a style.

    >>> change_key("ukraine", "russia"), change_key("russia", "russia")
    ('to_russia', '')
    """
    if before == after:
        return ""
    key = f"to_{after}"
    return key if key in CHANGE_STYLES else ""


#: The white casing drawn under every change outline.
CHANGE_CASING: dict[str, Any] = {"color": HALO_COLOUR, "weight": 7, "opacity": 0.85, "fill": False}

#: Line layers: key -> (legend label, Leaflet path style).
LINE_STYLES: dict[str, tuple[str, dict[str, Any]]] = {
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

#: Rivers and reservoirs, context drawn over the control fill (under its borders): the
#: Dnipro as a line, its reservoirs filled, the drained Kakhovka reservoir's bed outlined.
#: Keys are the ``kind`` of ``data/context/water.geojson``.
WATER_STYLES: dict[str, dict[str, Any]] = {
    "river": {"color": WATER_COLOUR, "weight": 2, "opacity": 1, "fill": False},
    "reservoir": {
        "color": WATER_COLOUR,
        "weight": 1,
        "opacity": 1,
        "fillColor": "#7fb3d8",
        "fillOpacity": 1,
    },
    # A dry bed is land now, held by one side or the other: only its former shore is drawn
    # (dashed, no fill), so the control colour under it stays readable.
    "drained": {
        "color": WATER_COLOUR,
        "weight": 1.4,
        "opacity": 1,
        "dashArray": "5 4",
        "fill": False,
    },
}
#: The white casing under every water line, so the river reads on any control colour.
WATER_CASING: dict[str, Any] = {"color": HALO_COLOUR, "weight": 4.5, "opacity": 0.85, "fill": False}
#: Legend labels of the water kinds (the geometry is the project's own, approximate).
WATER_LABELS: dict[str, str] = {
    "river": "Dnipro and its reservoirs (approximate)",
    "drained": "Kakhovka reservoir, drained since June 2023",
}

#: Display class of the change map's pieces that are the same in both scenarios.
UNCHANGED_CLASS = "unchanged"

#: How those pieces are drawn: light grey, so that the changes stand out.
UNCHANGED_STYLE: dict[str, Any] = {
    "color": "#9e9e9e",
    "weight": 0.4,
    "opacity": 0.8,
    "fillColor": "#f2f2f2",
    "fillOpacity": 0.85,
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

#: Towns counted as "changing hands" (statistics, CLI, page): pre-war population at least this.
TOWN_CHANGE_MIN_POPULATION = 10_000

#: Towns drawn on the web map: pre-war population at least this (fewer points keep the
#: payload small; the statistics count smaller towns too).
TOWN_MAP_MIN_POPULATION = 20_000

#: Towns labelled with their name on the web map.
TOWN_LABEL_POPULATION = 250_000
