"""evidence.vocab: the words for codes come from data/vocabulary/, read and recorded like any
table; importing a module that keeps a constant's name for a table reads nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support import ROOT, csv_rows

from evidence import claims, comparisons, vocab
from evidence.reads import READ_LOG_ENV

OUTCOMES = csv_rows("vocabulary/outcomes")
CONDITIONS = csv_rows("vocabulary/conditions")


@pytest.mark.parametrize("row", OUTCOMES, ids=lambda r: r["outcome"])
def test_outcome_words_and_kind_are_the_tables(row):
    assert vocab.outcome_label(row["outcome"]) == row["label"]
    assert vocab.is_desirable(row["outcome"]) is (row["kind"] == "benefit")
    assert vocab.is_harm(row["outcome"]) is (row["kind"] == "harm")


def test_labels_follow_the_house_style():
    """Running-text labels: '30 %' with a space, no capital at the start unless an
    abbreviation (NSAIDs, SSRIs) begins the label."""
    for table, key in (("outcomes", "outcome"), ("conditions", "condition"), ("drugs", "drug")):
        for row in csv_rows(f"vocabulary/{table}"):
            label = row["label"]
            assert "%" not in label.replace(" %", ""), (table, row[key], label)
            first = label.split()[0]
            assert first == first.lower() or first.isupper() or first[:-1].isupper(), (
                table, row[key], label)


def test_condition_groups_in_file_order():
    for group in {r["group"] for r in CONDITIONS}:
        assert vocab.conditions_in(group) == [r["condition"] for r in CONDITIONS
                                              if r["group"] == group]
    for r in CONDITIONS:
        assert vocab.condition_label(r["condition"]) == r["label"]
        assert vocab.condition_group(r["condition"]) == r["group"]
    with pytest.raises(LookupError, match="no condition of group 'knees'"):
        vocab.conditions_in("knees")


def test_an_unknown_code_names_the_table_to_add_it_to():
    with pytest.raises(LookupError, match=r"'pain_response_99' is not in "
                                          r"data/vocabulary/outcomes\.csv"):
        vocab.outcome_label("pain_response_99")
    with pytest.raises(LookupError, match=r"data/vocabulary/drugs\.csv"):
        vocab.drug_label("aspirin_typo")


def test_capital_keeps_abbreviations():
    assert vocab.capital("NSAIDs") == "NSAIDs"
    assert vocab.capital("gabapentinoids (gabapentin or pregabalin)") == (
        "Gabapentinoids (gabapentin or pregabalin)")
    assert vocab.capital("") == ""


def test_every_read_is_recorded_even_when_reused(tmp_path, monkeypatch):
    log = tmp_path / "reads.log"
    monkeypatch.setenv(READ_LOG_ENV, str(log))
    vocab.outcome_label("pain_response_30")
    first = log.read_text(encoding="utf-8").splitlines()
    log.write_text("", encoding="utf-8")
    vocab.outcome_label("pain_response_50")  # served from the parsed table
    again = log.read_text(encoding="utf-8").splitlines()
    assert "data/vocabulary/outcomes.csv" in first
    assert "data/vocabulary/outcomes.csv" in again


def test_importing_the_modules_reads_no_table(tmp_path):
    """The constants kept as names (claims.VERDICTS, comparisons.FM_OPTIONS) read their table
    when used, so importing reads nothing and a notebook that never uses them does not
    depend on their tables."""
    log = tmp_path / "reads.log"
    code = ("import evidence.claims, evidence.comparisons, evidence.analyses, "
            "evidence.back_pain, evidence.patients")
    env = {**os.environ, READ_LOG_ENV: str(log)}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env, timeout=120)
    read = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    assert not [p for p in read if p.startswith("data/")]


def test_lazy_constants_behave_like_the_tuples_they_replace():
    verdicts = [r["verdict"] for r in csv_rows("vocabulary/verdicts")]
    assert list(claims.VERDICTS) == verdicts and len(claims.VERDICTS) == len(verdicts)
    assert claims.VERDICTS == tuple(verdicts) and claims.VERDICTS[-1] == verdicts[-1]
    assert claims.VERDICTS.index(verdicts[2]) == 2 and verdicts[0] in claims.VERDICTS
    assert dict(claims.VERDICT_MEANINGS) == {r["verdict"]: r["meaning"]
                                             for r in csv_rows("vocabulary/verdicts")}
    seeds = csv_rows("vocabulary/seed_articles")
    assert [(a.seed, a.label) for a in claims.ARTICLES] == [
        (r["seed"], f"Article {r['letter']}") for r in seeds]
    assert set(claims.ARTICLE_BY_SEED) == {r["seed"] for r in seeds}


def test_the_options_compared_are_the_annotation_table():
    rows = csv_rows("annotations/comparison_options")
    labels = {r["drug"]: r["label"] for r in csv_rows("vocabulary/drugs")}
    assert [o.drug for o in comparisons.FM_OPTIONS] == [r["drug"] for r in rows]
    for option, row in zip(comparisons.FM_OPTIONS, rows, strict=True):
        assert option.label.lower() == labels[row["drug"]].lower()
        assert option.dose == (row["dose"] or None)
        assert ";".join(option.reviews) == row["reviews"].replace(" ", "")
        assert (option.key, option.unit, option.why) == (row["key"], row["unit"], row["why"])
    outcomes = csv_rows("annotations/comparison_outcomes")
    assert list(comparisons.FM_OUTCOMES) == [r["outcome"] for r in outcomes]
    assert dict(comparisons.OUTCOME_KEYS) == {r["outcome"]: r["key"] for r in outcomes}
    assert set(comparisons.HARM_AXIS_NAMES) == {
        r["outcome"] for r in outcomes if r["outcome"] in {
            o["outcome"] for o in OUTCOMES if o["kind"] == "harm"}}
