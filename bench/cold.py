"""Cold `airq ask`: wall time of a fresh process answering one question, ONNX query path
against the torch one (``AIRQ_QUERY_ONNX=false``) in the same run on the same index.

    .venv/bin/python bench/cold.py [--runs 3] [--question "What is confabulation?"]

Uses the index of ``AIRQ_DATA_DIR`` (default ``.airq``); run `airq ingest` first. Prints a
Markdown table for bench/RESULTS.md and a line of JSON; each row is the median of its runs,
which alternate between the two paths so that neither gets a warmer disk cache.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

EXE = str(Path(sys.executable).with_name("airq"))


def run_once(question: str, onnx: bool) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of one `airq ask` process."""
    env = {**os.environ, "AIRQ_QUERY_ONNX": "true" if onnx else "false"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    done = subprocess.run([EXE, "ask", question], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        sys.exit(f"airq ask failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    # ru_maxrss of children is the largest child so far: only a rise is this run's figure.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, (peak if peak > before else float("nan")) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--question", default="What is confabulation?")
    args = ap.parse_args()
    walls: dict[str, list[float]] = {"onnx": [], "torch": []}
    rss: dict[str, list[float]] = {"onnx": [], "torch": []}
    # Onnx first: its lower peak RSS would otherwise be hidden under the torch process's.
    for _ in range(args.runs):
        for name in ("onnx", "torch"):
            wall, peak = run_once(args.question, name == "onnx")
            walls[name].append(wall)
            rss[name].append(peak)
    out: dict[str, dict[str, Any]] = {
        name: {
            "median_s": round(statistics.median(w), 2),
            "runs_s": [round(x, 2) for x in w],
            "peak_rss_mb": round(max((x for x in rss[name] if x == x), default=float("nan")), 0),
        }
        for name, w in walls.items()
    }
    ratio = out["onnx"]["median_s"] / out["torch"]["median_s"]
    print(f'| path | cold `airq ask "{args.question}"`, median of {args.runs} | runs | peak RSS |')
    print("|---|---|---|---|")
    for name, row in out.items():
        print(f"| {name} | {row['median_s']} s | {row['runs_s']} | {row['peak_rss_mb']:.0f} MB |")
    print(f"\nonnx / torch: {ratio:.2f}")
    print(json.dumps({**out, "ratio": round(ratio, 3)}))


if __name__ == "__main__":
    main()
