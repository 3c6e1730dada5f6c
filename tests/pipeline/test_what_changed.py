"""Issue 19's done-criterion, as a test: a data row edited in a scratch copy of the book.

The copy is released (a ledger written for it), one trial's event count is changed and
committed, the notebooks that read it are re-executed and the book is built. The What
changed page must list exactly the numbers the chapters print differently, each old -> new,
with the data row and the commit; the chapters that print them must list them too; and the
changelog check must fail until CHANGELOG.md names them.

The expected moves are worked out here from the two sets of notebook outputs (before and
after the edit) with plain equality, not with the ledger's comparison.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from support import ROOT, edit_one_count

from tools import ledger
from tools.export_results import glued_outputs

ROW = "arnold2007_pain_response_30"
pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, **kw)


def _ok(cmd: list[str], cwd: Path) -> str:
    result = _run(cmd, cwd)
    assert result.returncode == 0, f"{cmd}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def _glued(root: Path) -> dict[str, object]:
    out = {}
    for nb in sorted((root / "notebooks").glob("*.ipynb")):
        for key, meta, _ in glued_outputs(nb):
            out[key] = (meta.get("evidence") or {}).get("value")
    return out


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    files = _run(["git", "ls-files", "-co", "--exclude-standard"], ROOT)
    if files.returncode != 0:
        pytest.skip("needs a git checkout")
    box = tmp_path_factory.mktemp("book")
    for rel in files.stdout.split("\n"):
        if rel and (ROOT / rel).is_file():
            (box / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, box / rel)
    os.symlink(ROOT / "_vendor", box / "_vendor")  # the pinned chart libraries
    _ok(["git", "init", "-q"], box)
    _ok(["git", "add", "-A"], box)
    _ok(["git", "commit", "-qm", "the book as it is"], box)
    # Release it: a version of its own, and its ledger.
    # As a release does: the changelog's unreleased entries become the release's section.
    log = box / "CHANGELOG.md"
    log.write_text(log.read_text(encoding="utf-8").replace(
        "## Unreleased\n", "## Unreleased\n\n## 99.0.0 - 2026-12-04\n", 1), encoding="utf-8")
    cff_path = box / "CITATION.cff"
    cff = yaml.safe_load(cff_path.read_text(encoding="utf-8"))
    version = "99.0.0"
    cff_path.write_text(cff_path.read_text(encoding="utf-8").replace(
        f'version: "{cff["version"]}"', f'version: "{version}"'), encoding="utf-8")
    release_sha = _ok(["git", "rev-parse", "HEAD"], box).strip()
    ledger.snapshot(version, "2026-12-04", ledger.current(box), box / "ledger",
                    commit=release_sha)
    _ok(["git", "add", "-A"], box)
    _ok(["git", "commit", "-qm", f"release {version}"], box)
    before = _glued(box)
    # The edit: one trial's responders, committed; then the stale notebooks re-run.
    edit_one_count(box / "data" / "trials_binary.csv", ROW)
    _ok([sys.executable, "-m", "tools.execute"], box)
    _ok(["git", "commit", "-qam", "Arnold 2007: one more responder on gabapentin"], box)
    edit_sha = _ok(["git", "rev-parse", "HEAD"], box).strip()
    _ok([sys.executable, "-m", "tools.build_html"], box)
    return {"root": box, "before": before, "after": _glued(box), "edit_sha": edit_sha,
            "version": version}


def _expected_moves(box: Path, before: dict, after: dict) -> dict[str, set[tuple[str, str]]]:
    """{page: {(new, old)}}: each value a page prints differently after the edit."""
    out: dict[str, set[tuple[str, str]]] = {}
    for paste in ledger.pastes(box):
        if paste.key not in before or before[paste.key] == after.get(paste.key):
            continue
        old = ledger.printed(before[paste.key], paste.spec)
        new = ledger.printed(after[paste.key], paste.spec)
        if old != new:
            out.setdefault(paste.page, set()).add((new, old))
    return out


def _norm(pairs) -> set[tuple[str, str]]:
    """Pairs as compared: no-break spaces as spaces, without the unit the page writes after
    a number ("22 %" for a pasted 22 followed by the chapter's own " %")."""
    def one(text: str) -> str:
        text = text.replace("\u00a0", " ")
        return text[:-2] if text.endswith(" %") else text

    return {(one(a), one(b)) for a, b in pairs}


def _moves_in(section) -> dict[str, set[tuple[str, str]]]:
    """{key: {(new, old)}} of the moved values marked in an HTML section."""
    out: dict[str, set[tuple[str, str]]] = {}
    for new in section.select("span.evidence-new"):
        old = new.find_next("span", class_="evidence-old")
        out.setdefault(new["data-key"], set()).add(
            (new.get_text().replace("\u00a0", " "), old.get_text().replace("\u00a0", " ")))
    return out


def test_the_what_changed_page_lists_the_moved_numbers_and_only_those(sandbox):
    box = sandbox["root"]
    expected = _expected_moves(box, sandbox["before"], sandbox["after"])
    assert expected, "the edit moved no number a chapter prints: choose another row"
    html = (box / "_build" / "html" / "book" / "changes.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    anchor = soup.find(id="changes-unreleased")
    assert anchor is not None, "no section for the changes since the release"
    pending = anchor if anchor.name == "section" else anchor.find_parent("section")
    shown = next(sub for sub in pending.find_all("section")
                 if sub.find(["h3"]).get_text().startswith("Numbers the chapters show"))
    found = _norm(pair for pairs in _moves_in(shown).values() for pair in pairs)
    assert found == _norm(pair for pairs in expected.values() for pair in pairs)
    text = pending.get_text(" ")
    assert ROW in text and sandbox["edit_sha"][:7] in text
    # The trial's own analysis record moved too: listed with the pooled estimates.
    pooled = _moves_in(pending).get("gabapentin_fm_pain30")
    assert pooled, "the single-trial analysis of the edited row is not listed"
    assert f"version {sandbox['version']}" in text


def test_each_chapter_that_prints_a_moved_number_lists_it(sandbox):
    box = sandbox["root"]
    expected = _expected_moves(box, sandbox["before"], sandbox["after"])
    for page, pairs in expected.items():
        if not Path(page).name.startswith("0"):
            continue  # only the chapters carry a version note
        html = (box / "_build" / "html" / page.replace(".md", ".html")).read_text(
            encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        note = soup.find(id="changes-to-this-chapter")
        assert note is not None, f"{page}: no 'Changes to this chapter'"
        found = _norm(pair for p in _moves_in(note).values() for pair in p)
        assert _norm(pairs) <= found, page
        assert "changed since" in soup.select_one("p.evidence-version-line").get_text()


def test_the_changelog_check_fails_until_the_moves_are_named(sandbox):
    box = sandbox["root"]
    check = [sys.executable, "-m", "tools.ledger", "check"]
    result = _run(check, box)
    assert result.returncode == 1, result.stdout + result.stderr
    expected_keys = {p.key for p in ledger.pastes(box)
                     if p.key in sandbox["before"]
                     and ledger.printed(sandbox["before"][p.key], p.spec)
                     != ledger.printed(sandbox["after"].get(p.key), p.spec)}
    named = {line.split("`")[1] for line in result.stderr.splitlines()
             if line.strip().startswith("- `")}
    assert named == expected_keys
    log = box / "CHANGELOG.md"
    original = log.read_text(encoding="utf-8")
    entry = "".join(f"- `{k}` moved with Arnold 2007's responders.\n" for k in sorted(named))
    log.write_text(original.replace("## Unreleased\n", "## Unreleased\n\n" + entry, 1),
                   encoding="utf-8")
    try:
        passed = _run(check, box)
        assert passed.returncode == 0, passed.stderr
    finally:
        log.write_text(original, encoding="utf-8")
