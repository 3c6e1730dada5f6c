"""Serve a built site on loopback and find Debian's Chromium: shared by the browser
tests, the PDF printer and the benchmark.

Chromium is Debian's (``/usr/bin/chromium``, or ``$CHROMIUM``), never a browser a
tool downloads; it starts with background networking off so the only requests it
makes are the ones a page asks for.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

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
INSTALL_HINT = "install Debian's browser: sudo apt-get install chromium"


def chromium_available() -> bool:
    return Path(CHROMIUM).is_file() or shutil.which(CHROMIUM) is not None


# What GitHub Pages sends compressed: text formats, not images, fonts or PDFs.
COMPRESSED_SUFFIXES = {".html", ".css", ".js", ".json", ".svg", ".txt", ".xml", ".map", ".ipynb"}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server that, like GitHub Pages, gzips text for browsers that
    accept it, so measured page weights are bytes on the wire."""

    compress = True

    def log_message(self, *args):  # keep test and script output readable
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (self.compress and accepts and path.suffix in COMPRESSED_SUFFIXES):
            return super().do_GET()
        try:
            body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        except OSError:
            return super().do_GET()  # missing or unreadable: the usual 404
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return None


class _PlainHandler(_QuietHandler):
    compress = False


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A browser that closes a connection early (page closed mid-load) is not a
        # fault of the site; anything else is reported as usual.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(directory: Path, *, compress: bool = True) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port); yield its base URL.

    Text is gzipped as GitHub Pages does unless ``compress`` is false."""
    handler_class = _QuietHandler if compress else _PlainHandler
    handler = functools.partial(handler_class, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def draw_all_charts(page, timeout_ms: int = 15_000) -> int:
    """Have the page draw every chart now (they are otherwise drawn as a reader scrolls
    to them) and wait until each is drawn; return how many there are."""
    charts = page.locator(".evidence-chart").count()
    if charts:
        page.evaluate("window.evidenceDrawAllCharts()")
        page.wait_for_function(
            "n => document.querySelectorAll(\".evidence-chart[data-rendered='true']\")"
            ".length === n",
            arg=charts,
            timeout=timeout_ms,
        )
    return charts
