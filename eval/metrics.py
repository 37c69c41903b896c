"""Ranking and answer metrics over page citations (pure functions, unit-tested)."""

from __future__ import annotations

from collections.abc import Sequence

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
