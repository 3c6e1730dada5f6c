"""evidence.safety: selection, wording and the computations behind the safety sections."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evidence import safety


def test_facts_filter_by_drug_and_order_by_topic_vocabulary():
    rows = safety.facts(["baclofen"])
    assert set(rows["drug"]) == {"baclofen"}
    order = [r["topic"] for r in safety.vocab.rows(safety.TOPICS)]
    ranks = [order.index(t) for t in rows["topic"]]
    assert ranks == sorted(ranks)


def test_unknown_drug_is_refused():
    with pytest.raises(LookupError, match="no safety facts"):
        safety.facts(["not_a_drug"])


def test_number_refuses_an_empty_cell():
    with pytest.raises(ValueError, match="has no value_num"):
        safety.number("bac_beers_egfr")  # a threshold: only value_high is filled


@pytest.mark.parametrize("row, text", [
    ({"value_num": 1.49, "value_low": 1.18, "value_high": 1.88, "unit": "odds ratio",
      "qualifier": "95% CI"}, "1.49 odds ratio (95 % CI 1.18 to 1.88)"),
    ({"value_high": 60.0, "unit": "mL/min", "qualifier": "<"}, "below 60 mL/min"),
    ({"value_num": 20.0, "unit": "%", "qualifier": "~"}, "about 20 %"),
    ({"value_low": 10.0, "value_high": 75.0, "unit": "mg/day"}, "10 to 75 mg/day"),
    ({}, ""),
])
def test_number_text(row, text):
    full = {c: float("nan") for c in ("value_num", "value_low", "value_high")}
    full.update({"unit": float("nan"), "qualifier": float("nan")}, **row)
    assert safety.number_text(pd.Series(full)) == text


@pytest.mark.parametrize("crcl, band", [(90, ">60"), (60, ">60"), (45, "30-60"), (30, "30-60"),
                                        (20, "15-30"), (15, "15-30"), (10, "<15")])
def test_pregabalin_band(crcl, band):
    assert safety.pregabalin_band(crcl)["crcl_ml_min_label"] == band


def test_counts_effect_matches_a_hand_calculation():
    effect = safety.counts_effect("bac_ckd_high_dose_events", "bac_ckd_high_dose_n",
                                  "bac_ckd_low_dose_events", "bac_ckd_low_dose_n", "RR")
    a, n1, c, n2 = (safety.number(i) for i in ("bac_ckd_high_dose_events", "bac_ckd_high_dose_n",
                                               "bac_ckd_low_dose_events", "bac_ckd_low_dose_n"))
    assert math.isclose(effect["estimate"], (a / n1) / (c / n2))
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    assert math.isclose(effect["ci_low"], (a / n1) / (c / n2) * math.exp(-1.959963984540054 * se))
    assert effect["sources"] == ["muanda2019"]
    assert math.isclose(safety.per_1000("bac_ckd_high_dose_events", "bac_ckd_high_dose_n"),
                        1000 * a / n1)


def test_subgroup_row():
    ids = ["bac_ckd_rd_egfr_lt30", "bac_ckd_rd_egfr_30_44", "bac_ckd_rd_egfr_45_59"]
    assert safety.subgroup_row(ids, 29)["fact_id"] == "bac_ckd_rd_egfr_lt30"
    assert safety.subgroup_row(ids, 30)["fact_id"] == "bac_ckd_rd_egfr_30_44"
    assert safety.subgroup_row(ids, 59)["fact_id"] == "bac_ckd_rd_egfr_45_59"
    with pytest.raises(LookupError):
        safety.subgroup_row(ids, 75)
    with pytest.raises(ValueError, match="expected e.g."):
        safety.subgroup_row(["gbp_opioid_death_or_high_dose"], 40)  # population not a subgroup


def test_drug_frame_by_drug_keeps_the_requested_order():
    frame = safety.drug_frame(["milnacipran", "duloxetine"], by_drug=True)
    drugs = list(dict.fromkeys(frame[safety.DRUG]))
    assert drugs == ["Milnacipran", "Duloxetine"]
    assert not frame[safety.SOURCE].str.contains("_").any()  # every source has a reader's name


def test_every_number_of_every_fact_is_pasteable_under_its_fact_id():
    pasted = safety.pasteable_numbers()
    keys = [k for k, _, _ in pasted]
    assert len(keys) == len(set(keys))
    by_key = {k: (v, row) for k, v, row in pasted}
    rows = safety.facts()
    expected = {f"sf_{r.fact_id}{suffix}"
                for r in rows.itertuples()
                for column, suffix in (("value_num", ""), ("value_low", "_low"),
                                       ("value_high", "_high"))
                if str(getattr(r, column)).strip() not in ("", "nan", "None")}
    assert set(keys) == expected
    value, row = by_key["sf_bac_ckd_rr_low"]
    assert value == pytest.approx(float(row["value_low"])) and row["fact_id"] == "bac_ckd_rr"
    # Whole numbers come as ints (a chapter pastes them with :d), others as floats.
    assert all(isinstance(v, int) == float(v).is_integer() for v, _ in by_key.values())
