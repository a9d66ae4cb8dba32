"""Statistics of a scenario: areas, pre-war population, towns changing hands, balances.

Everything is measured on the partition :func:`territory_viz.scenarios.evaluate` returns,
in square kilometres of the equal-area CRS (:data:`territory_viz.model.CRS_EQUAL_AREA`).

Pre-war population
------------------
Population figures are the **pre-war resident population** (State Statistics Service of
Ukraine, 1 January 2022; Crimea and Sevastopol: the last Ukrainian estimates before 2014),
not the people living there today: millions have been displaced. Inside a region they are
distributed as follows:

1. every GeoNames settlement of the region (``data/settlements.csv``, places of 500+
   people) counts with its own population, at its point;
2. the region's *rural remainder* (its total minus its settlements) is spread evenly over
   the region's area;
3. where a region's settlements add up to more than its official total (GeoNames figures
   are of various years), they are scaled down in that region so that the total holds, and
   the remainder is zero.

A piece of the partition therefore holds the settlements whose points fall in it plus
``remainder × piece area / region area``. The pieces of a region add up to the region's
total, and the pieces of the country to the national total.

A town *changes hands* when it has 10,000 or more people and the control at its point
differs between the baseline (or scenario A in a comparison) and the scenario.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territory_viz import areas as A
from territory_viz import geography as G
from territory_viz import notices
from territory_viz.model import CRS_GEOGRAPHIC, Control, Party
from territory_viz.scenarios import (
    DEFAULT_TIMEOUT_S,
    Evaluation,
    Scenario,
    evaluate_full,
)
from territory_viz.style import TOWN_CHANGE_MIN_POPULATION, UNCHANGED_CLASS

#: A settlement of at least this many people counts as a town for "towns changing hands"
#: (defined in :mod:`territory_viz.style`, with the map's own drawing threshold beside it).
TOWN_MIN_POPULATION = TOWN_CHANGE_MIN_POPULATION

_REC_COLUMNS = [f"rec_{p.value}" for p in Party]
_CONTROL_ORDER = [c.value for c in Control]


@dataclass(frozen=True)
class Balance:
    """What moves between two states of control: km² and pre-war people, by destination.

    ``from_ukraine_*`` is what leaves Ukrainian control for any other (Russian control, a
    demilitarized zone, international administration), so the change in the area under
    Ukrainian control is :attr:`net_ukraine_km2` = ``to_ukraine_km2 - from_ukraine_km2``;
    ``to_russia_km2`` alone misses what a demilitarized zone takes from Ukrainian control.
    """

    to_russia_km2: float
    to_ukraine_km2: float
    to_demilitarized_km2: float
    to_international_km2: float
    to_russia_population: float
    to_ukraine_population: float
    to_demilitarized_population: float
    to_international_population: float
    from_ukraine_km2: float
    from_ukraine_population: float

    @property
    def net_ukraine_km2(self) -> float:
        """Change in the area under Ukrainian control, km² (gained minus lost)."""
        return self.to_ukraine_km2 - self.from_ukraine_km2

    @property
    def net_ukraine_population(self) -> float:
        """Change in the pre-war people in areas under Ukrainian control (gained minus lost)."""
        return self.to_ukraine_population - self.from_ukraine_population

    @classmethod
    def from_moves(
        cls,
        before: Iterable[str],
        after: Iterable[str],
        area_km2: Iterable[float],
        population: Iterable[float],
    ) -> Balance:
        """Sum areas and people by destination where the control changes, and out of Ukraine's."""
        before, after = np.asarray(list(before)), np.asarray(list(after))
        area = np.asarray(list(area_km2), dtype=float)
        people = np.asarray(list(population), dtype=float)
        moved = before != after
        values: dict[str, float] = {}
        for control in Control:
            into = moved & (after == control.value)
            values[f"to_{control.value}_km2"] = float(area[into].sum())
            values[f"to_{control.value}_population"] = float(people[into].sum())
        out_of_ukraine = moved & (before == Control.UKRAINE.value)
        values["from_ukraine_km2"] = float(area[out_of_ukraine].sum())
        values["from_ukraine_population"] = float(people[out_of_ukraine].sum())
        return cls(**values)

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready: km² rounded to 0.1, people to whole persons."""
        out: dict[str, float | int] = {}
        for key, value in self.__dict__.items():
            out[key] = round(value, 1) if key.endswith("_km2") else int(round(value))
        return out


@dataclass(frozen=True, eq=False)
class ScenarioStats:
    """The numbers of one scenario against one baseline.

    Attributes
    ----------
    partition
        The evaluated partition (EPSG:4326).
    by_control
        One row per control present: ``control``, ``area_km2``, ``share`` (of Ukraine's
        area, 0..1), ``population``.
    by_region
        One row per (region, control): ``iso_code``, ``region``, ``control``, ``area_km2``,
        ``share_of_region``, ``population``.
    towns
        Towns changing hands against the baseline: ``name``, ``population``, ``iso_code``,
        ``region``, ``from``, ``to`` (largest first).
    recognition
        The recognition matrix: one row per (control, recognition by each party) outcome
        other than plain Ukrainian control: ``control``, ``display_class``, the
        ``rec_<party>`` columns, ``area_km2``, ``population``, ``regions``.
    balance
        The land-swap balance against the baseline.
    """

    scenario: Scenario
    baseline_id: str
    baseline_date: str
    partition: gpd.GeoDataFrame
    total_area_km2: float
    total_population: float
    by_control: pd.DataFrame
    by_region: pd.DataFrame
    towns: pd.DataFrame
    recognition: pd.DataFrame
    balance: Balance

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON document of ``territory_viz stats --format json`` (README schema)."""
        s = self.scenario
        return {
            "scenario": s.id,
            "title": s.title,
            "as_of": s.as_of.isoformat(),
            "sources": [_source_dict(src) for src in s.sources],
            "baseline": self.baseline_id,
            "baseline_date": self.baseline_date,
            "total_area_km2": round(self.total_area_km2, 1),
            "total_population": int(round(self.total_population)),
            "by_control": {
                row["control"]: {
                    "area_km2": round(row["area_km2"], 1),
                    "share": round(row["share"], 5),
                    "population": int(round(row["population"])),
                }
                for row in self.by_control.to_dict("records")
            },
            "by_region": [
                {
                    "iso_code": row["iso_code"],
                    "region": row["region"],
                    "control": row["control"],
                    "area_km2": round(row["area_km2"], 1),
                    "share_of_region": round(row["share_of_region"], 5),
                    "population": int(round(row["population"])),
                }
                for row in self.by_region.to_dict("records")
            ],
            "balance": self.balance.to_dict(),
            "towns_changing_hands": _towns_list(self.towns),
            "recognition": _recognition_list(self.recognition),
            "reading": s.reading,
            "rule_readings": [r.reading for r in s.rules if r.reading],
            "date_notice": notices.date_mismatch(s.as_of, self.baseline_date),
            "approximation": notices.approximation_note(self.baseline_date),
        }


@dataclass(frozen=True, eq=False)
class Comparison:
    """What changes from scenario ``a`` to scenario ``b`` over the same baseline.

    Attributes
    ----------
    changes
        The change layer (EPSG:4326): one row per region and (from, to) pair where the
        control or the display class differs: ``iso_code``, ``region``, ``from_control``,
        ``to_control``, ``from_class``, ``to_class``, ``area_km2``, ``population``, geometry.
    balance
        km² and pre-war people whose control changes, by destination (``to_russia_km2``:
        Russian-controlled in ``b`` and not in ``a``...).
    towns
        Towns whose control differs: ``name``, ``population``, ``iso_code``, ``region``,
        ``from``, ``to``.
    """

    a: Scenario
    b: Scenario
    baseline_id: str
    changes: gpd.GeoDataFrame
    balance: Balance
    towns: pd.DataFrame
    by_region: pd.DataFrame
    #: Date of the baseline's control (``YYYY-MM-DD``; ``""`` if the layer has none).
    baseline_date: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON document of ``territory_viz compare --format json``."""
        return {
            "a": self.a.id,
            "b": self.b.id,
            "baseline": self.baseline_id,
            "baseline_date": self.baseline_date,
            # The baseline as a scenario is control on the baseline's own date: no notice.
            "date_notices": {
                s.id: notices.date_mismatch(s.as_of, self.baseline_date)
                for s in (self.a, self.b)
                if s.id != "baseline" and notices.date_mismatch(s.as_of, self.baseline_date)
            },
            "approximation": notices.approximation_note(self.baseline_date),
            "balance": self.balance.to_dict(),
            "towns_changing_hands": _towns_list(self.towns),
            "changes": [
                {
                    "iso_code": r.iso_code,
                    "region": r.region,
                    "from": r.from_control,
                    "to": r.to_control,
                    "from_class": r.from_class,
                    "to_class": r.to_class,
                    "area_km2": round(r.area_km2, 1),
                    "population": int(round(r.population)),
                }
                for r in self.changes.drop(columns="geometry").itertuples()
            ],
        }


def _source_dict(source: Any) -> dict[str, str]:
    out = {"publisher": source.publisher, "date": source.date.isoformat(), "title": source.title}
    if source.quote:
        out["quote"] = source.quote
    if source.url:
        out["url"] = source.url
    return out


def _towns_list(towns: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "name": r["name"],
            "population": int(r["population"]),
            "region": r["region"],
            "from": r["from"],
            "to": r["to"],
        }
        for r in towns.to_dict("records")
    ]


def _recognition_list(matrix: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "control": row["control"],
            "display_class": row["display_class"],
            "area_km2": round(float(row["area_km2"]), 1),
            "population": int(round(row["population"])),
            "regions": list(row["regions"]),
            "parties": {p.value: row[f"rec_{p.value}"] for p in Party},
        }
        for row in matrix.to_dict("records")
    ]


# --------------------------------------------------------------------------- stats


def scenario_stats(
    scenario: Scenario,
    baseline: str | gpd.GeoDataFrame | None = None,
    *,
    geography: G.Geography | None = None,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
) -> ScenarioStats:
    """Evaluate a scenario and measure it.

    Parameters
    ----------
    scenario
        The scenario.
    baseline
        A snapshot id (default: the geography's default baseline) or a control layer.
    geography
        Regions, settlements and claims (default: the committed data).
    timeout_s
        Abandon the evaluation after this many seconds.

    Returns
    -------
    ScenarioStats

    Raises
    ------
    ValidationError
        Unknown baseline, unusable layer, or the time limit exceeded.
    """
    ev = evaluate_full(scenario, baseline, geography=geography, timeout_s=timeout_s)
    return stats_of(ev)


def stats_of(ev: Evaluation) -> ScenarioStats:
    """Measure an evaluation already made (see :func:`scenario_stats`)."""
    # Plain Python over the few dozen pieces: pandas' groupby machinery would cost more
    # than the sums themselves (the budget is 100 ms for evaluation and statistics).
    part = ev.partition
    columns = {
        c: part[c].to_numpy(dtype=float if c in ("area_km2", "population") else object)
        for c in part.columns
        if c != "geometry"
    }
    geo = ev.geography
    control = columns["control"]
    area = columns["area_km2"].astype(float)
    people = columns["population"].astype(float)
    total_area = float(area.sum())
    total_population = float(people.sum())

    present = [c for c in _CONTROL_ORDER if c in set(control)]
    by_control = pd.DataFrame(
        {
            "control": present,
            "area_km2": [float(area[control == c].sum()) for c in present],
            "population": [float(people[control == c].sum()) for c in present],
        }
    )
    by_control["share"] = by_control["area_km2"] / total_area

    sums: dict[tuple[str, str, str], list[float]] = {}
    for key, a, n in zip(
        zip(columns["iso_code"], columns["region"], control, strict=True), area, people, strict=True
    ):
        acc = sums.setdefault(key, [0.0, 0.0])
        acc[0] += a
        acc[1] += n
    region_area = dict(zip(geo.iso_codes, geo.region_area_km2, strict=True))
    keys = sorted(sums)
    by_region = pd.DataFrame(
        {
            "iso_code": [k[0] for k in keys],
            "region": [k[1] for k in keys],
            "control": [k[2] for k in keys],
            "area_km2": [sums[k][0] for k in keys],
            "population": [sums[k][1] for k in keys],
            "share_of_region": [sums[k][0] / region_area[k[0]] for k in keys],
        }
    )

    balance = Balance.from_moves(columns["baseline_control"], control, area, people)

    piece = ev.settlement_piece
    idx = np.flatnonzero((geo.settlement_population >= TOWN_MIN_POPULATION) & (piece >= 0))
    before = np.array(
        [str(c) for c in ev.baseline.control[ev.baseline.settlement_atom[idx]]], dtype=object
    )
    towns = _towns(geo, idx, before, control[piece[idx]])

    return ScenarioStats(
        scenario=ev.scenario,
        baseline_id=ev.baseline.id,
        baseline_date=ev.baseline.date,
        partition=ev.partition,
        total_area_km2=total_area,
        total_population=total_population,
        by_control=by_control,
        by_region=by_region,
        towns=towns,
        recognition=_recognition(columns),
        balance=balance,
    )


def _towns(
    geo: G.Geography, idx: np.ndarray, before: np.ndarray, after: np.ndarray
) -> pd.DataFrame:
    """Towns among settlements ``idx`` whose control goes from ``before`` to ``after``."""
    moved = before != after
    idx, before, after = idx[moved], before[moved], after[moved]
    towns = pd.DataFrame(
        {
            "name": geo.settlement_names[idx],
            "population": geo.settlement_population[idx].astype(int),
            "iso_code": geo.iso_codes[geo.settlement_region[idx]],
            "region": geo.region_names[geo.settlement_region[idx]],
            "from": before,
            "to": after,
        }
    )
    return towns.sort_values(["population", "name"], ascending=[False, True], ignore_index=True)


def recognition_matrix(partition: pd.DataFrame) -> pd.DataFrame:
    """Group a partition's pieces by outcome (control and every party's recognition).

    Plain Ukrainian control with no recognition is left out: the matrix is about who
    accepts what of Russian (or any other non-Ukrainian) control.

    Returns
    -------
    pandas.DataFrame
        ``control``, ``display_class``, ``rec_<party>``..., ``area_km2``, ``population``,
        ``regions`` (tuple of region names), largest area first.
    """
    return _recognition({c: partition[c].to_numpy() for c in partition.columns if c != "geometry"})


def _recognition(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    keys = ["control", "display_class", *_REC_COLUMNS]
    groups: dict[tuple[str, ...], list[Any]] = {}
    for i in range(len(columns["control"])):
        key = tuple(str(columns[k][i]) for k in keys)
        if key[0] == Control.UKRAINE.value and all(v == "none" for v in key[2:]):
            continue
        acc = groups.setdefault(key, [0.0, 0.0, set()])
        acc[0] += float(columns["area_km2"][i])
        acc[1] += float(columns["population"][i])
        acc[2].add(str(columns["region"][i]))
    rows = [[*key, acc[0], acc[1], tuple(sorted(acc[2]))] for key, acc in groups.items()]
    rows.sort(key=lambda r: -r[len(keys)])
    return pd.DataFrame(rows, columns=[*keys, "area_km2", "population", "regions"])


# --------------------------------------------------------------------------- compare


def compare(
    a: Scenario,
    b: Scenario,
    baseline: str | gpd.GeoDataFrame | None = None,
    *,
    geography: G.Geography | None = None,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
) -> Comparison:
    """Compare two scenarios over the same baseline.

    Parameters
    ----------
    a, b
        The scenarios: changes are read from ``a`` to ``b``.
    baseline
        A snapshot id or a control layer.
    geography
        Regions, settlements and claims (default: the committed data).
    timeout_s
        Time limit for each evaluation.

    Returns
    -------
    Comparison
    """
    ev_a = evaluate_full(a, baseline, geography=geography, timeout_s=timeout_s)
    ev_b = evaluate_full(b, ev_a.baseline, timeout_s=timeout_s)
    return compare_evaluations(ev_a, ev_b)


def change_partition(comparison: Comparison) -> gpd.GeoDataFrame:
    """Return the change map's pieces: what differs from ``a`` to ``b``, and the rest.

    Columns follow the partition schema so the map's styles apply: ``control`` and
    ``display_class`` are ``b``'s, ``baseline_control`` is ``a``'s control (so outlines show
    the direction of change), plus ``from_class`` and ``to_class``. What is the same in both
    is one piece of class :data:`territory_viz.style.UNCHANGED_CLASS`.

    Parameters
    ----------
    comparison
        From :func:`compare`.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326.
    """
    from territory_viz import datasets

    changes = comparison.changes
    frame = pd.DataFrame(
        {
            "iso_code": changes["iso_code"],
            "region": changes["region"],
            "baseline_control": changes["from_control"],
            "control": changes["to_control"],
            "display_class": changes["to_class"],
            "from_class": changes["from_class"],
            "to_class": changes["to_class"],
            "area_km2": changes["area_km2"],
            "population": changes["population"],
        }
    )
    geoms = list(changes.geometry)
    outline = datasets.ukraine_outline()
    rest = shapely.difference(outline, shapely.union_all(geoms)) if geoms else outline
    if not rest.is_empty:
        same = pd.DataFrame(
            [
                {
                    "iso_code": "",
                    "region": "Same in both scenarios",
                    "baseline_control": UNCHANGED_CLASS,
                    "control": UNCHANGED_CLASS,
                    "display_class": UNCHANGED_CLASS,
                    "from_class": UNCHANGED_CLASS,
                    "to_class": UNCHANGED_CLASS,
                    "area_km2": float("nan"),
                    "population": float("nan"),
                }
            ]
        )
        frame = pd.concat([frame, same], ignore_index=True)
        geoms.append(rest)
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=CRS_GEOGRAPHIC)


def compare_evaluations(ev_a: Evaluation, ev_b: Evaluation) -> Comparison:
    """Compare two evaluations made over the same baseline (see :func:`compare`)."""
    if ev_a.baseline is not ev_b.baseline:
        raise ValueError("both evaluations must share one baseline")
    atoms = ev_a.baseline
    geo = atoms.geography
    pa, pb = ev_a.partition, ev_b.partition
    ctrl_a = pa["control"].to_numpy(dtype=object)
    ctrl_b = pb["control"].to_numpy(dtype=object)
    cls_a = pa["display_class"].to_numpy(dtype=object)
    cls_b = pb["display_class"].to_numpy(dtype=object)

    # Pieces only intersect within the same atom; a piece that is its atom's only one
    # covers it, so the overlap is simply the other piece (no geometry needed).
    rows_b: dict[int, list[int]] = {}
    for row, atom in enumerate(ev_b.atom):
        rows_b.setdefault(int(atom), []).append(row)
    rows_a: dict[int, list[int]] = {}
    for row, atom in enumerate(ev_a.atom):
        rows_a.setdefault(int(atom), []).append(row)

    # settlements in each (piece of a, piece of b) pair
    both = (ev_a.settlement_piece >= 0) & (ev_b.settlement_piece >= 0)
    pair_people: dict[tuple[int, int], float] = {}
    for i, j, w in zip(
        ev_a.settlement_piece[both],
        ev_b.settlement_piece[both],
        geo.settlement_weight[both],
        strict=True,
    ):
        pair_people[(int(i), int(j))] = pair_people.get((int(i), int(j)), 0.0) + float(w)

    records: list[tuple[int, int, Any, float]] = []
    for atom, a_rows in rows_a.items():
        b_rows = rows_b.get(atom, [])
        for i in a_rows:
            for j in b_rows:
                if ctrl_a[i] == ctrl_b[j] and cls_a[i] == cls_b[j]:
                    continue
                if len(a_rows) == 1:
                    geom, piece_km2 = ev_b.geoms[j], float(pb["area_km2"].iat[j])
                elif len(b_rows) == 1:
                    geom, piece_km2 = ev_a.geoms[i], float(pa["area_km2"].iat[i])
                else:
                    geom = G.polygonal(shapely.intersection(ev_a.geoms[i], ev_b.geoms[j]))
                    piece_km2 = float(shapely.area(geom)) / 1e6
                if piece_km2 <= A.SLIVER_KM2:
                    continue
                records.append((i, j, geom, piece_km2))

    region = atoms.region[ev_a.atom[[r[0] for r in records]]] if records else np.array([], int)
    area = np.array([r[3] for r in records], dtype=float)
    people = np.array([pair_people.get((r[0], r[1]), 0.0) for r in records]) + (
        geo.rural_density[region] * area if records else 0.0
    )
    changes = gpd.GeoDataFrame(
        {
            "iso_code": geo.iso_codes[region],
            "region": geo.region_names[region],
            "from_control": [ctrl_a[r[0]] for r in records],
            "to_control": [ctrl_b[r[1]] for r in records],
            "from_class": [cls_a[r[0]] for r in records],
            "to_class": [cls_b[r[1]] for r in records],
            "area_km2": area,
            "population": people,
        },
        geometry=[atoms.wgs(r[2]) for r in records],
        crs=CRS_GEOGRAPHIC,
    )
    balance = Balance.from_moves(changes["from_control"], changes["to_control"], area, people)
    by_region = (
        changes[changes["from_control"] != changes["to_control"]]
        .groupby(["iso_code", "region", "from_control", "to_control"], observed=True)[
            ["area_km2", "population"]
        ]
        .sum()
        .reset_index()
    )

    idx = np.flatnonzero(both & (geo.settlement_population >= TOWN_MIN_POPULATION))
    towns = _towns(geo, idx, ctrl_a[ev_a.settlement_piece[idx]], ctrl_b[ev_b.settlement_piece[idx]])
    return Comparison(
        ev_a.scenario, ev_b.scenario, atoms.id, changes, balance, towns, by_region, atoms.date or ""
    )


__all__ = [
    "TOWN_MIN_POPULATION",
    "Balance",
    "Comparison",
    "ScenarioStats",
    "compare",
    "change_partition",
    "compare_evaluations",
    "recognition_matrix",
    "scenario_stats",
    "stats_of",
]
