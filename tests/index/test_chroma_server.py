"""The same index code against a real Chroma server (``chroma run`` on 127.0.0.1)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from index.build import ingest
from index.embed import HashEmbedder
from index.retrieve import NoIndexError, Query, Retriever
from tests.index.test_build import _pdfs

pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
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


def test_ingest_and_retrieve_through_server(tmp_path: Path, chroma_url: str) -> None:
    import chromadb

    srcs = _pdfs(tmp_path / "pdf")
    data = tmp_path / "data"
    r = ingest(srcs, data, HashEmbedder(), chroma_url=chroma_url, workers=1)
    assert r.changed
    assert not (data / "current" / "chroma").exists()  # vectors live on the server
    ret = Retriever(data, HashEmbedder(), chroma_url=chroma_url)
    hits = ret.run(Query("GOVERN 1.6 inventory", k=3))
    assert hits[0].chunk.doc == "alpha"
    assert ret.run(Query("model weights", k=2, docs=("beta",)))[0].chunk.doc == "beta"
    # Rebuilds keep the live and the previous build's collections and drop older ones.
    r2 = ingest(srcs, data, HashEmbedder(), chroma_url=chroma_url, workers=1, force=True)
    r3 = ingest(srcs, data, HashEmbedder(), chroma_url=chroma_url, workers=1, force=True)
    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_url.rsplit(":", 1)[1]))
    names = {c.name for c in client.list_collections()}
    assert {f"airq-{r3.build_id}", f"airq-{r2.build_id}-sentences"} <= names
    assert f"airq-{r.build_id}" not in names and f"airq-{r.build_id}-sentences" not in names
    with pytest.raises(NoIndexError, match="built on Chroma"):
        Retriever(data, HashEmbedder(), chroma_url="http://127.0.0.1:1")
