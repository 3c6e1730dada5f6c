"""Copy the pinned browser libraries from node_modules/ into _vendor/ (html_extra_path).

The site serves Vega, Vega-Lite and vega-embed itself (as <site>/vega/), so charts
draw offline and no page requests a CDN; likewise MathJax (as <site>/_static/mathjax/,
set as Sphinx's mathjax_path), which Sphinx would otherwise load from a CDN on any
page with mathematics. Versions are pinned in package-lock.json (`npm ci`).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "_vendor"
# package -> (file inside the package, folder inside the site)
FILES = {
    "vega": ("build/vega.min.js", "vega"),
    "vega-lite": ("build/vega-lite.min.js", "vega"),
    "vega-embed": ("build/vega-embed.min.js", "vega"),
    # The CHTML build (0.26 MB compressed; the SVG build is 0.68 MB because it carries
    # every glyph as a path). Its fonts follow below; a page fetches only those it uses.
    "mathjax": ("es5/tex-chtml.js", "_static/mathjax"),
}
# package -> (folder inside the package, folder inside the site), copied whole.
FOLDERS = {
    # MathJax finds its fonts at <folder of tex-chtml.js>/output/chtml/fonts/woff-v2.
    "mathjax": ("es5/output/chtml/fonts/woff-v2", "_static/mathjax/output/chtml/fonts/woff-v2"),
}


def main() -> int:
    # Start empty so a file dropped from the lists is not still served.
    for folder in {folder.split("/")[0] for _, folder in FILES.values()}:
        shutil.rmtree(VENDOR / folder, ignore_errors=True)
    for package, (rel, folder) in FOLDERS.items():
        src = ROOT / "node_modules" / package / rel
        if not src.is_dir():
            print(f"error: {src.relative_to(ROOT)} is missing; run `npm ci`", file=sys.stderr)
            return 1
        shutil.copytree(src, VENDOR / folder)
    for package, (rel, folder) in FILES.items():
        src = ROOT / "node_modules" / package / rel
        if not src.is_file():
            print(f"error: {src.relative_to(ROOT)} is missing; run `npm ci`", file=sys.stderr)
            return 1
        # Drop the source-map comment: the maps are not shipped, and a browser with
        # developer tools open would otherwise request a file the site does not have.
        text = src.read_text(encoding="utf-8")
        lines = [ln for ln in text.splitlines() if not ln.startswith("//# sourceMappingURL=")]
        target = VENDOR / folder / src.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        version = json.loads((ROOT / "node_modules" / package / "package.json").read_text())
        print(f"  vendored {package} {version['version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
