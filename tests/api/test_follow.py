"""A running server follows the index: an `airq ingest` from the command line is answered
from within seconds, no request fails during the switch, and no build a server still reads
is pruned under it. Real processes: `airq serve` and `airq ingest`, over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from index.build import current_build, held
from tests.api.conftest import _free_port
from tests.api.conftest import stop as end
from tests.pdfmaker import make_pdf

pytestmark = pytest.mark.integration

EXE = str(Path(sys.executable).with_name("airq"))


def _ingest(env: dict[str, str]) -> str:
    r = subprocess.run([EXE, "ingest"], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    build = current_build(Path(env["AIRQ_DATA_DIR"]))
    assert build is not None
    return build


def _wait_for(url: str, build: str, timeout: float) -> float:
    """Seconds until /readyz reports ``build``."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            r = httpx.get(f"{url}/readyz", timeout=5)
            if r.status_code == 200 and r.json().get("build") == build:
                return time.monotonic() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not switch to {build} within {timeout} s")


def test_a_cli_ingest_is_served_without_a_failed_request(tmp_path: Path) -> None:
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    make_pdf(corpus / "alpha.pdf", [["Operators of water utilities should inventory their AI systems."]])
    env = {
        **os.environ,
        "AIRQ_DATA_DIR": str(data),
        "AIRQ_CORPUS_DIR": str(corpus),
        "AIRQ_ADAPT_EMBEDDER": "false",
        "AIRQ_RELOAD_SECONDS": "0.5",
    }
    first = _ingest(env)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [EXE, "serve", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env
    )
    statuses: list[int] = []
    stop = threading.Event()

    def ask_forever() -> None:
        with httpx.Client(timeout=60) as c:
            while not stop.is_set():
                r = c.post(f"{url}/v1/ask", json={"question": "What should operators inventory?"})
                statuses.append(r.status_code)

    try:
        _wait_for(url, first, 180)
        asker = threading.Thread(target=ask_forever)
        asker.start()
        make_pdf(corpus / "beta.pdf", [["Protect model weights with access controls and encryption."]])
        second = _ingest(env)
        assert second != first
        assert _wait_for(url, second, 30) < 15  # "within a few seconds" of the ingest ending
        docs = [d["id"] for d in httpx.get(f"{url}/v1/documents", timeout=10).json() if d["indexed"]]
        assert docs == ["alpha", "beta"]
        # The server holds the build it answers from and the one before; a third ingest
        # prunes neither while it holds them.
        assert {first, second} <= held(data)
        make_pdf(corpus / "gamma.pdf", [["Report incidents to the organization within a day."]])
        third = _ingest(env)
        _wait_for(url, third, 30)
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
