"""Helpers shared by the tests that run the project as a reader does.

:func:`run_app` runs the page's script once under ``streamlit.testing`` (no browser);
:func:`run_cli` runs the command line in a child process from the checkout's root;
:func:`shown_figures` reads the labelled figures a page shows.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"

#: One headline figure of the map page as written (ui.scenario_view.figures_markdown).
_FIGURE = re.compile(
    r":small\[(?P<label>.+)\]  \n\*\*(?P<value>.+)\*\*(?:  \n:gray-badge\[(?P<delta>.+)\])?"
    r"(?:  \n:small\[:gray\[.+\]\])?"
)


def _unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def shown_figures(at: AppTest) -> dict[str, tuple[str, str]]:
    """Every labelled figure the page shows: label -> (value, delta), as a reader reads them.

    The map page's headline figures (markdown, one paragraph each) and any ``st.metric`` (the
    builder's, the compare page's).
    """
    found: dict[str, tuple[str, str]] = {}
    for md in at.markdown:
        for paragraph in md.value.split("\n\n"):
            match = _FIGURE.fullmatch(paragraph)
            if match:
                label, value, delta = (
                    _unescaped(match[k] or "") for k in ("label", "value", "delta")
                )
                found[label] = (value, delta)
    found.update({m.label: (m.value, m.delta or "") for m in at.metric})
    return found


def shown_numbers(at: AppTest) -> dict[str, str]:
    """The figures' values by label (:func:`shown_figures`)."""
    return {label: value for label, (value, _) in shown_figures(at).items()}


def shown_deltas(at: AppTest) -> dict[str, str]:
    """What each figure's value is beside (its share, its people) by label."""
    return {label: delta for label, (_, delta) in shown_figures(at).items()}


def component_args(at: AppTest, name: str) -> dict:
    """The arguments the page's one component ``name`` (``tv_map``, ``tv_compare``) was sent.

    The parts sent in this run (:mod:`ui.frames`: the map's ``base`` and ``layers``, the
    compare page's ``document``) are spread into the arguments too, as the frame reads them;
    a part the frame is taken to hold is ``None`` beside its digest (``digests``).
    """
    (component,) = [
        c for c in at.get("component_instance") if c.proto.component_name.endswith(name)
    ]
    args = json.loads(component.proto.json_args)
    for part in args.get("digests", {}):
        args.update(args[part] or {})
    return args


def run_app(*, timeout_s: float = 60, **query: str) -> AppTest:
    """The page opened at ``?KEY=VALUE&…`` (``query``), run once; it must raise nothing."""
    at = AppTest.from_file(str(APP), default_timeout=timeout_s)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def run_browser_first_open(monkeypatch, **query: str) -> AppTest:
    """The page's first run as a browser's first open gets it (the map alone, its paint asked).

    ``AppTest`` sends no HTTP headers, so the page takes it for a client that cannot paint
    (:func:`ui.state.map_first`); this tells the page it is a browser until the map's paint
    is reported (``state.MAP_PAINTED``, which a test sets as the frame's report would).
    """
    import streamlit as st

    from ui import state

    monkeypatch.setattr(state, "map_first", lambda: not st.session_state.get(state.MAP_PAINTED))
    return run_app(**query)


def run_cli(*args: str, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m territory_viz ARGS`` in a child (output captured as text, not checked)."""
    return subprocess.run(
        [sys.executable, "-m", "territory_viz", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
