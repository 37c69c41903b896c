"""The service over the real index: in-process (TestClient, schemathesis) and as a real
uvicorn process on 127.0.0.1 (the OpenAI client and the browser talk to that one)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.conftest import _free_port


@pytest.fixture(scope="session", autouse=True)
def test_client_host() -> Iterator[None]:
    """TestClient (and schemathesis's ASGI client) send ``Host: testserver``: allowed in tests
    only; a served app allows the loopback names (api.web.default_allowed_hosts)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIRQ_ALLOWED_HOSTS", "localhost,127.0.0.1,::1,testserver")
        yield


@pytest.fixture(scope="session")
def api_app(real_index: Path, shared_corpus: Path, engine: Any) -> FastAPI:
    """The app with the session's engine already loaded (no second model load)."""
    from api.app import create_app

    app = create_app(Settings(data_dir=real_index, corpus_dir=shared_corpus), load=False)
    app.state.airq.engine = engine
    return app


@pytest.fixture(scope="session")
def client(api_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(api_app) as c:
        yield c


AIRQ = str(Path(sys.executable).with_name("airq"))


def small_corpus(tmp_path: Path, **settings: str) -> tuple[Path, Path, dict[str, str]]:
    """A corpus folder with one small PDF, a data folder, and the environment an `airq`
    process runs with on them (no adaptation, the index looked for every half second)."""
    from tests.pdfmaker import make_pdf

    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    make_pdf(corpus / "alpha.pdf", [["Operators of water utilities should inventory their AI systems."]])
    env = {
        **os.environ,
        "AIRQ_DATA_DIR": str(data),
        "AIRQ_CORPUS_DIR": str(corpus),
        "AIRQ_ADAPT_EMBEDDER": "false",
        "AIRQ_RELOAD_SECONDS": "0.5",
        **settings,
    }
    return corpus, data, env


def cli_ingest(env: dict[str, str]) -> str:
    """`airq ingest` in a process of its own; the build it made live."""
    from index.build import current_build

    r = subprocess.run([AIRQ, "ingest"], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    build = current_build(Path(env["AIRQ_DATA_DIR"]))
    assert build is not None
    return build


def wait_for_build(url: str, build: str, timeout: float) -> float:
    """Seconds until the server at ``url`` reports ``build`` on /readyz."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            r = httpx.get(f"{url}/readyz", timeout=5)
            if r.status_code == 200 and r.json().get("build") == build:
                return time.monotonic() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not switch to {build} within {timeout} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a server process: politely, then for good after 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def live_server(
    real_index: Path, shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``airq serve`` as a user starts it; yields its base URL once /readyz says ready."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "AIRQ_DATA_DIR": str(real_index), "AIRQ_CORPUS_DIR": str(shared_corpus)}
    env.pop("AIRQ_ALLOWED_HOSTS", None)  # the served default: the loopback names only
    exe = str(Path(sys.executable).with_name("airq"))
    with log.open("w") as out:
        proc = subprocess.Popen(
            [exe, "serve", "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"airq serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"airq serve not ready after 180 s: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        stop(proc)
