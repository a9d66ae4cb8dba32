"""Timeline page: the area under Russian control on each day of the session's history.

The history is the committed snapshots plus the days fetched into the server's cache, or
the multi-date file this session uploaded.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from territory_viz import notices
from territory_viz.model import REGION_NAMES
from territory_viz.style import CONTROL_LABELS, TOWN_CHANGE_MIN_POPULATION
from ui import cache
from ui._text import md_escape
from ui.state import session_history

days = session_history()
st.subheader("Area under Russian control over time")
st.caption(md_escape(f"{len(days)} dated lines of control: {days.label}."))
rows = cache.history_timeline(days)
if not rows:
    st.info("No dated control layers are available.")
    st.stop()
regions = sorted(
    {iso for row in rows for iso in row.by_region}, key=lambda iso: REGION_NAMES.get(iso, iso)
)
choice = st.selectbox(
    "Area",
    ["All of Ukraine", *regions],
    key="tv_timeline_region",
    format_func=lambda iso: REGION_NAMES.get(iso, iso),
)
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
change = cache.history_changes(days, date_from, date_to)
#: Height of the change map's frame, px.
CHANGE_MAP_HEIGHT_PX = 560
map_col, tables_col = st.columns([3, 2], gap="medium")
with map_col:
    document = cache.day_change_document(days, date_from, date_to)
    if document is None:
        st.info("No area changed hands between these dates.")
    else:
        st.iframe(
            document,
            height=CHANGE_MAP_HEIGHT_PX,
            alt="Map of the areas that changed hands between the two dates",
        )
by_region = sorted(change.by_region.items(), key=lambda kv: REGION_NAMES.get(kv[0], kv[0]))
totals = pd.DataFrame(
    {
        "Area": ["All of Ukraine", *(REGION_NAMES.get(iso, iso) for iso, _ in by_region)],
        "To Russian control (km²)": [
            round(change.to_russia_km2, 1),
            *(round(v["to_russia_km2"], 1) for _, v in by_region),
        ],
        "Back to Ukrainian control (km²)": [
            round(change.to_ukraine_km2, 1),
            *(round(v["to_ukraine_km2"], 1) for _, v in by_region),
        ],
        "Net (km²)": [
            round(change.to_russia_km2 - change.to_ukraine_km2, 1),
            *(round(v["net_km2"], 1) for _, v in by_region),
        ],
    }
)
with tables_col:
    st.dataframe(totals, hide_index=True)
    st.caption(md_escape(notices.REGION_AREA_NOTE))
    if change.towns:
        st.dataframe(
            pd.DataFrame(
                {
                    "Town": [str(t["name"]) for t in change.towns],
                    "Pre-war population (people)": [t["population"] for t in change.towns],
                    "Region": [REGION_NAMES.get(str(t["iso_code"]), "") for t in change.towns],
                    "From": [CONTROL_LABELS.get(str(t["from"]), "") for t in change.towns],
                    "To": [CONTROL_LABELS.get(str(t["to"]), "") for t in change.towns],
                }
            ),
            hide_index=True,
        )
    else:
        st.caption(
            f"No town of {TOWN_CHANGE_MIN_POPULATION:,} or more people changed hands between"
            " these dates."
        )
