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

import nbformat
import pytest
from support import ROOT, csv_rows

from educator import report
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


# ---------------------------------------------------------------- values, before running
# In-process and without executing anything: each refusal exits 2 before the notebook runs
# (a run takes tens of seconds; these take a fraction of one).
def refuse(capsys, *args: str) -> str:
    code = report.main([*args])
    err = capsys.readouterr().err
    assert code == 2, err
    return err


def test_an_alpha_outside_0_1_is_refused_naming_the_range(capsys):
    for bad in ("1.5", "0", "-0.05"):
        err = refuse(capsys, str(ROOT / NOTEBOOK), "-p", "alpha", bad, "-o", "/dev/null")
        assert "alpha must be greater than 0 and less than 1" in err and bad in err


def test_a_study_the_analyses_do_not_have_is_refused_naming_the_studies(capsys):
    err = refuse(capsys, str(ROOT / NOTEBOOK), "-p", "leave_out", '["nosuchtrial"]')
    assert "nosuchtrial" in err
    # The allowed studies are the fibromyalgia trials of the drugs this notebook pools,
    # read here from the CSV without the engine.
    studies = {r["study"] for r in csv_rows("trials_binary", condition="fibromyalgia")
               if r["drug"] in ("gabapentin", "pregabalin", "sodium_oxybate")}
    assert studies and all(f'"{s}"' in err for s in studies)
    assert "duloxetine" not in err and "arnold2005" not in err  # not pooled by this notebook


def test_a_dose_no_arm_was_given_is_refused(capsys):
    err = refuse(capsys, str(ROOT / NOTEBOOK), "-p", "pregabalin_doses", "[451]")
    assert "451" in err and '"450"' in err


def test_a_choice_outside_the_declared_ones_is_refused(capsys):
    err = refuse(capsys, str(ROOT / NOTEBOOK), "-p", "model", "REML")
    assert "allowed: \"DL\", \"PM\", \"fixed\", \"MH\"" in err
    err = refuse(capsys, str(ROOT / NOTEBOOK), "-p", "threshold", "40")
    assert "allowed: 30, 50" in err


def test_an_output_path_that_cannot_be_written_is_refused_before_running(capsys, tmp_path):
    a_file = tmp_path / "taken"
    a_file.write_text("not a folder", encoding="utf-8")
    err = refuse(capsys, str(ROOT / NOTEBOOK), "-o", str(a_file / "x.html"))
    assert "is a file, not a folder" in err
    err = refuse(capsys, str(ROOT / NOTEBOOK), "-o", str(tmp_path))
    assert "is a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")),
                         ids=lambda p: p.stem)
def test_every_parameter_declares_what_it_allows_and_the_book_keeps_to_it(path):
    nb = nbformat.read(path, as_version=4)
    defaults, rules = report.notebook_parameters(nb), report.parameter_rules(nb)
    undeclared = {n for n, v in defaults.items() if not isinstance(v, bool)} - set(rules)
    assert not undeclared, f"{path.name}: declare what {sorted(undeclared)} allow"
    assert set(rules) <= set(defaults), "a rule for a parameter the notebook does not have"
    for name, value in defaults.items():
        assert report.value_problem(name, value, rules.get(name, {})) is None, name
