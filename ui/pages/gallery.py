"""Page: every scenario at a glance, a small map each; a click opens it on the map page."""

import streamlit as st

from territory_viz import notices, render
from ui import cache, scenario_view
from ui._text import md_escape
from ui.shell import MAP_PAGE_FILE, view
from ui.state import all_scenarios

#: Cards per row on a wide screen (a phone shows one per row).
COLUMNS = 3

chosen = view()
st.markdown(
    "Each small map shows a proposal over the same baseline. Open one to explore "
    "it: the map, every number, the towns that would change hands."
)
st.caption(md_escape(notices.approximation_note(chosen.baseline.date or "")))
options = all_scenarios()
ids = list(options)
for start in range(0, len(ids), COLUMNS):
    for col, scenario_id in zip(st.columns(COLUMNS), ids[start : start + COLUMNS], strict=False):
        scenario = options[scenario_id]
        result, _ = cache.stats_for(scenario, chosen.baseline)
        with col.container(border=True, key=f"tv_card_{scenario_id}"):
            st.markdown(f"**{md_escape(scenario.title)}**")
            st.image(cache.thumbnail(scenario, chosen.baseline), width="stretch")
            sources = "; ".join(
                f"{s.publisher}, {render.date_label(s.date)}" for s in scenario.sources
            )
            # The date notice names the reported date itself when the dates differ.
            notice = notices.date_notice(scenario.as_of, chosen.baseline.date or "")
            reported = "" if notice else f"Reported {render.date_label(scenario.as_of)}. "
            st.caption(md_escape(reported + (f"Sources: {sources}. " if sources else "") + notice))
            st.markdown(scenario_view.key_numbers_text(result))
            st.page_link(
                MAP_PAGE_FILE,
                label="Open this proposal",
                icon=":material/map:",
                query_params={"scenario": scenario_id},
            )
