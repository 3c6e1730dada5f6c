"""Release metadata (tools/release.py): one version, written in CITATION.cff, reaches
.zenodo.json, the site's footer and the PDF's title page."""

from __future__ import annotations

import json

import pytest
from support import ROOT

from tools import release


def test_zenodo_metadata_is_citation_cff_as_zenodo_reads_it():
    cff = release.citation()
    meta = json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))
    assert meta == release.zenodo_metadata(cff), (
        ".zenodo.json disagrees with CITATION.cff: run `python -m tools.release zenodo`")
    assert meta["title"] == cff["title"] and meta["version"] == str(cff["version"])
    assert meta["license"] == "cc-by-4.0" and meta["upload_type"] == "publication"
    assert meta["keywords"] == cff["keywords"]


def test_a_version_change_shows_until_zenodo_json_is_regenerated(tmp_path, monkeypatch):
    cff = release.citation() | {"version": "9.9.9"}
    assert json.loads(release.zenodo_text(cff))["version"] == "9.9.9"
    monkeypatch.setattr(release, "ZENODO", tmp_path / ".zenodo.json")
    (tmp_path / ".zenodo.json").write_text((ROOT / ".zenodo.json").read_text())
    monkeypatch.setattr(release, "citation", lambda: cff)
    assert release.main(["zenodo", "--check"]) == 1
    assert release.main(["zenodo"]) == 0 and release.main(["zenodo", "--check"]) == 0


def test_an_unknown_licence_is_refused():
    with pytest.raises(ValueError, match="LICENCES"):
        release.zenodo_metadata(release.citation() | {"license": "WTFPL"})


@pytest.mark.site
def test_every_page_footer_states_the_version(site_dir):
    from support import content_pages

    line = release.version_line()
    assert line.startswith(f"Version {release.citation()['version']}, released ")
    missing = [p for p in content_pages()
               if line not in (site_dir / p).read_text(encoding="utf-8")]
    assert not missing, f"pages without the version in the footer: {missing[:5]}"
    # Beside it, the way to what changed between versions.
    page = (site_dir / "book" / "03_gabapentin_evidence.html").read_text(encoding="utf-8")
    assert 'href="changes.html">What changed</a>' in page


LOG = """# Changelog

## Unreleased

- Something not released.

## 0.2.0 - 2026-12-04

### Numbers that moved
- `rr` rose.

## 0.1.0 - 2026-11-21

- First version.
"""


def test_the_changelog_section_of_a_version_is_its_notes():
    assert release.changelog_section("0.2.0", LOG) == "### Numbers that moved\n- `rr` rose."
    assert release.changelog_section("0.1.0", LOG) == "- First version."
    assert release.changelog_section("0.3.0", LOG) is None
    assert release.changelog_section("0.2", LOG) is None  # 0.2 is not 0.2.0's prefix


def test_a_tag_is_released_only_when_version_changelog_and_ledger_agree(tmp_path):
    cff = release.citation() | {"version": "0.2.0"}
    (tmp_path / "v0.2.0.json").write_text("{}")
    problems = release.tag_problems("v0.2.0", cff, LOG, tmp_path)
    assert not [p for p in problems if "zenodo" not in p]
    assert any("does not name" in p for p in release.tag_problems("v0.2.1", cff, LOG, tmp_path))
    assert any("no section" in p for p in release.tag_problems(
        "v0.2.0", cff, LOG.replace("## 0.2.0 - 2026-12-04", "## Unreleased too"), tmp_path))
    (tmp_path / "v0.2.0.json").unlink()
    assert any("ledger/v0.2.0.json is missing" in p
               for p in release.tag_problems("v0.2.0", cff, LOG, tmp_path))
