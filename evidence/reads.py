"""Remember what an analysis read: the data files and the engine modules it used.

The executor (``tools/execute.py``) sets ``EVIDENCE_READ_LOG`` to a file before it runs a
notebook. While it is set, every table read through :func:`evidence.data.load` and every
``evidence`` module the notebook imports (directly or through another module) is appended
to that file, one path a line, relative to the repository. The executor hashes exactly
those files into the notebook's input hash, so editing a table or a module re-executes the
notebooks that used it, and nothing else: a module no notebook imports stales nothing.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from pathlib import Path

READ_LOG_ENV = "EVIDENCE_READ_LOG"
PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent


def record(path: Path | str) -> None:
    """Append ``path`` (relative to the repository) to the read log, if one is active."""
    log = os.environ.get(READ_LOG_ENV)
    if not log:
        return
    rel = Path(path).resolve().relative_to(ROOT).as_posix()
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(rel + "\n")


class _EngineImports(importlib.abc.MetaPathFinder):
    """Finds ``evidence.*`` modules as Python would, and records each file it finds."""

    def find_spec(self, name, path, target=None):
        if not name.startswith(f"{__package__}."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.origin and spec.has_location:
            record(spec.origin)
        return spec


def watch_imports() -> None:
    """Record the engine modules imported from now on (only while a read log is active)."""
    if not os.environ.get(READ_LOG_ENV):
        return
    if any(isinstance(finder, _EngineImports) for finder in sys.meta_path):
        return
    sys.meta_path.insert(0, _EngineImports())
    for module in (PACKAGE / "__init__.py", Path(__file__)):
        record(module)
