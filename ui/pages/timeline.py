"""Timeline page: the area under Russian control on each committed snapshot's date."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import cache
from ui._text import md_escape

st.subheader("Area under Russian control over time")
rows = cache.history_timeline()
if not rows:
    st.info("No dated control layers are available.")
    st.stop()
regions = sorted({iso for row in rows for iso in row.by_region})
choice = st.selectbox("Area", ["All of Ukraine", *regions], key="tv_timeline_region")
if choice == "All of Ukraine":
    values = [row.occupied_km2 for row in rows]
else:
    values = [row.by_region.get(choice, 0.0) for row in rows]
table = pd.DataFrame({
    "Date": [row.date for row in rows],
    "Under Russian control (km²)": [round(v, 1) for v in values],
    "Share of Ukraine (%)": [round(100 * row.share, 2) for row in rows],
    "Change (km²)": [None if row.change_km2 is None else round(row.change_km2, 1)
                     for row in rows],
    "Source": [md_escape(row.source) for row in rows],
})
if choice != "All of Ukraine":
    table = table.drop(columns=["Share of Ukraine (%)", "Change (km²)"])
st.line_chart(table.set_index("Date")["Under Russian control (km²)"])
st.dataframe(table, hide_index=True)
