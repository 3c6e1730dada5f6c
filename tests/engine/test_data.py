"""evidence.data: loading tables, single facts, and the one provenance rule (sources)."""

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
