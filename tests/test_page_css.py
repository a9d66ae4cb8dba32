"""The page's stylesheet (ui/page.css) names only elements the page's code keys by those names."""

from __future__ import annotations

import re

from app_support import run_app

from ui import scenario_view, shell, uploads

#: The keys the page's code gives the elements the stylesheet styles (one name, one place).
STYLED = {
    scenario_view.HEADLINE_KEY,
    shell.CONTROLS_HELD_KEY,
    shell.CONTROLS_HELD_ROW_KEY,
    uploads.SCENARIO_UPLOAD_KEY,
}


def test_every_keyed_selector_is_a_key_the_page_gives_and_each_is_styled():
    css = shell._PAGE_CSS.read_text(encoding="utf-8")
    named = set(re.findall(r"\.st-key-([A-Za-z0-9_-]+)", css))
    # A key renamed in the code (or a selector mistyped) would leave a rule styling nothing.
    assert named == STYLED, (named - STYLED, STYLED - named)


def test_the_scenario_uploader_is_drawn_with_the_key_the_stylesheet_names():
    at = run_app()
    at.session_state[shell.OPEN_SCENARIO_UPLOAD] = True  # its expander open (drawn lazily)
    at.run()
    assert not at.exception, at.exception
    keys = {u.key for u in at.get("file_uploader")}
    assert uploads.SCENARIO_UPLOAD_KEY in keys, keys
