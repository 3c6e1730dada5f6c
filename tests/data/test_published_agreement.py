"""Our estimates beside the published reviews: equal within rounding, or differing for the
documented reason.

Every row of ``data/published_pooled.csv`` for the same drug, condition and outcome as one
of the book's analyses must have a row in ``data/annotations/published_comparison_reasons.csv``
(that its ids are rows of ``published_pooled`` and its categories known, the validator's
foreign key and enum say); each row's category is a claim about the data, checked here:

* *agrees within rounding*: our estimate and CI, rounded as the review printed them, are
  the review's;
* *not calculated by the review*: the review printed no relative effect, for the same
  trial and participants as ours, from the counts we use;
* *different trial set*: the review pooled other trials (or other doses) than the one(s)
  with arm counts in ``data/``;
* *different measure*: the review printed only an NNT/NNH, not the ratio we estimate.
"""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal

import pandas as pd
import pytest

from evidence import DATA, agreement, analyses, data

OUR_ANALYSES = [
    # analysis id, drug, outcome
    ("gabapentin_fm_pain30", "gabapentin", "pain_response_30"),
    ("gabapentin_fm_withdrawal_ae", "gabapentin", "withdrawal_ae"),
    ("pregabalin_fm_dizziness", "pregabalin", "ae_dizziness"),
    ("pregabalin_fm_somnolence", "pregabalin", "ae_somnolence"),
    ("pregabalin_fm_withdrawal_ae", "pregabalin", "withdrawal_ae"),
    ("sodium_oxybate_fm_pain30", "sodium_oxybate", "pain_response_30"),
    ("sodium_oxybate_fm_pain50", "sodium_oxybate", "pain_response_50"),
    ("sodium_oxybate_fm_withdrawal_ae", "sodium_oxybate", "withdrawal_ae"),
]


def annotation(name: str) -> list[dict[str, str]]:
    with (DATA / "annotations" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def trials() -> pd.DataFrame:
    return data.load("trials_binary")


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return data.load("published_pooled")


@pytest.fixture(scope="module")
def printed() -> pd.DataFrame:
    return data.load("published_pooled", as_printed=True)


@pytest.fixture(scope="module")
def ours(trials) -> dict[str, analyses.Analysis]:
    return {
        analysis_id: analyses.run(analysis_id, analyses.select(trials, drug=drug, outcome=outcome))
        for analysis_id, drug, outcome in OUR_ANALYSES
    }


def within_rounding(value: float, printed_text: str) -> bool:
    """Does ``value`` round to the printed number, at the printed precision?"""
    decimals = -Decimal(printed_text).as_tuple().exponent
    return abs(value - float(printed_text)) <= 0.5 * 10.0**-decimals + 1e-9


@pytest.fixture(scope="module")
def comparisons(ours, published, printed) -> pd.DataFrame:
    frames = [agreement.compare(a, published, printed=printed)
              for a in ours.values()]
    return pd.concat([f for f in frames if len(f)], ignore_index=True)


def test_every_documented_reason_is_used(comparisons, trials, published, printed):
    """published_comparison raises on a matching row without a reason; and no reason is
    stale: each one is met by the fibromyalgia analyses here or the back-pain one (Kolber)."""
    back_pain = analyses.run("gabapentin_clbp_withdrawal_ae", analyses.select(
        trials, drug="gabapentin", condition="chronic_low_back_pain", outcome="withdrawal_ae"))
    used = set(comparisons["published_id"]) | set(
        agreement.compare(back_pain, published, printed=printed)["published_id"])
    documented = {r["id"] for r in annotation("published_comparison_reasons")}
    assert used == documented


def test_a_matching_row_without_a_documented_reason_stops_the_comparison(ours, published):
    reasons = agreement.documented_reasons()
    dropped = "derry2016_ae_dizziness_450_rr"
    del reasons[dropped]
    with pytest.raises(ValueError, match=dropped):
        agreement.compare(ours["pregabalin_fm_dizziness"], published,
                                      reasons=reasons)


def test_the_categories_of_the_package_are_the_engines():
    """The enum the validator enforces is the vocabulary the comparison tables use."""
    (resource,) = [r for r in json.loads((DATA / "datapackage.json").read_text())["resources"]
                   if r["path"] == "annotations/published_comparison_reasons.csv"]
    (relation,) = [f for f in resource["schema"]["fields"] if f["name"] == "relation"]
    assert relation["constraints"]["enum"] == list(agreement.CATEGORIES)


def test_not_calculated_rows_are_the_same_trial_and_counts(comparisons, ours, published):
    rows = comparisons[comparisons["relation"] == agreement.NOT_CALCULATED]
    assert set(rows["analysis_id"]) == {"gabapentin_fm_pain30", "gabapentin_fm_withdrawal_ae"}
    for r in rows.itertuples():
        pub = published.set_index("id").loc[r.published_id]
        a = ours[r.analysis_id]
        assert pub["measure"] == "not_calculated" and pd.isna(pub["estimate"])
        assert pub["n_studies"] == a.n_studies == 1
        assert pub["n_participants"] == a.n_participants
        # The review's note quotes the arm counts; they are the counts we used.
        m = re.search(r"(\d+)/(\d+) vs (\d+)/(\d+)", pub["note"])
        c = a.counts()
        assert tuple(map(int, m.groups())) == (
            c["events_treatment"], c["n_treatment"], c["events_control"], c["n_control"]
        )
        assert a.estimate is not None  # ours exists where the review gave none


def test_different_trial_set_rows_pool_other_trials_or_doses(comparisons, ours, published,
                                                             trials):
    rows = comparisons[comparisons["relation"] == agreement.DIFFERENT_TRIALS]
    assert len(rows), "expected the Derry 2016 dose rows"
    for r in rows.itertuples():
        pub = published.set_index("id").loc[r.published_id]
        a = ours[r.analysis_id]
        assert a.studies == ["ohta2012"], "the documented reason names Ohta 2012 alone"
        # Ours is a flexible-dose range; theirs a fixed dose or all doses combined.
        (dose,) = set(a.selection.rows["dose_mg_day"])
        assert re.fullmatch(r"\d+-\d+", dose)
        assert pd.isna(pub["dose_mg_day"]) or re.fullmatch(r"\d+", str(pub["dose_mg_day"]))
        assert (pub["n_studies"], pub["n_participants"]) != (a.n_studies, a.n_participants)
        if str(pub["dose_mg_day"]) == "150":
            # A single other trial (Crofford 2005), without arm counts in data/.
            assert pub["n_studies"] == 1
            crofford = trials[(trials["study"] == "crofford2005")
                              & (trials["outcome"] == a.selection.outcome)]
            assert len(crofford) and crofford[list(analyses.COUNT_COLUMNS)].isna().any(
                axis=1).all()
        else:
            assert pub["n_studies"] > a.n_studies


def test_different_measure_rows_print_no_ratio(comparisons, published):
    rows = comparisons[comparisons["relation"] == agreement.DIFFERENT_MEASURE]
    assert set(rows["published_id"]) == {
        "derry2016_withdrawal_ae_450_nnh", "tzellos2010_withdrawal_ae_600_nnh"
    }
    table = published.set_index("id")
    derry = table.loc["derry2016_withdrawal_ae_450_nnh"]
    # The estimate column holds the NNH itself: no ratio was printed.
    assert derry["measure"] == "NNH" and derry["estimate"] == derry["nnh"]
    assert pd.isna(derry["nnh_ci_low"]) and pd.isna(derry["n_studies"])  # no CI, no k
    assert derry["status"] == "secondary"  # read in the AAFP summary
    tzellos = table.loc["tzellos2010_withdrawal_ae_600_nnh"]
    assert tzellos["measure"] == "NNH" and tzellos["estimate"] == tzellos["nnh"]
    assert tzellos["n_studies"] == 3
    assert pd.notna(tzellos["nnh_ci_low"]) and pd.isna(tzellos["nnh_ci_high"])
    assert float(tzellos["dose_mg_day"]) > 450  # above Ohta 2012's flexible range


def test_derry_adverse_events_agree_in_both_tables(published):
    """published_pooled.csv and pharmacology/..._cochrane2016.csv hold the same Derry rows."""
    by_dose = data.load("pharmacology/pregabalin_fm_adverse_events_cochrane2016")
    names = {"ae_dizziness": "dizziness", "ae_somnolence": "somnolence",
             "ae_weight_gain": "weight gain", "ae_peripheral_oedema": "peripheral oedema",
             "ae_any": "any adverse event", "ae_serious": "serious adverse event"}
    derry = published[(published["review"] == "derry2016") & (published["measure"] == "RR")]
    checked = 0
    for r in derry.itertuples():
        dose = float(r.dose_mg_day) if pd.notna(r.dose_mg_day) else None
        match = by_dose[(by_dose["outcome"] == names[r.outcome]) & (
            by_dose["daily_dose_mg"].isna() if dose is None else by_dose["daily_dose_mg"] == dose
        )]
        assert len(match) == 1, r.id
        m = match.iloc[0]
        assert (m.rr, m.rr_ci_low, m.rr_ci_high, m.n_studies, m.n_participants,
                m.pct_pregabalin, m.pct_placebo) == (
            r.estimate, r.ci_low, r.ci_high, r.n_studies, r.n_participants,
            r.rate_treatment, r.rate_control), r.id
        checked += 1
    assert checked == len(by_dose)


def test_our_intervals_overlap_derry_at_the_doses_ohta_covers(comparisons):
    """Not a claim of agreement (different trials), but a consistency check."""
    rows = comparisons[(comparisons["review"] == "derry2016")
                       & comparisons["published_dose"].isin(["300", "450", "all"])
                       & (comparisons["relation"] == agreement.DIFFERENT_TRIALS)]
    assert len(rows) == 6
    assert rows["ci_overlap"].all()


def test_no_published_pooled_estimate_for_sodium_oxybate(published):
    """The evidence pack found no meta-analysis; if one is added, compare it here."""
    assert not len(published[published["drug"] == "sodium_oxybate"])


def test_a_single_trial_published_risk_ratio_is_reproduced_within_rounding(
    trials, published, printed
):
    """Kolber 2021's withdrawal RR is one trial (Atkinson 2016, gabapentin, chronic low
    back pain: 7/55 vs 5/53); our engine reproduces its printed RR and CI."""
    sel = analyses.select(trials, drug="gabapentin", condition="chronic_low_back_pain",
                          outcome="withdrawal_ae")
    a = analyses.run("gabapentin_lbp_withdrawal_ae", sel)
    pub = printed.set_index("id").loc["kolber2021_withdrawal_ae_anticonvulsants_rr"]
    assert a.studies == ["atkinson2016"] and int(pub["n_participants"]) == a.n_participants
    assert within_rounding(a.estimate, pub["estimate"])
    assert within_rounding(a.ci_low, pub["ci_low"])
    assert within_rounding(a.ci_high, pub["ci_high"])


def test_comparison_tables_show_every_published_row_and_reason(comparisons, ours):
    view, reasons = agreement.compare_tables(comparisons, ours)
    assert len(view) == len(comparisons)
    assert set(reasons["why"]) == set(comparisons["why"])
    applies = ", ".join(reasons["applies_to"]).split(", ")
    assert sorted(applies) == sorted(comparisons["published_id"])
