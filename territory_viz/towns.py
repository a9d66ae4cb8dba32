"""Find a town by name and say who controls it on the baseline and under each scenario.

Readers ask "what happens to my town?" with whatever spelling they know: the national
transliteration (Sloviansk, Kupiansk, Huliaipole), the older one GeoNames uses (Slovyansk,
Kupyansk, Hulyaypole), the Ukrainian name in Cyrillic (Слов'янськ), or a small typo. Names are
compared by a *key* that forgets the differences between those spellings: Cyrillic is
transliterated with Ukraine's national table, then case, apostrophes, hyphens and spaces are
dropped and ``y`` is folded into ``i`` (``Kostyantynivka`` and ``Kostiantynivka`` share the key
``kostiantinivka``). Close keys (difflib) are offered when nothing matches exactly.

Several places can share a name (five Kostiantynivkas, two Huliaipoles): a city that is at
least :data:`CLEAR_WINNER_RATIO` times as populous as every other place of that name is taken
as the one meant (the others are listed); otherwise the lookup is ambiguous and the candidates
are listed with their regions, to be told apart with ``region=`` (name or ISO code).

- :func:`find_town` returns the :class:`Town` meant by a query or raises :class:`TownNotFound`
  (a :class:`~territory_viz.ValidationError` carrying ``candidates``);
- :func:`town_outcomes` says who controls it on the baseline date and under each scenario;
- :func:`town_report` is both as one JSON-ready dict (what ``python -m territory_viz town``
  prints with ``--format json``).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from territory_viz._errors import ValidationError
from territory_viz.model import REGION_NAMES

if TYPE_CHECKING:
    import geopandas as gpd

    from territory_viz.scenarios import Scenario

__all__ = [
    "CLEAR_WINNER_RATIO",
    "MAX_QUERY_CHARS",
    "Town",
    "TownNotFound",
    "find_town",
    "name_key",
    "population_note",
    "search_towns",
    "town_outcomes",
    "town_report",
]

#: A place this many times as populous as every other place of the same name is the one
#: meant (Kostiantynivka in Donetsk oblast, 67,350 people, over villages of 800-11,500).
CLEAR_WINNER_RATIO = 5.0

#: Longest query accepted (the longest Ukrainian place name is about 30 characters).
MAX_QUERY_CHARS = 80

#: How many candidates an ambiguous or failed lookup lists at most.
MAX_CANDIDATES = 8

# Ukraine's national transliteration (Cabinet of Ministers resolution 55 of 2010), lower
# case. Word-initial forms differ for є, ї, й, ю, я; "зг" is "zgh" (Zghurivka).
_UK_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_UK = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "h",
    "ґ": "g",
    "д": "d",
    "е": "e",
    "є": "ie",
    "ж": "zh",
    "з": "z",
    "и": "y",
    "і": "i",
    "ї": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ь": "",
    "ю": "iu",
    "я": "ia",
    # Russian letters, so a Russian spelling comes close enough for difflib
    "ы": "y",
    "э": "e",
    "ё": "e",
    "ъ": "",
}
_APOSTROPHES = "'’ʼ`´‘ʹ"


def _transliterate(text: str) -> str:
    out: list[str] = []
    previous_letter = False
    lowered = text.lower().replace("зг", "zgh")
    for ch in lowered:
        if ch in _APOSTROPHES:
            continue  # an apostrophe does not start a word (Слов'янськ: Sloviansk)
        if not previous_letter and ch in _UK_INITIAL:
            out.append(_UK_INITIAL[ch])
        else:
            out.append(_UK.get(ch, ch))
        previous_letter = ch.isalpha()
    return "".join(out)


def name_key(name: str) -> str:
    """Return the spelling-insensitive key names are matched by.

    ``name_key("Slovyansk") == name_key("Sloviansk") == name_key("Слов'янськ")``.
    """
    text = _transliterate(unicodedata.normalize("NFKC", str(name)))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z]", "", text.lower())
    text = text.replace("y", "i")
    # common variants of the older romanisations: Zaporozhye/Zaporizhzhia, Kharkov, -ii-
    text = re.sub(r"i{2,}", "i", text)
    return text


@dataclass(frozen=True)
class Town:
    """A place from ``data/settlements.csv``.

    Attributes
    ----------
    geonameid
        GeoNames id (stable across rebuilds).
    name
        The common English name (Ukraine's national transliteration for the larger towns).
    name_geonames
        GeoNames' own spelling.
    iso_code, region
        The region it lies in (ISO 3166-2 code and English name).
    population
        Pre-war population (GeoNames).
    lon, lat
        Position in degrees (EPSG:4326).
    population_source
        Whose figure ``population`` is: ``GeoNames`` (its pre-war figure, of varying years) or
        ``SSSU 2022-01-01`` (the State Statistics Service's estimate, for two cities).
    """

    geonameid: int
    name: str
    name_geonames: str
    iso_code: str
    region: str
    population: int
    lon: float
    lat: float
    population_source: str = "GeoNames"

    def label(self) -> str:
        """``"Name (Region, 12,345 people)"``: enough to tell two places apart."""
        return f"{self.name} ({self.region}, {self.population:,} people)"


class TownNotFound(ValidationError):
    """No place, or more than one, answers a query.

    Attributes
    ----------
    query
        The query as given.
    candidates
        The places the reader may have meant (most populous first): the places sharing the
        name when ambiguous, close spellings when nothing matched; may be empty.
    ambiguous
        True when several places share the name and none stands out.
    """

    def __init__(
        self, query: str, problem: str, candidates: Sequence[Town] = (), *, ambiguous: bool = False
    ) -> None:
        self.query = query
        self.candidates = list(candidates)
        self.ambiguous = ambiguous
        super().__init__("town", [problem])


@dataclass(frozen=True)
class _Index:
    towns: tuple[Town, ...]
    by_key: dict[str, tuple[int, ...]]
    keys: tuple[str, ...]


def _towns_from(settlements: gpd.GeoDataFrame) -> tuple[Town, ...]:
    return tuple(
        Town(
            int(row.geonameid),
            str(row.name),
            str(row.name_geonames),
            str(row.iso_code),
            REGION_NAMES.get(str(row.iso_code), str(row.iso_code)),
            int(row.population),
            float(row.lon),
            float(row.lat),
            str(row.population_source),
        )
        for row in settlements.assign(
            population_source=settlements.get("population_source", "GeoNames")
        )[
            [
                "geonameid",
                "name",
                "name_geonames",
                "iso_code",
                "population",
                "lon",
                "lat",
                "population_source",
            ]
        ].itertuples(index=False)
    )


def _index_of(towns: Iterable[Town]) -> _Index:
    towns = tuple(towns)
    by_key: dict[str, list[int]] = {}
    for i, town in enumerate(towns):
        for key in {name_key(town.name), name_key(town.name_geonames)}:
            if key:
                by_key.setdefault(key, []).append(i)
    ordered = {
        k: tuple(sorted(v, key=lambda i: (-towns[i].population, towns[i].name)))
        for k, v in by_key.items()
    }
    return _Index(towns, ordered, tuple(ordered))


@functools.cache
def _default_index() -> _Index:
    from territory_viz import datasets

    return _index_of(_towns_from(datasets.load_settlements()))


def _index(settlements: gpd.GeoDataFrame | None) -> _Index:
    return _default_index() if settlements is None else _index_of(_towns_from(settlements))


def _region_filter(region: str | None) -> set[str] | None:
    if region is None or not str(region).strip():
        return None
    wanted = str(region).strip()
    if wanted.upper() in REGION_NAMES:
        return {wanted.upper()}
    key = name_key(wanted.removesuffix(" oblast").removesuffix(" Oblast"))
    codes = {code for code, name in REGION_NAMES.items() if name_key(name) == key}
    if not codes:
        codes = {code for code, name in REGION_NAMES.items() if name_key(name).startswith(key)}
    if not codes:
        raise ValidationError(
            "region",
            [
                f"{wanted!r} is not a region; allowed: an ISO code (UA-14) or a name such as "
                f"{', '.join(sorted(REGION_NAMES.values())[:4])}..."
            ],
        )
    return codes


def _split_query(query: str) -> tuple[str, str | None]:
    """``"Kostiantynivka, Zaporizhzhia"`` -> name and region."""
    name, sep, region = query.partition(",")
    return (name.strip(), region.strip() or None) if sep else (query.strip(), None)


def _check_query(query: object) -> str:
    if not isinstance(query, str) or not query.strip():
        raise ValidationError("town", ["give a place name, e.g. Kramatorsk"])
    text = "".join(ch for ch in query if unicodedata.category(ch)[0] != "C").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationError(
            "town", [f"the name is {len(text)} characters long; allowed: at most {MAX_QUERY_CHARS}"]
        )
    if not name_key(text.partition(",")[0]):
        raise ValidationError(
            "town",
            [
                f"{text!r} has no letters of a place name; allowed: a name in Latin or "
                "Cyrillic letters, e.g. Kramatorsk or Краматорськ"
            ],
        )
    return text


def search_towns(
    query: str, *, limit: int = MAX_CANDIDATES, settlements: gpd.GeoDataFrame | None = None
) -> list[Town]:
    """Places whose name matches ``query`` exactly (by :func:`name_key`) or closely.

    Exact matches come first (most populous first), then close spellings by similarity.
    An empty list means nothing is close. ``"Name, Region"`` narrows to a region.
    """
    text = _check_query(query)
    name, region = _split_query(text)
    index = _index(settlements)
    codes = _region_filter(region)

    def keep(i: int) -> bool:
        return codes is None or index.towns[i].iso_code in codes

    key = name_key(name)
    found = [i for i in index.by_key.get(key, ()) if keep(i)]
    if len(found) < limit:
        close = difflib.get_close_matches(key, index.keys, n=limit * 3, cutoff=0.8)
        if len(key) >= 4:  # a prefix typed in a search box: "Kramat"
            close += [k for k in index.keys if k.startswith(key) and k != key]
        seen = set(found)
        for k in close:
            for i in index.by_key[k]:
                if i not in seen and keep(i):
                    seen.add(i)
                    found.append(i)
        exact = len([i for i in index.by_key.get(key, ()) if keep(i)])
        found[exact:] = sorted(
            found[exact:],
            key=lambda i: (
                -difflib.SequenceMatcher(None, key, name_key(index.towns[i].name)).ratio(),
                -index.towns[i].population,
            ),
        )
    return [index.towns[i] for i in found[:limit]]


def find_town(
    query: str, *, region: str | None = None, settlements: gpd.GeoDataFrame | None = None
) -> Town:
    """Return the place a reader means by ``query``.

    Parameters
    ----------
    query
        A place name in any common spelling (Sloviansk, Slovyansk, Слов'янськ), optionally
        followed by ``", Region"`` to tell places of the same name apart.
    region
        Region name or ISO code (``"Zaporizhzhia"``, ``"UA-23"``); same as ``", Region"``.
    settlements
        Places to search (default: ``data/settlements.csv``), columns as
        :func:`territory_viz.datasets.load_settlements` returns.

    Returns
    -------
    Town
        The only place of that name, or one at least :data:`CLEAR_WINNER_RATIO` times as
        populous as every other.

    Raises
    ------
    TownNotFound
        Nothing matches (``candidates``: close spellings, maybe none), or several places
        match and none stands out (``ambiguous``; ``candidates``: those places).
    ValidationError
        An empty or over-long query, or an unknown region.
    """
    text = _check_query(query)
    name, inline_region = _split_query(text)
    if region is not None and inline_region is not None:
        raise ValidationError("town", ["give the region once: either 'Name, Region' or region=..."])
    region = region if region is not None else inline_region
    index = _index(settlements)
    codes = _region_filter(region)
    where = f" in {region}" if region else ""
    exact = [
        index.towns[i]
        for i in index.by_key.get(name_key(name), ())
        if codes is None or index.towns[i].iso_code in codes
    ]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        first, second = exact[0], exact[1]
        if first.population >= CLEAR_WINNER_RATIO * max(second.population, 1):
            return first
        listed = "; ".join(t.label() for t in exact[:MAX_CANDIDATES])
        more = f" and {len(exact) - MAX_CANDIDATES} more" if len(exact) > MAX_CANDIDATES else ""
        raise TownNotFound(
            text,
            f"{len(exact)} places are called {name!r}{where}: {listed}"
            f"{more}; say which with 'Name, Region'",
            exact[:MAX_CANDIDATES],
            ambiguous=True,
        )
    close = search_towns(f"{name}, {region}" if region else name, settlements=settlements)
    if close:
        listed = "; ".join(t.label() for t in close)
        raise TownNotFound(text, f"no place called {name!r}{where}; did you mean: {listed}?", close)
    raise TownNotFound(
        text,
        f"no place called {name!r}{where} among the "
        f"{len(index.towns):,} Ukrainian places of 500+ people (GeoNames)",
    )


def _settlement_index(town: Town, geography: Any) -> int:
    """Row of ``town`` among the geography's settlements (same order as settlements.csv)."""
    from territory_viz import datasets

    settlements = datasets.load_settlements()
    hits = (settlements["geonameid"] == town.geonameid).to_numpy().nonzero()[0]
    if len(hits) != 1 or geography.settlement_names[hits[0]] != town.name:
        raise ValidationError("town", [f"{town.name} is not among the map's places"])
    return int(hits[0])


def town_outcomes(
    town: Town,
    *,
    baseline: str | gpd.GeoDataFrame | None = None,
    scenarios: Sequence[Scenario] | None = None,
) -> dict[str, Any]:
    """Who controls ``town`` on the baseline date and under each scenario.

    Parameters
    ----------
    town
        A place from :func:`find_town` (of the committed settlements).
    baseline
        Snapshot id or control layer (default: the newest committed snapshot).
    scenarios
        Scenarios to evaluate (default: every built-in one, in their listed order).

    Returns
    -------
    dict
        ``{"baseline": {"id", "date", "control"}, "scenarios": {id: {"title", "control",
        "recognition": {party: level}}}}``; controls and levels are the model's values
        (``ukraine``, ``russia``, ``demilitarized``, ``international``; ``de_jure``,
        ``de_facto``, ``none``).
    """
    from territory_viz import geography as G
    from territory_viz.model import Party
    from territory_viz.scenarios import evaluate_full, list_scenarios

    geography = G.default_geography()
    i = _settlement_index(town, geography)
    atoms = geography.baseline(baseline)
    date = atoms.date.isoformat() if hasattr(atoms.date, "isoformat") else atoms.date
    out: dict[str, Any] = {
        "baseline": {
            "id": atoms.id,
            "date": date,
            "control": str(atoms.control[atoms.settlement_atom[i]]),
        },
        "scenarios": {},
    }
    for scenario in scenarios if scenarios is not None else list_scenarios():
        ev = evaluate_full(scenario, atoms)
        piece = int(ev.settlement_piece[i])
        if piece < 0:
            continue
        row = ev.partition.iloc[piece]
        out["scenarios"][scenario.id] = {
            "title": scenario.title,
            "control": str(row["control"]),
            "recognition": {p.value: str(row[f"rec_{p.value}"]) for p in Party},
        }
    return out


#: What each ``population_source`` means, for the reader.
_POPULATION_NOTES = {
    "GeoNames": "pre-war population (GeoNames' figure), not today's",
    "SSSU 2022-01-01": (
        "pre-war population (State Statistics Service of Ukraine, estimate for "
        "1 January 2022), not today's"
    ),
}


def population_note(town: Town) -> str:
    """Whose figure a town's population is, in words."""
    source = town.population_source
    return _POPULATION_NOTES.get(source, f"pre-war population ({source}), not today's")


def town_report(
    query: str,
    *,
    region: str | None = None,
    baseline: str | gpd.GeoDataFrame | None = None,
    scenarios: Sequence[Scenario] | None = None,
) -> dict[str, Any]:
    """Find a town and say who controls it: the document ``town --format json`` prints.

    Returns
    -------
    dict
        ``{"name", "name_geonames", "region", "iso_code", "population", "lon", "lat",
        "baseline": {"id", "date", "control"}, "scenarios": {id: {"title", "control",
        "recognition"}}, "population_source", "population_note"}``.

    Raises
    ------
    TownNotFound, ValidationError
        As :func:`find_town`.
    """
    town = find_town(query, region=region)
    return {
        "name": town.name,
        "name_geonames": town.name_geonames,
        "region": town.region,
        "iso_code": town.iso_code,
        "population": town.population,
        "population_source": town.population_source,
        "population_note": population_note(town),
        "lon": town.lon,
        "lat": town.lat,
        **town_outcomes(town, baseline=baseline, scenarios=scenarios),
    }
