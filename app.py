"""territory_viz page: pick a settlement scenario, see it on a map and in numbers.

Run with ``streamlit run app.py``. This file is the table of contents: the pages, the
frame they share (:mod:`ui.shell`: sidebar, header) and the one error handler. Every
cached call into the library is in :mod:`ui.cache`; each page's views are in ``ui/``.
The page works offline: Leaflet is served by the app itself (:mod:`territory_viz.assets`).

Share links: ``?scenario=<id>`` (and ``&date=YYYY-MM-DD``, the baseline's day; older links'
``&baseline=<snapshot id>`` still open) open that view,
``&compare=<id>`` the compare page, ``?view=<page>`` any page; the URL follows the page.
"""

from __future__ import annotations

import streamlit as st

from territory_viz._errors import TerritoryVizError
from ui import cache, frames, shell
from ui._text import md_escape

PAGES = {
    "map": st.Page("ui/pages/map.py", title="Scenario map", icon=":material/map:", default=True),
    "compare": st.Page(
        "ui/pages/compare.py", title="Compare two scenarios", icon=":material/compare:"
    ),
    "build": st.Page("ui/pages/build.py", title="Build a scenario", icon=":material/build:"),
    "gallery": st.Page("ui/pages/gallery.py", title="All proposals", icon=":material/grid_view:"),
    "timeline": st.Page("ui/pages/timeline.py", title="Timeline", icon=":material/timeline:"),
}

st.set_page_config(page_title="Who would control Ukraine", page_icon="🗺️", layout="wide")
frames.count_run()  # a frame drawn in the previous run is not sent what it holds
try:
    cache.warm_up()  # once per server process: every built-in scenario ready
    current = st.navigation(list(PAGES.values()), position="top")
    shell.follow_link(current, PAGES)
    shell.frame(next(name for name, page in PAGES.items() if page is current))
    current.run()
except TerritoryVizError as exc:  # the one error handler: bad input never shows a traceback
    st.error(md_escape(str(exc)))
