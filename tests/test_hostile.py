"""Hostile and broken input at library level: nothing runs, nothing crashes, caches stay bounded.

What is checked here (the real browser side is in ``test_browser_hostile.py``):

- **escaping**: markup in region and town names, partition pieces, scenario titles, summaries
  and sources, and uploaded layers' names reaches the folium map (tooltips, labels, legend,
  caption), the standalone HTML export, the SVG export, the synced compare maps and the
  page's markdown only as escaped text; the SVG stays well-formed XML;
- **broken files**: every file under ``tests/fixtures/hostile/`` gets a clear message from
  the library (:class:`ValidationError`, never another exception) and from the page's upload
  checks (``ui.uploads``), which keep the previous state;
- **limits**: the caps are constants the page states; the upload checks never raise on junk
  (hypothesis); library caches keyed by user input do not grow; Streamlit caches keyed by
  arguments have ``max_entries``.
"""

from __future__ import annotations

import ast
import functools
import html
import json
import re
import sys
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from app_support import shown_numbers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territory_viz import areas, datasets, loaders, render, scenarios
from territory_viz._errors import TerritoryVizError, ValidationError
from territory_viz.svg import partition_svg

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hostile"
sys.path.insert(0, str(FIXTURES))

from hostile_support import hostile_context, hostile_map_html, hostile_partition  # noqa: E402
from make_fixtures import (  # noqa: E402
    CLOSE,
    IMG,
    MD_LINK,
    PAYLOADS,
    SCRIPT,
    SVG,
    oversized_geojson,
)


class _LiveMarkup(HTMLParser):
    """Collect what a browser would run: event-handler attributes, javascript: links, scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag = tag
        for name, value in attrs:
            if name.startswith("on") and "__pwned" in (value or ""):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        if self._tag == "script" and data.strip().startswith("window.__pwned"):
            self.found.append(f"<script>{data[:40]}")


def assert_no_live_markup(document: str) -> None:
    """No payload survives as markup a browser would run, and no raw payload string is left."""
    parser = _LiveMarkup()
    parser.feed(document)
    assert not parser.found, f"live markup: {parser.found}"
    for payload in (IMG, SCRIPT, SVG, CLOSE):
        assert payload not in document, f"raw payload in output: {payload}"


# --------------------------------------------------------------------------- escaping


def test_folium_map_escapes_names_tooltips_legend_caption_and_title() -> None:
    document = hostile_map_html()
    assert_no_live_markup(document)
    # The texts are there, escaped once for HTML (and then for JSON inside the scripts).
    assert f"<title>{html.escape(IMG)}</title>" in document
    assert "&lt;img src=x onerror=window.__pwned=1&gt;" in document  # tooltip/label
    assert "\\u003cscript>window.__pwned=1\\u003c/script>" in document  # caption


def test_page_map_parts_escape_every_text() -> None:
    """The page's two parts (base map, scenario groups) as streamlit-folium receives them."""
    context = hostile_context()
    base = render.base_map(context, title=IMG, leaflet_urls=(["/app/static/l.js"], []))
    for group in render.scenario_layers(hostile_partition(), context, title=SCRIPT):
        base.add_child(group)
    assert_no_live_markup(base.get_root().render())


def test_hostile_scenario_file_renders_escaped_in_standalone_html() -> None:
    scenario = scenarios.parse_scenario(FIXTURES / "scenarios" / "xss_scenario.toml")
    assert IMG in scenario.title and SCRIPT in scenario.sources[0].publisher
    document = render.standalone_html(scenario)
    assert_no_live_markup(document)
    assert html.escape(scenario.title) in document


def test_hostile_uploaded_layer_name_is_escaped_in_the_map() -> None:
    layer = loaders.load_control_layer(
        (FIXTURES / "layers" / "xss_layer.geojson").read_bytes(),
        filename=f"{IMG}.geojson",
        name=SCRIPT,
    )
    assert list(layer.columns) == ["id", "date", "geometry"]  # the file's properties are dropped
    context = render.map_context(layer)
    m = render.build_map(
        hostile_partition(), context, title=str(layer["id"].iloc[0]), layers={"control"}
    )
    assert_no_live_markup(render.to_standalone_html(m, page_title=SCRIPT))


def _svg_texts(document: str) -> tuple[ET.Element, str]:
    root = ET.fromstring(document)  # well-formed XML, or this raises
    return root, " ".join(t for t in root.itertext())


@pytest.mark.parametrize("extra", ["", "\x01\x07\x0b\x1f", "\ufffe"])
def test_svg_export_escapes_text_and_stays_well_formed(extra: str) -> None:
    partition = hostile_partition()
    partition.loc[3, "display_class"] = IMG + extra  # unknown class: its label is the class
    document = partition_svg(
        partition,
        title=SCRIPT + extra,
        date=IMG,
        sources=[SVG + extra, CLOSE],
        subtitle=MD_LINK,
        baseline_label=IMG,
    )
    assert_no_live_markup(document)
    root, text = _svg_texts(document)
    tags = {el.tag.rsplit("}", 1)[-1].lower() for el in root.iter()}
    assert not tags & {"script", "img", "foreignobject", "iframe", "a"}
    handlers = [k for el in root.iter() for k in el.attrib if k.lower().startswith("on")]
    assert not handlers
    assert SCRIPT in text and IMG in text  # shown literally


def test_markdown_escape_neutralises_links_and_tags() -> None:
    from ui._text import md_escape

    for payload in PAYLOADS:
        escaped = md_escape(payload)
        assert "<" not in escaped.replace("\\<", "")
        assert "](" not in escaped


def test_synced_maps_keep_hostile_headings_as_data() -> None:
    context = render.map_context(None)
    maps = [(text, render.base_map(context)) for text in (IMG, SCRIPT, SVG)]
    assert_no_live_markup(render.synced_maps_html(maps))


def test_change_map_tooltip_escapes_both_titles() -> None:
    from ui.documents import change_tooltip as _change_tooltip

    row = hostile_partition().iloc[1].copy()
    row["from_class"], row["to_class"] = "ukraine", "russia/de_jure"
    tip = _change_tooltip(row, IMG, SCRIPT)
    assert_no_live_markup(tip)
    assert html.escape(IMG) in tip


# --------------------------------------------------------------------------- broken files

# fixture file -> words the message must contain (lower case)
LAYER_PROBLEMS = {
    "not_json.geojson": "not a geospatial file",
    "not_geojson.json": "json but not geojson",
    "points_only.geojson": "no polygons",
    "lines_only.geojson": "no polygons",
    "outside_ukraine.geojson": "nothing inside ukraine",
    "projected_without_crs.geojson": "not longitude/latitude",
    "unknown_crs.geojson": "unreadable crs",
    "hostile_crs.geojson": "unreadable crs",
    "empty.geojson": "empty",
    "empty_collection.geojson": "empty",
    "deeply_nested.json": "nested too deeply",
    "nan_coordinates.geojson": "geojson",
    "external_entity.kml": "kml",
    "binary_junk.geojson": "not a geospatial file",
}


def test_every_broken_layer_fixture_is_listed() -> None:
    on_disk = {p.name for p in (FIXTURES / "layers").iterdir()}
    assert on_disk - {"xss_layer.geojson", "self_intersecting.geojson"} == set(LAYER_PROBLEMS)


@pytest.mark.parametrize("name", sorted(LAYER_PROBLEMS))
def test_broken_layer_gets_a_clear_message_from_the_library(name: str) -> None:
    data = (FIXTURES / "layers" / name).read_bytes()
    with pytest.raises(ValidationError) as caught:
        loaders.load_control_layer(data, filename=name)
    message = str(caught.value)
    assert caught.value.source == name
    assert LAYER_PROBLEMS[name] in message.lower()
    assert "Traceback" not in message and "root:x:0:0" not in message  # nothing leaked


@pytest.mark.parametrize("name", sorted(LAYER_PROBLEMS))
def test_broken_layer_upload_keeps_the_baseline_and_says_why(name: str) -> None:
    from ui.uploads import check_layer_upload

    result, baseline = check_layer_upload((FIXTURES / "layers" / name).read_bytes(), name)
    assert baseline is None and not result.ok
    assert name in result.headline and "unchanged" in result.headline
    assert result.problems and all(p.strip() for p in result.problems)


def test_self_intersecting_layer_is_repaired_with_a_note() -> None:
    from ui.uploads import check_layer_upload

    name = "self_intersecting.geojson"
    data = (FIXTURES / "layers" / name).read_bytes()
    layer = loaders.load_control_layer(data, filename=name)
    assert layer.geometry.iloc[0].is_valid and layer.geometry.iloc[0].area > 0
    assert any("repaired" in note for note in layer.attrs["notes"])
    result, baseline = check_layer_upload(data, name)
    assert result.ok and baseline is not None
    assert "repaired" in result.headline  # the page says so, not only the library


def test_hostile_but_valid_layer_loads_and_its_properties_do_not_travel() -> None:
    from ui.uploads import check_layer_upload

    data = (FIXTURES / "layers" / "xss_layer.geojson").read_bytes()
    result, baseline = check_layer_upload(data, f"{IMG}.geojson", name=SCRIPT)
    assert result.ok and baseline is not None
    assert baseline.label == SCRIPT  # shown through md_escape / html.escape only
    assert "__pwned" not in json.dumps(list(baseline.layer.columns))


def test_layer_over_the_size_cap_is_refused_before_parsing() -> None:
    from ui.uploads import check_layer_upload

    data = oversized_geojson(loaders.MAX_UPLOAD_BYTES)
    assert len(data) == loaders.MAX_UPLOAD_BYTES + 1
    with pytest.raises(ValidationError, match="limit is 20 MB"):
        loaders.load_control_layer(data, filename="big.geojson")
    start = time.perf_counter()
    result, baseline = check_layer_upload(data, "big.geojson")
    assert baseline is None and any("size" in p for p in result.problems)
    assert time.perf_counter() - start < 2.0  # refused on its size, not after reading it


@pytest.mark.parametrize(
    ("data", "date"),
    [(b"", ""), (b" \n", "2025-08-15"), (b"{}", "15/08/2025"), (b"", "2025-13-01")],
)
def test_layer_upload_relays_the_loaders_own_checks(data: bytes, date: str) -> None:
    from ui.uploads import check_layer_upload

    with pytest.raises(ValidationError) as caught:
        loaders.check_upload(data, filename="a.geojson", date=date or None)
    result, baseline = check_layer_upload(data, "a.geojson", date=date)
    assert baseline is None and "unchanged" in result.headline
    assert list(result.problems) == caught.value.problems


SCENARIO_PROBLEMS = {
    "syntax_error.toml": "not valid toml",
    "unknown_keys.toml": "unknown key",
    "unknown_region.toml": "unknown region 'ua-99'",
    "unknown_control.toml": "unknown control 'atlantis'",
    "unknown_party.toml": "unknown party 'atlantis'",
    "huge_buffer.toml": "out of range",
    "huge_literal_buffer.toml": "out of range",
    "bad_id.toml": "not a slug",
    "empty.toml": "empty",
    "xss_in_errors.toml": "unknown key",
    "not_utf8.toml": "utf-8",
}


def test_every_broken_scenario_fixture_is_listed() -> None:
    on_disk = {p.name for p in (FIXTURES / "scenarios").iterdir()}
    assert on_disk - {"xss_scenario.toml"} == set(SCENARIO_PROBLEMS)


@pytest.mark.parametrize("name", sorted(SCENARIO_PROBLEMS))
def test_broken_scenario_gets_every_problem_named(name: str) -> None:
    from ui.uploads import check_scenario_upload

    data = (FIXTURES / "scenarios" / name).read_bytes()
    with pytest.raises(ValidationError) as caught:  # the library on its own
        scenarios.parse_scenario(data, source_name=name)
    assert SCENARIO_PROBLEMS[name] in str(caught.value).lower()
    result, scenario = check_scenario_upload(data, name)
    assert list(result.problems) == caught.value.problems  # the page relays the parser's messages
    assert scenario is None and not result.ok
    assert name in result.headline
    text = (result.headline + " " + " ".join(result.problems)).lower()
    assert SCENARIO_PROBLEMS[name] in text
    if name == "unknown_keys.toml":
        assert len(result.problems) == 2  # both unknown keys, not just the first


def test_scenario_cap_the_page_states_is_the_librarys() -> None:
    from ui.uploads import MAX_SCENARIO_BYTES, check_scenario_upload

    assert MAX_SCENARIO_BYTES == scenarios.MAX_FILE_BYTES
    big = b'id = "big"\n' + b"# padding\n" * (scenarios.MAX_FILE_BYTES // 10 + 1)
    result, scenario = check_scenario_upload(big, "big.toml")
    assert scenario is None and "big.toml" in result.headline
    (problem,) = result.problems
    assert "too large" in problem and f"at most {scenarios.MAX_FILE_BYTES:,} bytes" in problem


# --------------------------------------------------------------------------- fuzz: the page


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.text(max_size=400).map(str.encode),
        st.sampled_from(PAYLOADS).map(str.encode),
    ),
    name=st.sampled_from(["x.toml", "x.geojson", "x.json", "x.kml", "x.gpkg", "x", IMG]),
)
def test_upload_checks_never_raise_on_junk(data: bytes, name: str) -> None:
    from unittest import mock

    from ui.uploads import check_layer_upload, check_scenario_upload

    def in_process(data: bytes, *, filename: str, name: str, date: str | None, **_: object):
        return loaders.load_control_layer(data, filename=filename, name=name, date=date)

    # The loader runs in-process here (fast); its child process is tested on its own below.
    with mock.patch("ui.uploads.load_layer_bounded", in_process):
        outcomes = [check(data, name) for check in (check_layer_upload, check_scenario_upload)]
    for result, accepted in outcomes:
        assert result.ok == (accepted is not None)
        if not result.ok:
            assert result.headline and result.problems


# --------------------------------------------------------------------------- limits, caches


def test_evaluation_of_a_user_scenario_is_bounded_in_time() -> None:
    circles = "\n".join(
        "[[rules]]\n"
        f"area = {{ difference = [{{ circle_km = 100, lat = {46 + (i % 4) * 1.4:.1f}, "
        f'lon = {29 + (i // 4) * 2.3:.1f} }}, "baseline"] }}\n'
        'control = "demilitarized"\n'
        for i in range(areas.MAX_CUTS)
    )
    text = 'id = "heavy"\ntitle = "t"\nsummary = "s"\nas_of = 2025-01-01\n' + circles
    scenario = scenarios.parse_scenario(text)
    start = time.perf_counter()
    try:
        scenarios.evaluate(scenario, timeout_s=0.5)
    except ValidationError as exc:
        assert "longer than" in str(exc)
    # cooperative deadline: checked between geometric steps, so allow one step's overrun
    assert time.perf_counter() - start < 8.0


def spiky_polygon_geojson(n_vertices: int = 50_000) -> bytes:
    """A star-shaped ring of random spikes inside Ukraine: under every cap, yet invalid after
    rounding in thousands of places, which keeps GEOS's repair busy for minutes."""
    import numpy as np

    rng = np.random.default_rng(1)
    angle = np.linspace(0, 2 * np.pi, n_vertices, endpoint=False)
    radius = 3 + 2 * rng.random(n_vertices)
    ring = np.column_stack(
        [
            np.round(31.5 + radius * np.cos(angle) * 1.3, 3),
            np.round(48.5 + radius * np.sin(angle) * 0.8, 3),
        ]
    ).tolist()
    return json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]}).encode()


def test_a_layer_that_would_take_minutes_is_stopped_at_the_page_limit() -> None:
    from ui.uploads import LAYER_TIMEOUT_S, check_layer_upload, load_layer_bounded

    data = spiky_polygon_geojson()
    assert len(data) < loaders.MAX_UPLOAD_BYTES / 10  # a small file, well under the caps
    start = time.perf_counter()
    with pytest.raises(ValidationError, match="longer than 2 s"):
        load_layer_bounded(data, filename="spiky.geojson", name="spiky", date=None, timeout_s=2)
    assert time.perf_counter() - start < 15  # stopped, not finished
    assert 0 < LAYER_TIMEOUT_S <= 120
    # the page's check goes through the same bounded loader and still accepts good files
    result, baseline = check_layer_upload(
        (FIXTURES / "layers" / "xss_layer.geojson").read_bytes(), "ok.geojson"
    )
    assert result.ok and baseline is not None


def test_uploaded_layers_are_read_a_few_at_a_time() -> None:
    from ui import uploads

    data = (FIXTURES / "layers" / "xss_layer.geojson").read_bytes()
    taken = [
        uploads._LOAD_SLOTS.acquire(timeout=5) for _ in range(uploads.MAX_PARALLEL_LAYER_LOADS)
    ]
    try:
        assert all(taken)
        with pytest.raises(ValidationError, match="busy"):
            uploads.load_layer_bounded(
                data, filename="x.geojson", name="x", date=None, timeout_s=0.5
            )
    finally:
        for _ in taken:
            uploads._LOAD_SLOTS.release()
    assert len(uploads.load_layer_bounded(data, filename="x.geojson", name="x", date=None)) == 1


def test_too_many_cuts_are_refused_at_parse_time() -> None:
    circles = "\n".join(
        f"[[rules]]\narea = {{ circle_km = 5, lat = 48, lon = {25 + i * 0.1:.1f} }}\n"
        'control = "international"\n'
        for i in range(areas.MAX_CUTS + 1)
    )
    text = 'id = "many"\ntitle = "t"\nsummary = "s"\nas_of = 2025-01-01\n' + circles
    with pytest.raises(ValidationError, match="at most"):
        scenarios.parse_scenario(text)


def _library_caches() -> dict[str, functools._lru_cache_wrapper]:
    found = {}
    import territory_viz

    for module_path in sorted((ROOT / "territory_viz").glob("*.py")):
        module = sys.modules.get(f"territory_viz.{module_path.stem}")
        if module is None:
            module = __import__(f"territory_viz.{module_path.stem}", fromlist=["_"])
        for name, value in vars(module).items():
            if hasattr(value, "cache_info") and getattr(value, "__module__", "") == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    assert territory_viz  # imported for its modules
    return found


def test_library_caches_do_not_grow_with_unknown_ids() -> None:
    calls = (
        datasets.load_snapshot,
        datasets.snapshot_metadata,
        datasets.line_of_contact,
        datasets.load_claim,
        datasets.load_layer,
        scenarios.get_scenario,
    )

    def junk_calls(ids: range) -> None:
        for i in ids:
            junk = f"occupied-2099-01-{i:02d}" if i % 2 else f"{IMG}-{i}"
            for call in calls:
                with pytest.raises(TerritoryVizError):
                    call(junk)

    junk_calls(range(2))  # first use loads the catalogues (the committed data) once
    caches = _library_caches()
    before = {name: fn.cache_info().currsize for name, fn in caches.items()}
    junk_calls(range(2, 42))
    after = {name: fn.cache_info().currsize for name, fn in caches.items()}
    grown = {name: (before[name], after[name]) for name in caches if after[name] > before[name]}
    assert not grown, f"caches grew on unknown ids: {grown}"


def test_unbounded_library_caches_are_keyed_only_by_known_values() -> None:
    """Every ``functools.cache`` with arguments is on this list, with the reason it is bounded."""
    bounded_by = {
        "territory_viz.datasets._outline": "a bool",
        "territory_viz.datasets._snapshot_raw": "ids checked against data/control first",
        "territory_viz.datasets._snapshot": "ids checked first; x2 for equal_area",
        "territory_viz.datasets._snapshot_meta": "ids checked first",
        "territory_viz.datasets._line_of_contact_cached": "ids checked first",
        "territory_viz.datasets.load_claim": "raises on unknown ids (not cached)",
    }
    unbounded_with_args = sorted(
        name
        for name, fn in _library_caches().items()
        if fn.cache_parameters()["maxsize"] is None and ast.parse(_source_of(fn)).body[0].args.args  # type: ignore[attr-defined]
    )
    assert set(unbounded_with_args) <= set(bounded_by), unbounded_with_args


def _source_of(fn: object) -> str:
    import inspect
    import textwrap

    return textwrap.dedent(inspect.getsource(inspect.unwrap(fn)))  # type: ignore[arg-type]


def test_baseline_atoms_cache_is_bounded_across_uploaded_layers() -> None:
    geography = areas.default_geography()
    for i in range(geography._cache_size + 2):
        box = shapely.box(36.0 + 0.1 * i, 47.5, 37.0 + 0.1 * i, 48.0)
        layer = gpd.GeoDataFrame({"id": [f"t{i}"], "date": [""]}, geometry=[box], crs=4326)
        geography.baseline(layer)
        assert len(geography._baselines) <= geography._cache_size


def _streamlit_caches(path: Path) -> list[tuple[str, ast.FunctionDef, ast.expr]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            if isinstance(target, ast.Attribute) and target.attr in (
                "cache_data",
                "cache_resource",
            ):
                found.append((f"{path.name}:{node.name}", node, deco))
    return found


PAGE_FILES = [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py"))]


def test_streamlit_caches_with_arguments_have_max_entries() -> None:
    """A Streamlit cache keyed by arguments (user content, ids) must be bounded."""
    unbounded = []
    for path in PAGE_FILES:
        for name, fn, deco in _streamlit_caches(path):
            takes_args = bool(fn.args.args or fn.args.kwonlyargs)
            keywords = {k.arg for k in deco.keywords} if isinstance(deco, ast.Call) else set()
            if takes_args and "max_entries" not in keywords:
                unbounded.append(name)
    assert not unbounded, f"caches keyed by arguments without max_entries: {unbounded}"


def test_limits_are_constants_with_the_documented_values() -> None:
    from ui.uploads import MAX_SCENARIO_BYTES

    assert loaders.MAX_UPLOAD_BYTES == 20 * 1024 * 1024
    assert loaders.MAX_FEATURES > 0 and loaders.MAX_VERTICES > 0
    assert MAX_SCENARIO_BYTES == scenarios.MAX_FILE_BYTES
    assert 0 < scenarios.DEFAULT_TIMEOUT_S <= 30
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    # Streamlit's own cap (MB) is not above the library's, so nothing bigger reaches Python.
    size = re.search(r"^maxUploadSize\s*=\s*(\d+)", config, re.MULTILINE)
    assert size and int(size.group(1)) * 1024 * 1024 <= loaders.MAX_UPLOAD_BYTES


# --------------------------------------------------------------------------- the page (AppTest)


def _app():
    from streamlit.testing.v1 import AppTest

    from ui.shell import OPEN_LAYER_UPLOAD, OPEN_SCENARIO_UPLOAD

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["scenario"] = "ceasefire-current-line"
    # The uploaders are drawn only inside open expanders: open both, as a click would.
    at.session_state[OPEN_SCENARIO_UPLOAD] = True
    at.session_state[OPEN_LAYER_UPLOAD] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _page_text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.error, at.warning, at.info, at.success):
        parts += [e.value for e in kind]
    return "\n".join(str(p) for p in parts)


def _occupied(at) -> str:
    return shown_numbers(at)["Russian control (occupied)"]


def _assert_markdown_is_inert(at) -> None:
    """Every text element reaching Streamlit's markdown has its tags and links escaped."""
    for element in [*at.markdown, *at.caption, *at.error, *at.success, *at.info, *at.warning]:
        value = str(element.value)
        for payload in PAYLOADS:
            assert payload not in value, f"unescaped payload in {element.type}: {value[:200]}"
        assert "unsafe_allow_html" not in str(getattr(element, "proto", ""))
        assert not getattr(getattr(element, "proto", None), "allow_html", False), value[:200]


def test_page_survives_every_broken_layer_in_a_row_and_keeps_the_baseline() -> None:
    at = _app()
    before = _occupied(at)
    for path in sorted((FIXTURES / "layers").iterdir()):
        if path.name in ("xss_layer.geojson", "self_intersecting.geojson"):
            continue
        at.file_uploader(key="tv_upload_layer").set_value(
            (path.name, path.read_bytes(), "application/octet-stream")
        ).run()
        at.button(key="tv_upload_layer_apply").click().run()
        assert not at.exception, (path.name, [e.value for e in at.exception])
        errors = " ".join(str(e.value) for e in at.error)
        assert path.name.replace(".", "\\.").replace("_", "\\_") in errors, path.name
        assert "baseline is unchanged" in errors
        assert _occupied(at) == before, path.name  # previous state kept, numbers still shown
        _assert_markdown_is_inert(at)


def test_page_shows_hostile_layer_names_literally_and_notes_repairs() -> None:
    at = _app()
    data = (FIXTURES / "layers" / "xss_layer.geojson").read_bytes()
    at.file_uploader(key="tv_upload_layer").set_value((f"{IMG}.geojson", data, "x")).run()
    at.text_input(key="tv_upload_layer_name").set_value(SCRIPT)
    at.button(key="tv_upload_layer_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success, "the hostile but valid layer should load"
    _assert_markdown_is_inert(at)
    assert "\\<script\\>" in _page_text(at)  # shown as text
    name = "self_intersecting.geojson"
    data = (FIXTURES / "layers" / name).read_bytes()
    at.file_uploader(key="tv_upload_layer").set_value((name, data, "x")).run()
    at.button(key="tv_upload_layer_apply").click().run()
    assert not at.exception
    assert "repaired" in _page_text(at)


def test_page_survives_every_broken_scenario_and_escapes_its_problems() -> None:
    at = _app()
    picker = list(at.selectbox(key="scenario").options)
    for path in sorted((FIXTURES / "scenarios").iterdir()):
        if path.name == "xss_scenario.toml":
            continue
        at.file_uploader(key="tv_upload_scenario").set_value(
            (path.name, path.read_bytes(), "application/octet-stream")
        ).run()
        assert not at.exception, (path.name, [e.value for e in at.exception])
        assert at.error, f"no error for {path.name}"
        assert list(at.selectbox(key="scenario").options) == picker  # nothing joined
        assert shown_numbers(at), path.name  # the numbers (and the map beside them) still drawn
        _assert_markdown_is_inert(at)


def test_page_shows_a_hostile_scenario_literally() -> None:
    at = _app()
    data = (FIXTURES / "scenarios" / "xss_scenario.toml").read_bytes()
    at.file_uploader(key="tv_upload_scenario").set_value(("xss_scenario.toml", data, "x")).run()
    assert not at.exception and at.success
    at.button(key="tv_upload_show").click().run()  # "Show it on the map"
    assert at.selectbox(key="scenario").value == "hostile-scenario"
    assert not at.exception, [e.value for e in at.exception]
    _assert_markdown_is_inert(at)
    text = _page_text(at)
    assert "Hostile \\<img src" in text  # the title, shown literally


def test_hostile_share_link_parameters_fall_back_with_inert_notices() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["scenario"] = IMG
    at.query_params["baseline"] = SCRIPT
    at.query_params["compare"] = MD_LINK
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="scenario").value == "ceasefire-current-line"
    assert len(at.warning) >= 2  # each unknown value is named in a notice
    _assert_markdown_is_inert(at)


def test_a_scenario_over_the_time_limit_gets_a_message_and_the_page_recovers() -> None:
    from unittest import mock

    at = _app()
    text = (FIXTURES / "scenarios" / "xss_scenario.toml").read_text(encoding="utf-8")
    text = text.replace('id = "hostile-scenario"', 'id = "too-slow"')  # not cached yet
    at.file_uploader(key="tv_upload_scenario").set_value(("slow.toml", text.encode(), "x")).run()
    assert at.success

    def too_slow(self: object) -> None:
        raise ValidationError("too-slow", ["evaluation took longer than 10 s and was stopped"])

    with mock.patch.object(scenarios._Deadline, "check", too_slow):
        at.button(key="tv_upload_show").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("longer than" in str(e.value) for e in at.error)
    _assert_markdown_is_inert(at)
    at.selectbox(key="scenario").set_value("land-swap").run()  # another scenario still works
    assert not at.exception and not at.error and shown_numbers(at)
