"""Past one laptop's corpus: the index at 1×, 10× and 50× the five documents, in embedded
Chroma and on a Chroma server (`chroma run` on 127.0.0.1), served by a real `airq serve`.

    .venv/bin/python bench/scale.py [--sizes 1 10 50] [--modes embedded server] [--questions 100]

Copies, because 50 × 316 pages of new PDFs do not exist here and the model need not run for
them: copy k of each document of the live index (``AIRQ_DATA_DIR``, default ``.airq``) gets
the id "<doc>~k", a share of its words swapped for corpus words of the same length (so every
offset, and with it every citation, still holds), and the real vectors of its passages and
sentences plus noise (cosine ≈ 0.95 to the original). Copy 0 is the document itself. The
copies go through the real ingest (catalog, statements, Chroma, BM25, sentence vectors,
manifest, swap) with a parser and an embedder that hand them over; questions are embedded
by the live index's own model, whose ONNX copy each scaled build shares.

For each size and mode: build time, the serving process's resident memory after the
questions (and its peak), the Chroma server's, and `POST /v1/ask` p50 / p95 over the first
``--questions`` dev questions, one client. Writes bench/scale.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import free_port, percentile, questions, start_server, stop  # noqa: E402
from core.settings import get_settings  # noqa: E402
from core.types import Chunk, ParsedDocument  # noqa: E402
from index.adapt import link_tree  # noqa: E402
from index.build import SENTENCE_IDS, SENTENCE_VECTORS, current_dir, ingest, sentence_items  # noqa: E402
from index.catalog import MANIFEST, Catalog  # noqa: E402
from index.store import DenseStore, make_client  # noqa: E402
from ingest.chunk import context_text  # noqa: E402
from ingest.pipeline import Failure, Source  # noqa: E402

SWAP_RATE = 0.15  # share of words (4+ letters) swapped in a copy
NOISE = 0.33  # noise norm added to a unit vector: cosine to the original ≈ 1 / √(1 + NOISE²)
_WORD = re.compile(r"[A-Za-z]{4,}")


class TableEmbedder:
    """Hands ingest the vectors made for each text; carries the live model's name, so the
    scaled build accepts questions embedded by that model."""

    def __init__(self, name: str, dim: int, table: dict[str, np.ndarray]):
        self.name, self.dim, self.table = name, dim, table

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.table[t] for t in texts]).astype(np.float32)


def _noisy(v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = rng.standard_normal(v.shape[0]).astype(np.float32)
    w = v + NOISE * n / np.linalg.norm(n)
    return w / np.linalg.norm(w)


def copy_document(doc: ParsedDocument, k: int, vocab: dict[int, list[str]]) -> ParsedDocument:
    """Copy ``k`` of ``doc``: new id, words swapped at ``SWAP_RATE`` (same lengths)."""
    if k == 0:
        return doc
    new = f"{doc.doc}~{k}"
    texts: dict[int, str] = {}
    for p in doc.pages:
        rng = random.Random(f"{new}:{p.page}")

        def swap(m: re.Match[str], rng: random.Random = rng) -> str:
            w = m.group()
            return rng.choice(vocab[len(w)]) if rng.random() < SWAP_RATE and vocab.get(len(w)) else w

        texts[p.page] = _WORD.sub(swap, p.text)
    pages = tuple(replace(p, doc=new, text=texts[p.page]) for p in doc.pages)
    chunks = tuple(
        replace(
            c,
            id=f"{new}:{c.id.split(':', 1)[1]}",
            doc=new,
            text=Chunk.SPAN_JOIN.join(texts[s.page][s.start : s.end] for s in c.spans),
        )
        for c in doc.chunks
    )
    return ParsedDocument(
        doc=new, sha256=f"{doc.sha256[:56]}{k:08d}", pages=pages, headings=doc.headings, chunks=chunks
    )


class Live:
    """The live index the copies are made from: documents, titles and vectors."""

    def __init__(self, data_dir: Path):
        self.folder = current_dir(data_dir).resolve()
        cat = Catalog.load(self.folder)
        self.manifest = cat.manifest
        self.docs = [cat.document(d) for d in cat.doc_ids]
        self.titles = {d: cat.title(d) for d in cat.doc_ids}
        client = make_client(self.folder / "chroma", self.manifest["chroma"].get("url"))
        self.chunk_vectors = DenseStore(client, self.manifest["chroma"]["collection"]).all_vectors()
        ids = json.loads((self.folder / SENTENCE_IDS).read_text(encoding="utf-8"))
        self.sentence_vectors = dict(zip(ids, np.load(self.folder / SENTENCE_VECTORS), strict=True))
        words = {w for d in self.docs for p in d.pages for w in _WORD.findall(p.text)}
        self.vocab: dict[int, list[str]] = {}
        for w in sorted(words):
            self.vocab.setdefault(len(w), []).append(w)

    def scaled(self, times: int) -> tuple[list[ParsedDocument], dict[str, str], dict[str, np.ndarray]]:
        """``times`` copies of every document, their titles, and a vector for each text
        ingest will embed (passages in their context, sentences)."""
        docs: list[ParsedDocument] = []
        titles: dict[str, str] = {}
        table: dict[str, np.ndarray] = {}
        rng = np.random.default_rng(times)
        for k in range(times):
            for doc in self.docs:
                copy = copy_document(doc, k, self.vocab)
                docs.append(copy)
                title = self.titles[doc.doc] + (f" (copy {k})" if k else "")
                titles[copy.doc] = title
                for orig, c in zip(doc.chunks, copy.chunks, strict=True):
                    v = self.chunk_vectors[orig.id]
                    table[context_text(title, c.section, c.text)] = v if k == 0 else _noisy(v, rng)
                pages = {(p.doc, p.page): p for p in copy.pages}
                for sid, text, _ in sentence_items(list(copy.chunks), pages):
                    cid, _, i = sid.rpartition("#")
                    v = self.sentence_vectors.get(f"{doc.doc}:{cid.split(':', 1)[1]}#{i}")
                    if v is not None:
                        table[text] = v if k == 0 else _noisy(v, rng)
        return docs, titles, table


def build(live: Live, times: int, data: Path, chroma_url: str | None) -> dict[str, Any]:
    """Ingest ``times`` copies into ``data``; the build then shares the live model."""
    docs, titles, table = live.scaled(times)
    by_id = {d.doc: d for d in docs}
    src_dir = data / "sources"
    src_dir.mkdir(parents=True)
    sources = []
    for d in docs:
        path = src_dir / f"{d.doc}.pdf"
        path.write_text(d.doc, encoding="utf-8")
        sources.append(Source(d.doc, titles[d.doc], path))

    def parse(todo: list[Source], **_: Any) -> tuple[list[ParsedDocument], list[Failure]]:
        return [by_id[s.doc] for s in todo], []

    query = live.manifest["query_embedder"]
    dim = len(next(iter(table.values())))
    t = time.perf_counter()
    report = ingest(
        sources, data, TableEmbedder(query["name"], dim, table), chroma_url=chroma_url, parse=parse
    )
    seconds = time.perf_counter() - t
    # Questions are embedded by the live index's model: its folders are shared (hard links).
    folder = current_dir(data).resolve()
    for part in (query.get("path"), query.get("onnx")):
        if part:
            link_tree(live.folder / part, folder / part)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest["query_embedder"] = query
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    sentences = len(json.loads((folder / SENTENCE_IDS).read_text(encoding="utf-8")))
    return {
        "documents": len(docs),
        "chunks": report.chunks,
        "sentences": sentences,
        "build_s": round(seconds, 1),
    }


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) MB of a process."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def serve(data: Path, chroma_url: str | None, qs: list[str], log: Path) -> dict[str, Any]:
    """Start `airq serve` on ``data``, ask ``qs`` one at a time, measure, stop."""
    t = time.perf_counter()
    proc, url = start_server(data, None, log, {"AIRQ_CHROMA_URL": chroma_url} if chroma_url else None)
    ready = time.perf_counter() - t
    try:
        waits: list[float] = []
        answers = hashlib.sha256()
        with httpx.Client(base_url=url, timeout=120) as client:
            for q in qs[:3]:  # warm-up, not counted
                client.post("/v1/ask", json={"question": q}).raise_for_status()
            for q in qs:
                t = time.perf_counter()
                r = client.post("/v1/ask", json={"question": q})
                waits.append(time.perf_counter() - t)
                r.raise_for_status()
                body = r.json()
                answers.update(json.dumps([body["answer"], body["citations"]]).encode())
        rss, peak = rss_mb(proc.pid)
    finally:
        stop(proc)
    return {
        "ready_s": round(ready, 1),
        "p50_ms": percentile(waits, 50),
        "p95_ms": percentile(waits, 95),
        "serve_rss_mb": round(rss),
        "serve_peak_mb": round(peak),
        "answers_sha": answers.hexdigest()[:12],  # the same in both modes at one size
    }


def chroma_server(path: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=out,
        )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(proc)
    raise SystemExit(f"chroma server not up after 60 s: {log.read_text()[-2000:]}")


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| mode | size | documents | passages | sentences | build | serve ready | p50 | p95 "
        "| serving RSS (peak) | Chroma server RSS |\n|---|---|---|---|---|---|---|---|---|---|---|"
    )
    lines = [
        f"| {r['mode']} | {r['size']}× | {r['documents']} | {r['chunks']:,} | {r['sentences']:,} "
        f"| {r['build_s']} s | {r['ready_s']} s | {r['p50_ms']} ms | {r['p95_ms']} ms "
        f"| {r['serve_rss_mb']:,} MB ({r['serve_peak_mb']:,}) | {r.get('chroma_rss_mb', '–')} |"
        for r in rows
    ]
    return "\n".join([head, *lines])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50])
    ap.add_argument("--modes", nargs="+", choices=["embedded", "server"], default=["embedded", "server"])
    ap.add_argument("--questions", type=int, default=100)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "scale.json")
    args = ap.parse_args()
    live = Live(get_settings().data_dir)
    qs = questions()[: args.questions]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="airq-scale-") as tmp:
        for mode in args.modes:
            for size in args.sizes:
                work = Path(tmp) / f"{mode}-{size}"
                work.mkdir()
                chroma = chroma_server(work / "chroma", work / "chroma.log") if mode == "server" else None
                try:
                    url = chroma[1] if chroma else None
                    row: dict[str, Any] = {"mode": mode, "size": size}
                    row |= build(live, size, work / "data", url)
                    row |= serve(work / "data", url, qs, work / "serve.log")
                    if chroma:
                        row["chroma_rss_mb"] = f"{round(rss_mb(chroma[0].pid)[0]):,} MB"
                finally:
                    if chroma:
                        stop(chroma[0])
                rows.append(row)
                print(json.dumps(row), flush=True)
                shutil.rmtree(work, ignore_errors=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(table(rows))
    for size in args.sizes:
        shas = {r["mode"]: r["answers_sha"] for r in rows if r["size"] == size}
        same = "identical" if len(set(shas.values())) == 1 else "DIFFERENT"
        print(f"{size}×: answers {same} across {sorted(shas)}")


if __name__ == "__main__":
    main()
