"""Write the results ledger, ``_build/results.json``.

It lists every value a notebook glued for the book: its key, its value (for
scalars), the notebook, and the bibliography keys it rests on (recorded by
``evidence.book.glue``). Anyone can check what the book claims against it
without reading the notebooks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat

from evidence.book import LEDGER_KEY
from evidence.notebooks import notebook_paths

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_build" / "results.json"


def glued_outputs(path: Path):
    """Yield (key, metadata, data) for each glued output of one notebook."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {})
            if "scrapbook" in meta:
                yield meta["scrapbook"]["name"], meta, output.get("data", {})


def collect() -> dict:
    values, charts = [], []
    for path in notebook_paths():
        rel = path.relative_to(ROOT).as_posix()
        for key, meta, data in glued_outputs(path):
            ledger = meta.get(LEDGER_KEY)
            if ledger is None:
                raise SystemExit(
                    f"{rel}: glued key {key!r} has no sources; glue it with "
                    "evidence.book.glue(..., sources=[...])"
                )
            entry = {"key": key, "notebook": rel, "sources": ledger["sources"]}
            if ledger.get("value") is not None:
                values.append({**entry, "value": ledger["value"]})
            else:
                charts.append(entry)
    return {"values": values, "charts": charts}


def main() -> int:
    ledger = collect()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(ledger, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    print(f"Wrote {OUT.relative_to(ROOT)}: {len(ledger['values'])} values, "
          f"{len(ledger['charts'])} charts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
