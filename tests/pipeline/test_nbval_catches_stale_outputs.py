"""The done-criterion of the foundation, as a test.

Edit one number in the trial data of a scratch copy of the repository: the
executor reports exactly the notebook that reads it as stale, and nbval fails
naming that notebook, until the outputs are refreshed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from support import ROOT, edit_one_count

NOTEBOOK = "notebooks/03_gabapentin_fm_trial.ipynb"


@pytest.mark.slow
def test_an_edited_number_fails_nbval_naming_the_notebook(tmp_path):
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    files = tracked.stdout.split() if tracked.returncode == 0 else []
    if NOTEBOOK not in files:
        pytest.skip("needs a git checkout with the notebook committed")
    for rel in files:
        if (ROOT / rel).is_file():
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, tmp_path / rel)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}  # the copy's evidence/ and data/
    data = tmp_path / "data" / "trials_binary.csv"
    edit_one_count(data)  # the trial's responders, which the notebook reports

    check = subprocess.run([sys.executable, "-m", "tools.execute", "--check"], cwd=tmp_path,
                           env=env, capture_output=True, text=True)
    assert check.returncode == 1
    assert NOTEBOOK in check.stderr

    nbval = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
         "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", NOTEBOOK],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert nbval.returncode != 0
    assert "03_gabapentin_fm_trial.ipynb" in nbval.stdout
