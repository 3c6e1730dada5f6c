"""Decide which notebooks are stale, and execute them with papermill.

A notebook is *current* when the hash recorded in its metadata equals the hash
of what it depends on now:

* its own cells (type and source; papermill's injected-parameters cell excluded),
* each data file it read and each ``evidence`` module it imported on its last run
  (logged by :mod:`evidence.reads`), so a module no notebook imports stales nothing,
* the dependency lock (``requirements.txt``).

jupyter-cache hashes only the cells, so a changed CSV would not re-run anything;
this hash does. Execution goes to a temporary file and replaces the committed
notebook only on success, so a notebook that raises leaves the book as it was.

Command line (``make book`` runs it; ``make check`` runs ``--check``)::

    python -m tools.execute            # run stale notebooks, record their input hash
    python -m tools.execute --force    # run every notebook
    python -m tools.execute --check    # only report stale notebooks (exit 1 if any)
    python -m tools.execute notebooks/x.ipynb   # limit to some notebooks
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from evidence import ROOT
from evidence.reads import READ_LOG_ENV

NOTEBOOKS = ROOT / "notebooks"
LOCK = ROOT / "requirements.txt"
META_KEY = "evidence"
REFRESH_COMMAND = "make book"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _rel(path: Path) -> str:
    """Path relative to the repository when inside it (for messages and metadata)."""
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


def input_hash(nb: nbformat.NotebookNode, inputs: list[str]) -> str:
    """Hash of everything the notebook's outputs depend on."""
    h = hashlib.sha256()
    h.update(b"cells:" + cells_digest(nb).encode())
    for rel in sorted(set(inputs)):
        path = ROOT / rel
        digest = _sha256(path.read_bytes()) if path.is_file() else "missing"
        h.update(f"\0input:{rel}:{digest}".encode())
    h.update(b"\0lock:" + _sha256(LOCK.read_bytes()).encode())
    return h.hexdigest()


@dataclass
class Status:
    path: Path
    current: bool
    reason: str

    @property
    def name(self) -> str:
        return _rel(self.path)


def status(path: Path) -> Status:
    """Is the committed output of ``path`` what its current inputs would produce?"""
    nb = nbformat.read(path, as_version=4)
    recorded = nb.metadata.get(META_KEY, {})
    if not recorded.get("input_hash"):
        return Status(path, False, "never executed by tools/execute.py")
    inputs = list(recorded.get("inputs", []))
    missing = [rel for rel in inputs if not (ROOT / rel).is_file()]
    if missing:
        return Status(path, False, f"input file(s) gone: {', '.join(missing)}")
    if input_hash(nb, inputs) != recorded["input_hash"]:
        return Status(
            path, False, "its cells, the data or engine modules it read, or the lock changed"
        )
    return Status(path, True, "current")


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


def execute(
    path: Path,
    *,
    output: Path | None = None,
    parameters: dict | None = None,
    timeout: int = 600,
) -> Path:
    """Run ``path`` with papermill; return where the executed notebook was written.

    Without ``output`` the notebook is replaced in place (only on success) and the
    input hash is recorded. With ``output`` (an educator's re-run with other
    ``parameters``) the committed notebook is never touched.
    """
    import papermill as pm

    path = Path(path).resolve()
    target = Path(output).resolve() if output else path
    fd, log_name = tempfile.mkstemp(prefix="reads-", suffix=".log")
    os.close(fd)
    tmp = target.with_name(f".{target.stem}.running.ipynb")
    os.environ[READ_LOG_ENV] = log_name
    try:
        pm.execute_notebook(
            str(path),
            str(tmp),
            parameters=parameters or {},
            cwd=str(path.parent),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            kernel_name="python3",
        )
    except pm.PapermillExecutionError as err:
        tmp.unlink(missing_ok=True)
        first_line = ((err.source or "").strip().splitlines() or [""])[0]
        raise NotebookError(
            f"{_rel(path)}: cell {err.cell_index} (execution count {err.exec_count}) "
            f"raised {err.ename}: {err.evalue}\n    cell starts: {first_line}"
        ) from None
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        os.environ.pop(READ_LOG_ENV, None)
        reads = Path(log_name).read_text(encoding="utf-8").split()
        Path(log_name).unlink(missing_ok=True)

    nb = nbformat.read(tmp, as_version=4)
    _strip_volatile(nb)
    if output is None:
        inputs = sorted(set(reads))
        nb.metadata[META_KEY] = {"input_hash": input_hash(nb, inputs), "inputs": inputs}
    nbformat.write(nb, tmp)
    tmp.replace(target)
    return target


def _execute_job(path: str) -> tuple[str, float, str | None]:
    """Worker for the process pool: execute one notebook, report time or error."""
    start = time.perf_counter()
    try:
        execute(Path(path))
    except NotebookError as err:
        return path, time.perf_counter() - start, str(err)
    return path, time.perf_counter() - start, None


def execute_stale(paths: list[Path], *, force: bool = False, jobs: int | None = None) -> int:
    """Execute the stale notebooks among ``paths`` in parallel; return the exit code."""
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
    failures = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_execute_job, str(p)) for p in todo]
        for done, fut in enumerate(as_completed(futures), start=1):
            name, seconds, error = fut.result()
            rel = _rel(Path(name))
            if error:
                failures.append(error)
                print(f"  [{done}/{len(todo)}] FAILED {rel} after {seconds:.1f}s", flush=True)
            else:
                print(f"  [{done}/{len(todo)}] executed {rel} in {seconds:.1f}s", flush=True)
    if failures:
        print("\nNotebook execution failed; the committed notebooks were left as they were:",
              file=sys.stderr)
        for message in failures:
            print(f"  {message}", file=sys.stderr)
        return 1
    print(f"Executed {len(todo)} notebook(s) ({len(paths) - len(todo)} current).", flush=True)
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
