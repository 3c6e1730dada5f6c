"""Tests of evidence.meta against published results.

Expected values are copied from the sources named next to them, never from the code
under test. The main sources:

[MF-UNI]  R metafor's test file comparing rma() with Stata's metan on dat.bcg:
          github.com/wviechtb/metafor, tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r
          (read at commit 0e54b316e8c58fe0f0ab5890017193728a305ad1).
[MF-MH]   The same for rma.mh(): tests/testthat/test_misc_metan_vs_rma.mh_with_dat.bcg.r
          (commit 191d2cb2232543df06887643c4483996cc9b614f).
[MF-IT]   tests/testthat/test_misc_rma_uni.r (commit 191d2cb2232543df06887643c4483996cc9b614f):
          rma(method="DLIT") and "SJIT" on dat.bcg log RRs give tau² = 0.3181.
[MF-DK]   tests/testthat/test_analysis_example_dersimonian2007.r
          (commit 0d037744fd8f50f54537adece968394c911b6073): CLASP trials,
          DerSimonian & Kacker (2007) Contemp Clin Trials 28:105, Tables 3-4.
[MF-N99]  tests/testthat/test_analysis_example_normand1999.r (commit 0d037744...
          as above): Normand (1999) Stat Med 18:321, Table IX p. 352.
[MF-VH]   https://metafor-project.org/doku.php/analyses:vanhouwelingen2002 — per-trial
          log ORs (yi) and variances (vi) of the BCG trials.

Data fixtures (tests/fixtures/meta/):
  bcg.csv          dat.bcg = dat.colditz1994, from the R data package's source,
                   github.com/wviechtb/metadat  # codespell:ignore metadat
                   data-raw/dat.colditz1994.txt (commit
                   fc2ccb77e580d8d7d961a0de65846123b455e261); identical to the
                   table on the [MF-VH] page and to jasp-stats/jasp-data-library
                   "BCG Vaccine/BCG Vaccine.csv".
  clasp.csv        the CLASP 2x2 counts as typed in [MF-DK].
  normand1999.csv  same repository and commit, data-raw/dat.normand1999.txt.
  lipsey2001.csv   Lipsey & Wilson (2001) Practical Meta-Analysis, chapter 7: effect
                   sizes (yi), variances (vi) and moderators as typed in R metafor's
                   tests/testthat/test_analysis_example_lipsey2001.r (commit
                   0d037744fd8f50f54537adece968394c911b6073); see [LW01] in
                   test_meta_methods.py.
  zhang2015_her2_os.csv  HER2 and overall survival in endometrial cancer, the 14
                   studies of Zhang et al. (2015) World J Surg Oncol 13:208 as
                   tabulated (hazard ratio and 95% CI) in the metamisc vignette
                   "Meta-analysis of prognostic factors",
                   github.com/smartdata-analysis-and-statistics/metamisc
                   vignettes/ma-pf.knit.md (commit
                   f1b4df8bb0bc510d9d0b92dd755d060224c0d555); see [MM-PF] there.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from support import FIXTURES

from evidence import meta

FIX = FIXTURES / "meta"
DEC3 = 5e-4  # "match to 3 decimals"


def binary_trials(*rows: tuple, **extra: list) -> pd.DataFrame:
    """Trials as (study, events_treatment, n_treatment, events_control, n_control) rows, with
    any extra columns (e.g. shared_control_id) given as lists."""
    df = pd.DataFrame(list(rows), columns=list(meta.BINARY_COLUMNS))
    for column, values in extra.items():
        df[column] = values
    return df


def bcg() -> pd.DataFrame:
    """dat.bcg in the engine's column names (n = positives + negatives)."""
    b = pd.read_csv(FIX / "bcg.csv")
    return pd.DataFrame(
        {
            "study": b["author"] + " " + b["year"].astype(str),
            "events_treatment": b["tpos"],
            "n_treatment": b["tpos"] + b["tneg"],
            "events_control": b["cpos"],
            "n_control": b["cpos"] + b["cneg"],
        }
    )


def clasp() -> pd.DataFrame:
    c = pd.read_csv(FIX / "clasp.csv")
    return pd.DataFrame(
        {
            "study": c["study"].astype(str),
            "events_treatment": c["ai"],
            "n_treatment": c["n1i"],
            "events_control": c["ci"],
            "n_control": c["n2i"],
        }
    )


def normand() -> pd.DataFrame:
    """dat.normand1999 with the pooled SD in both arms, as in [MF-N99] and the paper."""
    d = pd.read_csv(FIX / "normand1999.csv")
    sdp = np.sqrt(((d.n1i - 1) * d.sd1i**2 + (d.n2i - 1) * d.sd2i**2) / (d.n1i + d.n2i - 2))
    return pd.DataFrame(
        {
            "study": d["source"],
            "mean_treatment": d["m1i"],
            "sd_treatment": sdp,
            "n_treatment": d["n1i"],
            "mean_control": d["m2i"],
            "sd_control": sdp,
            "n_control": d["n2i"],
        }
    )


# ----------------------------------------------------------------- BCG: inverse variance


def test_bcg_rr_fixed_matches_metafor():
    # [MF-UNI] "FE model, measure='RR'": beta -0.4303, ci -0.5097..-0.3509,
    # zval -10.6247, QE 152.2330; predict(transf=exp): 0.6503 (0.6007, 0.7040).
    r = meta.pool(bcg(), "RR", "fixed")
    assert r.log_estimate == pytest.approx(-0.4303, abs=DEC3)
    assert math.log(r.ci_low) == pytest.approx(-0.5097, abs=DEC3)
    assert math.log(r.ci_high) == pytest.approx(-0.3509, abs=DEC3)
    assert r.se == pytest.approx(-0.4303 / -10.6247, abs=DEC3)  # se = beta / zval = 0.0405
    assert r.z == pytest.approx(-10.6247, abs=1e-2)
    assert r.q == pytest.approx(152.2330, abs=DEC3)
    assert r.q_df == 12
    assert (r.estimate, r.ci_low, r.ci_high) == pytest.approx((0.6503, 0.6007, 0.7040), abs=DEC3)
    assert r.tau2 is None and r.pi_low is None and r.pi_high is None
    assert r.n_studies == 13


def test_bcg_rr_dl_matches_metafor():
    # [MF-UNI] "RE model w/ DL estimator, measure='RR'": beta -0.7141, ci -1.0644..-0.3638,
    # zval -3.9952, tau2 0.3088, I2 92.1173; predict(transf=exp): 0.4896 (0.3449, 0.6950).
    r = meta.pool(bcg(), "RR", "DL")
    assert r.log_estimate == pytest.approx(-0.7141, abs=DEC3)
    assert r.se == pytest.approx(-0.7141 / -3.9952, abs=DEC3)  # = 0.1787
    assert math.log(r.ci_low) == pytest.approx(-1.0644, abs=DEC3)
    assert math.log(r.ci_high) == pytest.approx(-0.3638, abs=DEC3)
    assert r.tau2 == pytest.approx(0.3088, abs=DEC3)
    assert r.i2 == pytest.approx(92.1173, abs=DEC3)
    assert (r.estimate, r.ci_low, r.ci_high) == pytest.approx((0.4896, 0.3449, 0.6950), abs=DEC3)
    # Q does not depend on the tau² estimator: the FE value of [MF-UNI].
    assert r.q == pytest.approx(152.2330, abs=DEC3)


def test_bcg_rr_prediction_interval_follows_higgins_2009():
    # Higgins, Thompson & Spiegelhalter (2009) / Cochrane Handbook 10.10.4.3:
    # mu ± t_{k-2} sqrt(tau² + SE²), here with mu, SE (= beta/zval) and tau² of [MF-UNI].
    mu, se, tau2 = -0.7141, -0.7141 / -3.9952, 0.3088
    half = stats.t.ppf(0.975, 13 - 2) * math.sqrt(tau2 + se**2)
    r = meta.pool(bcg(), "RR", "DL")
    assert math.log(r.pi_low) == pytest.approx(mu - half, abs=2e-3)
    assert math.log(r.pi_high) == pytest.approx(mu + half, abs=2e-3)
    assert r.pi_low < r.ci_low < r.estimate < r.ci_high < r.pi_high


@pytest.mark.parametrize(
    ("measure", "model", "beta", "lb", "ub", "q", "tau2", "i2"),
    [
        # [MF-UNI] "FE model, measure='OR'" and "RE model w/ DL estimator, measure='OR'"
        ("OR", "fixed", -0.4361, -0.5190, -0.3533, 163.1649, None, None),
        ("OR", "DL", -0.7474, -1.1242, -0.3706, 163.1649, 0.3663, 92.6455),
        # [MF-UNI] "FE model, measure='RD'" and "RE model w/ DL estimator, measure='RD'"
        ("RD", "fixed", -0.0009, -0.0014, -0.0005, 276.4737, None, None),
        ("RD", "DL", -0.0071, -0.0101, -0.0040, 276.4737, 0.0000, 95.6596),
    ],
)
def test_bcg_or_rd_match_metafor(measure, model, beta, lb, ub, q, tau2, i2):
    r = meta.pool(bcg(), measure, model)
    to_log = math.log if measure == "OR" else (lambda x: x)
    assert r.log_estimate == pytest.approx(beta, abs=DEC3)
    assert to_log(r.ci_low) == pytest.approx(lb, abs=DEC3)
    assert to_log(r.ci_high) == pytest.approx(ub, abs=DEC3)
    assert r.q == pytest.approx(q, abs=DEC3)
    if tau2 is not None:
        assert r.tau2 == pytest.approx(tau2, abs=DEC3)
        assert r.i2 == pytest.approx(i2, abs=DEC3)


# ----------------------------------------------------------------- Mantel–Haenszel


@pytest.mark.parametrize(
    ("measure", "beta", "lb", "ub", "q", "natural"),
    [
        # [MF-MH] "EE model, measure='RR'": -0.4537 (-0.5308, -0.3766), QE 152.5676,
        # predict(transf=exp) 0.6353 (0.5881, 0.6862)
        ("RR", -0.4537, -0.5308, -0.3766, 152.5676, (0.6353, 0.5881, 0.6862)),
        # [MF-MH] "EE model, measure='OR'": -0.4734 (-0.5538, -0.3930), QE 163.9426,
        # predict(transf=exp) 0.6229 (0.5748, 0.6750)
        ("OR", -0.4734, -0.5538, -0.3930, 163.9426, (0.6229, 0.5748, 0.6750)),
        # [MF-MH] "EE model, measure='RD'": -0.0033 (-0.0039, -0.0027), QE 386.7759
        # (metafor's Sato-Greenland-Robins SE, not metan's Greenland-Robins one)
        ("RD", -0.0033, -0.0039, -0.0027, 386.7759, None),
    ],
)
def test_bcg_mantel_haenszel_matches_metafor(measure, beta, lb, ub, q, natural):
    r = meta.pool(bcg(), measure, "MH")
    to_log = math.log if measure in ("RR", "OR") else (lambda x: x)
    assert r.log_estimate == pytest.approx(beta, abs=DEC3)
    assert to_log(r.ci_low) == pytest.approx(lb, abs=DEC3)
    assert to_log(r.ci_high) == pytest.approx(ub, abs=DEC3)
    assert r.q == pytest.approx(q, abs=DEC3)
    if natural:
        assert (r.estimate, r.ci_low, r.ci_high) == pytest.approx(natural, abs=DEC3)
    assert r.tau2 is None
    assert r.studies["weight"].sum() == pytest.approx(100)


def test_mh_rejects_continuous_measure():
    with pytest.raises(ValueError, match="Mantel"):
        meta.pool(normand(), "MD", "MH")


# ----------------------------------------------------------------- Paule–Mandel


def test_clasp_paule_mandel_and_dl_match_dersimonian_kacker_2007():
    # [MF-DK], "compare with results on page 111-112 (Tables 3 and 4)":
    # PM: tau 0.3681, mu -0.3811, se 0.2060;  DL: tau 0.2323, mu -0.3240, se 0.1540.
    pm = meta.pool(clasp(), "OR", "PM")
    assert math.sqrt(pm.tau2) == pytest.approx(0.3681, abs=DEC3)
    assert pm.log_estimate == pytest.approx(-0.3811, abs=DEC3)
    assert pm.se == pytest.approx(0.2060, abs=DEC3)
    dl = meta.pool(clasp(), "OR", "DL")
    assert math.sqrt(dl.tau2) == pytest.approx(0.2323, abs=DEC3)
    assert dl.log_estimate == pytest.approx(-0.3240, abs=DEC3)
    assert dl.se == pytest.approx(0.1540, abs=DEC3)


def test_bcg_paule_mandel_tau2():
    # [MF-IT]: the iterated DL estimator gives tau² = 0.3181 for the BCG log RRs. Its fixed
    # point solves sum w_i (y_i - mu_w)² = k - 1 with w_i = 1/(v_i + tau²), which is the
    # Paule-Mandel equation (DerSimonian & Kacker 2007), so PM must give the same tau².
    r = meta.pool(bcg(), "RR", "PM")
    assert r.tau2 == pytest.approx(0.3181, abs=DEC3)
    # and it solves that equation, checked here with the textbook escalc formulas
    b = bcg()
    a, n1, c, n2 = (b[k].to_numpy(float) for k in b.columns[1:])
    y = np.log(a / n1) - np.log(c / n2)
    v = 1 / a - 1 / n1 + 1 / c - 1 / n2
    w = 1 / (v + r.tau2)
    mu = np.sum(w * y) / np.sum(w)
    assert np.sum(w * (y - mu) ** 2) == pytest.approx(13 - 1, abs=1e-6)
    assert r.log_estimate == pytest.approx(mu, abs=1e-9)


def test_bcg_without_trial_5_paule_mandel_is_not_reset_to_zero():
    # Issue 20, held against R metafor 3.8-1, rma(yi, vi, method="PM") on dat.bcg log RRs
    # without trial 5 (Frimodt-Moller 1973): tau² 0.329, RR 0.466 (0.320 to 0.678).
    # statsmodels' iterative fit returned tau² 0 here (RR 0.65, the fixed-effect result):
    # rounding left tau² at about -4e-15, which its negativity check reset to 0.
    b = bcg().drop(index=4)
    assert "Frimodt-Moller et al 1973" not in set(b["study"])
    r = meta.pool(b, "RR", "PM")
    assert r.tau2 == pytest.approx(0.329, abs=DEC3)
    assert (r.estimate, r.ci_low, r.ci_high) == pytest.approx((0.466, 0.320, 0.678), abs=DEC3)


def _solves_pm_equation(y, v, tau2, k) -> bool:
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return bool(np.isclose(np.sum(w * (y - mu) ** 2), k - 1, rtol=1e-9))


@pytest.mark.parametrize(("data", "measures"), [
    (bcg, ("RR", "OR", "RD")), (clasp, ("RR", "OR", "RD")), (normand, ("MD", "SMD"))])
def test_leave_one_out_paule_mandel_on_public_data_solves_its_equation(data, measures):
    # Of these 81 leave-one-out analyses, the statsmodels fit returned tau² = 0 with
    # Q > k - 1 in 10 (e.g. BCG OR without Aronson 1948, CLASP RR without trial 3).
    df = data()
    for measure in measures:
        for i in range(len(df)):
            part = df.drop(index=i)
            r = meta.pool(part, measure, "PM")
            y, v = meta.effect_sizes(part, measure)
            if r.q > r.q_df:
                assert r.tau2 > 0 and _solves_pm_equation(y, v, r.tau2, len(y)), (measure, i)
            else:
                assert r.tau2 == 0


def _random_binary_tables(n: int, seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        k = int(rng.integers(2, 15))
        nt, nc = rng.integers(20, 3000, k), rng.integers(20, 3000, k)
        base = rng.uniform(0.02, 0.6, k)
        shift = rng.normal(0, rng.uniform(0, 1.2), k)
        pt = 1 / (1 + np.exp(-(np.log(base / (1 - base)) + shift)))
        yield pd.DataFrame({
            "study": [f"s{i}" for i in range(k)],
            "events_treatment": rng.binomial(nt, pt), "n_treatment": nt,
            "events_control": rng.binomial(nc, base), "n_control": nc,
        })


def test_paule_mandel_solves_its_equation_on_400_random_meta_analyses():
    # Paule & Mandel (1982), DerSimonian & Kacker (2007): tau² is 0 when Cochran's Q <= k-1,
    # and otherwise the root of sum w_i (y_i - mu_w)² = k - 1, w_i = 1/(v_i + tau²).
    positive = 0
    for df in _random_binary_tables(400, seed=20):
        for measure in ("RR", "OR"):
            try:
                r = meta.pool(df, measure, "PM")
            except ValueError:
                continue  # fewer than 2 trials with a defined ratio
            y, v = meta.effect_sizes(df.loc[df["study"].isin(r.studies["study"])], measure)
            k = len(y)
            if r.q > k - 1:
                assert r.tau2 > 0, (measure, df.to_dict("list"))
                assert _solves_pm_equation(y, v, r.tau2, k)
                w = 1 / (v + r.tau2)
                assert r.log_estimate == pytest.approx(np.sum(w * y) / np.sum(w), rel=1e-9)
                positive += 1
            else:
                assert r.tau2 == 0
    assert positive > 300  # the property was tested, not skipped


# ----------------------------------------------------------------- continuous outcomes


def test_normand_mean_difference_matches_published():
    # [MF-N99], Normand (1999) Table IX: FE -3.49 (-5.03, -1.96);
    # DL -14.10 (-24.45, -3.75), tau² 218.72.
    fe = meta.pool(normand(), "MD", "fixed")
    assert (fe.estimate, fe.ci_low, fe.ci_high) == pytest.approx((-3.49, -5.03, -1.96), abs=5e-3)
    dl = meta.pool(normand(), "MD", "DL")
    assert (dl.estimate, dl.ci_low, dl.ci_high) == pytest.approx((-14.10, -24.45, -3.75), abs=5e-3)
    assert dl.tau2 == pytest.approx(218.72, abs=5e-3)


def test_smd_is_hedges_g_with_the_handbook_variance():
    # Cochrane Handbook 6.5.1.2 (RevMan): g = (1 - 3/(4N - 9)) (m1 - m2) / s_pooled,
    # var = N/(n1 n2) + g² / (2 (N - 3.94)), written out here from the Handbook.
    df = pd.DataFrame(
        {
            "study": ["a", "b"],
            "mean_treatment": [10.0, 4.0],
            "sd_treatment": [2.0, 3.0],
            "n_treatment": [20, 30],
            "mean_control": [8.0, 5.0],
            "sd_control": [2.0, 2.0],
            "n_control": [20, 25],
        }
    )
    y, v = meta.effect_sizes(df, "SMD")
    n1, n2 = 30, 25
    s = math.sqrt(((n1 - 1) * 9 + (n2 - 1) * 4) / (n1 + n2 - 2))
    g = (1 - 3 / (4 * 55 - 9)) * (4 - 5) / s
    assert y[1] == pytest.approx(g, rel=1e-12)
    assert v[1] == pytest.approx(55 / (n1 * n2) + g**2 / (2 * (55 - 3.94)), rel=1e-12)
    assert y[0] == pytest.approx((1 - 3 / 151) * 1.0, rel=1e-12)


# ----------------------------------------------------------------- single-trial effects


@pytest.mark.parametrize(
    ("row", "yi", "vi"),
    [
        # [MF-VH] escalc(measure="OR") on the BCG trials: Aronson -0.9387 / 0.3571,
        # Hart & Sutherland -1.4564 / 0.0203,  # codespell:ignore hart
        # Stein & Aronson -0.9581 / 0.0099.
        (0, -0.9387, 0.3571),
        (3, -1.4564, 0.0203),
        (5, -0.9581, 0.0099),
    ],
)
def test_binary_effect_log_or_matches_metafor_escalc(row, yi, vi):
    t = bcg().iloc[row]
    out = meta.binary_effect(
        t.events_treatment, t.n_treatment, t.events_control, t.n_control, measure="OR"
    )
    assert set(out) >= {"estimate", "ci_low", "ci_high", "se", "measure"}
    assert out["measure"] == "OR"
    assert math.log(out["estimate"]) == pytest.approx(yi, abs=DEC3)
    assert out["se"] ** 2 == pytest.approx(vi, abs=DEC3)
    z = stats.norm.ppf(0.975)
    assert out["ci_low"] == pytest.approx(math.exp(yi - z * math.sqrt(vi)), rel=2e-3)
    assert out["ci_high"] == pytest.approx(math.exp(yi + z * math.sqrt(vi)), rel=2e-3)


def test_binary_effect_rr_and_rd_by_hand():
    # 30/100 vs 20/100: RR 1.5, SE(log RR)² = 1/30 - 1/100 + 1/20 - 1/100 (Handbook 6.4.1.2);
    # RD 0.1, var = .3*.7/100 + .2*.8/100.
    rr = meta.binary_effect(30, 100, 20, 100, measure="RR")
    assert rr["estimate"] == pytest.approx(1.5)
    assert rr["se"] == pytest.approx(math.sqrt(1 / 30 - 1 / 100 + 1 / 20 - 1 / 100))
    rd = meta.binary_effect(30, 100, 20, 100, measure="RD", alpha=0.10)
    se = math.sqrt(0.3 * 0.7 / 100 + 0.2 * 0.8 / 100)
    assert rd["estimate"] == pytest.approx(0.1)
    assert rd["se"] == pytest.approx(se)
    assert rd["ci_low"] == pytest.approx(0.1 - stats.norm.ppf(0.95) * se)


# ----------------------------------------------------------------- zero cells


def test_zero_cell_gets_half_added_to_that_study_only():
    # Handbook 10.4.4.1: 0.5 added to each cell of a study with a zero cell.
    z = meta.binary_effect(0, 10, 4, 10, measure="RR")
    assert z["corrected"] is True
    assert math.log(z["estimate"]) == pytest.approx(math.log((0.5 / 11) / (4.5 / 11)))
    assert z["se"] ** 2 == pytest.approx(1 / 0.5 - 1 / 11 + 1 / 4.5 - 1 / 11)
    df = binary_trials(("zero", 0, 10, 4, 10), ("plain", 3, 10, 3, 10), ("other", 6, 20, 9, 20))
    r = meta.pool(df, "RR", "fixed")
    studies = r.studies.set_index("study")
    # the study without zeros is untouched: RR exactly 1 with var 2*(1/3 - 1/10)
    assert studies.loc["plain", "estimate"] == pytest.approx(1.0)
    z95 = stats.norm.ppf(0.975)
    se_plain = math.sqrt(2 * (1 / 3 - 1 / 10))
    assert studies.loc["plain", "ci_high"] == pytest.approx(math.exp(z95 * se_plain))
    assert studies.loc["zero", "estimate"] == pytest.approx(1 / 9)
    assert any("0.5" in n and "zero" in n for n in r.notes)


def test_double_zero_trial_is_excluded_from_ratios_but_kept_for_rd():
    df = bcg()
    df.loc[len(df)] = ["No events 2000", 0, 50, 0, 50]
    for measure in ("RR", "OR"):
        for model in ("fixed", "MH", "DL", "PM"):
            r = meta.pool(df, measure, model)
            assert r.excluded == ["No events 2000"]
            assert r.n_studies == 13
            assert "No events 2000" not in set(r.studies["study"])
    # the ratio results are those of the 13 BCG trials ([MF-UNI] DL: -0.7141)
    assert meta.pool(df, "RR", "DL").log_estimate == pytest.approx(-0.7141, abs=DEC3)
    rd = meta.pool(df, "RD", "DL")
    assert rd.excluded == [] and rd.n_studies == 14
    assert "No events 2000" in set(rd.studies["study"])
    single = meta.binary_effect(0, 50, 0, 50, measure="RR")
    assert math.isnan(single["estimate"]) and "not estimable" in single["note"]


# ----------------------------------------------------------------- NNT


def test_nnt_rd_point_two_is_five():
    out = meta.nnt(30, 100, 10, 100, desirable=True)
    assert out["rd"] == pytest.approx(0.2)
    assert out["nnt"] == pytest.approx(5)
    assert out["kind"] == "benefit" and out["significant"] is True
    assert out["label"].startswith("NNTB 5 (")
    # CI bounds are the reciprocals of the RD bounds
    assert out["nnt_ci_low"] == pytest.approx(1 / out["rd_ci_high"])
    assert out["nnt_ci_high"] == pytest.approx(1 / out["rd_ci_low"])


def test_nnt_direction_depends_on_whether_events_are_wanted():
    # Same numbers, but the events are adverse events: 10 more per 50 treated is harm.
    harm = meta.nnt(30, 100, 10, 100, desirable=False)
    assert harm["kind"] == "harm" and harm["nnt"] == pytest.approx(-5)
    assert harm["label"].startswith("NNTH 5 (")
    # fewer adverse events on treatment is a benefit
    fewer = meta.nnt(10, 100, 30, 100, desirable=False)
    assert fewer["kind"] == "benefit" and fewer["label"].startswith("NNTB 5 (")


def test_nnt_label_formats():
    # The reporting styles of Altman (1998) BMJ 317:1309.
    assert meta.nnt_from_rd(1 / 6.5, 1 / 33, 1 / 3.6)["label"] == "NNTB 6.5 (3.6 to 33)"
    harm = meta.nnt_from_rd(-1 / 11, -1 / 5, -1 / 20)
    assert harm["label"] == "NNTH 11 (5 to 20)" and harm["kind"] == "harm"
    ns = meta.nnt_from_rd(0.1, -0.05, 0.2)
    assert ns["significant"] is False
    assert ns["label"] == "NNTB 10 (NNTH 20 to ∞ to NNTB 5) — not significant"
    assert ns["nnt_ci_low"] == pytest.approx(5) and ns["nnt_ci_high"] == pytest.approx(-20)
    ns_harm = meta.nnt_from_rd(-0.05, -0.2, 0.1)
    assert ns_harm["kind"] == "harm"
    assert ns_harm["label"] == "NNTH 20 (NNTH 5 to ∞ to NNTB 10) — not significant"


def test_pooled_nnt_uses_pooled_rd():
    # BCG: TB is undesirable; [MF-UNI] DL RD -0.0071 (-0.0101, -0.0040) is a benefit.
    out = meta.pooled_nnt(bcg(), "DL", desirable=False)
    assert out["kind"] == "benefit" and out["significant"]
    assert out["nnt"] == pytest.approx(1 / 0.0071, rel=0.01)
    assert out["nnt_ci_low"] == pytest.approx(1 / 0.0101, rel=0.02)
    assert out["nnt_ci_high"] == pytest.approx(1 / 0.0040, rel=0.02)


# ----------------------------------------------------------------- multi-arm trials

MULTIARM = binary_trials(
    ("Trial A 1200 mg", 12, 40, 8, 50),
    ("Trial A 2400 mg", 16, 40, 8, 50),
    ("Trial B", 20, 60, 12, 60),
    shared_control_id=["A-placebo", "A-placebo", ""],
)


def test_shared_placebo_is_counted_once():
    # Participants: A 40 + 40 + 50 placebo, B 60 + 60 = 250 (not 300).
    r = meta.pool(MULTIARM, "RR", "fixed")
    assert r.n_participants == 250
    assert r.n_studies == 2
    combined = r.studies.iloc[0]
    assert combined["study"] == "Trial A 1200 mg + Trial A 2400 mg"
    assert combined["estimate"] == pytest.approx((28 / 80) / (8 / 50))
    split = meta.pool(meta.prepare_multiarm(MULTIARM, "split"), "RR", "fixed")
    assert split.n_participants == 250
    assert split.n_studies == 3


def test_split_and_combine_helpers():
    out = meta.prepare_multiarm(MULTIARM, "split")
    assert "shared_control_id" not in out.columns
    assert out["n_control"].tolist() == [25, 25, 60]
    assert out["events_control"].tolist() == [4, 4, 12]
    assert meta.split_shared_control(50, 2, events=8) == {"n": 25, "events": 4}
    assert meta.combine_arms([40, 40], events=[12, 16]) == {"n": 80, "events": 28}
    # preparing twice does nothing more
    once = meta.prepare_multiarm(MULTIARM, "combine")
    assert meta.prepare_multiarm(once, "combine").equals(once)


def test_combine_arms_continuous_equals_raw_data():
    # The Handbook formula (Table 6.5.a) must reproduce the mean and SD of the pooled raw
    # observations exactly.
    rng = np.random.default_rng(1)
    arms = [rng.normal(loc, 3, size) for loc, size in ((10, 17), (13, 25), (7, 9))]
    out = meta.combine_arms(
        [len(a) for a in arms], mean=[a.mean() for a in arms], sd=[a.std(ddof=1) for a in arms]
    )
    everything = np.concatenate(arms)
    assert out["n"] == len(everything)
    assert out["mean"] == pytest.approx(everything.mean(), rel=1e-12)
    assert out["sd"] == pytest.approx(everything.std(ddof=1), rel=1e-12)


def test_inconsistent_shared_control_is_an_error():
    bad = MULTIARM.copy()
    bad.loc[1, "n_control"] = 49
    problems = meta.validate(bad, "RR")
    assert [(p.row, p.column) for p in problems] == [(1, "n_control")]
    with pytest.raises(ValueError, match="A-placebo"):
        meta.prepare_multiarm(bad, "combine")


# ----------------------------------------------------------------- validation and API


def test_validate_reports_every_problem():
    df = pd.DataFrame(
        {
            "study": ["a", "", "c"],
            "events_treatment": ["5", "12", "x"],
            "n_treatment": ["10", "10", "0"],
            "events_control": ["3", "-1", "2"],
            "n_control": ["10", "10", "2.5"],
        }
    )
    got = {(p.row, p.column) for p in meta.validate(df, "RR")}
    assert got == {
        (1, "study"),
        (1, "events_treatment"),
        (1, "events_control"),
        (2, "events_treatment"),
        (2, "n_treatment"),
        (2, "n_control"),
    }
    with pytest.raises(ValueError, match="invalid input"):
        meta.pool(df, "RR", "DL")


def test_pool_needs_two_studies_and_known_names():
    with pytest.raises(ValueError, match="at least 2"):
        meta.pool(bcg().head(1), "RR", "DL")
    with pytest.raises(ValueError, match="unknown measure"):
        meta.pool(bcg(), "HR", "DL")
    with pytest.raises(ValueError, match="unknown model"):
        meta.pool(bcg(), "RR", "EB")


def test_prediction_interval_needs_three_studies():
    r = meta.pool(bcg().head(2), "RR", "DL")
    assert r.pi_low is None and r.pi_high is None
    assert any("3 studies" in n for n in r.notes)


def test_to_dict_is_plain_json():
    import json

    d = meta.pool(bcg(), "RR", "DL").to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert back["n_participants"] == int(bcg()[["n_treatment", "n_control"]].to_numpy().sum())
    assert len(back["studies"]) == 13
    assert {"study", "estimate", "ci_low", "ci_high", "weight"} <= set(back["studies"][0])


def test_negative_dl_tau2_is_truncated():
    # Identical trials: Q = 0 < df, so the DL moment estimate is negative; tau² must be 0
    # and the random-effects result equal the fixed-effect one.
    df = binary_trials(*[(s, 10, 50, 20, 50) for s in "abc"])
    dl, fe = meta.pool(df, "RR", "DL"), meta.pool(df, "RR", "fixed")
    assert dl.tau2 == 0 and dl.i2 == 0
    assert dl.estimate == pytest.approx(fe.estimate) and dl.ci_low == pytest.approx(fe.ci_low)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 200), st.integers(1, 200), st.floats(0, 1), st.floats(0, 1)),
        min_size=2,
        max_size=8,
    ),
    st.sampled_from(["RR", "OR", "RD"]),
    st.sampled_from(list(meta.MODELS)),
)
def test_weights_sum_to_100_and_ci_contains_estimate(arms, measure, model):
    df = pd.DataFrame(
        [
            (f"s{i}", round(pt * nt), nt, round(pc * nc), nc)
            for i, (nt, nc, pt, pc) in enumerate(arms)
        ],
        columns=list(meta.BINARY_COLUMNS),
    )
    try:
        r = meta.pool(df, measure, model)
    except ValueError as exc:  # too few trials left, MH with no events, Peto for RR/RD
        assert any(m in str(exc) for m in ("at least 2", "not estimable", "odds ratios (OR)",
                                           "nothing to pool"))
        return
    assert r.studies["weight"].sum() == pytest.approx(100)
    assert r.ci_low <= r.estimate <= r.ci_high
    assert 0 <= r.i2 <= 100
    assert r.n_studies + len(r.excluded) == len(df)


def test_mh_risk_difference_without_any_discordant_events_is_not_estimable():
    # Found by hypothesis: no events in any arm gives RD 0 with variance 0 (Sato's
    # formula), which used to end in a division by zero instead of a clear message.
    df = binary_trials(("a", 0, 1, 0, 1), ("b", 0, 1, 0, 1))
    # Now stopped earlier, for every model: nobody had the event in any trial.
    with pytest.raises(ValueError, match="nothing to pool"):
        meta.pool(df, "RD", "MH")


def test_nnt_label_when_an_rd_bound_is_exactly_zero():
    # Altman (1998): the NNT interval is the reciprocal of the RD interval; a bound of
    # exactly 0 is an infinite NNT on that side only (it used to read "NNTH ∞ to ∞ to NNTB 5").
    benefit = meta.nnt_from_rd(0.1, 0.0, 0.2)
    assert benefit["label"] == "NNTB 10 (NNTB 5 to ∞) — not significant"
    harm = meta.nnt_from_rd(-0.1, -0.2, 0.0)
    assert harm["label"] == "NNTH 10 (NNTH 5 to ∞) — not significant"
    assert "∞ to ∞" not in meta.nnt_from_rd(0.0, 0.0, 0.0)["label"]


def test_duplicate_study_names_are_an_input_problem_unless_one_trial_shares_a_control():
    df = bcg().head(3)
    df.loc[2, "study"] = df.loc[0, "study"].upper()
    problems = meta.validate(df, "RR")
    assert [(p.row, p.column, p.other) for p in problems] == [(2, "study", 0)]
    shared = MULTIARM.assign(study=["Trial A", "Trial A", "Trial B"])
    assert meta.validate(shared, "RR") == []


def test_split_with_an_odd_shared_control_is_validated_before_the_split():
    odd = MULTIARM.assign(n_control=[49, 49, 60])
    r = meta.pool(odd, "RR", "fixed", multiarm="split")
    assert r.n_participants == 40 + 40 + 49 + 60 + 60
    assert r.studies.iloc[0]["estimate"] == pytest.approx((12 / 40) / (4 / 24.5))
