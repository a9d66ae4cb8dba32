"""Areas of a scenario: the expressions a rule names, read from and written to TOML.

A scenario rule names an *area*. This module owns the area expressions (frozen
dataclasses: :class:`Country`, :class:`Baseline`, :class:`Regions`, :class:`Claim`,
:class:`Intersection`, :class:`Union`, :class:`Difference`, :class:`Strip`,
:class:`Circle`), how they are parsed and validated, and how they are written back. How an
area becomes geometry over a baseline is :mod:`territory_viz.geography`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeAlias

import numpy as np

from territory_viz._messages import is_number, short, type_name
from territory_viz.model import REGION_NAMES

#: Widest strip along the line of contact a scenario may ask for, km (each side).
MAX_STRIP_KM = 100.0
#: Largest circle radius a scenario may ask for, km.
MAX_RADIUS_KM = 100.0
#: Deepest nesting of intersections/unions/differences in one area.
MAX_AREA_DEPTH = 6
#: Most nodes (leaves and operators) in one area expression.
MAX_AREA_NODES = 64
#: Most strips, circles and snapshots (the areas that cost geometry) in one scenario.
MAX_CUTS = 16

#: Pieces smaller than this (km²) are numerical slivers of geometric operations, dropped.
SLIVER_KM2 = 1e-6

#: Names of area strings usable on their own: ``area = "baseline"``.
AREA_KEYWORDS = ("country", "baseline")
#: Keys that make an area table, exactly one per table.
AREA_KINDS = (
    "regions",
    "claim",
    "snapshot",
    "intersection",
    "union",
    "difference",
    "strip_km",
    "circle_km",
)

PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


#: Tolerance (m) by which the line of contact is simplified before a strip is buffered.
STRIP_LINE_TOLERANCE_M = 50.0


class StripSide(StrEnum):
    """Which side of the line of contact a strip covers."""

    BOTH = "both"
    RUSSIA = "russia"  # the side inside the baseline (Russian-held)
    UKRAINE = "ukraine"  # the side outside it (Ukrainian-held)


# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class ParamRef:
    """A reference to a scenario parameter, e.g. ``strip_km = "buffer_km"``."""

    name: str


Number: TypeAlias = float | ParamRef


@dataclass(frozen=True)
class Country:
    """The whole of Ukraine (all 27 regions)."""


@dataclass(frozen=True)
class Baseline:
    """The baseline control snapshot: territory under Russian military control."""


@dataclass(frozen=True)
class Regions:
    """Whole regions by ISO 3166-2 code."""

    codes: tuple[str, ...]


@dataclass(frozen=True)
class Claim:
    """A claim layer (``russia-claim``): the regions it covers in full administrative borders."""

    claim_id: str


@dataclass(frozen=True)
class Snapshot:
    """A control snapshot other than the baseline, e.g. ``occupied-2022-02-23``."""

    snapshot_id: str


@dataclass(frozen=True)
class Intersection:
    """What all of ``items`` share."""

    items: tuple[Area, ...]


@dataclass(frozen=True)
class Union:
    """What any of ``items`` covers."""

    items: tuple[Area, ...]


@dataclass(frozen=True)
class Difference:
    """The first item minus every following one."""

    items: tuple[Area, ...]


@dataclass(frozen=True)
class Strip:
    """A strip ``width_km`` wide on one or both sides of the baseline's line of contact."""

    width_km: Number
    side: StripSide = StripSide.BOTH


@dataclass(frozen=True)
class Circle:
    """A disc of ``radius_km`` around a point (e.g. the Zaporizhzhia nuclear plant)."""

    lat: float
    lon: float
    radius_km: Number


Area: TypeAlias = (
    Country
    | Baseline
    | Regions
    | Claim
    | Snapshot
    | Intersection
    | Union
    | Difference
    | Strip
    | Circle
)


# --------------------------------------------------------------------------- parsing


def _number(
    value: object,
    where: str,
    problems: list[str],
    *,
    parameters: Mapping[str, float],
    low: float,
    high: float,
    unit: str,
    allow_param: bool = True,
) -> Number | None:
    """Read a bounded number or a parameter name; record a problem if neither."""
    allowed = f"a number > {low:g} and <= {high:g} ({unit})"
    if allow_param:
        allowed += " or the name of a parameter"
    if isinstance(value, str) and allow_param:
        if value not in parameters:
            known = ", ".join(sorted(parameters)) or "none defined"
            problems.append(f"{where}: unknown parameter {value!r}; parameters: {known}")
            return None
        resolved = parameters[value]
        if is_number(resolved) and not (low < resolved <= high):
            problems.append(
                f"{where}: parameter {value!r} = {resolved:g} is out of range; allowed: {allowed}"
            )
            return None
        return ParamRef(value)
    if not is_number(value) or not np.isfinite(value):
        problems.append(f"{where}: {value!r} is not {allowed}")
        return None
    if not (low < float(value) <= high):
        problems.append(f"{where}: {value:g} is out of range; allowed: {allowed}")
        return None
    return float(value)


def parse_area(
    value: object,
    where: str,
    problems: list[str],
    *,
    parameters: Mapping[str, float],
    claim_ids: Iterable[str],
    snapshot_ids: Iterable[str] = (),
    _depth: int = 0,
    _budget: list[int] | None = None,
) -> Area | None:
    """Read one area expression from its TOML value, recording every problem found.

    Parameters
    ----------
    value
        The TOML value: ``"country"``, ``"baseline"`` or a table with exactly one of
        :data:`AREA_KINDS` as key.
    where
        Field path for messages, e.g. ``rules[2].area``.
    problems
        List the problems are appended to.
    parameters
        The scenario's parameters (name -> default), for ``strip_km = "buffer_km"``.
    claim_ids
        Claim layers that exist.
    snapshot_ids
        Control snapshots that exist.

    Returns
    -------
    Area or None
        ``None`` when the expression has problems (they are in ``problems``).
    """
    claim_ids = tuple(claim_ids)
    snapshot_ids = tuple(snapshot_ids)
    budget = _budget if _budget is not None else [MAX_AREA_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        if budget[0] == -1:
            problems.append(f"{where}: area too complex; allowed: at most {MAX_AREA_NODES} parts")
        return None
    if _depth > MAX_AREA_DEPTH:
        problems.append(f"{where}: areas nested too deeply; allowed: at most {MAX_AREA_DEPTH}")
        return None
    allowed_forms = f'"country", "baseline", or a table with one of: {", ".join(AREA_KINDS)}'
    if isinstance(value, str):
        if value == "country":
            return Country()
        if value == "baseline":
            return Baseline()
        hint = ""
        if value in REGION_NAMES:
            hint = f' (for a region write {{ regions = ["{value}"] }})'
        elif value in claim_ids:
            hint = f' (for a claim write {{ claim = "{value}" }})'
        problems.append(f"{where}: unknown area {short(value)}{hint}; allowed: {allowed_forms}")
        return None
    if not isinstance(value, dict):
        problems.append(f"{where}: {type_name(value)} is not an area; allowed: {allowed_forms}")
        return None
    kinds = [k for k in value if k in AREA_KINDS]
    if len(kinds) != 1:
        found = ", ".join(short(k) for k in value) or "an empty table"
        problems.append(
            f"{where}: an area table needs exactly one of {', '.join(AREA_KINDS)}; found {found}"
        )
        return None
    kind = kinds[0]
    extra_allowed = {"strip_km": {"side"}, "circle_km": {"lat", "lon"}}.get(kind, set())
    for key in value:
        if key != kind and key not in extra_allowed:
            allowed_keys = ", ".join([kind, *sorted(extra_allowed)])
            problems.append(
                f"{where}: unknown key {short(key)} for a {kind} area; allowed: {allowed_keys}"
            )
    body = value[kind]
    sub = f"{where}.{kind}"
    if kind == "regions":
        if isinstance(body, str):
            body = [body]
        if not isinstance(body, list) or not body:
            problems.append(
                f"{sub}: expected a non-empty list of ISO 3166-2 codes (UA-05 ... UA-77)"
            )
            return None
        codes: list[str] = []
        bad = False
        for i, code in enumerate(body[:64]):
            if not isinstance(code, str) or code not in REGION_NAMES:
                problems.append(
                    f"{sub}[{i}]: unknown region {short(code)}; allowed: {', '.join(REGION_NAMES)}"
                )
                bad = True
            elif code not in codes:
                codes.append(code)
        if len(body) > 64:
            problems.append(f"{sub}: too many entries ({len(body)}); allowed: at most 27 regions")
            bad = True
        return None if bad else Regions(tuple(sorted(codes)))
    if kind == "claim":
        if not isinstance(body, str) or body not in claim_ids:
            problems.append(f"{sub}: unknown claim {short(body)}; allowed: {', '.join(claim_ids)}")
            return None
        return Claim(body)
    if kind == "snapshot":
        if not isinstance(body, str) or body not in snapshot_ids:
            problems.append(
                f"{sub}: unknown snapshot {short(body)}; allowed: "
                f"{', '.join(snapshot_ids) or 'none available'}"
            )
            return None
        return Snapshot(body)
    if kind in ("intersection", "union", "difference"):
        if not isinstance(body, list) or len(body) < 2:
            problems.append(f"{sub}: expected a list of at least two areas")
            return None
        items = [
            parse_area(
                item,
                f"{sub}[{i}]",
                problems,
                parameters=parameters,
                claim_ids=claim_ids,
                snapshot_ids=snapshot_ids,
                _depth=_depth + 1,
                _budget=budget,
            )
            for i, item in enumerate(body[:MAX_AREA_NODES])
        ]
        if any(item is None for item in items):
            return None
        parts = tuple(item for item in items if item is not None)
        if kind == "intersection":
            return Intersection(parts)
        return Union(parts) if kind == "union" else Difference(parts)
    if kind == "strip_km":
        width = _number(
            body,
            sub,
            problems,
            parameters=parameters,
            low=0.0,
            high=MAX_STRIP_KM,
            unit="km on each side",
        )
        side_value = value.get("side", "both")
        try:
            side = StripSide(side_value)
        except (ValueError, TypeError):
            problems.append(
                f"{where}.side: unknown side {short(side_value)}; allowed: "
                f"{', '.join(s.value for s in StripSide)}"
            )
            return None
        return None if width is None else Strip(width, side)
    # circle_km
    radius = _number(
        body, sub, problems, parameters=parameters, low=0.0, high=MAX_RADIUS_KM, unit="km"
    )
    lat = _coordinate(value, "lat", where, problems, -90, 90)
    lon = _coordinate(value, "lon", where, problems, -180, 180)
    if radius is None or lat is None or lon is None:
        return None
    return Circle(lat, lon, radius)


def _coordinate(
    table: dict, key: str, where: str, problems: list[str], low: float, high: float
) -> float | None:
    if key not in table:
        problems.append(f"{where}: missing field {key!r} (degrees, {low} to {high})")
        return None
    value = table[key]
    if not is_number(value) or not np.isfinite(value) or not low <= value <= high:
        problems.append(
            f"{where}.{key}: {short(value)} is not a number of degrees from {low} to {high}"
        )
        return None
    return float(value)


def resolve_area(area: Area, parameters: Mapping[str, float]) -> Area:
    """Replace parameter references by their values (for caching and evaluation)."""
    match area:
        case Strip(width_km=ParamRef(name=name)):
            return Strip(float(parameters[name]), area.side)
        case Circle(radius_km=ParamRef(name=name)):
            return Circle(area.lat, area.lon, float(parameters[name]))
        case Intersection() | Union() | Difference():
            return type(area)(tuple(resolve_area(i, parameters) for i in area.items))
        case _:
            return area


def count_cuts(area: Area) -> int:
    """Count the strips, circles and snapshots in an area (the parts that cost geometry)."""
    match area:
        case Strip() | Circle() | Snapshot():
            return 1
        case Intersection() | Union() | Difference():
            return sum(count_cuts(i) for i in area.items)
        case _:
            return 0


def area_parameters(area: Area) -> set[str]:
    """Names of the parameters an area refers to."""
    match area:
        case Strip(width_km=ParamRef(name=name)) | Circle(radius_km=ParamRef(name=name)):
            return {name}
        case Intersection() | Union() | Difference():
            return set().union(*(area_parameters(i) for i in area.items))
        case _:
            return set()


# --------------------------------------------------------------------------- writing


def toml_string(text: str) -> str:
    """Quote ``text`` as a TOML basic string (TOML forbids raw control characters)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_number(value: float) -> str:
    """Write a number so that TOML reads back the same float."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def area_to_toml(area: Area) -> str:
    """Write an area as a TOML inline value that :func:`parse_area` reads back equal."""

    def num(value: Number) -> str:
        return toml_string(value.name) if isinstance(value, ParamRef) else toml_number(value)

    match area:
        case Country():
            return '"country"'
        case Baseline():
            return '"baseline"'
        case Regions(codes=codes):
            return "{ regions = [" + ", ".join(toml_string(c) for c in codes) + "] }"
        case Claim(claim_id=claim_id):
            return "{ claim = " + toml_string(claim_id) + " }"
        case Snapshot(snapshot_id=snapshot_id):
            return "{ snapshot = " + toml_string(snapshot_id) + " }"
        case Intersection() | Union() | Difference():
            kind = type(area).__name__.lower()
            return "{ " + kind + " = [" + ", ".join(area_to_toml(i) for i in area.items) + "] }"
        case Strip(width_km=width, side=side):
            return "{ strip_km = " + num(width) + ", side = " + toml_string(side.value) + " }"
        case Circle(lat=lat, lon=lon, radius_km=radius):
            return (
                "{ circle_km = "
                + num(radius)
                + ", lat = "
                + toml_number(lat)
                + ", lon = "
                + toml_number(lon)
                + " }"
            )
    raise TypeError(f"not an area: {area!r}")


def __getattr__(name: str) -> Any:
    """Forward the names that moved to :mod:`territory_viz.geography` (``areas.Geography``...).

    ``geography.__all__`` is the one list of them.
    """
    from territory_viz import geography

    if name in geography.__all__:
        return getattr(geography, name)
    raise AttributeError(f"module 'territory_viz.areas' has no attribute {name!r}")
