"""Decide which notebooks are stale, and execute them with papermill.

A notebook is *current* when what it depends on is what it was last executed with:

* its own cells (type and source; papermill's injected-parameters cell excluded),
* each data file it read and each ``evidence`` module it imported on its last run
  (logged by :mod:`evidence.reads`), so a module no notebook imports stales nothing,
* the dependency lock (``requirements.txt``).

Those hashes live in one committed file next to the notebooks, ``inputs.lock.json``, one
entry per notebook, not in the notebooks themselves. So a change that alters no output
(a fixed typo in a table no figure shows, a dependency bump that changes no number)
re-executes the notebooks that read it and rewrites only their lines of the lock file; a
notebook file changes only when its outputs do, as nbval would judge them (the same
sanitizers, ``tests/nbval_sanitize.cfg``). A stale notebook is reported with the inputs
that changed.

jupyter-cache hashes only the cells, so a changed CSV would not re-run anything; this
lock does. Every stale notebook runs to a temporary file first; only when all of them
succeeded are the committed notebooks and the lock replaced, so a notebook that raises
leaves the book exactly as it was.

Command line (``make book`` runs it; ``make check`` runs ``--check``)::

    python -m tools.execute            # run stale notebooks, update the lock
    python -m tools.execute --force    # run every notebook
    python -m tools.execute --check    # only report stale notebooks (exit 1 if any)
    python -m tools.execute notebooks/x.ipynb   # limit to some notebooks
"""

from __future__ import annotations

import argparse
import configparser
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from evidence import ROOT
from evidence.reads import READ_LOG_ENV

NOTEBOOKS = ROOT / "notebooks"
LOCK = ROOT / "requirements.txt"
LOCK_NAME = "inputs.lock.json"
SANITIZERS = ROOT / "tests" / "nbval_sanitize.cfg"
REFRESH_COMMAND = "make book"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _rel(path: Path) -> str:
    """Path relative to the repository when inside it (for messages and the lock)."""
    path = Path(path).resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def notebook_paths(root: Path = NOTEBOOKS) -> list[Path]:
    """Every notebook of the book, in name order (checkpoints excluded)."""
    return sorted(p for p in root.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def cells_digest(nb: nbformat.NotebookNode) -> str:
    """Hash of the notebook's cells as written by its author."""
    h = hashlib.sha256()
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        h.update(cell.cell_type.encode() + b"\0" + cell.source.encode() + b"\0")
    return h.hexdigest()


# ---- the lock file ---------------------------------------------------------------------
def lock_path(notebook: Path) -> Path:
    """The lock file that records ``notebook``'s inputs (the one in its folder)."""
    return Path(notebook).resolve().parent / LOCK_NAME


def read_lock(path: Path) -> dict[str, dict]:
    """Notebook file name -> {"cells": digest, "inputs": {path: sha256}}; {} if absent."""
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))["notebooks"]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise SystemExit(f"error: {_rel(path)} is not a notebook input lock ({err}); "
                         f"delete it and run `{REFRESH_COMMAND}` to rebuild it") from None


def write_lock(path: Path, entries: dict[str, dict]) -> None:
    """Write the lock, keeping only notebooks that still exist (one stable, sorted text)."""
    kept = {name: entries[name] for name in sorted(entries) if (path.parent / name).is_file()}
    text = json.dumps({"notebooks": kept}, indent=1, sort_keys=True) + "\n"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _digest(rel: str) -> str | None:
    path = ROOT / rel
    return _sha256(path.read_bytes()) if path.is_file() else None


def lock_entry(nb: nbformat.NotebookNode, reads: list[str]) -> dict:
    """What a run of ``nb`` that read ``reads`` depended on, hashed."""
    inputs = {rel: _digest(rel) for rel in sorted(set(reads))}
    inputs[_rel(LOCK)] = _digest(_rel(LOCK))
    return {"cells": cells_digest(nb), "inputs": inputs}


# ---- staleness -------------------------------------------------------------------------
@dataclass
class Status:
    path: Path
    current: bool
    reason: str
    changed: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return _rel(self.path)


def status(path: Path, lock: dict[str, dict] | None = None) -> Status:
    """Is the committed output of ``path`` what its current inputs would produce?

    ``changed`` names what differs from the last run: ``cells`` and/or input paths.
    """
    path = Path(path).resolve()
    entry = (read_lock(lock_path(path)) if lock is None else lock).get(path.name)
    if not entry:
        return Status(path, False, f"not in {_rel(lock_path(path))}: never executed by "
                                   "tools/execute.py")
    changed = []
    if cells_digest(nbformat.read(path, as_version=4)) != entry.get("cells"):
        changed.append("cells")
    gone = []
    for rel, digest in sorted(entry.get("inputs", {}).items()):
        now = _digest(rel)
        if now is None:
            gone.append(rel)
        elif now != digest:
            changed.append(rel)
    if not changed and not gone:
        return Status(path, True, "current")
    parts = []
    if "cells" in changed:
        parts.append("its cells changed")
    if files := [c for c in changed if c != "cells"]:
        parts.append(f"changed since its last run: {', '.join(files)}")
    if gone:
        parts.append(f"input file(s) gone: {', '.join(gone)}")
    return Status(path, False, "; ".join(parts), changed + gone)


# ---- running ---------------------------------------------------------------------------
class NotebookError(RuntimeError):
    """A notebook raised: the message names the notebook, the cell and the error."""


def _strip_volatile(nb: nbformat.NotebookNode) -> None:
    """Drop timestamps and durations, and join printed text the kernel happened to send in
    several pieces, so that re-running gives a clean diff."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        joined: list = []
        for out in cell.outputs:
            last = joined[-1] if joined else None
            if (out.output_type == "stream" and last is not None
                    and last.output_type == "stream" and last.name == out.name):
                last.text += out.text
            else:
                joined.append(out)
        cell.outputs = joined


def _run(path: Path, target: Path, parameters: dict | None, timeout: int) -> list[str]:
    """Execute ``path`` into ``target`` (volatile fields stripped); return what it read."""
    import papermill as pm

    fd, log_name = tempfile.mkstemp(prefix="reads-", suffix=".log")
    os.close(fd)
    os.environ[READ_LOG_ENV] = log_name
    try:
        pm.execute_notebook(
            str(path),
            str(target),
            parameters=parameters or {},
            cwd=str(path.parent),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            kernel_name="python3",
        )
    except pm.PapermillExecutionError as err:
        target.unlink(missing_ok=True)
        first_line = ((err.source or "").strip().splitlines() or [""])[0]
        raise NotebookError(
            f"{_rel(path)}: cell {err.cell_index} (execution count {err.exec_count}) "
            f"raised {err.ename}: {err.evalue}\n    cell starts: {first_line}"
        ) from None
    except Exception:
        target.unlink(missing_ok=True)
        raise
    finally:
        os.environ.pop(READ_LOG_ENV, None)
        reads = Path(log_name).read_text(encoding="utf-8").split()
        Path(log_name).unlink(missing_ok=True)
    nb = nbformat.read(target, as_version=4)
    _strip_volatile(nb)
    nbformat.write(nb, target)
    return sorted(set(reads))


def _sanitizers() -> list[tuple[re.Pattern, str]]:
    """nbval's sanitizers (what differs between runs by nature), as (pattern, replacement)."""
    if not SANITIZERS.is_file():
        return []
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(SANITIZERS, encoding="utf-8")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


def same_outputs(a: str, b: str) -> bool:
    """Would nbval judge the two notebook texts equal (after its sanitizers)?"""
    for pattern, replacement in _sanitizers():
        a, b = pattern.sub(replacement, a), pattern.sub(replacement, b)
    return a == b


def _install(path: Path, ran: Path) -> bool:
    """Move the executed ``ran`` over ``path`` unless nothing nbval compares has changed;
    return whether the committed notebook was rewritten."""
    new = ran.read_text(encoding="utf-8")
    if path.is_file() and same_outputs(new, path.read_text(encoding="utf-8")):
        ran.unlink()
        return False
    ran.replace(path)
    return True


def _running(path: Path) -> Path:
    return path.with_name(f".{path.stem}.running.ipynb")


def execute(
    path: Path,
    *,
    output: Path | None = None,
    parameters: dict | None = None,
    timeout: int = 600,
) -> Path:
    """Run ``path`` with papermill; return where the executed notebook was written.

    Without ``output`` the notebook is replaced in place (only on success, and only if its
    outputs changed) and its entry in the lock is updated. With ``output`` (an educator's
    re-run with other ``parameters``) neither the committed notebook nor the lock is touched.
    """
    path = Path(path).resolve()
    if output is not None:
        target = Path(output).resolve()
        tmp = _running(target)
        _run(path, tmp, parameters, timeout)
        tmp.replace(target)
        return target
    reads = _run(path, _running(path), parameters, timeout)
    _commit({path: reads})
    return path


def _commit(runs: dict[Path, list[str]]) -> list[Path]:
    """Install every executed notebook of ``runs`` (all succeeded) and update the lock(s);
    return the notebooks whose file changed."""
    rewritten = []
    by_lock: dict[Path, dict[Path, list[str]]] = {}
    for path, reads in runs.items():
        by_lock.setdefault(lock_path(path), {})[path] = reads
    for lock_file, group in by_lock.items():
        entries = read_lock(lock_file)
        for path, reads in group.items():
            if _install(path, _running(path)):
                rewritten.append(path)
            entries[path.name] = lock_entry(nbformat.read(path, as_version=4), reads)
        write_lock(lock_file, entries)
    return rewritten


def _execute_job(path: str) -> tuple[str, float, list[str] | None, str | None]:
    """Worker for the process pool: execute one notebook to its temporary file."""
    start = time.perf_counter()
    p = Path(path)
    try:
        reads = _run(p, _running(p), None, 600)
    except NotebookError as err:
        return path, time.perf_counter() - start, None, str(err)
    return path, time.perf_counter() - start, reads, None


def execute_stale(paths: list[Path], *, force: bool = False, jobs: int | None = None) -> int:
    """Execute the stale notebooks among ``paths`` in parallel; install them all or none."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    todo = []
    for path in paths:
        st = status(path)
        if force or not st.current:
            todo.append(path)
            print(f"  stale    {st.name}: {'forced' if force else st.reason}", flush=True)
    if not todo:
        print(f"Executed 0 notebooks ({len(paths)} current).", flush=True)
        return 0
    jobs = jobs or min(len(todo), os.cpu_count() or 1)
    failures, runs = [], {}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_execute_job, str(p)) for p in todo]
        for done, fut in enumerate(as_completed(futures), start=1):
            name, seconds, reads, error = fut.result()
            rel = _rel(Path(name))
            if error:
                failures.append(error)
                print(f"  [{done}/{len(todo)}] FAILED {rel} after {seconds:.1f}s", flush=True)
            else:
                runs[Path(name)] = reads
                print(f"  [{done}/{len(todo)}] executed {rel} in {seconds:.1f}s", flush=True)
    if failures:
        for path in runs:
            _running(path).unlink(missing_ok=True)
        print(f"\nNotebook execution failed, so none of the {len(todo)} stale notebook(s) "
              f"was replaced and {LOCK_NAME} is unchanged:", file=sys.stderr)
        for message in failures:
            print(f"  {message}", file=sys.stderr)
        return 1
    rewritten = _commit(runs)
    kept = len(todo) - len(rewritten)
    print(f"Executed {len(todo)} notebook(s) ({len(paths) - len(todo)} current): "
          f"{len(rewritten)} rewritten with new outputs, {kept} left as they were (same "
          f"outputs); {LOCK_NAME} updated.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--force", action="store_true", help="execute even current notebooks")
    parser.add_argument("--check", action="store_true", help="report stale notebooks; run none")
    parser.add_argument("--jobs", type=int, default=None, help="parallel kernels (default: cores)")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or notebook_paths()
    for path in paths:
        if not path.is_file():
            print(f"error: no notebook at {path}", file=sys.stderr)
            return 2
    if args.check:
        stale = [st for st in map(status, paths) if not st.current]
        for st in stale:
            print(f"{st.name}: outputs are stale ({st.reason}); refresh with `{REFRESH_COMMAND}`",
                  file=sys.stderr)
        if not stale:
            print(f"All {len(paths)} notebook(s) current.")
        return 1 if stale else 0
    return execute_stale(paths, force=args.force, jobs=args.jobs)


if __name__ == "__main__":
    sys.exit(main())
