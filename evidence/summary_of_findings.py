"""The summary of findings of the comparisons chapter: one row a drug and outcome, in words.

The entries are :mod:`evidence.comparisons`'; this module says what each means with GRADE's
standard phrasing (:func:`meaning`), picks a drug's headline benefit, and reads the
editorial annotations the table needs: why a certainty rating is what it is, and which
back-pain rows the summary shows (``data/annotations/``).
"""

from __future__ import annotations

import statistics

from . import placebo, vocab
from .comparisons import FM_OPTIONS, NO_DATA, NOT_RATED, Entry, Option, option_label

CERTAINTY_TABLE = "annotations/certainty_reasons"
SOF_TABLE = "annotations/summary_of_findings_back_pain"

# Analyses another notebook already records under the same id (record_analysis ids must be
# unique across notebooks): 03_gabapentin_fm_trial.ipynb and 03_pooled_fibromyalgia.ipynb.
RECORDED_ELSEWHERE = frozenset({
    "gabapentin_fm_pain30",
    "gabapentin_fm_withdrawal_ae",
    "sodium_oxybate_fm_pain30",
    "sodium_oxybate_fm_pain50",
    "sodium_oxybate_fm_withdrawal_ae",
})


def meaning(subject: str, outcome_name: str, certainty: str, significant: bool | None,
            basis: str, *, plural: bool = False, reason: str = "", change: str = "more"
            ) -> str:
    """What an entry means in words, with GRADE's standard phrasing for its certainty.

    High: "X increases ..."; moderate: "X probably increases ..."; low: "X may increase
    ..."; very low: "The evidence is very uncertain about the effect of X on ...". An
    interval that includes no effect reads "little or no difference". Without a GRADE
    rating in data/, the sentence says what the trials showed and that no rating was read.
    ``change`` is "more" (the drug raises the chance of the outcome) or "less" (it reduces
    it, for pain scores).
    """
    if basis == NO_DATA:
        return f"No estimate: {reason}." if reason else "No estimate available."
    level = certainty.lower().strip()
    low = subject[0].lower() + subject[1:]
    if change == "more":
        s_form, base, past = "increases", "increase", "increased"
        obj = f"the chance of {outcome_name}"
    else:
        s_form, base, past = "reduces", "reduce", "reduced"
        obj = outcome_name
    if plural:
        s_form = base
    make = "make" if plural else "makes"
    if level == "very low":
        return f"The evidence is very uncertain about the effect of {low} on {outcome_name}."
    if level in ("high", "moderate", "low"):
        hedge = {"high": "", "moderate": "probably ", "low": "may "}[level]
        if significant is False:
            verb = f"{hedge}{make if level != 'low' else 'make'} little or no difference to"
            return f"{subject} {verb} {outcome_name}."
        verb = base if level == "low" else s_form
        text = f"{subject} {hedge}{verb} {obj}."
        if significant is None:
            text = text[:-1] + " (no interval printed)."
        return text
    rated = ("certainty was not rated in the sources read" if level in ("", NOT_RATED)
             or level.startswith("not recorded") else f"certainty rated {certainty}")
    if significant is False:
        return (f"In the trials behind this estimate the interval included no effect of {low} "
                f"on {outcome_name}; {rated}.")
    interval = "" if significant else " (no interval printed)"
    return f"In the trials behind this estimate, {low} {past} {obj}{interval}; {rated}."


def headline_benefit(entries: dict[tuple[str, str], Entry], option: Option) -> Entry:
    """The summary-of-findings benefit for a drug: at least 50 % less pain where there is
    an entry, else at least 30 %, else the (missing) 50 % entry."""
    e50 = entries[(option.drug, "pain_response_50")]
    e30 = entries[(option.drug, "pain_response_30")]
    if e50.basis != NO_DATA:
        return e50
    if e30.basis != NO_DATA:
        return e30
    return e50


def certainty_reasons() -> dict[str, str]:
    """Why a rating is what it is, where data/ records it (published row id -> words)."""
    return {r["id"]: r["reason"] for r in vocab.rows(CERTAINTY_TABLE)}


def sof_back_pain() -> tuple[tuple[str, str, str, bool, str], ...]:
    """The back-pain rows of the summary of findings, in order: row id, subject, outcome in
    words, whether the subject is plural, and whether the drug is expected to give "more" of
    the outcome (an adverse event) or "less" (pain)."""
    return tuple((r["id"], r["subject"], r["outcome_words"], r["plural"] == "true", r["change"])
                 for r in vocab.rows(SOF_TABLE))


def absolute_explorer_rows(entries: dict[tuple[str, str], Entry]
                           ) -> tuple[list[dict], list[Entry], int]:
    """What the absolute-effects explorer shows: one row per fibromyalgia option whose
    headline benefit has a ratio (``option``, ``outcome``, ``measure``, ``ratio``, ``low``,
    ``high``), the entries they come from, and the starting risk with placebo: the median
    of those entries' own placebo risks, per 1000 (:func:`placebo.per_1000_text`)."""
    rows, used, own_risks = [], [], []
    for o in FM_OPTIONS:
        e = headline_benefit(entries, o)
        ratio = placebo.entry_ratio(e)
        if isinstance(ratio, str):
            continue
        measure, estimate, low, high = ratio
        same = [x for (d, _), x in entries.items() if d == o.drug]
        rows.append({"option": option_label(o, same), "outcome": vocab.outcome_label(e.outcome),
                     "measure": measure, "ratio": estimate, "low": low, "high": high})
        used.append(e)
        risk = placebo.placebo_risk(e)
        if risk is not None:
            own_risks.append(risk)
    return rows, used, placebo.per_1000_text(1000 * statistics.median(own_risks))
