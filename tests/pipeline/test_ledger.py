"""The ledger of published numbers (tools/ledger.py): what moved between two releases."""

from __future__ import annotations

import json

import pytest

from tools import ledger


def _results(**vals):
    return {"values": [{"key": k, "value": v, "notebook": "notebooks/x.ipynb",
                        "sources": ["s2020"]} for k, v in vals.items()]}


def test_compare_lists_moved_numbers_text_added_and_removed_and_nothing_else():
    old = ledger.values(_results(rr=1.65, n=150, label="at least 30 %", gone=3, same=0.1))
    new = ledger.values(_results(rr=1.71, n=150, label="at least 50 %", fresh=4,
                                 same=0.1 + 1e-12))  # float noise: the same number
    changes = ledger.compare(old, new)
    assert [(c.key, c.old, c.new) for c in changes.moved] == [("rr", 1.65, 1.71)]
    assert [(c.key, c.old, c.new) for c in changes.text] == [
        ("label", "at least 30 %", "at least 50 %")]
    assert [c.key for c in changes.added] == ["fresh"]
    assert [c.key for c in changes.removed] == ["gone"]
    assert ledger.compare(old, old).empty()


def test_a_number_becoming_text_counts_as_moved():
    changes = ledger.compare(ledger.values(_results(x=5)), ledger.values(_results(x="five")))
    assert [c.key for c in changes.moved] == ["x"]


def test_a_release_ledger_is_written_once(tmp_path):
    out = ledger.snapshot("0.2.0", "2026-12-03", _results(rr=1.65), out_dir=tmp_path)
    body = json.loads(out.read_text())
    assert body["version"] == "0.2.0" and body["values"]["rr"]["value"] == 1.65
    with pytest.raises(FileExistsError, match="written once"):
        ledger.snapshot("0.2.0", "2026-12-03", _results(rr=9.9), out_dir=tmp_path)
    # A ledger reads back as the values it was written from.
    assert ledger.compare(ledger.values(body), ledger.values(_results(rr=1.65))).empty()
