"""Gabapentinoids in back pain and sciatica: which rows the book shows, and how.

Chapter 3 reports back pain mostly through published reviews (Shanthanna 2017, Enke 2018,
Kolber 2021), many of whose numbers were read second-hand, plus two trials with arm counts
(Atkinson 2016 via Kolber, and PRECISE, Mathieson 2017, whose counts are derived from
printed percentages). The rules that pick those rows live here, so the notebook
(``notebooks/03_back_pain.ipynb``) does not hide them in filters and the tests can check them:

* :func:`published_rows` picks every published estimate for a gabapentinoid in a back-pain
  condition (group ``back_pain`` of the vocabulary); :func:`published_table` turns them into
  the table the chapter shows, with each number *as printed*, its source, status and the
  evidence pack's caveat flags.
* :func:`pain_differences` picks the pain mean differences against placebo that share one
  0–10 scale and one direction (drug minus placebo, so below zero favours the drug), from
  both the reviews and the trial table; rows whose scale or sign convention is not stated
  are left out and said so.
* how each published row that matches one of our own analyses relates to it is documented,
  beside the fibromyalgia analyses' reasons, in
  ``data/annotations/published_comparison_reasons.csv`` (see
  :func:`evidence.agreement.compare`).

Nothing here reads the data tables; the notebook loads them with :func:`evidence.data.load`.
Which conditions are back pain (group ``back_pain``) and their words come from
``data/vocabulary/conditions.csv`` (:mod:`evidence.vocab`).
"""

from __future__ import annotations

import re

import pandas as pd

from . import comparisons as cmp
from . import formatting, vocab

GABAPENTINOIDS = frozenset({"gabapentin", "pregabalin", "gabapentinoids"})
BACK_PAIN = "back_pain"  # the group of conditions in data/vocabulary/conditions.csv


def flags(note: object) -> list[str]:
    """The editor's capitalised caveat flags in a note (the evidence pack's README, "Column
    conventions"), in the order of the caveat vocabulary: each says the number needs care
    before it is quoted. :func:`vocab.caveat_label` gives the reader's words for one."""
    if not isinstance(note, str):
        return []
    return [f for f in vocab.caveats() if re.search(rf"(?<![A-Z-]){re.escape(f)}(?![A-Z-])", note)]


def published_rows(published: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``published_pooled`` for a gabapentinoid in any back-pain condition."""
    mask = published["condition"].isin(vocab.conditions_in(BACK_PAIN)) & published["drug"].isin(
        GABAPENTINOIDS
    )
    return published[mask].copy()


def _count(x: object) -> str:
    if x is None or x == "" or (isinstance(x, float) and pd.isna(x)):
        return "not printed"
    return str(int(float(x)))


def published_table(published: pd.DataFrame, printed: pd.DataFrame) -> pd.DataFrame:
    """The published back-pain estimates as the chapter shows them.

    ``printed`` is the same table read with ``as_printed=True``: every estimate keeps the
    precision its source printed (``-0.0``, ``1.50``). One row per estimate, in file order.
    """
    rows = published_rows(published)
    out = []
    for index, row in rows.iterrows():
        text = formatting.published_estimate(printed.loc[index])
        out.append(
            {
                "review": vocab.study_name(row["review"]),
                "comparison": row["comparison"],
                "condition": vocab.condition_label(row["condition"]),
                "outcome": row["outcome_as_reported"],
                "estimate as printed": text,
                "trials": _count(row["n_studies"]),
                "participants": _count(row["n_participants"]),
                "GRADE": row["grade"] if isinstance(row["grade"], str) else "not recorded",
                "read in": row["source"],
                "status": row["status"],
                "how it was read": formatting.read_in(row["status"], row["source"]),
                "caveat": "; ".join(vocab.caveat_label(f) for f in flags(row["note"])),
                "id": row["id"],
            }
        )
    return pd.DataFrame(out).set_index("id")


# --------------------------------------------------------------------------- pain

PAIN_OUTCOMES = frozenset(
    {"pain_intensity", "pain_intensity_short_term", "pain_intensity_immediate_term"}
)
_ZERO_TO_TEN = re.compile(r"\b0\s*[-–]\s*10\b")


def pain_differences(published: pd.DataFrame, continuous: pd.DataFrame) -> tuple:
    """Pain mean differences, drug minus placebo, on a stated 0–10 scale.

    From ``published_pooled``: gabapentinoid MD rows against placebo in a back-pain
    condition whose ``model_method`` states a 0–10 scale. From ``trials_continuous``:
    gabapentinoid-versus-placebo rows with a printed difference and CI, whose
    ``difference_type`` says "minus placebo" and whose ``scale`` is 0–10. Returns
    ``(kept, left_out)``: ``kept`` has one row per estimate (``label``, ``estimate``,
    ``ci_low``, ``ci_high``, ``kind`` "review" or "trial", ``source``, ``status``, ``id``);
    ``left_out`` names each other pain MD against placebo and why it is not drawn.
    """
    kept, left = [], []
    pub = published_rows(published)
    pub = pub[(pub["measure"] == "MD") & pub["outcome"].isin(PAIN_OUTCOMES)]
    for row in pub.itertuples():
        if "vs placebo" not in str(row.comparison):
            continue  # active comparators answer another question
        if not _ZERO_TO_TEN.search(str(row.model_method)):
            left.append({"id": row.id, "why": "scale not stated in the source read"})
            continue
        k = "" if pd.isna(row.n_studies) else f" ({int(row.n_studies)} trials)"
        kept.append(
            {
                "label": f"{vocab.study_name(row.review)}{k}",
                "condition": vocab.condition_label(row.condition),
                "estimate": float(row.estimate),
                "ci_low": float(row.ci_low),
                "ci_high": float(row.ci_high),
                "trials": row.n_studies,
                "participants": row.n_participants,
                "kind": "review",
                "source": row.source,
                "status": row.status,
                "id": row.id,
            }
        )
    trials = continuous[
        continuous["condition"].isin(vocab.conditions_in(BACK_PAIN))
        & continuous["drug"].isin(GABAPENTINOIDS)
        & (continuous["comparator"] == "placebo")
        & continuous["difference"].notna()
    ]
    for row in trials.itertuples():
        pain = "pain" in str(row.outcome)
        if not pain:
            continue
        reasons = []
        if "minus placebo" not in str(row.difference_type):
            reasons.append("direction of the difference not stated as drug minus placebo")
        if not _ZERO_TO_TEN.search(str(row.scale)):
            reasons.append("not on a 0-10 scale")
        if pd.isna(row.ci_low) or pd.isna(row.ci_high):
            reasons.append("no confidence interval printed")
        if reasons:
            left.append({"id": row.id, "why": "; ".join(reasons)})
            continue
        weeks = "" if pd.isna(row.timepoint_weeks) else f", week {int(row.timepoint_weeks)}"
        kept.append(
            {
                "label": f"{vocab.study_name(row.study)}: {row.outcome.split('_')[0]} pain"
                f"{weeks}",
                "condition": vocab.condition_label(row.condition),
                "estimate": float(row.difference),
                "ci_low": float(row.ci_low),
                "ci_high": float(row.ci_high),
                "trials": 1,
                "participants": (
                    int(row.n_treatment + row.n_control)
                    if pd.notna(row.n_treatment) and pd.notna(row.n_control)
                    else None
                ),
                "kind": "trial",
                "source": row.source,
                "status": row.status,
                "id": row.id,
            }
        )
    return pd.DataFrame(kept), pd.DataFrame(left, columns=["id", "why"])


# --------------------------------------------------------------------------- charts


def side_by_side(chart, effects: list[str], measure: str):
    """Adapt an :func:`evidence.charts.forest_plot` whose rows are shown side by side, not
    pooled: drop the weight column (there are no weights) and print each row's effect as
    its source printed it (``effects``, one text per drawn row, in order, such as
    ``"-1.6 (-15.3 to 12.1)"``) instead of at two decimals. Returns the chart.
    """
    table = chart.hconcat[0].data
    drawn = (table["kind"] != "heading").to_numpy()
    if int(drawn.sum()) != len(effects):
        raise ValueError(f"{len(effects)} effect texts for {int(drawn.sum())} drawn rows")
    table.loc[drawn, "effect"] = list(effects)
    if (table.loc[drawn, "weight"].notna()).any():
        raise ValueError("side_by_side: the rows carry weights; keep the weight column")
    chart.hconcat = list(chart.hconcat[:3])
    for row, text in zip(chart.usermeta["table"], effects, strict=True):
        m = re.fullmatch(r"(\S+) \((\S+) to (\S+)\)", text)
        if not m:
            raise ValueError(f"effect text {text!r} is not 'estimate (low to high)'")
        row[measure] = m.group(1)
        row["95% CI"] = f"{m.group(2)} to {m.group(3)}"
        row.pop("Weight", None)
    return chart


# ------------------------------------------------------------- the comparisons chapter's table
# Every published back-pain estimate beside the drug classes with none (chapter 5).

BACK_PAIN_CONDITIONS_TABLE = "annotations/back_pain_table_conditions"
BACK_PAIN_CLASSES_TABLE = "annotations/back_pain_table_classes"



def back_pain_conditions() -> list[str]:
    """The back-pain populations whose published rows the back-pain table shows (a selection
    of the vocabulary's group back_pain: ``data/annotations/back_pain_table_conditions.csv``)."""
    return [r["condition"] for r in vocab.rows(BACK_PAIN_CONDITIONS_TABLE)]


def back_pain_classes() -> list[str]:
    """The drugs and classes of the back-pain table, in its order
    (``data/annotations/back_pain_table_classes.csv``)."""
    return [r["drug"] for r in vocab.rows(BACK_PAIN_CLASSES_TABLE)]


def back_pain_missing_sources() -> list[str]:
    """The bibliography keys behind the back-pain table's missing classes."""
    return sorted({k for m in cmp.missing_evidence(cmp.BACK_PAIN).values() for k in m.sources})


def back_pain_rows(published: pd.DataFrame) -> pd.DataFrame:
    """Every published row for a back-pain condition, in class order (as printed)."""
    rows = published[published["condition"].isin(back_pain_conditions())].copy()
    classes = back_pain_classes()
    unknown = sorted(set(rows["drug"]) - set(classes))
    if unknown:
        raise ValueError(f"back-pain rows for drugs not in data/{BACK_PAIN_CLASSES_TABLE}.csv: "
                         f"{unknown}")
    rows["_order"] = rows["drug"].map(classes.index)
    rows["_harm"] = rows["outcome"].map(vocab.is_harm)
    return rows.sort_values(["_order", "_harm", "review", "id"], kind="stable").drop(
        columns=["_order", "_harm"])


def back_pain_table(published: pd.DataFrame) -> pd.DataFrame:
    """The back-pain table: every pooled estimate as printed, then the missing classes
    (:func:`evidence.comparisons.missing_evidence` for :data:`evidence.comparisons.BACK_PAIN`)."""
    out = []
    notes = cmp.row_notes()
    rows = back_pain_rows(published)
    for _, r in rows.iterrows():
        note = notes.get(str(r["id"]), "")
        out.append({
            "Drug or class": vocab.capital(vocab.drug_label(r["drug"])),
            "Population: outcome": f"{vocab.condition_label(r['condition'])}: "
                                   f"{r['outcome_as_reported']}",
            "Estimate as printed": formatting.published_estimate(r) + (f"\n{note}" if note else ""),
            "Trials, participants; certainty": (
                f"{formatting.trials_text(r['n_studies'], r['n_participants'])}\ncertainty: "
                + (r["grade"] if not formatting.blank(r["grade"]) else "not recorded")
            ),
            "Review (how it was read)": f"{formatting.source_text(r['review'], r['source'])} "
                                        f"({vocab.status_label(r['status'])})",
            "id": r["id"],
        })
    for (drug, _), missing in cmp.missing_evidence(cmp.BACK_PAIN).items():
        if drug in set(rows["drug"]):
            raise ValueError(f"{drug} is listed as missing in data/{cmp.MISSING_TABLE}.csv but "
                             "has back-pain rows in published_pooled")
        out.append({
            "Drug or class": vocab.capital(vocab.drug_label(drug)),
            "Population: outcome": vocab.condition_label(cmp.BACK_PAIN),
            "Estimate as printed": "missing", "Trials, participants; certainty": "–",
            "Review (how it was read)": f"no data: {missing.reason}", "id": "",
        })
    return pd.DataFrame(out)
