"""Page: one scenario on the map, its headline numbers, tables and downloads."""

import streamlit as st

from ui import cache, scenario_view
from ui.shell import view

chosen = view()
result, prepared = cache.stats_for(chosen.scenario, chosen.baseline)
map_col, numbers_col = st.columns([5, 2], gap="medium")
with map_col:
    scenario_view.scenario_map(chosen, prepared)
with numbers_col:
    scenario_view.headline(result)
scenario_view.tables(result)
scenario_view.exports(chosen.scenario, chosen.baseline, result)
