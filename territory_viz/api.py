"""The Python API: ``import territory_viz as tv``.

One call per question, each returning plain pandas/GeoPandas objects and a result that can
be written out or drawn::

    tv.scenarios()                       # the built-in scenarios
    tv.layers(); tv.layer("regions")     # the catalogue; one layer (a copy)
    r = tv.evaluate("land-swap")         # a scenario against the newest committed baseline
    r.partition, r.stats, r.balance, r.towns
    r.to_dict()                          # the JSON of `territory-viz stats --format json`
    r.to_file("land-swap.gpkg")          # .geojson, .gpkg or .csv (no geometry)
    r.explore()                          # a folium map, offline (Leaflet inlined)
    c = tv.compare("donbas-for-freeze", "land-swap")

Errors are the library's own (:class:`~territory_viz.ValidationError` for bad input,
:class:`~territory_viz.DataFileError` for a broken data file), with the messages the command
line prints.

Examples
--------
>>> import territory_viz as tv
>>> "land-swap" in [s.id for s in tv.scenarios()]
True
>>> r = tv.evaluate("land-swap")
>>> r.partition.crs.to_string()
'EPSG:4326'
>>> round(r.partition["area_km2"].sum()) == round(r.stats.total_area_km2)
True
>>> r.to_dict() == tv.evaluate("land-swap").stats.to_dict()
True
>>> tv.evaluate("no-such-scenario")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
territory_viz._errors.ValidationError: scenario: unknown scenario 'no-such-scenario'; ...
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from territory_viz._errors import ValidationError
from territory_viz.style import DEFAULT_LAYERS

if TYPE_CHECKING:
    import folium

    from territory_viz.stats import Balance, Comparison, ScenarioStats

__all__ = [
    "CompareResult",
    "Result",
    "compare",
    "evaluate",
    "layer",
    "layers",
    "scenarios",
]

#: Output formats of :meth:`Result.to_file`, by file extension (as ``export ID -o FILE``).
FILE_FORMATS = {".geojson": "GeoJSON", ".gpkg": "GPKG", ".csv": "CSV"}

ScenarioLike = Any  # an id, a path to a .toml file, or a scenarios.Scenario
BaselineLike = Any  # a snapshot id, a control-layer file, or a snapshot-shaped GeoDataFrame


# --------------------------------------------------------------------------- catalogue


def scenarios() -> list[Any]:
    """Return the built-in scenarios, in the order the page lists them.

    Returns
    -------
    list of territory_viz.scenarios.Scenario
        Frozen objects with ``id``, ``title``, ``summary``, ``as_of``, ``sources``, ``rules``.
    """
    from territory_viz.scenarios import list_scenarios

    return list_scenarios()


def layers() -> pd.DataFrame:
    """Return the catalogue of committed layers: id, kind, date, title, area, source.

    Returns
    -------
    pandas.DataFrame
        One row per layer :func:`layer` serves (``regions``, each control snapshot and its
        line of contact, Russia's claim), columns ``id``, ``kind``, ``date``, ``title``,
        ``area_km2``, ``source``.

    Examples
    --------
    >>> import territory_viz as tv
    >>> catalogue = tv.layers()
    >>> catalogue.loc[catalogue["id"] == "regions", "kind"].item()
    'regions'
    """
    from territory_viz import datasets

    rows = [
        {
            "id": info.id,
            "kind": info.kind,
            "date": info.date,
            "title": info.title,
            "area_km2": info.area_km2,
            "source": info.source,
        }
        for info in datasets.list_layers()
    ]
    return pd.DataFrame(rows, columns=["id", "kind", "date", "title", "area_km2", "source"])


def layer(layer_id: str) -> gpd.GeoDataFrame:
    """Return one committed layer as a GeoDataFrame (a copy: change it freely).

    Parameters
    ----------
    layer_id
        ``regions``, ``occupied-YYYY-MM-DD``, ``line-of-contact-YYYY-MM-DD``,
        ``russia-claim``, ``settlements`` or ``neighbours`` (see :func:`layers`).

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326.

    Raises
    ------
    ValidationError
        For an unknown id; the message lists the allowed ids.

    Examples
    --------
    >>> import territory_viz as tv
    >>> regions = tv.layer("regions")
    >>> len(regions), regions.crs.to_string()
    (27, 'EPSG:4326')
    """
    from territory_viz import datasets

    return datasets.load_layer(layer_id).copy()


# --------------------------------------------------------------------------- inputs


def _scenario(value: ScenarioLike) -> Any:
    """Resolve a scenario: a Scenario, an id (``baseline`` included), or a ``.toml`` path."""
    from territory_viz import scenarios as S

    if isinstance(value, S.Scenario):
        return value
    if isinstance(value, os.PathLike) or (
        isinstance(value, str) and value.lower().endswith(".toml")
    ):
        return S.parse_scenario(Path(value))
    if isinstance(value, str):
        return S.resolve_scenario(value)
    raise ValidationError(
        "scenario",
        [f"got {type(value).__name__}; allowed: a scenario id, a .toml path or a Scenario"],
    )


def _baseline(baseline: BaselineLike, date: str | datetime.date | None) -> Any:
    """Resolve ``baseline=`` / ``date=`` into what the engine takes (id or layer)."""
    if date is not None:
        if baseline is not None:
            raise ValidationError("date", ["give either baseline= or date=, not both"])
        from territory_viz import history

        # A day of the default history: the committed snapshots and the days fetched into
        # the user cache (history.open_history() reads other multi-date files).
        return history.layer_for_date(str(date))
    if baseline is None or isinstance(baseline, gpd.GeoDataFrame):
        return baseline
    from territory_viz import datasets

    if isinstance(baseline, str) and baseline in datasets.snapshot_ids():
        return baseline
    from territory_viz.loaders import LAYER_SUFFIXES, load_control_layer

    path = Path(baseline)
    if path.suffix.lower() in LAYER_SUFFIXES or path.is_file():
        return load_control_layer(path)
    raise ValidationError(
        "baseline",
        [
            f"unknown baseline {str(baseline)!r}; allowed: "
            f"{', '.join(datasets.snapshot_ids())} or a .geojson/.gpkg/.kml file"
        ],
    )


def _write(
    frame: gpd.GeoDataFrame, path: str | os.PathLike[str], *, layer_name: str, note: str = ""
) -> Path:
    """Write ``frame`` by the file's extension (CSV without geometry); return the path.

    A CSV gets a last ``note`` column (what is approximate, as the command line writes it).
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FILE_FORMATS:
        raise ValidationError(str(target), [f"the file name must end in {', '.join(FILE_FORMATS)}"])
    if not target.parent.exists():
        raise ValidationError(str(target), [f"folder {target.parent} does not exist"])
    try:
        if FILE_FORMATS[suffix] == "CSV":
            table = frame.drop(columns="geometry")
            table = table.assign(note=note) if note else table
            table.to_csv(target, index=False, float_format="%.3f")
        else:
            if target.exists():
                target.unlink()  # GeoPackage would otherwise add a layer to the old file
            frame.to_file(target, driver=FILE_FORMATS[suffix], layer=layer_name, engine="pyogrio")
    except OSError as exc:
        raise ValidationError(str(target), [f"cannot write ({exc})"]) from exc
    return target


def _map(
    partition: gpd.GeoDataFrame,
    baseline: BaselineLike,
    *,
    title: str,
    m: folium.Map | None,
    layers: Collection[str],
    offline: bool,
) -> folium.Map:
    from territory_viz import render

    context = render.map_context(baseline)
    if m is None:
        built = render.build_map(partition, context, title=title, layers=layers)
        if offline:
            render.inline_leaflet(built)
        else:
            render.link_leaflet_cdn(built)
        return built
    return render.add_scenario_layers(m, partition, context, title=title, layers=layers)


# --------------------------------------------------------------------------- results


class _Answer:
    """What :class:`Result` and :class:`CompareResult` share: numbers, files and a map.

    A subclass names its numbers (:meth:`_numbers`), the layer it writes
    (:meth:`_layer`) and what it draws (:meth:`_drawing`).
    """

    baseline: Any

    def _numbers(self) -> ScenarioStats | Comparison:
        raise NotImplementedError

    def _layer(self) -> tuple[gpd.GeoDataFrame, str, str]:
        """Return the layer :meth:`to_file` writes, its layer name and a CSV's note."""
        raise NotImplementedError

    def _drawing(self) -> tuple[gpd.GeoDataFrame, str]:
        """Return the partition :meth:`explore` draws and its title."""
        raise NotImplementedError

    @property
    def balance(self) -> Balance:
        """km² and pre-war people changing control (from the baseline, or from ``a`` to ``b``)."""
        return self._numbers().balance

    @property
    def towns(self) -> pd.DataFrame:
        """Towns changing hands (against the baseline, or from ``a`` to ``b``), a copy."""
        return self._numbers().towns.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON document of ``territory-viz stats`` / ``compare`` ``--format json``."""
        return self._numbers().to_dict()

    def to_file(self, path: str | os.PathLike[str]) -> Path:
        """Write the layer to ``.geojson``, ``.gpkg`` or ``.csv`` (no geometry).

        A :class:`Result` writes its partition, a :class:`CompareResult` its changes; a CSV
        gets the command line's ``note`` column (what is approximate, with the dates).

        Raises
        ------
        ValidationError
            Another extension, a missing folder, or a file that cannot be written.
        """
        frame, layer_name, note = self._layer()
        return _write(frame, path, layer_name=layer_name, note=note)

    def explore(
        self,
        m: folium.Map | None = None,
        *,
        layers: Collection[str] = DEFAULT_LAYERS,
        offline: bool = True,
    ) -> folium.Map:
        """Draw the result on a folium map with the project's styling and legend.

        A :class:`Result` draws the scenario; a :class:`CompareResult` the change map
        (``b``'s control where it differs from ``a``, outlined).

        Parameters
        ----------
        m
            Add the layers to this map instead of making a new one.
        layers
            Keys of :data:`territory_viz.style.LAYERS` to draw.
        offline
            Inline Leaflet from the installed ``django-js-lib-leaflet`` (works with no
            internet, e.g. in Jupyter); ``False`` links Leaflet from its CDN instead.

        Returns
        -------
        folium.Map
            Shown inline in Jupyter; ``.save("map.html")`` writes it.
        """
        from territory_viz import render

        partition, title = self._drawing()
        context = render.map_context(self.baseline)
        if m is None:
            built = render.build_map(partition, context, title=title, layers=layers)
            if offline:
                render.inline_leaflet(built)
            else:
                render.link_leaflet_cdn(built)
            return built
        return render.add_scenario_layers(m, partition, context, title=title, layers=layers)


@dataclass(frozen=True, eq=False)
class Result(_Answer):
    """A scenario evaluated against a baseline: its partition, numbers, files and map.

    Make it with :func:`evaluate`.

    Attributes
    ----------
    scenario
        The scenario evaluated.
    stats
        Every number: ``by_control``, ``by_region``, ``towns``, ``recognition``,
        ``balance``, ``total_area_km2``... (:class:`territory_viz.stats.ScenarioStats`).
    baseline
        The baseline as given (snapshot id, layer, or ``None`` for the default).
    """

    scenario: Any
    stats: ScenarioStats
    baseline: Any = None

    @property
    def partition(self) -> gpd.GeoDataFrame:
        """The partition (a copy), EPSG:4326: one row per piece.

        Columns: ``iso_code``, ``region``, ``baseline_control``, ``control``, one
        ``rec_<party>`` column per party (``de_jure``, ``de_facto`` or ``none``),
        ``display_class``, ``area_km2``, ``population`` (pre-war), ``geometry``.
        """
        return self.stats.partition.copy()

    def _numbers(self) -> ScenarioStats:
        return self.stats

    def _layer(self) -> tuple[gpd.GeoDataFrame, str, str]:
        from territory_viz import notices

        note = notices.export_note(
            self.scenario.as_of, self.stats.baseline_date, self.stats.baseline_id
        )
        return self.stats.partition, self.scenario.id, note

    def _drawing(self) -> tuple[gpd.GeoDataFrame, str]:
        from territory_viz import render

        date = str(self.stats.partition.attrs.get("baseline_date") or "")
        return self.stats.partition, render.scenario_caption(self.scenario, date)


@dataclass(frozen=True, eq=False)
class CompareResult(_Answer):
    """What changes from scenario ``a`` to scenario ``b`` over one baseline.

    Make it with :func:`compare`.

    Attributes
    ----------
    comparison
        Every number (:class:`territory_viz.stats.Comparison`).
    baseline
        The baseline as given.
    """

    comparison: Comparison
    baseline: Any = None

    @property
    def changes(self) -> gpd.GeoDataFrame:
        """The pieces whose control or class differs (a copy), EPSG:4326."""
        return self.comparison.changes.copy()

    def _numbers(self) -> Comparison:
        return self.comparison

    def _layer(self) -> tuple[gpd.GeoDataFrame, str, str]:
        from territory_viz import notices

        a, b = self.comparison.a, self.comparison.b
        note = notices.approximation_note(self.comparison.baseline_date)
        return self.comparison.changes, f"{a.id}-to-{b.id}", note

    def _drawing(self) -> tuple[gpd.GeoDataFrame, str]:
        from territory_viz.stats import change_partition

        a, b = self.comparison.a, self.comparison.b
        return change_partition(self.comparison), f"From {a.title} to {b.title}"


# --------------------------------------------------------------------------- questions


def evaluate(
    scenario: ScenarioLike,
    baseline: BaselineLike = None,
    date: str | datetime.date | None = None,
) -> Result:
    """Evaluate a scenario against a baseline.

    Parameters
    ----------
    scenario
        A scenario id (see :func:`scenarios`; ``baseline`` is the baseline itself), a path
        to a ``.toml`` scenario file, or a ``Scenario``.
    baseline
        A snapshot id (``occupied-YYYY-MM-DD``, default: the newest committed), a control
        layer file (GeoJSON, GeoPackage, KML) or a snapshot-shaped GeoDataFrame.
    date
        Instead of ``baseline``: a day (``YYYY-MM-DD``) of the committed snapshots or of
        the days fetched into the user cache.

    Returns
    -------
    Result

    Raises
    ------
    ValidationError
        Unknown scenario or baseline, a bad scenario or layer file, or no such day.

    Examples
    --------
    >>> import territory_viz as tv
    >>> r = tv.evaluate("ukraine-1991-borders", date="2025-08-15")
    >>> sorted(r.partition["control"].unique())
    ['ukraine']
    >>> r.balance.to_ukraine_km2 > 100_000
    True
    """
    from territory_viz.stats import scenario_stats

    chosen = _scenario(scenario)
    resolved = _baseline(baseline, date)
    return Result(chosen, scenario_stats(chosen, resolved), resolved)


def compare(
    a: ScenarioLike,
    b: ScenarioLike,
    baseline: BaselineLike = None,
    date: str | datetime.date | None = None,
) -> CompareResult:
    """Compare two scenarios over one baseline; changes are read from ``a`` to ``b``.

    Parameters
    ----------
    a, b
        Scenarios as :func:`evaluate` takes them (``"baseline"``: the baseline itself).
    baseline, date
        As for :func:`evaluate`.

    Returns
    -------
    CompareResult

    Examples
    --------
    >>> import territory_viz as tv
    >>> c = tv.compare("donbas-for-freeze", "land-swap")
    >>> c.balance.to_ukraine_km2 > 0
    True
    >>> c.to_dict()["a"], c.to_dict()["b"]
    ('donbas-for-freeze', 'land-swap')
    """
    from territory_viz.stats import compare as compare_stats

    resolved = _baseline(baseline, date)
    return CompareResult(compare_stats(_scenario(a), _scenario(b), resolved), resolved)
