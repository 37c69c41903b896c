"""Extractive answering: the sentences of the best passages that answer the question,
each quoted verbatim with its page, numbered, and checked against the page before it is shown.

No generative model runs here (none that works offline is fit to answer, see
OFFLINE-STACK.md), so the answer says only what the documents say.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.text import collapse_ws, verify_form
from core.types import Answer, Chunk, Citation
from corpus.roles import Taxonomy, load_taxonomy
from index.build import MIN_SENTENCE_WORDS, sentence_id
from index.retrieve import Hit, Query, Retriever
from ingest.identifiers import find_identifiers, own_identifier
from qa.evidence import (
    asks_for_actions,
    asks_penalty,
    asks_quantity,
    has_number,
    is_directive,
    mentions_penalty,
    specific_unknowns,
    vocabulary,
)
from qa.lexical import Idf, overlap, terms

CALIBRATION = Path(__file__).with_name("calibration.json")

# Sentence scoring: similarity to the question, plus word overlap, plus the passage's rank.
LEXICAL_WEIGHT = 0.35
RANK_WEIGHT = 0.08
IDENTIFIER_BONUS = 0.2
QUESTION_PENALTY = 0.15
SHORT_SENTENCE_WORDS = 8
SHORT_PENALTY = 0.05
DIRECTIVE_BONUS = 0.1  # "what should we do": sentences that say what to do
QUANTITY_PENALTY = 0.3
MISSING_FIGURE_PENALTY = 1.0  # a count, date or ratio asked for and none given: decisive
_HOW_MUCH = re.compile(r"\bhow (?:much|often|long|soon)\b", re.IGNORECASE)  # often a degree
UNKNOWN_NAME_PENALTY = 0.15
MAX_QUOTES = 4
QUOTE_MARGIN = 0.12  # a further quote must score within this of the best one


@dataclass(frozen=True)
class AbstainPolicy:
    """Abstain when the best evidence scores below ``threshold``.

    The evidence score is the best candidate sentence's score; the threshold is fitted on
    the dev set by ``airq eval calibrate`` and stored in ``qa/calibration.json``.
    """

    threshold: float = 0.0

    @classmethod
    def load(cls, path: Path = CALIBRATION) -> AbstainPolicy:
        if not path.is_file():
            return cls()
        return cls(float(json.loads(path.read_text())["threshold"]))


@dataclass(frozen=True)
class Response:
    answer: Answer
    evidence: float  # best candidate sentence's score; what abstention compares
    hits: list[Hit]


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    index: int  # sentence index in the chunk (first of the run)
    last: int  # last sentence index included (a lead-in plus its list items)
    score: float


def verify(quote: str, page_text: str) -> bool:
    """A quote is verified when it occurs in its page's cleaned text (whitespace-normalised)."""
    q = verify_form(quote)
    return bool(q) and q in verify_form(page_text)


class Answerer:
    """``run(question)`` → ``Answer`` (the fixed JSON schema)."""

    def __init__(
        self,
        retriever: Retriever,
        k: int = 5,
        policy: AbstainPolicy | None = None,
        taxonomy: Taxonomy | None = None,
    ):
        self.retriever = retriever
        self.k = k
        self.policy = policy if policy is not None else AbstainPolicy.load()
        self.taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
        self.catalog = retriever.catalog
        self.vocab = vocabulary(c.text for c in self.catalog.chunks.values() if c.kind == "text")
        self.vocab |= vocabulary(self.catalog.title(d) for d in self.catalog.doc_ids)
        self.idf = Idf(c.text for c in self.catalog.chunks.values())

    def _text(self, chunk: Chunk, first: int, last: int) -> str:
        a, b = chunk.sentences[first], chunk.sentences[last]
        return self.catalog.pages[(chunk.doc, a.page)].text[a.start : b.end]

    def candidates(self, question: str, qvec: np.ndarray, hits: Sequence[Hit], focus: str) -> list[Candidate]:
        """Every sentence of the hits, scored; word overlap counts the words of ``focus``, the
        question without the asker's identity words (``Taxonomy.without_identity``)."""
        qterms = set(terms(focus))
        named_ids = set(find_identifiers(question))
        wants_action = asks_for_actions(question)
        ids = [sentence_id(h.chunk.id, i) for h in hits for i in range(len(h.chunk.sentences))]
        vecs = self.retriever.sentence_vectors(ids)
        out: list[Candidate] = []
        for rank, h in enumerate(hits, start=1):
            c = h.chunk
            for i, s in enumerate(c.sentences):
                v = vecs.get(sentence_id(c.id, i))
                text = self._text(c, i, i)
                if v is None or len(text.split()) < MIN_SENTENCE_WORDS:
                    continue
                last = i
                # A lead-in ("… include:") is quoted with the items that follow it on its page.
                while (
                    collapse_ws(self._text(c, i, last)).endswith(":")
                    and last + 1 < len(c.sentences)
                    and c.sentences[last + 1].page == s.page
                    and last - i < 3
                ):
                    last += 1
                score = (
                    float(v @ qvec) + LEXICAL_WEIGHT * overlap(qterms, text, self.idf) + RANK_WEIGHT / rank
                )
                if own_identifier(c.section) in named_ids:
                    score += IDENTIFIER_BONUS  # "what does GOVERN 1.2 say": its own text first
                if c.kind == "references":
                    score -= 0.1
                if text.rstrip().endswith("?"):
                    score -= QUESTION_PENALTY  # a question in the text is not an answer
                if len(text.split()) < SHORT_SENTENCE_WORDS:
                    score -= SHORT_PENALTY  # short generic lines match everything a little
                if wants_action and is_directive(text, c.section):
                    score += DIRECTIVE_BONUS
                out.append(Candidate(c, i, last, score))
        return sorted(out, key=lambda x: -x.score)

    def select(self, cands: Sequence[Candidate]) -> list[Candidate]:
        """Best sentence, then up to ``MAX_QUOTES - 1`` more that score close to it, one per
        passage, never repeating a sentence already quoted."""
        if not cands:
            return []
        best = cands[0].score
        chosen: list[Candidate] = []
        used: set[str] = set()
        seen_text: set[str] = set()
        for c in cands:
            if len(chosen) >= MAX_QUOTES or c.score < best - QUOTE_MARGIN:
                break
            text = verify_form(self._text(c.chunk, c.index, c.last)).lower()
            if c.chunk.id in used or text in seen_text:
                continue
            chosen.append(c)
            used.add(c.chunk.id)
            seen_text.add(text)
        return chosen

    def evidence(self, question: str, cands: Sequence[Candidate]) -> float:
        """How well the best candidates answer: the top sentence score, lowered when the
        question asks for a quantity none of them gives, or names something no passage
        mentions."""
        if not cands:
            return float("-inf")
        score = cands[0].score
        top = [self._text(c.chunk, c.index, c.last) for c in cands[:3]]
        if asks_quantity(question) and not has_number(top, question):
            # "How many years", "what date", "what ratio": no such figure in the evidence
            # means no answer. "How much / often / long" is often a degree ("how much risk is
            # acceptable", "how often" → "regularly"): only the milder penalty.
            score -= QUANTITY_PENALTY if _HOW_MUCH.search(question) else MISSING_FIGURE_PENALTY
        if asks_penalty(question) and not mentions_penalty(top):
            score -= MISSING_FIGURE_PENALTY  # fines or liability asked, none in the evidence
        score -= UNKNOWN_NAME_PENALTY * min(2, specific_unknowns(question, self.vocab))
        return score

    def points_at(self, question: str, hits: Sequence[Hit]) -> bool:
        """Whether the question names a page of a named document, or an identifier, that
        the retrieved passages carry — and nothing the documents never mention (a question
        mapping GOVERN 1.1 to another standard's clause is not answered by GOVERN 1.1)."""
        if specific_unknowns(question, self.vocab):
            return False
        a = self.retriever.analyzer.run(question)
        if a.pages and a.docs and any(h.ranks.get("page") for h in hits):
            return True
        ids = set(find_identifiers(question))
        return bool(ids) and any(own_identifier(h.chunk.section) in ids for h in hits)

    def citation(self, n: int, c: Candidate) -> Citation:
        s = c.chunk.sentences[c.index]
        page = self.catalog.pages[(c.chunk.doc, s.page)]
        quote = collapse_ws(self._text(c.chunk, c.index, c.last))
        return Citation(
            n=n,
            doc=c.chunk.doc,
            title=self.catalog.title(c.chunk.doc),
            page=s.page,
            page_label=page.label,
            section=c.chunk.section,
            quote=quote,
            verified=verify(quote, page.text),
            score=round(c.score, 4),
        )

    def run(
        self,
        question: str,
        docs: Sequence[str] = (),
        k: int | None = None,
        qid: str | None = None,
        section: str | None = None,
        role: str | None = None,
    ) -> Answer:
        return self.respond(question, docs, k, qid, section=section, role=role).answer

    def role_for(self, question: str, role: str | None) -> tuple[str | None, str, str]:
        """(role, role_source, role_note): the role asked for, else the one the question's
        wording gives away, else none."""
        if role is not None:
            if role not in self.taxonomy.roles:
                raise ValueError(f"role: {role!r} is not one of {', '.join(self.taxonomy.roles)}")
            return role, "given", f"Answering for {self.taxonomy.roles[role].name} (the role you chose)."
        guess = self.taxonomy.detect(question)
        if guess is None:
            # "We …", "Hospital CISO here": someone is asking for themselves, but in words
            # that name no role (or two equally): say so, so they can pick one.
            note = (
                "No role recognised in how you describe yourself; answering for no particular "
                "role. Choose one for passages addressed to it."
                if self.taxonomy.speaks_of_self(question)
                else ""
            )
            return None, "none", note
        name = self.taxonomy.roles[guess.role].name
        return (
            guess.role,
            "detected",
            f"Answering for {name}, detected from “{guess.cue}”; choose a role to change this.",
        )

    def respond(
        self,
        question: str,
        docs: Sequence[str] = (),
        k: int | None = None,
        qid: str | None = None,
        mode: str = "hybrid",
        section: str | None = None,
        role: str | None = None,
    ) -> Response:
        """The answer plus what evaluation needs: the evidence score and the retrieved hits."""
        t0 = time.perf_counter()
        role, role_source, role_note = self.role_for(question, role)
        qvec = self.retriever.embed_query(question)
        t1 = time.perf_counter()
        query = Query(
            question, k=k or self.k, docs=tuple(docs), mode=mode, section=section or None, role=role
        )
        # The thesaurus reads the question without the asker's identity words: "we are a
        # cloud provider" says who asks, not what about.
        focus = self.taxonomy.without_identity(question)
        analysis = self.retriever.analyzer.run(question, expand_from=focus)
        hits = self.retriever.run(query, qvec, analysis=analysis)
        t2 = time.perf_counter()
        cands = self.candidates(question, qvec, hits, focus)
        evidence = self.evidence(question, cands)
        # A lookup that resolves ("page 12 of the AI 800-1", "GOVERN 1.2") is answered by
        # what it points at, however weakly its wording matches.
        abstained = evidence < self.policy.threshold and not self.points_at(question, hits)
        chosen = self.select(cands) if not abstained else _nearest(cands)
        cites = [self.citation(n, c) for n, c in enumerate(chosen, start=1)]
        cites = [c for c in cites if c.verified]  # an unverified quote is never shown
        cites = [c.model_copy(update={"n": n}) for n, c in enumerate(cites, start=1)]
        t3 = time.perf_counter()
        if abstained or not cites:
            text = (
                "The indexed documents do not appear to answer this question. "
                "The nearest passages are listed below; they may still help."
            )
            abstained = True
        else:
            text = " ".join(f"{c.quote} [{c.n}]" for c in cites)
        ms = lambda a, b: round((b - a) * 1000, 1)  # noqa: E731
        answer = Answer(
            id=qid,
            question=question,
            answer=text,
            abstained=abstained,
            citations=cites,
            timings_ms={
                "embed": ms(t0, t1),
                "retrieve": ms(t1, t2),
                "compose": ms(t2, t3),
                "total": ms(t0, t3),
            },
            role=role,
            role_source=role_source,
            role_note=role_note,
            searched_also=[f"{x.term} (for “{x.said}”)" for x in analysis.expansions]
            if mode != "dense"
            else [],
        )
        return Response(answer, evidence, list(hits))


def _nearest(cands: Sequence[Candidate], n: int = 3) -> list[Candidate]:
    """For an abstention: the closest passages, one quote each."""
    out: list[Candidate] = []
    for c in cands:
        if all(c.chunk.id != o.chunk.id for o in out):
            out.append(c)
        if len(out) >= n:
            break
    return out
