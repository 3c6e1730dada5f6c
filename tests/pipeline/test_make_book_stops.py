"""`make book` on bad input: it stops, names the file, line and rule, and publishes nothing.

Each bad input of :mod:`support.bad_inputs` (and a notebook that raises) is committed to a
scratch copy of the repository that already has a published site; `make book` must fail
(make's exit status 2), print the validator's or the executor's message, and leave
``_build/html`` byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from support import ROOT
from support.bad_inputs import BAD_INPUTS, line_of, set_cell

pytestmark = pytest.mark.slow

SHARED = [".venv", "node_modules", "_vendor"]  # set-up made once, shared by the copy


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """The committed files, the set-up of this checkout, and a stand-in published site."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode != 0 or not all((ROOT / name).exists() for name in SHARED):
        pytest.skip("needs a git checkout after `make setup`")
    root = tmp_path_factory.mktemp("repo")
    for rel in tracked.stdout.split():
        if (ROOT / rel).is_file():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, root / rel)
    for name in SHARED:
        (root / name).symlink_to(ROOT / name)
    site = root / "_build" / "html"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<p>the site as last published</p>", encoding="utf-8")
    (site / "book").mkdir()
    (site / "book" / "page.html").write_text("<p>a chapter</p>", encoding="utf-8")
    return root


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _make_book(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}  # the copy's evidence/ and tools/
    return subprocess.run(["make", "--no-print-directory", "book"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(("table", "key_column", "key", "column", "bad", "rule", "words"),
                         BAD_INPUTS)
def test_bad_data_stops_make_book_and_publishes_nothing(
        scratch, table, key_column, key, column, bad, rule, words):
    site = scratch / "_build" / "html"
    before = _tree(site)
    path = scratch / "data" / table
    original = path.read_bytes()
    line = line_of(table, key_column, key)
    set_cell(scratch / "data", table, line, column, bad)
    try:
        result = _make_book(scratch)
    finally:
        path.write_bytes(original)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"data/{table}:{line}: column '{column}' value '{bad}' breaks rule {rule}" \
        in result.stdout, result.stdout[-2000:]
    assert _tree(site) == before


def test_a_notebook_that_raises_stops_make_book_and_publishes_nothing(scratch):
    site = scratch / "_build" / "html"
    before = _tree(site)
    lock = scratch / "notebooks" / "inputs.lock.json"
    locked = lock.read_bytes()
    path = scratch / "notebooks" / "05_guidelines.ipynb"
    original = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('bad on purpose')"))
    nbformat.write(nb, path)
    written = path.read_bytes()
    try:
        result = _make_book(scratch)
        after = path.read_bytes()
    finally:
        path.write_bytes(original)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"notebooks/05_guidelines.ipynb: cell {len(nb.cells) - 1} " in result.stderr
    assert "raised RuntimeError: bad on purpose" in result.stderr, result.stderr[-2000:]
    assert after == written and lock.read_bytes() == locked
    assert _tree(site) == before
