"""The ledger of published numbers (tools/ledger.py): what moved, what a chapter shows of it,
and the changelog check."""

from __future__ import annotations

import json

import pytest

from tools import ledger


def _body(values=None, pooled=None, verdicts=None):
    nb = "notebooks/x.ipynb"
    return {
        "values": {k: {"value": v, "notebook": nb, "sources": ["s2020"]}
                   for k, v in (values or {}).items()},
        "analyses": {k: {"value": v, "notebook": nb, "sources": ["s2020"], "label": k}
                     for k, v in (pooled or {}).items()},
        "verdicts": {k: {"value": v, "notebook": nb, "sources": ["s2020"], "claim": k}
                     for k, v in (verdicts or {}).items()},
    }


def _pooled(estimate, low, high, k=3):
    return {"measure": "RR", "model": "random", "n_studies": k, "n_participants": 900,
            "estimate": estimate, "ci_low": low, "ci_high": high, "i2": 12.0, "tau2": 0.01}


def _kinds(changes, group):
    return [(c.kind, c.key, c.old, c.new) for c in getattr(changes, group)]


def test_compare_sorts_what_moved_from_wording_additions_and_removals():
    old = _body({"rr": 1.65, "n": 150, "label": "at least 30 %", "nnt": "NNT 6 (CI not printed)",
                 "gone": 3, "same": 0.1},
                pooled={"fm": _pooled(1.5, 1.2, 1.9), "bp": _pooled(1.1, 0.9, 1.4)},
                verdicts={"c001": "supported", "c002": "unsupported"})
    new = _body({"rr": 1.71, "n": 150, "label": "at least 50 %",
                 "nnt": "NNT 6 (interval not printed)", "fresh": 4,
                 "same": 0.1 + 1e-12},  # float noise: the same number
                pooled={"fm": _pooled(1.5, 1.2, 2.0), "bp": _pooled(1.1, 0.9, 1.4)},
                verdicts={"c001": "supported", "c002": "partly supported"})
    changes = ledger.compare(old, new)
    assert _kinds(changes, "moved") == [
        ("text", "label", "at least 30 %", "at least 50 %"),  # a number in a text moved
        ("number", "rr", 1.65, 1.71),
        ("pooled", "fm", _pooled(1.5, 1.2, 1.9), _pooled(1.5, 1.2, 2.0)),
        ("verdict", "c002", "unsupported", "partly supported"),
    ]
    assert _kinds(changes, "text") == [
        ("text", "nnt", "NNT 6 (CI not printed)", "NNT 6 (interval not printed)")]
    assert [c.key for c in changes.added] == ["fresh"]
    assert [c.key for c in changes.removed] == ["gone"]
    assert ledger.compare(old, old).empty()


def test_a_number_becoming_text_counts_as_moved():
    changes = ledger.compare(_body({"x": 5}), _body({"x": "five"}))
    assert _kinds(changes, "moved") == [("number", "x", 5, "five")]


def test_a_release_ledger_is_written_once_and_reads_back(tmp_path):
    body = _body({"rr": 1.65}, verdicts={"c001": "supported"})
    out = ledger.snapshot("0.2.0", "2026-12-03", body, out_dir=tmp_path, commit="abc")
    written = json.loads(out.read_text())
    assert (written["version"], written["commit"]) == ("0.2.0", "abc")
    with pytest.raises(FileExistsError, match="written once"):
        ledger.snapshot("0.2.0", "2026-12-03", _body({"rr": 9.9}), out_dir=tmp_path)
    assert ledger.compare(written, body).empty()
    ledger.snapshot("0.10.0", "2026-12-09", body, out_dir=tmp_path)
    ledger.snapshot("0.9.1", "2026-12-08", body, out_dir=tmp_path)
    assert [p.name for p in ledger.release_files(tmp_path)] == [
        "v0.2.0.json", "v0.9.1.json", "v0.10.0.json"]  # by version, not by name


def _paste(key, spec="", notebook="notebooks/x.ipynb"):
    return ledger.Paste("book/03_x.md", 7, notebook, key, spec)


def test_a_change_the_chapter_rounds_away_is_not_shown():
    old, new = _body({"pct": 50.21}), _body({"pct": 50.38})
    moved = ledger.compare(old, new).moved[0]
    assert ledger.shown(moved, [_paste("pct", ".0f")]) == []       # 50 -> 50
    assert ledger.shown(moved, [_paste("pct", ".1f")]) != []       # 50.2 -> 50.4
    assert ledger.shown(moved, [_paste("other", ".1f")]) == []     # not pasted


def test_pasted_values_are_found_with_their_format(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "p.md").write_text(
        "A {glue:text}`../notebooks/03_a.ipynb::n_total:d` and\n"
        "{glue:text}`../notebooks/03_a.ipynb::label`.\n\n"
        "```{chart} ../notebooks/03_b.ipynb::forest\n:name: f\n\nCaption.\n```\n")
    found = [(p.line, p.notebook, p.key, p.spec) for p in ledger.pastes(tmp_path)]
    assert found == [(1, "notebooks/03_a.ipynb", "n_total", "d"),
                     (2, "notebooks/03_a.ipynb", "label", ""),
                     (4, "notebooks/03_b.ipynb", "forest", "")]


CHANGELOG = """# Changelog

## Unreleased

### Numbers that moved
- `rr` rose with the corrected arm counts of Smith 2020.
- `claims_*`: the claims counts follow one verdict.

## 0.2.0 - 2026-12-04

- `pct` moved in 0.2.0 (an old entry: it does not cover a new move).
"""


def test_the_changelog_check_wants_each_shown_move_named_since_the_release():
    old = _body({"rr": 1.6, "pct": 40.0, "claims_n_x": 3, "hidden": 1.0})
    new = _body({"rr": 1.7, "pct": 45.0, "claims_n_x": 4, "hidden": 2.0})
    changes = ledger.compare(old, new)
    pasted = [_paste("rr", ".2f"), _paste("pct", ".0f"), _paste("claims_n_x", "d")]
    missing = ledger.unlogged(changes, CHANGELOG, "0.2.0", pasted)
    # rr is named, claims_n_x matches the pattern, hidden is shown nowhere; pct is named only
    # under the release it moved in before.
    assert [c.key for c, _ in missing] == ["pct"]
    # A name must be in backticks to count.
    assert [c.key for c, _ in ledger.unlogged(
        changes, CHANGELOG.replace("- `rr`", "- rr"), "0.2.0", pasted)] == ["pct", "rr"]
    assert ledger.unlogged(changes, CHANGELOG.replace("## Unreleased",
                                                      "## Unreleased\n- `pct`"),
                           "0.2.0", pasted) == []


def test_without_the_release_heading_only_the_unreleased_section_counts():
    log = "## Unreleased\n- `a`\n\n## 0.1.0 - 2026-11-21\n- `b`\n"
    assert ledger.named(ledger.unreleased_text(log, "0.2.0")) == ["a"]
    assert ledger.named(ledger.unreleased_text(log, "0.1.0")) == ["a"]
    assert ledger.unreleased_text("# Changelog\n", "0.1.0") == ""


def test_a_text_moved_only_in_a_decimal_last_digit_needs_no_entry():
    assert ledger.last_digit_only("RR 1.65 (1.10 to 2.48)", "RR 1.66 (1.10 to 2.48)")
    assert ledger.last_digit_only("NNT 4.7 (2.7 to 17)", "NNT 4.8 (2.7 to 17)")
    assert not ledger.last_digit_only("RR 1.65 (1.10 to 2.48)", "RR 1.67 (1.10 to 2.48)")
    assert not ledger.last_digit_only("NNT 5 (3 to 9)", "NNT 6 (3 to 9)")  # whole numbers
    assert not ledger.last_digit_only("RR 1.65", "OR 1.66")                # other words
    assert not ledger.last_digit_only("RR 1.65", "RR 1.65 (1.1 to 2.5)")
    changes = ledger.compare(_body({"rr_text": "RR 1.65", "nnt_text": "NNT 5"}),
                             _body({"rr_text": "RR 1.66", "nnt_text": "NNT 6"}))
    pasted = [_paste("rr_text", "s"), _paste("nnt_text", "s")]
    assert [c.key for c, _ in ledger.unlogged(changes, "## Unreleased\n", "0.1.0",
                                              pasted)] == ["nnt_text"]


def test_a_changed_verdict_needs_an_entry_even_where_no_value_is_pasted():
    changes = ledger.compare(_body(verdicts={"c037": "unsupported"}),
                             _body(verdicts={"c037": "partly supported"}))
    assert [c.key for c, _ in ledger.unlogged(changes, "## Unreleased\n", "0.1.0", [])] == [
        "c037"]
    assert ledger.unlogged(changes, "## Unreleased\n- `c037`\n", "0.1.0", []) == []
