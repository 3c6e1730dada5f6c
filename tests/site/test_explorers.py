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


# ---------------------------------------------------------------------------------------
# The dosing explorer of chapter 2 against evidence.pk.

DOSING = "#fig-pk-dosing-explorer .evidence-chart"
# (daily dose mg, doses a day, creatinine clearance mL/min): every band of the label's
# renal table and its edges, the smallest and largest doses, one to four doses a day.
DOSING_SETTINGS = [
    (1800, 3, 100), (300, 1, 15), (3600, 4, 150), (900, 3, 60), (900, 3, 59),
    (1200, 2, 31), (600, 2, 30), (600, 1, 29), (300, 1, 16), (2400, 3, 45),
    (3000, 4, 80), (1500, 2, 120), (2100, 3, 20), (2700, 1, 75), (3300, 2, 60),
    (1800, 4, 15), (600, 3, 100), (1200, 1, 140), (2400, 2, 33), (900, 4, 25),
]

DRIVE = """([selector, dose, times, crcl]) => {
  const chart = document.querySelector(selector);
  const set = (input, value) => { input.value = String(value);
    input.dispatchEvent(new Event('input', {bubbles: true}));
    input.dispatchEvent(new Event('change', {bubbles: true})); };
  const ranges = [...chart.querySelectorAll('input[type=range]')];
  set(ranges.find(i => i.closest('label').textContent.includes('Daily dose')), dose);
  set(ranges.find(i => i.closest('label').textContent.includes('Creatinine')), crcl);
  const radio = [...chart.querySelectorAll('input[type=radio]')]
    .find(i => Number(i.value) === times);
  radio.click();
  const view = chart._evidenceView;
  return view.runAsync().then(() => {
    const marks = Object.keys(view.getState({data: vega.truthy, signals: vega.falsy,
      recurse: true}).data);
    // The data sets by what they hold: the curve's points and the two lines of text.
    const sets = marks.map(n => (view.data(n) || []).map(m => m.datum || m));
    const curve = sets.find(r => r.length && 'c' in r[0] && 't' in r[0]);
    const info = sets.find(r => r.length && 'text' in r[0] && 'css' in r[0]);
    return {signals: [view.signal('daily_dose_mg'), view.signal('doses_per_day'),
                      view.signal('crcl_ml_min')],
            curve: curve.map(d => [d.t, d.c]), info: info.map(d => d.text),
            css: info[0].css,
            texts: [...chart.querySelectorAll('svg g.mark-text text')].map(t => t.textContent)};
  });
}"""


def _model():
    """The chapter's model as its notebook glued it (the parameters the chapter prints),
    with the label tables the engine reads."""
    from support import ROOT

    from evidence import data

    glued = {v["key"]: v["value"] for v in json.loads(
        (ROOT / "_build" / "results.json").read_text(encoding="utf-8"))["values"]}
    return {"k_ref": glued["pk_model_k_ref"], "ka": glued["pk_model_ka"],
            "volume": glued["pk_model_volume"],
            "bio": data.load("pharmacology/gabapentin_bioavailability"),
            "renal": data.load("pharmacology/gabapentin_renal_dosing")}


def test_the_dosing_explorer_draws_what_the_engine_computes(browser, site_url):
    import numpy as np

    from evidence import pk

    model = _model()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{site_url}/book/02_pharmacology.html", wait_until="load")
    page.evaluate("() => window.evidenceDrawAllCharts()")
    page.wait_for_selector(f"{DOSING}[data-rendered='true'] input[type=range]")
    # The reference creatinine clearance the chapter's model assumes is the explorer's start.
    start = page.evaluate(f"() => document.querySelector('{DOSING}')._evidenceView"
                          ".signal('crcl_ml_min')")
    for dose, times, crcl in DOSING_SETTINGS:
        got = page.evaluate(DRIVE, [DOSING, dose, times, crcl])
        assert got["signals"] == [dose, times, crcl]
        k = pk.scale_elimination_for_kidneys(model["k_ref"], crcl, start)
        f = pk.bioavailability(dose, model["bio"], outside="clamp")
        tau = 24 / times
        t = np.array([p[0] for p in got["curve"]])
        doses = [pk.Dose(j * tau, dose / times, f) for j in range(int(t.max() // tau) + 1)]
        want = pk.analytic_concentration(t, doses, model["ka"], k, model["volume"])
        assert np.allclose([p[1] for p in got["curve"]], want, rtol=1e-4, atol=1e-9), (
            dose, times, crcl)
        assert got["css"] == pytest.approx(
            pk.steady_state_average(f, dose / times, k, model["volume"], tau), rel=1e-4)
        band = pk.gabapentin_renal_band(crcl, model["renal"])
        low, high = band["total_daily_dose_mg_min"], band["total_daily_dose_mg_max"]
        where = "below" if dose < low else "above" if dose > high else "within"
        who, doses_words = pk.renal_band_words(band).split(": ")
        assert got["info"] == [f"Label, {who}:", doses_words,
                               f"This dose is {where} that range.",
                               f"Average at steady state: {got['css']:.1f} mg/L"]
        assert all(line in got["texts"] for line in got["info"])
    page.close()


# ---------------------------------------------------------------------------------------
# "Pool your own trials": the page's checks and pooling against evidence.meta.

POOL_PAGE = "book/pool_trials.html"
HEADER = "study,events_treatment,n_treatment,events_control,n_control"
GOOD_CSVS = [
    HEADER + "\nA,12,40,6,40\nB,20,60,12,61\nC,8,30,9,29\n",
    HEADER + "\nA,0,25,4,25\nB,3,30,7,30\n",                   # a zero cell: 0.5 added
    HEADER + "\nA,10,50,5,50\nB,10,50,5,50\nC,10,50,5,50\n",   # identical: tau² = 0
    HEADER + "\nOnly one,30,100,15,100\n",                     # one trial: nothing pooled
    HEADER + "\nA,0,20,0,20\nB,5,20,2,20\nC,9,40,3,41\n",     # no events in A: left out
    "n_control,study,events_control,n_treatment,events_treatment,extra\n50,X,5,50,20,note\n"
    "60,Y,9,58,14,\n",                                          # other order, extra column
    HEADER + '\n"Smith, 2001",40,100,20,100\nJones 2003,35,90,30,95\n',  # quoted comma
    HEADER + "\nA,74,250,15,248\nB,42,106,13,101\nC,1,200,30,200\nD,50,50,40,50\n",
]
BAD_CSVS = [
    HEADER + "\nA,12,10,6,40\nB,2,10,3,10\n",      # events exceed n
    HEADER + "\nA,1,10,two,10\nB,,10,3,10\n",      # not a number; missing
    HEADER + "\nA,1,0,2,10\nB,-1,10,2,10\n",       # n not positive; negative events
    HEADER + "\nA,1,10,2,10\na,2,10,3,10\n",       # a study twice
    "study,events_treatment,n_treatment\nA,1,10\n",  # missing columns
    HEADER + "\nA,1.5,10,2,10\n",                  # not a whole number
    HEADER + "\nA,1,10,2,10,7\n",                  # an extra cell
]


def _pool(page, csv_text):
    return page.evaluate("""csv => { const form = document.querySelector('form.evidence-pool');
      form.querySelector('textarea').value = csv;
      return form.evidencePool().then(pooled => ({pooled,
        status: form.querySelector('.evidence-pool__status').innerText}));
    }""", csv_text)


POOLED = """([selector, model, leave]) => {
  const chart = document.querySelector(selector);
  const view = chart._evidenceView;
  view.signal('pool_model', model);
  view.signal('leave_out', leave);
  return view.runAsync().then(() => {
    const names = Object.keys(view.getState({data: vega.truthy, signals: vega.falsy,
      recurse: true}).data);
    const sets = names.map(n => (view.data(n) || []).map(m => m.datum || m));
    const pooled = sets.find(r => r.length && 'tau2' in r[0] && 'line' in r[0]);
    return {row: pooled[0], lines: pooled.map(d => d.line)};
  });
}"""


def test_pool_your_own_trials_pools_as_the_engine_does(browser, site_url, tmp_path):
    import io

    import pandas as pd

    from evidence import meta

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{site_url}/{POOL_PAGE}", wait_until="load")
    page.evaluate("() => window.evidenceDrawAllCharts()")
    page.wait_for_selector("#fig-pool-explorer .evidence-chart[data-rendered='true']")
    # It starts with the chart's own trials in the box.
    assert page.locator("form.evidence-pool textarea").input_value().startswith(HEADER)
    checked = 0
    for csv_text in GOOD_CSVS:
        got = _pool(page, csv_text)
        assert got["pooled"], got["status"]
        frame = pd.read_csv(io.StringIO(csv_text))
        usable = frame[~(((frame.events_treatment == 0) & (frame.events_control == 0))
                         | ((frame.events_treatment == frame.n_treatment)
                            & (frame.events_control == frame.n_control)))]
        if frame.study.size != usable.study.size:
            assert "left out" in got["status"]
        leave_outs = ["none", *([] if len(usable) < 3 else [usable.study.iloc[0]])]
        for model in ("fixed", "DL"):
            for leave in leave_outs:
                kept = usable[usable.study != leave]
                shown = page.evaluate(POOLED, ["#fig-pool-explorer .evidence-chart", model,
                                               leave])
                if len(kept) < 2:
                    assert "nothing is pooled" in shown["lines"][0]
                    continue
                want = meta.pool(kept.reset_index(drop=True), "RR", model)
                row = shown["row"]
                for field in ("estimate", "ci_low", "ci_high"):
                    assert row[field] == pytest.approx(getattr(want, field), rel=1e-4), (
                        csv_text, model, leave, field)
                assert row["i2"] == pytest.approx(want.i2, rel=1e-4, abs=1e-6)
                assert row["tau2"] == pytest.approx(want.tau2 or 0.0, rel=1e-4, abs=1e-9)
                assert shown["lines"][0] == (f"Pooled RR {want.estimate:.2f} (95 % CI "
                                             f"{want.ci_low:.2f} to {want.ci_high:.2f})")
                checked += 1
    assert checked >= 20
    page.close()


def test_pool_your_own_trials_names_each_bad_cell_as_the_engine_does(browser, site_url,
                                                                      tmp_path):
    import re

    from educator.meta import Table
    from evidence import meta

    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto(f"{site_url}/{POOL_PAGE}", wait_until="load")
    for i, csv_text in enumerate(BAD_CSVS):
        path = tmp_path / f"bad{i}.csv"
        path.write_text(csv_text)
        table = Table(path)
        engine = {(int(line), int(col)) for line, col, _, _ in table.problems}
        for p in meta.validate(table.frame, "RR", min_studies=1):
            where = table.where(p).split(":")
            engine.add((int(where[0]), int(where[1])) if len(where) == 2 else (int(where[0]), 0))
        got = _pool(page, csv_text)
        assert not got["pooled"], csv_text
        shown = {(int(m.group(1)), int(m.group(2) or 0))
                 for m in re.finditer(r"Line (\d+)(?:, column (\d+))?", got["status"])}
        assert shown == engine, (csv_text, got["status"])
    page.close()
