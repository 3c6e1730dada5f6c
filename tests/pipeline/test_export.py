"""tools/export_results.py: the results ledger and _build/results/pooled_estimates.csv.

The CSV is written from the committed notebook outputs (nothing executed); it must have
one row per analysis, the exact columns below, and refuse an analysis id recorded twice.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from evidence import book
from tools.execute import notebook_paths

COLUMNS = [
    "analysis_id", "population", "intervention", "comparator", "outcome", "measure", "model",
    "n_studies", "n_participants", "estimate", "ci_low", "ci_high", "i2", "tau2", "nnt",
    "nnt_ci_low", "nnt_ci_high", "studies",
]
REQUIRED = {
    "gabapentin_fm_pain30": "notebooks/03_gabapentin_fm_trial.ipynb",
    "gabapentin_fm_withdrawal_ae": "notebooks/03_gabapentin_fm_trial.ipynb",
    "pregabalin_fm_dizziness": "notebooks/03_pooled_fibromyalgia.ipynb",
    "pregabalin_fm_somnolence": "notebooks/03_pooled_fibromyalgia.ipynb",
    "pregabalin_fm_withdrawal_ae": "notebooks/03_pooled_fibromyalgia.ipynb",
    "sodium_oxybate_fm_pain30": "notebooks/03_pooled_fibromyalgia.ipynb",
    "sodium_oxybate_fm_pain50": "notebooks/03_pooled_fibromyalgia.ipynb",
}


def _load_script():
    from tools import export_results

    return export_results


export = _load_script()


@pytest.fixture
def exported(tmp_path, monkeypatch) -> tuple[Path, dict]:
    """Run the export's main() on the committed notebooks into a temporary _build."""
    monkeypatch.setattr(export, "OUT", tmp_path / "results.json")
    monkeypatch.setattr(export, "CSV_OUT", tmp_path / "results" / "pooled_estimates.csv")
    assert export.main() == 0
    ledger = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    return tmp_path / "results" / "pooled_estimates.csv", ledger


def test_the_results_name_the_version_of_the_book(exported):
    from tools import release

    _path, ledger = exported
    assert ledger["version"] == str(release.citation()["version"])


def test_columns_are_exactly_the_documented_ones():
    assert list(book.ANALYSIS_FIELDS) == COLUMNS
    assert list(export.CSV_COLUMNS) == COLUMNS


def test_pooled_estimates_csv_has_every_required_analysis(exported):
    path, ledger = exported
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS
        rows = {r["analysis_id"]: r for r in reader}
    assert set(REQUIRED) <= set(rows)
    where = {a["record"]["analysis_id"]: a["notebook"] for a in ledger["analyses"]}
    for analysis_id, notebook in REQUIRED.items():
        assert where[analysis_id] == notebook
        row = rows[analysis_id]
        assert row["measure"] == "RR" and row["comparator"] == "placebo"
        assert int(row["n_studies"]) >= 1 and int(row["n_participants"]) > 0
        assert float(row["ci_low"]) <= float(row["estimate"]) <= float(row["ci_high"])
        assert len(row["studies"].split(";")) == int(row["n_studies"])
        if int(row["n_studies"]) == 1:
            assert row["model"] == "single_trial" and row["i2"] == "" and row["tau2"] == ""


def test_csv_values_are_the_committed_records(exported):
    path, ledger = exported
    records = {a["record"]["analysis_id"]: a["record"] for a in ledger["analyses"]}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            record = records[row["analysis_id"]]
            assert float(row["estimate"]) == record["estimate"]  # repr round-trips exactly
            assert row["studies"] == ";".join(record["studies"])
    # The sodium oxybate dose arms share one placebo arm, counted once:
    # Spaeth 2012 randomised 195 + 190 to the two doses and 188 to placebo.
    assert records["sodium_oxybate_fm_pain30"]["n_participants"] == 195 + 190 + 188
    assert records["gabapentin_fm_pain30"]["n_participants"] == 150


def test_the_ledger_keeps_values_charts_and_analyses_apart(exported):
    _, ledger = exported
    keys = {v["key"] for v in ledger["values"]}
    assert "gfm_resp_rr" in keys and "pfm_pgb_dizziness_rr" in keys
    assert not any(c["key"].startswith("analysis_") for c in ledger["charts"])
    assert all(a["sources"] for a in ledger["analyses"])


def _record_output(analysis_id: str, monkeypatch) -> nbformat.NotebookNode:
    """The output cell record_analysis produces, captured without a kernel."""
    shown = []
    monkeypatch.setattr(book, "ipy_display",
                        lambda bundle, **kw: shown.append((bundle, kw["metadata"])))
    book.record_analysis(
        analysis_id, {"estimate": 1.5, "ci_low": 1.1, "ci_high": 2.0}, population="p",
        intervention="i", comparator="placebo", outcome="o", measure="RR",
        model="single_trial", sources=["arnold2007"], studies=["arnold2007"],
        n_participants=150,
    )
    (bundle, metadata), = shown
    return nbformat.v4.new_output("display_data", data=bundle, metadata=metadata)


def _notebook(path: Path, *outputs) -> Path:
    cell = nbformat.v4.new_code_cell("record_analysis(...)")
    cell.outputs = list(outputs)
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    return path


def test_a_duplicate_id_across_notebooks_fails_naming_both(tmp_path, monkeypatch, capsys):
    first = _notebook(tmp_path / "first.ipynb", _record_output("same_id", monkeypatch))
    second = _notebook(tmp_path / "second.ipynb", _record_output("same_id", monkeypatch))
    analyses = export.collect([first, second])["analyses"]
    with pytest.raises(export.DuplicateAnalysisError) as err:
        export.write_pooled_estimates(analyses, tmp_path / "out.csv")
    assert "same_id" in str(err.value)
    assert "first.ipynb" in str(err.value) and "second.ipynb" in str(err.value)
    assert not (tmp_path / "out.csv").exists()

    monkeypatch.setattr(export, "notebook_paths", lambda: [first, second])
    monkeypatch.setattr(export, "OUT", tmp_path / "results.json")
    monkeypatch.setattr(export, "CSV_OUT", tmp_path / "results" / "pooled_estimates.csv")
    assert export.main() == 1
    message = capsys.readouterr().err
    assert "same_id" in message and "first.ipynb" in message and "second.ipynb" in message


def test_a_duplicate_id_within_one_notebook_fails(tmp_path, monkeypatch):
    only = _notebook(tmp_path / "only.ipynb", _record_output("x_id", monkeypatch),
                     _record_output("x_id", monkeypatch))
    with pytest.raises(export.DuplicateAnalysisError, match="twice in .*only.ipynb"):
        export.write_pooled_estimates(export.collect([only])["analyses"], tmp_path / "o.csv")


def test_committed_notebooks_have_unique_analysis_ids():
    export.check_unique(export.collect(notebook_paths())["analyses"])
