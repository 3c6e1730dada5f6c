"""The icon fonts of the built site hold every icon a page can show, and little else
(tools/subset_icons.py)."""

from __future__ import annotations

import pytest

from tools import subset_icons

CSS = (
    '.fa-bars:before,.fa-navicon:before{content:"\\f0c9"}'
    '.fa-github:before{content:"\\f09b"}'
    ':root{--pst-icon-info-circle:"\uf05a";--other:"x"}'
    '.admonition>.admonition-title:after{content:"\\f071";font:var(--fa-font-solid)}'
    '.fa-spin{animation-name:fa-spin}'
)


def test_icon_table_reads_class_rules_and_every_other_icon_character():
    classes, others = subset_icons.icon_table(CSS)
    assert classes == {"bars": 0xF0C9, "navicon": 0xF0C9, "github": 0xF09B}
    assert others == {0xF05A, 0xF071}


def test_used_classes_come_from_pages_and_scripts_but_not_the_icon_bundle(tmp_path):
    (tmp_path / "_static" / "scripts").mkdir(parents=True)
    (tmp_path / "index.html").write_text('<i class="fa-solid fa-bars"></i>')
    (tmp_path / "_static" / "theme.js").write_text('el.classList.add("fa-moon")')
    (tmp_path / "_static" / "scripts" / "fontawesome.js").write_text('"fa-anchor"')
    assert subset_icons.used_classes(tmp_path) == {"solid", "bars", "moon"}


@pytest.mark.site
def test_the_built_fonts_hold_every_icon_the_site_can_ask_for(site_dir):
    from fontTools.ttLib import TTFont

    fonts = sorted((site_dir / subset_icons.WEBFONTS).glob("*.woff2"))
    assert fonts, "no icon fonts in the built site"
    covered = set().union(*(TTFont(f).getBestCmap() for f in fonts))
    needed = subset_icons.code_points(site_dir)
    classes, _ = subset_icons.icon_table((site_dir / subset_icons.THEME_CSS).read_text())
    # The menu, search, repository and colour-mode icons are among them.
    assert {classes[n] for n in ("bars", "magnifying-glass", "github", "moon")} <= needed
    missing = sorted(hex(p) for p in needed if p in set().union(
        *(TTFont(f).getBestCmap() for f in subset_icons.theme_webfonts().glob("*.woff2")))
        and p not in covered)
    assert not missing, f"icons the site uses but its fonts lack: {missing}"
    total = sum(f.stat().st_size for f in fonts)
    assert total < 20_000, f"icon fonts weigh {total} bytes: were they subset?"
