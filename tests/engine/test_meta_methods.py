"""The estimators and diagnostics beyond DerSimonian–Laird, each against a published value
(the random-effects subgroup test, with a tau² in each subgroup, against the Handbook formula:
no published example in that convention was found).

Sources (expected values are copied from them, never from the code under test):

[V05]     Viechtbauer (2005) J Educ Behav Stat 30:261, pages 271-272, as encoded in R
          metafor's tests/testthat/test_analysis_example_viechtbauer2005.r (commit
          0d037744fd8f50f54537adece968394c911b6073): tau² by HE, DL, ML, REML, EB and SJ
          for two example data sets (EB, the empirical Bayes estimator, is the
          Paule–Mandel estimator; DerSimonian & Kacker 2007).
[MF-RM]   metafor's README.md (github.com/wviechtb/metafor, as stored): dat.bcg log RRs,
          rma(yi, vi, test="knha"): REML tau² 0.3132, estimate -0.7145, se 0.1808,
          t -3.9522 on 12 df, p 0.0019, CI -1.1084 to -0.3206.
[MF-CI]   metafor tests/testthat/test_misc_confint.r (commit 11d8ab0d...): DL on dat.bcg
          log RRs, tau² 0.3088 (0.1197, 1.1115), I² 92.1173 (81.9177, 97.6781).
[MF-PETO] metafor tests/testthat/test_misc_metan_vs_rma.peto_with_dat.bcg.r (commit
          191d2cb2...): -0.4744 (-0.5541, -0.3948), z -11.6689, QE 167.7302,
          exp: 0.6222 (0.5746, 0.6738).
[MF-INF]  metafor tests/testthat/test_misc_influence.r (commit 191d2cb2...): influence()
          and leave1out() of REML on dat.bcg log RRs, first trial (Aronson 1948), and
          leave1out() of rma.mh and rma.peto.
[MF-CUM]  metafor tests/testthat/test_misc_cumul.r (commit 140bd37e...): cumul() by
          publication year of REML, rma.mh and rma.peto on dat.bcg.
[LW01]    Lipsey & Wilson (2001) Practical Meta-Analysis, Exhibit 7.4 (p. 138), the
          fixed-effect analog to the ANOVA, as encoded in metafor's
          tests/testthat/test_analysis_example_lipsey2001.r (commit 0d037744...):
          random = 0: 0.2984 (se 0.0813, 0.1390 to 0.4578), Q within 6.4382
          (p 0.2659); random = 1: -0.0277 (se 0.0917, -0.2075 to 0.1521), Q within
          1.2519 (p 0.7406); Q between 7.0739 on 1 df (p 0.0078); Q within in all
          7.6901. (The chapter prints 7.0738, 6.4383 and 7.6902.)
[MM-PF]   metamisc vignette "Meta-analysis of prognostic factors" (T. Debray;
          github.com/smartdata-analysis-and-statistics/metamisc, vignettes/ma-pf.knit.md,
          commit f1b4df8bb0bc510d9d0b92dd755d060224c0d555): log HRs of the 14 HER2 / overall
          survival studies, SE = log(upper/lower)/(2 qnorm(0.975)); metafor
          regtest(model="lm", predictor="sei"), the classical Egger test: t = 2.1622,
          df = 12, p = 0.0515, limit estimate (as sei -> 0) b = 0.2590; metamisc fat()
          fixed-effect summary 0.5193; rma(method="REML"): tau² 0.0883, Q 28.9214.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from engine.test_meta import DEC3, FIX, bcg, clasp

from evidence import meta, meta_diag, meta_tau2

V05_1 = (
    [-0.581, 0.530, 0.771, 1.031, 0.553, 0.295, 0.078, 0.573, -0.176, -0.232],
    [0.023, 0.052, 0.060, 0.115, 0.095, 0.203, 0.200, 0.211, 0.051, 0.040],
    {"HE": 0.148, "DL": 0.277, "ML": 0.197, "REML": 0.223, "PM": 0.192, "SJ": 0.199},
)
V05_2 = (
    [0.100, -0.162, -0.090, -0.049, -0.046, -0.010, -0.431, -0.261, 0.134, 0.019, 0.175,
     0.056, 0.045, 0.103, 0.121, -0.482, 0.290, 0.342],
    [0.016, 0.015, 0.050, 0.050, 0.032, 0.052, 0.036, 0.024, 0.034, 0.033, 0.031, 0.034,
     0.039, 0.167, 0.134, 0.096, 0.016, 0.035],
    {"HE": 0.000, "DL": 0.013, "ML": 0.013, "REML": 0.016, "PM": 0.010, "SJ": 0.025},
)


@pytest.mark.parametrize("example", [V05_1, V05_2], ids=["example 1", "example 2"])
def test_tau2_estimators_match_viechtbauer_2005(example):
    y, v, expected = example
    got = {m: round(meta_tau2.estimate(np.array(y), np.array(v), m), 3) for m in expected}
    assert got == expected


def test_bcg_reml_with_hksj_matches_metafor_readme():
    r = meta.pool(bcg(), "RR", "REML", hksj=True)
    assert r.tau2 == pytest.approx(0.3132, abs=DEC3)
    assert r.i2 == pytest.approx(92.22, abs=5e-3)  # "I^2 ... 92.22%"
    assert r.log_estimate == pytest.approx(-0.7145, abs=DEC3)
    assert r.se == pytest.approx(0.1808, abs=DEC3)
    assert r.z == pytest.approx(-3.9522, abs=DEC3)
    assert r.p == pytest.approx(0.0019, abs=5e-5)
    assert math.log(r.ci_low) == pytest.approx(-1.1084, abs=DEC3)
    assert math.log(r.ci_high) == pytest.approx(-0.3206, abs=DEC3)
    assert r.hksj and any("Hartung" in n for n in r.notes)
    # without HKSJ the same tau² and estimate with a normal-theory interval
    plain = meta.pool(bcg(), "RR", "REML")
    assert plain.log_estimate == pytest.approx(r.log_estimate) and plain.se < r.se


def test_hksj_is_refused_for_fixed_effect_models():
    with pytest.raises(ValueError, match="random-effects"):
        meta.pool(bcg(), "RR", "fixed", hksj=True)


def test_bcg_q_profile_intervals_match_metafor_confint():
    r = meta.pool(bcg(), "RR", "DL")
    assert (r.tau2, r.tau2_ci_low, r.tau2_ci_high) == pytest.approx((0.3088, 0.1197, 1.1115),
                                                                     abs=DEC3)
    # metafor finds the bound with uniroot() at its default tolerance, so its lower I²
    # bound (81.9177) is about 3e-3 from the exact root of the Q-profile equation.
    assert (r.i2, r.i2_ci_low, r.i2_ci_high) == pytest.approx((92.1173, 81.9177, 97.6781),
                                                              abs=5e-3)


def test_q_profile_bounds_solve_the_chi_squared_equations():
    # Viechtbauer (2007): Q(tau²_low) = chi²_{0.975, k-1}, Q(tau²_high) = chi²_{0.025, k-1}.
    from scipy import stats

    y, v = meta.effect_sizes(clasp(), "OR")
    low, high = meta_tau2.q_profile_ci(y, v)
    k = len(y)
    for bound, quantile in ((low, 0.975), (high, 0.025)):
        if bound > 0:
            assert meta_tau2.generalised_q(y, v, bound) == pytest.approx(
                stats.chi2.ppf(quantile, k - 1), rel=1e-9)


def test_bcg_peto_odds_ratio_matches_metafor():
    r = meta.pool(bcg(), "OR", "Peto")
    assert r.log_estimate == pytest.approx(-0.4744, abs=DEC3)
    assert math.log(r.ci_low) == pytest.approx(-0.5541, abs=DEC3)
    assert math.log(r.ci_high) == pytest.approx(-0.3948, abs=DEC3)
    assert r.z == pytest.approx(-11.6689, abs=1e-3)
    assert r.q == pytest.approx(167.7302, abs=DEC3)
    assert (r.estimate, r.ci_low, r.ci_high) == pytest.approx((0.6222, 0.5746, 0.6738), abs=DEC3)
    assert r.tau2 is None and r.studies["weight"].sum() == pytest.approx(100)


def test_peto_is_for_odds_ratios_only():
    with pytest.raises(ValueError, match="Peto"):
        meta.pool(bcg(), "RR", "Peto")
    assert any(p.column == "--model" for p in meta.validate(bcg(), "RD", "Peto"))


def test_bcg_leave_one_out_matches_metafor():
    loo = meta_diag.leave_one_out(bcg(), "RR", "REML").set_index("omitted")
    first = loo.loc["Aronson 1948"]
    # [MF-INF] leave1out(rma): estimate -0.707084, se 0.189961, ci -1.079401..-0.334767,
    # Q 151.582573, tau² 0.336157, I² 93.225935 (from tau², as for every random-effects
    # model but DL, where it equals (Q - df)/Q).
    assert first["log_estimate"] == pytest.approx(-0.707084, abs=1e-5)
    assert first["se"] == pytest.approx(0.189961, abs=1e-5)
    assert math.log(first["ci_low"]) == pytest.approx(-1.079401, abs=1e-5)
    assert math.log(first["ci_high"]) == pytest.approx(-0.334767, abs=1e-5)
    assert first["q"] == pytest.approx(151.582573, abs=1e-5)
    assert first["tau2"] == pytest.approx(0.336157, abs=1e-5)
    assert first["i2"] == pytest.approx(93.225935, abs=1e-4)
    assert len(loo) == 13
    mh = meta_diag.leave_one_out(bcg(), "RR", "MH").iloc[0]
    # [MF-INF] leave1out(rma.mh): -0.451379 (se 0.039435), Q 151.915261, I² 92.759121
    assert (mh["log_estimate"], mh["se"]) == pytest.approx((-0.451379, 0.039435), abs=1e-5)
    assert (mh["q"], mh["i2"]) == pytest.approx((151.915261, 92.759121), abs=1e-5)
    peto = meta_diag.leave_one_out(bcg(), "OR", "Peto").iloc[0]
    # [MF-INF] leave1out(rma.peto): -0.472177 (se 0.040778), Q 167.200451, I² 93.421070
    assert (peto["log_estimate"], peto["se"]) == pytest.approx((-0.472177, 0.040778), abs=1e-5)
    assert (peto["q"], peto["i2"]) == pytest.approx((167.200451, 93.421070), abs=1e-5)


def test_bcg_influence_matches_metafor():
    # [MF-INF] influence(rma(yi, vi)) for Aronson 1948: rstudent -0.218142, dffits -0.040708,
    # cook.d 0.001717, cov.r 1.116449, tau2.del 0.336157, QE.del 151.582573, hat 0.050595,
    # dfbetas -0.040266.
    inf = meta_diag.influence(bcg(), "RR", "REML").iloc[0]
    expected = {"rstudent": -0.218142, "dffits": -0.040708, "cook_d": 0.001717,
                "cov_r": 1.116449, "tau2_del": 0.336157, "q_del": 151.582573,
                "hat": 0.050595, "dfbetas": -0.040266}
    assert {k: inf[k] for k in expected} == pytest.approx(expected, abs=1e-5)


def _bcg_with_year() -> pd.DataFrame:
    return bcg().assign(year=pd.read_csv(FIX / "bcg.csv")["year"])


@pytest.mark.parametrize(("measure", "model", "expected"), [
    ("RR", "REML", [-0.889311, -1.325003, -0.97208, -1.001094, -1.101424, -0.973464, -0.901251,
                    -0.788566, -0.865607, -0.785211, -0.708206, -0.794768, -0.714532]),
    ("RR", "MH", [-0.889311, -1.351739, -0.827295, -0.837892, -0.894003, -0.850672, -0.835785,
                  -0.774442, -0.789605, -0.666015, -0.635076, -0.775798, -0.45371]),
    ("OR", "Peto", [-0.860383, -1.240086, -0.957016, -0.964222, -1.000315, -0.940979,
                    -0.924632, -0.850145, -0.871198, -0.726791, -0.691247, -0.816134,
                    -0.474446]),
])
def test_bcg_cumulative_by_year_matches_metafor(measure, model, expected):
    out = meta_diag.cumulative(_bcg_with_year(), measure, model, order="year")
    # metafor's REML iterations stop at a tolerance of 1e-5, hence abs=1e-5
    assert out["log_estimate"].tolist() == pytest.approx(expected, abs=1e-5)
    assert out["n_studies"].tolist() == list(range(1, 14))


BCG_ALLOCATION = {  # dat.bcg's alloc column, as printed in metafor's README.md
    "Aronson 1948": "random", "Ferguson & Simes 1949": "random",
    "Rosenthal et al 1960": "random", "Hart & Sutherland 1977": "random",
    "Frimodt-Moller et al 1973": "alternate", "Stein & Aronson 1953": "alternate",
    "Vandiviere et al 1973": "random", "TPT Madras 1980": "random",
    "Coetzee & Berjak 1968": "random", "Rosenthal et al 1961": "systematic",
    "Comstock et al 1974": "systematic", "Comstock & Webster 1969": "systematic",
    "Comstock et al 1976": "systematic",
}


def test_fixed_effect_subgroup_test_partitions_cochrans_q():
    # Borenstein et al. (2009), chapter 19: with fixed-effect weights, Q between subgroups
    # is the total Q (152.2330 for the BCG log RRs, [MF-UNI] of test_meta.py) less the
    # sum of the Q statistics within the subgroups.
    df = bcg().assign(alloc=lambda d: d["study"].map(BCG_ALLOCATION))
    out = meta_diag.subgroups(df, "alloc", "RR", "fixed")
    within = sum(g.q for g in out.groups.values())
    assert out.q_between == pytest.approx(152.2330 - within, abs=DEC3)
    assert out.df == 2 and list(out.groups) == ["random", "alternate", "systematic"]
    assert out.groups["alternate"].n_studies == 2


DEC4 = 5e-5  # "match to the 4 decimals printed"


def _yv_as_md_table(yi, vi, n: int = 50) -> pd.DataFrame:
    """An MD table whose per-trial differences and variances are exactly (yi, vi).

    The engine pools tables of arms, not precomputed effects; a mean difference of yi
    (control mean 0) with both arms of n and SD sqrt(n vi / 2) has variance vi.
    """
    sd = np.sqrt(np.asarray(vi, float) * n / 2)
    return pd.DataFrame({"mean_treatment": yi, "sd_treatment": sd, "n_treatment": n,
                         "mean_control": 0.0, "sd_control": sd, "n_control": n})


def test_fixed_effect_subgroup_test_matches_lipsey_wilson_2001_exhibit_7_4():
    # [LW01]: the analog to the ANOVA, the chapter's studies split by its 0/1 moderator `random`
    lw = pd.read_csv(FIX / "lipsey2001.csv")
    df = _yv_as_md_table(lw["yi"], lw["vi"]).assign(study=lw["id"].astype(str),
                                                    random=lw["random"])
    y, v = meta.effect_sizes(df, "MD")
    assert y == pytest.approx(lw["yi"], abs=1e-12) and v == pytest.approx(lw["vi"], abs=1e-12)
    out = meta_diag.subgroups(df, "random", "MD", "fixed")
    assert out.q_between == pytest.approx(7.0739, abs=DEC4)
    assert out.df == 1 and out.p == pytest.approx(0.0078, abs=DEC4)
    expected = {"0": (0.2984, 0.0813, 0.1390, 0.4578, 6.4382, 0.2659),
                "1": (-0.0277, 0.0917, -0.2075, 0.1521, 1.2519, 0.7406)}
    for label, values in expected.items():
        g = out.groups[label]
        assert (g.estimate, g.se, g.ci_low, g.ci_high, g.q, g.q_p) == pytest.approx(values,
                                                                                  abs=DEC4)
    assert sum(g.q for g in out.groups.values()) == pytest.approx(7.6901, abs=DEC4)


def test_random_effects_subgroup_test_follows_the_handbook_formula():
    # Cochrane Handbook 10.11.3.1: subgroup estimates pooled separately (own tau²), then
    # Q = sum (mu_g - mu_bar)² / se_g² on G - 1 df, mu_bar their inverse-variance mean.
    df = bcg().assign(alloc=lambda d: d["study"].map(BCG_ALLOCATION))
    out = meta_diag.subgroups(df, "alloc", "RR", "REML")
    parts = [meta.pool(df[df["alloc"] == g], "RR", "REML") for g in out.groups]
    mu = np.array([p.log_estimate for p in parts])
    w = 1 / np.array([p.se for p in parts]) ** 2
    mu_bar = np.sum(w * mu) / np.sum(w)
    assert out.q_between == pytest.approx(np.sum(w * (mu - mu_bar) ** 2), rel=1e-12)
    from scipy import stats
    assert out.p == pytest.approx(stats.chi2.sf(out.q_between, 2))


def test_egger_regression_equals_its_weighted_form():
    # Egger et al. (1997) regress y/SE on 1/SE; the same test is the weighted regression of
    # y on SE with weights 1/v (Sterne & Egger 2005; metafor regtest(model="lm")). Here the
    # weighted form is solved by least squares, independently of the code under test.
    y, v = meta.effect_sizes(bcg(), "RR")
    se = np.sqrt(v)
    x = np.column_stack([np.ones_like(se), se]) / se[:, None]
    beta, *_ = np.linalg.lstsq(x, y / se, rcond=None)
    resid = y / se - x @ beta
    sigma2 = resid @ resid / (len(y) - 2)
    cov = sigma2 * np.linalg.inv(x.T @ x)
    e = meta_diag.egger(y, v)
    assert e.intercept == pytest.approx(beta[1], rel=1e-10)
    assert e.se == pytest.approx(math.sqrt(cov[1, 1]), rel=1e-10)
    assert e.slope == pytest.approx(beta[0], rel=1e-10)
    assert e.df == 11 and 0 < e.p < 1


def test_egger_regtest_lm_her2_overall_survival_matches_metamisc_vignette():
    # [MM-PF]: the classical Egger test, regtest(model="lm", predictor="sei")
    from scipy import stats

    z = pd.read_csv(FIX / "zhang2015_her2_os.csv")
    y = np.log(z["hr"].to_numpy())
    se = np.log(z["hr_high"] / z["hr_low"]).to_numpy() / (2 * stats.norm.ppf(0.975))
    v = se**2
    # the transcribed table reproduces the vignette's other printed results
    assert meta_tau2.estimate(y, v, "REML") == pytest.approx(0.0883, abs=DEC4)
    assert meta_tau2.generalised_q(y, v, 0.0) == pytest.approx(28.9214, abs=DEC4)
    assert np.sum(y / v) / np.sum(1 / v) == pytest.approx(0.5193, abs=DEC4)
    e = meta_diag.egger(y, v)
    assert e.t == pytest.approx(2.1622, abs=DEC4)
    assert e.df == 12 and e.p == pytest.approx(0.0515, abs=DEC4)
    assert e.slope == pytest.approx(0.2590, abs=DEC4)  # the limit estimate as SE -> 0
    assert e.t == pytest.approx(e.intercept / e.se)


def test_funnel_plot_has_the_house_style_parts():
    r = meta.pool(bcg(), "RR", "REML")
    spec = meta_diag.funnel_plot(r, bcg(), title="Funnel", description="BCG trials").to_dict()
    assert spec["description"] == "BCG trials" and len(spec["usermeta"]["table"]) == 13
    points, region = meta_diag.funnel_data(r, "RR", bcg())
    # the region's apex is the pooled estimate at SE 0, its base ±1.96 SE wide
    assert region["effect"].iloc[0] == pytest.approx(r.log_estimate)
    top = region["se"].max()
    assert region["effect"].max() - region["effect"].min() == pytest.approx(2 * 1.959964 * top,
                                                                           rel=1e-6)
    assert points["se"].max() < top
