"""The book's Sphinx extension (tools/sphinx_ext.py): the listeners that keep MathJax
to pages with maths and give the single-page builder every HTML visitor."""

from __future__ import annotations

from types import SimpleNamespace

from sphinx.builders.html._assets import _JavaScript

from tools import sphinx_ext as ext


def _app(has_equations: dict[str, bool]):
    domain = SimpleNamespace(data={"has_equations": has_equations})
    return SimpleNamespace(
        env=SimpleNamespace(get_domain=lambda name: domain),
        config=SimpleNamespace(mathjax_path="mathjax/tex-chtml.js"),
    )


def _scripts():
    return [
        _JavaScript("_static/doctools.js"),
        _JavaScript("", body='window.MathJax = {"options": {}}'),
        _JavaScript("_static/mathjax/tex-chtml.js", defer="defer"),
        _JavaScript("_static/evidence-charts.js"),
    ]


def test_mathjax_is_dropped_from_a_page_without_maths():
    app = _app({"book/intro": False, "book/05": True})
    context = {"script_files": _scripts()}
    ext.mathjax_only_on_pages_with_maths(app, "book/intro", "page.html", context, None)
    assert [js.filename for js in context["script_files"]] == [
        "_static/doctools.js",
        "_static/evidence-charts.js",
    ]


def test_mathjax_is_kept_on_a_page_with_maths():
    app = _app({"book/intro": False, "book/05": True})
    context = {"script_files": _scripts()}
    ext.mathjax_only_on_pages_with_maths(app, "book/05", "page.html", context, None)
    assert len(context["script_files"]) == 4


def test_singlehtml_gets_the_html_visitors_it_lacks():
    def visit(*_):
        pass

    handlers = {
        "html": {"dropdown_main": (visit, None), "exercise_node": (visit, None)},
        "singlehtml": {"exercise_node": ("own", None)},
    }
    app = SimpleNamespace(registry=SimpleNamespace(translation_handlers=handlers))
    ext.singlehtml_inherits_html_visitors(app)
    assert handlers["singlehtml"]["dropdown_main"] == (visit, None)
    assert handlers["singlehtml"]["exercise_node"] == ("own", None)  # its own one wins


def test_a_pasted_number_keeps_the_unit_that_follows_it_in_the_next_text():
    from docutils import nodes

    para = nodes.paragraph()
    para += nodes.Text("about ")
    para += nodes.inline("", "51", classes=["pasted-text"])
    para += nodes.Text(" % of them, 600 mg a day")
    para += nodes.literal("", "3 mg")
    para += nodes.Text(" weeks later")
    doc = nodes.document(None, None)
    doc += para
    ext.numbers_keep_their_units(None, doc, "x")
    texts = [str(t) for t in doc.findall(nodes.Text)]
    assert texts == ["about ", "51", "\u00a0% of them, 600\u00a0mg a day", "3 mg",
                     " weeks later"]
