"""evidence.data and evidence.formatting: tables, single facts, the one provenance rule
(sources), and the one way numbers needed to treat and intervals are written."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from support import csv_rows

from evidence import data


def test_sources_collects_every_key_column_and_the_evidence_list():
    row = {"study": "a2001", "review": "r2010", "source": "r2010", "original_source": "o1999",
           "evidence": "e1; e2 ;", "note": "not a key"}
    assert data.sources(row) == ["a2001", "e1", "e2", "o1999", "r2010"]


def test_sources_accepts_series_frames_and_several_rows_and_skips_empty_cells():
    frame = pd.DataFrame({"study": ["b", "a", None], "source": ["s", "s", "t"],
                          "original_source": [math.nan, "", "o"]})
    assert data.sources(frame) == ["a", "b", "o", "s", "t"]
    assert data.sources(frame.iloc[0], {"source": "z"}) == ["b", "s", "z"]
    assert data.sources({"note": "x"}) == []


def test_sources_of_a_real_trial_row_are_its_study_and_where_it_was_read():
    table = data.load("trials_binary")
    (raw,) = csv_rows("trials_binary", id="arnold2007_withdrawal_ae")
    row = data.one_row(table, id="arnold2007_withdrawal_ae")
    assert data.sources(row) == sorted({raw["study"], raw["source"]})


def test_fact_returns_the_one_row_and_refuses_an_unknown_id():
    (raw,) = csv_rows("facts")[:1]
    assert data.fact(raw["fact_id"])["value"] == raw["value"]
    with pytest.raises(LookupError, match="no_such_fact"):
        data.fact("no_such_fact")


def test_nnt_text_follows_one_rule_everywhere():
    from evidence import formatting

    assert [formatting.nnt(x) for x in (4.24, 5.0, 9.96, 12.4, float("inf"))] == [
        "4.2", "5", "10", "12", "∞"]
    assert formatting.interval(7.04, 5.0, 10.2) == "7 (5 to 10)"
    assert formatting.interval(7.0, 5.0, 40.0, open_high=True) == "7 (5 to ∞)"
    assert formatting.interval(None, 1, 2) == "not available"


def test_a_printed_interval_says_which_limit_the_source_left_out():
    from evidence import formatting

    assert formatting.printed_interval("7", "5", "10") == "7 (5 to 10)"
    assert formatting.printed_interval("7", "", "") == "7 (interval not printed)"
    assert formatting.printed_interval("7", "5", None) == "7 (lower limit 5; upper not printed)"
    assert (formatting.printed_interval("7", math.nan, "30")
            == "7 (upper limit 30; lower not printed)")
    row = {"measure": "RR", "estimate": "1.99", "ci_low": "1.17", "ci_high": "3.37",
           "nnt": "", "nnh": "7", "nnh_ci_low": "4", "nnh_ci_high": "30"}
    assert formatting.published_estimate(row) == "RR 1.99 (1.17 to 3.37); NNH 7 (4 to 30)"
    assert formatting.published_estimate({"measure": "rate_only"}) == "rate only"


@pytest.mark.parametrize(("text", "kept"), [
    ("at least 30 % less pain", "at least 30\u00a0% less pain"),
    ("600 mg a day for 12 weeks", "600\u00a0mg a day for 12\u00a0weeks"),
    ("307 per 1000 (337 to 761)", "307\u00a0per\u00a01000 (337 to 761)"),
    ("a 1000-participant trial per site", "a 1000-participant trial per site"),
    ("3 mg/day", "3\u00a0mg/day"),
    ("group 2 managers", "group 2 managers"),
])
def test_a_number_keeps_its_unit_on_the_same_line(text, kept):
    from evidence import formatting

    assert formatting.keep_with_number(text) == kept
