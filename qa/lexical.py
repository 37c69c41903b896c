"""Content words of a question, stemmed, for overlap with candidate sentences."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable

from core.text import english_stemmer

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*")
# Question and chat filler: words that say how someone asks, not what about.
STOP = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "down",
        "during",
        "each",
        "else",
        "ever",
        "every",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "us",
        "say",
        "says",
        "said",
        "tell",
        "explain",
        "mean",
        "means",
        "document",
        "documents",
        "guidance",
        "nist",
        "framework",
        "per",
        "anything",
        "something",
        "way",
        "ways",
        "thing",
        "things",
        "one",
        "need",
        "needs",
        "want",
        "wants",
        "really",
        "actually",
        "exactly",
        "kind",
        "sort",
        "get",
        "got",
    ]
)


def terms(text: str) -> list[str]:
    words = [w.lower() for w in _TOKEN.findall(text)]
    return english_stemmer().stemWords([w for w in words if w not in STOP and len(w) > 1])


class Idf:
    """Inverse document frequency of stemmed terms over the indexed passages: a rare word
    of the question ("confabulation") says more about a sentence than "manage" or "risk"."""

    def __init__(self, texts: Iterable[str]):
        df: Counter[str] = Counter()
        n = 0
        for t in texts:
            n += 1
            df.update(set(terms(t)))
        self._n = max(n, 1)
        self._df = df

    def __call__(self, term: str) -> float:
        return math.log(1 + (self._n - self._df.get(term, 0) + 0.5) / (self._df.get(term, 0) + 0.5))


def overlap(question_terms: set[str], text: str, idf: Callable[[str], float] | None = None) -> float:
    """Share of the question's content terms present in ``text``, IDF-weighted when given."""
    if not question_terms:
        return 0.0
    weight = idf or (lambda _t: 1.0)
    present = question_terms & set(terms(text))
    return sum(weight(t) for t in present) / sum(weight(t) for t in question_terms)
