"""The ledger of published numbers: what each release of the book printed, and what moved.

A release's ledger is written once, to ``ledger/v<version>.json``, and committed. It holds
every value a notebook glued for the book (``_build/results.json``'s values), every pooled
estimate (the analysis records) and every claim's verdict (``data/claims.csv``), each with
its notebook and sources. Comparing a ledger with the next one, or with the current
notebooks, lists what moved.

    python -m tools.ledger snapshot          # write ledger/v<CITATION.cff version>.json
    python -m tools.ledger diff [--since V]  # what moved since release V (default: the latest)
    python -m tools.ledger check             # fail when a number a chapter shows moved and
                                             # CHANGELOG.md has no entry naming it

What counts as moved:

* a number, when it differs by more than ``REL_TOL`` (the last digits of a float differ
  between processors: numpy's vectorised exp and log);
* a text, when the numbers in it differ; a text whose numbers are the same is a wording
  change, listed apart ("CI not printed" -> "interval not printed");
* a pooled estimate, when its estimate, interval, heterogeneity or counts moved;
* a claim, when its verdict changed.

The changelog check looks at what a chapter prints: a value pasted as ``{glue:text}`key:.1f```
is compared as the chapter formats it, so a change in a digit the chapter rounds away is no
change to a reader; and a text whose decimals moved by one unit in their last place (a value
on a rounding boundary, printed on another processor) needs no entry. Those are its
tolerances for last-digit rounding.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import io
import json
import math
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "ledger"
CLAIMS = "data/claims.csv"
LOCK = "notebooks/inputs.lock.json"
REL_TOL = 1e-9

# How a chapter pastes a value: {glue:text}`../notebooks/nb.ipynb::key:format` (the format is
# optional), and a chart or table: ```{chart} ../notebooks/nb.ipynb::key
PASTE = re.compile(
    r"\{(?:glue|glue:text|glue:any)\}`([^`]+?\.ipynb)::([A-Za-z0-9_]+)(?::([^`]*))?`")
CHART = re.compile(r"```\{(?:chart|glue)\}\s+(?:(\S+?\.ipynb)::)?([A-Za-z0-9_]+)")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
POOLED_FIELDS = ("measure", "model", "n_studies", "n_participants", "estimate", "ci_low",
                 "ci_high", "i2", "tau2")


# ----------------------------------------------------------------------------- ledgers

def _number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _kind_of(value: object) -> str:
    return "number" if _number(value) else "text"


def values(results: dict) -> dict[str, dict]:
    """``{key: {"value", "notebook", "sources"}}`` from a results.json or a ledger."""
    rows = results["values"]
    if isinstance(rows, dict):
        return rows
    return {r["key"]: {"value": r["value"], "notebook": r["notebook"],
                       "sources": list(r["sources"])} for r in rows}


def analyses(results: dict) -> dict[str, dict]:
    """``{analysis_id: {"value": {field: ...}, "notebook", "sources"}}``: the pooled estimates."""
    rows = results.get("analyses", {})
    if isinstance(rows, dict):
        return rows
    return {r["record"]["analysis_id"]: {
        "value": {f: r["record"].get(f) for f in POOLED_FIELDS},
        "label": _analysis_label(r["record"]),
        "notebook": r["notebook"], "sources": list(r["sources"])} for r in rows}


def _analysis_label(record: dict) -> str:
    from evidence import vocab

    code = str(record.get("outcome", ""))
    try:
        outcome = vocab.outcome_label(code)
    except (KeyError, ValueError):
        outcome = code.replace("_", " ")
    return (f"{record.get('intervention', '')} against {record.get('comparator', '')}, "
            f"{outcome}, in {record.get('population', '')}")


def verdicts(rows: list[dict], notebook: str) -> dict[str, dict]:
    """``{claim_id: {"value": verdict, "claim", "notebook", "sources"}}`` from claims.csv rows."""
    return {r["claim_id"]: {"value": r["verdict"], "claim": r["claim"], "notebook": notebook,
                            "sources": [k.strip() for k in r.get("evidence", "").split(";")
                                        if k.strip()]} for r in rows}


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def notebook_inputs(root: Path = ROOT) -> dict[str, set[str]]:
    """Each notebook's file name -> the files it read (the executor's lock)."""
    from tools.execute import read_lock

    return {name: set(entry.get("inputs", {}))
            for name, entry in read_lock(root / LOCK).items()}


def _reader_of(path: str, root: Path) -> str:
    """The notebooks that read a data file, joined by ", "."""
    return ", ".join(f"notebooks/{name}" for name, read in sorted(notebook_inputs(root).items())
                     if path in read)


def body(results: dict, claims: list[dict], claims_notebook: str) -> dict:
    """A ledger's contents: every glued value, pooled estimate and claim verdict."""
    return {"values": values(results), "analyses": analyses(results),
            "verdicts": verdicts(claims, claims_notebook)}


def current(root: Path = ROOT) -> dict:
    """The ledger of the notebooks and claims as committed in ``root`` (nothing is run)."""
    from tools.execute import notebook_paths
    from tools.export_results import collect

    results = collect(notebook_paths(root / "notebooks"))
    for group in ("values", "analyses"):  # notebooks as paths relative to root
        for row in results[group]:
            row["notebook"] = "notebooks/" + Path(row["notebook"]).name
    claims = csv_rows((root / CLAIMS).read_text(encoding="utf-8"))
    return body(results, claims, _reader_of(CLAIMS, root))


def release_files(ledger_dir: Path = LEDGER) -> list[Path]:
    """The release ledgers, oldest first."""
    return sorted(ledger_dir.glob("v*.json"), key=lambda p: version_tuple(p.stem[1:]))


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version))


def releases(ledger_dir: Path = LEDGER) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in release_files(ledger_dir)]


def snapshot(version: str, released: str, contents: dict, out_dir: Path = LEDGER, *,
             commit: str | None = None, note: str | None = None) -> Path:
    """Write the ledger of a release; a release's ledger is never rewritten."""
    out = out_dir / f"v{version}.json"
    if out.exists():
        raise FileExistsError(f"{out.name} exists: a release's ledger is written once; "
                              "raise the version in CITATION.cff for a new release")
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = {"version": version, "released": released, "commit": commit, **contents}
    if note:
        doc["note"] = note
    out.write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    return out


# ----------------------------------------------------------------------------- comparing

@dataclass(frozen=True)
class Change:
    kind: str                # number, text, pooled or verdict
    key: str
    old: object
    new: object
    notebook: str
    sources: tuple[str, ...]
    label: str = ""          # the claim's text or the analysis in words

    def line(self) -> str:
        return f"{self.key}: {self.old!r} -> {self.new!r} ({self.notebook})"


@dataclass
class Changes:
    moved: list[Change] = field(default_factory=list)    # numbers, pooled estimates, verdicts
    text: list[Change] = field(default_factory=list)     # wording only: the same numbers
    added: list[Change] = field(default_factory=list)    # new since (old is None)
    removed: list[Change] = field(default_factory=list)  # gone since (new is None)

    def empty(self) -> bool:
        return not (self.moved or self.text or self.added or self.removed)


def same_number(a: object, b: object) -> bool:
    if _number(a) and _number(b):
        return a == b or math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=0.0)
    return a == b


def numbers_in(text: str) -> tuple[str, ...]:
    return tuple(m.replace(",", "") for m in NUMBER.findall(text))


def same(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return same_number(a, b)


def _compare_group(kind: str | None, old: dict, new: dict, out: Changes) -> None:
    for key in sorted(set(old) | set(new)):
        o, n = old.get(key), new.get(key)
        where = n or o
        ov = None if o is None else o["value"]
        nv = None if n is None else n["value"]
        k = kind or _kind_of(nv if n is not None else ov)
        change = Change(k, key, ov, nv, where["notebook"], tuple(where["sources"]),
                        where.get("claim") or where.get("label") or "")
        if o is None:
            out.added.append(change)
        elif n is None:
            out.removed.append(change)
        elif not same(ov, nv):
            wording = (kind is None and isinstance(ov, str) and isinstance(nv, str)
                       and numbers_in(ov) == numbers_in(nv))
            if _number(ov) != _number(nv):  # a number became text, or text a number
                change = replace(change, kind="number")
            (out.text if wording else out.moved).append(change)


def compare(old: dict, new: dict) -> Changes:
    """What moved between two ledgers (:func:`body`)."""
    out = Changes()
    _compare_group(None, values(old), values(new), out)
    _compare_group("pooled", analyses(old), analyses(new), out)
    _compare_group("verdict", old.get("verdicts", {}), new.get("verdicts", {}), out)
    return out


# ----------------------------------------------------------------------------- what chapters print

@dataclass(frozen=True)
class Paste:
    page: str        # book/03_gabapentin_evidence.md
    line: int
    notebook: str    # notebooks/03_pooled_fibromyalgia.ipynb
    key: str
    spec: str        # the format the chapter gives ("" for none)
    ref: str = ""    # the notebook as the page names it (../notebooks/03_....ipynb)


def pastes(root: Path = ROOT) -> list[Paste]:
    """Every value, chart and table a book page pastes, where and how."""
    out = []
    for page in sorted((root / "book").rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        rel = page.relative_to(root).as_posix()
        for pattern in (PASTE, CHART):
            for m in pattern.finditer(text):
                nb = m.group(1)
                notebook = "" if nb is None else "notebooks/" + Path(nb).name
                spec = (m.group(3) or "") if pattern is PASTE else ""
                out.append(Paste(rel, text.count("\n", 0, m.start()) + 1, notebook,
                                 m.group(2), spec, nb or ""))
    return out


def printed(value: object, spec: str = "") -> str:
    """A value as ``{glue:text}`` prints it with ``spec``."""
    if value is None:
        return ""
    if spec:
        try:
            return format(value, spec)
        except (TypeError, ValueError):
            pass
    return value if isinstance(value, str) else str(value)


def shown(change: Change, pasted: list[Paste]) -> list[Paste]:
    """The pastes where a reader sees ``change``: the chapters that print the value with a
    different result (as they format it), or, for a pooled estimate or a verdict, pages that
    paste anything from its notebook."""
    if change.kind in ("pooled", "verdict"):
        notebooks = change.notebook.split(", ")
        return [p for p in pasted if p.notebook in notebooks]
    return [p for p in pasted if p.key == change.key
            and printed(change.old, p.spec) != printed(change.new, p.spec)]


# ----------------------------------------------------------------------------- the changelog

def unreleased_text(changelog: str, since_version: str) -> str:
    """The part of the changelog newer than release ``since_version``: everything above its
    heading (``## 0.2.0``, ``## [0.2.0] - date``, ``## Version 0.2.0``); without such a
    heading, the "Unreleased" section alone (an entry of an older release never counts)."""
    from tools.release import version_heading

    m = version_heading(since_version).search(changelog)
    if m:
        return changelog[:m.start()]
    m = re.search(r"^##\s+\[?unreleased\b.*$", changelog, re.IGNORECASE | re.MULTILINE)
    if not m:
        return ""
    end = re.search(r"^##\s", changelog[m.end():], re.MULTILINE)
    return changelog[m.start():m.end() + (end.start() if end else len(changelog))]


def named(text: str) -> list[str]:
    """The names a changelog gives in backticks: value keys, claim ids, or patterns."""
    return re.findall(r"`([A-Za-z0-9_*?\[\]-]+)`", text)


def last_digit_only(old: object, new: object) -> bool:
    """Whether two texts differ only by one unit in the last decimal place of some of their
    numbers ("RR 1.65 (1.10 to 2.48)" -> "RR 1.66 (1.10 to 2.48)"): how a value lying on a
    rounding boundary prints on another processor. Whole numbers never count: an NNT of 5
    against 6 is a change a reader sees."""
    if not (isinstance(old, str) and isinstance(new, str)):
        return False
    a, b = NUMBER.findall(old), NUMBER.findall(new)
    if len(a) != len(b) or NUMBER.sub("#", old) != NUMBER.sub("#", new):
        return False
    for x, y in zip(a, b, strict=True):
        if x == y:
            continue
        places = max(len(x.partition(".")[2]), len(y.partition(".")[2]))
        if "," in x + y or places == 0 or "." not in x or "." not in y:
            return False
        if abs(float(x) - float(y)) > 10 ** -places * 1.000001:
            return False
    return True


def unlogged(changes: Changes, changelog: str, since_version: str,
             pasted: list[Paste]) -> list[tuple[Change, list[Paste]]]:
    """The moved numbers a chapter shows that the changelog names nowhere since the release.
    A number is compared as the chapter prints it (:func:`shown`); a text that moved only
    in the last digit of a decimal (:func:`last_digit_only`) needs no entry."""
    names = named(unreleased_text(changelog, since_version))
    missing = []
    for change in changes.moved:
        if change.kind == "text" and last_digit_only(change.old, change.new):
            continue
        where = shown(change, pasted)
        if change.kind == "pooled":
            continue  # a pooled estimate reaches a chapter through the values it glues
        if not where and change.kind != "verdict":
            continue
        if not any(fnmatch.fnmatchcase(change.key, pattern) for pattern in names):
            missing.append((change, where))
    return missing


# ----------------------------------------------------------------------------- command line

def _since(version: str | None, ledger_dir: Path = LEDGER) -> dict | None:
    found = releases(ledger_dir)
    if version:
        found = [r for r in found if r["version"] == version]
    return found[-1] if found else None


def check(root: Path = ROOT, ledger_dir: Path | None = None) -> tuple[int, str]:
    """The changelog check: (exit status, report)."""
    base = _since(None, ledger_dir or root / "ledger")
    if base is None:
        return 0, "changelog check: no release ledger yet (ledger/v*.json); nothing to compare"
    changes = compare(base, current(root))
    missing = unlogged(changes, (root / "CHANGELOG.md").read_text(encoding="utf-8"),
                       base["version"], pastes(root))
    if not missing:
        return 0, (f"changelog check: {len(changes.moved)} values moved since version "
                   f"{base['version']}; every one a chapter shows is named in CHANGELOG.md")
    lines = [f"CHANGELOG.md names none of these {len(missing)} values that moved since version "
             f"{base['version']} and that a chapter shows. Add an entry for each under "
             "'## Unreleased' naming it in backticks (a pattern such as `claims_*` covers "
             "several), and say why it moved:"]
    for change, where in missing:
        spec = where[0].spec if where else ""
        at = f" ({where[0].page}:{where[0].line})" if where else ""
        lines.append(f"  - `{change.key}`: {printed(change.old, spec)} -> "
                     f"{printed(change.new, spec)}{at}, from {change.notebook}")
    return 1, "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("snapshot", help="write ledger/v<version>.json from the committed notebooks")
    diff = sub.add_parser("diff", help="what moved since a release (default: the latest)")
    diff.add_argument("--since", help="a release version, e.g. 0.1.0")
    sub.add_parser("check", help="every moved number a chapter shows is in CHANGELOG.md")
    args = parser.parse_args(argv)
    if args.command == "check":
        status, report = check()
        print(report, file=sys.stderr if status else sys.stdout)
        return status
    if args.command == "snapshot":
        from tools import release

        cff = release.citation()
        from tools.history import git

        commit = (git("rev-parse", "HEAD") or "").strip() or None
        out = snapshot(str(cff["version"]), str(cff["date-released"]), current(),
                       commit=commit)
        print(f"Wrote {out.relative_to(ROOT)}")
        return 0
    base = _since(args.since)
    if base is None:
        print("no release ledger to compare with (ledger/v*.json)", file=sys.stderr)
        return 2
    changes = compare(base, current())
    for title, rows in (("Moved", changes.moved), ("Wording only", changes.text),
                        ("Added", changes.added), ("Removed", changes.removed)):
        print(f"{title} since {base['version']}: {len(rows)}")
        for c in rows:
            print(f"  [{c.kind}] " + c.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
