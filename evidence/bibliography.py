"""The book's bibliography, ``book/references.bib``, read with pybtex: the same parser
sphinxcontrib-bibtex uses to print the reference list, so what the engine and the
validator call a key is what the build can cite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pybtex.errors
from pybtex.database import BibliographyData, parse_file

from . import BOOK, reads

BIB = BOOK / "references.bib"


@dataclass(frozen=True)
class BibProblem:
    """Something pybtex reported while reading the file: ``line`` where it can be told."""

    line: int | None
    key: str | None
    rule: str
    message: str


def read(path: Path | str = BIB) -> tuple[BibliographyData, list[BibProblem]]:
    """The parsed entries and every problem pybtex reported (a repeated key, a syntax
    error), each with its line in the file, instead of pybtex's warnings on stderr."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no bibliography at {path}")
    if path.resolve().is_relative_to(reads.ROOT):
        reads.record(path)  # a notebook that reads the bibliography depends on it
    with pybtex.errors.capture() as captured:
        data = parse_file(str(path), bib_format="bibtex")
    text = path.read_text(encoding="utf-8") if captured else ""
    problems = []
    for error in captured:
        message = str(error)
        repeated = re.match(r"repeated bibliography entry: (\S+)", message)
        if repeated:
            key = repeated[1]
            starts = [m.start() for m in re.finditer(
                rf"^[ \t]*@\w+\s*\{{\s*{re.escape(key)}\s*,", text, flags=re.M | re.I)]
            line = text[: starts[-1]].count("\n") + 1 if starts else None
            problems.append(BibProblem(line, key, "duplicate-bib-key",
                                       f"key {key} appears twice in {path.name}"))
        else:
            problems.append(BibProblem(getattr(error, "lineno", None), None, "bib-syntax",
                                       message))
    return data, problems


def keys(path: Path | str = BIB) -> set[str]:
    """Every entry key of the bibliography (as written in the file)."""
    data, _ = read(path)
    return set(data.entries.keys())
