"""Shared fixtures: the built site served on loopback, and Debian's Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import SITE

from tools.browser import CHROMIUM, CHROMIUM_ARGS, INSTALL_HINT, chromium_available, serve


@pytest.fixture(scope="session")
def site_dir() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail("no built site at _build/html: run `make book` (or `make test-build`) first")
    return SITE


@pytest.fixture(scope="session")
def site_url(site_dir: Path):
    """Serve _build/html on 127.0.0.1 (a free port) for the whole session."""
    with serve(site_dir) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never a browser download."""
    if not chromium_available():
        message = f"{CHROMIUM} not found: {INSTALL_HINT} (make test installs it as root)."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
