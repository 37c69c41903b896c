"""Ranking and answer metrics over page citations (pure functions, unit-tested)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from core.text import loose_form

PageRef = tuple[str, int]


def ranked_pages(groups: Sequence[Sequence[PageRef]]) -> list[PageRef]:
    """Distinct pages in rank order from ranked groups (a passage may span two pages)."""
    out: list[PageRef] = []
    for g in groups:
        for p in g:
            if p not in out:
                out.append(p)
    return out


def first_hit(groups: Sequence[Sequence[PageRef]], gold: set[PageRef]) -> int | None:
    """1-based rank of the first group (passage or citation) that lands on a gold page."""
    for rank, g in enumerate(groups, start=1):
        if any(p in gold for p in g):
            return rank
    return None


def hit_at(rank: int | None, k: int) -> float:
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def ndcg_at(groups: Sequence[Sequence[PageRef]], gold: set[PageRef], k: int = 10) -> float:
    """nDCG@k with binary gain: a result counts once, when it first reaches a new gold page."""
    seen: set[PageRef] = set()
    dcg = 0.0
    for rank, g in enumerate(groups[:k], start=1):
        new = {p for p in g if p in gold} - seen
        if new:
            dcg += 1.0 / math.log2(rank + 1)
            seen |= new
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(gold), k) + 1))
    return dcg / ideal if ideal else 0.0


def citation_precision(cited: Sequence[PageRef], gold: set[PageRef]) -> float | None:
    """Share of citations on a gold page (None when nothing is cited)."""
    if not cited:
        return None
    return sum(1 for p in cited if p in gold) / len(cited)


ANSWER_WORDS = 120  # facts are looked for in this many words: a longer answer gains nothing


def fact_recall(answer: str, facts: Sequence[str], words: int = ANSWER_WORDS) -> tuple[float, list[str]]:
    """Share of facts present in the first ``words`` words of the answer (case, punctuation
    and hyphenation normalised), and the facts missed. Truncation keeps a verbose answer,
    or a dump of retrieved text, from scoring by sheer length."""
    if not facts:
        return 1.0, []
    text = loose_form(" ".join(answer.split()[:words]))
    missed = [f for f in facts if loose_form(f) not in text]
    return 1 - len(missed) / len(facts), missed


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    i = min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))
    return s[i]
