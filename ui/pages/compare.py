"""Page: two scenarios side by side on maps that pan together, the change map, the balance."""

import streamlit as st

from territory_viz import notices
from ui import compare, shell
from ui._text import md_escape
from ui.shell import view
from ui.state import all_scenarios

chosen = view()
st.caption(md_escape(notices.approximation_note(chosen.baseline.date or "")))
with st.expander("About this scenario and its sources"):
    shell.about(chosen.scenario, chosen.baseline.date)
b = compare.compare_picker(
    all_scenarios(), scenario_id=chosen.scenario_id, baseline=chosen.baseline
)
compare.compare_view(chosen.scenario, b, chosen.baseline, layers=chosen.layers)
