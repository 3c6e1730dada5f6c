"""What patients report: select and summarise the tables in ``data/patients/``.

The patient chapter draws on three kinds of evidence that are easy to blur, and each
function here keeps one distinction explicit so the notebook cannot lose it:

* **Self-selected surveys with two denominators.** National Pain Report printed its 2016
  fibromyalgia survey as shares of *all respondents*; Health Rising re-tabulated the same
  survey as shares of *those who had tried each treatment*. The two sets of percentages must
  never stand in one table: :func:`survey_ratings` selects one denominator at a time, and
  :func:`check_one_denominator` refuses a table that holds both. :func:`to_all_respondents`
  converts explicitly when a comparison is wanted.
* **Responder bands in trials**, some printed and some derived by subtraction (30 to 49 % =
  at least 30 % minus at least 50 %; under 30 % = 100 minus at least 30 %).
  :func:`responder_bands` marks every derived band, so a chart can show which is which.
* **Why people stop**, in a trial's participant flow (:func:`withdrawal_reasons`, where
  "other reasons" is derived by subtraction) and in real-world cohorts
  (:func:`persistence_points`, :func:`cohort_table`), most of which mix every indication.

There are no baclofen rows of any kind in these tables; :func:`rows_mentioning` counts them
so the book can say so from the data rather than from memory.

The notebook loads the tables with :func:`evidence.data.load` and passes them in. The one
table read here is an editorial annotation, ``data/annotations/persistence_cohorts.csv``
(which cohorts :func:`cohort_table` shows, and their labels), through
:func:`evidence.data.load` too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from . import data as _data
from . import vocab

# --------------------------------------------------------------------------- surveys


class MixedDenominatorsError(ValueError):
    """A table would put percentages with different denominators side by side."""


@dataclass(frozen=True)
class Denominator:
    """One way of printing the 2016 survey's percentages."""

    key: str
    source: str  # bibliography key of the document the percentages were read in
    label: str  # what 100 % means, for headings and axis titles
    publisher: str


DENOMINATORS: Mapping[str, Denominator] = {
    "all_respondents": Denominator(
        "all_respondents",
        "npr_fm_survey_2016",
        "% of all respondents",
        "National Pain Report (the survey's own article)",
    ),
    "tried": Denominator(
        "tried",
        "healthrising_npr_2016",
        "% of those who tried the treatment",
        "Health Rising (a re-tabulation of the same survey)",
    ),
}

#: The answers, in the order a chart stacks them (best first).
ANSWERS = ("helps a lot", "helps somewhat", "no effect", "side effects prevented use")

#: measure in survey_treatment_ratings.csv -> answer, for each denominator.
ANSWER_OF_MEASURE: Mapping[str, Mapping[str, str]] = {
    "all_respondents": {
        "pct_helps_a_lot": "helps a lot",
        "pct_helps_somewhat": "helps somewhat",
        "pct_somewhat_helpful": "helps somewhat",
        "pct_reduces_symptoms_somewhat": "helps somewhat",
        "pct_no_effect": "no effect",
        "pct_could_not_take_due_to_side_effects": "side effects prevented use",
    },
    "tried": {
        "pct_helped_a_lot_of_those_who_tried": "helps a lot",
        "pct_helped_somewhat_of_those_who_tried": "helps somewhat",
        "pct_no_effect_of_those_who_tried": "no effect",
        "pct_side_effects_prevented_use_of_those_who_tried": "side effects prevented use",
    },
}

QUALIFIER_WORDS = {">": "more than", "<": "less than", "~": "about", "": ""}


def denominator(key: str) -> Denominator:
    """The :class:`Denominator` called ``key``; a clear error for anything else."""
    if key not in DENOMINATORS:
        raise ValueError(
            f"unknown survey denominator {key!r}: use one of {', '.join(DENOMINATORS)}"
        )
    return DENOMINATORS[key]


def treatment_slug(treatment: str) -> str:
    """A short key for a treatment: ``"pregabalin (Lyrica)"`` -> ``"pregabalin"``."""
    name = re.sub(r"\s*\(.*?\)", "", str(treatment)).strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", name).strip("_")


def _qualifier(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def survey_ratings(ratings: pd.DataFrame, denominator_key: str) -> pd.DataFrame:
    """One denominator's treatment ratings from ``patients/survey_treatment_ratings``, tidy.

    Columns: ``denominator``, ``treatment``, ``slug``, ``answer``, ``pct``, ``qualifier``
    (``>``, ``~`` or empty, as printed), ``as_printed``, ``n_tried`` and ``pct_tried`` (the
    number and share of respondents who had tried the treatment; only the Health Rising
    re-tabulation prints them), ``source``, ``status``, ``id``. Rows come only from the
    document that printed this denominator, so the two sets can never mix.
    """
    d = denominator(denominator_key)
    answers = ANSWER_OF_MEASURE[d.key]
    rows = ratings[(ratings["source"] == d.source) & ratings["measure"].isin(answers)]
    if rows.empty:
        raise LookupError(f"no ratings from {d.source} in survey_treatment_ratings")
    tried = ratings[ratings["source"] == d.source]
    n_tried = tried[tried["measure"] == "n_who_tried"].set_index("item")["value"]
    pct_tried = tried[tried["measure"] == "pct_of_respondents_who_tried"].set_index("item")[
        "value"
    ]
    out = pd.DataFrame(
        {
            "denominator": d.key,
            "treatment": rows["item"].to_numpy(),
            "slug": [treatment_slug(t) for t in rows["item"]],
            "answer": rows["measure"].map(answers).to_numpy(),
            "pct": rows["value"].astype(float).to_numpy(),
            "qualifier": [_qualifier(q) for q in rows["qualifier"]],
            "as_printed": rows["value_as_printed"].astype(str).to_numpy(),
            "n_tried": rows["item"].map(n_tried).astype(float).to_numpy(),
            "pct_tried": rows["item"].map(pct_tried).astype(float).to_numpy(),
            "source": rows["source"].to_numpy(),
            "status": rows["status"].to_numpy(),
            "id": rows["id"].to_numpy(),
        }
    )
    duplicated = out.duplicated(["treatment", "answer"])
    if duplicated.any():
        raise ValueError(
            f"{d.source}: more than one row for "
            f"{out.loc[duplicated, ['treatment', 'answer']].to_dict('records')}"
        )
    return out.reset_index(drop=True)


def check_one_denominator(table: pd.DataFrame) -> str:
    """Return the table's one denominator; raise :class:`MixedDenominatorsError` otherwise.

    Every survey table or chart in the book passes through here: a share of everyone who
    answered and a share of those who tried a drug are different quantities, and putting
    them in one table invites a reader to compare them as if they were the same.
    """
    if "denominator" not in table.columns:
        raise MixedDenominatorsError("a survey table must say its denominator")
    found = sorted(set(table["denominator"]))
    if len(found) != 1:
        raise MixedDenominatorsError(
            f"one table holds percentages with different denominators ({', '.join(found)}); "
            "show them in separate tables, or convert with to_all_respondents()"
        )
    return found[0]


def survey_table(tidy: pd.DataFrame) -> pd.DataFrame:
    """The ratings of one denominator as a wide table: one row per treatment.

    Percentages are shown as printed (``>22`` stays ``>22``); an answer the source did not
    print is left empty. For the "tried" denominator the number who tried comes first. The
    table's ``attrs["denominator"]`` names its denominator, and :func:`survey_caption` says
    it in words: show the caption with the table (``evidence.tables.table`` does), since the column
    headings give only "%".
    """
    key = check_one_denominator(tidy)
    order = list(dict.fromkeys(tidy["treatment"]))
    wide = tidy.pivot(index="treatment", columns="answer", values="as_printed").reindex(order)
    wide = wide.reindex(columns=[a for a in ANSWERS if a in set(tidy["answer"])]).fillna("")
    wide.columns = [f"{a} (%)" for a in wide.columns]
    if key == "tried":
        first = tidy.drop_duplicates("treatment").set_index("treatment")
        wide.insert(0, "tried (n)", first["n_tried"].reindex(order).map(_int_text))
        wide.insert(1, "tried (% of respondents)", first["pct_tried"].reindex(order).map(_num_text))
    wide.index.name = "treatment"
    out = wide.reset_index()
    out.attrs["denominator"] = key
    return out


def survey_caption(table: pd.DataFrame) -> str:
    """The caption that says what 100 % means in a :func:`survey_table`."""
    d = denominator(table.attrs["denominator"])
    return (f"{d.publisher}. Answers in {d.label}; those the source did not print are left "
            "empty.")


def to_all_respondents(pct_of_tried: float, pct_who_tried: float) -> float:
    """Convert a share of those who tried a treatment into a share of all respondents.

    ``pct_of_tried`` % of the ``pct_who_tried`` % who tried it is
    ``pct_of_tried * pct_who_tried / 100`` % of everyone. Both inputs are 0-100.
    """
    for name, x in (("pct_of_tried", pct_of_tried), ("pct_who_tried", pct_who_tried)):
        if not 0 <= float(x) <= 100:
            raise ValueError(f"{name} must be a percentage between 0 and 100, got {x!r}")
    return float(pct_of_tried) * float(pct_who_tried) / 100.0


def _int_text(x: object) -> str:
    return "" if x is None or pd.isna(x) else f"{int(x):,}"


def _num_text(x: object) -> str:
    return "" if x is None or pd.isna(x) else f"{float(x):g}"


def amount_text(value: float, qualifier: str = "") -> str:
    """A number with its printed qualifier in words: ``(1400, '>')`` -> ``"more than 1,400"``."""
    words = QUALIFIER_WORDS.get(qualifier or "", qualifier)
    number = f"{int(value):,}" if float(value).is_integer() else f"{float(value):g}"
    return f"{words} {number}".strip()


ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth",
            7: "seventh", 8: "eighth", 9: "ninth", 10: "tenth"}


def ordinal_word(rank: int) -> str:
    """``3`` -> ``"third"`` (ranks 1 to 10), for prose that pastes a rank."""
    if int(rank) not in ORDINALS:
        raise ValueError(f"no ordinal word for rank {rank!r}")
    return ORDINALS[int(rank)]


# --------------------------------------------------------------------------- responder bands

BAND_ORDER = (
    "at least 50 %",
    "30 to 49 %",
    "at least 30 % (50 % not reported)",
    "under 30 % or withdrew",
)
DRUGS = ("pregabalin", "gabapentin", "duloxetine")

_PREGABALIN_BANDS = {
    "pct_ge_50pct_pain_relief": "at least 50 %",
    "pct_30_49pct_pain_relief": "30 to 49 %",
    "pct_lt_30pct_pain_relief_or_withdrawn": "under 30 % or withdrew",
}


def _status_is_derived(status: str) -> bool:
    return str(status).strip().lower() == "derived"


def responder_bands(
    distributions: pd.DataFrame, trials_binary: pd.DataFrame, drug: str
) -> pd.DataFrame:
    """How much pain relief each arm's participants had, in bands that add up to 100 %.

    ``drug``: ``"pregabalin"`` (Cochrane 2009 rates per dose via the EBMG summary, three
    bands, two of them derived by subtraction), ``"gabapentin"`` (the one trial's
    at-least-30 % counts; the trial did not report 50 %) or ``"duloxetine"`` (pooled
    at-least-30 % rates). Columns: ``comparison``, ``arm``, ``group`` (drug or placebo),
    ``band``, ``pct``, ``derived`` (True when computed by subtraction, not printed), ``how``
    (the rule, for derived bands), ``n`` and ``n_is`` (what the n counts), ``source``,
    ``study``. Each arm's bands add up to 100 (within rounding); a table that does not
    raises.
    """
    if drug not in DRUGS:
        raise ValueError(f"no responder bands for {drug!r}: use one of {', '.join(DRUGS)}")
    if drug == "pregabalin":
        out = _pregabalin_bands(distributions)
    elif drug == "gabapentin":
        out = _gabapentin_bands(trials_binary)
    else:
        out = _duloxetine_bands(distributions)
    # Each arm of each comparison (a trial, a dose) must add up; arms of different trials
    # share names ("Placebo"), so group by both.
    totals = out.groupby(["comparison", "arm"], sort=False)["pct"].sum()
    bad = totals[(totals - 100).abs() > 1.0]
    if not bad.empty:
        raise ValueError(f"{drug}: responder bands do not add up to 100 %: {bad.to_dict()}")
    out["band"] = pd.Categorical(out["band"], categories=BAND_ORDER, ordered=True)
    return out.reset_index(drop=True)


def _pregabalin_bands(distributions: pd.DataFrame) -> pd.DataFrame:
    rows = distributions[
        (distributions["dataset"] == "responder_distribution")
        & (distributions["source"] == "ebmg_pregabalin_fm")
        & distributions["measure"].isin(_PREGABALIN_BANDS)
    ]
    records = []
    for _, r in rows.iterrows():
        item = str(r["item"])
        drug_dose = re.fullmatch(r"pregabalin (\d+) mg/day", item)
        placebo_dose = re.fullmatch(r"placebo \(comparison with (\d+) mg\)", item)
        if not (drug_dose or placebo_dose):
            continue
        dose = int((drug_dose or placebo_dose).group(1))
        derived = _status_is_derived(r["status"])
        records.append(
            {
                "comparison": f"{dose} mg/day",
                "dose_mg_day": dose,
                "arm": f"Pregabalin {dose} mg/day" if drug_dose else f"Placebo ({dose} mg trials)",
                "group": "drug" if drug_dose else "placebo",
                "band": _PREGABALIN_BANDS[r["measure"]],
                "pct": float(r["value"]),
                "derived": derived,
                "how": _how(r["measure"]) if derived else "",
                "n": int(r["n"]),
                "n_is": "participants in the comparison (both arms)",
                "source": r["source"],
                "study": r.get("original_source") or r["source"],
            }
        )
    if not records:
        raise LookupError("no pregabalin responder bands in responder_distributions")
    out = pd.DataFrame(records).sort_values(["dose_mg_day", "group"], kind="stable")
    return out.drop(columns="dose_mg_day")


def _how(measure: str) -> str:
    if measure == "pct_30_49pct_pain_relief":
        return "at least 30 % minus at least 50 %"
    if measure == "pct_lt_30pct_pain_relief_or_withdrawn":
        return "100 minus at least 30 %"
    return ""


def _two_bands(records: list[dict], arm: str, group: str, pct30: float, **common) -> None:
    records.append({**common, "arm": arm, "group": group,
                    "band": "at least 30 % (50 % not reported)", "pct": pct30,
                    "derived": False, "how": ""})
    records.append({**common, "arm": arm, "group": group, "band": "under 30 % or withdrew",
                    "pct": 100.0 - pct30, "derived": True, "how": "100 minus at least 30 %"})


def _gabapentin_bands(trials_binary: pd.DataFrame) -> pd.DataFrame:
    rows = trials_binary[
        (trials_binary["drug"] == "gabapentin")
        & (trials_binary["condition"] == "fibromyalgia")
        & (trials_binary["outcome"] == "pain_response_30")
    ]
    if rows.empty:
        raise LookupError("no gabapentin fibromyalgia responder counts in trials_binary")
    records: list[dict] = []
    for _, r in rows.iterrows():
        common = {"comparison": f"{r['study']} ({r['dose_mg_day']} mg/day)",
                  "n_is": "participants in the arm", "source": r["source"],
                  "study": r["study"]}
        _two_bands(records, f"Gabapentin {r['dose_mg_day']} mg/day", "drug",
                   100.0 * r["events_treatment"] / r["n_treatment"],
                   n=int(r["n_treatment"]), **common)
        _two_bands(records, "Placebo", "placebo",
                   100.0 * r["events_control"] / r["n_control"],
                   n=int(r["n_control"]), **common)
    return pd.DataFrame(records)


def _duloxetine_bands(distributions: pd.DataFrame) -> pd.DataFrame:
    rows = distributions[
        (distributions["source"] == "bradley2010")
        & (distributions["measure"] == "pct_ge_30pct_bpi_pain_reduction_endpoint")
    ]
    if rows.empty:
        raise LookupError("no duloxetine responder rates in responder_distributions")
    records: list[dict] = []
    for _, r in rows.iterrows():
        item = str(r["item"])
        group = "placebo" if item.startswith("placebo") else "drug"
        arm = "Placebo" if group == "placebo" else item.replace("mg/d", "mg/day").capitalize()
        _two_bands(records, arm, group, float(r["value"]),
                   comparison="pooled trials", n=None, n_is="not printed",
                   source=r["source"], study=r["source"])
    return pd.DataFrame(records)


# --------------------------------------------------------------------------- why people stop

REASONS = ("adverse event", "lack of efficacy", "other reasons")


def withdrawal_reasons(discontinuation: pd.DataFrame, source: str = "nct00830167") -> pd.DataFrame:
    """Each arm's participant flow in one trial: how many stopped, and why.

    Reads ``patients/discontinuation_trials`` rows of the registry record ``source``.
    Columns: ``arm``, ``started``, ``completed``, ``not_completed``, one count per reason in
    :data:`REASONS` (``other reasons`` = not completed minus adverse events minus lack of
    efficacy, derived), and ``pct_<reason>`` of those who started. Raises if the flow does
    not add up (completed + not completed must equal started).
    """
    rows = discontinuation[discontinuation["source"] == source]
    if rows.empty:
        raise LookupError(f"no participant flow from {source} in discontinuation_trials")
    records = []
    for arm, g in rows.groupby("item", sort=False):
        v = g.set_index("measure")["value"]
        need = ["n_started", "n_completed", "n_not_completed",
                "n_withdrawn_adverse_event", "n_withdrawn_lack_of_efficacy"]
        missing = [m for m in need if m not in v]
        if missing:
            raise LookupError(f"{source} {arm}: missing {missing}")
        started, completed, stopped = (int(v[m]) for m in need[:3])
        if completed + stopped != started:
            raise ValueError(f"{source} {arm}: {completed} + {stopped} != {started} started")
        ae, loe = int(v["n_withdrawn_adverse_event"]), int(v["n_withdrawn_lack_of_efficacy"])
        other = stopped - ae - loe
        if other < 0:
            raise ValueError(f"{source} {arm}: more withdrawals by reason than in total")
        record = {"arm": arm[:1].upper() + arm[1:].replace("-", "–"), "started": started,
                  "completed": completed, "not_completed": stopped, "adverse event": ae,
                  "lack of efficacy": loe, "other reasons": other}
        for reason in REASONS:
            record[f"pct_{reason}"] = 100.0 * record[reason] / started
        record["source"] = source
        owners = g["original_source"].dropna()
        record["study"] = owners.iloc[0] if len(owners) else source
        records.append(record)
    return pd.DataFrame(records)


# --------------------------------------------------------------------------- real-world use

#: Wang 2020 measures that give the share still on pregabalin after a number of days.
PERSISTENCE_DAYS = {
    "pct_persistent_ge_90_days": 90,
    "pct_persistent_ge_180_days": 180,
    "pct_persistent_1_year": 365,
}


def persistence_points(
    realworld: pd.DataFrame, item: str = "pregabalin (all users)"
) -> pd.DataFrame:
    """Share still taking the drug over time, from one cohort's printed persistence.

    Columns: ``day``, ``pct``, ``kind`` (``"printed"``; ``"by definition"`` for day 0 =
    100 % and for the median, where half are still on the drug), ``source``, ``condition``.
    The rows of ``realworld_use_persistence`` for ``item`` must share one condition (for the
    default, every indication together, ``mixed_all_indications``).
    """
    rows = realworld[realworld["item"] == item]
    if rows.empty:
        raise LookupError(f"no persistence rows for {item!r}")
    conditions = sorted(set(rows["condition"]))
    if len(conditions) != 1:
        raise ValueError(f"{item!r} mixes conditions {conditions}")
    sources = sorted(set(rows["source"]))
    points = [{"day": 0, "pct": 100.0, "kind": "by definition"}]
    median = rows[rows["measure"] == "median_persistence"]
    if len(median) == 1:
        points.append({"day": int(median["value"].iloc[0]), "pct": 50.0, "kind": "by definition"})
    for measure, day in PERSISTENCE_DAYS.items():
        hit = rows[rows["measure"] == measure]
        if len(hit) == 1:
            points.append({"day": day, "pct": float(hit["value"].iloc[0]), "kind": "printed"})
    out = pd.DataFrame(points).sort_values("day", kind="stable").reset_index(drop=True)
    if not out["pct"].is_monotonic_decreasing:
        raise ValueError(f"{item!r}: persistence rises over time: {out.to_dict('records')}")
    out["source"] = ",".join(sources)
    out["condition"] = conditions[0]
    return out


COHORTS_TABLE = "annotations/persistence_cohorts"


def cohort_rows() -> list[tuple[str, str, str]]:
    """The cohort facts the chapter tabulates, in order: (row id, cohort label, what it
    measured), from ``data/annotations/persistence_cohorts.csv``."""
    table = _data.load(COHORTS_TABLE, as_printed=True)
    return list(zip(table["id"], table["cohort"], table["measured"], strict=True))


def _result_text(row: pd.Series) -> str:
    value, unit = row["value"], str(row["unit"])
    if value is None or pd.isna(value):
        printed = str(row["value_as_printed"])
        if printed == "~1/5":
            return "about one fifth"
        return printed
    number = f"{float(value):g}"
    if unit == "%":
        return f"{number} %"
    return f"{number} {unit}"


def cohort_table(realworld: pd.DataFrame) -> pd.DataFrame:
    """The real-world persistence facts of :func:`cohort_rows`, one line each, for the book.

    Columns: ``Cohort``, ``Who`` (fibromyalgia or all indications), ``Measured``,
    ``Result`` (as printed, with its unit), ``People`` (the cohort's n where printed),
    ``How it was read`` and ``Source``.
    """
    by_id = realworld.set_index("id")
    records = []
    for row_id, cohort, measured in cohort_rows():
        if row_id not in by_id.index:
            raise LookupError(f"realworld_use_persistence has no row {row_id}")
        r = by_id.loc[row_id]
        records.append(
            {
                "Cohort": cohort,
                "Who": vocab.condition_label(r["condition"]),
                "Measured": measured,
                "Result": _result_text(r),
                "People": _int_text(r["n"]),
                "How it was read": vocab.status_label(str(r["status"])),
                "Source": vocab.study_name(str(r["source"])),
            }
        )
    return pd.DataFrame(records)


def rows_mentioning(tables: Mapping[str, pd.DataFrame], word: str) -> int:
    """How many rows of ``tables`` mention ``word`` in any text cell (case-insensitive)."""
    pattern = re.compile(re.escape(word), re.I)
    count = 0
    for frame in tables.values():
        text = frame.astype(str).agg(" ".join, axis=1)
        count += int(text.map(lambda s: bool(pattern.search(s))).sum())
    return count


def describe(rows: Iterable[str]) -> str:
    """Join sentences for a chart description."""
    return " ".join(s.strip() for s in rows if s and s.strip())
