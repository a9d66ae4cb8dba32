"""Download days of the public DeepStateMap archive into the user cache.

The archive is kept on GitHub as ``cyterat/deepstate-map-data``: one file a day,
``data/deepstatemap_data_YYYYMMDD.geojson`` (one Feature, a MultiPolygon in CRS84, the area
under Russian control as DeepStateMap drew it that day). Files are read from one fixed base
URL, :data:`DEFAULT_BASE_URL` (the repository's raw files), or from
``$TERRITORY_VIZ_DEEPSTATE_URL``; nothing else is fetched, and redirects are not followed.

The unified archive ``deepstate-map-data.geojson.gz`` (:data:`ARCHIVE_PATH`, every day in
one file) can be fetched instead (:func:`fetch_archive`): it is indexed once in full before
it replaces an older copy.

Each day is downloaded into ``<name>.part`` beside its final name (resumed with an HTTP
``Range`` request if a previous run was interrupted), checked with the size cap
:data:`MAX_DAY_BYTES`, read through :func:`territory_viz.loaders.load_control_layer` (a
corrupt file is deleted, not kept), and only then renamed into place: the cache never holds a
half-written or unreadable day.

Reuse of DeepStateMap's data is governed by deepstatemap.live's licence
(:data:`LICENCE_NOTE`, built on :data:`territory_viz.notices.LICENCE_TERMS`): this module
fetches it for the user's own use; the project never ships it, and a public deployment
showing it needs DeepStateMap's permission. The Streamlit page never fetches.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from territory_viz import notices
from territory_viz._errors import ValidationError

__all__ = [
    "ARCHIVE_PATH",
    "DEFAULT_BASE_URL",
    "FIRST_DAY",
    "LATEST_LOOKBACK_DAYS",
    "LICENCE_NOTE",
    "MAX_ARCHIVE_BYTES",
    "MAX_DAY_BYTES",
    "MAX_FETCH_DAYS",
    "TIMEOUT_S",
    "URL_ENV",
    "FetchReport",
    "Progress",
    "base_url",
    "day_file",
    "archive_file",
    "day_url",
    "fetch_archive",
    "fetch_days",
    "fetch_latest",
    "fetch_since",
]

#: The public archive's raw files on GitHub (repository cyterat/deepstate-map-data, branch
#: main). Not checked live from the machine this was written on (no internet there).
DEFAULT_BASE_URL = "https://raw.githubusercontent.com/cyterat/deepstate-map-data/main/"
#: Environment variable that replaces the base URL (a mirror, or a test server).
URL_ENV = "TERRITORY_VIZ_DEEPSTATE_URL"
#: Path of one day's file below the base URL.
DAY_PATH = "data/deepstatemap_data_{ymd}.geojson"
#: Path of the unified archive (every day in one gzipped FeatureCollection) below the base URL.
ARCHIVE_PATH = "deepstate-map-data.geojson.gz"
#: Largest unified archive accepted, bytes (gzipped; about 20 MB in late 2026).
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024
#: First day of the archive.
FIRST_DAY = "2024-07-08"
#: Seconds without an answer (connecting or between two reads) before giving up.
TIMEOUT_S = 30.0
#: Largest day file accepted, bytes (a day is about 1-2 MB).
MAX_DAY_BYTES = 20 * 1024 * 1024
#: How many days back from today ``--latest`` looks for the newest published day.
LATEST_LOOKBACK_DAYS = 14
#: Most days one ``--since`` run downloads.
MAX_FETCH_DAYS = 1500

#: What ``fetch`` prints before it downloads.
LICENCE_NOTE = (
    f"Data: {notices.SOURCE_NAME}. {notices.LICENCE_TERMS} The fetched files are for your own "
    "analysis; territory_viz does not ship them."
)

_CHUNK = 64 * 1024


def base_url() -> str:
    """Return the base URL: ``$TERRITORY_VIZ_DEEPSTATE_URL`` or :data:`DEFAULT_BASE_URL`."""
    url = os.environ.get(URL_ENV, "").strip() or DEFAULT_BASE_URL
    return url if url.endswith("/") else url + "/"


def day_url(date: str) -> str:
    """Return the URL of one day's file (``date`` is YYYY-MM-DD)."""
    return base_url() + DAY_PATH.format(ymd=date.replace("-", ""))


def day_file(date: str) -> Path:
    """Return where one day's file is kept in the cache."""
    from territory_viz.history import deepstate_dir

    return deepstate_dir() / Path(DAY_PATH.format(ymd=date.replace("-", ""))).name


# --------------------------------------------------------------------------- progress


class Progress:
    """A progress bar on a stream (stderr): redrawn in place on a terminal, lines otherwise."""

    def __init__(self, stream: IO[str] | None) -> None:
        self.stream = stream
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.label = ""
        self.count = ""
        self._last = 0.0

    def start(self, label: str, position: int, total: int) -> None:
        """Begin a new file: its label and its place in the run."""
        self.label = label
        self.count = f"{position}/{total}"

    def update(self, done: int, size: int | None) -> None:
        """Bytes done of ``size`` (None: unknown)."""
        if self.stream is None or not self.tty:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and (size is None or done < size):
            return
        self._last = now
        if size:
            filled = int(24 * min(done / size, 1.0))
            bar = "#" * filled + "." * (24 - filled)
            text = f"[{bar}] {done / 1e6:6.2f}/{size / 1e6:.2f} MB"
        else:
            text = f"{done / 1e6:6.2f} MB"
        self.stream.write(f"\r{self.count:>9} {self.label} {text}\x1b[K")
        self.stream.flush()

    def finish(self, outcome: str) -> None:
        """End the file: one line with its outcome."""
        if self.stream is None:
            return
        prefix = "\r" if self.tty else ""
        self.stream.write(
            f"{prefix}{self.count:>9} {self.label} {outcome}" + ("\x1b[K\n" if self.tty else "\n")
        )
        self.stream.flush()


# --------------------------------------------------------------------------- downloading


class _Failure(Exception):
    """A download failed; ``kind`` is missing, offline, timeout, too_large, interrupted, http."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, D102
        raise _Failure(
            "http",
            f"HTTP {code} redirect to {newurl[:120]}: not followed "
            f"(files are read from {base_url()} only)",
        )


_OPENER = urllib.request.build_opener(_NoRedirect)


def _download(url: str, dest: Path, *, max_bytes: int, timeout: float, progress: Progress) -> None:
    """Download ``url`` into ``dest`` (resuming a partial ``dest``); raise _Failure."""
    have = dest.stat().st_size if dest.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "territory_viz"})  # noqa: S310
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = _OPENER.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            return  # nothing left to send: the part is complete
        if exc.code == 404:
            raise _Failure("missing", "not published (HTTP 404)") from exc
        raise _Failure("http", f"HTTP {exc.code} {exc.reason}") from exc
    except _Failure:
        raise
    except TimeoutError as exc:
        raise _Failure("timeout", f"no answer within {timeout:g} s") from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise _Failure("timeout", f"no answer within {timeout:g} s") from exc
        raise _Failure("offline", f"cannot reach {base_url()} ({reason})") from exc
    with response:
        status = response.status
        length = response.headers.get("Content-Length")
        if status == 206:
            start = _range_start(response.headers.get("Content-Range", ""))
            if start != have:
                have = 0  # the server sent another range: start over
                status = 200
        if status != 206:
            have = 0
        remaining = int(length) if length and length.isdigit() else None
        size = have + remaining if remaining is not None else None
        if size is not None and size > max_bytes:
            dest.unlink(missing_ok=True)
            raise _Failure(
                "too_large",
                f"{size / 1e6:.1f} MB; the limit is {max_bytes // 1024 // 1024} MB (MAX_DAY_BYTES)",
            )
        done = have
        mode = "ab" if have else "wb"
        dest.parent.mkdir(parents=True, exist_ok=True)
        with dest.open(mode) as out:
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except TimeoutError as exc:
                    raise _Failure(
                        "interrupted",
                        f"no data for {timeout:g} s after "
                        f"{done / 1e3:,.0f} KB; run again to resume",
                    ) from exc
                except (http.client.IncompleteRead, OSError, http.client.HTTPException) as exc:
                    if isinstance(exc, http.client.IncompleteRead) and exc.partial:
                        out.write(exc.partial)
                        done += len(exc.partial)
                    raise _Failure(
                        "interrupted",
                        f"connection lost after {done / 1e3:,.0f} KB; run again to resume",
                    ) from exc
                if not chunk:
                    break
                done += len(chunk)
                if done > max_bytes:
                    out.close()
                    dest.unlink(missing_ok=True)
                    raise _Failure(
                        "too_large", f"more than {max_bytes // 1024 // 1024} MB (MAX_DAY_BYTES)"
                    )
                out.write(chunk)
                progress.update(done, size)
        if size is not None and done < size:
            raise _Failure(
                "interrupted",
                f"connection closed after {done / 1e3:,.0f} of "
                f"{size / 1e3:,.0f} KB; run again to resume",
            )


def _range_start(content_range: str) -> int | None:
    # "bytes 100-199/200"
    try:
        unit, rest = content_range.split(" ", 1)
        return int(rest.split("-", 1)[0]) if unit == "bytes" else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- days


@dataclass
class FetchReport:
    """What a fetch run did, per day.

    Attributes
    ----------
    fetched, cached, missing
        Days downloaded now, already in the cache, not published (HTTP 404).
    failed
        (date, message) for days that could not be downloaded or were corrupt.
    stopped
        Why the run stopped early (offline), or "".
    """

    fetched: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    stopped: str = ""

    @property
    def ok(self) -> bool:
        """True when nothing failed and the run was not cut short."""
        return not self.failed and not self.stopped

    def lines(self) -> list[str]:
        """Return the summary printed by ``fetch``."""
        from territory_viz.history import deepstate_dir

        out = [
            f"fetched {len(self.fetched)} day{'s' if len(self.fetched) != 1 else ''}"
            f"{' (' + _span(self.fetched) + ')' if self.fetched else ''}, "
            f"{len(self.cached)} already in the cache, {len(self.missing)} not published; "
            f"cache: {deepstate_dir()}"
        ]
        out += [f"  {date}: {message}" for date, message in self.failed]
        if self.stopped:
            out.append(f"stopped: {self.stopped}")
        return out


def _span(dates: list[str]) -> str:
    return dates[0] if len(dates) == 1 else f"{min(dates)} to {max(dates)}"


def _check(date: str, what: str) -> str:
    try:
        parsed = dt.date.fromisoformat(date)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or len(date) != 10:
        raise ValidationError(what, [f"{str(date)[:40]!r} is not a date; allowed: YYYY-MM-DD"])
    if date < FIRST_DAY:
        raise ValidationError(what, [f"{date} is before the archive's first day {FIRST_DAY}"])
    if parsed > _today():
        raise ValidationError(what, [f"{date} is in the future (today is {_today()})"])
    return date


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _fetch_one(
    date: str, report: FetchReport, progress: Progress, position: int, total: int
) -> str:
    """Fetch one day; return the outcome kind (fetched, cached, missing, failed, offline)."""
    final = day_file(date)
    progress.start(date, position, total)
    if final.is_file():
        report.cached.append(date)
        progress.finish("already in the cache")
        return "cached"
    part = final.with_name(final.name + ".part")
    try:
        _download(
            day_url(date), part, max_bytes=MAX_DAY_BYTES, timeout=TIMEOUT_S, progress=progress
        )
    except _Failure as exc:
        if exc.kind == "missing":
            report.missing.append(date)
            progress.finish(exc.message)
            return "missing"
        if exc.kind == "offline":
            report.stopped = (
                f"{exc.message}. Offline? The committed snapshots still make a "
                "timeline; fetch again when online."
            )
            progress.finish("offline")
            return "offline"
        report.failed.append((date, exc.message))
        progress.finish(exc.message)
        return "failed"
    try:
        _validate(part, date)
    except ValidationError as exc:
        part.unlink(missing_ok=True)
        message = f"corrupt file, not kept ({'; '.join(exc.problems)[:200]})"
        report.failed.append((date, message))
        progress.finish(message)
        return "failed"
    os.replace(part, final)
    _index(final)
    report.fetched.append(date)
    progress.finish(f"ok ({final.stat().st_size / 1e6:.2f} MB)")
    return "fetched"


def archive_file() -> Path:
    """Return where the unified archive is kept in the cache."""
    from territory_viz.history import deepstate_dir

    return deepstate_dir() / ARCHIVE_PATH


def fetch_archive(*, progress: Progress | None = None) -> FetchReport:
    """Download the unified archive (every day in one file) into the cache and index it.

    A newer copy replaces the old one only once it has been read and indexed in full
    (:func:`territory_viz.history.open_history`); a corrupt or partial file is not kept.
    """
    from territory_viz import history as H

    progress = progress or Progress(None)
    report = FetchReport()
    final = archive_file()
    part = final.with_name(final.name + ".part")
    progress.start(ARCHIVE_PATH, 1, 1)
    try:
        _download(
            base_url() + ARCHIVE_PATH,
            part,
            max_bytes=MAX_ARCHIVE_BYTES,
            timeout=TIMEOUT_S,
            progress=progress,
        )
    except _Failure as exc:
        if exc.kind == "offline":
            report.stopped = (
                f"{exc.message}. Offline? The committed snapshots still make a "
                "timeline; fetch again when online."
            )
        else:
            report.failed.append((ARCHIVE_PATH, exc.message))
        progress.finish(exc.message)
        return report
    try:
        days = H.open_history(part, reconcile_now=True).dates()
    except ValidationError as exc:
        part.unlink(missing_ok=True)
        message = f"corrupt file, not kept ({'; '.join(exc.problems)[:200]})"
        report.failed.append((ARCHIVE_PATH, message))
        progress.finish(message)
        return report
    os.replace(part, final)
    report.fetched.extend(days)
    progress.finish(f"ok ({final.stat().st_size / 1e6:.1f} MB, {len(days)} days)")
    return report


def _index(path: Path) -> None:
    """Index a fetched day now, so that the page only ever reads indexes."""
    from territory_viz import history as H

    try:
        H.open_history(path, reconcile_now=True)
    except ValidationError:
        pass  # checked before it was kept; default_history leaves out what it cannot read


def _validate(path: Path, date: str) -> None:
    from territory_viz.loaders import load_control_layer

    load_control_layer(path, filename=path.name.removesuffix(".part"), date=date)


def fetch_days(dates: list[str], *, progress: Progress | None = None) -> FetchReport:
    """Fetch the given days (YYYY-MM-DD) not yet in the cache.

    Raises
    ------
    ValidationError
        A date that is not a date, before :data:`FIRST_DAY` or in the future.
    """
    return _fetch_each([_check(d, "--date") for d in dates], progress)


def fetch_since(since: str, *, progress: Progress | None = None) -> FetchReport:
    """Fetch every day from ``since`` to today that is not yet in the cache.

    Raises
    ------
    ValidationError
        ``since`` not a date, before :data:`FIRST_DAY`, in the future, or more than
        :data:`MAX_FETCH_DAYS` days ago.
    """
    start = dt.date.fromisoformat(_check(since, "--since"))
    days = (_today() - start).days + 1
    if days > MAX_FETCH_DAYS:
        raise ValidationError(
            "--since", [f"{days:,} days; the limit is {MAX_FETCH_DAYS:,} (MAX_FETCH_DAYS) a run"]
        )
    dates = [(start + dt.timedelta(days=i)).isoformat() for i in range(days)]
    return _fetch_each(dates, progress)


def _fetch_each(dates: list[str], progress: Progress | None) -> FetchReport:
    """Fetch the days in turn, stopping at the first that finds the network offline."""
    progress = progress or Progress(None)
    report = FetchReport()
    for i, date in enumerate(dates, 1):
        if _fetch_one(date, report, progress, i, len(dates)) == "offline":
            break
    return report


def fetch_latest(*, progress: Progress | None = None) -> FetchReport:
    """Fetch the newest published day: today, else the day before, up to a fortnight back.

    Stops at the first day found published or already in the cache.
    """
    progress = progress or Progress(None)
    report = FetchReport()
    today = _today()
    for back in range(LATEST_LOOKBACK_DAYS + 1):
        date = (today - dt.timedelta(days=back)).isoformat()
        if date < FIRST_DAY:
            break
        outcome = _fetch_one(date, report, progress, back + 1, LATEST_LOOKBACK_DAYS + 1)
        if outcome != "missing":
            break
    else:
        report.stopped = f"no day published in the last {LATEST_LOOKBACK_DAYS} days"
    return report
