"""What clinical guidelines recommend about the book's drugs.

The table is ``data/guideline_recommendations.csv``: each row is one recommendation of one
guideline (or, marked as such, a finding of the evidence review behind it): the body, the
guideline, the population, the drug as the guideline names it (``drug``), the specific drugs
it applies to (``covers``), its direction and strength, our paraphrase and the guideline
section. This module

* reads the table and checks what the validator cannot (:func:`load`): every code in
  ``covers`` is a drug of the vocabulary, and every EULAR row agrees with the row of the EULAR
  recommendations table it repeats (``same_as``); a broken row stops the build with its file,
  line, column and rule;
* words a row's position the way the book prints it (:func:`position`, "weak for",
  "do not start", ...);
* picks the rows about one drug (:func:`about`) and sets the guidelines side by side
  (:func:`comparison`: one row per drug, one column per guideline, for
  :func:`evidence.tables.table`).

The guidelines grade differently: EULAR with GRADE (strong or weak), NICE not at all (its
verbs "offer", "consider", "do not" carry the strength), the German guideline's grades were
not in the part read. :func:`position` therefore prints a strength only where one was graded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from . import data, vocab

TABLE = "guideline_recommendations"
EULAR_TABLE = "criteria/eular2016_recommendations"

#: Strengths that are grades; the others ("not graded", "not read") are not printed.
GRADED = ("strong", "weak")

#: What a cell of :func:`comparison` says when a guideline's recommendations (as read) do not
#: name the drug.
NOT_NAMED = "–"


def covered(row: pd.Series | dict) -> list[str]:
    """The drug codes a row applies to (its ``covers`` cell split at ';'), in order."""
    cell = row.get("covers")
    if not isinstance(cell, str):
        return []
    return [code.strip() for code in cell.split(";") if code.strip()]


def problems(frame: pd.DataFrame, eular: pd.DataFrame | None
             ) -> list[tuple[int, str, str, str, str]]:
    """Every broken row as ``(line, column, value, rule, hint)``; the validator reports each.

    ``frame`` is the guideline table as read (CSV line = index + 2), ``eular`` the EULAR
    recommendations table; the rules are ``covers-code`` (every covered drug is in
    ``vocabulary/drugs.csv``) and ``same-as-agrees`` (a EULAR row's direction and strength are
    the EULAR table's ``strength_direction`` of the row it names; not checked when ``eular``
    is None).
    """
    known = {r["drug"] for r in vocab.rows("vocabulary/drugs")}
    by_id = None if eular is None else eular.set_index("id")["strength_direction"].to_dict()
    out = []
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2
        for code in covered(row):
            if code not in known:
                out.append((line, "covers", code, "covers-code",
                            "not a drug of data/vocabulary/drugs.csv: add it there first"))
        same = row.get("same_as")
        if by_id is not None and isinstance(same, str) and same:
            printed = by_id.get(same)
            mine = f"{row['strength']} {row['direction']}"
            if printed != mine:
                out.append((line, "same_as", same, "same-as-agrees",
                            f"this row says '{mine}' but {EULAR_TABLE}.csv says "
                            f"'{printed}' for {same}"))
    return out


def check(frame: pd.DataFrame, eular: pd.DataFrame) -> None:
    """Raise ``ValueError`` naming the file, line, column and rule of the first broken row
    (:func:`problems`)."""
    found = problems(frame, eular)
    if found:
        line, column, value, rule, hint = found[0]
        raise ValueError(
            f"data/{TABLE}.csv:{line}: column '{column}' value '{value}' breaks rule {rule} "
            f"— {hint}")


def load() -> pd.DataFrame:
    """The guideline table, checked (:func:`check`); every cell as text, '' when empty."""
    frame = data.load(TABLE, as_printed=True)
    check(frame, data.load(EULAR_TABLE, as_printed=True))
    return frame


def position(row: pd.Series | dict) -> str:
    """A row's position as the book prints it: the grade where one was given ("weak for",
    "strong against"), otherwise the direction alone ("do not start", "against")."""
    if row["strength"] in GRADED:
        return f"{row['strength']} {row['direction']}"
    return row["direction"]


def label(row: pd.Series | dict) -> str:
    """The guideline's name as a column of the comparison shows it ("NICE NG193 (...)")."""
    return f"{row['body']} {row['guideline']}"


def about(frame: pd.DataFrame, drug: str) -> pd.DataFrame:
    """The rows that apply to ``drug`` (a code of the drugs vocabulary), in table order."""
    mask = frame.apply(lambda r: drug in covered(r), axis=1)
    return frame[mask.astype(bool)]


def one(frame: pd.DataFrame, row_id: str) -> pd.Series:
    """The row with id ``row_id``; a missing id is a data error."""
    return data.one_row(frame, id=row_id)


def _cell(rows: pd.DataFrame, by_population: bool, by_year: bool) -> str:
    if rows.empty:
        return NOT_NAMED
    parts = []
    for r in rows.to_dict("records"):
        qualifiers = ([vocab.condition_label(r["population"])] if by_population else []) + (
            [str(r["year"])] if by_year else [])
        parts.append(position(r) + (f" ({', '.join(qualifiers)})" if qualifiers else ""))
    return "; ".join(dict.fromkeys(parts))


def comparison(frame: pd.DataFrame, drugs: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    """One row per drug of ``drugs`` (codes, in that order), one column per guideline (in the
    table's order): each cell the positions of that guideline's rows covering the drug, with
    the population where the guideline's rows span more than one population; a dash where
    none does; the year too where they span more than one version. Returns the frame and the
    bibliography keys of the rows it shows."""
    labels = list(dict.fromkeys(label(r) for r in frame.to_dict("records")))
    by_label = {lab: frame[frame.apply(label, axis=1) == lab] for lab in labels}
    shown: list[pd.DataFrame] = []
    out = {"Drug": [vocab.capital(vocab.drug_label(d)) for d in drugs]}
    for lab in labels:
        rows = by_label[lab]
        by_population, by_year = rows["population"].nunique() > 1, rows["year"].nunique() > 1
        cells = []
        for drug in drugs:
            hits = about(rows, drug)
            shown.append(hits)
            cells.append(_cell(hits, by_population, by_year))
        out[lab] = cells
    keys = data.sources(*shown) if shown else []
    return pd.DataFrame(out), keys


def listed(rows: Iterable[str]) -> str:
    """Words joined as running text: "a", "a and b", "a, b and c"."""
    words = list(rows)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
