"""Waits the browser tests share (the server and Chromium are in ``tools/browser.py``,
which the PDF printer and the benchmark use too)."""

from __future__ import annotations


def wait_for_search_results(page, timeout_ms: int = 30_000) -> None:
    """On Sphinx's search page, wait for its closing "Search finished, found N page(s)"
    line: results arrive one by one, so the first result is not the end."""
    page.wait_for_function(
        "() => (document.querySelector('#search-results .search-summary') || {})"
        ".textContent?.includes('found')",
        timeout=timeout_ms,
    )
