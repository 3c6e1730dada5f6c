"""educator/report.py: an educator's re-run with other parameters, as one offline HTML file.

The slow tests execute the notebook (papermill) as a user would, from the repository root,
and check that the numbers move where the parameter says they should, stay where it says
they should not, and that the committed notebook is byte-identical afterwards.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

from tools.export_results import glued_outputs

NOTEBOOK = Path("notebooks") / "03_pooled_fibromyalgia.ipynb"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "educator/report.py", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )


def glued(path: Path) -> dict[str, dict]:
    """key -> {"value": ledger value or None, "analysis": record or None, "data": bundle}."""
    return {
        key: {"value": meta.get("evidence", {}).get("value"),
              "analysis": meta.get("evidence", {}).get("analysis"), "data": data}
        for key, meta, data in glued_outputs(path)
    }


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_unknown_parameter_is_refused_before_running():
    misspelt = "thresold"  # codespell:ignore
    result = run(str(NOTEBOOK), "-p", misspelt, "50", "-o", "/dev/null")
    assert result.returncode == 2
    assert misspelt in result.stderr and "threshold" in result.stderr


@pytest.mark.slow
def test_threshold_50_report(tmp_path):
    committed = ROOT / NOTEBOOK
    before = digest(committed)
    listing = sorted(p.name for p in (ROOT / "notebooks").iterdir())
    html_path, kept = tmp_path / "x.html", tmp_path / "x.ipynb"
    result = run(str(NOTEBOOK), "-p", "threshold", "50", "-p", "model", "fixed",
                 "-o", str(html_path), "--keep-notebook", str(kept))
    assert result.returncode == 0, result.stderr
    # The committed notebook (and the folder) are exactly as they were.
    assert digest(committed) == before
    assert sorted(p.name for p in (ROOT / "notebooks").iterdir()) == listing

    book, report = glued(committed), glued(kept)
    # The headline benefit follows the threshold: at least 50% less pain, not 30%.
    assert book["pfm_so_benefit_threshold"]["value"] == 30
    assert report["pfm_so_benefit_threshold"]["value"] == 50
    for key in ("pfm_so_benefit_rr", "pfm_so_benefit_rr_ci_low", "pfm_so_benefit_nnt",
                "pfm_so_benefit_pct_t", "pfm_so_benefit_pct_c"):
        assert report[key]["value"] != book[key]["value"], key
    # ... and equals the book's own >=50% analysis, computed the same way.
    assert report["pfm_so_benefit_rr"]["value"] == book["pfm_so_pain50_rr"]["value"]
    assert report["pfm_threshold"]["value"] == 50
    assert (report["pfm_benefit_harm_table"]["data"]
            != book["pfm_benefit_harm_table"]["data"])
    # Harms do not depend on the threshold. With one trial per analysis the pooling model
    # changes nothing (documented in the notebook); once data/ holds more trials, the
    # report's fixed-effect analysis must differ from the book's random-effects one.
    single = {
        analysis_id: book[f"analysis_{analysis_id}"]["analysis"]["n_studies"] == 1
        for analysis_id in ("pregabalin_fm_dizziness", "pregabalin_fm_somnolence",
                            "sodium_oxybate_fm_withdrawal_ae", "sodium_oxybate_fm_pain30",
                            "sodium_oxybate_fm_pain50")
    }
    for key, analysis_id in (("pfm_pgb_dizziness_rr", "pregabalin_fm_dizziness"),
                             ("pfm_pgb_somnolence_rr_ci_high", "pregabalin_fm_somnolence"),
                             ("pfm_so_wd_nnt", "sodium_oxybate_fm_withdrawal_ae"),
                             ("pfm_so_pain30_rr", "sodium_oxybate_fm_pain30"),
                             ("pfm_so_pain50_rr", "sodium_oxybate_fm_pain50")):
        if single[analysis_id]:
            assert report[key]["value"] == book[key]["value"], key
    for analysis_id in ("pregabalin_fm_dizziness", "sodium_oxybate_fm_pain30"):
        record = report[f"analysis_{analysis_id}"]["analysis"]
        booked = book[f"analysis_{analysis_id}"]["analysis"]
        if single[analysis_id]:
            assert record == booked
            assert record["model"] == "single_trial"
        else:
            assert (record["model"], booked["model"]) == ("fixed", "DL")

    page = html_path.read_text(encoding="utf-8")
    assert "threshold = 50 (book: 30)" in page.replace("&#x27;", "'")
    assert "model = 'fixed' (book: 'DL')" in page.replace("&#x27;", "'")
    assert not re.search(r"(src|href)=['\"]https?://", page), "the report loads from elsewhere"
    assert page.count("data:image/svg+xml;base64,") >= 3  # the charts' static fallbacks
    assert "at least 50% less pain" in page


@pytest.mark.slow
def test_a_threshold_the_trial_did_not_report_stops_with_a_clear_message(tmp_path):
    before = digest(ROOT / "notebooks" / "03_gabapentin_fm_trial.ipynb")
    result = run("notebooks/03_gabapentin_fm_trial.ipynb", "-p", "threshold", "50",
                 "-o", str(tmp_path / "g.html"))
    assert result.returncode == 1
    assert "did not report at least 50% pain relief" in result.stderr
    assert not (tmp_path / "g.html").exists()
    assert digest(ROOT / "notebooks" / "03_gabapentin_fm_trial.ipynb") == before
