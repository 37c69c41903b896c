"""Ingest into a new index build beside the live one, then switch over atomically.

Layout under the data directory::

    current -> builds/<id>     symlink, replaced atomically (os.replace) at the very end
    builds/<id>/               manifest.json, chunks/pages/headings.jsonl, bm25/, chroma/,
                               model/ (the embedder adapted to this corpus, index/adapt.py)
    cache/embeddings.sqlite    vectors by (model, text) hash, shared by all builds
    ingest.lock                one ingest at a time

A failed or killed ingest leaves ``current`` pointing at the previous build, which keeps
answering; the half-built folder is removed on failure (or by the next ingest).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.text import collapse_ws
from core.types import Chunk, Page, ParsedDocument
from corpus.manifest import State, doc_path, load_manifest, sha256_file, survey
from corpus.roles import load_taxonomy
from index.adapt import AdaptConfig, AdaptError, adapt_embedder
from index.bm25 import BM25Index
from index.catalog import MANIFEST, Catalog, write_documents
from index.embed import Embedder, EmbeddingCache
from index.store import DenseStore, drop_collection, make_client
from ingest.chunk import context_text
from ingest.parse import PIPELINE_VERSION
from ingest.pipeline import Failure, Source, parse_many

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class IngestError(RuntimeError):
    """Ingest could not produce a usable index; the previous one is untouched."""


@dataclass
class IngestReport:
    build_id: str | None
    changed: bool
    parsed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    timings_s: dict[str, float] = field(default_factory=dict)


def current_dir(data_dir: Path) -> Path:
    return data_dir / "current"


def has_index(data_dir: Path) -> bool:
    return (current_dir(data_dir) / MANIFEST).is_file()


def sources_from_corpus(corpus_dir: Path) -> tuple[list[Source], list[str]]:
    """Usable manifest documents plus any other PDF dropped in the folder (id = file stem)."""
    docs = load_manifest()
    sources: list[Source] = []
    warnings: list[str] = []
    known = {d.id for d in docs}
    for st in survey(corpus_dir, docs):
        if st.usable and st.path:
            sources.append(Source(st.doc.id, st.doc.title, st.path))
        elif st.state is State.MISMATCH:
            warnings.append(
                f"{doc_path(st.doc.id, corpus_dir)}: checksum mismatch, skipped; "
                f"run `airq corpus fetch {st.doc.id}` to replace it"
            )
    if corpus_dir.is_dir():
        for pdf in sorted(corpus_dir.glob("*.pdf")):
            if pdf.stem not in known:
                sources.append(Source(pdf.stem, pdf.stem, pdf))
    return sources, warnings


@contextmanager
def _lock(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "ingest.lock").open("w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IngestError(f"{data_dir}: another ingest is running; wait for it to finish") from exc
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _swap(data_dir: Path, build: Path) -> None:
    tmp = data_dir / f".current.{uuid.uuid4().hex[:8]}"
    os.symlink(Path("builds") / build.name, tmp)
    os.replace(tmp, current_dir(data_dir))


ADAPTED = "model"  # the adapted embedder's folder inside a build


def _collection_name(build_id: str) -> str:
    return f"airq-{build_id}"


SENTENCES = "-sentences"
MIN_SENTENCE_WORDS = 4


def sentence_id(chunk_id: str, i: int) -> str:
    return f"{chunk_id}#{i}"


def sentence_items(
    chunks: Sequence[Chunk], pages: dict[tuple[str, int], Page]
) -> list[tuple[str, str, dict[str, str | int]]]:
    """(id, text, metadata) of every sentence worth a vector: a sentence matches a question
    more sharply than the passage around it, and it is what an answer quotes."""
    out: list[tuple[str, str, dict[str, str | int]]] = []
    for c in chunks:
        for i, s in enumerate(c.sentences):
            text = collapse_ws(pages[(c.doc, s.page)].text[s.start : s.end])
            if len(text.split()) >= MIN_SENTENCE_WORDS:
                out.append((sentence_id(c.id, i), text, {"chunk_id": c.id, "doc": c.doc, "page": s.page}))
    return out


def _embed_all(
    cache: EmbeddingCache,
    embedder: Embedder,
    texts: list[str],
    report: IngestReport,
    progress: Progress | None,
    step: int = 64,
) -> np.ndarray:
    parts = []
    for i in range(0, len(texts), step):
        vecs, fresh = cache.encode(embedder, texts[i : i + step])
        parts.append(vecs)
        report.embedded += fresh
        if progress:
            progress("embed", min(i + step, len(texts)), len(texts))
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def ingest(
    sources: Sequence[Source],
    data_dir: Path,
    embedder: Embedder,
    chroma_url: str | None = None,
    workers: int = 2,
    max_tokens: int = 200,
    force: bool = False,
    progress: Progress | None = None,
    warnings: Sequence[str] = (),
    adapt: AdaptConfig | None = None,
) -> IngestReport:
    """Bring the index in line with ``sources``; unchanged documents are not parsed again and
    unchanged passages are not embedded again. With ``adapt``, the embedder is first
    fine-tuned on the corpus's headings (index/adapt.py) and the build keeps that model; a
    changed corpus trains a new one, so then every passage is embedded again."""
    with _lock(data_dir):
        return _ingest(
            sources, data_dir, embedder, chroma_url, workers, max_tokens, force, progress, warnings, adapt
        )


def _ingest(
    sources: Sequence[Source],
    data_dir: Path,
    embedder: Embedder,
    chroma_url: str | None,
    workers: int,
    max_tokens: int,
    force: bool,
    progress: Progress | None,
    warnings: Sequence[str],
    adapt: AdaptConfig | None,
) -> IngestReport:
    t0 = time.perf_counter()
    report = IngestReport(build_id=None, changed=False, warnings=list(warnings))
    old: Catalog | None = Catalog.load(current_dir(data_dir).resolve()) if has_index(data_dir) else None
    recipe = {
        "pipeline": PIPELINE_VERSION,
        "roles": load_taxonomy().digest,
        "max_tokens": max_tokens,
        "embedder": embedder.name,
    }
    if adapt is not None:
        recipe["adapt"] = adapt.recipe()

    same_recipe = old is not None and old.manifest.get("recipe") == recipe and not force
    known_bad: dict[str, dict[str, str]] = old.manifest.get("failed", {}) if old and same_recipe else {}
    reuse: dict[str, ParsedDocument] = {}
    todo: list[Source] = []
    still_bad: list[Failure] = []
    digests = {src.doc: sha256_file(src.path) for src in sources}
    for src in sources:
        info = old.manifest["docs"].get(src.doc) if old else None
        if same_recipe and old is not None and info is not None and info.get("sha256") == digests[src.doc]:
            reuse[src.doc] = old.document(src.doc)
        elif known_bad.get(src.doc, {}).get("sha256") == digests[src.doc]:
            # The same bytes failed last time: report it again without re-parsing.
            still_bad.append(
                Failure(src, known_bad[src.doc]["reason"] + " (unchanged since the last ingest)")
            )
        else:
            todo.append(src)
    report.reused = sorted(reuse)
    report.failures = list(still_bad)
    wanted = {s.doc for s in sources}
    report.removed = sorted(set(old.doc_ids) - wanted) if old else []
    if old is not None and not todo and not report.removed and not force:
        report.build_id = old.manifest["build_id"]
        report.chunks = len(old.chunks)
        report.timings_s["total"] = time.perf_counter() - t0
        return report

    t1 = time.perf_counter()
    done = 0

    def parsed_one(src: Source, doc: ParsedDocument | None) -> None:
        nonlocal done
        done += 1
        if progress:
            progress("parse", done, len(todo))

    parsed, failures = parse_many(todo, workers=workers, max_tokens=max_tokens, on_done=parsed_one)
    report.failures = still_bad + failures
    report.parsed = [d.doc for d in parsed]
    report.timings_s["parse_clean_chunk"] = time.perf_counter() - t1
    # A document that failed now but was fine before keeps its previous parse, as long as
    # that parse was made the same way (same pipeline, passage size and embedder).
    for f in failures:
        if old is not None and f.source.doc in old.doc_ids and f.source.doc not in reuse:
            if old.manifest.get("recipe") == recipe:
                reuse[f.source.doc] = old.document(f.source.doc)
                report.warnings.append(f"{f.source.doc}: kept the previously indexed version")
            else:
                report.warnings.append(f"{f.source.doc}: dropped; it failed under the new ingest settings")
    by_id = {d.doc: d for d in [*reuse.values(), *parsed]}
    docs = [by_id[s.doc] for s in sources if s.doc in by_id]
    if not docs:
        raise IngestError("nothing could be ingested: no usable PDF (see the lines above)")
    titles = {s.doc: s.title for s in sources}

    build_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
    builds = data_dir / "builds"
    build = builds / build_id
    build.mkdir(parents=True)
    client = None
    try:
        write_documents(build, docs)
        chunks = [c for d in docs for c in d.chunks]
        texts = [context_text(titles[c.doc], c.section, c.text) for c in chunks]
        pages = {(p.doc, p.page): p for d in docs for p in d.pages}
        sents = sentence_items(chunks, pages)
        model_path: str | None = None
        if adapt is not None:
            ta = time.perf_counter()
            if progress:
                progress("adapt", 0, 1)
            try:
                embedder = adapt_embedder(embedder, chunks, build / ADAPTED, adapt)
                model_path = ADAPTED
            except AdaptError as exc:  # a small corpus still gets an index
                report.warnings.append(f"the embedder was not adapted: {exc}; the model is used as is")
            except (OSError, RuntimeError, MemoryError) as exc:  # torch, disk, memory
                raise IngestError(
                    f"adapting the embedder failed ({type(exc).__name__}: {exc}); "
                    "the previous index is untouched; AIRQ_ADAPT_EMBEDDER=false skips this step"
                ) from exc
            if progress:
                progress("adapt", 1, 1)
            report.timings_s["adapt"] = time.perf_counter() - ta
        t2 = time.perf_counter()
        cache = EmbeddingCache(data_dir / "cache" / "embeddings.sqlite")
        try:
            all_texts = texts + [t for _, t, _ in sents]
            vectors = _embed_all(cache, embedder, all_texts, report, progress)
        finally:
            cache.close()
        report.timings_s["embed"] = time.perf_counter() - t2

        t3 = time.perf_counter()
        client = make_client(build / "chroma", chroma_url)
        store = DenseStore(client, _collection_name(build_id), create=True)
        store.add_chunks(chunks, vectors[: len(chunks)])
        sstore = DenseStore(client, _collection_name(build_id) + SENTENCES, create=True)
        sstore.add(
            [i for i, _, _ in sents],
            [t for _, t, _ in sents],
            [m for _, _, m in sents],
            vectors[len(chunks) :],
        )
        BM25Index.build([c.id for c in chunks], texts).save(build / "bm25")
        manifest: dict[str, Any] = {
            "build_id": build_id,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "recipe": recipe,
            # What questions must be embedded with: the build's own model when adapted.
            "query_embedder": {"name": embedder.name, "path": model_path},
            "chroma": {"url": chroma_url, "collection": _collection_name(build_id)},
            "failed": {
                f.source.doc: {
                    "sha256": digests[f.source.doc],
                    "reason": f.reason.split(" (unchanged since")[0],
                }
                for f in report.failures
            },
            "docs": {
                d.doc: {
                    "title": titles[d.doc],
                    "sha256": d.sha256,
                    "pages": len(d.pages),
                    "chunks": len(d.chunks),
                }
                for d in docs
            },
        }
        (build / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        report.timings_s["write"] = time.perf_counter() - t3
        del store, sstore, client  # release Chroma's file handles before the swap
        client = None
        _swap(data_dir, build)
    except BaseException:
        if client is not None and chroma_url:
            drop_collection(client, _collection_name(build_id))
            drop_collection(client, _collection_name(build_id) + SENTENCES)
        shutil.rmtree(build, ignore_errors=True)
        raise
    report.build_id = build_id
    report.changed = True
    report.chunks = len(chunks)
    _prune(data_dir, keep={build_id, old.manifest["build_id"] if old else build_id})
    report.timings_s["total"] = time.perf_counter() - t0
    return report


def _prune(data_dir: Path, keep: set[str]) -> None:
    """Remove builds older than the previous one (a reader that resolved ``current`` just
    before the switch can still finish on it), with their remote collections."""
    for b in (data_dir / "builds").iterdir():
        if b.name in keep:
            continue
        manifest = b / MANIFEST
        try:
            chroma = json.loads(manifest.read_text())["chroma"] if manifest.is_file() else {}
        except (OSError, ValueError, KeyError):
            chroma = {}
        if chroma.get("url"):
            with contextlib.suppress(Exception):  # the server may be gone; the folder still goes
                client = make_client(None, chroma["url"])
                drop_collection(client, chroma["collection"])
                drop_collection(client, chroma["collection"] + SENTENCES)
        shutil.rmtree(b, ignore_errors=True)
