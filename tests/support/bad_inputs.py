"""Bad inputs a contributor might commit, one cell each, and the cell-editing helpers that
make them in a scratch copy of ``data/``. The validator's tests check that each is stopped
once with its file, line, column and rule; the pipeline's tests check that a ``make book``
stopped by one leaves the published site as it was."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from evidence import DATA
from support import FIXTURES


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


# Each case (a row of tests/fixtures/bad_inputs.csv) corrupts one cell of a copy of data/ as a
# contributor might; the validator must stop it with exit 2, one line naming the file, the
# line, the column and the rule, and a hint in words (no regular expression), and report
# nothing else. Columns: case, file, key column, row key, column, bad value, rule, and words
# the hint must contain.
with (FIXTURES / "bad_inputs.csv").open(encoding="utf-8", newline="") as _fh:
    _ROWS = list(csv.DictReader(_fh))
BAD_INPUTS = [
    (r["file"], r["key_column"], r["row_key"], r["column"], r["bad_value"], r["rule"], r["hint"])
    for r in _ROWS
]
BAD_IDS = [r["case"] for r in _ROWS]
