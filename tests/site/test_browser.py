"""Behaviours of the built site in real Chromium: charts drawn live and only when near,
icons, a downloaded copy offline, the keyboard. (Every page's self-containment, layout and
accessibility at phone and desktop widths: ``test_pages.py``.)"""

from __future__ import annotations

import re
import shutil

import pytest
from support.browser import wait_for_search_results

pytestmark = pytest.mark.browser

CHART_TIMEOUT_MS = 15_000


def test_chart_pages_draw_charts(browser, site_url):
    """The chapter that pastes the responder chart shows it live, not only the fallback."""
    page = browser.new_page()
    page.goto(f"{site_url}/book/03_gabapentin_evidence.html", wait_until="load")
    page.locator(".evidence-chart").first.scroll_into_view_if_needed()
    page.wait_for_selector(".evidence-chart[data-rendered='true'] svg", timeout=CHART_TIMEOUT_MS)
    label = page.locator(".evidence-chart svg[role='img']").first.get_attribute("aria-label")
    assert label and "gabapentin" in label.lower()
    page.close()


def test_vega_is_fetched_only_when_a_chart_nears_the_screen(browser, site_url):
    """Chapter 3 opens at its top, where there is no chart: Vega is not fetched until
    the reader scrolls to one, and then the chart is drawn live."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    vega_requests: list[str] = []
    page.on("request", lambda r: "/vega/" in r.url and vega_requests.append(r.url))
    page.goto(f"{site_url}/book/03_gabapentin_evidence.html", wait_until="load")
    page.wait_for_load_state("networkidle")
    first = page.locator(".evidence-chart").first
    top = first.evaluate("e => e.getBoundingClientRect().top")
    assert top > 720 + 400, "precondition: chapter 3's first chart starts below the screen"
    assert page.locator(".evidence-chart__fallback").first.is_visible()
    assert vega_requests == [], f"Vega fetched before any chart was near: {vega_requests}"
    first.scroll_into_view_if_needed()
    page.wait_for_selector(".evidence-chart[data-rendered='true'] svg", timeout=CHART_TIMEOUT_MS)
    assert [u.rsplit("/", 1)[-1] for u in vega_requests] == [
        "vega.min.js",
        "vega-lite.min.js",
        "vega-embed.min.js",
    ]
    page.close()


def test_icons_draw_from_the_theme_fonts(browser, site_url):
    """Without the theme's fontawesome.js, icons are drawn by its Font Awesome web font."""
    page = browser.new_page()
    page.goto(f"{site_url}/book/intro.html", wait_until="load")
    page.wait_for_load_state("networkidle")
    icon = page.locator("button.search-button-field i.fa-magnifying-glass").first
    style = icon.evaluate(
        "e => { const s = getComputedStyle(e, '::before');"
        " return {content: s.content, family: s.fontFamily,"
        " width: e.getBoundingClientRect().width}; }"
    )
    assert "Font Awesome 6 Free" in style["family"], style
    assert style["content"] not in ("none", "normal", '""') and style["width"] > 0, style
    page.evaluate("document.fonts.ready")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('Font Awesome 6 Free')"
        " && f.status === 'loaded').length"
    )
    assert loaded >= 1, "the Font Awesome web font was not loaded"
    page.close()


def test_a_downloaded_copy_reads_offline(browser, site_dir, tmp_path):
    """The site copied elsewhere and opened from disk (file://), with every network
    request refused: pages, the live chart and search all work."""
    copy = tmp_path / "downloaded-site"
    shutil.copytree(site_dir, copy)
    context = browser.new_context()
    refused: list[str] = []
    problems: list[str] = []

    def refuse(route):
        refused.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(https?|wss?)://"), refuse)
    page = context.new_page()
    page.on("pageerror", lambda err: problems.append(f"script error: {err}"))
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.goto((copy / "index.html").as_uri(), wait_until="load")
    page.wait_for_url(re.compile(r"book/intro\.html$"))
    page.goto((copy / "book" / "03_gabapentin_evidence.html").as_uri(), wait_until="load")
    page.locator(".evidence-chart").first.scroll_into_view_if_needed()
    page.wait_for_selector(".evidence-chart[data-rendered='true'] svg", timeout=CHART_TIMEOUT_MS)
    # An explorer works from disk too: the pooling page pools the trials in its box.
    page.goto((copy / "book" / "pool_trials.html").as_uri(), wait_until="load")
    page.evaluate("() => window.evidenceDrawAllCharts()")
    page.wait_for_selector("#fig-pool-explorer .evidence-chart[data-rendered='true'] svg",
                           timeout=CHART_TIMEOUT_MS)
    pooled = page.evaluate("() => document.querySelector('form.evidence-pool').evidencePool()")
    assert pooled, page.locator(".evidence-pool__status").inner_text()
    page.goto((copy / "search.html").as_uri() + "?q=baclofen", wait_until="load")
    wait_for_search_results(page)
    hits = page.locator("#search-results ul.search li a").count()
    context.close()
    assert not refused, f"requests left the downloaded copy: {refused}"
    assert not problems, problems
    assert hits > 0, "search in the downloaded copy found nothing for 'baclofen'"


FOCUS_STATE = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  const r = e.getBoundingClientRect();
  return {
    tag: e.tagName, cls: String(e.className), text: (e.textContent || "").trim().slice(0, 50),
    indicator: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0)
               || s.boxShadow !== "none",
    visible: r.width > 0 && r.height > 0,
  };
}"""


def test_a_chapter_reads_with_the_keyboard(browser, site_url):
    """From the top of chapter 3, Tab reaches a skip link, then every control in order,
    each showing a focus indicator, up to the next-chapter link; a chart's data table
    opens with Enter."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{site_url}/book/03_gabapentin_evidence.html", wait_until="load")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUS_STATE)
    assert "skip to main content" in first["text"].lower(), first
    problems = []
    reached_next = False
    for _ in range(800):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state["tag"] == "BODY":
            break
        if state["visible"] and not state["indicator"]:
            problems.append(f"{state['tag']}.{state['cls']} {state['text']!r}: no focus indicator")
        if "right-next" in state["cls"]:
            reached_next = True
            break
    assert reached_next, "Tab never reached the next-chapter link"
    assert not problems, "\n".join(problems[:20])
    summary = page.locator(".evidence-chart details summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert summary.evaluate("s => s.parentElement.open"), "Enter did not open the data table"
    page.close()
