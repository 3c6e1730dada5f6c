"""Strict HTML build, published to _build/html only when it succeeds.

Jupyter Book builds into a staging folder (kept between runs so rebuilds are
incremental) with warnings as errors (``-W --keep-going``: a broken reference,
an unknown citation key or an unknown mime type fails the build and every such
problem is listed). Only a clean build replaces ``_build/html``; a failed one
leaves the previous site exactly as it was, so nothing half-built is published.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGING = ROOT / "_build" / ".staging"
HTML = ROOT / "_build" / "html"


# Changing any of these can change how pages are read (ids, extensions, templates), which
# Sphinx's incremental build does not always notice: start from an empty staging folder.
CONFIG_INPUTS = [
    "_config.yml", "_toc.yml", "tools/sphinx_ext.py", "_templates", "requirements.txt",
    # Sphinx copies static files only when some page is out of date, and pages carry
    # a checksum of each script (?v=...): a changed script must rebuild every page.
    "_static", "_root", "_search", "package-lock.json", "tools/vendor_assets.py",
    # A citation's label depends on the whole reference list (tools/citation_style.py adds
    # a letter where two sources would print alike): a page whose own source did not change
    # would keep an old label.
    "book/references.bib", "tools/citation_style.py",
    # The version in every page's footer (tools/release.py).
    "CITATION.cff", "tools/release.py",
]


def config_digest() -> str:
    h = hashlib.sha256()
    for name in CONFIG_INPUTS:
        path = ROOT / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            if f.is_file() and "__pycache__" not in f.parts:
                h.update(f.relative_to(ROOT).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def reset_staging_if_config_changed(staging: Path | None = None) -> None:
    """Start ``staging`` (a build's working folder, the HTML build's by default) afresh when
    the configuration, theme files or anything else every page depends on has changed since
    it was last built."""
    staging = STAGING if staging is None else staging
    stamp = staging / ".config-digest"
    digest = config_digest()
    if stamp.is_file() and stamp.read_text() == digest:
        return
    if staging.exists():
        print("Configuration changed: rebuilding every page.", flush=True)
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    reset_staging_if_config_changed()
    if (ROOT / "tools" / "data_appendix.py").is_file():
        subprocess.run([sys.executable, "-m", "tools.data_appendix"], cwd=ROOT, check=True)
    # The "What changed" page and each chapter's version note (tools/changes_page.py).
    subprocess.run([sys.executable, "-m", "tools.changes_page"], cwd=ROOT, check=True)
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
    from tools import subset_icons

    for name, (before, after) in subset_icons.subset_site(built).items():
        print(f"Icon font {name}: {before // 1024} KB -> {after // 1024} KB", flush=True)
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
