"""Two `airq serve` processes on one Chroma server and one data folder, as behind a load
balancer: they answer the same, and an ingest started through either one is answered from by
both, the other without a restart. Real processes, a real `chroma run`, real HTTP, the real
embedder."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from index.build import current_build
from tests.api.conftest import AIRQ, cli_ingest, small_corpus, stop, wait_for_build
from tests.conftest import _free_port
from tests.pdfmaker import make_pdf

pytestmark = [pytest.mark.integration, pytest.mark.server]

TOKEN = "two-servers-token"


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
    corpus, data, env = small_corpus(tmp_path, AIRQ_CHROMA_URL=chroma_url, AIRQ_API_TOKEN=TOKEN)
    first = cli_ingest(env)
    assert not (data / "builds" / first / "chroma").exists()  # the vectors are on the server

    servers: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = (tmp_path / f"serve-{name}.log").open("wb")
            servers.append(
                subprocess.Popen([AIRQ, "serve", "--port", str(port)], stdout=log, stderr=log, env=env)
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            wait_for_build(url, first, 180)
        question = "What should operators of water utilities inventory?"
        _same(_ask(urls[0], question), _ask(urls[1], question))

        # An ingest through A is answered from by B, which was not restarted, and one
        # through B by A.
        build = first
        for through, doc, text, question in (
            (
                urls[0],
                "beta",
                "Protect model weights with access controls and encryption.",
                "How should model weights be protected?",
            ),
            (
                urls[1],
                "gamma",
                "Vendors must report incidents to their customers within 72 hours.",
                "How fast must vendors report incidents to customers?",
            ),
        ):
            make_pdf(corpus / f"{doc}.pdf", [[text]])
            build = _ingest_through(through, data, build)
            for url in urls:
                wait_for_build(url, build, 60)
            answers = [_ask(url, question) for url in urls]
            _same(*answers)
            assert any(c["doc"] == doc for c in answers[0]["citations"]), answers[0]
        assert [s.poll() for s in servers] == [None, None]  # neither restarted nor crashed
    finally:
        for proc in servers:
            stop(proc)
