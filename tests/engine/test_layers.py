"""The layers stay one-way: the engine (evidence/) imports no build, browser, server or
Sphinx code and nothing from tools/ or tests/; notebooks import the engine, never tools/."""

from __future__ import annotations

import ast
import json

import pytest
from support import NOTEBOOKS, ROOT

# Top-level modules the engine must not import: build and site plumbing, test code, and
# anything that starts processes, serves pages or drives a browser.
FORBIDDEN = {"tools", "tests", "support", "educator", "subprocess", "http", "socketserver",
             "playwright", "sphinx", "docutils", "myst_nb", "jupyter_book", "papermill",
             "nbclient", "nbformat", "threading", "multiprocessing"}


def imported_modules(source: str) -> set[str]:
    """Top-level names of every module an import statement in ``source`` names."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


ENGINE = sorted((ROOT / "evidence").glob("*.py"))


@pytest.mark.parametrize("module", ENGINE, ids=lambda p: p.name)
def test_the_engine_imports_no_build_browser_or_server_code(module):
    found = imported_modules(module.read_text(encoding="utf-8")) & FORBIDDEN
    assert not found, f"evidence/{module.name} imports {sorted(found)}"


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_use_the_engine_not_the_tools(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    found = imported_modules(code) & (FORBIDDEN - {"nbformat"})
    assert not found, f"{notebook.name} imports {sorted(found)}"
    assert "evidence" in imported_modules(code)


def test_the_checker_sees_an_import_it_must_refuse():
    assert imported_modules("import subprocess\nfrom tools.execute import x") >= {
        "subprocess", "tools"}


def test_the_glue_prefix_is_myst_nbs():
    from myst_nb.ext.glue import GLUE_PREFIX

    from evidence import book

    assert book.GLUE_PREFIX == GLUE_PREFIX
