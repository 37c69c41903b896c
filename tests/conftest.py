"""Shared fixtures. Integration tests read the real PDFs from ../shared/corpus and use the
real embedder; unit tests use the hashing encoder and PDFs they build themselves."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.settings import PROJECT_ROOT

SHARED_CORPUS = Path(os.environ.get("AIRQ_TEST_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
REAL_IDS = ["nist-ai-100-1", "nist-ai-600-1", "nist-ai-800-1-ipd", "nist-sp-800-218a", "nist-ai-rmf-playbook"]


def _have_corpus() -> bool:
    return all((SHARED_CORPUS / f"{i}.pdf").is_file() for i in REAL_IDS)


needs_corpus = pytest.mark.skipif(
    not _have_corpus(), reason=f"the real PDFs are not in {SHARED_CORPUS} (integration test)"
)


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    if not _have_corpus():
        pytest.skip(f"the real PDFs are not in {SHARED_CORPUS}")
    return SHARED_CORPUS


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Path:
    """The whole corpus ingested once with the real MiniLM embedder, adapted to the corpus as
    `airq ingest` does (data dir path)."""
    from index.adapt import AdaptConfig
    from index.build import ingest, sources_from_corpus
    from index.embed import MiniLMEmbedder

    data = tmp_path_factory.mktemp("airq-data")
    sources, warnings = sources_from_corpus(shared_corpus)
    assert not warnings
    report = ingest(sources, data, MiniLMEmbedder(), workers=2, adapt=AdaptConfig())
    assert not report.failures and report.changed
    return data


@pytest.fixture(scope="session")
def engine(real_index: Path):  # type: ignore[no-untyped-def]
    from core.settings import Settings
    from qa.service import load_engine

    return load_engine(Settings(data_dir=real_index))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server (`chroma run`) on 127.0.0.1, one for the whole run."""
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("chroma server did not start within 30 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
