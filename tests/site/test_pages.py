"""Every page of the built site, opened in real Chromium as a reader would: on a phone
(390 px) and on a desktop (1280 px), in light and in dark mode.

A page fails if

* it requests anything outside the site (a CDN font, script or style), a request comes back
  with an error status, the console logs an error or a script throws;
* a chart is not drawn by Vega;
* at either width the page is wider than the screen (a sideways page scroll), or any chart
  text is drawn smaller than 11 px (a chart shrunk to fit instead of re-flowed);
* a number pasted from a notebook is bolder than the sentence around it (bold is for
  emphasis), or any text is lighter than the body's weight (the theme's faint captions);
* axe-core (pinned in package-lock.json) finds a violation of WCAG 2.1 A or AA, or of its
  best-practice rules, at either width in either mode; the message names the rule, width,
  mode and element.

One page load serves all four views, as a reader would get them: the window is resized (a
phone rotated; the charts re-fit) and the mode switched as the theme's button does, by the
page's ``data-theme``. Colour contrast, axe's slowest rule and a matter of colours rather
than of width, is checked once per mode, at desktop width; every other rule at both widths.
That keeps the check of every page inside the test budget.
"""

from __future__ import annotations

import pytest
from support import ROOT, built_pages, content_pages

from tools.browser import draw_all_charts

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
PAGES = built_pages() or ["index.html"]
CONTENT = set(content_pages())
PHONE, DESKTOP = 390, 1280
SMALLEST_TEXT_PX = 11
CHART_TIMEOUT_MS = 15_000

LAYOUT = """() => {
  const out = {width: document.documentElement.scrollWidth, smallest: null, where: ''};
  document.querySelectorAll('.evidence-chart__live svg text').forEach(t => {
    if (!t.textContent.trim() || t.getBoundingClientRect().width === 0) return;
    const m = t.getScreenCTM();
    const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    if (out.smallest === null || px < out.smallest) {
      out.smallest = px;
      out.where = `${t.closest('.evidence-chart').id}: "${t.textContent.trim().slice(0, 40)}"`;
    }
  });
  out.wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.right > innerWidth + 1 && r.width > 0 && !e.parentElement.closest(
      '[tabindex="0"], pre, .highlight');
  }).slice(0, 3).map(e => `${e.tagName.toLowerCase()}.${String(e.className).split(' ')[0]}`);
  // No faint text: every text in the article at the body's weight or bolder.
  out.faint = [...document.querySelectorAll('article.bd-article *:not(.headerlink)')].filter(e =>
    [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
    && parseInt(getComputedStyle(e).fontWeight, 10) < 400 && e.getClientRects().length
  ).slice(0, 3).map(e => `${e.tagName.toLowerCase()}.${String(e.className).split(' ')[0]}`);
  // A pasted number is bold only where its sentence is (emphasis, a heading, a table head).
  out.bold = [...document.querySelectorAll('span.pasted-text')].filter(e => {
    const own = parseInt(getComputedStyle(e).fontWeight, 10);
    const around = parseInt(getComputedStyle(e.parentElement).fontWeight, 10);
    return own >= 600 && own > around;
  }).slice(0, 3).map(e => e.textContent.trim());
  return out;
}"""


def _axe(page, view: str, contrast: bool) -> list[str]:
    rules = {} if contrast else {"color-contrast": {"enabled": False}}
    result = page.evaluate(
        "([tags, rules]) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " rules, resultTypes: ['violations']})", [AXE_TAGS, rules])
    return [f"{view}: axe {v['id']} ({v['impact']}): {' '.join(map(str, n['target']))} — "
            f"{v['help']}" for v in result["violations"] for n in v["nodes"]]


def _layout(page, width: int, view: str) -> list[str]:
    got = page.evaluate(LAYOUT)
    problems = []
    if got["width"] > width:
        problems.append(f"{view}: the page is {got['width']} px wide (sideways scroll); "
                        f"wider than the screen: {', '.join(got['wide'])}")
    if got["faint"]:
        problems.append(f"{view}: text lighter than the body's weight: {got['faint']}")
    if got["bold"]:
        problems.append(f"{view}: pasted numbers in bold, unlike their sentence: {got['bold']}")
    if got["smallest"] is not None and got["smallest"] < SMALLEST_TEXT_PX:
        problems.append(f"{view}: chart text drawn at {got['smallest']:.1f} px "
                        f"(under {SMALLEST_TEXT_PX}): {got['where']}")
    return problems


SETTLE_MS = 400  # the theme marks scrollable boxes focusable 300 ms after a resize


def _resize(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 844 if width == PHONE else 900})
    page.evaluate("() => window.evidenceFitCharts && window.evidenceFitCharts()")
    page.wait_for_timeout(SETTLE_MS)


def _switch_mode(page, mode: str) -> None:
    page.evaluate("m => { const e = document.documentElement; e.dataset.theme = m;"
                  " e.dataset.mode = m; localStorage.setItem('mode', m);"
                  " localStorage.setItem('theme', m); }", mode)
    page.wait_for_timeout(SETTLE_MS)  # colour transitions end before contrast is judged


# The order a reader might meet them in: a phone in light mode, rotated or on a desktop,
# switched to dark, back on the phone. (width, mode, check colour contrast here)
VIEWS = [(PHONE, "light", False), (DESKTOP, "light", True), (DESKTOP, "dark", True),
         (PHONE, "dark", False)]


@pytest.mark.parametrize("page_path", PAGES)
def test_page_reads_on_a_phone_and_a_desktop_in_light_and_dark(browser, site_url, page_path):
    assert AXE.is_file(), "axe-core missing: run `make setup` (npm ci)"
    problems: list[str] = []
    context = browser.new_context(viewport={"width": PHONE, "height": 844},
                                  color_scheme="light")
    # pydata-sphinx-theme keeps the reader's choice in localStorage; set it as a reader would.
    context.add_init_script("localStorage.setItem('mode', 'light');"
                            " localStorage.setItem('theme', 'light');")
    page = context.new_page()

    def on_request(request):
        url = request.url
        if not (url.startswith(site_url) or url.startswith(("data:", "blob:", "about:"))):
            problems.append(f"request leaves the site: {url}")

    page.on("request", on_request)
    page.on("response", lambda r: r.status >= 400 and problems.append(
        f"HTTP {r.status} for {r.url}"))
    page.on("console", lambda m: m.type == "error" and problems.append(
        f"console error: {m.text}"))
    page.on("pageerror", lambda err: problems.append(f"script error: {err}"))
    # The theme fades colours when the mode changes; judged mid-fade under load, a colour
    # fails contrast that it passes a moment later. Only the end state matters here. (An
    # init script, so it also holds on the page a redirect lands on: index.html.)
    page.add_init_script("document.addEventListener('DOMContentLoaded', () => {"
                         " const s = document.createElement('style');"
                         " s.textContent = '*, *::before, *::after { transition: none"
                         " !important; }'; document.head.append(s); });")
    page.goto(f"{site_url}/{page_path}", wait_until="load")
    if page_path in CONTENT:
        try:
            draw_all_charts(page, timeout_ms=CHART_TIMEOUT_MS)
        except Exception:
            problems.append("a chart was not drawn by Vega")
        page.add_script_tag(path=str(AXE))
        width = PHONE
        for view_width, mode, contrast in VIEWS:
            if page.evaluate("document.documentElement.dataset.theme") != mode:
                _switch_mode(page, mode)
            if view_width != width:
                _resize(page, width := view_width)
            assert page.evaluate("document.documentElement.dataset.theme") == mode
            view = f"{width} px {mode}"
            problems += _layout(page, width, view) + _axe(page, view, contrast)
    else:  # the root's redirect to the introduction
        page.wait_for_load_state("networkidle")
    context.close()
    assert not problems, f"{page_path}:\n  " + "\n  ".join(problems)
