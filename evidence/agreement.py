"""Published pooled results beside the book's own: which published rows match an analysis,
how each relates to ours (agrees within rounding, pools other trials, was not calculated, or
measures something else) and why, in the words of
``data/annotations/published_comparison_reasons.csv``.

:func:`compare` lines our estimates up beside a review's printed ones; :func:`compare_tables`
turns the result into the two tables the chapters paste.
"""

from __future__ import annotations

import pandas as pd

from . import data, formatting
from .analyses import Analysis


def matching_rows(
    published: pd.DataFrame,
    *,
    drug: str,
    outcome: str,
    condition: str = "fibromyalgia",
) -> pd.DataFrame:
    """The rows of ``published_pooled`` for one drug × condition × outcome."""
    mask = (
        (published["drug"] == drug)
        & (published["condition"] == condition)
        & (published["outcome"] == outcome)
    )
    return published[mask].copy()


AGREES = "agrees within rounding"
DIFFERENT_TRIALS = "different trial set"
NOT_CALCULATED = "not calculated by the review"
DIFFERENT_MEASURE = "different measure"
CATEGORIES = (AGREES, DIFFERENT_TRIALS, NOT_CALCULATED, DIFFERENT_MEASURE)

REASONS_TABLE = "annotations/published_comparison_reasons"


def documented_reasons() -> dict[str, tuple[str, str]]:
    """Why each published row that matches one of our analyses (same drug, condition and
    outcome) differs from ours: published row id -> (category, explanation), from
    ``data/annotations/published_comparison_reasons.csv`` (its categories are
    :data:`CATEGORIES`; tests/data/test_published_agreement.py checks every claim against
    the data)."""
    table = data.load(REASONS_TABLE, as_printed=True)
    return dict(zip(table["id"], zip(table["relation"], table["why"], strict=True),
                    strict=True))


COLUMNS = [
    "analysis_id", "ours", "our_nnt", "our_trials", "our_participants", "review", "published",
    "published_dose", "published_trials", "published_participants", "ci_overlap", "relation",
    "why", "published_source", "published_status", "published_id",
]


def compare(
    analysis: Analysis,
    published: pd.DataFrame,
    *,
    reasons: dict[str, tuple[str, str]] | None = None,
    printed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Our estimate beside each published row for the same drug, condition and outcome.

    ``reasons`` (default :func:`documented_reasons`) maps a published row id to the
    documented (category, explanation) of how it relates to ours; a matching row without
    an entry is an error, so a review added to ``data/`` later cannot slip by unread.
    ``ci_overlap`` says whether the two intervals share any value (None when the review
    printed no interval). ``printed`` is the same table read with ``as_printed=True``,
    so the published numbers keep the precision the review printed.
    """
    reasons = documented_reasons() if reasons is None else reasons
    sel = analysis.selection
    rows = matching_rows(published, drug=sel.drug, outcome=sel.outcome, condition=sel.condition)
    missing = [i for i in rows["id"] if i not in reasons]
    if missing:
        raise ValueError(
            f"{analysis.analysis_id}: published rows without a documented reason in "
            f"data/{REASONS_TABLE}.csv: {missing}"
        )
    out = []
    for index, row in rows.iterrows():
        category, why = reasons[row["id"]]
        overlap = None
        if (
            str(row["measure"]) == analysis.measure
            and pd.notna(row["ci_low"])
            and pd.notna(row["ci_high"])
            and analysis.estimate is not None
        ):
            overlap = intervals_overlap(
                (analysis.ci_low, analysis.ci_high), (float(row["ci_low"]), float(row["ci_high"]))
            )
        out.append(
            {
                "analysis_id": analysis.analysis_id,
                "ours": analysis.label(),
                "our_nnt": (analysis.nnt or {}).get("label"),
                "our_trials": analysis.n_studies,
                "our_participants": analysis.n_participants,
                "review": row["review"],
                "published": formatting.published_estimate(
                    row if printed is None else printed.loc[index]),
                "published_dose": row["dose_mg_day"] if pd.notna(row["dose_mg_day"]) else "all",
                "published_trials": None if pd.isna(row["n_studies"]) else int(row["n_studies"]),
                "published_participants": (
                    None if pd.isna(row["n_participants"]) else int(row["n_participants"])
                ),
                "ci_overlap": overlap,
                "relation": category,
                "why": why,
                "published_source": row["source"],
                "published_status": row["status"],
                "published_id": row["id"],
            }
        )
    return pd.DataFrame(out, columns=COLUMNS)


def intervals_overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Do two confidence intervals share any value?"""
    return max(a[0], b[0]) <= min(a[1], b[1])



def compare_tables(
    comparison: pd.DataFrame, results: dict[str, Analysis]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two readable tables from :func:`published_comparison` rows: the numbers side by
    side (one row per published estimate) and the reasons in words (one row per reason).
    ``results`` maps analysis ids to their :class:`Analysis`."""
    overlap = {True: "yes", False: "no"}
    view = pd.DataFrame(
        {
            "analysis": comparison["analysis_id"],
            "ours: RR (95% CI)": comparison["analysis_id"].map(
                lambda i: results[i].effect_text()
            ),
            "ours: NNT": comparison["our_nnt"],
            "review": comparison["review"],
            "review's dose": comparison["published_dose"],
            "review's estimate": comparison["published"],
            "review's trials": comparison["published_trials"].map(
                lambda k: "not printed" if k is None or pd.isna(k) else str(int(k))
            ),
            "review's participants": comparison["published_participants"].map(
                lambda n: "not printed" if n is None or pd.isna(n) else str(int(n))
            ),
            "intervals overlap": comparison["ci_overlap"].map(
                lambda x: overlap.get(x, "no interval to compare")
            ),
            "relation": comparison["relation"],
        }
    ).set_index("analysis")
    reasons = (
        comparison.groupby("why", sort=False)
        .agg(
            relation=("relation", "first"),
            applies_to=(
                "published_id",
                lambda ids: ", ".join(ids),
            ),
        )
        .reset_index()[["relation", "why", "applies_to"]]
        .set_index("relation")
    )
    return view, reasons
