"""Page: two scenarios side by side on maps that pan together, the change map, the balance."""

from ui import compare
from ui.shell import view
from ui.state import all_scenarios

chosen = view()
b = compare.compare_picker(all_scenarios(), scenario_id=chosen.scenario_id,
                           baseline=chosen.baseline)
compare.compare_view(chosen.scenario, b, chosen.baseline)
