"""The control layer a page evaluates every scenario against (a snapshot or an upload)."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd

from territory_viz import notices
from territory_viz.model import CRS_EQUAL_AREA
from territory_viz.render import date_label


@dataclass(frozen=True, eq=False)
class Baseline:
    """The control layer every scenario is evaluated against.

    Parameters
    ----------
    key
        Cache key: the snapshot id, or ``upload-<sha256 prefix>`` for an uploaded layer.
    label
        What the page calls it (snapshot id, or the user's name for the layer).
    date
        Its date (``YYYY-MM-DD``) when known, else ``None``.
    area_km2
        Area under Russian control in it, km² (equal-area).
    layer
        The snapshot-shaped one-row GeoDataFrame (``id``, ``date``, geometry); callers
        must not mutate it.
    filename
        The uploaded file's name, ``None`` for a committed snapshot.
    history
        For a day of a history that is not a committed snapshot (a fetched day, a day of an
        uploaded multi-date file): what the history is called; else ``None``.
    """

    key: str
    label: str
    date: str | None
    area_km2: float
    layer: gpd.GeoDataFrame
    filename: str | None = None
    history: str | None = None

    @property
    def value(self) -> str | gpd.GeoDataFrame:
        """What to pass to ``evaluate(..., baseline=)``: the id or the layer."""
        if self.filename is not None or self.history is not None:
            return self.layer
        return self.key

    @property
    def description(self) -> str:
        """One line saying which baseline is in use (plain text, not markdown)."""
        when = f"dated {self.date}" if self.date else "no date given"
        if self.filename:
            origin = f"uploaded file {self.filename}"
        elif self.history:
            origin = f"a day of {self.history}"
        else:
            origin = "committed snapshot"
        return (
            f"Baseline: {self.label} ({origin}, {when}), "
            f"{self.area_km2:,.0f} km² under Russian control"
        )

    @property
    def in_words(self) -> str:
        """The baseline as the page says it: its date in words, where it comes from, its area.

        ``Baseline: control on 22 Aug 2026 (committed snapshot), 115,422 km² under Russian
        control`` (plain text, not markdown). An uploaded layer keeps the name its visitor
        gave it; a fetched day names DeepStateMap.
        """
        when = f"control on {date_label(self.date)}" if self.date else "control, no date given"
        if self.filename:
            what = f"{self.label}: {when} (uploaded file {self.filename})"
        elif self.history and notices.is_fetched(self.layer):
            what = f"{when} (fetched from DeepStateMap)"
        elif self.history:
            what = f"{when} (a day of {self.history})"
        else:
            what = f"{when} (committed snapshot)"
        return f"Baseline: {what}, {self.area_km2:,.0f} km² under Russian control"


def layer_area_km2(layer: gpd.GeoDataFrame) -> float:
    """Return the area of a control layer in km², measured in the equal-area CRS."""
    return float(layer.to_crs(CRS_EQUAL_AREA).geometry.area.sum() / 1e6)
