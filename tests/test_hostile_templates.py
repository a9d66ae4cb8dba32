"""Server-side template injection: user text is data in fixed templates, never template source.

A scenario title ``Freeze {{ 7*7 }}`` once exported a map titled ``Freeze 49`` (and a longer
expression ran a shell command): user text had been put into a string branca compiles as a
Jinja2 template. Here every text field of a scenario (title, summary, source publisher,
title and quote, rule notes), a parameter name and an uploaded layer's name carry Jinja
syntax; the HTML export (library and CLI), the SVG export and the page must show it
literally and show nothing a template engine would have made of it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from app_support import run_cli

from territory_viz import loaders, render, scenarios
from territory_viz._errors import ValidationError
from territory_viz.svg import partition_svg

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hostile"

#: Jinja expressions, a block tag and an object walk towards os.popen.
PAYLOADS = ("{{ 7*7 }}", "{% raw %}", "{{ cycler.__init__.__globals__.os }}", "{#", "{%- if 1 %}")
PAYLOAD = " ".join(PAYLOADS)
#: What an evaluated payload would have left behind.
EVALUATED = ("T 49", "S 49", "<function", "<module 'os'", "bound method", "<built-in")


def scenario_text(payload: str = PAYLOAD) -> str:
    def s(text: str) -> str:
        return json.dumps(text)

    return f"""id = "template-injection"
title = {s("T " + payload)}
summary = {s("S " + payload)}
as_of = 2025-08-15

[[sources]]
publisher = {s("PUB " + payload)}
date = 2025-08-15
title = {s("ST " + payload)}
quote = {s("Q " + payload)}

[[rules]]
note = {s("N " + payload)}
area = {{ regions = ["UA-14"] }}
control = "russia"
"""


def assert_not_evaluated(document: str) -> None:
    for trace in EVALUATED:
        assert trace not in document, trace


def test_every_field_round_trips_literally_through_the_parser() -> None:
    scenario = scenarios.parse_scenario(scenario_text())
    assert scenario.title == "T " + PAYLOAD
    assert scenario.summary == "S " + PAYLOAD
    assert scenario.sources[0].quote == "Q " + PAYLOAD
    assert scenario.rules[0].note == "N " + PAYLOAD


def test_html_export_shows_the_title_and_sources_literally() -> None:
    document = render.standalone_html(scenarios.parse_scenario(scenario_text()))
    assert_not_evaluated(document)
    for field in ("T ", "PUB "):  # the caption and the <title>: what the map shows of it
        assert field + PAYLOAD in document, field


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_payload_alone_reaches_the_html_title_literally(payload: str) -> None:
    document = render.standalone_html(scenarios.parse_scenario(scenario_text(payload)))
    assert f"<title>T {payload}" in document
    assert_not_evaluated(document)


def test_an_uploaded_layer_named_with_template_syntax_shows_literally() -> None:
    data = (FIXTURES / "layers" / "xss_layer.geojson").read_bytes()
    layer = loaders.load_control_layer(data, filename="x.geojson", name="L " + PAYLOAD)
    scenario = scenarios.get_scenario("ceasefire-current-line")
    document = render.standalone_html(scenario, baseline=layer)
    # The legend's sources name the layer, inside a JSON string (braces written \u007b...).
    as_data = document.replace("\\u007b", "{").replace("\\u007d", "}")
    assert "L " + PAYLOAD in as_data
    assert_not_evaluated(document)


def test_svg_export_shows_the_title_literally() -> None:
    scenario = scenarios.parse_scenario(scenario_text())
    partition = scenarios.evaluate(scenario)
    document = partition_svg(
        partition,
        title=scenario.title,
        subtitle=scenario.summary,
        sources=[scenario.sources[0].publisher],
    )
    for field in ("T ", "S ", "PUB "):
        assert field + PAYLOAD in document.replace("&quot;", '"'), field
    assert_not_evaluated(document)


def test_a_parameter_name_with_template_syntax_is_refused_by_name() -> None:
    text = scenario_text().replace(
        "as_of = 2025-08-15\n", 'as_of = 2025-08-15\n[parameters]\n"{{ 7*7 }}" = 1\n', 1
    )
    with pytest.raises(ValidationError, match=r"parameters\.'\{\{ 7\*7 \}\}': not a valid"):
        scenarios.parse_scenario(text)


def test_cli_render_writes_the_title_literally(tmp_path: Path) -> None:
    source = tmp_path / "injection.toml"
    source.write_text(scenario_text(), encoding="utf-8")
    out = tmp_path / "map.html"
    done = run_cli("render", str(source), "-o", str(out))
    assert done.returncode == 0, done.stderr[-800:]
    document = out.read_text(encoding="utf-8")
    assert "T " + PAYLOAD in document
    assert_not_evaluated(document)


def test_the_page_shows_every_field_literally() -> None:
    from streamlit.testing.v1 import AppTest

    from ui._text import md_escape
    from ui.shell import OPEN_SCENARIO_UPLOAD

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state[OPEN_SCENARIO_UPLOAD] = True
    at.run()
    at.file_uploader(key="tv_upload_scenario").set_value(
        ("injection.toml", scenario_text().encode(), "x")
    ).run()
    assert not at.exception and at.success, [e.value for e in at.exception]
    at.button(key="tv_upload_show").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(
        str(e.value)
        for kind in (at.markdown, at.caption, at.success, at.info, at.title, at.subheader)
        for e in kind
    )
    for field in ("S ", "PUB ", "ST ", "Q "):
        assert md_escape(field + PAYLOAD).strip("\u2068\u2069") in shown, field
    assert_not_evaluated(shown)
