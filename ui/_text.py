"""Show text that came from a file safely: Streamlit renders markdown in most elements."""

from __future__ import annotations

import re

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
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", "  \n")
