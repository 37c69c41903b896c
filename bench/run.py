"""Benchmarks: ingest (cold, unchanged), warm query latency and memory, against the
LlamaIndex starter recipe built in the same run on the same machine.

    .venv/bin/python bench/run.py [--corpus DIR] [--out bench/results.json]

Prints a Markdown table for bench/RESULTS.md and writes the raw figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def http_ask(data: Path, corpus: Path, questions: list[str], inprocess_p50_ms: float) -> dict[str, float]:
    """Warm ``POST /v1/ask`` against a real ``airq serve`` process (keep-alive client),
    against the in-process answer of the same questions in the same run."""
    import os
    import socket
    import subprocess

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "AIRQ_DATA_DIR": str(data), "AIRQ_CORPUS_DIR": str(corpus)}
    exe = str(Path(sys.executable).with_name("airq"))
    proc = subprocess.Popen(
        [exe, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        t = time.perf_counter()
        with httpx.Client(base_url=url, timeout=60) as client:
            while True:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.perf_counter() - t > 300:
                    raise RuntimeError("airq serve not ready after 300 s")
                time.sleep(0.2)
            ready_s = time.perf_counter() - t
            client.post("/v1/ask", json={"question": "warm up question about risk"}).raise_for_status()
            took = []
            for q in questions:
                t = time.perf_counter()
                client.post("/v1/ask", json={"question": q}).raise_for_status()
                took.append(time.perf_counter() - t)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    p50 = statistics.median(took) * 1000
    return {
        "serve_ready_s": round(ready_s, 1),
        "http_ask_warm_p50_ms": round(p50, 1),
        "http_ask_warm_p95_ms": round(sorted(took)[int(0.95 * len(took))] * 1000, 1),
        "http_vs_inprocess_ask_ratio": round(p50 / inprocess_p50_ms, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = ap.parse_args()

    from core.settings import Settings
    from eval.baselines import LlamaIndexStarter
    from eval.dataset import load
    from eval.metrics import first_hit, hit_at, mean
    from index.adapt import AdaptConfig
    from index.build import ingest, sources_from_corpus
    from index.embed import MiniLMEmbedder
    from ingest.clean import clean_document
    from ingest.pdf import read_pdf
    from qa.service import load_engine, settle

    sources = [s for s in sources_from_corpus(args.corpus)[0] if s.problem is None]
    pages = 0
    t = time.perf_counter()
    raws = [read_pdf(s.path) for s in sources]
    t_parse = time.perf_counter() - t
    pages = sum(len(r.pages) for r in raws)
    t = time.perf_counter()
    for r in raws:
        clean_document(r.pages)
    t_clean = time.perf_counter() - t

    figures: dict[str, float | int | str] = {"pages": pages, "documents": len(sources)}
    figures["pypdf_extract_s_serial"] = round(t_parse, 2)
    figures["clean_s_serial"] = round(t_clean, 2)
    embedder = MiniLMEmbedder()
    embedder.encode(["warm up"])  # model load is reported separately from ingest
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        t = time.perf_counter()
        cold = ingest(sources, data, embedder, workers=2, adapt=AdaptConfig())
        figures["ingest_cold_s"] = round(time.perf_counter() - t, 2)
        for k, v in cold.timings_s.items():
            figures[f"ingest_cold_{k}_s"] = round(v, 2)
        figures["passages"] = cold.chunks
        figures["vectors"] = cold.embedded
        t = time.perf_counter()
        warm = ingest(sources, data, embedder, workers=2, adapt=AdaptConfig())
        figures["reingest_unchanged_s"] = round(time.perf_counter() - t, 3)
        assert not warm.changed

        t = time.perf_counter()
        starter = LlamaIndexStarter([(s.doc, s.path) for s in sources], embedder)
        figures["baseline_starter_ingest_s"] = round(time.perf_counter() - t, 2)

        engine = load_engine(Settings(data_dir=data))
        settle()  # as the CLI and the server do once an engine is loaded
        questions = load()
        engine.answerer.run("warm up question about risk")
        ours, theirs = [], []
        hits_ours, hits_theirs = [], []
        for q in questions:
            t = time.perf_counter()
            resp = engine.answerer.respond(q.question)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            base = starter.run(q.question)
            theirs.append(time.perf_counter() - t)
            if q.answerable:
                gold = q.gold_pages
                hits_ours.append(
                    hit_at(first_hit([[(h.chunk.doc, p) for p in h.chunk.pages] for h in resp.hits], gold), 5)
                )
                hits_theirs.append(hit_at(first_hit([[(h.doc, h.page)] for h in base], gold), 5))
        q50 = statistics.median(ours) * 1000
        figures["ask_warm_p50_ms"] = round(q50, 1)
        figures["ask_warm_p95_ms"] = round(sorted(ours)[int(0.95 * len(ours))] * 1000, 1)
        figures["baseline_query_p50_ms"] = round(statistics.median(theirs) * 1000, 1)
        figures["ask_vs_baseline_latency_ratio"] = round(q50 / (statistics.median(theirs) * 1000), 2)
        figures["ingest_vs_baseline_ratio"] = round(
            float(figures["ingest_cold_s"]) / float(figures["baseline_starter_ingest_s"]), 2
        )
        figures.update(http_ask(data, args.corpus, [q.question for q in questions], q50))
        figures["hit@5_airq"] = round(mean(hits_ours), 3)
        figures["hit@5_baseline_starter"] = round(mean(hits_theirs), 3)
        figures["questions"] = len(questions)
    figures["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["command"] = ".venv/bin/python bench/run.py"
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print("| figure | value |\n|---|---|")
    for k, v in figures.items():
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()
