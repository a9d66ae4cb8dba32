"""Command line: ``python -m territory_viz <command>``.

This module owns argument parsing and the commands' output. Each command is one function
registered with :func:`command`; the library does the work. Bad arguments never print a
traceback: one line on stderr says what is allowed, and the exit code is 2. A broken
committed data file exits with 1.

Adding a command::

    @command("stats", help="...", arguments=[arg("scenario"), arg("--json", action="store_true")])
    def _stats(args: argparse.Namespace) -> int:
        ...
        return 0
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from territory_viz._errors import DataFileError, TerritoryVizError, ValidationError
from territory_viz.style import ALL_REGIONS_LABEL, CONTROL_LABELS, format_share, recognised_by
from territory_viz.textsafe import terminal_safe

PROG = "python -m territory_viz"

#: Output formats of ``export``, by file extension.
EXPORT_DRIVERS = {".geojson": "GeoJSON", ".gpkg": "GPKG"}


class UsageError(Exception):
    """Bad command-line usage; the message says what is allowed (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit code 2, without usage dumps."""

    def error(self, message: str) -> NoReturn:
        """Print one line naming the problem and what is allowed, then exit with 2."""
        hint = ""
        if "invalid choice" in message or "required" in message:
            hint = f" (see `{self.prog} --help`)"
        self.exit(2, f"{self.prog}: error: {message}{hint}\n")


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Arg:
    """One ``add_argument`` call: positional names/flags and keyword options."""

    names: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


def arg(*names: str, **options: Any) -> Arg:
    """Describe an argument of a command (same parameters as ``add_argument``)."""
    return Arg(names, options)


@dataclass(frozen=True)
class Command:
    """A registered subcommand."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    arguments: tuple[Arg, ...] = ()
    description: str | None = None


COMMANDS: dict[str, Command] = {}


def command(
    name: str,
    *,
    help: str,  # noqa: A002  (mirrors argparse)
    arguments: Sequence[Arg] = (),
    description: str | None = None,
) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    """Register the decorated function as the subcommand ``name``.

    Parameters
    ----------
    name
        The subcommand as typed (``layers``).
    help
        One line for ``--help``.
    arguments
        The command's arguments, made with :func:`arg`.
    description
        Longer text for ``<command> --help``; default: the help line.
    """

    def register(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = Command(name, help, run, tuple(arguments), description)
        return run

    return register


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every registered command."""
    parser = _Parser(
        prog=PROG,
        description="Maps of territorial control in Ukraine and the settlement scenarios.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.description or cmd.help)
        for a in cmd.arguments:
            p.add_argument(*a.names, **a.options)
        p.set_defaults(_run=cmd.run)
    return parser


class _TerminalSafe:
    r"""A text stream that drops control characters (terminal escapes) from what it writes.

    Titles, names and messages come from files: ``\x1b]...`` in a title must not retitle
    the analyst's terminal or rewrite what ``stats`` printed. JSON output is unaffected
    (``json.dumps`` writes controls as ``\u001b``).
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal_safe(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 broken data, 2 bad usage)."""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _TerminalSafe(stdout), _TerminalSafe(stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return int(exc.code or 0)
    if getattr(args, "_run", None) is None:
        print(
            f"{PROG}: error: choose a command: {', '.join(COMMANDS)} (see `{PROG} --help`)",
            file=sys.stderr,
        )
        return 2
    try:
        return args._run(args)
    except BrokenPipeError:
        # output piped into `head` and closed early: not an error worth a traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (UsageError, ValidationError) as exc:
        print(f"{PROG} {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except DataFileError as exc:
        print(f"{PROG} {args.command}: broken data file: {_one_line(exc)}", file=sys.stderr)
        return 1
    except TerritoryVizError as exc:
        print(f"{PROG} {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


# --------------------------------------------------------------------------- layers


@command("layers", help="list every layer: id, date, area in km², source")
def _layers(args: argparse.Namespace) -> int:
    from territory_viz import datasets

    for info in datasets.list_layers():
        area = f"{info.area_km2:>12,.1f} km²" if info.area_km2 is not None else f"{'-':>16}"
        print(f"{info.id:<28} {info.date or '-':<10} {area}  {info.source}")
    return 0


# --------------------------------------------------------------------------- dates

#: ``--date DATE`` and ``--history HISTORY``: a scenario command on a day of a history.
DATE_ARGS = [
    arg(
        "--date",
        metavar="DATE",
        help="evaluate on the line of this day (YYYY-MM-DD) of --history, or of the "
        "committed snapshots and the fetched days",
    ),
    arg(
        "--history",
        metavar="HISTORY",
        help="with --date: a multi-date file (the DeepStateMap archive .geojson.gz, a "
        "GeoJSON/GeoPackage with a date column) or a folder of single-day files",
    ),
]


def _date_args() -> list[Arg]:
    return list(DATE_ARGS)


def _baseline_of(args: argparse.Namespace) -> Any:
    """Resolve a scenario command's baseline: ``--date`` (with ``--history``) or ``--baseline``."""
    from territory_viz._cli_history import dated_baseline

    baseline = dated_baseline(args, _baseline_arg(args.baseline))
    _print_layer_notes(baseline)
    return baseline


def _print_layer_notes(baseline: Any) -> None:
    """Say on stderr what loading a control layer changed (repairs, clipping, reconciliation)."""
    attrs = getattr(baseline, "attrs", None) or {}
    for note in attrs.get("notes", ()):
        print(f"note: {note}", file=sys.stderr)


def _notice_lines(d: dict[str, Any]) -> list[str]:
    """Return the date notice, the approximation note and the readings of a stats document."""
    lines = []
    if d.get("date_notice"):
        lines.append(f"Dates differ: {d['date_notice']}.")
    lines.append(d["approximation"])
    readings = [d["reading"]] if d.get("reading") else []
    readings += [r for r in d.get("rule_readings", ()) if r not in readings]
    lines += [f"Reading: {r}" for r in readings]
    return lines


# --------------------------------------------------------------------------- export


@command(
    "export",
    help="write a layer (--layer ID) or a scenario's partition (ID) to .geojson, .gpkg "
    "(or .csv for a scenario), by the file's extension",
    arguments=[
        arg(
            "scenario",
            nargs="?",
            metavar="ID",
            help="scenario id or .toml file: writes its partition",
        ),
        arg("--layer", metavar="ID", help="layer id, as listed by `layers`"),
        arg(
            "-o",
            "--output",
            metavar="FILE",
            required=True,
            help="output .geojson or .gpkg (.csv: a scenario's table without geometry)",
        ),
        arg(
            "--baseline",
            metavar="LAYER",
            help="scenario export: snapshot id or control-layer file (default: the latest)",
        ),
        arg("--scenario-file", metavar="FILE", help="scenario export: read it from FILE"),
        *_date_args(),
    ],
)
def _export(args: argparse.Namespace) -> int:
    if args.layer and (args.scenario or args.scenario_file):
        raise UsageError("give either --layer ID or a scenario id, not both")
    if args.scenario or args.scenario_file:
        return export_scenario(args)
    driver = _export_driver(args.output)
    if args.date and args.layer:
        raise UsageError("give either --layer ID or --date DATE (that day's control layer)")
    if args.date:
        gdf = _baseline_of(args)  # the day's control layer
        write_layer(gdf, Path(args.output), driver=driver, layer_name=str(gdf["id"].iloc[0]))
        print(f"wrote {args.output} (the control layer of {args.date}, {driver})")
        return 0
    if not args.layer:
        raise UsageError("say what to export: --layer ID (see `layers` for the ids) or --date DATE")
    from territory_viz import datasets

    gdf = datasets.load_layer(args.layer)
    write_layer(gdf, Path(args.output), driver=driver, layer_name=args.layer)
    print(f"wrote {args.output} ({len(gdf)} feature{'s' if len(gdf) != 1 else ''}, {driver})")
    return 0


def _export_driver(output: str) -> str:
    suffix = Path(output).suffix.lower()
    if suffix not in EXPORT_DRIVERS:
        allowed = " or ".join(EXPORT_DRIVERS)
        raise UsageError(f"-o {output}: the file name must end in {allowed}")
    return EXPORT_DRIVERS[suffix]


def export_scenario(args: argparse.Namespace) -> int:
    """Export a scenario's partition (.geojson, .gpkg, or .csv without geometry)."""
    from territory_viz.scenarios import evaluate

    path = Path(args.output)
    suffix = path.suffix.lower()
    if suffix not in SCENARIO_EXPORTS:
        raise UsageError(
            f"-o {args.output}: the file name must end in {', '.join(SCENARIO_EXPORTS)}"
        )
    scenario = _scenario_arg(args.scenario, args.scenario_file)
    baseline = _baseline_of(args)
    partition = evaluate(scenario, baseline)
    if SCENARIO_EXPORTS[suffix] == "CSV":
        if not path.parent.exists():
            raise UsageError(f"-o {path}: folder {path.parent} does not exist")
        try:
            from territory_viz import notices

            note = notices.export_note(
                scenario.as_of,
                partition.attrs.get("baseline_date", ""),
                str(partition.attrs.get("baseline", "")),
            )
            table = partition.drop(columns="geometry").assign(note=note)
            table.to_csv(path, index=False, float_format="%.3f")
        except OSError as exc:
            raise UsageError(f"-o {path}: cannot write ({exc})") from exc
    else:
        write_layer(partition, path, driver=SCENARIO_EXPORTS[suffix], layer_name=scenario.id)
    print(
        f"wrote {path} ({len(partition)} pieces of {scenario.id} over "
        f"{partition.attrs.get('baseline', '')})"
    )
    return 0


def write_layer(gdf: Any, path: Path, *, driver: str, layer_name: str) -> None:
    """Write a GeoDataFrame to ``path`` with ``driver``, replacing an existing file.

    Raises
    ------
    UsageError
        If the file cannot be written (missing folder, no permission).
    """
    if not path.parent.exists():
        raise UsageError(f"-o {path}: folder {path.parent} does not exist")
    if path.exists():
        path.unlink()  # GeoPackage would otherwise add a layer to the old file
    try:
        gdf.to_file(path, driver=driver, layer=layer_name, engine="pyogrio")
    except OSError as exc:
        raise UsageError(f"-o {path}: cannot write ({exc})") from exc


# --------------------------------------------------------------------------- scenarios
# (scenario engine commands: scenarios, stats, compare, validate, render; export ID above)

#: Scenario export formats, by file extension.
SCENARIO_EXPORTS = {".geojson": "GeoJSON", ".gpkg": "GPKG", ".csv": "CSV"}
#: Output formats of ``stats`` and ``compare``.
FORMATS = ("table", "json", "csv")


def _scenario_arg(name: str | None, scenario_file: str | None) -> Any:
    """Resolve a scenario from an id, a ``.toml`` path given as the id, or --scenario-file."""
    from territory_viz.scenarios import get_scenario, parse_scenario, resolve_scenario

    if scenario_file is not None:
        scenario = parse_scenario(Path(scenario_file))
        if name is not None and name != scenario.id:
            raise UsageError(
                f"--scenario-file {scenario_file} holds scenario "
                f"{scenario.id!r}, not {name!r}; give one or the other"
            )
        return scenario
    if name is None:
        raise UsageError(
            "say which scenario: an id (see `scenarios`), a .toml file, or --scenario-file FILE"
        )
    if name.lower().endswith(".toml"):
        return parse_scenario(Path(name))
    if name == "baseline":
        return resolve_scenario(name)
    return get_scenario(name)


def _baseline_arg(value: str | None) -> Any:
    """Resolve --baseline: a snapshot id (``occupied-YYYY-MM-DD``) or a control-layer file."""
    if value is None:
        return None
    from territory_viz import datasets

    if value in datasets.snapshot_ids():
        return value
    if (
        Path(value).suffix.lower() in (".geojson", ".json", ".gpkg", ".kml")
        or Path(value).is_file()
    ):
        from territory_viz.loaders import load_control_layer

        return load_control_layer(Path(value))
    raise UsageError(
        f"--baseline {value}: unknown baseline; allowed: "
        f"{', '.join(datasets.snapshot_ids())} or a .geojson/.gpkg/.kml file"
    )


_SCENARIO_ARGS = [
    arg(
        "--baseline",
        metavar="LAYER",
        help="snapshot id (see `layers`) or a control-layer file; default: the latest",
    ),
    arg("--scenario-file", metavar="FILE", help="read the scenario from a TOML file"),
]


def _format_arg() -> Arg:
    return arg("--format", choices=FORMATS, default="table", help="output format")


@command(
    "scenarios",
    help="list the built-in scenarios: id, then title",
    arguments=[arg("--format", choices=("table", "json"), default="table")],
)
def _scenarios(args: argparse.Namespace) -> int:
    import json

    from territory_viz.scenarios import list_scenarios

    scenarios = list_scenarios()
    if args.format == "json":
        print(
            json.dumps(
                [{"id": s.id, "title": s.title, "as_of": s.as_of.isoformat()} for s in scenarios],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    width = max(len(s.id) for s in scenarios)
    for s in scenarios:
        print(f"{s.id:<{width}}  {s.title}")
    return 0


@command(
    "stats",
    help="areas, pre-war population, balance, towns and recognition of a scenario",
    arguments=[
        arg("scenario", nargs="?", metavar="ID", help="scenario id or .toml file"),
        *_SCENARIO_ARGS,
        *_date_args(),
        _format_arg(),
    ],
)
def _stats(args: argparse.Namespace) -> int:
    from territory_viz import notices
    from territory_viz.stats import scenario_stats

    scenario = _scenario_arg(args.scenario, args.scenario_file)
    stats = scenario_stats(scenario, _baseline_of(args))
    if args.format == "json":
        _print_json(stats.to_dict())
    elif args.format == "csv":
        table = stats.by_region[
            ["iso_code", "region", "control", "area_km2", "share_of_region", "population"]
        ].copy()
        totals = stats.by_control.assign(iso_code="UA", region=ALL_REGIONS_LABEL)
        totals = totals.rename(columns={"share": "share_of_region"})[table.columns]
        note = notices.export_note(scenario.as_of, stats.baseline_date, stats.baseline_id)
        table = table.assign(scenario=scenario.id, baseline=stats.baseline_id, note=note)
        totals = totals.assign(scenario=scenario.id, baseline=stats.baseline_id, note=note)
        import pandas as pd

        out = pd.concat([totals, table], ignore_index=True)
        out = out[
            ["scenario", "baseline", *[c for c in out.columns if c not in ("scenario", "baseline")]]
        ]
        print(out.to_csv(index=False, float_format="%.3f"), end="")
    else:
        print(_stats_table(stats.to_dict()))
    return 0


#: What ``compare -o`` draws.
COMPARE_MAPS = ("pair", "change")


@command(
    "compare",
    help="what changes from scenario A to scenario B: km², people, towns, regions",
    arguments=[
        arg("a", metavar="A", help="scenario id, `baseline`, or .toml file"),
        arg("b", metavar="B", help="scenario id, `baseline`, or .toml file"),
        arg(
            "--baseline",
            metavar="LAYER",
            help="snapshot id or control-layer file; default: the latest",
        ),
        *_date_args(),
        _format_arg(),
        arg(
            "-o",
            "--output",
            metavar="FILE",
            help="draw instead of printing: the two maps side by side (.svg or .png), or with "
            "--map change the change map (.svg, .png or an offline .html)",
        ),
        arg(
            "--map",
            choices=COMPARE_MAPS,
            default="pair",
            help="with -o: pair (A and B side by side, the default) or change (what differs)",
        ),
        arg(
            "--width",
            type=int,
            default=None,
            metavar="PX",
            help="PNG width in pixels (default 2400 for the pair, 1800 for the change map; "
            "1000 to 6000)",
        ),
    ],
)
def _compare(args: argparse.Namespace) -> int:
    from territory_viz.stats import compare

    if args.output is not None:
        return _compare_picture(args)
    if args.width is not None or args.map != "pair":
        raise UsageError("--map and --width draw a picture: give -o FILE.svg, .png or .html")
    a = _scenario_arg(args.a, None)
    b = _scenario_arg(args.b, None)
    comparison = compare(a, b, _baseline_of(args))
    d = comparison.to_dict()
    if args.format == "json":
        _print_json(d)
    elif args.format == "csv":
        from territory_viz import notices

        table = comparison.changes.drop(columns="geometry")
        table.insert(0, "b", b.id)
        table.insert(0, "a", a.id)
        table["note"] = notices.export_note(None, comparison.baseline_date, comparison.baseline_id)
        print(table.to_csv(index=False, float_format="%.3f"), end="")
    else:
        lines = [f"{a.id} -> {b.id} (baseline {d['baseline']})"]
        lines += [f"Dates differ ({sid}): {n}." for sid, n in d["date_notices"].items()]
        lines += [d["approximation"], "", "Balance:"]
        lines += _balance_lines(d["balance"])
        lines += ["", "Changes by region:"]
        if not d["changes"]:
            lines.append("  none")
        for c in d["changes"]:
            what = (
                f"{c['from']} -> {c['to']}"
                if c["from"] != c["to"]
                else (f"{c['from_class']} -> {c['to_class']}")
            )
            lines.append(
                f"  {c['region']:<16} {what:<34} {c['area_km2']:>11,.1f} km² "
                f"{c['population']:>11,} people"
            )
        lines += ["", *_town_lines(d["towns_changing_hands"])]
        print("\n".join(lines))
    return 0


def _compare_picture(args: argparse.Namespace) -> int:
    """Write the compare pair or the change map (``compare A B -o FILE``)."""
    path = Path(args.output)
    kind = RENDER_FORMATS.get(path.suffix.lower())
    allowed = ".svg, .png or .html" if args.map == "change" else ".svg or .png"
    if kind is None or (kind == "html" and args.map != "change"):
        extra = " (an HTML file: the change map, --map change)" if kind == "html" else ""
        raise UsageError(f"-o {args.output}: the file name must end in {allowed}{extra}")
    if not path.parent.exists():
        raise UsageError(f"-o {path}: folder {path.parent} does not exist")
    if args.width is not None and (kind != "png" or not 1000 <= args.width <= 6000):
        raise UsageError(f"--width {args.width}: allowed only with .png, from 1000 to 6000")
    if args.format != "table":
        raise UsageError("--format prints the figures; -o draws a map: give one or the other")
    from territory_viz import svg
    from territory_viz.scenarios import evaluate_full
    from territory_viz.stats import compare_evaluations

    a = _scenario_arg(args.a, None)
    b = _scenario_arg(args.b, None)
    baseline = _baseline_of(args)
    ev_a = evaluate_full(a, baseline)
    ev_b = evaluate_full(b, ev_a.baseline)
    comparison = compare_evaluations(ev_a, ev_b)
    if kind == "html":
        from territory_viz import render

        data = render.change_map_html(comparison, baseline=baseline).encode("utf-8")
    else:
        pictures = svg.compare_pictures(
            a,
            b,
            partitions=(ev_a.partition, ev_b.partition),
            comparison=comparison,
            which=[args.map],
        )
        picture = pictures[args.map]
        default_width = svg.PAIR_PNG_WIDTH_PX if args.map == "pair" else svg.PNG_WIDTH_PX
        data = (
            picture.encode("utf-8")
            if kind == "svg"
            else svg.svg_to_png(picture, width_px=args.width or default_width)
        )
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"-o {path}: cannot write ({exc})") from exc
    what = "A and B side by side" if args.map == "pair" else "the change map"
    print(f"wrote {path} ({len(data) / 1024:,.0f} KB, {a.id} -> {b.id}, {what})")
    return 0


@command(
    "validate",
    help="check scenario files; list every problem with its field and what is allowed",
    arguments=[arg("files", nargs="+", metavar="FILE", help="scenario .toml files")],
)
def _validate(args: argparse.Namespace) -> int:
    from territory_viz.scenarios import parse_scenario

    bad = 0
    for name in args.files:
        try:
            scenario = parse_scenario(Path(name))
        except ValidationError as exc:
            bad += 1
            print(
                f"{exc.source}: {len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}",
                file=sys.stderr,
            )
            for problem in exc.problems:
                print(f"  - {problem}", file=sys.stderr)
            continue
        print(
            f"{name}: ok ({scenario.id}, {len(scenario.rules)} rule"
            f"{'s' if len(scenario.rules) != 1 else ''})"
        )
    return 2 if bad else 0


#: Output formats of ``render``, by file extension.
RENDER_FORMATS = {".html": "html", ".htm": "html", ".svg": "svg", ".png": "png"}


@command(
    "render",
    help="draw a scenario's map: standalone HTML (works offline), SVG or PNG for print "
    "(legend, names, date, sources, scale bar), by the file's extension",
    arguments=[
        arg("scenario", nargs="?", metavar="ID", help="scenario id or .toml file"),
        arg("-o", "--output", metavar="FILE", required=True, help="output .html, .svg or .png"),
        arg(
            "--width",
            type=int,
            default=None,
            metavar="PX",
            help="PNG width in pixels (default 1800; 1000 to 6000)",
        ),
        *_SCENARIO_ARGS,
        *_date_args(),
    ],
)
def _render(args: argparse.Namespace) -> int:
    path = Path(args.output)
    kind = RENDER_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise UsageError(f"-o {args.output}: the file name must end in .html, .svg or .png")
    if not path.parent.exists():
        raise UsageError(f"-o {path}: folder {path.parent} does not exist")
    if args.width is not None and (kind != "png" or not 1000 <= args.width <= 6000):
        raise UsageError(f"--width {args.width}: allowed only with .png, from 1000 to 6000")
    scenario = _scenario_arg(args.scenario, args.scenario_file)
    baseline = _baseline_of(args)
    if kind == "html":
        from territory_viz import render

        data = render.standalone_html(scenario, baseline=baseline).encode("utf-8")
    else:
        from territory_viz import svg

        picture = svg.scenario_svg(scenario, baseline)
        data = (
            picture.encode("utf-8")
            if kind == "svg"
            else svg.svg_to_png(picture, width_px=args.width or svg.PNG_WIDTH_PX)
        )
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"-o {path}: cannot write ({exc})") from exc
    print(f"wrote {path} ({len(data) / 1024:,.0f} KB, {scenario.id})")
    from territory_viz import notices

    # What the picture's legend and footer say, said here too.
    date = _layer_date(baseline)
    for line in (notices.date_notice(scenario.as_of, date), notices.approximation_note(date)):
        if line:
            print(line)
    return 0


def _layer_date(baseline: Any) -> str:
    """Return the date of a command's baseline (a snapshot id or a loaded layer), or ``""``."""
    from territory_viz import datasets

    if baseline is None or isinstance(baseline, str):
        return datasets.snapshot_metadata(baseline or datasets.DEFAULT_BASELINE)["date"][:10]
    date = baseline["date"].iloc[0] if "date" in baseline and len(baseline) else ""
    return "" if date is None or str(date) in ("", "NaT", "nan") else str(date)[:10]


@command(
    "town",
    help="who controls a town on the baseline date and under each scenario",
    description="Find a town by name (any common spelling: Sloviansk, Slovyansk, "
    "Слов'янськ; 'Name, Region' when several places share it) and say who controls it on "
    "the baseline date and under each built-in scenario, with its pre-war population.",
    arguments=[
        arg("name", nargs="+", metavar="NAME", help="place name, e.g. Kramatorsk"),
        arg(
            "--region",
            metavar="REGION",
            help="region name or ISO code when several places share the name",
        ),
        arg(
            "--baseline",
            metavar="LAYER",
            help="snapshot id or control-layer file; default: the latest",
        ),
        *_date_args(),
        arg("--format", choices=("table", "json"), default="table", help="output format"),
    ],
)
def _town(args: argparse.Namespace) -> int:
    from territory_viz.towns import town_report

    report = town_report(" ".join(args.name), region=args.region, baseline=_baseline_of(args))
    if args.format == "json":
        _print_json(report)
        return 0
    base = report["baseline"]
    lines = [
        f"{report['name']} ({report['region']}), pre-war population {report['population']:,}",
        f"On {base['date'] or base['id']} (baseline {base['id']}): "
        f"{CONTROL_LABELS.get(base['control'], base['control'])}",
        "",
        "Under each scenario:",
    ]
    width = max((len(sid) for sid in report["scenarios"]), default=0)
    for sid, outcome in report["scenarios"].items():
        control = CONTROL_LABELS.get(outcome["control"], outcome["control"])
        accepted = recognised_by(outcome["recognition"]) if outcome["control"] != "ukraine" else ""
        recognised = f"; recognised {accepted}" if accepted else ""
        lines.append(f"  {sid:<{width}}  {control}{recognised}")
    print("\n".join(lines))
    return 0


@command(
    "site",
    help="write a static site: every built-in scenario on every committed baseline as an "
    "offline page (map, numbers, sources), a gallery, pictures and data, for any static host",
    arguments=[
        arg("-o", "--output", metavar="DIR", required=True, help="folder to write (created)"),
        arg(
            "--scenario",
            action="append",
            metavar="ID",
            help="only this built-in scenario (repeatable; default: all)",
        ),
        arg(
            "--baseline",
            action="append",
            metavar="ID",
            help="only this committed snapshot as baseline (repeatable; default: all)",
        ),
    ],
)
def _site(args: argparse.Namespace) -> int:
    from territory_viz import datasets, scenarios, site

    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"-o {out}: exists and is not a folder")
    for value in args.scenario or ():
        if value not in scenarios.BUILTIN_IDS:
            raise UsageError(
                f"--scenario {value}: not a built-in scenario; allowed: "
                f"{', '.join(scenarios.BUILTIN_IDS)}"
            )
    known = datasets.snapshot_ids()
    for value in args.baseline or ():
        if value not in known:
            raise UsageError(
                f"--baseline {value}: not a committed snapshot; allowed: {', '.join(sorted(known))}"
            )
    try:
        report = site.build_site(
            out,
            scenario_ids=args.scenario,
            baseline_ids=args.baseline,
            progress=lambda key: print(f"  {key}/", flush=True),
        )
    except OSError as exc:
        raise UsageError(f"-o {out}: cannot write ({exc.strerror or exc})") from exc
    print(
        f"wrote {out}/ ({len(report.pages)} pages, {report.files} files, "
        f"{report.bytes / 1e6:,.1f} MB); open {out / 'index.html'}"
    )
    return 0


def _print_json(document: Any) -> None:
    import json

    print(json.dumps(document, ensure_ascii=False, indent=2))


def _balance_lines(balance: dict[str, Any]) -> list[str]:
    from territory_viz.style import COMPARE_BALANCE_ROWS, FROM_UKRAINE_LABEL

    def lower_first(label: str) -> str:
        return label[:1].lower() + label[1:]

    rows = [
        (lower_first(label), balance[f"{key}_km2"], balance[f"{key}_population"])
        for key, label in COMPARE_BALANCE_ROWS
    ]
    rows.append(
        (
            lower_first(FROM_UKRAINE_LABEL),
            balance["from_ukraine_km2"],
            balance["from_ukraine_population"],
        )
    )
    return [
        f"  {label:<32} {km2:>11,.1f} km² {people:>11,} people (pre-war)"
        for label, km2, people in rows
    ]


def _town_lines(towns: list[dict[str, Any]]) -> list[str]:
    from territory_viz.style import TOWN_CHANGE_MIN_POPULATION

    lines = [f"Towns changing hands ({TOWN_CHANGE_MIN_POPULATION:,}+ people): {len(towns)}"]
    lines += [
        f"  {t['name']:<24} {t['region']:<16} {t['population']:>9,}  {t['from']} -> {t['to']}"
        for t in towns
    ]
    return lines


def _stats_table(d: dict[str, Any]) -> str:
    lines = [
        f"{d['scenario']}: {d['title']}",
        f"baseline {d['baseline']} ({d['baseline_date'] or 'no date'}); as of {d['as_of']}",
        *_notice_lines(d),
    ]
    for source in d["sources"]:
        lines.append(f"  source: {source['publisher']}, {source['date']}, {source['title']}")
    lines += ["", f"{'control':<16} {'area km²':>12} {'share':>7} {'pre-war population':>19}"]
    for control, v in d["by_control"].items():
        lines.append(
            f"{control:<16} {v['area_km2']:>12,.1f} {format_share(v['share']):>7} "
            f"{v['population']:>19,}"
        )
    lines.append(
        f"{'total':<16} {d['total_area_km2']:>12,.1f} {format_share(1):>7} "
        f"{d['total_population']:>19,}"
    )
    lines += ["", "Balance against the baseline:", *_balance_lines(d["balance"])]
    lines += ["", *_town_lines(d["towns_changing_hands"])]
    lines += ["", "Recognition (what each party accepts about the control):"]
    for r in d["recognition"]:
        parties = ", ".join(f"{p} {level}" for p, level in r["parties"].items())
        lines.append(f"  {r['control']:<14} {r['area_km2']:>11,.1f} km²  {parties}")
    if not d["recognition"]:
        lines.append("  none: all under Ukrainian control")
    return "\n".join(lines)


# The time commands (timeline, changes, fetch) live in their own module; importing it
# registers them.
from territory_viz import _cli_history  # noqa: E402, F401
