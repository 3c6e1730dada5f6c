"""The explorers in the page compute what the engine computes (evidence.explorers against
evidence.placebo), driven through their own controls in Chromium."""

from __future__ import annotations

import json

import pytest

from evidence import explorers, placebo

pytestmark = pytest.mark.browser

# Settings of the placebo slider (per 1000): both ends, round and awkward values, and those
# where a large risk ratio takes the risk with the drug to certainty.
SETTINGS = [1, 2, 5, 9, 10, 25, 50, 99, 100, 149, 180, 200, 250, 333, 400, 450, 500, 613,
            750, 900, 999]
PAGE = "book/05_comparisons.html"
EXPLORER = "#fig-cmp-absolute-explorer .evidence-chart"

READ = """([selector, value]) => {
  const chart = document.querySelector(selector);
  const input = chart.querySelector('input[type=range]');
  input.value = String(value);
  input.dispatchEvent(new Event('input', {bubbles: true}));
  const view = chart._evidenceView;
  return view.runAsync().then(() => ({
    slider: Number(input.value),
    rows: view.data('layer_3_marks').map(m => m.datum || m).map(d => ({option: d.option,
      drug: d.drug,
      drug_low: d.drug_low, drug_high: d.drug_high, shown: d.shown, label: d.label})),
    texts: [...chart.querySelectorAll('svg g.mark-text.layer_3_marks text')]
      .map(t => [...t.querySelectorAll('tspan')].map(s => s.textContent).join('\\n')
                || t.textContent),
  }));
}"""


def _open(browser, site_url, width=1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{site_url}/{PAGE}", wait_until="load")
    page.evaluate("() => window.evidenceDrawAllCharts()")
    page.wait_for_selector(f"{EXPLORER}[data-rendered='true'] input[type=range]")
    return page


def _spec_rows(page, selector=EXPLORER) -> list[dict]:
    spec = json.loads(page.locator(f"{selector} script.evidence-chart__spec").text_content())
    return next(iter(spec["datasets"].values()))


def _check(got, rows, per_1000):
    assert got["slider"] == per_1000
    by_option = {r["option"]: r for r in rows}
    assert len(got["rows"]) == len(rows)
    for item in got["rows"]:
        r = by_option[item["option"]]
        want = placebo.absolute_effect(r["measure"], r["ratio"], r["low"], r["high"],
                                       per_1000 / 1000)
        for field in ("drug", "drug_low", "drug_high"):
            assert item[field] == pytest.approx(getattr(want, field), rel=1e-4, abs=1e-9), (
                f"{r['option']} at {per_1000} per 1000: {field}")
        assert item["shown"] == want.explorer_text(), f"{r['option']} at {per_1000} per 1000"
    # What the reader sees is what the data say, line for line.
    assert sorted(got["texts"]) == sorted(i["label"] for i in got["rows"])


def test_the_absolute_effects_explorer_prints_what_the_engine_computes(browser, site_url):
    page = _open(browser, site_url)
    rows = _spec_rows(page)
    assert len(rows) >= 3
    for per_1000 in SETTINGS:
        _check(page.evaluate(READ, [EXPLORER, per_1000]), rows, per_1000)
    page.close()


def test_the_explorer_expressions_hold_for_odds_ratios_harms_and_no_difference(
        browser, site_url):
    """The chapter's rows are all risk ratios above 1; the same expressions, given rows
    the book does not have (an odds ratio, a ratio below 1, an interval through 1, a zero
    lower bound), still print what the engine prints."""
    rows = [
        {"option": "odds ratio", "outcome": "o", "measure": "OR", "ratio": 2.5, "low": 1.4,
         "high": 4.4},
        {"option": "fewer", "outcome": "o", "measure": "RR", "ratio": 0.6, "low": 0.45,
         "high": 0.8},
        {"option": "through one", "outcome": "o", "measure": "RR", "ratio": 1.1, "low": 0.7,
         "high": 1.9},
        {"option": "zero bound", "outcome": "o", "measure": "OR", "ratio": 0.3, "low": 0.0,
         "high": 2.0},
        {"option": "one trial", "outcome": "o", "measure": "RR", "ratio": 7.85, "low": 2.48,
         "high": 24.89},
    ]
    spec = explorers.absolute_effects(rows, default_per_1000=100, title="t",
                                      description="d").to_dict()
    page = _open(browser, site_url)
    page.evaluate("""spec => { const div = document.createElement('div');
        div.className = 'evidence-chart'; div.id = 'synthetic'; document.body.append(div);
        return vegaEmbed(div, spec, {actions: false, renderer: 'svg'})
          .then(r => { div._evidenceView = r.view; }); }""", spec)
    for per_1000 in SETTINGS:
        _check(page.evaluate(READ, ["#synthetic", per_1000]), rows, per_1000)
    page.close()


def test_the_explorer_control_is_labelled_and_moves_with_the_keyboard(browser, site_url):
    page = _open(browser, site_url, width=390)
    slider = page.locator(f"{EXPLORER} input[type=range]")
    label = slider.evaluate("i => (i.closest('label') || {}).textContent || ''")
    assert "Risk with placebo" in label
    start = int(slider.input_value())
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert int(slider.input_value()) == start + 2
    view_rows = page.evaluate(f"""() => document.querySelector('{EXPLORER}')._evidenceView
        .runAsync().then(v => v.signal('{explorers.PLACEBO_PARAM}'))""")
    assert view_rows == start + 2
    # The chart fits the phone's column: no sideways scroll.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.close()
