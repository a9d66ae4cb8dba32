"""Shares of Ukraine are formatted in one place: a small area above zero never reads 0.0%."""

from __future__ import annotations

import re

import pytest

from territory_viz.cli import main
from territory_viz.style import format_share, format_signed


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0.0, "0.0%"),
        (0.00003, "<0.1%"),
        (0.000499, "<0.1%"),
        (0.0005, "0.1%"),
        (0.1864, "18.6%"),
        (0.8093, "80.9%"),
        (1.0, "100.0%"),
    ],
)
def test_format_share(share: float, text: str) -> None:
    assert format_share(share) == text


def test_cli_stats_shows_the_nuclear_plant_disc_as_below_a_tenth(capsys) -> None:
    # The Zaporizhzhia nuclear plant under international administration: ~28 km².
    assert main(["stats", "us-final-offer-2025-04"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("international"))
    assert "<0.1%" in row
    assert not re.search(r"\b0\.0%", out)


def test_svg_legend_shows_the_nuclear_plant_disc_as_below_a_tenth(tmp_path, capsys) -> None:
    out = tmp_path / "map.svg"
    assert main(["render", "us-final-offer-2025-04", "-o", str(out)]) == 0
    capsys.readouterr()
    text = out.read_text(encoding="utf-8")
    assert "(&lt;0.1%)" in text
    assert "(0.0%)" not in text


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (80, 1, "+80.0"),
        (-79.66, 1, "\u221279.7"),
        (0.0, 1, "0.0"),
        (-0.04, 1, "0.0"),
        (1509500.0000000005, 0, "+1,509,500"),
        (-1234.4, 0, "\u22121,234"),
    ],
)
def test_format_signed(value: float, digits: int, text: str) -> None:
    assert format_signed(value, digits) == text
