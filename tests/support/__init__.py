"""What the tests share: the repository's paths and the built site's pages.

Browser waits are in :mod:`support.browser`, the prose scanner of the chapter standard in
:mod:`support.prose`; fixtures (the served site, Chromium) are in ``tests/conftest.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from evidence import BOOK, DATA, ROOT
from tools.bench import edit_one_count  # one data edit for the benchmark and the tests

NOTEBOOKS = ROOT / "notebooks"
SITE = ROOT / "_build" / "html"
FIXTURES = ROOT / "tests" / "fixtures"

__all__ = ["BOOK", "DATA", "FIXTURES", "NOTEBOOKS", "ROOT", "SITE", "built_pages",
           "chart_layers", "content_pages", "csv_rows", "edit_one_count"]


def chart_layers(spec: dict) -> list[dict]:
    """The single-mark views of a Vega-Lite spec (a chart's ``to_dict()``), layers and
    concatenations unnested, in drawing order."""
    out = []
    for part in spec.get("hconcat", []) + spec.get("vconcat", []) + spec.get("layer", []):
        nested = any(k in part for k in ("layer", "hconcat", "vconcat"))
        out += chart_layers(part) if nested else [part]
    return out


def csv_rows(table: str | Path, **where: str) -> list[dict[str, str]]:
    """The rows of a CSV as printed (every cell a string, empty cells ''), read without
    pandas or the engine, so tests check the engine against an independent reading.

    ``table`` is a table of data/ (``"trials_binary"``, ``"patients/surveys"``) or a path;
    ``where`` keeps the rows whose column equals the value."""
    path = Path(table) if isinstance(table, Path) else DATA / f"{table.removesuffix('.csv')}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if all(r[k] == v for k, v in where.items())]


def built_pages() -> list[str]:
    """Every HTML page of the built site, relative to its root (empty if not built)."""
    if not SITE.is_dir():
        return []
    skip = ("_static/", "_sources/", "_images/")
    return sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not p.relative_to(SITE).as_posix().startswith(skip)
    )


def content_pages() -> list[str]:
    """Built pages that are book pages (not the root's redirect to the introduction)."""
    return [
        p for p in built_pages()
        if 'http-equiv="Refresh"' not in (SITE / p).read_text(encoding="utf-8")[:2000]
    ]
