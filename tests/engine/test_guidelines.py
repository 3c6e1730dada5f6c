"""evidence.guidelines: the checks on the guideline table, positions and the comparison."""

from __future__ import annotations

import pandas as pd
import pytest

from evidence import data
from evidence import guidelines as gl


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return gl.load()


@pytest.fixture(scope="module")
def eular() -> pd.DataFrame:
    return data.load(gl.EULAR_TABLE, as_printed=True)


def test_the_table_passes_its_own_checks(rows):
    # load() runs check(); the real table holds every guideline the chapters discuss.
    assert set(rows["body"]) == {"EULAR", "AWMF", "NICE", "ACP"}


def test_unknown_covered_drug_is_named_with_line_and_column(rows, eular):
    broken = rows.copy()
    broken.loc[3, "covers"] = "pregabalin;gabapentine"
    with pytest.raises(ValueError) as err:
        gl.check(broken, eular)
    message = str(err.value)
    assert "guideline_recommendations.csv:5:" in message  # index 3 is CSV line 5
    assert "column 'covers' value 'gabapentine'" in message
    assert "covers-code" in message


def test_eular_row_that_disagrees_with_the_eular_table_stops(rows, eular):
    broken = rows.copy()
    i = broken.index[broken["id"] == "eular2016_pregabalin"][0]
    broken.loc[i, "strength"] = "strong"
    with pytest.raises(ValueError, match="same-as-agrees.*'strong for'.*'weak for'"):
        gl.check(broken, eular)


def test_position_prints_a_grade_only_where_one_was_given():
    assert gl.position({"strength": "weak", "direction": "for"}) == "weak for"
    assert gl.position({"strength": "strong", "direction": "against"}) == "strong against"
    assert gl.position({"strength": "not graded", "direction": "do not start"}) == "do not start"
    assert gl.position({"strength": "not read", "direction": "for"}) == "for"


def test_covered_splits_and_tolerates_empty():
    assert gl.covered({"covers": "gabapentin;pregabalin"}) == ["gabapentin", "pregabalin"]
    assert gl.covered({"covers": ""}) == []
    assert gl.covered({"covers": float("nan")}) == []


def test_about_finds_class_rows_for_a_member(rows):
    ids = set(gl.about(rows, "gabapentin")["id"])
    # NICE names "gabapentinoids" and "anticonvulsants", never gabapentin by name.
    assert {"nice_ng193_gabapentinoids", "nice_ng59_lbp_anticonvulsants",
            "nice_ng59_sciatica_gabapentinoids"} <= ids
    assert gl.about(rows, "baclofen").empty


def test_comparison_cells(rows):
    frame, keys = gl.comparison(rows, ["pregabalin", "baclofen", "gabapentin"])
    assert list(frame["Drug"]) == ["Pregabalin", "Baclofen", "Gabapentin"]
    eular_col = "EULAR 2016 recommendations for fibromyalgia"
    ng59_col = "NICE NG59 (low back pain and sciatica)"
    assert frame.loc[0, eular_col] == "weak for"
    assert frame.loc[2, eular_col] == gl.NOT_NAMED
    assert set(frame.loc[1].drop("Drug")) == {gl.NOT_NAMED}
    # NG59 spans two populations and two versions: each part says which.
    assert frame.loc[2, ng59_col] == "against (low back pain, 2016); against (sciatica, 2020)"
    assert {"macfarlane2017", "nice_ng59", "nice_ng193", "pulse2021_ng193"} <= set(keys)


def test_listed():
    assert gl.listed([]) == ""
    assert gl.listed(["a"]) == "a"
    assert gl.listed(["a", "b", "c"]) == "a, b and c"
