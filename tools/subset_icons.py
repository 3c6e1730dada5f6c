"""The theme's icon fonts, cut down to the icons the built site uses.

pydata-sphinx-theme ships Font Awesome's solid, regular and brands fonts (267 KB as woff2),
and every page's first screen downloads two of them for about a dozen icons (menu, search,
download, full screen, the colour-mode switch, the repository link, admonition marks). After
the HTML is built, :func:`subset_site` rewrites each font in the built site with only the
glyphs some page, script or style can ask for:

* each ``fa-<name>`` class written in a built page or a script of ``_static/`` (the theme's
  Font Awesome JavaScript bundle, which names every icon, is left out: no page loads it),
  looked up in the theme's CSS (``.fa-bars:before{content:"\\f0c9"}``);
* every character a style sheet writes outside those class rules, as an escape or as the
  private-use character itself (the theme's admonition and link icons, ``--pst-icon-...``).

The fonts are read from the installed theme, never from the built site, so a rebuild cannot
subset an already cut-down copy. The fonts' licence (SIL OFL 1.1) allows subsetting.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

WEBFONTS = Path("_static") / "vendor" / "fontawesome" / "webfonts"
THEME_CSS = Path("_static") / "styles" / "pydata-sphinx-theme.css"
SKIP_SCRIPTS = {"fontawesome.js"}

_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_CLASS_BEFORE = re.compile(r"^\.fa-([a-z0-9-]+):{1,2}before$")
_ESCAPE = re.compile(r'"\\([0-9a-fA-F]{2,6})"')
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")  # Font Awesome's icons sit in this range
_USED_CLASS = re.compile(r"\bfa-([a-z0-9]+(?:-[a-z0-9]+)*)")


def icon_table(css: str) -> tuple[dict[str, int], set[int]]:
    """From a style sheet: each icon class's code point (``{"bars": 0xF0C9}``), and the
    code points written by every other rule."""
    classes: dict[str, int] = {}
    others: set[int] = set()
    for selectors, body in _RULE.findall(css):
        points = ([int(h, 16) for h in _ESCAPE.findall(body)]
                  + [ord(c) for c in _PRIVATE_USE.findall(body)])
        if not points:
            continue
        names = [_CLASS_BEFORE.match(s.strip()) for s in selectors.split(",")]
        if all(names) and "content:" in body:
            for m in names:
                classes[m.group(1)] = points[0]
        else:
            others.update(points)
    return classes, others


def used_classes(site: Path) -> set[str]:
    """Every ``fa-<name>`` token in the built pages and in the site's own scripts."""
    names: set[str] = set()
    files = [*site.rglob("*.html"),
             *(p for p in (site / "_static").rglob("*.js") if p.name not in SKIP_SCRIPTS)]
    for path in files:
        names.update(_USED_CLASS.findall(path.read_text(encoding="utf-8", errors="replace")))
    return names


def code_points(site: Path) -> set[int]:
    """The code points the built site can ask an icon font for."""
    classes, points = icon_table((site / THEME_CSS).read_text(encoding="utf-8"))
    for css in (site / "_static").rglob("*.css"):
        if css.name != THEME_CSS.name:
            points |= icon_table(css.read_text(encoding="utf-8", errors="replace"))[1]
    points |= {classes[name] for name in used_classes(site) if name in classes}
    return points


def theme_webfonts() -> Path:
    import pydata_sphinx_theme

    return (Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
            / "static" / "vendor" / "fontawesome" / "webfonts")


def subset_font(source: Path, target: Path, points: set[int]) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source)
    options = subset.Options()
    options.flavor = "woff2" if source.suffix == ".woff2" else None
    options.layout_features = []
    options.name_IDs = ["*"]  # keep the copyright and licence records
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(points))
    subsetter.subset(font)
    font.flavor = options.flavor
    font.save(target)


def subset_site(site: Path) -> dict[str, tuple[int, int]]:
    """Rewrite the built site's icon fonts; returns {file: (bytes before, bytes after)}."""
    target_dir = site / WEBFONTS
    if not target_dir.is_dir():
        return {}
    points = code_points(site)
    sizes = {}
    for source in sorted(theme_webfonts().iterdir()):
        target = target_dir / source.name
        if source.suffix not in (".woff2", ".ttf") or not target.exists():
            continue
        subset_font(source, target, points)
        sizes[source.name] = (source.stat().st_size, target.stat().st_size)
    return sizes


def main(argv: list[str]) -> int:
    site = Path(argv[0]) if argv else Path("_build") / "html"
    for name, (before, after) in subset_site(site).items():
        print(f"  {name}: {before // 1024} KB -> {after // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
