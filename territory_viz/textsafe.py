"""Text from users that cannot reorder, hide or inject what is shown next to it.

- :func:`isolate` wraps text in a Unicode bidi isolate (FSI ... PDI), so a right-to-left
  override in a title (U+202E) cannot reverse the numbers printed after it.
- :func:`invisible_characters` finds bidi controls and other invisible format characters
  (category Cf, e.g. U+200B), refused in ids.
- :func:`terminal_safe` removes control characters (ESC sequences, C1 controls, bidi
  controls) from text printed to a terminal.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["BIDI_CONTROLS", "invisible_characters", "isolate", "isolate_if_bidi", "terminal_safe"]

_LRI, _RLI, _FSI, _PDI = "\u2066", "\u2067", "\u2068", "\u2069"
#: Characters that change the direction of the text around them.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")


def isolate(text: str) -> str:
    r"""Return ``text`` as one bidi isolate: its direction stays inside it.

    A PDI in the text that would close the isolate early is dropped, and isolates the text
    opens are closed; embeddings and overrides it opens end at the closing PDI.

    Examples
    --------
    >>> isolate("Freeze \u202e") == "\u2068Freeze \u202e\u2069"
    True
    """
    out, depth = [], 0
    for char in str(text):
        if char in (_LRI, _RLI, _FSI):
            depth += 1
        elif char == _PDI:
            if depth == 0:
                continue
            depth -= 1
        out.append(char)
    return _FSI + "".join(out) + _PDI * depth + _PDI


def isolate_if_bidi(text: str) -> str:
    """Like :func:`isolate`, for text that can change direction (else returned as it is).

    Only bidi controls and right-to-left letters can reorder what is shown around them;
    plain left-to-right text is left untouched (no invisible characters added).
    """
    text = str(text)
    if any(c in BIDI_CONTROLS or unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return isolate(text)
    return text


def invisible_characters(text: str) -> list[str]:
    """Return the code points (``U+202E``...) of invisible format characters in ``text``."""
    found = dict.fromkeys(
        f"U+{ord(c):04X}"
        for c in str(text)
        if c in BIDI_CONTROLS or unicodedata.category(c) == "Cf"
    )
    return list(found)


def terminal_safe(text: str) -> str:
    """Remove control characters but newline and tab (terminal escapes, bidi controls)."""
    return _CONTROLS.sub("", str(text))
