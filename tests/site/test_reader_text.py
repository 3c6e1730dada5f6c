"""The words a reader meets: no file paths, table keys, editor's flags or pipeline words.

The chapters are written for a student. What the build and the evidence tables call things
(``data/trials_binary.csv``, ``ebmg_pregabalin_fm``, ``SIGN RESOLVED``, "not in data/",
"parameters cell") must not reach the reader's text; the vocabularies under
``data/vocabulary/`` hold the reader's words for each. Code, commands, maths and web
addresses are not prose and are not checked; nor is the Data appendix, whose subject is the
files and their columns. The PDF's chapters are checked in ``test_pdf.py``.
"""

from __future__ import annotations

import pytest
from support import SITE, content_pages
from support.reader_words import internal_words, reader_text

pytestmark = pytest.mark.site

# Pages whose subject is the files themselves, and why.
EXEMPT = {"book/data.html": "the Data appendix lists the files, their columns and codes"}
READER_PAGES = [p for p in content_pages() if p.startswith("book/") and p not in EXEMPT]

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
