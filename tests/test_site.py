"""The built site: a page for every table-of-contents entry, and the results ledger."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parent.parent


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
    from conftest import content_pages

    missing = []
    for page in content_pages():
        html = (site_dir / page).read_text(encoding="utf-8")
        for needle in ["methods.html", "glossary.html", "report-an-error.yml"]:
            if needle not in html:
                missing.append(f"{page}: no link to {needle}")
    assert not missing, "\n".join(missing)
