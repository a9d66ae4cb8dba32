"""Exports of the current view: layer (GeoJSON, GeoPackage), numbers (CSV), maps (HTML, SVG).

The files are made only when a download button is clicked (Streamlit's deferred
download data), so drawing the page stays fast. The byte-producing helpers are plain
functions, tested without Streamlit.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from territory_viz.svg import partition_svg

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def file_stem(*parts: str) -> str:
    """Return a safe file-name stem from parts (scenario id, baseline key...)."""
    stem = "_".join(_SAFE_NAME.sub("-", p).strip("-") for p in parts if p)
    return stem[:120] or "territory_viz"


def _plain(partition: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Copy with plain string/number columns (enums to their values) in EPSG:4326."""
    out = partition.copy()
    for col in out.columns:
        if col != out.geometry.name and out[col].dtype == object:
            out[col] = out[col].map(lambda v: v if v is None else str(v))
    return out.to_crs("EPSG:4326") if out.crs is not None else out


def geojson_bytes(partition: gpd.GeoDataFrame) -> bytes:
    """Return the partition as a GeoJSON FeatureCollection (EPSG:4326, UTF-8)."""
    return _plain(partition).to_json(drop_id=True, ensure_ascii=False).encode("utf-8")


def gpkg_bytes(partition: gpd.GeoDataFrame, *, layer: str) -> bytes:
    """Return the partition as a GeoPackage file with one layer.

    Parameters
    ----------
    partition
        The layer to write.
    layer
        Layer name inside the GeoPackage.
    """
    with tempfile.TemporaryDirectory(prefix="territory_viz_") as tmp:
        path = Path(tmp) / "export.gpkg"
        _plain(partition).to_file(path, driver="GPKG", layer=file_stem(layer))
        return path.read_bytes()


def csv_bytes(tables: Sequence[tuple[str, pd.DataFrame]]) -> bytes:
    """Return one CSV of several tables stacked, with a ``table`` column naming each.

    Parameters
    ----------
    tables
        ``(name, frame)`` pairs; the frames' own columns are kept, each with units
        in its name (``area_km2``, ``population``...).
    """
    frames = []
    for name, frame in tables:
        df = pd.DataFrame(frame).reset_index(drop=frame.index.name is None)
        df.insert(0, "table", name)
        frames.append(df)
    buffer = io.StringIO()
    pd.concat(frames, ignore_index=True, sort=False).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def svg_bytes(partition: gpd.GeoDataFrame, **kwargs: object) -> bytes:
    """Return the partition as an SVG map with legend (see :func:`partition_svg`)."""
    return partition_svg(partition, **kwargs).encode("utf-8")  # type: ignore[arg-type]


def export_buttons(
    *,
    stem: str,
    partition: gpd.GeoDataFrame,
    tables: Callable[[], Sequence[tuple[str, pd.DataFrame]]],
    html: Callable[[], str],
    svg: Callable[[], bytes],
    key: str = "tv_export",
) -> None:
    """Draw the download buttons for the current view.

    Parameters
    ----------
    stem
        File-name stem (scenario id and baseline).
    partition
        The scenario's partition as shown.
    tables
        Makes the statistics tables (called only on click).
    html
        Makes the standalone offline HTML map (called only on click).
    svg
        Makes the SVG map with legend (called only on click).
    key
        Prefix of the widget keys.
    """
    st.caption("Downloads of the view as shown (scenario against the baseline in use). "
               "The HTML map works offline; the SVG is for slides and articles.")
    cols = st.columns(5)
    specs = [
        ("GeoJSON", f"{stem}.geojson", "application/geo+json", lambda: geojson_bytes(partition)),
        ("GeoPackage", f"{stem}.gpkg", "application/geopackage+sqlite3",
         lambda: gpkg_bytes(partition, layer=stem)),
        ("Statistics CSV", f"{stem}_stats.csv", "text/csv", lambda: csv_bytes(tables())),
        ("HTML map (offline)", f"{stem}.html", "text/html", lambda: html().encode("utf-8")),
        ("SVG map", f"{stem}.svg", "image/svg+xml", svg),
    ]
    for col, (label, name, mime, make) in zip(cols, specs, strict=True):
        with col:
            st.download_button(label, data=make, file_name=name, mime=mime,
                               key=f"{key}_{name.rsplit('.', 1)[-1]}_{label[:4]}",
                               on_click="ignore", width="stretch")
