"""The rules every trial row keeps, written once: the data validator (``tools/validate.py``)
checks ``data/`` with them, and the pooling engine (:func:`evidence.meta.validate`) checks
an educator's own CSV with them, so the book and the educator's command agree on what a
valid arm is.

Each rule returns what is wrong as :class:`Breach` values (the caller adds the file, line
and its own wording of where); nothing here reads a file or raises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

ARMS = ("treatment", "control")


@dataclass(frozen=True)
class Breach:
    """One broken rule: ``row`` is the position in the rows checked (None: not row-bound)."""

    row: int | None
    column: str
    rule: str
    message: str
    related: tuple[int, ...] = ()  # other rows the breach is about (positions)


def _fmt(x: Real) -> str:
    return f"{float(x):g}"


def _text(x: object) -> str:
    return "empty" if x is None or x == "" else _fmt(x) if isinstance(x, Real) else str(x)


def count_breaches(row: int, arm: str, events: Real | None, n: Real | None) -> list[Breach]:
    """An arm's counts one by one: n > 0 and events >= 0 (None: an empty cell, not checked).

    In ``data/`` the schema holds these bounds (``minimum`` in ``datapackage.json``); an
    educator's CSV has no schema, so :func:`evidence.meta.validate` applies them here."""
    out = []
    if n is not None and n <= 0:
        out.append(Breach(row, f"n_{arm}", "n-positive",
                          f"n_{arm} must be greater than 0 (got {_fmt(n)})"))
    if events is not None and events < 0:
        out.append(Breach(row, f"events_{arm}", "events-not-negative",
                          f"events_{arm} must not be negative (got {_fmt(events)})"))
    return out


def arm_breaches(row: int, arm: str, events: Real | None, n: Real | None) -> list[Breach]:
    """An arm's counts together: events need their n, and 0 <= events <= n.

    ``events`` or ``n`` is None when the cell is empty (a data row may print only a
    percentage): a rule about an empty cell is not applied."""
    e_col, n_col = f"events_{arm}", f"n_{arm}"
    if events is None:
        return []
    if n is None:
        return [Breach(row, n_col, "events-need-n",
                       f"{e_col} is given without its denominator {n_col}")]
    if events >= 0 and n >= 0 and events > n:
        return [Breach(row, e_col, "events-le-n",
                       f"{e_col} ({_fmt(events)}) exceeds {n_col} ({_fmt(n)})")]
    return []


def shared_control_breaches(rows: Sequence[Mapping[str, object]], columns: Sequence[str], *,
                            key: str = "shared_control_id",
                            also: Sequence[str] = ()) -> list[Breach]:
    """Rows that name the same shared control arm (``key``, and the same values of the
    ``also`` columns, e.g. the outcome) must repeat the same control ``columns``: the arm
    is one group of people, counted once (Cochrane Handbook 23.3.4). Each later row that
    differs from the first is reported, naming the first by its position."""
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(rows):
        sid = row.get(key)
        if sid is None or (isinstance(sid, float) and sid != sid) or not str(sid).strip():
            continue
        groups.setdefault((str(sid).strip(), *(row.get(c) for c in also)), []).append(i)
    out = []
    for (sid, *_), idx in groups.items():
        first = rows[idx[0]]
        for i in idx[1:]:
            for col in columns:
                if rows[i].get(col) != first.get(col):
                    out.append(Breach(i, col, "shared-control",
                                      f"rows sharing control arm {sid!r} must repeat the same "
                                      f"{col} ({_text(first.get(col))} in the first of "
                                      f"them, {_text(rows[i].get(col))} here)"))
    return out



def unshared_control_breaches(rows: Sequence[Mapping[str, object]], comparison: Sequence[str],
                              *, key: str = "shared_control_id") -> list[Breach]:
    """Rows that make the same ``comparison`` (one study's arms against placebo on one
    outcome at one time point) are several arms against one control group: each must name
    that group with the same ``key``, or pooling would count it once per arm (Cochrane
    Handbook 23.3.4). One breach per such group, at its first row whose ``key`` is empty or
    differs from the group's first filled one; ``related`` holds the group's other rows."""
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(tuple(_text(row.get(c)) for c in comparison), []).append(i)
    out = []
    for values, idx in groups.items():
        ids = [str(rows[i].get(key) or "").strip() for i in idx]
        named = next((s for s in ids if s), "")
        bad = [i for i, s in zip(idx, ids, strict=True) if s != named or not s]
        if len(idx) < 2 or not bad:
            continue
        what = ", ".join(f"{c} {v}" for c, v in zip(comparison, values, strict=True))
        fill = f"{key} {named!r}" if named else f"one {key} (for example a name for the arm)"
        out.append(Breach(bad[0], key, "shared-control-id",
                          f"{len(idx)} rows compare arms with the same control ({what}): "
                          f"that group of people is counted once, so give every one of them "
                          f"{fill}", related=tuple(i for i in idx if i != bad[0])))
    return out
