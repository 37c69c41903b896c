"""Extractive answering: whole statements of the best passages, each quoted verbatim with
its page, numbered, checked against the page before it is shown, and laid out in the form
the question asks for (a definition, a list with all its items, actions grouped by
document, one part per document compared, …).

No generative model runs here (none that works offline is fit to answer, see
OFFLINE-STACK.md), so the answer says only what the documents say.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from core.text import collapse_ws, loose_form, quote_form, strip_footnotes
from core.types import Answer, Chunk, Citation, Span
from corpus.manifest import load_manifest
from corpus.roles import Taxonomy, load_taxonomy
from index.build import MIN_SENTENCE_WORDS, STATEMENTS, sentence_id
from index.retrieve import Hit, Query, Retriever
from ingest.chunk import section_tail
from ingest.identifiers import find_identifiers, own_identifier
from ingest.units import (
    MAX_ITEMS,
    Statement,
    document_units,
    item_text,
    pieces,
    statements,
    stored_statements,
    trim,
)
from qa.evidence import has_number, is_directive, mentions_penalty, vocabulary
from qa.lexical import Idf, overlap, terms
from qa.question import Reading, read

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
FOOTNOTE_PENALTY = 0.05
LIST_BONUS = 0.05  # an enumeration question: the passage that enumerates
LIST_MARGIN = 0.05  # … and comes first when it scores within this of the best statement
MAX_QUOTES = 4
LIST_WORDS = 100  # a longer list shows its items' first sentences …
ITEM_MARGIN = 0.15  # … or, found through one item scoring this much above the others, that item
FOCUS_ITEMS = 6  # (in a list of at least this many)
WHOLE_LISTS = frozenset(["enumeration", "lookup", "actions"])
SOURCES = 5  # citations an answer lists at most, the "also relevant" ones included
ALSO = "+"  # the scope of citations listed as further places to read
CONTEXT_SENTENCES = 2  # sentences after the best one quoted with it …
CONTEXT_WORDS = 80  # … while the quote stays this short
CONTEXT_QUOTES = 1  # the quotes that get their context
INLINE_QUOTES = 3  # the quotes whose inline list is followed to the sentences on its items …
INLINE_WORDS = 170  # … while the quote stays this short
MAX_ACTIONS = 6
ACTION_MARGIN = 0.12  # actions scoring within this of the best statement are listed
QUOTE_MARGIN = 0.18  # a further quote must score within this of the best one
# Statements a reader cannot act on: never quoted (a heading is the section label).
_REFERENCE_TERMS = frozenset(
    terms("nist framework playbook document documents guidance publication draft say says said")
)
UNQUOTABLE = frozenset(["heading", "toc", "residue"])
_DEFINES = re.compile(r"\b(?:refers? to|defined as|means)\b|^[\w“”\"' -]{2,60}:\s", re.I)
# A sentence announcing an enumeration: "several key attributes", "seven objectives".
_ANNOUNCES = re.compile(
    r"\b(?:several|following|these|key|main|major|primary|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|\d{1,2})\s+(?:[a-z-]+\s+){0,2}?(?:attributes|characteristics|categories|types|kinds|"
    r"objectives|practices|principles|goals|steps|functions|risks|elements|areas|considerations|"
    r"recommendations|actions|outcomes|factors|challenges|audiences|roles|properties|themes|topics)\b"
    r"|\bas follows\b",
    re.IGNORECASE,
)
# A list inside a sentence: "…: systemic, computational and statistical, and human-cognitive."
_INLINE_LIST = re.compile(
    r"(?::\s*|\b(?:include|includes|including|are|as)\s+)((?:[^,.;:()]+,\s+)+(?:and|or)\s+[^.;:()]+)"
)
_ANAPHORA = re.compile(r"^(?:Each|These|All|Both|Such|Any) (?:of these|of them|can|may|are|is)\b")
_ACTION_ID = re.compile(r"(?:GV|MP|MS|MG)-")
_TITLED = re.compile(
    r"^(?:(?:GOVERN|MAP|MEASURE|MANAGE) \d+(?:\.\d+)?|(?:PO|PS|PW|RV)\.\d+(?:\.\d+)?"
    r"|(?:Objective|Practice) \d+(?:\.\d+)?|(?:GV|MP|MS|MG)-\d+\.\d+-\d{3})\b"
)


@dataclass(frozen=True)
class AbstainPolicy:
    """Abstain when the best evidence scores below ``threshold``.

    The evidence score is the best candidate statement's score; the threshold is fitted on
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
    evidence: float  # best candidate statement's score; what abstention compares
    hits: list[Hit]
    candidates: list[Candidate] = field(default_factory=list)  # the hits' statements, best first


@dataclass(frozen=True)
class Candidate:
    """A statement worth quoting, with the best score of its sentences among the hits."""

    chunk: Chunk  # the retrieved passage it was found through (its section labels it)
    statement: Statement
    score: float
    sentence: str  # the best-scoring sentence's text (what evidence checks read)
    pointed: bool = False  # on a page or under an identifier the question names
    follow: tuple[Statement, ...] = ()  # the sentences after it, quoted with it (its context)
    rank: int = 0  # the rank of the passage it was found in
    boost: float = 0.0  # the part of ``score`` owed to naming its identifier, not to answering
    page_rank: int = 0  # on a page the question names: that page's place among them (1 = best)
    only: tuple[int, ...] = ()  # the items quoted, when not all (``focused``) …
    whole: tuple[int, ...] = ()  # … or the item of a long list shown with all its sentences


@dataclass(frozen=True)
class Quote:
    """What one citation shows: the statement's verbatim text, and for a list or table row
    its lead and items (for bullets), cut after ``MAX_ITEMS`` items."""

    text: str
    lead: str
    items: tuple[str, ...]
    more: int  # items left out
    pieces: tuple[Span, ...]
    joins: tuple[str, ...]  # what joins each piece to the one before: "", " ", " … "
    label: str = ""  # a glossary term its definition is shown under (not part of the quote)


def verify(quote: str, page_text: str) -> bool:
    """A quote is verified when it occurs in its page's cleaned text, both read under
    ``quote_form`` (whitespace, NFKC, footnote reference numbers)."""
    q = quote_form(quote)
    return bool(q) and q in quote_form(page_text)


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
        manifest = {d.id: d for d in load_manifest()}
        self._short = {
            d: (manifest[d].aliases[0] if d in manifest and manifest[d].aliases else self.catalog.title(d))
            for d in {*self.catalog.doc_ids, *manifest}
        }
        self._titles = {d.id: d.title for d in manifest.values()}
        # Whole statements per document, and which statement each chunk sentence belongs to:
        # as the build stored them at ingest, unless the code that makes them has changed.
        units = document_units(self.catalog.chunks.values())
        path = self.catalog.folder / STATEMENTS
        stored = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        self._page_forms: dict[tuple[str, int], str] = {}
        self._statement_of: dict[tuple[str, int], Statement] = {}
        # A list's sentences, each with the part holding it (0 the lead, then each item).
        self._items_of: dict[Statement, list[tuple[int, str, int]]] = {}
        self._statements: dict[str, list[Statement]] = {}
        self._position: dict[Statement, int] = {}
        for doc, us in units.items():
            spans = [u[0] for u in us]
            made = stored_statements(stored.get(doc), doc, spans)
            if made is None:
                pages = {p: self.catalog.pages[(doc, p)].text for p in {s.page for s in spans}}
                made = statements(doc, spans, pages)
            stmts, owner = made
            for (span, cid, i), o in zip(us, owner, strict=True):
                st = stmts[o]
                self._statement_of[(cid, i)] = st
                # The unit of the statement this sentence is (a list's label is none of them).
                at = next(
                    (
                        k
                        for k, u in enumerate(st.units)
                        if u.page == span.page and u.start < span.end and span.start < u.end
                    ),
                    None,
                )
                if st.kind == "list" and at is not None:
                    self._items_of.setdefault(st, []).append((st.part_of(at), cid, i))
            self._statements[doc] = stmts
            self._position.update({st: n for n, st in enumerate(stmts)})

    # ------------------------------------------------------------------ reading text

    def _page_form(self, doc: str, page: int) -> str:
        """A page's text in ``quote_form``, computed once per page."""
        key = (doc, page)
        if key not in self._page_forms:
            self._page_forms[key] = quote_form(self.catalog.pages[key].text)
        return self._page_forms[key]

    def _text(self, chunk: Chunk, first: int, last: int) -> str:
        a, b = chunk.sentences[first], chunk.sentences[last]
        return self.catalog.pages[(chunk.doc, a.page)].text[a.start : b.end]

    def _long(self, st: Statement) -> bool:
        """A list of more than ``LIST_WORDS`` words."""
        pages = self.catalog.pages
        words = sum(len(pages[(st.doc, u.page)].text[u.start : u.end].split()) for u in st.units)
        return st.kind == "list" and len(st.parts) > 2 and words > LIST_WORDS

    def quote(
        self,
        st: Statement,
        max_items: int = MAX_ITEMS,
        follow: Sequence[Statement] = (),
        only: Sequence[int] = (),
        whole: Sequence[int] = (),
    ) -> Quote:
        """The statement's text as shown: verbatim page slices, footnote markers cut from
        its ends, a long list cut after ``max_items`` items (the rest counted) and its items
        cut to their first sentences; ``follow``: the sentences after a sentence, quoted with
        it; ``only``: the list items to quote (the others counted); ``whole``: items of a long
        list shown whole."""
        total = len(st.parts) - 1
        if only:
            st = st.only(only)
        if self._long(st):
            texts = {u.page: self.catalog.pages[(st.doc, u.page)].text for u in st.units}
            st = st.headlines(texts, keep=whole)
        units = list(st.units) + [u for f in follow for u in f.units]
        parts = list(st.parts)
        more = total - len(only) if only else 0
        if st.kind in ("list", "row") and len(parts) - 1 > max_items:
            more = len(parts) - 1 - max_items
            parts = parts[: max_items + 1]
            units = units[: parts[-1][1]]
        doc = st.doc
        joined = pieces(units, {u.page: self.catalog.pages[(doc, u.page)].text for u in units})
        spans = [p for p, _ in joined]
        first, last = spans[0], spans[-1]
        a, _ = trim(
            self.catalog.pages[(doc, first.page)].text[first.start : first.end],
            glyph=st.kind in ("sentence", "item"),
        )
        spans[0] = first = Span(first.page, first.start + a, first.end)
        last = spans[-1]
        _, b = trim(self.catalog.pages[(doc, last.page)].text[last.start : last.end])
        spans[-1] = Span(last.page, last.start, last.start + b)
        seps = [sep for _, sep in joined]
        text = "".join(sep + self._shown_text(doc, p) for sep, p in zip(seps, spans, strict=True))

        def part_text(lo: int, hi: int) -> str:
            return " ".join(self._shown_text(doc, u) for u in units[lo:hi])

        lead = st.label or (part_text(*parts[0]) if parts else text)
        items = tuple(item_text(part_text(lo, hi)) for lo, hi in parts[1:])
        if not items:
            lead = text
        return Quote(text, lead, items, more, tuple(spans), tuple(seps), st.label if not items else "")

    def _shown_text(self, doc: str, span: Span) -> str:
        """A span's text as quoted: whitespace collapsed, footnote numbers dropped."""
        return strip_footnotes(collapse_ws(self.catalog.pages[(doc, span.page)].text[span.start : span.end]))

    # ------------------------------------------------------------------ scoring

    def _question_terms(self, r: Reading) -> set[str]:
        """The question's words that say what it is about: not who asks, nor the documents'
        names ("NIST", "Playbook"), which every passage of theirs shares."""
        return set(terms(self.retriever.analyzer.without_names(r.focus))) - _REFERENCE_TERMS

    def candidates(self, r: Reading, qvec: np.ndarray, hits: Sequence[Hit]) -> list[Candidate]:
        """Every statement holding a sentence of the hits, scored by its best sentence
        (similarity, word overlap with the question without who asks, passage rank)."""
        qterms = self._question_terms(r)
        named_ids = set(r.identifiers)
        a = r.analysis
        pages = {key: n for n, key in enumerate(self.retriever.named_pages(a, a.docs or a.hinted), start=1)}
        ids = [sentence_id(h.chunk.id, i) for h in hits for i in range(len(h.chunk.sentences))]
        vecs = self.retriever.sentence_vectors(ids)
        best: dict[Statement, Candidate] = {}
        for rank, h in enumerate(hits, start=1):
            c = h.chunk
            for i, _s in enumerate(c.sentences):
                st = self._statement_of.get((c.id, i))
                if st is None or st.kind in UNQUOTABLE:
                    continue
                v = vecs.get(sentence_id(c.id, i))
                text = self._text(c, i, i)
                if v is None or len(text.split()) < MIN_SENTENCE_WORDS:
                    continue
                if st.kind == "sentence" and _title_like(self.quote(st).text):
                    continue  # a title, name or affiliation line: nothing to act on
                # A glossary definition is read with its term ("Model Theft" / "Unauthorized …").
                said = f"{st.label} {text}" if st.kind == "sentence" and st.label else text
                score = (
                    float(v @ qvec) + LEXICAL_WEIGHT * overlap(qterms, said, self.idf) + RANK_WEIGHT / rank
                )
                # A statement headed by another subcategory, task or practice ("MEASURE 4: …" in
                # the passage under MEASURE 3.3) is that one's text, not the section's; a GenAI
                # action row (GV-1.3-007) stays its subcategory's.
                headed = _TITLED.match(text.lstrip("• "))
                own = (
                    find_identifiers(headed.group(0))[0]
                    if headed and not _ACTION_ID.match(headed.group(0))
                    else own_identifier(c.section)
                )
                boost = 0.0
                if own in named_ids or any(text.lstrip("• ").startswith(x) for x in named_ids):
                    boost = IDENTIFIER_BONUS  # "what does GOVERN 1.2 say": its own text first
                score += boost
                if c.kind == "references":
                    score -= 0.1
                if text.rstrip().endswith("?"):
                    score -= QUESTION_PENALTY  # a question in the text is not an answer
                if len(text.split()) < SHORT_SENTENCE_WORDS:
                    score -= SHORT_PENALTY  # short generic lines match everything a little
                if r.wants_action and r.form != "lookup" and is_directive(text, c.section):
                    score += DIRECTIVE_BONUS
                if st.kind == "footnote":
                    score -= FOOTNOTE_PENALTY
                if r.form == "enumeration" and st.kind == "list":
                    score += LIST_BONUS
                if st not in best or score > best[st].score:
                    page = pages.get((c.doc, st.page), 0)
                    best[st] = Candidate(
                        c,
                        st,
                        score,
                        text,
                        bool(page) or own in named_ids,
                        rank=rank,
                        boost=boost,
                        page_rank=page,
                    )
        return sorted(best.values(), key=lambda x: -x.score)

    def item_scores(self, r: Reading, qvec: np.ndarray, st: Statement) -> list[tuple[int, float]]:
        """A list's parts (0 the lead, then each item), best first, each scored by its best
        sentence (similarity and word overlap with the question), whether or not its passage
        was retrieved."""
        qterms = self._question_terms(r)
        sents = self._items_of.get(st, [])
        vecs = self.retriever.sentence_vectors([sentence_id(cid, i) for _, cid, i in sents])
        scores: dict[int, float] = {}
        for part, cid, i in sents:
            if (v := vecs.get(sentence_id(cid, i))) is not None:
                text = self._text(self.catalog.chunks[cid], i, i)
                score = float(v @ qvec) + LEXICAL_WEIGHT * overlap(qterms, text, self.idf)
                scores[part] = max(score, scores.get(part, score))
        return sorted(scores.items(), key=lambda x: -x[1])

    @staticmethod
    def evidence(cands: Sequence[Candidate], short: float) -> float:
        """How well the best candidates answer: the top score less the ``shortfall``."""
        if not cands:
            return float("-inf")
        # Naming GOVERN 1.1 ranks its text first; it is no evidence that GOVERN 1.1 answers
        # a question after something the documents lack (the ISO clause it maps to).
        return cands[0].score - short - (cands[0].boost if short > 0 else 0.0)

    def shortfall(self, r: Reading, cands: Sequence[Candidate], hits: Sequence[Hit] = ()) -> float:
        """How much of what the question hinges on the evidence lacks: a figure it asks
        for, fines it asks about, names no passage mentions, numbers no retrieved passage
        carries ("ISO/IEC 42001 clauses", "FIPS 140-3"). 0 when nothing is missing."""
        top = [self.quote(c.statement).text for c in cands[:3]]
        short = 0.0
        if hits:
            seen = " ".join(h.chunk.text for h in hits)
            absent = [n for n in r.numbers if n not in seen]
            short += UNKNOWN_NAME_PENALTY * min(2, len(absent))
        if r.asks_quantity and not has_number(top, r.text):
            # "How many years", "what date", "what ratio": no such figure in the evidence
            # means no answer. "How much / often / long" is often a degree ("how much risk is
            # acceptable", "how often" → "regularly"): only the milder penalty.
            short += QUANTITY_PENALTY if _HOW_MUCH.search(r.text) else MISSING_FIGURE_PENALTY
        if r.asks_penalty and not mentions_penalty(top):
            short += MISSING_FIGURE_PENALTY  # fines or liability asked, none in the evidence
        if r.instruments:
            short += MISSING_FIGURE_PENALTY  # a law or standard no passage names
        return short + UNKNOWN_NAME_PENALTY * min(2, r.unknown_weight)

    @staticmethod
    def points_at(r: Reading, hits: Sequence[Hit], short: float) -> bool:
        """Whether the question names a page of a named document, or an identifier, that
        the retrieved passages carry — and asks for nothing the evidence lacks (``short``,
        the ``shortfall``: a question mapping GOVERN 1.1 to another standard's clause is not
        answered by GOVERN 1.1, nor one after Practice 6.5's dollar amount by Practice 6.5)."""
        if short > 0:
            return False
        a = r.analysis
        if a.pages and a.docs and any(h.ranks.get("page") for h in hits):
            return True
        ids = set(r.identifiers)
        return bool(ids) and any(own_identifier(h.chunk.section) in ids for h in hits)

    # ------------------------------------------------------------------ choosing

    def announced(self, c: Candidate) -> Candidate | None:
        """The list a sentence announces ("NIST described several key attributes …", then a
        few sentences on, "The AI RMF strives to: 1. … 2. …"): the next list within three
        statements and the same or the next page, quoted with it."""
        if c.statement.kind != "sentence" or not _ANNOUNCES.search(c.sentence):
            return None
        stmts = self._statements[c.chunk.doc]
        at = self._position[c.statement]
        for st in stmts[at + 1 : at + 4]:
            if st.kind == "list" and st.page - c.statement.page_end <= 1:
                return Candidate(c.chunk, st, c.score, c.sentence, c.pointed)
        return None

    def _followed(
        self, c: Candidate, most: int, max_words: int, takes: Callable[[Statement, str], bool]
    ) -> Candidate:
        """``c`` with the sentences after it on its page, beyond those it already has, while
        ``takes`` accepts each, up to ``most`` in all and while the quote stays within
        ``max_words`` words."""
        stmts = self._statements[c.chunk.doc]
        at = self._position[c.statement]
        follow = list(c.follow)
        words = sum(len(self.quote(st).text.split()) for st in (c.statement, *follow))
        for st in stmts[at + 1 + len(follow) : at + 1 + most]:
            if st.kind != "sentence" or st.page != c.statement.page_end:
                break
            text = self.quote(st).text
            n = len(text.split())
            if not takes(st, text) or words + n > max_words:
                break
            follow.append(st)
            words += n
        return replace(c, follow=tuple(follow)) if len(follow) > len(c.follow) else c

    def context(self, c: Candidate, taken: set[Statement]) -> Candidate:
        """A sentence with the sentences after it on its page, up to ``CONTEXT_WORDS`` words:
        the fact a reader needs is often the next sentence ("… is called X. X means …"). Not
        one quoted on its own, nor the next subcategory or practice (another statement's)."""
        if c.statement.kind != "sentence":
            return c
        return self._followed(
            c, CONTEXT_SENTENCES, CONTEXT_WORDS, lambda st, text: st not in taken and not _TITLED.match(text)
        )

    def spelled_out(self, c: Candidate) -> Candidate:
        """A sentence that lists its items inline ("three major categories of AI bias …:
        systemic, computational and statistical, and human-cognitive"), with the sentences
        after it that take up those items ("Systemic bias can be present in …"), up to
        ``INLINE_WORDS`` words: the list names them, the sentences after say what they are.
        One already chosen on its own is taken in too: ``_restated`` then folds its line into
        this one, its marker kept."""
        heads = inline_items(c.sentence) if c.statement.kind == "sentence" else []
        if len(heads) < 3:
            return c

        def takes_up(_: Statement, text: str) -> bool:
            opening = terms(" ".join(text.split()[:6]))
            return bool(_ANAPHORA.match(text)) or any(h in opening for h in heads)

        return self._followed(c, 1 + 2 * len(heads), INLINE_WORDS, takes_up)

    def focused(self, r: Reading, qvec: np.ndarray, c: Candidate) -> Candidate:
        """How much of a long list to show. Its best item keeps all its sentences (the
        others show their first). Found through one item, for a question about that item
        ("what term does the profile use instead of hallucinations"): its lead and that item
        alone, the others counted, when the item stands ``ITEM_MARGIN`` above every other item
        and the lead. An enumeration, a lookup or a request for actions gets the whole list,
        as does a list in which no one item stands out."""
        st = c.statement
        if not self._long(st):
            return c
        parts = self.item_scores(r, qvec, st)
        items = [x for x in parts if x[0]]
        if not items:
            return c
        # Its best item keeps its elaboration: "… (the “proxy model”). If the models are
        # similar across a broad range of evaluations, …" may be what was asked.
        c = replace(c, whole=(items[0][0],))
        if r.form in WHOLE_LISTS or len(st.parts) - 1 < FOCUS_ITEMS:
            return c
        if len(items) < 2 or parts[0][0] == 0 or items[0][1] - parts[1][1] < ITEM_MARGIN:
            return c  # no one item stands out: the list is the answer
        focus = replace(c, only=(items[0][0],), whole=())
        (item,) = self.quote(st, only=focus.only).items
        # A short item ("Stakeholder engagement plans", "chaos engineering,") means little
        # without the rest of its list.
        return focus if len(item.split()) >= SHORT_SENTENCE_WORDS and item[:1].isupper() else c

    def select(self, r: Reading, qvec: np.ndarray, cands: Sequence[Candidate]) -> list[Candidate]:
        """The statements to quote, by the form asked for (never one twice)."""
        chosen = [self.focused(r, qvec, c) for c in self._select(r, cands)]
        if chosen and r.form not in ("lookup", "comparison", "actions"):
            listed = self.announced(chosen[0])
            if listed is not None:
                chosen = _distinct([chosen[0], listed, *chosen[1:]], len(chosen) + 1)
        if chosen and r.form not in ("comparison", "actions"):
            taken = {c.statement for c in chosen}
            chosen = [self.context(c, taken) if i < CONTEXT_QUOTES else c for i, c in enumerate(chosen)]
            chosen = [self.spelled_out(c) if i < INLINE_QUOTES else c for i, c in enumerate(chosen)]
        return chosen

    def also_relevant(self, cands: Sequence[Candidate], chosen: Sequence[Candidate]) -> list[Candidate]:
        """Up to ``SOURCES`` citations in all: the best statement of each further retrieved
        passage on a page not cited yet, in retrieval order, so a reader sees where else the
        documents speak of it."""
        pages = {(c.chunk.doc, c.statement.page) for c in chosen}
        out: list[Candidate] = []
        for c in sorted(cands, key=lambda c: c.rank):
            if len(chosen) + len(out) >= SOURCES:
                break
            quotable = c.statement.kind in ("sentence", "list", "item", "row")
            if (c.chunk.doc, c.statement.page) in pages or not quotable:
                continue
            out.append(c)
            pages.add((c.chunk.doc, c.statement.page))
        return out

    def _select(self, r: Reading, cands: Sequence[Candidate]) -> list[Candidate]:
        if not cands:
            return []
        best = cands[0].score
        close = [c for c in cands if c.score >= best - QUOTE_MARGIN]
        if r.form == "enumeration":
            # The passage that enumerates, unless the best sentence enumerates inline
            # ("Characteristics of trustworthy AI systems include: valid and reliable, …").
            lists = [
                c for c in close if c.statement.kind in ("list", "row") and c.score >= best - LIST_MARGIN
            ]
            first = lists[:1] or close[:1]
            return _distinct([*first, *close], MAX_QUOTES - 1)
        if r.form == "actions":
            # One statement far above the rest (a word of the question it happens to share)
            # must not crowd out the others: an action of a recommendations list or table
            # (a suggested action, an SSDF task or note, a GenAI action) scoring above the
            # abstention threshold, evidence enough on its own, is listed too.
            floor = self.policy.threshold
            acts = [
                c
                for c in cands
                if _is_action(c)
                and (c.score >= best - ACTION_MARGIN or (c.score >= floor and c.statement.kind != "sentence"))
            ]
            chosen = _distinct([*acts, *close], MAX_ACTIONS)
            # Grouped by document and section, best group first; in a group the practice or
            # task itself ("Practice 5.1: Assess …") before what implements it, then by score.
            order: dict[tuple[str, str], int] = {}
            for c in chosen:
                order.setdefault((c.chunk.doc, c.chunk.section), len(order))
            return sorted(chosen, key=lambda c: (order[(c.chunk.doc, c.chunk.section)], not _titled(c)))
        if r.form == "definition":
            # A glossary entry of the term asked about first, however its wording scores.
            asked = {loose_form(t) for t in r.analysis.terms}
            glossary = [c for c in cands if c.statement.label and loose_form(c.statement.label) in asked]
            defs = [c for c in close if _DEFINES.search(c.sentence)]
            return _distinct([*glossary[:1], *defs[:1], *close], 3)
        if r.form == "lookup" and any(c.pointed for c in cands):
            # "Page 19 of the AI RMF", "GOVERN 1.2": what is there, best first, then the rest.
            # "Page 19 (the printed number)": that page before the PDF's page 19.
            pointed = sorted((c for c in cands if c.pointed), key=lambda c: c.page_rank)
            return _distinct(pointed + list(close), MAX_QUOTES)
        # Two statements of one passage may both be needed ("Safe AI systems should not …" and
        # "Safety risks that pose … serious injury or death call for …").
        return _distinct(close, MAX_QUOTES)

    def citation(self, n: int, c: Candidate, max_items: int = MAX_ITEMS) -> tuple[Citation, Quote]:
        q = self.quote(c.statement, max_items, follow=c.follow, only=c.only, whole=c.whole)
        first = q.pieces[0]
        page = self.catalog.pages[(c.chunk.doc, first.page)]
        last_page = q.pieces[-1].page
        # The quote is its pieces joined, and each piece is on its page (``quote_form``).
        shown = [self._shown_text(c.chunk.doc, p) for p in q.pieces]
        ok = quote_form(q.text) == quote_form(
            "".join(j + t for j, t in zip(q.joins, shown, strict=True))
        ) and all(
            (form := quote_form(t)) and form in self._page_form(c.chunk.doc, p.page)
            for t, p in zip(shown, q.pieces, strict=True)
        )
        cite = Citation(
            n=n,
            doc=c.chunk.doc,
            title=self.catalog.title(c.chunk.doc),
            page=first.page,
            page_end=last_page if last_page != first.page else None,
            page_label=page.label,
            section=c.chunk.section,
            quote=q.text,
            verified=ok,
            score=round(c.score, 4),
        )
        return cite, q

    # ------------------------------------------------------------------ answering

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
        r = read(question, self.taxonomy, self.retriever.analyzer, self.vocab, role)
        return r.role, r.role_source, r.role_note

    def _retrieve(
        self, r: Reading, qvec: np.ndarray, docs: Sequence[str], k: int, mode: str, section: str | None
    ) -> list[Hit]:
        query = Query(r.text, k=k, docs=tuple(docs), mode=mode, section=section or None, role=r.role)
        return self.retriever.run(query, qvec, analysis=r.analysis)

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
        r = read(question, self.taxonomy, self.retriever.analyzer, self.vocab, role)
        qvec = self.retriever.embed_query(question)
        t1 = time.perf_counter()
        k = k or self.k
        hits = self._retrieve(r, qvec, docs, k, mode, section)
        t2 = time.perf_counter()
        cands = scored = self.candidates(r, qvec, hits)
        named = [d for d in r.analysis.docs if not docs or d in docs]
        if named and r.form != "comparison":
            # Stay in the document the question names: "what does the Playbook suggest under
            # GOVERN 1.6" is answered from the Playbook when it says anything on the point.
            inside = [c for c in cands if c.chunk.doc in named]
            if inside:
                cands = sorted(
                    cands, key=lambda c: -(c.score - (0.0 if c.chunk.doc in named else NAMED_DOC_MARGIN))
                )
        short = self.shortfall(r, cands, hits)
        evidence = self.evidence(cands, short)
        # A lookup that resolves ("page 12 of the AI 800-1", "GOVERN 1.2") is answered by
        # what it points at, however weakly its wording matches.
        abstained = bool(r.not_indexed) or (
            evidence < self.policy.threshold and not self.points_at(r, hits, short)
        )
        parts: list[tuple[str, list[Candidate]]] = []
        if r.form == "comparison" and not abstained:
            for d in named[:3]:
                sub = self.candidates(r, qvec, self._retrieve(r, qvec, [d], 3, mode, section))
                ok = sub and sub[0].score >= self.policy.threshold - QUOTE_MARGIN
                parts.append((d, _distinct(sub, 2, one_per_passage=True) if ok else []))
        elif abstained:
            parts.append(("", _nearest(cands)))
        else:
            parts.append(("", self.select(r, qvec, cands)))
        if not abstained:
            parts.append((ALSO, self.also_relevant(cands, [c for _, g in parts for c in g])))
        shown: list[tuple[str, Citation, Quote]] = []
        for d, group in parts:
            for c in group:
                cite, q = self.citation(len(shown) + 1, c)
                if cite.verified:  # an unverified quote is never shown
                    shown.append((d, cite.model_copy(update={"n": len(shown) + 1}), q))
        shown, also = _restated(shown)
        t3 = time.perf_counter()
        if not shown and not r.not_indexed and not (r.form == "comparison" and parts):
            abstained = True
        if r.form == "comparison" and not abstained and not any(d for d, _, _ in shown):
            abstained = True
        text = self.compose(r, shown, [d for d, _ in parts if d != ALSO], abstained, also)
        ms = lambda a, b: round((b - a) * 1000, 1)  # noqa: E731
        answer = Answer(
            id=qid,
            question=question,
            answer=text,
            abstained=abstained,
            citations=[c for _, c, _ in shown],
            timings_ms={
                "embed": ms(t0, t1),
                "retrieve": ms(t1, t2),
                "compose": ms(t2, t3),
                "total": ms(t0, t3),
            },
            role=r.role,
            role_source=r.role_source,
            role_note=r.role_note,
            searched_also=[f"{x.term} (for “{x.said}”)" for x in r.analysis.expansions]
            if mode != "dense"
            else [],
            form=r.form,
            not_indexed=list(r.not_indexed),
        )
        return Response(answer, evidence, list(hits), scored)

    # ------------------------------------------------------------------ writing

    def place(self, cite: Citation) -> str:
        """Where a quote is, as a reader would look it up: the document, the printed page
        (and the PDF page when they differ), the section path up to its identifier."""
        page = cite.page_label or str(cite.page)
        if cite.page_end is not None:
            page += f"–{cite.page_end}" if cite.page_label in (None, str(cite.page)) else " f."
        pdf = f" (PDF page {cite.page})" if cite.page_label and cite.page_label != str(cite.page) else ""
        path = [p for p in cite.section.split(" > ") if p]
        ident = own_identifier(cite.section)
        if ident is not None:
            # "Map > MAP 1.6: System requirements (e.g., “the system shall …": up to the identifier.
            at = next(i for i, p in enumerate(path) if ident in find_identifiers(p))
            path = [*path[:at], ident]
        where = " > ".join(path)
        return f"{self._short.get(cite.doc, cite.title)}, p. {page}{pdf}" + (f", {where}" if where else "")

    @staticmethod
    def _shown(
        cite: Citation, q: Quote, bullet: str = "", also: Mapping[int, list[int]] | None = None
    ) -> str:
        """One quote in the answer text: a list or table row as its lead and bulleted items.
        ``also``: markers of the same words cited from other places, shown on this line; a
        quote that is one of those is "" (its marker is on the first one's line)."""
        also = also or {}
        if cite.n in _repeats(also):
            return ""
        marks = "".join(f"[{n}]" for n in [cite.n, *also.get(cite.n, [])])
        if not q.items:
            term = f"{q.label}: " if q.label else ""  # "Capability of Concern: A capability of …"
            return f"{bullet}{term}{q.text} {marks}"
        pad = "  " if bullet else ""
        # A numbered list with no lead-in is named by its section.
        lead = q.lead or section_tail(cite.section, 1) or "List"
        ident = own_identifier(cite.section)
        if not lead.endswith(":") and ident and ident not in lead:
            lead = f"{lead} ({ident})"  # "Suggested Actions (GOVERN 1.6)"
        lines = [f"{bullet}{lead} {marks}", *(f"{pad}- {item}" for item in q.items)]
        if q.more:
            lines.append(f"{pad}- … and {q.more} more on p. {cite.page_label or cite.page}")
        return "\n".join(lines)

    def compose(
        self,
        r: Reading,
        shown: Sequence[tuple[str, Citation, Quote]],
        scope: Sequence[str],
        abstained: bool,
        also: Mapping[int, list[int]] | None = None,
    ) -> str:
        """The answer text: a short lead line, then bullets when there are several items;
        every quote carries its ``[n]`` marker; further places worth reading close it."""
        main = [x for x in shown if x[0] != ALSO]
        repeats = _repeats(also or {})
        more = [c.n for d, c, _ in shown if d == ALSO and c.n not in repeats]
        text = self._compose(r, main, scope, abstained, also or {}) if main or r.not_indexed else ""
        lines = [line for line in text.split("\n") if line]
        if more and not abstained:
            lines.append("Also relevant: " + " ".join(f"[{n}]" for n in more))
        return "\n".join(lines)

    def _compose(
        self,
        r: Reading,
        shown: Sequence[tuple[str, Citation, Quote]],
        scope: Sequence[str],
        abstained: bool,
        also: Mapping[int, list[int]],
    ) -> str:
        if r.not_indexed:
            names = "; ".join(f"{self._titles.get(d, d)} ({d})" for d in r.not_indexed)
            cmds = " / ".join(f"`airq corpus fetch {d}`" for d in r.not_indexed)
            head = (
                f"Not indexed: {names} — airq cannot answer from it. Add it with {cmds} "
                "(or `--from FOLDER` for a local copy), then `airq ingest`."
            )
            if not shown:
                return head
            # A passage that restates another shares its line (its marker is there): no line of its own.
            nearest = [(c, self._shown(c, q, also=also)) for _, c, q in shown]
            return "\n".join(
                [head, "Passages from other, indexed documents (they may be related):"]
                + [f"- {self._short.get(c.doc, c.doc)}: {text}" for c, text in nearest if text]
            )
        if abstained:
            return (
                "The indexed documents do not appear to answer this question. "
                "The nearest passages are listed below; they may still help."
            )
        if r.form == "comparison":
            lines: list[str] = []
            for d in scope:
                mine = [(c, q) for dd, c, q in shown if dd == d]
                if not mine:
                    lines.append(
                        f"{self._short.get(d, d)}: says nothing on this point in the passages found."
                    )
                    continue
                c, q = mine[0]
                lines.append(f"{self._short.get(d, d)}: {self._shown(c, q, also=also)}")
                lines += [self._shown(c2, q2, "- ", also) for c2, q2 in mine[1:]]
            return "\n".join(lines)
        first_doc = shown[0][1].doc
        if r.form == "actions":
            lines = [
                "Recommended actions" + (f" for {self.taxonomy.roles[r.role].name}" if r.role else "") + ":"
            ]
            docs_in = list(dict.fromkeys(c.doc for _, c, _ in shown))
            for d in docs_in:
                if len(docs_in) > 1:
                    lines.append(f"{self._short.get(d, d)}:")
                lines += [self._shown(c, q, "- ", also) for _, c, q in shown if c.doc == d]
            return "\n".join(lines)
        lead = self._shown(shown[0][1], shown[0][2], also=also)
        if r.asks_where:
            # "Where does it say …": the place first, then what is there.
            return "\n".join(
                [f"{self.place(shown[0][1])}:", *(self._shown(c, q, "- ", also) for _, c, q in shown)]
            )
        if r.form == "which_document":
            lead = f"{self.catalog.title(first_doc)}: {lead}"
        elif r.form == "yes_no":
            lead = f"{self._short.get(first_doc, first_doc)} says: {lead}"
        return "\n".join([lead, *(self._shown(c, q, "- ", also) for _, c, q in shown[1:])])


NAMED_DOC_MARGIN = 0.15  # how much better another document's statement must be to come first


def inline_items(sentence: str) -> list[str]:
    """The first content term of each item a sentence lists inline, stemmed as ``terms``
    writes it ("system", "comput", "human"); [] when it lists none."""
    m = _INLINE_LIST.search(sentence)
    if m is None:
        return []
    heads = []
    for part in m.group(1).split(","):
        words = terms(re.sub(r"^\s*(?:and|or)\s+", "", part))
        if words and words[0] not in heads:
            heads.append(words[0])
    return heads


RESTATED_SHARE = 0.9  # a quote with this share of its words in a longer one restates it …
RESTATED_WORDS = 8  # … when it has at least this many


def _restated(
    shown: Sequence[tuple[str, Citation, Quote]],
) -> tuple[list[tuple[str, Citation, Quote]], dict[int, list[int]]]:
    """The same words in two places (the Playbook restates the AI RMF, a definition is
    repeated with a word changed, one place quotes a sentence and another the sentence with
    what follows): one line in the answer, in the fuller wording, every place cited
    ("… [2][3]"). Quotes are renumbered so the fuller one comes first where the first of
    them stood; returns the quotes and, per line, the further citations it stands for."""
    words = [set(quote_form(q.text).lower().split()) for _, _, q in shown]
    group_of: list[int] = []
    for i, (d, _, _) in enumerate(shown):
        group_of.append(i)
        for j in range(i):
            if group_of[j] != j or shown[j][0] != d or d == ALSO:
                continue
            small, big = sorted((words[i], words[j]), key=len)
            restates = len(small) >= RESTATED_WORDS and len(small & big) >= RESTATED_SHARE * len(small)
            if restates or small == big:
                group_of[i] = j
                break
    groups: dict[int, list[int]] = {}
    for i, g in enumerate(group_of):
        groups.setdefault(g, []).append(i)
    out: list[tuple[str, Citation, Quote]] = []
    also: dict[int, list[int]] = {}
    for members in groups.values():
        first = len(out) + 1
        for i in sorted(members, key=lambda i: -len(words[i])):  # stable: ties keep their order
            d, cite, q = shown[i]
            out.append((d, cite.model_copy(update={"n": len(out) + 1}), q))
        if len(members) > 1:
            also[first] = list(range(first + 1, len(out) + 1))
    return out, also


def _repeats(also: Mapping[int, list[int]]) -> set[int]:
    """The citations whose words another citation already shows (their marker joins its line)."""
    return {n for ns in also.values() for n in ns}


def _is_action(c: Candidate) -> bool:
    """A statement that tells someone to do something: a suggested action, an SSDF task or
    note, a practice, or a sentence of a recommendation section."""
    if c.statement.kind in ("item", "row", "list") and is_directive(
        c.sentence, c.chunk.section or "practice"
    ):
        return True
    return is_directive(c.sentence, c.chunk.section)


_MINOR = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "vs",
        "via",
        "&",
    ]
)


def _title_like(text: str) -> bool:
    """Every word but the minor ones capitalised: "National Institute of Standards and
    Technology Laurie E.", a reference's title, not a statement."""
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", text) if w.lower() not in _MINOR]
    return len(words) >= 4 and all(w[0].isupper() for w in words)


def _titled(c: Candidate) -> bool:
    """A statement that is a subcategory, task, practice or objective itself ("PS.1.3: …")."""
    return bool(_TITLED.match(c.sentence.lstrip("• ")))


def _distinct(cands: Sequence[Candidate], n: int, one_per_passage: bool = False) -> list[Candidate]:
    """The first ``n`` candidates, none quoting a statement (or its text) twice; with
    ``one_per_passage`` at most one per retrieved passage."""
    out: list[Candidate] = []
    seen: set[Statement] = set()
    used: set[str] = set()
    for c in cands:
        if len(out) >= n:
            break
        if c.statement in seen or (one_per_passage and c.chunk.id in used):
            continue
        out.append(c)
        seen.add(c.statement)
        used.add(c.chunk.id)
    return out


def _nearest(cands: Sequence[Candidate], n: int = 3) -> list[Candidate]:
    """For an abstention: the closest passages, one quote each; guidance before cited works
    and footnotes, which are shown only when nothing else is near."""
    text = [c for c in cands if c.chunk.kind == "text" and c.statement.kind != "footnote"]
    return _distinct([*text, *cands], n, one_per_passage=True)
