"""The built site: a page for every table-of-contents entry, and the results ledger."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from support import ROOT

pytestmark = pytest.mark.site



def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files.extend(section["file"] for section in chapter.get("sections", []))
    return files


def test_every_toc_entry_has_a_page(site_dir):
    assert (site_dir / "index.html").is_file()
    missing = [f for f in _toc_files() if not (site_dir / f"{f}.html").is_file()]
    assert not missing, f"no page built for: {missing}"


def test_no_page_points_at_a_cdn(site_dir):
    offenders = []
    pattern = re.compile(r"<(?:script|link)[^>]+(?:src|href)=\"https?://", re.I)
    for page in site_dir.rglob("*.html"):
        if pattern.search(page.read_text(encoding="utf-8")):
            offenders.append(page.relative_to(site_dir).as_posix())
    assert not offenders, f"pages loading scripts or styles from elsewhere: {offenders}"


def test_chart_libraries_are_served_by_the_site(site_dir):
    for name in ["vega.min.js", "vega-lite.min.js", "vega-embed.min.js"]:
        assert (site_dir / "vega" / name).stat().st_size > 10_000


def test_results_ledger_lists_every_glued_value_with_sources(site_dir):
    ledger = json.loads((ROOT / "_build" / "results.json").read_text())
    values = {v["key"]: v for v in ledger["values"]}
    assert values, "the ledger is empty"
    for entry in ledger["values"] + ledger["charts"]:
        assert entry["sources"], f"{entry['key']} has no sources"
        assert (ROOT / entry["notebook"]).is_file()
    # The chapter's headline numbers are there, with the values the pages show.
    rr = values["gfm_resp_rr"]
    page = (site_dir / "book" / "03_gabapentin_evidence.html").read_text(encoding="utf-8")
    assert f"{rr['value']:.2f}" in page
    assert "arnold2007" in rr["sources"]


def test_every_page_links_methods_glossary_and_error_report(site_dir):
    from support import content_pages

    missing = []
    for page in content_pages():
        html = (site_dir / page).read_text(encoding="utf-8")
        for needle in ["methods.html", "glossary.html", "report-an-error.yml"]:
            if needle not in html:
                missing.append(f"{page}: no link to {needle}")
    assert not missing, "\n".join(missing)


def _head_scripts(page: Path) -> list[str]:
    return re.findall(r'<script[^>]+src="([^"?]+)', page.read_text(encoding="utf-8"))


def test_pages_carry_no_unused_heavy_scripts(site_dir):
    """The theme's 1.5 MB fontawesome.js is never linked, and the 0.3 MB search index is
    loaded only by the search page (search-as-you-type is off)."""
    theme = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    assert not theme["html_theme_options"].get("search_as_you_type", False)
    pages = [p for p in site_dir.rglob("*.html") if "_static" not in p.parts]
    assert len(pages) > 20
    for page in pages:
        scripts = _head_scripts(page)
        name = page.relative_to(site_dir).as_posix()
        assert not any(s.endswith("fontawesome.js") for s in scripts), name
        if name == "search.html":
            assert any(s.endswith("searchindex.js") for s in scripts), name
        else:
            assert not any(s.endswith("searchindex.js") for s in scripts), name


def test_mathjax_only_on_pages_with_maths(site_dir):
    """Sphinx would load MathJax on the root page whenever any chapter has maths (its
    toctree includes them all); the book loads it only on a page that has maths, from the
    site itself. (The chapters now write their one formula as plain text, so today no page
    loads it; tests/test_sphinx_ext.py checks a page with maths keeps it.)"""
    for page in sorted(site_dir.rglob("*.html")):
        if "_static" in page.parts:
            continue
        html = page.read_text(encoding="utf-8")
        loads = any("mathjax" in s for s in _head_scripts(page)) or "window.MathJax" in html
        has_maths = 'class="math' in html
        name = page.relative_to(site_dir).as_posix()
        assert loads == has_maths, f"{name}: maths {has_maths}, MathJax loaded {loads}"
    fonts = site_dir / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert (site_dir / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (fonts / "MathJax_Main-Regular.woff").is_file()
