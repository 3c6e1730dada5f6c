"""Every topic chapter (book/0[1-6]_*.md) meets the chapter standard (CHAPTERS.md).

Checked for each chapter: learning objectives (3–5), a key-points box, 3–6 exercises made
with sphinx-exercise, each with a hideable solution, a "Last reviewed" date, the
not-medical-advice note, and, for the chapters that weigh evidence (03–06), a summary-of-
findings table. And: **no typed numbers** in the prose. Every figure from data or analysis is
pasted with ``glue``; the prose may type only what is on this short allow-list:

* years, 1900–2099 ("ACR 2016", "Last reviewed: November 2026");
* section and chapter numbers after "section", "chapter" or "§" ("label section 12.3");
* scale names of the form 0–N ("a 0–10 scale", "each scored 0–3");
* the conventional thresholds "30 %" and "50 %" (responder outcomes) and "95 %" (intervals).

Before scanning, these are removed, so numbers inside them never count: code blocks and
code-like directives (code-cell, math, glue, raw ...), every directive's argument line and
option lines (``:name: fig-3``, ``:label: ex-1``), the whole of every inline role
(``{glue:text}`...`,`` ``{cite:p}`...```, ``{term}`...```), inline code, dollar math, link
targets, HTML tags and comments, target labels, and ordered-list markers. A finding names the
file, the line and the number.

Chapters still being written are listed in OUTLINES and reported as xfail("outline"); take a
chapter out of the set and every check applies to it. KNOWN_GAPS lists checks a finished
chapter does not meet yet, as strict xfails: once the chapter is fixed the xfail turns into
a failure, reminding whoever fixed it to delete the entry.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import BOOK, ROOT
from support.prose import FENCE_OPEN, OPTION_LINE, typed_numbers

TOPIC_CHAPTERS = sorted(BOOK.glob("0[1-6]_*.md"))
OUTLINES: set[str] = set()
WEIGHS_EVIDENCE = {"03", "04", "05", "06"}
KNOWN_GAPS: dict[tuple[str, str], str] = {}

# ---- the structural checks ---------------------------------------------------------------

def _blocks(text: str, title: str) -> list[str]:
    """The bodies of admonition-like directives whose argument contains ``title``."""
    bodies = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = FENCE_OPEN.match(line)
        if m and m["name"] and title.lower() in m["arg"].lower():
            fence = m["fence"]
            body = []
            for nxt in lines[i + 1:]:
                if nxt.strip() == fence:
                    break
                body.append(nxt)
            bodies.append("\n".join(body))
    return bodies


def _items(block: str) -> int:
    return len(re.findall(r"(?m)^\s*(?:[-*+]|\d+[.)])\s+\S", block))


def problems_learning_objectives(text: str) -> list[str]:
    blocks = _blocks(text, "learning objectives")
    if not blocks:
        return ["no 'Learning objectives' admonition"]
    n = _items(blocks[0])
    return [] if 3 <= n <= 5 else [f"{n} learning objectives (the standard asks for 3-5)"]


def problems_key_points(text: str) -> list[str]:
    blocks = _blocks(text, "key points")
    if not blocks or _items(blocks[0]) == 0:
        return ["no 'Key points' admonition with a list"]
    return []


def problems_exercises(text: str) -> list[str]:
    lines = text.split("\n")
    labels, solutions, hidden = [], set(), set()
    for i, line in enumerate(lines):
        m = FENCE_OPEN.match(line)
        if not (m and m["name"] in {"exercise", "solution"}):
            continue
        opts = []
        for nxt in lines[i + 1:]:
            if not OPTION_LINE.match(nxt):
                break
            opts.append(nxt.strip())
        if m["name"] == "exercise":
            label = next((o.split(":", 2)[2].strip() for o in opts if o.startswith(":label:")),
                         None)
            labels.append(label)
        else:
            target = m["arg"].strip()
            solutions.add(target)
            if any(o.startswith(":class:") and "dropdown" in o for o in opts):
                hidden.add(target)
    problems = []
    if not 3 <= len(labels) <= 6:
        problems.append(f"{len(labels)} sphinx-exercise exercises (the standard asks for 3-6)")
    for label in labels:
        if label is None:
            problems.append("an exercise has no :label:")
        elif label not in solutions:
            problems.append(f"exercise {label!r} has no solution")
        elif label not in hidden:
            problems.append(f"the solution of {label!r} is not hideable (:class: dropdown)")
    return problems


def problems_summary_of_findings(text: str) -> list[str]:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        heading = re.match(r"^(#+)\s+.*summary of findings", line, re.I)
        directive = FENCE_OPEN.match(line)
        if not heading and not (directive and directive["name"]
                                and "summary of findings" in directive["arg"].lower()):
            continue
        level = len(heading.group(1)) if heading else 7
        section = []
        for nxt in lines[i + 1:]:
            h = re.match(r"^(#+)\s", nxt)
            if h and len(h.group(1)) <= level:
                break
            section.append(nxt)
        body = "\n".join(section)
        has_table = (
            re.search(r"(?m)^\s*\|.*\|\s*$\n^\s*\|?\s*:?-{3,}", body)
            or re.search(r"\{(?:list-table|table|csv-table|glue|glue:any)\}", body)
        )
        if has_table:
            return []
        return ["a 'Summary of findings' section without a table"]
    return ["no summary-of-findings table (a section or table titled 'Summary of findings')"]


def problems_last_reviewed(text: str) -> list[str]:
    return [] if re.search(r"Last reviewed:?\s*\w+ (?:19|20)\d\d", text) else [
        "no 'Last reviewed: <month> <year>' line"]


def problems_not_medical_advice(text: str) -> list[str]:
    return [] if _blocks(text, "not medical advice") else [
        "no 'not medical advice' admonition"]


CHECKS = {
    "learning_objectives": problems_learning_objectives,
    "key_points": problems_key_points,
    "exercises": problems_exercises,
    "summary_of_findings": problems_summary_of_findings,
    "last_reviewed": problems_last_reviewed,
    "not_medical_advice": problems_not_medical_advice,
}


def _prefix(path: Path) -> str:
    return path.name[:2]


def _cases():
    for path in TOPIC_CHAPTERS:
        for check in CHECKS:
            if check == "summary_of_findings" and _prefix(path) not in WEIGHS_EVIDENCE:
                continue
            marks = []
            gap = KNOWN_GAPS.get((_prefix(path), check))
            if gap:
                marks.append(pytest.mark.xfail(strict=True, reason=gap))
            yield pytest.param(path, check, marks=marks, id=f"{path.stem}-{check}")


def _skip_outline(path: Path) -> None:
    if _prefix(path) in OUTLINES:
        pytest.xfail("outline")


def test_the_topic_chapters_are_found():
    assert [_prefix(p) for p in TOPIC_CHAPTERS] == ["01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize(("path", "check"), list(_cases()))
def test_chapter_structure(path, check):
    _skip_outline(path)
    problems = CHECKS[check](path.read_text(encoding="utf-8"))
    assert not problems, f"{path.relative_to(ROOT)}: " + "; ".join(problems)


@pytest.mark.parametrize("path", TOPIC_CHAPTERS, ids=lambda p: p.stem)
def test_chapter_prose_types_no_numbers(path):
    _skip_outline(path)
    found = typed_numbers(path)
    assert not found, "\n".join(map(str, found))


# ---- the checker itself ------------------------------------------------------------------

SAMPLE = """\
# A test chapter

Glued {glue:text}`../notebooks/x.ipynb::k_1:.2f` and cited {cite:p}`wolfe2010`.
In 2016 the rules changed (section 2.3); a 0–10 scale; 30 % less pain; 95 % CI.
The trial enrolled 150 people.

```{chart} ../notebooks/x.ipynb::chart_2
:name: fig-3

A caption that types 42 by mistake.
```

```python
x = 17
```

1. an ordered item with `code 99` and $x^2$ and [a link](https://example.org/7).
Pain fell by 1.5 points.
"""


def test_a_typed_number_is_caught_with_file_line_and_number(tmp_path):
    chapter = tmp_path / "09_sample.md"
    chapter.write_text(SAMPLE, encoding="utf-8")
    found = [(f.path, f.line, f.number) for f in typed_numbers(chapter)]
    assert found == [(chapter, 5, "150"), (chapter, 10, "42"), (chapter, 18, "1.5")]
    message = str(typed_numbers(chapter)[0])
    assert f"{chapter}:5:" in message and "'150'" in message


def test_allowed_and_pasted_numbers_pass(tmp_path):
    chapter = tmp_path / "09_clean.md"
    chapter.write_text(
        "# Clean\n\nACR 1990, 2010 and 2016; see chapter 3 and § 4.1; each item 0–3.\n"
        "At least 50 % pain relief: {glue:text}`../notebooks/x.ipynb::n:d` of "
        "{glue:text}`../notebooks/x.ipynb::m:d` ({cite:t}`arnold2007`).\n"
        ":::{admonition} Key points\n:class: important\n- {term}`α2δ <Alpha-2-delta subunit>`\n"
        ":::\n\nLast reviewed: November 2026.\n",
        encoding="utf-8",
    )
    assert typed_numbers(chapter) == []


def test_the_structure_checks_catch_a_bare_chapter():
    bare = "# Bare\n\nSome text.\n"
    for check in CHECKS.values():
        assert check(bare), f"{check.__name__} passed a chapter with nothing in it"
