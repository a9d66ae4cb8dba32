"""Offline web assets: Leaflet's JS, CSS and images, taken from an installed registry package.

The page and the standalone HTML maps must work with no internet, so nothing is ever
fetched from a CDN. Leaflet 1.9.4 comes from the PyPI package ``django-js-lib-leaflet``
(installed by ``requirements.txt``; it contains Leaflet's ``dist`` files and nothing else).
This module finds those files and serves them two ways:

- :func:`install_static` copies them into the Streamlit app's git-ignored ``static/vendor/``
  folder, which Streamlit serves at ``/app/static/`` when ``server.enableStaticServing`` is on;
  :func:`page_links` gives the URLs the map component must load.
- :func:`leaflet_js` and :func:`leaflet_css` return the file contents (CSS with its images as
  ``data:`` URIs) for inlining into a standalone HTML file.

Nothing here imports streamlit.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
import shutil
from importlib import metadata, resources
from pathlib import Path

#: The distribution that ships Leaflet's static files.
LEAFLET_DISTRIBUTION = "django-js-lib-leaflet"

#: Files copied from the package (relative to its static folder).
_LEAFLET_FILES = (
    "leaflet.js",
    "leaflet.css",
    "images/layers.png",
    "images/layers-2x.png",
    "images/marker-icon.png",
    "images/marker-icon-2x.png",
    "images/marker-shadow.png",
)

# Source-map comments point at files we do not serve; browsers ignore them unless devtools
# are open, but a standalone file should not refer to anything it does not contain.
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_SOURCE_MAP = re.compile(r"/\*# sourceMappingURL=.*?\*/")


class AssetError(RuntimeError):
    """The Leaflet package is not installed or is missing a file."""


@functools.cache
def leaflet_dir() -> Path:
    """Return the folder holding Leaflet's ``dist`` files in the installed package.

    Returns
    -------
    Path
        ``.../site-packages/js_lib_leaflet/static/js_lib_leaflet``.

    Raises
    ------
    AssetError
        If the package is missing or incomplete (``pip install -r requirements.txt``).
    """
    try:
        root = Path(str(resources.files("js_lib_leaflet"))) / "static" / "js_lib_leaflet"
    except ModuleNotFoundError as exc:
        raise AssetError(
            f"the package {LEAFLET_DISTRIBUTION!r} is not installed; "
            "run `pip install -r requirements.txt`"
        ) from exc
    missing = [name for name in _LEAFLET_FILES if not (root / name).is_file()]
    if missing:
        raise AssetError(f"{root}: missing Leaflet files {missing}")
    return root


@functools.cache
def leaflet_version() -> str:
    """Return Leaflet's version as declared in the installed ``leaflet.js`` banner.

    Returns
    -------
    str
        For example ``"1.9.4"``.
    """
    head = (leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")[:400]
    match = re.search(r"Leaflet (\d+\.\d+\.\d+)", head)
    if match:
        return match.group(1)
    return metadata.version(LEAFLET_DISTRIBUTION)


@functools.cache
def leaflet_js() -> str:
    """Return Leaflet's minified JavaScript, ready to inline in a ``<script>`` element.

    Returns
    -------
    str
        The contents of ``leaflet.js`` without its source-map comment.
    """
    text = (leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    return _SOURCE_MAP.sub("", text)


@functools.cache
def leaflet_css() -> str:
    """Return Leaflet's stylesheet with its images embedded as ``data:`` URIs.

    Returns
    -------
    str
        Self-contained CSS: it refers to no other file.
    """
    root = leaflet_dir()
    text = _CSS_SOURCE_MAP.sub("", (root / "leaflet.css").read_text(encoding="utf-8"))

    def embed(match: re.Match[str]) -> str:
        data = base64.b64encode((root / "images" / match.group(1)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", embed, text)


#: The map's own helpers (``territory_viz/render/static/tv.js``), served beside Leaflet so
#: that a browser fetches them once, not inside every map's payload.
HELPERS_JS = "tv.js"


def helpers_js() -> str:
    """Return the map helpers' JavaScript (``territory_viz/render/static/tv.js``)."""
    return (resources.files("territory_viz.render") / "static" / HELPERS_JS).read_text(
        encoding="utf-8"
    )


def _fingerprint() -> str:
    """Short hash of the files we copy, so a package upgrade gets a fresh URL (no stale cache)."""
    digest = hashlib.sha256()
    for name in _LEAFLET_FILES:
        digest.update((leaflet_dir() / name).read_bytes())
    digest.update(helpers_js().encode("utf-8"))
    return digest.hexdigest()[:10]


@functools.cache
def vendor_subdir() -> str:
    """Return the folder name under ``static/vendor/`` that holds this Leaflet build.

    Returns
    -------
    str
        For example ``"leaflet-1.9.4-3f2a9c01de"``: version plus a content hash.
    """
    return f"leaflet-{leaflet_version()}-{_fingerprint()}"


def install_static(static_dir: Path) -> Path:
    """Copy Leaflet's files into ``static_dir/vendor/<leaflet-version-hash>/`` if not there yet.

    Safe to call on every app start and from several processes: files are written to a
    temporary name and renamed into place.

    Parameters
    ----------
    static_dir
        The Streamlit app's ``static/`` folder (served at ``/app/static/``).

    Returns
    -------
    Path
        The folder holding ``leaflet.js``, ``leaflet.css`` and ``images/``.
    """
    source = leaflet_dir()
    target = static_dir / "vendor" / vendor_subdir()
    for name in _LEAFLET_FILES:
        dest = target / name
        if dest.is_file() and dest.stat().st_size == (source / name).stat().st_size:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")  # unique per process
        shutil.copyfile(source / name, tmp)
        tmp.replace(dest)
    helpers = target / HELPERS_JS
    if not helpers.is_file():
        tmp = helpers.with_name(f".{HELPERS_JS}.{os.getpid()}.tmp")
        tmp.write_text(helpers_js(), encoding="utf-8")
        tmp.replace(helpers)
    return target


def page_css(*, base_url: str = "../../app/static") -> str:
    """Return Leaflet's stylesheet for inlining into the map component, images linked.

    Inlined, the stylesheet applies before the map's first layout: loaded as a ``<link>``
    it arrives after the map has been drawn once, and everything is laid out and drawn
    again. Only the rules the page's map uses are kept (:data:`UNUSED_CSS`), comments and
    indentation removed; an image a rule refers to stays a file served by the app.

    Parameters
    ----------
    base_url
        As for :func:`page_links`.

    Returns
    -------
    str
        CSS text (under 7 KB).
    """
    prefix = f"{base_url.rstrip('/')}/vendor/{vendor_subdir()}"
    text = _CSS_SOURCE_MAP.sub("", (leaflet_dir() / "leaflet.css").read_text(encoding="utf-8"))
    text = _without_unused_rules(minify_css(text))
    return re.sub(r"url\(images/([\w.-]+\.png)\)", rf"url({prefix}/images/\1)", text)


def minify_css(text: str) -> str:
    """Return a stylesheet without comments and needless whitespace (same rules)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"\s*([{};,>])\s*", r"\1", text).replace(": ", ":").strip()


#: Leaflet features the page's map never uses (no popups, image overlays, marker shadows,
#: VML, old IE, high-DPI tile icons, printing; no tiles: it is drawn offline from its own
#: data; no default marker icons or attribution flag; no layer control: the sidebar's
#: checkboxes are the page's one): their rules are left out of the inlined sheet.
UNUSED_CSS = ("popup", "leaflet-image-layer", "leaflet-marker-shadow", "leaflet-vml",
              "leaflet-oldie", "leaflet-retina", "lvml", "leaflet-tile", "leaflet-safari",
              "leaflet-default-icon-path", "leaflet-attribution-flag", "leaflet-div-icon",
              "leaflet-control-layers")  # fmt: skip


def _without_unused_rules(css: str) -> str:
    """Drop the selectors of :data:`UNUSED_CSS` (and rules left with none) from minified CSS."""
    css = re.sub(r"@media print\{(?:[^{}]*\{[^{}]*\})*\}", "", css)

    def rule(match: re.Match[str]) -> str:
        kept = [s for s in match.group(1).split(",") if not any(u in s for u in UNUSED_CSS)]
        return f"{','.join(kept)}{{{match.group(2)}}}" if kept else ""

    return re.sub(r"([^{}@]+)\{([^{}]*)\}", rule, css)


def page_links(*, base_url: str = "../../app/static") -> tuple[list[str], list[str]]:
    """Return the JS and CSS URLs the map component loads, served by the app itself.

    Parameters
    ----------
    base_url
        URL of the app's static folder as seen from the map component's iframe. The
        default is relative (the component lives at ``/component/<name>/index.html``), so
        it also works when Streamlit runs under a ``server.baseUrlPath``.

    Returns
    -------
    tuple of (list of str, list of str)
        ``(js_urls, css_urls)``: Leaflet, then the map helpers (:data:`HELPERS_JS`); a map
        given these URLs does not inline the helpers.
    """
    prefix = f"{base_url.rstrip('/')}/vendor/{vendor_subdir()}"
    return [f"{prefix}/leaflet.js", f"{prefix}/{HELPERS_JS}"], [f"{prefix}/leaflet.css"]
