"""Tests of evidence.analyses (which rows each analysis uses), record_analysis and the charts.

Expected values are computed here by hand from the counts in ``data/trials_binary.csv``,
read with the ``csv`` module rather than through the code under test: the risk ratio is
(a/n1)/(c/n2) with a Wald interval on the log scale, SE = sqrt(1/a - 1/n1 + 1/c - 1/n2)
(Cochrane Handbook 6.4.1.2), and the NNT is 1/RD with the RD's Wald interval
(Altman 1998).
"""

from __future__ import annotations

import json
import math

import altair as alt
import pandas as pd
import pytest
from support import FIXTURES, chart_layers, csv_rows

from evidence import analyses, book, charts, data, meta

Z = 1.959963984540054


def trial_rows(**where: str) -> list[dict]:
    """Rows of data/trials_binary.csv matching every column=value, read independently."""
    return csv_rows("trials_binary", **where)


def has_counts(row: dict) -> bool:
    return all(row[c].strip() for c in analyses.COUNT_COLUMNS)


def hand_rr(a: float, n1: float, c: float, n2: float) -> tuple[float, float, float]:
    rr = (a / n1) / (c / n2)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return rr, rr * math.exp(-Z * se), rr * math.exp(Z * se)


def hand_rd(a: float, n1: float, c: float, n2: float) -> tuple[float, float, float]:
    p1, p2 = a / n1, c / n2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return p1 - p2, p1 - p2 - Z * se, p1 - p2 + Z * se


@pytest.fixture(scope="module")
def trials() -> pd.DataFrame:
    return data.load("trials_binary")


# --------------------------------------------------------------------------- selection


def test_threshold_chooses_the_responder_outcome():
    assert analyses.responder_outcome(30) == "pain_response_30"
    assert analyses.responder_outcome("50") == "pain_response_50"
    with pytest.raises(ValueError, match="30, 50"):
        analyses.responder_outcome(40)


@pytest.mark.parametrize(
    ("text", "doses", "expected"),
    [
        ("450", [450], True),
        ("450", [300], False),
        ("300-450", [450], True),  # a flexible dose covers every dose in its range
        ("300-450", [600], False),
        ("300/450/600 (optimised; EERW)", [600], True),
        ("4500", [], True),  # no filter keeps everything
        (float("nan"), [450], False),
    ],
)
def test_dose_filter(text, doses, expected):
    assert analyses.dose_matches(text, doses) is expected


@pytest.mark.parametrize("outcome", ["ae_dizziness", "ae_somnolence", "withdrawal_ae"])
def test_pregabalin_trial_set_is_every_fibromyalgia_trial_with_counts(trials, outcome):
    rows = csv_rows("trials_binary", drug="pregabalin", condition="fibromyalgia", outcome=outcome,
                    comparator="placebo")
    with_counts = {r["study"] for r in rows if has_counts(r) and "EERW" not in r["dose_mg_day"]}
    without = {r["study"] for r in rows if not has_counts(r)}
    sel = analyses.select(trials, drug="pregabalin", outcome=outcome)
    assert set(sel.studies) == with_counts
    assert set(sel.without_counts["study"]) == without
    assert with_counts, f"no pregabalin fibromyalgia trial with counts for {outcome}"
    # Today: Ohta 2012 only; Crofford 2005 prints percentages only (its row is set aside).
    if "crofford2005" in without:
        assert "Crofford 2005" in sel.describe()


def test_single_trial_is_reported_as_it_is_and_says_so(trials):
    # Ohta 2012 alone, so the test holds whatever other pregabalin trials data/ gains.
    ohta = trials[trials["study"] == "ohta2012"]
    sel = analyses.select(ohta, drug="pregabalin", outcome="ae_dizziness")
    a = analyses.run("pregabalin_fm_dizziness", sel, model="DL")
    (row,) = [r for r in csv_rows("trials_binary", drug="pregabalin", condition="fibromyalgia",
                                  outcome="ae_dizziness")
              if has_counts(r) and r["study"] == "ohta2012"]
    a_, n1, c, n2 = (float(row[k]) for k in analyses.COUNT_COLUMNS)
    rr, lo, hi = hand_rr(a_, n1, c, n2)
    assert a.n_studies == 1 and a.model == analyses.SINGLE_TRIAL
    assert a.pooled is None and a.i2 is None and a.tau2 is None
    assert a.estimate == pytest.approx(rr, rel=1e-12)
    assert (a.ci_low, a.ci_high) == pytest.approx((lo, hi), rel=1e-9)
    assert a.n_participants == n1 + n2
    assert "Only one pregabalin trial" in sel.describe()
    rd, rd_lo, rd_hi = hand_rd(a_, n1, c, n2)
    assert a.nnt["nnt"] == pytest.approx(-1 / rd)  # a harm: negative NNT (NNTH)
    assert sorted([a.nnt["nnt_ci_low"], a.nnt["nnt_ci_high"]]) == pytest.approx(
        sorted([-1 / rd_lo, -1 / rd_hi])
    )


def test_pregabalin_values_by_hand(trials):
    # Ohta 2012, Table 5: dizziness 74/250 vs 15/248, somnolence 116/250 vs 45/248.
    for outcome in ("ae_somnolence", "withdrawal_ae"):
        (row,) = [r for r in csv_rows("trials_binary", drug="pregabalin", condition="fibromyalgia",
                                      outcome=outcome) if has_counts(r)]
        counts = [float(row[k]) for k in analyses.COUNT_COLUMNS]
        a = analyses.run(outcome, analyses.select(trials, drug="pregabalin", outcome=outcome))
        assert (a.estimate, a.ci_low, a.ci_high) == pytest.approx(hand_rr(*counts), rel=1e-9)


def test_sodium_oxybate_dose_arms_share_one_placebo(trials):
    rows = [r for r in csv_rows("trials_binary", drug="sodium_oxybate", condition="fibromyalgia",
                                outcome="pain_response_30") if has_counts(r)]
    assert len(rows) == 2 and len({r["shared_control_id"] for r in rows}) == 1
    events = sum(float(r["events_treatment"]) for r in rows)
    n_drug = sum(float(r["n_treatment"]) for r in rows)
    placebo_events, n_placebo = float(rows[0]["events_control"]), float(rows[0]["n_control"])
    sel = analyses.select(trials, drug="sodium_oxybate", outcome="pain_response_30")
    a = analyses.run("sodium_oxybate_fm_pain30", sel)
    assert len(a.table) == 1  # one comparison: doses combined
    assert a.n_participants == n_drug + n_placebo  # the placebo counted once
    assert a.n_participants < n_drug + 2 * n_placebo
    assert a.counts() == {
        "events_treatment": events, "n_treatment": n_drug,
        "events_control": placebo_events, "n_control": n_placebo,
    }
    assert (a.estimate, a.ci_low, a.ci_high) == pytest.approx(
        hand_rr(events, n_drug, placebo_events, n_placebo), rel=1e-9
    )
    assert "placebo is counted once" in " ".join(a.notes)
    # Russell 2011 prints percentages only: set aside, and said so.
    assert "russell2011" in set(sel.without_counts["study"])


def test_sodium_oxybate_pain50_by_hand(trials):
    rows = [r for r in csv_rows("trials_binary", drug="sodium_oxybate", outcome="pain_response_50")
            if has_counts(r)]
    events = sum(float(r["events_treatment"]) for r in rows)
    n_drug = sum(float(r["n_treatment"]) for r in rows)
    c, n2 = float(rows[0]["events_control"]), float(rows[0]["n_control"])
    a = analyses.run("x", analyses.select(trials, drug="sodium_oxybate",
                                          outcome="pain_response_50"))
    assert (a.estimate, a.ci_low, a.ci_high) == pytest.approx(
        hand_rr(events, n_drug, c, n2), rel=1e-9
    )
    rd = events / n_drug - c / n2
    assert a.nnt["nnt"] == pytest.approx(1 / rd) and a.nnt["kind"] == "benefit"


def test_dose_filter_keeps_one_arm_against_its_placebo(trials):
    (row,) = [r for r in csv_rows("trials_binary", drug="sodium_oxybate",
                                  outcome="pain_response_30", dose_mg_day="4500")
              if has_counts(r)]
    counts = [float(row[k]) for k in analyses.COUNT_COLUMNS]
    sel = analyses.select(trials, drug="sodium_oxybate", outcome="pain_response_30",
                          doses=[4500])
    a = analyses.run("x", sel)
    assert a.n_participants == counts[1] + counts[3]
    assert a.estimate == pytest.approx(hand_rr(*counts)[0])
    assert set(sel.other_doses["dose_mg_day"].astype(str)) == {"6000"}


def test_leave_out_removes_a_study_and_nothing_is_estimated(trials):
    sel = analyses.select(trials[trials["study"] == "ohta2012"], drug="pregabalin",
                          outcome="ae_dizziness",
                          leave_out=["ohta2012"])
    a = analyses.run("x", sel)
    assert a.n_studies == 0 and a.estimate is None and a.result is None
    assert set(sel.left_out["study"]) == {"ohta2012"}
    assert "left out" in sel.describe()


def test_eerw_trials_are_not_pooled_with_parallel_trials():
    rows = pd.DataFrame([
        _row("a2001", 10, 100, 5, 100, dose="450"),
        _row("b2002", 30, 100, 10, 100, dose="300/450/600 (optimised; EERW)"),
    ])
    sel = analyses.select(rows, drug="drugx", outcome="ae_dizziness")
    assert sel.studies == ["a2001"] and list(sel.eerw["study"]) == ["b2002"]


def test_rows_of_one_study_without_a_shared_control_are_refused():
    rows = pd.DataFrame([_row("a2001", 10, 100, 5, 100), _row("a2001", 12, 100, 5, 100)])
    with pytest.raises(ValueError, match="placebo arm twice"):
        analyses.select(rows, drug="drugx", outcome="ae_dizziness")


def _row(study, et, nt, ec, nc, *, dose="100", shared=None, outcome="ae_dizziness"):
    return {
        "study": study, "condition": "fibromyalgia", "drug": "drugx", "dose_mg_day": dose,
        "comparator": "placebo", "outcome": outcome, "events_treatment": et,
        "n_treatment": nt, "events_control": ec, "n_control": nc,
        "shared_control_id": shared, "source": study,
    }


def test_two_or_more_trials_are_pooled_with_the_requested_model():
    rows = pd.DataFrame([
        _row("a2001", 20, 100, 10, 100),
        _row("b2002", 15, 80, 12, 90),
        _row("c2003", 30, 120, 9, 60, dose="150", shared="c_pbo"),
        _row("c2003", 33, 118, 9, 60, dose="300", shared="c_pbo"),
    ])
    sel = analyses.select(rows, drug="drugx", outcome="ae_dizziness")
    for model in ("DL", "fixed", "MH", "PM"):
        a = analyses.run("x", sel, model=model)
        assert a.n_studies == 3 and a.model == model
        assert a.n_participants == 200 + 170 + (120 + 118 + 60)  # placebo of c2003 once
        by_hand = pd.DataFrame({
            "study": ["a2001", "b2002", "c2003"],
            "events_treatment": [20, 15, 63], "n_treatment": [100, 80, 238],
            "events_control": [10, 12, 9], "n_control": [100, 90, 60],
        })
        expected = meta.pool(by_hand, "RR", model)
        assert a.estimate == pytest.approx(expected.estimate, rel=1e-12)
        assert a.i2 == pytest.approx(expected.i2)
        assert a.nnt == meta.pooled_nnt(by_hand, model, desirable=False)
        assert a.pooled_row()["estimate"] == a.estimate
    forest = a.forest_table()
    assert forest["weight"].sum() == pytest.approx(100)
    assert "2 dose arms combined" in forest.set_index("study").loc["c2003", "detail"]
    # Events/total per arm, as the forest plot prints them (c2003's arms combined, its
    # placebo once), and the pooled row's totals.
    by_study = forest.set_index("study")
    for r in by_hand.itertuples():
        assert by_study.loc[r.study, "drug_counts"] == f"{r.events_treatment}/{r.n_treatment}"
        assert by_study.loc[r.study, "control_counts"] == f"{r.events_control}/{r.n_control}"
    pooled = a.pooled_row()
    assert pooled["drug_counts"] == f"{by_hand.events_treatment.sum()}/{by_hand.n_treatment.sum()}"
    chart = charts.forest_plot(forest, pooled, measure="RR", title="t", description="d")
    headings = [panel.title.text for panel in chart.hconcat if panel.title is not alt.Undefined]
    assert headings[:3] == ["Study", "Drug", "Control"]
    assert chart.usermeta["table"][0]["Drug (events/total)"] == "20/100"


def test_nnt_magnitudes_for_the_benefit_harm_chart():
    harm = meta.nnt(12, 75, 7, 75, desirable=False)  # Arnold 2007 withdrawals: not significant
    value, low, high = analyses.nnt_magnitudes(harm, kind="harm")
    rd, rd_lo, _ = hand_rd(12, 75, 7, 75)
    assert value == pytest.approx(1 / rd) and low == pytest.approx(1 / (rd + (rd - rd_lo)))
    assert math.isinf(high)
    assert analyses.nnt_magnitudes(harm, kind="benefit") is None
    benefit = meta.nnt(38, 75, 23, 75, desirable=True)
    value, low, high = analyses.nnt_magnitudes(benefit, kind="benefit")
    rd, rd_lo, rd_hi = hand_rd(38, 75, 23, 75)
    assert (value, low, high) == pytest.approx((1 / rd, 1 / rd_hi, 1 / rd_lo))


# --------------------------------------------------------------------------- the record


def _captured(monkeypatch) -> list:
    shown = []
    monkeypatch.setattr(book, "ipy_display", lambda bundle, **kw: shown.append((bundle, kw)))
    return shown


def test_record_of_a_single_trial(monkeypatch, trials):
    shown = _captured(monkeypatch)
    ohta = trials[trials["study"] == "ohta2012"]
    a = analyses.run("pregabalin_fm_dizziness",
                     analyses.select(ohta, drug="pregabalin", outcome="ae_dizziness"))
    record = book.record_analysis(
        a.analysis_id, a.result, population="adults with fibromyalgia",
        intervention="pregabalin", comparator="placebo", outcome="ae_dizziness",
        measure="RR", model=a.model, sources=["ohta2012"], nnt=a.nnt, studies=a.studies,
        n_participants=a.n_participants,
    )
    assert tuple(k for k in record if k in book.ANALYSIS_FIELDS) == book.ANALYSIS_FIELDS
    assert record["n_studies"] == 1 and record["i2"] is None and record["tau2"] is None
    assert record["studies"] == ["ohta2012"] and record["model"] == "single_trial"
    json.dumps(record, allow_nan=False)
    (bundle, kw), = shown
    meta_ = kw["metadata"]
    assert meta_["scrapbook"]["name"] == "analysis_pregabalin_fm_dizziness"
    assert meta_["scrapbook"]["mime_prefix"] == book.GLUE_PREFIX
    assert meta_[book.LEDGER_KEY]["analysis"] == record
    assert meta_[book.LEDGER_KEY]["value"] is None
    assert all(k.startswith(book.GLUE_PREFIX) for k in bundle)


def test_record_of_a_pool_result(monkeypatch):
    _captured(monkeypatch)
    df = pd.DataFrame({"study": ["a", "b"], "events_treatment": [20, 15],
                       "n_treatment": [100, 80], "events_control": [10, 12],
                       "n_control": [100, 90]})
    res = meta.pool(df, "RR", "DL")
    record = book.record_analysis("x_pool", res, population="p", intervention="i",
                                  comparator="c", outcome="o", measure="RR", model="DL",
                                  sources=["k"])
    assert record["n_participants"] == 370 and record["studies"] == ["a", "b"]
    assert record["tau2"] == res.tau2 and record["i2"] == res.i2
    with pytest.raises(ValueError, match="is a RR"):
        book.record_analysis("x_pool", res, population="p", intervention="i",
                             comparator="c", outcome="o", measure="OR", model="DL",
                             sources=["k"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sources": []}, "sources"),
        ({"sources": "ohta2012"}, "sources"),
        ({"analysis_id": "Bad id"}, "lower-case"),
        ({"studies": None}, "needs `studies`"),
    ],
)
def test_record_refuses_incomplete_input(monkeypatch, kwargs, message):
    _captured(monkeypatch)
    args = {"analysis_id": "ok_id", "sources": ["k"], "studies": ["a"]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        book.record_analysis(
            args["analysis_id"], {"estimate": 1.0, "ci_low": 0.5, "ci_high": 2.0},
            population="p", intervention="i", comparator="c", outcome="o", measure="RR",
            model="single_trial", sources=args["sources"], studies=args["studies"],
            n_participants=10,
        )


# --------------------------------------------------------------------------- charts


def _bcg_pool() -> meta.PoolResult:
    b = pd.read_csv(FIXTURES / "meta" / "bcg.csv")
    df = pd.DataFrame({"study": b.author + " " + b.year.astype(str),
                       "events_treatment": b.tpos, "n_treatment": b.tpos + b.tneg,
                       "events_control": b.cpos, "n_control": b.cpos + b.cneg})
    return meta.pool(df, "RR", "DL")


def test_forest_plot_of_a_pool_result():
    res = _bcg_pool()
    chart = charts.forest_plot(res, measure="RR", title="BCG", description="Forest plot.",
                               favours=("fewer", "more"))
    spec = chart.to_dict()
    assert spec["description"] == "Forest plot."
    layers = chart_layers(spec)
    areas = [p for p in layers if p["mark"]["type"] == "area"]
    assert len(areas) == 1  # one diamond
    diamond = areas[0]["data"]["values"] if "values" in areas[0].get("data", {}) else None
    xs = sorted(v["x"] for v in (diamond or spec["datasets"][areas[0]["data"]["name"]]))
    assert xs == pytest.approx(sorted([res.ci_low, res.estimate, res.ci_high]))
    scales = [p["encoding"]["x"].get("scale", {}) for p in layers if "x" in p.get("encoding", {})
              and isinstance(p["encoding"]["x"], dict) and "field" in p["encoding"]["x"]]
    assert any(s.get("type") == "log" for s in scales)
    null = [p for p in layers if p["mark"]["type"] == "rule" and "strokeDash" in p["mark"]]
    values = null[0]["data"]["values"] if "values" in null[0].get("data", {}) else \
        spec["datasets"][null[0]["data"]["name"]]
    assert values == [{"null": 1.0}]
    table = spec["usermeta"]["table"]
    assert [r["Row"] for r in table][:-1] == list(res.studies["study"])
    assert table[-1]["RR"] == f"{res.estimate:.2f}"
    html = chart._repr_mimebundle_()["text/html"]
    assert "Ferguson &amp; Simes 1949" in html  # the data table shows the studies
    assert chart._repr_mimebundle_() == chart._repr_mimebundle_()


def test_forest_plot_without_pooling_has_no_diamond_and_a_difference_axis_at_zero():
    studies = pd.DataFrame({"study": ["a"], "estimate": [0.1], "ci_low": [-0.05],
                            "ci_high": [0.25]})
    spec = charts.forest_plot({"One trial": (studies, None)}, measure="RD", title="t",
                              description="d").to_dict()
    layers = chart_layers(spec)
    assert not [p for p in layers if p["mark"]["type"] == "area"]
    null = [p for p in layers if p["mark"]["type"] == "rule" and "strokeDash" in p["mark"]][0]
    assert null["data"]["values"] == [{"null": 0.0}]
    assert [r["Row"] for r in spec["usermeta"]["table"]] == ["a"]


def test_benefit_harm_chart_shows_certainty_and_open_intervals():
    options = pd.DataFrame([
        {"option": "A", "nnt": 5.0, "nnt_ci_low": 3.0, "nnt_ci_high": 9.0, "nnh": 15.0,
         "nnh_ci_low": 6.0, "nnh_ci_high": math.inf, "certainty": "very low",
         "basis": "computed here"},
        {"option": "B", "nnt": 9.7, "nnt_ci_low": float("nan"), "nnt_ci_high": float("nan"),
         "nnh": 11.0, "nnh_ci_low": float("nan"), "nnh_ci_high": float("nan"),
         "certainty": "high", "basis": "published review"},
    ])
    chart = charts.benefit_harm(options, title="t", description="Benefit and harm.")
    spec = chart.to_dict()
    points = [p for p in chart_layers(spec) if p["mark"]["type"] == "point"][0]
    assert points["encoding"]["color"]["field"] == "certainty"
    table = {r["Option"]: r for r in spec["usermeta"]["table"]}
    assert table["A"]["NNH (95% CI)"] == "15 (6 to ∞)"  # formatting.nnt: 6.0 reads "6"
    assert table["B"]["NNT (95% CI)"] == "9.7 (CI not available)"
    assert "Benefit and harm." in chart._repr_mimebundle_()["text/plain"]
    with pytest.raises(ValueError, match="certainty"):
        charts.benefit_harm(options.assign(certainty="great"), title="t", description="d")


def test_glue_many_glues_each_value_under_the_prefix_with_the_same_sources(monkeypatch):
    shown = _captured(monkeypatch)
    book.glue_many("x_row", {"est": "1.2", "n": 40}, sources=["a2000"])
    names = [kw["metadata"]["scrapbook"]["name"] for _, kw in shown]
    assert names == ["x_row_est", "x_row_n"]
    assert all(kw["metadata"][book.LEDGER_KEY]["sources"] == ["a2000"] for _, kw in shown)
    with pytest.raises(ValueError, match="sources"):
        book.glue_many("x", {"a": 1}, sources=[])


def test_record_takes_everything_but_the_words_from_the_analysis(monkeypatch, trials):
    _captured(monkeypatch)
    ohta = trials[trials["study"] == "ohta2012"]
    a = analyses.run("pregabalin_fm_dizziness",
                     analyses.select(ohta, drug="pregabalin", outcome="ae_dizziness"))
    record = book.record(a, population="adults with fibromyalgia", intervention="pregabalin")
    assert record["analysis_id"] == "pregabalin_fm_dizziness"
    assert record["outcome"] == "ae_dizziness" and record["comparator"] == "placebo"
    assert record["n_studies"] == 1 and record["studies"] == ["ohta2012"]
    assert record["n_participants"] == a.n_participants


def test_forest_sections_skip_analyses_without_trials_and_say_when_nothing_is_pooled(trials):
    oxybate = [analyses.run(f"so_{o}", analyses.select(trials, drug="sodium_oxybate",
                                                       outcome=o))
               for o in ("pain_response_30", "withdrawal_ae")]
    none = analyses.run("none", analyses.select(trials, drug="sodium_oxybate",
                                                outcome="ae_dizziness", leave_out=["spaeth2012"]))
    assert none.n_studies == 0
    sections = analyses.forest_sections([*oxybate, none])
    assert len(sections) == sum(1 for a in oxybate if a.n_studies)
    for heading, a in zip(sections, [a for a in oxybate if a.n_studies], strict=True):
        assert heading.endswith("1 trial, not pooled" if a.n_studies == 1
                                else f"{a.n_studies} trials")
    text = analyses.forest_text([*oxybate, none])
    assert text.count(";") == len(sections) - 1 and "participants" in text
