"""Fetching over real HTTP from a server on 127.0.0.1, and copying from a folder."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from core.types import DocumentInfo
from corpus.fetch import Outcome, fetch

BODY = b"%PDF-1.4\n" + b"x" * 200_000


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}

    def do_GET(self) -> None:
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path == "/flaky.pdf" and self.hits[self.path] < 2:
            self.send_response(503)
            self.end_headers()
            return
        if self.path == "/loop.pdf":
            self.send_response(302)
            self.send_header("Location", "/loop.pdf")
            self.end_headers()
            return
        if self.path == "/login.pdf":
            body = b"<html>please sign in</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path in ("/doc.pdf", "/flaky.pdf", "/other.pdf"):
            body = BODY if self.path != "/other.pdf" else b"%PDF-1.4 something else"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _doc(url: str, sha: str | None = hashlib.sha256(BODY).hexdigest()) -> DocumentInfo:
    return DocumentInfo("test-doc", "Test", "NIST", "2024", url, sha256=sha)


def test_download_checks_sha_and_writes_atomically(server: str, tmp_path: Path) -> None:
    seen: list[int] = []
    [r] = fetch([_doc(f"{server}/doc.pdf")], tmp_path, progress=lambda d, n, t: seen.append(n))
    assert r.outcome is Outcome.DOWNLOADED
    assert (tmp_path / "test-doc.pdf").read_bytes() == BODY
    assert seen[-1] == len(BODY)
    assert not list(tmp_path.glob("*.part"))
    [again] = fetch([_doc(f"{server}/doc.pdf")], tmp_path)
    assert again.outcome is Outcome.ALREADY


def test_wrong_checksum_leaves_nothing(server: str, tmp_path: Path) -> None:
    [r] = fetch([_doc(f"{server}/other.pdf")], tmp_path, retries=1)
    assert r.outcome is Outcome.FAILED and "does not match" in r.message
    assert list(tmp_path.iterdir()) == []


def test_retries_transient_errors_and_gives_up_on_404(server: str, tmp_path: Path) -> None:
    with httpx.Client(timeout=5) as client:
        [ok] = fetch([_doc(f"{server}/flaky.pdf")], tmp_path, client=client, retries=3)
        assert ok.outcome is Outcome.DOWNLOADED
        [missing] = fetch([_doc(f"{server}/none.pdf", None)], tmp_path / "x", client=client, retries=3)
    assert missing.outcome is Outcome.FAILED and "HTTP 404" in missing.message
    assert _Handler.hits["/none.pdf"] == 1


def test_unreachable_host_fails_cleanly(tmp_path: Path) -> None:
    [r] = fetch([_doc("http://127.0.0.1:9/doc.pdf")], tmp_path, retries=1)
    assert r.outcome is Outcome.FAILED and "ConnectError" in r.message


def test_copy_from_folder_by_id_or_official_name(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "NIST.AI.100-1.pdf").write_bytes(BODY)
    doc = _doc("https://nvlpubs.nist.gov/nistpubs/ai/NIST.AI.100-1.pdf")
    [r] = fetch([doc], tmp_path / "files", from_dir=src)
    assert r.outcome is Outcome.COPIED
    assert (tmp_path / "files" / "test-doc.pdf").read_bytes() == BODY
    [r2] = fetch([_doc("https://x/none.pdf", None)], tmp_path / "f2", from_dir=src)
    assert r2.outcome is Outcome.MISSING and "looked for test-doc.pdf" in r2.message


def test_html_instead_of_pdf_and_redirect_loops_fail_cleanly(server: str, tmp_path: Path) -> None:
    [html] = fetch([_doc(f"{server}/login.pdf", None)], tmp_path, retries=1)
    assert html.outcome is Outcome.FAILED and "not a PDF" in html.message
    [loop] = fetch([_doc(f"{server}/loop.pdf", None)], tmp_path, retries=1)
    assert loop.outcome is Outcome.FAILED and "TooManyRedirects" in loop.message
    assert list(tmp_path.iterdir()) == []
