"""What git says about a moved number (tools/history.py): the data row and the commit."""

from __future__ import annotations

import json
import subprocess

from tools import history, ledger


def _git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e",
                        "HOME": str(root), "PATH": "/usr/bin:/bin"})
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                          text=True).stdout.strip()


def _notebook(value):
    meta = {"scrapbook": {"name": "rr", "mime_prefix": ""},
            "evidence": {"sources": ["smith2020"], "value": value}}
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": 1,
         "source": "glue()", "outputs": [{"output_type": "display_data", "metadata": meta,
                                           "data": {"text/plain": repr(value)}}]}]})


def _repo(tmp_path):
    root = tmp_path
    (root / "data").mkdir()
    (root / "notebooks").mkdir()
    (root / "data" / "datapackage.json").write_text(json.dumps({"resources": [
        {"name": "trials", "path": "trials.csv", "schema": {
            "primaryKey": "id", "fields": [
                {"name": "id", "type": "string"}, {"name": "study", "type": "string"},
                {"name": "events", "type": "integer"}, {"name": "note", "type": "string"}]}}]}))
    (root / "data" / "trials.csv").write_text(
        "id,study,events,note\na,smith2020,10,\nb,jones2021,5,\n")
    (root / "notebooks" / "n.ipynb").write_text(_notebook(1.5))
    (root / "notebooks" / "inputs.lock.json").write_text(json.dumps(
        {"notebooks": {"n.ipynb": {"inputs": {"data/trials.csv": "x"}}}}))
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    release = _git(root, "commit", "-qm", "release")
    # The data change: row a's events, and a note on row b (free text moves no number).
    (root / "data" / "trials.csv").write_text(
        "id,study,events,note\na,smith2020,12,\nb,jones2021,5,typo fixed\n")
    _git(root, "commit", "-qam", "Smith 2020: events 12, as Table 2 prints")
    data_commit = _git(root, "rev-parse", "HEAD")
    (root / "notebooks" / "n.ipynb").write_text(_notebook(1.8))
    notebook_commit = _git(root, "commit", "-qam", "re-execute")
    return root, release, data_commit, notebook_commit


def test_history_names_the_data_row_and_the_commits_that_moved_a_number(tmp_path):
    root, release, data_commit, notebook_commit = _repo(tmp_path)
    rows = history.changed_rows(release, root)
    assert [(r.path, r.row, r.how, r.columns) for r in rows] == [
        ("data/trials.csv", "a", "changed", ("events",))]  # b's note is not a move
    change = ledger.Change("number", "rr", 1.5, 1.8, "notebooks/n.ipynb", ("smith2020",))
    assert history.rows_behind(change, rows, root) == rows
    assert history.moving_commit(change, release, root).sha == notebook_commit
    assert history.row_commit(rows[0], release, root).sha == data_commit
    # An edit not committed yet has no commit.
    (root / "notebooks" / "n.ipynb").write_text(_notebook(2.0))
    later = ledger.Change("number", "rr", 1.5, 2.0, "notebooks/n.ipynb", ("smith2020",))
    assert history.moving_commit(later, release, root) is None


def test_without_a_repository_history_is_silent(tmp_path):
    assert history.git("rev-parse", "HEAD", root=tmp_path) is None
    assert history.changed_rows("v0.1.0", tmp_path) == []
