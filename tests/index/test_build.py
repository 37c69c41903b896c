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
    # What an ingest would have to embed, counted before choosing how to embed it.
    assert cache.missing(emb.name, ["a b", "e f", "e f", "g"]) == 2
    assert cache.missing("another model", ["a b"]) == 1
    cache.close()


def _encrypt(src: Path, dst: Path, password: str = "") -> Path:
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter(clone_from=PdfReader(src))
    w.encrypt(user_password=password, owner_password="owner", algorithm="AES-256")
    with dst.open("wb") as f:
        w.write(f)
    return dst


def test_every_unusable_file_is_one_line_and_the_rest_is_indexed(tmp_path: Path) -> None:
    from index.build import sources_from_corpus

    corpus = tmp_path / "corpus"
    srcs = _pdfs(corpus)
    outside = make_pdf(tmp_path / "elsewhere.pdf", [["A document kept outside the corpus folder."]])
    (corpus / "dangling.pdf").symlink_to(tmp_path / "gone.pdf")
    (corpus / "folder.pdf").mkdir()
    (corpus / "away.pdf").symlink_to(outside)
    make_pdf(corpus / "UPPER.PDF", [["Capital letters in the file name are still a PDF to index."]])
    _encrypt(srcs[0].path, corpus / "aes.pdf")  # AES-256, no user password: readable
    _encrypt(srcs[1].path, corpus / "locked.pdf", password="secret")
    sources, _ = sources_from_corpus(corpus)
    problems = {s.doc: s.problem for s in sources if s.problem}
    assert set(problems) == {"dangling", "folder", "away"}
    assert "broken link" in problems["dangling"] and "folder" in problems["folder"]
    assert "outside the corpus folder" in problems["away"]
    r = ingest(sources, tmp_path / "data", HashEmbedder(), workers=1)
    lines = {f.source.doc: f.line() for f in r.failures}
    assert set(lines) == {"dangling", "folder", "away", "locked"}
    assert all("\n" not in line and str(corpus) in line for line in lines.values())
    assert "password" in lines["locked"]
    assert sorted(r.parsed) == ["UPPER", "aes", "alpha", "beta"]


def test_a_damaged_file_keeps_its_indexed_version(tmp_path: Path) -> None:
    srcs = _pdfs(tmp_path / "pdf")
    data = tmp_path / "data"
    first = ingest(srcs, data, HashEmbedder(), workers=1)
    # The file is corrupted in place: it fails to parse, or its checksum no longer matches.
    srcs[1].path.write_bytes(srcs[1].path.read_bytes()[:200])
    r = ingest(srcs, data, HashEmbedder(), workers=1)
    assert [f.source.doc for f in r.failures] == ["beta"] and r.removed == []
    assert any("beta" in w and "is kept and still answers" in w for w in r.warnings)
    assert Catalog.load(current_dir(data).resolve()).doc_ids == ["alpha", "beta"]
    hits = Retriever(data, HashEmbedder()).run(Query("model weights theft", k=3, docs=("beta",)))
    assert hits and hits[0].chunk.doc == "beta"
    # A checksum mismatch (a manifest document) is kept the same way, never dropped.
    from dataclasses import replace as with_field

    damaged = [srcs[0], with_field(srcs[1], problem="checksum mismatch; run `airq corpus fetch beta`")]
    again = ingest(damaged, data, HashEmbedder(), workers=1)
    assert again.removed == [] and "checksum mismatch" in again.failures[0].line()
    assert Catalog.load(current_dir(data).resolve()).doc_ids == ["alpha", "beta"]
    # Another change still keeps it: a new build is made with the old version of beta.
    make_pdf(srcs[0].path, [["1. Introduction", "New text about substation relays."]])
    third = ingest(damaged, data, HashEmbedder(), workers=1)
    assert third.changed and third.build_id != first.build_id
    assert Catalog.load(current_dir(data).resolve()).doc_ids == ["alpha", "beta"]


def test_environment_faults_are_one_line_and_keep_the_index(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import errno

    from index import build as b
    from index.store import DenseStore

    srcs = _pdfs(tmp_path / "pdf")
    data = tmp_path / "data"
    first = ingest(srcs, data, HashEmbedder(), workers=1)
    make_pdf(srcs[0].path, [["1. Introduction", "Entirely new text about feeder automation."]])

    def full(*_a, **_k):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(DenseStore, "add_chunks", full)
    with pytest.raises(IngestError, match="the disk is full") as err:
        ingest(srcs, data, HashEmbedder(), workers=1)
    assert err.value.code == b.EXIT_ENVIRONMENT and "\n" not in str(err.value)

    # A library's own wording ("Error in compaction") with the disk nearly full.
    def compaction(*_a, **_k):  # type: ignore[no-untyped-def]
        raise RuntimeError("Error in compaction: failed to apply logs")

    monkeypatch.setattr(DenseStore, "add_chunks", compaction)
    monkeypatch.setattr(b.shutil, "disk_usage", lambda _p: type("U", (), {"free": 10 << 20})())
    with pytest.raises(IngestError, match="disk is full"):
        ingest(srcs, data, HashEmbedder(), workers=1)
    assert Catalog.load(current_dir(data).resolve()).manifest["build_id"] == first.build_id
    assert [x.name for x in (data / "builds").iterdir()] == [first.build_id]

    # Saving the adapted model on a full disk: safetensors' own error type, not an OSError.
    class SafetensorError(Exception):
        pass

    def saving(*_a, **_k):  # type: ignore[no-untyped-def]
        raise SafetensorError("Error while serializing: IoError(Os { code: 28 })")

    monkeypatch.setattr("index.adapt.adapt_embedder", saving)
    with pytest.raises(IngestError, match="disk is full") as err:
        ingest(srcs, data, HashEmbedder(), workers=1, adapt=b.AdaptConfig())
    assert err.value.code == b.EXIT_ENVIRONMENT
    assert b.environment_fault(OSError(errno.EROFS, "Read-only file system"), data)
    assert b.environment_fault(ValueError("Could not connect to a Chroma server."), data, "http://h:1")
    monkeypatch.undo()
    assert b.environment_fault(RuntimeError("a parser bug"), data) is None


def test_a_half_build_is_removed_at_the_next_start(tmp_path: Path) -> None:
    srcs = _pdfs(tmp_path / "pdf")
    data = tmp_path / "data"
    first = ingest(srcs, data, HashEmbedder(), workers=1)
    half = data / "builds" / "20990101-000000-dead00"
    (half / "chroma").mkdir(parents=True)  # what a killed ingest leaves: no manifest
    again = ingest(srcs, data, HashEmbedder(), workers=1)
    assert not again.changed and not half.exists()
    assert [x.name for x in (data / "builds").iterdir()] == [first.build_id]


@pytest.mark.integration
def test_a_corrupted_manifest_pdf_keeps_its_indexed_version(tmp_path: Path, shared_corpus: Path) -> None:
    """The real SP 800-218A, indexed, then damaged in place: its checksum no longer matches
    the manifest's. The next ingest says so in one line and the indexed version answers on."""
    import shutil

    from index.build import sources_from_corpus

    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    pdf = corpus / "nist-sp-800-218a.pdf"
    shutil.copy(shared_corpus / pdf.name, pdf)
    sources, _ = sources_from_corpus(corpus)
    assert [(s.doc, s.problem) for s in sources] == [("nist-sp-800-218a", None)]
    first = ingest(sources, data, HashEmbedder(), workers=1)
    with pdf.open("r+b") as f:  # a few bytes overwritten mid-file
        f.seek(pdf.stat().st_size // 2)
        f.write(b"\x00" * 64)
    sources, _ = sources_from_corpus(corpus)
    assert "checksum mismatch" in (sources[0].problem or "")
    r = ingest(sources, data, HashEmbedder(), workers=1)
    assert r.removed == [] and not r.changed and r.build_id == first.build_id
    assert (
        "checksum mismatch" in r.failures[0].line()
        and "airq corpus fetch nist-sp-800-218a" in r.failures[0].line()
    )
    assert any("is kept and still answers" in w for w in r.warnings)
    hits = Retriever(data, HashEmbedder()).run(Query("PW.1.1 risk modeling", k=3))
    assert hits and hits[0].chunk.doc == "nist-sp-800-218a"
