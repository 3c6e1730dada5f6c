"""Bad inputs a contributor might commit, one cell each, and the cell-editing helpers that
make them in a scratch copy of ``data/``. The validator's tests check that each is stopped
once with its file, line, column and rule; the pipeline's tests check that a ``make book``
stopped by one leaves the published site as it was."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from evidence import DATA


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


# Each case corrupts one cell of a copy of data/ as a contributor might; the validator must
# stop it with exit 2, one line naming the file, the line, the column and the rule, and a
# hint in words (no regular expression), and report nothing else.
# (file, key column, row key, column, bad value, rule, words the hint must contain)
BAD_INPUTS = [
    ("regulatory_timeline.csv", "id", "1993_gabapentin_approval", "date", "1993-13-45",
     "calendar-date", "no month 13"),
    ("regulatory_timeline.csv", "id", "1993_gabapentin_approval", "date", "2023-02-29",
     "calendar-date", "no day 29 in 2023-02"),
    ("regulatory_timeline.csv", "id", "1993_gabapentin_approval", "date", "93-1-5",
     "pattern", "YYYY-MM-DD"),
    ("criteria/acr2016_wpi_areas.csv", "area", "neck", "area", "neck ", "whitespace",
     "ends with a space"),
    ("pharmacology/baclofen_adverse_reactions.csv", "reaction", "Dizziness", "reaction",
     " Dizziness", "whitespace", "starts with a space"),
    ("trials_binary.csv", "id", "arnold2007_pain_response_30", "n_treatment", " 75",
     "whitespace", "starts with a space"),
    ("trials_binary.csv", "id", "spaeth2012_4500_pain_response_30", "n_control", "-188",
     "minimum", "minimum is 1"),
    ("trials_design.csv", "id", "arnold2007_placebo", "n_randomised", "-75", "minimum",
     "minimum is 0"),
    ("trials_continuous.csv", "id", "ohta2012_pain_0_10_change", "id",
     "crofford2005_pain_0_10", "duplicate-id", "already has this id"),
    ("trials_binary.csv", "id", "russell2011_6000_pain_response_30", "shared_control_id", "",
     "shared-control-id", "shared_control_id 'russell2011_placebo'"),
    ("trials_binary.csv", "id", "spaeth2012_6000_ae_nausea", "events_control", "17",
     "shared-control", "must repeat the same events_control"),
    ("trials_binary.csv", "id", "ohta2012_ae_dizziness", "events_control", "100000",
     "events-le-n", "exceeds n_control"),
    ("trials_binary.csv", "id", "crofford2005_450_pain_response_50", "pct_treatment", "129",
     "maximum", "maximum is 100"),
    ("trials_binary.csv", "id", "arnold2007_pain_response_30", "n_treatment", "seventy-five",
     "type", "expected integer"),
    ("facts.csv", "fact_id", "pregabalin_half_life", "source", "smith2018", "unknown-key",
     "references.bib"),
    ("trials_binary.csv", "id", "kalita2014_pain_response_50", "outcome", "pain_relief_half",
     "foreign-key", "data/vocabulary/outcomes.csv"),
]
BAD_IDS = ["impossible-month", "not-a-leap-year", "malformed-date", "space-after-a-wpi-area",
           "space-before-a-reaction", "space-before-a-count", "negative-shared-control-n",
           "negative-n-randomised", "duplicate-id", "shared-control-not-named",
           "shared-control-differs", "events-greater-than-n", "percentage-over-100",
           "count-not-a-number", "unknown-source-key", "unknown-outcome-code"]
