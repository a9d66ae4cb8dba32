"""Scenarios: read and validate scenario files, write them back, evaluate them into partitions.

A scenario is an ordered list of rules; each rule names an area (see
:mod:`territory_viz.areas`) and the outcome there: who would control it and what each
party would recognise about Russian control of it. Later rules win; anything no rule
covers stays under Ukrainian control with no recognition. Evaluating a scenario against a
baseline control snapshot gives a **partition** of Ukraine: one row per (region, baseline
control, outcome) piece, every point of the country in exactly one piece.

Scenario files are TOML (read with :mod:`tomllib`); the built-in ones live in
``data/scenarios/<id>.toml``. The validator collects every problem in a file and raises
one :class:`~territory_viz._errors.ValidationError` naming the file, each field and what
is allowed.
"""

from __future__ import annotations

import re
import sys
import time
import tomllib
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from territory_viz import areas as A
from territory_viz import geography as G
from territory_viz._errors import DataFileError, ValidationError
from territory_viz._messages import MAX_ABS_NUMBER, is_number, short, type_name
from territory_viz.model import CRS_GEOGRAPHIC, DATA_DIR, Control, Party, Recognition
from territory_viz.textsafe import invisible_characters

#: Where the built-in scenario files live.
SCENARIO_DIR = DATA_DIR / "scenarios"

#: The built-in scenarios, in the order the page and the CLI list them.
BUILTIN_IDS = (
    "ceasefire-current-line",
    "ukraine-1991-borders",
    "donbas-for-freeze",
    "land-swap",
    "de-facto-not-de-jure",
    "us-final-offer-2025-04",
    "28-point-plan-2025-11",
    "russia-claim-in-full",
    "ceasefire-with-dmz",
)

#: Ids no scenario file may take: ``baseline`` is the baseline itself in compare mode.
RESERVED_IDS = ("baseline",)

#: Largest scenario file accepted, bytes.
MAX_FILE_BYTES = 64 * 1024
#: Most rules in one scenario.
MAX_RULES = 50
#: Most sources in one scenario.
MAX_SOURCES = 20
#: Most parameters in one scenario.
MAX_PARAMETERS = 16
#: Longest text per field, characters.
MAX_TEXT = {
    "id": 64,
    "title": 200,
    "summary": 2000,
    "publisher": 200,
    "source title": 300,
    "quote": 1000,
    "url": 500,
    "note": 500,
    "parameter": 40,
    "reading": 1000,
}
#: Seconds a single evaluation may take before it is abandoned (hostile files).
DEFAULT_TIMEOUT_S = 10.0

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URL = re.compile(r"^https?://[^\s\"<>]+$")

_TOP_KEYS = ("id", "title", "summary", "reading", "as_of", "sources", "rules", "parameters")
_SOURCE_KEYS = ("publisher", "date", "title", "quote", "url")
_RULE_KEYS = ("area", "control", "recognition", "note", "reading")

#: What each party is assumed to recognise where a rule gives no ``recognition`` for it.
_STRONGEST_FIRST = (Recognition.DE_JURE, Recognition.DE_FACTO, Recognition.NONE)


# --------------------------------------------------------------------------- objects


@dataclass(frozen=True)
class Source:
    """Who proposed or reported a scenario, and where.

    Attributes
    ----------
    publisher
        E.g. ``CNBC``, ``Axios``, ``United Nations General Assembly``.
    date
        Publication date.
    title
        Headline or document title.
    quote
        A short exact quote ("" if none).
    url
        Web address ("" if none).
    """

    publisher: str
    date: date
    title: str
    quote: str = ""
    url: str = ""


@dataclass(frozen=True)
class Rule:
    """One rule: an area and the outcome there.

    Attributes
    ----------
    area
        Where the rule applies (see :mod:`territory_viz.areas`).
    control
        Who would hold it on the ground.
    recognition
        ``(party, level)`` for every party, in :class:`~territory_viz.model.Party` order:
        what each party would recognise about Russian control there.
    note
        Optional one-line explanation shown with the rule.
    reading
        Where the rule goes beyond what its sources say, this project's reading of them,
        said plainly ("" if the rule only follows the sources).
    """

    area: A.Area
    control: Control
    recognition: tuple[tuple[Party, Recognition], ...]
    note: str = ""
    reading: str = ""

    @classmethod
    def of(
        cls,
        area: A.Area,
        control: Control,
        recognition: Mapping[Party, Recognition] | None = None,
        *,
        note: str = "",
        reading: str = "",
    ) -> Rule:
        """Make a rule in code, filling omitted parties as a scenario file does.

        Examples
        --------
        >>> from territory_viz.areas import Regions
        >>> rule = Rule.of(Regions(("UA-14",)), Control.RUSSIA,
        ...                {Party.UNITED_STATES: Recognition.DE_FACTO})
        >>> rule.level(Party.RUSSIA).value
        'de_jure'
        """
        levels = default_recognition(control) | dict(recognition or {})
        return cls(area, control, tuple((p, Recognition(levels[p])) for p in Party), note, reading)

    def level(self, party: Party) -> Recognition:
        """Return what ``party`` recognises about Russian control of this rule's area."""
        return dict(self.recognition)[party]


@dataclass(frozen=True)
class Scenario:
    """A settlement scenario: sources and an ordered list of rules (later rules win).

    Attributes
    ----------
    id
        Slug, e.g. ``donbas-for-freeze``.
    title, summary
        Plain text (never HTML: callers escape it where they show it).
    as_of
        The date the scenario describes.
    sources
        Who proposed or reported it.
    rules
        The rules, applied in order; anything no rule covers stays Ukrainian.
    parameters
        Named numbers rules refer to (e.g. ``buffer_km``), with their current values.
    reading
        Where the scenario as a whole goes beyond its sources, this project's reading of
        them, said plainly ("" if none); rules carry their own.
    """

    id: str
    title: str
    summary: str
    as_of: date
    sources: tuple[Source, ...]
    rules: tuple[Rule, ...]
    # Excluded from the hash (a dict is unhashable) but compared: equal scenarios hash equal.
    parameters: dict[str, float] = field(default_factory=dict, hash=False)
    reading: str = ""

    def readings(self) -> list[str]:
        """Every reading of the scenario, its own first, then each rule's (in rule order)."""
        found = [self.reading] if self.reading else []
        found += [rule.reading for rule in self.rules if rule.reading]
        return list(dict.fromkeys(found))

    def with_parameters(self, **values: float) -> Scenario:
        """Return a copy with some parameters changed (e.g. ``buffer_km=20``), validated.

        Raises
        ------
        ValidationError
            Unknown parameter, or a value out of the range where it is used.
        """
        problems = []
        params = dict(self.parameters)
        for name, value in values.items():
            if name not in params:
                problems.append(
                    f"parameters.{name}: unknown parameter; parameters: "
                    f"{', '.join(sorted(params)) or 'none defined'}"
                )
            elif not is_number(value) or not np.isfinite(value):
                problems.append(f"parameters.{name}: {short(value)} is not a number")
            else:
                params[name] = float(value)
        if not problems:
            for i, rule in enumerate(self.rules):
                _check_parameter_ranges(rule.area, f"rules[{i}].area", params, problems)
        if problems:
            raise ValidationError(self.id, problems)
        return replace(self, parameters=params)


def default_recognition(control: Control) -> dict[Party, Recognition]:
    """Recognition assumed when a rule omits it.

    Where Russia would control an area, Russia recognises it de jure and no other party
    recognises anything; elsewhere no party recognises anything.
    """
    levels = dict.fromkeys(Party, Recognition.NONE)
    if control is Control.RUSSIA:
        levels[Party.RUSSIA] = Recognition.DE_JURE
    return levels


def display_class(control: Control, recognition: Mapping[Party, Recognition]) -> str:
    """Return the map class of an outcome.

    That is the control, and for Russian control the strongest recognition by any party
    other than Russia: ``russia/de_jure``, ``russia/de_facto`` or ``russia/none``.
    """
    if control is not Control.RUSSIA:
        return control.value
    others = {level for party, level in recognition.items() if party is not Party.RUSSIA}
    strongest = next(
        level for level in _STRONGEST_FIRST if level in others or level is Recognition.NONE
    )
    return f"russia/{strongest.value}"


# --------------------------------------------------------------------------- parsing


def parse_scenario(
    text_or_path: str | bytes | Path,
    *,
    source_name: str | None = None,
) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    text_or_path
        A :class:`~pathlib.Path`, TOML text (``str`` or ``bytes``), or a ``str`` naming a
        file (a non-blank single line with no ``=`` is taken as a path).
    source_name
        Name used in messages (defaults to the file name, or ``"<scenario>"``).

    Returns
    -------
    Scenario

    Raises
    ------
    ValidationError
        Listing every problem found, each with the field and what is allowed.
    """
    source = source_name
    if (
        isinstance(text_or_path, str)
        and text_or_path.strip()
        and "\n" not in text_or_path
        and "=" not in text_or_path
    ):
        text_or_path = Path(text_or_path)
    if isinstance(text_or_path, Path):
        source = source or str(text_or_path)
        try:
            if text_or_path.stat().st_size > MAX_FILE_BYTES:
                raise ValidationError(source, [_too_large(text_or_path.stat().st_size)])
            raw: str | bytes = text_or_path.read_bytes()
        except OSError as exc:
            raise ValidationError(source, [f"cannot read the file ({exc.strerror})"]) from None
    else:
        raw = text_or_path
    source = source or "<scenario>"
    if isinstance(raw, str):
        size = len(raw.encode("utf-8", "surrogatepass"))
    else:
        size = len(raw)
    if size > MAX_FILE_BYTES:
        raise ValidationError(source, [_too_large(size)])
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                source, [f"not UTF-8 text (byte {exc.start}); allowed: a UTF-8 TOML file"]
            ) from None
    raw = raw.removeprefix("\ufeff")
    if not raw.strip():
        raise ValidationError(
            source,
            [
                "the file is empty; allowed: a scenario with id, title, summary, as_of, "
                "[[sources]] and [[rules]] (see data/scenarios/)"
            ],
        )
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(source, [f"not valid TOML: {exc}"]) from None
    except ValueError:  # an integer over Python's 4,300-digit conversion limit
        raise ValidationError(source, [_huge_number(raw)]) from None
    except (RecursionError, MemoryError):
        raise ValidationError(source, ["TOML nested too deeply"]) from None
    return scenario_from_dict(data, source=source)


def _too_large(size: int) -> str:
    return (
        f"file too large: {size:,} bytes; allowed: at most {MAX_FILE_BYTES:,} bytes "
        f"({MAX_FILE_BYTES // 1024} KB)"
    )


def _huge_number(raw: str) -> str:
    """Say where the number too long to read is (tomllib's error does not)."""
    found = re.search(r"([A-Za-z0-9_.\"'-]{1,80})\s*=\s*[-+]?\d[\d_]{40,}", raw)
    if found is None:
        return "a number too long to read; allowed: numbers of at most a few digits"
    line = raw.count("\n", 0, found.start()) + 1
    return (
        f"{short(found.group(1).strip())} (line {line}): a number of more than 4,300 "
        f"digits; allowed: a number from 0 to {MAX_ABS_NUMBER:g}"
    )


def scenario_from_dict(data: Mapping[str, Any], *, source: str = "<scenario>") -> Scenario:
    """Validate a parsed TOML document into a :class:`Scenario` (see :func:`parse_scenario`).

    Raises
    ------
    ValidationError
        Listing every problem found.
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise ValidationError(source, ["a scenario is a TOML table"])
    _unknown_keys(data, _TOP_KEYS, "", problems)

    scenario_id = _text(data, "id", "id", problems)
    if scenario_id is not None and not _SLUG.fullmatch(scenario_id):
        hidden = invisible_characters(scenario_id)
        problems.append(
            f"id: {short(scenario_id)} is not a slug"
            + (f" (it contains invisible characters {', '.join(hidden)})" if hidden else "")
            + "; allowed: lower-case letters, digits and single hyphens, "
            "e.g. my-variant"
        )
    elif scenario_id in RESERVED_IDS:
        problems.append(
            f"id: {scenario_id!r} is reserved (it names the baseline itself in "
            "compare mode); allowed: any other slug, e.g. my-variant"
        )
    title = _text(data, "title", "title", problems)
    summary = _text(data, "summary", "summary", problems)
    reading = _text(data, "reading", "reading", problems, required=False) or ""
    as_of = _date(data, "as_of", "as_of", problems)

    parameters: dict[str, float] = {}
    raw_params = data.get("parameters", {})
    if not isinstance(raw_params, Mapping):
        problems.append("parameters: expected a table of name = number, e.g. buffer_km = 15")
    elif len(raw_params) > MAX_PARAMETERS:
        problems.append(
            f"parameters: {len(raw_params)} parameters; allowed: at most {MAX_PARAMETERS}"
        )
    else:
        for name, value in raw_params.items():
            if not A.PARAM_NAME.fullmatch(str(name)):
                problems.append(
                    f"parameters.{short(name)}: not a valid name; allowed: "
                    "lower-case letters, digits and _, starting with a letter"
                )
            elif not is_number(value) or not np.isfinite(value):
                problems.append(f"parameters.{name}: {short(value)} is not a number")
            else:
                parameters[name] = float(value)

    sources: list[Source] = []
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        problems.append("sources: expected an array of tables ([[sources]])")
    elif len(raw_sources) > MAX_SOURCES:
        problems.append(f"sources: {len(raw_sources)} sources; allowed: at most {MAX_SOURCES}")
    else:
        for i, item in enumerate(raw_sources):
            parsed = _source(item, f"sources[{i}]", problems)
            if parsed is not None:
                sources.append(parsed)

    rules: list[Rule] = []
    claim_ids = G.claim_ids()
    snapshot_ids = G.snapshot_ids()
    raw_rules = data.get("rules")
    if raw_rules is None:
        problems.append("rules: missing field; allowed: one or more [[rules]] tables")
    elif not isinstance(raw_rules, list) or not raw_rules:
        problems.append("rules: expected one or more [[rules]] tables")
    elif len(raw_rules) > MAX_RULES:
        problems.append(f"rules: {len(raw_rules)} rules; allowed: at most {MAX_RULES}")
    else:
        for i, item in enumerate(raw_rules):
            parsed_rule = _rule(item, f"rules[{i}]", problems, parameters, claim_ids, snapshot_ids)
            if parsed_rule is not None:
                rules.append(parsed_rule)

    cuts = sum(A.count_cuts(rule.area) for rule in rules)
    if cuts > A.MAX_CUTS:
        problems.append(
            f"rules: {cuts} strips, circles and snapshots; allowed: at most "
            f"{A.MAX_CUTS} per scenario"
        )
    if problems:
        raise ValidationError(source, problems)
    # With no problems recorded, every required field was read.
    assert scenario_id is not None and title is not None and summary is not None
    return Scenario(
        id=scenario_id,
        title=title,
        summary=summary,
        as_of=as_of,  # type: ignore[arg-type]
        sources=tuple(sources),
        rules=tuple(rules),
        parameters=parameters,
        reading=reading,
    )


def _text(
    table: Mapping[str, Any],
    key: str,
    where: str,
    problems: list[str],
    *,
    required: bool = True,
    limit_key: str | None = None,
) -> str | None:
    limit = MAX_TEXT[limit_key or key]
    if key not in table:
        if required:
            problems.append(f"{where}: missing field (text)")
        return None
    value = table[key]
    if not isinstance(value, str):
        problems.append(f"{where}: {type_name(value)} is not text; allowed: a string")
        return None
    if required and not value.strip():
        problems.append(f"{where}: empty; allowed: a non-empty string")
        return None
    if len(value) > limit:
        problems.append(f"{where}: {len(value)} characters; allowed: at most {limit}")
        return None
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        problems.append(f"{where}: contains an invalid character (lone surrogate)")
        return None
    return value


def _date(table: Mapping[str, Any], key: str, where: str, problems: list[str]) -> date | None:
    if key not in table:
        problems.append(f"{where}: missing field (a date, YYYY-MM-DD)")
        return None
    value = table[key]
    if isinstance(value, datetime):
        problems.append(f"{where}: a date-time; allowed: a date, YYYY-MM-DD")
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(
        f"{where}: {short(value)} is not a date; allowed: YYYY-MM-DD (a string or a TOML date)"
    )
    return None


def _unknown_keys(item: Mapping, allowed: Sequence[str], prefix: str, problems: list[str]) -> None:
    """Name each key of ``item`` that is not ``allowed`` (``prefix`` says where it sits)."""
    problems.extend(
        f"{prefix}{short(key)}: unknown key; allowed: {', '.join(allowed)}"
        for key in item
        if key not in allowed
    )


def _source(item: object, where: str, problems: list[str]) -> Source | None:
    if not isinstance(item, Mapping):
        problems.append(f"{where}: expected a table with {', '.join(_SOURCE_KEYS)}")
        return None
    before = len(problems)
    _unknown_keys(item, _SOURCE_KEYS, f"{where}.", problems)
    publisher = _text(item, "publisher", f"{where}.publisher", problems)
    when = _date(item, "date", f"{where}.date", problems)
    title = _text(item, "title", f"{where}.title", problems, limit_key="source title")
    quote = _text(item, "quote", f"{where}.quote", problems, required=False)
    url = _text(item, "url", f"{where}.url", problems, required=False)
    if url and not _URL.fullmatch(url):
        problems.append(
            f"{where}.url: {short(url)} is not a web address; allowed: http:// or https:// URLs"
        )
    if len(problems) > before:
        return None
    return Source(publisher, when, title, quote or "", url or "")  # type: ignore[arg-type]


def _rule(
    item: object,
    where: str,
    problems: list[str],
    parameters: Mapping[str, float],
    claim_ids: tuple[str, ...],
    snapshot_ids: tuple[str, ...],
) -> Rule | None:
    if not isinstance(item, Mapping):
        problems.append(f"{where}: expected a table with area, control and optional recognition")
        return None
    before = len(problems)
    _unknown_keys(item, _RULE_KEYS, f"{where}.", problems)
    area = None
    if "area" not in item:
        problems.append(
            f'{where}: rule with no area; allowed: "country", "baseline" or '
            f"a table with one of {', '.join(A.AREA_KINDS)}"
        )
    else:
        area = A.parse_area(
            item["area"],
            f"{where}.area",
            problems,
            parameters=parameters,
            claim_ids=claim_ids,
            snapshot_ids=snapshot_ids,
        )
    control = None
    controls = ", ".join(c.value for c in Control)
    if "control" not in item:
        problems.append(f"{where}.control: missing field; allowed: {controls}")
    else:
        try:
            control = Control(item["control"])
        except (ValueError, TypeError):
            problems.append(
                f"{where}.control: unknown control {short(item['control'])}; allowed: {controls}"
            )
    levels = default_recognition(control or Control.UKRAINE)
    raw = item.get("recognition", {})
    if not isinstance(raw, Mapping):
        problems.append(
            f"{where}.recognition: expected a table party = level, e.g. "
            '{ russia = "de_jure", united_states = "de_facto" }'
        )
    else:
        allowed_levels = ", ".join(r.value for r in Recognition)
        for key, value in raw.items():
            try:
                party = Party(key)
            except ValueError:
                problems.append(
                    f"{where}.recognition: unknown party {short(key)}; allowed: "
                    f"{', '.join(p.value for p in Party)}"
                )
                continue
            try:
                levels[party] = Recognition(value)
            except (ValueError, TypeError):
                problems.append(
                    f"{where}.recognition.{key}: unknown recognition level "
                    f"{short(value)}; allowed: {allowed_levels}"
                )
        if control is Control.UKRAINE and any(levels[p] is not Recognition.NONE for p in Party):
            problems.append(
                f"{where}.recognition: recognition records what a party accepts "
                "about Russian control; where control is ukraine every level must "
                "be none"
            )
    note = _text(item, "note", f"{where}.note", problems, required=False) or ""
    reading = _text(item, "reading", f"{where}.reading", problems, required=False) or ""
    if len(problems) > before or area is None or control is None:
        return None
    return Rule(area, control, tuple((p, levels[p]) for p in Party), note, reading)


def _check_parameter_ranges(
    area: A.Area, where: str, params: Mapping[str, float], problems: list[str]
) -> None:
    for name in sorted(A.area_parameters(area)):
        value = params[name]
        if not 0 < value <= A.MAX_STRIP_KM:
            problems.append(
                f"parameters.{name}: {value:g} is out of range for {where}; "
                f"allowed: a number > 0 and <= {A.MAX_STRIP_KM:g} (km)"
            )


# --------------------------------------------------------------------------- writing


def scenario_to_toml(scenario: Scenario) -> str:
    """Write a scenario as TOML that :func:`parse_scenario` reads back to an equal object."""
    s = A.toml_string
    lines = [
        f"id = {s(scenario.id)}",
        f"title = {s(scenario.title)}",
        f"summary = {s(scenario.summary)}",
    ]
    if scenario.reading:
        lines.append(f"reading = {s(scenario.reading)}")
    lines.append(f"as_of = {scenario.as_of.isoformat()}")
    if scenario.parameters:
        lines += ["", "[parameters]"]
        lines += [f"{name} = {A.toml_number(value)}" for name, value in scenario.parameters.items()]
    for source in scenario.sources:
        lines += [
            "",
            "[[sources]]",
            f"publisher = {s(source.publisher)}",
            f"date = {source.date.isoformat()}",
            f"title = {s(source.title)}",
        ]
        if source.quote:
            lines.append(f"quote = {s(source.quote)}")
        if source.url:
            lines.append(f"url = {s(source.url)}")
    for rule in scenario.rules:
        lines += ["", "[[rules]]"]
        if rule.note:
            lines.append(f"note = {s(rule.note)}")
        if rule.reading:
            lines.append(f"reading = {s(rule.reading)}")
        lines.append(f"area = {A.area_to_toml(rule.area)}")
        lines.append(f"control = {s(rule.control.value)}")
        levels = ", ".join(f"{party.value} = {s(level.value)}" for party, level in rule.recognition)
        lines.append(f"recognition = {{ {levels} }}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- built-ins


@cache
def _builtins() -> dict[str, Scenario]:
    found: dict[str, Scenario] = {}
    for scenario_id in BUILTIN_IDS:
        path = SCENARIO_DIR / f"{scenario_id}.toml"
        if not path.exists():
            raise DataFileError(path, "built-in scenario file is missing")
        try:
            scenario = parse_scenario(path)
        except ValidationError as exc:
            raise DataFileError(path, str(exc)) from None
        if scenario.id != scenario_id:
            raise DataFileError(path, f"id {scenario.id!r} does not match the file name")
        found[scenario_id] = scenario
    return found


def list_scenarios() -> list[Scenario]:
    """Return the built-in scenarios, in :data:`BUILTIN_IDS` order."""
    return list(_builtins().values())


def get_scenario(scenario_id: str) -> Scenario:
    """Return a built-in scenario by id.

    Raises
    ------
    ValidationError
        Unknown id (the message lists the known ones).
    """
    scenarios = _builtins()
    if scenario_id not in scenarios:
        raise ValidationError(
            "scenario", [f"unknown scenario {short(scenario_id)}; allowed: {', '.join(scenarios)}"]
        )
    return scenarios[scenario_id]


# --------------------------------------------------------------------------- evaluation

_REC_COLUMNS = {party: f"rec_{party.value}" for party in Party}
#: Columns of a partition, in order (plus ``geometry``).
PARTITION_COLUMNS = (
    "iso_code",
    "region",
    "baseline_control",
    "control",
    *_REC_COLUMNS.values(),
    "display_class",
    "area_km2",
    "population",
)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A scenario evaluated against a baseline, with what statistics need besides the partition.

    Attributes
    ----------
    partition
        The partition (see :func:`evaluate`).
    geoms
        The pieces' equal-area geometry, aligned with the partition's rows.
    atom
        For each piece, the baseline atom it lies in.
    settlement_piece
        For each settlement of the geography, the row of the piece it lies in (-1: none).
    """

    scenario: Scenario
    baseline: G.BaselineAtoms
    partition: gpd.GeoDataFrame
    geoms: np.ndarray
    atom: np.ndarray
    settlement_piece: np.ndarray

    @property
    def geography(self) -> G.Geography:
        """The geography the evaluation ran on."""
        return self.baseline.geography


class _Deadline:
    def __init__(self, scenario_id: str, timeout_s: float | None) -> None:
        self.scenario_id = scenario_id
        self.timeout_s = timeout_s
        self.end = None if timeout_s is None else time.perf_counter() + timeout_s

    def check(self) -> None:
        if self.end is not None and time.perf_counter() > self.end:
            raise ValidationError(
                self.scenario_id,
                [
                    f"evaluation took longer than {self.timeout_s:g} s and was stopped; "
                    "allowed: simpler areas (fewer strips, circles and nested operations)"
                ],
            )


def evaluate(
    scenario: Scenario,
    baseline: str | gpd.GeoDataFrame | None = None,
    *,
    geography: G.Geography | None = None,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
) -> gpd.GeoDataFrame:
    """Evaluate a scenario into a partition of Ukraine.

    Parameters
    ----------
    scenario
        The scenario.
    baseline
        A snapshot id (default :data:`territory_viz.datasets.DEFAULT_BASELINE`) or a
        control layer such as :func:`territory_viz.loaders.load_control_layer` returns.
    geography
        Regions, settlements and claims to evaluate on (default: the committed data).
    timeout_s
        Abandon the evaluation after this many seconds (``None``: no limit).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per (region, baseline control, outcome) piece, columns
        :data:`PARTITION_COLUMNS` and ``geometry``.

    Raises
    ------
    ValidationError
        Unknown baseline id, an unusable baseline layer, or the time limit exceeded.
    """
    return evaluate_full(scenario, baseline, geography=geography, timeout_s=timeout_s).partition


def evaluate_full(
    scenario: Scenario,
    baseline: str | gpd.GeoDataFrame | G.BaselineAtoms | None = None,
    *,
    geography: G.Geography | None = None,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
) -> Evaluation:
    """Like :func:`evaluate`, returning the :class:`Evaluation` statistics are built from."""
    if isinstance(baseline, G.BaselineAtoms):
        atoms = baseline
    else:
        geography = geography or G.default_geography()
        atoms = geography.baseline(baseline)
    geo = atoms.geography
    deadline = _Deadline(scenario.id, timeout_s)

    # Outcomes are interned: two rules with the same outcome share one index, so their
    # pieces in an atom merge into one row.
    outcome_index: dict[tuple[Control, tuple[tuple[Party, Recognition], ...]], int] = {}
    outcomes: list[tuple[Control, tuple[tuple[Party, Recognition], ...]]] = []

    def intern(control: Control, recognition: tuple[tuple[Party, Recognition], ...]) -> int:
        key = (control, recognition)
        if key not in outcome_index:
            outcome_index[key] = len(outcomes)
            outcomes.append(key)
        return outcome_index[key]

    default = intern(Control.UKRAINE, tuple(default_recognition(Control.UKRAINE).items()))
    # state[atom]: list of [outcome, geometry or None]; None means the whole atom
    state: list[list[list[Any]]] = [[[default, None]] for _ in range(len(atoms.geoms))]
    for rule in scenario.rules:
        deadline.check()
        outcome = intern(rule.control, rule.recognition)
        cut = atoms.area(A.resolve_area(rule.area, scenario.parameters), check=deadline.check)
        for atom in cut.full:
            state[atom] = [[outcome, None]]
        for atom, part in cut.partial.items():
            current = state[atom]
            if len(current) == 1 and current[0][1] is None:
                state[atom] = [[current[0][0], part.outside], [outcome, part.inside]]
                continue
            geoms = np.array([g if g is not None else part.atom for _, g in current], dtype=object)
            left = G.polygonal_array(shapely.difference(geoms, part.inside))
            kept = [
                [o, g]
                for (o, _), g in zip(current, left, strict=True)
                if shapely.area(g) / 1e6 > A.SLIVER_KM2
            ]
            state[atom] = [*kept, [outcome, part.inside]]
        deadline.check()

    rows_atom: list[int] = []
    rows_outcome: list[int] = []
    rows_geom: list[Any] = []
    for atom, pieces in enumerate(state):
        by_outcome: dict[int, list[Any]] = {}
        for outcome, geom in pieces:
            by_outcome.setdefault(outcome, []).append(geom)
        for outcome, outcome_geoms in by_outcome.items():
            rows_atom.append(atom)
            rows_outcome.append(outcome)
            rows_geom.append(
                outcome_geoms[0]
                if len(outcome_geoms) == 1
                else G.polygonal(shapely.union_all(outcome_geoms))
            )
    deadline.check()

    atom_of = np.asarray(rows_atom, dtype=int)
    whole = np.array([g is None for g in rows_geom])
    geoms_ea = np.array(
        [atoms.geoms[a] if g is None else g for a, g in zip(rows_atom, rows_geom, strict=True)],
        dtype=object,
    )
    area_km2 = np.where(whole, atoms.area_km2[atom_of], shapely.area(geoms_ea) / 1e6)

    # Settlements: a whole atom takes all of its settlements; a cut atom assigns each by
    # point-in-polygon, and the few on a boundary or just off the polygon to the nearest piece.
    settlement_piece = np.full(len(atoms.settlement_atom), -1, dtype=int)
    rows_of_atom: dict[int, list[int]] = {}
    for row, atom in enumerate(rows_atom):
        rows_of_atom.setdefault(atom, []).append(row)
    for atom, rows in rows_of_atom.items():
        members = atoms.atom_settlements[atom]
        if len(members) == 0:
            continue
        if len(rows) == 1:
            settlement_piece[members] = rows[0]
            continue
        xy = geo.settlement_xy[members]
        assigned = np.full(len(members), -1, dtype=int)
        for row in rows:
            todo = assigned < 0
            inside = shapely.contains_xy(geoms_ea[row], xy[todo, 0], xy[todo, 1])
            assigned[np.flatnonzero(todo)[inside]] = row
        left = np.flatnonzero(assigned < 0)
        if len(left):
            points = shapely.points(xy[left])
            distance = shapely.distance(geoms_ea[rows][:, None], points[None, :])
            assigned[left] = np.asarray(rows)[np.argmin(distance, axis=0)]
        settlement_piece[members] = assigned
    has_piece = settlement_piece >= 0
    settled = np.bincount(
        settlement_piece[has_piece],
        weights=geo.settlement_weight[has_piece],
        minlength=len(rows_atom),
    )
    region_of = atoms.region[atom_of]
    population = settled + geo.rural_density[region_of] * area_km2

    geoms_wgs = np.array(
        [
            atoms.geoms_wgs[a] if g is None else atoms.wgs(g)
            for a, g in zip(rows_atom, rows_geom, strict=True)
        ],
        dtype=object,
    )
    controls = [outcomes[o][0] for o in rows_outcome]
    recognitions = [dict(outcomes[o][1]) for o in rows_outcome]
    columns: dict[str, Any] = {
        "iso_code": geo.iso_codes[region_of],
        "region": geo.region_names[region_of],
        "baseline_control": [str(c) for c in atoms.control[atom_of]],
        "control": [c.value for c in controls],
    }
    for party, column in _REC_COLUMNS.items():
        columns[column] = [r[party].value for r in recognitions]
    columns["display_class"] = [
        display_class(c, r) for c, r in zip(controls, recognitions, strict=True)
    ]
    columns["area_km2"] = area_km2
    columns["population"] = population
    partition = gpd.GeoDataFrame(columns, geometry=geoms_wgs, crs=CRS_GEOGRAPHIC)
    partition.attrs.update(scenario=scenario.id, baseline=atoms.id, baseline_date=atoms.date)
    return Evaluation(scenario, atoms, partition, geoms_ea, atom_of, settlement_piece)


def baseline_scenario(*, label: str | None = None, baseline_date: str | None = None) -> Scenario:
    """Return the baseline as a scenario: control as it is.

    Russia's control is recognised de jure by Russia where it claims the land (the claim of
    2014 and 2022) and de facto elsewhere; no other party recognises it. Used to compare a
    scenario with the baseline itself (``compare baseline ID``, the page's compare view).

    Parameters
    ----------
    label
        How to name the baseline in the title (e.g. an uploaded layer's name).
    baseline_date
        The baseline's date (``YYYY-MM-DD``), the scenario's ``as_of``; default: the date
        of :data:`territory_viz.datasets.DEFAULT_BASELINE`.

    Returns
    -------
    Scenario
    """
    if baseline_date is None and label is None:
        from territory_viz import datasets

        baseline_date = datasets.snapshot_metadata(datasets.DEFAULT_BASELINE)["date"][:10]
    as_of = date.fromisoformat(baseline_date) if baseline_date else date.today()
    title = "The baseline: control as it is"
    if label:
        title = f"Baseline: control as in {label} ({baseline_date or 'undated'})"
    claim = A.Claim("russia-claim")
    russia = {Party.RUSSIA: Recognition.DE_FACTO}
    return Scenario(
        id="baseline",
        title=title,
        summary="Territory under Russian military control in the baseline; everything else "
        "under Ukrainian control. Russia's control is recognised by no other party.",
        as_of=as_of,
        sources=(),
        rules=(
            Rule.of(A.Baseline(), Control.RUSSIA, russia),
            Rule.of(A.Intersection((A.Baseline(), claim)), Control.RUSSIA),
        ),
    )


def resolve_scenario(name: str, *, scenario_file: Path | str | None = None) -> Scenario:
    """Find a scenario by id (``baseline`` included) or read it from a file.

    Raises
    ------
    ValidationError
        Unknown id or a bad file.
    """
    if scenario_file is not None:
        return parse_scenario(Path(scenario_file))
    if name == "baseline":
        return baseline_scenario()
    return get_scenario(name)


__all__ = [
    "BUILTIN_IDS",
    "DEFAULT_TIMEOUT_S",
    "MAX_FILE_BYTES",
    "MAX_RULES",
    "PARTITION_COLUMNS",
    "RESERVED_IDS",
    "Evaluation",
    "Rule",
    "Scenario",
    "Source",
    "baseline_scenario",
    "default_recognition",
    "display_class",
    "evaluate",
    "evaluate_full",
    "get_scenario",
    "list_scenarios",
    "parse_scenario",
    "resolve_scenario",
    "scenario_from_dict",
    "scenario_to_toml",
]


class _ScenariosModule(types.ModuleType):
    """The scenarios module, callable: ``tv.scenarios()`` lists the built-in scenarios.

    ``import territory_viz as tv`` offers ``tv.scenarios()``, and the package's attribute
    ``scenarios`` is also this submodule (Python sets it whenever the submodule is imported),
    so the module itself answers the call.
    """

    def __call__(self) -> list[Scenario]:
        """Return the built-in scenarios (:func:`list_scenarios`)."""
        return list_scenarios()


sys.modules[__name__].__class__ = _ScenariosModule
