"""Streamlit views for the analyst workflows of the territory_viz page.

``app.py`` stays a table of contents and calls one function per view:

- :mod:`ui.compare`  two scenarios side by side on synced maps, a change map, a balance table
- :mod:`ui.builder`  build a scenario region by region from a built-in one; download its TOML
- :mod:`ui.uploads`  upload a scenario file or a control layer (the baseline)
- :mod:`ui.exports`  the current view as GeoJSON, GeoPackage, CSV, offline HTML and SVG
- :mod:`ui.state`    what these views keep in the session (user scenarios, uploaded baseline)

Only this package and ``app.py`` import streamlit; the maths lives in ``territory_viz``.
"""
