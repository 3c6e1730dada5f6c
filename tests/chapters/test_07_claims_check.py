"""The claims check: the ledger, its summary, the table, the page and the table script.

What the claims-check page tells a reader rests on ``data/claims.csv``; these tests hold
the page to it. The ledger covers the five seed articles with verdicts from the fixed scale
and evidence that resolves in the bibliography; the counts the notebook glues equal a count
made here straight from the CSV; the table shows every claim; the page types no numbers,
cites every evidence key (so the References page lists it) and never names an article; and
``_static/evidence-tables.js``, which Jupyter Book links into every page, does nothing on a
page without its tables.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from support import BOOK, DATA, ROOT, csv_rows

from evidence import claims as ledger
from tools.export_results import glued_outputs
from tools.validate import validate

CSV = ROOT / "data" / "claims.csv"
PAGE = ROOT / "book" / "07_claims_check.md"
METHODS = ROOT / "book" / "methods.md"
NOTEBOOK = ROOT / "notebooks" / "07_claims.ipynb"
SCRIPT = ROOT / "_static" / "evidence-tables.js"
VERDICTS = {"supported", "partly supported", "unsupported", "not found", "contradicted"}


def _glued(notebook: Path) -> dict[str, dict]:
    """Glued outputs of a notebook by key: the ledger metadata and the display data."""
    return {key: {"meta": meta, "data": data} for key, meta, data in glued_outputs(notebook)}


# ---- the ledger ---------------------------------------------------------------------------

def test_the_ledger_covers_five_articles_with_known_verdicts():
    rows = csv_rows(CSV)
    assert len(rows) >= 40, f"only {len(rows)} claims in the ledger"
    assert {r["seed"] for r in rows} == {a.seed for a in ledger.ARTICLES}
    bad = [(r["claim_id"], r["verdict"]) for r in rows if r["verdict"] not in VERDICTS]
    assert not bad, f"verdicts outside the scale: {bad}"
    ids = [r["claim_id"] for r in rows]
    assert len(ids) == len(set(ids)), "claim ids repeat"
    assert set(ledger.VERDICTS) == VERDICTS


def test_a_ledger_error_is_stopped_by_the_validator_naming_the_row(tmp_path):
    """A verdict or seed outside the vocabulary is refused before any notebook runs."""
    root = tmp_path / "data"
    shutil.copytree(DATA, root)
    (tmp_path / "book").mkdir()
    shutil.copy(BOOK / "references.bib", tmp_path / "book" / "references.bib")
    with (root / "claims.csv").open(encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))
    header = records[0]
    line = next(i for i, rec in enumerate(records, 1) if rec[0] == "c004")
    records[line - 1][header.index("verdict")] = "probably true"
    records[line][header.index("seed")] = "005_unknown.txt"
    with (root / "claims.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(records)
    found = [(p.file, p.line, p.column, p.value, p.rule) for p in validate(root)]
    assert found == [("claims.csv", line, "verdict", "probably true", "foreign-key"),
                     ("claims.csv", line + 1, "seed", "005_unknown.txt", "foreign-key")]


def test_every_verdict_has_its_colours_and_meaning():
    """The colours are display code (here); the verdicts are data: each needs both."""
    verdicts = [r["verdict"] for r in csv_rows("vocabulary/verdicts")]
    assert list(ledger.VERDICTS) == verdicts
    assert set(ledger.VERDICT_COLOURS) == set(verdicts) == set(ledger.VERDICT_TEXT_COLOURS)
    assert all(ledger.VERDICT_MEANINGS[v] for v in verdicts)


# ---- the summary ----------------------------------------------------------------------------

def test_the_counts_equal_a_count_made_from_the_csv():
    rows = csv_rows(CSV)
    expected = Counter((r["seed"], r["verdict"]) for r in rows)
    counts = ledger.verdict_counts(ledger.load_claims())
    assert list(counts.columns) == [*ledger.VERDICTS, "total"], "verdicts out of order"
    for article in ledger.ARTICLES:
        for verdict in VERDICTS:
            assert counts.loc[article.label, verdict] == expected[(article.seed, verdict)]
        assert counts.loc[article.label, "total"] == sum(
            1 for r in rows if r["seed"] == article.seed)
    assert int(counts["total"].sum()) == len(rows)


def test_the_notebook_glued_the_counts_of_the_current_csv():
    """The committed notebook is not stale: its glued counts are today's counts."""
    rows = csv_rows(CSV)
    glued = _glued(NOTEBOOK)

    def value(key):
        return glued[key]["meta"]["evidence"]["value"]

    assert value("claims_n_total") == len(rows)
    for verdict in VERDICTS:
        slug = verdict.replace(" ", "_")
        assert value(f"claims_n_{slug}") == sum(r["verdict"] == verdict for r in rows), slug
        for article in ledger.ARTICLES:
            n = sum(r["verdict"] == verdict and r["seed"] == article.seed for r in rows)
            assert value(f"claims_{article.letter.lower()}_{slug}") == n
    for article in ledger.ARTICLES:
        assert value(f"claims_{article.letter.lower()}_total") == sum(
            r["seed"] == article.seed for r in rows)
    for key, entry in glued.items():
        sources = entry["meta"]["evidence"]["sources"]
        assert sources, f"{key} glued without sources"
        assert not set(sources) & set(ledger.SELF_KEYS), f"{key} cites an article as evidence"


def test_the_chart_has_a_description_and_the_verdict_colours():
    chart = ledger.verdict_chart(ledger.load_claims(), title="t", description="d")
    spec = chart.to_dict()
    assert spec["description"] == "d"
    colour = spec["layer"][0]["encoding"]["color"]
    assert colour["scale"]["domain"] == list(ledger.VERDICTS)
    assert colour["scale"]["range"] == [ledger.VERDICT_COLOURS[v] for v in ledger.VERDICTS]


# ---- the table ------------------------------------------------------------------------------

def test_the_table_shows_every_claim_with_its_verdict_and_links():
    claims = ledger.load_claims()
    html = ledger.claims_table(claims)._repr_html_()
    assert re.search(r'<table class="[^"]*\bevidence-sortable\b', html)
    for r in csv_rows(CSV):
        assert f"<td>{r['claim_id']}</td>" in html, r["claim_id"]
    assert html.count('<tr id="claim-') == len(claims)
    supported = sum(r["verdict"] == "supported" for r in csv_rows(CSV))
    assert html.count('data-sort-value="0"') == supported
    assert "href='references.html'" in html
    anchored = ledger.claims_table(claims, anchor="cite-{key}")._repr_html_()
    assert "href='references.html#cite-neurontin-uspi'" in anchored


def test_the_glued_table_holds_every_claim():
    html = _glued(NOTEBOOK)["claims_table"]["data"]["application/papermill.record/text/html"]
    for r in csv_rows(CSV):
        assert f'id="claim-{r["claim_id"]}"' in html, r["claim_id"]


def test_the_articles_stay_unnamed():
    """No site, brand of site or address of a seed article reaches the reader."""
    claims = ledger.load_claims()
    shown = "\n".join([
        ledger.claims_table(claims)._repr_html_(),
        ledger.counts_table(claims)._repr_html_(),
        PAGE.read_text(encoding="utf-8"),
        *(a.description for a in ledger.ARTICLES),
    ]).lower()
    names = {"careclinic"} | {k.split("_")[0] for k in ledger.SELF_KEYS}
    for name in names:
        assert name not in shown, f"{name!r} names a seed article"
    assert not re.search(r"https?://|www\.", "\n".join(a.description for a in ledger.ARTICLES))
    assert "the article itself" in ledger.claims_table(claims)._repr_html_()


def test_the_verdict_squares_take_their_colours_from_the_stylesheet():
    """No inline style: each verdict's square is a class, coloured as the chart colours it."""
    html = ledger.claims_table(ledger.load_claims())._repr_html_()
    assert "style=" not in html
    css = (ROOT / "_static" / "evidence-tables.css").read_text(encoding="utf-8")
    for verdict, colour in ledger.VERDICT_COLOURS.items():
        slug = verdict.replace(" ", "-")
        assert f"claims-dot--{slug}'" in html, verdict
        rule = re.search(rf"\.claims-dot--{slug} \{{ background: (#[0-9A-Fa-f]{{6}}); \}}", css)
        assert rule and rule[1].lower() == colour.lower(), verdict


def test_the_counts_table_adds_up_each_article_and_the_whole():
    claims = ledger.load_claims()
    t = ledger.counts_table(claims)
    html = t._repr_html_()
    foot = html[html.index("<tfoot>"):html.index("</tfoot>")]
    cells = re.findall(r'<td class="num">(\d+)</td>', foot)
    by_verdict = [sum(r["verdict"] == v for r in csv_rows(CSV)) for v in ledger.VERDICTS]
    assert [int(c) for c in cells] == [*by_verdict, len(csv_rows(CSV))]
    assert html.count('<th scope="row">') == len(ledger.ARTICLES) + 1


# ---- the pages --------------------------------------------------------------------------------

@pytest.mark.parametrize("page", [PAGE, METHODS], ids=lambda p: p.stem)
def test_the_pages_type_no_numbers(page):
    """The chapter standard's rule (and its checker) holds for these pages too."""
    from support.prose import typed_numbers

    found = typed_numbers(page)
    assert not found, "\n".join(map(str, found))


def test_the_page_cites_every_evidence_key_but_no_article():
    text = PAGE.read_text(encoding="utf-8")
    cited = {k.strip() for m in re.finditer(r"\{cite:[a-z]+\}`([^`]+)`", text)
             for k in m.group(1).split(",")}
    needed = set(ledger.evidence_keys(ledger.load_claims()))
    assert needed - cited == set(), "add these keys to the {cite:empty} line of the page"
    assert not cited & set(ledger.SELF_KEYS)


def test_the_claims_page_meets_the_chapter_standard():
    text = PAGE.read_text(encoding="utf-8")
    assert re.search(r"\{admonition\} Learning objectives", text)
    assert re.search(r"\{admonition\} Key points", text)
    assert re.search(r"not medical advice", text)
    assert re.search(r"Last reviewed: \w+ 20\d\d", text)
    labels = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", text)
    solutions = re.findall(r"```\{solution\} (\S+)\n:class: dropdown", text)
    assert 3 <= len(labels) <= 6 and sorted(labels) == sorted(solutions)


def test_the_glossary_defines_every_term_the_pages_link():
    glossary = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    defined = {line.strip().lower() for line in glossary.splitlines()
               if line and not line.startswith((" ", "`", ":", "#"))}
    for page in (PAGE, METHODS):
        for m in re.finditer(r"\{term\}`([^`]+)`", page.read_text(encoding="utf-8")):
            target = re.sub(r"^.*<([^>]+)>$", r"\1", m.group(1)).strip().lower()
            assert target in defined, f"{page.name}: no glossary term {target!r}"


# ---- the script -------------------------------------------------------------------------------

def test_the_script_is_small_self_contained_and_inert_without_tables():
    js = SCRIPT.read_text(encoding="utf-8")
    assert len(js) < 8000, "keep _static/evidence-tables.js small: every page loads it"
    assert not re.search(r"https?://|import\s|require\(|fetch\(", js), "no external code"
    main = js[js.index("function main"):]
    assert re.search(r'querySelectorAll\("table\.evidence-sortable"\);\s*'
                     r"if \(!tables\.length\) return;", main), "main() must return early"


@pytest.mark.browser
def test_the_script_filters_and_sorts_and_is_inert_elsewhere(browser, site_url):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{site_url}/book/methods.html")
    page.wait_for_load_state("load")
    assert page.locator(".evidence-table-controls, table.evidence-sortable").count() == 0

    page.goto(f"{site_url}/book/07_claims_check.html")
    page.wait_for_load_state("load")
    rows = "#claims-ledger tbody tr"
    visible = f"Array.from(document.querySelectorAll('{rows}')).filter(r => !r.hidden)"
    search = page.get_by_label("Search the table")
    search.fill("Article E")
    expected_e = sum(r["seed"] == ledger.ARTICLES[-1].seed for r in csv_rows(CSV))
    assert page.evaluate(f"{visible}.length") == expected_e
    search.fill("not found")
    assert sorted(page.evaluate(f"{visible}.map(r => r.cells[0].textContent)")) == sorted(
        r["claim_id"] for r in csv_rows(CSV) if r["verdict"] == "not found")
    search.fill("")
    verdict = page.locator("#claims-ledger thead th").nth(3)
    verdict.locator("button").focus()
    page.keyboard.press("Enter")
    assert verdict.get_attribute("aria-sort") == "ascending"
    order = page.evaluate(f"Array.from(document.querySelectorAll('{rows}'))"
                          ".map(r => r.cells[3].textContent.trim())")
    assert list(dict.fromkeys(order)) == list(ledger.VERDICTS)
    page.keyboard.press("Space")
    assert verdict.get_attribute("aria-sort") == "descending"
    assert not errors, errors
    context.close()
