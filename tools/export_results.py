"""Write the results ledger, ``_build/results.json``, and ``_build/results/pooled_estimates.csv``.

The ledger names the book's version (CITATION.cff) and lists every value a notebook glued
for the book: its key, its value (for
scalars), the notebook, and the bibliography keys it rests on (recorded by
``evidence.book.glue``). Anyone can check what the book claims against it without
reading the notebooks.

``pooled_estimates.csv`` has one row per analysis recorded with
``evidence.book.record_analysis`` in any notebook: population, intervention, comparator,
outcome, measure, model (``single_trial`` when one trial was reported as it is), the
number of trials and participants (a shared placebo arm counted once), the estimate and
its CI, I² (percent) and τ² (empty when nothing was pooled, or τ² for fixed-effect
models), the NNT with its CI and the study keys, separated by semicolons. The NNT is
signed as in ``evidence.meta.nnt_from_rd``: positive = benefit (NNTB), negative = harm
(NNTH); when its CI bounds have opposite signs the interval runs through infinity.

Both are read from the committed notebook outputs: nothing is executed. An analysis id
recorded twice (in one notebook or two) stops the export with a message naming the
notebooks, because the CSV must have one row per analysis.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat

from evidence.book import ANALYSIS_FIELDS, LEDGER_KEY
from tools.execute import notebook_paths

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_build" / "results.json"
CSV_OUT = ROOT / "_build" / "results" / "pooled_estimates.csv"
CSV_COLUMNS = ANALYSIS_FIELDS


class DuplicateAnalysisError(ValueError):
    """Two records share an analysis id."""


def glued_outputs(notebook):
    """Yield ``(key, metadata, data)`` for each output a notebook (a path, or a notebook
    already read) glued.

    The reading side of :func:`evidence.book.glue`: the results export and the tests read
    committed notebooks through it, never by walking cell outputs themselves.
    """
    nb = (notebook if isinstance(notebook, nbformat.NotebookNode)
          else nbformat.read(notebook, as_version=4))
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {})
            if "scrapbook" in meta:
                yield meta["scrapbook"]["name"], meta, output.get("data", {})


def _rel(path: Path) -> str:
    path = Path(path).resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def collect_one(notebook, rel: str) -> dict:
    """The glued values, charts/tables and analysis records of one notebook (a path, or a
    notebook already read, such as an earlier commit's), named ``rel``."""
    values, charts, analyses = [], [], []
    for key, meta, _data in glued_outputs(notebook):
        ledger = meta.get(LEDGER_KEY)
        if ledger is None:
            raise SystemExit(
                f"{rel}: glued key {key!r} has no sources; glue it with "
                "evidence.book.glue(..., sources=[...])"
            )
        entry = {"key": key, "notebook": rel, "sources": ledger["sources"]}
        if ledger.get("analysis") is not None:
            analyses.append({**entry, "record": ledger["analysis"]})
        elif ledger.get("value") is not None:
            values.append({**entry, "value": ledger["value"]})
        else:
            charts.append(entry)
    return {"values": values, "charts": charts, "analyses": analyses}


def collect(paths: Iterable[Path] | None = None) -> dict:
    """Every glued value, chart/table and analysis record of the notebooks."""
    out: dict[str, list] = {"values": [], "charts": [], "analyses": []}
    for path in notebook_paths() if paths is None else paths:
        for group, rows in collect_one(path, _rel(path)).items():
            out[group] += rows
    return out


def check_unique(analyses: list[dict]) -> None:
    """Raise DuplicateAnalysisError naming the notebooks when an analysis id repeats."""
    seen: dict[str, str] = {}
    problems = []
    for entry in analyses:
        analysis_id = entry["record"]["analysis_id"]
        if analysis_id in seen:
            first = seen[analysis_id]
            where = (
                f"twice in {first}"
                if first == entry["notebook"]
                else f"in both {first} and {entry['notebook']}"
            )
            problems.append(f"analysis_id {analysis_id!r} is recorded {where}")
        else:
            seen[analysis_id] = entry["notebook"]
    if problems:
        raise DuplicateAnalysisError(
            "; ".join(problems) + ". Each analysis must be recorded once: rename one of them."
        )


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return value


def write_pooled_estimates(analyses: list[dict], out: Path = CSV_OUT) -> Path:
    """Write one CSV row per analysis record (columns :data:`CSV_COLUMNS`)."""
    check_unique(analyses)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted((entry["record"] for entry in analyses), key=lambda r: r["analysis_id"])
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for record in rows:
            writer.writerow([_cell(record.get(col)) for col in CSV_COLUMNS])
    return out


def main(argv: list[str] | None = None) -> int:
    ledger = collect()
    try:
        csv_path = write_pooled_estimates(ledger["analyses"], CSV_OUT)
    except DuplicateAnalysisError as err:
        print(f"export_results: {err}", file=sys.stderr)
        return 1
    from tools import release

    # Which version of the book these are (a results.json attached to a release says so).
    ledger = {"version": str(release.citation()["version"]), **ledger}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(ledger, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    print(f"Wrote {_rel(OUT)}: {len(ledger['values'])} values, "
          f"{len(ledger['charts'])} charts and tables, {len(ledger['analyses'])} analyses")
    print(f"Wrote {_rel(csv_path)}: {len(ledger['analyses'])} analyses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
