"""Timeline page: the area under Russian control on each committed snapshot's date."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import cache

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
table = pd.DataFrame(
    {
        "Date": [row.date for row in rows],
        "Under Russian control (km²)": [round(v, 1) for v in values],
        "Share of Ukraine (%)": [round(100 * row.share, 2) for row in rows],
        "Change (km²)": [
            None if row.change_km2 is None else round(row.change_km2, 1) for row in rows
        ],
        "Source": [row.source for row in rows],
    }
)
if choice != "All of Ukraine":
    table = table.drop(columns=["Share of Ukraine (%)", "Change (km²)"])
st.line_chart(table.set_index("Date")["Under Russian control (km²)"])
st.dataframe(table, hide_index=True)

st.subheader("What changed")
dates = [row.date for row in rows]
if len(dates) < 2:
    st.info("Two dated control layers are needed to show a change.")
    st.stop()
left, right = st.columns(2)
date_from = left.selectbox("From", dates, index=len(dates) - 2, key="tv_changes_from")
date_to = right.selectbox("To", dates, index=len(dates) - 1, key="tv_changes_to")
change = cache.history_changes(date_from, date_to)
totals = pd.DataFrame(
    {
        "Area": ["All of Ukraine", *change.by_region],
        "To Russian control (km²)": [
            round(change.to_russia_km2, 1),
            *(round(v["to_russia_km2"], 1) for v in change.by_region.values()),
        ],
        "Back to Ukrainian control (km²)": [
            round(change.to_ukraine_km2, 1),
            *(round(v["to_ukraine_km2"], 1) for v in change.by_region.values()),
        ],
        "Net (km²)": [
            round(change.to_russia_km2 - change.to_ukraine_km2, 1),
            *(round(v["net_km2"], 1) for v in change.by_region.values()),
        ],
    }
)
st.dataframe(totals, hide_index=True)
if change.towns:
    st.dataframe(
        pd.DataFrame(
            {
                "Town": [str(t["name"]) for t in change.towns],
                "Population": [t["population"] for t in change.towns],
                "Region": [str(t["region"]) for t in change.towns],
                "From": [str(t["from"]) for t in change.towns],
                "To": [str(t["to"]) for t in change.towns],
            }
        ),
        hide_index=True,
    )
else:
    st.caption("No town of 10,000 or more people changed hands between these dates.")
