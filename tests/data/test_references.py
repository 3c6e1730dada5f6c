"""book/references.bib: parses cleanly, every key used by data/ resolves, and every entry is
cited by a data row or by the book's text (no orphans)."""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import redirect_stderr
from pathlib import Path

import pybtex.errors
import pytest
from pybtex.database import parse_file
from pybtex.plugin import find_plugin

from evidence import BOOK, DATA, data

BIB = BOOK / "references.bib"
KEY_COLUMNS = data.KEY_COLUMNS  # the columns the engine and the validator read keys from
LIST_KEY_COLUMNS = data.LIST_KEY_COLUMNS
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")
# Entries without DOI, PMID or URL whose title/note gives no official identifier either
# (setid, NCT number, NBK). The pack holds none for them; see data/VERIFICATION.md.
KNOWN_WITHOUT_IDENTIFIER = {
    "aafp2017_poem_shanthanna", "acmd2016", "arnold2005", "baclofen_tablets_uspi_older",
    "bmj_best_practice_fm", "cohen2015", "comprehensivepainny_eular",
    "ebmg_duloxetine_fm", "ebmg_milnacipran_fm", "ebmg_pregabalin_fm",
    "farag_ispor_pms6", "fda2007_lyrica_fm", "fda_email_2014", "fda_vop_fm_2014",
    "gabapentin_generic_uspi_openfda", "hauser2009pain", "iasp_taxonomy2017",
    "jwatch2017_shanthanna", "lilly2008_cymbalta_fm", "lyrica_uspi_older",
    "maloy_lbp", "mims_baclofen_ph", "mims_gabapentin_th", "mims_pregabalin_ph",
    "moldofsky2010", "nfmcpa_ohsu_2013", "nursingcenter_fda_dsc",
    "pfizer_hcp_lyrica_ar", "pota2012", "rheumatologe_blog_2011", "robertson2019",
    "silverman2010", "sxb_fm_2010_news",
    "visualmed_precise", "wolfe2011", "wolfe2016", "zaringhalam2010",
}
IDENTIFIER = re.compile(r"setid|\bNCT\d{8}\b|\bNBK\d+\b|\bACTRN\d{14}\b", re.I)


@pytest.fixture(scope="module")
def bib():
    pybtex.errors.set_strict_mode(True)  # any pybtex warning raises
    try:
        yield parse_file(str(BIB))
    finally:
        pybtex.errors.set_strict_mode(False)


def data_tables() -> list[list[dict[str, str]]]:
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    tables = []
    for res in descriptor["resources"]:
        with (DATA / res["path"]).open(encoding="utf-8", newline="") as fh:
            tables.append(list(csv.DictReader(fh)))
    return tables


def data_keys() -> set[str]:
    """Keys in the key columns of every table."""
    keys = set()
    for rows in data_tables():
        for row in rows:
            keys |= {row[c].strip() for c in KEY_COLUMNS if row.get(c, "").strip()}
            for c in LIST_KEY_COLUMNS:
                keys |= {k.strip() for k in row.get(c, "").split(";") if k.strip()}
    return keys


def data_text() -> str:
    return "\n".join(" ".join(row.values()) for rows in data_tables() for row in rows)


def text_keys() -> set[str]:
    """Keys cited in the book's text with {cite}`a,b` / {cite:p} / {cite:t} roles."""
    keys = set()
    for path in list(BOOK.rglob("*.md")) + list(BOOK.rglob("*.ipynb")):
        if "_build" in path.parts:
            continue
        for m in CITE.finditer(path.read_text(encoding="utf-8")):
            keys |= {k.strip() for k in re.split(r"[,;]", m[1]) if k.strip()}
    return keys


def test_bib_parses_without_warnings(bib):
    assert len(bib.entries) > 0
    for key in bib.entries:
        assert re.fullmatch(r"[a-z0-9_]+", key), key


# The book's style (bibtex_default_style in _config.yml) in the fast checks; the others,
# which an educator's own build might choose, with the slow tests.
@pytest.mark.parametrize("style", [pytest.param("unsrt", marks=pytest.mark.slow),
                                   pytest.param("alpha", marks=pytest.mark.slow), "plain"])
def test_bib_formats_without_warnings(bib, style):
    """What sphinxcontrib-bibtex does at build time: format every entry with a pybtex style."""
    formatter = find_plugin("pybtex.style.formatting", style)()
    err = io.StringIO()
    with redirect_stderr(err):
        rendered = [e.text.render_as("text") for e in formatter.format_bibliography(bib)]
    assert err.getvalue() == ""
    leftovers = [t for t in rendered if "\\" in t or "{" in t or "}" in t]
    assert leftovers == []


def test_every_data_key_resolves(bib):
    missing = sorted(data_keys() - set(bib.entries))
    assert missing == []


def test_every_text_citation_resolves(bib):
    missing = sorted(text_keys() - set(bib.entries))
    assert missing == []


def test_no_orphan_entries(bib):
    """Every entry is cited by a data row (key column, or named in a row's text) or the book."""
    text = data_text()
    cited = data_keys() | text_keys()
    orphans = sorted(k for k in bib.entries
                     if k not in cited and not re.search(rf"\b{re.escape(k)}\b", text))
    assert orphans == []


def test_lead_chapters_keys_present(bib):
    assert {"arnold2007", "cooper2017"} <= set(bib.entries)


def test_identifiers(bib):
    """Every entry has a DOI, PMID or URL, or an official identifier in its title/note;
    the documented exceptions are exactly the ones listed above."""
    without = set()
    for key, entry in bib.entries.items():
        fields = {k.lower(): v for k, v in entry.fields.items()}
        if {"doi", "pmid", "url"} & set(fields):
            continue
        if IDENTIFIER.search(fields.get("title", "") + " " + fields.get("note", "") + " " + key):
            continue
        without.add(key)
    assert without == KNOWN_WITHOUT_IDENTIFIER


def test_authors_are_initials_only(bib):
    for key, entry in bib.entries.items():
        for person in entry.persons.get("author", []):
            for name in person.first_names + person.middle_names:
                assert len(name.rstrip(".")) <= 1 or not name.isalpha(), (key, str(person))


def test_no_duplicate_keys_in_file():
    keys = re.findall(r"^@\w+\{([^,]+),", Path(BIB).read_text(encoding="utf-8"), flags=re.M)
    assert len(keys) == len(set(keys))
