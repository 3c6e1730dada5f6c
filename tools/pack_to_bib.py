"""Write BibTeX entries for keys of the evidence pack's references.csv.

book/references.bib was generated once with this script and is hand-edited from then
on; it is the source of truth. Use the script only to add an entry the pack already
describes, e.g. when a chapter starts citing it:

    python -m tools.pack_to_bib oldfield2024 >> book/references.bib

Only fields held by references.csv are written (authors exactly as there: surnames
and initials, never expanded first names). Web pages, labels, registry records and
regulatory documents become @misc with url and note. Special characters are escaped
so that pybtex and sphinxcontrib-bibtex parse the file without warnings.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

PACK_REFS = Path("/work/shared/evidence/references.csv")

MISC_TYPES = {"web", "label", "regulatory", "registry"}
KIND_NOTE = {
    "web": "Web page",
    "label": "Drug label",
    "regulatory": "Regulatory document",
    "registry": "Trial registry record",
}
_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_PERSON = re.compile(r"^(?P<last>[^\W\d_][\w'’.\- ]*?) (?P<init>[A-Z]{1,4})(?: (?P<jr>Jr))?$")
_SURNAME = re.compile(r"^[^\W\d_][\w'’\-]*$")
_PAGES = re.compile(r"^(\w+)-(\w+)$")


def escape(text: str) -> str:
    """Escape LaTeX special characters in a free-text field."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def _person(part: str) -> str | None:
    """'Keck PE Jr' -> 'Keck, Jr., P. E.'; a bare surname stays as it is."""
    m = _PERSON.match(part)
    if m:
        initials = " ".join(f"{c}." for c in m["init"])
        jr = ", Jr." if m["jr"] else ""
        return f"{escape(m['last'])}{jr}, {initials}"
    if _SURNAME.match(part):
        return escape(part)
    return None


def split_authors(raw: str, ref_type: str) -> tuple[str | None, str | None]:
    """Return (bibtex author field or None, caveat for the note or None)."""
    raw = raw.strip()
    if not raw or raw.startswith("("):
        return None, raw.strip("()") or None
    if ref_type in MISC_TYPES:
        return "{" + escape(raw) + "}", None
    caveat = None
    m = re.match(r"^(.*?)\s*\(([^()]*)\)$", raw)
    if m:
        raw, caveat = m[1], m[2]
    people, _, group = raw.partition(";")
    names: list[str] = []
    others = False
    for part in (p.strip() for p in people.split(",")):
        if not part:
            continue
        if part in {"et al.", "et al"}:
            others = True
            continue
        if part.endswith(" et al."):
            part, others = part[: -len(" et al.")], True
        name = _person(part)
        if name is None:
            return "{" + escape(raw) + "}", caveat
        names.append(name)
    if group.strip():
        names.append("{" + escape(group.strip()) + "}")
    if others:
        names.append("others")
    return " and ".join(names), caveat


def _pages(pages: str) -> str:
    m = _PAGES.match(pages)
    return f"{m[1]}--{m[2]}" if m else pages


def entry(row: dict[str, str]) -> str:
    """One BibTeX entry for a references.csv row."""
    kind = row["type"]
    author, caveat = split_authors(row["authors"], kind)
    journal = row["journal_or_publisher"]
    is_article = (
        kind in {"article", "review"}
        and author is not None
        and bool(journal)
        and bool(row["year"])
        and row["key"] != "smith2011derp"
    )
    if row["key"] == "smith2011derp":
        bibtype = "techreport"
    else:
        bibtype = "article" if is_article else "misc"
    fields: list[tuple[str, str]] = []
    if author:
        fields.append(("author", author))
    fields.append(("title", "{" + escape(row["title"]) + "}"))
    if bibtype == "article":
        fields.append(("journal", escape(journal)))
    elif bibtype == "techreport":
        fields.append(("institution", escape(journal)))
    elif journal:
        fields.append(("howpublished", escape(journal)))
    if row["year"]:
        fields.append(("year", row["year"]))
    if row["volume"]:
        fields.append(("volume", escape(row["volume"])))
    if row["issue"]:
        fields.append(("number", escape(row["issue"])))
    if row["pages"]:
        fields.append(("pages", escape(_pages(row["pages"]))))
    if row["doi"]:
        fields.append(("doi", row["doi"]))
    if row["pmid"]:
        fields.append(("pmid", row["pmid"]))
    if row["url"]:
        fields.append(("url", row["url"]))
    note_parts = []
    if kind in KIND_NOTE:
        note_parts.append(KIND_NOTE[kind] + ".")
    if caveat:
        if "author" in caveat.lower():
            note_parts.append(caveat[0].upper() + caveat[1:] + ".")
        else:
            note_parts.append(f"Author list: {caveat}.")
    if row["note"]:
        note_parts.append(row["note"])
    if note_parts:
        fields.append(("note", escape(" ".join(note_parts))))
    if row["verified_fields"]:
        fields.append(("annote", escape("Evidence pack, fields read: " + row["verified_fields"])))
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(f"  {name:<{width}} = {{{value}}}" for name, value in fields)
    return f"@{bibtype}{{{row['key']},\n{body},\n}}\n"


def load(path: Path = PACK_REFS) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["key"]: row for row in csv.DictReader(fh)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("keys", nargs="*", help="keys to write (default: all)")
    parser.add_argument("--refs", type=Path, default=PACK_REFS, help="references.csv")
    args = parser.parse_args(argv)
    refs = load(args.refs)
    missing = [k for k in args.keys if k not in refs]
    if missing:
        print(f"not in {args.refs}: {', '.join(missing)}", file=sys.stderr)
        return 1
    keys = args.keys or sorted(refs)
    sys.stdout.write("\n".join(entry(refs[k]) for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
