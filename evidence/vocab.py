"""The book's vocabulary: what each code of ``data/`` is called, read from ``data/vocabulary/``.

The data tables write outcomes, conditions and drugs as codes (``pain_response_30``,
``chronic_low_back_pain``, ``sodium_oxybate``). What a reader sees for a code is written
once, in a vocabulary table, and every module and notebook asks this one for it:

* :func:`outcome_label`, :func:`is_desirable` and :func:`is_harm` (``vocabulary/outcomes.csv``:
  the words, and whether more events are better, a harm, or neither);
* :func:`condition_label`, :func:`condition_group` and :func:`conditions_in`
  (``vocabulary/conditions.csv``: the words and the group, e.g. ``back_pain``);
* :func:`drug_label` (``vocabulary/drugs.csv``);
* :func:`status_label` (``vocabulary/statuses.csv``: how each number was read) and
  :func:`caveats` and :func:`caveat_label` (``vocabulary/caveats.csv``: the editor's
  capitalised flags in notes, and the reader's words for each);
* :func:`verdicts` and :func:`verdict_meanings` (``vocabulary/verdicts.csv``, in the book's
  order), :func:`seed_articles` (``vocabulary/seed_articles.csv``) and :func:`study_name`
  (``vocabulary/study_names.csv``: the few bibliography keys that do not read as "Author
  year").

The validator makes every code column of the data tables point at its vocabulary table (a
foreign key), so a code without words stops the build before any notebook runs; here an
unknown code raises :class:`LookupError` naming the table to add it to.

Labels are written for running text (lower case, the house style's "30 %");
:func:`capital` starts one with a capital for a table cell or a chart title.

Every read goes through :func:`evidence.data.load`, so the executor records which notebooks
use the vocabulary; the parsed table is kept while the file is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from . import data, reads

OUTCOMES = "vocabulary/outcomes"
CONDITIONS = "vocabulary/conditions"
DRUGS = "vocabulary/drugs"
VERDICTS = "vocabulary/verdicts"
SEED_ARTICLES = "vocabulary/seed_articles"
STUDY_NAMES = "vocabulary/study_names"
STATUSES = "vocabulary/statuses"
CAVEATS = "vocabulary/caveats"

BENEFIT, HARM, LOSS, SCORE = "benefit", "harm", "loss", "score"  # the kinds of outcome

# table -> (file's mtime, rows in file order, rows by the code of their first column)
_cache: dict[str, tuple[int, list[dict[str, str]], dict[str, dict[str, str]]]] = {}


def _read(table: str) -> tuple[int, list[dict[str, str]], dict[str, dict[str, str]]]:
    path = data.path_of(table)
    stamp = path.stat().st_mtime_ns
    cached = _cache.get(table)
    if cached is None or cached[0] != stamp:
        frame = data.load(table, as_printed=True)
        records = frame.to_dict("records")
        cached = (stamp, records, {r[frame.columns[0]]: r for r in records})
        _cache[table] = cached
    else:
        reads.record(path)  # a reuse is a read too: the executor must know the notebook used it
    return cached


def rows(table: str) -> list[dict[str, str]]:
    """The rows of a table of ``data/`` in file order, every cell as text ("" when empty).

    Read through :func:`evidence.data.load` (so the read is recorded) the first time and
    whenever the file changed since; otherwise the parsed rows are reused (and the read
    recorded again).
    """
    return _read(table)[1]


def _by_code(table: str) -> dict[str, dict[str, str]]:
    return _read(table)[2]


def _row(table: str, code: object) -> dict[str, str]:
    found = _by_code(table).get(str(code))
    if found is None:
        raise LookupError(f"{code!r} is not in data/{table}.csv: add it there with its label")
    return found


def label(table: str, code: object) -> str:
    """The reader's words for ``code`` in any vocabulary table with a ``label`` column; an
    unknown code stops the build, naming the table to add it to."""
    return _row(table, code)["label"]


def capital(text: str) -> str:
    """``text`` with its first letter in capitals, the rest as written ("NSAIDs" stays)."""
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- outcomes


def outcome_label(outcome: str) -> str:
    """The reader's words for an outcome code: ``"at least 30 % less pain"``."""
    return _row(OUTCOMES, outcome)["label"]


def outcome_kind(outcome: str) -> str:
    """``benefit``, ``harm``, ``loss`` (of a benefit) or ``score`` (a mean, not an event)."""
    return _row(OUTCOMES, outcome)["kind"]


def is_desirable(outcome: str) -> bool:
    """True when more events are better for the patient (a benefit: an NNT), else False."""
    return outcome_kind(outcome) == BENEFIT


def is_harm(outcome: str) -> bool:
    """True for adverse events and withdrawals, as opposed to pain, function and the like."""
    return outcome_kind(outcome) == HARM


# --------------------------------------------------------------------------- conditions


def condition_label(condition: str) -> str:
    """The reader's words for a condition code: ``"non-specific low back pain"``."""
    return _row(CONDITIONS, condition)["label"]


def condition_group(condition: str) -> str:
    """The group of a condition: ``fibromyalgia``, ``fibromyalgia_mixed``, ``back_pain``,
    ``other``."""
    return _row(CONDITIONS, condition)["group"]


def conditions_in(group: str) -> list[str]:
    """The condition codes of a group, in the vocabulary's order."""
    found = [r["condition"] for r in rows(CONDITIONS) if r["group"] == group]
    if not found:
        raise LookupError(f"no condition of group {group!r} in data/{CONDITIONS}.csv")
    return found


# --------------------------------------------------------------------------- drugs


def drug_label(drug: str) -> str:
    """The reader's words for a drug or class code: ``"sodium oxybate"``."""
    return _row(DRUGS, drug)["label"]


# --------------------------------------------------------------------------- provenance


def status_label(status: str) -> str:
    """How a table shows a row's status: ``"read in a summary"`` for ``secondary``."""
    return label(STATUSES, status)


def caveats() -> tuple[str, ...]:
    """The caveat flags a note can carry (``"SIGN RESOLVED"``), in the vocabulary's order."""
    return tuple(r["flag"] for r in rows(CAVEATS))


def caveat_label(flag: str) -> str:
    """The reader's words for a caveat flag: ``"sign of the difference corrected"``."""
    return label(CAVEATS, flag)


# --------------------------------------------------------------------------- claims


def verdicts() -> tuple[str, ...]:
    """The verdicts of the claims check, from best to worst supported."""
    return tuple(r["verdict"] for r in rows(VERDICTS))


def verdict_meanings() -> dict[str, str]:
    """What each verdict means, in the verdicts' order."""
    return {r["verdict"]: r["meaning"] for r in rows(VERDICTS)}


def seed_articles() -> list[dict[str, str]]:
    """The seed articles in file order: ``seed`` (file), ``letter``, ``topic``, ``site``."""
    return [dict(r) for r in rows(SEED_ARTICLES)]


# --------------------------------------------------------------------------- bibliography keys


def study_names() -> dict[str, str]:
    """Display names of the bibliography keys that do not read as "Author year"."""
    return {r["study"]: r["name"] for r in rows(STUDY_NAMES)}


def study_name(key: str) -> str:
    """How the book names a study or review: its display name if it has one, else the key
    read as "Author year" (``"spaeth2012"`` -> ``"Spaeth 2012"``), else the key as it is."""
    key = str(key)
    names = study_names()
    if key in names:
        return names[key]
    m = re.fullmatch(r"([a-z]+)(\d{4})([a-z]?)", key)
    return f"{m.group(1).capitalize()} {m.group(2)}{m.group(3)}" if m else key


def study_names_text(keys: object, sep: str = ";") -> str:
    """A cell of bibliography keys (``"a2001; b2002"``) as the studies' names, joined by
    ``sep`` and a space."""
    return f"{sep} ".join(study_name(k.strip()) for k in str(keys).split(sep) if k.strip())


# --------------------------------------------------------------------------- lazy constants


class _Lazy:
    """A value read from ``data/`` each time it is used, not when the module is imported.

    A module keeps the name of a constant it used to type in (``claims.VERDICTS``) while its
    value comes from a table: iterating, indexing, ``len`` and ``in`` all read the table
    then (recorded, see :func:`rows`), so importing a module reads nothing.
    """

    def __init__(self, read: Callable[[], Any]):
        self._read = read

    def _value(self):
        return self._read()

    def __getitem__(self, key):
        return self._value()[key]

    def __len__(self) -> int:
        return len(self._value())

    def __iter__(self) -> Iterator:
        return iter(self._value())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._value()!r})"


class LazyTuple(_Lazy, Sequence):
    """A tuple read when used (see :class:`_Lazy`); ``.index`` and ``==`` work as on a tuple."""

    def _value(self) -> tuple:
        return tuple(self._read())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyTuple | tuple | list):
            return self._value() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class LazyMapping(_Lazy, Mapping):
    """A mapping read when used (see :class:`_Lazy`)."""

    def _value(self) -> dict:
        return dict(self._read())
