"""A static site for readers: every built-in scenario on every committed baseline, offline.

``python -m territory_viz site -o DIR`` writes::

    DIR/index.html                      gallery: one card per scenario and baseline
    DIR/assets/                         Leaflet and the map helpers (one fingerprinted copy),
                                        the site's CSS
    DIR/<scenario>/<date>/index.html    the page: map, numbers, sources, approximation note
    DIR/<scenario>/<date>/map.html      the map (Leaflet, legend, layer control)
    DIR/<scenario>/<date>/map.svg, .png the map as a picture; thumb.png, its gallery thumbnail
    DIR/<scenario>/<date>/partition.geojson, table.csv, stats.json   the data

URLs are stable (``DIR/land-swap/2025-08-15/``) and every link is relative, so the folder
works from any static host, a CDN, or the disk, with no request to another host.

Every text from data (titles, summaries, sources, town names) reaches HTML through
autoescaping Jinja templates (``territory_viz/templates/site/``); a source's web address
becomes a link only when it is an ``http``/``https`` URL.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

import folium
import jinja2

from territory_viz import assets, datasets, notices, render, scenarios, stats, svg
from territory_viz.style import BALANCE_ROWS, NET_UKRAINE_LABEL, css_colour_rule, format_share

__all__ = ["SiteReport", "build_site", "baseline_slug"]

SITE_CSS = "site.css"

#: The rows of the balance table: label, km² and people attributes of ``stats.Balance``
#: (the page's rows and its net, from :mod:`territory_viz.style`).
_BALANCE_ROWS = (
    *((label, f"{key}_km2", f"{key}_population") for key, label in BALANCE_ROWS),
    (NET_UKRAINE_LABEL, "net_ukraine_km2", "net_ukraine_population"),
)

#: The gallery's thumbnails: width in pixels, simplification in metres.
THUMB_WIDTH_PX = 400
THUMB_SIMPLIFY_M = 5000.0

#: Towns listed on a page (the data files have them all).
TOWNS_SHOWN = 15


@dataclass
class SiteReport:
    """What :func:`build_site` wrote."""

    out_dir: Path
    pages: list[str] = field(default_factory=list)  #: ``scenario/date`` of each page
    files: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class _Baseline:
    id: str
    slug: str
    label: str
    title: str
    note: str
    sources: str


def baseline_slug(snapshot_id: str) -> str:
    """Return the URL part of a baseline: its date (``2025-08-15``), or its id when it has none."""
    date = str(datasets.snapshot_metadata(snapshot_id).get("date", ""))[:10]
    try:
        return datetime.date.fromisoformat(date).isoformat()
    except ValueError:
        return snapshot_id


def _environment() -> jinja2.Environment:
    folder = resources.files("territory_viz") / "templates" / "site"
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _baselines(ids: Sequence[str]) -> list[_Baseline]:
    out = []
    for sid in ids:
        meta = datasets.snapshot_metadata(sid)
        out.append(_Baseline(
            id=sid, slug=baseline_slug(sid),
            label=render.date_label(meta.get("date", sid)),
            title=str(meta.get("title", sid)),
            note=str(meta.get("method", "The control line is an approximation.")),
            sources=str(meta.get("sources", "")),
        ))  # fmt: skip
    slugs = [b.slug for b in out]
    if len(set(slugs)) != len(slugs):
        # Two snapshots of the same day: fall back to their ids, still stable.
        out = [_Baseline(b.id, b.id, b.label, b.title, b.note, b.sources) for b in out]
    return out


def _km2(value: float, signed: bool = False) -> str:
    return f"{value:+,.0f} km²" if signed else f"{value:,.0f} km²"


def _people(value: float, signed: bool = False) -> str:
    return f"{value:+,.0f}" if signed else f"{value:,.0f}"


def _source_rows(scenario: scenarios.Scenario) -> list[dict[str, str]]:
    rows = []
    for source in scenario.sources:
        url = str(source.url or "")
        href = url if urlparse(url).scheme in ("http", "https") else ""
        rows.append(
            {
                "publisher": source.publisher,
                "date": str(source.date),
                "title": source.title,
                "quote": source.quote,
                "href": href,
            }
        )
    return rows


def _map_html(
    prepared: render.PreparedPartition,
    context: render.MapContext,
    caption: str,
    js_urls: list[str],
    css_url: str,
) -> str:
    """Render the map document, linking the site's one copy of Leaflet (relative URLs)."""
    m = render.base_map(context, title=caption, leaflet_urls=(js_urls, [css_url]))
    for group in render.scenario_layers(prepared, context, title=caption):
        m.add_child(group)
    folium.LayerControl(collapsed=True).add_to(m)
    return m.get_root().render()


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n >= 1024 else f"{n} bytes"


def build_site(
    out_dir: Path | str,
    *,
    scenario_ids: Sequence[str] | None = None,
    baseline_ids: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SiteReport:
    """Write the static site (see the module's docstring) into ``out_dir``.

    Parameters
    ----------
    out_dir
        Target folder; created if missing. Files of an earlier run are overwritten.
    scenario_ids
        Built-in scenarios to include (default: all, in the library's order).
    baseline_ids
        Committed snapshots to use as baselines (default: all, newest first).
    progress
        Called with ``scenario/date`` after each page.

    Returns
    -------
    SiteReport
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    chosen = list(scenario_ids) if scenario_ids is not None else list(scenarios.BUILTIN_IDS)
    baselines = _baselines(
        list(baseline_ids) if baseline_ids is not None
        else sorted(datasets.snapshot_ids(), reverse=True)
    )  # fmt: skip
    env = _environment()
    report = SiteReport(out)
    generated = datetime.date.today().isoformat()

    def write(path: Path, data: str | bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = data.encode("utf-8") if isinstance(data, str) else data
        path.write_bytes(raw)
        report.files += 1
        report.bytes += len(raw)

    # One fingerprinted folder: a new Leaflet or new helpers get new URLs (no stale cache).
    js_name = f"{assets.vendor_subdir()}/leaflet.js"
    css_name = f"{assets.vendor_subdir()}/leaflet.css"
    write(out / "assets" / js_name, assets.leaflet_js())
    write(out / "assets" / css_name, assets.leaflet_css())
    helpers_name = f"{assets.vendor_subdir()}/{assets.HELPERS_JS}"
    write(out / "assets" / helpers_name, assets.helpers_js())
    template_dir = resources.files("territory_viz") / "templates" / "site"
    # The site's stylesheet reads the project's colours (var(--tv-...)) from style.
    site_css = (template_dir / SITE_CSS).read_text(encoding="utf-8")
    write(out / "assets" / SITE_CSS, f"{css_colour_rule()}\n{site_css}")
    page_template = env.get_template("page.html")
    neighbours = datasets.load_neighbours()
    gallery = []
    for baseline in baselines:
        context = render.map_context(baseline.id)
        cards = []
        for scenario_id in chosen:
            scenario = scenarios.get_scenario(scenario_id)
            result = stats.scenario_stats(scenario, baseline.id)
            folder = out / scenario.id / baseline.slug
            caption = render.scenario_caption(scenario, context.baseline_date)
            prepared = render.prepare_partition(result.partition)
            write(folder / "map.html", _map_html(
                prepared, context, caption,
                [f"../../assets/{js_name}", f"../../assets/{helpers_name}"],
                f"../../assets/{css_name}"))  # fmt: skip
            picture = svg.partition_svg(
                result.partition, title=scenario.title, date=str(result.baseline_date)[:10],
                subtitle="Who would control what: colour = control, hatching = recognition",
                sources=[*(f"{s.publisher}, {s.date}" for s in scenario.sources),
                         f"Control on {baseline.label}: {baseline.id} (approximate)"],
                neighbours=neighbours,
                baseline_label=f"Line of control in the baseline ({baseline.label})")  # fmt: skip
            write(folder / "map.svg", picture)
            write(folder / "map.png", svg.svg_to_png(picture))
            # The gallery's thumbnail: coarser and smaller than the picture.
            write(folder / "thumb.png", svg.svg_to_png(svg.partition_svg(
                result.partition, title=scenario.title, date=str(result.baseline_date)[:10],
                width_px=THUMB_WIDTH_PX, simplify_m=THUMB_SIMPLIFY_M),
                width_px=THUMB_WIDTH_PX))  # fmt: skip
            partition = result.partition
            write(folder / "partition.geojson", partition.to_json(drop_id=True))
            write(
                folder / "table.csv",
                partition.drop(columns="geometry")
                .assign(note=notices.export_note(scenario.as_of, str(result.baseline_date)[:10]))
                .to_csv(index=False, float_format="%.3f"),
            )
            write(folder / "stats.json", json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
            files = [
                {"name": name, "what": what, "size": _size((folder / name).stat().st_size)}
                for name, what in (
                    ("map.html", "the map alone (works offline with ../../assets/)"),
                    ("map.svg", "the map as a picture, with its legend"),
                    ("map.png", "the same picture as PNG"),
                    ("partition.geojson", "the pieces of the partition with their outcome"),
                    ("table.csv", "the same pieces without geometry"),
                    (
                        "stats.json",
                        "every number on this page (the `stats --format json` document)",
                    ),
                )
            ]
            balance = result.balance
            towns = result.towns
            page = page_template.render(
                root="../../", site_css=SITE_CSS, scenario=scenario, baseline=baseline,
                others=[b for b in baselines if b.id != baseline.id],
                by_control=[
                    {"label": render.CONTROL_LABELS.get(r.control, r.control),
                     "area": _km2(r.area_km2), "share": format_share(r.share),
                     "people": _people(r.population)}
                    for r in result.by_control.itertuples()
                ],
                balance=[
                    {"label": label, "area": _km2(getattr(balance, km2), True),
                     "people": _people(getattr(balance, people), True)}
                    for label, km2, people in _BALANCE_ROWS
                    if km2 != "to_international_km2" or balance.to_international_km2
                ],
                towns=[
                    {"name": t["name"], "region": t["region"],
                     "before": render.CONTROL_LABELS.get(t["from"], t["from"]),
                     "after": render.CONTROL_LABELS.get(t["to"], t["to"]),
                     "people": _people(t["population"])}
                    for t in towns.head(TOWNS_SHOWN).to_dict("records")
                ],
                more_towns=max(0, len(towns) - TOWNS_SHOWN),
                sources=_source_rows(scenario), base_sources=render.BASE_SOURCES,
                files=files, generated=generated,
                approximation=notices.approximation_note(result.baseline_date),
                date_notice=notices.date_notice(scenario.as_of, result.baseline_date),
                readings=scenario.readings(),
            )  # fmt: skip
            write(folder / "index.html", page)
            key = f"{scenario.id}/{baseline.slug}"
            report.pages.append(key)
            cards.append(
                {
                    "href": f"{key}/index.html",
                    "image": f"{key}/thumb.png",
                    "title": scenario.title,
                    "net": _km2(balance.net_ukraine_km2, True),
                }
            )
            if progress is not None:
                progress(key)
        gallery.append({"label": baseline.label, "cards": cards})
    write(out / "index.html", env.get_template("index.html").render(
        site_css=SITE_CSS, baselines=gallery, generated=generated))  # fmt: skip
    return report
