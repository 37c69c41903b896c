"""Cold ingest: the corpus into an empty data folder, with each stage's time and the peak
resident memory of the whole process tree (this process, the parsers and the training
process), sampled every 50 ms.

    .venv/bin/python bench/ingest.py [--low-memory] [--corpus ../shared/corpus]

Prints one line of JSON: seconds per stage, the wall time and the peak RSS (MB) per stage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_mb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            out += [int(x) for x in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except OSError:
        pass
    return out


def tree_rss_mb() -> int:
    """This process and all its descendants."""
    todo, total = [os.getpid()], 0
    while todo:
        pid = todo.pop()
        total += _rss_mb(pid)
        todo += _children(pid)
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--low-memory", action="store_true", help="AIRQ_INGEST_LOW_MEMORY=true")
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = ap.parse_args()
    t0 = time.perf_counter()
    from index.adapt import AdaptConfig
    from index.build import ingest, sources_from_corpus
    from index.embed import MiniLMEmbedder

    stage = ["start"]
    peaks: dict[str, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            s, r = stage[0], tree_rss_mb()
            peaks[s] = max(peaks.get(s, 0), r)
            time.sleep(0.05)

    threading.Thread(target=sample, daemon=True).start()

    def progress(name: str, finished: int, total: int) -> None:
        stage[0] = name

    sources = [s for s in sources_from_corpus(args.corpus)[0] if s.problem is None]
    with tempfile.TemporaryDirectory(prefix="airq-ingest-") as data:
        report = ingest(
            sources,
            Path(data),
            MiniLMEmbedder(),
            adapt=AdaptConfig(low_memory=args.low_memory),
            progress=progress,
        )
    done.set()
    print(
        json.dumps(
            {
                "seconds": {k: round(v, 1) for k, v in report.timings_s.items()},
                "wall_s": round(time.perf_counter() - t0, 1),
                "peak_rss_mb": peaks,
                "peak_rss_mb_max": max(peaks.values()),
                "low_memory": args.low_memory,
            }
        )
    )


if __name__ == "__main__":
    main()
