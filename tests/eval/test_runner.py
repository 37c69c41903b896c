"""Runner logic on hand-made systems: metrics, failure reasons, report, plots, gate."""

from __future__ import annotations

import json
import math
from pathlib import Path

from eval.dataset import Question
from eval.metrics import citation_precision, fact_recall, ndcg_at, percentile
from eval.runner import gate, run, summarize, write
from eval.systems import Output

QS = [
    Question(
        id="f1",
        question="What is risk?",
        kind="definition",
        gold=[{"doc": "d", "pages": [3]}],
        facts=["composite measure", "probability"],
    ),
    Question(
        id="r1",
        question="I run a utility; what now?",
        kind="role",
        role="ci-owner-operator",
        gold=[{"doc": "d", "pages": [7]}],
        facts=["contingency processes"],
    ),
    Question(id="u1", question="What is the fine?", kind="unanswerable", gold=[], facts=[]),
]


class Perfect:
    name = "perfect"

    def run(self, question: str) -> Output:
        if "fine" in question:
            return Output("not covered", True, [], [])
        page = 3 if "risk" in question else 7
        text = "Risk is a composite measure of probability." if page == 3 else "Contingency processes apply."
        return Output(text, False, [[("d", page)]], [("d", page)], quotes=1, verified=1, latency_ms=10)


class Verbose:
    name = "verbose"

    def run(self, question: str) -> Output:
        # Dumps everything: the facts appear only after 120 words, so they must not count.
        return Output(
            "filler " * 200 + "composite measure probability contingency processes",
            False,
            [[("d", 1)], [("d", 2)], [("d", 3)], [("d", 7)]],
            [("d", 1)],
        )


def test_metrics_reward_the_right_system(tmp_path: Path) -> None:
    results = run(QS, [Perfect(), Verbose()])
    m = summarize(results)
    p, v = m["perfect"]["overall"], m["verbose"]["overall"]
    assert p["hit@1"] == 1.0 and p["fact_recall"] == 1.0 and p["abstention_recall"] == 1.0
    assert p["citation_precision"] == 1.0 and p["quote_verification"] == 1.0
    assert v["hit@1"] == 0.0 and v["hit@5"] == 1.0 and v["fact_recall"] == 0.0
    assert v["abstention_recall"] == 0.0 and math.isnan(v["quote_verification"])
    assert m["perfect"]["per_role"]["ci-owner-operator"]["n"] == 1
    failures = {r.id: r.failure for r in results if r.system == "verbose"}
    assert failures["u1"].startswith("answered although")
    assert failures["f1"] == "gold page retrieved but not cited"

    write(tmp_path, results, m, {"dataset": "x", "questions": 3})
    assert (tmp_path / "hit_at_k.png").stat().st_size > 1000
    assert (tmp_path / "per_kind.png").stat().st_size > 1000
    report = (tmp_path / "report.md").read_text()
    assert "| perfect |" in report and "The 10 worst questions for perfect" in report
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == 6
    assert json.loads((tmp_path / "metrics.json").read_text())["systems"]["perfect"]


def test_gate() -> None:
    m = summarize(run(QS, [Verbose()]))
    floor = {"system": "verbose", "minimums": {"hit@5": 0.5, "fact_recall": 0.1, "quote_verification": 1.0}}
    breaches = gate(m, floor)
    assert any("fact_recall" in b for b in breaches) and any("quote_verification" in b for b in breaches)
    assert not any("hit@5" in b for b in breaches)
    assert gate(m, {"system": "other", "minimums": {}}) == ["system 'other' was not evaluated"]
    ceiling = gate(m, {"system": "verbose", "minimums": {}, "maximums": {"latency_p50_ms": -1.0}})
    assert len(ceiling) == 1 and "> ceiling" in ceiling[0]


def test_metric_helpers() -> None:
    assert fact_recall("Trade-offs are NOTED here", ["tradeoffs are noted"]) == (1.0, [])
    assert fact_recall("x", ["a b"]) == (0.0, ["a b"])
    assert citation_precision([], {("d", 1)}) is None
    assert citation_precision([("d", 1), ("d", 2)], {("d", 1)}) == 0.5
    assert ndcg_at([[("d", 1)]], {("d", 1)}) == 1.0
    assert 0 < ndcg_at([[("d", 9)], [("d", 1)]], {("d", 1)}) < 1
    assert percentile([1, 2, 3, 4], 50) == 2 and percentile([], 95) == 0.0
