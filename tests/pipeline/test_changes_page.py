"""The What changed page (tools/changes_page.py): how a moved number is quoted."""

from __future__ import annotations

from tools import changes_page

NB = "../notebooks/03_a.ipynb"
PAGE = f"""# A chapter

Intro line one
that goes on.

The trial had {{glue:text}}`{NB}::n_t:d` people {{cite:p}}`smith2020`. Of them,
{{glue:text}}`{NB}::pct:.1f` % responded on the drug, against
{{glue:text}}`{NB}::pct_c:.1f` % on {{term}}`placebo <Placebo>`. The ratio was
{{glue:text}}`{NB}::rr:.2f`. See the **forest plot**.

| outcome | RR |
|---|---|
| pain | {{glue:text}}`{NB}::rr:.2f` |
"""
VALUES = {"n_t": {"value": 75}, "pct": {"value": 52.0}, "pct_c": {"value": 30.7},
          "rr": {"value": 1.7}}


def test_the_quote_is_the_sentence_with_the_moved_number_marked_and_its_unit_kept():
    text = changes_page.sentence(PAGE, 7, {"pct": ("52.0", "50.7")}, VALUES)
    assert text == ('Of them, <span class="evidence-new" data-key="pct">52.0 %</span> (was '
                    '<span class="evidence-old">50.7 %</span>) responded on the drug, against '
                    "30.7 % on placebo.")


def test_sentences_between_two_moved_numbers_are_elided_and_citations_dropped():
    text = changes_page.sentence(PAGE, 6, {"n_t": ("76", "75"), "rr": ("1.72", "1.70")},
                                 VALUES)
    assert text.startswith("The trial had <span")
    assert "smith2020" not in text and "people." in text
    assert " … The ratio was" in text and "responded" not in text


def test_a_table_row_is_quoted_as_its_cells():
    line = PAGE.splitlines().index(f"| pain | {{glue:text}}`{NB}::rr:.2f` |") + 1
    text = changes_page.sentence(PAGE, line, {"rr": ("1.72", "1.70")}, VALUES)
    assert text.startswith("pain · <span")


def test_the_block_around_a_line_is_its_paragraph():
    start, block = changes_page.block_of(PAGE, 8)
    assert start == 5 and block.startswith("The trial had") and "forest plot" in block
