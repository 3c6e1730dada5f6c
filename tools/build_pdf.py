"""Print the whole book to one PDF through headless Chromium.

Jupyter Book builds a single-page HTML version (strict, like the site), which is
served on loopback and printed by Debian's Chromium: charts are drawn by the same
Vega the site serves (their static SVG is the fallback), citations and tables are
as on the site. Exercise solutions are printed, opened, after their exercises;
``--no-solutions`` leaves them out (for handing to students). The analyses (notebooks) are
printed last, as an appendix, without their code (``--with-code`` keeps it).

    python -m tools.build_pdf [--no-solutions] [--with-code] [--out _build/pdf/book.pdf]
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
([withSolutions, withCode, front]) => {
  // Front matter under the title: who wrote it, which version, the licence and the address
  // (from CITATION.cff), so a printed copy says what it is.
  const title = document.querySelector('#jb-print-docs-body h1');
  if (title && front) {
    const block = document.createElement('div');
    block.className = 'pdf-front-matter';
    const line = (text) => { const p = document.createElement('p'); p.textContent = text;
                             block.append(p); };
    line(front.subtitle);
    line(front.authors);
    line(`Version ${front.version}, released ${front.date}`);
    line(`Licence: ${front.license}. Online edition: ${front.url}`);
    title.after(block);
  }
  // The contents list the analyses where the PDF prints them: last, as the appendix.
  const toc = document.querySelector('#jb-print-toc nav');
  if (toc) {
    const caption = [...toc.querySelectorAll('p.caption')]
      .find(p => p.textContent.trim() === 'Analyses');
    if (caption && caption.nextElementSibling) {
      const list = caption.nextElementSibling;
      caption.querySelector('.caption-text').textContent = 'Appendix: the analyses';
      toc.append(caption, list);
    }
  }
  // The analyses (the notebooks) go last, after the reference pages, as an appendix; their
  // code is left out unless asked for (it is in the online edition), and so is any cell
  // that then shows nothing.
  const notebooks = [...document.querySelectorAll('span[id^="document-notebooks/"]')];
  if (notebooks.length) {
    const host = notebooks[0].parentElement;
    const anchor = document.createElement('span');
    anchor.id = 'document-appendix-analyses';
    const intro = document.createElement('section');
    intro.id = 'appendix-the-analyses';
    intro.innerHTML = '<h1 style="display:block">Appendix: the analyses</h1>' +
      '<p>Every number the chapters show is computed in one of these analyses from the ' +
      'book’s evidence tables. They are printed here with their explanations and results' +
      (withCode ? ' and their code.' :
       '; their code is in the online edition, where each analysis can be read and re-run.') +
      '</p>';
    // Each part of the book is a wrapper of its own: the analyses' one moves after the last.
    const parts = [...document.querySelectorAll('.toctree-wrapper')];
    if (parts.length && parts[parts.length - 1] !== host) parts[parts.length - 1].after(host);
    host.querySelectorAll('p.caption').forEach(e => e.remove());  // "Analyses": now the heading
    notebooks[0].before(anchor, intro);
    for (const start of notebooks) {
      const section = start.nextElementSibling;
      if (!withCode && section) {
        section.querySelectorAll('.cell_input').forEach(e => e.remove());
        section.querySelectorAll('.cell').forEach(cell => {
          const out = cell.querySelector('.cell_output');
          if (!out || (!out.textContent.trim() && !out.querySelector('img, svg, table'))) {
            cell.remove();
          }
        });
      }
    }
  }
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
    from tools.build_html import reset_staging_if_config_changed

    reset_staging_if_config_changed(STAGING)  # a changed style sheet reaches the PDF too
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


def front_matter() -> dict[str, str]:
    """Title page lines from CITATION.cff (tools.release): subtitle, authors, version and
    date, licence, URL."""
    from tools import release

    cff = release.citation()
    subtitle = cff["title"].split(":", 1)[1].strip() if ":" in cff["title"] else ""
    return {"subtitle": subtitle[:1].upper() + subtitle[1:],
            "authors": ", ".join(release.author_names(cff)),
            "version": str(cff["version"]), "date": str(cff["date-released"]),
            "license": release.licence_words(cff), "url": cff["url"]}


def heading_titles(page) -> list[str]:
    """The text of every heading of the prepared page, as a reader sees it."""
    return page.evaluate("""() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
      .map(h => { const c = h.cloneNode(true);
                  c.querySelectorAll('.headerlink').forEach(a => a.remove());
                  return c.textContent.replace(/\\s+/g, ' ').trim(); })""")


def _heading_of(title_key: str, by_key: dict[str, str]) -> str | None:
    if title_key in by_key:
        return by_key[title_key]
    best = None
    for k, heading in by_key.items():
        if not k or len(k) >= len(title_key) or (best and len(k) <= len(best[0])):
            continue
        at = title_key.find(k)
        if at >= 0 and k.startswith(title_key[:at]) and k.endswith(title_key[at + len(k):]):
            best = (k, heading)
    return best[1] if best else None


def repair_outline(pdf: Path, headings: list[str]) -> int:
    """Give each bookmark the text of its heading; returns how many were repaired.

    Chromium builds the outline from the laid-out headings: a heading that wraps loses the
    space at the break ("forfibromyalgia"), and one moved to the next page by
    ``break-after: avoid`` is read twice, whole or a line of it ("ExercisesExercises"). A
    bookmark is matched to the heading with the same letters, ignoring white space, or to
    the longest heading it holds with only a repeated part of that heading beside it.
    """
    import pypdf
    from pypdf.generic import NameObject, TextStringObject

    def key(text: str) -> str:
        return "".join(text.split())

    by_key = {key(h): h for h in headings}
    writer = pypdf.PdfWriter(clone_from=pdf)
    repaired = 0
    stack = [writer.root_object["/Outlines"].get("/First")] if "/Outlines" in \
        writer.root_object else []
    while stack:
        ref = stack.pop()
        if ref is None:
            continue
        item = ref.get_object()
        title = str(item.get("/Title", ""))
        fixed = _heading_of(key(title), by_key)
        if fixed and fixed != title:
            item[NameObject("/Title")] = TextStringObject(fixed)
            repaired += 1
        stack += [item.get("/Next"), item.get("/First")]
    writer.write(pdf)
    return repaired


def print_pdf(site: Path, out: Path, with_solutions: bool, with_code: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    if not chromium_available():
        raise SystemExit(f"{CHROMIUM} not found: {INSTALL_HINT}")
    with serve(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(color_scheme="light")
        page.goto(f"{base}/single.html", wait_until="load")
        page.wait_for_load_state("networkidle")
        draw_all_charts(page, timeout_ms=30_000)  # otherwise drawn as they come on screen
        page.evaluate(PREPARE, [with_solutions, with_code, front_matter()])
        headings = heading_titles(page)
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
    repair_outline(out, headings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-solutions", action="store_true", help="leave solutions out")
    parser.add_argument("--with-code", action="store_true",
                        help="print the analyses' code in the appendix")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / "book.pdf")
    args = parser.parse_args(argv)
    site = build_single_page()
    print_pdf(site, args.out.resolve(), with_solutions=not args.no_solutions,
              with_code=args.with_code)
    html = ROOT / "_build" / "html"
    if html.is_dir():  # offer the PDF from the site too
        shutil.copy2(args.out, html / args.out.name)
    print(f"Wrote {args.out.resolve().relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
