"""Explorers: charts a reader changes in the page, offline, with the Vega the site serves.

Each explorer is an Altair chart whose controls are Vega-Lite parameters bound to inputs,
and whose numbers are computed by Vega expressions that mirror an engine function line by
line; the browser tests hold the two to the same printed text for many inputs. The static
SVG drawn at build time shows the default setting, for print and for readers without
JavaScript.

* :func:`absolute_effects` — the summary of findings' relative effects at a placebo risk
  the reader chooses: risk with the drug per 1000, the difference and the NNT, as
  :meth:`evidence.placebo.AbsoluteEffect.explorer_text` prints them.
"""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import pandas as pd
from scipy import stats

from .display import PALETTE

PLACEBO_PARAM = "placebo_per_1000"

# Vega expressions for the engine's rules (evidence.placebo): a risk per 1000 printed as
# the nearest whole number, halves up; a difference as "N more" or "N fewer"; an NNT as
# evidence.formatting.nnt prints it (one decimal below 10, whole from 10, no trailing .0).
_R = "floor({x} + 0.5)"
_SIGNED = "(abs({x}) + ' ' + ({x} >= 0 ? 'more' : 'fewer'))"
_NNT = ("({x} >= 10 ? format({x}, '.0f') : "
        "replace(format({x}, '.1f'), regexp('\\\\.0$'), ''))")


def _risk(field: str) -> str:
    """Risk with the drug (a proportion) at placebo risk p for a ratio in ``field``."""
    r = f"datum.{field}"
    return (f"datum.measure == 'OR' ? datum.p * {r} / (1 - datum.p + datum.p * {r})"
            f" : min(datum.p * {r}, 1)")


def absolute_effects(rows: Iterable[dict], *, default_per_1000: int, title: str,
                     description: str) -> alt.LayerChart:
    """The absolute-effects explorer: one row per option (``option``, ``outcome`` in words,
    ``measure`` RR or OR, ``ratio``, ``low``, ``high``), a slider for the risk with placebo
    (1 to 999 per 1000, starting at ``default_per_1000``), and for each option the risk
    with the drug and its interval as a point and line, with the numbers in words beneath."""
    data = pd.DataFrame(list(rows),
                        columns=["option", "outcome", "measure", "ratio", "low", "high"])
    if data.empty:
        raise ValueError("absolute_effects needs at least one option with a ratio")
    bad = data[~data["measure"].isin(["RR", "OR"])]
    if len(bad):
        raise ValueError(f"absolute_effects: {bad['option'].iloc[0]!r} has measure "
                         f"{bad['measure'].iloc[0]!r}; only RR and OR have absolute effects")
    placebo = alt.param(
        name=PLACEBO_PARAM, value=int(default_per_1000),
        bind=alt.binding_range(min=1, max=999, step=1,
                               name="Risk with placebo (per 1000 people): "))
    r = {x: _R.format(x=f"datum.{x}") for x in ("drug", "drug_low", "drug_high", "diff",
                                                  "dlow", "dhigh")}
    calcs = [
        ("p", f"{PLACEBO_PARAM} / 1000"),
        ("drug", "1000 * (" + _risk("ratio") + ")"),
        ("drug_low", "1000 * (" + _risk("low") + ")"),
        ("drug_high", "1000 * (" + _risk("high") + ")"),
        ("pl", "1000 * datum.p"),
        ("diff", "datum.drug - datum.pl"),
        ("dlow", "datum.drug_low - datum.pl"),
        ("dhigh", "datum.drug_high - datum.pl"),
        ("rd", r["diff"]), ("rlow", r["dlow"]), ("rhigh", r["dhigh"]),
        ("between", "(datum.rlow >= 0) == (datum.rhigh >= 0)"
                    " ? min(abs(datum.rlow), abs(datum.rhigh)) + ' to '"
                    " + max(abs(datum.rlow), abs(datum.rhigh))"
                    " + (datum.rlow >= 0 ? ' more' : ' fewer')"
                    f" : {_SIGNED.format(x='datum.rlow')} + ' to '"
                    f" + {_SIGNED.format(x='datum.rhigh')}"),
        ("nn_ok", "datum.dlow > 0 || datum.dhigh < 0"),
        ("nn", "1000 / abs(datum.diff)"),
        ("nn_low", "1000 / max(abs(datum.dlow), abs(datum.dhigh))"),
        ("nn_high", "1000 / min(abs(datum.dlow), abs(datum.dhigh))"),
        ("nn_text", "datum.nn_ok ? (datum.diff > 0 ? 'NNT ' : 'NNH ') + "
                    + _NNT.format(x="datum.nn") + " + ' (' + " + _NNT.format(x="datum.nn_low")
                    + " + ' to ' + " + _NNT.format(x="datum.nn_high") + " + ')'"
                    " : 'no NNT: the interval includes no difference'"),
        ("risk_text", f"{r['drug']} + ' per 1000 (' + {r['drug_low']}"
                      f" + ' to ' + {r['drug_high']} + ')'"),
        ("diff_text", f"{_SIGNED.format(x='datum.rd')} + ' (' + datum.between + ')'"),
        # What AbsoluteEffect.explorer_text prints, under the option and its outcome.
        ("shown", "datum.risk_text + '\\n' + datum.diff_text + '\\n' + datum.nn_text"),
        ("label", "datum.option + '\\n' + datum.outcome + '\\n' + datum.shown"),
    ]
    base = alt.Chart(data)
    for name, expr in calcs:
        base = base.transform_calculate(**{name: expr})
    # Each option's band: its interval near the top, its five lines of text beneath.
    y = alt.Y("option:N", sort=None, axis=None, title=None, bandPosition=0.1,
              scale=alt.Scale(paddingInner=0, paddingOuter=0))
    x_scale = alt.Scale(domain=[0, 1000], nice=False)
    interval = base.mark_rule(strokeWidth=2, color=PALETTE["treatment"]).encode(
        x=alt.X("drug_low:Q", scale=x_scale,
                title="Risk with the drug per 1000"),
        x2="drug_high:Q", y=y)
    point = base.mark_point(filled=True, size=60, color=PALETTE["treatment"]).encode(
        x="drug:Q", y=y)
    tick = base.mark_tick(orient="vertical", color="#555555", thickness=2, size=16).encode(
        x="pl:Q", y=y)
    text = base.mark_text(align="left", baseline="top", lineBreak="\n", fontSize=11,
                          dy=10, color="#222222").encode(
        x=alt.value(0), y=y, text="label:N")
    return (alt.layer(interval, tick, point, text)
            .add_params(placebo)
            .properties(width=460, height=alt.Step(100), title=title, description=description,
                        usermeta={"explorer": "absolute_effects", "param": PLACEBO_PARAM}))


DOSE_PARAM, TIMES_PARAM, CRCL_PARAM = "daily_dose_mg", "doses_per_day", "crcl_ml_min"
DOSE_STEP = 300


def dosing(*, ka: float, k_ref: float, reference_crcl: float, volume_l: float,
           bioavailability_by_dose: dict[int, float], bands: list[dict], days: int,
           start_dose: int, start_times: int, start_crcl: int, title: str,
           description: str) -> alt.VConcatChart:
    """The dosing explorer: the one-compartment concentration curve of
    :func:`evidence.pk.analytic_concentration` (the same dose every ``24 / n`` hours from
    time 0) as a reader moves the daily dose, the number of doses a day and the creatinine
    clearance, with the label's dose band for that clearance and the steady-state average.

    ``bioavailability_by_dose`` maps each daily dose the slider offers (multiples of
    300 mg) to its bioavailability (:func:`evidence.pk.bioavailability`); ``bands`` are the
    label's renal bands, highest first, each ``{"lower", "inclusive", "words", "min",
    "max"}`` (:func:`evidence.pk.gabapentin_renal_band` picks the same). Elimination scales
    with clearance: k = k_ref × CrCl / reference_crcl.
    """
    doses = sorted(bioavailability_by_dose)
    if doses != list(range(DOSE_STEP, doses[-1] + 1, DOSE_STEP)):
        raise ValueError("bioavailability_by_dose needs every multiple of 300 mg from 300 mg")
    f_list = "[" + ", ".join(repr(float(bioavailability_by_dose[d])) for d in doses) + "]"
    f_expr = f"{f_list}[{DOSE_PARAM} / {DOSE_STEP} - 1]"  # the bioavailability of the dose
    k_expr = f"{k_ref!r} * {CRCL_PARAM} / {reference_crcl!r}"  # elimination at that CrCl
    if not bands:
        raise ValueError("dosing needs the label's renal bands")

    def band_value(b: dict) -> str:
        who, range_ = b["words"].split(": ", 1)  # two lines: whom the band is for, its doses
        return (f"{{who: {who + ':'!r}, doses: {range_!r}, min: {b['min']!r}, "
                f"max: {b['max']!r}}}")

    band = band_value(bands[-1])  # the lowest band holds whatever is below the others
    for b in reversed(bands[:-1]):
        op = ">=" if b["inclusive"] else ">"
        band = f"({CRCL_PARAM} {op} {b['lower']!r} ? {band_value(b)} : {band})"
    params = [
        alt.param(name=DOSE_PARAM, value=int(start_dose),
                  bind=alt.binding_range(min=doses[0], max=doses[-1], step=DOSE_STEP,
                                         name="Daily dose (mg): ")),
        alt.param(name=TIMES_PARAM, value=int(start_times),
                  bind=alt.binding_radio(options=[1, 2, 3, 4],
                                         name="Doses a day: ")),
        alt.param(name=CRCL_PARAM, value=int(start_crcl),
                  bind=alt.binding_range(min=15, max=150, step=1,
                                         name="Creatinine clearance (mL/min): ")),
    ]
    # Doses at 0, tau, 2 tau ...: the sum over those before t of e^(-r (t - j tau)), in a
    # form that cannot overflow: e^(-r (t - m tau)) (1 - e^(-r tau (m + 1))) / (1 - e^(-r tau)).
    def doses_sum(r: str) -> str:
        return (f"exp(-{r} * (datum.t - datum.m * datum.tau)) * (1 - exp(-{r} * datum.tau *"
                f" (datum.m + 1))) / (1 - exp(-{r} * datum.tau))")

    curve = (
        alt.Chart(alt.sequence(0, days * 24 + 0.25, 0.5, as_="t"))
        .transform_calculate(
            tau=f"24 / {TIMES_PARAM}",
            mg=f"{DOSE_PARAM} / {TIMES_PARAM}",
            f=f_expr,
            k=k_expr,
            m="floor(datum.t / datum.tau + 1e-9)",
        )
        .transform_calculate(
            c=(f"datum.f * datum.mg * {ka!r} / ({volume_l!r} * ({ka!r} - datum.k)) * ("
               + doses_sum("datum.k") + " - " + doses_sum(repr(ka)) + ")"),
            day="datum.t / 24",
        )
        .mark_line(color=PALETTE["treatment"], strokeWidth=2)
        .encode(x=alt.X("day:Q", title="Days from the first dose",
                        scale=alt.Scale(domain=[0, days], nice=False)),
                y=alt.Y("c:Q", title="Concentration (mg/L)")))
    info = (
        alt.Chart(alt.Data(values=[{"line": i} for i in range(4)]))
        .transform_calculate(
            band=band,
            f=f_expr,
            k=k_expr,
            css=f"datum.f * {DOSE_PARAM} / (datum.k * {volume_l!r} * 24)",
            where=f"{DOSE_PARAM} < datum.band.min ? 'below' : {DOSE_PARAM} > datum.band.max"
                  " ? 'above' : 'within'",
            text="[" + ", ".join([
                "'Label, ' + datum.band.who", "datum.band.doses",
                "'This dose is ' + datum.where + ' that range.'",
                "'Average at steady state: ' + format(datum.css, '.1f') + ' mg/L'"])
                 + "][datum.line]",
        )
        .mark_text(align="left", baseline="top", fontSize=11, color="#222222")
        .encode(x=alt.value(0), y=alt.Y("line:O", axis=None, title=None),
                text="text:N"))
    # (The average over a dosing interval does not depend on how the day's dose is split:
    # F × daily dose / (CL × 24 h).)
    return (alt.vconcat(info.properties(width=460, height=56), curve.properties(
                width=460, height=220), spacing=4)
            .add_params(*params)
            .properties(title=title, description=description,
                        usermeta={"explorer": "dosing", "params": [DOSE_PARAM, TIMES_PARAM,
                                                                    CRCL_PARAM]}))


MODEL_PARAM, LEAVE_OUT_PARAM = "pool_model", "leave_out"
NO_LEAVE_OUT = "none"
Z_95 = float(stats.norm.isf(0.025))  # the normal 97.5th percentile, as meta.pool uses


def pooling_rows(trials: pd.DataFrame, measure: str) -> list[dict]:
    """The rows a pooling explorer needs from two-arm trials: each study's effect on the log
    scale and its variance, exactly as :func:`evidence.meta.pool` computes them (0.5 added
    to every cell of a trial with an empty cell; a trial with no events in either arm left
    out, as the engine leaves it out)."""
    from . import meta

    table = meta.as_numeric_table(trials, measure)
    dz = meta._double_zero(*meta._arm_counts(table)).to_numpy()
    kept = table.loc[~dz].reset_index(drop=True)
    y, v = meta.effect_sizes(kept, measure)
    counts = kept[list(meta.BINARY_COLUMNS[1:])].astype(int).to_dict("records")
    return [{"study": s, **c, "yi": float(a), "vi": float(b)}
            for s, c, a, b in zip(kept["study"], counts, y, v, strict=True)]


def pooling(rows: Iterable[dict], *, measure: str, title: str, description: str,
            width: int = 420) -> alt.VConcatChart:
    """The pooling explorer: each trial's ratio and 95 % CI, and their pooled estimate
    recomputed in the page, fixed effect (inverse variance) or random effects
    (DerSimonian–Laird tau², truncated at 0), with one trial left out if the reader picks
    one: estimate, interval, tau² and I² (:func:`evidence.meta.pool` with model "fixed" or
    "DL"). ``rows`` come from :func:`pooling_rows`."""
    data = pd.DataFrame(list(rows))
    if not {"study", "yi", "vi"} <= set(data.columns):
        raise ValueError("pooling rows need study, yi and vi (see pooling_rows)")
    if len(data) < 1:
        raise ValueError("a pooling explorer needs at least one trial")
    studies = list(data["study"])
    params = [
        alt.param(name=MODEL_PARAM, value="DL", bind=alt.binding_radio(
            options=["fixed", "DL"], labels=["fixed effect", "random effects (DerSimonian–Laird)"],
            name="Model: ")),
        alt.param(name=LEAVE_OUT_PARAM, value=NO_LEAVE_OUT, bind=alt.binding_select(
            options=[NO_LEAVE_OUT, *studies], labels=["no trial", *studies],
            name="Leave out: ")),
    ]
    keep = f"datum.study != {LEAVE_OUT_PARAM}"
    y = alt.Y("study:N", sort=None, title=None, axis=alt.Axis(labelLimit=160))
    x_scale = alt.Scale(type="log")
    trials = (alt.Chart(data)
              .transform_calculate(est="exp(datum.yi)",
                                   low=f"exp(datum.yi - {Z_95!r} * sqrt(datum.vi))",
                                   high=f"exp(datum.yi + {Z_95!r} * sqrt(datum.vi))",
                                   kept=keep))
    opacity = alt.condition("datum.kept", alt.value(1), alt.value(0.25))
    rules = trials.mark_rule(strokeWidth=2, color=PALETTE["treatment"]).encode(
        x=alt.X("low:Q", scale=x_scale, title=f"{measure} (log scale), 95 % CI"), x2="high:Q",
        y=y, opacity=opacity)
    points = trials.mark_point(filled=True, size=50, color=PALETTE["treatment"]).encode(
        x="est:Q", y=y, opacity=opacity)
    one = alt.Chart(alt.Data(values=[{"v": 1}])).mark_rule(color="#555555", aria=False).encode(
        x=alt.datum(1))
    forest = alt.layer(one, rules, points).properties(width=width, name="forest_plot_panel",
                                                       height=alt.Step(22))
    # The pooled estimate, as evidence.meta.pool computes it (statsmodels' combine_effects):
    # Q = sum w y^2 - (sum w y)^2 / sum w; tau^2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 /
    # sum w)); I^2 = max(0, (Q - (k - 1)) / Q) x 100.
    pooled = (
        alt.Chart(data)
        .transform_filter(keep)
        .transform_calculate(w="1 / datum.vi", wy="datum.yi / datum.vi",
                             wy2="datum.yi * datum.yi / datum.vi", w2="1 / (datum.vi * datum.vi)")
        .transform_joinaggregate(sw="sum(w)", swy="sum(wy)", swy2="sum(wy2)", sw2="sum(w2)",
                                 k="count()")
        .transform_calculate(
            q="datum.swy2 - datum.swy * datum.swy / datum.sw",
            tau2=f"{MODEL_PARAM} == 'DL' && datum.k > 1 ? max(0, (datum.q - (datum.k - 1)) /"
                 " (datum.sw - datum.sw2 / datum.sw)) : 0",
            ws="1 / (datum.vi + datum.tau2)", wsy="datum.yi / (datum.vi + datum.tau2)")
        .transform_joinaggregate(sws="sum(ws)", swsy="sum(wsy)")
        .transform_window(row="row_number()")
        .transform_filter("datum.row == 1")
        .transform_calculate(
            mu="datum.swsy / datum.sws", se="sqrt(1 / datum.sws)",
            estimate="exp(datum.mu)", ci_low=f"exp(datum.mu - {Z_95!r} * datum.se)",
            ci_high=f"exp(datum.mu + {Z_95!r} * datum.se)",
            i2="datum.k > 1 && datum.q > 0 ? max(0, (datum.q - (datum.k - 1)) / datum.q) * 100"
               " : 0",
            lines=(
                "datum.k < 2 ? ['One trial left: nothing is pooled;', 'its own estimate is "
                "the only one.', ''] : ["
                f"'Pooled {measure} ' + format(datum.estimate, '.2f') + ' (95 % CI ' + "
                "format(datum.ci_low, '.2f') + ' to ' + format(datum.ci_high, '.2f') + ')', "
                f"datum.k + ' trials, ' + ({MODEL_PARAM} == 'DL' ? 'random effects' : "
                "'fixed effect'), "
                f"({MODEL_PARAM} == 'DL' ? 'τ² = ' + format(datum.tau2, '.3f') + '; ' : '') + "
                "'I² = ' + format(datum.i2, '.0f') + ' %']"))
        .transform_flatten(["lines"], as_=["line"])
        .transform_window(index="row_number()")
        .mark_text(align="left", baseline="top", fontSize=11, color="#222222")
        .encode(x=alt.value(0), y=alt.Y("index:O", axis=None, title=None), text="line:N")
        .properties(width=width, height=44))
    return (alt.vconcat(forest, pooled, spacing=6)
            .add_params(*params)
            .properties(title=title, description=description,
                        usermeta={"explorer": "pooling", "measure": measure,
                                  "params": [MODEL_PARAM, LEAVE_OUT_PARAM]}))
