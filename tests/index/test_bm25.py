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
    assert set(scores) == {"p0", "p2", "p3"}  # "model" matches p2 too
    assert ranked[0][0] == max(scores, key=lambda i: scores[i])
    assert abs(ranked[0][1] - scores[ranked[0][0]]) < 1e-5
    assert index.scores("the of and") == {} and index.scores("zzzqqq") == {}
