"""Run the dev set through airq and report page hit@1/3/5 and MRR, overall and per kind.

Two views: the *retrieved* passages (what answering draws on) and the *cited* pages (what
the user is shown). Abstention and quote verification are reported beside them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from eval.dataset import Question
from eval.metrics import first_hit, hit_at, mean, reciprocal_rank
from qa.answer import Answerer, Response


@dataclass
class Row:
    q: Question
    response: Response
    retrieved_rank: int | None
    cited_rank: int | None


@dataclass
class Summary:
    n: int
    retrieved: dict[str, float]
    cited: dict[str, float]
    per_kind: dict[str, dict[str, float]]
    quotes_shown: int
    quotes_verified: int
    abstain_recall: float
    false_abstention: float
    latency_ms_p50: float
    rows: list[Row] = field(default_factory=list)


def _scores(ranks: Sequence[int | None]) -> dict[str, float]:
    return {
        "hit@1": mean([hit_at(r, 1) for r in ranks]),
        "hit@3": mean([hit_at(r, 3) for r in ranks]),
        "hit@5": mean([hit_at(r, 5) for r in ranks]),
        "mrr": mean([reciprocal_rank(r) for r in ranks]),
    }


def evaluate(
    questions: Sequence[Question],
    answerer: Answerer,
    k: int = 5,
    on_step: Callable[[int], None] | None = None,
) -> Summary:
    rows: list[Row] = []
    for i, q in enumerate(questions, start=1):
        resp = answerer.respond(q.question, k=k, qid=q.id)
        gold = q.gold_pages
        retrieved = [[(h.chunk.doc, p) for p in h.chunk.pages] for h in resp.hits]
        # An abstention cites nothing as an answer: it counts as a miss.
        cited = [] if resp.answer.abstained else [[(c.doc, c.page)] for c in resp.answer.citations]
        rows.append(Row(q, resp, first_hit(retrieved, gold), first_hit(cited, gold)))
        if on_step:
            on_step(i)
    ans = [r for r in rows if r.q.answerable]
    una = [r for r in rows if not r.q.answerable]
    kinds: dict[str, list[Row]] = defaultdict(list)
    for r in ans:
        kinds[r.q.kind].append(r)
    cites = [c for r in rows for c in r.response.answer.citations]
    lat = sorted(r.response.answer.timings_ms["total"] for r in rows)
    return Summary(
        n=len(rows),
        retrieved=_scores([r.retrieved_rank for r in ans]),
        cited=_scores([r.cited_rank for r in ans]),
        per_kind={
            k_: _scores([r.retrieved_rank for r in rs]) | {"n": len(rs)} for k_, rs in sorted(kinds.items())
        },
        quotes_shown=len(cites),
        quotes_verified=sum(c.verified for c in cites),
        abstain_recall=mean([1.0 if r.response.answer.abstained else 0.0 for r in una]),
        false_abstention=mean([1.0 if r.response.answer.abstained else 0.0 for r in ans]),
        latency_ms_p50=lat[len(lat) // 2] if lat else 0.0,
        rows=rows,
    )
