"""Checking a 50-sentence memo, warm: the whole ``check`` (splitting, one retrieval and the
verdict per sentence), median of 5, against answering 50 dev questions in the same run.

    AIRQ_CORPUS_DIR=../shared/corpus .venv/bin/python bench/check.py

The memo is the first 50 dev claims (true, altered and absent mixed), ten sentences to a
paragraph, so it is the same text on every machine.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the packages, not bench/ingest.py, are "ingest"

RUNS = 5


def main() -> None:
    from core.settings import get_settings
    from qa.service import load_engine, settle

    engine = load_engine(get_settings())
    settle()
    claims = [
        json.loads(x)["claim"] for x in (ROOT / "eval/datasets/claims-dev.jsonl").read_text().splitlines()
    ]
    memo = "\n\n".join(" ".join(claims[i : i + 10]) for i in range(0, 50, 10))
    questions = [
        json.loads(x)["question"] for x in (ROOT / "eval/datasets/dev.jsonl").read_text().splitlines()[:50]
    ]
    report = engine.checker.check(memo)  # warm: thesaurus patterns, caches
    checks, answers = [], []
    for _ in range(RUNS):
        t = time.perf_counter()
        report = engine.checker.check(memo)
        checks.append(time.perf_counter() - t)
        t = time.perf_counter()
        for q in questions:
            engine.answerer.run(q)
        answers.append(time.perf_counter() - t)
    check_s, answer_s = statistics.median(checks), statistics.median(answers)
    n = len(report.sentences)
    print(f"check, memo of {n} sentences: median {check_s:.2f} s of {RUNS} ({report.summary})")
    print(
        f"answering 50 dev questions: median {answer_s:.2f} s; ratio check/answers {check_s / answer_s:.2f}"
    )


if __name__ == "__main__":
    main()
