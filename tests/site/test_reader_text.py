"""The words a reader meets: no file paths, table keys, editor's flags or pipeline words.

The chapters are written for a student. What the build and the evidence tables call things
(``data/trials_binary.csv``, ``ebmg_pregabalin_fm``, ``SIGN RESOLVED``, "not in data/",
"parameters cell") must not reach the reader's text; the vocabularies under
``data/vocabulary/`` hold the reader's words for each. Code, commands, maths and web
addresses are not prose and are not checked; nor is the Data appendix, whose subject is the
files and their columns. The same phrases are looked for in the PDF's text.
"""

from __future__ import annotations

import re

import pypdf
import pytest
from bs4 import BeautifulSoup
from support import ROOT, SITE, content_pages

from evidence import vocab

pytestmark = pytest.mark.site

# Pages whose subject is the files themselves, and why.
EXEMPT = {"book/data.html": "the Data appendix lists the files, their columns and codes"}
READER_PAGES = [p for p in content_pages() if p.startswith("book/") and p not in EXEMPT]

PATH = re.compile(r"\b(?:data|notebooks|evidence|tools)/\S*|\b[\w-]+\.(?:csv|ipynb|py|bib)\b")
KEY = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
PHRASES = re.compile(r"(?i)\bnot in data\b|\bthe data hold\b|\bparameters cell\b|\bglued\b"
                     r"|\(\s*(?:verified|secondary|derived)\s*\)")
URL = re.compile(r"https?://\S+|\bwww\.\S+")
NOT_PROSE = "pre, code, kbd, samp, script, style, .math, .cell_input, .evidence-chart__spec"


def _flags() -> re.Pattern:
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
    for pattern in (PATH, KEY, _flags(), PHRASES):
        found += [m.group(0) for m in pattern.finditer(text)]
    return sorted(set(found))


def test_the_scanner_finds_each_kind_of_internal_word():
    text = ("Read in data/trials_binary.csv (row ebmg_pregabalin_fm), flagged SIGN RESOLVED; "
            "the data hold 7 trials, see the parameters cell (secondary).")
    assert internal_words(text) == sorted({
        "data/trials_binary.csv", "ebmg_pregabalin_fm", "trials_binary",
        "SIGN RESOLVED", "the data hold", "parameters cell", "(secondary)"})
    assert internal_words("Pain relief of 30 % (read in a summary), a sign corrected.") == []


@pytest.mark.parametrize("page", READER_PAGES)
def test_reader_pages_use_the_readers_words(page):
    words = internal_words(reader_text((SITE / page).read_text(encoding="utf-8")))
    assert not words, f"{page}: internal words in the text a reader sees: {words}"


def _flat_outline(reader: pypdf.PdfReader, items=None, depth: int = 0) -> list[tuple]:
    out = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            out += _flat_outline(reader, item, depth + 1)
        else:
            out.append((depth, " ".join(item.title.split()),
                        reader.get_destination_page_number(item)))
    return out


def _chapter_pages(reader: pypdf.PdfReader) -> list[int]:
    """The PDF pages of the chapters (01-07), found from the outline: from each chapter's
    bookmark to the next bookmark at the same or a higher level."""
    titles = {c.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
              for c in (ROOT / "book").glob("0[1-7]_*.md")}
    marks = _flat_outline(reader)
    pages: set[int] = set()
    for i, (depth, title, start) in enumerate(marks):
        if title in titles:
            end = next((p for d, _, p in marks[i + 1:] if d <= depth), len(reader.pages))
            pages.update(range(start, max(end, start + 1)))
    return sorted(pages)


def test_the_pdf_chapters_have_no_internal_words():
    pdf = ROOT / "_build" / "pdf" / "book.pdf"
    if not pdf.is_file():
        pytest.skip("no _build/pdf/book.pdf (make pdf)")
    reader = pypdf.PdfReader(pdf)
    pages = _chapter_pages(reader)
    assert len(pages) > 50, "the chapters were not found in the PDF's outline"
    text = " ".join(URL.sub(" ", "\n".join(reader.pages[i].extract_text() for i in pages)).split())
    found = sorted({m.group(0) for pattern in (_flags(), PHRASES) for m in pattern.finditer(text)})
    assert not found, f"the PDF's chapters print internal words: {found}"
