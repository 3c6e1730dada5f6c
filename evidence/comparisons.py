"""Which number stands for each drug and outcome when the options are compared, and why.

The comparisons chapter sets the fibromyalgia drugs side by side on benefit (at least 30 % or
50 % less pain) and harm (withdrawal because of adverse events, dizziness, somnolence). For
every drug × outcome it needs exactly one entry, chosen by written rules rather than by hand,
and it must say where the entry came from. The rules, in order:

1. **A published review's number, as printed.** Among the rows of
   ``data/published_pooled.csv`` for the drug and outcome in fibromyalgia that print a
   number (a risk ratio, odds ratio, risk difference, NNT or NNH), take the first by:
   population (fibromyalgia alone before mixed populations), the drug's review order in
   :data:`FM_OPTIONS`, read from ``data/annotations/comparison_options.csv`` (the current
   Cochrane review first), dose (the drug's reference dose before "all doses"; other doses
   are not candidates), completeness (more of estimate, interval, number needed, trials,
   participants and GRADE printed), then the row id.
   Every other published row for the same drug and outcome is listed beside it
   (:func:`other_estimates`), so a reader sees what the choice left aside.
2. **Computed here from trial counts**, only when no review printed a number: the rows of
   ``data/trials_binary.csv`` with counts in both arms, combined and pooled by
   :mod:`evidence.analyses` (dose arms sharing one placebo counted once). Such an entry
   is labelled "computed here" and never mixed with a printed one.
3. **Missing, and shown as missing**, with the reason (:func:`missing_evidence`, or what the
   data say: trials with percentages only, no row at all).

Nothing here reads the data tables: the notebook loads them with :func:`evidence.data.load`
and passes them in. The editorial annotations (the drugs and outcomes compared, reading
notes, reasons an entry is missing) are the exception: they are read from
``data/annotations/`` through :func:`evidence.data.load` too, by :data:`FM_OPTIONS`,
:data:`FM_OUTCOMES`, :func:`row_notes` and :func:`missing_evidence`; the words for codes
come from the vocabulary (:mod:`evidence.vocab`).

The rest of the chapter's engine builds on these entries: the summary of findings
(:mod:`evidence.summary_of_findings`), placebo responses across trials
(:mod:`evidence.placebo`) and the back-pain table (:mod:`evidence.back_pain`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from . import analyses, data, formatting, vocab

# --------------------------------------------------------------------------- what is compared

OPTIONS_TABLE = "annotations/comparison_options"
OUTCOMES_TABLE = "annotations/comparison_outcomes"


def _outcomes() -> list[dict[str, str]]:
    return vocab.rows(OUTCOMES_TABLE)


#: The outcomes compared for every drug, in the chapter's order (benefits, then harms).
FM_OUTCOMES = vocab.LazyTuple(lambda: [r["outcome"] for r in _outcomes()])
#: Short names of the outcomes for glue keys and analysis ids.
OUTCOME_KEYS = vocab.LazyMapping(lambda: {r["outcome"]: r["key"] for r in _outcomes()})
#: A harm as the chart's axis title words it: "NNH for one more ...".
HARM_AXIS_NAMES = vocab.LazyMapping(
    lambda: {r["outcome"]: r["axis_words"] for r in _outcomes() if r["axis_words"]})

FM_CONDITION = "fibromyalgia"
# Populations that include fibromyalgia with something else (the vocabulary's group
# fibromyalgia_mixed): used only when no row for fibromyalgia alone prints a number, and
# then labelled with the condition's words.
MIXED_GROUP = "fibromyalgia_mixed"
NUMBER_MEASURES = ("RR", "OR", "RD", "NNT", "NNH")

PUBLISHED = "published review"
COMPUTED = "computed here"
NO_DATA = "no data"
NOT_AVAILABLE = "not available"  # an Entry's number or ratio when there is none
BASES = (PUBLISHED, COMPUTED, NO_DATA)

CERTAINTY_LEVELS = ("high", "moderate", "low", "very low")
NOT_RATED = "not graded"  # the chart's category for "no GRADE rating in data/"


@dataclass(frozen=True)
class Option:
    """One drug as the chapter compares it (a row of ``data/annotations/comparison_options.csv``).

    ``label`` is the drug's words in the vocabulary, with a capital; ``key`` the short name
    of its glued values; ``dose`` the reference dose as ``dose_mg_day`` prints it in
    ``published_pooled`` (None: any); ``reviews`` the preference order of reviews; ``why``
    says why, in words.
    """

    drug: str
    label: str
    key: str
    dose: str | None
    unit: str
    reviews: tuple[str, ...]
    why: str


def _options() -> list[Option]:
    return [
        Option(r["drug"], vocab.capital(vocab.drug_label(r["drug"])), r["key"], r["dose"] or None,
               r["unit"], tuple(k.strip() for k in r["reviews"].split(";") if k.strip()),
               r["why"])
        for r in vocab.rows(OPTIONS_TABLE)
    ]


#: The drugs compared, in the chapter's order.
FM_OPTIONS = vocab.LazyTuple(_options)

# --------------------------------------------------------------------------- annotations

NOTES_TABLE = "annotations/comparison_notes"
MISSING_TABLE = "annotations/missing_evidence"
BACK_PAIN = "low_back_pain"  # missing_evidence's condition for the back-pain table


def row_notes() -> dict[str, str]:
    """Short reading notes for published rows whose number needs one (row id -> note)."""
    return {r["id"]: r["note"] for r in vocab.rows(NOTES_TABLE)}


@dataclass(frozen=True)
class Missing:
    """Why an entry is missing, and the bibliography keys behind the reason."""

    reason: str
    sources: tuple[str, ...]


def missing_evidence(condition: str = FM_CONDITION) -> dict[tuple[str, str | None], Missing]:
    """Why an entry is missing, where the data or the evidence pack's searches say more than
    "no row": (drug, outcome) -> :class:`Missing`, in file order; outcome None means every
    outcome of the drug. ``condition`` is ``fibromyalgia`` (the drug × outcome table) or
    :data:`BACK_PAIN` (the back-pain table)."""
    return {
        (r["drug"], r["outcome"] or None): Missing(
            r["reason"], tuple(k.strip() for k in r["sources"].split(";") if k.strip()))
        for r in vocab.rows(MISSING_TABLE) if r["condition"] == condition
    }


# --------------------------------------------------------------------------- one entry


@dataclass
class Entry:
    """The entry for one drug × outcome: a published row, a computed analysis, or nothing.

    ``number``, ``number_low`` and ``number_high`` are the NNT (benefit) or NNH (harm) as
    positive magnitudes for the chart; ``number_high`` is ``inf`` when the interval runs
    through infinity, and all three are None when there is no number.
    """

    option: Option
    outcome: str
    basis: str
    row: pd.Series | None = None  # the chosen published row, as printed (strings)
    analysis: analyses.Analysis | None = None
    number: float | None = None
    number_low: float | None = None
    number_high: float | None = None
    number_text: str = NOT_AVAILABLE
    ratio_text: str = NOT_AVAILABLE
    trials_text: str = "–"
    certainty: str = "not recorded"
    status: str = "–"
    source_text: str = "–"
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dose_text: str = ""
    grade_row_id: str | None = None  # for a computed entry: the review row that graded it

    @property
    def kind(self) -> str:
        return "NNT" if vocab.is_desirable(self.outcome) else "NNH"

    @property
    def certainty_level(self) -> str:
        """The GRADE level for the chart, or :data:`NOT_RATED`."""
        c = self.certainty.lower()
        return c if c in CERTAINTY_LEVELS else NOT_RATED

    @property
    def row_id(self) -> str | None:
        return None if self.row is None else str(self.row["id"])

    @property
    def has_number(self) -> bool:
        return self.number is not None

    def significant(self) -> bool | None:
        """Does the interval exclude no effect? None when no interval was printed."""
        if self.analysis is not None:
            return bool(self.analysis.nnt["significant"]) if self.analysis.nnt else None
        if self.row is None:
            return None
        return row_significant(self.row, prefer=self.kind.lower())


def row_significant(row: pd.Series, prefer: str | None = None) -> bool | None:
    """Does a published row's interval exclude no effect (1 for ratios, 0 for differences)?

    Falls back on a printed NNT or NNH interval (``prefer`` says which first): one between
    two finite numbers excludes no effect. None when nothing tells.
    """
    measure = str(row["measure"])
    if not formatting.blank(row["ci_low"]) and not formatting.blank(row["ci_high"]):
        null = 1.0 if measure in ("RR", "OR", "ratio_of_RR") else 0.0
        if measure in ("RR", "OR", "ratio_of_RR", "RD", "MD", "SMD", "difference_of_MD"):
            return float(row["ci_low"]) > null or float(row["ci_high"]) < null
    for kind in ([prefer] if prefer else []) + ["nnt", "nnh"]:
        if not formatting.blank(row[kind]) and not formatting.blank(row[f"{kind}_ci_low"]) \
                and not formatting.blank(row[f"{kind}_ci_high"]):
            return True
    return None


# --------------------------------------------------------------------------- selection


def _candidates(published: pd.DataFrame, option: Option, outcome: str) -> pd.DataFrame:
    """Published rows for the option and outcome in fibromyalgia (or a mixed population)."""
    conditions = [FM_CONDITION, *vocab.conditions_in(MIXED_GROUP)]
    return published[
        (published["drug"] == option.drug)
        & (published["outcome"] == outcome)
        & (published["condition"].isin(conditions))
    ]


def _prints_a_number(row: pd.Series) -> bool:
    if row["measure"] not in NUMBER_MEASURES:
        return False
    return any(not formatting.blank(row[c]) for c in ("estimate", "nnt", "nnh"))


def _completeness(row: pd.Series) -> int:
    cols = ("estimate", "ci_low", "ci_high", "nnt", "nnt_ci_low", "nnt_ci_high", "nnh",
            "nnh_ci_low", "nnh_ci_high", "n_studies", "n_participants", "grade")
    return sum(not formatting.blank(row[c]) for c in cols)


def _dose_rank(row: pd.Series, option: Option) -> int | None:
    """0 for the reference dose, 1 for 'all doses' (empty), None for another dose."""
    dose = row["dose_mg_day"]
    if option.dose is None:
        return 0
    if formatting.blank(dose):
        return 1
    return 0 if str(dose) == option.dose else None


def ranked_rows(published: pd.DataFrame, option: Option, outcome: str) -> pd.DataFrame:
    """The candidate published rows, best first, by the rules of this module's docstring.

    ``published`` is read with ``as_printed=True`` (strings). Rows at another dose than
    the option's reference dose, and rows that print no number, are not candidates.
    """
    rows = _candidates(published, option, outcome)
    keep = []
    for index, row in rows.iterrows():
        dose_rank = _dose_rank(row, option)
        if dose_rank is None or not _prints_a_number(row):
            continue
        review_rank = (
            option.reviews.index(row["review"]) if row["review"] in option.reviews
            else len(option.reviews)
        )
        keep.append((
            0 if row["condition"] == FM_CONDITION else 1,
            review_rank,
            dose_rank,
            -_completeness(row),
            str(row["id"]),
            index,
        ))
    keep.sort()
    return published.loc[[k[-1] for k in keep]]


def _grade_of_review_for_counts(published: pd.DataFrame, option: Option, outcome: str,
                                n_studies: int) -> tuple[str, str | None, str | None]:
    """GRADE a review gave the same trials' outcome without printing a number (Cooper 2017
    tabulated Arnold 2007's counts and rated them, but calculated no effect)."""
    rows = _candidates(published, option, outcome)
    same_k = [not formatting.blank(k) and int(k) == n_studies for k in rows["n_studies"]]
    rows = rows[(rows["condition"] == FM_CONDITION) & (rows["grade"].str.strip() != "")
                & pd.Series(same_k, index=rows.index, dtype=bool)]
    grades = sorted(set(rows["grade"]))
    if len(grades) == 1:
        return grades[0], str(rows.iloc[0]["review"]), str(rows.iloc[0]["id"])
    return "not recorded", None, None


def _published_entry(option: Option, outcome: str, row: pd.Series,
                     notes: dict[str, str]) -> Entry:
    kind = "nnt" if vocab.is_desirable(outcome) else "nnh"
    entry = Entry(option=option, outcome=outcome, basis=PUBLISHED, row=row)
    if not formatting.blank(row[kind]):
        entry.number = float(row[kind])
        low = row[f"{kind}_ci_low"]
        entry.number_low = None if formatting.blank(low) else float(low)
        entry.number_high = (
            None if formatting.blank(row[f"{kind}_ci_high"]) else float(row[f"{kind}_ci_high"])
        )
        entry.number_text = f"{kind.upper()} " + formatting.printed_interval(
            row[kind], row[f"{kind}_ci_low"], row[f"{kind}_ci_high"]
        )
    else:
        entry.number_text = f"{kind.upper()} not printed"
    if row["measure"] in ("RR", "OR", "RD") and not formatting.blank(row["estimate"]):
        entry.ratio_text = f"{row['measure']} " + formatting.printed_interval(
            row["estimate"], row["ci_low"], row["ci_high"]
        )
    else:
        entry.ratio_text = "not printed"
    entry.trials_text = formatting.trials_text(row["n_studies"], row["n_participants"])
    entry.certainty = ("not recorded" if formatting.blank(row["grade"])
                       else row["grade"])
    entry.status = row["status"]
    entry.source_text = formatting.source_text(row["review"], row["source"])
    entry.sources = data.sources(row)
    entry.dose_text = "all doses" if formatting.blank(row["dose_mg_day"]) else (
        f"{row['dose_mg_day']} {option.unit}"
    )
    if vocab.condition_group(row["condition"]) == MIXED_GROUP:
        entry.notes.append(vocab.condition_label(row["condition"]))
    if formatting.blank(row["dose_mg_day"]) and option.dose is not None:
        entry.notes.append("all doses pooled")
    if str(row["id"]) in notes:
        entry.notes.append(notes[str(row["id"])])
    return entry


def number_text_computed(kind: str, nnt: dict) -> tuple[str, tuple[float, float, float] | None]:
    """The text and chart magnitudes of a computed NNT dict (:func:`evidence.meta.nnt`)."""
    benefit = kind == "NNT"
    mags = analyses.nnt_magnitudes(nnt, kind="benefit" if benefit else "harm")
    if mags is None:  # the point estimate lies on the other side
        other = "NNH" if benefit else "NNT"
        value = abs(float(nnt["nnt"]))
        return f"{other} {formatting.nnt(value)}: the point estimate favours the other side", None
    value, low, high = mags
    if nnt["significant"]:
        text = f"{kind} {formatting.nnt(value)} ({formatting.nnt(low)} to {formatting.nnt(high)})"
        return text, mags
    other = "NNH" if benefit else "NNT"
    # The interval runs from `low` on this side through infinity to the other side.
    far = abs(float(nnt["nnt_ci_high"] if benefit else nnt["nnt_ci_low"]))
    text = (f"{kind} {formatting.nnt(value)} ({kind} {formatting.nnt(low)} to ∞ to {other} "
            f"{formatting.nnt(far)}): not significant")
    return text, mags


def _computed_entry(option: Option, outcome: str, analysis: analyses.Analysis,
                    published: pd.DataFrame) -> Entry:
    entry = Entry(option=option, outcome=outcome, basis=COMPUTED, analysis=analysis)
    text, mags = number_text_computed(entry.kind, analysis.nnt)
    entry.number_text = text
    if mags is not None:
        entry.number, entry.number_low, entry.number_high = mags
    entry.ratio_text = f"RR {analysis.effect_text()}"
    c = analysis.counts()
    entry.trials_text = (
        f"{analysis.n_studies} {'trial' if analysis.n_studies == 1 else 'trials'}, "
        f"{analysis.n_participants} participants"
    )
    grade, review, grade_row = _grade_of_review_for_counts(
        published, option, outcome, analysis.n_studies
    )
    entry.certainty = grade
    entry.grade_row_id = grade_row
    statuses = sorted(set(analysis.selection.rows["status"]))
    entry.status = "computed from counts " + " and ".join(vocab.status_label(s)
                                                          for s in statuses)
    studies = ", ".join(vocab.study_name(s) for s in analysis.studies)
    readers = sorted(set(analysis.selection.rows["source"]) - set(analysis.studies))
    entry.source_text = studies + (
        f", counts read in {', '.join(vocab.study_name(r) for r in readers)}" if readers else "")
    entry.sources = sorted(set(analysis.selection.sources) | ({review} if review else set()))
    entry.dose_text = analyses.dose_text(analysis.selection.rows, option.unit)
    entry.notes.append(
        f"{c['events_treatment']}/{c['n_treatment']} vs {c['events_control']}/{c['n_control']}"
    )
    if (analysis.table["n_arms"] > 1).any():
        entry.notes.append("dose arms combined, placebo counted once")
    if review:
        entry.notes.append(f"GRADE from {vocab.study_name(review)}, which rated the same trial")
    return entry


def missing_reason(option: Option, outcome: str, selection: analyses.Selection | None,
                   missing: dict[tuple[str, str | None], Missing] | None = None) -> str:
    """Why an entry is missing, in words (``missing``: :func:`missing_evidence`)."""
    missing = missing_evidence() if missing is None else missing
    for key in ((option.drug, outcome), (option.drug, None)):
        if key in missing:
            return missing[key].reason
    if selection is not None and len(selection.without_counts):
        studies = selection.without_counts["study"]
        names = ", ".join(dict.fromkeys(vocab.study_name(s) for s in studies))
        return f"no review printed a number; {names} printed percentages only, no counts"
    return "no review printed a number and no trial with arm counts was found"


def missing_sources(option: Option, outcome: str, selection: analyses.Selection | None,
                    missing: dict[tuple[str, str | None], Missing] | None = None
                    ) -> list[str]:
    """The bibliography keys behind :func:`missing_reason`."""
    missing = missing_evidence() if missing is None else missing
    for key in ((option.drug, outcome), (option.drug, None)):
        if key in missing:
            return list(missing[key].sources)
    if selection is not None and len(selection.without_counts):
        return sorted(set(selection.without_counts["study"]) |
                      set(selection.without_counts["source"]))
    return []


def entry_for(
    option: Option,
    outcome: str,
    *,
    published: pd.DataFrame,
    trials: pd.DataFrame,
    alpha: float = 0.05,
    notes: dict[str, str] | None = None,
    missing: dict[tuple[str, str | None], Missing] | None = None,
) -> Entry:
    """The entry for one drug × outcome (rules 1-3 of the module docstring).

    ``published`` is ``published_pooled`` read with ``as_printed=True``; ``trials`` is
    ``trials_binary`` read normally. ``notes`` and ``missing`` are the annotations
    (:func:`row_notes`, :func:`missing_evidence`), read when not given.
    """
    ranked = ranked_rows(published, option, outcome)
    if len(ranked):
        return _published_entry(option, outcome, ranked.iloc[0],
                                row_notes() if notes is None else notes)
    selection = analyses.select(trials, drug=option.drug, outcome=outcome,
                                condition=FM_CONDITION)
    if len(selection.rows):
        analysis = analyses.run(
            f"{option.drug}_fm_{OUTCOME_KEYS[outcome]}", selection, alpha=alpha
        )
        return _computed_entry(option, outcome, analysis, published)
    entry = Entry(option=option, outcome=outcome, basis=NO_DATA)
    missing = missing_evidence() if missing is None else missing
    entry.notes.append(missing_reason(option, outcome, selection, missing))
    entry.sources = missing_sources(option, outcome, selection, missing)
    entry.number_text = f"{entry.kind}: {NOT_AVAILABLE}"
    return entry


def fm_entries(
    published: pd.DataFrame,
    trials: pd.DataFrame,
    *,
    options: Sequence[Option] = FM_OPTIONS,
    outcomes: Sequence[str] = FM_OUTCOMES,
    alpha: float = 0.05,
) -> dict[tuple[str, str], Entry]:
    """Every drug × outcome entry, keyed by (drug, outcome), in option then outcome order."""
    notes, missing = row_notes(), missing_evidence()
    return {
        (o.drug, outcome): entry_for(o, outcome, published=published, trials=trials,
                                     alpha=alpha, notes=notes, missing=missing)
        for o in options
        for outcome in outcomes
    }


def other_estimates(published: pd.DataFrame, entries: dict[tuple[str, str], Entry]
                    ) -> pd.DataFrame:
    """Every other published row for the same drug and outcome that prints a number."""
    out = []
    for e in entries.values():
        outcome = e.outcome
        rows = _candidates(published, e.option, outcome)
        for _, row in rows.iterrows():
            if not _prints_a_number(row) or str(row["id"]) == e.row_id:
                continue
            dose_rank = _dose_rank(row, e.option)
            out.append({
                "Drug": e.option.label,
                "Outcome": vocab.outcome_label(outcome),
                "Review": vocab.study_name(row["review"]),
                "Dose": "all doses" if formatting.blank(row["dose_mg_day"]) else
                f"{row['dose_mg_day']} {e.option.unit}",
                "Estimate as printed": formatting.published_estimate(row),
                "Status": row["status"],
                "Why not the entry": (
                    "another dose" if dose_rank is None
                    else "ranked below the entry (see the rules)"
                ),
                "id": row["id"],
                "review_key": row["review"],
                "source_key": row["source"],
            })
    return pd.DataFrame(out, columns=["Drug", "Outcome", "Review", "Dose",
                                      "Estimate as printed", "Status", "Why not the entry",
                                      "id", "review_key", "source_key"])


# --------------------------------------------------------------------------- tables


def option_label(option: Option, entries: Iterable[Entry]) -> str:
    """The drug with the dose its entries use (``"Pregabalin 450 mg/day"``)."""
    doses = [e.dose_text for e in entries if e.dose_text and e.dose_text != "all doses"]
    if option.drug == "baclofen" or not doses:
        return option.label
    return f"{option.label} {doses[0]}"


def fm_table(entries: dict[tuple[str, str], Entry]) -> pd.DataFrame:
    """The chapter's table: one row per drug × outcome, missing entries included.

    Columns are kept few for the book's text column; a cell's second line (after ``\\n``)
    holds the detail (the ratio beside the NNT, the certainty beside the trials).
    """
    rows = []
    for (drug, _), e in entries.items():
        same = [x for (d, _), x in entries.items() if d == drug]
        if e.basis == NO_DATA:
            estimate, evidence = "missing", "–"
            source = "no data: " + "; ".join(e.notes)
        else:
            ratio = e.ratio_text if e.ratio_text != "not printed" else "ratio not printed"
            estimate = f"{e.number_text}\n{ratio}"
            evidence = f"{e.trials_text}\ncertainty: {e.certainty}"
            source = f"{e.basis}: {e.source_text} ({formatting.status_words(e.status)})"
            if e.notes:
                source += "\n" + "; ".join(e.notes)
        rows.append({
            "Drug": option_label(e.option, same),
            "Outcome": vocab.outcome_label(e.outcome),
            "Estimate (95% CI)": estimate,
            "Trials, participants; certainty": evidence,
            "Basis and source": source,
        })
    return pd.DataFrame(rows)


def chart_options(
    entries: dict[tuple[str, str], Entry],
    *,
    benefit: str,
    harm: str,
    options: Sequence[Option] = FM_OPTIONS,
) -> pd.DataFrame:
    """One row per option for :func:`evidence.charts.benefit_harm`.

    NNT from the ``benefit`` outcome, NNH from the ``harm`` outcome; NaN where the entry
    has no number. Certainty is the benefit entry's (the harm entry's when there is no
    benefit number). ``basis`` is "published review", "computed here", or "mixed" when the
    two numbers come from different bases.
    """
    rows = []
    for o in options:
        b, h = entries[(o.drug, benefit)], entries[(o.drug, harm)]
        bases = {e.basis for e in (b, h) if e.has_number}
        basis = bases.pop() if len(bases) == 1 else ("mixed" if bases else NO_DATA)
        lead = b if b.has_number else h
        missing = [
            f"no {e.kind} ({e.notes[0] if e.basis == NO_DATA and e.notes else e.number_text})"
            for e in (b, h) if not e.has_number
        ]
        same = [x for (d, _), x in entries.items() if d == o.drug]
        rows.append({
            "option": option_label(o, same),
            "drug": o.drug,
            "nnt": b.number if b.has_number else math.nan,
            "nnt_ci_low": b.number_low if b.number_low is not None else math.nan,
            "nnt_ci_high": b.number_high if b.number_high is not None else math.nan,
            "nnh": h.number if h.has_number else math.nan,
            "nnh_ci_low": h.number_low if h.number_low is not None else math.nan,
            "nnh_ci_high": h.number_high if h.number_high is not None else math.nan,
            "certainty": lead.certainty_level if lead.has_number else NOT_RATED,
            "basis": basis,
            "nnt_source": f"{b.source_text} ({formatting.status_words(b.status)})"
            if b.has_number else "–",
            "nnh_source": f"{h.source_text} ({formatting.status_words(h.status)})"
            if h.has_number else "–",
            "missing": "; ".join(missing),
        })
    return pd.DataFrame(rows)


def sources_of(entries: Iterable[Entry]) -> list[str]:
    """Every bibliography key behind a set of entries."""
    return sorted({k for e in entries for k in e.sources})
