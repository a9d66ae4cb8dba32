"""Write a date's facts (which settlement was on which side) into its anchors CSV.

The facts file lists, for one date, GeoNames places near the line of contact with their side
and their distance to the line (``geonameid,name,population,lat,lon,status,km_from_line``;
``status`` is ``russian_control`` or ``ukrainian_control``; the date is in the file name,
``settlements-YYYY-MM-DD.csv``, or given with ``--date``). This script writes them into
``data/control/anchors-YYYY-MM-DD.csv`` (see ``territory_viz/_snapshots.py`` for its columns),
by these rules:

1. Every listed place is a ``settlement`` row with its side, its ``km_from_line`` and a note
   citing the source ("Russian control on DATE per CITATION; 2.6 km from the line"). A row of
   the same geonameid is updated in place (its label and coordinates kept); a new place is
   added with its GeoNames spelling and coordinates.
2. A settlement row citing an earlier reading for a place no longer listed loses that note and
   distance (its side stays, as a plain anchor).
3. A hand-placed ``vertex`` row (not a "Line off" row) within ``SUPERSEDED_KM`` of a listed place,
   or inside a listed place's disk of the other side, is dropped: the facts supersede it.
   ``natural`` rows (river banks, the spit) are kept.
4. A "Line off X" row whose distance no longer matches X's listed distance (or whose place is no
   longer listed, or changed sides) is dropped; ``--line-off GEONAMEID`` places it again.
5. ``--line-off GEONAMEID`` (repeatable) places a vertex of the other side 0.7 km beyond the
   listed distance from that place, so that the derived line passes at that distance: on the
   circle of that radius, among the points on land that lie outside every listed disk of the
   place's side, the one nearest the current line of contact (of the committed snapshot of the
   date, ``--snapshot``). A place whose whole circle lies in such disks gets none (reported).

Rows keep their order; new settlement rows go after the last settlement row, new "Line off"
rows at the end. Running it again with the same facts changes nothing.

Usage
-----
    python scripts/facts_to_anchors.py ../shared/facts/settlements-2026-08-22.csv
    python scripts/facts_to_anchors.py FACTS.csv --from data/control/anchors-2025-08-15.csv
    python scripts/facts_to_anchors.py FACTS.csv --line-off 696717   # then rebuild
    python scripts/facts_to_anchors.py FACTS.csv --check   # exit 1 if the anchors would change

Then rebuild the snapshots: ``python scripts/build_snapshots.py``.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from territory_viz._errors import TerritoryVizError, ValidationError  # noqa: E402
from territory_viz._snapshots import ANCHOR_COLUMNS, read_anchors  # noqa: E402

CONTROL_DIR = ROOT / "data" / "control"
#: How the facts are cited in every note (the facts' own licence note asks for this wording).
CITATION = "DeepStateMap (deepstatemap.live), read 2026-12-01"
#: Columns a facts file must have.
FACTS_COLUMNS = ("geonameid", "name", "population", "lat", "lon", "status", "km_from_line")
#: The facts' ``status`` values and the anchors' ``side`` each stands for.
STATUS_SIDE = {"russian_control": "occupied", "ukrainian_control": "ukraine"}
#: A hand-placed vertex this close (km) to a listed place is superseded by it (rule 3).
SUPERSEDED_KM = 5.0
#: How far beyond the listed distance a "Line off" vertex goes (km): the Voronoi line then runs
#: about halfway, near the listed distance (rule 5).
LINE_OFF_BEYOND_KM = 0.7
#: Directions tried on the circle (rule 5).
LINE_OFF_STEPS = 360
#: Ukraine's bounding box (lon, lat), as ``read_anchors`` checks it.
BOUNDS = (22.0, 44.0, 41.0, 53.0)

_BEYOND_M = LINE_OFF_BEYOND_KM * 1000.0
# A "Line off" vertex still fits its place if it lies this close (m) to where rule 5 puts it.
_FIT_M = 300.0
_FACTS_NOTE = re.compile(r"^(Russian|Ukrainian) control on \d{4}-\d{2}-\d{2} per ")
_LINE_OFF_NOTE = re.compile(r"which runs ([0-9.]+) km from (.+)$")
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Fact:
    """One row of a facts file."""

    geonameid: int
    name: str
    lon_text: str
    lat_text: str
    side: str
    km_text: str

    @property
    def lon(self) -> float:
        return float(self.lon_text)

    @property
    def lat(self) -> float:
        return float(self.lat_text)

    @property
    def km(self) -> float:
        return float(self.km_text)


def read_facts(path: Path) -> list[Fact]:
    """Read and check a facts file; every problem is collected.

    Raises
    ------
    ValidationError
        Naming the file, the line, the field and what is allowed.
    """
    if not path.is_file():
        raise ValidationError(path, ["file not found"])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError(path, ["not UTF-8 text"]) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in FACTS_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(path, [f"missing columns {missing}; expected {list(FACTS_COLUMNS)}"])
    facts: list[Fact] = []
    problems: list[str] = []
    seen: dict[int, int] = {}
    for line, row in enumerate(reader, start=2):
        bad = []
        gid = (row["geonameid"] or "").strip()
        if not gid.isdigit():
            bad.append(f"geonameid {gid!r} is not a GeoNames id (digits)")
        elif int(gid) in seen:
            bad.append(f"geonameid {gid} already listed on line {seen[int(gid)]}")
        name = (row["name"] or "").strip()
        if not name:
            bad.append("name is empty")
        coords = []
        for field, low, high in (("lon", BOUNDS[0], BOUNDS[2]), ("lat", BOUNDS[1], BOUNDS[3])):
            value = (row[field] or "").strip()
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if not low <= number <= high:
                bad.append(f"{field} {value!r} is not a number from {low:g} to {high:g}")
            coords.append(value)
        status = (row["status"] or "").strip()
        if status not in STATUS_SIDE:
            bad.append(f"status {status!r} is not one of {sorted(STATUS_SIDE)}")
        km = (row["km_from_line"] or "").strip()
        try:
            km_ok = 0.0 <= float(km) <= 100.0
        except ValueError:
            km_ok = False
        if not km_ok:
            bad.append(f"km_from_line {km!r} is not a distance of 0-100 km")
        if bad:
            problems.extend(f"line {line}: {p}" for p in bad)
            continue
        seen[int(gid)] = line
        facts.append(Fact(int(gid), name, coords[0], coords[1], STATUS_SIDE[status], km))
    if problems:
        raise ValidationError(path, problems)
    if not facts:
        raise ValidationError(path, ["no rows"])
    return facts


def facts_note(fact: Fact, date: str, citation: str = CITATION) -> str:
    """The note of a listed place's row."""
    who = "Russian" if fact.side == "occupied" else "Ukrainian"
    return f"{who} control on {date} per {citation}; {fact.km:.1f} km from the line"


def line_off_note(label: str, fact: Fact, citation: str = CITATION) -> str:
    """The note of a "Line off" row."""
    return (
        f"placed {LINE_OFF_BEYOND_KM:g} km beyond the line, which runs {fact.km:.1f} km "
        f"from {label} ({citation})"
    )


def _to_metres():
    from pyproj import Transformer

    from territory_viz.model import CRS_EQUAL_AREA, CRS_GEOGRAPHIC

    return Transformer.from_crs(CRS_GEOGRAPHIC, CRS_EQUAL_AREA, always_xy=True)


def _line_off_place(note: str, citation: str) -> tuple[float, str] | None:
    """The distance and the place's label a "Line off" note names, or ``None``."""
    suffix = f" ({citation})"
    match = _LINE_OFF_NOTE.search(note[: -len(suffix)]) if note.endswith(suffix) else None
    return (float(match.group(1)), match.group(2)) if match else None


def apply_facts(
    rows: list[dict[str, str]], facts: list[Fact], date: str, citation: str = CITATION
) -> tuple[list[dict[str, str]], list[str]]:
    """Apply rules 1-4 to anchors rows; return the new rows and one line per change."""
    import numpy as np

    tr = _to_metres()
    by_id = {f.geonameid: f for f in facts}
    log: list[str] = []
    fx, fy = tr.transform([f.lon for f in facts], [f.lat for f in facts])
    fxy = np.column_stack([fx, fy])
    fkm = np.array([f.km for f in facts]) * 1000.0
    fside = np.array([f.side for f in facts])
    labels = {}  # geonameid -> the row's label
    out: list[dict[str, str]] = []
    for row in rows:
        row = dict(row)
        gid = int(row["geonameid"]) if row["geonameid"].strip().isdigit() else None
        if row["kind"] == "settlement" and gid is not None:
            fact = by_id.get(gid)
            labels[gid] = row["name"]
            if fact is not None:  # rule 1
                new = {
                    "side": fact.side,
                    "note": facts_note(fact, date, citation),
                    "km_from_line": fact.km_text,
                }
                if any(row[k] != v for k, v in new.items()):
                    log.append(f"updated {row['name']}: {fact.side}, {fact.km_text} km")
                    row.update(new)
            elif _FACTS_NOTE.match(row["note"]) or row["km_from_line"].strip():  # rule 2
                log.append(f"no longer listed: {row['name']} (note and distance cleared)")
                row.update(note="", km_from_line="")
        elif row["kind"] == "vertex" and not row["name"].startswith("Line off "):  # rule 3
            x, y = tr.transform(float(row["lon"]), float(row["lat"]))
            dist = np.hypot(fxy[:, 0] - x, fxy[:, 1] - y)
            near = dist < SUPERSEDED_KM * 1000.0
            inside = (dist < fkm) & (fside != row["side"])
            if near.any() or inside.any():
                why, hits = ("inside the disk of", inside) if inside.any() else ("near", near)
                which = facts[int(np.argmin(np.where(hits, dist, np.inf)))]
                log.append(f"dropped vertex {row['name']}: {why} listed {which.name}")
                continue
        out.append(row)
    # Rule 4: "Line off" rows that no longer fit their place's listing.
    # A row names its place by the settlement row's label or the GeoNames spelling; where
    # several listed places share it, the one the vertex lies LINE_OFF_BEYOND_KM beyond.
    named_as: dict[str, list[int]] = {}
    for i, f in enumerate(facts):
        for name in {f.name, labels.get(f.geonameid, f.name)}:
            named_as.setdefault(name, []).append(i)
    kept: list[dict[str, str]] = []
    for row in out:
        if row["name"].startswith("Line off "):
            named = _line_off_place(row["note"], citation)
            x, y = tr.transform(float(row["lon"]), float(row["lat"]))
            fits = [
                i
                for i in (named_as.get(named[1], []) if named else [])
                if named is not None
                and named[0] == round(facts[i].km, 1)
                and facts[i].side != row["side"]
                and abs(math.hypot(fxy[i, 0] - x, fxy[i, 1] - y) - fkm[i] - _BEYOND_M) < _FIT_M
            ]
            if not fits:
                log.append(f"dropped {row['name']}: its place's listing changed")
                continue
        kept.append(row)
    # New places, after the last settlement row.
    new_rows = []
    for fact in facts:
        if fact.geonameid not in labels:
            new_rows.append(
                {
                    "name": fact.name,
                    "name_geonames": fact.name,
                    "geonameid": str(fact.geonameid),
                    "lon": fact.lon_text,
                    "lat": fact.lat_text,
                    "side": fact.side,
                    "kind": "settlement",
                    "note": facts_note(fact, date, citation),
                    "km_from_line": fact.km_text,
                }
            )
            log.append(f"added {fact.name}: {fact.side}, {fact.km_text} km")
    last = max((i for i, r in enumerate(kept) if r["kind"] == "settlement"), default=-1)
    return kept[: last + 1] + new_rows + kept[last + 1 :], log


def place_line_off(
    rows: list[dict[str, str]],
    facts: list[Fact],
    geonameid: int,
    snapshot: Path,
    citation: str = CITATION,
) -> tuple[list[dict[str, str]], str]:
    """Apply rule 5 for one place; return the new rows and what was done."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from territory_viz import datasets
    from territory_viz.model import CRS_EQUAL_AREA

    fact = next((f for f in facts if f.geonameid == geonameid), None)
    if fact is None:
        raise ValidationError("--line-off", [f"geonameid {geonameid} is not in the facts file"])
    label = next(
        (r["name"] for r in rows if r["kind"] == "settlement" and r["geonameid"] == str(geonameid)),
        fact.name,
    )
    if not snapshot.is_file():
        raise ValidationError(
            "--snapshot", [f"{snapshot} not found: build the snapshots first (the line is needed)"]
        )
    tr = _to_metres()
    occupied = gpd.read_file(snapshot).to_crs(CRS_EQUAL_AREA).geometry.iloc[0]
    outline = datasets.ukraine_outline(equal_area=True)
    line = shapely.difference(shapely.boundary(occupied), outline.boundary.buffer(300.0))
    centre = np.array(tr.transform(fact.lon, fact.lat))
    radius = (fact.km + LINE_OFF_BEYOND_KM) * 1000.0
    angles = np.arange(LINE_OFF_STEPS) * (2 * np.pi / LINE_OFF_STEPS)
    ring = centre + radius * np.column_stack([np.cos(angles), np.sin(angles)])
    same = [f for f in facts if f.side == fact.side]
    sx, sy = tr.transform([f.lon for f in same], [f.lat for f in same])
    dist = np.hypot(ring[:, None, 0] - np.array(sx), ring[:, None, 1] - np.array(sy))
    free = ~(dist < np.array([f.km for f in same]) * 1000.0).any(axis=1)
    points = shapely.points(ring)
    free &= shapely.contains(outline, points)
    rows = [r for r in rows if r["name"] != f"Line off {label}"]
    if not free.any():
        return rows, f"Line off {label}: its whole circle lies in listed disks of its side; none"
    candidates = np.flatnonzero(free)
    best = candidates[int(np.argmin(shapely.distance(points[candidates], line)))]
    lon, lat = tr.transform(*ring[best], direction="INVERSE")
    rows.append(
        {
            "name": f"Line off {label}",
            "name_geonames": "",
            "geonameid": "",
            "lon": f"{lon:.5f}",
            "lat": f"{lat:.5f}",
            "side": "ukraine" if fact.side == "occupied" else "occupied",
            "kind": "vertex",
            "note": line_off_note(label, fact, citation),
            "km_from_line": "",
        }
    )
    return rows, f"Line off {label}: placed at {lon:.5f},{lat:.5f}"


def read_rows(path: Path) -> list[dict[str, str]]:
    """Read an anchors CSV as rows of text (checked by ``read_anchors`` first)."""
    read_anchors(path)
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def render_rows(rows: list[dict[str, str]]) -> str:
    """Anchors rows as CSV text, in the committed files' format."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(ANCHOR_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("facts", type=Path, help="the facts CSV (settlements-YYYY-MM-DD.csv)")
    parser.add_argument("--date", help="the facts' date (default: from the file name)")
    parser.add_argument("--anchors", type=Path, help="anchors CSV to write (default: the date's)")
    parser.add_argument("--from", dest="start", type=Path, help="start from this anchors CSV")
    parser.add_argument("--snapshot", type=Path, help="snapshot whose line --line-off uses")
    parser.add_argument("--line-off", type=int, action="append", default=[], metavar="ID")
    parser.add_argument("--citation", default=CITATION, help="how the facts are cited")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file would change")
    args = parser.parse_args(argv)
    try:
        date = args.date or next(iter(_DATE_IN_NAME.findall(args.facts.name)), None)
        if not date:
            raise ValidationError(args.facts, ["no YYYY-MM-DD in the file name; give --date"])
        facts = read_facts(args.facts)
        target = args.anchors or CONTROL_DIR / f"anchors-{date}.csv"
        start = args.start or target
        if not start.is_file():
            raise ValidationError(start, ["anchors file not found; give --from an earlier one"])
        rows, log = apply_facts(read_rows(start), facts, date, args.citation)
        snapshot = args.snapshot or CONTROL_DIR / f"occupied-{date}.geojson"
        for gid in args.line_off:
            rows, done = place_line_off(rows, facts, gid, snapshot, args.citation)
            log.append(done)
    except TerritoryVizError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = render_rows(rows)
    old = target.read_text(encoding="utf-8") if target.is_file() else ""
    for line in log:
        print(line)
    if args.check:
        print(f"{target}: {'unchanged' if text == old else 'WOULD CHANGE'}")
        return int(text != old)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} ({len(rows)} rows; {len(log)} changes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
