"""Pooled relevance judgements: pages the systems put forward that a question's gold omits.

A question is written from one page, yet its answer often stands on others too: the GenAI
profile and the Playbook restate the AI RMF's subcategories, and a plain-words question
("what should we have planned for a security hole?") is answered wherever the documents
give that advice. Gold that lists only the source page scores such answers as misses. As in
TREC pooling, the top passages and citations of every compared system are judged, and pages
judged to answer join the gold. A judgement of ``answers`` must quote the page, and the quote
is checked against the page text, so a judge cannot add a page by mistake unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import first_error
from core.text import loose_form
from eval.dataset import Gold, Question
from eval.jsonl import read_objects
from eval.metrics import PageRef
from eval.systems import System


class JudgementError(ValueError):
    """A judgements file is malformed or disagrees with the dataset or the page texts."""


class Judgement(BaseModel):
    # A line of ``airq eval pool`` output with "verdict" (and "quote") added reads as it is:
    # the pool's own fields (question, systems, label, text) are ignored.
    model_config = ConfigDict(extra="ignore")
    id: str = Field(min_length=1)  # the question's id
    doc: str
    page: int = Field(ge=1)
    verdict: Literal["answers", "related", "no"]
    quote: str = ""  # for ``answers``: words from the page that answer the question
    line: int = Field(default=0, exclude=True)  # where it was read, for error messages


@dataclass(frozen=True)
class PoolItem:
    id: str
    question: str
    doc: str
    page: int
    systems: tuple[str, ...]  # which systems put the page forward


def pool(
    questions: Sequence[Question],
    systems: Sequence[System],
    k: int = 5,
    on_step: Callable[[int], None] | None = None,
) -> list[PoolItem]:
    """Pages among each system's top ``k`` passages or its citations that the gold omits."""
    items: list[PoolItem] = []
    for i, q in enumerate(questions, start=1):
        if q.answerable:
            found: dict[PageRef, list[str]] = {}
            for s in systems:
                out = s.run(q.question)
                for p in [*(p for group in out.retrieved[:k] for p in group), *out.cited]:
                    if p not in q.gold_pages and s.name not in found.setdefault(p, []):
                        found[p].append(s.name)
            items += [PoolItem(q.id, q.question, d, pg, tuple(names)) for (d, pg), names in found.items()]
        if on_step:
            on_step(i)
    return items


def load_judgements(path: Path) -> list[Judgement]:
    out: list[Judgement] = []
    for n, row in read_objects(path, JudgementError):
        try:
            out.append(Judgement.model_validate(row | {"line": n}))
        except ValidationError as exc:
            raise JudgementError(f"{path}:{n}: {first_error(exc)}") from exc
    if not out:
        raise JudgementError(f"{path}: no judgements; one JSON object per line")
    return out


def problems(
    questions: Sequence[Question], judgements: Sequence[Judgement], pages: Mapping[PageRef, str]
) -> list[str]:
    """What stops the judgements from being added: unknown questions or pages, an ``answers``
    without a quote found on its page, or two verdicts on one page."""
    by_id = {q.id: q for q in questions}
    loose: dict[PageRef, str] = {}
    seen: dict[tuple[str, str, int], str] = {}
    out = []
    for j in judgements:
        where = f"{f'line {j.line}: ' if j.line else ''}{j.id} {j.doc} p.{j.page}"
        if j.id not in by_id:
            out.append(f"{where}: no question with this id in the dataset")
        elif j.verdict == "answers" and not by_id[j.id].answerable:
            out.append(f"{where}: the question is unanswerable, so no page answers it; judge it 'related'")
        elif (j.doc, j.page) not in pages:
            out.append(f"{where}: no such page in the index")
        elif j.verdict == "answers":
            if not j.quote.strip():
                out.append(f"{where}: 'answers' needs a quote from the page")
            else:
                if (j.doc, j.page) not in loose:  # each page read once, however often judged
                    loose[(j.doc, j.page)] = loose_form(pages[(j.doc, j.page)])
                text = loose[(j.doc, j.page)]
                # An ellipsis joins pieces of the page: each piece must be on it.
                pieces = [x for x in (loose_form(x) for x in re.split(r"\.\.\.|…", j.quote)) if x]
                if not pieces or not all(x in text for x in pieces):
                    out.append(f"{where}: the quote is not on the page: {j.quote[:60]!r}")
        key = (j.id, j.doc, j.page)
        if seen.setdefault(key, j.verdict) != j.verdict:
            out.append(f"{where}: judged both {seen[key]!r} and {j.verdict!r}")
    return out


@dataclass(frozen=True)
class Added:
    questions: list[Question]  # all of them, gold widened where judged
    pages: int  # pages that joined a gold
    kept_out: int  # pages judged to answer a citation question, which keeps its one place


def add_to_gold(questions: Sequence[Question], judgements: Sequence[Judgement]) -> Added:
    """The questions with every page judged ``answers`` in their gold: the pages as written
    first, then the judged ones in page order. A citation question keeps its gold: it points
    at one place ("GOVERN 1.6 in the AI RMF", "page 12 of the draft"), and a page elsewhere
    that repeats the words is not that place. Call ``problems`` first."""
    extra: dict[str, set[PageRef]] = {}
    for j in judgements:
        if j.verdict == "answers":
            extra.setdefault(j.id, set()).add((j.doc, j.page))
    out: list[Question] = []
    added = kept_out = 0
    for q in questions:
        new = extra.get(q.id, set()) - q.gold_pages
        if not new or q.kind == "citation":
            kept_out += len(new)
            out.append(q)
            continue
        added += len(new)
        pages: dict[str, list[int]] = {}
        for g in q.gold:  # a doc may be listed twice: keep both lists' pages
            have = pages.setdefault(g.doc, [])
            have += [p for p in g.pages if p not in have]
        for doc, page in sorted(new):
            pages.setdefault(doc, []).append(page)
        gold = [Gold(doc=d, pages=p) for d, p in pages.items()]
        out.append(Question.model_validate(q.model_dump() | {"gold": [g.model_dump() for g in gold]}))
    return Added(out, added, kept_out)
