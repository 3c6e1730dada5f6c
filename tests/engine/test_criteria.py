"""The ACR fibromyalgia criteria scorer (evidence/criteria.py), checked against the published rules.

Each expected verdict below is worked out by hand from the rules as printed, not taken from
the function. The rules (data/criteria/, reproducing the review's Tables 3 and 4,
``jrd_fm_criteria_review``; originals ``wolfe2010``, ``wolfe2011``, ``wolfe2016``):

* ACR 2010/2011 (acr2010_criteria.csv, row "Widespread Pain Index (WPI)", threshold_or_rule):
  WPI >= 7 and SS >= 5, OR WPI 3-6 and SS >= 9; row "Duration": >= 3 months; row "Exclusion":
  no other disorder that would otherwise sufficiently explain the pain, required (2010/2011).
  SS = fatigue + waking unrefreshed + cognitive symptoms (0-3 each) + somatic symptoms: the
  clinician's 0-3 estimate (2010) or headaches, lower abdominal pain/cramps and depression,
  1 point each (2011).
* ACR 2016 (acr2016_criteria.csv): row "WPI/SSS threshold": WPI >= 7 and SSS >= 5, OR WPI 4-6
  and SSS >= 9; row "Generalized pain": pain in at least 4 of 5 regions, jaw, chest and
  abdominal pain not counted; row "Duration": at least 3 months; row "Other diagnoses": the
  diagnosis is valid irrespective of other diagnoses. Regions: acr2016_wpi_areas.csv.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from evidence import criteria as crit
from evidence import data
from evidence.criteria import Answers, CriteriaDataError, classify, classify_all

# The 19 areas by 2016 region (acr2016_wpi_areas.csv).
LEFT_UPPER = ["jaw, left", "shoulder girdle, left", "upper arm, left", "lower arm, left"]
RIGHT_UPPER = ["jaw, right", "shoulder girdle, right", "upper arm, right", "lower arm, right"]
LEFT_LOWER = ["hip (buttock, trochanter), left", "upper leg, left", "lower leg, left"]
RIGHT_LOWER = ["hip (buttock, trochanter), right", "upper leg, right", "lower leg, right"]
AXIAL = ["neck", "upper back", "lower back", "chest", "abdomen"]
ALL_AREAS = LEFT_UPPER + RIGHT_UPPER + LEFT_LOWER + RIGHT_LOWER + AXIAL

# Seven areas touching all five regions through areas that count for generalised pain.
SEVEN_FIVE_REGIONS = [
    "shoulder girdle, left", "shoulder girdle, right",
    "hip (buttock, trochanter), left", "hip (buttock, trochanter), right",
    "neck", "upper back", "lower back",
]


@pytest.fixture(scope="module")
def criteria():
    return crit.load_criteria()


def case(areas, core=(0, 0, 0), *, somatic=0, self_report=(False, False, False),
         months=6, other=False) -> Answers:
    """Answers with ``core`` = (fatigue, waking unrefreshed, cognitive symptoms)."""
    return Answers(
        painful_areas=list(areas), fatigue=core[0], waking_unrefreshed=core[1],
        cognitive_symptoms=core[2], duration_months=months, somatic_symptoms=somatic,
        headaches=self_report[0], lower_abdominal_pain=self_report[1],
        depression=self_report[2], other_disorder_explains_pain=other,
    )


# ---- the rules read from data/ are the published ones ---------------------------------

def test_thresholds_are_read_from_the_data_rows(criteria):
    v10, v11, v16 = (criteria.versions[v] for v in ("2010", "2011", "2016"))
    for t in (v10, v11):  # acr2010_criteria.csv, WPI row and Duration row
        assert (t.wpi_high, t.sss_with_high_wpi, t.wpi_low, t.sss_with_low_wpi) == (7, 5, (3, 6), 9)
        assert t.duration_months == 3 and t.other_disorder_excludes
    assert v10.somatic == "clinician" and v11.somatic == "self-report"
    # acr2016_criteria.csv: threshold, generalised pain, duration, other diagnoses
    assert (v16.wpi_high, v16.sss_with_high_wpi, v16.wpi_low, v16.sss_with_low_wpi) == (
        7, 5, (4, 6), 9)
    assert (v16.generalized_regions, v16.generalized_of) == (4, 5)
    assert v16.generalized_excluded_areas == {"jaw, left", "jaw, right", "chest", "abdomen"}
    assert v16.duration_months == 3 and not v16.other_disorder_excludes
    assert criteria.areas == tuple(ALL_AREAS)
    assert (criteria.core_item_max, criteria.clinician_somatic_max,
            criteria.self_report_item_max, criteria.sss_max) == (3, 3, 1, 12)


def _tables():
    return (data.load(crit.TABLE_2010), data.load(crit.TABLE_2016), data.load(crit.TABLE_AREAS))


def test_a_changed_threshold_in_the_data_changes_the_verdict():
    t10, t16, areas = _tables()
    mask = t10["component"].str.startswith("Widespread Pain Index")
    t10.loc[mask, "threshold_or_rule"] = "WPI >=8 and SS >=5, OR WPI 3-7 and SS >=9"
    changed = crit.criteria_from_tables(t10, t16, areas)
    answers = case(SEVEN_FIVE_REGIONS, (2, 2, 1))  # WPI 7, SS 5
    assert classify(answers, "2010").fibromyalgia  # as published: WPI >= 7 and SS >= 5
    assert not classify(answers, "2010", changed).fibromyalgia  # now needs WPI >= 8


def test_an_unreadable_rule_names_the_file_and_row():
    t10, t16, areas = _tables()
    mask = t16["component"] == "Generalized pain"
    t16.loc[mask, "rule"] = "pain in most regions"
    with pytest.raises(CriteriaDataError, match=r"acr2016_criteria\.csv.*Generalized pain"):
        crit.criteria_from_tables(t10, t16, areas)


def test_a_wpi_range_that_disagrees_with_the_area_list_is_reported():
    t10, t16, areas = _tables()
    with pytest.raises(CriteriaDataError, match="does not match the 18 areas"):
        crit.criteria_from_tables(t10, t16, areas.iloc[:-1])


# ---- ACR 2010 (clinician) and 2011 (self-report) ---------------------------------------

@pytest.mark.parametrize(
    ("n_areas", "core", "somatic", "expected", "why"),
    [
        (7, (2, 2, 1), 0, True, "WPI 7 and SS 5: exactly at the higher-WPI branch"),
        (6, (2, 2, 1), 0, False, "WPI 6 and SS 5: WPI 3-6 needs SS >= 9"),
        (7, (2, 1, 1), 0, False, "WPI 7 and SS 4: one point short"),
        (6, (3, 3, 2), 1, True, "WPI 6 and SS 9: exactly at the lower-WPI branch"),
        (6, (3, 3, 2), 0, False, "WPI 6 and SS 8: one point short"),
        (3, (3, 3, 3), 0, True, "WPI 3 and SS 9: the bottom of the 3-6 range"),
        (2, (3, 3, 3), 3, False, "WPI 2: below both branches even with SS 12"),
        (19, (3, 3, 3), 3, True, "WPI 19 and SS 12: the maximum"),
    ],
)
def test_acr2010_thresholds(criteria, n_areas, core, somatic, expected, why):
    result = classify(case(ALL_AREAS[:n_areas], core, somatic=somatic), "2010", criteria)
    assert result.wpi == n_areas
    assert result.sss == sum(core) + somatic
    assert result.fibromyalgia is expected, why


def test_acr2010_rules_report_which_branch_passed(criteria):
    high = classify(case(ALL_AREAS[:7], (2, 2, 1)), "2010", criteria)
    low = classify(case(ALL_AREAS[:6], (3, 3, 3)), "2010", criteria)
    assert high.rules["wpi_high_branch"] and not high.rules["wpi_low_branch"]
    assert low.rules["wpi_low_branch"] and not low.rules["wpi_high_branch"]
    assert high.required == ("wpi_sss", "duration", "no_other_explanation")


def test_the_2011_somatic_items_score_one_point_each(criteria):
    # Core 1+1+1 = 3. 2010: clinician somatic estimate 2 -> SS 5. 2011: headaches only -> SS 4.
    answers = case(ALL_AREAS[:7], (1, 1, 1), somatic=2, self_report=(True, False, False))
    r10, r11 = classify(answers, "2010", criteria), classify(answers, "2011", criteria)
    assert (r10.sss, r11.sss) == (5, 4)
    assert r10.fibromyalgia and not r11.fibromyalgia
    all_three = case(ALL_AREAS[:7], (1, 1, 1), self_report=(True, True, True))
    assert classify(all_three, "2011", criteria).sss == 6


@pytest.mark.parametrize(("months", "expected"), [(3, True), (2.9, False), (0, False)])
def test_duration_must_reach_three_months(criteria, months, expected):
    answers = case(SEVEN_FIVE_REGIONS, (2, 2, 1), months=months)
    for version in crit.VERSIONS:
        result = classify(answers, version, criteria)
        assert result.rules["duration"] is expected
        assert result.fibromyalgia is expected


def test_another_explanation_excludes_in_2010_and_2011_but_not_2016(criteria):
    answers = case(SEVEN_FIVE_REGIONS, (2, 2, 1), other=True)
    results = classify_all(answers, criteria)
    assert not results["2010"].fibromyalgia and results["2010"].failed == ["no_other_explanation"]
    assert not results["2011"].fibromyalgia
    assert results["2016"].fibromyalgia  # "valid irrespective of other diagnoses"
    assert "no_other_explanation" not in results["2016"].rules


def test_the_whole_threshold_grid_matches_the_published_rule(criteria):
    """Every WPI (0-19) and SS (0-12) pair, against the rule written out by hand."""
    def published_2010(w, s):
        return (w >= 7 and s >= 5) or (3 <= w <= 6 and s >= 9)

    def published_2016(w, s):
        return (w >= 7 and s >= 5) or (4 <= w <= 6 and s >= 9)

    for wpi, sss in itertools.product(range(20), range(13)):
        core = (min(sss, 3), min(max(sss - 3, 0), 3), min(max(sss - 6, 0), 3))
        somatic = sss - sum(core)
        answers = case(ALL_AREAS[:wpi], core, somatic=somatic,
                       self_report=tuple(i < somatic for i in range(3)))
        assert classify(answers, "2010", criteria).rules["wpi_sss"] is published_2010(wpi, sss)
        assert classify(answers, "2016", criteria).rules["wpi_sss"] is published_2016(wpi, sss)


# ---- ACR 2016 ----------------------------------------------------------------------------

def test_acr2016_lower_branch_starts_at_wpi_four(criteria):
    # WPI 4 in four regions (shoulders and hips), SSS 9: meets 2016 (WPI 4-6 and SSS >= 9).
    four = ["shoulder girdle, left", "shoulder girdle, right",
            "hip (buttock, trochanter), left", "hip (buttock, trochanter), right"]
    answers = case(four, (3, 3, 3))
    assert classify(answers, "2016", criteria).fibromyalgia
    # WPI 3, SSS 9: meets 2010 (3-6 branch) but not 2016 (its branch starts at 4).
    three = case(four[:3], (3, 3, 3))
    assert classify(three, "2010", criteria).fibromyalgia
    r16 = classify(three, "2016", criteria)
    assert not r16.rules["wpi_sss"] and not r16.fibromyalgia


def test_generalised_pain_needs_four_of_five_regions(criteria):
    four_regions = ["shoulder girdle, left", "upper arm, left", "shoulder girdle, right",
                    "upper arm, right", "hip (buttock, trochanter), left", "upper leg, left",
                    "lower leg, left"]  # WPI 7 in left upper, right upper, left lower
    three = classify(case(four_regions, (2, 2, 1)), "2016", criteria)
    assert three.wpi == 7 and three.rules["wpi_sss"]
    assert len(three.painful_regions) == 3
    assert not three.rules["generalized_pain"] and not three.fibromyalgia
    # The same case meets 2010, which has no regional rule.
    assert classify(case(four_regions, (2, 2, 1)), "2010", criteria).fibromyalgia
    # One more region (right lower) makes four of five.
    four = classify(case(four_regions + ["lower leg, right"], (2, 2, 1)), "2016", criteria)
    assert four.painful_regions == ("left upper", "right upper", "left lower", "right lower")
    assert four.rules["generalized_pain"] and four.fibromyalgia


def test_jaw_chest_and_abdomen_do_not_count_towards_generalised_pain(criteria):
    # Left upper only through the jaw, axial only through chest and abdomen: 3 regions count.
    areas = ["jaw, left", "shoulder girdle, right", "upper arm, right",
             "hip (buttock, trochanter), left", "hip (buttock, trochanter), right",
             "chest", "abdomen"]
    result = classify(case(areas, (2, 2, 1)), "2016", criteria)
    assert result.wpi == 7  # all 19 areas count towards the WPI
    assert result.painful_regions == ("right upper", "left lower", "right lower")
    assert not result.fibromyalgia and result.failed == ["generalized_pain"]
    # Adding the neck brings the axial region in: four of five.
    with_neck = classify(case(areas + ["neck"], (2, 2, 1)), "2016", criteria)
    assert with_neck.rules["generalized_pain"] and with_neck.fibromyalgia


def test_result_summary_names_the_failed_rule(criteria):
    result = classify(case(SEVEN_FIVE_REGIONS, (2, 2, 1), months=1), "2016", criteria)
    assert "does not meet" in result.summary() and "minimum duration" in result.summary()


# ---- impossible input --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"painful_areas": ["knee, left"]}, r"unknown pain area 'knee, left'"),
        ({"painful_areas": ["neck", "Neck "]}, r"pain area 'neck' is listed more than once"),
        ({"painful_areas": "neck"}, r"not one string"),
        ({"fatigue": 4}, r"fatigue must be a whole number from 0 to 3; got 4"),
        ({"waking_unrefreshed": -1}, r"waking_unrefreshed must be a whole number from 0 to 3"),
        ({"cognitive_symptoms": 1.5}, r"cognitive_symptoms must be a whole number"),
        ({"fatigue": True}, r"fatigue must be a whole number"),
        ({"somatic_symptoms": 4}, r"somatic_symptoms must be a whole number from 0 to 3"),
        ({"somatic_symptoms": None}, r"need `somatic_symptoms`"),
        ({"duration_months": -1}, r"duration_months cannot be negative; got -1"),
        ({"duration_months": float("nan")}, r"duration_months must be a number"),
    ],
)
def test_impossible_input_raises_a_clear_error_2010(criteria, changes, message):
    base = case(SEVEN_FIVE_REGIONS, (2, 2, 1)).__dict__ | changes
    with pytest.raises(ValueError, match=message):
        classify(Answers(**base), "2010", criteria)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"headaches": 2}, r"headaches must be a whole number from 0 to 1; got 2"),
        ({"depression": None}, r"need the yes/no items depression"),
    ],
)
def test_impossible_self_report_items_raise(criteria, changes, message):
    base = case(SEVEN_FIVE_REGIONS, (2, 2, 1)).__dict__ | changes
    for version in ("2011", "2016"):
        with pytest.raises(ValueError, match=message):
            classify(Answers(**base), version, criteria)


def test_unknown_version_is_refused(criteria):
    with pytest.raises(ValueError, match="unknown criteria version '1990'"):
        classify(case(SEVEN_FIVE_REGIONS), "1990", criteria)


def test_area_names_ignore_case_and_spacing(criteria):
    answers = case(["  Shoulder  girdle, LEFT", "NECK"])
    assert classify(answers, "2016", criteria).wpi == 2


def test_a_loaded_table_is_not_modified():
    t10, t16, areas = _tables()
    before = t10.copy()
    crit.criteria_from_tables(t10, t16, areas)
    pd.testing.assert_frame_equal(t10, before)


def test_the_example_patients_are_the_table_s_rows_and_valid_input(criteria):
    from support import csv_rows

    rows = csv_rows("annotations/criteria_examples")
    cases = crit.examples()
    assert [c for c, _ in cases] == [r["case"] for r in rows]
    for (case, answers), row in zip(cases, rows, strict=True):
        assert len(list(answers.painful_areas)) == row["painful_areas"].count(";") + 1, case
        assert answers.other_disorder_explains_pain is (row["other_disorder_explains_pain"]
                                                        == "true")
        assert set(crit.classify_all(answers, criteria)) == set(crit.VERSIONS), case


def test_answers_from_a_notebooks_parameters_need_every_field():
    params = {"case_painful_areas": ["neck"], "case_fatigue": 3, "case_waking_unrefreshed": 0,
              "case_cognitive_symptoms": 1, "case_duration_months": 4,
              "case_somatic_symptoms": None, "case_headaches": True,
              "case_lower_abdominal_pain": False, "case_depression": False,
              "case_other_disorder_explains_pain": False, "unrelated": 1}
    answers = Answers.from_parameters(params)
    assert answers.fatigue == 3 and answers.painful_areas == ["neck"]
    assert answers.headaches is True and answers.duration_months == 4
    del params["case_fatigue"], params["case_depression"]
    with pytest.raises(ValueError, match="case_fatigue, case_depression"):
        Answers.from_parameters(params)
