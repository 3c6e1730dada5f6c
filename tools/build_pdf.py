"""Print the whole book to one PDF through headless Chromium.

Jupyter Book builds a single-page HTML version (strict, like the site), which is
served on loopback and printed by Debian's Chromium: charts are drawn by the same
Vega the site serves (their static SVG is the fallback), citations and tables are
as on the site. Exercise solutions are printed, opened, after their exercises;
``--no-solutions`` leaves them out (for handing to students).

    python -m tools.build_pdf [--no-solutions] [--out _build/pdf/book.pdf]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from tools.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    INSTALL_HINT,
    chromium_available,
    draw_all_charts,
    serve,
)

ROOT = Path(__file__).resolve().parent.parent
STAGING = ROOT / "_build" / ".staging-pdf"

PREPARE = """
(withSolutions) => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('.toggle-details__summary, button.toggle-button')
    .forEach(e => e.remove());
  if (!withSolutions) {
    document.querySelectorAll('.solution').forEach(e => e.remove());
  }
  document.querySelectorAll('.evidence-chart__data').forEach(e => e.remove());
  // Links into the book point at its own pages on the print server (book/intro.html#x,
  // references.html#cite-x): in the PDF each would be a dead link to a loopback address.
  // Point each at its place in this one document, or make it plain text if it has none.
  document.querySelectorAll('a[href]').forEach(a => {
    const url = new URL(a.getAttribute('href'), location.href);
    if (url.origin !== location.origin) return;  // the web: DOIs, PubMed, labels
    const id = decodeURIComponent(url.hash.slice(1));
    if (id && document.getElementById(id)) {
      a.setAttribute('href', '#' + encodeURIComponent(id));
    } else {
      a.removeAttribute('href');
    }
  });
  // A table longer than about half a page may run across pages (rows stay whole);
  // kept whole, each one pushed to a new page and left half-empty pages behind.
  document.querySelectorAll('table').forEach(t => {
    if (t.rows.length > 12) {
      t.classList.add('pdf-long-table');
      for (let e = t.parentElement; e && e !== document.body; e = e.parentElement) {
        e.classList.add('pdf-long-table-holder');
      }
    }
  });
}
"""


def build_single_page() -> Path:
    jb = str(Path(sys.executable).with_name("jupyter-book"))
    cmd = [
        jb,
        "build",
        ".",
        "--builder",
        "singlehtml",
        "--path-output",
        str(STAGING.relative_to(ROOT)),
        "-W",
        "--keep-going",
        "-q",
    ]
    if subprocess.run(cmd, cwd=ROOT).returncode != 0:
        raise SystemExit("the single-page build failed (warnings above); no PDF written")
    site = STAGING / "_build" / "singlehtml"
    # The root document is book/intro, so singlehtml writes the one page to
    # book/intro.html but with links relative to the site root: serve it from there.
    shutil.copy2(site / "book" / "intro.html", site / "single.html")
    return site


def print_pdf(site: Path, out: Path, with_solutions: bool) -> None:
    from playwright.sync_api import sync_playwright

    if not chromium_available():
        raise SystemExit(f"{CHROMIUM} not found: {INSTALL_HINT}")
    with serve(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(color_scheme="light")
        page.goto(f"{base}/single.html", wait_until="load")
        page.wait_for_load_state("networkidle")
        draw_all_charts(page, timeout_ms=30_000)  # otherwise drawn as they come on screen
        page.evaluate(PREPARE, with_solutions)
        page.emulate_media(media="print")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(
            path=str(out),
            format="A4",
            print_background=True,
            margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
            display_header_footer=True,
            outline=True,  # bookmarks: the chapters and their sections, from the headings
            tagged=True,
            header_template="<span></span>",
            footer_template=(
                "<div style='font-size:8px;width:100%;text-align:center;color:#444'>"
                "<span class='pageNumber'></span> / <span class='totalPages'></span></div>"
            ),
        )
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-solutions", action="store_true", help="leave solutions out")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / "book.pdf")
    args = parser.parse_args(argv)
    site = build_single_page()
    print_pdf(site, args.out.resolve(), with_solutions=not args.no_solutions)
    html = ROOT / "_build" / "html"
    if html.is_dir():  # offer the PDF from the site too
        shutil.copy2(args.out, html / args.out.name)
    print(f"Wrote {args.out.resolve().relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
