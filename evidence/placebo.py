"""Placebo responses across trials, and what they do to a number needed to treat.

The comparisons chapter sets responder rates on placebo side by side (they differ between
trials, which is one reason NNTs from different trials do not compare) and shows with
:func:`nnt_from_rr` how one relative effect gives different NNTs at different placebo rates.
"""

from __future__ import annotations

import pandas as pd

from . import formatting, vocab
from .comparisons import NO_DATA, PUBLISHED, Entry


def placebo_responses(published: pd.DataFrame, entries: dict[tuple[str, str], Entry]
                      ) -> pd.DataFrame:
    """Placebo responder rates behind the entries, for the cross-trial section.

    Published rows that print a control rate (converted to percent; per 1000 divided by
    ten) and computed entries (placebo events over placebo participants). Rounded rates
    (``secondary``) are kept as printed, in ``printed``.
    """
    out = []
    for (drug, outcome), e in entries.items():
        if not vocab.is_desirable(outcome) or e.basis == NO_DATA:
            continue
        if e.basis == PUBLISHED:
            r = e.row
            if formatting.blank(r["rate_control"]):
                continue
            scale = 10.0 if r["rate_unit"] == "per_1000" else 1.0
            unit = " per 1000" if r["rate_unit"] == "per_1000" else " %"
            out.append({
                "drug": drug, "Drug": e.option.label, "Outcome": vocab.outcome_label(outcome),
                "placebo_pct": float(r["rate_control"]) / scale,
                "drug_pct": None if formatting.blank(r["rate_treatment"])
                else float(r["rate_treatment"]) / scale,
                "printed": f"{r['rate_treatment']} vs {r['rate_control']}{unit}",
                "Source (how it was read)":
                    f"{e.source_text} ({formatting.status_words(e.status)})",
                "sources": e.sources,
            })
        else:
            c = e.analysis.counts()
            out.append({
                "drug": drug, "Drug": e.option.label, "Outcome": vocab.outcome_label(outcome),
                "placebo_pct": 100 * c["events_control"] / c["n_control"],
                "drug_pct": 100 * c["events_treatment"] / c["n_treatment"],
                "printed": f"{c['events_treatment']}/{c['n_treatment']} vs "
                           f"{c['events_control']}/{c['n_control']}",
                "Source (how it was read)":
                    f"{e.source_text} ({formatting.status_words(e.status)})",
                "sources": e.sources,
            })
    return pd.DataFrame(out)


def nnt_from_rr(rr: float, control_risk: float) -> float:
    """NNT implied by a risk ratio at a given control (placebo) risk: 1 / (p_c (RR - 1)).

    Shows why an NNT carries its trials' placebo response with it (Cochrane Handbook
    15.4.4): the same relative effect gives a smaller NNT where more people respond on
    placebo.
    """
    if not 0 < control_risk < 1:
        raise ValueError("control_risk must be a proportion between 0 and 1")
    if rr <= 1:
        raise ValueError("nnt_from_rr needs a risk ratio above 1 (a benefit)")
    return 1.0 / (control_risk * (rr - 1.0))
