"""Between-trial variance (τ²) of a random-effects meta-analysis: estimators and intervals.

Why this module exists: statsmodels' ``combine_effects`` offers DerSimonian–Laird and an
iterative Paule–Mandel fit, and nothing else. Its Paule–Mandel loop tests for a
negative value before it tests for convergence, so rounding at the solution (about
-4e-15) can reset a large τ² to 0 and silently turn a random-effects analysis into a
fixed-effect one (13 trials of BCG vaccine without trial 5: τ² 0 instead of 0.329).
Here every estimator is a root of its own estimating equation found with
``scipy.optimize.brentq``, so it cannot stop short.

All functions take per-study effects ``y`` and sampling variances ``v`` (arrays of the
same length k >= 2) and return τ² >= 0 on the scale of ``y``.

* DL, DerSimonian & Laird (1986): the method of moments on Cochran's Q.
* PM, Paule & Mandel (1982): τ² at which the generalised Q statistic equals k - 1
  (DerSimonian & Kacker 2007); the same as the empirical Bayes estimator.
* REML and ML: the (restricted) maximum-likelihood estimates of the normal
  random-effects model (Viechtbauer 2005).
* HE, Hedges (1983), and SJ, Sidik & Jonkman (2005): simple moment estimators.

The confidence interval of τ² is the Q-profile interval of Viechtbauer (2007): the
values of τ² at which the generalised Q statistic equals the chi-squared quantiles
on k - 1 degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize, stats

METHODS = ("DL", "PM", "REML", "ML", "HE", "SJ")
NAMES = {
    "DL": "DerSimonian–Laird",
    "PM": "Paule–Mandel",
    "REML": "restricted maximum likelihood",
    "ML": "maximum likelihood",
    "HE": "Hedges",
    "SJ": "Sidik–Jonkman",
}


def _arrays(y, v) -> tuple[np.ndarray, np.ndarray]:
    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    if y.shape != v.shape or y.ndim != 1 or len(y) < 2:
        raise ValueError("τ² needs effects and variances of at least 2 studies")
    return y, v


def weighted_mean(y, v, tau2: float) -> tuple[float, float]:
    """Inverse-variance mean of ``y`` with weights 1/(v + τ²), and its standard error."""
    w = 1.0 / (np.asarray(v, float) + tau2)
    return float(np.sum(w * y) / np.sum(w)), float(np.sqrt(1.0 / np.sum(w)))


def generalised_q(y, v, tau2: float) -> float:
    """Σ w (y - μ_w)² with w = 1/(v + τ²); Cochran's Q at τ² = 0. Decreasing in τ²."""
    mu, _ = weighted_mean(y, v, tau2)
    return float(np.sum((np.asarray(y, float) - mu) ** 2 / (np.asarray(v, float) + tau2)))


def _upper(f: Callable[[float], float], start: float) -> float:
    """A τ² at which the decreasing function ``f`` is negative (doubling from ``start``)."""
    ub = max(start, 1e-12)
    for _ in range(200):
        if f(ub) < 0:
            return ub
        ub *= 2
    raise ArithmeticError("no upper bound found for τ²")


def _root(f: Callable[[float], float], ub: float) -> float:
    return float(optimize.brentq(f, 0.0, ub, xtol=1e-300, rtol=4 * np.finfo(float).eps,
                                 maxiter=1000))


def solve_q(y, v, target: float) -> float:
    """The τ² at which the generalised Q equals ``target`` (0 when Q(0) <= target)."""
    y, v = _arrays(y, v)

    def f(t: float) -> float:
        return generalised_q(y, v, t) - target

    if f(0.0) <= 0:
        return 0.0
    spread = float(np.sum((y - y.mean()) ** 2))
    return _root(f, _upper(f, spread / max(target, 1e-12) + float(v.max())))


def dersimonian_laird(y, v) -> float:
    y, v = _arrays(y, v)
    w = 1.0 / v
    q = generalised_q(y, v, 0.0)
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return max(0.0, float((q - (len(y) - 1)) / c))


def paule_mandel(y, v) -> float:
    """Paule–Mandel τ²: the root of Q(τ²) = k - 1, found by Brent's method."""
    return solve_q(y, v, len(np.atleast_1d(y)) - 1)


def _likelihood_max(y, v, restricted: bool) -> float:
    """τ² >= 0 maximising the (restricted) log-likelihood of the random-effects model.

    The score is scanned on a grid for every change of sign from + to -, each such
    root is refined with Brent's method, and the best of them (or 0) is returned, so a
    likelihood with more than one local maximum still gives the global one.
    """
    y, v = _arrays(y, v)

    def parts(t: float) -> tuple[np.ndarray, float]:
        w = 1.0 / (v + t)
        return w, float(np.sum(w * y) / np.sum(w))

    def loglik(t: float) -> float:
        w, mu = parts(t)
        out = -0.5 * (np.sum(np.log(v + t)) + np.sum(w * (y - mu) ** 2))
        return float(out - 0.5 * np.log(np.sum(w))) if restricted else float(out)

    def score(t: float) -> float:
        w, mu = parts(t)
        trace = np.sum(w) - (np.sum(w**2) / np.sum(w) if restricted else 0.0)
        return float(np.sum(w**2 * (y - mu) ** 2) - trace)

    ub = _upper(score, 2 * float(np.sum((y - y.mean()) ** 2)) + float(v.max()))
    grid = np.concatenate([[0.0], np.geomspace(ub * 1e-12, ub, 400)])
    values = np.array([score(t) for t in grid])
    candidates = [0.0]
    for i in np.flatnonzero((values[:-1] > 0) & (values[1:] <= 0)):
        candidates.append(float(optimize.brentq(score, grid[i], grid[i + 1], xtol=1e-300,
                                                rtol=4 * np.finfo(float).eps, maxiter=1000)))
    return max(candidates, key=loglik)


def reml(y, v) -> float:
    return _likelihood_max(y, v, restricted=True)


def ml(y, v) -> float:
    return _likelihood_max(y, v, restricted=False)


def hedges(y, v) -> float:
    y, v = _arrays(y, v)
    return max(0.0, float(np.sum((y - y.mean()) ** 2) / (len(y) - 1) - v.mean()))


def sidik_jonkman(y, v) -> float:
    """Sidik & Jonkman (2005): re-weighting by a first guess, τ0² = Σ(y - ȳ)²/k."""
    y, v = _arrays(y, v)
    tau0 = float(np.sum((y - y.mean()) ** 2) / len(y))
    if tau0 == 0:
        return 0.0
    return tau0 * generalised_q(y, v, tau0) / (len(y) - 1)


ESTIMATORS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "DL": dersimonian_laird,
    "PM": paule_mandel,
    "REML": reml,
    "ML": ml,
    "HE": hedges,
    "SJ": sidik_jonkman,
}


def estimate(y, v, method: str) -> float:
    """τ² by ``method`` (one of :data:`METHODS`)."""
    if method not in ESTIMATORS:
        raise ValueError(f"unknown τ² estimator {method!r}; use one of {METHODS}")
    return ESTIMATORS[method](y, v)


def q_profile_ci(y, v, alpha: float = 0.05) -> tuple[float, float]:
    """Q-profile confidence interval of τ² (Viechtbauer 2007); bounds are truncated at 0."""
    y, v = _arrays(y, v)
    df = len(y) - 1
    low = solve_q(y, v, float(stats.chi2.isf(alpha / 2, df)))
    high = solve_q(y, v, float(stats.chi2.ppf(alpha / 2, df)))
    return low, high


def typical_variance(v) -> float:
    """Higgins & Thompson's (2002) 'typical' within-study variance s² (weights 1/v)."""
    w = 1.0 / np.asarray(v, float)
    return float((len(w) - 1) * np.sum(w) / (np.sum(w) ** 2 - np.sum(w**2)))


def i2_from_tau2(tau2: float, v) -> float:
    """I² (percent) implied by a τ²: 100 τ² / (τ² + s²)."""
    s2 = typical_variance(v)
    return 100.0 * tau2 / (tau2 + s2)
