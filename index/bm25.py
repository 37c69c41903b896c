"""Lexical retrieval with bm25s (stemmed English), saved beside the dense index."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from core.text import english_stemmer


class LexicalScores:
    """One query's BM25 score of every passage, as an array: reading a passage's score or the
    best few costs nothing like a dict of every passage sharing a word (tens of thousands
    at 50 times this corpus; bench/scale.py)."""

    def __init__(self, index: BM25Index, scores: np.ndarray):
        self._index = index
        self._scores = np.asarray(scores, dtype=np.float64)

    def get(self, cid: str, default: float = 0.0) -> float:
        j = self._index.position.get(cid)
        if j is None:
            return default
        s = float(self._scores[j])
        return s if s > 0 else default

    def best(
        self, n: int, where: Callable[[str], bool] | None = None, among: np.ndarray | None = None
    ) -> list[str]:
        """The ``n`` best-scoring passages (score > 0) for which ``where`` holds, best first,
        ties by id: the order of sorting every scored passage, without sorting them all.
        ``among``: only the passages at these positions of the index (say, one document's)."""
        nonzero = np.flatnonzero(self._scores > 0)
        if among is not None:
            nonzero = np.intersect1d(nonzero, among)
        want = n
        while True:
            if want < len(nonzero):
                # Everything scoring at least the want-th best, ties at the edge included.
                edge = np.partition(self._scores[nonzero], len(nonzero) - want)[len(nonzero) - want]
                top = nonzero[self._scores[nonzero] >= edge]
            else:
                top = nonzero
            ids = self._index.ids
            ranked = sorted(zip((-self._scores[top]).tolist(), [ids[int(j)] for j in top], strict=True))
            kept = [c for _, c in ranked if where is None or where(c)]
            if len(kept) >= n or len(top) == len(nonzero):
                return kept[:n]
            want *= 4


class BM25Index:
    """``build`` once, ``save``/``load`` with the build; per query ``scores`` (every
    passage, for fusion) or ``search`` (the best k)."""

    def __init__(self, ids: list[str], retriever: object):
        self.ids = ids
        self.position = {cid: j for j, cid in enumerate(ids)}
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

    def _terms(self, text: str) -> list[str]:
        import bm25s

        tokens = bm25s.tokenize(
            [text], stopwords="en", stemmer=self._stem, return_ids=False, show_progress=False
        )
        return list(tokens[0]) if tokens and tokens[0] else []

    def scores(self, query: str) -> LexicalScores:
        """Every passage's BM25 score for ``query``: fusion needs the lexical score of a
        passage that only the dense side found, not a zero."""
        terms = self._terms(query)
        if not terms:
            return LexicalScores(self, np.zeros(len(self.ids), dtype=np.float32))
        return LexicalScores(self, self._retriever.get_scores(terms))  # type: ignore[attr-defined]

    def containing(self, text: str) -> list[str]:
        """The passages that hold every word of ``text`` (stemmed; stopwords aside), in index
        order, read from the index's postings: a filter to run a pattern on a few passages
        rather than on all of them. [] when ``text`` has no indexable word."""
        terms = self._terms(text)
        if not terms:
            return []
        vocab = self._retriever.vocab_dict  # type: ignore[attr-defined]
        matrix = self._retriever.scores  # type: ignore[attr-defined]
        found: np.ndarray | None = None
        for t in dict.fromkeys(terms):
            if t not in vocab:
                return []
            i = vocab[t]
            docs = matrix["indices"][matrix["indptr"][i] : matrix["indptr"][i + 1]]
            found = docs if found is None else np.intersect1d(found, docs, assume_unique=True)
        return [self.ids[int(j)] for j in np.sort(found)] if found is not None else []

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
