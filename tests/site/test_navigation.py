"""Readers can find things: search, previous/next, edit and error-report links."""

from __future__ import annotations

import re

import pytest
import yaml
from support import ROOT
from support.browser import wait_for_search_results

# Marks of Python in a search snippet: a keyword argument, a loop, a constant list, an import.
CODE = re.compile(r"\w\(\w+=|\bfor \w+(?:, \w+)* in [\[(\w]|\b[A-Z_]{3,} = [\[({]|\bimport \w"
                  r"|\bglue\(|\bdef \w+\(")
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("0[1-6]_*.md"))


@pytest.mark.site
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_previous_next_and_edit_links(site_dir, chapter):
    html = (site_dir / "book" / f"{chapter}.html").read_text(encoding="utf-8")
    assert re.search(r'<a class="left-prev"\s+href="[^"]+"', html), "no previous-page link"
    assert re.search(r'<a class="right-next"\s+href="[^"]+"', html), "no next-page link"
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    assert f'{repo}/edit/main/book/{chapter}.md' in html, "no 'edit this page' link"
    assert "report-an-error.yml" in html, "no 'report an error' link"


@pytest.mark.browser
@pytest.mark.parametrize(
    ("query", "expected_page"),
    [
        ("baclofen", "book/04_baclofen.html"),  # a drug name
        ("dizziness", "book/03_gabapentin_evidence.html"),  # an outcome
        ("nociplastic", "book/glossary.html"),  # a glossary term
    ],
)
def test_built_in_search_finds(browser, site_url, query, expected_page):
    page = browser.new_page()
    page.goto(f"{site_url}/search.html?q={query}", wait_until="load")
    wait_for_search_results(page)
    hrefs = page.eval_on_selector_all("#search-results ul.search li a",
                                      "els => els.map(e => e.getAttribute('href'))")
    snippets = page.eval_on_selector_all("#search-results ul.search li p.context",
                                         "els => els.map(e => e.textContent)")
    page.close()
    code = [s for s in snippets if CODE.search(s)]
    assert not code, f"searching {query!r}: snippets show code: {code[:2]}"
    assert any(h and h.split("#")[0].split("?")[0].endswith(expected_page) for h in hrefs), (
        f"searching {query!r} did not list {expected_page}; got {hrefs[:10]}")
    pages = [h.split("#")[0].split("?")[0] for h in hrefs if h]
    first_notebook = next((i for i, h in enumerate(pages) if "notebooks/" in h), len(pages))
    assert all("notebooks/" not in h for h in pages[:first_notebook]) and not any(
        "notebooks/" not in h for h in pages[first_notebook:]), (
        f"searching {query!r}: analysis notebooks are ranked among the chapters: {pages[:12]}")
