"""tools.validate: the real data are clean, and each kind of corruption is reported at the
right file, line, column and rule."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import csv_rows

from evidence import BOOK, DATA, ROOT
from tools.validate import ALLOW, Problem, check_rows, validate


# ---------------------------------------------------------------- helpers
@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of data/ with book/references.bib beside it; returns the data root."""
    root = tmp_path / "data"
    shutil.copytree(DATA, root)
    (tmp_path / "book").mkdir()
    shutil.copy(BOOK / "references.bib", tmp_path / "book" / "references.bib")
    return root


def read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write(path: Path, records: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(records)
    path.write_text(buf.getvalue(), encoding="utf-8")


def set_cell(root: Path, rel: str, line: int, column: str, value: str) -> str:
    """Set one cell (line as in the file, header = 1); return the old value."""
    path = root / rel
    records = read(path)
    col = records[0].index(column)
    old = records[line - 1][col]
    records[line - 1][col] = value
    write(path, records)
    return old


def line_of(rel: str, column: str, value: str) -> int:
    """Line (header = 1) of the first row of the real data with column == value."""
    records = read(DATA / rel)
    col = records[0].index(column)
    return next(i for i, rec in enumerate(records, 1) if i > 1 and rec[col] == value)


def find(problems: list[Problem], file: str, rule: str) -> list[Problem]:
    return [p for p in problems if p.file == file and p.rule == rule]


# ---------------------------------------------------------------- the real data
def test_real_data_validate_cleanly():
    problems = validate()
    assert problems == [], "\n".join(p.format() for p in problems)


def test_cli_ok_and_fast():
    result = subprocess.run([sys.executable, "-m", "tools.validate"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("OK:")


def test_cli_reports_and_fails(copy: Path):
    line = line_of("trials_binary.csv", "id", "arnold2007_withdrawal_ae")
    set_cell(copy, "trials_binary.csv", line, "events_treatment", "99")
    result = subprocess.run([sys.executable, "-m", "tools.validate",
                             "--root", str(copy)], capture_output=True, text=True,
                            cwd=copy.parent, timeout=60)
    assert result.returncode == 1
    assert (f"data/trials_binary.csv:{line}: column 'events_treatment' value '99' "
            "breaks rule events-le-n") in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("FAILED: 1 problem")


def test_allow_list_entries_are_used_and_explained():
    for (rel, row_id, rule), reason in ALLOW.items():
        rows = csv_rows(rel)
        key = "fact_id" if rel == "facts.csv" else "id"
        assert any(r[key] == row_id for r in rows), (rel, row_id)
        assert len(reason) > 30 and rule


# ---------------------------------------------------------------- corruptions
def test_wrong_type(copy: Path):
    line = line_of("trials_binary.csv", "id", "arnold2007_pain_response_30")
    set_cell(copy, "trials_binary.csv", line, "n_treatment", "seventy-five")
    hits = find(validate(copy), "trials_binary.csv", "type")
    assert [(p.line, p.column, p.value) for p in hits] == [(line, "n_treatment", "seventy-five")]


def test_missing_column(copy: Path):
    path = copy / "trials_continuous.csv"
    records = read(path)
    col = records[0].index("scale")
    write(path, [rec[:col] + rec[col + 1:] for rec in records])
    problems = validate(copy)
    hits = find(problems, "trials_continuous.csv", "missing-column")
    assert [(p.line, p.column) for p in hits] == [(1, "scale")]
    # columns after the gap are still matched by name, not shifted into the wrong field
    assert not find(problems, "trials_continuous.csv", "type")


def test_empty_required_field(copy: Path):
    line = line_of("published_pooled.csv", "id", "derry2016_ae_any_300_rr")
    set_cell(copy, "published_pooled.csv", line, "source_location", "")
    hits = find(validate(copy), "published_pooled.csv", "required")
    assert [(p.line, p.column) for p in hits] == [(line, "source_location")]


# One bad cell each: the message names the file, the line, the column and the value.
ONE_BAD_CELL = [
    # (file, key column, row key, column, bad value, rule)
    ("trials_binary.csv", "id", "ohta2012_ae_dizziness", "events_control", "249", "events-le-n"),
    ("trials_design.csv", "id", "arnold2007_placebo", "n_randomised", "-75", "minimum"),
    ("trials_binary.csv", "id", "crofford2005_450_pain_response_50", "pct_treatment", "129",
     "maximum"),
    ("facts.csv", "fact_id", "pregabalin_half_life", "source", "smith2018", "unknown-key"),
    ("trials_binary.csv", "id", "kalita2014_pain_response_50", "outcome", "pain_relief_half",
     "enum"),
]


@pytest.mark.parametrize(
    ("table", "key_column", "key", "column", "bad", "rule"),
    ONE_BAD_CELL,
    ids=["events-greater-than-n", "negative-n", "percentage-over-100", "unknown-source-key",
         "unknown-outcome-name"],
)
def test_one_bad_cell(copy: Path, table, key_column, key, column, bad, rule):
    line = line_of(table, key_column, key)
    set_cell(copy, table, line, column, bad)
    hits = find(validate(copy), table, rule)
    assert [(p.line, p.column, p.value) for p in hits] == [(line, column, bad)]


def test_ci_bounds_reversed(copy: Path):
    line = line_of("published_pooled.csv", "id", "derry2016_ae_dizziness_450_rr")
    low = set_cell(copy, "published_pooled.csv", line, "ci_low", "5.2")
    set_cell(copy, "published_pooled.csv", line, "ci_high", low)
    hits = find(validate(copy), "published_pooled.csv", "ci-order")
    assert [(p.line, p.column, p.value) for p in hits] == [(line, "ci_low", "5.2")]


def test_duplicate_id(copy: Path):
    first = line_of("trials_continuous.csv", "id", "crofford2005_pain_0_10")
    second = line_of("trials_continuous.csv", "id", "ohta2012_pain_0_10_change")
    set_cell(copy, "trials_continuous.csv", second, "id", "crofford2005_pain_0_10")
    hits = find(validate(copy), "trials_continuous.csv", "duplicate-id")
    assert hits and all(p.column == "id" for p in hits)
    assert second in {p.line for p in hits} and first < second


def test_non_utf8_file(copy: Path):
    path = copy / "patients" / "surveys.csv"
    raw = path.read_bytes().split(b"\n")
    raw[4] = raw[4].replace(b"respondents", b"r\xe9spondents", 1)
    path.write_bytes(b"\n".join(raw))
    problems = validate(copy)  # must not raise
    hits = find(problems, "patients/surveys.csv", "utf-8")
    assert [(p.line, p.value) for p in hits] == [(5, "0xe9")]
    assert "surveys.csv:5:" in hits[0].format()


def test_unknown_bib_when_bib_is_missing(copy: Path, tmp_path: Path):
    problems = validate(copy, bib=tmp_path / "nowhere.bib")
    assert any(p.rule == "bib-missing" for p in problems)


def test_a_repeated_bibliography_key_is_reported_at_its_second_entry(copy: Path):
    bib = copy.parent / "book" / "references.bib"
    text = bib.read_text(encoding="utf-8")
    entry = text[text.index("@", text.index("\n@") ):]  # the first entry, to its end
    entry = entry[: entry.index("\n}\n") + 3]
    key = entry[entry.index("{") + 1: entry.index(",")].strip()
    bib.write_text(text + "\n" + entry, encoding="utf-8")
    line = text.count("\n") + 2  # where the appended copy starts
    hits = find(validate(copy), "references.bib", "duplicate-bib-key")
    assert [(p.line, p.value) for p in hits] == [(line, key)]


def test_a_bibliography_syntax_error_is_reported_with_its_line(copy: Path):
    bib = copy.parent / "book" / "references.bib"
    text = bib.read_text(encoding="utf-8")
    bib.write_text(text + "\n@article{broken2020,\n  title = {Never closed\n", encoding="utf-8")
    hits = find(validate(copy), "references.bib", "bib-syntax")
    assert hits and all(p.line and p.line > text.count("\n") for p in hits), hits


def test_an_arm_of_no_participants_is_refused(copy: Path):
    line = line_of("trials_binary.csv", "id", "arnold2007_withdrawal_ae")
    set_cell(copy, "trials_binary.csv", line, "n_control", "0")
    hits = [p for p in validate(copy) if p.file == "trials_binary.csv" and p.line == line]
    # Reported once, as the bad cell it is; not again as "events exceed n".
    assert [(p.column, p.rule) for p in hits] == [("n_control", "minimum")], hits
    assert "minimum is 1" in hits[0].format()


def test_shared_control_rows_must_agree(copy: Path):
    line = line_of("trials_binary.csv", "id", "spaeth2012_6000_ae_nausea")
    set_cell(copy, "trials_binary.csv", line, "events_control", "17")
    hits = find(validate(copy), "trials_binary.csv", "shared-control")
    assert [(p.line, p.column) for p in hits] == [(line, "events_control")]


def test_derived_count_must_reproduce(copy: Path):
    line = line_of("trials_binary.csv", "id", "kalita2014_odi_response_20")
    set_cell(copy, "trials_binary.csv", line, "events_treatment", "47")
    hits = find(validate(copy), "trials_binary.csv", "derived-reproduces")
    assert [(p.line, p.column) for p in hits] == [(line, "events_treatment")]


def test_derived_band_must_reproduce(copy: Path):
    rel = "patients/responder_distributions.csv"
    rows = csv_rows(rel)
    i = next(i for i, r in enumerate(rows) if r["measure"] == "pct_30_49pct_pain_relief")
    set_cell(copy, rel, i + 2, "value", "99")
    hits = find(validate(copy), rel, "derived-reproduces")
    assert [(p.line, p.column) for p in hits] == [(i + 2, "value")]


def test_unlisted_csv(copy: Path):
    (copy / "stray.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert find(validate(copy), "stray.csv", "unlisted-file")


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
