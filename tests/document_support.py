"""Helpers that read what a rendered map document hands to the map's script."""

from __future__ import annotations

import json
import re


def legend_and_caption(page: str) -> tuple[str, str]:
    """The legend's body and the caption a map document gives ``TV.legend``/``TV.caption``."""
    found = []
    for call in ("TV.legend", "TV.caption"):
        match = re.search(re.escape(call) + r'\(map_\w+, ("(?:[^"\\]|\\.)*")', page)
        assert match, call
        found.append(json.loads(match.group(1)))
    return found[0], found[1]
