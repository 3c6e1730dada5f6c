"""The printed book (`make pdf`): one PDF holding every chapter, its numbers, citations
and solutions; the switch that leaves solutions out works. Runs after `make pdf`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypdf
import pytest
from support import ROOT
from support.reader_words import PHRASES, URL, flags_pattern

pytestmark = pytest.mark.pdf

PDF = ROOT / "_build" / "pdf" / "book.pdf"
SINGLE = ROOT / "_build" / ".staging-pdf" / "_build" / "singlehtml"
SOLUTIONS = sum(
    len(re.findall(r"^`{3,}\{solution\}", p.read_text(encoding="utf-8"), re.M))
    for p in (ROOT / "book").glob("*.md")
)


def _text(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(path)
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def printed():
    if not PDF.is_file():
        pytest.fail("no _build/pdf/book.pdf: run `make pdf` first")
    return _text(PDF)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_every_chapter_and_the_references_are_printed(printed):
    _, text = printed
    flat = _flat(text)
    for chapter in sorted((ROOT / "book").glob("0[1-6]_*.md")):
        title = chapter.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
        assert title in flat, f"chapter title {title!r} ({chapter.name}) is not in the PDF"
    assert "References" in flat
    # A bibliography entry in full, not only its in-text label.
    assert "Pregabalin as a Pain Therapeutic" in flat


def test_pasted_numbers_reach_the_pdf(printed):
    _, text = printed
    ledger = json.loads((ROOT / "_build" / "results.json").read_text())
    rr = next(v for v in ledger["values"] if v["key"] == "gfm_resp_rr")
    assert f"{rr['value']:.2f}" in text


def test_solutions_are_printed_and_can_be_left_out(printed, tmp_path):
    pages, text = printed
    assert SOLUTIONS >= 20
    assert len(re.findall(r"\bSolution\b", text)) >= SOLUTIONS
    from tools.build_pdf import print_pdf

    out = tmp_path / "no-solutions.pdf"
    print_pdf(SINGLE, out, with_solutions=False)
    fewer_pages, without = _text(out)
    assert not re.search(r"\bSolution\b", without)  # ("A-S Medication Solutions" may stay)
    assert fewer_pages < pages
    assert "Gabapentin: what the trials show" in _flat(without)


def test_every_link_resolves_inside_the_pdf_or_on_the_web():
    """No link points at the print server's loopback address (it is gone once the PDF is
    written); links into the book jump to their place in the PDF."""
    reader = pypdf.PdfReader(PDF)
    internal, dead = 0, []
    for number, page in enumerate(reader.pages, start=1):
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            uri = action.get("/URI")
            if uri is None:
                internal += 1
            elif re.match(r"https?://(127\.0\.0\.1|localhost)[:/]", str(uri)):
                dead.append(f"page {number}: {uri}")
    assert not dead, f"{len(dead)} links to a loopback address, first: {dead[:3]}"
    assert internal > 100, "links into the book should jump within the PDF"


def test_the_pdf_has_an_outline_of_chapters_and_sections():
    titles = [(depth, title) for depth, title, _ in _flat_outline(pypdf.PdfReader(PDF))]
    flat = [t for _, t in titles]
    for chapter in sorted((ROOT / "book").glob("0[1-7]_*.md")):
        title = chapter.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
        assert title in flat, f"chapter {title!r} has no bookmark"
    assert any(depth >= 2 for depth, _ in titles), "sections are not nested under chapters"


def _headings() -> set[str]:
    """The text of every heading of the single page the PDF was printed from (the print adds
    one, the appendix's)."""
    from html import unescape

    page = (SINGLE / "single.html").read_text(encoding="utf-8")
    found = {"Appendix: the analyses"}
    for m in re.finditer(r'<(h[1-6])\b[^>]*>(.*?)</\1>|<p [^>]*role="heading"[^>]*>(.*?)</p>',
                         page, flags=re.S):
        inner = re.sub(r'<a class="headerlink".*?</a>', "", m.group(2) or m.group(3) or "")
        found.add(" ".join(unescape(re.sub(r"<[^>]+>", "", inner)).split()))
    return found


def test_every_bookmark_reads_as_its_heading():
    # Chromium's own titles join a wrapped heading's lines ("forfibromyalgia") and repeat
    # a heading pushed to the next page ("ExercisesExercises"); the build repairs them.
    headings = _headings()
    wrong = [t for _, t, _ in _flat_outline(pypdf.PdfReader(PDF)) if t not in headings]
    assert not wrong, f"bookmarks that are not a heading of the book: {wrong[:8]}"


def test_the_analyses_are_an_appendix_after_the_reference_pages_without_their_code(printed):
    marks = [t for _, t, _ in _flat_outline(pypdf.PdfReader(PDF))]
    # (The contents list at the start names the appendix too: take the heading, the last.)
    appendix = len(marks) - 1 - marks[::-1].index("Appendix: the analyses")
    assert appendix > marks.index("References")
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    analyses = [t for t in marks[appendix:] if t.startswith("Analysis:")]
    assert len(analyses) == len(notebooks)
    _, text = printed
    assert "from evidence import" not in text, "notebook code is printed"


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
    reader = pypdf.PdfReader(PDF)
    pages = _chapter_pages(reader)
    assert len(pages) > 50, "the chapters were not found in the PDF's outline"
    text = " ".join(URL.sub(" ", "\n".join(reader.pages[i].extract_text() for i in pages)).split())
    found = sorted({m.group(0) for pattern in (flags_pattern(), PHRASES)
                    for m in pattern.finditer(text)})
    assert not found, f"the PDF's chapters print internal words: {found}"
