"""Page: one scenario on the map, its headline numbers, tables and downloads."""

import streamlit as st

from territory_viz import notices
from ui import cache, scenario_view, shell
from ui._text import md_escape
from ui.shell import view
from ui.state import all_scenarios

chosen = view()
result, prepared = cache.stats_for(chosen.scenario, chosen.baseline)
scenario_view.key_numbers(result)
map_col, numbers_col = st.columns([5, 2], gap="medium")
with map_col:
    complete = scenario_view.scenario_map(chosen, prepared, town=scenario_view.found_town())
if not complete:
    st.stop()  # the rest comes in the run the map's paint starts (state.map_first)
with numbers_col:
    # What is approximate, with the date of the line shown: on a wide screen right under the
    # baseline's date (same column), on a phone right after the map (never above it).
    st.caption(md_escape(notices.approximation_note(chosen.baseline.date or "")))
    scenario_view.town_card(chosen, all_scenarios())
    shell.about(chosen.scenario, chosen.baseline.date)
    scenario_view.nearest_snapshot_offer(chosen)
    scenario_view.headline(result)
scenario_view.tables(result)
scenario_view.exports(chosen.scenario, chosen.baseline, result)
