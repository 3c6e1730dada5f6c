"""Baclofen: what the data hold about it, what they do not, and how the book reads them.

Chapter 4 has almost no outcome data to pool: no randomised trial of baclofen in
fibromyalgia exists in ``data/``, and in low back pain only one baclofen-versus-placebo trial
(Dapas 1985, no numbers in its abstract), one add-on trial (Friedman 2019) and review
estimates for drug *classes* that may or may not contain baclofen. The rules here keep the
notebook (``notebooks/04_baclofen.ipynb``) honest about that:

* :func:`trials_of` counts the trials of a drug in a condition across every trial table, so
  "no trial" is a computed result, not a sentence typed into the chapter;
* :func:`baclofen_in_estimates` says, for every back-pain estimate the chapter shows, whether
  baclofen is in it, and why we think so, from ``data/annotations/baclofen_in_estimates.csv``
  (tests check each reason against the data's notes); :func:`back_pain_review_rows` lists the
  published back-pain estimates among them, in that file's order, for the chapter's table;
* :func:`difference_from_group_cis` approximates a between-group difference and its
  interval from two within-group means with their intervals (Friedman 2019 printed only
  those), under stated assumptions;
* small parsers turn printed facts ("20-2 against", "one controlled study (n=175): 63% vs
  36% placebo", titration days "1-3") into numbers, and fail loudly when the text changes.

Nothing here reads the data tables; the notebook loads them with :func:`evidence.data.load`.
The annotation above is the exception, read through :func:`evidence.data.load` too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import pandas as pd
from scipy import stats

from . import data

# --------------------------------------------------------------------------- trials


def trials_of(drug: str, condition: str, *tables: pd.DataFrame) -> list[str]:
    """Study keys with an arm of ``drug`` (or a ``drug_plus_...`` combination) in
    ``condition``, across trial tables that have ``study``, ``drug`` and ``condition``."""
    keys: list[str] = []
    for table in tables:
        drugs = table["drug"].astype(str)
        hit = (table["condition"] == condition) & (
            (drugs == drug) | drugs.str.startswith(f"{drug}_plus_")
        )
        keys += list(table.loc[hit, "study"])
    return list(dict.fromkeys(keys))


# --------------------------------------------------------------------------- which estimates

BACLOFEN_ARM = "baclofen arm"
CLASS_INCLUDES = "class includes baclofen; drug not identified"
REVIEW_INCLUDES = "review has baclofen trials; no separate estimate"
NOT_DETERMINED = "not determined"
NOT_BACLOFEN = "not baclofen"

STATUSES = (BACLOFEN_ARM, CLASS_INCLUDES, REVIEW_INCLUDES, NOT_DETERMINED, NOT_BACLOFEN)
ANNOTATION = "annotations/baclofen_in_estimates"
_KEY_COLUMNS = ("published_id", "design_id", "continuous_id")


def baclofen_in_estimates() -> dict[str, dict[str, str]]:
    """For each back-pain or fibromyalgia estimate chapter 4 shows (an id in published_pooled,
    trials_continuous or trials_design): whether it contains baclofen (``status``, one of
    :data:`STATUSES`) and on what grounds (``why``), in the order of
    ``data/annotations/baclofen_in_estimates.csv``. ``note_says`` is a phrase the row's own
    note must contain (case-insensitive) for the reason to hold; ``table`` names the table
    of the row. tests/chapters/test_04_baclofen.py checks every entry against the data."""
    out = {}
    for row in data.load(ANNOTATION, as_printed=True).to_dict("records"):
        (column,) = [c for c in _KEY_COLUMNS if row[c]]
        out[row[column]] = {"status": row["baclofen_in_it"], "why": row["why"],
                            "note_says": row["note_says"],
                            "table": column.removesuffix("_id")}
    return out


def back_pain_review_rows(published: pd.DataFrame, back_pain: Iterable[str]) -> list[str]:
    """The published estimates of :func:`baclofen_in_estimates` whose ``condition`` in
    ``published`` is one of ``back_pain``, in the annotation's order."""
    condition = published.set_index("id")["condition"]
    conditions = set(back_pain)
    return [i for i, e in baclofen_in_estimates().items()
            if e["table"] == "published" and condition[i] in conditions]


# --------------------------------------------------------------------------- numbers


def difference_from_group_cis(
    mean_1: float,
    low_1: float,
    high_1: float,
    mean_2: float,
    low_2: float,
    high_2: float,
    *,
    level: float = 0.95,
    alpha: float = 0.05,
) -> dict:
    """Difference of two group means (1 minus 2) with an approximate interval.

    For when a trial printed each group's mean with its own ``level`` confidence interval
    but no between-group interval. Assumes each interval is a symmetric normal-theory
    interval (so its standard error is its width / (2 z)) and that the groups are
    independent; then SE(diff) = sqrt(SE1² + SE2²). The result is an approximation, to be
    labelled as derived; ``asymmetry`` reports how far each printed interval is from
    symmetric around its mean (0 = symmetric), so the reader can see how good the first
    assumption is.
    """
    for m, lo, hi in ((mean_1, low_1, high_1), (mean_2, low_2, high_2)):
        if not lo <= m <= hi:
            raise ValueError(f"mean {m} lies outside its interval {lo} to {hi}")
    z_in = stats.norm.isf((1 - level) / 2)
    se_1 = (high_1 - low_1) / (2 * z_in)
    se_2 = (high_2 - low_2) / (2 * z_in)
    se = math.hypot(se_1, se_2)
    z_out = stats.norm.isf(alpha / 2)
    diff = mean_1 - mean_2

    def asym(m, lo, hi):
        return abs((hi - m) - (m - lo)) / (hi - lo)

    return {
        "difference": diff,
        "ci_low": diff - z_out * se,
        "ci_high": diff + z_out * se,
        "se": se,
        "se_1": se_1,
        "se_2": se_2,
        "asymmetry_1": asym(mean_1, low_1, high_1),
        "asymmetry_2": asym(mean_2, low_2, high_2),
    }


_CONTROLLED = re.compile(
    r"one controlled study \(n=(?P<n>\d+)\): (?P<drug>\d+(?:\.\d+)?)% vs "
    r"(?P<placebo>\d+(?:\.\d+)?)% placebo"
)


def controlled_study(text: str) -> dict:
    """``"...one controlled study (n=175): 63% vs 36% placebo"`` -> n and both percentages."""
    m = _CONTROLLED.search(str(text))
    if not m:
        raise ValueError(f"no 'one controlled study (n=N): X% vs Y% placebo' in {text!r}")
    return {"n": int(m["n"]), "pct_drug": float(m["drug"]), "pct_placebo": float(m["placebo"])}


def votes(text: str) -> tuple[int, int]:
    """``"20-2 against (...)"`` -> (20 against, 2 for)."""
    m = re.match(r"\s*(\d+)\s*[-–]\s*(\d+)\s+against\b", str(text))
    if not m:
        raise ValueError(f"cannot read a vote 'N-M against' from {text!r}")
    return int(m.group(1)), int(m.group(2))


def day_range(text: str) -> tuple[int, int] | None:
    """``"1-3"`` -> (1, 3); anything else (``"thereafter if needed"``) -> None."""
    m = re.fullmatch(r"\s*(\d+)\s*[-–]\s*(\d+)\s*", str(text))
    return (int(m.group(1)), int(m.group(2))) if m else None


def titration_summary(titration: pd.DataFrame) -> dict:
    """Start dose, days per step, the dose reached at the end of the fixed steps, the
    maximum, and the day the last fixed step starts, from the label's titration table."""
    ranges = [day_range(d) for d in titration["days"]]
    fixed = titration[[r is not None for r in ranges]]
    spans = {b - a + 1 for a, b in (r for r in ranges if r is not None)}
    if len(spans) != 1:
        raise ValueError(f"titration steps of unequal length: {sorted(spans)}")
    last = day_range(fixed["days"].iloc[-1])
    return {
        "start_mg_day": int(fixed["total_daily_dose_mg"].iloc[0]),
        "days_per_step": spans.pop(),
        "n_fixed_steps": len(fixed),
        "last_fixed_mg_day": int(fixed["total_daily_dose_mg"].iloc[-1]),
        "last_fixed_first_day": last[0],
        "max_mg_day": int(titration["total_daily_dose_mg"].max()),
    }


def untraceable_claims(claims: pd.DataFrame, drug: str = "baclofen") -> pd.DataFrame:
    """Claims that mention ``drug`` and whose verdict is "not found"."""
    mentions = claims["claim"].str.contains(drug, case=False, na=False)
    return claims[mentions & (claims["verdict"] == "not found")].copy()


def review_size(population: str) -> dict:
    """``"...; 49 trials, 31 analysed, 6505 participants"`` -> the three counts present."""
    out = {}
    for name, pattern in [("trials", r"(\d+) trials"), ("analysed", r"(\d+) analysed"),
                          ("participants", r"(\d+) participants")]:
        m = re.search(pattern, str(population))
        if m:
            out[name] = int(m.group(1))
    return out


def rows_with_status(ids: Iterable[str]) -> pd.DataFrame:
    """:func:`baclofen_in_estimates` for ``ids``, as a table (id, baclofen?, why)."""
    status = baclofen_in_estimates()
    return pd.DataFrame(
        [{"id": i, "baclofen in it?": status[i]["status"], "why": status[i]["why"]}
         for i in ids]
    )
