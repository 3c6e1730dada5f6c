"""Tests of evidence.comparisons: which row feeds each drug × outcome of the comparisons chapter.

The expectations are an independent reading of the CSVs: the rows are read here with the
``csv`` module, not through the code under test, and the entry each drug × outcome should get
is written out by hand in EXPECTED from reading ``data/published_pooled.csv`` and
``data/trials_binary.csv`` against the rules (published number first, as printed; computed
from counts only where no review printed one; otherwise missing). Computed estimates are
checked against hand formulas: risk ratio (a/n1)/(c/n2), RD and NNT = 1/RD with Wald
intervals (Altman 1998).
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from support import ROOT, chart_layers, csv_rows

from evidence import back_pain, charts, data, placebo
from evidence import comparisons as cmp
from evidence import summary_of_findings as sof

Z = 1.959963984540054
NUMBER_MEASURES = {"RR", "OR", "RD", "NNT", "NNH"}
FM_POPULATIONS = {"fibromyalgia", "fibromyalgia_or_painful_neuropathy"}


PUBLISHED_ROWS = csv_rows("published_pooled")
TRIAL_ROWS = csv_rows("trials_binary")
KINDS = {kind: {r["outcome"] for r in csv_rows("vocabulary/outcomes", kind=kind)}
         for kind in ("benefit", "harm", "loss", "score")}
BY_ID = {r["id"]: r for r in PUBLISHED_ROWS}

# What each drug × outcome should show, read by hand from the CSVs:
# a published row id, ("computed", studies), or "missing".
EXPECTED: dict[tuple[str, str], object] = {
    ("gabapentin", "pain_response_30"): ("computed", ["arnold2007"]),
    ("gabapentin", "pain_response_50"): "missing",
    ("gabapentin", "withdrawal_ae"): ("computed", ["arnold2007"]),
    ("gabapentin", "ae_dizziness"): "missing",
    ("gabapentin", "ae_somnolence"): "missing",
    ("pregabalin", "pain_response_30"): "moore2009_pain_response_30_450_rr",
    ("pregabalin", "pain_response_50"): "derry2016_pain_response_50_450_nnt",
    ("pregabalin", "withdrawal_ae"): "derry2016_withdrawal_ae_450_nnh",
    ("pregabalin", "ae_dizziness"): "derry2016_ae_dizziness_450_rr",
    ("pregabalin", "ae_somnolence"): "derry2016_ae_somnolence_450_rr",
    ("duloxetine", "pain_response_30"): "lian2019_pain_response_30_duloxetine_rr",
    ("duloxetine", "pain_response_50"): "lunn2014_pain_response_50_60_rr_2",
    ("duloxetine", "withdrawal_ae"): "lunn2014_withdrawal_ae_60_rr",
    ("duloxetine", "ae_dizziness"): "missing",
    ("duloxetine", "ae_somnolence"): "missing",
    ("milnacipran", "pain_response_30"): "cording2015_pain_response_30_100_rr",
    ("milnacipran", "pain_response_50"): "cording2015_pain_response_50_100_rr",
    ("milnacipran", "withdrawal_ae"): "cording2015_withdrawal_ae_100_rr",
    ("milnacipran", "ae_dizziness"): "missing",
    ("milnacipran", "ae_somnolence"): "missing",
    ("amitriptyline", "pain_response_30"): "missing",
    ("amitriptyline", "pain_response_50"): "moore2015_pain_response_50_25_50_rr",
    ("amitriptyline", "withdrawal_ae"): "moore2015_withdrawal_ae_25_50_rr",
    ("amitriptyline", "ae_dizziness"): "missing",
    ("amitriptyline", "ae_somnolence"): "missing",
    ("cyclobenzaprine", "pain_response_30"): "missing",
    ("cyclobenzaprine", "pain_response_50"): "missing",
    ("cyclobenzaprine", "withdrawal_ae"): "smith2011derp_withdrawal_ae_cyclobenzaprine_rr",
    ("cyclobenzaprine", "ae_dizziness"): "missing",
    ("cyclobenzaprine", "ae_somnolence"): "missing",
    ("sodium_oxybate", "pain_response_30"): ("computed", ["spaeth2012"]),
    ("sodium_oxybate", "pain_response_50"): ("computed", ["spaeth2012"]),
    ("sodium_oxybate", "withdrawal_ae"): ("computed", ["spaeth2012"]),
    ("sodium_oxybate", "ae_dizziness"): ("computed", ["spaeth2012"]),
    ("sodium_oxybate", "ae_somnolence"): "missing",
    **{("baclofen", o): "missing" for o in cmp.FM_OUTCOMES},
}


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return data.load("published_pooled", as_printed=True)


@pytest.fixture(scope="module")
def trials() -> pd.DataFrame:
    return data.load("trials_binary")


@pytest.fixture(scope="module")
def entries(published, trials):
    return cmp.fm_entries(published, trials)


def prints_a_number(row: dict) -> bool:
    return row["measure"] in NUMBER_MEASURES and any(
        row[c].strip() for c in ("estimate", "nnt", "nnh"))


def candidates(drug: str, outcome: str, dose: str | None) -> list[dict]:
    """Independent reading: published rows that could stand for the drug × outcome."""
    return [
        r for r in PUBLISHED_ROWS
        if r["drug"] == drug and r["outcome"] == outcome and r["condition"] in FM_POPULATIONS
        and prints_a_number(r)
        and (dose is None or r["dose_mg_day"] in ("", dose))
    ]


def trial_rows_with_counts(drug: str, outcome: str) -> list[dict]:
    return [
        r for r in TRIAL_ROWS
        if r["drug"] == drug and r["outcome"] == outcome and r["condition"] == "fibromyalgia"
        and r["comparator"] == "placebo"
        and all(r[c].strip() for c in ("events_treatment", "n_treatment", "events_control",
                                        "n_control"))
    ]


# --------------------------------------------------------------------------- the selection


def test_every_drug_and_outcome_has_exactly_one_entry(entries):
    assert set(entries) == set(EXPECTED)
    assert len(entries) == len(cmp.FM_OPTIONS) * len(cmp.FM_OUTCOMES)


@pytest.mark.parametrize(("drug", "outcome"), list(EXPECTED))
def test_the_entry_is_the_row_read_by_hand(entries, drug, outcome):
    e = entries[(drug, outcome)]
    expected = EXPECTED[(drug, outcome)]
    if expected == "missing":
        assert e.basis == cmp.NO_DATA
        assert e.row is None and e.analysis is None and e.number is None
    elif isinstance(expected, tuple):
        assert e.basis == cmp.COMPUTED and e.row is None
        assert e.analysis.studies == expected[1]
    else:
        assert e.basis == cmp.PUBLISHED and e.analysis is None
        assert e.row_id == expected


@pytest.mark.parametrize(("drug", "outcome"), list(EXPECTED))
def test_rule_order_published_then_computed_then_missing(entries, drug, outcome):
    """Computed only when no review printed a number; missing only when there are no counts."""
    e = entries[(drug, outcome)]
    option = next(o for o in cmp.FM_OPTIONS if o.drug == drug)
    found = candidates(drug, outcome, option.dose)
    counts = trial_rows_with_counts(drug, outcome)
    if found:
        assert e.basis == cmp.PUBLISHED
        assert e.row_id in {r["id"] for r in found}
    elif counts:
        assert e.basis == cmp.COMPUTED
    else:
        assert e.basis == cmp.NO_DATA


def test_fibromyalgia_alone_before_a_mixed_population(entries):
    for (drug, outcome), e in entries.items():
        if e.basis != cmp.PUBLISHED or e.row["condition"] == "fibromyalgia":
            continue
        option = e.option
        assert not [r for r in candidates(drug, outcome, option.dose)
                    if r["condition"] == "fibromyalgia"], (drug, outcome)
        assert "painful neuropathy" in "; ".join(e.notes)


def test_the_current_cochrane_review_comes_before_its_predecessor(entries):
    # Moore 2009 prints a fuller row for pregabalin 450 mg and 50 % relief, but Derry 2016
    # (which supersedes it) ranks first; Moore's row is listed among the other estimates.
    e = entries[("pregabalin", "pain_response_50")]
    assert e.row["review"] == "derry2016"
    assert BY_ID["moore2009_pain_response_50_450_rr"]["nnt"] == "10"


def test_a_row_at_another_dose_is_never_the_entry(entries):
    for e in entries.values():
        if e.basis == cmp.PUBLISHED and e.option.dose is not None:
            assert e.row["dose_mg_day"] in ("", e.option.dose)


def test_every_other_candidate_is_listed_with_why(published, entries):
    others = cmp.other_estimates(published, entries)
    listed = set(others["id"])
    for (drug, outcome), e in entries.items():
        every = [r["id"] for r in PUBLISHED_ROWS
                 if r["drug"] == drug and r["outcome"] == outcome
                 and r["condition"] in FM_POPULATIONS and prints_a_number(r)]
        for row_id in every:
            if row_id == e.row_id:
                assert row_id not in listed
            else:
                assert row_id in listed, (drug, outcome, row_id)
    why = dict(zip(others["id"], others["Why not the entry"], strict=True))
    assert why["moore2009_pain_response_30_150_rr"] == "another dose"
    assert why["straube2010_pain_response_50_450_nnt"].startswith("ranked below")


# --------------------------------------------------------------------------- as printed


def test_published_numbers_keep_the_printed_precision(entries):
    cases = {
        ("pregabalin", "pain_response_50"): ("NNT 9.7 (7.2 to 15)", "not printed"),
        ("pregabalin", "withdrawal_ae"): ("NNH 11 (interval not printed)", "not printed"),
        ("pregabalin", "ae_dizziness"): ("NNH 3.4 (3 to 3.8)", "RR 4.2 (3.4 to 5.2)"),
        ("milnacipran", "pain_response_50"): ("NNT 10 (7.0 to 20)", "RR 1.6 (1.3 to 2.0)"),
        ("amitriptyline", "withdrawal_ae"): ("NNH not printed", "RR 1.03 (0.49 to 2.2)"),
        ("duloxetine", "pain_response_30"): ("NNT not printed", "RR 1.31 (1.19 to 1.44)"),
    }
    for key, (number, ratio) in cases.items():
        e = entries[key]
        r = BY_ID[e.row_id]
        assert (e.number_text, e.ratio_text) == (number, ratio), key
        kind = "nnt" if key[1].startswith("pain") else "nnh"
        assert e.number == (float(r[kind]) if r[kind] else None)


def test_published_status_and_source_come_from_the_row(entries):
    for e in entries.values():
        if e.basis != cmp.PUBLISHED:
            continue
        r = BY_ID[e.row_id]
        assert e.status == r["status"]
        assert e.certainty == (r["grade"] or "not recorded")
        assert set(e.sources) == {r["review"], r["source"]}


# --------------------------------------------------------------------------- computed


def hand(a, n1, c, n2, desirable):
    rr = (a / n1) / (c / n2)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    p1, p2 = a / n1, c / n2
    rd = p1 - p2
    se_rd = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    lo, hi = rd - Z * se_rd, rd + Z * se_rd
    b = rd if desirable else -rd
    return rr, rr * math.exp(-Z * se), rr * math.exp(Z * se), 1 / b, lo, hi


@pytest.mark.parametrize(("drug", "outcome"), [
    k for k, v in EXPECTED.items() if isinstance(v, tuple)])
def test_computed_entries_match_the_counts(entries, drug, outcome):
    rows = trial_rows_with_counts(drug, outcome)
    # Dose arms sharing one placebo: events and participants summed, placebo counted once.
    controls = {r["shared_control_id"] for r in rows}
    assert len(controls) == 1
    a = sum(int(r["events_treatment"]) for r in rows)
    n1 = sum(int(r["n_treatment"]) for r in rows)
    c, n2 = int(rows[0]["events_control"]), int(rows[0]["n_control"])
    e = entries[(drug, outcome)]
    got = e.analysis.counts()
    assert (got["events_treatment"], got["n_treatment"], got["events_control"],
            got["n_control"]) == (a, n1, c, n2)
    rr, rr_lo, rr_hi, number, _, _ = hand(a, n1, c, n2, outcome in KINDS["benefit"])
    assert e.analysis.estimate == pytest.approx(rr)
    assert (e.analysis.ci_low, e.analysis.ci_high) == pytest.approx((rr_lo, rr_hi))
    assert e.number == pytest.approx(abs(number))
    assert f"{a}/{n1} vs {c}/{n2}" in e.notes
    assert e.status == "computed from counts read in the source"


def test_a_nonsignificant_computed_harm_runs_to_infinity(entries):
    e = entries[("gabapentin", "withdrawal_ae")]
    _, _, _, _, lo, hi = hand(12, 75, 7, 75, desirable=False)
    assert lo < 0 < hi
    assert math.isinf(e.number_high)
    assert e.number_text.endswith("not significant") and "∞" in e.number_text


def test_computed_gabapentin_takes_the_grade_cochrane_gave_the_same_trial(entries):
    e = entries[("gabapentin", "pain_response_30")]
    cooper = BY_ID["cooper2017_pain_response_30_1200_2400_not_calculated"]
    assert cooper["measure"] == "not_calculated" and cooper["n_studies"] == "1"
    assert e.certainty == cooper["grade"] == "very low"
    assert e.grade_row_id == cooper["id"]
    # Sodium oxybate has no review, so no rating.
    assert entries[("sodium_oxybate", "pain_response_30")].certainty == "not recorded"


def test_analyses_recorded_elsewhere_exist_in_those_notebooks():
    recorded = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for out in cell.get("outputs", []):
                record = out.get("metadata", {}).get("evidence", {}).get("analysis")
                if record:
                    recorded.setdefault(record["analysis_id"], set()).add(path.name)
    for analysis_id in sof.RECORDED_ELSEWHERE:
        assert recorded.get(analysis_id, set()) - {"05_comparisons.ipynb"}, analysis_id
        assert "05_comparisons.ipynb" not in recorded.get(analysis_id, set()), analysis_id
    assert "05_comparisons.ipynb" in recorded.get("sodium_oxybate_fm_dizziness", set())


# --------------------------------------------------------------------------- missing, shown


def test_missing_entries_are_rows_of_the_table(entries):
    table = cmp.fm_table(entries)
    assert len(table) == len(entries)
    baclofen = table[table["Drug"] == "Baclofen"]
    assert len(baclofen) == len(cmp.FM_OUTCOMES)
    assert (baclofen["Estimate (95% CI)"] == "missing").all()
    assert baclofen["Basis and source"].str.contains("no randomised trial").all()
    for e, (_, row) in zip(entries.values(), table.iterrows(), strict=True):
        if e.basis == cmp.NO_DATA:
            assert row["Estimate (95% CI)"] == "missing"
            assert row["Basis and source"].startswith("no data: ")
        else:
            assert row["Basis and source"].startswith(e.basis + ": ")


def test_missing_reasons_name_what_the_data_say(entries):
    assert "not reported" in entries[("gabapentin", "pain_response_50")].notes[0]
    assert "no data" in entries[("amitriptyline", "pain_response_30")].notes[0]
    assert "global improvement" in entries[("cyclobenzaprine", "pain_response_30")].notes[0]
    # The pack's note on Moore 2015 says so too.
    assert "no data" in BY_ID["moore2015_pain_response_50_25_50_rr"]["note"].lower()


@pytest.mark.parametrize("threshold", [30, 50])
def test_the_chart_keeps_every_option_and_leaves_missing_numbers_empty(entries, threshold):
    benefit = f"pain_response_{threshold}"
    options = cmp.chart_options(entries, benefit=benefit, harm="withdrawal_ae")
    assert list(options["drug"]) == [o.drug for o in cmp.FM_OPTIONS]
    for _, row in options.iterrows():
        b, h = entries[(row["drug"], benefit)], entries[(row["drug"], "withdrawal_ae")]
        assert (pd.isna(row["nnt"])) == (b.number is None)
        assert (pd.isna(row["nnh"])) == (h.number is None)
        bases = {e.basis for e in (b, h) if e.number is not None}
        assert row["basis"] == (bases.pop() if len(bases) == 1 else
                                "mixed" if bases else cmp.NO_DATA)
    bac = options[options["drug"] == "baclofen"].iloc[0]
    assert pd.isna(bac["nnt"]) and pd.isna(bac["nnh"]) and "no randomised trial" in bac["missing"]


def test_the_threshold_changes_which_options_are_placed(entries):
    at30 = cmp.chart_options(entries, benefit="pain_response_30", harm="withdrawal_ae")
    at50 = cmp.chart_options(entries, benefit="pain_response_50", harm="withdrawal_ae")
    nnt30 = dict(zip(at30["drug"], at30["nnt"], strict=True))
    nnt50 = dict(zip(at50["drug"], at50["nnt"], strict=True))
    assert not pd.isna(nnt30["gabapentin"]) and pd.isna(nnt50["gabapentin"])
    assert pd.isna(nnt30["duloxetine"]) and nnt50["duloxetine"] == 8
    assert pd.isna(nnt30["amitriptyline"]) and nnt50["amitriptyline"] == pytest.approx(4.1)


def test_the_gap_chart_shows_strips_and_names_options_with_no_number(entries):
    options = cmp.chart_options(entries, benefit="pain_response_30", harm="withdrawal_ae")
    options["option"] = [o.label for o in cmp.FM_OPTIONS]
    chart = charts.benefit_harm(options, title="t", description="d")
    spec = chart.to_dict()
    table = spec["usermeta"]["table"]
    assert [r["Option"] for r in table] == list(options["option"])
    subtitle = " ".join(spec["title"]["subtitle"])
    for name in ("Amitriptyline", "Cyclobenzaprine", "Baclofen"):
        assert name in subtitle
    drawn = {r["option"]: r for r in next(iter(spec["datasets"].values()))
             if "option" in r}
    assert "Baclofen" not in drawn
    # Duloxetine has only an NNH at 30 %: it sits in the strip left of the NNT axis.
    assert drawn["Duloxetine"]["x"] == pytest.approx(charts._GAP_MID)
    assert drawn["Duloxetine"]["y"] == pytest.approx(18)
    assert drawn["Gabapentin"]["y_open"] is True  # its NNH interval runs to infinity


def test_the_gap_chart_refuses_unknown_categories():
    bad = pd.DataFrame([{"option": "x", "nnt": 5.0, "nnh": 10.0, "certainty": "strong",
                         "basis": "published review", "missing": ""}])
    with pytest.raises(ValueError, match="certainty"):
        charts.benefit_harm(bad, title="t", description="d")
    with pytest.raises(ValueError, match="missing columns"):
        charts.benefit_harm(bad.drop(columns="basis"), title="t", description="d")


def test_the_chart_draws_no_strips_when_every_option_has_both_numbers():
    both = pd.DataFrame([{"option": "x", "nnt": 5.0, "nnh": 10.0, "certainty": "low",
                          "basis": "computed here"}])
    spec = charts.benefit_harm(both, title="t", description="d").to_dict()
    assert not [p for p in chart_layers(spec) if p["mark"]["type"] == "rect"]
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == [1.0, 100.0]
    one = both.assign(nnh=float("nan"))
    spec = charts.benefit_harm(one, title="t", description="d").to_dict()
    assert [p for p in chart_layers(spec) if p["mark"]["type"] == "rect"]
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"][0] < 1


# --------------------------------------------------------------------------- back pain


def test_back_pain_table_is_every_back_pain_row_as_printed(published):
    table = back_pain.back_pain_table(published)
    conditions = {r["condition"] for r in csv_rows("vocabulary/conditions", group="back_pain")}
    expected = [r for r in PUBLISHED_ROWS if r["condition"] in conditions]
    from_data = table[table["id"] != ""]
    assert sorted(from_data["id"]) == sorted(r["id"] for r in expected)
    enke = from_data[from_data["id"] == "enke2018_pain_intensity_short_term_gabapentinoids_md"]
    assert enke["Estimate as printed"].iloc[0].startswith("MD -0.0 (-0.8 to 0.7)")
    assert "certainty: high" in enke["Trials, participants; certainty"].iloc[0]
    missing = table[table["id"] == ""]
    assert list(missing["Drug or class"]) == ["Baclofen", "NSAIDs"]
    assert (missing["Estimate as printed"] == "missing").all()
    # No back-pain row of data/ is about baclofen or NSAIDs by name (so they are missing).
    assert not {r["drug"] for r in expected} & {"baclofen", "nsaids"}


def test_a_class_listed_as_missing_cannot_also_have_back_pain_rows(published):
    """If a review of NSAIDs for back pain is added to data/, the table must not go on
    calling them missing: the annotation has to go."""
    row = published[published["id"] == "enke2018_ae_any_gabapentinoids_nnh"].copy()
    row[["id", "drug"]] = ["someone2030_ae_any_nsaids_rr", "nsaids"]
    with pytest.raises(ValueError, match="nsaids is listed as missing"):
        back_pain.back_pain_table(pd.concat([published, row], ignore_index=True))


def test_back_pain_rows_put_benefits_before_harms_within_a_class(published):
    rows = back_pain.back_pain_rows(published)
    for _, group in rows.groupby("drug", sort=False):
        harms = [o in KINDS["harm"] for o in group["outcome"]]
        assert harms == sorted(harms)


# --------------------------------------------------------------------------- words and helpers


def test_nnt_from_rr_shows_the_placebo_response_at_work():
    assert placebo.nnt_from_rr(1.5, 0.2) == pytest.approx(10.0)
    assert placebo.nnt_from_rr(1.5, 0.4) == pytest.approx(5.0)
    with pytest.raises(ValueError):
        placebo.nnt_from_rr(0.9, 0.2)


# Anticipated absolute effects (GRADE summary of findings; Cochrane Handbook 14.1.5): the risk
# with the drug is the placebo risk times the RR, or p·OR / (1 − p + p·OR) for an OR.
def test_absolute_effect_of_a_risk_ratio_per_1000():
    a = placebo.absolute_effect("RR", 2.0, 1.5, 3.0, 0.1)
    assert (a.placebo, a.drug, a.drug_low, a.drug_high) == pytest.approx((100, 200, 150, 300))
    assert a.texts() == ("100 per 1000", "200 per 1000 (150 to 300)\n100 more (50 to 200 more)")


def test_absolute_effect_of_an_odds_ratio_is_not_the_risk_times_the_ratio():
    # p = 0.5, OR 3: odds 1 -> 3, risk 3/4, not 0.5 × 3 = 1.5.
    a = placebo.absolute_effect("OR", 3.0, 1.0, 9.0, 0.5)
    assert (a.drug, a.drug_low, a.drug_high) == pytest.approx((750, 500, 900))


def test_absolute_effect_whose_interval_crosses_no_effect_says_fewer_and_more():
    a = placebo.absolute_effect("RR", 0.8, 0.5, 1.2, 0.2)
    assert a.texts()[1] == "160 per 1000 (100 to 240)\n40 fewer (100 fewer to 40 more)"
    reduced = placebo.absolute_effect("RR", 0.5, 0.25, 0.75, 0.4)
    assert reduced.texts()[1] == "200 per 1000 (100 to 300)\n200 fewer (100 to 300 fewer)"


def test_a_risk_ratio_cannot_take_the_risk_past_certainty():
    a = placebo.absolute_effect("RR", 2.9, 1.7, 4.9, 0.45)
    assert (a.drug, a.drug_low, a.drug_high) == pytest.approx((1000, 765, 1000))


def test_the_number_needed_and_the_explorer_text():
    a = placebo.absolute_effect("RR", 2.0, 1.5, 3.0, 0.1)  # 100 more (50 to 200 more)
    assert a.number_needed == pytest.approx((10, 5, 20))
    assert a.explorer_text() == ("200 per 1000 (150 to 300)\n100 more (50 to 200 more)\n"
                                 "NNT 10 (5 to 20)")
    fewer = placebo.absolute_effect("RR", 0.5, 0.25, 0.75, 0.4)
    assert fewer.number_needed_text() == "NNH 5 (3.3 to 10)"
    through = placebo.absolute_effect("RR", 1.1, 0.7, 1.9, 0.2)
    assert through.number_needed is None
    assert "includes no difference" in through.number_needed_text()


def test_the_explorer_refuses_a_row_without_a_ratio():
    from evidence import explorers

    with pytest.raises(ValueError, match="only RR and OR"):
        explorers.absolute_effects(
            [{"option": "x", "outcome": "pain", "measure": "MD", "ratio": -7.7, "low": -12.1,
              "high": -3.3}], default_per_1000=100, title="t", description="d")


def test_absolute_effect_refuses_what_it_cannot_mean():
    with pytest.raises(ValueError, match="proportion"):
        placebo.absolute_effect("RR", 2.0, 1.0, 3.0, 11.0)
    with pytest.raises(ValueError, match="risk ratio"):
        placebo.absolute_effect("MD", -1.0, -2.0, 0.0, 0.2)


def test_summary_of_findings_absolute_effects_use_each_entrys_own_placebo_risk(entries):
    # Amitriptyline: Moore 2015 prints 110 per 1000 on placebo and RR 2.9 (1.7 to 4.9).
    ami = placebo.entry_absolute_effect(entries[("amitriptyline", "pain_response_50")])
    assert (ami.placebo, ami.drug, ami.drug_low, ami.drug_high) == pytest.approx(
        (110, 110 * 2.9, 110 * 1.7, 110 * 4.9))
    # Gabapentin, computed: 23/75 on placebo in Arnold 2007.
    e = entries[("gabapentin", "pain_response_30")]
    gbp = placebo.entry_absolute_effect(e)
    assert gbp.placebo == pytest.approx(1000 * 23 / 75)
    assert gbp.drug == pytest.approx(1000 * 23 / 75 * e.analysis.estimate)
    # No ratio printed (Derry 2016's NNT row) and no estimate at all say why.
    derry = placebo.entry_absolute_effect(entries[("pregabalin", "pain_response_50")])
    assert "no risk ratio" in derry
    assert placebo.entry_absolute_effect(entries[("baclofen", "pain_response_50")]) == "no estimate"



@pytest.mark.parametrize(("certainty", "significant", "expected"), [
    ("high", True, "Gabapentin increases the chance of dizziness."),
    ("moderate", True, "Gabapentin probably increases the chance of dizziness."),
    ("low", True, "Gabapentin may increase the chance of dizziness."),
    ("very low", True, "The evidence is very uncertain about the effect of gabapentin on "
                       "dizziness."),
    ("high", False, "Gabapentin makes little or no difference to dizziness."),
    ("not recorded", True, "In the trials behind this estimate, gabapentin increased "
                                    "the chance of dizziness; certainty was not rated in the "
                                    "sources read."),
])
def test_meaning_uses_grade_wording(certainty, significant, expected):
    assert sof.meaning("Gabapentin", "dizziness", certainty, significant,
                       cmp.PUBLISHED) == expected


def test_meaning_of_a_missing_entry_says_so():
    assert sof.meaning("Baclofen", "pain", "", None, cmp.NO_DATA, reason="no trial") == \
        "No estimate: no trial."


def test_row_significance_reads_the_printed_interval():
    assert cmp.row_significant(pd.Series(BY_ID["moore2015_withdrawal_ae_25_50_rr"])) is False
    assert cmp.row_significant(pd.Series(BY_ID["derry2016_ae_dizziness_450_rr"])) is True
    assert cmp.row_significant(
        pd.Series(BY_ID["enke2018_pain_intensity_short_term_gabapentinoids_md"])) is False
    assert cmp.row_significant(pd.Series(BY_ID["derry2016_withdrawal_ae_450_nnh"])) is None
