"""Two `airq serve` processes on one Chroma server and one data folder, as behind a load
balancer: they answer the same, and an ingest started through either one is answered from by
both, the other without a restart. Real processes, a real `chroma run`, real HTTP, the real
embedder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from index.build import current_build
from tests.api.conftest import stop
from tests.conftest import _free_port
from tests.pdfmaker import make_pdf

pytestmark = [pytest.mark.integration, pytest.mark.server]

EXE = str(Path(sys.executable).with_name("airq"))
TOKEN = "two-servers-token"


def _ready_on(url: str, build: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = httpx.get(f"{url}/readyz", timeout=5)
            if r.status_code == 200 and r.json().get("build") == build:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not answer from build {build} within {timeout} s")


def _ask(url: str, question: str) -> dict[str, Any]:
    r = httpx.post(f"{url}/v1/ask", json={"question": question}, timeout=120)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    """The same answer: text, citations, abstention (timings aside)."""
    for key in ("answer", "citations", "abstained"):
        assert a.get(key) == b.get(key), key


def _ingest_through(url: str, data: Path, before: str) -> str:
    """POST /v1/ingest to one server, wait for it to finish; the new build's id."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = httpx.post(f"{url}/v1/ingest", json={}, headers=auth, timeout=30)
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        status = httpx.get(f"{url}/v1/ingest", headers=auth, timeout=30).json()
        if status["status"] != "running":
            assert status["status"] == "done", status
            build = current_build(data)
            assert build is not None and build != before
            return build
        time.sleep(0.5)
    pytest.fail("the ingest did not finish within 600 s")


def test_two_servers_share_one_chroma_server_and_data_folder(tmp_path: Path, chroma_url: str) -> None:
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    make_pdf(corpus / "alpha.pdf", [["Operators of water utilities should inventory their AI systems."]])
    env = {
        **os.environ,
        "AIRQ_DATA_DIR": str(data),
        "AIRQ_CORPUS_DIR": str(corpus),
        "AIRQ_CHROMA_URL": chroma_url,
        "AIRQ_ADAPT_EMBEDDER": "false",
        "AIRQ_RELOAD_SECONDS": "0.5",
        "AIRQ_API_TOKEN": TOKEN,
    }
    r = subprocess.run([EXE, "ingest"], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    first = current_build(data)
    assert first is not None
    assert not (data / "builds" / first / "chroma").exists()  # the vectors are on the server

    servers: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = (tmp_path / f"serve-{name}.log").open("wb")
            servers.append(
                subprocess.Popen([EXE, "serve", "--port", str(port)], stdout=log, stderr=log, env=env)
            )
            urls.append(f"http://127.0.0.1:{port}")
        a, b = urls
        for url in urls:
            _ready_on(url, first, 180)
        question = "What should operators of water utilities inventory?"
        _same(_ask(a, question), _ask(b, question))

        # An ingest through A is answered from by B, which was not restarted …
        make_pdf(corpus / "beta.pdf", [["Protect model weights with access controls and encryption."]])
        second = _ingest_through(a, data, first)
        for url in urls:
            _ready_on(url, second, 60)
        weights = "How should model weights be protected?"
        answers = [_ask(url, weights) for url in urls]
        _same(*answers)
        assert any(c["doc"] == "beta" for c in answers[0]["citations"]), answers[0]

        # … and one through B by A.
        make_pdf(
            corpus / "gamma.pdf", [["Vendors must report incidents to their customers within 72 hours."]]
        )
        third = _ingest_through(b, data, second)
        for url in urls:
            _ready_on(url, third, 60)
        incidents = "How fast must vendors report incidents to customers?"
        answers = [_ask(url, incidents) for url in urls]
        _same(*answers)
        assert any(c["doc"] == "gamma" for c in answers[0]["citations"]), answers[0]
        assert [s.poll() for s in servers] == [None, None]  # neither restarted nor crashed
    finally:
        for proc in servers:
            stop(proc)
