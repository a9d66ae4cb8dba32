"""The legend: its body from ``templates/legend.html.j2``, captions and date wording.

The template receives every text (caption, date, labels, sources) as a variable and
autoescapes it; swatches are described as data (kind, colour, dash) and drawn by the
template, so no markup is assembled in Python.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from territory_viz import notices
from territory_viz.model import Control, Recognition
from territory_viz.render._resources import render_template
from territory_viz.style import (
    CHANGE_STYLES,
    CONTROL_COLOURS,
    CONTROL_LABELS,
    CONTROL_OPACITY,
    DEFAULT_LAYERS,
    HALO_COLOUR,
    LINE_STYLES,
    SWATCH_EDGE_COLOUR,
    SWATCH_GROUND_COLOUR,
    TEXT_COLOUR,
    TOWN_COLOUR,
    WATER_LABELS,
    WATER_STYLES,
)
from territory_viz.textsafe import isolate_if_bidi as isolate

if TYPE_CHECKING:
    from territory_viz.render.context import MapContext

__all__ = ["date_label", "legend_html", "legend_keys", "scenario_caption"]


def date_label(value: object) -> str:
    """Write an ISO date (or timestamp) as ``15 Aug 2025``; other text is returned unchanged.

    The day is written by :func:`territory_viz.notices.format_date`, the one writer of a day.

    Parameters
    ----------
    value
        A date, ``"2025-08-15"``, ``"2025-08-15 00:00:00"``...

    Returns
    -------
    str
    """
    day = value if isinstance(value, datetime.date) else str(value)
    return notices.format_date(day, otherwise=str(value))


def scenario_caption(scenario: Any, baseline_date: object = None) -> str:
    """Plain-text legend caption: title and its sources (publisher, date).

    With ``baseline_date`` (``""`` for a baseline without a date), the caption also says
    when the scenario was reported far from the date of the control it is evaluated on
    (:func:`territory_viz.notices.date_notice`), so the map carries it with its numbers.

    Parameters
    ----------
    scenario
        A ``scenarios.Scenario`` (uses ``title``, ``sources`` and ``as_of``).
    baseline_date
        Date of the control the scenario is evaluated on; ``None``: no date notice.

    Returns
    -------
    str
    """
    cited = []
    for source in getattr(scenario, "sources", ()) or ():
        publisher = getattr(source, "publisher", "")
        date = getattr(source, "date", "")
        cite = f"{publisher} {date}".strip()
        cited.append(isolate(cite) if cite else "")
    suffix = f" (sources: {'; '.join(c for c in cited if c)})" if any(cited) else ""
    # Isolated: a right-to-left override in a title cannot reverse the text after it.
    caption = f"{isolate(getattr(scenario, 'title', ''))}{suffix}"
    if baseline_date is None:
        return caption
    notice = notices.date_notice(getattr(scenario, "as_of", None), str(baseline_date or ""))
    return f"{caption}. {notice}" if notice else caption


def _fill(colour: str, opacity: float, hatch: str = "") -> dict[str, Any]:
    return {"kind": "fill", "colour": colour, "opacity": opacity, "hatch": hatch}


def _line(style: dict[str, Any]) -> dict[str, Any]:
    colour = str(style.get("color", TEXT_COLOUR))
    return {
        "kind": "line",
        "colour": colour,
        "weight": style.get("weight", 2),
        "dash": style.get("dashArray", ""),
        "light": _is_light(colour),  # a white line is drawn on a ground to be seen
    }


def _is_light(colour: str) -> bool:
    """Whether a ``#rrggbb`` colour is nearly white."""
    digits = colour.lstrip("#")
    return len(digits) == 6 and all(int(digits[i : i + 2], 16) >= 0xE0 for i in (0, 2, 4))


def _change(key: str) -> dict[str, Any]:
    style = CHANGE_STYLES[key][1]
    return {
        "kind": "change",
        "key": key,
        "colour": style["color"],
        "dash": style.get("dashArray", ""),
        "cap": style.get("lineCap", ""),
    }


def legend_keys(rows: Iterable[Mapping[str, Any]], *, changes: bool = True) -> list[str]:
    """Return the keys of the legend rows a scenario's pieces need.

    ``c:`` their control, ``h:`` the recognition of Russian control, ``x:`` the changes
    against the baseline.

    Parameters
    ----------
    rows
        Prepared pieces (:attr:`PreparedPartition.rows`: ``c`` display class, ``h`` hatch,
        ``x`` change key).
    changes
        Whether the map draws the changes layer (its keys are left out otherwise).

    Returns
    -------
    list of str
        Sorted keys, e.g. ``["c:russia", "c:ukraine", "h:none", "x:to_ukraine"]``.

    Examples
    --------
    >>> legend_keys([{"c": "russia/de_facto", "h": "de_facto", "x": ""}, {"c": "ukraine"}])
    ['c:russia', 'c:ukraine', 'h:de_facto']
    """
    keys: set[str] = set()
    for row in rows:
        control = str(row.get("c", "")).split("/", 1)[0]
        keys.add(f"c:{control}")
        if control == Control.RUSSIA:
            keys.add(f"h:{row.get('h') or 'none'}")
        if changes and row.get("x"):
            keys.add(f"x:{row['x']}")
    return sorted(keys)


def legend_html(
    context: MapContext,
    *,
    title: str = "",
    open_: bool = True,
    present: Collection[str] | None = None,
    layers: Collection[str] | None = None,
) -> str:
    """Render the legend's body (HTML) for a map of ``context``.

    Every scenario row carries its key (``data-k``, see :func:`legend_keys`): the map's
    script shows only the rows of the classes a scenario's layers draw; ``present`` leaves
    the others out of the HTML already (a standalone map knows its scenario).

    Parameters
    ----------
    context
        The map's base layers (their date and sources; which lines exist).
    title
        Initial caption (plain text).
    open_
        Whether the key starts unfolded (caption, date and sources always show).
    present
        Keys of the rows to keep (from :func:`legend_keys` plus ``l:`` line keys); ``None``
        keeps every row (the page's constant base map; its script filters them).
    layers
        Keys of :data:`territory_viz.style.LAYERS` the map draws (``None``: all): region
        borders and towns are listed only when drawn.

    The footer carries the sources and the approximation note with the baseline's date
    (:func:`territory_viz.notices.approximation_note`).

    Returns
    -------
    str
    """
    russia = CONTROL_COLOURS[Control.RUSSIA]
    hatched = CONTROL_OPACITY[Control.RUSSIA]
    drawn = set(DEFAULT_LAYERS if layers is None else layers)
    lines = [
        (_line(LINE_STYLES[k][1]), LINE_STYLES[k][0], f"l:{k}")
        for k in ("line_of_contact", "claim", "occupied_2022")
        if context.layers.get(k)  # only lines the map draws
    ]
    if "regions" in drawn:
        label, style = LINE_STYLES["region_borders"]
        lines.append((_line(style), label, ""))
    water = {row.get("c") for row in context.layers.get("water", [])}
    if water & {"river", "reservoir"}:
        river = WATER_STYLES["reservoir"]
        lines.append(
            (
                {"kind": "water", "colour": river["color"], "fill": river["fillColor"]},
                WATER_LABELS["river"],
                "",
            )
        )
    if "drained" in water:
        bed = WATER_STYLES["drained"]
        lines.append(
            (
                {"kind": "drained", "colour": bed["color"], "dash": bed["dashArray"]},
                WATER_LABELS["drained"],
                "",
            )
        )
    if "towns" in drawn and context.towns:
        lines.append(({"kind": "towns"}, "Towns, sized by pre-war population", ""))
    sections = [
        (
            "Control (de facto)",
            [
                (_fill(CONTROL_COLOURS[c], CONTROL_OPACITY[c]), CONTROL_LABELS[c], f"c:{c}")
                for c in Control
            ],
        ),
        (
            "Russian control recognised by others",
            [
                (
                    _fill(russia, hatched, Recognition.DE_JURE),
                    "de jure (cross-hatched)",
                    "h:de_jure",
                ),
                (
                    _fill(russia, hatched, Recognition.DE_FACTO),
                    "de facto only (diagonal)",
                    "h:de_facto",
                ),
                (_fill(russia, hatched), "by no one", "h:none"),
            ],
        ),
        (
            "Change vs baseline",
            [(_change(key), label, f"x:{key}") for key, (label, _) in CHANGE_STYLES.items()],
        ),
        ("Lines and places", lines),
    ]
    if present is not None:
        keep = set(present)
        sections = [
            (heading, [row for row in rows if not row[2] or row[2] in keep])
            for heading, rows in sections
        ]
    return render_template(
        "legend.html.j2",
        title=title,
        baseline_date=date_label(context.baseline_date) if context.baseline_date else "",
        open=open_,
        sections=[(heading, rows) for heading, rows in sections if rows],
        sources=list(context.sources),
        approximation=notices.approximation_note(context.baseline_date),
        colours={
            "halo": HALO_COLOUR,
            "land": LINE_STYLES["neighbours"][1]["fillColor"],
            "town": TOWN_COLOUR,
            "ground": SWATCH_GROUND_COLOUR,
            "edge": SWATCH_EDGE_COLOUR,
        },
    )
