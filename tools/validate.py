"""Validate ``data/``: the frictionless schema plus the rules a schema cannot say.

``validate(root, bib)`` returns a list of :class:`Problem`; an empty list means the data
are clean. It combines

* file checks: every table is UTF-8 (a bad byte is a Problem, never a traceback), its header
  matches the schema, no cell starts or ends with a space (in any column: a key with a space
  matches nothing), and no CSV under ``root`` is missing from ``datapackage.json``;
* frictionless validation of ``datapackage.json`` (types, required fields, enums, bounds,
  primary and foreign keys), each error mapped to file, CSV line (header = line 1) and column;
* cross-field rules: events <= n per arm, counts agree with printed percentages,
  ci_low <= estimate <= ci_high, ordered ranges, dates are days of the calendar, arms of one
  comparison name their shared control arm and repeat its numbers, derived rows
  reproduce their numbers, timeline rows restate their fact, and every key in a ``source``,
  ``study``, ``review``, ``original_source``, ``evidence``, ``sources`` or ``reviews``
  column (:data:`evidence.data.KEY_COLUMNS`, :data:`evidence.data.LIST_KEY_COLUMNS`) is in
  ``book/references.bib``;
* what each kind of table must carry (:func:`table_kind`): a data table records where and how
  each value was read (``source``, ``source_location``, ``status``); an annotation table
  (``annotations/``) holds the book's own words about rows of the data tables, so it has no
  status, and a row that may point at one of several tables points at exactly one; a
  vocabulary table (``vocabulary/``) names the codes the other tables use (an outcome, a
  condition, a drug, a verdict): it has one key column and no status, and the code columns
  of the other tables point at it, so a code it lacks is a foreign-key problem.

Odd values that the sources really print are let through only by an allowance in
``annotations/validation_allowances.csv``: one row per (annotated row, rule), with the
reason. Its foreign keys make sure the row exists; an allowance that waives nothing is
reported, so none outlives its reason.

Command line: ``python -m tools.validate [--root data] [--bib book/references.bib]
[--table trials_binary.csv ...]``
prints one line per problem, ``data/x.csv:LINE: column 'c' value 'v' breaks rule R — hint``,
then a summary; exits 2 (bad input) if there is any problem, 0 (with a one-line OK)
otherwise.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import os
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from evidence import BOOK, DATA, bibliography, data, rules

__all__ = ["ALLOWANCES", "Problem", "check_rows", "summary", "table_kind", "validate"]


# The kinds of table, and what each must carry.
DATA_KIND, LEDGER_KIND, ANNOTATION_KIND = "data", "ledger", "annotation"
VOCABULARY_KIND = "vocabulary"
ANNOTATIONS_DIR = "annotations/"
VOCABULARY_DIR = "vocabulary/"
LEDGERS = ("claims.csv",)  # the claims ledger: verdicts with the keys of their evidence
PROVENANCE_COLUMNS = ("source", "source_location", "status")
ALLOWANCES = "annotations/validation_allowances.csv"
EXIT_BAD_DATA = 2  # bad input, as every command of the book reports it


def table_kind(rel: str) -> str:
    """What a table of the data root is, by its path: ``annotation`` (under ``annotations/``:
    the book's own words about rows of other tables), ``vocabulary`` (under ``vocabulary/``:
    the book's words for the codes the other tables use), ``ledger`` (the claims ledger) or
    ``data`` (values read in documents; every row says where and how)."""
    if rel.startswith(ANNOTATIONS_DIR):
        return ANNOTATION_KIND
    if rel.startswith(VOCABULARY_DIR):
        return VOCABULARY_KIND
    return LEDGER_KIND if rel in LEDGERS else DATA_KIND


@dataclass(frozen=True, order=True)
class Problem:
    """One broken rule, located as precisely as possible."""

    file: str  # relative to the data root, e.g. "trials_binary.csv"
    line: int | None  # CSV line (header = 1); None for whole-file problems
    column: str | None
    value: str | None
    rule: str
    hint: str

    def format(self, prefix: str = "data") -> str:
        where = f"{prefix}/{self.file}" if prefix else self.file
        where += f":{self.line}:" if self.line is not None else ":"
        what = ""
        if self.column is not None:
            what = f" column '{self.column}'"
            if self.value is not None:
                what += f" value '{self.value}'"
        return f"{where}{what} breaks rule {self.rule} — {self.hint}"


@dataclass
class _Table:
    rel: str
    resource: dict
    header: list[str]
    rows: list[dict[str, str]]
    lines: list[int]  # CSV line where each row starts

    @property
    def pk(self) -> str | None:
        pk = self.resource.get("schema", {}).get("primaryKey")
        return pk if isinstance(pk, str) else None

    def row_id(self, i: int) -> str:
        pk = self.pk
        return self.rows[i].get(pk, "") if pk else str(self.lines[i])


# ----------------------------------------------------------------- helpers
def _num(text: str | None) -> Decimal | None:
    if text is None or text.strip() == "":
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _rounds_to(k: int, n: int, printed: str) -> bool:
    """Does 100*k/n, rounded to the printed decimals, equal the printed percentage?"""
    target = _num(printed)
    if target is None or n <= 0:
        return False
    half = Decimal(1).scaleb(-_decimals(printed)) / 2
    exact = Decimal(100 * k) / Decimal(n)
    return abs(exact - target) <= half  # any rounding rule, ties either way


def _bib_keys(bib: Path) -> tuple[set[str], list[Problem]]:
    """The bibliography's keys, read by pybtex as the build reads them, and its problems."""
    try:
        entries, found = bibliography.read(bib)
    except FileNotFoundError:
        return set(), [Problem(str(bib), None, None, None, "bib-missing",
                               "book/references.bib not found; pass bib=")]
    except UnicodeDecodeError as exc:
        return set(), [Problem(str(bib), None, None, None, "utf-8", f"not UTF-8: {exc.reason}")]
    problems = [Problem(bib.name, p.line, None, p.key, p.rule, p.message) for p in found]
    return set(entries.entries.keys()), problems


def _read_table(root: Path, resource: dict) -> tuple[_Table | None, list[Problem]]:
    rel = resource.get("path", "")
    path = root / rel
    if not path.is_file():
        return None, [Problem(rel, None, None, None, "missing-file",
                              "listed in datapackage.json but not found")]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start: exc.end].hex()
        return None, [Problem(rel, line, None, f"0x{bad}", "utf-8",
                              f"byte 0x{bad} is not UTF-8; save the file as UTF-8")]
    problems: list[Problem] = []
    if text.startswith("\ufeff"):
        problems.append(Problem(rel, 1, None, None, "utf-8-bom",
                                "file starts with a byte-order mark; save as UTF-8 without BOM"))
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    start = 1
    for rec in reader:
        records.append((start, rec))
        start = reader.line_num + 1
    if not records:
        return None, problems + [Problem(rel, None, None, None, "empty-file", "no header row")]
    header = records[0][1]
    fields = [f["name"] for f in resource.get("schema", {}).get("fields", [])]
    for name in fields:
        if name not in header:
            problems.append(Problem(rel, 1, name, None, "missing-column",
                                    f"the schema has column '{name}' but the file does not"))
    for name in header:
        if name not in fields:
            problems.append(Problem(rel, 1, name, None, "extra-column",
                                    "column not described in datapackage.json"))
        elif header.count(name) > 1:
            problems.append(Problem(rel, 1, name, None, "duplicate-column",
                                    "column name appears more than once"))
    if set(header) == set(fields) and header != fields:
        problems.append(Problem(rel, 1, None, None, "column-order",
                                "columns are not in the order of datapackage.json"))
    rows, lines = [], []
    for line, rec in records[1:]:
        if not any(cell.strip() for cell in rec):
            problems.append(Problem(rel, line, None, None, "blank-row", "remove the empty row"))
            continue
        if len(rec) != len(header):
            problems.append(Problem(rel, line, None, None, "row-length",
                                    f"{len(rec)} cells for {len(header)} columns"))
        rows.append({h: (rec[i] if i < len(rec) else "") for i, h in enumerate(header)})
        lines.append(line)
        problems += _whitespace(rel, line, header, rec)
    return _Table(rel, resource, header, rows, lines), problems


def _whitespace(rel: str, line: int, header: list[str], rec: list[str]) -> list[Problem]:
    """A cell that starts or ends with a space (or a tab, or a line break): as a key it
    matches nothing (``'Dizziness '`` is not ``'Dizziness'``), and in text it is noise, so
    it is refused in every column, with or without a pattern."""
    out = []
    for name, cell in zip(header, rec, strict=False):
        if cell == cell.strip():
            continue
        where = "starts" if cell != cell.lstrip() else "ends"
        shown = cell if len(cell) <= 40 else (
            cell[:30] + "..." if where == "starts" else "..." + cell[-30:])
        out.append(Problem(rel, line, name, shown, "whitespace",
                           f"the cell {where} with a space; remove it (a key with a space "
                           "matches nothing, a number with one is not read as a number)"))
    return out


# ----------------------------------------------------------------- frictionless
_FRICTIONLESS_SKIP = {"missing-label", "extra-label", "duplicate-label", "blank-label",
                      "incorrect-label", "blank-row", "missing-cell", "extra-cell"}


def _field(table: _Table | None, name: str | None) -> dict:
    if table is None or name is None:
        return {}
    for field in table.resource.get("schema", {}).get("fields", []):
        if field.get("name") == name:
            return field
    return {}


def _constraint_hint(field: dict, rule: str, note: str) -> str:
    c = field.get("constraints", {})
    if rule == "required":
        return "this field may not be empty"
    if rule == "enum" and "enum" in c:
        allowed = ", ".join(str(v) for v in c["enum"])
        return "not an allowed value; allowed: " + (
            allowed if len(allowed) <= 160 else allowed[:157] + "...")
    if rule in ("minimum", "maximum") and rule in c:
        return f"{rule} is {c[rule]}" + (f" ({field['unit']})" if field.get("unit") else "")
    if rule == "pattern" and "pattern" in c:
        return _PATTERN_WORDS.get(c["pattern"], f"must match the pattern {c['pattern']}")
    if rule == "duplicate-id":
        return DUPLICATE_ID_HINT
    return note


DUPLICATE_ID_HINT = "another row already has this id; each row's id must be unique"
#: A date as precise as the source prints it: a year, a month or a day.
PARTIAL_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
#: The schema's patterns, in words (a contributor should not have to read a regex).
_PATTERN_WORDS = {
    PARTIAL_DATE: "write a date as YYYY, YYYY-MM or YYYY-MM-DD (for example 2004, 2004-12 "
                  "or 2004-12-30), as precise as the source",
    r"^[A-Za-z0-9_.\-]+$": "an id is letters, digits, '_', '.' and '-' only, with no spaces",
    r"^[a-z0-9_]+$": "a key or code is lower-case letters, digits and '_' only, with no "
                     "spaces (for example arnold2007)",
    r"^[a-z0-9_]+(\s*;\s*[a-z0-9_]+)*$": "keys of lower-case letters, digits and '_', "
                                          "separated by ';' (for example lunn2014;moore2015)",
    r"^(NCT\d{8}|ACTRN\d{14})$": "a trial registration: NCT and 8 digits, or ACTRN and 14 "
                                  "digits",
    r"^[A-Z]$": "one capital letter",
    r"^[a-z]+$": "lower-case letters only",
}


def _frictionless(root: Path, descriptor: dict, tables: dict[str, _Table]) -> list[Problem]:
    from frictionless import Package  # imported here: slow-ish import

    good = {t.resource["name"] for t in tables.values()}
    resources = []
    for res in descriptor.get("resources", []):
        if res.get("name") not in good:
            continue
        res = json.loads(json.dumps(res))
        res["schema"]["fieldsMatch"] = "subset"  # match columns by name; header checked above
        fks = res.get("schema", {}).get("foreignKeys", [])
        res["schema"]["foreignKeys"] = [
            fk for fk in fks if fk.get("reference", {}).get("resource", "") in good | {""}
        ]
        resources.append(res)
    pkg_descriptor = {k: v for k, v in descriptor.items() if k != "resources"}
    pkg_descriptor["resources"] = resources
    by_name = {t.resource["name"]: t for t in tables.values()}
    paths = {r.get("name"): r.get("path", "") for r in descriptor.get("resources", [])}
    problems: list[Problem] = []
    try:
        package = Package(pkg_descriptor, basepath=str(root))
        report = package.validate()
    except Exception as exc:  # noqa: BLE001 - any failure becomes a Problem
        return [Problem("datapackage.json", None, None, None, "frictionless",
                        f"frictionless could not validate the package: {exc}")]
    for task in report.tasks:
        table = by_name.get(task.name)
        rel = table.rel if table else task.name
        for err in task.errors:
            etype = err.type
            if etype in _FRICTIONLESS_SKIP:
                continue
            row_number = getattr(err, "row_number", None)
            line = None
            if table is not None and row_number is not None:
                idx = row_number - 2
                line = table.lines[idx] if 0 <= idx < len(table.lines) else row_number
            column = getattr(err, "field_name", None)
            value = getattr(err, "cell", None)
            if etype == "foreign-key":
                names = getattr(err, "field_names", None) or []
                column = names[0] if names else None
                cells = getattr(err, "field_cells", None) or []
                value = cells[0] if cells else None
                rule = "foreign-key"
                ref = getattr(err, "reference_name", "") or ""
                hint = f"value not found in table '{ref}'" if ref else err.note
                vocabulary = paths.get(ref, "")
                if table_kind(vocabulary) == VOCABULARY_KIND:
                    hint += f": every code must be in data/{vocabulary}; add it there or " \
                            "correct the code"
            elif etype == "type-error":
                field = _field(table, column)
                rule, hint = "type", f"expected {field.get('type', 'another type')}"
            elif etype in ("constraint-error", "unique-error"):
                m = re.search(r'constraint "(\w+)"', err.note)
                rule = m[1] if m else ("unique" if etype == "unique-error" else "constraint")
                if etype == "unique-error" or rule == "unique":
                    rule = "duplicate-id" if column == (table.pk if table else None) else "unique"
                hint = _constraint_hint(_field(table, column), rule, err.note)
            elif etype == "primary-key":
                rule = "duplicate-id"
                column = table.pk if table else None
                value = table.rows[row_number - 2].get(column) if (
                    table and column and row_number and 0 <= row_number - 2 < len(table.rows)
                ) else None
                hint = DUPLICATE_ID_HINT
            else:
                rule, hint = etype, err.note
            if rule == "duplicate-id" and table is not None and column is not None:
                first = next((table.lines[i] for i, r in enumerate(table.rows)
                              if r.get(column) == str(value)), None)
                if first is not None and first != line:
                    hint = f"line {first} already has this id; each row's id must be unique"
            problems.append(Problem(rel, line, column, None if value is None else str(value),
                                    rule, hint))
    return problems


# ----------------------------------------------------------------- kinds of table
def _fk_columns(resource: dict) -> list[tuple[str, str, str]]:
    """(column, referenced resource, referenced column) of each single-column foreign key."""
    out = []
    for fk in resource.get("schema", {}).get("foreignKeys", []):
        fields, ref = fk.get("fields"), fk.get("reference", {})
        ref_fields = ref.get("fields")
        fields = [fields] if isinstance(fields, str) else list(fields or [])
        ref_fields = [ref_fields] if isinstance(ref_fields, str) else list(ref_fields or [])
        if len(fields) == 1 and len(ref_fields) == 1:
            out.append((fields[0], ref.get("resource", ""), ref_fields[0]))
    return out


def _check_kinds(tables: dict[str, _Table]) -> list[Problem]:
    """Data tables record provenance; annotation tables name exactly one annotated row;
    vocabulary tables have one key column and no status."""
    out = []
    for table in tables.values():
        columns = [f.get("name") for f in table.resource.get("schema", {}).get("fields", [])]
        kind = table_kind(table.rel)
        if kind == VOCABULARY_KIND:
            if "status" in columns:
                out.append(Problem(table.rel, 1, "status", None, "vocabulary-status",
                                   "a vocabulary table holds the book's own words for codes, "
                                   "not values read in a document: it has no status"))
            if table.pk is None:
                out.append(Problem(table.rel, 1, None, None, "vocabulary-key",
                                   "a vocabulary table declares one column, the code, as its "
                                   "primaryKey (the other tables' foreign keys point at it)"))
            continue
        if kind == DATA_KIND:
            for col in PROVENANCE_COLUMNS:
                if col not in columns:
                    out.append(Problem(table.rel, 1, col, None, "provenance-columns",
                                       "a data table records source, source_location and "
                                       "status for every row; editorial text about rows "
                                       f"belongs in {ANNOTATIONS_DIR}"))
        elif kind == ANNOTATION_KIND:
            if "status" in columns:
                out.append(Problem(table.rel, 1, "status", None, "annotation-status",
                                   "an annotation is the book's own words, not a value read "
                                   "in a document: it has no status (cite documents in "
                                   "'sources')"))
            keys = [c for c, _, _ in _fk_columns(table.resource)
                    if not _field(table, c).get("constraints", {}).get("required")]
            if len(keys) < 2:
                continue  # one key column: required by its schema
            for i, row in enumerate(table.rows):
                filled = [c for c in keys if row.get(c, "").strip()]
                if len(filled) != 1:
                    out.append(Problem(table.rel, table.lines[i],
                                       filled[1] if len(filled) > 1 else keys[0],
                                       row.get(filled[1], "") if len(filled) > 1 else "",
                                       "one-annotated-row",
                                       "fill exactly one of " + ", ".join(keys)
                                       + f" ({len(filled)} filled)"))
    return out


# ----------------------------------------------------------------- allowances
class _Allowances:
    """The waivers of ``annotations/validation_allowances.csv``; remembers which were used."""

    def __init__(self, entries: dict[tuple[str, str, str], int] | None = None,
                 rows: set[tuple[str, str]] | None = None):
        self.entries = entries or {}  # (file, row id, rule) -> line in the allowances file
        self.rows = rows or set()  # (file, row id) of every row that exists
        self.used: set[tuple[str, str, str]] = set()

    @classmethod
    def from_tables(cls, tables: dict[str, _Table], descriptor: dict) -> _Allowances:
        table = tables.get(ALLOWANCES)
        if table is None:
            return cls()
        paths = {r.get("name"): r.get("path", "") for r in descriptor.get("resources", [])}
        columns = [(c, paths.get(res, "")) for c, res, _ in _fk_columns(table.resource)]
        entries = {}
        for i, row in enumerate(table.rows):
            for col, rel in columns:
                if row.get(col, "").strip():
                    entries[(rel, row[col].strip(), row.get("rule", ""))] = table.lines[i]
        rows = {(rel, t.row_id(i)) for _, rel in columns if (t := tables.get(rel))
                for i in range(len(t.rows))}
        return cls(entries, rows)

    def allows(self, table: _Table, i: int, rule: str) -> bool:
        key = (table.rel, table.row_id(i), rule)
        if key in self.entries:
            self.used.add(key)
            return True
        return False

    def unused(self) -> list[Problem]:
        return [Problem(ALLOWANCES, line, "rule", rule, "unused-allowance",
                        f"{rel} row '{row_id}' no longer breaks rule {rule}; remove the "
                        "allowance")
                for (rel, row_id, rule), line in self.entries.items()
                if (rel, row_id, rule) not in self.used
                and (rel, row_id) in self.rows]  # a missing row is a foreign-key problem


# ----------------------------------------------------------------- cross-field rules


def _check_keys(table: _Table, bib_keys: set[str]) -> list[Problem]:
    out = []
    for i, row in enumerate(table.rows):
        for col in data.KEY_COLUMNS:
            key = row.get(col, "").strip()
            if key and key not in bib_keys:
                out.append(Problem(table.rel, table.lines[i], col, key, "unknown-key",
                                   "key not found in book/references.bib"))
        for col in data.LIST_KEY_COLUMNS:
            for key in (k.strip() for k in row.get(col, "").split(";")):
                if key and key not in bib_keys:
                    out.append(Problem(table.rel, table.lines[i], col, key, "unknown-key",
                                       "key not found in book/references.bib"))
    return out


def _check_binary(table: _Table, allow: _Allowances) -> list[Problem]:
    out = []
    arms = (("events_treatment", "n_treatment", "pct_treatment"),
            ("events_control", "n_control", "pct_control"))
    for i, row in enumerate(table.rows):
        line = table.lines[i]
        has_counts = any(row.get(c, "") for c in ("events_treatment", "events_control"))
        has_pct = any(row.get(c, "") for c in ("pct_treatment", "pct_control"))
        if not (has_counts or has_pct):
            out.append(Problem(table.rel, line, "events_treatment", "", "counts-or-pct",
                               "a binary row needs event counts or printed percentages"))
        for (e_col, n_col, p_col), arm in zip(arms, rules.ARMS, strict=True):
            e, n = _num(row.get(e_col)), _num(row.get(n_col))
            # Single cells (n >= 0, events >= 0) are the schema's; the rules across cells:
            breaches = rules.arm_breaches(i, arm, e, n)
            out += [Problem(table.rel, line, b.column, row.get(b.column, ""), b.rule, b.message)
                    for b in breaches]
            if breaches:
                continue
            pct = row.get(p_col, "")
            if e is None or n is None or not pct or row.get("status") == "derived":
                continue
            if e == e.to_integral() and n == n.to_integral() and not _rounds_to(
                    int(e), int(n), pct) and not allow.allows(table, i, "pct-matches-counts"):
                out.append(Problem(table.rel, line, p_col, pct, "pct-matches-counts",
                                   f"{row[e_col]}/{row[n_col]} does not round to the printed "
                                   f"{pct}%; fix the counts or add an allowance with the "
                                   f"reason to {ALLOWANCES}"))
        if row.get("status") == "derived":
            for e_col, n_col, p_col in arms:
                e, n, pct = _num(row.get(e_col)), _num(row.get(n_col)), row.get(p_col, "")
                if e is None or n is None or not pct or n != n.to_integral() or n <= 0:
                    out.append(Problem(table.rel, line, e_col, row.get(e_col), "derived-reproduces",
                                       "a derived count needs events, n and the printed "
                                       "percentage it was derived from"))
                    continue
                hits = [k for k in range(int(n) + 1) if _rounds_to(k, int(n), pct)]
                if hits != [e]:
                    out.append(Problem(table.rel, line, e_col, row[e_col], "derived-reproduces",
                                       f"{pct}% of {row[n_col]} is reproduced by "
                                       f"{hits or 'no count'}, not uniquely by {row[e_col]}"))
    return out


#: Two rows of a trial table alike in these columns are two arms against one control group.
COMPARISON = ("study", "drug", "condition", "comparator", "outcome", "timepoint_weeks")


def _check_shared_controls(table: _Table, cols: tuple[str, ...],
                           broken: set[int] = frozenset()) -> list[Problem]:
    """Rows of one comparison name their shared control arm (``shared_control_id``), and
    rows of one outcome and time point that share it repeat its numbers. Rows whose cells
    break the schema (their CSV ``broken`` lines) are left out: a bad count is reported as
    itself, not again as a disagreement of the good rows with it."""
    keep = [i for i, line in enumerate(table.lines) if line not in broken]
    rows = [table.rows[i] for i in keep]
    breaches = rules.unshared_control_breaches(rows, COMPARISON)
    breaches += rules.shared_control_breaches(rows, cols, also=("outcome", "timepoint_weeks"))
    out = []
    for b in breaches:
        i = keep[b.row]
        hint = b.message
        if b.related:
            lines = [table.lines[keep[j]] for j in b.related]
            hint += f" (the other row{'s' if len(lines) > 1 else ''}: line " + ", ".join(
                map(str, lines)) + ")"
        out.append(Problem(table.rel, table.lines[i], b.column, table.rows[i].get(b.column),
                           b.rule, hint))
    return out


_CI_TRIPLES = {
    "trials_continuous.csv": [("difference", "ci_low", "ci_high")],
    "published_pooled.csv": [("estimate", "ci_low", "ci_high"),
                             ("nnt", "nnt_ci_low", "nnt_ci_high"),
                             ("nnh", "nnh_ci_low", "nnh_ci_high")],
    "pharmacology/pregabalin_fm_adverse_events_cochrane2016.csv": [
        ("rr", "rr_ci_low", "rr_ci_high"), ("nnh", "nnh_ci_low", "nnh_ci_high")],
    "facts.csv": [("value_num", "value_low", "value_high")],
}
_RANGES = [("total_daily_dose_mg_min", "total_daily_dose_mg_max"),
           ("incidence_pct_min", "incidence_pct_max"),
           ("agreement_pct_min", "agreement_pct_max"),
           ("crcl_ml_min_lower", "crcl_ml_min_upper"),
           ("value_low", "value_high")]


def _check_intervals(table: _Table, allow: _Allowances) -> list[Problem]:
    out = []
    for i, row in enumerate(table.rows):
        line = table.lines[i]
        for est_col, lo_col, hi_col in _CI_TRIPLES.get(table.rel, []):
            est, lo, hi = (_num(row.get(c)) for c in (est_col, lo_col, hi_col))
            if lo is not None and hi is not None and lo > hi:
                if not allow.allows(table, i, "ci-order"):
                    out.append(Problem(table.rel, line, lo_col, row[lo_col], "ci-order",
                                       f"{lo_col} {row[lo_col]} is above {hi_col} {row[hi_col]}"))
                continue
            if est is None:
                continue
            if table.rel == "facts.csv" and "CI" not in row.get("qualifier", ""):
                continue  # facts: value_low/high are a range, not a CI, unless qualified
            if (lo is not None and est < lo) or (hi is not None and est > hi):
                if not allow.allows(table, i, "ci-order"):
                    out.append(Problem(table.rel, line, est_col, row[est_col], "ci-order",
                                       f"{est_col} lies outside its CI "
                                       f"({row.get(lo_col, '')} to {row.get(hi_col, '')})"))
        for lo_col, hi_col in _RANGES:
            lo, hi = _num(row.get(lo_col)), _num(row.get(hi_col))
            if lo is not None and hi is not None and lo > hi:
                if table.rel in _CI_TRIPLES and any(lo_col == t[1] for t in
                                                    _CI_TRIPLES[table.rel]):
                    continue  # already reported as ci-order
                out.append(Problem(table.rel, line, lo_col, row[lo_col], "range-order",
                                   f"{lo_col} {row[lo_col]} is above {hi_col} {row[hi_col]}"))
    return out


def _check_percent_units(table: _Table, allow: _Allowances) -> list[Problem]:
    out = []
    for i, row in enumerate(table.rows):
        line = table.lines[i]
        if table.rel == "published_pooled.csv" and row.get("rate_unit") == "percent":
            for col in ("rate_treatment", "rate_control"):
                v = _num(row.get(col))
                if v is not None and not 0 <= v <= 100:
                    out.append(Problem(table.rel, line, col, row[col], "percent-range",
                                       "rate_unit is percent, so the rate must be 0-100"))
        if table.rel.startswith("patients/") and row.get("unit") == "%":
            for col in ("value", "value_low", "value_high"):
                v = _num(row.get(col))
                if v is not None and not 0 <= v <= 100:
                    out.append(Problem(table.rel, line, col, row[col], "percent-range",
                                       "unit is %, so the value must be 0-100"))
        if table.rel == "facts.csv" and row.get("unit") == "%":
            for col in ("value_num", "value_low", "value_high"):
                v = _num(row.get(col))
                if v is not None and v < 0 and not allow.allows(table, i, "nonnegative-percent"):
                    out.append(Problem(table.rel, line, col, row[col], "nonnegative-percent",
                                       "a percentage below zero; check the source or add an "
                                       f"allowance with the reason to {ALLOWANCES}"))
    return out


_BAND_RULES = {
    "pct_30_49pct_pain_relief": lambda g: g["pct_ge_30pct_pain_relief"] - g[
        "pct_ge_50pct_pain_relief"],
    "pct_lt_30pct_pain_relief_or_withdrawn": lambda g: 100 - g["pct_ge_30pct_pain_relief"],
}


def _check_derived(table: _Table) -> list[Problem]:
    """Derived rows must say so in the note and reproduce from the printed numbers."""
    out = []
    groups: dict[tuple, dict[str, Decimal]] = defaultdict(dict)
    if table.rel == "patients/responder_distributions.csv":
        for row in table.rows:
            v = _num(row.get("value"))
            if v is not None and row.get("status") != "derived":
                groups[(row["dataset"], row["item"], row["source"])][row["measure"]] = v
    for i, row in enumerate(table.rows):
        if row.get("status") != "derived":
            continue
        line = table.lines[i]
        if "DERIVED" not in row.get("note", ""):
            out.append(Problem(table.rel, line, "note", None, "derived-flag",
                               "a derived row's note must say DERIVED and how"))
        if table.rel == "trials_binary.csv":
            continue  # reproduced in _check_binary
        rule = _BAND_RULES.get(row.get("measure", "")) if table.rel == (
            "patients/responder_distributions.csv") else None
        if rule is None:
            out.append(Problem(table.rel, line, "status", "derived", "derived-rule",
                               "no reproduction rule for this derived row; add one to "
                               "tools/validate.py or mark it verified/secondary"))
            continue
        try:
            expected = rule(groups[(row["dataset"], row["item"], row["source"])])
        except KeyError as missing:
            out.append(Problem(table.rel, line, "value", row.get("value"), "derived-reproduces",
                               f"input {missing} for this band is missing"))
            continue
        if _num(row.get("value")) != expected:
            out.append(Problem(table.rel, line, "value", row.get("value"), "derived-reproduces",
                               f"the printed inputs give {expected}"))
    return out


def _check_dates(table: _Table) -> list[Problem]:
    """A date column (the schema's :data:`PARTIAL_DATE` pattern) holds days of the calendar:
    the pattern lets ``1993-13-45`` through, this does not."""
    out = []
    for field in table.resource.get("schema", {}).get("fields", []):
        if field.get("constraints", {}).get("pattern") != PARTIAL_DATE:
            continue
        name = field["name"]
        for i, row in enumerate(table.rows):
            text = row.get(name, "")
            if not re.fullmatch(PARTIAL_DATE, text):
                continue  # empty, or the pattern's problem
            year, month, day = (int(x) for x in (text.split("-") + ["1", "1"])[:3])
            try:
                datetime.date(year, month, day)
            except ValueError:
                wrong = "month" if not 1 <= month <= 12 else "day"
                out.append(Problem(table.rel, table.lines[i], name, text, "calendar-date",
                                   f"not a date: there is no {wrong} "
                                   f"{month if wrong == 'month' else day}"
                                   + (f" in {year}-{month:02d}" if wrong == "day" else "")
                                   + "; write the date the source prints, as YYYY, YYYY-MM "
                                   "or YYYY-MM-DD"))
    return out


def _check_timeline(table: _Table, facts: _Table | None) -> list[Problem]:
    if facts is None:
        return []
    by_id = {r["fact_id"]: r for r in facts.rows}
    out = []
    for i, row in enumerate(table.rows):
        fact = by_id.get(row.get("fact_id", ""))
        if fact is None:
            continue  # reported as foreign-key
        for col in ("source", "source_location", "status"):
            if row.get(col) != fact.get(col):
                out.append(Problem(table.rel, table.lines[i], col, row.get(col),
                                   "timeline-matches-fact",
                                   f"facts.csv {row['fact_id']} has {col} '{fact.get(col)}'"))
    return out


# Cross-field rules whose finding does not follow from a bad cell of the same row.
_ROW_INDEPENDENT = frozenset({"unknown-key", "shared-control", "shared-control-id"})


def _cross_field(tables: dict[str, _Table], bib_keys: set[str] | None,
                 allow: _Allowances | None = None,
                 broken: set[tuple[str, int]] = frozenset()) -> list[Problem]:
    allow = allow or _Allowances()
    problems: list[Problem] = []
    for table in tables.values():
        if bib_keys is not None:
            problems += _check_keys(table, bib_keys)
        problems += _check_intervals(table, allow)
        problems += _check_percent_units(table, allow)
        problems += _check_derived(table)
        problems += _check_dates(table)
    for rel, control in (("trials_binary.csv", ("events_control", "n_control", "pct_control")),
                         ("trials_continuous.csv", ("mean_control", "sd_control", "n_control"))):
        if rel in tables:
            problems += _check_shared_controls(tables[rel], control,
                                               {line for file, line in broken if file == rel})
    if "trials_binary.csv" in tables:
        problems += _check_binary(tables["trials_binary.csv"], allow)
    if "guideline_recommendations.csv" in tables:
        problems += _check_guidelines(tables["guideline_recommendations.csv"],
                                      tables.get("criteria/eular2016_recommendations.csv"))
    if "regulatory_timeline.csv" in tables:
        problems += _check_timeline(tables["regulatory_timeline.csv"], tables.get("facts.csv"))
    return problems


def _check_guidelines(table: _Table, eular_table: _Table | None) -> list[Problem]:
    """The guideline table's own rules (:func:`evidence.guidelines.problems`): the drugs a
    row covers are in the vocabulary, and a EULAR row agrees with the EULAR table."""
    import pandas as pd

    from evidence import guidelines

    frame = pd.DataFrame(table.rows, columns=table.header)
    eular = (pd.DataFrame(eular_table.rows, columns=eular_table.header) if eular_table
             else None)  # checking one table alone: the agreement rule needs both
    return [Problem(table.rel, table.lines[line - 2], column, value, rule, hint)
            for line, column, value, rule, hint in guidelines.problems(frame, eular)]


def check_rows(rel: str, rows: list[dict[str, str]], primary_key: str | None = "id",
               bib_keys: set[str] | None = None) -> list[Problem]:
    """Run the cross-field rules (no schema, no files) on rows of one table.

    ``rel`` names the table as in datapackage.json (e.g. ``"trials_binary.csv"``); rows are
    dicts of strings as in the CSV; line numbers are taken as header + row index. Keys are
    checked only when ``bib_keys`` is given. Used by the tests to exercise the numeric rules
    quickly. No allowance applies (they live in the data root, which this does not read).
    """
    resource = {"name": rel[:-4].replace("/", "-"), "path": rel,
                "schema": {"primaryKey": primary_key} if primary_key else {}}
    header = list(rows[0]) if rows else []
    table = _Table(rel, resource, header, rows, list(range(2, len(rows) + 2)))
    return sorted(set(_cross_field({rel: table}, bib_keys)),
                  key=lambda p: (p.file, p.line or 0, p.column or "", p.rule))


# ----------------------------------------------------------------- entry point
def validate(root: Path | str = DATA, bib: Path | str | None = None,
             tables: Iterable[str] | None = None) -> list[Problem]:
    """Check every table described by ``root/datapackage.json``; return the problems found.

    ``bib`` defaults to ``root/../book/references.bib`` (so a copy of ``data/`` next to a copy
    of ``book/references.bib`` validates on its own), falling back to the book's.

    ``tables`` (paths as in datapackage.json) checks only those tables, reading also the
    tables their foreign keys and rules need (the referenced tables, the allowances that
    name their rows, the facts a timeline restates), and reports only their problems, the
    bibliography's and CSV files the package does not list: what a test of one bad table
    needs, at a fraction of the time.
    """
    root = Path(root)
    if bib is None:
        bib = root.parent / "book" / "references.bib"
        if not bib.exists():
            bib = BOOK / "references.bib"
    bib = Path(bib)
    problems: list[Problem] = []
    try:
        descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [Problem("datapackage.json", None, None, None, "missing-file",
                        "data/datapackage.json not found")]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [Problem("datapackage.json", getattr(exc, "lineno", None), None, None,
                        "json", f"datapackage.json does not load: {exc}")]

    wanted = None if tables is None else set(tables)
    needed = None if wanted is None else _needed(descriptor, wanted)
    loaded: dict[str, _Table] = {}
    listed = set()
    for resource in descriptor.get("resources", []):
        listed.add(resource.get("path", ""))
        if needed is not None and resource.get("path", "") not in needed:
            continue
        table, found = _read_table(root, resource)
        problems += found
        if table is not None:
            loaded[table.rel] = table
    unlisted = [Problem(rel, None, None, None, "unlisted-file",
                        "CSV not described in datapackage.json")
                for rel in sorted(p.relative_to(root).as_posix() for p in root.rglob("*.csv"))
                if rel not in listed]

    # A cell reported as the file reads it (a space around a value) is not reported again
    # as the type or pattern it then breaks.
    cells = {(p.file, p.line, p.column) for p in problems if p.column is not None}
    problems += [p for p in _frictionless(root, descriptor, loaded)
                 if (p.file, p.line, p.column) not in cells]

    bib_keys, bib_problems = _bib_keys(bib)
    problems += _check_kinds(loaded)
    allowances = _Allowances.from_tables(loaded, descriptor)
    # A row whose cells break the schema is reported for that, once: the rules across its
    # cells (events <= n, ...) would only repeat the same fault in other words.
    broken_rows = {(p.file, p.line) for p in problems if p.line is not None}
    problems += [p for p in _cross_field(loaded, bib_keys, allowances, broken_rows)
                 if (p.file, p.line) not in broken_rows or p.rule in _ROW_INDEPENDENT]
    problems += allowances.unused()
    if wanted is not None:
        problems = [p for p in problems if p.file in wanted]
    problems += bib_problems + unlisted
    return sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.column or "", p.rule))


def _needed(descriptor: dict, wanted: set[str]) -> set[str]:
    """The tables to read to check ``wanted``: themselves, the tables their foreign keys
    point at, the allowances table when it names their rows, facts for the timeline."""
    resources = descriptor.get("resources", [])
    paths = {r.get("name"): r.get("path", "") for r in resources}
    points_at = {r.get("path", ""): {paths.get(ref, "") for _, ref, _ in _fk_columns(r)}
                 for r in resources}
    needed = set(wanted)
    if any(ALLOWANCES in points_at and rel in points_at[ALLOWANCES] for rel in wanted):
        needed.add(ALLOWANCES)
    if "regulatory_timeline.csv" in needed:
        needed.add("facts.csv")
    for rel in list(needed):
        needed |= points_at.get(rel, set())
    return needed - {""}


def summary(root: Path | str = DATA) -> dict[str, int]:
    """Row counts per table (for the OK line of the CLI)."""
    root = Path(root)
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    counts = {}
    for res in descriptor["resources"]:
        with (root / res["path"]).open(encoding="utf-8", newline="") as fh:
            counts[res["path"]] = sum(1 for _ in csv.DictReader(fh))
    return counts


def _prefix(root: Path) -> str:
    """How to show the data root: relative to the working directory when possible."""
    try:
        return os.path.relpath(root.resolve(), Path.cwd()).replace(os.sep, "/")
    except ValueError:  # other drive on Windows
        return root.resolve().as_posix()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DATA, help="data folder (default: data/)")
    parser.add_argument("--bib", type=Path, default=None,
                        help="bibliography (default: <root>/../book/references.bib)")
    parser.add_argument("--table", action="append", default=None, metavar="PATH",
                        help="check only this table (path as in datapackage.json, e.g. "
                             "trials_binary.csv) and what it needs; repeatable")
    args = parser.parse_args(argv)
    problems = validate(args.root, args.bib, args.table)
    prefix = _prefix(args.root)
    for problem in problems:
        print(problem.format(prefix))
    if problems:
        files = len({p.file for p in problems})
        print(f"FAILED: {len(problems)} problem(s) in {files} file(s)")
        return EXIT_BAD_DATA
    counts = {rel: n for rel, n in summary(args.root).items()
              if args.table is None or rel in args.table}
    print(f"OK: {len(counts)} tables, {sum(counts.values())} rows valid; every key resolves "
          "in the bibliography")
    return 0


if __name__ == "__main__":
    sys.exit(main())
