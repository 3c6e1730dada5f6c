"""Write the data appendix book/data.md from data/datapackage.json (a generated file).

Usage: python scripts/data_appendix.py [--root data] [--out book/data.md]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evidence import BOOK, DATA  # noqa: E402
from evidence.datapackage_docs import render, stats  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DATA, help="data folder (default: data/)")
    parser.add_argument("--out", type=Path, default=BOOK / "data.md",
                        help="page to write (default: book/data.md)")
    args = parser.parse_args(argv)
    text = render(args.root)
    # Rewrite only when the content changed: a fresh mtime would make Sphinx re-read the
    # page, so a no-op `make book` would not be one.
    if not args.out.is_file() or args.out.read_text(encoding="utf-8") != text:
        args.out.write_text(text, encoding="utf-8")
        tables = stats(args.root)
        print(f"wrote {args.out} ({len(tables)} tables, {sum(t.rows for t in tables)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
