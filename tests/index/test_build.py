"""Index builds: atomic switch-over, skipping unchanged files, bad files skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.thesaurus import Thesaurus
from index.build import IngestError, current_dir, has_index, ingest
from index.catalog import Catalog
from index.embed import EmbeddingCache, HashEmbedder
from index.retrieve import Query, Retriever
from ingest.pipeline import Source
from tests.pdfmaker import make_pdf


def _pdfs(folder: Path) -> list[Source]:
    folder.mkdir(parents=True, exist_ok=True)
    a = make_pdf(
        folder / "alpha.pdf",
        [
            [
                "1. Introduction",
                "Operators of water utilities should inventory their AI systems.",
                "Each inventory entry records the owner, the purpose and the data used.",
            ],
            [
                "2. Monitoring",
                "Monitor model drift every month and report incidents within the organization.",
                "GOVERN 1.6: Mechanisms are in place to inventory AI systems.",
            ],
        ],
        outline=[("1. Introduction", 1), ("2. Monitoring", 2)],
    )
    b = make_pdf(
        folder / "beta.pdf",
        [
            [
                "Practice 3.1: Assess the risk of model theft from relevant threat actors.",
                "Protect model weights with access controls and encryption at rest.",
            ],
        ],
    )
    return [Source("alpha", "Alpha Guide", a), Source("beta", "Beta Profile", b)]


def test_build_query_and_skip_unchanged(tmp_path: Path) -> None:
    srcs = _pdfs(tmp_path / "pdf")
    emb = HashEmbedder()
    data = tmp_path / "data"
    r1 = ingest(srcs, data, emb, workers=1)
    assert r1.changed and r1.parsed == ["alpha", "beta"] and r1.chunks >= 2
    calls = emb.calls
    r2 = ingest(srcs, data, emb, workers=1)
    assert not r2.changed and r2.build_id == r1.build_id and emb.calls == calls
    r3 = ingest(srcs, data, emb, workers=1, force=True)
    assert r3.changed and r3.embedded == 0  # every vector came from the cache
    ret = Retriever(data, emb)
    hits = ret.run(Query("GOVERN 1.6 inventory", k=3))
    assert hits[0].chunk.doc == "alpha" and 2 in hits[0].chunk.pages
    only_beta = ret.run(Query("model weights theft", k=3, docs=("beta",)))
    assert only_beta and all(h.chunk.doc == "beta" for h in only_beta)
    section = ret.run(Query("inventory", k=5, section="monitoring"))
    assert section and all("Monitoring" in h.chunk.section for h in section)
    # Plain words reach the keyword search as the documents' own terms.
    ret.analyzer.thesaurus = Thesaurus([("inventory", ["zorblat"])])
    widened = ret.run(Query("zorblat", k=3, mode="bm25"))
    assert widened and "inventory" in widened[0].chunk.text
    ret.analyzer.thesaurus = None
    assert ret.run(Query("zorblat", k=3, mode="bm25")) == []


def test_changed_file_is_reparsed_and_removed_file_dropped(tmp_path: Path) -> None:
    srcs = _pdfs(tmp_path / "pdf")
    data = tmp_path / "data"
    ingest(srcs, data, HashEmbedder(), workers=1)
    make_pdf(srcs[1].path, [["Practice 3.2: Compare predicted misuse risk to the risk tolerance."]])
    r = ingest(srcs, data, HashEmbedder(), workers=1)
    assert r.parsed == ["beta"] and r.reused == ["alpha"]
    r = ingest(srcs[:1], data, HashEmbedder(), workers=1)
    assert r.removed == ["beta"]
    assert Catalog.load(current_dir(data).resolve()).doc_ids == ["alpha"]
    # The live build and the one before it are kept; older ones go.
    names = {b.name for b in (data / "builds").iterdir()}
    assert r.build_id in names and len(names) == 2


def test_bad_file_is_skipped_and_others_ingested(tmp_path: Path) -> None:
    srcs = _pdfs(tmp_path / "pdf")
    bad = tmp_path / "pdf" / "broken.pdf"
    bad.write_text("this is not a pdf")
    r = ingest([*srcs, Source("broken", "Broken", bad)], tmp_path / "data", HashEmbedder(), workers=2)
    assert [f.source.doc for f in r.failures] == ["broken"]
    assert "not a PDF" in r.failures[0].line() and str(bad) in r.failures[0].line()
    assert sorted(r.parsed) == ["alpha", "beta"]
    # The same bad bytes again: reported, not re-parsed, and no needless rebuild.
    again = ingest([*srcs, Source("broken", "Broken", bad)], tmp_path / "data", HashEmbedder(), workers=2)
    assert not again.changed and again.build_id == r.build_id
    assert "unchanged since the last ingest" in again.failures[0].reason


def test_failed_ingest_leaves_previous_index_answering(tmp_path: Path) -> None:
    srcs = _pdfs(tmp_path / "pdf")
    data = tmp_path / "data"
    first = ingest(srcs, data, HashEmbedder(), workers=1)

    class Exploding(HashEmbedder):
        def encode(self, texts: list[str]):  # type: ignore[no-untyped-def]
            raise RuntimeError("embedder crashed mid-ingest")

    make_pdf(srcs[0].path, [["1. Introduction", "Entirely new text about substation protection relays."]])
    with pytest.raises(RuntimeError, match="crashed"):
        ingest(srcs, data, Exploding(), workers=1)
    assert has_index(data)
    assert Catalog.load(current_dir(data).resolve()).manifest["build_id"] == first.build_id
    assert [b.name for b in (data / "builds").iterdir()] == [first.build_id]
    assert Retriever(data, HashEmbedder()).run(Query("inventory of AI systems", k=1))


def test_nothing_usable_raises_and_keeps_index(tmp_path: Path) -> None:
    bad = tmp_path / "x.pdf"
    bad.write_text("nope")
    with pytest.raises(IngestError, match="nothing could be ingested"):
        ingest([Source("x", "X", bad)], tmp_path / "data", HashEmbedder(), workers=1)
    assert not has_index(tmp_path / "data")


def test_embedding_cache_roundtrip(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    emb = HashEmbedder()
    v1, fresh1 = cache.encode(emb, ["a b", "c d", "a b"])
    v2, fresh2 = cache.encode(emb, ["c d", "a b"])
    assert fresh1 == 2 and fresh2 == 0
    assert (v1[1] == v2[0]).all()
    cache.close()
