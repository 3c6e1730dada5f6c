"""Meta-analysis engine of the textbook: effect sizes, pooling, heterogeneity and NNT.

Why this module exists: every number the book prints about pooled trials comes from
here, so it leans on statsmodels (``statsmodels.stats.meta_analysis`` and
``StratifiedTable``) wherever statsmodels has the method, and the tests check the
results against R metafor's published values for the BCG trials (``dat.bcg``).

Conventions
-----------
* Treatment is arm 1, control arm 2; differences are treatment minus control.
* Ratio measures (RR, OR) are pooled on the log scale and reported on the natural
  scale; ``se`` stays on the log scale.
* I² is in percent: from Cochran's Q as (Q - df) / Q, floored at 0, for fixed-effect and
  DerSimonian–Laird models (Higgins & Thompson 2002; Cochrane Handbook 10.10.2); from the
  model's tau² as tau² / (tau² + s²) for the other estimators (Cochrane's 2024 rule and
  metafor's; the two agree exactly for DL). Random-effects results carry the Q-profile
  interval of tau² (Viechtbauer 2007) and the I² interval it implies.
* tau² estimators other than DL, and the diagnostics (leave-one-out, influence,
  cumulative, subgroups, Egger, funnel plot) are in :mod:`evidence.meta_tau2` and
  :mod:`evidence.meta_diag`.
* A 95% prediction interval is given for random-effects models with k >= 3:
  mu ± t(k-2) * sqrt(tau² + SE²) (Higgins, Thompson & Spiegelhalter 2009;
  Cochrane Handbook 10.10.4.3).

Where statsmodels has no method, the hand-written formula is named and cited:

* MD (unstandardised) and its variance: SD1²/n1 + SD2²/n2 (Handbook 6.5.1.1);
  statsmodels only offers the standardised difference.
* Mantel–Haenszel: ``StratifiedTable`` gives the pooled OR with the
  Robins–Breslow–Greenland SE, but for the risk ratio only the point estimate
  (``riskratio_pooled``), so its SE is the Greenland & Robins (1985) formula; it has
  no MH risk difference at all, so that estimate and its Sato, Greenland & Robins
  (1989) SE are written out. These are the formulas R metafor's ``rma.mh`` uses.
* Combining the means and SDs of two dose arms (Handbook Table 6.5.a).

Zero cells: statsmodels 0.14's ``effectsize_2proportions(zero_correction=0.5)``
adds 0.5 to the event counts of *every* study as soon as a float is given (only the
n of zero-cell studies is enlarged), which biases studies without zeros. So the
0.5 correction is applied here, to the four cells of the zero-cell studies only,
and statsmodels is called without a correction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.meta_analysis import (
    combine_effects,
    effectsize_2proportions,
    effectsize_smd,
)

from . import formatting, meta_tau2, rules

BINARY = ("RR", "OR", "RD")
CONTINUOUS = ("MD", "SMD")
RATIO = ("RR", "OR")
RANDOM = meta_tau2.METHODS
MODELS = ("fixed", "MH", "Peto", *RANDOM)
BINARY_COLUMNS = ("study", "events_treatment", "n_treatment", "events_control", "n_control")
CONTINUOUS_COLUMNS = (
    "study",
    "mean_treatment",
    "sd_treatment",
    "n_treatment",
    "mean_control",
    "sd_control",
    "n_control",
)
CONTINUITY = 0.5
MEASURE_NAMES = {
    "RR": "risk ratio",
    "OR": "odds ratio",
    "RD": "risk difference",
    "MD": "mean difference",
    "SMD": "Hedges' g standardised mean difference",
}
MODEL_NAMES = {
    "fixed": "fixed effect, inverse variance",
    "MH": "fixed effect, Mantel–Haenszel",
    "Peto": "fixed effect, Peto odds ratio",
    **{m: f"random effects, {name}" for m, name in meta_tau2.NAMES.items()},
}
_SM_STATISTIC = {"RR": "rr", "OR": "or", "RD": "diff"}


def _crit(alpha: float) -> float:
    return float(stats.norm.isf(alpha / 2))


def _check_measure_model(measure: str, model: str | None = None) -> tuple[str, str | None]:
    """Normalise spelling so the notebook may write 'rr' or 'dl' too."""
    m = str(measure).upper()
    if m not in BINARY + CONTINUOUS:
        raise ValueError(f"unknown measure {measure!r}; use one of {BINARY + CONTINUOUS}")
    if model is None:
        return m, None
    aliases = {"FIXED": "fixed", "FE": "fixed", "IV": "fixed", "PETO": "Peto"}
    mod = aliases.get(str(model).upper(), str(model).upper())
    if mod not in MODELS:
        raise ValueError(f"unknown model {model!r}; use one of {MODELS}")
    if mod == "MH" and m not in BINARY:
        raise ValueError(f"Mantel–Haenszel applies to binary measures {BINARY}, not {m}")
    if mod == "Peto" and m != "OR":
        raise ValueError(f"Peto's method pools odds ratios (OR) only, not {m}")
    return m, mod


# --------------------------------------------------------------------------- effect sizes


def _zero_cell(et, nt, ec, nc) -> np.ndarray:
    """True where a 2x2 table has an empty cell (no events or no non-events in an arm)."""
    return (et == 0) | (et == nt) | (ec == 0) | (ec == nc)


def _double_zero(et, nt, ec, nc) -> np.ndarray:
    """True where both arms have no events (or both have only events).

    Such a trial says nothing about a ratio (the RR and OR are undefined), so Cochrane
    (Handbook 10.4.4.1) leaves it out of RR/OR pooling; it still informs an RD.
    """
    return ((et == 0) & (ec == 0)) | ((et == nt) & (ec == nc))


def _arm_counts(df: pd.DataFrame) -> tuple[pd.Series, ...]:
    """A binary table's columns in the order the effect-size functions take them."""
    return tuple(df[c] for c in BINARY_COLUMNS[1:])


def _binary_yv(et, nt, ec, nc, measure: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-study effect (log scale for ratios) and variance, via statsmodels.

    Returns (y, v, corrected) where ``corrected`` marks the zero-cell studies that got
    0.5 added to each cell.
    """
    et, nt, ec, nc = (np.asarray(x, dtype=float) for x in (et, nt, ec, nc))
    corrected = _zero_cell(et, nt, ec, nc)
    add = CONTINUITY * corrected
    y, v = effectsize_2proportions(
        et + add, nt + 2 * add, ec + add, nc + 2 * add, statistic=_SM_STATISTIC[measure]
    )
    return np.asarray(y, dtype=float), np.asarray(v, dtype=float), corrected


def _continuous_yv(df: pd.DataFrame, measure: str) -> tuple[np.ndarray, np.ndarray]:
    m1, s1, n1 = (df[c].to_numpy(float) for c in ("mean_treatment", "sd_treatment", "n_treatment"))
    m2, s2, n2 = (df[c].to_numpy(float) for c in ("mean_control", "sd_control", "n_control"))
    if measure == "SMD":
        # Hedges' g with the approximate small-sample correction and the variance
        # RevMan uses (Handbook 6.5.1.2), both from statsmodels.
        y, v = effectsize_smd(m1, s1, n1, m2, s2, n2)
        return np.asarray(y, float), np.asarray(v, float)
    # MD: statsmodels has no unstandardised difference (Handbook 6.5.1.1).
    return m1 - m2, s1**2 / n1 + s2**2 / n2


def effect_sizes(df: pd.DataFrame, measure: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-study effect sizes and variances (log scale for RR/OR) for a validated table."""
    measure, _ = _check_measure_model(measure)
    if measure in BINARY:
        y, v, _ = _binary_yv(*_arm_counts(df), measure)
        return y, v
    return _continuous_yv(df, measure)


def binary_effect(events_t, n_t, events_c, n_c, measure="RR", alpha=0.05) -> dict:
    """Effect of one two-arm trial with a binary outcome, with a Wald CI.

    Returns a dict with ``estimate``, ``ci_low``, ``ci_high`` (natural scale for RR/OR),
    ``se`` (log scale for RR/OR), ``measure`` and ``corrected`` (0.5 added to each cell
    because one was empty). A trial with no events in either arm has no ratio: RR/OR
    come back as NaN with a ``note``, as RevMan reports "not estimable".
    """
    measure, _ = _check_measure_model(measure)
    if measure not in BINARY:
        raise ValueError(f"binary_effect needs RR, OR or RD, not {measure}")
    problems = _count_problems(events_t, n_t, "treatment") + _count_problems(
        events_c, n_c, "control"
    )
    if problems:
        raise ValueError("; ".join(problems))
    out: dict[str, Any] = {"measure": measure}
    if measure in RATIO and _double_zero(events_t, n_t, events_c, n_c):
        nan = float("nan")
        out.update(estimate=nan, ci_low=nan, ci_high=nan, se=nan, corrected=False)
        out["note"] = "not estimable: both arms have no events (or only events)"
        return out
    y, v, corrected = _binary_yv([events_t], [n_t], [events_c], [n_c], measure)
    est, se = float(y[0]), float(math.sqrt(v[0]))
    lo, hi = est - _crit(alpha) * se, est + _crit(alpha) * se
    if measure in RATIO:
        est, lo, hi = math.exp(est), math.exp(lo), math.exp(hi)
    out.update(estimate=est, ci_low=lo, ci_high=hi, se=se, corrected=bool(corrected[0]))
    return out


def _count_problems(events, n, arm: str) -> list[str]:
    problems = []
    if not n > 0:
        problems.append(f"n_{arm} must be greater than 0 (got {n})")
    if events < 0:
        problems.append(f"events_{arm} must not be negative (got {events})")
    if events > n:
        problems.append(f"events_{arm} ({events}) exceed n_{arm} ({n})")
    return problems


# --------------------------------------------------------------------------- NNT


def nnt_from_rd(rd, rd_ci_low, rd_ci_high, desirable=True) -> dict:
    """Number needed to treat from a risk difference and its CI (Altman 1998, BMJ 317:1309).

    ``rd`` is treatment minus control risk. ``desirable`` says whether the event is
    wanted (responders: more is better) or not (adverse events: fewer is better); it
    decides whether a positive RD is a benefit or a harm.

    Returned values are *signed*: positive = NNTB (benefit), negative = NNTH (harm), as
    1/RD in the benefit direction, and the CI bounds are the reciprocals of the RD
    bounds. When the RD CI includes 0 (``significant`` False) the NNT CI is not an
    interval between the two numbers but runs from ``nnt_ci_high`` (the NNTH side,
    negative) through infinity to ``nnt_ci_low`` (the NNTB side), which ``label`` spells
    out: "NNTB 10 (NNTH 20 to ∞ to NNTB 5) — not significant".
    ``kind`` is 'benefit' or 'harm' by the point estimate ('none' when RD is exactly 0).
    """
    sign = 1.0 if desirable else -1.0
    b, b_lo, b_hi = sign * rd, sign * rd_ci_low, sign * rd_ci_high
    if b_lo > b_hi:
        b_lo, b_hi = b_hi, b_lo

    def inv(x: float) -> float:
        return math.inf if x == 0 else 1.0 / x

    value, ci_low, ci_high = inv(b), inv(b_hi), inv(b_lo)
    kind = "benefit" if b > 0 else "harm" if b < 0 else "none"
    significant = bool(b_lo > 0 or b_hi < 0)
    name = {"benefit": "NNTB", "harm": "NNTH", "none": "NNT"}[kind]
    head = f"{name} {formatting.nnt(abs(value))}"
    if significant:
        lo, hi = sorted((abs(ci_low), abs(ci_high)))
        label = f"{head} ({formatting.nnt(lo)} to {formatting.nnt(hi)})"
    elif b_lo == 0 or b_hi == 0:
        # A bound of exactly no difference: the interval reaches infinity on one side only.
        if b_lo == b_hi:
            label = f"{head} (a risk difference of exactly 0 with no spread)"
        elif b_lo == 0:
            label = f"{head} (NNTB {formatting.nnt(abs(ci_low))} to ∞) — not significant"
        else:
            label = f"{head} (NNTH {formatting.nnt(abs(ci_high))} to ∞) — not significant"
    else:
        nnth, nntb = formatting.nnt(abs(ci_high)), formatting.nnt(abs(ci_low))
        label = f"{head} (NNTH {nnth} to ∞ to NNTB {nntb}) — not significant"
    return {
        "rd": float(rd),
        "rd_ci_low": float(rd_ci_low),
        "rd_ci_high": float(rd_ci_high),
        "nnt": value,
        "nnt_ci_low": ci_low,
        "nnt_ci_high": ci_high,
        "kind": kind,
        "significant": significant,
        "desirable": bool(desirable),
        "label": label,
    }


def nnt(events_t, n_t, events_c, n_c, desirable=True, alpha=0.05) -> dict:
    """NNT of one two-arm trial from its risk difference (see :func:`nnt_from_rd`)."""
    rd = binary_effect(events_t, n_t, events_c, n_c, measure="RD", alpha=alpha)
    return nnt_from_rd(rd["estimate"], rd["ci_low"], rd["ci_high"], desirable=desirable)


# --------------------------------------------------------------------------- multi-arm trials


def combine_arms(n, events=None, mean=None, sd=None) -> dict:
    """Merge several arms of one trial (e.g. doses) into a single arm.

    Cochrane Handbook 23.3.4 recommends this when several active arms share one placebo
    arm. Binary: sum ``events`` and ``n``. Continuous: the Handbook's formula for
    combining two groups (Table 6.5.a), applied arm by arm for more than two:
    M = (N1 M1 + N2 M2) / (N1 + N2) and
    SD² = ((N1-1) SD1² + (N2-1) SD2² + N1 N2 / (N1+N2) (M1 - M2)²) / (N1 + N2 - 1).
    Returns ``{"n", "events"}`` or ``{"n", "mean", "sd"}``.
    """
    ns = [float(x) for x in n]
    if events is not None:
        return {"n": sum(ns), "events": float(sum(float(e) for e in events))}
    if mean is None or sd is None:
        raise ValueError("combine_arms needs events (binary) or mean and sd (continuous)")
    n1, m1, s1 = ns[0], float(mean[0]), float(sd[0])
    for n2, m2, s2 in zip(ns[1:], mean[1:], sd[1:], strict=True):
        m2, s2 = float(m2), float(s2)
        var = ((n1 - 1) * s1**2 + (n2 - 1) * s2**2 + n1 * n2 / (n1 + n2) * (m1 - m2) ** 2) / (
            n1 + n2 - 1
        )
        m1 = (n1 * m1 + n2 * m2) / (n1 + n2)
        n1, s1 = n1 + n2, math.sqrt(var)
    return {"n": n1, "mean": m1, "sd": s1}


def split_shared_control(n, k, events=None) -> dict:
    """Share one control arm equally among ``k`` comparisons (Handbook 23.3.4).

    Each comparison keeps the control's risk (or mean and SD) but only n/k participants
    (and events/k), so the control group is not counted k times. Shares are not rounded:
    rounding would add or lose participants.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    out = {"n": float(n) / k}
    if events is not None:
        out["events"] = float(events) / k
    return out


def _group_key(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    s = str(value).strip()
    return s or None


def _control_columns(df: pd.DataFrame) -> list[str]:
    if "events_control" in df.columns:
        return ["events_control", "n_control"]
    return ["mean_control", "sd_control", "n_control"]


def prepare_multiarm(df: pd.DataFrame, strategy: str = "combine") -> pd.DataFrame:
    """Resolve rows that share one control arm so it is counted once.

    Rows with the same non-empty ``shared_control_id`` repeat the same control counts
    on purpose (one row per active arm). ``strategy="combine"`` merges their active arms
    into one row (:func:`combine_arms`); ``"split"`` keeps one row per arm and divides
    the control's n and events among them (:func:`split_shared_control`). The returned
    table has no ``shared_control_id`` column, so preparing twice is harmless.
    """
    if strategy not in ("combine", "split"):
        raise ValueError("strategy must be 'combine' or 'split'")
    if "shared_control_id" not in df.columns:
        return df.reset_index(drop=True).copy()
    binary = "events_treatment" in df.columns
    control = _control_columns(df)
    keys = [_group_key(v) for v in df["shared_control_id"]]
    rows: list[dict] = []
    done: set[str] = set()
    for pos, key in enumerate(keys):
        row = df.iloc[pos].to_dict()
        if key is None:
            rows.append(row)
            continue
        if key in done:
            continue
        done.add(key)
        group = df.iloc[[i for i, k in enumerate(keys) if k == key]]
        for col in control:
            if group[col].astype(float).nunique() > 1:
                raise ValueError(
                    f"rows sharing control arm {key!r} disagree on {col}: {group[col].tolist()}"
                )
        if len(group) == 1:
            rows.append(row)
        elif strategy == "combine":
            names = list(dict.fromkeys(str(s) for s in group["study"]))
            merged = dict(row, study=names[0] if len(names) == 1 else " + ".join(names))
            if binary:
                arm = combine_arms(group["n_treatment"], events=group["events_treatment"])
                merged.update(events_treatment=arm["events"], n_treatment=arm["n"])
            else:
                arm = combine_arms(
                    group["n_treatment"],
                    mean=group["mean_treatment"].to_list(),
                    sd=group["sd_treatment"].to_list(),
                )
                merged.update(
                    mean_treatment=arm["mean"], sd_treatment=arm["sd"], n_treatment=arm["n"]
                )
            rows.append(merged)
        else:
            k = len(group)
            for _, r in group.iterrows():
                part = r.to_dict()
                share = split_shared_control(
                    float(r["n_control"]),
                    k,
                    events=float(r["events_control"]) if binary else None,
                )
                part["n_control"] = share["n"]
                if binary:
                    part["events_control"] = share["events"]
                rows.append(part)
    out = pd.DataFrame(rows, columns=df.columns).drop(columns="shared_control_id")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Problem:
    """One input problem in a trial table.

    ``row`` is the 0-based row position from :func:`validate` (None = the header); the
    CLI turns it into a CSV line number, :func:`pool` into the caller's index label.
    """

    row: Any
    column: str
    rule: str
    other: Any = None  # a second row the problem involves (the first of two duplicates)

    def __str__(self) -> str:
        where = "header" if self.row is None else f"row {self.row}"
        also = "" if self.other is None else f" (first in row {self.other})"
        return f"{where}, column {self.column!r}: {self.rule}{also}"


def required_columns(measure: str) -> tuple[str, ...]:
    """The input columns a measure needs, in CSV order."""
    measure, _ = _check_measure_model(measure)
    return BINARY_COLUMNS if measure in BINARY else CONTINUOUS_COLUMNS


def validate(df: pd.DataFrame, measure: str, model: str | None = None,
             min_studies: int = 2) -> list[Problem]:
    """Every problem in a trial table, one per cell, so a user can fix them in one pass.

    Accepts text cells (as read from a CSV) or numbers. Rules: required columns present;
    finite numbers where numbers belong; counts whole and n > 0; 0 <= events <= n;
    SD > 0; a study name in every row, each name once (rows sharing a control arm may
    repeat theirs); rows sharing a control arm repeat the same control values; at least
    ``min_studies`` studies; some event somewhere for a binary outcome; Mantel–Haenszel
    only for binary measures, Peto only for odds ratios.
    """
    measure = str(measure).upper()
    problems: list[Problem] = []
    if measure not in BINARY + CONTINUOUS:
        return [Problem(None, "--measure", f"unknown measure {measure!r}")]
    if model is not None and str(model).upper() == "MH" and measure not in BINARY:
        problems.append(
            Problem(
                None,
                "--model",
                f"Mantel–Haenszel (MH) pools binary outcomes "
                f"(RR, OR, RD) only, not {measure}; use fixed or a random-effects model",
            )
        )
    if model is not None and str(model).upper() == "PETO" and measure != "OR":
        problems.append(Problem(None, "--model",
                                f"Peto's method pools odds ratios (OR) only, not {measure}"))
    cols = required_columns(measure)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        return problems + [Problem(None, c, "required column is missing") for c in missing]
    df = df.reset_index(drop=True)
    numeric: dict[str, pd.Series] = {}
    for col in cols[1:]:
        raw = df[col]
        num = pd.to_numeric(raw, errors="coerce")
        numeric[col] = num
        for i in np.flatnonzero(num.isna().to_numpy()):
            text = "" if pd.isna(raw.iloc[i]) else str(raw.iloc[i]).strip()
            rule = "value is missing" if text == "" else f"{text!r} is not a number"
            problems.append(Problem(int(i), col, rule))
        for i in np.flatnonzero(np.isinf(num.to_numpy(float))):
            problems.append(Problem(int(i), col, f"must be a finite number (got {raw.iloc[i]!r})"))
        numeric[col] = num.where(np.isfinite(num.to_numpy(float)))
    shared = (df["shared_control_id"] if "shared_control_id" in df.columns
              else pd.Series([None] * len(df)))
    first_row: dict[str, tuple[int, str | None]] = {}
    for i, name in enumerate(df["study"]):
        key = _group_key(name)
        if key is None:
            problems.append(Problem(i, "study", "study name is missing"))
            continue
        group = _group_key(shared.iloc[i])
        if key.casefold() in first_row:
            j, other = first_row[key.casefold()]
            if group is None or group != other:
                problems.append(Problem(i, "study", f"study {key!r} appears twice: list each "
                                        "trial once, or give the rows of one trial the same "
                                        "shared_control_id", other=j))
        else:
            first_row[key.casefold()] = (i, group)
    count_cols = [c for c in cols if c.startswith(("n_", "events_"))]
    for col in count_cols:
        num = numeric[col]
        for i in np.flatnonzero((num.notna() & (num % 1 != 0)).to_numpy()):
            problems.append(Problem(int(i), col, f"must be a whole number (got {num[i]:g})"))

    def value(col: str, i: int) -> float | None:
        x = numeric[col].iloc[i]
        return None if pd.isna(x) else float(x)

    for arm in rules.ARMS:
        for i in range(len(df)):
            events = value(f"events_{arm}", i) if measure in BINARY else None
            n = value(f"n_{arm}", i)
            # A bad count is reported once, not again as events exceeding it.
            breaches = rules.count_breaches(i, arm, events, n) or rules.arm_breaches(i, arm,
                                                                                     events, n)
            problems += [Problem(b.row, b.column, b.message) for b in breaches]
        if measure not in BINARY:
            sd = numeric[f"sd_{arm}"]
            for i in np.flatnonzero((sd <= 0).to_numpy()):
                problems.append(
                    Problem(int(i), f"sd_{arm}", f"SD must be greater than 0 (got {sd[i]:g})")
                )
    if "shared_control_id" in df.columns:
        columns = _control_columns(df)
        rows = [{"shared_control_id": df["shared_control_id"].iloc[i],
                 **{c: value(c, i) for c in columns}} for i in range(len(df))]
        problems += [Problem(b.row, b.column, b.message)
                     for b in rules.shared_control_breaches(rows, columns)]
    if len(df) < min_studies:
        problems.append(
            Problem(
                0 if len(df) else None,
                "study",
                f"pooling needs at least {min_studies} studies, found {len(df)}",
            )
        )
    if measure in BINARY and len(df) and not problems:
        counts = [numeric[c].to_numpy(float) for c in BINARY_COLUMNS[1:]]
        if _double_zero(*counts).all():
            nobody = "no participant had" if (counts[0] == 0).all() else "every participant had"
            problems.append(Problem(0, "events_treatment", (
                f"{nobody} the event in any trial: the risk difference is 0 in every trial "
                "and no risk ratio or odds ratio can be estimated, so there is nothing to "
                "pool (a continuity correction would invent an effect)")))
    problems.sort(
        key=lambda p: (
            -1 if p.row is None else p.row,
            cols.index(p.column) if p.column in cols else len(cols),
        )
    )
    return problems


# --------------------------------------------------------------------------- pooling


def jsonable(x: Any) -> Any:
    """Plain Python for json.dumps: NaN/inf become None (JSON has neither)."""
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


@dataclass
class PoolResult:
    """A pooled estimate with everything a forest plot and its caption need.

    ``estimate``, ``ci_*`` and ``pi_*`` are on the natural scale (ratios
    exponentiated); ``log_estimate`` and ``se`` on the scale of pooling (log for RR/OR).
    ``tau2`` and the prediction interval are None for fixed-effect models (they assume
    tau² = 0). ``i2`` is in percent. ``studies`` lists the pooled studies with weights
    in percent summing to 100; ``excluded`` names trials left out (double-zero trials
    for RR/OR). ``notes`` records method choices a reader should know about.
    """

    measure: str
    model: str
    alpha: float
    estimate: float
    ci_low: float
    ci_high: float
    log_estimate: float
    se: float
    z: float
    p: float
    tau2: float | None
    i2: float
    q: float
    q_df: int
    q_p: float
    pi_low: float | None
    pi_high: float | None
    n_studies: int
    n_participants: float
    studies: pd.DataFrame
    excluded: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hksj: bool = False
    tau2_ci_low: float | None = None
    tau2_ci_high: float | None = None
    i2_ci_low: float | None = None
    i2_ci_high: float | None = None

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "studies"}
        n = self.n_participants
        d["n_participants"] = int(n) if float(n).is_integer() else float(n)
        d["studies"] = self.studies.to_dict(orient="records")
        return jsonable(d)


def _mantel_haenszel(df: pd.DataFrame, measure: str) -> tuple[float, float, np.ndarray]:
    """MH pooled effect (log scale for RR/OR), its SE and the per-study MH weights.

    Raw counts, no continuity correction: MH handles zero cells (Handbook 10.4.4.1).
    """
    a, n1, c, n2 = (
        df[col].to_numpy(float)
        for col in ("events_treatment", "n_treatment", "events_control", "n_control")
    )
    b, d, big_n = n1 - a, n2 - c, n1 + n2
    if measure in RATIO:
        num, den = (
            (np.sum(a * d / big_n), np.sum(b * c / big_n))
            if measure == "OR"
            else (np.sum(a * n2 / big_n), np.sum(c * n1 / big_n))
        )
        if num == 0 or den == 0:
            raise ValueError(
                f"Mantel–Haenszel {measure} not estimable: 0 or infinite "
                "(a cell is empty in every trial)"
            )
        table = StratifiedTable(np.array([[a, b], [c, d]]))
    if measure == "OR":
        # Robins, Breslow & Greenland (1986) variance, from statsmodels.
        return float(table.logodds_pooled), float(table.logodds_pooled_se), b * c / big_n
    if measure == "RR":
        # Point estimate from statsmodels; variance of Greenland & Robins (1985),
        # which StratifiedTable lacks (same formula as metafor's rma.mh).
        r, s = np.sum(a * n2 / big_n), np.sum(c * n1 / big_n)
        var = np.sum(n1 * n2 * (a + c) / big_n**2 - a * c / big_n) / (r * s)
        return float(np.log(table.riskratio_pooled)), float(np.sqrt(var)), c * n1 / big_n
    # RD: not in statsmodels. Estimate of Greenland & Robins (1985), variance of
    # Sato, Greenland & Robins (1989), as in metafor's rma.mh.
    w = n1 * n2 / big_n
    rd = np.sum(a * n2 / big_n - c * n1 / big_n) / w.sum()
    p_term = np.sum(
        c * (n1 / big_n) ** 2 - a * (n2 / big_n) ** 2 + (n1 / big_n) * (n2 / big_n) * (n2 - n1) / 2
    )
    q_term = np.sum(a * (n2 - c) / big_n + c * (n1 - a) / big_n) / 2
    var = (rd * p_term + q_term) / w.sum() ** 2
    if var <= 0:
        # No trial has events in one arm and not the other (e.g. none anywhere): the
        # difference is 0 with no spread, so there is no interval or test to report.
        raise ValueError(
            "Mantel–Haenszel RD not estimable: its variance is 0 "
            "(every trial has the same all-or-none events in both arms)"
        )
    return float(rd), float(np.sqrt(var)), w


def _peto_yv(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Peto's one-step log odds ratio of each trial, (O - E)/V, and its variance 1/V.

    O is the treatment arm's events, E = n1 (a + c)/N their expectation and
    V = n1 n2 (a + c)(b + d) / (N² (N - 1)) the hypergeometric variance (Yusuf et al.
    1985; Cochrane Handbook 10.4.2). Zero cells need no correction; statsmodels has no
    Peto method.
    """
    a, n1, c, n2 = (x.to_numpy(float) for x in _arm_counts(df))
    big_n, events = n1 + n2, a + c
    o_e = a - n1 * events / big_n
    var = n1 * n2 * events * (big_n - events) / (big_n**2 * (big_n - 1))
    return o_e / var, 1 / var


def as_numeric_table(df: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Copy of a validated table with the measure's columns as numbers (CSV cells are text)."""
    out = df.copy()
    for col in required_columns(measure)[1:]:
        out[col] = pd.to_numeric(out[col])
    out["study"] = out["study"].astype(str)
    return out


def pool(df: pd.DataFrame, measure: str, model: str, alpha: float = 0.05,
         hksj: bool = False, multiarm: str = "combine") -> PoolResult:
    """Pool two-arm trials: ``measure`` RR/OR/RD/MD/SMD, ``model`` one of :data:`MODELS`.

    Models: ``fixed`` (inverse variance), ``MH`` (Mantel–Haenszel), ``Peto`` (Peto odds
    ratio), or random effects with tau² by ``DL``, ``PM``, ``REML``, ``ML``, ``HE`` or
    ``SJ`` (:mod:`evidence.meta_tau2`). ``hksj`` replaces the normal-theory interval of a
    random-effects model by the Hartung–Knapp–Sidik–Jonkman one. Random-effects results
    carry the Q-profile interval of tau² and the I² interval it implies.

    ``df`` uses the CSV column names (see BINARY_COLUMNS / CONTINUOUS_COLUMNS); other
    columns are ignored. Rows sharing a ``shared_control_id`` are merged with
    :func:`prepare_multiarm` after validation (``multiarm="combine"``, or ``"split"`` to
    divide the shared arm), so a shared placebo arm is counted once.
    Raises ValueError listing every input problem (see :func:`validate`).
    """
    measure, model = _check_measure_model(measure, model)
    problems = validate(df, measure, model)
    if problems:
        # name rows by the caller's index labels (a filtered table keeps its labels)
        labelled = [
            p if p.row is None else Problem(
                df.index[p.row], p.column, p.rule,
                None if p.other is None else df.index[p.other])
            for p in problems
        ]
        raise ValueError("invalid input: " + "; ".join(str(p) for p in labelled))
    data = prepare_multiarm(as_numeric_table(df, measure), multiarm)
    notes: list[str] = []
    excluded: list[str] = []
    if measure in RATIO:
        dz = _double_zero(*_arm_counts(data)).to_numpy()
        excluded = data.loc[dz, "study"].tolist()
        data = data.loc[~dz].reset_index(drop=True)
    k = len(data)
    if k < 2:
        raise ValueError(f"pooling needs at least 2 studies, {k} left after preparing the data")

    if model == "Peto":
        y, v = _peto_yv(data)
    elif measure in BINARY:
        y, v, corrected = _binary_yv(*_arm_counts(data), measure)
        if corrected.any():
            notes.append(
                "0.5 added to every cell of the trial(s) with an empty cell: "
                + ", ".join(data.loc[corrected, "study"])
            )
    else:
        y, v = _continuous_yv(data, measure)

    with np.errstate(divide="ignore", invalid="ignore"):
        res = combine_effects(y, v, method_re="dl", alpha=alpha)
    q = float(res.q)
    tau2: float | None = None
    if model in ("fixed", "Peto"):
        # Peto: the inverse-variance mean of (O - E)/V with variance 1/V is Peto's
        # sum(O - E) / sum(V), and its Q is Peto's heterogeneity statistic.
        est, se, weights = float(res.mean_effect_fe), float(res.sd_eff_w_fe), res.weights_rel_fe
    elif model == "MH":
        est, se, weights = _mantel_haenszel(data, measure)
        weights = weights / weights.sum()
        # Heterogeneity of MH: inverse-variance Q about the MH estimate (metafor rma.mh).
        q = float(np.sum((y - est) ** 2 / v))
        notes.append("Q for Mantel–Haenszel uses inverse-variance weights about the MH estimate")
    elif model == "DL":
        tau2 = float(res.tau2)
        if tau2 <= 0:
            # statsmodels does not truncate the DL moment estimate at 0; tau² = 0 makes
            # the random-effects result the fixed-effect one.
            if tau2 < 0:
                notes.append("DerSimonian–Laird tau² was negative and is truncated at 0")
            tau2 = 0.0
            est, se, weights = float(res.mean_effect_fe), float(res.sd_eff_w_fe), res.weights_rel_fe
        else:
            est, se = float(res.mean_effect_re), float(res.sd_eff_w_re)
            weights = res.weights_rel_re
    else:
        # PM, REML, ML, HE, SJ: roots of their estimating equations (evidence.meta_tau2);
        # statsmodels' own PM fit can reset a large tau² to 0.
        tau2 = meta_tau2.estimate(y, v, model)
        est, se = meta_tau2.weighted_mean(y, v, tau2)
        weights = 1 / (v + tau2) / np.sum(1 / (v + tau2))

    k_df = k - 1
    crit = _crit(alpha)
    if hksj:
        if tau2 is None:
            raise ValueError("the Hartung–Knapp–Sidik–Jonkman interval is for random-effects "
                             f"models {RANDOM}, not {model}")
        # Hartung & Knapp (2001), Sidik & Jonkman (2002): the weighted residual variance
        # scales the SE and the interval uses t on k - 1 df (no truncation, as metafor).
        w = 1 / (v + tau2)
        se = math.sqrt(float(np.sum(w * (y - est) ** 2)) / (k_df * float(np.sum(w))))
        crit = float(stats.t.isf(alpha / 2, k_df))
        notes.append(f"Hartung–Knapp–Sidik–Jonkman interval: t distribution on {k_df} df")
    lo, hi = est - crit * se, est + crit * se
    q_df = k_df
    i2 = max(0.0, (q - q_df) / q) * 100 if q > 0 else 0.0
    if tau2 is not None and model != "DL":
        # I² of the model's own tau² (Cochrane's 2024 rule, metafor's too); for DL this is
        # (Q - df)/Q exactly, which is kept as computed so the book's numbers stay put.
        i2 = meta_tau2.i2_from_tau2(tau2, v)
    pi_low = pi_high = None
    tau2_ci: tuple[float | None, float | None] = (None, None)
    i2_ci: tuple[float | None, float | None] = (None, None)
    if tau2 is not None:
        if k >= 3:
            half = float(stats.t.isf(alpha / 2, k - 2)) * math.sqrt(tau2 + se**2)
            pi_low, pi_high = est - half, est + half
        else:
            notes.append("no prediction interval: it needs at least 3 studies")
        tau2_ci = meta_tau2.q_profile_ci(y, v, alpha)
        i2_ci = tuple(meta_tau2.i2_from_tau2(t, v) for t in tau2_ci)  # type: ignore[assignment]

    # forest rows: each trial's own effect and Wald interval (Peto's for the Peto model)
    s_lo, s_hi = y - _crit(alpha) * np.sqrt(v), y + _crit(alpha) * np.sqrt(v)
    back = np.exp if measure in RATIO else (lambda x: x)
    studies = pd.DataFrame(
        {
            "study": data["study"].to_list(),
            "estimate": back(y),
            "ci_low": back(s_lo),
            "ci_high": back(s_hi),
            "weight": 100 * np.asarray(weights, float),
            "n": (data["n_treatment"] + data["n_control"]).to_numpy(float),
        }
    )
    z = est / se
    p = 2 * (stats.t.sf(abs(z), k_df) if hksj else stats.norm.sf(abs(z)))
    return PoolResult(
        measure=measure,
        model=model,
        alpha=alpha,
        estimate=float(back(est)),
        ci_low=float(back(lo)),
        ci_high=float(back(hi)),
        log_estimate=est,
        se=se,
        z=float(z),
        p=float(p),
        tau2=tau2,
        i2=float(i2),
        q=q,
        q_df=q_df,
        q_p=float(stats.chi2.sf(q, q_df)),
        pi_low=None if pi_low is None else float(back(pi_low)),
        pi_high=None if pi_high is None else float(back(pi_high)),
        n_studies=k,
        n_participants=float(studies["n"].sum()),
        studies=studies,
        excluded=excluded,
        notes=notes,
        hksj=bool(hksj),
        tau2_ci_low=tau2_ci[0],
        tau2_ci_high=tau2_ci[1],
        i2_ci_low=i2_ci[0],
        i2_ci_high=i2_ci[1],
    )


def pooled_nnt(df: pd.DataFrame, model: str, desirable: bool = True, alpha: float = 0.05,
               hksj: bool = False, multiarm: str = "combine") -> dict:
    """NNT from the risk difference pooled with the same model (see :func:`nnt_from_rd`).

    Kept simple on purpose: for RR/OR analyses the book quotes the NNT implied by the
    pooled RD rather than applying the pooled ratio to an assumed control risk.
    """
    model = "fixed" if model == "Peto" else model  # Peto pools odds ratios only
    rd = pool(df, "RD", model, alpha=alpha, hksj=hksj, multiarm=multiarm)
    return nnt_from_rd(rd.estimate, rd.ci_low, rd.ci_high, desirable=desirable)
