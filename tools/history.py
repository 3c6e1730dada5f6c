"""What git says about a change to the book's numbers: which data rows moved, and in which
commit. The ledger (tools/ledger.py) says what moved; this module says why and when, for the
What changed page (tools/changes_page.py).

* :func:`changed_rows` — the data rows that differ between a release and now, by primary
  key, keeping only changes that can move a number (:func:`_schemas`: weighty columns);
* :func:`rows_behind` — of those, the rows that can have moved one value;
* :func:`moving_commit` and :func:`row_commit` — the commit that gave a value, or a row, what
  it holds now (None while the change is not committed);
* :func:`release_ref` — the commit a release was made from (its tag, else its ledger's).

Every function answers None or nothing where there is no repository or the history is too
short (a shallow clone), so the page is built without them rather than not at all.
"""

from __future__ import annotations

import functools
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tools.ledger import (
    CLAIMS,
    ROOT,
    Change,
    analyses,
    csv_rows,
    notebook_inputs,
    same,
    values,
    verdicts,
)


def git(*args: str, root: Path = ROOT) -> str | None:
    """git's output, or None where there is no repository or the history is too short."""
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                                check=False)
    except OSError:
        return None
    return result.stdout if result.returncode == 0 else None


def release_ref(release: dict, root: Path = ROOT) -> str | None:
    """The commit a release was made from: its tag, else the commit its ledger records."""
    for ref in (f"v{release['version']}", release.get("commit")):
        if ref and git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", root=root):
            return ref
    return None


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str
    subject: str


@functools.lru_cache(maxsize=4096)
def _show(ref: str, path: str, root: Path) -> str | None:
    return git("show", f"{ref}:{path}", root=root)


@functools.lru_cache(maxsize=1024)
def _ledger_at(ref: str, path: str, root: Path) -> dict:
    """The values and pooled estimates a notebook (or the verdicts claims.csv) held at commit
    ``ref``, keyed as in a ledger; empty where the file is missing or unreadable then."""
    text = _show(ref, path, root)
    if text is None:
        return {}
    if path.endswith(".csv"):
        return verdicts(csv_rows(text), "")
    import nbformat

    from tools.export_results import collect_one

    try:
        results = collect_one(nbformat.reads(text, as_version=4), path)
    except SystemExit:  # a notebook of before every glued value carried its sources
        return {}
    return {**values(results), **analyses(results)}


def _path_of(change: Change) -> str:
    return CLAIMS if change.kind == "verdict" else change.notebook


def _walk(path: str, since: str, to: str | None, value_at, target: object,
          root: Path) -> Commit | None:
    """The oldest commit of the unbroken run, back from ``to`` (else HEAD), in which
    ``value_at(sha, path)`` equals ``target``: the commit that gave it that value."""
    log = git("log", "--topo-order", "--follow", "--name-only",
              "--format=%x00%H%x09%ad%x09%s", "--date=short", f"{since}..{to or 'HEAD'}",
              "--", path, root=root)
    if not log:
        return None
    commits = []
    for block in log.split("\x00")[1:]:
        head, *names = [x for x in block.splitlines() if x.strip()]
        sha, date, subject = head.split("\t", 2)
        commits.append((Commit(sha, date, subject), names[-1] if names else path))
    if not same(value_at(commits[0][0].sha, commits[0][1]), target):
        return None  # the working tree differs from the last commit: not committed yet
    found = commits[0][0]
    for commit, at in commits:
        if not same(value_at(commit.sha, at), target):
            break
        found = commit
    return found


def moving_commit(change: Change, since: str, root: Path = ROOT,
                  to: str | None = None) -> Commit | None:
    """The commit after ``since`` (up to ``to``, else HEAD) that gave the value its new
    value: None when the change is not committed yet, or git cannot tell."""
    def value_at(sha: str, path: str) -> object:
        return _ledger_at(sha, path, root).get(change.key, {}).get("value")

    return _walk(_path_of(change), since, to, value_at, change.new, root)


def _row_id(row: dict, columns: list[str]) -> str:
    """A data row's id: its primary key's values, joined by " / "."""
    return " / ".join(row.get(c, "") for c in columns)


def row_commit(row: RowChange, since: str, root: Path = ROOT,
               to: str | None = None) -> Commit | None:
    """The commit after ``since`` that gave a data row its weighty values (or added or
    removed it): None when the change is not committed yet."""
    key = _schemas(root).get(row.path, {}).get("key") or []

    def state(text: str | None) -> object:
        """The row's changed columns in a version of its table ("absent" when not there)."""
        if text is None:
            return None
        for r in csv_rows(text):
            if _row_id(r, key) == row.row:
                return {c: r.get(c) for c in row.columns} if row.columns else "present"
        return "absent"

    if to:
        target = state(_show(to, row.path, root))
    else:
        here = root / row.path
        target = state(here.read_text(encoding="utf-8") if here.is_file() else "")
    return _walk(row.path, since, to, lambda sha, path: state(_show(sha, path, root)),
                 target, root)


def _schemas(root: Path) -> dict[str, dict]:
    """``{data path: {"key": [primary key columns], "weighty": {columns}, "kind"}}``. A
    weighty column can move a number: typed as a number, integer or boolean, limited to a
    list of values, or a foreign key (a code such as a verdict). The others are free text
    (notes, where a number was read), which no analysis computes with."""
    from tools.validate import VOCABULARY_KIND, table_kind

    package = json.loads((root / "data" / "datapackage.json").read_text(encoding="utf-8"))
    out = {}
    for res in package["resources"]:
        schema = res.get("schema") if isinstance(res.get("schema"), dict) else {}
        key = schema.get("primaryKey")
        foreign = set()
        for fk in schema.get("foreignKeys", []):
            fields = fk["fields"]
            foreign |= {fields} if isinstance(fields, str) else set(fields)
        weighty = {f["name"] for f in schema.get("fields", [])
                   if f.get("type") in ("number", "integer", "boolean")
                   or f.get("constraints", {}).get("enum") or f["name"] in foreign}
        out["data/" + res["path"]] = {
            "key": [key] if isinstance(key, str) else list(key or []), "weighty": weighty,
            "vocabulary": table_kind(res["path"]) == VOCABULARY_KIND}
    return out


@dataclass(frozen=True)
class RowChange:
    path: str        # data/trials_binary.csv
    row: str         # the row's primary key, joined by " / "
    how: str         # changed, added or removed
    sources: tuple[str, ...]
    columns: tuple[str, ...] = ()   # the columns that changed (for a changed row)


def changed_rows(since: str, root: Path = ROOT, to: str | None = None) -> list[RowChange]:
    """The data rows that differ between commit ``since`` and ``to`` (the working tree when
    None), by primary key, in a way that can move a number: a row added or removed, or a
    weighty column changed (see :func:`_schemas`). Vocabulary tables (labels) are left out."""
    from evidence.data import sources as row_sources

    names = git("diff", "--name-only", since, *([to] if to else []), "--", "data", root=root)
    if names is None:
        return []
    schemas = _schemas(root)
    out = []
    for path in sorted(n for n in names.splitlines() if n.endswith(".csv")):
        schema = schemas.get(path, {"key": [], "weighty": set(), "vocabulary": False})
        if schema["vocabulary"]:
            continue
        old_text = _show(since, path, root) or ""
        new_text = (_show(to, path, root) if to else
                    (root / path).read_text(encoding="utf-8")
                    if (root / path).is_file() else "") or ""
        pk = schema["key"]

        def index(text: str, pk: list[str] = pk) -> dict[str, dict]:
            rows = csv_rows(text)
            cols = pk or (list(rows[0])[:1] if rows else [])
            return {_row_id(r, cols): r for r in rows}

        old, new = index(old_text), index(new_text)
        for row in sorted(set(old) | set(new)):
            if row not in old or row not in new:
                how, columns = ("added" if row not in old else "removed"), ()
            else:
                columns = tuple(c for c in new[row] if c in schema["weighty"]
                                and old[row].get(c) != new[row].get(c))
                how = "changed" if columns else None
            if how:
                out.append(RowChange(path, row, how,
                                     tuple(row_sources(new.get(row) or old[row])), columns))
    return out


def rows_behind(change: Change, rows: list[RowChange], root: Path = ROOT) -> list[RowChange]:
    """The changed data rows that can have moved ``change``: rows of the files its notebook
    reads, narrowed to those citing one of its sources when any does."""
    if change.kind == "verdict":
        return [r for r in rows if r.path == CLAIMS and r.row == change.key]
    inputs = notebook_inputs(root).get(Path(change.notebook).name, set())
    read = [r for r in rows if r.path in inputs]
    cited = [r for r in read if set(r.sources) & set(change.sources)]
    return cited or read
