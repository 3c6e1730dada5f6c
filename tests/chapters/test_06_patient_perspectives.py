"""The patient chapter's selections, checked against independent counts from the CSVs.

Every expected value here is read from ``data/patients/*.csv`` (or ``trials_binary.csv``)
with the standard ``csv`` module, not copied from the functions' output: if a row changes,
both sides change together; if a function selects the wrong rows, the two disagree.
And the rule the chapter depends on: the two denominators of the 2016 survey (National
Pain Report: all respondents; Health Rising: those who tried) never meet in one table.
"""

from __future__ import annotations

import html
import re

import nbformat
import pandas as pd
import pytest
from support import ROOT, csv_rows

from evidence import data, patient_charts, vocab
from evidence import patients as pp
from tools.export_results import glued_outputs

PATIENTS = ROOT / "data" / "patients"
NOTEBOOK = ROOT / "notebooks" / "06_patient_perspectives.ipynb"


@pytest.fixture(scope="module")
def ratings():
    return data.load("patients/survey_treatment_ratings")


# ---- surveys: one denominator per table ----------------------------------------------------


@pytest.mark.parametrize(
    ("key", "source", "marker"),
    [("all_respondents", "npr_fm_survey_2016", ""),
     ("tried", "healthrising_npr_2016", "_of_those_who_tried")],
)
def test_survey_ratings_select_every_percentage_of_one_source_and_nothing_else(
    ratings, key, source, marker
):
    raw = [r for r in csv_rows("patients/survey_treatment_ratings")
           if r["source"] == source and r["measure"].startswith("pct_")
           and r["measure"].endswith(marker) and r["measure"] != "pct_of_respondents_who_tried"]
    tidy = pp.survey_ratings(ratings, key)
    assert len(tidy) == len(raw) > 0
    assert set(tidy["id"]) == {r["id"] for r in raw}
    assert set(tidy["source"]) == {source}
    assert set(tidy["denominator"]) == {key}
    for r in raw:
        got = tidy.set_index("id").loc[r["id"]]
        assert got["pct"] == float(r["value"])
        assert got["as_printed"] == r["value_as_printed"]


def test_health_rising_counts_of_those_who_tried_match_the_csv(ratings):
    tried = {r["item"]: int(r["value"]) for r in csv_rows("patients/survey_treatment_ratings")
             if r["source"] == "healthrising_npr_2016" and r["measure"] == "n_who_tried"}
    tidy = pp.survey_ratings(ratings, "tried")
    got = tidy.drop_duplicates("treatment").set_index("treatment")["n_tried"].astype(int)
    assert got.to_dict() == tried
    table = pp.survey_table(tidy)
    assert len(table) == len(tried)
    assert table.set_index("treatment")["tried (n)"].to_dict() == {
        k: f"{v:,}" for k, v in tried.items()}


def test_national_pain_report_rows_carry_no_count_of_those_who_tried(ratings):
    tidy = pp.survey_ratings(ratings, "all_respondents")
    assert tidy["n_tried"].isna().all() and tidy["pct_tried"].isna().all()
    assert not any("tried" in c for c in pp.survey_table(tidy).columns)


def test_the_two_denominators_are_never_mixed_in_one_table(ratings):
    npr = pp.survey_ratings(ratings, "all_respondents")
    hr = pp.survey_ratings(ratings, "tried")
    for tidy, key in [(npr, "all_respondents"), (hr, "tried")]:
        assert pp.check_one_denominator(tidy) == key
        table = pp.survey_table(tidy)
        assert table.attrs["denominator"] == key
        caption = pp.survey_caption(table)
        other = next(d.label for k, d in pp.DENOMINATORS.items() if k != key)
        assert pp.DENOMINATORS[key].label in caption and other not in caption
        answers = [c.removesuffix(" (%)") for c in table.columns if c.endswith(" (%)")]
        assert answers and set(answers) <= set(pp.ANSWERS)
        # Every percentage in the table is one of this source's rows, none of the other's.
        printed = {v for c in table.columns if c.endswith(" (%)") for v in table[c] if v}
        assert printed <= set(tidy["as_printed"])
    counts = ["n_tried", "pct_tried"]  # empty for NPR; dropped so pandas concatenates quietly
    mixed = pd.concat([npr.drop(columns=counts), hr.drop(columns=counts)])
    with pytest.raises(pp.MixedDenominatorsError, match="different denominators"):
        pp.check_one_denominator(mixed)
    with pytest.raises(pp.MixedDenominatorsError):
        pp.survey_table(mixed)
    with pytest.raises(pp.MixedDenominatorsError):
        patient_charts.survey_chart(mixed, title="t", description="d")
    with pytest.raises(pp.MixedDenominatorsError, match="must say"):
        pp.check_one_denominator(npr.drop(columns="denominator"))


def test_the_notebook_glues_each_survey_table_with_one_denominator():
    """The committed notebook's glued survey tables: each names one denominator only."""
    labels = {key: d.label for key, d in pp.DENOMINATORS.items()}
    found = {}
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name", "")
            if name in ("pp_npr_table", "pp_hr_table", "pp_survey_chart"):
                found[name] = "".join(str(v) for v in output["data"].values())
    assert set(found) == {"pp_npr_table", "pp_hr_table", "pp_survey_chart"}
    assert labels["all_respondents"] in found["pp_npr_table"]
    assert labels["tried"] not in found["pp_npr_table"]
    assert labels["tried"] in found["pp_hr_table"]
    assert labels["all_respondents"] not in found["pp_hr_table"]


def test_an_unknown_denominator_is_refused_by_name(ratings):
    with pytest.raises(ValueError, match="all_respondents, tried"):
        pp.survey_ratings(ratings, "everyone")


def test_converting_to_all_respondents_agrees_with_what_the_survey_printed():
    """Health Rising x share who tried ~ National Pain Report's own figure (same survey)."""
    def value(source, item, measure):
        return next(float(r["value"]) for r in csv_rows("patients/survey_treatment_ratings")
                    if r["source"] == source and r["item"] == item and r["measure"] == measure)

    for item, npr_measure, hr_measure in [
        ("pregabalin (Lyrica)", "pct_could_not_take_due_to_side_effects",
         "pct_side_effects_prevented_use_of_those_who_tried"),
        ("duloxetine (Cymbalta)", "pct_could_not_take_due_to_side_effects",
         "pct_side_effects_prevented_use_of_those_who_tried"),
        ("pregabalin (Lyrica)", "pct_helps_a_lot", "pct_helped_a_lot_of_those_who_tried"),
    ]:
        converted = pp.to_all_respondents(
            value("healthrising_npr_2016", item, hr_measure),
            value("healthrising_npr_2016", item, "pct_of_respondents_who_tried"),
        )
        assert abs(converted - value("npr_fm_survey_2016", item, npr_measure)) < 1.5
    with pytest.raises(ValueError, match="between 0 and 100"):
        pp.to_all_respondents(42, 140)


def test_amounts_and_ranks_in_words():
    assert pp.amount_text(1400, ">") == "more than 1,400"
    assert pp.amount_text(22.0, "~") == "about 22"
    assert pp.amount_text(9.6) == "9.6"
    assert pp.ordinal_word(3) == "third"
    assert pp.treatment_slug("low-dose naltrexone") == "low_dose_naltrexone"
    assert pp.treatment_slug("pregabalin (Lyrica)") == "pregabalin"


# ---- responder bands -------------------------------------------------------------------------


def test_pregabalin_bands_match_the_csv_and_flag_every_derived_band():
    raw = {(r["item"], r["measure"]): r for r in csv_rows("patients/responder_distributions")
           if r["source"] == "ebmg_pregabalin_fm" and r["dataset"] == "responder_distribution"}
    bands = pp.responder_bands(data.load("patients/responder_distributions"),
                               data.load("trials_binary"), "pregabalin")
    doses = sorted({int(item.split()[1]) for item, _ in raw if item.startswith("pregabalin ")
                    and item.split()[1].isdigit()})
    assert doses == [150, 300, 450, 600]
    assert len(bands) == len(doses) * 2 * 3
    for _, b in bands.iterrows():
        dose = b["comparison"].split()[0]
        item = (f"pregabalin {dose} mg/day" if b["group"] == "drug"
                else f"placebo (comparison with {dose} mg)")
        measure = {v: k for k, v in pp._PREGABALIN_BANDS.items()}[str(b["band"])]
        r = raw[(item, measure)]
        assert b["pct"] == float(r["value"])
        assert b["derived"] == (r["status"] == "derived")
        assert b["n"] == int(r["n"])
    # Every band that is not printed is flagged, and the flags match the data's own status.
    assert set(bands.loc[bands["derived"], "band"].astype(str)) == {
        "30 to 49 %", "under 30 % or withdrew"}
    assert not bands.loc[bands["band"] == "at least 50 %", "derived"].any()
    # And the printed at-least-30 % rate equals the two upper bands added up.
    for (item, measure), r in raw.items():
        if measure == "pct_ge_30pct_pain_relief":
            upper = float(raw[(item, "pct_ge_50pct_pain_relief")]["value"]) + float(
                raw[(item, "pct_30_49pct_pain_relief")]["value"])
            assert upper == float(r["value"])


def test_gabapentin_bands_come_from_the_trial_counts():
    arnold = next(r for r in csv_rows("trials_binary")
                  if r["study"] == "arnold2007" and r["outcome"] == "pain_response_30")
    bands = pp.responder_bands(data.load("patients/responder_distributions"),
                               data.load("trials_binary"), "gabapentin")
    drug = bands[bands["group"] == "drug"].set_index(bands.loc[bands["group"] == "drug", "band"]
                                                     .astype(str))
    expected = 100 * int(arnold["events_treatment"]) / int(arnold["n_treatment"])
    assert drug.loc["at least 30 % (50 % not reported)", "pct"] == pytest.approx(expected)
    assert drug.loc["under 30 % or withdrew", "pct"] == pytest.approx(100 - expected)
    assert drug.loc["under 30 % or withdrew", "derived"]
    assert not drug.loc["at least 30 % (50 % not reported)", "derived"]
    assert set(bands["n"]) == {int(arnold["n_treatment"]), int(arnold["n_control"])}


@pytest.mark.parametrize("drug", pp.DRUGS)
def test_every_arm_adds_up_to_100(drug):
    bands = pp.responder_bands(data.load("patients/responder_distributions"),
                               data.load("trials_binary"), drug)
    totals = bands.groupby("arm")["pct"].sum()
    assert ((totals - 100).abs() <= 1.0).all()


def test_an_unknown_drug_is_refused():
    with pytest.raises(ValueError, match="baclofen"):
        pp.responder_bands(data.load("patients/responder_distributions"),
                           data.load("trials_binary"), "baclofen")


# ---- why people stop ----------------------------------------------------------------------


def test_withdrawal_reasons_match_the_registry_flow():
    flow = {}
    for r in csv_rows("patients/discontinuation_trials"):
        if r["source"] == "nct00830167":
            flow.setdefault(r["item"], {})[r["measure"]] = int(r["value"])
    reasons = pp.withdrawal_reasons(data.load("patients/discontinuation_trials"))
    assert len(reasons) == len(flow) == 2
    for (item, f), (_, got) in zip(flow.items(), reasons.iterrows(), strict=True):
        assert got["arm"].lower().startswith(item.split()[0])
        assert got["started"] == f["n_started"]
        assert got["adverse event"] == f["n_withdrawn_adverse_event"]
        assert got["lack of efficacy"] == f["n_withdrawn_lack_of_efficacy"]
        other = f["n_not_completed"] - f["n_withdrawn_adverse_event"] - f[
            "n_withdrawn_lack_of_efficacy"]
        assert got["other reasons"] == other
        assert got["pct_adverse event"] == pytest.approx(
            100 * f["n_withdrawn_adverse_event"] / f["n_started"])


def test_persistence_points_are_the_printed_ones_plus_two_by_definition():
    wang = {r["measure"]: float(r["value"]) for r in csv_rows("patients/realworld_use_persistence")
            if r["item"] == "pregabalin (all users)" and r["value"]}
    points = pp.persistence_points(data.load("patients/realworld_use_persistence"))
    printed = points[points["kind"] == "printed"].set_index("day")["pct"]
    assert printed.to_dict() == {90: wang["pct_persistent_ge_90_days"],
                                 180: wang["pct_persistent_ge_180_days"],
                                 365: wang["pct_persistent_1_year"]}
    defined = points[points["kind"] == "by definition"].set_index("day")["pct"].to_dict()
    assert defined == {0: 100.0, int(wang["median_persistence"]): 50.0}
    assert set(points["condition"]) == {"mixed_all_indications"}


def test_cohort_table_rows_and_their_indication():
    by_id = {r["id"]: r for r in csv_rows("patients/realworld_use_persistence")}
    table = pp.cohort_table(data.load("patients/realworld_use_persistence"))
    cohorts = csv_rows("annotations/persistence_cohorts")
    assert len(table) == len(cohorts)
    for cohort, (_, got) in zip(cohorts, table.iterrows(), strict=True):
        r = by_id[cohort["id"]]
        assert (got["Cohort"], got["Measured"]) == (cohort["cohort"], cohort["measured"])
        assert got["Source"] == vocab.study_name(r["source"])
        assert got["Who"] == ("all indications" if r["condition"] == "mixed_all_indications"
                              else r["condition"])
        if r["value"]:
            assert got["Result"].startswith(f"{float(r['value']):g}")


def test_there_is_no_baclofen_patient_data_of_any_kind():
    tables = {p.stem: data.load(f"patients/{p.stem}") for p in sorted(PATIENTS.glob("*.csv"))}
    raw = sum("baclofen" in " ".join(r.values()).lower()
              for p in PATIENTS.glob("*.csv") for r in csv_rows(p))
    assert pp.rows_mentioning(tables, "baclofen") == raw == 0
    gaba = sum("gabapentin" in " ".join(r.values()).lower()
               for p in PATIENTS.glob("*.csv") for r in csv_rows(p))
    assert pp.rows_mentioning(tables, "gabapentin") == gaba > 0


def test_the_survey_tables_say_their_denominator_in_a_visible_caption(ratings):
    """The column headings give only "%": the caption, shown with the table, says of whom."""
    glued = {key: bundle for key, _meta, bundle in glued_outputs(NOTEBOOK)}
    for key, name in (("all_respondents", "pp_npr_table"), ("tried", "pp_hr_table")):
        markup = glued[name]["application/papermill.record/text/html"]
        caption = re.search(r"<caption([^>]*)>(.*?)</caption>", markup, re.S)
        expected = pp.survey_caption(pp.survey_table(pp.survey_ratings(ratings, key)))
        assert caption and html.unescape(caption[2]) == expected, name
        assert "evidence-vh" not in caption[1], f"{name}: the caption must be visible"
        assert 'scope="col"' in markup and "style=" not in markup


def test_bands_add_up_per_trial_when_a_second_gabapentin_trial_is_added():
    """A new trial's placebo arm is its own arm, not added to Arnold 2007's."""
    trials = data.load("trials_binary")
    extra = trials[trials["study"] == "arnold2007"].copy()
    extra["study"] = "another_trial"
    both = pd.concat([trials, extra], ignore_index=True)
    bands = pp.responder_bands(data.load("patients/responder_distributions"), both, "gabapentin")
    per_arm = bands.groupby(["comparison", "arm"], observed=True)["pct"].sum()
    assert len(per_arm) == 4
    assert ((per_arm - 100).abs() <= 1.0).all()
