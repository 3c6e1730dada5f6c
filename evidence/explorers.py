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
