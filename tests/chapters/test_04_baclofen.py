"""Chapter 4, baclofen: the rules in ``evidence/baclofen.py`` and the numbers
``notebooks/04_baclofen.ipynb`` glues, checked against an independent reading of the CSVs
(the standard library's ``csv`` module and arithmetic written out here)."""

from __future__ import annotations

import math

import nbformat
import pandas as pd
import pytest
from support import ROOT, csv_rows

from evidence import baclofen, data

NOTEBOOK = ROOT / "notebooks" / "04_baclofen.ipynb"
TRIAL_TABLES = ("trials_design", "trials_binary", "trials_continuous")


def by_id(table: str, key: str = "id") -> dict[str, dict[str, str]]:
    return {r[key]: r for r in csv_rows(table)}


@pytest.fixture(scope="module")
def bac() -> dict[str, object]:
    values = {}
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {})
            if "scrapbook" in meta:
                values[meta["scrapbook"]["name"]] = meta.get("evidence", {}).get("value")
    return values


# ---- which trials exist -------------------------------------------------------------------


def baclofen_studies(condition: str) -> set[str]:
    return {r["study"] for t in TRIAL_TABLES for r in csv_rows(t)
            if r["condition"] == condition and "baclofen" in r["drug"]}


def test_no_baclofen_trial_in_fibromyalgia():
    tables = [data.load(t) for t in TRIAL_TABLES]
    assert baclofen.trials_of("baclofen", "fibromyalgia", *tables) == []
    assert baclofen_studies("fibromyalgia") == set()
    assert not [r for r in csv_rows("published_pooled")
                if r["drug"] == "baclofen" and r["condition"] == "fibromyalgia"]


def test_baclofen_trials_in_back_pain_include_add_on_arms():
    tables = [data.load(t) for t in TRIAL_TABLES]
    acute = baclofen.trials_of("baclofen", "acute_low_back_pain", *tables)
    assert set(acute) == baclofen_studies("acute_low_back_pain") == {"dapas1985", "friedman2019"}
    chronic = baclofen.trials_of("baclofen", "chronic_low_back_pain", *tables)
    assert set(chronic) == baclofen_studies("chronic_low_back_pain") == {"zaringhalam2010"}


def test_trials_of_matches_whole_drug_names_only():
    table = pd.DataFrame({"study": ["a", "b", "c"], "condition": ["x", "x", "x"],
                          "drug": ["baclofen", "baclofen_plus_ibuprofen", "notbaclofen"]})
    assert baclofen.trials_of("baclofen", "x", table) == ["a", "b"]


# ---- whether baclofen is in each estimate ------------------------------------------------


ANNOTATION = "annotations/baclofen_in_estimates"
KEY_TABLES = {"published_id": "published_pooled", "design_id": "trials_design",
              "continuous_id": "trials_continuous"}


def annotated() -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """(table, annotated row, annotation) for every row of the annotation, in file order."""
    out = []
    for a in csv_rows(ANNOTATION):
        for column, table in KEY_TABLES.items():
            if a[column]:
                out.append((table, by_id(table)[a[column]], a))
    return out


def test_every_baclofen_status_is_grounded_in_the_rows_note():
    for _, row, entry in annotated():
        assert entry["note_says"].lower() in row["note"].lower(), row["id"]
        if entry["baclofen_in_it"] == baclofen.BACLOFEN_ARM:
            assert "baclofen" in row["drug"], row["id"]
        if entry["baclofen_in_it"] == baclofen.CLASS_INCLUDES:
            assert row["drug"] == "antispastics" and "not identified" in row["note"].lower()
        if entry["baclofen_in_it"] == baclofen.NOT_BACLOFEN:
            assert "baclofen" not in row["drug"]


def test_the_engine_reads_the_annotation_as_written():
    status = baclofen.baclofen_in_estimates()
    assert [(i, e["status"], e["why"]) for i, e in status.items()] == [
        (row["id"], a["baclofen_in_it"], a["why"]) for _, row, a in annotated()]


def test_no_estimate_is_labelled_baclofen_when_its_drug_was_not_identified():
    antispastic_notes = " ".join(r["note"] for r in csv_rows("published_pooled")
                                 if r["drug"] == "antispastics").lower()
    assert "the class contains baclofen" in antispastic_notes
    status = baclofen.baclofen_in_estimates()
    for r in csv_rows("published_pooled"):
        if r["drug"] == "antispastics":
            assert status[r["id"]]["status"] == baclofen.CLASS_INCLUDES


def test_the_back_pain_reviews_table_lists_the_annotated_back_pain_reviews_in_order():
    back_pain = {r["condition"] for r in csv_rows("published_pooled")
                 if not r["condition"].startswith("fibromyalgia")}
    expected = [row["id"] for table, row, _ in annotated()
                if table == "published_pooled" and row["condition"] in back_pain]
    got = baclofen.back_pain_review_rows(data.load("published_pooled"), back_pain)
    assert got == expected and len(got) == 10
    assert all(by_id("published_pooled")[i]["condition"] != "fibromyalgia" for i in got)


# ---- the numbers ---------------------------------------------------------------------------


def test_difference_from_symmetric_group_intervals():
    z = 1.959963984540054
    out = baclofen.difference_from_group_cis(10, 10 - z, 10 + z, 8, 8 - z, 8 + z)
    assert out["difference"] == pytest.approx(2)
    assert out["se"] == pytest.approx(math.sqrt(2))
    assert out["ci_low"] == pytest.approx(2 - z * math.sqrt(2))
    assert out["asymmetry_1"] == pytest.approx(0)
    with pytest.raises(ValueError, match="outside"):
        baclofen.difference_from_group_cis(5, 6, 7, 1, 0, 2)


def test_friedman_difference_is_the_printed_means_apart(bac):
    r = by_id("trials_continuous")["friedman2019_rmdq_improvement"]
    assert bac["bac_friedman_mean_baclofen"] == r["mean_treatment"]
    assert bac["bac_friedman_diff"] == pytest.approx(
        float(r["mean_treatment"]) - float(r["mean_control"]))
    # the within-group intervals quoted in the note, baclofen first
    assert "8.6 to 12.7" in r["note"] and "9.0 to 13.3" in r["note"]
    se = math.hypot((12.7 - 8.6) / (2 * 1.959963984540054), (13.3 - 9.0) / (2 * 1.959963984540054))
    assert bac["bac_friedman_diff_ci_high"] == pytest.approx(-0.5 + 1.959963984540054 * se)
    derived = {r["code"]: r["label"] for r in csv_rows("vocabulary/statuses")}["derived"]
    assert bac["bac_friedman_status"] == derived


def test_parsers():
    assert baclofen.controlled_study("oral; one controlled study (n=175): 63% vs 36% placebo") == {
        "n": 175, "pct_drug": 63.0, "pct_placebo": 36.0}
    with pytest.raises(ValueError):
        baclofen.controlled_study("no study here")
    assert baclofen.votes("20-2 against (risk-benefit did not support approval)") == (20, 2)
    with pytest.raises(ValueError):
        baclofen.votes("unanimous")
    assert baclofen.day_range("10-12") == (10, 12)
    assert baclofen.day_range("thereafter if needed") is None
    assert baclofen.review_size("x; 49 trials, 31 analysed, 6505 participants") == {
        "trials": 49, "analysed": 31, "participants": 6505}


def test_titration_from_the_label_table(bac):
    table = csv_rows("pharmacology/baclofen_titration")
    fixed = [r for r in table if "-" in r["days"]]
    assert bac["bac_titration_start_mg_day"] == int(fixed[0]["total_daily_dose_mg"])
    assert bac["bac_titration_last_fixed_mg_day"] == int(fixed[-1]["total_daily_dose_mg"])
    assert bac["bac_titration_last_fixed_first_day"] == int(fixed[-1]["days"].split("-")[0])
    first, last = (int(x) for x in fixed[0]["days"].split("-"))
    assert bac["bac_titration_days_per_step"] == last - first + 1
    assert bac["bac_titration_max_mg_day"] == max(int(r["total_daily_dose_mg"]) for r in table)
    facts = by_id("facts", key="fact_id")
    assert str(bac["bac_titration_max_mg_day"]) == facts["baclofen_max_daily_dose"]["value"]


def test_label_reactions_and_the_controlled_study(bac):
    ar = {r["reaction"]: r for r in csv_rows("pharmacology/baclofen_adverse_reactions")}
    assert all(r["status"] == "secondary" for r in ar.values())
    assert bac["bac_label_ar_all_secondary"] is True
    drowsy = ar["Drowsiness (transient)"]
    assert (bac["bac_ar_drowsiness_min"], bac["bac_ar_drowsiness_max"]) == (
        int(drowsy["incidence_pct_min"]), int(drowsy["incidence_pct_max"]))
    assert "175 patients: 63% baclofen vs 36% placebo" in drowsy["note"]
    assert (bac["bac_drowsy_controlled_n"], bac["bac_drowsy_controlled_pct_drug"],
            bac["bac_drowsy_controlled_pct_placebo"]) == (175, 63, 36)


def test_untraceable_claims(bac):
    expected = {r["claim_id"] for r in csv_rows("claims")
                if "baclofen" in r["claim"].lower() and r["verdict"] == "not found"}
    found = baclofen.untraceable_claims(data.load("claims"))
    assert set(found["claim_id"]) == expected
    assert bac["bac_claims_not_found"] == len(expected)
    assert {"c065", "c066"} <= expected  # "Smith et al. (2018)" and "Johnson et al."


def test_sodium_oxybate_regulatory_rows(bac):
    facts = by_id("facts", key="fact_id")
    assert facts["sodium_oxybate_fm_adcomm_vote"]["value"].startswith(
        f"{bac['bac_sxb_votes_against']}-{bac['bac_sxb_votes_for']} against")
    timeline = by_id("regulatory_timeline")
    assert timeline["2010-08-20_sodium_oxybate_advisory_vote"]["date"] == "2010-08-20"
    assert bac["bac_sxb_vote_date"] == "20 August 2010"
    assert bac["bac_sxb_crl_date"] == "October 2010"


def test_the_placebo_counted_twice(bac):
    spaeth = {r["dose_mg_day"]: r for r in csv_rows("trials_binary")
              if r["study"] == "spaeth2012" and r["outcome"] == "pain_response_30"}
    placebo = int(spaeth["4500"]["n_control"])
    assert spaeth["4500"]["shared_control_id"] == spaeth["6000"]["shared_control_id"]
    n_drug = sum(int(r["n_treatment"]) for r in spaeth.values())
    assert bac["bac_double_right_n"] == n_drug + placebo
    assert bac["bac_double_naive_n"] == n_drug + 2 * placebo
    assert bac["bac_double_extra_n"] == placebo
    events = sum(int(r["events_treatment"]) for r in spaeth.values())
    combined = (events / n_drug) / (int(spaeth["4500"]["events_control"]) / placebo)
    assert bac["bac_double_right_rr"] == pytest.approx(combined, rel=1e-12)
    # counted twice, the interval is narrower than counted once
    assert (bac["bac_double_naive_ci_high"] / bac["bac_double_naive_ci_low"]
            < bac["bac_double_right_ci_high"] / bac["bac_double_right_ci_low"])
    r = spaeth["4500"]
    arm = (int(r["events_treatment"]) / int(r["n_treatment"])) / (
        int(r["events_control"]) / int(r["n_control"]))
    assert bac["bac_so_arm_4500_estimate"] == pytest.approx(arm, rel=1e-12)


def test_cashin_values_are_pasted_as_printed(bac):
    printed = by_id("published_pooled")
    r = printed["cashin2021_pain_0_100_le2wk_antispastics_md"]
    assert (bac["bac_cashin_as_acute_2wk_estimate"], bac["bac_cashin_as_acute_2wk_ci_low"],
            bac["bac_cashin_as_acute_2wk_ci_high"], bac["bac_cashin_as_acute_2wk_grade"]) == (
        r["estimate"], r["ci_low"], r["ci_high"], r["grade"])
    assert bac["bac_cashin_review_trials"] == 49 and "49 trials" in r["population"]
    assert bac["bac_cashin_short_weeks"] == 2 and "<=2 weeks" in r["outcome_as_reported"]
