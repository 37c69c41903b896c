"""Answer latency with the loaded index inside and outside the garbage collector's sweeps
(``qa.service.settle``), alternating in one process over the 200 dev questions.

    .venv/bin/python bench/gc_pauses.py
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the packages, not bench/ingest.py, are "ingest"


def main() -> None:
    from core.settings import get_settings
    from qa.service import load_engine, settle

    engine = load_engine(get_settings())  # not settled yet
    lines = (ROOT / "eval" / "datasets" / "dev.jsonl").read_text().splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    for q in questions[:5]:
        engine.answerer.run(q)

    def run(tag: str) -> None:
        took = []
        for q in questions:
            t = time.perf_counter()
            engine.answerer.run(q)
            took.append((time.perf_counter() - t) * 1000)
        took.sort()
        n = len(took)
        print(
            f"{tag}: p50 {took[n // 2]:.1f} p95 {took[int(n * 0.95)]:.1f} "
            f"p99 {took[int(n * 0.99)]:.1f} max {took[-1]:.1f} ms",
            flush=True,
        )

    for _ in range(2):
        gc.unfreeze()
        run("swept ")
        settle()
        run("frozen")


if __name__ == "__main__":
    main()
