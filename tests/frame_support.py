"""Reading a component frame's served page (``ui.map_component.write_frame``) in tests.

A frame's page lists the scripts it fetches as it starts (``EARLY``, the map frame) and the
URLs of the scripts written into it (``INLINED``), and holds those scripts before its own.
"""

from __future__ import annotations

import json
import re

#: Where each frame's own script starts (its first comment): the scripts written in are before.
MAP_FRAME_SCRIPT = "<script>\n// The page's map"
COMPARE_FRAME_SCRIPT = "<script>\n// The compare page's maps"


def _listed(page: str, name: str, marker: str) -> list[str]:
    (found,) = re.findall(rf"var {name} = /\*{marker}\*/(\[.*?\]);", page)
    return json.loads(found)


def early_urls(page: str) -> list[str]:
    """The scripts a frame's page fetches as it starts (its ``EARLY`` list)."""
    return _listed(page, "EARLY", "early")


def inlined_urls(page: str) -> list[str]:
    """The URLs of the scripts written into a frame's page (its ``INLINED`` list)."""
    return _listed(page, "INLINED", "inlined")


def inlined_scripts(page: str, own_script: str) -> list[str]:
    """The scripts written into a frame's page before ``own_script`` (empty when none)."""
    head, found, _ = page.partition(own_script)
    assert found, f"the frame's own script ({own_script!r}) is not in the page"
    return re.findall(r"<script>(.*?)</script>", head, flags=re.DOTALL)
