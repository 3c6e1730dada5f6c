"""Strict HTML build, published to _build/html only when it succeeds.

Jupyter Book builds into a staging folder (kept between runs so rebuilds are
incremental) with warnings as errors (``-W --keep-going``: a broken reference,
an unknown citation key or an unknown mime type fails the build and every such
problem is listed). Only a clean build replaces ``_build/html``; a failed one
leaves the previous site exactly as it was, so nothing half-built is published.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGING = ROOT / "_build" / ".staging"
HTML = ROOT / "_build" / "html"


def main(argv: list[str]) -> int:
    appendix = ROOT / "scripts" / "data_appendix.py"
    if appendix.is_file():
        subprocess.run([sys.executable, str(appendix)], cwd=ROOT, check=True)
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")), "build", ".",
        "--path-output", str(STAGING.relative_to(ROOT)),
        "--builder", "html", "-W", "--keep-going", *argv,
    ]
    print("$ jupyter-book build . -W --keep-going (staging)", flush=True)
    result = subprocess.run(cmd, cwd=ROOT)
    built = STAGING / "_build" / "html"
    if result.returncode != 0 or not (built / "index.html").is_file():
        print(
            "\nThe book did not build cleanly (warnings above, each with its file and line); "
            f"{HTML.relative_to(ROOT)} was left as it was.",
            file=sys.stderr,
        )
        return 1
    fresh = HTML.with_name("html.new")
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(built, fresh)
    old = HTML.with_name("html.old")
    shutil.rmtree(old, ignore_errors=True)
    if HTML.exists():
        HTML.rename(old)
    fresh.rename(HTML)
    shutil.rmtree(old, ignore_errors=True)
    print(f"Published the build to {HTML.relative_to(ROOT)}/", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
