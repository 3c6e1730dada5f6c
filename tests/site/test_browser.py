"""Every page of the built site, opened in real Chromium.

A page fails if it requests anything outside the site (a CDN font, script or
style), if any request comes back with an error status, if the console logs an
error, if a script throws, or if a chart container is not drawn by Vega.
"""

from __future__ import annotations

import re
import shutil

import pytest
from support import built_pages
from support.browser import wait_for_search_results

pytestmark = pytest.mark.browser

PAGES = built_pages() or ["index.html"]
CHART_TIMEOUT_MS = 15_000


def _problems_on(browser, site_url: str, page_path: str) -> list[str]:
    problems: list[str] = []
    context = browser.new_context()
    page = context.new_page()

    def on_request(request):
        url = request.url
        if not (url.startswith(site_url) or url.startswith(("data:", "blob:", "about:"))):
            problems.append(f"request leaves the site: {url}")

    def on_response(response):
        if response.status >= 400:
            problems.append(f"HTTP {response.status} for {response.url}")

    def on_console(message):
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    page.on("request", on_request)
    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda err: problems.append(f"script error: {err}"))
    page.goto(f"{site_url}/{page_path}", wait_until="load")
    page.wait_for_load_state("networkidle")
    charts = page.locator(".evidence-chart")
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart_id = chart.get_attribute("id")
        chart.scroll_into_view_if_needed()  # charts are drawn when a reader reaches them
        try:
            page.wait_for_selector(
                f"#{chart_id}[data-rendered='true'] svg", timeout=CHART_TIMEOUT_MS
            )
        except Exception:
            problems.append(f"chart {chart_id} was not drawn by Vega")
    context.close()
    return problems


@pytest.mark.parametrize("page_path", PAGES)
def test_page_is_self_contained_and_clean(browser, site_url, page_path):
    problems = _problems_on(browser, site_url, page_path)
    assert not problems, f"{page_path}:\n  " + "\n  ".join(problems)


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
