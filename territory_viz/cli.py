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
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from territory_viz._errors import DataFileError, TerritoryVizError, ValidationError

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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 broken data, 2 bad usage)."""
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


# --------------------------------------------------------------------------- export


@command(
    "export",
    help="write a layer (--layer ID) as GeoJSON or GeoPackage, by the file's extension",
    arguments=[
        arg("scenario", nargs="?", help=argparse.SUPPRESS),  # scenario exports come later
        arg("--layer", metavar="ID", help="layer id, as listed by `layers`"),
        arg("-o", "--output", metavar="FILE", required=True, help="output .geojson or .gpkg"),
    ],
)
def _export(args: argparse.Namespace) -> int:
    driver = _export_driver(args.output)
    if args.layer and args.scenario:
        raise UsageError("give either --layer ID or a scenario id, not both")
    if args.scenario:
        return export_scenario(args, driver)
    if not args.layer:
        raise UsageError("say what to export: --layer ID (see `layers` for the ids)")
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


def export_scenario(args: argparse.Namespace, driver: str) -> int:
    """Export a scenario's partition; the scenarios engine plugs in here."""
    raise UsageError(
        f"unknown export target {args.scenario!r}: exporting scenarios is not available yet; "
        "use --layer ID"
    )


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
