"""The ledger of published numbers: what each release of the book printed, and what moved.

A release's ledger is the book's glued values (``_build/results.json``) at that release,
written once to ``ledger/v<version>.json`` and committed. Comparing two ledgers, or a ledger
with the current build, lists every number that moved (old -> new, with its notebook and
sources), every number added or removed, and, separately, text that changed.

    python -m tools.ledger snapshot          # write ledger/v<CITATION.cff version>.json
    python -m tools.ledger diff [--since V]  # the changes since release V (default: latest)

Two numbers are the same when they agree to ``REL_TOL`` (the last digits of a float differ
between processors: numpy's vectorised exp and log); a value printed with fewer digits is
compared as printed, so rounding in the last digit counts as no change only within that.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "ledger"
RESULTS = ROOT / "_build" / "results.json"
REL_TOL = 1e-9


@dataclass(frozen=True)
class Change:
    key: str
    old: object
    new: object
    notebook: str
    sources: tuple[str, ...]

    def line(self) -> str:
        return f"{self.key}: {self.old!r} -> {self.new!r} ({self.notebook})"


@dataclass(frozen=True)
class Changes:
    moved: list[Change]      # numbers whose value changed
    text: list[Change]       # text values that changed
    added: list[Change]      # keys new in this build (old is None)
    removed: list[Change]    # keys gone from this build (new is None)

    def empty(self) -> bool:
        return not (self.moved or self.text or self.added or self.removed)


def values(results: dict) -> dict[str, dict]:
    """``{key: {"value", "notebook", "sources"}}`` from a results.json or a ledger."""
    rows = results["values"]
    if isinstance(rows, dict):
        return rows
    return {r["key"]: {"value": r["value"], "notebook": r["notebook"],
                       "sources": list(r["sources"])} for r in rows}


def _number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def same(a: object, b: object) -> bool:
    if _number(a) and _number(b):
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=0.0) or a == b
    return a == b


def compare(old: dict, new: dict) -> Changes:
    """What moved between two sets of values (:func:`values`)."""
    moved, text, added, removed = [], [], [], []
    for key in sorted(set(old) | set(new)):
        o, n = old.get(key), new.get(key)
        where = n or o
        change = Change(key, None if o is None else o["value"],
                        None if n is None else n["value"], where["notebook"],
                        tuple(where["sources"]))
        if o is None:
            added.append(change)
        elif n is None:
            removed.append(change)
        elif not same(o["value"], n["value"]):
            (moved if _number(o["value"]) or _number(n["value"]) else text).append(change)
    return Changes(moved, text, added, removed)


def release_files() -> list[Path]:
    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in p.stem.lstrip("v").split("."))

    return sorted(LEDGER.glob("v*.json"), key=version)


def snapshot(version: str, released: str, results: dict, out_dir: Path = LEDGER) -> Path:
    """Write the ledger of a release; a release's ledger is never rewritten."""
    out = out_dir / f"v{version}.json"
    if out.exists():
        raise FileExistsError(f"{out.name} exists: a release's ledger is written once; "
                              "raise the version in CITATION.cff for a new release")
    out_dir.mkdir(parents=True, exist_ok=True)
    body = {"version": version, "released": released, "values": values(results)}
    out.write_text(json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("snapshot", help="write ledger/v<version>.json from _build/results.json")
    diff = sub.add_parser("diff", help="what moved since a release (default: the latest)")
    diff.add_argument("--since", help="a release version, e.g. 0.1.0")
    args = parser.parse_args(argv)
    if not RESULTS.is_file():
        print("no _build/results.json: run `make book` first", file=sys.stderr)
        return 2
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    if args.command == "snapshot":
        from tools import release

        cff = release.citation()
        print(f"Wrote {snapshot(str(cff['version']), str(cff['date-released']), results).name}")
        return 0
    files = release_files()
    if args.since:
        files = [f for f in files if f.stem == f"v{args.since}"]
    if not files:
        print("no release ledger to compare with (ledger/v*.json)", file=sys.stderr)
        return 2
    base = json.loads(files[-1].read_text(encoding="utf-8"))
    changes = compare(values(base), values(results))
    for title, rows in (("Numbers that moved", changes.moved), ("Text", changes.text),
                        ("Added", changes.added), ("Removed", changes.removed)):
        print(f"{title} since {base['version']}: {len(rows)}")
        for c in rows:
            print("  " + c.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
