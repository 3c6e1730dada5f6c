"""The loopback server used by browser tests, the PDF printer and the benchmark sends
text gzipped, as GitHub Pages does, so measured page weights are bytes on the wire."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request

import pytest

from tools.browser import serve


def _get(url: str, encoding: str | None):
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding} if encoding else {})
    with urllib.request.urlopen(request) as response:
        return response.headers, response.read()


@pytest.fixture
def site(tmp_path):
    (tmp_path / "book").mkdir()
    page = "<!doctype html><title>t</title>" + "<p>repeated text</p>" * 500
    (tmp_path / "book" / "page.html").write_text(page)
    (tmp_path / "index.html").write_text(page)
    (tmp_path / "font.woff2").write_bytes(bytes(range(256)) * 40)
    return tmp_path


def test_text_is_gzipped_for_browsers_that_accept_it(site):
    original = (site / "book" / "page.html").read_bytes()
    with serve(site) as url:
        headers, body = _get(f"{url}/book/page.html", "gzip, deflate")
        assert headers["Content-Encoding"] == "gzip"
        assert headers["Content-Type"].startswith("text/html")
        assert int(headers["Content-Length"]) == len(body) < len(original) / 5
        assert gzip.decompress(body) == original
        # The folder's index page, as a browser asks for the site root.
        headers, body = _get(f"{url}/", "gzip")
        assert gzip.decompress(body) == (site / "index.html").read_bytes()


def test_plain_when_not_accepted_or_not_text_or_switched_off(site):
    original = (site / "book" / "page.html").read_bytes()
    with serve(site) as url:
        headers, body = _get(f"{url}/book/page.html", None)
        assert headers["Content-Encoding"] is None and body == original
        headers, body = _get(f"{url}/font.woff2", "gzip")  # fonts are compressed already
        assert headers["Content-Encoding"] is None
        assert body == (site / "font.woff2").read_bytes()
    with serve(site, compress=False) as url:
        headers, body = _get(f"{url}/book/page.html", "gzip")
        assert headers["Content-Encoding"] is None and body == original


def test_missing_file_is_still_404(site):
    with serve(site) as url, pytest.raises(urllib.error.HTTPError) as err:
        _get(f"{url}/book/missing.html", "gzip")
    assert err.value.code == 404
