"""The book's one table renderer (evidence/tables.py): accessible, escaped, deterministic.

The markup is read back with an HTML parser, so the tests check what a browser would build
(elements, attributes, text), not the spelling of the renderer's strings.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pandas as pd
import pytest
from support import ROOT

from evidence.tables import WIDTHS, table

CSS = ROOT / "_static" / "evidence-tables.css"


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def iter(self, tag: str | None = None):
        for child in self.children:
            if isinstance(child, Node):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else ("\n" if c.tag == "br" else c.text)
                       for c in self.children)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())


class Tree(HTMLParser):
    VOID = {"br", "img", "wbr", "input"}

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.root = self.node = Node("#root", {}, None)
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.node)
        self.node.children.append(node)
        if tag not in self.VOID:
            self.node = node

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        assert self.node.tag == tag, f"</{tag}> closes <{self.node.tag}>: malformed HTML"
        self.node = self.node.parent

    def handle_data(self, data):
        self.node.children.append(data)


def parse(t) -> Node:
    markup = t._repr_html_()
    return Tree(markup).root


def body_rows(root: Node) -> list[list[Node]]:
    """The data rows (not row-group headings) of every tbody, as lists of cells."""
    rows = []
    for tbody in root.iter("tbody"):
        for tr in tbody.iter("tr"):
            cells = [c for c in tr.children if isinstance(c, Node)]
            if not (len(cells) == 1 and cells[0].attrs.get("scope") == "rowgroup"):
                rows.append(cells)
    return rows


def headings(root: Node) -> list[Node]:
    return list(next(root.iter("thead")).iter("th"))


FRAME = pd.DataFrame({
    "Drug": ["gabapentin", "gabapentin", "pregabalin"],
    "Outcome": ["pain", "dizziness", "pain"],
    "RR": [1.65, 2.5, 1.1],
    "Trials": [1, 1, 7],
})


# ---- escaping and trusted HTML ----------------------------------------------------------------

def test_cells_headings_and_caption_are_escaped():
    evil = "<script>alert('x')</script> & <b>bold</b>"
    frame = pd.DataFrame({evil: [evil]})
    markup = table(frame, evil)._repr_html_()
    assert "<script" not in markup and "<b>" not in markup
    root = Tree(markup).root
    assert not list(root.iter("script")) and not list(root.iter("b"))
    assert headings(root)[0].text == evil
    assert body_rows(root)[0][0].text == evil
    assert next(root.iter("caption")).text == evil
    assert next(root.iter("div")).attrs["aria-label"] == evil


def test_trusted_html_columns_are_kept_and_only_those():
    link = "<a href='references.html#cite-x'>x</a>"
    frame = pd.DataFrame({"trusted": [link], "plain": [link]})
    root = parse(table(frame, "c", html=["trusted"]))
    trusted, plain = body_rows(root)[0]
    [a] = list(trusted.iter("a"))
    assert a.attrs["href"] == "references.html#cite-x" and a.text == "x"
    assert not list(plain.iter("a")) and plain.text == link


def test_a_line_break_in_a_cell_is_a_line_break():
    root = parse(table(pd.DataFrame({"a": ["one\ntwo"]}), "c"))
    cell = body_rows(root)[0][0]
    assert len(list(cell.iter("br"))) == 1 and cell.text == "one\ntwo"


# ---- structure --------------------------------------------------------------------------------

def test_no_index_column_and_col_headings():
    frame = FRAME.set_axis([10, 20, 30])  # row labels that must not show
    root = parse(table(frame, "c"))
    heads = headings(root)
    assert [th.text for th in heads] == list(FRAME.columns)
    assert all(th.attrs.get("scope") == "col" for th in heads)
    rows = body_rows(root)
    pandas_rows = body_rows(Tree(FRAME.to_html(index=False)).root)
    assert [[c.text for c in r] for r in rows] == [[c.text for c in r] for r in pandas_rows]
    assert all(c.tag == "td" for r in rows for c in r)
    texts = {c.text for r in rows for c in r}
    assert not texts & {"10", "20", "30"}


def test_an_index_that_carries_information_is_refused():
    with pytest.raises(ValueError, match="reset_index"):
        table(FRAME.set_index("Drug"), "c")
    with pytest.raises(ValueError, match="reset_index"):
        table(FRAME.set_index(["Drug", "Outcome"]), "c")
    root = parse(table(FRAME.set_index("Drug").reset_index(), "c"))
    assert headings(root)[0].text == "Drug"


def test_row_groups_head_their_rows_in_one_tbody_each():
    root = parse(table(FRAME, "c", group="Drug"))
    heads = headings(root)
    assert [th.text for th in heads] == ["Outcome", "RR", "Trials"]  # the group is no column
    tbodies = list(root.iter("tbody"))
    assert len(tbodies) == FRAME["Drug"].nunique()
    for tbody, (drug, rows) in zip(tbodies, FRAME.groupby("Drug", sort=False), strict=True):
        trs = list(tbody.iter("tr"))
        head = [c for c in trs[0].children if isinstance(c, Node)]
        assert len(head) == 1 and head[0].tag == "th"
        assert head[0].attrs["scope"] == "rowgroup"
        assert head[0].attrs["colspan"] == str(len(heads))
        assert head[0].text == drug
        shown = [[c.text for c in tr.children if isinstance(c, Node)] for tr in trs[1:]]
        assert [r[0] for r in shown] == list(rows["Outcome"])


def test_caption_visible_or_hidden_and_names_the_region():
    root = parse(table(FRAME, "Each drug", caption_visible=True))
    caption = next(root.iter("caption"))
    assert caption.text == "Each drug" and "evidence-vh" not in caption.classes
    wrap = next(root.iter("div"))
    assert "evidence-table-wrap" in wrap.classes
    assert wrap.attrs["role"] == "region" and wrap.attrs["tabindex"] == "0"
    assert wrap.attrs["aria-label"] == "Each drug"
    hidden = next(parse(table(FRAME, "Each drug")).iter("caption"))  # hidden by default
    assert hidden.text == "Each drug" and "evidence-vh" in hidden.classes
    css = CSS.read_text(encoding="utf-8")
    rule = re.search(r"\.evidence-vh \{([^}]*)\}", css)
    assert rule and "position: absolute" in rule[1] and "clip" in rule[1]
    with pytest.raises(ValueError, match="caption"):
        table(FRAME, " ")


def test_numeric_columns_are_right_aligned_in_tabular_figures():
    frame = FRAME.assign(Flag=[True, False, True], Text=["1.2 (0.9 to 1.5)", "x", "y"])
    root = parse(table(frame, "c", numeric=["Text"]))
    names = [th.text for th in headings(root)]
    numeric = {"RR", "Trials", "Text"}
    for th in headings(root):
        assert ("num" in th.classes) == (th.text in numeric), th.text
    for row in body_rows(root):
        for name, cell in zip(names, row, strict=True):
            assert ("num" in cell.classes) == (name in numeric), name
    css = CSS.read_text(encoding="utf-8")
    rule = re.search(r"table\.evidence-table \.num \{([^}]*)\}", css)
    assert rule and "text-align: right" in rule[1] and "tabular-nums" in rule[1]


def test_numbers_read_as_pandas_prints_them_and_missing_values_are_blank():
    frame = pd.DataFrame({"x": [0.5, 1.25, None], "n": [1, 2, 3], "o": ["a", 2.5, None]})
    expected = Tree(frame.to_html(index=False)).root
    want = [[c.text for c in r] for r in body_rows(expected)]
    got = [[c.text for c in r] for r in body_rows(parse(table(frame, "c")))]
    blank = {"NaN", "None"}
    assert got == [["" if t in blank else t for t in r] for r in want]


def test_row_headings_and_a_footer():
    foot = pd.DataFrame([{"Drug": "all", "Outcome": "", "RR": None, "Trials": 9}])
    root = parse(table(FRAME, "c", row_header="Drug", foot=foot))
    for row in body_rows(root):
        assert row[0].tag == "th" and row[0].attrs["scope"] == "row"
        assert all(c.tag == "td" for c in row[1:])
    tfoot = next(root.iter("tfoot"))
    cells = [c for c in next(tfoot.iter("tr")).children if isinstance(c, Node)]
    assert cells[0].tag == "th" and cells[0].text == "all" and cells[-1].text == "9"
    with pytest.raises(ValueError, match="foot"):
        table(FRAME, "c", foot=foot[["Drug"]])


def test_widths_are_classes_from_a_fixed_scale_defined_in_the_css():
    root = parse(table(FRAME, "c", widths={"Outcome": "wide"}))
    classes = {th.text: th.classes for th in headings(root)}
    assert "evidence-w-wide" in classes["Outcome"]
    assert not any(c.startswith("evidence-w-") for c in classes["Drug"])
    css = CSS.read_text(encoding="utf-8")
    for name in WIDTHS:
        assert re.search(rf"\.evidence-w-{name} \{{ min-width: [\d.]+em; \}}", css), name
    with pytest.raises(ValueError, match="widths"):
        table(FRAME, "c", widths={"Outcome": "13em"})
    with pytest.raises(ValueError, match="no column"):
        table(FRAME, "c", widths={"Nope": "wide"})


def test_no_inline_style_anywhere():
    t = table(FRAME, "c", group="Drug", widths={"Outcome": "narrow"}, caption_visible=False)
    markup = t._repr_html_()
    root = Tree(markup).root
    assert all("style" not in n.attrs for n in root.iter())
    assert not list(root.iter("style"))


# ---- the sortable table ------------------------------------------------------------------------

def test_sortable_table_keeps_the_script_contract():
    frame = FRAME.assign(rank=[2, 0, 1], anchor=["r-a", "r-b", "r-c"])
    root = parse(table(frame, "c", sortable=True, table_id="ledger", row_noun="rows",
                       sort_keys={"Outcome": "rank"}, row_id="anchor", tall=True))
    tab = next(root.iter("table"))
    assert {"evidence-table", "evidence-sortable"} <= tab.classes
    assert tab.attrs["id"] == "ledger" and tab.attrs["data-row-noun"] == "rows"
    assert [th.text for th in headings(root)] == list(FRAME.columns)  # keys not shown
    assert len(list(root.iter("tbody"))) == 1 and next(root.iter("thead"))
    rows = body_rows(root)
    assert [r[1].attrs["data-sort-value"] for r in rows] == ["2", "0", "1"]
    assert [tr.attrs["id"] for tr in next(root.iter("tbody")).iter("tr")] == ["r-a", "r-b", "r-c"]
    assert "evidence-table-wrap--tall" in next(root.iter("div")).classes
    with pytest.raises(ValueError, match="sortable"):
        table(FRAME, "c", sortable=True, group="Drug")


def test_the_script_finds_the_wrapper_the_renderer_writes():
    js = (ROOT / "_static" / "evidence-tables.js").read_text(encoding="utf-8")
    assert 'closest(".evidence-table-wrap")' in js
    assert "data-sort-value" in js and "data-row-noun" in js


# ---- determinism and text ----------------------------------------------------------------------

def test_output_is_deterministic_within_and_across_processes():
    make = lambda: table(FRAME.copy(), "c", group="Drug", html=["Outcome"],  # noqa: E731
                         nowrap=["RR"], numeric=["Outcome"])
    assert make()._repr_html_() == make()._repr_html_()
    code = ("import pandas as pd; from evidence.tables import table; "
            "f = pd.DataFrame({'a': ['x', 'y'], 'b': [0.5, 1.0], 'c': ['<i>', 'z']}); "
            "print(table(f, 'c', html=['c', 'a'], nowrap=['a', 'b'], numeric=['c'])"
            "._repr_html_())")
    outs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outs) == 1


def test_plain_text_view_has_the_caption_and_every_cell_without_tags():
    frame = FRAME.assign(Link=["<a href='x'>first</a>", "two\nlines", "3"])
    t = table(frame, "The caption", html=["Link"], group="Drug")
    text = repr(t)
    assert text.splitlines()[0] == "The caption"
    assert "<" not in text and "first" in text and "two lines" in text
    for value in FRAME.astype(str).to_numpy().ravel():
        assert value in text
    assert text.splitlines()[1].split()[0] == "Drug"  # no index column before the first


def test_this_is_the_only_code_that_writes_table_markup():
    """No other engine module, tool, educator script or notebook writes <table>, <tr>, <th>
    or <td> tags or defines an ``_repr_html_``; notebooks define no class at all."""
    import nbformat

    tags = re.compile(r"<t(?:able|r|h|d)\b|def _repr_html_")
    offenders = [
        p.relative_to(ROOT).as_posix()
        for folder in ("evidence", "tools", "educator")
        for p in sorted((ROOT / folder).rglob("*.py"))
        if p.name != "tables.py" and tags.search(p.read_text(encoding="utf-8"))
    ]
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "code" and (
                tags.search(cell.source) or re.search(r"^\s*class\s", cell.source, re.M)
            ):
                offenders.append(f"{path.name} cell {i}")
    assert not offenders, f"render tables with evidence.tables.table: {offenders}"
