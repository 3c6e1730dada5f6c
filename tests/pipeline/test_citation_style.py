"""The book's citation style (tools/citation_style.py): one author-year label per source, never
the same for two, and the same in the running text as in the reference list."""

from __future__ import annotations

import re
from html import unescape

import pytest
from pybtex.database import Entry, Person

from tools import citation_style as cs


def entry(key: str, authors: list[str], year: str | None = None, title: str = "A title",
          role: str = "author") -> Entry:
    fields = {"title": title, **({"year": year} if year else {})}
    e = Entry("article", fields=fields, persons={role: [Person(a) for a in authors]})
    e.key = key
    return e


def test_labels_name_one_two_or_the_first_of_many_authors():
    labels = cs.author_year_labels([
        entry("a", ["Derry, Sheena"], "2016"),
        entry("b", ["Moore, R. Andrew", "Wiffen, Philip"], "2009"),
        entry("c", ["Arnold, Lesley", "Goldenberg, Don", "Stanford, Susan"], "2007"),
        entry("d", ["Macfarlane, Gary", "others"], "2017"),
        entry("e", ["van Tulder, Maurits"], "2003"),
        entry("f", ["{World Health Organization}"], "2020"),
    ])
    assert labels == ["Derry, 2016", "Moore and Wiffen, 2009", "Arnold et al., 2007",
                      "Macfarlane et al., 2017", "van Tulder, 2003",
                      "World Health Organization, 2020"]


def test_sources_that_would_print_alike_get_letters_in_list_order():
    labels = cs.author_year_labels([
        entry("a", ["{Duodecim}"], title="Pregabalin"),
        entry("b", ["{Duodecim}"], title="Duloxetine"),
        entry("c", ["Arnold, L", "Crofford, L", "Martin, S"], "2008"),
        entry("d", ["Arnold, L", "Russell, I", "Duan, W"], "2008"),
        entry("e", ["{Duodecim}"], "2019"),
    ])
    assert labels == ["Duodecim, n.d.-a", "Duodecim, n.d.-b", "Arnold et al., 2008a",
                      "Arnold et al., 2008b", "Duodecim, 2019"]


def test_an_entry_without_author_is_cited_by_editor_then_title():
    assert cs.author_year_labels([
        entry("a", ["Smith, J"], "2001", role="editor"),
        Entry("misc", fields={"title": "{Lyrica} label", "year": "2020"}),
    ]) == ["Smith, 2001", "Lyrica label, 2020"]


@pytest.mark.site
def test_the_built_book_cites_each_source_by_its_reference_list_label(site_dir):
    refs = (site_dir / "book" / "references.html").read_text(encoding="utf-8")
    labels = {key: unescape(re.sub(r"<[^>]+>", "", label)) for key, label in re.findall(
        r'<div class="citation" id="(cite-[^"]+)"[^>]*>\s*<span class="label">'
        r'<span class="fn-bracket">\[</span>(.*?)<span class="fn-bracket">\]</span></span>',
        refs, flags=re.S)}
    assert len(labels) > 150
    printed = list(labels.values())
    alike = sorted({x for x in printed if printed.count(x) > 1})
    assert not alike, f"sources that print alike in the reference list: {alike}"
    assert not [x for x in printed if re.fullmatch(r"\d+", x)], "numbered reference list"
    # Every citation in a chapter prints the label of the entry it links to.
    wrong = []
    for page in sorted((site_dir / "book").glob("0*.html")):
        text = page.read_text(encoding="utf-8")
        for key, shown in re.findall(
                r'<a class="reference internal" href="references.html#(cite-[^"]+)"[^>]*>(.*?)</a>',
                text, flags=re.S):
            if unescape(re.sub(r"<[^>]+>", "", shown)) != labels[key]:
                wrong.append((page.name, key, shown))
    assert not wrong, wrong[:5]
