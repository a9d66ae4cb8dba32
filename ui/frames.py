"""What a component frame already holds, so that a rerun does not send it again.

Streamlit sends every element again on every script run: the map's component arguments
(about 70 KB: Leaflet's stylesheet, the base map's script, the scenario's layers) went over
the websocket twice on every fresh open (the held first run and the run after the map's
paint) and again on every rerun of a widget that does not touch the map.

A frame's heavy arguments are split into named parts (the map's ``base`` and ``layers``,
the compare page's ``document``), each sent with its digest. A run sends a part only
where the frame may not hold it: the frame was not drawn in the session's previous run
(first open, another page in between, a run that stopped before the map), or the part
changed, or the frame asked for everything (see below). Otherwise the part goes as
``None`` beside its digest, and the frame uses the copy it kept.

The server's belief can be wrong only towards "the frame holds it" when the browser made
the frame again between two runs of its own (Streamlit mounts a new iframe, or the frame
reloaded). The frame then finds a part it does not hold and asks: it sets its value's
``need`` to a new token, which reruns the script, and that run sends every part
(:func:`parts_to_send`). It asks once per set of digests, so a server that still sends
nothing cannot make it loop.

The bookkeeping is a few digests per frame in the session's state; :func:`count_run` is
called once at the top of every script run (``app.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

__all__ = [
    "Held",
    "arguments",
    "count_run",
    "digest",
    "painted",
    "part_digests",
    "parts_to_send",
    "split",
]

#: Session key: the number of the current script run.
RUN = "tv_run"
#: Session key: per frame key, what the frame was last sent (:class:`Held`).
HELD = "tv_frames_held"


@dataclass(frozen=True)
class Held:
    """What the server sent a frame: in which run, each part's digest, the last ask answered."""

    run: int
    digests: Mapping[str, str]
    answered: str | None


def count_run(state: MutableMapping[str, Any] | None = None) -> int:
    """Count this script run (once per run, before any frame is drawn); return its number."""
    store: MutableMapping[Any, Any] = st.session_state if state is None else state
    store[RUN] = int(store.get(RUN, 0)) + 1
    return int(store[RUN])


def painted(value: object) -> bool:
    """Whether a frame's component value says its maps are painted (``{"painted": true}``)."""
    return isinstance(value, dict) and bool(value.get("painted"))


def digest(*texts: object) -> str:
    """Return a short digest of a part's texts (which part a frame holds; not for security)."""
    h = hashlib.blake2b(digest_size=12)
    for text in texts:
        h.update(repr(text).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def part_digests(parts: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Return each part's digest (part name -> :func:`digest` of its sorted fields)."""
    return {name: digest(*sorted(fields.items())) for name, fields in parts.items()}


def parts_to_send(
    key: str,
    digests: Mapping[str, str],
    value: object,
    state: MutableMapping[str, Any] | None = None,
) -> set[str]:
    """Return the names of the parts of frame ``key`` this run sends; note them as sent.

    ``digests``: each part's digest in this run; ``value``: the frame's component value
    (its ``need`` token, if it asked for everything). Every part is sent unless the frame
    was drawn in the session's previous run and has not asked since; then only the parts
    whose digest changed. ``state`` is the session's state (a plain dict in unit tests).
    """
    store: MutableMapping[Any, Any] = st.session_state if state is None else state
    run = int(store.get(RUN, 0))
    before: dict[str, Held] = dict(store.get(HELD, {}))
    held = before.get(key)
    held_all = {k: h for k, h in before.items() if h.run >= run - 1 and k != key}
    asked = value.get("need") if isinstance(value, dict) else None
    asked = asked if isinstance(asked, str) else None
    if held is None or held.run != run - 1 or (asked is not None and asked != held.answered):
        send = set(digests)
    else:
        send = {name for name, d in digests.items() if held.digests.get(name) != d}
    answered = asked if asked is not None else (held.answered if held is not None else None)
    held_all[key] = Held(run, dict(digests), answered)
    store[HELD] = held_all
    return send


def split(
    key: str,
    parts: Mapping[str, Mapping[str, Any]],
    value: object,
    state: MutableMapping[str, Any] | None = None,
    digests: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return a frame's part arguments: ``digests`` and each part, or ``None`` where held.

    ``parts``: part name -> that part's arguments (JSON values); ``digests``: their
    :func:`part_digests`, where the caller has them already. See :func:`parts_to_send`.
    """
    digests = dict(digests) if digests is not None else part_digests(parts)
    send = parts_to_send(key, digests, value, state)
    args: dict[str, Any] = {"digests": digests}
    for name, fields in parts.items():
        args[name] = dict(fields) if name in send else None
    return args


def arguments(
    key: str,
    parts: Mapping[str, Mapping[str, Any]],
    on_paint: Callable[[], None] | None = None,
    digests: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the part arguments (:func:`split`) of the frame keyed ``key``, and its ``on_change``.

    The frame's value is read from the session's state under ``key``; ``on_change`` calls
    ``on_paint`` only for a value that says the frame painted (an ask is a new value too).
    ``digests``: the parts' :func:`part_digests`, where the caller has them already.
    """
    args = split(key, parts, st.session_state.get(key), digests=digests)

    def changed() -> None:
        if on_paint is not None and painted(st.session_state.get(key)):
            on_paint()

    args["on_change"] = changed
    return args
