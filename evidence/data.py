"""Load the tables in ``data/``, and remember which files an analysis read.

Every notebook reads its data through :func:`load`, never with a bare
``pd.read_csv``. Besides keeping paths in one place, that lets the executor
(``tools/execute.py``) learn which data files a notebook depends on
(:mod:`evidence.reads`): editing one number in one table then re-executes exactly
the notebooks that read that table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from . import DATA, ROOT, reads


def path_of(table: str) -> Path:
    """Return the CSV path of ``table`` (``"trials_binary"`` or ``"pharmacology/facts"``)."""
    name = table if table.endswith(".csv") else f"{table}.csv"
    path = DATA / name
    if not path.is_file():
        known = sorted(p.relative_to(DATA).with_suffix("").as_posix() for p in DATA.rglob("*.csv"))
        raise FileNotFoundError(
            f"no table {table!r} in {DATA.relative_to(ROOT)}/; known tables: {', '.join(known)}"
        )
    return path


def load(table: str, *, as_printed: bool = False) -> pd.DataFrame:
    """Read one table of ``data/``.

    ``as_printed=True`` keeps every cell as the exact text in the file (the
    printed precision of a source, e.g. ``1.50``); otherwise numeric columns
    become numbers and empty cells NaN.
    """
    path = path_of(table)
    reads.record(path)
    if as_printed:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    return pd.read_csv(path, keep_default_na=True, na_values=[""])


def one_row(df: pd.DataFrame, **where: object) -> pd.Series:
    """Return the single row of ``df`` matching every ``column=value``; fail loudly otherwise.

    Analyses select rows by their natural key; a key that matches nothing or
    several rows is a data error that must stop the build, not a silent guess.
    """
    mask = pd.Series(True, index=df.index)
    for column, value in where.items():
        mask &= df[column] == value
    hits = df[mask]
    if len(hits) != 1:
        cond = ", ".join(f"{k}={v!r}" for k, v in where.items())
        raise LookupError(f"expected exactly one row with {cond}; found {len(hits)}")
    return hits.iloc[0]


def fact(fact_id: str) -> pd.Series:
    """One row of ``data/facts.csv`` (single published facts: a half-life, a date, a dose)."""
    return one_row(load("facts"), fact_id=fact_id)


# The columns of data/ that hold bibliography keys: the study whose number a row holds,
# the review that pooled it, the document it was read in, and where that one took it from;
# ``evidence``, ``sources`` and ``reviews`` (the reviews an annotation prefers, in order)
# hold ';'-separated lists. The validator checks every key in them resolves.
KEY_COLUMNS = ("study", "review", "source", "original_source", "bibliography_key")
LIST_KEY_COLUMNS = ("evidence", "sources", "reviews")


def _cell_keys(row: Mapping) -> list[str]:
    keys = []
    for column in KEY_COLUMNS:
        value = row.get(column)
        if isinstance(value, str) and value.strip():
            keys.append(value.strip())
    for column in LIST_KEY_COLUMNS:
        value = row.get(column)
        if isinstance(value, str):
            keys += [k.strip() for k in value.split(";") if k.strip()]
    return keys


def sources(*rows: Mapping | pd.DataFrame | Iterable[Mapping]) -> list[str]:
    """The bibliography keys a value resting on ``rows`` cites: the one provenance rule.

    Each row gives its study, review, source and original source, and the keys of its
    evidence list (:data:`KEY_COLUMNS`, :data:`LIST_KEY_COLUMNS`). A row may be a Series or
    a dict; a DataFrame (or any other iterable of rows) stands for all its rows. Returns
    the keys sorted, each once (empty when the rows name none: :func:`evidence.book.glue`
    then refuses the value, since every number the book shows must say where it comes from).
    """
    keys: set[str] = set()
    for item in rows:
        if isinstance(item, pd.DataFrame):
            item = item.to_dict(orient="records")
        elif isinstance(item, Mapping | pd.Series):
            item = [item]
        for row in item:
            keys.update(_cell_keys(row))
    return sorted(keys)
