"""scripts/page_timeline.py: its table of steps, beside the title-only page's (no browser)."""

from __future__ import annotations

import ast
import html.parser
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import bench_page  # noqa: E402 - a script beside the one tested
import page_timeline  # noqa: E402 - the script tested


def test_steps_in_the_order_they_happen_with_the_reference_median_beside():
    opens = [
        {"top title": 900.0, "frame fill path": 1300.0, page_timeline.PAINTED: 1310.0},
        {"top title": 1000.0, "frame fill path": 1200.0, page_timeline.PAINTED: 1210.0},
        {"top title": 950.0, page_timeline.PAINTED: 1400.0},
    ]
    reference = [
        {"top title": 800.0, page_timeline.PAINTED: 820.0},
        {"top title": 840.0, page_timeline.PAINTED: 850.0},
    ]
    header, *lines = page_timeline.table(opens, reference)
    assert "this page" in header and "title-only page" in header
    assert [line.split("  ")[0] for line in lines] == [
        "top title",
        "frame fill path",
        page_timeline.PAINTED,
    ]
    title, fill, painted = lines
    assert "950 ms (900-1000, n=3)" in title and title.rstrip().endswith("820 ms")
    # A step the reference page does not have: a dash in its column.
    assert "1250 ms (1200-1300, n=2)" in fill and fill.rstrip().endswith("-")
    assert "1310 ms (1210-1400, n=3)" in painted and painted.rstrip().endswith("835 ms")


def test_without_a_reference_one_column_and_the_largest_message_said_once():
    opens = [
        {
            "top title": 900.0,
            page_timeline.LARGEST: 880.0,
            page_timeline.LARGEST_SIZE: 73_190,
        },
        {
            "top title": 920.0,
            page_timeline.LARGEST: 890.0,
            page_timeline.LARGEST_SIZE: 73_200,
        },
    ]
    lines = page_timeline.table(opens)
    assert lines[0].startswith(page_timeline.LARGEST)  # before the title, by its median
    assert lines[1].startswith("top title") and "title-only" not in "\n".join(lines)
    assert not any(line.startswith(page_timeline.LARGEST_SIZE) for line in lines)
    assert lines[-1] == "(this page's largest message before its paint: 73 KB)"


@pytest.mark.parametrize("app", [bench_page.FLOOR_APP, bench_page.FRAME_FLOOR_APP])
def test_the_reference_pages_are_the_benchmarks_own(app):
    folder = bench_page.write_floor_app(app)
    try:
        assert (folder / "app.py").read_text(encoding="utf-8") == app
        settings = folder / ".streamlit" / "config.toml"
        assert settings.read_bytes() == (ROOT / ".streamlit" / "config.toml").read_bytes()
    finally:
        shutil.rmtree(folder)


class _FillPaths(html.parser.HTMLParser):
    """Count the paths the benchmark's FILL_PATH selector finds (a path.leaflet-interactive
    inside an element of class FILL_PANE_CLASS)."""

    def __init__(self):
        super().__init__()
        self.open: list[set[str]] = []
        self.found = 0

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        inside = any(bench_page.FILL_PANE_CLASS in c for c in self.open)
        if tag == "path" and "leaflet-interactive" in classes and inside:
            self.found += 1
        self.open.append(classes)

    def handle_endtag(self, tag):
        self.open.pop()


def test_the_frame_reference_has_the_title_and_one_path_the_benchmark_waits_for():
    assert bench_page.FRAME_FLOOR_APP.startswith(bench_page.FLOOR_APP)
    calls = [
        node
        for node in ast.walk(ast.parse(bench_page.FRAME_FLOOR_APP))
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "components.html"
    ]
    assert len(calls) == 1
    parser = _FillPaths()
    parser.feed(ast.literal_eval(calls[0].args[0]))
    assert parser.found == 1
    assert bench_page.FILL_PATH.startswith(f".{bench_page.FILL_PANE_CLASS} ")


@pytest.mark.parametrize("argv", [["--runs", "0"], ["--url", "http://example.org/"]])
def test_bad_arguments_are_refused_with_a_message(argv, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["page_timeline.py", *argv])
    with pytest.raises(SystemExit) as exit_:
        page_timeline.main()
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert ("--runs: at least 1" in err) or ("--url: a path on the local server" in err)
