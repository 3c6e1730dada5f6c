"""tools.validate: the real data are clean, and each kind of corruption is reported at the
right file, line, column and rule, once.

The real data are validated once per session (:func:`real_problems`); a corrupted copy is
validated only for the table the corruption is in (``validate(copy, tables=[...])`` reads
that table and the ones its keys point at), which is what keeps this file fast.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import csv_rows
from support.bad_inputs import BAD_IDS, BAD_INPUTS, line_of, read, set_cell, write

from evidence import BOOK, DATA, ROOT
from tools.validate import ALLOWANCES, EXIT_BAD_DATA, Problem, check_rows, main, validate


# ---------------------------------------------------------------- helpers
@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of data/ with book/references.bib beside it; returns the data root."""
    root = tmp_path / "data"
    shutil.copytree(DATA, root)
    (tmp_path / "book").mkdir()
    shutil.copy(BOOK / "references.bib", tmp_path / "book" / "references.bib")
    return root


def find(problems: list[Problem], file: str, rule: str) -> list[Problem]:
    return [p for p in problems if p.file == file and p.rule == rule]


def check(root: Path, *tables: str) -> list[Problem]:
    """Validate only ``tables`` of the copy (and what they need)."""
    return validate(root, tables=tables)


# ---------------------------------------------------------------- the real data
@pytest.fixture(scope="session")
def real_problems() -> list[Problem]:
    return validate()


def test_real_data_validate_cleanly(real_problems):
    assert real_problems == [], "\n".join(p.format() for p in real_problems)


def test_cli_ok():
    result = subprocess.run([sys.executable, "-m", "tools.validate"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("OK:")


def test_cli_reports_and_fails(copy: Path):
    line = line_of("trials_binary.csv", "id", "arnold2007_withdrawal_ae")
    set_cell(copy, "trials_binary.csv", line, "events_treatment", "99")
    result = subprocess.run([sys.executable, "-m", "tools.validate", "--root", str(copy),
                             "--table", "trials_binary.csv"], capture_output=True, text=True,
                            cwd=copy.parent, timeout=120)
    assert result.returncode == EXIT_BAD_DATA == 2
    assert (f"data/trials_binary.csv:{line}: column 'events_treatment' value '99' "
            "breaks rule events-le-n") in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("FAILED: 1 problem")


def test_one_table_is_checked_with_the_tables_its_keys_point_at(copy: Path):
    """The fast path the tests use: a dangling key is still found, and problems of tables
    that were not asked for are not reported."""
    set_cell(copy, "trials_binary.csv", 2, "outcome", "no_such_code")
    set_cell(copy, "facts.csv", 2, "source", "no_such_key")
    hits = check(copy, "trials_binary.csv")
    assert [(p.file, p.line, p.rule) for p in hits] == [("trials_binary.csv", 2, "foreign-key")]
    assert [(p.file, p.line, p.rule) for p in check(copy, "facts.csv")] == [
        ("facts.csv", 2, "unknown-key")]


# ---------------------------------------------------------------- every bad input, once
@pytest.mark.parametrize(("table", "key_column", "key", "column", "bad", "rule", "words"),
                         BAD_INPUTS, ids=BAD_IDS)
def test_each_bad_input_is_stopped_once_with_its_place_and_rule(
        copy: Path, capsys, monkeypatch, table, key_column, key, column, bad, rule, words):
    line = line_of(table, key_column, key)
    old = set_cell(copy, table, line, column, bad)
    assert old != bad
    monkeypatch.chdir(copy.parent)  # the CLI names files relative to where it runs
    code = main(["--root", str(copy), "--table", table])
    out = capsys.readouterr().out.splitlines()
    assert code == EXIT_BAD_DATA == 2
    assert out[-1].startswith("FAILED: 1 problem(s) in 1 file(s)"), out
    (reported,) = out[:-1]
    assert reported.startswith(f"data/{table}:{line}: column '{column}' value '{bad}' "
                               f"breaks rule {rule} — "), reported
    hint = reported.split(" — ", 1)[1]
    assert words in hint, reported
    assert not re.search(r"[\^$]|\\d", hint), f"the hint shows a regular expression: {hint}"


# ---------------------------------------------------------------- corruptions
def test_missing_column(copy: Path):
    path = copy / "trials_continuous.csv"
    records = read(path)
    col = records[0].index("scale")
    write(path, [rec[:col] + rec[col + 1:] for rec in records])
    problems = check(copy, "trials_continuous.csv")
    hits = find(problems, "trials_continuous.csv", "missing-column")
    assert [(p.line, p.column) for p in hits] == [(1, "scale")]
    # columns after the gap are still matched by name, not shifted into the wrong field
    assert not find(problems, "trials_continuous.csv", "type")


def test_empty_required_field(copy: Path):
    line = line_of("published_pooled.csv", "id", "derry2016_ae_any_300_rr")
    set_cell(copy, "published_pooled.csv", line, "source_location", "")
    hits = find(check(copy, "published_pooled.csv"), "published_pooled.csv", "required")
    assert [(p.line, p.column) for p in hits] == [(line, "source_location")]


# ---------------------------------------------------------------- the vocabulary
# A code the vocabulary lacks, in each kind of code column (the first row of each table).
CODE_COLUMNS = [
    # (file, code column, vocabulary file)
    ("trials_binary.csv", "outcome", "vocabulary/outcomes.csv"),
    ("trials_binary.csv", "condition", "vocabulary/conditions.csv"),
    ("trials_binary.csv", "drug", "vocabulary/drugs.csv"),
    ("trials_continuous.csv", "outcome", "vocabulary/outcomes.csv"),
    ("trials_design.csv", "drug", "vocabulary/drugs.csv"),
    ("published_pooled.csv", "condition", "vocabulary/conditions.csv"),
    ("published_pooled.csv", "drug", "vocabulary/drugs.csv"),
    ("patients/realworld_use_persistence.csv", "condition", "vocabulary/conditions.csv"),
    ("claims.csv", "seed", "vocabulary/seed_articles.csv"),
    ("claims.csv", "verdict", "vocabulary/verdicts.csv"),
]


@pytest.mark.parametrize(("table", "column", "vocabulary"), CODE_COLUMNS,
                         ids=[f"{t}:{c}" for t, c, _ in CODE_COLUMNS])
def test_a_code_missing_from_the_vocabulary_is_reported(copy: Path, table, column, vocabulary):
    old = set_cell(copy, table, 2, column, "no_such_code")
    assert old and old != "no_such_code"
    hits = check(copy, table)
    assert [(p.line, p.column, p.value, p.rule) for p in hits] == [
        (2, column, "no_such_code", "foreign-key")]
    text = hits[0].format()
    assert text.startswith(f"data/{table}:2: column '{column}' value 'no_such_code' breaks rule "
                           "foreign-key")
    assert f"data/{vocabulary}" in text, "the hint names the table to add the code to"


def test_every_code_the_tables_use_has_words():
    """Read without the validator: each code column's values are rows of its vocabulary."""
    for table, column, vocabulary in CODE_COLUMNS:
        key = read(DATA / vocabulary)[0][0]
        codes = {r[key] for r in csv_rows(DATA / vocabulary)}
        used = {r[column] for r in csv_rows(DATA / table)}
        assert used <= codes, (table, column, sorted(used - codes))
        assert all(r[next(c for c in r if c != key)] for r in csv_rows(DATA / vocabulary))


def test_removing_a_code_from_the_vocabulary_reports_every_row_that_uses_it(copy: Path):
    rel = "vocabulary/outcomes.csv"
    records = read(copy / rel)
    write(copy / rel, [rec for rec in records if rec[0] != "ae_somnolence"])
    users = ("trials_binary.csv", "published_pooled.csv", "annotations/comparison_outcomes.csv")
    problems = [p for p in check(copy, *users) if p.rule == "foreign-key"]
    expected = sorted(
        (table, i + 2) for table in users
        for i, r in enumerate(csv_rows(DATA / table)) if r["outcome"] == "ae_somnolence")
    assert sorted((p.file, p.line) for p in problems) == expected
    assert all(p.column == "outcome" and p.value == "ae_somnolence" for p in problems)


def _add_status_column(copy: Path, rel: str) -> None:
    descriptor = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    (res,) = [r for r in descriptor["resources"] if r["path"] == rel]
    res["schema"]["fields"].append({"name": "status", "type": "string"})
    (copy / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    write(copy / rel, [rec + ["status" if i == 0 else "verified"]
                       for i, rec in enumerate(read(copy / rel))])


def test_a_vocabulary_table_with_a_status_is_reported(copy: Path):
    _add_status_column(copy, "vocabulary/drugs.csv")
    hits = find(check(copy, "vocabulary/drugs.csv"), "vocabulary/drugs.csv", "vocabulary-status")
    assert [(p.line, p.column) for p in hits] == [(1, "status")]


def test_a_vocabulary_table_without_a_key_is_reported(copy: Path):
    rel = "vocabulary/study_names.csv"
    descriptor = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    (res,) = [r for r in descriptor["resources"] if r["path"] == rel]
    del res["schema"]["primaryKey"]
    (copy / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    hits = find(check(copy, rel), rel, "vocabulary-key")
    assert [(p.line, p.column) for p in hits] == [(1, None)]


# A bibliography key that is not in the bibliography, in a single-key column and in the
# ';'-separated lists: only the unknown key is reported, on its line and column.
UNKNOWN_KEYS = [
    # (file, key column, row key, column, new cell, the key reported)
    ("annotations/comparison_options.csv", "drug", "duloxetine", "reviews",
     "lunn2014;lian2091", "lian2091"),
    ("vocabulary/study_names.csv", "study", "vantulder2003", "study",
     "vantulder2030", "vantulder2030"),
    ("annotations/missing_evidence.csv", "sources", "moore2015", "sources",
     "moore2015;moore2051", "moore2051"),
]


@pytest.mark.parametrize(("rel", "key_column", "key", "column", "cell", "reported"),
                         UNKNOWN_KEYS, ids=["review-list", "study-name", "sources-list"])
def test_an_unknown_bibliography_key_is_reported(copy: Path, rel, key_column, key, column,
                                                 cell, reported):
    line = line_of(rel, key_column, key)
    set_cell(copy, rel, line, column, cell)
    hits = find(check(copy, rel), rel, "unknown-key")
    assert [(p.line, p.column, p.value) for p in hits] == [(line, column, reported)]


def test_ci_bounds_reversed(copy: Path):
    line = line_of("published_pooled.csv", "id", "derry2016_ae_dizziness_450_rr")
    low = set_cell(copy, "published_pooled.csv", line, "ci_low", "5.2")
    set_cell(copy, "published_pooled.csv", line, "ci_high", low)
    hits = find(check(copy, "published_pooled.csv"), "published_pooled.csv", "ci-order")
    assert [(p.line, p.column, p.value) for p in hits] == [(line, "ci_low", "5.2")]


def test_non_utf8_file(copy: Path):
    path = copy / "patients" / "surveys.csv"
    raw = path.read_bytes().split(b"\n")
    raw[4] = raw[4].replace(b"respondents", b"r\xe9spondents", 1)
    path.write_bytes(b"\n".join(raw))
    problems = check(copy, "patients/surveys.csv")  # must not raise
    hits = find(problems, "patients/surveys.csv", "utf-8")
    assert [(p.line, p.value) for p in hits] == [(5, "0xe9")]
    assert "surveys.csv:5:" in hits[0].format()


def test_unknown_bib_when_bib_is_missing(copy: Path, tmp_path: Path):
    problems = validate(copy, bib=tmp_path / "nowhere.bib", tables=[])
    assert any(p.rule == "bib-missing" for p in problems)


def test_a_repeated_bibliography_key_is_reported_at_its_second_entry(copy: Path):
    bib = copy.parent / "book" / "references.bib"
    text = bib.read_text(encoding="utf-8")
    entry = text[text.index("@", text.index("\n@") ):]  # the first entry, to its end
    entry = entry[: entry.index("\n}\n") + 3]
    key = entry[entry.index("{") + 1: entry.index(",")].strip()
    bib.write_text(text + "\n" + entry, encoding="utf-8")
    line = text.count("\n") + 2  # where the appended copy starts
    hits = find(validate(copy, tables=[]), "references.bib", "duplicate-bib-key")
    assert [(p.line, p.value) for p in hits] == [(line, key)]


def test_a_bibliography_syntax_error_is_reported_with_its_line(copy: Path):
    bib = copy.parent / "book" / "references.bib"
    text = bib.read_text(encoding="utf-8")
    bib.write_text(text + "\n@article{broken2020,\n  title = {Never closed\n", encoding="utf-8")
    hits = find(validate(copy, tables=[]), "references.bib", "bib-syntax")
    assert hits and all(p.line and p.line > text.count("\n") for p in hits), hits


def test_an_arm_of_no_participants_is_refused(copy: Path):
    line = line_of("trials_binary.csv", "id", "arnold2007_withdrawal_ae")
    set_cell(copy, "trials_binary.csv", line, "n_control", "0")
    hits = [p for p in check(copy, "trials_binary.csv") if p.line == line]
    # Reported once, as the bad cell it is; not again as "events exceed n".
    assert [(p.column, p.rule) for p in hits] == [("n_control", "minimum")], hits
    assert "minimum is 1" in hits[0].format()


def test_derived_count_must_reproduce(copy: Path):
    line = line_of("trials_binary.csv", "id", "kalita2014_odi_response_20")
    set_cell(copy, "trials_binary.csv", line, "events_treatment", "47")
    hits = find(check(copy, "trials_binary.csv"), "trials_binary.csv", "derived-reproduces")
    assert [(p.line, p.column) for p in hits] == [(line, "events_treatment")]


def test_derived_band_must_reproduce(copy: Path):
    rel = "patients/responder_distributions.csv"
    rows = csv_rows(rel)
    i = next(i for i, r in enumerate(rows) if r["measure"] == "pct_30_49pct_pain_relief")
    set_cell(copy, rel, i + 2, "value", "99")
    hits = find(check(copy, rel), rel, "derived-reproduces")
    assert [(p.line, p.column) for p in hits] == [(i + 2, "value")]


def test_unlisted_csv(copy: Path):
    (copy / "stray.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert [p.rule for p in validate(copy, tables=[])] == ["unlisted-file"]


# ---------------------------------------------------------------- annotations
def package() -> dict:
    return json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))


def annotation_keys() -> list[tuple[str, str, str, int, str]]:
    """(file, key column, referenced resource, line, key) of the first filled key of every
    foreign-key column of every annotation table, read from the package and the files."""
    out = []
    for res in package()["resources"]:
        if not res["path"].startswith("annotations/"):
            continue
        for fk in res["schema"].get("foreignKeys", []):
            rows = csv_rows(DATA / res["path"])
            i, row = next((i, r) for i, r in enumerate(rows) if r[fk["fields"]])
            out.append((res["path"], fk["fields"], fk["reference"]["resource"], i + 2,
                        row[fk["fields"]]))
    return out


def test_every_annotation_table_points_at_the_rows_it_annotates():
    """Each table under annotations/ declares foreign keys. The one that annotates absences
    (estimates that are missing, which have no row) points at codes only: the vocabulary's
    and the outcomes the chapter compares."""
    tables = {r["path"]: r for r in package()["resources"] if r["path"].startswith("annotations/")}
    assert len(tables) >= 8
    without = sorted(p for p, r in tables.items() if not r["schema"].get("foreignKeys"))
    # Chapter 1's made-up example patients describe no row of any table.
    assert without == ["annotations/criteria_examples.csv"]
    absences = tables["annotations/missing_evidence.csv"]["schema"]["foreignKeys"]
    assert {fk["reference"]["resource"] for fk in absences} == {
        "vocabulary-conditions", "vocabulary-drugs", "annotations-comparison_outcomes"}


@pytest.mark.parametrize(("table", "column", "reference", "line", "key"), annotation_keys(),
                         ids=lambda v: v if isinstance(v, str) and "/" in v else None)
def test_an_annotation_of_a_row_that_does_not_exist_is_reported(copy: Path, table, column,
                                                                reference, line, key):
    set_cell(copy, table, line, column, key + "_typo")
    hits = check(copy, table)
    # Only that cell is reported; an enum of the column may report it too.
    assert {(p.line, p.column, p.value) for p in hits} == {(line, column, key + "_typo")}
    (fk,) = [p for p in hits if p.rule == "foreign-key"]
    assert {p.rule for p in hits} <= {"foreign-key", "enum"}
    assert fk.format().startswith(
        f"data/{table}:{line}: column '{column}' value '{key}_typo' breaks rule foreign-key — "
        f"value not found in table '{reference}'")


def test_renaming_an_annotated_row_leaves_the_annotation_dangling(copy: Path):
    """The editor's mistake the foreign keys are for: a row id changes in a data table."""
    old = "moore2015_withdrawal_ae_25_50_rr"
    set_cell(copy, "published_pooled.csv", line_of("published_pooled.csv", "id", old), "id",
             "moore2015_withdrawal_ae_25_50_rr_renamed")
    hits = find(check(copy, "annotations/comparison_notes.csv"),
                "annotations/comparison_notes.csv", "foreign-key")
    assert [(p.line, p.column, p.value) for p in hits] == [
        (line_of("annotations/comparison_notes.csv", "id", old), "id", old)]


def test_an_annotation_names_exactly_one_row(copy: Path):
    rel = "annotations/baclofen_in_estimates.csv"
    line = line_of(rel, "design_id", "dapas1985_baclofen")
    set_cell(copy, rel, line, "continuous_id", "friedman2019_rmdq_improvement")
    hits = find(check(copy, rel), rel, "one-annotated-row")
    assert [(p.line, p.column) for p in hits] == [(line, "continuous_id")]
    set_cell(copy, rel, line, "continuous_id", "")
    set_cell(copy, rel, line, "design_id", "")
    hits = find(check(copy, rel), rel, "one-annotated-row")
    assert [(p.line, p.column, p.value) for p in hits] == [(line, "published_id", "")]


def test_without_its_allowance_a_printed_oddity_is_reported(copy: Path):
    row_id = "spaeth2012_6000_pain_response_50"
    path = copy / ALLOWANCES
    records = read(path)
    col = records[0].index("trials_binary_id")
    write(path, [rec for rec in records if rec[col] != row_id])
    hits = find(check(copy, "trials_binary.csv"), "trials_binary.csv", "pct-matches-counts")
    line = line_of("trials_binary.csv", "id", row_id)  # both arms print other denominators
    assert [(p.line, p.column) for p in hits] == [(line, "pct_control"), (line, "pct_treatment")]


def test_an_allowance_that_waives_nothing_is_reported(copy: Path):
    """Once the printed value is corrected, the allowance must go too."""
    line = line_of("facts.csv", "fact_id", "prevalence_heidari_men")
    set_cell(copy, "facts.csv", line, "value_low", "0.00")
    problems = check(copy, ALLOWANCES, "facts.csv")
    hits = find(problems, ALLOWANCES, "unused-allowance")
    assert [(p.line, p.column, p.value) for p in hits] == [
        (line_of(ALLOWANCES, "fact_id", "prevalence_heidari_men"), "rule", "nonnegative-percent")]
    assert [p for p in problems if p.file != ALLOWANCES] == []


def test_a_data_table_without_provenance_columns_is_reported(copy: Path):
    """A data table says where and how each value was read; an annotation table does not."""
    rel = "pharmacology/baclofen_titration.csv"
    descriptor = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    (res,) = [r for r in descriptor["resources"] if r["path"] == rel]
    res["schema"]["fields"] = [f for f in res["schema"]["fields"] if f["name"] != "status"]
    (copy / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    records = read(copy / rel)
    col = records[0].index("status")
    write(copy / rel, [rec[:col] + rec[col + 1:] for rec in records])
    hits = find(check(copy, rel), rel, "provenance-columns")
    assert [(p.line, p.column) for p in hits] == [(1, "status")]
    assert "annotations/" in hits[0].hint


def test_an_annotation_table_with_a_status_is_reported(copy: Path):
    """Annotations are the book's own words: a status column would fake a provenance."""
    rel = "annotations/prevalence_groups.csv"
    _add_status_column(copy, rel)
    hits = find(check(copy, rel), rel, "annotation-status")
    assert [(p.line, p.column) for p in hits] == [(1, "status")]


# ---------------------------------------------------------------- numeric rules (hypothesis)
BINARY_ROW = next(r for r in csv_rows("trials_binary.csv") if r["id"] == "ohta2012_ae_any")
CONT_ROW = next(r for r in csv_rows("trials_continuous.csv")
                if r["id"] == "mathieson2017_leg_pain_0_10_wk8")


def binary(events_t: int, n_t: int, events_c: int, n_c: int) -> dict[str, str]:
    return {**BINARY_ROW, "events_treatment": str(events_t), "n_treatment": str(n_t),
            "events_control": str(events_c), "n_control": str(n_c),
            "pct_treatment": "", "pct_control": ""}


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 10_000), extra=st.integers(1, 10_000), arm=st.sampled_from(["t", "c"]))
def test_any_events_above_n_is_caught(n: int, extra: int, arm: str):
    row = binary(n + extra, n, 0, n) if arm == "t" else binary(0, n, n + extra, n)
    column = "events_treatment" if arm == "t" else "events_control"
    problems = check_rows("trials_binary.csv", [row])
    assert [(p.line, p.column, p.rule) for p in problems] == [(2, column, "events-le-n")]


@settings(max_examples=200, deadline=None)
@given(data=st.data(), n_t=st.integers(0, 10_000), n_c=st.integers(0, 10_000))
def test_any_events_within_n_pass(data, n_t: int, n_c: int):
    e_t = data.draw(st.integers(0, n_t))
    e_c = data.draw(st.integers(0, n_c))
    assert check_rows("trials_binary.csv", [binary(e_t, n_t, e_c, n_c)]) == []


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 2_000), data=st.data())
def test_printed_percentage_must_match_counts(n: int, data):
    k = data.draw(st.integers(0, n))
    pct = f"{100 * k / n:.1f}"
    row = {**binary(k, n, 0, n), "pct_treatment": pct}
    assert check_rows("trials_binary.csv", [row]) == []
    wrong = f"{min(100.0, float(pct) + 5):.1f}" if float(pct) < 95 else f"{float(pct) - 5:.1f}"
    bad = {**row, "pct_treatment": wrong}
    assert [p.rule for p in check_rows("trials_binary.csv", [bad])] == ["pct-matches-counts"]


finite = st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(a=finite, b=finite, c=finite)
def test_ci_order_rule(a, b, c):
    lo, est, hi = sorted([a, b, c])
    ok = {**CONT_ROW, "difference": str(est), "ci_low": str(lo), "ci_high": str(hi)}
    assert check_rows("trials_continuous.csv", [ok]) == []
    if lo < hi:
        swapped = {**ok, "ci_low": str(hi), "ci_high": str(lo)}
        hits = check_rows("trials_continuous.csv", [swapped])
        assert [(p.column, p.rule) for p in hits] == [("ci_low", "ci-order")]
    if est < hi:
        outside = {**ok, "difference": str(hi + 1)}
        hits = check_rows("trials_continuous.csv", [outside])
        assert [(p.column, p.rule) for p in hits] == [("difference", "ci-order")]


def test_the_guideline_rules_are_the_validators_too():
    rows = csv_rows("guideline_recommendations")
    bad = next(r for r in rows if r["covers"])
    bad["covers"] += ";nosuchdrug"
    found = check_rows("guideline_recommendations.csv", rows)
    assert [(p.line, p.column, p.value, p.rule) for p in found] == [
        (rows.index(bad) + 2, "covers", "nosuchdrug", "covers-code")]
