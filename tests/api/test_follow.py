"""A running server follows the index: an `airq ingest` from the command line is answered
from within seconds, no request fails during the switch, and no build a server still reads
is pruned under it. Real processes: `airq serve` and `airq ingest`, over real HTTP."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from index.build import held
from tests.api.conftest import AIRQ, _free_port, cli_ingest, small_corpus, wait_for_build
from tests.api.conftest import stop as end
from tests.pdfmaker import make_pdf

pytestmark = pytest.mark.integration


def test_a_cli_ingest_is_served_without_a_failed_request(tmp_path: Path) -> None:
    corpus, data, env = small_corpus(tmp_path)
    first = cli_ingest(env)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [AIRQ, "serve", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env
    )
    statuses: list[int] = []
    stop = threading.Event()

    def ask_forever() -> None:
        with httpx.Client(timeout=60) as c:
            while not stop.is_set():
                r = c.post(f"{url}/v1/ask", json={"question": "What should operators inventory?"})
                statuses.append(r.status_code)

    try:
        wait_for_build(url, first, 180)
        asker = threading.Thread(target=ask_forever)
        asker.start()
        make_pdf(corpus / "beta.pdf", [["Protect model weights with access controls and encryption."]])
        second = cli_ingest(env)
        assert second != first
        assert wait_for_build(url, second, 30) < 15  # "within a few seconds" of the ingest ending
        docs = [d["id"] for d in httpx.get(f"{url}/v1/documents", timeout=10).json() if d["indexed"]]
        assert docs == ["alpha", "beta"]
        # The server holds the build it answers from and the one before; a third ingest
        # prunes neither while it holds them.
        assert {first, second} <= held(data)
        make_pdf(corpus / "gamma.pdf", [["Report incidents to the organization within a day."]])
        third = cli_ingest(env)
        wait_for_build(url, third, 30)
        time.sleep(1.0)  # answers keep coming through the switch
        stop.set()
        asker.join(timeout=120)
        assert statuses and set(statuses) == {200}, statuses
        assert first not in held(data)  # released once two newer builds came
        assert second in {b.name for b in (data / "builds").iterdir()}
        weights = httpx.post(
            f"{url}/v1/ask", json={"question": "How are model weights protected?"}, timeout=60
        )
        assert weights.json()["citations"][0]["doc"] == "beta"
    finally:
        stop.set()
        end(proc)
        log.close()
    assert not held(data)  # a server that stops lets its builds go
