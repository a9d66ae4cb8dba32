"""The command line's time commands: ``timeline``, ``changes``, ``fetch`` and ``--date``.

Registered into :mod:`territory_viz.cli` (which imports this module last); the library does
the work (:mod:`territory_viz.history`, :mod:`territory_viz.fetch`).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Any

from territory_viz.cli import FORMATS, UsageError, arg, command
from territory_viz.style import ALL_REGIONS_LABEL, TOWN_CHANGE_MIN_POPULATION


def _history(value: str | None) -> Any:
    from territory_viz import history as H

    return H.default_history() if value is None else H.open_history(value)


def dated_baseline(args: argparse.Namespace, baseline: Any) -> Any:
    """Return a scenario command's baseline: ``--date`` (with ``--history``) or ``baseline``.

    Parameters
    ----------
    args
        The parsed arguments (``date``, ``history``, ``baseline`` may be absent).
    baseline
        What ``--baseline`` resolved to, used when no ``--date`` is given.
    """
    date = getattr(args, "date", None)
    history = getattr(args, "history", None)
    if date is None:
        if history is not None:
            raise UsageError("--history needs --date DATE (which day of it to use)")
        return baseline
    if getattr(args, "baseline", None) is not None:
        raise UsageError("give either --baseline or --date, not both")
    return _history(history).layer(date)


def _every_arg() -> Any:
    return arg(
        "--every",
        choices=("month", "week", "day"),
        default="day",
        help="one row per day, or the last day of each week or month (default: day)",
    )


def _format_arg() -> Any:
    return arg("--format", choices=FORMATS, default="table", help="output format")


_HISTORY_ARG = arg(
    "history",
    nargs="?",
    metavar="HISTORY",
    help="the DeepStateMap archive (.geojson.gz), a GeoJSON/GeoPackage with a date column, "
    "or a folder of single-day files; default: the committed snapshots and the cache",
)


@command(
    "timeline",
    help="area under Russian control per date (km², share of Ukraine, per region, change)",
    arguments=[_HISTORY_ARG, _every_arg(), _format_arg()],
)
def _timeline(args: argparse.Namespace) -> int:
    import json

    from territory_viz import history as H

    rows = H.timeline(_history(args.history), every=args.every)
    docs = [r.to_dict() for r in rows]
    if args.format == "json":
        print(json.dumps(docs, ensure_ascii=False, indent=2))
        return 0
    regions = sorted({iso for d in docs for iso in d["by_region"]})
    if args.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["date", "occupied_km2", "share", "change_km2", "source", *regions])
        for d in docs:
            writer.writerow(
                [
                    d["date"],
                    f"{d['occupied_km2']:.1f}",
                    f"{d['share']:.5f}",
                    "" if d["change_km2"] is None else f"{d['change_km2']:.1f}",
                    d["source"],
                    *[f"{d['by_region'].get(iso, 0.0):.1f}" for iso in regions],
                ]
            )
        print(out.getvalue(), end="")
        return 0
    if not docs:
        print("no days in the history")
        return 0
    head = f"{'date':<10} {'occupied km²':>13} {'share':>7} {'change km²':>11}"
    print(head + "".join(f" {iso:>8}" for iso in regions))
    for d in docs:
        change = "" if d["change_km2"] is None else f"{d['change_km2']:+,.1f}"
        print(
            f"{d['date']:<10} {d['occupied_km2']:>13,.1f} {d['share']:>7.2%} {change:>11}"
            + "".join(f" {d['by_region'].get(iso, 0.0):>8,.0f}" for iso in regions)
        )
    sources = sorted({d["source"] for d in docs})
    print(
        f"\n{len(docs)} rows; per region: km² under Russian control (ISO 3166-2 codes); "
        f"sources: {', '.join(sources)}"
    )
    return 0


@command(
    "changes",
    help="what changed hands between two days: km² to Russian and to Ukrainian control, per "
    f"region, and the towns ({TOWN_CHANGE_MIN_POPULATION:,}+) with their populations",
    arguments=[
        _HISTORY_ARG,
        arg(
            "--from",
            dest="date_from",
            metavar="DATE",
            required=True,
            help="the earlier day (YYYY-MM-DD)",
        ),
        arg(
            "--to", dest="date_to", metavar="DATE", required=True, help="the later day (YYYY-MM-DD)"
        ),
        _format_arg(),
    ],
)
def _changes(args: argparse.Namespace) -> int:
    import json

    from territory_viz import history as H
    from territory_viz.model import REGION_NAMES

    result = H.changes(_history(args.history), args.date_from, args.date_to)
    d = result.to_dict()
    if args.format == "json":
        print(json.dumps(d, ensure_ascii=False, indent=2))
        return 0
    if args.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["from", "to", "iso_code", "region", "to_russia_km2", "to_ukraine_km2", "net_km2"]
        )
        writer.writerow(
            [
                d["from"],
                d["to"],
                "UA",
                ALL_REGIONS_LABEL,
                f"{d['to_russia_km2']:.1f}",
                f"{d['to_ukraine_km2']:.1f}",
                f"{d['net_km2']:.1f}",
            ]
        )
        for iso, row in d["by_region"].items():
            writer.writerow(
                [
                    d["from"],
                    d["to"],
                    iso,
                    REGION_NAMES.get(iso, iso),
                    f"{row['to_russia_km2']:.1f}",
                    f"{row['to_ukraine_km2']:.1f}",
                    f"{row['net_km2']:.1f}",
                ]
            )
        print(out.getvalue(), end="")
        return 0
    lines = [
        f"Changes from {d['from']} to {d['to']}",
        "",
        f"  {'to Russian control':<34} {d['to_russia_km2']:>12,.1f} km²",
        f"  {'back to Ukrainian control':<34} {d['to_ukraine_km2']:>12,.1f} km²",
        f"  {'net change under Russian control':<34} {d['net_km2']:>+12,.1f} km²",
        "",
        "By region:",
    ]
    if not d["by_region"]:
        lines.append("  none")
    for iso, row in d["by_region"].items():
        lines.append(
            f"  {REGION_NAMES.get(iso, iso):<16} to Russian {row['to_russia_km2']:>9,.1f}"
            f"  to Ukrainian {row['to_ukraine_km2']:>9,.1f}  net {row['net_km2']:>+9,.1f}"
        )
    lines += [
        "",
        f"Towns changing hands ({TOWN_CHANGE_MIN_POPULATION:,}+ people): {len(d['towns'])}",
    ]
    lines += [
        f"  {t['name']:<24} {t['region']:<16} {t['population']:>9,}  {t['from']} -> {t['to']}"
        for t in d["towns"]
    ]
    print("\n".join(lines))
    return 0


@command(
    "fetch",
    help="download days of the public DeepStateMap archive into the user cache",
    description="Download days of the public DeepStateMap archive (kept on GitHub as "
    "cyterat/deepstate-map-data) into the user cache, where `timeline`, `changes` "
    "and --date find them. Base URL: $TERRITORY_VIZ_DEEPSTATE_URL, cache: "
    "$TERRITORY_VIZ_CACHE.",
    arguments=[
        arg("source", choices=("deepstate",), help="what to fetch: deepstate"),
        arg("--date", metavar="DATE", help="one day (YYYY-MM-DD)"),
        arg(
            "--latest",
            action="store_true",
            help="the newest day published (looks back up to a fortnight)",
        ),
        arg("--since", metavar="DATE", help="every day from DATE to today not yet in the cache"),
        arg(
            "--archive",
            action="store_true",
            help="the unified archive (every day in one .geojson.gz), indexed once",
        ),
    ],
)
def _fetch(args: argparse.Namespace) -> int:
    from territory_viz import fetch

    chosen = [
        name
        for name, value in (
            ("--date", args.date),
            ("--latest", args.latest),
            ("--since", args.since),
            ("--archive", args.archive),
        )
        if value
    ]
    if len(chosen) != 1:
        raise UsageError("say which days: one of --date DATE, --latest, --since DATE or --archive")
    print(fetch.LICENCE_NOTE, file=sys.stderr)
    progress = fetch.Progress(sys.stderr)
    if args.date:
        report = fetch.fetch_days([args.date], progress=progress)
    elif args.archive:
        report = fetch.fetch_archive(progress=progress)
    elif args.latest:
        report = fetch.fetch_latest(progress=progress)
    else:
        report = fetch.fetch_since(args.since, progress=progress)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1
