"""tools/build_html.py starts a clean staging build when anything that changes every
page changes: configuration, templates, the extension, and static files (Sphinx copies
those only when some page is out of date, and pages carry each script's checksum)."""

from __future__ import annotations

import importlib.util

import pytest
from support import ROOT


@pytest.fixture
def build_html(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("build_html", ROOT / "tools" / "build_html.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ["_config.yml", "_toc.yml", "requirements.txt", "package-lock.json"]:
        (tmp_path / name).write_text(name)
    for folder in ["_templates", "_static", "_root", "tools", "book"]:
        (tmp_path / folder).mkdir()
    (tmp_path / "_static" / "evidence-charts.js").write_text("draw();")
    (tmp_path / "tools" / "vendor_assets.py").write_text("copy()")
    (tmp_path / "tools" / "sphinx_ext.py").write_text("setup()")
    (tmp_path / "tools" / "citation_style.py").write_text("register()")
    (tmp_path / "book" / "references.bib").write_text("@misc{a, title={A}}")
    (tmp_path / "book" / "intro.md").write_text("# Intro")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "STAGING", tmp_path / "_build" / ".staging")
    return module, tmp_path


@pytest.mark.parametrize(
    "changed",
    ["_config.yml", "_static/evidence-charts.js", "_static/new.css", "_templates/layout.html",
     "_root/favicon.ico", "package-lock.json", "tools/vendor_assets.py",
     "tools/sphinx_ext.py", "book/references.bib", "tools/citation_style.py"],
)
def test_a_change_that_touches_every_page_resets_staging(build_html, changed):
    module, root = build_html
    module.reset_staging_if_config_changed()
    marker = module.STAGING / "page.html"
    marker.write_text("old page")
    module.reset_staging_if_config_changed()
    assert marker.exists(), "nothing changed, yet staging was emptied"
    (root / changed).write_text("changed")
    module.reset_staging_if_config_changed()
    assert not marker.exists(), f"a change to {changed} kept the old staging build"


def test_the_pdf_staging_is_reset_by_the_same_changes(build_html):
    module, root = build_html
    pdf_staging = root / "_build" / ".staging-pdf"
    module.reset_staging_if_config_changed(pdf_staging)
    marker = pdf_staging / "page.html"
    marker.write_text("old page")
    (root / "_static" / "evidence-charts.js").write_text("changed")
    module.reset_staging_if_config_changed(pdf_staging)
    assert not marker.exists()


def test_a_chapter_edit_keeps_the_incremental_build(build_html):
    module, root = build_html
    module.reset_staging_if_config_changed()
    marker = module.STAGING / "page.html"
    marker.write_text("old page")
    (root / "book" / "intro.md").write_text("# Intro, edited")
    module.reset_staging_if_config_changed()
    assert marker.exists()
