"""Benchmark: index a synthetic archive the size and shape of the DeepStateMap archive.

The archive is synthesised from the committed snapshot ``occupied-2025-08-15`` (never from
DeepStateMap geometry): its outline densified to the vertex count of a DeepStateMap day,
coordinates written with DeepStateMap's 15 decimals, warped a little more each day (a smooth
westward push of the front of up to about 0.15°), one Feature per day from 2024-07-08 with
properties ``id`` and ``date``, gzipped; about 770 days and 60 MB uncompressed by default.

Each stage runs in its own child process (peak memory is that process's maximum RSS):

- ``reference``: read the whole archive with GeoPandas (every geometry in memory at once),
  the naive approach the streamed index replaces;
- ``index``: :func:`territory_viz.history.open_history` with an empty cache (stream, read,
  repair, clip and measure every day, write the index; reconciling a day with the outline is
  left to its first use);
- ``timeline``: ``python -m territory_viz timeline ARCHIVE --every month --format json`` in a
  fresh process, cold (empty cache: includes indexing) and with the index on disk;
- ``timeline`` cold also reconciles its monthly rows' days (worker processes);
- ``changes``: :func:`territory_viz.history.changes` between two days a year apart, warm (the
  two days already in memory), against one plain ``shapely.difference`` pair of the same two
  days as the reference; its first call includes reconciling the two days;
- ``reconcile``: reconciling days on first use, per day (one process, ten days).

Targets (issue budgets): index under 60 s on 2 cores and peak under 1.5 GB; monthly timeline
cold under 60 s; changes warm under 2 s. Usage::

    python scripts/bench_history.py [--days 770] [--target-mb 60] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_DAY = dt.date(2024, 7, 8)


# --------------------------------------------------------------------------- synthesis


def _day_geometry(base, day: int, days: int):
    import numpy as np
    import shapely

    push = 0.15 * day / max(days - 1, 1)  # degrees the front moves west over the run

    def warp(xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0], xy[:, 1]
        # strongest in the east (the front), nothing west of 33°E (Crimea, Kherson's bank)
        weight = np.clip((x - 33.0) / 4.0, 0.0, 1.0)
        wobble = 0.01 * np.sin(y * 7.0 + day / 9.0)
        return np.column_stack([x - weight * (push + wobble), y])

    return shapely.make_valid(shapely.transform(base, warp))


def _coords_text(geom) -> str:
    import shapely

    def ring(coords) -> str:
        return "[" + ",".join(f"[{x:.15f},{y:.15f}]" for x, y in coords) + "]"

    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
    return (
        "["
        + ",".join(
            "[" + ",".join([ring(p.exterior.coords), *[ring(i.coords) for i in p.interiors]]) + "]"
            for p in polys
        )
        + "]"
    )


def synthesise(path: Path, days: int, target_mb: float) -> dict:
    import shapely

    sys.path.insert(0, str(ROOT))
    from territory_viz import datasets

    base = datasets.load_snapshot("occupied-2025-08-15").geometry.iloc[0]
    per_day = target_mb * 1e6 / days
    # one densification step, then scale the segment length to hit the size per day
    seg = 0.02
    for _ in range(3):
        dense = shapely.segmentize(base, seg)
        size = len(_coords_text(dense)) + 90
        seg *= size / per_day
    dense = shapely.segmentize(base, seg)
    total = 0
    t0 = time.perf_counter()
    with gzip.open(path, "wb", compresslevel=6) as out:
        out.write(b'{"type":"FeatureCollection","features":[\n')
        for i in range(days):
            date = (FIRST_DAY + dt.timedelta(days=i)).isoformat()
            geom = _day_geometry(dense, i, days)
            props = json.dumps({"id": i + 1, "date": date}, separators=(",", ":"))
            text = (
                f'{{"type":"Feature","properties":{props},"geometry":'
                f'{{"type":"MultiPolygon","coordinates":{_coords_text(geom)}}}}}'
            )
            if i < days - 1:
                text += ",\n"
            data = text.encode()
            total += len(data)
            out.write(data)
        out.write(b"\n]}\n")
    return {
        "days": days,
        "uncompressed_mb": round(total / 1e6, 1),
        "gzip_mb": round(path.stat().st_size / 1e6, 1),
        "vertices_per_day": int(shapely.get_num_coordinates(dense)),
        "synthesis_s": round(time.perf_counter() - t0, 1),
    }


# --------------------------------------------------------------------------- stages


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(call, runs: int = 5) -> float:
    """Return the median wall-clock seconds of ``runs`` calls of ``call``."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def stage(name: str, archive: str) -> dict:
    sys.path.insert(0, str(ROOT))
    if name == "reference":
        import geopandas as gpd

        t0 = time.perf_counter()
        gdf = gpd.read_file(f"/vsigzip/{archive}", engine="pyogrio")
        elapsed = time.perf_counter() - t0
        return {"s": elapsed, "peak_mb": _peak_mb(), "features": len(gdf)}
    from territory_viz import areas
    from territory_viz import history as H

    areas.default_geography()  # the committed data, loaded by any command first
    if name == "index":
        t0 = time.perf_counter()
        h = H.open_history(archive)
        elapsed = time.perf_counter() - t0
        worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        workers = H._index_workers()
        return {
            "s": elapsed,
            "peak_mb": _peak_mb(),
            "days": len(h),
            "workers": workers,
            "worker_peak_mb": worker,
            # forked workers share the parent's pages: the sum over-counts
            "total_peak_mb": _peak_mb() + (workers * worker if workers > 1 else 0),
        }
    if name == "changes":
        import shapely

        h = H.open_history(archive)
        dates = h.dates()
        a = dates[len(dates) // 3]
        b = dates[min(len(dates) // 3 + 365, len(dates) - 1)]  # a year on, or the last day
        first = _timed(lambda: H.changes(h, a, b), runs=1)
        warm = _timed(lambda: H.changes(h, a, b))
        ga, gb = (H._day_equal_area(h.day(d)) for d in (a, b))
        reference = _timed(lambda: (shapely.difference(gb, ga), shapely.difference(ga, gb)))
        return {
            "s": warm,
            "first_s": first,
            "reference_s": reference,
            "from": a,
            "to": b,
            "peak_mb": _peak_mb(),
        }
    if name == "reconcile":
        h = H.open_history(archive)
        dates = h.dates()[::77][:10]
        t0, cpu = time.perf_counter(), time.process_time()
        for date in dates:
            h.layer(date)
        return {
            "s": (time.perf_counter() - t0) / len(dates),
            "cpu_day_s": (time.process_time() - cpu) / len(dates),
            "days": len(dates),
        }
    raise SystemExit(f"unknown stage {name}")


def _children_cpu_s() -> float:
    """CPU seconds of every child process waited for so far (their own children included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list[str], cache: Path, what: str) -> tuple[str, float, float]:
    """Run ``command`` with ``cache`` as the user cache: its output, seconds, CPU seconds.

    The CPU seconds are the process's and its workers' (all cores), a figure other load on
    the host inflates much less than the wall-clock seconds.
    """
    env = {**os.environ, "TERRITORY_VIZ_CACHE": str(cache)}
    cpu, t0 = _children_cpu_s(), time.perf_counter()
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed, cpu = time.perf_counter() - t0, _children_cpu_s() - cpu
    if out.returncode != 0:
        raise SystemExit(f"{what} failed:\n{out.stderr[-3000:]}")
    return out.stdout, elapsed, cpu


def run_stage(name: str, archive: Path, cache: Path) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--stage", name, str(archive)]
    stdout, _, cpu = _run(command, cache, f"stage {name}")
    return {**json.loads(stdout.strip().splitlines()[-1]), "cpu_s": cpu}


def run_cli(archive: Path, cache: Path) -> dict:
    command = ["timeline", str(archive), "--every", "month", "--format", "json"]
    stdout, elapsed, cpu = _run(
        [sys.executable, "-m", "territory_viz", *command], cache, "timeline"
    )
    return {"s": elapsed, "rows": len(json.loads(stdout)), "cpu_s": cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=770)
    parser.add_argument("--target-mb", type=float, default=60.0)
    parser.add_argument("--keep", metavar="DIR", help="keep the archive and caches in DIR")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("archive", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(stage(args.stage, args.archive)))
        return 0
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-history-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the start, {os.cpu_count()} cores", flush=True)
    try:
        archive = work / "synthetic-deepstate-map-data.geojson.gz"
        made = synthesise(archive, args.days, args.target_mb)
        print(
            f"archive: {made['days']} days, {made['uncompressed_mb']} MB uncompressed, "
            f"{made['gzip_mb']} MB gzipped, {made['vertices_per_day']:,} vertices a day "
            f"(made in {made['synthesis_s']} s)",
            flush=True,
        )
        ref = run_stage("reference", archive, work / "cache-ref")
        print(
            f"reference (GeoPandas reads it whole): {ref['s']:.1f} s, peak "
            f"{ref['peak_mb']:,.0f} MB",
            flush=True,
        )
        index = run_stage("index", archive, work / "cache-a")
        print(
            f"index (cold, streamed, {index['workers']} worker process(es)): "
            f"{index['s']:.1f} s ({index['s'] / ref['s']:.1f}x the reference; target < 60 s), "
            f"peak {index['peak_mb']:,.0f} MB in the main process, "
            f"{index['worker_peak_mb']:,.0f} MB per worker, at most "
            f"{index['total_peak_mb']:,.0f} MB together "
            f"({index['total_peak_mb'] / ref['peak_mb']:.2f}x the reference; "
            f"target < 1,500 MB); {index['cpu_s']:.1f} CPU s (all processes)",
            flush=True,
        )
        cold = run_cli(archive, work / "cache-b")
        warm = run_cli(archive, work / "cache-b")
        print(
            f"timeline --every month: cold (empty cache, indexes first) {cold['s']:.1f} s "
            f"(target < 60 s), {cold['cpu_s']:.1f} CPU s, {cold['rows']} rows; index on disk "
            f"{warm['s']:.2f} s",
            flush=True,
        )
        ch = run_stage("changes", archive, work / "cache-a")
        print(
            f"changes {ch['from']} -> {ch['to']}: warm {ch['s']:.3f} s (target < 2 s; "
            f"{ch['s'] / ch['reference_s']:.1f}x two plain shapely.difference calls, "
            f"{ch['reference_s']:.3f} s), first call {ch['first_s']:.3f} s",
            flush=True,
        )
        rec = run_stage("reconcile", archive, work / "cache-a")
        print(
            f"reconciling a day on its first use: {rec['s']:.2f} s a day, "
            f"{rec['cpu_day_s']:.2f} CPU s (mean of {rec['days']}, one process)",
            flush=True,
        )
        ok = index["s"] < 60 and index["total_peak_mb"] < 1500 and cold["s"] < 60 and ch["s"] < 2
        print(
            "budgets: " + ("met" if ok else "NOT met") + f"; load average "
            f"{os.getloadavg()[0]:.1f} at the end"
        )
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
