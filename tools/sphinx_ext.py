"""Sphinx extension of the book.

1. Chapters paste numbers from notebooks (``{glue:text}`../notebooks/x.ipynb::key:.2f```).
   Sphinx only re-writes a page whose own source changed, so after a notebook is
   re-executed a chapter would keep its old numbers. On ``source-read`` this
   extension records each notebook a page pastes from as a dependency of that
   page; Sphinx then re-reads the page whenever the notebook changes.

2. myst-nb's ``glue:figure`` cannot paste from another document. The ``chart``
   directive can: it builds a numbered, captioned figure around a pending glue
   reference to a chart glued in a notebook::

       ```{chart} ../notebooks/x.ipynb::key
       :name: fig-label

       Caption: what the reader should see.
       ```

3. docutils marks each bibliography entry with the DPUB role ``doc-biblioentry``
   inside a ``role="list"`` container: the role is deprecated and a list must hold
   list items, so screen readers get a broken list (axe: aria-deprecated-role,
   aria-required-children). Each entry is written as a ``listitem`` instead.

4. Each chapter says under its title which version it last changed in, and ends with its
   own changes, from the notes ``tools/changes_page.py`` writes before the build (a
   dependency of every chapter, so a new ledger or a moved number re-reads them).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from myst_nb.ext.glue.utils import create_pending_glue_ref
from sphinx.util.docutils import SphinxDirective

GLUE_REF = re.compile(r"([\w./-]+\.ipynb)::")


def note_glue_dependencies(app, docname: str, source: list[str]) -> None:
    page_dir = Path(app.env.doc2path(docname)).parent
    for ref in sorted(set(GLUE_REF.findall(source[0]))):
        target = (page_dir / ref).resolve()
        if target.is_file():
            app.env.note_dependency(str(target))


class ChartDirective(SphinxDirective):
    """A captioned figure holding a chart glued in another document (a notebook)."""

    required_arguments = 1
    has_content = True
    option_spec = {"name": directives.unchanged, "class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        target = self.arguments[0]
        if "::" not in target:
            raise self.error(f"chart: expected `path/to/notebook.ipynb::key`, got {target!r}")
        doc, key = target.split("::", 1)
        source, line = self.get_source_info()
        ref = create_pending_glue_ref(self.state.document, source, line, doc, key)
        figure = nodes.figure(classes=["evidence-figure", *self.options.get("class", [])])
        figure += ref
        if not self.content:
            raise self.error("chart: write a caption that says what the reader should see")
        parsed = nodes.Element()
        self.state.nested_parse(self.content, self.content_offset, parsed)
        first = parsed[0]
        if isinstance(first, nodes.paragraph):
            caption = nodes.caption(first.rawsource, "", *first.children)
            caption.source, caption.line = first.source, first.line
            figure += caption
            rest = parsed[1:]
        else:
            rest = parsed[:]
        if rest:
            figure += nodes.legend("", *rest)
        self.add_name(figure)
        return [figure]


def fix_bibliography_roles(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def mathjax_only_on_pages_with_maths(app, pagename, templatename, context, doctree) -> None:
    """Sphinx loads MathJax on a page whose toctree merely *includes* a page with
    maths, so the root page (whose toctree includes every chapter) carried 2 MB of
    MathJax for one formula in chapter 5. Keep it only where the page itself has
    maths."""
    if app.env.get_domain("math").data["has_equations"].get(pagename, False):
        return
    scripts = context.get("script_files")
    if not scripts:
        return
    mathjax_path = app.config.mathjax_path

    def is_mathjax(js) -> bool:
        body = getattr(js, "attributes", {}).get("body", "")
        filename = str(getattr(js, "filename", js) or "")
        # Jupyter Book prefixes the configured path with _static/.
        return filename.endswith(mathjax_path) or body.startswith("window.MathJax")

    scripts[:] = [js for js in scripts if not is_mathjax(js)]


def singlehtml_inherits_html_visitors(app) -> None:
    """Sphinx looks up node visitors by builder name and falls back to the format only
    when *no* extension registered any for that name. sphinx-exercise registers three for
    ``singlehtml``, so every node other extensions registered for ``html`` only (sphinx-
    design's dropdowns, for one) had no visitor there and ``make pdf`` failed. Give the
    single-page builder every HTML visitor it lacks."""
    handlers = app.registry.translation_handlers
    if "singlehtml" in handlers:
        for name, pair in handlers.get("html", {}).items():
            handlers["singlehtml"].setdefault(name, pair)


def numbers_keep_their_units(app, doctree, docname) -> None:
    """A number and its unit ("30 %", "600 mg") never break across lines in the chapters'
    text: the space between them becomes a no-break space (code and maths are left alone),
    also where the number is pasted from a notebook and the unit follows in the next text."""
    from docutils import nodes

    from evidence.formatting import keep_with_number

    skip = (nodes.literal, nodes.literal_block, nodes.math, nodes.math_block, nodes.raw)
    last = ""  # the character before this text node: a pasted number ends its own node
    for text in list(doctree.findall(nodes.Text)):
        s = str(text)
        if any(isinstance(a, skip) for a in _ancestors(text)):
            last = s[-1:] or last
            continue
        new = keep_with_number(last + s)[len(last):]
        last = s[-1:] or last
        if new != s:
            text.parent.replace(text, nodes.Text(new))


def _ancestors(node):
    while node.parent is not None:
        node = node.parent
        yield node


def version_in_footer(app, config) -> None:
    """The version and release date from CITATION.cff, for the footer (book-version.html)."""
    from tools import release

    config.html_context = {**config.html_context, "book_version_line": release.version_line()}


def chapter_version_notes(app, docname: str, source: list[str]) -> None:
    """Each chapter says which version it last changed in, under its title, and ends with
    its own changes (written by ``tools/changes_page.py`` before the build)."""
    from tools import changes_page

    notes_file = Path(app.srcdir) / changes_page.NOTES
    if not notes_file.is_file():
        return
    app.env.note_dependency(str(notes_file))
    note = json.loads(notes_file.read_text(encoding="utf-8")).get(docname + ".md")
    if not note:
        return
    top, section = changes_page.chapter_note(note)
    if not top:
        return
    text = source[0]
    title = re.search(r"^# .+$", text, re.MULTILINE)
    if title:
        at = title.end()
        text = (text[:at] + "\n\n```{rst-class} evidence-version-line\n```\n" + top + "\n"
                + text[at:])
    source[0] = text.rstrip() + "\n" + section


def setup(app):
    from tools import citation_style

    citation_style.register()
    app.connect("config-inited", version_in_footer)
    app.connect("doctree-resolved", numbers_keep_their_units)
    app.connect("builder-inited", singlehtml_inherits_html_visitors)
    app.connect("html-page-context", fix_bibliography_roles)
    # After sphinx.ext.mathjax's own listener (priority 500) has added its scripts.
    app.connect("html-page-context", mathjax_only_on_pages_with_maths, priority=900)
    app.connect("source-read", note_glue_dependencies)
    app.connect("source-read", chapter_version_notes)
    app.add_directive("chart", ChartDirective)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
