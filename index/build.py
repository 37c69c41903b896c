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
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from core.text import collapse_ws
from core.types import Chunk, Page, ParsedDocument
from corpus.manifest import State, check, doc_path, load_manifest, local_manifest_path, sha256_file
from corpus.roles import load_taxonomy
from index.adapt import KEEP_MODELS, AdaptConfig, AdaptError, adapted_for, link_tree, prune
from index.bm25 import BM25Index
from index.catalog import MANIFEST, Catalog, write_documents
from index.embed import Embedder, EmbeddingCache, MiniLMEmbedder
from index.store import DenseStore, drop_collection, make_client
from ingest.chunk import context_text
from ingest.parse import PIPELINE_VERSION
from ingest.pipeline import Failure, Source, parse_many
from ingest.units import document_units, statements_record

Progress = Callable[[str, int, int], None]  # (stage, done, total)
# parse_many's signature: (sources, workers=, max_tokens=, on_done=) → (documents, failures)
Parse = Callable[..., tuple[list[ParsedDocument], list[Failure]]]


# Exit statuses of `airq ingest` (README, "Exit codes"): the same outcome, the same code, on
# every run.
EXIT_OK = 0
EXIT_FILES = 1  # a file could not be indexed (the others were; nothing was lost)
EXIT_USAGE = 2  # bad arguments or settings, no corpus folder, no PDF in it
EXIT_ENVIRONMENT = 3  # the data folder cannot be written, the disk is full, Chroma is gone, busy

_UNWRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR)
LOW_DISK = 64 << 20  # bytes free below which a failed write is put down to a full disk


class IngestError(RuntimeError):
    """Ingest could not produce a usable index; the previous one is untouched. ``code`` is
    the exit status it means (``EXIT_*``)."""

    def __init__(self, message: str, code: int = EXIT_FILES):
        super().__init__(message)
        self.code = code


def environment_fault(exc: BaseException, data_dir: Path, chroma_url: str | None = None) -> str | None:
    """One line naming an environment cause of ``exc`` (a full disk, a folder that cannot be
    written, a Chroma server gone), or None when it is not one. Libraries word these their own
    way (chromadb's "Error in compaction", safetensors' I/O error), so a failed write with
    the disk nearly full is put down to the disk."""
    err = getattr(exc, "errno", None)
    text = str(exc).lower()
    if err in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in text or "no space left" in text:
        return f"{data_dir}: the disk is full; free some space and run `airq ingest` again"
    if err in _UNWRITABLE or "readonly database" in text or "read-only" in text:
        why = getattr(exc, "strerror", None) or ("read-only" if "readonly" in text else str(exc))
        return (
            f"{data_dir}: cannot write there ({why}); "
            "make it writable or point AIRQ_DATA_DIR at a folder that is"
        )
    if chroma_url and "could not connect to a chroma server" in text:
        return f"the Chroma server at {chroma_url} cannot be reached; start it or unset AIRQ_CHROMA_URL"
    try:
        free = shutil.disk_usage(data_dir if data_dir.exists() else data_dir.parent).free
    except OSError:
        return None
    if free < LOW_DISK:
        return (
            f"{data_dir}: the disk is full ({free >> 20} MB free; {type(exc).__name__}: {exc}); "
            "free some space and run `airq ingest` again"
        )
    return None


@dataclass
class IngestReport:
    build_id: str | None
    changed: bool
    parsed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # decisions the ingest took, said once
    chunks: int = 0
    embedded: int = 0
    timings_s: dict[str, float] = field(default_factory=dict)


def current_dir(data_dir: Path) -> Path:
    return data_dir / "current"


def has_index(data_dir: Path) -> bool:
    return (current_dir(data_dir) / MANIFEST).is_file()


def _unusable(path: Path, root: Path) -> str | None:
    """Why a corpus entry cannot be read as a PDF file (one line, with what to do), or None."""
    if path.is_symlink():
        target = path.resolve()
        if not target.exists():
            return f"a broken link (to {os.readlink(path)}); remove it or point it at the PDF"
        if not target.is_relative_to(root.resolve()):
            return f"a link to {target}, outside the corpus folder; copy the PDF into {root} instead"
    if path.is_dir():
        return "a folder, not a PDF file; move or rename it"
    if not path.is_file():
        return "not a regular file; replace it with the PDF"
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        return _unreadable(exc)
    return None


def _unreadable(exc: OSError) -> str:
    return f"cannot be read ({exc.strerror or exc}); fix its permissions"


def sources_from_corpus(corpus_dir: Path) -> tuple[list[Source], list[str]]:
    """The manifest's documents plus any other PDF in the folder (id = file stem, any case
    of ".pdf"). A file that cannot be used — a wrong checksum, a broken link, a folder, a
    link out of the folder, no read permission — comes back with its ``problem`` set, so that
    ingest reports it in one line and keeps what it indexed from it before."""
    docs = load_manifest(local=local_manifest_path(corpus_dir))
    sources: list[Source] = []
    warnings: list[str] = []
    known = {d.id for d in docs}
    entries = sorted(corpus_dir.iterdir()) if corpus_dir.is_dir() else []
    pdfs = [p for p in entries if p.suffix.lower() == ".pdf"]
    for d in docs:
        path = doc_path(d.id, corpus_dir)
        if not (path.exists() or path.is_symlink()):
            continue  # missing: `airq corpus list` says so
        problem = _unusable(path, corpus_dir)
        if problem is None:
            try:
                st = check(d, corpus_dir)
            except OSError as exc:
                problem = _unreadable(exc)
            else:
                if st.state is State.MISMATCH:
                    problem = (
                        f"checksum mismatch (the file is damaged or another version); "
                        f"run `airq corpus fetch {d.id}` to replace it"
                    )
        sources.append(Source(d.id, d.title, path, problem))
    for pdf in pdfs:
        if pdf.stem in known:
            if pdf.suffix != ".pdf" and not any(src.doc == pdf.stem for src in sources):
                sources.append(
                    Source(pdf.stem, pdf.stem, pdf, f"rename it to {pdf.stem}.pdf so its checksum is checked")
                )
            continue
        sources.append(Source(pdf.stem, pdf.stem, pdf, _unusable(pdf, corpus_dir)))
    return sources, warnings


@contextmanager
def _lock(data_dir: Path) -> Iterator[None]:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        f = (data_dir / "ingest.lock").open("w")
    except OSError as exc:
        raise IngestError(environment_fault(exc, data_dir) or f"{data_dir}: {exc}", EXIT_ENVIRONMENT) from exc
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IngestError(
                f"{data_dir}: another ingest is running; wait for it to finish", EXIT_ENVIRONMENT
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _swap(data_dir: Path, build: Path) -> None:
    tmp = data_dir / f".current.{uuid.uuid4().hex[:8]}"
    os.symlink(Path("builds") / build.name, tmp)
    os.replace(tmp, current_dir(data_dir))


ADAPTED = "model"  # the adapted embedder's folder inside a build
SENTENCE_VECTORS = "sentences.npy"  # every sentence vector, in the order of …
SENTENCE_IDS = "sentences.json"  # … these sentence ids
ONNX_EMBED_MAX = 2000  # texts to embed up to which ingest embeds them through ONNX
STATEMENTS = "statements.json"  # the quotable statements of every document (ingest/units.py)


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
    parse: Parse = parse_many,
) -> IngestReport:
    """Bring the index in line with ``sources``; unchanged documents are not parsed again and
    unchanged passages are not embedded again. With ``adapt``, the embedder is first
    fine-tuned on the corpus's headings (index/adapt.py) and the build keeps that model; a
    changed corpus trains a new one, so then every passage is embedded again. ``parse``
    turns sources into documents: the PDF pipeline, or a scale benchmark's synthetic copies
    (bench/scale.py), which then go through everything else an ingest does."""
    with _lock(data_dir):
        _remove_half_builds(data_dir)
        try:
            return _ingest(
                sources,
                data_dir,
                embedder,
                chroma_url,
                workers,
                max_tokens,
                force,
                progress,
                warnings,
                adapt,
                parse,
            )
        except (IngestError, KeyboardInterrupt):
            raise
        except Exception as exc:
            reason = environment_fault(exc, data_dir, chroma_url)
            if reason is None:
                raise
            raise IngestError(f"{reason}; the previous index is untouched", EXIT_ENVIRONMENT) from exc


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
    parse: Parse,
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
    unusable: list[Failure] = []
    digests: dict[str, str] = {}
    for src in sources:
        if src.problem is None:
            try:
                digests[src.doc] = sha256_file(src.path)
            except OSError as exc:  # gone or unreadable since the folder was read
                src = replace(src, problem=f"cannot be read ({exc.strerror or exc})")
        if src.problem is not None:
            unusable.append(Failure(src, src.problem))

    def keep_previous(failed: list[Failure]) -> None:
        """A file that cannot be used now never costs the index what it held from it."""
        for f in failed:
            if old is not None and f.source.doc in old.doc_ids and f.source.doc not in reuse:
                reuse[f.source.doc] = old.document(f.source.doc)
                report.warnings.append(_kept(f.source, old))

    for src in sources:
        if src.doc not in digests:
            continue
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
    keep_previous([*unusable, *still_bad])
    report.reused = sorted(reuse)
    report.failures = [*unusable, *still_bad]
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

    parsed, failures = parse(todo, workers=workers, max_tokens=max_tokens, on_done=parsed_one)
    report.failures = [*unusable, *still_bad, *failures]
    report.parsed = [d.doc for d in parsed]
    report.timings_s["parse_clean_chunk"] = time.perf_counter() - t1
    keep_previous(failures)  # … nor one that fails to parse now
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
        _write_statements(build, docs)
        texts = [context_text(titles[c.doc], c.section, c.text) for c in chunks]
        pages = {(p.doc, p.page): p for d in docs for p in d.pages}
        sents = sentence_items(chunks, pages)
        model_path: str | None = None
        if adapt is not None:
            ta = time.perf_counter()
            if progress:
                progress("adapt", 0, 1)
            try:
                embedder, how = adapted_for(
                    embedder, chunks, build / ADAPTED, adapt, data_dir / "cache" / "adapted", reuse=not force
                )
                report.notes.append(how)
                model_path = ADAPTED
            except AdaptError as exc:  # a small corpus still gets an index
                report.warnings.append(f"the embedder was not adapted: {exc}; the model is used as is")
            except (OSError, RuntimeError, MemoryError) as exc:  # torch, disk, memory
                if environment_fault(exc, data_dir) is not None:
                    raise  # one line naming the disk or folder (``ingest``)
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
            # A few texts to embed: the model's ONNX copy spares loading torch (5–6 s); many:
            # torch, in bfloat16 where the CPU has it (index/embed.py), faster per text.
            few = cache.missing(embedder.name, all_texts) <= ONNX_EMBED_MAX
            if few:
                use = _onnx_twin(embedder, data_dir)
            else:
                use = embedder.bulk() if isinstance(embedder, MiniLMEmbedder) else embedder
            vectors = _embed_all(cache, use, all_texts, report, progress)
        finally:
            cache.close()
        report.timings_s["embed"] = time.perf_counter() - t2
        if progress:
            progress("onnx", 0, 1)
        onnx_dir = _export_query_model(embedder, build, texts, sents, data_dir, report)
        if progress:
            progress("onnx", 1, 1)
            progress("write", 0, 1)

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
        # The sentence vectors again, as one file: a process that answers loads them in
        # milliseconds instead of paging them out of Chroma (0.5 s of a cold `airq ask`).
        np.save(build / SENTENCE_VECTORS, vectors[len(chunks) :].astype(np.float32))
        (build / SENTENCE_IDS).write_text(json.dumps([i for i, _, _ in sents]), encoding="utf-8")
        BM25Index.build([c.id for c in chunks], texts).save(build / "bm25")
        manifest: dict[str, Any] = {
            "build_id": build_id,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "recipe": recipe,
            # What questions must be embedded with: the build's own model when adapted.
            "query_embedder": {"name": embedder.name, "path": model_path, "onnx": onnx_dir},
            "chroma": {"url": chroma_url, "collection": _collection_name(build_id)},
            "failed": {
                f.source.doc: {
                    "sha256": digests[f.source.doc],
                    "reason": f.reason.split(" (unchanged since")[0],
                }
                for f in report.failures
                if f.source.doc in digests
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
        if progress:
            progress("write", 1, 1)
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


def _write_statements(build: Path, docs: Sequence[ParsedDocument]) -> None:
    """The statements an answer quotes (ingest/units.py), computed once here rather than by
    every process that loads the build (0.8 s of a cold `airq ask`)."""
    units = document_units(c for d in docs for c in d.chunks)
    texts = {(p.doc, p.page): p.text for d in docs for p in d.pages}
    record = {
        doc: statements_record(doc, [u for u, _, _ in us], {p: t for (d, p), t in texts.items() if d == doc})
        for doc, us in units.items()
    }
    (build / STATEMENTS).write_text(json.dumps(record), encoding="utf-8")


def _onnx_cache(data_dir: Path, model_name: str) -> Path:
    """Where the ONNX copy of a model is kept between builds."""
    return data_dir / "cache" / "onnx" / hashlib.sha256(model_name.encode()).hexdigest()[:16]


def _onnx_twin(embedder: Embedder, data_dir: Path) -> Embedder:
    """The embedder to embed passages with: the ONNX copy of the model, when an earlier build
    exported it (a reused adapted model, the packaged one), since it gives the same vectors
    (index/onnx.py) without importing torch, 5–6 s of a small update; else the model."""
    if not isinstance(embedder, MiniLMEmbedder):
        return embedder
    cached = _onnx_cache(data_dir, embedder.name)
    if not (cached / "model.onnx").is_file():
        return embedder
    from index.onnx import OnnxEmbedder

    return OnnxEmbedder(embedder.model_dir, cached, threads=embedder.threads)


def _export_query_model(
    embedder: Embedder,
    build: Path,
    texts: Sequence[str],
    sents: Sequence[tuple[str, str, Any]],
    data_dir: Path,
    report: IngestReport,
) -> str | None:
    """The build's query model exported to ONNX (index/onnx.py), checked on a spread of the
    build's own passages and sentences; None, with a warning, when it cannot be: questions
    are then embedded with torch."""
    if not isinstance(embedder, MiniLMEmbedder):
        return None
    from index.onnx import QUERY_ONNX, OnnxExportError, export_query_model

    t = time.perf_counter()
    # The same model (an adapted one reused, the packaged one) is exported once.
    cached = _onnx_cache(data_dir, embedder.name)
    probe = [*texts[:: max(1, len(texts) // 16)], *[s for _, s, _ in sents][:: max(1, len(sents) // 48)]]
    try:
        if (cached / "model.onnx").is_file():
            link_tree(cached, build / QUERY_ONNX)
        else:
            export_query_model(embedder, build / QUERY_ONNX, probe[:64])
            link_tree(build / QUERY_ONNX, cached)
            prune(cached.parent, KEEP_MODELS)
    except (OnnxExportError, ImportError, RuntimeError, OSError) as exc:
        if environment_fault(exc, data_dir) is not None:
            raise
        report.warnings.append(f"questions will be embedded with torch: the ONNX export failed ({exc})")
        return None
    finally:
        report.timings_s["onnx"] = time.perf_counter() - t
    return QUERY_ONNX


def _remove_half_builds(data_dir: Path) -> None:
    """Builds a killed ingest left without their manifest (written last) are no index."""
    builds = data_dir / "builds"
    if not builds.is_dir():
        return
    live = current_dir(data_dir).resolve().name if current_dir(data_dir).exists() else None
    for b in builds.iterdir():
        if b.name != live and b.is_dir() and not (b / MANIFEST).is_file():
            shutil.rmtree(b, ignore_errors=True)


def _kept(src: Source, old: Catalog) -> str:
    """The loud line for a document answered from its previous version."""
    return (
        f"{src.doc}: the file cannot be used now, so the version indexed in build "
        f"{old.manifest['build_id']} is kept and still answers; fix or replace {src.path} "
        "and run `airq ingest` again"
    )


HOLDS = "holds"  # <build id>.<pid>: a running server answers from that build


def current_build(data_dir: Path) -> str | None:
    """The id of the build ``current`` points at (cheap: one readlink), or None."""
    try:
        return Path(os.readlink(current_dir(data_dir))).name
    except OSError:
        return None


def hold(data_dir: Path, build_id: str) -> Path:
    """Mark ``build_id`` as read by this process: no ingest prunes it until ``release``."""
    folder = data_dir / HOLDS
    folder.mkdir(parents=True, exist_ok=True)
    mark = folder / f"{build_id}.{os.getpid()}"
    mark.touch()
    return mark


def release(mark: Path) -> None:
    mark.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def held(data_dir: Path) -> set[str]:
    """Builds a live process holds; the marks of processes gone are removed."""
    out: set[str] = set()
    folder = data_dir / HOLDS
    for mark in folder.iterdir() if folder.is_dir() else []:
        build_id, _, pid = mark.name.rpartition(".")
        if pid.isdigit() and _alive(int(pid)):
            out.add(build_id)
        else:
            mark.unlink(missing_ok=True)
    return out


def _prune(data_dir: Path, keep: set[str]) -> None:
    """Remove builds older than the previous one (a reader that resolved ``current`` just
    before the switch can still finish on it), with their remote collections — but never
    one a running server still answers from (``hold``)."""
    keep = keep | held(data_dir)
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
