"""Lexical retrieval with bm25s (stemmed English), saved beside the dense index."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.text import english_stemmer


class BM25Index:
    """``build`` once, ``save``/``load`` with the build; per query ``scores`` (every
    passage, for fusion) or ``search`` (the best k)."""

    def __init__(self, ids: list[str], retriever: object):
        self.ids = ids
        self._retriever = retriever
        self._stem = english_stemmer()

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str]) -> BM25Index:
        import bm25s

        tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=english_stemmer(), show_progress=False)
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        return cls(list(ids), retriever)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(folder))  # type: ignore[attr-defined]
        (folder / "ids.json").write_text(json.dumps(self.ids))

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        import bm25s

        retriever = bm25s.BM25.load(str(folder))
        return cls(json.loads((folder / "ids.json").read_text()), retriever)

    def scores(self, query: str) -> dict[str, float]:
        """Every passage's BM25 score for ``query`` (those sharing a term): fusion needs the
        lexical score of a passage that only the dense side found, not a zero."""
        import bm25s

        tokens = bm25s.tokenize(
            [query], stopwords="en", stemmer=self._stem, return_ids=False, show_progress=False
        )
        if not tokens or not tokens[0]:
            return {}
        scores = self._retriever.get_scores(list(tokens[0]))  # type: ignore[attr-defined]
        return {self.ids[int(j)]: float(scores[j]) for j in np.flatnonzero(scores > 0)}

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Best ``k`` passage ids with their BM25 scores (only those sharing a term)."""
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stem, show_progress=False)
        if not tokens.vocab or not any(len(x) for x in tokens.ids):
            return []
        k = max(1, min(k, len(self.ids)))
        docs, scores = self._retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)  # type: ignore[attr-defined]
        out = []
        for j, s in zip(np.asarray(docs)[0], np.asarray(scores)[0], strict=True):
            if s > 0:
                out.append((self.ids[int(j)], float(s)))
        return out
