"""Benchmark the build and the reader's experience; print one table.

    python -m tools.bench [--skip-setup] [--pages book/03_gabapentin_evidence.html ...]

Everything runs in a fresh clone under a temporary folder (the working tree is never
touched): set-up from nothing, a cold build that executes every notebook, a no-op
rebuild, a rebuild after one data file changes (and which notebooks re-ran), a
Sphinx-only build; then, on the built site served on loopback, bytes transferred
and time to the first drawn chart per page in headless Chromium, and Lighthouse
scores. For comparison the same book is built with Jupyter Book's own
``execute_notebooks: cache`` mode, cold, no-op and after the same data change.

Then, in the same clone, the contributor's two loops: ``make check`` (target: under
45 s) and ``make test`` (target: at most 6 minutes), each against its target.

Targets (issue: reader experience): no-op rebuild <= 5 % of a cold build with 0
notebooks executed; a chapter page <= 1.5 MB with Vega; first chart <= 1 s;
Lighthouse performance >= 95 and accessibility 100.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.browser import CHROMIUM, CHROMIUM_ARGS, serve

ROOT = Path(__file__).resolve().parent.parent
CHAPTER_PAGES = sorted(f"book/{p.stem}.html" for p in ROOT.glob("book/0*.md"))
DATA_EDIT = "data/trials_binary.csv"
# The contributor loops and their targets, in seconds.
LOOP_TARGETS = {"make check": 45, "make test": 6 * 60}


def run(cmd: list[str] | str, cwd: Path, env: dict | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, shell=isinstance(cmd, str), capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"benchmark step failed: {cmd}")
    return elapsed, proc.stdout + proc.stderr


def executed(output: str) -> str:
    names = re.findall(r"executed (notebooks/\S+)", output)
    return ", ".join(names) if names else "none"


def venv_env(repo: Path) -> dict:
    return {**os.environ, "PATH": f"{repo / '.venv' / 'bin'}:{os.environ['PATH']}"}


def edit_one_count(path: Path, row_id: str = "arnold2007_pain_response_30") -> str:
    """Change one event count of row ``row_id`` of a copy of ``trials_binary.csv`` by one
    (up, or down if it already equals its n), keeping the row valid; return the old text.
    The benchmark and the tests that need "a data edit that changes an output" use this
    instead of today's numbers, so a correction of the data does not break them."""
    text = path.read_text(encoding="utf-8")
    with path.open(encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))
    header = records[0]
    (rec,) = [r for r in records[1:] if r[header.index("id")] == row_id]
    e, n = header.index("events_treatment"), header.index("n_treatment")
    events, total = int(rec[e]), int(rec[n])
    rec[e] = str(events + 1 if events < total else events - 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(records)
    return text


def clone(dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True)
    return dest


def build_timings(repo: Path, rows: list, skip_setup: bool) -> None:
    env = venv_env(repo)
    if skip_setup:
        for name in [".venv", "node_modules", "_vendor"]:
            os.symlink(ROOT / name, repo / name)
        # The clone's files are newer than the shared set-up's stamps; left so, make would
        # re-run the set-up in the clone and point this checkout's editable install at it.
        for name in ["requirements.txt", "pyproject.toml", "package.json", "package-lock.json",
                     "tools/vendor_assets.py"]:
            os.utime(repo / name, (0, 0))
        rows.append(("fresh-clone set-up", "skipped (--skip-setup)", ""))
    else:
        seconds, _ = run(["make", "setup"], repo)
        rows.append(("fresh-clone set-up (make setup)", f"{seconds:.1f} s", "venv + lock + npm"))
    seconds, out = run(["make", "execute-force", "book"], repo, env)
    cold = seconds
    rows.append(("cold build (all notebooks executed)", f"{seconds:.1f} s", executed(out)))
    seconds, out = run(["make", "book"], repo, env)
    rows.append(
        (
            "no-op rebuild (make book)",
            f"{seconds:.2f} s",
            f"{100 * seconds / cold:.1f} % of cold; executed: {executed(out)}",
        )
    )
    original = edit_one_count(repo / DATA_EDIT)
    seconds, out = run(["make", "book"], repo, env)
    rows.append((f"rebuild after editing {DATA_EDIT}", f"{seconds:.1f} s",
                 f"re-ran: {executed(out)}"))
    (repo / DATA_EDIT).write_text(original, encoding="utf-8")
    run(["make", "book"], repo, env)
    shutil.rmtree(repo / "_build" / ".staging", ignore_errors=True)
    seconds, _ = run([str(repo / ".venv" / "bin" / "python"), "-m", "tools.build_html"], repo, env)
    rows.append(("Sphinx-only build (no execution, empty cache)", f"{seconds:.1f} s", ""))


def cache_mode_timings(repo: Path, rows: list) -> None:
    """The same book with Jupyter Book's own executor (jupyter-cache)."""
    env = venv_env(repo)
    config = repo / "_config.yml"
    config.write_text(
        config.read_text().replace('execute_notebooks: "off"', 'execute_notebooks: "cache"')
    )
    jb = [
        str(repo / ".venv" / "bin" / "jupyter-book"),
        "build",
        ".",
        "--path-output",
        "_build/.cache-mode",
    ]
    seconds, _ = run(jb, repo, env)
    cold = seconds
    rows.append(("JB cache mode: cold build", f"{seconds:.1f} s", "executes every notebook"))
    seconds, _ = run(jb, repo, env)
    rows.append(
        (
            "JB cache mode: no-op rebuild",
            f"{seconds:.1f} s",
            f"{100 * seconds / cold:.1f} % of cold",
        )
    )
    rel = DATA_EDIT
    edit_one_count(repo / rel)
    seconds, out = run(jb, repo, env)
    reran = (
        "re-executed"
        if "Executing" in out or "executing" in out
        else "nothing re-executed (stale output kept)"
    )
    rows.append((f"JB cache mode: after editing {rel}", f"{seconds:.1f} s", reran))


def loop_timings(repo: Path, rows: list) -> None:
    """The contributor's loops on the built clone, each against its target."""
    env = venv_env(repo)
    for command, target in LOOP_TARGETS.items():
        seconds, _ = run(command.split(), repo, env)
        verdict = "met" if seconds <= target else "MISSED"
        rows.append((f"{command} (built clone)", f"{seconds:.1f} s",
                     f"target {target} s: {verdict}"))


def _load(browser, url: str, wait_for_chart: bool) -> tuple[int, int, int, float | None, bool]:
    """Open ``url`` in a fresh context; return bytes transferred (gzip, as GitHub
    Pages sends text), bytes uncompressed, requests, ms to the first live chart
    (None if not waited for) and whether Vega was fetched."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    finished: list = []
    # Only note each request while loading: reading sizes and bodies is done afterwards,
    # as each read is a round trip to the browser that would slow the load being timed.
    page.on("requestfinished", lambda request: finished.append(request))
    start = time.perf_counter()
    page.goto(url, wait_until="load")
    first_chart = None
    if wait_for_chart:
        page.wait_for_selector(".evidence-chart[data-rendered='true'] svg", timeout=15_000)
        first_chart = 1000 * (time.perf_counter() - start)
    page.wait_for_load_state("networkidle")
    sizes: list[tuple[int, int]] = []
    for request in finished:
        response = request.response()
        try:
            plain = len(response.body()) if response else 0
        except Exception:  # a redirect has no body
            plain = 0
        sizes.append((request.sizes()["responseBodySize"], plain))
    urls = [request.url for request in finished]
    context.close()
    vega = any("/vega/" in u for u in urls)
    return sum(s[0] for s in sizes), sum(s[1] for s in sizes), len(sizes), first_chart, vega


def page_timings(site: Path, pages: list[str], rows: list) -> None:
    """Each page opened at its top, as a reader arrives, and (if it has charts) opened
    at its first chart, which makes the browser fetch Vega and draw it live."""
    from playwright.sync_api import sync_playwright

    with serve(site) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for page_path in pages:
            html = (site / page_path).read_text(encoding="utf-8")
            sent, plain, n, _, vega = _load(browser, f"{url}/{page_path}", False)
            rows.append(
                (
                    f"page {page_path} (opened at top)",
                    f"{sent / 1e6:.2f} MB",
                    f"{plain / 1e6:.2f} MB uncompressed, {n} requests; "
                    f"Vega fetched: {'yes' if vega else 'no'}",
                )
            )
            chart = re.search(r"<div class=['\"]evidence-chart['\"] id=['\"]([^'\"]+)", html)
            if chart:
                # Timings on a shared 2-core machine vary by a few hundred ms from one load
                # to the next: report the median of three fresh loads, and the range.
                loads = [
                    _load(browser, f"{url}/{page_path}#{chart[1]}", True) for _ in range(3)
                ]
                times = sorted(load[3] for load in loads)
                sent, plain, n, _, vega = loads[0]
                rows.append(
                    (
                        f"page {page_path} (opened at first chart)",
                        f"{sent / 1e6:.2f} MB",
                        f"{plain / 1e6:.2f} MB uncompressed, {n} requests, Vega included; "
                        f"first chart drawn {times[1]:.0f} ms "
                        f"(median of 3; {times[0]:.0f}-{times[2]:.0f})",
                    )
                )
        browser.close()


def lighthouse(site: Path, pages: list[str], rows: list) -> None:
    binary = ROOT / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True
        )
    with serve(site) as url:
        for page_path in pages:
            with tempfile.TemporaryDirectory() as tmp:
                report = Path(tmp) / "report.json"
                subprocess.run(
                    [
                        str(binary),
                        f"{url}/{page_path}",
                        "--quiet",
                        "--output=json",
                        f"--output-path={report}",
                        "--only-categories=performance,accessibility",
                        "--chrome-flags=" + " ".join(["--headless=new", *CHROMIUM_ARGS]),
                        "--preset=desktop",
                    ],
                    env={**os.environ, "CHROME_PATH": CHROMIUM},
                    check=True,
                )
                cats = json.loads(report.read_text())["categories"]
                rows.append(
                    (
                        f"Lighthouse {page_path}",
                        f"perf {round(100 * cats['performance']['score'])}",
                        f"accessibility {round(100 * cats['accessibility']['score'])}",
                    )
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--skip-setup", action="store_true", help="reuse this checkout's .venv and node_modules"
    )
    parser.add_argument(
        "--pages",
        nargs="*",
        default=["book/intro.html", *CHAPTER_PAGES],
        help="pages to weigh and score (default: the introduction and every chapter)",
    )
    args = parser.parse_args(argv)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        repo = clone(Path(tmp) / "book")
        build_timings(repo, rows, args.skip_setup)
        loop_timings(repo, rows)
        site = repo / "_build" / "html"
        page_timings(site, args.pages, rows)
        lighthouse(site, args.pages, rows)
        cache_mode_timings(repo, rows)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure'.ljust(width)}  {'value':>14}  note")
    print(f"{'-' * width}  {'-' * 14}  {'-' * 40}")
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>14}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
