"""The pharmacokinetic helpers (evidence/pk.py) against closed-form results and the label table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from evidence import data, pk
from evidence.pk import Dose

V = 58.0  # L
K = pk.elimination_rate(6.0)  # 1/h
KA = 1.0  # 1/h


@pytest.fixture(scope="module")
def table():
    return data.load("pharmacology/gabapentin_bioavailability")


@pytest.fixture(scope="module")
def titration():
    return data.load("pharmacology/gabapentin_phn_titration")


# ---- bioavailability look-up -------------------------------------------------------------

def test_printed_doses_return_the_printed_values(table):
    for _, row in table.iterrows():
        assert pk.bioavailability(row["daily_dose_mg"], table) == pytest.approx(
            row["oral_bioavailability_pct"] / 100)


def test_between_printed_doses_the_value_is_interpolated_linearly():
    toy = pd.DataFrame({"daily_dose_mg": [1000, 2000], "oral_bioavailability_pct": [60, 40]})
    assert pk.bioavailability(1500, toy) == pytest.approx(0.50)
    assert pk.bioavailability(1250, toy) == pytest.approx(0.55)


def test_bioavailability_falls_and_absorbed_dose_rises_less_than_dose(table):
    doses = np.linspace(table["daily_dose_mg"].min(), table["daily_dose_mg"].max(), 50)
    f = [pk.bioavailability(d, table) for d in doses]
    absorbed = [pk.absorbed_mg_per_day(d, table) for d in doses]
    assert all(a >= b for a, b in zip(f, f[1:], strict=False))  # never rises with dose
    assert all(b >= a for a, b in zip(absorbed, absorbed[1:], strict=False))  # more is absorbed
    # ... but quadrupling the lowest printed dose absorbs far less than four times as much
    lo = table["daily_dose_mg"].min()
    assert pk.absorbed_mg_per_day(4 * lo, table) < 4 * pk.absorbed_mg_per_day(lo, table)


def test_outside_the_printed_range_refuses_unless_asked_to_clamp(table):
    lo, hi = table["daily_dose_mg"].min(), table["daily_dose_mg"].max()
    with pytest.raises(ValueError, match="outside the label's printed range"):
        pk.bioavailability(lo / 2, table)
    with pytest.raises(ValueError, match="outside the label's printed range"):
        pk.bioavailability(hi * 2, table)
    assert pk.bioavailability(lo / 2, table, outside="clamp") == pk.bioavailability(lo, table)
    assert pk.bioavailability(hi * 2, table, outside="clamp") == pk.bioavailability(hi, table)


@pytest.mark.parametrize("bad", [0, -300, float("nan"), float("inf")])
def test_impossible_doses_are_refused(table, bad):
    with pytest.raises(ValueError, match="positive number of mg"):
        pk.bioavailability(bad, table)


def test_bad_tables_and_options_are_refused(table):
    with pytest.raises(ValueError, match="outside must be"):
        pk.bioavailability(1000, table, outside="extrapolate")
    dup = pd.DataFrame({"daily_dose_mg": [900, 900], "oral_bioavailability_pct": [60, 50]})
    with pytest.raises(ValueError, match="distinct"):
        pk.bioavailability(900, dup)


# ---- rate constants ----------------------------------------------------------------------

def test_half_life_and_rate_are_inverse():
    assert pk.half_life(pk.elimination_rate(6.3)) == pytest.approx(6.3)
    with pytest.raises(ValueError):
        pk.elimination_rate(0)


def test_kidney_scaling_is_proportional_to_creatinine_clearance():
    k_half = pk.scale_elimination_for_kidneys(K, 50, 100)
    assert pk.half_life(k_half) == pytest.approx(12.0)
    with pytest.raises(ValueError):
        pk.scale_elimination_for_kidneys(K, 0, 100)


def test_absorption_rate_reproduces_the_requested_peak_time():
    ka = pk.absorption_rate_for_tmax(2.5, K)
    assert pk.time_to_peak(ka, K) == pytest.approx(2.5)
    t = np.linspace(0, 24, 24001)
    c = pk.bateman(t, 300, 0.6, ka, K, V)
    assert t[np.argmax(c)] == pytest.approx(2.5, abs=1e-3)
    with pytest.raises(ValueError, match="impossible"):
        pk.absorption_rate_for_tmax(1 / K + 1, K)


# ---- the simulation against closed forms ------------------------------------------------

def test_single_dose_matches_the_bateman_function():
    frame = pk.simulate([Dose(0.0, 300, 0.6)], ka=KA, k=K, volume_l=V, end_h=48, step_h=0.1)
    expected = pk.bateman(frame["time_h"], 300, 0.6, KA, K, V)
    np.testing.assert_allclose(frame["concentration_mg_l"], expected, rtol=1e-6, atol=1e-9)


def test_the_absorbed_amount_is_conserved():
    """Gut + body + eliminated = F · dose; the eliminated part is k ∫ body dt."""
    frame = pk.simulate([Dose(0.0, 300, 0.6)], ka=KA, k=K, volume_l=V, end_h=24, step_h=0.01)
    eliminated = K * np.trapezoid(frame["body_mg"], frame["time_h"])
    total = frame["gut_mg"].iloc[-1] + frame["body_mg"].iloc[-1] + eliminated
    assert total == pytest.approx(180.0, rel=1e-4)


def test_steady_state_average_equals_f_dose_over_cl_tau():
    tau, dose, f = 8.0, 600.0, 0.405
    doses = [Dose(i * tau, dose, f) for i in range(int(120 / tau))]
    frame = pk.simulate(doses, ka=KA, k=K, volume_l=V, end_h=120, step_h=0.01)
    simulated = pk.average_over(frame, 120 - tau, 120)  # 20 half-lives in: steady state
    expected = f * dose / (K * V * tau)
    assert pk.steady_state_average(f, dose, K, V, tau) == pytest.approx(expected)
    assert simulated == pytest.approx(expected, rel=1e-4)


def test_half_life_is_recovered_from_the_simulated_decay():
    frame = pk.simulate([Dose(0.0, 600, 0.4)], ka=KA, k=K, volume_l=V, end_h=72, step_h=0.25)
    # Long after absorption (ka = 6.9 k) the decay is log-linear with slope -k.
    assert pk.terminal_half_life(frame, 36, 72) == pytest.approx(6.0, rel=1e-3)
    slow = pk.scale_elimination_for_kidneys(K, 30, 100)
    frame = pk.simulate([Dose(0.0, 600, 0.4)], ka=KA, k=slow, volume_l=V, end_h=240)
    assert pk.terminal_half_life(frame, 120, 240) == pytest.approx(20.0, rel=1e-3)


def test_superposition_holds_for_separate_dose_trains():
    a = [Dose(0.0, 300, 0.6), Dose(12.0, 300, 0.6)]
    b = [Dose(5.0, 800, 0.34)]
    sa, sb, sab = (pk.simulate(d, ka=KA, k=K, volume_l=V, end_h=36) for d in (a, b, a + b))
    np.testing.assert_allclose(sab["concentration_mg_l"],
                               sa["concentration_mg_l"] + sb["concentration_mg_l"],
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(sab["concentration_mg_l"],
                               pk.analytic_concentration(sab["time_h"], a + b, KA, K, V),
                               rtol=1e-6, atol=1e-9)


def test_doubling_the_absorbed_dose_doubles_the_concentration():
    one = pk.simulate([Dose(0.0, 300, 0.6)], ka=KA, k=K, volume_l=V, end_h=24)
    two = pk.simulate([Dose(0.0, 600, 0.6)], ka=KA, k=K, volume_l=V, end_h=24)
    np.testing.assert_allclose(two["concentration_mg_l"], 2 * one["concentration_mg_l"],
                               rtol=1e-6, atol=1e-9)


def test_simulation_refuses_impossible_settings():
    with pytest.raises(ValueError, match="positive"):
        pk.simulate([Dose(0.0, 300, 0.6)], ka=KA, k=-K, volume_l=V, end_h=24)
    with pytest.raises(ValueError, match="between 0 and end_h"):
        pk.simulate([Dose(30.0, 300, 0.6)], ka=KA, k=K, volume_l=V, end_h=24)


# ---- the labelled titration -------------------------------------------------------------

def test_titration_plan_follows_the_label_then_the_target(titration):
    plan = dict(pk.titration_plan(titration, target_start_day=5, days=6))
    # Label 2.1 (gabapentin_phn_titration.csv): 300 mg once, twice, three times a day,
    # then 600 mg three times a day; day 4 repeats day 3 because the target starts on day 5.
    assert [(plan[d].mg_per_dose, plan[d].doses_per_day) for d in range(1, 7)] == [
        (300, 1), (300, 2), (300, 3), (300, 3), (600, 3), (600, 3)]
    with pytest.raises(ValueError, match="cannot start before"):
        pk.titration_plan(titration, target_start_day=2, days=6)


def test_doses_from_plan_space_doses_evenly_and_use_per_dose_bioavailability(titration, table):
    plan = pk.titration_plan(titration, target_start_day=4, days=4)
    doses = pk.doses_from_plan(plan, table=table)
    assert [d.time_h for d in doses] == [8, 32, 44, 56, 64, 72, 80, 88, 96]
    assert doses[0].bioavailability == pytest.approx(0.60)  # 300 mg doses: the 900 mg/day value
    # 600 mg doses: the 1800 mg/day value, between the printed 1200 and 2400 mg/day values
    assert doses[-1].bioavailability == pytest.approx(
        0.47 + (1800 - 1200) / (2400 - 1200) * (0.34 - 0.47))
    half = pk.doses_from_plan(plan, table=table, dose_scale=0.5)
    assert half[0].mg == 150 and half[0].bioavailability == pytest.approx(0.60)  # clamped
    with pytest.raises(ValueError, match="outside"):
        pk.doses_from_plan(plan, table=table, dose_scale=0.5, outside="error")
    assert math.isclose(sum(d.mg for d in doses), 300 + 600 + 900 + 1800)
