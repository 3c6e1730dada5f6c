"""Validate data/ against data/datapackage.json and the cross-field rules.

Usage: python scripts/validate.py [--root data] [--bib book/references.bib]

Prints one line per problem, `data/x.csv:LINE: column 'c' value 'v' breaks rule R — hint`,
then a summary; exits 1 if there is any problem, 0 (with a one-line OK) otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evidence import DATA  # noqa: E402
from evidence.validate import summary, validate  # noqa: E402


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
    args = parser.parse_args(argv)
    problems = validate(args.root, args.bib)
    prefix = _prefix(args.root)
    for problem in problems:
        print(problem.format(prefix))
    if problems:
        files = len({p.file for p in problems})
        print(f"FAILED: {len(problems)} problem(s) in {files} file(s)")
        return 1
    counts = summary(args.root)
    print(f"OK: {len(counts)} tables, {sum(counts.values())} rows valid; every key resolves "
          "in the bibliography")
    return 0


if __name__ == "__main__":
    sys.exit(main())
