"""Exports of the current view: layer (GeoJSON, GeoPackage), tables (CSV), maps (HTML, SVG, PNG).

The files are made only when a download button is clicked (Streamlit's deferred
download data), so drawing the page stays fast. The byte-producing helpers are plain
functions, tested without Streamlit.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from territory_viz.svg import partition_svg, svg_to_png

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


#: Decimal places kept per kind of column (by name): km² to 0.1 (the regions' own precision),
#: people to the person, shares to 0.01 percentage point.
_DECIMALS = (("_km2", 1), ("km2", 1), ("population", 0), ("people", 0), ("share", 4))


def _decimals_of(name: str) -> int | None:
    name = str(name).lower()
    for suffix, places in _DECIMALS:
        if name.endswith(suffix) or name.startswith(suffix.strip("_")):
            return places
    return None


def tidy_table(
    frame: pd.DataFrame, *, scenario: str = "", baseline: str = "", date: str = "", note: str = ""
) -> pd.DataFrame:
    """Return ``frame`` with ``scenario``, ``baseline``, ``date`` columns first, rounded.

    With ``note``, a last column ``note`` repeats it in every row (what is approximate, as
    ``territory-viz stats --format csv`` and ``export ID -o FILE.csv`` write it), so a
    table copied out of its zip still says so.

    Numbers are rounded to their precision by column name (``*_km2`` to 0.1 km²,
    ``population`` to whole people, ``share*`` to 4 decimals); a ``measure``/``value`` table
    (the balance) is rounded row by row by the measure's name. Lists (a row's regions)
    become ``"; "``-joined text.
    """
    df = pd.DataFrame(frame).reset_index(drop=frame.index.name is None).copy()
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].map(
                lambda v: (
                    "; ".join(map(str, v)) if isinstance(v, list | tuple | set | frozenset) else v
                )
            )
        places = _decimals_of(col)
        if places is not None and pd.api.types.is_numeric_dtype(df[col]):
            df[col] = df[col].round(places)
            if places == 0:
                df[col] = df[col].astype("Int64")
    if {"measure", "value"} <= set(df.columns):
        df["value"] = [
            (round(float(v)) if _decimals_of(m) == 0 else round(float(v), _decimals_of(m) or 6))
            if isinstance(v, int | float) and not isinstance(v, bool)
            else v
            for m, v in zip(df["measure"], df["value"], strict=True)
        ]
        df["value"] = df["value"].astype(object)
    for i, (name, value) in enumerate(
        (("scenario", scenario), ("baseline", baseline), ("date", date))
    ):
        if name in df.columns:
            df = df.drop(columns=name)
        df.insert(i, name, value or "")
    if note:
        df = df.drop(columns="note", errors="ignore").assign(note=note)
    return df


def _csv_text(df: pd.DataFrame) -> str:
    buffer = io.StringIO()
    # no float_format: rounded values print as they are (1509500, 26666.6), not 1509500.000
    df.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def tables_zip(
    tables: Sequence[tuple[str, pd.DataFrame]],
    *,
    scenario: str = "",
    baseline: str = "",
    date: str = "",
    sources: Sequence[str] = (),
    note: str | None = None,
) -> bytes:
    """Return a zip of tidy CSVs, one per table, and a README naming scenario, date, sources.

    Parameters
    ----------
    tables
        ``(name, frame)`` pairs; each becomes ``name.csv`` (see :func:`tidy_table`).
    scenario, baseline, date
        Written in every row of every table (a table stays meaningful on its own).
    sources
        One line each in ``README.txt``.
    note
        What is approximate (:func:`territory_viz.notices.export_note`): in every table's
        ``note`` column and in ``README.txt``.
    """
    readme = [
        f"territory_viz tables: scenario {scenario or '-'}, baseline {baseline or '-'}"
        f"{f' ({date})' if date else ''}",
        "",
        "One CSV per table. Areas in km² (0.1 km²), pre-war population in people,",
        "shares as fractions of 1 (4 decimals).",
        "",
    ]
    if note:
        readme += [note, ""]
    if sources:
        readme += ["Sources:", *[f"- {s}" for s in sources], ""]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        names: set[str] = set()
        for name, frame in tables:
            stem = file_stem(name)
            while stem in names:
                stem += "_"
            names.add(stem)
            tidy = tidy_table(
                frame, scenario=scenario, baseline=baseline, date=date, note=note or ""
            )
            text = _csv_text(tidy)
            zf.writestr(_zip_info(f"{stem}.csv"), text.encode("utf-8"))
        zf.writestr(_zip_info("README.txt"), "\n".join(readme).encode("utf-8"))
    return buffer.getvalue()


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # same bytes every time
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def csv_bytes(
    tables: Sequence[tuple[str, pd.DataFrame]],
    *,
    scenario: str = "",
    baseline: str = "",
    date: str = "",
    note: str = "",
) -> bytes:
    """Return one long CSV of several tables, ``table, scenario, baseline, date`` first.

    Then each table's own columns (rounded as :func:`tidy_table` does), and ``note`` last
    when given (what is approximate, in every row).

    :func:`tables_zip` gives the same tables one file each, without empty cells.
    """
    frames = []
    for name, frame in tables:
        df = tidy_table(frame, scenario=scenario, baseline=baseline, date=date, note=note)
        df.insert(0, "table", name)
        frames.append(df)
    return _csv_text(pd.concat(frames, ignore_index=True, sort=False)).encode("utf-8")


def svg_bytes(partition: gpd.GeoDataFrame, **kwargs: object) -> bytes:
    """Return the partition as an SVG map with legend (see :func:`partition_svg`)."""
    return partition_svg(partition, **kwargs).encode("utf-8")  # type: ignore[arg-type]


def png_bytes(svg: bytes | str) -> bytes:
    """Return the PNG (print width) of an SVG map (see :func:`territory_viz.svg.svg_to_png`)."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    return svg_to_png(text)


def export_buttons(
    *,
    stem: str,
    partition: gpd.GeoDataFrame,
    tables: Callable[[], Sequence[tuple[str, pd.DataFrame]]],
    html: Callable[[], str],
    svg: Callable[[], bytes],
    key: str = "tv_export",
    scenario: str = "",
    baseline: str = "",
    date: str = "",
    sources: Sequence[str] = (),
    note: str | None = None,
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
        Makes the SVG map with legend (called only on click); the PNG is made from it.
    key
        Prefix of the widget keys.
    scenario, baseline, date, sources, note
        Written into the tables' zip (every row names scenario, baseline and date; the
        README the sources and what is approximate).
    """
    st.caption(
        "Downloads of the view as shown (scenario against the baseline in use). "
        "The HTML map works offline; the SVG and PNG (1800 px) are for print, slides "
        "and articles; the tables come as one tidy CSV per table in a zip."
    )
    scenario = scenario or str(partition.attrs.get("scenario", ""))
    baseline = baseline or str(partition.attrs.get("baseline", ""))
    date = date or str(partition.attrs.get("baseline_date", "") or "")
    cols = st.columns(6)
    specs = [
        ("GeoJSON", f"{stem}.geojson", "application/geo+json", lambda: geojson_bytes(partition)),
        (
            "GeoPackage",
            f"{stem}.gpkg",
            "application/geopackage+sqlite3",
            lambda: gpkg_bytes(partition, layer=stem),
        ),
        (
            "Tables (CSV zip)",
            f"{stem}_tables.zip",
            "application/zip",
            lambda: tables_zip(
                tables(),
                scenario=scenario,
                baseline=baseline,
                date=date,
                sources=sources,
                note=note,
            ),
        ),
        ("HTML map (offline)", f"{stem}.html", "text/html", lambda: html().encode("utf-8")),
        ("SVG map", f"{stem}.svg", "image/svg+xml", svg),
        ("PNG map", f"{stem}.png", "image/png", lambda: png_bytes(svg())),
    ]
    for col, (label, name, mime, make) in zip(cols, specs, strict=True):
        with col:
            st.download_button(
                label,
                data=make,
                file_name=name,
                mime=mime,
                key=f"{key}_{name.rsplit('.', 1)[-1]}_{label[:4]}",
                on_click="ignore",
                width="stretch",
            )
