"""Shared fixtures: the built site served on loopback, and Debian's Chromium."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


def built_pages() -> list[str]:
    """Every HTML page of the built site, relative to its root (empty if not built)."""
    if not SITE.is_dir():
        return []
    skip = ("_static/", "_sources/", "_images/")
    return sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not p.relative_to(SITE).as_posix().startswith(skip)
    )


def content_pages() -> list[str]:
    """Built pages that are book pages (not the root's redirect to the introduction)."""
    return [
        p for p in built_pages()
        if 'http-equiv="Refresh"' not in (SITE / p).read_text(encoding="utf-8")[:2000]
    ]


@pytest.fixture(scope="session")
def site_dir() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail("no built site at _build/html: run `make book` (or `make test-build`) first")
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output readable
        pass


@pytest.fixture(scope="session")
def site_url(site_dir: Path):
    """Serve _build/html on 127.0.0.1 (a free port) for the whole session."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never a browser download."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        message = (
            f"{CHROMIUM} not found. Install Debian's browser: sudo apt-get install chromium "
            "(make test installs it when run as root)."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
