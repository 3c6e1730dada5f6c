"""Placebo responses across trials, and what they do to a number needed to treat.

The comparisons chapter sets responder rates on placebo side by side (they differ between
trials, which is one reason NNTs from different trials do not compare) and shows with
:func:`nnt_from_rr` how one relative effect gives different NNTs at different placebo rates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
        risk = placebo_risk(e)
        if risk is None:
            continue
        if e.basis == PUBLISHED:
            r = e.row
            scale = 10.0 if r["rate_unit"] == "per_1000" else 1.0
            unit = " per 1000" if r["rate_unit"] == "per_1000" else " %"
            out.append({
                "drug": drug, "Drug": e.option.label, "Outcome": vocab.outcome_label(outcome),
                "placebo_pct": 100 * risk,
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
                "placebo_pct": 100 * risk,
                "drug_pct": 100 * c["events_treatment"] / c["n_treatment"],
                "printed": f"{c['events_treatment']}/{c['n_treatment']} vs "
                           f"{c['events_control']}/{c['n_control']}",
                "Source (how it was read)":
                    f"{e.source_text} ({formatting.status_words(e.status)})",
                "sources": e.sources,
            })
    return pd.DataFrame(out)


def printed_placebo_risk(row: pd.Series) -> float | None:
    """A published row's printed control rate as a proportion (the rate is a percentage, or
    per 1000 where ``rate_unit`` says so), or None where the review printed none."""
    if formatting.blank(row["rate_control"]):
        return None
    scale = 1000.0 if row["rate_unit"] == "per_1000" else 100.0
    return float(row["rate_control"]) / scale


def placebo_risk(entry: Entry) -> float | None:
    """The risk on placebo behind an entry, as a proportion, or None where none is known:
    a published row's printed control rate, or, for a computed entry, placebo events over
    placebo participants summed over the trials pooled (a shared placebo group once)."""
    if entry.basis == NO_DATA:
        return None
    if entry.basis == PUBLISHED:
        return printed_placebo_risk(entry.row)
    c = entry.analysis.counts()
    return c["events_control"] / c["n_control"]


def per_1000_text(x: float) -> int:
    """A risk or difference per 1000 as printed: the nearest whole number, halves up (the
    same rule the in-page explorer's expressions use, so both print alike)."""
    return math.floor(x + 0.5)


@dataclass(frozen=True)
class AbsoluteEffect:
    """What a relative effect means at one placebo risk, per 1000 people (GRADE's
    "anticipated absolute effects"): the risk with placebo, the risk with the drug and its
    interval, and the difference. Values are unrounded; :meth:`texts` rounds for print."""

    placebo: float
    drug: float
    drug_low: float
    drug_high: float

    @property
    def difference(self) -> tuple[float, float, float]:
        return (self.drug - self.placebo, self.drug_low - self.placebo,
                self.drug_high - self.placebo)

    @property
    def number_needed(self) -> tuple[float, float, float] | None:
        """NNT (more people with the outcome) or NNH (fewer) and its interval, from the
        difference per 1000: 1000 / difference; None when the interval includes no
        difference (the number would run through infinity)."""
        diff, low, high = self.difference
        if low > 0 or high < 0:
            return (1000 / abs(diff), 1000 / max(abs(low), abs(high)),
                    1000 / min(abs(low), abs(high)))
        return None

    def texts(self) -> tuple[str, str]:
        """("307 per 1000", "506 per 1000 (337 to 761)\n199 more (30 to 454 more)")."""
        diff, low, high = (per_1000_text(x) for x in self.difference)

        def signed(x: int) -> str:
            return f"{abs(x)} {'more' if x >= 0 else 'fewer'}"

        drug = (f"{per_1000_text(self.drug)} per 1000 ({per_1000_text(self.drug_low)} to "
                f"{per_1000_text(self.drug_high)})")
        if (low >= 0) == (high >= 0):
            word = "more" if low >= 0 else "fewer"
            lo, hi = sorted((abs(low), abs(high)))
            between = f"{lo} to {hi} {word}"
        else:
            between = f"{signed(low)} to {signed(high)}"
        return f"{per_1000_text(self.placebo)} per 1000", f"{drug}\n{signed(diff)} ({between})"

    def number_needed_text(self) -> str:
        """``"NNT 4.8 (3.1 to 9)"`` for an outcome people want more of (``"NNH"`` when the
        drug gives fewer of it); says so when the interval includes no difference."""
        nn = self.number_needed
        if nn is None:
            return "no NNT: the interval includes no difference"
        kind = "NNT" if self.difference[0] > 0 else "NNH"
        value, low, high = (formatting.nnt(x) for x in nn)
        return f"{kind} {value} ({low} to {high})"

    def explorer_text(self) -> str:
        """What the in-page explorer prints for one option, a line each: the risk with the
        drug and its interval, the difference, the number needed."""
        return f"{self.texts()[1]}\n{self.number_needed_text()}"


def absolute_effect(measure: str, ratio: float, low: float, high: float,
                    placebo: float) -> AbsoluteEffect:
    """Risks per 1000 implied by a risk ratio or odds ratio and its interval at a placebo
    risk (a proportion), as GRADE's summary-of-findings tables compute them (Cochrane
    Handbook 14.1.5): RR: p_c × RR, at most 1; OR: p_c × OR / (1 − p_c + p_c × OR)."""
    if not 0 <= placebo <= 1:
        raise ValueError(f"placebo risk must be a proportion between 0 and 1, got {placebo}")
    if measure == "RR":
        def risk(r: float) -> float:
            return min(placebo * r, 1.0)  # a risk ratio cannot take a risk above 1
    elif measure == "OR":
        def risk(r: float) -> float:
            return placebo * r / (1 - placebo + placebo * r)
    else:
        raise ValueError(f"absolute effects need a risk ratio (RR) or odds ratio (OR), "
                         f"got {measure!r}")
    for name, value in (("ratio", ratio), ("low", low), ("high", high)):
        if not value >= 0:
            raise ValueError(f"{name} must be a non-negative ratio, got {value}")
    return AbsoluteEffect(1000 * placebo, 1000 * risk(ratio), 1000 * risk(low),
                          1000 * risk(high))


def row_ratio(row: pd.Series) -> tuple[str, float, float, float] | str:
    """A published row's ratio and interval as numbers (measure, estimate, low, high), or
    why it has none, in words."""
    measure = row["measure"]
    if measure not in ("RR", "OR"):
        return ("not applicable (a difference in scores)" if measure in ("MD", "SMD")
                else "the review printed no risk ratio")
    values = [row["estimate"], row["ci_low"], row["ci_high"]]
    if any(formatting.blank(v) for v in values):
        return "the review printed no interval"
    ratio, low, high = (float(v) for v in values)
    return measure, ratio, low, high


def entry_ratio(entry: Entry) -> tuple[str, float, float, float] | str:
    """An entry's ratio and interval (measure, estimate, low, high), or why it has none."""
    if entry.basis == NO_DATA:
        return "no estimate"
    if entry.basis == PUBLISHED:
        return row_ratio(entry.row)
    a = entry.analysis
    if a.measure not in ("RR", "OR") or a.estimate is None:
        return "no ratio to apply"
    return a.measure, a.estimate, a.ci_low, a.ci_high


def _at_risk(ratio: tuple[str, float, float, float] | str,
             risk: float | None) -> AbsoluteEffect | str:
    if isinstance(ratio, str):
        return ratio
    if risk is None:
        return "the review printed no placebo risk"
    return absolute_effect(*ratio, risk)


def row_absolute_effect(row: pd.Series) -> AbsoluteEffect | str:
    """The absolute effect of a published row at its printed placebo risk, or why there is
    none, in words for the summary of findings."""
    return _at_risk(row_ratio(row), printed_placebo_risk(row))


def entry_absolute_effect(entry: Entry) -> AbsoluteEffect | str:
    """The absolute effect of an entry at its own placebo risk, or why there is none."""
    return _at_risk(entry_ratio(entry), placebo_risk(entry))


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
