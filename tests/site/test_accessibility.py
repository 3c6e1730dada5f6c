"""axe-core (WCAG 2.1 A and AA) on every page of the built site, in light and dark mode.

axe-core comes from npm (pinned in package-lock.json) and is injected into Debian's
Chromium through Playwright. Any violation fails, naming the rule, page and element.
"""

from __future__ import annotations

import pytest
from support import ROOT, built_pages

from tools.browser import draw_all_charts

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = built_pages() or ["index.html"]


def _violations(browser, url: str, mode: str) -> list[str]:
    context = browser.new_context(color_scheme=mode)
    # pydata-sphinx-theme keeps the reader's choice in localStorage; set it as a reader would.
    context.add_init_script(
        f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');"
    )
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    draw_all_charts(page)  # charts are drawn as a reader scrolls; check the live ones too
    assert page.evaluate("document.documentElement.dataset.theme") == mode
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    context.close()
    found = []
    for violation in result["violations"]:
        for node in violation["nodes"]:
            target = " ".join(map(str, node["target"]))
            found.append(f"[{mode}] {violation['id']} ({violation['impact']}): {target} — "
                         f"{violation['help']}")
    return found


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page_path", PAGES)
def test_no_wcag_violations(browser, site_url, page_path, mode):
    assert AXE.is_file(), "axe-core missing: run `make setup` (npm ci)"
    problems = _violations(browser, f"{site_url}/{page_path}", mode)
    assert not problems, f"{page_path}:\n  " + "\n  ".join(problems)
