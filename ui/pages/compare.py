"""Page: two scenarios side by side on maps that pan together, the change map, the balance."""

import streamlit as st

from territory_viz import notices
from ui import compare, shell, state
from ui._text import md_escape
from ui.shell import view
from ui.state import all_scenarios

chosen = view()
st.caption(md_escape(notices.approximation_note(chosen.baseline.date or "")))
# One container either way, so the maps under it keep their place in the page (and their
# frame) when the rerun draws the sources and the B picker in it.
if state.map_first():
    # A session's first run draws the maps first: the sources and the B picker (and what
    # comes under the maps) in the run their paint starts, in the space kept for them.
    b = compare.compare_choice(
        all_scenarios(), scenario_id=chosen.scenario_id, baseline=chosen.baseline
    )
    compare.held_picker(b)
else:
    with st.container(key=compare.PICKER_KEY):
        with st.expander("About this scenario and its sources"):
            shell.about(chosen.scenario, chosen.baseline.date)
        b = compare.compare_picker(
            all_scenarios(), scenario_id=chosen.scenario_id, baseline=chosen.baseline
        )
compare.compare_view(chosen.scenario, b, chosen.baseline, layers=chosen.layers)
