"""Benchmark the scenario engine: per built-in scenario, cold and warm time to evaluate with
statistics, and the size of the map data a page would send.

    python scripts/bench.py [--repeat 20] [--baseline occupied-2025-08-15] [--json]

"cold" is the first evaluation of a scenario in the process, after the committed layers
and the baseline's atoms are loaded (their one-time cost is printed separately); it
includes cutting the scenario's strips and circles. "warm" is the median of ``--repeat``
later runs, with those cuts cached. Budget: under 100 ms warm per scenario.

The map size is the JSON the page embeds for the partition, as prepared by
``territory_viz.render.prepare_partition`` (coverage-simplified, encoded), next to the
plain GeoJSON of the unsimplified partition for reference.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from territory_viz import areas  # noqa: E402
from territory_viz.scenarios import Evaluation, evaluate_full, list_scenarios  # noqa: E402
from territory_viz.stats import stats_of  # noqa: E402

BUDGET_MS = 100.0


def run_once(scenario, atoms) -> tuple[float, Evaluation]:
    start = time.perf_counter()
    ev = evaluate_full(scenario, atoms)
    stats = stats_of(ev)
    stats.to_dict()
    return (time.perf_counter() - start) * 1000.0, ev


def map_bytes(partition) -> tuple[int | None, int]:
    raw = len(partition.to_json().encode("utf-8"))
    try:
        from territory_viz import render
    except ImportError:
        return None, raw
    prepared = render.prepare_partition(partition)
    data = [prepared.rows, prepared.arcs]  # pieces and the shared arcs they refer to
    return len(json.dumps(data, separators=(",", ":")).encode("utf-8")), raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--baseline", default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    geography = areas.default_geography()
    load_ms = (time.perf_counter() - start) * 1000.0
    start = time.perf_counter()
    atoms = geography.baseline(args.baseline)
    atoms_ms = (time.perf_counter() - start) * 1000.0
    start = time.perf_counter()
    atoms.geoms_wgs  # noqa: B018  (projected once per baseline, lazily)
    wgs_ms = (time.perf_counter() - start) * 1000.0

    rows: list[dict[str, Any]] = []
    for scenario in list_scenarios():
        cold, ev = run_once(scenario, atoms)
        warm = statistics.median(run_once(scenario, atoms)[0] for _ in range(args.repeat))
        page, raw = map_bytes(ev.partition)
        rows.append(
            {
                "scenario": scenario.id,
                "cold_ms": round(cold, 1),
                "warm_ms": round(warm, 1),
                "pieces": len(ev.partition),
                "map_bytes": page,
                "geojson_bytes": raw,
            }
        )

    worst = max(r["warm_ms"] for r in rows)
    if args.json:
        print(
            json.dumps(
                {
                    "baseline": atoms.id,
                    "load_ms": round(load_ms, 1),
                    "baseline_atoms_ms": round(atoms_ms + wgs_ms, 1),
                    "budget_ms": BUDGET_MS,
                    "scenarios": rows,
                },
                indent=2,
            )
        )
    else:
        print(
            f"baseline {atoms.id}: load layers {load_ms:.0f} ms, "
            f"split into {len(atoms.geoms)} atoms {atoms_ms + wgs_ms:.0f} ms (once)"
        )
        print(
            f"{'scenario':<26} {'cold ms':>8} {'warm ms':>8} {'pieces':>7} "
            f"{'map KB':>8} {'raw GeoJSON KB':>15}"
        )
        for r in rows:
            kb = "-" if r["map_bytes"] is None else f"{r['map_bytes'] / 1024:.0f}"
            print(
                f"{r['scenario']:<26} {r['cold_ms']:>8.1f} {r['warm_ms']:>8.1f} "
                f"{r['pieces']:>7} {kb:>8} {r['geojson_bytes'] / 1024:>15.0f}"
            )
        verdict = "within" if worst < BUDGET_MS else "OVER"
        print(f"slowest warm: {worst:.1f} ms ({verdict} the {BUDGET_MS:.0f} ms budget)")
    return 0 if worst < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
