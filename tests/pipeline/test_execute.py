"""The executor: which notebooks are stale, and what happens when one raises."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from support import ROOT, edit_one_count

from evidence.reads import READ_LOG_ENV
from tools import execute as notebooks
from tools.execute import (
    NotebookError,
    cells_digest,
    execute,
    execute_stale,
    lock_path,
    notebook_paths,
    read_lock,
    same_outputs,
    status,
)


def _inputs(path: Path) -> dict[str, str]:
    """The inputs the lock records for the notebook at ``path``."""
    return read_lock(lock_path(path))[path.name]["inputs"]


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_committed_outputs_are_current(path):
    """The fast guard: each committed notebook's recorded input hashes match its inputs now."""
    st = status(path)
    assert st.current, f"{st.name}: outputs are stale ({st.reason}); refresh with `make book`"


def test_every_notebook_records_the_data_and_engine_modules_it_read():
    for path in notebook_paths():
        inputs = _inputs(path)
        tables = [rel for rel in inputs if rel.startswith("data/")]
        modules = [rel for rel in inputs if rel.startswith("evidence/")]
        assert tables, f"{path.name} read no data through evidence.data.load"
        assert {"evidence/__init__.py", "evidence/data.py"} <= set(modules), path.name
        assert len(tables) + len(modules) + 1 == len(inputs), f"{path.name}: {inputs}"
        assert "requirements.txt" in inputs, path.name


def test_no_notebook_carries_its_hash_in_its_own_metadata():
    """The hashes live in the lock file, so a run that changes no output changes no notebook."""
    for path in notebook_paths():
        assert "evidence" not in nbformat.read(path, as_version=4).metadata, path.name


def _read_log(tmp_path: Path, code: str) -> list[str]:
    """What a Python process running ``code`` records in its read log."""
    log = tmp_path / "reads.log"
    env = {**os.environ, READ_LOG_ENV: str(log)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=tmp_path)
    return log.read_text(encoding="utf-8").split()


def test_an_import_records_the_engine_modules_it_loads_and_no_others(tmp_path):
    reads = _read_log(tmp_path, "from evidence import agreement")
    # agreement imports analyses, which imports meta: all three, and the package itself.
    assert {"evidence/agreement.py", "evidence/analyses.py", "evidence/meta.py",
            "evidence/__init__.py"} <= set(reads)
    assert "evidence/charts.py" not in reads and "evidence/pk.py" not in reads
    assert not any(rel.startswith(("tools/", "tests/")) for rel in reads)


def test_without_a_read_log_nothing_is_recorded(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != READ_LOG_ENV}
    subprocess.run([sys.executable, "-c", "import sys, evidence.meta; "
                    "assert not any(type(f).__name__ == '_EngineImports' for f in sys.meta_path)"],
                   env=env, check=True, cwd=tmp_path)


def test_injected_parameters_do_not_change_the_cell_digest():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    before = cells_digest(nb)
    injected = nbformat.v4.new_code_cell("x = 2", metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(0, injected)
    assert cells_digest(nb) == before
    nb.cells.append(nbformat.v4.new_code_cell("y = 3"))
    assert cells_digest(nb) != before


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A copy of the repository's notebooks, data and lock, with the executor pointed at it."""
    for rel in ["notebooks", "data", "evidence"]:
        shutil.copytree(ROOT / rel, tmp_path / rel, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "requirements.txt", tmp_path / "requirements.txt")
    monkeypatch.setattr(notebooks, "ROOT", tmp_path)
    monkeypatch.setattr(notebooks, "LOCK", tmp_path / "requirements.txt")
    return tmp_path


def test_editing_a_data_file_makes_exactly_its_readers_stale(sandbox):
    paths = notebook_paths(sandbox / "notebooks")
    assert all(status(p).current for p in paths)
    edited = sandbox / "data" / "trials_binary.csv"
    original = edit_one_count(edited)
    assert edited.read_text(encoding="utf-8") != original
    readers = {p.name for p in paths if "data/trials_binary.csv" in _inputs(p)}
    stale = {p.name: status(p) for p in paths if not status(p).current}
    assert readers and set(stale) == readers
    for st in stale.values():  # the message names the file that changed, and only it
        assert st.changed == ["data/trials_binary.csv"]
        assert "changed since its last run: data/trials_binary.csv" in st.reason
    edited.write_text(original, encoding="utf-8")
    assert all(status(p).current for p in paths)


def _importers(paths: list[Path], module: str) -> set[str]:
    return {p.name for p in paths if module in _inputs(p)}


def test_editing_an_engine_module_makes_exactly_its_importers_stale(sandbox):
    paths = notebook_paths(sandbox / "notebooks")
    module = sandbox / "evidence" / "pk.py"
    importers = _importers(paths, "evidence/pk.py")
    assert importers and len(importers) < len(paths)
    module.write_text(module.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert {p.name for p in paths if not status(p).current} == importers


def test_a_module_no_notebook_imports_stales_nothing(sandbox):
    (sandbox / "evidence" / "brand_new.py").write_text("X = 1\n", encoding="utf-8")
    paths = notebook_paths(sandbox / "notebooks")
    assert all(status(p).current for p in paths)


def test_editing_the_lock_makes_every_notebook_stale(sandbox):
    lock = sandbox / "requirements.txt"
    lock.write_text(lock.read_text() + "\n# touched\n")
    for path in notebook_paths(sandbox / "notebooks"):
        assert status(path).changed == ["requirements.txt"], path.name


def test_editing_a_cell_is_named_as_such(sandbox):
    path = notebook_paths(sandbox / "notebooks")[0]
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new paragraph."))
    nbformat.write(nb, path)
    st = status(path)
    assert not st.current and st.changed == ["cells"] and "its cells changed" in st.reason


def test_a_notebook_missing_from_the_lock_is_stale(sandbox):
    path = notebook_paths(sandbox / "notebooks")[0]
    lock = lock_path(path)
    text = lock.read_text(encoding="utf-8")
    lock.write_text(text.replace(f'"{path.name}"', '"renamed.ipynb"'), encoding="utf-8")
    st = status(path)
    assert not st.current and "never executed" in st.reason and "inputs.lock.json" in st.reason


def _notebook(tmp_path: Path, *sources: str, name: str = "demo") -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_a_notebook_that_raises_is_named_with_its_cell_and_left_untouched(tmp_path):
    path = _notebook(tmp_path, "x = 1", "1 / 0", "y = 2")
    before = path.read_bytes()
    with pytest.raises(NotebookError) as err:
        execute(path)
    message = str(err.value)
    assert "demo.ipynb" in message and "cell 1" in message and "ZeroDivisionError" in message
    assert path.read_bytes() == before
    assert not lock_path(path).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.ipynb"]


@pytest.mark.slow
def test_execution_records_the_data_files_read(tmp_path):
    path = _notebook(tmp_path, "from evidence import data\ndata.load('trials_binary')")
    execute(path)
    recorded = read_lock(tmp_path / "inputs.lock.json")["demo.ipynb"]
    assert sorted(recorded["inputs"]) == ["data/trials_binary.csv", "evidence/__init__.py",
                                          "evidence/data.py", "evidence/reads.py",
                                          "requirements.txt"]
    digest = recorded["inputs"]["data/trials_binary.csv"]
    assert digest == hashlib.sha256((ROOT / "data/trials_binary.csv").read_bytes()).hexdigest()
    assert recorded["cells"] == cells_digest(nbformat.read(path, as_version=4))
    assert status(path).current


@pytest.mark.slow
def test_a_rerun_that_changes_no_output_leaves_the_notebook_file_as_it_was(tmp_path):
    path = _notebook(tmp_path, "import random\nprint(1 + 1)")
    execute(path)
    executed = path.read_bytes()
    lock = lock_path(path)
    lock.write_text(lock.read_text().replace('"cells": "', '"cells": "0'))  # stale it
    assert not status(path).current
    os.utime(path, (0, 0))
    execute(path)
    assert path.read_bytes() == executed and path.stat().st_mtime == 0
    assert status(path).current  # only the lock was rewritten


@pytest.mark.slow
def test_one_failing_notebook_leaves_every_notebook_and_the_lock_as_they_were(tmp_path, capsys):
    good = _notebook(tmp_path, "print('fine')", name="good")
    bad = _notebook(tmp_path, "raise ValueError('broken on purpose')", name="bad")
    before = {p: p.read_bytes() for p in (good, bad)}
    assert execute_stale([good, bad], jobs=1) == 1
    assert {p: p.read_bytes() for p in (good, bad)} == before
    assert not lock_path(good).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ipynb", "good.ipynb"]
    err = capsys.readouterr().err
    assert "none of the 2 stale notebook(s) was replaced" in err
    assert "bad.ipynb: cell 0" in err and "ValueError: broken on purpose" in err


@pytest.mark.slow
def test_check_mode_names_the_stale_notebook_and_the_fix(tmp_path):
    path = _notebook(tmp_path, "x = 1")
    result = subprocess.run(
        [sys.executable, "-m", "tools.execute", "--check", str(path)],
        capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert "demo.ipynb" in result.stderr and "make book" in result.stderr


def test_printed_text_sent_in_pieces_is_stored_as_one_output():
    """The kernel may flush one print in several stream messages; stored joined, a re-run
    gives the same file however the text arrived."""
    cell = nbformat.v4.new_code_cell("print(1); print(2)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="2\n"),
                    nbformat.v4.new_output("stream", name="stderr", text="warn\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="3\n")]
    nb = nbformat.v4.new_notebook(cells=[cell])
    notebooks._strip_volatile(nb)
    assert [(o.name, o.text) for o in nb.cells[0].outputs] == [
        ("stdout", "1\n2\n"), ("stderr", "warn\n"), ("stdout", "3\n")]


def test_outputs_are_compared_as_nbval_compares_them():
    """Chart ids and last-digit float noise are not changes; a different number is."""
    chart = '{"text": "altair-viz-%s", "value": %s}'
    same = chart % ("1a2b3c4d5e", "1.7458595340321534")
    assert same_outputs(same, chart % ("9f8e7d6c5b", "1.7458595340321537"))
    assert not same_outputs(same, chart % ("1a2b3c4d5e", "1.7458595341321534"))
    assert not same_outputs(same, chart % ("1a2b3c4d5e", "2.7458595340321534"))
