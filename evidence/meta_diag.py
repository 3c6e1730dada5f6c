"""Diagnostics of a meta-analysis: leave-one-out, influence, cumulative, subgroups, Egger.

Why this module exists: a pooled estimate is only as good as its weakest trial, and a
reader of a Cochrane review or of R metafor's output expects to see how the estimate
moves without each trial, in the order the trials appeared, within subgroups, and
whether small trials disagree with large ones. Every function here reuses
:func:`evidence.meta.pool` on part of the table, so each diagnostic uses exactly the
method of the analysis it checks; statsmodels provides the regression of Egger's test.

The formulas and the metafor functions they correspond to:

* :func:`leave_one_out` — ``leave1out()``: the analysis repeated without each trial.
* :func:`influence` — ``influence()`` (Viechtbauer & Cheung 2010): externally
  studentised residual, DFFITS, Cook's distance, covariance ratio, DFBETAS, hat value,
  and tau² and Q without the trial.
* :func:`cumulative` — ``cumul()``: the analysis of the first 1, 2, ... k trials.
* :func:`subgroups` — one analysis per subgroup and the test for subgroup differences
  of the Cochrane Handbook (section 10.11.3.1): Q between subgroups = Σ (μ_g - μ̄)²/SE_g²
  on G - 1 degrees of freedom, each subgroup with its own tau².
* :func:`egger` — Egger et al. (1997) BMJ 315:629: the regression of the standardised
  effect y/SE on the precision 1/SE; an intercept away from 0 signals funnel-plot
  asymmetry (a test the Cochrane Handbook, section 13.3.5.4, advises only with at
  least 10 trials).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from . import meta, meta_tau2

_ROW_COLUMNS = ("estimate", "ci_low", "ci_high", "tau2", "i2", "q", "p")


def _summary(res: meta.PoolResult) -> dict:
    return {name: getattr(res, name) for name in _ROW_COLUMNS} | {
        "log_estimate": res.log_estimate, "se": res.se, "n_studies": res.n_studies}


def _single(df: pd.DataFrame, measure: str, model: str, alpha: float) -> dict:
    """One trial: its own effect (Peto's for the Peto model) and Wald interval."""
    y, v = meta._peto_yv(df) if model == "Peto" else meta.effect_sizes(df, measure)
    est, se = float(y[0]), math.sqrt(float(v[0]))
    crit = float(stats.norm.isf(alpha / 2))
    back = math.exp if measure in meta.RATIO else (lambda x: x)
    return {"estimate": back(est), "ci_low": back(est - crit * se),
            "ci_high": back(est + crit * se), "tau2": None, "i2": None, "q": None,
            "p": float(2 * stats.norm.sf(abs(est / se))), "log_estimate": est, "se": se,
            "n_studies": 1}


def _prepared(df: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The numeric table with shared control arms combined, as :func:`meta.pool` pools it."""
    measure, _ = meta._check_measure_model(measure)
    problems = meta.validate(df, measure)
    if problems and not all("at least 2" in p.rule for p in problems):
        raise ValueError("invalid input: " + "; ".join(str(p) for p in problems))
    return meta.prepare_multiarm(meta.as_numeric_table(df, measure), "combine")


def leave_one_out(df: pd.DataFrame, measure: str, model: str, alpha: float = 0.05,
                  hksj: bool = False) -> pd.DataFrame:
    """The analysis repeated without each trial in turn (one row per omitted trial)."""
    data = _prepared(df, measure)
    if len(data) < 3:
        raise ValueError("leave-one-out needs at least 3 trials")
    rows = []
    for i in range(len(data)):
        res = meta.pool(data.drop(index=i), measure, model, alpha=alpha, hksj=hksj)
        rows.append({"omitted": data["study"].iloc[i], **_summary(res)})
    return pd.DataFrame(rows)


def influence(df: pd.DataFrame, measure: str, model: str, alpha: float = 0.05) -> pd.DataFrame:
    """Case-deletion diagnostics of an inverse-variance analysis (Viechtbauer & Cheung 2010).

    For trial i with effect y_i and variance v_i, the full fit (μ, SE, τ²) and the fit
    without it (μ₋ᵢ, SE₋ᵢ, τ²₋ᵢ): hat = w_i/Σw with w = 1/(v + τ²); rstudent =
    (y_i - μ₋ᵢ)/√(v_i + τ²₋ᵢ + SE₋ᵢ²); DFFITS = (μ - μ₋ᵢ)/√(hat (v_i + τ²₋ᵢ));
    Cook's distance = (μ - μ₋ᵢ)²/SE²; covariance ratio = SE₋ᵢ²/SE²; DFBETAS =
    (μ - μ₋ᵢ)/√(1/Σ_j 1/(v_j + τ²₋ᵢ)), the last sum over all k trials.
    """
    measure, model = meta._check_measure_model(measure, model)
    if model in ("MH", "Peto"):
        raise ValueError("influence diagnostics are for inverse-variance models")
    data = _prepared(df, measure)
    full = meta.pool(data, measure, model, alpha=alpha)
    y, v = meta.effect_sizes(data, measure)
    tau2 = full.tau2 or 0.0
    hat = (1 / (v + tau2)) / np.sum(1 / (v + tau2))
    out = leave_one_out(data, measure, model, alpha=alpha)
    mu_del, se_del = out["log_estimate"].to_numpy(), out["se"].to_numpy()
    tau2_del = out["tau2"].fillna(0).to_numpy(float)
    diff = full.log_estimate - mu_del
    se_all = np.array([math.sqrt(1 / np.sum(1 / (v + t))) for t in tau2_del])
    return pd.DataFrame({
        "study": data["study"],
        "rstudent": (y - mu_del) / np.sqrt(v + tau2_del + se_del**2),
        "dffits": diff / np.sqrt(hat * (v + tau2_del)),
        "cook_d": diff**2 / full.se**2,
        "cov_r": se_del**2 / full.se**2,
        "dfbetas": diff / se_all,
        "hat": hat,
        "tau2_del": out["tau2"],
        "q_del": out["q"],
    })


def cumulative(df: pd.DataFrame, measure: str, model: str, alpha: float = 0.05,
               order: str | None = None) -> pd.DataFrame:
    """The analysis of the first 1, 2, ... k trials, in table order or by column ``order``.

    A stable sort keeps ties in table order, as R's ``order()`` does.
    """
    measure, model = meta._check_measure_model(measure, model)
    data = _prepared(df, measure)
    if order is not None:
        data = data.iloc[np.argsort(data[order].to_numpy(), kind="stable")].reset_index(drop=True)
    rows = []
    for k in range(1, len(data) + 1):
        part = data.iloc[:k]
        summary = (_single(part, measure, model, alpha) if k == 1
                   else _summary(meta.pool(part, measure, model, alpha=alpha)))
        rows.append({"added": data["study"].iloc[k - 1], **summary})
    return pd.DataFrame(rows)


@dataclass
class SubgroupResult:
    """One pooled result per subgroup and the test for differences between them."""

    groups: dict[str, meta.PoolResult | dict]
    q_between: float
    df: int
    p: float


def subgroups(df: pd.DataFrame, by: str, measure: str, model: str,
              alpha: float = 0.05) -> SubgroupResult:
    """Pool each subgroup (column ``by``) separately and test whether they differ.

    Q between = Σ_g (μ_g - μ̄)² / SE_g² with μ̄ the inverse-variance mean of the subgroup
    estimates (log scale for ratios), on G - 1 degrees of freedom (Cochrane Handbook
    10.11.3.1; Borenstein et al. 2009, chapter 19). A subgroup of one trial enters with
    that trial's own estimate and SE.
    """
    measure, model = meta._check_measure_model(measure, model)
    if by not in df.columns:
        raise ValueError(f"no column {by!r} to form subgroups")
    labels = df[by].astype(str).str.strip()
    if (labels == "").any() or df[by].isna().any():
        raise ValueError(f"every trial needs a value in {by!r}")
    groups: dict[str, meta.PoolResult | dict] = {}
    for label in dict.fromkeys(labels):
        part = df.loc[labels == label]
        groups[label] = (_single(_prepared(part, measure), measure, model, alpha)
                         if len(part) == 1
                         else meta.pool(part, measure, model, alpha=alpha))
    if len(groups) < 2:
        raise ValueError("a subgroup analysis needs at least 2 subgroups")

    def get(g, name):
        return getattr(g, name) if isinstance(g, meta.PoolResult) else g[name]

    mu = np.array([get(g, "log_estimate") for g in groups.values()])
    var = np.array([get(g, "se") ** 2 for g in groups.values()])
    q = meta_tau2.generalised_q(mu, var, 0.0)
    dof = len(groups) - 1
    return SubgroupResult(groups=groups, q_between=q, df=dof, p=float(stats.chi2.sf(q, dof)))


@dataclass
class EggerResult:
    """Egger's regression test: intercept (bias), its SE and CI, t on k - 2 df, p."""

    intercept: float
    se: float
    ci_low: float
    ci_high: float
    t: float
    df: int
    p: float
    slope: float  # the effect as SE -> 0, on the pooling scale (log for ratios)


def egger(y, v, alpha: float = 0.05) -> EggerResult:
    """Egger et al. (1997): ordinary least squares of y/SE on 1/SE, via statsmodels.

    The same model as metafor's ``regtest(model="lm")``: a weighted regression of y on
    SE with weights 1/v and a multiplicative dispersion term; the intercept here is its
    SE coefficient.
    """
    y, v = np.asarray(y, float), np.asarray(v, float)
    if len(y) < 3:
        raise ValueError("Egger's test needs at least 3 trials")
    from statsmodels.regression.linear_model import OLS  # statsmodels.api is slow to import

    se = np.sqrt(v)
    fit = OLS(y / se, np.column_stack([np.ones_like(se), 1 / se])).fit()
    b0, b1 = (float(x) for x in fit.params)
    s0 = float(fit.bse[0])
    dof = len(y) - 2
    crit = float(stats.t.isf(alpha / 2, dof))
    t = b0 / s0
    return EggerResult(intercept=b0, se=s0, ci_low=b0 - crit * s0, ci_high=b0 + crit * s0,
                       t=t, df=dof, p=float(2 * stats.t.sf(abs(t), dof)), slope=b1)


def funnel_data(res: meta.PoolResult, measure: str, df: pd.DataFrame,
                alpha: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Points (effect, SE) of a funnel plot and its pseudo-confidence region.

    Effects are on the pooling scale (log for ratios); the region is the pooled estimate
    ± z·SE for SE from 0 to the largest, the triangle within which 1 - alpha of trials
    would fall without heterogeneity or bias (Sterne et al. 2011, BMJ 343:d4002).
    """
    data = _prepared(df, measure)
    data = data.loc[data["study"].isin(res.studies["study"])]
    y, v = meta.effect_sizes(data, measure)
    points = pd.DataFrame({"study": data["study"].to_numpy(), "effect": y, "se": np.sqrt(v)})
    crit = float(stats.norm.isf(alpha / 2))
    top = float(points["se"].max()) * 1.05
    mu = res.log_estimate
    region = pd.DataFrame({"se": [0.0, top, top, 0.0],
                           "effect": [mu, mu - crit * top, mu + crit * top, mu]})
    return points, region


def funnel_plot(res: meta.PoolResult, df: pd.DataFrame, *, title: str, description: str,
                alpha: float = 0.05, width: int = 360, height: int = 300):
    """A funnel plot in the book's style: each trial's effect against its standard error.

    The SE axis runs downwards from 0 (the largest trials at the top); the dashed
    triangle is :func:`funnel_data`'s pseudo-confidence region about the pooled estimate
    (the vertical line). Ratios are drawn on a log axis labelled on the natural scale.
    Like every chart of the book it carries ``description`` for screen readers and its
    data as a table (``usermeta``).
    """
    import altair as alt

    from .display import PALETTE

    measure = res.measure
    points, region = funnel_data(res, measure, df, alpha=alpha)
    ratio = measure in meta.RATIO
    back = np.exp if ratio else (lambda x: x)
    points = points.assign(shown=back(points["effect"]))
    region = region.assign(shown=back(region["effect"]))
    x = alt.X("shown:Q", title=meta.MEASURE_NAMES[measure].capitalize() + f" ({measure})",
              scale=alt.Scale(type="log" if ratio else "linear", zero=False, nice=False))
    y = alt.Y("se:Q", title="Standard error", scale=alt.Scale(reverse=True, zero=True))
    triangle = alt.Chart(region).mark_line(color=PALETTE["neutral"], strokeDash=[4, 3]).encode(
        x=x, y=y, order="order:O").transform_window(order="row_number()")
    centre = alt.Chart(pd.DataFrame({"shown": [back(res.log_estimate)]})).mark_rule(
        color=PALETTE["neutral"]).encode(x="shown:Q")
    dots = alt.Chart(points).mark_circle(size=70, color=PALETTE["treatment"], opacity=0.85).encode(
        x=x, y=y, tooltip=[alt.Tooltip("study:N", title="Study"),
                           alt.Tooltip("shown:Q", title=measure, format=".2f"),
                           alt.Tooltip("se:Q", title="Standard error", format=".3f")])
    table = [{"Study": r.study, measure: f"{r.shown:.2f}", "Standard error": f"{r.se:.3f}"}
             for r in points.itertuples()]
    return alt.layer(triangle, centre, dots).properties(
        width=width, height=height, title=title, description=description,
        usermeta={"table": table})
