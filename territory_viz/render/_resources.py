"""The render package's own files: its CSS and JavaScript, and its autoescaping templates.

The files ship inside the package (``static/``, ``templates/``) and are read with
:mod:`importlib.resources`, so an installed wheel works from any folder.
"""

from __future__ import annotations

import functools
from importlib import resources

import jinja2

__all__ = ["render_template", "static_text"]


@functools.cache
def static_text(name: str) -> str:
    """Return the text of a file in ``territory_viz/render/static/`` (e.g. ``"tv.js"``)."""
    return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")


@functools.cache
def _environment() -> jinja2.Environment:
    # Autoescape everywhere: values are data, markup only comes from the template files.
    return jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render_template(name: str, **values: object) -> str:
    """Render a template of ``territory_viz/render/templates/`` with ``values`` as data.

    Parameters
    ----------
    name
        File name, e.g. ``"legend.html.j2"``.
    **values
        The template's variables; text is HTML-escaped unless it is :class:`markupsafe.Markup`.

    Returns
    -------
    str
    """
    return _environment().get_template(name).render(**values)
