"""Upload a scenario file or a control layer; every problem is shown, nothing crashes.

Both uploaders state their limits before a file is chosen. A bad file leaves the
session as it was (the picker, the baseline) and shows one message per problem,
escaped so that text from the file shows literally.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    import geopandas as gpd

from territory_viz import history
from territory_viz._errors import TerritoryVizError, ValidationError
from territory_viz.history import MAX_DAYS
from territory_viz.loaders import (
    GDAL_CONFIG,
    LAYER_SUFFIXES,
    MAX_UPLOAD_BYTES,
    check_upload,
    gdal_skip,
)
from territory_viz.scenarios import MAX_FILE_BYTES, Scenario, parse_scenario
from ui._text import md_escape
from ui.state import (
    Baseline,
    add_user_scenario,
    layer_area_km2,
    set_uploaded_baseline,
    set_uploaded_history,
    uploaded_baseline,
    uploaded_history,
)

#: Largest scenario file accepted, bytes: the library's own cap, so the page states the true one.
MAX_SCENARIO_BYTES = MAX_FILE_BYTES
#: What the layer uploader offers: the endings of the formats the loader reads, and a
#: gzipped multi-date archive (read as a history).
LAYER_TYPES = (*(suffix.removeprefix(".") for suffix in LAYER_SUFFIXES), "gz")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RESULT_SCENARIO = "tv_scenario_upload_result"
_RESULT_LAYER = "tv_layer_upload_result"
#: Seconds an uploaded layer may take to be read, repaired and clipped. It runs in a child
#: process killed at the limit: a crafted polygon of ~50,000 vertices (a 1 MB file) keeps
#: GEOS busy for minutes, which the server's threads cannot interrupt.
LAYER_TIMEOUT_S = 60.0
#: Address space the reading child may map, bytes (its imports take about 0.5 GB).
LAYER_MEMORY_BYTES = 2 * 1024**3
#: CPU seconds the reading child may use before the kernel stops it.
LAYER_CPU_S = int(LAYER_TIMEOUT_S)
#: Largest answer accepted from the child, bytes (a layer within MAX_LAYER_VERTICES as WKB
#: is at most about 3.5 MB as hex).
_MAX_ANSWER_BYTES = 16 * 1024 * 1024
#: Uploaded layers processed at the same time, server-wide (the others wait their turn), so
#: a burst of uploads cannot take every core from the viewers.
MAX_PARALLEL_LAYER_LOADS = 2
_LOAD_SLOTS = threading.BoundedSemaphore(MAX_PARALLEL_LAYER_LOADS)
_ROOT = Path(__file__).resolve().parent.parent
# The child: limits first, no network, only the three GDAL drivers (GDAL_SKIP in its
# environment); arguments in (pickle on stdin, from the server), the answer out as JSON with
# the geometry as WKB (never a pickle: the server trusts nothing the child sends).
_SANDBOX = """
import resource, socket, sys
memory, cpu, fsize = (int(a) for a in sys.argv[1:4])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class _NoSocket(socket.socket):
    def __init__(self, *args, **kwargs):
        raise OSError("the layer reader has no network")


def _no_network(*args, **kwargs):
    raise OSError("the layer reader has no network")


socket.socket = _NoSocket
socket.create_connection = socket.getaddrinfo = socket.socketpair = _no_network
"""
_READ = """
import json, pickle
import shapely
from territory_viz._errors import ValidationError
from territory_viz import loaders
if "kwargs" not in globals():
    kwargs = pickle.load(sys.stdin.buffer)
try:
    if not loaders.only_allowed_drivers():
        raise RuntimeError("GDAL drivers not restricted")
    layer = loaders.load_control_layer(kwargs.pop("data"), **kwargs)
    out = {"kind": "ok", "id": str(layer["id"].iloc[0]), "date": str(layer["date"].iloc[0]),
           "notes": [str(n) for n in layer.attrs.get("notes", ())],
           "wkb": shapely.to_wkb(layer.geometry.iloc[0], hex=True)}
except ValidationError as err:
    out = {"kind": "invalid", "source": str(err.source), "problems": [str(p) for p in err.problems]}
except MemoryError:
    out = {"kind": "memory"}
except Exception as err:
    out = {"kind": "error", "type": type(err).__name__}
sys.stdout.write(json.dumps(out))
"""


# Before the single-layer reader: a multi-date file (the DeepStateMap archive, a file with
# two or more dates in a "date" column) is indexed here instead, in the same sandbox: every
# day read, repaired, clipped and reconciled, the index written to the cache, one process
# (the child's limits bound one). The server then only reads that index.
_PROBE_HISTORY = """
import json, pickle, tempfile
from pathlib import Path
from territory_viz._errors import ValidationError
from territory_viz import history, loaders
kwargs = pickle.load(sys.stdin.buffer)
history.INDEX_WORKERS = 1
multi = False
try:
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "upload"
        probe.write_bytes(kwargs["data"])
        multi = loaders.only_allowed_drivers() and history.is_multi_date(probe)
    if multi:
        days = history.open_history(
            kwargs["data"], filename=kwargs["filename"], reconcile_now=True
        )
        out = {"kind": "history", "dates": days.dates()}
except ValidationError as err:
    out = {"kind": "invalid", "source": str(err.source), "problems": [str(p) for p in err.problems]}
except MemoryError:
    out = {"kind": "memory"}
except Exception as err:
    out = {"kind": "error", "type": type(err).__name__}
else:
    if not multi:
        out = None
if out is not None:
    sys.stdout.write(json.dumps(out))
    sys.exit(0)
"""


@functools.cache
def _no_network_prefix() -> tuple[str, ...]:
    """Return the ``unshare`` prefix into an empty network namespace, if this system allows it.

    Where it does not, the child's socket guard and GDAL's configuration keep it off the
    network.
    """
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    command = (unshare, "--net", "--map-root-user")
    try:
        ok = (
            subprocess.run(
                [*command, "true"],
                capture_output=True,
                timeout=5,  # noqa: S603
                check=False,
            ).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        ok = False
    return command if ok else ()


def _child_env() -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(_ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    env.update(GDAL_CONFIG)
    env.update(
        {
            "GDAL_SKIP": gdal_skip(),
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "PROJ_NETWORK": "OFF",
            "no_proxy": "*",
            "http_proxy": "",
            "https_proxy": "",
        }
    )
    return env


def run_sandboxed(code: str, payload: bytes, *, timeout_s: float) -> subprocess.CompletedProcess:
    """Run Python ``code`` in the reader's sandbox (limits, no network, three GDAL drivers).

    Raises
    ------
    subprocess.TimeoutExpired
        After ``timeout_s`` (the child has been killed).
    """
    command = [
        *_no_network_prefix(),
        sys.executable,
        "-c",
        _SANDBOX + code,
        str(LAYER_MEMORY_BYTES),
        str(LAYER_CPU_S),
        str(MAX_UPLOAD_BYTES * 2),
    ]
    return subprocess.run(
        command,
        input=payload,
        capture_output=True,  # noqa: S603
        timeout=timeout_s,
        cwd=_ROOT,
        env=_child_env(),
        check=False,
    )


_SIGNALS: dict[int, str] = {
    signal.SIGSEGV: "it overflowed its stack",
    signal.SIGXCPU: f"it used more than {LAYER_CPU_S} s of CPU time",
    signal.SIGKILL: f"it ran out of memory (limit {LAYER_MEMORY_BYTES / 1024**3:g} GB)",
    signal.SIGABRT: f"it ran out of memory (limit {LAYER_MEMORY_BYTES / 1024**3:g} GB)",
    signal.SIGBUS: "it crashed",
}


def _too_complex(filename: str, why: str) -> ValidationError:
    return ValidationError(
        filename,
        [
            f"the file was too complex for the reader: {why}; nothing was changed; allowed: a "
            f"simpler layer (fewer vertices and features, no attributes needed)"
        ],
    )


@dataclass(frozen=True)
class IndexedHistory:
    """The child's answer for a multi-date file: it indexed these dates into the cache."""

    dates: tuple[str, ...]


def load_layer_bounded(
    data: bytes, *, filename: str, name: str, date: str | None, timeout_s: float = LAYER_TIMEOUT_S
) -> gpd.GeoDataFrame | IndexedHistory:
    """Run :func:`load_control_layer` in a child process, stopped after ``timeout_s``.

    The child has a memory cap (``LAYER_MEMORY_BYTES``), a CPU cap (``LAYER_CPU_S``), no
    network and only the GeoJSON, GeoPackage and KML drivers. What it returns is within
    ``MAX_LAYER_VERTICES`` (checked again here before anything else touches it). A file of
    several dates is indexed as a history there instead (:class:`IndexedHistory`): open it
    with ``history.open_history(data, filename=..., build=False)``, which reads the index.

    Raises
    ------
    ValidationError
        The loader's own problems, the time limit exceeded, or the child stopped.
    """
    payload = pickle.dumps({"data": data, "filename": filename, "name": name, "date": date})
    if not _LOAD_SLOTS.acquire(timeout=timeout_s):
        raise ValidationError(
            filename,
            [
                "the server is busy reading other uploaded layers; "
                "nothing was changed: try again in a minute"
            ],
        )
    try:
        done = run_sandboxed(_PROBE_HISTORY + _READ, payload, timeout_s=timeout_s)
    except subprocess.TimeoutExpired:  # run() has killed the child
        raise ValidationError(
            filename,
            [
                f"reading, repairing and clipping the layer took longer than {timeout_s:g} s and "
                "was stopped; allowed: a simpler layer (fewer vertices, no self-intersections)"
            ],
        ) from None
    finally:
        _LOAD_SLOTS.release()
    if done.returncode < 0:
        why = _SIGNALS.get(-done.returncode, "it crashed")
        raise _too_complex(filename, why)
    return _answer(done.stdout, filename)


def _answer(stdout: bytes, filename: str) -> gpd.GeoDataFrame | IndexedHistory:
    """Rebuild the layer from the child's JSON answer, trusting none of it."""
    import geopandas as gpd
    import shapely

    from territory_viz import _bounds
    from territory_viz.model import CRS_GEOGRAPHIC

    try:
        if len(stdout) > _MAX_ANSWER_BYTES:
            raise ValueError("answer too large")
        answer = json.loads(stdout)
        kind = answer["kind"]
    except (ValueError, KeyError, TypeError):
        raise _too_complex(filename, "it stopped without an answer") from None
    if kind == "invalid":
        problems = [str(p) for p in answer.get("problems", [])][:20] or ["unreadable"]
        raise ValidationError(filename, problems)
    if kind == "memory":
        raise _too_complex(
            filename, f"it ran out of memory (limit {LAYER_MEMORY_BYTES / 1024**3:g} GB)"
        )
    if kind == "history":
        dates = answer.get("dates")
        if not isinstance(dates, list) or not 1 < len(dates) <= MAX_DAYS:
            raise _too_complex(filename, "it answered with no readable dates")
        return IndexedHistory(tuple(str(d) for d in dates))
    if kind != "ok":
        raise _too_complex(filename, f"it stopped ({str(answer.get('type', ''))[:40]})")
    try:
        wkb = bytes.fromhex(str(answer["wkb"]))
    except (KeyError, ValueError):
        raise _too_complex(filename, "it answered with no readable geometry") from None
    # A MultiPolygon (WKB type 6, either byte order) and nothing else.
    expected = b"\x06\x00\x00\x00" if wkb[:1] == b"\x01" else b"\x00\x00\x00\x06"
    if len(wkb) < 9 or wkb[:1] not in (b"\x00", b"\x01") or wkb[1:5] != expected:
        raise _too_complex(filename, "it answered with an unexpected geometry")
    try:
        geom = shapely.from_wkb(wkb)
    except shapely.errors.ShapelyError:
        raise _too_complex(filename, "it answered with no readable geometry") from None
    _bounds.check_layer([geom], filename)
    layer_date = str(answer.get("date", ""))
    out = gpd.GeoDataFrame(
        {"id": [str(answer.get("id", ""))], "date": [layer_date]},
        geometry=[geom],
        crs=CRS_GEOGRAPHIC,
    )
    out.attrs["notes"] = [str(n) for n in answer.get("notes", [])][:20]
    out.attrs["source"] = filename
    return out


@dataclass(frozen=True)
class UploadResult:
    """The outcome of processing one uploaded file, kept to re-show it on reruns."""

    file_id: str
    ok: bool
    headline: str
    problems: tuple[str, ...] = ()
    scenario_id: str = ""


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / 1024 / 1024:g} MB" if n_bytes >= 1024 * 1024 else f"{n_bytes // 1024} KB"


def _widget_cap_mb(n_bytes: int) -> int:
    """Return an uploader's ``max_upload_size`` for a limit (Streamlit: whole MB, at least 1)."""
    return max(1, n_bytes // (1024 * 1024))


def _show(result: UploadResult) -> None:
    if result.ok:
        st.success(md_escape(result.headline))
        for note in result.problems:  # what the loader repaired, dropped or clipped
            st.caption(md_escape(f"Note: {note}"))
        return
    st.error(md_escape(result.headline))
    for problem in result.problems:
        st.markdown(f"- {md_escape(problem)}")


def _problems(err: Exception) -> tuple[str, ...]:
    if isinstance(err, ValidationError):
        return tuple(err.problems)
    return (str(err),)


def check_scenario_upload(data: bytes, filename: str) -> tuple[UploadResult, Scenario | None]:
    """Validate an uploaded scenario file.

    Parameters
    ----------
    data
        The file's bytes.
    filename
        Its name, used in messages.

    Returns
    -------
    tuple
        The result to show, and the parsed ``Scenario`` when the file is valid.
    """
    # Every rule (size, emptiness, UTF-8, TOML, each field) is the parser's; the uploader's
    # type filter only decides which files the picker offers.
    file_id = hashlib.sha256(data).hexdigest()
    try:
        scenario = parse_scenario(data, source_name=filename)
    except (ValidationError, TerritoryVizError, ValueError) as err:
        problems = _problems(err)
        noun = "problem" if len(problems) == 1 else "problems"
        return UploadResult(
            file_id, False, f"{filename} is not a valid scenario: {len(problems)} {noun}", problems
        ), None
    return UploadResult(file_id, True, ""), scenario


#: The scenario uploader's key (ui/page.css hides Streamlit's size line under it by this key).
SCENARIO_UPLOAD_KEY = "tv_upload_scenario"


def scenario_upload(*, key: str = SCENARIO_UPLOAD_KEY) -> str | None:
    """Draw the scenario uploader; a valid file joins the scenario picker for this session.

    Returns
    -------
    str or None
        The id under which the uploaded scenario joined the picker, while the file
        stays in the uploader, else ``None``.
    """
    upload = st.file_uploader(
        f"Scenario file (.toml, at most {_mb(MAX_SCENARIO_BYTES)})",
        type=["toml"],
        key=key,
        # Streamlit's smallest cap (1 MB): the browser refuses larger files before sending
        # them. The 64 KB is the library's (check_scenario_upload); page.css hides Streamlit's
        # own "1MB per file" line under this uploader, so the label's limit is the one shown.
        max_upload_size=_widget_cap_mb(MAX_SCENARIO_BYTES),
        help="A scenario file like those in data/scenarios/ or one downloaded from the "
        "builder. It is checked with the same validator as `python -m territory_viz validate`.",
    )
    if upload is None:
        return None
    data = upload.getvalue()
    file_id = f"{upload.file_id}:{hashlib.sha256(data).hexdigest()}"
    previous: UploadResult | None = st.session_state.get(_RESULT_SCENARIO)
    if previous is not None and previous.file_id == file_id:
        _show(previous)
        return previous.scenario_id or None
    result, scenario = check_scenario_upload(data, upload.name)
    new_id = None
    if scenario is not None:
        stored = add_user_scenario(scenario)
        renamed = (
            f" (renamed from {scenario.id}: that id is built in)"
            if stored.id != scenario.id
            else ""
        )
        result = UploadResult(
            file_id,
            True,
            f"{upload.name}: valid. “{stored.title}” joined the scenario "
            f"picker as {stored.id}{renamed}, for this session.",
            scenario_id=stored.id,
        )
        new_id = stored.id
    else:
        result = replace(result, file_id=file_id)
    st.session_state[_RESULT_SCENARIO] = result
    if new_id is not None:
        st.rerun()  # the picker above was drawn before this upload: draw it again with it
    _show(result)
    return new_id


def check_layer_upload(
    data: bytes, filename: str, *, name: str = "", date: str = ""
) -> tuple[UploadResult, Baseline | history.History | None]:
    """Load an uploaded control layer as a baseline (a file of several dates: a history).

    Parameters
    ----------
    data
        The file's bytes.
    filename
        Its name (the extension picks the reader).
    name
        What to call the layer; defaults to the file name.
    date
        Its date, ``YYYY-MM-DD``, or empty when unknown.

    Returns
    -------
    tuple
        The result to show, and the new :class:`Baseline` when the file loaded (a
        :class:`territory_viz.history.History` when it holds several dates).
    """
    digest = hashlib.sha256(data).hexdigest()
    file_id = f"{digest}:{name}:{date}"
    date = date.strip()
    # The loader's own checks of size, emptiness and date, here in the server so a file they
    # refuse never starts the reading child; the rest of its rules run in the child.
    try:
        check_upload(data, filename=filename, date=date or None)
    except ValidationError as err:
        return UploadResult(
            file_id, False, f"{filename} was not loaded; the baseline is unchanged", _problems(err)
        ), None
    label = name.strip() or filename
    try:
        layer = load_layer_bounded(data, filename=filename, name=label, date=date or None)
        if isinstance(layer, IndexedHistory):
            return _history_result(data, filename, label, layer, file_id)
    except (ValidationError, TerritoryVizError, ValueError) as err:
        return UploadResult(
            file_id, False, f"{filename} was not loaded; the baseline is unchanged", _problems(err)
        ), None
    except Exception as err:  # noqa: BLE001 - a reader failing on junk must not crash the page
        return UploadResult(
            file_id,
            False,
            f"{filename} was not loaded; the baseline is unchanged",
            (
                f"content: the file could not be read "
                f"({type(err).__name__}); allowed is a polygon "
                "layer in GeoJSON, GeoPackage or KML",
            ),
        ), None
    in_file = str(layer["date"].iloc[0]) if "date" in layer.columns else ""
    layer_date = in_file if _DATE.match(in_file) else (date or None)
    # Everything the visitor typed is part of the key: the shared caches (map context,
    # evaluations) never hand one visitor's name or date to another.
    typed = hashlib.sha256(f"{digest}\0{label}\0{layer_date or ''}".encode()).hexdigest()
    baseline = Baseline(
        key=f"upload-{typed[:24]}",
        label=label,
        date=layer_date,
        area_km2=layer_area_km2(layer),
        layer=layer,
        filename=filename,
    )
    notes = "".join(f" Note: {n}." for n in layer.attrs.get("notes", ()))  # e.g. repairs
    return UploadResult(
        file_id, True, f"{filename} loaded. {baseline.description}.{notes}"
    ), baseline


def _history_result(
    data: bytes, filename: str, label: str, indexed: IndexedHistory, file_id: str
) -> tuple[UploadResult, history.History]:
    """Open the history the reading child indexed (only its index is read here)."""
    days = history.open_history(data, filename=label, build=False)
    dates = days.dates()
    if tuple(dates) != indexed.dates or not all(history.is_date(d) for d in dates):
        raise _too_complex(filename, "its index does not match its answer")
    headline = (
        f"{filename} loaded: {len(dates)} dated lines of control, {dates[0]} to {dates[-1]}. "
        "They are this session's history: the date slider on the map page and the Timeline "
        "page use them (only you see them)."
    )
    return UploadResult(file_id, True, headline), days


def layer_upload(*, key: str = "tv_upload_layer") -> bool:
    """Draw the control-layer uploader; a good file becomes this session's baseline.

    Returns
    -------
    bool
        ``True`` on the run where the baseline changed (so the caller can rerun).
    """
    st.caption(
        "A polygon layer of the area under Russian control, e.g. a day of the public "
        f"DeepStateMap archive. Formats: {', '.join('.' + t for t in LAYER_TYPES)}; "
        f"at most {_mb(MAX_UPLOAD_BYTES)}. It is clipped to Ukraine; every scenario and "
        "number then re-evaluates against it. A file of several dates (the archive's "
        "deepstate-map-data.geojson.gz, or a date column) becomes this session's history "
        "for the date slider and the Timeline page."
    )
    upload = st.file_uploader(
        f"Control layer (at most {_mb(MAX_UPLOAD_BYTES)})",
        type=list(LAYER_TYPES),
        key=key,
        max_upload_size=_widget_cap_mb(MAX_UPLOAD_BYTES),
    )
    name = st.text_input(
        "Name of the layer (optional)",
        key=f"{key}_name",
        placeholder="e.g. DeepStateMap 2025-11-20",
    )
    date = st.text_input(
        "Date of the layer (YYYY-MM-DD, optional)", key=f"{key}_date", placeholder="2025-11-20"
    )
    changed = False
    if upload is not None and st.button("Use as baseline", key=f"{key}_apply", type="primary"):
        result, baseline = check_layer_upload(upload.getvalue(), upload.name, name=name, date=date)
        if isinstance(baseline, history.History):
            set_uploaded_history(baseline)
            set_uploaded_baseline(None)  # the slider walks the new history
            changed = True
        elif baseline is not None:
            set_uploaded_baseline(baseline)
            changed = True
        st.session_state[_RESULT_LAYER] = result
    shown = st.session_state.get(_RESULT_LAYER)
    if shown is not None:
        _show(shown)
    current = uploaded_baseline()
    if current is not None:
        st.caption(
            md_escape(
                f"In use: {current.description}. The snapshot picker above is "
                "set aside until you go back."
            )
        )
    own = uploaded_history()
    if own is not None:
        st.caption(
            md_escape(
                f"This session's history: {own.label}, {len(own)} dated lines "
                f"({own.dates()[0]} to {own.dates()[-1]})."
            )
        )
    if (current is not None or own is not None) and st.button(
        "Back to the committed snapshots", key=f"{key}_reset"
    ):
        set_uploaded_baseline(None)
        set_uploaded_history(None)
        st.session_state.pop(_RESULT_LAYER, None)
        changed = True
    return changed
