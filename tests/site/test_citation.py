"""The How-to-cite page agrees with CITATION.cff, and every page states the licence."""

from __future__ import annotations

import pytest
import yaml
from support import ROOT

CFF = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
PAGE = (ROOT / "book" / "how_to_cite.md").read_text(encoding="utf-8")


def test_page_shows_title_version_year_and_url_from_citation_cff():
    assert CFF["title"].split(":")[0] in PAGE
    assert f"version {CFF['version']}" in PAGE
    assert f"({CFF['date-released'][:4]})" in PAGE
    assert CFF["url"] in PAGE
    assert CFF["repository-code"] in PAGE
    for author in CFF["authors"]:
        assert author["name"] in PAGE


def test_licence_agrees():
    assert CFF["license"] == "CC-BY-4.0"
    assert "CC BY 4.0" in PAGE
    assert "CC BY 4.0" in (ROOT / "LICENSE").read_text(encoding="utf-8")


@pytest.mark.site
def test_every_page_footer_states_the_content_licence(site_dir):
    from support import content_pages

    missing = [p for p in content_pages()
               if "CC BY 4.0" not in (site_dir / p).read_text(encoding="utf-8")]
    assert not missing, f"pages without the licence in the footer: {missing}"
