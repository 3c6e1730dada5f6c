"""The publishing workflows: schema-valid, audited by zizmor, pinned, and guarded."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from support import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _tool(name: str) -> str:
    beside = Path(sys.executable).with_name(name)  # the venv's own copy first
    path = str(beside) if beside.is_file() else shutil.which(name)
    assert path, f"{name} is not installed: run `make setup` (it is in requirements.txt)"
    return path


def test_workflows_match_the_github_schema():
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         *map(str, WORKFLOWS)], capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing():
    result = subprocess.run([_tool("zizmor"), "--offline", str(ROOT / ".github" / "workflows")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_action_is_pinned_by_commit_sha():
    for wf in WORKFLOWS:
        for line in wf.read_text().splitlines():
            match = re.search(r"uses:\s*(\S+)", line)
            if match:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", match.group(1)), (
                    f"{wf.name}: {match.group(1)} is not pinned to a commit SHA")


def test_pages_deploys_only_after_tests_and_with_an_index():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    assert wf["permissions"] == {}
    assert wf["concurrency"]["group"] == "pages"
    build, deploy = wf["jobs"]["build"], wf["jobs"]["deploy"]
    steps = [s.get("run", "") + s.get("uses", "") for s in build["steps"]]
    test_at = next(i for i, s in enumerate(steps) if "make test" in s)
    guard_at = next(i for i, s in enumerate(steps) if "_build/html/index.html" in s)
    upload_at = next(i for i, s in enumerate(steps) if "upload-pages-artifact" in s)
    assert test_at < guard_at < upload_at
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert build["permissions"] == {"contents": "read"}
