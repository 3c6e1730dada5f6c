"""The internal words a reader must not meet (file paths, table keys, the editor's flags,
pipeline phrases, status codes), and the prose of a built page to look for them in. Used by
the reader-text tests of the site and of the PDF."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from evidence import vocab

PATH = re.compile(r"\b(?:data|notebooks|evidence|tools)/\S*|\b[\w-]+\.(?:csv|ipynb|py|bib)\b")
KEY = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
PHRASES = re.compile(r"(?i)\bnot in data\b|\bthe data hold\b|\bparameters cell\b|\bglued\b"
                     r"|\(\s*(?:verified|secondary|derived)\s*\)")
URL = re.compile(r"https?://\S+|\bwww\.\S+")
# Not prose: code, maths, chart specifications, and the words an earlier version of the book
# printed, which the What changed page quotes beside today's (q.evidence-was).
NOT_PROSE = ("pre, code, kbd, samp, script, style, .math, .cell_input, .evidence-chart__spec, "
             "q.evidence-was")


def flags_pattern() -> re.Pattern:
    return re.compile(r"(?<![A-Za-z-])(?:" + "|".join(map(re.escape, vocab.caveats()))
                      + r")(?![A-Za-z-])")


def reader_text(html: str) -> str:
    """The prose of a built page's article: code, maths and addresses removed."""
    soup = BeautifulSoup(html, "html.parser")
    article = soup.select_one("article.bd-article") or soup
    for node in article.select(NOT_PROSE):
        node.decompose()
    return " ".join(URL.sub(" ", article.get_text(" ", strip=True)).split())


def internal_words(text: str) -> list[str]:
    """Every file path, table key, editor's flag or pipeline phrase in ``text``."""
    found = []
    for pattern in (PATH, KEY, flags_pattern(), PHRASES):
        found += [m.group(0) for m in pattern.finditer(text)]
    return sorted(set(found))
