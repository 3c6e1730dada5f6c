"""Every number a chapter pastes exists in a notebook, and carries its sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import ROOT

from evidence.book import glue
from tools import ledger
from tools.export_results import glued_outputs


def _glued_keys(notebook: Path) -> dict[str, dict]:
    return {key: meta for key, meta, _ in glued_outputs(notebook)}


def _references():
    """Every value, chart and table a page pastes from a notebook it names."""
    for paste in ledger.pastes(ROOT):
        if paste.ref:
            yield ROOT / paste.page, paste.line, paste.ref, paste.key


def test_every_pasted_key_exists_and_has_sources():
    problems = []
    cache: dict[Path, dict] = {}
    refs = list(_references())
    assert refs, "no chapter pastes anything: the glue pattern is broken"
    for page, line, nb_rel, key in refs:
        notebook = (page.parent / nb_rel).resolve()
        where = f"{page.relative_to(ROOT)}:{line}"
        if not notebook.is_file():
            problems.append(f"{where}: no notebook {nb_rel}")
            continue
        if notebook not in cache:  # read each notebook once (setdefault would re-read it)
            cache[notebook] = _glued_keys(notebook)
        keys = cache[notebook]
        if key not in keys:
            problems.append(f"{where}: {notebook.name} glues no key {key!r}")
        elif not keys[key].get("evidence", {}).get("sources"):
            problems.append(f"{where}: {key!r} was glued without sources")
    assert not problems, "\n".join(problems)


def test_glue_refuses_a_value_without_sources():
    with pytest.raises(ValueError, match="sources"):
        glue("x", 1.0, sources=[])
    with pytest.raises(ValueError, match="sources"):
        glue("x", 1.0, sources="arnold2007")
