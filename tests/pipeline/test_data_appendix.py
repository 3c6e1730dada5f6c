"""The generated data appendix lists every table with its true row and status counts."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from support import csv_rows

from evidence import DATA, ROOT
from tools.data_appendix import GENERATED_BY, render, stats


def resources() -> list[dict]:
    return json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))["resources"]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("book") / "data.md"
    result = subprocess.run([sys.executable, "-m", "tools.data_appendix",
                             "--out", str(out)], capture_output=True, text=True, cwd=ROOT,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return out.read_text(encoding="utf-8")


def test_generated_comment_on_top(page: str):
    first = page.splitlines()[0]
    assert first.startswith("% ") and GENERATED_BY in first


def test_title(page: str):
    assert "\n# Data appendix\n" in page


def test_every_table_with_its_row_and_status_counts(page: str):
    summary, notes, words = {}, {}, {}
    for line in page.splitlines():
        m = re.match(r"\| (.+?) \| `data/(.+?)` \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$", line)
        if m:
            summary[m[2]] = tuple(int(x) for x in m.groups()[2:])
        m = re.match(r"\| (.+?) \| `data/(annotations/.+?)` \| (\d+) \| (.+) \|$", line)
        if m:
            notes[m[2]] = (int(m[3]), m[4])
        m = re.match(r"\| (.+?) \| `data/(vocabulary/.+?)` \| (\d+) \| (.+) \|$", line)
        if m:
            words[m[2]] = (int(m[3]), m[4])
    annotations = {r["path"] for r in resources() if r["path"].startswith("annotations/")}
    vocabulary = {r["path"] for r in resources() if r["path"].startswith("vocabulary/")}
    assert annotations and set(notes) == annotations
    assert vocabulary and set(words) == vocabulary
    assert set(summary) == {r["path"] for r in resources()} - annotations - vocabulary
    for res in resources():
        rows = csv_rows(DATA / res["path"])
        if res["path"] in words:
            users = {f"{other['name']}.{fk['fields']}" for other in resources()
                     for fk in other["schema"].get("foreignKeys", [])
                     if fk["reference"]["resource"] == res["name"]}
            assert words[res["path"]][0] == len(rows), res["path"]
            assert set(re.findall(r"`(.+?)`", words[res["path"]][1])) == users, res["path"]
        elif res["path"] in notes:
            targets = {fk["reference"]["resource"] for fk in res["schema"].get("foreignKeys", [])}
            assert notes[res["path"]][0] == len(rows), res["path"]
            assert set(re.findall(r"`(.+?)`", notes[res["path"]][1])) == targets, res["path"]
        else:
            status = tuple(sum(1 for r in rows if r.get("status") == s)
                           for s in ("verified", "secondary", "derived"))
            assert summary[res["path"]] == (len(rows), *status), res["path"]
        assert f"\n## {res['title']}\n" in page
        assert f"File `data/{res['path']}`" in page


def test_every_column_documented(page: str):
    for res in resources():
        section = page.split(f"\n## {res['title']}\n", 1)[1].split("\n## ", 1)[0]
        for field in res["schema"]["fields"]:
            assert f"| `{field['name']}` | {field['type']} |" in section, (res["path"],
                                                                         field["name"])


def test_totals_add_up(page: str):
    m = re.search(r"\| All tables \| \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|", page)
    assert m
    tables = [t for t in stats() if not t.path.startswith(("annotations/", "vocabulary/"))]
    assert int(m[1]) == sum(t.rows for t in tables)
    assert int(m[2]) + int(m[3]) + int(m[4]) <= int(m[1])


def test_render_is_deterministic():
    assert render() == render()


def test_no_sphinx_directives_or_roles(page: str):
    assert "```{" not in page and ":::" not in page and "{ref}" not in page
