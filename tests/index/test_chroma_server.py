"""The same index code against a real Chroma server (``chroma run`` on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.build import ingest, sentence_id
from index.embed import HashEmbedder
from index.retrieve import MappedSentences, NoIndexError, Query, Retriever, SentenceCache
from tests.index.test_build import _pdfs

pytestmark = pytest.mark.server


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


def test_on_a_server_sentence_vectors_stay_there_and_rank_the_same(tmp_path: Path, chroma_url: str) -> None:
    """The serving process reads no sentence vectors in when Chroma is a server: it maps the
    build's file (or fetches them from the server), and ranks as with all of them in memory."""
    srcs = _pdfs(tmp_path / "pdf")
    ingest(srcs, tmp_path / "local", HashEmbedder(), workers=1)
    ingest(srcs, tmp_path / "remote", HashEmbedder(), chroma_url=chroma_url, workers=1)
    local = Retriever(tmp_path / "local", HashEmbedder())
    remote = Retriever(tmp_path / "remote", HashEmbedder(), chroma_url=chroma_url)
    assert local._sentence_vectors and not remote._sentence_vectors
    assert isinstance(remote._remote, MappedSentences)  # the build's file, mapped
    for text in (
        "GOVERN 1.6 inventory",
        "model weights encryption",
        "report incidents",
        "owner purpose data",
    ):
        a, b = local.run(Query(text, k=5)), remote.run(Query(text, k=5))
        assert [(h.chunk.id, h.score, h.ranks) for h in a] == [(h.chunk.id, h.score, h.ranks) for h in b]
        # The server sends distances as JSON, rounded to float32's digits.
        assert np.allclose([h.cosine for h in a], [h.cosine for h in b], atol=1e-6)
        ids = [sentence_id(h.chunk.id, i) for h in a for i in range(len(h.chunk.sentences))]
        near = local.sentence_vectors(ids)
        far = remote.sentence_vectors(ids)
        assert near.keys() == far.keys() and all(np.array_equal(near[i], far[i]) for i in near)


class _CountingStore:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        self.asked += ids
        return {i: np.full(2, float(len(i)), dtype=np.float32) for i in ids if not i.startswith("gone")}


def test_the_sentence_cache_fetches_each_vector_once_and_stays_bounded() -> None:
    store = _CountingStore()
    cache = SentenceCache(store, size=3)  # type: ignore[arg-type]
    assert set(cache.get(["a#0", "a#1", "gone#0"])) == {"a#0", "a#1"}
    assert set(cache.get(["a#0", "b#0"])) == {"a#0", "b#0"}
    assert store.asked == ["a#0", "a#1", "gone#0", "b#0"]  # a#0 came from the cache
    cache.get(["c#0", "d#0"])  # over the bound: the least recently used go first
    store.asked.clear()
    cache.get(["a#1", "d#0"])
    assert store.asked == ["a#1"]
