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


def _jobs():
    for wf in WORKFLOWS:
        for name, job in yaml.safe_load(wf.read_text())["jobs"].items():
            yield wf.name, name, job


def test_every_container_is_pinned_by_digest():
    containers = [(wf, name, job["container"]) for wf, name, job in _jobs() if "container" in job]
    assert containers
    for wf, name, image in containers:
        image = image["image"] if isinstance(image, dict) else image
        assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", image), (wf, name, image)


def test_configure_pages_runs_only_where_it_may_read_pages():
    for wf, name, job in _jobs():
        uses = [s.get("uses", "") for s in job.get("steps", [])]
        if any(u.startswith("actions/configure-pages@") for u in uses):
            assert job.get("permissions", {}).get("pages") in ("read", "write"), (wf, name)


def test_a_stale_notebook_failure_explains_a_lock_bump():
    for wf, name, job in _jobs():
        steps = job.get("steps", [])
        if any("make test" in s.get("run", "") for s in steps):
            hints = [s for s in steps if s.get("if") == "failure()"
                     and "tools.execute --check" in s.get("run", "")]
            assert hints and "make book" in hints[0]["run"]
            assert "inputs.lock.json" in hints[0]["run"], (wf, name)


def test_every_build_checks_out_the_whole_history():
    # The What changed page reads git for the data rows and commit behind each moved number;
    # a shallow clone would build it without them.
    for wf, name, job in _jobs():
        steps = job.get("steps", [])
        if any("make test" in s.get("run", "") for s in steps):
            checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
            assert checkout.get("with", {}).get("fetch-depth") == 0, (wf, name)


def test_a_release_is_built_from_its_tag_checked_and_published_with_least_privilege():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads the key `on` as True
    assert on == {"push": {"tags": ["v*"]}}
    assert wf["permissions"] == {}
    build, publish = wf["jobs"]["build"], wf["jobs"]["publish"]
    assert build["permissions"] == {"contents": "read"}
    assert publish["permissions"] == {"contents": "write", "actions": "read"}
    assert publish["needs"] == "build"
    checkout = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # the What changed page reads the history
    steps = [s.get("run", "") + s.get("uses", "") for s in build["steps"]]
    test_at = next(i for i, s in enumerate(steps) if s.strip() == "make test")
    tag_at = next(i for i, s in enumerate(steps) if "tools.release check-tag" in s)
    pack_at = next(i for i, s in enumerate(steps) if "book.pdf" in s and "results.json" in s)
    upload_at = next(i for i, s in enumerate(steps) if "upload-artifact" in s)
    assert test_at < tag_at < pack_at < upload_at
    # The tag reaches the shell through the environment, never pasted into a script.
    for job in (build, publish):
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step.get("name")
    publish_run = " ".join(s.get("run", "") for s in publish["steps"])
    assert "gh release create" in publish_run and "--verify-tag" in publish_run
    assert "results.json" in publish_run and ".pdf" in publish_run
