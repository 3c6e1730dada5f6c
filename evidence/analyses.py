"""Which trial rows an analysis uses, and how they become one estimate per analysis.

The notebooks share this logic so that every pooled number of the book is chosen by the
same, tested rules rather than by filters typed into a cell:

* :func:`select` picks the rows of ``data/trials_binary.csv`` for one drug, condition and
  outcome against placebo, and says what it left aside and why: rows without arm counts
  (percentages only), studies an educator chose to leave out, doses outside a dose filter,
  and enriched-enrolment randomised-withdrawal (EERW) trials, which ask a different
  question (does stopping a drug that worked lose the benefit?) and are not pooled with
  parallel trials.
* :func:`run` turns a selection into an :class:`Analysis`. Dose arms that share one
  placebo arm (same ``shared_control_id``) are combined into one comparison first, as the
  Cochrane Handbook (23.3.4) recommends, so the placebo group is counted once
  (:func:`evidence.meta.prepare_multiarm`). Two or more trials are pooled with
  :func:`evidence.meta.pool`; a single trial is reported as it is (Wald interval from
  :func:`evidence.meta.binary_effect`), with the model recorded as ``single_trial``
  because no pooling model was applied.

Nothing here reads the data tables: the notebooks load them with :func:`evidence.data.load`
(so the executor knows what they read) and pass them in. Lining our estimates up beside the
published ones is :mod:`evidence.agreement`; the words for outcomes and drugs, and whether
an outcome is a benefit, are :mod:`evidence.vocab`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from . import data, meta, vocab

COUNT_COLUMNS = ("events_treatment", "n_treatment", "events_control", "n_control")
RESPONDER_OUTCOMES = {30: "pain_response_30", 50: "pain_response_50"}
SINGLE_TRIAL = "single_trial"
EERW_MARK = "EERW"


def responder_outcome(threshold: int | str) -> str:
    """The responder outcome for a pain-relief threshold in percent (30 or 50)."""
    try:
        key = int(threshold)
    except (TypeError, ValueError):
        key = None
    if key not in RESPONDER_OUTCOMES:
        raise ValueError(
            f"threshold must be one of {sorted(RESPONDER_OUTCOMES)} (percent less pain), "
            f"got {threshold!r}"
        )
    return RESPONDER_OUTCOMES[key]


# --------------------------------------------------------------------------- doses


def dose_values(text: object) -> tuple[float, float] | tuple[float, ...] | None:
    """The doses a ``dose_mg_day`` cell covers.

    ``"300-450"`` (a flexible or titrated range) -> ``(300.0, 450.0)`` read as a range;
    ``"450"`` -> ``(450.0,)``; ``"300/450/600 (optimised; EERW)"`` -> the listed doses.
    Empty cells give None.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    s = str(text)
    numbers = tuple(float(x) for x in re.findall(r"\d+(?:\.\d+)?", s))
    return numbers or None


def dose_matches(text: object, doses: Sequence[float] | None) -> bool:
    """Does a row's dose cell match a dose filter?

    An empty filter matches every row. A fixed dose matches when it is listed; a range
    such as ``"300-450"`` (flexible dosing) matches every listed dose inside it, because
    participants could be on any of them. A row without a dose matches no filter.
    """
    if not doses:
        return True
    wanted = [float(d) for d in doses]
    values = dose_values(text)
    if values is None:
        return False
    s = str(text)
    if re.match(r"^\s*\d+(?:\.\d+)?\s*-\s*\d+(?:\.\d+)?", s) and len(values) >= 2:
        low, high = values[0], values[1]
        return any(low <= d <= high for d in wanted)
    return any(d in values for d in wanted)


def dose_text(rows: pd.DataFrame, unit: str = "mg/day") -> str:
    """The doses of a set of rows as text: ``"4500 + 6000 mg/day"``."""
    doses = list(dict.fromkeys(str(d) for d in rows["dose_mg_day"] if pd.notna(d)))
    return f"{' + '.join(doses)} {unit}" if doses else "dose not stated"


# --------------------------------------------------------------------------- selection


@dataclass
class Selection:
    """The rows one analysis uses, and those it set aside with the reason.

    ``rows`` have all four arm counts. ``without_counts`` matched but print only
    percentages (or nothing); ``left_out`` were named in ``leave_out``; ``other_doses``
    fell outside the dose filter; ``eerw`` are randomised-withdrawal trials.
    """

    drug: str
    condition: str
    outcome: str
    comparator: str
    doses: tuple[float, ...]
    rows: pd.DataFrame
    without_counts: pd.DataFrame
    left_out: pd.DataFrame
    other_doses: pd.DataFrame
    eerw: pd.DataFrame

    @property
    def studies(self) -> list[str]:
        """Study keys with counts, in table order, each once."""
        return list(dict.fromkeys(self.rows["study"]))

    @property
    def sources(self) -> list[str]:
        """Bibliography keys behind the selected rows: the studies and the rows' sources."""
        return data.sources(self.rows)

    def set_aside(self) -> pd.DataFrame:
        """One line per study set aside, with the reason (for the notebook's tables)."""
        out = []
        for frame, reason in [
            (self.without_counts, "no arm counts recorded, percentages only"),
            (self.left_out, "left out by the leave_out parameter"),
            (self.other_doses, "dose outside the dose filter"),
            (self.eerw, "randomised-withdrawal (EERW) design, not pooled with parallel trials"),
        ]:
            for study, group in frame.groupby("study", sort=False):
                out.append(
                    {
                        "study": study,
                        "outcome": self.outcome,
                        "doses": ", ".join(str(d) for d in group["dose_mg_day"]),
                        "reason": reason,
                    }
                )
        return pd.DataFrame(out, columns=["study", "outcome", "doses", "reason"])

    def describe(self) -> str:
        """A sentence for the notebook: which trials have counts and which do not."""
        k = len(self.studies)
        label = vocab.outcome_label(self.outcome)
        drug = vocab.drug_label(self.drug)
        if k == 0:
            head = f"No {drug} trial in the book's data has arm counts for {label}."
        elif k == 1:
            head = (
                f"Only one {drug} trial in the book's data has arm counts for {label} "
                f"({vocab.study_name(self.studies[0])}), so nothing is pooled: the estimate is "
                "that trial's."
            )
        else:
            names = ", ".join(vocab.study_name(s) for s in self.studies)
            head = f"{k} {drug} trials have arm counts for {label}: {names}."
        aside = self.set_aside()
        if len(aside):
            head += " Set aside: " + "; ".join(
                f"{vocab.study_name(r.study)} ({r.reason})" for r in aside.itertuples()
            ) + "."
        return head


def _has_counts(df: pd.DataFrame) -> pd.Series:
    return df[list(COUNT_COLUMNS)].notna().all(axis=1)


def select(
    trials: pd.DataFrame,
    *,
    drug: str,
    outcome: str,
    condition: str = "fibromyalgia",
    comparator: str = "placebo",
    doses: Iterable[float] | None = None,
    leave_out: Iterable[str] = (),
) -> Selection:
    """Rows of ``trials_binary`` for one drug × condition × outcome against ``comparator``.

    ``doses`` (mg/day, or mg/night for sodium oxybate) keeps only matching dose arms (see
    :func:`dose_matches`); ``leave_out`` drops study keys (a sensitivity analysis).
    Raises if a study has several rows for the outcome that do not share a control arm,
    because pooling them would count its placebo group twice.
    """
    doses = tuple(float(d) for d in (doses or ()))
    leave = {str(s) for s in leave_out}
    mask = (
        (trials["drug"] == drug)
        & (trials["condition"] == condition)
        & (trials["outcome"] == outcome)
        & (trials["comparator"] == comparator)
    )
    matched = trials[mask]
    eerw = matched["dose_mg_day"].astype(str).str.contains(EERW_MARK, regex=False)
    left = matched["study"].isin(leave) & ~eerw
    dose_ok = matched["dose_mg_day"].map(lambda t: dose_matches(t, doses))
    other = ~eerw & ~left & ~dose_ok
    candidates = matched[~eerw & ~left & dose_ok]
    counted = _has_counts(candidates)
    rows = candidates[counted].copy()
    for study, group in rows.groupby("study", sort=False):
        if len(group) > 1:
            ids = group.get("shared_control_id", pd.Series([None] * len(group)))
            keys = {str(x) for x in ids if pd.notna(x) and str(x).strip()}
            if len(keys) != 1 or ids.isna().any():
                raise ValueError(
                    f"{study}: {len(group)} rows for {outcome} that do not share one "
                    "shared_control_id; pooling them would count the placebo arm twice"
                )
    return Selection(
        drug=drug,
        condition=condition,
        outcome=outcome,
        comparator=comparator,
        doses=doses,
        rows=rows,
        without_counts=candidates[~counted].copy(),
        left_out=matched[left].copy(),
        other_doses=matched[other].copy(),
        eerw=matched[eerw].copy(),
    )


def meta_table(selection: Selection) -> pd.DataFrame:
    """One row per trial, ready for :mod:`evidence.meta`, dose arms combined.

    Arms sharing a placebo (``shared_control_id``) are merged with
    :func:`evidence.meta.prepare_multiarm` (``"combine"``): their events and participants
    are summed and the placebo arm is kept once. ``arms`` names the doses combined.
    """
    cols = ["study", *COUNT_COLUMNS]
    rows = selection.rows
    table = rows[cols].copy()
    table["shared_control_id"] = (
        rows["shared_control_id"] if "shared_control_id" in rows.columns else None
    )
    for col in COUNT_COLUMNS:
        table[col] = table[col].astype(float)
    arms = rows.groupby("study", sort=False)["dose_mg_day"].apply(
        lambda s: " + ".join(str(d) for d in s)
    )
    prepared = meta.prepare_multiarm(table, "combine")
    prepared["arms"] = prepared["study"].map(arms)
    prepared["n_arms"] = prepared["study"].map(rows.groupby("study", sort=False).size())
    for col in COUNT_COLUMNS:
        prepared[col] = prepared[col].astype(int)
    return prepared.reset_index(drop=True)


def dose_arm_table(selection: Selection, measure: str = "RR", alpha: float = 0.05):
    """Each dose arm against the (shared) placebo, for information only.

    These rows are *not* independent (they reuse one placebo group), so they are shown
    beside the combined estimate and never pooled with each other.
    """
    out = []
    for r in selection.rows.itertuples():
        eff = meta.binary_effect(
            r.events_treatment, r.n_treatment, r.events_control, r.n_control,
            measure=measure, alpha=alpha,
        )
        out.append(
            {
                "study": r.study,
                "dose": r.dose_mg_day,
                "treatment": f"{int(r.events_treatment)}/{int(r.n_treatment)}",
                "placebo": f"{int(r.events_control)}/{int(r.n_control)}",
                "estimate": eff["estimate"],
                "ci_low": eff["ci_low"],
                "ci_high": eff["ci_high"],
                "shares_placebo": bool(
                    pd.notna(getattr(r, "shared_control_id", None))
                    and sum(selection.rows["study"] == r.study) > 1
                ),
            }
        )
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- analysis


@dataclass
class Analysis:
    """One analysis: its selection, the per-trial table and the estimate.

    ``pooled`` is a :class:`evidence.meta.PoolResult` when two or more trials were pooled;
    ``single`` the :func:`evidence.meta.binary_effect` dict when there is one trial; both
    are None when no trial has counts.
    """

    analysis_id: str
    selection: Selection
    measure: str
    model_requested: str
    alpha: float
    desirable: bool
    table: pd.DataFrame
    pooled: meta.PoolResult | None = None
    single: dict | None = None
    nnt: dict | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_studies(self) -> int:
        return len(self.table)

    @property
    def n_participants(self) -> int:
        return int((self.table["n_treatment"] + self.table["n_control"]).sum())

    @property
    def studies(self) -> list[str]:
        return list(self.table["study"])

    @property
    def model(self) -> str:
        """The model actually applied: the requested one, or ``single_trial``."""
        return self.model_requested if self.pooled is not None else SINGLE_TRIAL

    @property
    def result(self) -> meta.PoolResult | dict | None:
        return self.pooled if self.pooled is not None else self.single

    def _get(self, name: str) -> float | None:
        res = self.result
        if res is None:
            return None
        value = getattr(res, name) if isinstance(res, meta.PoolResult) else res.get(name)
        return None if value is None else float(value)

    @property
    def estimate(self) -> float | None:
        return self._get("estimate")

    @property
    def ci_low(self) -> float | None:
        return self._get("ci_low")

    @property
    def ci_high(self) -> float | None:
        return self._get("ci_high")

    @property
    def i2(self) -> float | None:
        return None if self.pooled is None else float(self.pooled.i2)

    @property
    def tau2(self) -> float | None:
        return None if self.pooled is None or self.pooled.tau2 is None else float(self.pooled.tau2)

    def label(self, digits: int = 2) -> str:
        """``"RR 4.89 (95% CI 2.89 to 8.29)"``; says so when there is no estimate."""
        if self.estimate is None:
            return "no estimate: no trial with counts"
        level = round(100 * (1 - self.alpha))
        return (
            f"{self.measure} {self.estimate:.{digits}f} ({level}% CI "
            f"{self.ci_low:.{digits}f} to {self.ci_high:.{digits}f})"
        )

    def effect_text(self, digits: int = 2) -> str:
        """``"4.89 (2.89 to 8.28)"``, or a dash when there is no estimate."""
        if self.estimate is None:
            return "–"
        return f"{self.estimate:.{digits}f} ({self.ci_low:.{digits}f} to {self.ci_high:.{digits}f})"

    def heterogeneity(self) -> str:
        """I² and τ² in words, or why there are none."""
        if self.pooled is None:
            return "not applicable: one trial" if self.n_studies == 1 else "no trials"
        text = f"I² = {self.pooled.i2:.0f}%"
        if self.pooled.tau2 is not None:
            text += f", τ² = {self.pooled.tau2:.3g}"
        return text

    def counts(self) -> dict:
        """Summed arm counts over the trials (dose arms combined, placebo once)."""
        t = self.table
        return {
            "events_treatment": int(t["events_treatment"].sum()),
            "n_treatment": int(t["n_treatment"].sum()),
            "events_control": int(t["events_control"].sum()),
            "n_control": int(t["n_control"].sum()),
        }

    def forest_table(self) -> pd.DataFrame:
        """Per-trial rows for :func:`evidence.charts.forest_plot`."""
        cols = ["study", "label", "estimate", "ci_low", "ci_high", "weight", "n", "detail",
                "drug_counts", "control_counts"]
        if self.n_studies == 0:
            return pd.DataFrame(columns=cols)
        rows = []
        weights = (
            dict(zip(self.pooled.studies["study"], self.pooled.studies["weight"], strict=True))
            if self.pooled is not None
            else {}
        )
        for r in self.table.itertuples():
            eff = meta.binary_effect(
                r.events_treatment, r.n_treatment, r.events_control, r.n_control,
                measure=self.measure, alpha=self.alpha,
            )
            arms = f" ({r.arms})" if r.n_arms > 1 else ""
            rows.append(
                {
                    "study": r.study,
                    "label": vocab.study_name(r.study) + arms,
                    "estimate": eff["estimate"],
                    "ci_low": eff["ci_low"],
                    "ci_high": eff["ci_high"],
                    "weight": weights.get(r.study, 100.0),
                    "n": int(r.n_treatment + r.n_control),
                    "detail": (
                        f"{r.events_treatment}/{r.n_treatment} vs "
                        f"{r.events_control}/{r.n_control}"
                        + (f"; {r.n_arms} dose arms combined, placebo counted once"
                           if r.n_arms > 1 else "")
                    ),
                    "drug_counts": f"{r.events_treatment}/{r.n_treatment}",
                    "control_counts": f"{r.events_control}/{r.n_control}",
                }
            )
        return pd.DataFrame(rows, columns=cols)

    def pooled_row(self, label: str | None = None) -> dict | None:
        """The diamond of a forest plot (None when nothing was pooled)."""
        if self.pooled is None:
            return None
        name = meta.MODEL_NAMES.get(self.model, self.model)
        c = self.counts()
        return {
            "label": label or f"Pooled ({name})",
            "estimate": self.pooled.estimate,
            "ci_low": self.pooled.ci_low,
            "ci_high": self.pooled.ci_high,
            "detail": f"{self.n_studies} trials, {self.n_participants} participants; "
            + self.heterogeneity(),
            "drug_counts": f"{c['events_treatment']}/{c['n_treatment']}",
            "control_counts": f"{c['events_control']}/{c['n_control']}",
        }

    def summary(self) -> dict:
        """One row of the notebook's summary table (numbers, not text)."""
        c = self.counts() if self.n_studies else dict.fromkeys(COUNT_COLUMNS)
        nnt = self.nnt or {}
        return {
            "analysis_id": self.analysis_id,
            "outcome": self.selection.outcome,
            "studies": "; ".join(self.studies),
            "n_studies": self.n_studies,
            "n_participants": self.n_participants if self.n_studies else 0,
            **c,
            "measure": self.measure,
            "model": self.model,
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "heterogeneity": self.heterogeneity(),
            "nnt": nnt.get("nnt"),
            "nnt_label": nnt.get("label"),
        }


def run(
    analysis_id: str,
    selection: Selection,
    *,
    measure: str = "RR",
    model: str = "DL",
    desirable: bool | None = None,
    alpha: float = 0.05,
) -> Analysis:
    """Estimate one analysis from a selection (see the module docstring).

    ``desirable`` defaults from the outcome (responders True, harms False) and sets the
    direction of the NNT: positive = benefit (NNTB), negative = harm (NNTH).
    """
    measure, model = meta._check_measure_model(measure, model)
    if desirable is None:
        desirable = vocab.is_desirable(selection.outcome)
    table = meta_table(selection) if len(selection.rows) else pd.DataFrame(
        columns=["study", *COUNT_COLUMNS, "arms", "n_arms"]
    )
    analysis = Analysis(
        analysis_id=analysis_id,
        selection=selection,
        measure=measure,
        model_requested=model,
        alpha=alpha,
        desirable=bool(desirable),
        table=table,
    )
    k = len(table)
    if k == 0:
        analysis.notes.append(selection.describe())
        return analysis
    if k == 1:
        r = table.iloc[0]
        counts = [int(r[c]) for c in COUNT_COLUMNS]
        analysis.single = meta.binary_effect(*counts, measure=measure, alpha=alpha)
        analysis.nnt = meta.nnt(*counts, desirable=desirable, alpha=alpha)
        analysis.notes.append(
            "one trial: nothing pooled; Wald confidence interval, no heterogeneity"
        )
    else:
        analysis.pooled = meta.pool(table, measure, model, alpha=alpha)
        analysis.nnt = meta.pooled_nnt(table, model, desirable=desirable, alpha=alpha)
        analysis.notes.extend(analysis.pooled.notes)
    if (table["n_arms"] > 1).any():
        analysis.notes.append(
            "dose arms sharing one placebo arm were combined; the placebo is counted once "
            "(Cochrane Handbook 23.3.4)"
        )
    return analysis

def nnt_magnitudes(nnt: dict, *, kind: str) -> tuple[float, float, float] | None:
    """A signed NNT dict (:func:`evidence.meta.nnt_from_rd`) as positive numbers for a chart.

    ``kind="benefit"`` returns (NNTB, low, high); ``"harm"`` returns (NNTH, low, high).
    When the interval is not significant it runs through infinity, so ``high`` is
    ``inf``. Returns None when the point estimate lies on the other side (a "benefit"
    that is in fact a harm, or the reverse): such an option cannot be placed on a
    benefit-harm chart.
    """
    if kind not in ("benefit", "harm"):
        raise ValueError("kind must be 'benefit' or 'harm'")
    value, low, high = (float(nnt[k]) for k in ("nnt", "nnt_ci_low", "nnt_ci_high"))
    significant = bool(nnt["significant"])
    if kind == "benefit":
        if not value > 0:
            return None
        return value, low, high if significant else math.inf
    if not value < 0:
        return None
    return -value, -high, -low if significant else math.inf


def forest_sections(results: Sequence[Analysis]) -> dict[str, tuple[pd.DataFrame, dict | None]]:
    """One forest-plot section per analysis with trials, headed by its outcome and how many
    trials it rests on ("1 trial, not pooled" when nothing was pooled), in order."""
    sections = {}
    for a in results:
        if not a.n_studies:
            continue
        name = vocab.capital(vocab.outcome_label(a.selection.outcome))
        note = "1 trial, not pooled" if a.n_studies == 1 else f"{a.n_studies} trials"
        sections[f"{name}: {note}"] = (a.forest_table(), a.pooled_row())
    return sections


def forest_text(results: Sequence[Analysis]) -> str:
    """What :func:`forest_sections` shows, in words, for a chart's description."""
    parts = []
    for a in results:
        if a.n_studies:
            trials_text = "one trial" if a.n_studies == 1 else f"{a.n_studies} trials"
            parts.append(f"{vocab.outcome_label(a.selection.outcome)}: {a.label()} from "
                         f"{trials_text} with {a.n_participants} participants")
    return "; ".join(parts)
