"""The package as installed: declared dependencies, data inside, the checkout's data in a checkout.

Building and installing the wheel in a fresh venv is done by ``.ci/wheel`` (it needs the
package registry); these tests check what can be checked from the working tree.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from territory_viz import model

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "territory_viz"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(pyproject: dict, extra: str | None = None) -> set[str]:
    project = pyproject["project"]
    specs = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return {_normalise(re.split(r"[<>=!~\[;\s]", spec, maxsplit=1)[0]) for spec in specs}


def _imported_top_level(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"territory_viz", "__future__"}


def test_every_library_import_is_a_declared_dependency() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = _declared(pyproject)
    providers = metadata.packages_distributions()
    missing = {
        module: providers.get(module, ["?"])
        for module in _imported_top_level(PACKAGE)
        if not {_normalise(d) for d in providers.get(module, [])} & declared
    }
    assert not missing, f"imported by territory_viz/ but not in [project.dependencies]: {missing}"


def test_the_library_declares_no_page_dependency() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert {"streamlit", "streamlit-folium"} <= _declared(pyproject, "app")
    assert not {"streamlit", "streamlit-folium", "pytest"} & _declared(pyproject)
    assert "streamlit" not in _imported_top_level(PACKAGE)


def test_the_page_server_parses_http_with_httptools_and_runs_on_uvloop() -> None:
    """Streamlit's "performance" extra is installed and picked: per request, h11 and asyncio's
    own loop cost the server a sixth more CPU per fresh open (README, Performance)."""
    import uvicorn
    from streamlit.web import bootstrap

    config = uvicorn.Config(app=lambda scope, receive, send: None, http="auto")
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
    assert bootstrap._get_uvloop_loop_factory() is not None  # what streamlit run uses
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(
        spec.startswith("streamlit[performance]")
        for spec in pyproject["project"]["optional-dependencies"]["app"]
    )


def test_a_checkout_reads_the_repository_data_folder() -> None:
    assert model.DATA_DIR == ROOT / "data"
    assert (model.DATA_DIR / "SOURCES.md").is_file()


def test_package_data_covers_the_render_files() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["territory_viz.render"]
    render = PACKAGE / "render"
    shipped = {p for pattern in globs for p in render.glob(pattern)}
    needed = {p for p in (render / "static").iterdir()} | set((render / "templates").iterdir())
    assert needed and needed <= shipped, sorted(str(p) for p in needed - shipped)
