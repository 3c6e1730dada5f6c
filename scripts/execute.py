"""Execute the book's notebooks whose inputs changed (papermill, in parallel).

    python scripts/execute.py            # run stale notebooks, record their input hash
    python scripts/execute.py --force    # run every notebook
    python scripts/execute.py --check    # only report stale notebooks (exit 1 if any)
    python scripts/execute.py notebooks/x.ipynb   # limit to some notebooks

See evidence/notebooks.py for what the hash covers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evidence.notebooks import REFRESH_COMMAND, execute_stale, notebook_paths, status


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
