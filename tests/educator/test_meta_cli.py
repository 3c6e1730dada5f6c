"""Tests of educator/meta.py. Its ``main`` runs in-process with the output captured (a
subprocess per case cost about 2 s each); ``--help`` runs as a user runs it, a subprocess from
the repository root, to show the script itself starts.

Expected numbers are R metafor's published results for dat.bcg, from
github.com/wviechtb/metafor tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r
(commit 0e54b316e8c58fe0f0ab5890017193728a305ad1), "RE model w/ DL estimator,
measure='RR'" and "FE model, measure='RR'"; see tests/test_meta.py for the data source.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from support import FIXTURES, ROOT

SCRIPT = Path("educator") / "meta.py"
FIX = FIXTURES / "meta"
BINARY_HEADER = "study,events_treatment,n_treatment,events_control,n_control"
CONT_HEADER = "study,mean_treatment,sd_treatment,n_treatment,mean_control,sd_control,n_control"


def run_script(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT if cwd == ROOT else ROOT / SCRIPT), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``educator/meta.py *args`` in ``cwd``, in this process: its exit code and output."""
    from educator import meta as cli

    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as exc:  # argparse: --help, bad usage
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(
        ["educator/meta.py", *args], code, out.getvalue(), err.getvalue()
    )


@pytest.fixture(scope="module")
def bcg_csv(tmp_path_factory) -> Path:
    """The BCG fixture (tpos/tneg/cpos/cneg) rewritten in the command's column names."""
    b = pd.read_csv(FIX / "bcg.csv")
    df = pd.DataFrame(
        {
            "study": b["author"] + " " + b["year"].astype(str),
            "events_treatment": b["tpos"],
            "n_treatment": b["tpos"] + b["tneg"],
            "events_control": b["cpos"],
            "n_control": b["cpos"] + b["cneg"],
        }
    )
    path = tmp_path_factory.mktemp("cli") / "bcg.csv"
    df.to_csv(path, index=False)
    return path


def test_text_output_random_effects(bcg_csv):
    res = run(str(bcg_csv), "--measure", "RR", "--model", "DL", "--undesirable")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "risk ratio (RR)" in out and "DerSimonian–Laird" in out
    assert "Aronson 1948" in out and "Comstock et al 1976" in out
    # metafor: exp(beta) 0.4896 (0.3449, 0.6950); tau² 0.3088; I² 92.1173; QE 152.2330
    assert "0.49" in out and "0.34 to 0.7" in out
    assert "Q = 152.23 on 12 df" in out
    assert "I² = 92.1%" in out and "τ² = 0.3088" in out
    assert "prediction interval" in out
    assert "NNTB" in out  # fewer TB cases on BCG is a benefit
    assert res.stderr == ""


def test_json_output_random_effects(bcg_csv):
    res = run(str(bcg_csv), "--measure", "RR", "--model", "DL", "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    for key in (
        "estimate",
        "ci_low",
        "ci_high",
        "tau2",
        "i2",
        "q",
        "n_studies",
        "n_participants",
        "studies",
        "pi_low",
        "pi_high",
    ):
        assert key in d
    assert d["estimate"] == pytest.approx(0.4896, abs=5e-4)
    assert d["ci_low"] == pytest.approx(0.3449, abs=5e-4)
    assert d["ci_high"] == pytest.approx(0.6950, abs=5e-4)
    assert d["tau2"] == pytest.approx(0.3088, abs=5e-4)
    assert d["i2"] == pytest.approx(92.1173, abs=5e-4)
    assert d["q"] == pytest.approx(152.2330, abs=5e-4)
    assert d["n_studies"] == 13
    b = pd.read_csv(FIX / "bcg.csv")
    assert d["n_participants"] == int(b[["tpos", "tneg", "cpos", "cneg"]].to_numpy().sum())
    assert len(d["studies"]) == 13
    assert sum(s["weight"] for s in d["studies"]) == pytest.approx(100)
    assert all({"study", "estimate", "weight"} <= set(s) for s in d["studies"])
    assert d["pi_low"] < d["ci_low"] and d["pi_high"] > d["ci_high"]


def test_json_fixed_effect(bcg_csv):
    res = run(str(bcg_csv), "--measure", "rr", "--model", "fixed", "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    # metafor "FE model, measure='RR'": predict(transf=exp) 0.6503 (0.6007, 0.7040), QE 152.2330
    assert (d["estimate"], d["ci_low"], d["ci_high"]) == pytest.approx(
        (0.6503, 0.6007, 0.7040), abs=5e-4
    )
    assert d["q"] == pytest.approx(152.2330, abs=5e-4)
    assert d["tau2"] is None and d["pi_low"] is None


def test_runs_from_another_directory(bcg_csv, tmp_path):
    res = run(str(bcg_csv), "--measure", "OR", "--model", "MH", "--json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    # metafor rma.mh(measure="OR"): exp 0.6229 (0.5748, 0.6750)
    assert json.loads(res.stdout)["estimate"] == pytest.approx(0.6229, abs=5e-4)


def test_shared_placebo_counted_once(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text(
        BINARY_HEADER + ",shared_control_id\n"
        "A low,12,40,8,50,A\nA high,16,40,8,50,A\nB,20,60,12,60,\n"
    )
    for strategy in ("combine", "split"):
        res = run(
            str(path), "--measure", "RR", "--model", "fixed", "--json", "--multiarm", strategy
        )
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout)["n_participants"] == 40 + 40 + 50 + 60 + 60


ODD_SHARED = BINARY_HEADER + ",shared_control_id\nA1,5,20,6,49,A\nA2,7,20,6,49,A\nB,4,30,8,30,\n"

# Each case: a bad trial file, the measure and model asked for, and the line, column number
# (none for a file-wide problem), column name and rule words the error must give.
BAD_CASES = {
    c["case"]: c
    for c in json.loads((FIX / "bad_cli_cases.json").read_text(encoding="utf-8"))["cases"]
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_exits_2_naming_file_line_and_column(case, tmp_path):
    c = BAD_CASES[case]
    text, measure, model = "\n".join(c["csv"]), c["measure"], c["model"]
    line, col, column, rule = c["line"], c["column_number"], c["column"], c["rule"]
    path = tmp_path / "trials.csv"
    path.write_text(text)
    res = run(str(path), "--measure", measure, "--model", model)
    assert res.returncode == 2, res.stdout
    assert res.stdout == ""
    where = f"{path}:{line}:" if col is None else f"{path}:{line}:{col}:"
    match = [
        ln for ln in res.stderr.strip().splitlines() if ln.startswith(where) and f"'{column}'" in ln
    ]
    assert match, res.stderr
    assert rule in match[0]


def test_duplicate_study_names_the_line_of_the_first(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(BINARY_HEADER + "\nA,1,10,2,10\nB,2,10,3,10\nA,3,10,4,10\n")
    res = run(str(path), "--measure", "RR")
    assert res.returncode == 2
    assert res.stderr.strip() == (
        f"{path}:4:1: column 'study': study 'A' appears twice: list each trial once, or give "
        "the rows of one trial the same shared_control_id (first on line 2)"
    )


def test_extra_cell_is_an_error_not_dropped(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(BINARY_HEADER + "\nSmith, 2001,1,10,2,10\nB,2,10,3,10\n")
    res = run(str(path), "--measure", "RR")
    assert res.returncode == 2
    assert res.stderr.startswith(f"{path}:2:6: extra cell '10'")
    assert "quotes" in res.stderr


def test_empty_file_is_reported_once_as_empty(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    res = run(str(path), "--measure", "RR")
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:1: the file is empty")
    assert BINARY_HEADER.replace(",", ", ") in lines[0]


def test_single_trial_is_reported_as_such(tmp_path):
    # 30/100 vs 20/100: RR 1.5, SE(log RR) = sqrt(1/30 - 1/100 + 1/20 - 1/100)
    # (Handbook 6.4.1.2), a Wald interval; nothing pooled.
    path = tmp_path / "one.csv"
    path.write_text(BINARY_HEADER + "\nOnly 2020,30,100,20,100\n")
    res = run(str(path), "--measure", "RR", "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    se = math.sqrt(1 / 30 - 1 / 100 + 1 / 20 - 1 / 100)
    assert d["single_trial"] is True and d["study"] == "Only 2020"
    assert (d["estimate"], d["ci_low"], d["ci_high"]) == pytest.approx(
        (1.5, 1.5 * math.exp(-1.959964 * se), 1.5 * math.exp(1.959964 * se)), rel=1e-5
    )
    text = run(str(path), "--measure", "RR").stdout
    assert "one trial, nothing pooled" in text and "1.50" in text


def test_split_with_an_odd_shared_control_pools(tmp_path):
    # 49 control participants shared by two arms: 24.5 each (Handbook 23.3.4 does not
    # round), which used to fail as "must be a whole number (got 24.5)" for "row 0".
    path = tmp_path / "odd.csv"
    path.write_text(ODD_SHARED)
    res = run(str(path), "--measure", "RR", "--model", "DL", "--multiarm", "split", "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["n_studies"] == 3 and d["n_participants"] == 20 + 20 + 49 + 30 + 30
    first = d["studies"][0]
    assert first["estimate"] == pytest.approx((5 / 20) / (3 / 24.5))


def test_every_problem_on_its_own_line(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text(BINARY_HEADER + "\nA,12,10,2,10\nB,1,0,x,10\n")
    res = run(str(path), "--measure", "RR", "--model", "DL")
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    # events > n on line 2; n = 0 and 'x' on line 3 (events > n is not repeated there: with
    # no valid n it is a consequence of the n = 0 already reported, not a second problem)
    assert len(lines) == 3, lines
    assert [ln.removeprefix(f"{path}:").split(":")[0] for ln in lines] == ["2", "3", "3"]
    assert "greater than 0" in lines[1] and "'x' is not a number" in lines[2]


def test_missing_file_exits_2(tmp_path):
    res = run(str(tmp_path / "nope.csv"), "--measure", "RR", "--model", "DL")
    assert res.returncode == 2
    assert "nope.csv" in res.stderr


def test_help_lists_every_model_and_diagnostic():
    res = run_script("--help")
    assert res.returncode == 0
    text = " ".join(res.stdout.split())
    for name in (
        "REML",
        "DL",
        "PM",
        "ML",
        "HE",
        "SJ",
        "Peto",
        "MH",
        "fixed",
        "--hksj",
        "--leave-one-out",
        "--influence",
        "--cumulative",
        "--subgroup",
        "--egger",
        "--funnel",
        "restricted maximum likelihood",
        "Paule–Mandel",
    ):
        assert name in text, name


def test_diagnostics_in_json(bcg_csv, tmp_path):
    # metafor (tests/testthat/test_misc_influence.r, commit 191d2cb2): leave1out() of the
    # REML model without Aronson 1948: -0.707084; REML + knha (metafor README): 0.4894
    # = exp(-0.7145) with t on 12 df.
    funnel = tmp_path / "funnel.svg"
    res = run(
        str(bcg_csv),
        "--measure",
        "RR",
        "--hksj",
        "--json",
        "--leave-one-out",
        "--influence",
        "--cumulative",
        "--egger",
        "--funnel",
        str(funnel),
    )
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["model"] == "REML" and d["hksj"] is True
    assert d["log_estimate"] == pytest.approx(-0.7145, abs=5e-4)
    assert d["se"] == pytest.approx(0.1808, abs=5e-4)
    assert d["leave_one_out"][0]["log_estimate"] == pytest.approx(-0.707084, abs=1e-5)
    assert len(d["influence"]) == 13 and len(d["cumulative"]) == 13
    assert d["egger"]["df"] == 11
    assert funnel.read_text().lstrip().startswith("<svg")


def test_subgroup_text_output(bcg_csv, tmp_path):
    df = pd.read_csv(bcg_csv).assign(era=["early"] * 7 + ["late"] * 6)
    path = tmp_path / "sub.csv"
    df.to_csv(path, index=False)
    res = run(str(path), "--measure", "RR", "--subgroup", "era")
    assert res.returncode == 0, res.stderr
    assert "Test for subgroup differences: Q = " in res.stdout and "on 1 df" in res.stdout
    bad = run(str(path), "--measure", "RR", "--subgroup", "nosuch")
    assert bad.returncode == 2 and "no column 'nosuch'" in bad.stderr
