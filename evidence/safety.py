"""Safety in practice: the safety facts of ``data/safety/`` as the chapters show them.

``data/safety/safety_facts.csv`` holds one fact per row (who should not take a drug, kidney
disease, older adults, pregnancy, interactions, opioids, misuse, legal control, suicidality,
overdose, stopping; and how the context drugs act and are dosed): the fact in the book's own
short words, its numbers in typed columns (``value_num``, ``value_low``, ``value_high``,
``unit``, ``qualifier``) and where it was read. ``data/safety/pregabalin_renal_dosing.csv``
is pregabalin's dose table by creatinine clearance. This module selects and words them; the
notebook glues them and :func:`evidence.tables.table` draws them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from . import data, formatting, meta, vocab

FACTS = "safety/safety_facts"
PREGABALIN_RENAL = "safety/pregabalin_renal_dosing"
TOPICS = "vocabulary/safety_topics"

# The columns of the per-drug safety table, in order.
DRUG, TOPIC, SAYS, NUMBER, SOURCE, WHERE, STATUS = (
    "Drug", "Topic", "What the source says", "Number", "Source", "Where in the source",
    "How it was read")


def facts(drugs: Iterable[str] | None = None) -> pd.DataFrame:
    """The safety facts, optionally only those about ``drugs`` (codes of the drug
    vocabulary), ordered by topic as the topic vocabulary lists them, then as the file does."""
    frame = data.load(FACTS)
    if drugs is not None:
        wanted = list(drugs)
        unknown = sorted(set(wanted) - set(frame["drug"]))
        if unknown:
            raise LookupError(f"no safety facts in data/{FACTS}.csv for {', '.join(unknown)}")
        frame = frame[frame["drug"].isin(wanted)]
    order = {r["topic"]: i for i, r in enumerate(vocab.rows(TOPICS))}
    return (frame.assign(_order=frame["topic"].map(order))
            .sort_values("_order", kind="stable").drop(columns="_order")
            .reset_index(drop=True))


def fact(fact_id: str) -> pd.Series:
    """One row of the safety facts; a missing or repeated id stops the build."""
    return data.one_row(data.load(FACTS), fact_id=fact_id)


def number(fact_id: str, column: str = "value_num") -> float:
    """A number of one fact (``value_num``, ``value_low`` or ``value_high``); stops the build,
    naming the fact and the column, when the cell is empty."""
    value = fact(fact_id)[column]
    if formatting.blank(value):
        raise ValueError(f"data/{FACTS}.csv: fact {fact_id!r} has no {column}")
    return float(value)


PASTE_PREFIX = "sf_"
_PASTED_COLUMNS = (("value_num", ""), ("value_low", "_low"), ("value_high", "_high"))


def pasteable_numbers() -> list[tuple[str, int | float, pd.Series]]:
    """Every number of every fact, as (key, value, row): the key is ``sf_`` + the fact id,
    with ``_low`` or ``_high`` for the ends of a range or interval (``sf_bac_ckd_rr``,
    ``sf_bac_ckd_rr_low``, ``sf_bac_ckd_rr_high``); a whole number is an int, so a chapter
    can paste it with ``:d``."""
    out, seen = [], set()
    for _, row in data.load(FACTS).iterrows():
        for column, suffix in _PASTED_COLUMNS:
            if formatting.blank(row[column]):
                continue
            value = float(row[column])
            key = f"{PASTE_PREFIX}{row['fact_id']}{suffix}"
            if key in seen:
                raise ValueError(f"data/{FACTS}.csv: fact {row['fact_id']!r} would paste as "
                                 f"{key!r}, the key of another fact's {column}; rename one")
            seen.add(key)
            out.append((key, int(value) if value.is_integer() else value, row))
    return out


def topic_label(topic: str) -> str:
    """The reader's words for a safety topic."""
    return vocab.label(TOPICS, topic)


def number_text(row: pd.Series) -> str:
    """A fact's numbers in words: ``"1.49 odds ratio (95 % CI 1.18 to 1.88)"``, a range
    ``"10 to 75 mg/day"``, ``"below 60 mL/min/1.73 m2"``, ``"about 20 %"``; empty when the
    fact has none."""
    value, low, high = (formatting.printed(row.get(c)) for c in
                        ("value_num", "value_low", "value_high"))
    unit = "" if formatting.blank(row.get("unit")) else f" {row['unit']}"
    qualifier = "" if formatting.blank(row.get("qualifier")) else row["qualifier"]
    if qualifier == "95% CI":
        return f"{value}{unit} (95 % CI {low} to {high})"
    if value is None and low is not None and high is not None:
        return f"{low} to {high}{unit}"
    words = {"<": "below", ">": "more than", ">=": "at least", "~": "about", "": ""}[qualifier]
    shown = value if value is not None else high
    if shown is None:
        return ""
    return f"{words} {shown}{unit}".strip()


def drug_frame(drugs: Iterable[str], *, by_drug: bool = False) -> pd.DataFrame:
    """The safety facts about ``drugs`` as a chapter's table shows them: topic, the fact, its
    number, the source (named as the book names studies), where in it, and its status.
    ``by_drug`` adds a first column naming the drug and orders the rows drug by drug (in the
    order given), then by topic."""
    drugs = list(drugs)
    rows = facts(drugs)
    if by_drug:
        rank = {d: i for i, d in enumerate(drugs)}
        rows = rows.iloc[rows["drug"].map(rank).argsort(kind="stable")].reset_index(drop=True)
    frame = pd.DataFrame({
        TOPIC: [vocab.capital(topic_label(t)) for t in rows["topic"]],
        SAYS: rows["fact"],
        NUMBER: [number_text(r) for _, r in rows.iterrows()],
        SOURCE: [vocab.study_name(s) for s in rows["source"]],
        WHERE: rows["source_location"],
        STATUS: rows["status"].map(vocab.status_label),
    })
    if by_drug:
        frame.insert(0, DRUG, [vocab.capital(vocab.drug_label(d)) for d in rows["drug"]])
    return frame


def pregabalin_renal_frame() -> pd.DataFrame:
    """Pregabalin's dose table by creatinine clearance, as the chapter shows it."""
    rows = data.load(PREGABALIN_RENAL)

    def span(low, high) -> str:
        return f"{low:.0f}" if low == high else f"{low:.0f} to {high:.0f}"

    return pd.DataFrame({
        "Creatinine clearance (mL/min)": rows["crcl_ml_min_label"],
        "Starting dose (mg a day)": [span(lo, hi) for lo, hi in zip(
            rows["starting_daily_dose_mg_min"], rows["starting_daily_dose_mg_max"], strict=True)],
        "Dose range (mg a day)": [span(lo, hi) for lo, hi in zip(
            rows["total_daily_dose_mg_min"], rows["total_daily_dose_mg_max"], strict=True)],
    })


def pregabalin_renal_row(band: str) -> pd.Series:
    """One band of pregabalin's renal dose table, by its printed label (``"30-60"``)."""
    return data.one_row(data.load(PREGABALIN_RENAL), crcl_ml_min_label=band)


def pregabalin_band(crcl_ml_min: float) -> pd.Series:
    """The maintenance band of pregabalin's renal table that holds a creatinine clearance.

    The printed bands share their edges (30-60 and 15-30); a clearance on an edge falls in
    the higher band, as the label's ">=60" band suggests for 60."""
    rows = data.load(PREGABALIN_RENAL)
    rows = rows[rows["row_type"] == "maintenance"]
    for _, row in rows.sort_values("crcl_ml_min_lower", ascending=False,
                                   na_position="last").iterrows():
        lower = row["crcl_ml_min_lower"]
        if pd.isna(lower) or crcl_ml_min >= lower:
            return row
    raise AssertionError("unreachable: the lowest band has no lower bound")


def counts_effect(events_t: str, n_t: str, events_c: str, n_c: str, measure: str,
                  alpha: float = 0.05) -> dict:
    """An unadjusted effect (RR or OR, with its Wald interval) computed from four count facts
    of the table, named by their ids; the sources are those of the four rows."""
    ids = (events_t, n_t, events_c, n_c)
    effect = meta.binary_effect(*(int(number(i)) for i in ids), measure=measure, alpha=alpha)
    effect["sources"] = data.sources(*(fact(i) for i in ids))
    return effect


def per_1000(events_id: str, n_id: str) -> float:
    """Events per 1000 people from two count facts (the absolute risk the chapters print)."""
    return 1000 * number(events_id) / number(n_id)


# A subgroup written in the ``population`` column: "eGFR 30-44" or "eGFR <30".
_SUBGROUP = re.compile(r"^(?P<what>.+?) (?:(?P<low>\d+(?:\.\d+)?)-(?P<high>\d+(?:\.\d+)?)"
                       r"|<(?P<below>\d+(?:\.\d+)?))$")


def subgroup_row(fact_ids: Iterable[str], value: float) -> pd.Series:
    """Of the facts ``fact_ids``, each about one subgroup (``population`` "eGFR 30-44" or
    "eGFR <30"), the one whose subgroup holds ``value``. A population of another form stops
    the build, naming the fact; a value in no subgroup raises LookupError."""
    for fact_id in fact_ids:
        row = fact(fact_id)
        m = _SUBGROUP.match(str(row["population"]))
        if m is None:
            raise ValueError(f"data/{FACTS}.csv: fact {fact_id!r} has population "
                             f"{row['population']!r}; expected e.g. 'eGFR 30-44' or 'eGFR <30'")
        if m["below"] is not None:
            if value < float(m["below"]):
                return row
        elif float(m["low"]) <= value <= float(m["high"]):
            return row
    raise LookupError(f"{value} is in none of the subgroups of {', '.join(fact_ids)}")
