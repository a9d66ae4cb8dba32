"""One definition of each colour: ``territory_viz/style.py``.

The web map's stylesheet reads its colours as CSS custom properties written from
``style.CSS_COLOURS``; the SVG, the legend and the map's script take theirs from ``style``.
A colour of the palette written again anywhere else in the package fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from territory_viz import render, style
from territory_viz.render._elements import MapSetup

PACKAGE = Path(style.__file__).resolve().parent
#: A hex colour literal (not an HTML character reference such as ``&#123;``).
HEX = re.compile(r"(?<![&\w])#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
SOURCES = (".py", ".css", ".js", ".j2", ".html")


def normalised(digits: str) -> str:
    digits = digits.lower()
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def colours_in(text: str) -> list[tuple[int, str]]:
    """(line number, normalised colour) of every hex colour literal in a text."""
    return [
        (number, normalised(m.group(1)))
        for number, line in enumerate(text.splitlines(), 1)
        for m in HEX.finditer(line)
    ]


def palette() -> set[str]:
    return {c for _, c in colours_in((PACKAGE / "style.py").read_text(encoding="utf-8"))}


def package_files() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob("*")
        if p.suffix in SOURCES and p.is_file() and p.name != "style.py"
    )


def colours_written(files: list[Path], root: Path) -> list[tuple[str, str]]:
    """``("path:line", colour)`` for every colour literal in ``files`` (paths from ``root``)."""
    return [
        (f"{path.relative_to(root)}:{number}", colour)
        for path in files
        for number, colour in colours_in(path.read_text(encoding="utf-8"))
    ]


def test_the_scanner_finds_short_long_and_upper_case_literals_but_not_references():
    text = 'a { color: #FFF; }\nfill="#D6E6EF" href="#tv-pat-de_jure" &#123; #abcd'
    assert colours_in(text) == [(1, "#ffffff"), (2, "#d6e6ef")]
    assert {"#ffffff", "#d6e6ef", "#56b4e9"} <= palette()  # halo, sea, Ukrainian control


def test_no_colour_of_the_palette_is_written_outside_style():
    files = package_files()
    assert {"svg.py", "tv.css", "tv.js", "legend.html.j2", "patterns.svg.j2"} <= {
        p.name for p in files
    }
    colours = palette()
    found = [
        f"{where}: {colour}"
        for where, colour in colours_written(files, PACKAGE)
        if colour in colours
    ]
    assert not found, "palette colours outside style.py (read them from style):\n" + "\n".join(
        found
    )


def test_the_svg_writes_no_colour_of_its_own():
    assert colours_in((PACKAGE / "svg.py").read_text(encoding="utf-8")) == []


def test_the_stylesheet_reads_exactly_the_colours_style_writes_for_it():
    css = (PACKAGE / "render" / "static" / "tv.css").read_text(encoding="utf-8")
    used = set(re.findall(r"var\((--tv-[\w-]+)\)", css))
    assert used == set(style.CSS_COLOURS)  # none undefined, none written for nothing
    setup = MapSetup("").css
    for name, colour in style.CSS_COLOURS.items():
        assert f"{name}:{colour}" in setup.split("}", 1)[0]  # the :root rule comes first
    page = render.to_standalone_html(render.base_map(render.map_context(None)))
    assert f"--tv-sea:{style.SEA_COLOUR}" in page and "background:var(--tv-sea)" in page


def test_the_page_theme_takes_its_accent_from_style():
    # Streamlit reads the page's theme from its config file, which cannot import style: the
    # file writes the colour again, and this keeps the two the same.
    import tomllib

    config = PACKAGE.parent / ".streamlit" / "config.toml"
    theme = tomllib.loads(config.read_text(encoding="utf-8"))["theme"]
    assert normalised(theme["primaryColor"].lstrip("#")) == normalised(
        style.PAGE_ACCENT_COLOUR.lstrip("#")
    )
    # No other colour is set there: everything else is the light theme's or style's.
    assert [key for key in theme if "color" in key.lower()] == ["primaryColor"]


def test_the_page_writes_no_colour_of_its_own():
    # The page's code and stylesheet (ui/, app.py) take every colour from style.
    page = PACKAGE.parent / "ui"
    files = [PACKAGE.parent / "app.py"] + [
        p for p in page.rglob("*") if p.suffix in SOURCES and "build" not in p.parts
    ]
    assert colours_written(files, PACKAGE.parent) == []
