"""The compare frame runs its document's scripts in document order, inline ones at once.

The frame (``ui/compare_frontend/index.html``, as the repository holds it) is opened in real
Chromium inside a parent page that speaks Streamlit's component messages, both served by the
browser's router (no server): the parent answers the frame's ``componentReady`` with a render
message carrying a document. Inline scripts with no fetched script before them run in the
message's own task, with no Blob URL; after a fetched script, the rest wait for it, in order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

FRAME = Path(__file__).resolve().parent.parent / "ui" / "compare_frontend" / "index.html"
ORIGIN = "http://127.0.0.1:9"  # answered by the page's router; nothing listens there
#: The component's place, as Streamlit serves it (the frame's <base> resolves from it).
FRAME_PATH = "/component/compare/index.html"

#: Answers the frame's ``componentReady`` with one render message per item of ``__RENDERS__``
#: (its arguments), in order; keeps the values the frame sets in ``window.values``.
PARENT = """<!doctype html><html><body>
<iframe id="frame" src="__FRAME_PATH__" style="width: 600px; height: 300px"></iframe>
<script>
  var renders = __RENDERS__;
  window.values = [];
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type === "streamlit:setComponentValue") { window.values.push(data.value); }
    if (data.type !== "streamlit:componentReady") { return; }
    var frame = document.getElementById("frame").contentWindow;
    renders.forEach(function (args) {
      frame.postMessage({type: "streamlit:render", args: args}, "*");
    });
  });
</script>
</body></html>"""


def sent(document: str | None) -> dict:
    """A render's arguments as ui/compare.py sends them (ui/frames.py: the document a part)."""
    part = None if document is None else {"document": document}
    return {"digests": {"document": "d1"}, "document": part, "height": 300}


#: Each script notes its name, and whether the message that brought it is still running.
NOTE = (
    "<script>(window.order = window.order || [])"
    ".push('{name}:' + (window.inMessage ? 'sync' : 'later'));</script>"
)
#: Marks the render message's own task: set before the frame's handler, cleared right after.
MARK_MESSAGE = (
    "<script>window.addEventListener('message', function () { window.inMessage = true;"
    " setTimeout(function () { window.inMessage = false; }, 0); }, true);</script>"
)


def _open(page_factory, document: str | list[dict]):
    """The frame in its parent, rendered with ``document`` (or each render of a list)."""
    renders = [sent(document)] if isinstance(document, str) else document
    page, _ = page_factory(800, 400)
    frame_page = FRAME.read_text(encoding="utf-8").replace("<head>", "<head>" + MARK_MESSAGE, 1)
    parent = PARENT.replace("__FRAME_PATH__", FRAME_PATH).replace(
        "__RENDERS__",
        json.dumps(renders).replace("</", "<\\/"),  # not the end of the script
    )
    fetched = "(window.order = window.order || []).push('fetched:later');"
    answers = {
        "/": ("text/html", parent),
        FRAME_PATH: ("text/html", frame_page),
        "/fetched.js": ("text/javascript", fetched),
    }

    def answer(route) -> None:
        path = route.request.url[len(ORIGIN) :].split("?")[0]
        if path not in answers:
            route.fulfill(status=404, body="")
            return
        kind, body = answers[path]
        route.fulfill(status=200, content_type=kind, body=body)

    page.route(f"{ORIGIN}/**", answer)
    page.goto(f"{ORIGIN}/")
    return page


def _order(page, count: int):
    """The frame's notes once ``count`` scripts have run, and the frame."""
    frame = next(f for f in page.frames if f.url.endswith(FRAME_PATH))
    frame.wait_for_function(f"(window.order || []).length >= {count}")
    return frame.evaluate("window.order"), frame


def test_inline_scripts_run_at_once_in_order_with_no_blob(page_factory):
    document = "<html><body>" + "".join(NOTE.format(name=n) for n in "abc") + "</body></html>"
    page = _open(page_factory, document)
    order, frame = _order(page, 3)
    assert order == ["a:sync", "b:sync", "c:sync"]
    blobs = frame.evaluate(
        "Array.from(document.scripts).filter(s => s.src.startsWith('blob:')).length"
    )
    assert blobs == 0


def test_scripts_after_a_fetched_one_wait_for_it_in_document_order(page_factory):
    document = (
        "<html><body>"
        + NOTE.format(name="a")
        + '<script src="fetched.js"></script>'
        + NOTE.format(name="c")
        + NOTE.format(name="d")
        + "</body></html>"
    )
    page = _open(page_factory, document)
    order, _ = _order(page, 4)
    assert order == ["a:sync", "fetched:later", "c:later", "d:later"]


def test_a_frame_sent_no_document_asks_for_it_once_then_draws_it(page_factory):
    # A frame made again is sent no document (the server takes it to hold it): it asks,
    # once for the same digest however often it is sent none, and draws the one it is sent.
    document = "<html><body>" + NOTE.format(name="a") + "</body></html>"
    page = _open(page_factory, [sent(None), sent(None), sent(document)])
    order, frame = _order(page, 1)
    assert order == ["a:sync"]
    values = page.evaluate("window.values")
    assert len(values) == 1 and values[0]["painted"] is False
    assert isinstance(values[0]["need"], str) and values[0]["need"]
