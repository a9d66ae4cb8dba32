"""territory_viz: who controls Ukraine's territory, who claims it, what settlements would change.

The library never imports streamlit. Modules, in the order data flows:

- :mod:`territory_viz.model`     enums (control, parties, recognition) and constants
- :mod:`territory_viz.datasets`  load and validate the committed layers; load users' layers
- :mod:`territory_viz.scenarios` parse scenario files and evaluate them into partitions
- :mod:`territory_viz.stats`     areas, pre-war population, towns, balances, comparisons
- :mod:`territory_viz.render`    folium maps, legend, styles, offline assets
- :mod:`territory_viz.cli`       ``python -m territory_viz``
"""

__version__ = "0.1.0"
