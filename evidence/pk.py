"""Pharmacokinetics for the teaching chapter: bioavailability look-up and a one-compartment model.

Two things live here.

1. **Gabapentin's dose-dependent bioavailability.** The label prints approximate oral
   bioavailability at five daily doses (each taken in three divided doses); it falls
   as the dose rises. :func:`bioavailability` returns the printed value at a printed
   dose and interpolates linearly between printed doses. Outside the printed range it
   refuses, unless the caller asks to hold the nearest printed value
   (``outside="clamp"``): that is an assumption, and the notebook that uses it says so.

2. **A one-compartment model with first-order absorption and elimination**, the
   simplest model that shows what a dosing schedule does to plasma levels: the
   rise while doses accumulate, the peaks and troughs within a dosing interval,
   the steady state, and how a lower elimination rate (poorer kidney function, for a
   drug cleared by the kidneys) raises all of them. :func:`simulate` integrates the
   model's differential equations numerically; :func:`bateman` and
   :func:`steady_state_average` are the textbook closed forms the tests hold the
   simulation to.

Units throughout: mg, L, h; concentrations in mg/L (numerically the same as µg/mL).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

LN2 = math.log(2.0)


# ---------------------------------------------------------------------------------------
# Bioavailability
# ---------------------------------------------------------------------------------------


def _bioavailability_points(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(daily doses in mg, bioavailability as a fraction), sorted by dose and checked."""
    doses = pd.to_numeric(table["daily_dose_mg"], errors="raise").to_numpy(dtype=float)
    pct = pd.to_numeric(table["oral_bioavailability_pct"], errors="raise").to_numpy(dtype=float)
    order = np.argsort(doses)
    doses, frac = doses[order], pct[order] / 100.0
    if len(doses) < 2 or np.any(np.diff(doses) <= 0):
        raise ValueError("the bioavailability table needs two or more distinct daily doses")
    if np.any((frac <= 0) | (frac > 1)):
        raise ValueError("bioavailability must lie in (0, 100] %")
    return doses, frac


def bioavailability(daily_dose_mg: float, table: pd.DataFrame, *, outside: str = "error") -> float:
    """Oral bioavailability (a fraction, 0–1) of gabapentin at ``daily_dose_mg``.

    ``table`` is ``data/pharmacology/gabapentin_bioavailability.csv``. At a printed
    dose the printed value is returned; between printed doses the value is
    interpolated linearly in dose. Outside the printed range ``outside="error"``
    (the default) raises ``ValueError``; ``outside="clamp"`` returns the value at the
    nearest printed dose.
    """
    if outside not in ("error", "clamp"):
        raise ValueError(f"outside must be 'error' or 'clamp'; got {outside!r}")
    dose = float(daily_dose_mg)
    if not math.isfinite(dose) or dose <= 0:
        raise ValueError(f"daily dose must be a positive number of mg; got {daily_dose_mg!r}")
    doses, frac = _bioavailability_points(table)
    if (dose < doses[0] or dose > doses[-1]) and outside == "error":
        raise ValueError(
            f"{dose:g} mg/day is outside the label's printed range "
            f"({doses[0]:g}-{doses[-1]:g} mg/day); pass outside='clamp' to hold the "
            "nearest printed value (an assumption)"
        )
    return float(np.interp(dose, doses, frac))


def absorbed_mg_per_day(daily_dose_mg: float, table: pd.DataFrame, **kwargs) -> float:
    """Milligrams reaching the circulation per day: dose × bioavailability."""
    return float(daily_dose_mg) * bioavailability(daily_dose_mg, table, **kwargs)


# ---------------------------------------------------------------------------------------
# Rate constants
# ---------------------------------------------------------------------------------------


def _maintenance_bands(table: pd.DataFrame) -> list[tuple[pd.Series, float, bool]]:
    """The renal table's maintenance rows, highest first, each with its lower edge and
    whether the edge is inside the band (only the ">=60" band's is)."""
    rows = table[table["row_type"] == "maintenance"].sort_values(
        "crcl_ml_min_lower", ascending=False)
    return [(row, float(row["crcl_ml_min_lower"]),
             str(row["crcl_ml_min_label"]).startswith(">=")) for _, row in rows.iterrows()]


def gabapentin_renal_band(crcl_ml_min: float, table: pd.DataFrame) -> pd.Series:
    """The maintenance row of gabapentin's renal dosing table (the label's Table 1) that
    holds a creatinine clearance: ">=60" from 60 up; a band printed ">30 to 59" from just
    above its lower edge; the "15" row at 15 mL/min and below (where the label reduces the
    dose further in proportion)."""
    bands = _maintenance_bands(table)
    for row, lower, inclusive in bands:
        if crcl_ml_min > lower or (inclusive and crcl_ml_min >= lower):
            return row
    return bands[-1][0]


def renal_bands(table: pd.DataFrame) -> list[dict]:
    """The maintenance bands of the renal table, highest first, as the dosing explorer
    chooses among them (the same rule as :func:`gabapentin_renal_band`): lower edge,
    whether the edge is inside, the band in words, the daily dose range."""
    return [{"lower": lower, "inclusive": inclusive, "words": renal_band_words(r),
             "min": int(r["total_daily_dose_mg_min"]), "max": int(r["total_daily_dose_mg_max"])}
            for r, lower, inclusive in _maintenance_bands(table)]


def renal_band_words(row: pd.Series) -> str:
    """A renal-table band in words: "creatinine clearance at least 60 mL/min: 900 to 3600
    mg a day"."""
    label = str(row["crcl_ml_min_label"])
    where = (f"at least {label[2:]} mL/min" if label.startswith(">=") else
             f"over {label[1:]} mL/min" if label.startswith(">") else f"{label} mL/min or less")
    return (f"creatinine clearance {where}: {int(row['total_daily_dose_mg_min'])} "
            f"to {int(row['total_daily_dose_mg_max'])} mg a day")


def elimination_rate(half_life_h: float) -> float:
    """First-order elimination rate constant k (1/h) from a half-life."""
    if not half_life_h > 0:
        raise ValueError(f"half-life must be positive; got {half_life_h!r}")
    return LN2 / half_life_h


def half_life(k_per_h: float) -> float:
    """Half-life (h) from a first-order rate constant."""
    if not k_per_h > 0:
        raise ValueError(f"rate constant must be positive; got {k_per_h!r}")
    return LN2 / k_per_h


def scale_elimination_for_kidneys(k_ref: float, crcl_ml_min: float, reference_crcl_ml_min: float):
    """Elimination rate at another creatinine clearance, for a drug cleared only by the kidneys.

    Assumes the drug's clearance is proportional to creatinine clearance, so
    ``k = k_ref × CrCl / CrCl_ref`` (volume unchanged). That is a modelling
    assumption; the notebook states it beside the parameter.
    """
    if not crcl_ml_min > 0 or not reference_crcl_ml_min > 0:
        raise ValueError("creatinine clearances must be positive")
    return k_ref * crcl_ml_min / reference_crcl_ml_min


def time_to_peak(ka: float, k: float) -> float:
    """Time of the peak after one oral dose: ln(ka/k) / (ka − k)."""
    if not (ka > 0 and k > 0):
        raise ValueError("rate constants must be positive")
    if math.isclose(ka, k):
        return 1.0 / k
    return math.log(ka / k) / (ka - k)


def absorption_rate_for_tmax(tmax_h: float, k: float) -> float:
    """The absorption rate constant ka (> k) that puts the single-dose peak at ``tmax_h``.

    The peak time falls from 1/k (as ka approaches k) towards 0 (as ka grows), so a
    solution exists only for 0 < tmax < 1/k.
    """
    from scipy.optimize import brentq

    if not 0 < tmax_h < 1.0 / k:
        raise ValueError(f"a peak at {tmax_h!r} h is impossible with k = {k:.4g}/h "
                         f"(it must be below 1/k = {1 / k:.3g} h)")
    return float(brentq(lambda ka: time_to_peak(ka, k) - tmax_h, k * (1 + 1e-9), k * 1e6))


# ---------------------------------------------------------------------------------------
# Doses and the model
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dose:
    """One oral dose: when (h from the start), how much (mg), and the fraction absorbed."""

    time_h: float
    mg: float
    bioavailability: float

    @property
    def absorbed_mg(self) -> float:
        return self.mg * self.bioavailability


def bateman(t_h, dose_mg: float, f: float, ka: float, k: float, volume_l: float):
    """Concentration (mg/L) after one oral dose at time 0 (zero before it): the Bateman function."""
    t = np.asarray(t_h, dtype=float)
    if math.isclose(ka, k):
        c = f * dose_mg / volume_l * k * t * np.exp(-k * t)
    else:
        c = f * dose_mg * ka / (volume_l * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t))
    return np.where(t >= 0, c, 0.0)


def analytic_concentration(t_h, doses: Sequence[Dose], ka: float, k: float, volume_l: float):
    """Concentration from many doses by superposing their Bateman curves (linear model)."""
    t = np.asarray(t_h, dtype=float)
    total = np.zeros_like(t)
    for d in doses:
        total = total + bateman(t - d.time_h, d.mg, d.bioavailability, ka, k, volume_l)
    return total


def steady_state_average(f: float, dose_mg: float, k: float, volume_l: float, tau_h: float):
    """Average steady-state concentration: F·Dose / (CL·τ), with CL = k·V."""
    if not tau_h > 0:
        raise ValueError("the dosing interval must be positive")
    return f * dose_mg / (k * volume_l * tau_h)


def simulate(
    doses: Sequence[Dose],
    *,
    ka: float,
    k: float,
    volume_l: float,
    end_h: float,
    step_h: float = 0.25,
) -> pd.DataFrame:
    """Integrate the one-compartment oral model numerically.

    State: drug in the gut (``gut_mg``) and in the body (``body_mg``). Between doses
    ``d gut/dt = −ka·gut`` and ``d body/dt = ka·gut − k·body``; at each dose the
    absorbed amount (mg × bioavailability) is added to the gut. Returns one row per
    ``step_h`` from 0 to ``end_h``: time, gut and body amounts, concentration (mg/L).
    """
    from scipy.integrate import solve_ivp

    if not (ka > 0 and k > 0 and volume_l > 0 and end_h > 0 and step_h > 0):
        raise ValueError("ka, k, volume, end and step must all be positive")
    grid = np.round(np.arange(0.0, end_h + step_h / 2, step_h), 10)
    events = sorted(doses, key=lambda d: d.time_h)
    if any(d.time_h < 0 or d.time_h > end_h for d in events):
        raise ValueError("every dose must fall between 0 and end_h")
    bounds = sorted({0.0, end_h, *(d.time_h for d in events)})

    def rhs(_t, y):
        gut, body = y
        return [-ka * gut, ka * gut - k * body]

    state = np.array([0.0, 0.0])
    out = np.zeros((len(grid), 2))
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        state = state + [sum(d.absorbed_mg for d in events if d.time_h == start), 0.0]
        inside = (grid >= start) & ((grid < stop) | (stop == end_h))
        sol = solve_ivp(rhs, (start, stop), state, method="LSODA", rtol=1e-9, atol=1e-12,
                        dense_output=True)
        if not sol.success:  # pragma: no cover - the system is linear and well behaved
            raise RuntimeError(sol.message)
        if inside.any():
            out[inside] = sol.sol(grid[inside]).T
        state = sol.y[:, -1]
    out = np.clip(out, 0.0, None)
    return pd.DataFrame({"time_h": grid, "gut_mg": out[:, 0], "body_mg": out[:, 1],
                         "concentration_mg_l": out[:, 1] / volume_l})


def average_over(frame: pd.DataFrame, start_h: float, end_h: float) -> float:
    """Time-averaged concentration between two times (trapezoidal AUC / duration)."""
    part = frame[(frame["time_h"] >= start_h - 1e-9) & (frame["time_h"] <= end_h + 1e-9)]
    auc = np.trapezoid(part["concentration_mg_l"], part["time_h"])
    return float(auc / (end_h - start_h))


def terminal_half_life(frame: pd.DataFrame, start_h: float, end_h: float) -> float:
    """Half-life from the log-linear slope of the concentration between two times."""
    part = frame[(frame["time_h"] >= start_h) & (frame["time_h"] <= end_h)]
    part = part[part["concentration_mg_l"] > 0]
    slope = np.polyfit(part["time_h"], np.log(part["concentration_mg_l"]), 1)[0]
    return LN2 / -slope


# ---------------------------------------------------------------------------------------
# The labelled titration schedule
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Regimen:
    """A daily regimen: mg per dose and doses per day."""

    mg_per_dose: float
    doses_per_day: int

    @property
    def daily_mg(self) -> float:
        return self.mg_per_dose * self.doses_per_day


def regimen_from_row(row: pd.Series) -> Regimen:
    """Read mg per dose from the regimen text ("300 mg twice a day") and doses per day from
    the row's total daily dose, checking that they agree."""
    m = re.search(r"(\d+(?:\.\d+)?)\s*mg", str(row["regimen"]))
    if not m:
        raise ValueError(f"titration row {row.get('id')!r}: no mg per dose in {row['regimen']!r}")
    per_dose = float(m.group(1))
    lo, hi = float(row["total_daily_dose_mg_min"]), float(row["total_daily_dose_mg_max"])
    if lo != hi:
        raise ValueError(f"titration row {row.get('id')!r}: a dose range is not one regimen")
    n = lo / per_dose
    if not n.is_integer() or n < 1:
        raise ValueError(f"titration row {row.get('id')!r}: {lo:g} mg/day is not a whole "
                         f"number of {per_dose:g} mg doses")
    return Regimen(per_dose, int(n))


def titration_plan(table: pd.DataFrame, *, target_start_day: int, days: int):
    """Regimen for each day 1..days: the labelled day-by-day steps, then the target.

    ``table`` is ``data/pharmacology/gabapentin_phn_titration.csv``. Days between the
    last labelled step and ``target_start_day`` repeat the last step (the label says
    to titrate "as needed"; when the target is reached is the caller's assumption).
    """
    steps = table[table["step"].astype(str).str.startswith("titration")].copy()
    steps["day"] = pd.to_numeric(steps["day"], errors="raise").astype(int)
    steps = steps.sort_values("day")
    target_rows = table[table["step"].astype(str).str.startswith("target")]
    if len(target_rows) != 1 or steps.empty:
        raise ValueError("the titration table needs day-by-day steps and one target row")
    last_day = int(steps["day"].max())
    if target_start_day <= last_day:
        raise ValueError(f"the target cannot start before the labelled steps end (day {last_day})")
    by_day = {int(r["day"]): regimen_from_row(r) for _, r in steps.iterrows()}
    target = regimen_from_row(target_rows.iloc[0])
    plan, current = [], None
    for day in range(1, days + 1):
        if day in by_day:
            current = by_day[day]
        elif day >= target_start_day:
            current = target
        if current is None:
            raise ValueError(f"no labelled regimen for day {day}")
        plan.append((day, current))
    return plan


def doses_from_plan(plan, *, table: pd.DataFrame, dose_scale: float = 1.0,
                    first_dose_h: float = 8.0, outside: str = "clamp") -> list[Dose]:
    """Dose events for a plan: doses spread evenly over each day from ``first_dose_h``.

    Each dose's bioavailability is the label's value for three such doses a day
    (its daily dose = 3 × the single dose), i.e. absorption is taken to saturate
    with the size of each dose; ``dose_scale`` multiplies every dose.
    """
    if not dose_scale > 0:
        raise ValueError("dose_scale must be positive")
    out = []
    for day, reg in plan:
        mg = reg.mg_per_dose * dose_scale
        f = bioavailability(3 * mg, table, outside=outside)
        interval = 24.0 / reg.doses_per_day
        for i in range(reg.doses_per_day):
            out.append(Dose((day - 1) * 24.0 + first_dose_h + i * interval, mg, f))
    return out
