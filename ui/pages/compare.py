"""Page: two scenarios side by side on maps that pan together, the change map, the balance."""

import streamlit as st

from ui import compare, shell
from ui.shell import view
from ui.state import all_scenarios

chosen = view()
with st.expander("About this scenario and its sources"):
    shell.about(chosen.scenario)
b = compare.compare_picker(
    all_scenarios(), scenario_id=chosen.scenario_id, baseline=chosen.baseline
)
compare.compare_view(chosen.scenario, b, chosen.baseline)
