"""Between-trial variance (τ²) of a random-effects meta-analysis: estimators and intervals.

Why this module exists: statsmodels' ``combine_effects`` offers DerSimonian–Laird and an
iterative Paule–Mandel fit, and nothing else. Its Paule–Mandel loop tests for a
negative value before it tests for convergence, so rounding at the solution (about
-4e-15) can reset a large τ² to 0 and silently turn a random-effects analysis into a
fixed-effect one (13 trials of BCG vaccine without trial 5: τ² 0 instead of 0.329).
Here the estimate is the root of its estimating equation found with
``scipy.optimize.brentq``, so it cannot stop short.

All functions take per-study effects ``y`` and sampling variances ``v`` (arrays of the
same length k >= 2) and return τ² >= 0 on the scale of ``y``.

* PM, Paule & Mandel (1982): τ² at which the generalised Q statistic equals k - 1
  (DerSimonian & Kacker 2007).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize

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


def paule_mandel(y, v) -> float:
    """Paule–Mandel τ²: the root of Q(τ²) = k - 1, found by Brent's method."""
    return solve_q(y, v, len(np.atleast_1d(y)) - 1)
