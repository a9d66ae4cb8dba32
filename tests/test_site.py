"""The static site: stable URLs, relative links only, numbers and notes on every page, escaping."""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import sys
from pathlib import Path

import pytest

from territory_viz import cli, datasets, scenarios, site

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "land-swap"
BASELINE = datasets.DEFAULT_BASELINE


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, site.SiteReport]:
    out = tmp_path_factory.mktemp("site")
    return out, site.build_site(out, scenario_ids=[SCENARIO], baseline_ids=[BASELINE])


def _slug() -> str:
    return str(datasets.snapshot_metadata(BASELINE)["date"])[:10]


@pytest.mark.slow
def test_pages_live_at_stable_urls_with_their_data(built) -> None:
    out, report = built
    folder = out / SCENARIO / _slug()
    assert report.pages == [f"{SCENARIO}/{_slug()}"]
    for name in (
        "index.html",
        "map.html",
        "map.svg",
        "map.png",
        "thumb.png",
        "partition.geojson",
        "table.csv",
        "stats.json",
    ):
        assert (folder / name).stat().st_size > 0, name
    assert (folder / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    document = json.loads((folder / "stats.json").read_text())
    assert document["scenario"] == SCENARIO and document["baseline"] == BASELINE
    geojson = json.loads((folder / "partition.geojson").read_text())
    assert len(geojson["features"]) == len((folder / "table.csv").read_text().splitlines()) - 1
    gallery = (out / "index.html").read_text()
    assert f'href="{SCENARIO}/{_slug()}/index.html"' in gallery


@pytest.mark.slow
def test_page_shows_numbers_sources_and_the_approximation_note(built) -> None:
    out, _ = built
    page = (out / SCENARIO / _slug() / "index.html").read_text()
    document = json.loads((out / SCENARIO / _slug() / "stats.json").read_text())
    scenario = scenarios.get_scenario(SCENARIO)
    assert scenario.title in page
    ukraine = document["by_control"]["ukraine"]["area_km2"]
    assert f"{ukraine:,.0f} km²" in page
    net = document["balance"]["to_ukraine_km2"] - document["balance"]["from_ukraine_km2"]
    assert f"{net:+,.0f} km²" in page
    method = str(datasets.snapshot_metadata(BASELINE)["method"])
    assert method.replace("'", "&#39;")[:60] in page
    for source in scenario.sources:
        assert source.publisher in page
    # What is approximate, with the date; the scenario's date notice and readings.
    from territory_viz import notices

    unescaped = html.unescape(page)
    assert notices.approximation_note(document["baseline_date"]) in unescaped
    assert notices.date_notice(scenario.as_of, document["baseline_date"]) in unescaped
    assert all(f"Reading: {r}" in unescaped for r in scenario.readings())


@pytest.mark.slow
def test_table_csv_and_picture_carry_the_note(built) -> None:
    import csv

    from territory_viz import notices

    out, _ = built
    folder = out / SCENARIO / _slug()
    scenario = scenarios.get_scenario(SCENARIO)
    note = notices.export_note(scenario.as_of, _slug())
    with (folder / "table.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["note"] == note for r in rows)
    picture = html.unescape(re.sub(r"<[^>]+>", " ", (folder / "map.svg").read_text()))
    assert notices.approximation_note(_slug()) in " ".join(picture.split())


@pytest.mark.slow
def test_every_link_is_relative_and_every_asset_exists(built) -> None:
    out, _ = built
    for html_file in out.rglob("*.html"):
        text = html_file.read_text()
        # Scripts, stylesheets, frames and images never come from another host.
        for ref in re.findall(r'<(?:script|link|iframe|img)[^>]+(?:src|href)="([^"]+)"', text):
            assert "://" not in ref and not ref.startswith("//"), (html_file, ref)
            target = (html_file.parent / ref).resolve()
            assert target.exists(), (html_file, ref)


def test_user_text_is_escaped_and_only_web_links_are_links(tmp_path, monkeypatch) -> None:
    real = scenarios.get_scenario(SCENARIO)
    hostile = dataclasses.replace(
        real,
        title="<script>alert(1)</script>{{ 7*7 }}",
        summary="<img src=x onerror=alert(2)>",
        sources=(
            dataclasses.replace(real.sources[0], url="javascript:alert(3)", title="<b>bold</b>"),
        ),
    )
    original = site.stats.scenario_stats
    monkeypatch.setattr(scenarios, "get_scenario", lambda _id: hostile)
    monkeypatch.setattr(
        site.stats,
        "scenario_stats",
        lambda scenario, baseline: dataclasses.replace(original(real, baseline), scenario=scenario),
    )
    out = tmp_path / "site"
    site.build_site(out, scenario_ids=[SCENARIO], baseline_ids=[BASELINE])
    page = (out / SCENARIO / _slug() / "index.html").read_text()
    gallery = (out / "index.html").read_text()
    for text in (page, gallery):
        assert "<script>alert(1)" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "javascript:" not in page
    map_html = (out / SCENARIO / _slug() / "map.html").read_text()
    assert "<script>alert(1)" not in map_html and "<img src=x" not in map_html
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_site_command_rejects_unknown_ids_and_a_file_as_folder(tmp_path, capsys) -> None:
    assert cli.main(["site", "-o", str(tmp_path / "s"), "--scenario", "nope"]) == 2
    assert "--scenario nope: not a built-in scenario" in capsys.readouterr().err
    assert cli.main(["site", "-o", str(tmp_path / "s"), "--baseline", "occupied-1900"]) == 2
    assert "not a committed snapshot" in capsys.readouterr().err
    file = tmp_path / "file"
    file.write_text("x")
    assert cli.main(["site", "-o", str(file)]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.browser
def test_check_site_opens_every_page_offline(built) -> None:
    if not Path("/usr/bin/chromium").exists():
        if os.environ.get("TERRITORY_VIZ_REQUIRE_BROWSER") == "1":
            pytest.fail("/usr/bin/chromium is missing")
        pytest.skip("/usr/bin/chromium is missing")
    sys.path.insert(0, str(ROOT / "scripts"))
    import check_site

    out, _ = built
    assert check_site.main([str(out)]) == 0
