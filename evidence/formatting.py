"""How the book writes numbers: numbers needed to treat, intervals, and published
estimates as their source printed them. One formatter for each, so a number reads the
same in a chapter's sentence, a table and a chart's tooltip.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from . import vocab

# Measures whose estimate is printed with its name before it; the two ratio-of-effects
# measures of indirect comparisons get words instead of a code.
ESTIMATE_NAMES = {"RR": "RR", "OR": "OR", "RD": "RD", "MD": "MD", "SMD": "SMD",
                  "difference_of_MD": "difference in MDs", "ratio_of_RR": "ratio of RRs"}


# A number and its unit stay on one line ("30 %", "600 mg", "12 weeks"): the space between
# them becomes a no-break space wherever the book prints text.
_NUMBER_UNIT = re.compile(r"(?<=\d) (?=(?:%|‰|per 1000\b|mg\b|g\b|kg\b|mL\b|L\b|h\b|"
                          r"weeks?\b|days?\b|months?\b|years?\b))")


_PER_1000 = re.compile(r"(?<=\d)\u00a0per (?=1000\b)")


def keep_with_number(text: str) -> str:
    """``text`` with a no-break space between each number and the unit after it ("307 per
    1000" keeps all three together)."""
    return _PER_1000.sub("\u00a0per\u00a0", _NUMBER_UNIT.sub("\u00a0", text))


def blank(x: object) -> bool:
    """An empty cell: None, NaN or only white space."""
    return x is None or (isinstance(x, float) and math.isnan(x)) or str(x).strip() == ""


def nnt(x: float) -> str:
    """An NNT or NNH as clinicians read it: whole numbers from 10 up, one decimal below
    (``4.2``, ``12``; ``5`` rather than ``5.0``), and ``∞`` for an infinite bound. A value
    exactly halfway rounds up (12.5 -> 13), as JavaScript's ``toFixed`` does, so the
    in-page explorers print the same digits."""
    if math.isinf(x):
        return "∞"
    places = Decimal("1") if x >= 10 else Decimal("0.1")
    s = str(Decimal(x).quantize(places, rounding=ROUND_HALF_UP))
    return s[:-2] if s.endswith(".0") else s


def interval(value: float | None, low: float | None, high: float | None, *,
             open_high: bool = False) -> str:
    """A computed NNT or NNH with its interval: ``"7.1 (4.2 to 23)"``; ``open_high`` writes
    the upper bound as ``∞`` (an interval that runs through no effect)."""
    v, lo, hi = (None if blank(x) else nnt(float(x)) for x in (value, low, high))
    if v is None:
        return "not available"
    if lo is None and hi is None:
        return f"{v} (CI not available)"
    return f"{v} ({lo} to {'∞' if open_high else hi})"


def printed(x: object) -> str | None:
    """A cell as its source printed it: text as is, a number with ``:g``; None if empty."""
    if blank(x):
        return None
    return x if isinstance(x, str) else f"{x:g}"


def printed_interval(value: object, low: object, high: object) -> str:
    """``"7 (5 to 10)"`` from printed cells, saying which limit the source left out."""
    value, low, high = printed(value), printed(low), printed(high)
    if low is None and high is None:
        return f"{value} (interval not printed)"
    if high is None:
        return f"{value} (lower limit {low}; upper not printed)"
    if low is None:
        return f"{value} (upper limit {high}; lower not printed)"
    return f"{value} ({low} to {high})"


def published_estimate(row: Mapping) -> str:
    """A published row's numbers as printed: ``"RR 1.99 (1.17 to 3.37); NNH 7 (4 to 30)"``.

    Pass a row read with ``as_printed=True`` to keep the source's precision. A row with no
    number gives its measure in words."""
    parts = []
    measure = str(row["measure"])
    if measure in ESTIMATE_NAMES and not blank(row.get("estimate")):
        parts.append(f"{ESTIMATE_NAMES[measure]} "
                     + printed_interval(row["estimate"], row.get("ci_low"), row.get("ci_high")))
    for kind in ("nnt", "nnh"):
        if not blank(row.get(kind)):
            parts.append(f"{kind.upper()} " + printed_interval(
                row[kind], row.get(f"{kind}_ci_low"), row.get(f"{kind}_ci_high")))
    return "; ".join(parts) or measure.replace("_", " ")


def printed_numbers(row: Mapping) -> dict[str, str]:
    """The numbers of a published row (read ``as_printed``) that a chapter pastes one by one:
    the estimate (or, for a row that prints only one, its NNT or NNH), the interval of that
    same number, the NNT and NNH, the two rates and the row's status. An empty cell reads
    "not printed"."""
    def first(*columns: str) -> str:
        return next((str(row[c]) for c in columns if not blank(row.get(c))), "not printed")

    return {
        "est": first("estimate", "nnt", "nnh"),
        "ci_low": first("ci_low", "nnt_ci_low", "nnh_ci_low"),
        "ci_high": first("ci_high", "nnt_ci_high", "nnh_ci_high"),
        "nnt": first("nnt"),
        "nnh": first("nnh"),
        "rate_t": first("rate_treatment"),
        "rate_c": first("rate_control"),
        "status": str(row["status"]),
    }


def status_words(status: str) -> str:
    """A status code (``"secondary"``) in the reader's words (``"read in a summary"``); any
    other text (``"computed from counts read in the source"``) as it is."""
    codes = {r["code"] for r in vocab.rows(vocab.STATUSES)}
    return vocab.status_label(status) if status in codes else status


def read_in(status: str, source: object = None) -> str:
    """How a number was read, for a table cell: ``"read in the source"``, ``"computed
    here"``, or for a number read in someone else's summary, which summary: ``"read in a
    summary (AFP 2017 (Cochrane for Clinicians))"``."""
    text = vocab.status_label(status)
    if status == "secondary" and not blank(source):
        text += f" ({vocab.study_names_text(source)})"
    return text


def source_text(review: str, source: str) -> str:
    """A published row's review, and the summary it was read in when that is another
    document: ``"Derry 2016, read in AFP 2017 (Cochrane for Clinicians)"``."""
    name = vocab.study_name(review)
    return name if source == review else f"{name}, read in {vocab.study_name(source)}"


def trials_text(k: object, n: object) -> str:
    """``"3 trials, 121 participants"`` from printed counts, saying which is missing."""
    if blank(k) and blank(n):
        return "numbers of trials and participants not printed"
    trials = "trials not printed" if blank(k) else (
        f"{k} {'trial' if str(k) == '1' else 'trials'}")
    people = "participants not printed" if blank(n) else f"{n} participants"
    return f"{trials}, {people}"
