"""Contrast that axe cannot judge: table text against what it is drawn on, light and dark.

(axe-core itself runs on every page at both widths in ``test_pages.py``.)"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser



TABLE_CONTRAST = """() => {
  const rgba = s => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = e => {
    for (; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const low = [];
  const cells = 'table.evidence-table :is(caption, th, td, details)';
  document.querySelectorAll(cells).forEach(cell => {
    if (!cell.textContent.trim() || cell.closest('.evidence-vh') || !cell.offsetParent) return;
    const a = lum(rgba(getComputedStyle(cell).color)), b = lum(background(cell));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const text = cell.textContent.trim().slice(0, 40);
    if (ratio < 4.5) low.push(`${cell.tagName} "${text}": ${ratio.toFixed(2)}:1`);
  });
  return low;
}"""


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page_path", ["book/05_comparisons.html", "book/07_claims_check.html",
                                       "notebooks/03_pooled_fibromyalgia.html"])
def test_table_text_stands_out_from_its_background(browser, site_url, page_path, mode):
    """Every table cell's text against the background it is drawn on (4.5:1, WCAG 1.4.3).

    axe leaves most of these pages' contrast checks "incomplete" (it cannot tell what is
    behind an element), so this test computes it: in dark mode the theme draws a notebook's
    HTML outputs on a light card, and the book's dark-mode tables must not sit on it."""
    context = browser.new_context(color_scheme=mode)
    context.add_init_script(
        f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');"
    )
    page = context.new_page()
    page.goto(f"{site_url}/{page_path}", wait_until="load")
    assert page.evaluate("document.documentElement.dataset.theme") == mode
    assert page.locator("table.evidence-table").count() > 0
    low = page.evaluate(TABLE_CONTRAST)
    context.close()
    assert not low, f"{page_path} [{mode}]:\n  " + "\n  ".join(low[:20])
