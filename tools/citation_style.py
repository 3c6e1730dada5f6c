"""The book's citation style: one author-year label per source, the same in the text and in
the reference list, and never the same for two sources.

sphinxcontrib-bibtex's ``author_year`` referencing style prints "(Duodecim (EBMG Evidence
Summaries), n.d.)" for four different summaries, and its bibliography beneath numbers the
entries ([1], [2] ...), a second style the reader meets nowhere in the text. Here:

* the pybtex label style ``book_author_year`` gives each entry "Author, year" (one author,
  "A and B" for two, "A et al." for three or more, the editor or the title where there is no
  author, "n.d." where there is no year) and, where entries would print alike, a letter in
  the order of the sorted list: "2016a", "2016b"; "n.d.-a", "n.d.-b" (as APA does);
* the pybtex formatting style ``book`` is pybtex's ``plain`` with that label style, sorted by
  author, year and title;
* the referencing style ``book_label`` prints a parenthetical citation as its labels in
  round brackets, separated by semicolons: "(Derry et al., 2016; Moore et al., 2009)".

Registered as pybtex plugins by :func:`register`, which :mod:`tools.sphinx_ext` calls from
its ``setup`` (before sphinxcontrib-bibtex looks the styles up).
"""

from __future__ import annotations

import string
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pybtex.plugin
import sphinxcontrib.bibtex.plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.label import LabelReferenceStyle

NO_YEAR = "n.d."


def _plain(latex: str) -> str:
    return Text.from_latex(latex).render_as("text").strip()


def _surname(person) -> str:
    return _plain(" ".join([*person.prelast_names, *person.last_names]))


def author_text(entry) -> str:
    """Who an entry is by, as an author-year citation names them."""
    for role in ("author", "editor"):
        people = list(entry.persons.get(role, []))
        if not people:
            continue
        names = [_surname(p) for p in people]
        if len(names) >= 3 or "others" in names[1:]:
            return f"{names[0]} et al."
        if len(names) == 2:
            return f"{names[0]} and {names[1]}"
        return names[0]
    return _plain(entry.fields.get("title", "")) or entry.key


def year_text(entry) -> str:
    year = entry.fields.get("year", "").strip()
    return _plain(year) if year else NO_YEAR


def author_year_labels(entries: Iterable) -> list[str]:
    """One label per entry, in the order given: "Author, year", with a letter added where
    two or more entries would otherwise print alike (in the order given)."""
    entries = list(entries)
    bases = [(author_text(e), year_text(e)) for e in entries]
    repeated = Counter(bases)
    seen: dict[tuple[str, str], int] = defaultdict(int)
    labels = []
    for base in bases:
        author, year = base
        if repeated[base] > 1:
            letter = string.ascii_lowercase[seen[base] % 26] * (1 + seen[base] // 26)
            seen[base] += 1
            year = f"{year}-{letter}" if year == NO_YEAR else f"{year}{letter}"
        labels.append(f"{author}, {year}")
    return labels


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries) -> Iterator[str]:
        yield from author_year_labels(sorted_entries)


class BookStyle(PlainStyle):
    default_label_style = AuthorYearLabelStyle
    default_sorting_style = "author_year_title"


_ROUND = BracketStyle(left="(", right=")", sep="; ", sep2="; ", last_sep="; ")


@dataclass
class BookReferenceStyle(LabelReferenceStyle):
    """Citations by their labels: "(Derry et al., 2016; Moore et al., 2009)"."""

    bracket_parenthetical: BracketStyle = field(default_factory=lambda: _ROUND)
    bracket_textual: BracketStyle = field(default_factory=lambda: _ROUND)


def register() -> None:
    """Make the three styles known to pybtex (idempotent)."""
    pybtex.plugin.register_plugin("pybtex.style.labels", "book_author_year",
                                  AuthorYearLabelStyle, force=True)
    pybtex.plugin.register_plugin("pybtex.style.formatting", "book", BookStyle, force=True)
    sphinxcontrib.bibtex.plugin.register_plugin(
        "sphinxcontrib.bibtex.style.referencing", "book_label", BookReferenceStyle, force=True)
