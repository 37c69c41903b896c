"""Scoring a batch run's JSON answers without the index."""

from __future__ import annotations

from eval.dataset import Gold, Question
from eval.runner import score, summarize


def _answer(qid: str, answer: str, cites: list[tuple[str, int, str]], **kw: object) -> dict[str, object]:
    return {
        "id": qid,
        "answer": answer,
        "abstained": kw.get("abstained", False),
        "citations": [{"doc": d, "page": p, "quote": q, "verified": True} for d, p, q in cites],
        "form": kw.get("form"),
        "not_indexed": kw.get("not_indexed", []),
    }


def test_score_reads_ranks_facts_junk_and_not_indexed() -> None:
    qs = [
        Question(
            id="a",
            question="What is risk?",
            kind="fact",
            gold=[Gold(doc="d", pages=[2])],
            facts=["composite measure"],
        ),
        Question(
            id="n",
            question="What does the DHS framework say?",
            kind="not_indexed",
            gold=[],
            facts=[],
            not_indexed=["dhs"],
        ),
        Question(id="u", question="What fine applies?", kind="unanswerable", gold=[], facts=[]),
    ]
    answers = {
        "a": _answer(
            "a",
            "Risk is a composite measure of probability and magnitude. [2]",
            [("d", 9, "foundation models and future versions."), ("d", 2, "Risk is a composite measure.")],
            form="definition",
        ),
        "n": _answer("n", "Not indexed: …", [], abstained=True, not_indexed=["dhs"]),
    }
    m = summarize(score(qs, answers))["airq"]
    o = m["overall"]
    assert o["hit@1"] == 0.0 and o["hit@5"] == 1.0 and o["mrr"] == 0.5
    assert o["fact_recall"] == 1.0
    assert o["quote_junk"] == 0.5  # the fragment
    assert o["not_indexed_named"] == 1.0
    assert o["abstention_recall"] == 0.5  # "u" had no answer line: scored as not abstaining
    assert m["per_form"]["definition"]["n"] == 1
