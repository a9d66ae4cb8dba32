"""The map's view in the page's address: ``&lat=…&lon=…&zoom=…``, restored from a link.

The map's own script keeps the address following the reader's pans and zooms (see
:class:`territory_viz.render.view.ShareView`: written in the browser, no rerun). The page
reads a link's view once per session, so the map's script stays the same on every run (a
changed script would remount the map and lose the reader's view).
"""

from __future__ import annotations

import streamlit as st

from territory_viz._errors import ValidationError
from territory_viz.render.view import VIEW_PARAMS, MapView, parse_view
from ui import state

#: Session key of the view the link asked for (``None``: none, or one ignored).
LINK_VIEW = "tv_link_view"


def link_view() -> MapView | None:
    """Return the map view of the link this session opened with, checked once.

    A view that is incomplete, not numbers or out of range is ignored with a notice naming
    what is allowed (:func:`ui.state.add_notice`: drawn with the page's other notices), and
    its parameters leave the address.
    """
    if LINK_VIEW in st.session_state:
        return st.session_state[LINK_VIEW]
    view = None
    try:
        view = parse_view(st.query_params.to_dict())
    except ValidationError as err:
        for key in VIEW_PARAMS:
            st.query_params.pop(key, None)
        state.add_notice(
            "The link's map view was ignored ("
            + "; ".join(err.problems)
            + "): the map shows the whole of Ukraine."
        )
    st.session_state[LINK_VIEW] = view
    return view
