from __future__ import annotations

from pathlib import Path

from index.bm25 import BM25Index

TEXTS = [
    "Protect model weights with access controls and encryption at rest.",
    "Operators of water utilities should inventory their AI systems.",
    "Monitor model drift every month and report incidents.",
    "Third-party vendors supply pre-trained models.",
]


def test_scores_cover_every_matching_passage_and_agree_with_search(tmp_path: Path) -> None:
    index = BM25Index.build([f"p{i}" for i in range(len(TEXTS))], TEXTS)
    index.save(tmp_path / "bm25")
    index = BM25Index.load(tmp_path / "bm25")
    q = "How do we protect model weights from third-party vendors?"
    scores = index.scores(q)
    ranked = index.search(q, 1)  # search cuts at k; scores never does
    everyone = index.scores(q).best(len(TEXTS))
    assert set(everyone) == {"p0", "p2", "p3"}  # "model" matches p2 too
    assert ranked[0][0] == everyone[0]
    assert abs(ranked[0][1] - scores.get(ranked[0][0])) < 1e-5
    assert scores.get("p1") == 0.0 and scores.get("nowhere", -1.0) == -1.0
    assert index.scores("the of and").best(5) == [] and index.scores("zzzqqq").best(5) == []
    # The best few, by a filter, in the order of sorting all of them.
    by_all = sorted(everyone, key=lambda c: (-scores.get(c), c))
    assert scores.best(2) == by_all[:2]
    assert scores.best(1, lambda c: c != by_all[0]) == [by_all[1]]


def test_passages_holding_every_word_come_from_the_postings() -> None:
    index = BM25Index.build([f"p{i}" for i in range(len(TEXTS))], TEXTS)
    assert index.containing("model weights") == [
        c for c, t in zip(index.ids, TEXTS, strict=True) if "weights" in t
    ]
    assert index.containing("Models") == [
        c for c, t in zip(index.ids, TEXTS, strict=True) if "model" in t.lower()
    ]
    assert index.containing("weights zzzqqq") == [] and index.containing("the of") == []
