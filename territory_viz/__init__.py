"""territory_viz: who controls Ukraine's territory, who claims it, what settlements would change.

The Python API (imported lazily: ``import territory_viz`` loads nothing heavy)::

    import territory_viz as tv
    tv.scenarios()                          # the built-in scenarios
    tv.layers(), tv.layer("regions")        # the catalogue, one layer (a copy)
    r = tv.evaluate("land-swap")            # .partition .stats .balance .towns
    r.to_dict(); r.to_file("x.gpkg"); r.explore()
    tv.compare("donbas-for-freeze", "land-swap")

See :mod:`territory_viz.api`. The library never imports streamlit. Modules, in the order
data flows:

- :mod:`territory_viz.model`     enums (control, parties, recognition) and constants
- :mod:`territory_viz.datasets`  load and validate the committed layers; load users' layers
- :mod:`territory_viz.scenarios` parse scenario files and evaluate them into partitions
- :mod:`territory_viz.stats`     areas, pre-war population, towns, balances, comparisons
- :mod:`territory_viz.style`     palette, labels, line styles, drawing thresholds
- :mod:`territory_viz.render`    folium maps, legend, offline assets
- :mod:`territory_viz.svg`       static SVG maps
- :mod:`territory_viz.cli`       the ``territory-viz`` command (``python -m territory_viz``)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from territory_viz import scenarios
    from territory_viz._errors import DataFileError, TerritoryVizError, ValidationError
    from territory_viz.api import CompareResult, Result, compare, evaluate, layer, layers

__all__ = [
    "CompareResult",
    "DataFileError",
    "Result",
    "TerritoryVizError",
    "ValidationError",
    "compare",
    "evaluate",
    "layer",
    "layers",
    "scenarios",
]

#: Public name -> module that defines it (imported on first use). ``scenarios`` is the
#: submodule itself, which is callable: ``tv.scenarios()`` lists the built-in scenarios.
_LAZY = {
    "CompareResult": "territory_viz.api",
    "Result": "territory_viz.api",
    "compare": "territory_viz.api",
    "evaluate": "territory_viz.api",
    "layer": "territory_viz.api",
    "layers": "territory_viz.api",
    "DataFileError": "territory_viz._errors",
    "TerritoryVizError": "territory_viz._errors",
    "ValidationError": "territory_viz._errors",
}


def __getattr__(name: str) -> Any:
    """Import the public names on first use (``import territory_viz`` stays light)."""
    if name == "scenarios":
        return importlib.import_module("territory_viz.scenarios")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'territory_viz' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the module's names and the lazily imported ones."""
    return sorted({*globals(), *__all__})
