"""Show text that came from a file safely: Streamlit renders markdown in most elements."""

from __future__ import annotations

import re

from territory_viz.textsafe import isolate_if_bidi as isolate

#: The icons of the page's notices: Material Symbols, drawn from the font Streamlit serves
#: itself, so they show on machines without a colour-emoji font (an emoji there is a box).
NOTICE_ICON = ":material/warning:"  # a link or a choice could not be followed as asked
UPLOADED_LAYER_ICON = ":material/upload_file:"  # an uploaded control layer is in use

_AUTOLINK = re.compile(r"(?i)(www|https?|ftp|mailto|xmpp)(?=\\[.:])")
_EMAIL = re.compile(r"(?<=\w)@")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=$:&])")


def md_escape(text: object) -> str:
    """Escape every markdown (and HTML) special character so the text shows literally.

    Parameters
    ----------
    text
        Any value; it is converted with ``str`` first.

    Returns
    -------
    str
        Text safe to pass to ``st.markdown``, ``st.error``, ``st.caption``... without
        ``unsafe_allow_html``: links, images, emphasis and tags are all neutralised.
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    # Streamlit's markdown links bare www./http:// text and e-mail addresses after parsing
    # (escapes do not stop it): a word joiner (U+2060, invisible) breaks each pattern.
    escaped = _EMAIL.sub("\u2060@", _AUTOLINK.sub("\\1\u2060", escaped))
    return isolate_lines(escaped).replace("\n", "  \n")


def isolate_lines(text: str) -> str:
    """Isolate each line's direction (a U+202E in a title cannot reverse what follows it)."""
    return "\n".join(isolate(line) if line else line for line in text.split("\n"))
