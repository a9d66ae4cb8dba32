"""Page: build a scenario region by region from any other, preview it, download its file."""

import streamlit as st

from ui import compare, shell
from ui.builder import builder_view
from ui.shell import add_and_show, view
from ui.state import all_scenarios

chosen = view()
with st.expander("About this scenario and its sources"):
    shell.about(chosen.scenario)
variant = builder_view(all_scenarios(), chosen.baseline, start_id=chosen.scenario_id)
if variant is not None:
    compare.single_map(variant, chosen.baseline, layers=chosen.layers)
    st.button(
        "Show it in the scenario map", key="tv_builder_show", on_click=add_and_show, args=(variant,)
    )
