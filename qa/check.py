"""Checking sentences someone else wrote (a memo, a questionnaire, a model) against the
documents: for each, the statement that says it, verified on its page, and a verdict.

Topical similarity is not support: "NIST requires quarterly red-teaming" sits close to
passages on red-teaming. A sentence is ``supported`` only when a statement of the documents
is close to it *and* carries its specifics: the same numbers and identifiers, the names it
uses, its polarity (not / never), no stronger an obligation (must where the source says
should), and, when the sentence names a document, that document. ``partly``: a close
statement lacks some of these, and they are named. ``not_found``: nothing close enough.
No generative model is needed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.text import collapse_ws
from core.types import CheckedSentence, CheckReport, Page
from corpus.manifest import load_manifest
from index.analyze import Analysis
from index.build import MIN_SENTENCE_WORDS, sentence_id
from index.retrieve import Query
from ingest.chunk import sentence_units
from ingest.identifiers import find_identifiers
from ingest.units import Statement
from qa.answer import UNQUOTABLE, Answerer, Candidate
from qa.lexical import terms

# Support: similarity of the sentence to the statement's best unit, plus the share of the
# sentence's content words (IDF-weighted) found in the statement. Fitted on the dev claims.
COVERAGE_WEIGHT = 0.5
SUPPORTED = 0.95  # at least this, with every specific found: supported
FOUND = 0.75  # below this nothing says it: not found
HITS = 8  # passages retrieved per sentence
CANDIDATES = 6  # statements whose specifics are compared
MIN_WORDS = 3  # shorter lines (headings, "Yes.") are not checked
SUPPORT_MARGIN = 0.1  # … and within this of the closest statement

_NUMBER_WORDS = {
    w: str(n)
    for n, w in enumerate(
        re.findall(
            r"\w+",
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
            "fifteen sixteen seventeen eighteen nineteen twenty",
        )
    )
    if w not in ("zero", "one")  # "one of the actions" counts nothing, "Zero Trust" is a name
}
_NUMBER = re.compile(
    r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|(?<![\w.])\d+(?:\.\d+)?(?:\s?%|\s?percent\b)?|\b(?:"
    + "|".join(_NUMBER_WORDS)
    + r"|dozens?|tens|hundreds?|thousands?|millions?|billions?|trillions?|half)\b",
    re.IGNORECASE,
)
_STRONG = re.compile(
    r"\b(?:must|shall|mandat\w*|obligat\w*|compulsory|required to|"
    r"requires? (?:\w+ ){0,5}?to)\b",
    re.IGNORECASE,
)
_RECOMMEND = re.compile(
    r"\b(?:should|recommend\w*|encourag\w*|suggest\w*|advis\w*|ought|needs? to)\b", re.IGNORECASE
)
_PERMIT = re.compile(r"\b(?:may|might|can|could|optional\w*|consider\w*)\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|neither|nor|without|cannot|nothing|lacks?|lacking|fails? to|failing to|"
    r"unable to|inability to|impossible to|rather than|instead of|absence of|absent|out(?= of scope))\b|"
    r"n['’]t\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![\w-])(?:[A-Z]{2,}[a-z]?s?|[A-Z][a-z]+[A-Z]\w*|[A-Z][a-z]{2,})\b")
# Negations that negate nothing the claim turns on: "including, but not limited to".
_NOT_NEGATION = re.compile(
    r"\b(?:but )?not limited to\b|\bnot only\b|\bwhether or not\b|\bif not all\b|\bnot necessarily\b",
    re.IGNORECASE,
)
# Who does something: swapping one for another changes the claim.
_ACTORS = re.compile(
    r"\b(?:developer|deployer|user|operator|provider|owner|vendor|supplier|acquirer|manufacturer|"
    r"government|regulator|auditor|consumer|producer|designer|evaluator|red[ -]team|"
    r"third[ -]part(?:y|ie))s?\b",
    re.IGNORECASE,
)
# Closed classes of the documents' own vocabulary: a sentence naming one member where its
# source names another of the same class ("banking" for "transportation", "Information
# Integrity" for "Human-AI Configuration") says something else. Members are patterns.
_CLASSES: dict[str, tuple[str, ...]] = {
    "sector": (
        "energy",
        "electric(?:ity)?",
        "water",
        "health ?care",
        "transportation",
        "financ(?:e|ial)",
        "banking",
        "insurance",
        "communications",
        "telecommunications",
        "manufacturing",
        "agriculture",
        "defen[cs]e",
        "education",
        "employment",
        "hiring",
        "lending",
        "credit",
        "housing",
        "criminal justice",
        "law enforcement",
        "chemical",
        "emergency services",
    ),
    "risk": (
        "CBRN information",
        "confabulation",
        "dangerous,? violent,? or hateful content",
        "data privacy",
        "environmental impacts?",
        "harmful bias",
        "homogenization",
        "human-AI configuration",
        "information integrity",
        "information security",
        "intellectual property",
        "obscene,? degrading,? and/or abusive content",
        "value chain and component integration",
    ),
    "phenomenon": (
        "automation bias",
        "algorithmic aversion",
        "anthropomorphi[sz]\\w*",
        "over-?reliance",
        "emotional entanglement",
    ),
    "characteristic": (
        "valid and reliable",
        "safe",
        "secure and resilient",
        "accountable and transparent",
        "explainable and interpretable",
        "privacy-enhanced",
        "fair(?: with harmful bias managed)?",
    ),
    "bias": ("systemic", "computational", "statistical", "human-cognitive"),
    "leadership": (
        "senior leadership",
        "executive leadership",
        "board of directors",
        "c-suite",
        "data science team",
        "data scientists?",
        "legal (?:team|counsel)",
        "procurement",
        "testing",
    ),
}
_CLASS_PATTERNS = {
    kind: [(m, re.compile(rf"(?<![\w-]){m}(?![\w-])", re.IGNORECASE)) for m in members]
    for kind, members in _CLASSES.items()
}


def class_members(text: str) -> dict[str, dict[str, str]]:
    """Which members of each closed class the text names: class → member → the words used."""
    out: dict[str, dict[str, str]] = {}
    for kind, pats in _CLASS_PATTERNS.items():
        found = {m: hit.group(0) for m, p in pats if (hit := p.search(text))}
        if found:
            out[kind] = found
    return out


_FRAME = re.compile(r"^[A-Z][a-z'’-]*(?:\s+[a-z][a-z'’-]*){1,4}:\s+(?=\S)")  # "Vendor questionnaire answer: "
_FOLLOWS = re.compile(
    r"^(?:our|we|the (?:company|organization|utility|program))\b.{0,60}?\b(?:follows?|aligns? with|adopts?|"
    r"implements?|is based on|is consistent with|complies with|mirrors?)\s+(.+?),\s+which\s+(.+)$",
    re.IGNORECASE,
)
_MARKDOWN = re.compile(r"^\s*(?:#{1,6}\s+|[-*+•]\s+|\d{1,3}[.)]\s+|>\s*)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(.+?)\1")


def split_sentences(text: str) -> list[str]:
    """The text's sentences, in order, by the same rules the documents are split by: a blank
    line, a bullet or a numbered item always starts a new one. Markdown markers are dropped;
    Markdown headings and lines under ``MIN_WORDS`` words are not claims and are left out."""
    out: list[str] = []
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if re.match(r"^\s*#{1,6}\s", line):
            lines.append("")  # a heading ends what came before and is not checked
            continue
        lines.append(re.sub(r"^(\s*)[*+]\s", r"\1- ", line))  # Markdown's other bullets
    page = Page("input", 1, "1", "\n".join(lines))
    for u in sentence_units(page):
        s = collapse_ws(_EMPHASIS.sub(r"\2", _MARKDOWN.sub("", page.text[u.start : u.end])))
        if len(s.split()) >= MIN_WORDS:
            out.append(s)
    return out


class InputError(ValueError):
    """A text to check that cannot be read: one line naming it and what to do."""


def read_text(name: str, data: bytes) -> str:
    """A text to check from its bytes: a PDF's cleaned page text (pages apart as paragraphs),
    else UTF-8 plain text or Markdown."""
    if data[:5] == b"%PDF-":
        import tempfile
        from pathlib import Path

        from ingest.clean import clean_document
        from ingest.pdf import BadPdf, read_pdf

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "input.pdf"
            path.write_bytes(data)
            try:
                raw = read_pdf(path)
            except BadPdf as exc:
                raise InputError(f"{name}: {exc}") from exc
        return "\n\n".join(p.text for p in clean_document(raw.pages))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: not UTF-8 text (byte {exc.start}); save it as UTF-8, or give a PDF"
        ) from exc


def numbers(text: str) -> set[str]:
    """The numbers a text states, in digits ("twelve" → "12", "25 percent" → "25%"), those
    inside identifiers ("GOVERN 1.2", "SP 800-218A") left out."""
    for ident in find_identifiers(text):
        text = text.replace(ident, " ")
    text = re.sub(r"\b[A-Z]{2,}[\s-]?\d[\w.-]*", " ", text)  # "AI 600-1", "EO 14110", "SP 800"
    text = re.sub(r"\b\d+-\d+[A-Z]?\b", " ", text)  # "800-218A", "100-1"
    out = set()
    for m in _NUMBER.finditer(text):
        n = m.group(0).lower().replace(",", "")
        n = _NUMBER_WORDS.get(n, n)
        n = re.sub(r"\s?(?:%|percent)$", "%", n)
        out.add(n)
    return out


def modality(text: str) -> int:
    """How strongly the text obliges: 3 must, 2 should, 1 may, 0 states."""
    if _STRONG.search(text):
        return 3
    if _RECOMMEND.search(text):
        return 2
    return 1 if _PERMIT.search(text) else 0


_AUX = re.compile(r"\b(?:do|does|did|is|are|was|were|has|have|had)\s*$", re.IGNORECASE)


def negations(text: str) -> list[tuple[set[str], set[str]]]:
    """Each negation of the text as (what it negates, its scope), stemmed. What it negates is
    the first content word after it ("cannot *guarantee*"; "no *formal channels*": a
    determiner negates its noun phrase), empty for none ("without it"). Its scope adds the
    words around it, the subject before an auxiliary's "not" included ("formal channels
    do not exist" negates what "no formal channels exist" does)."""
    text = _NOT_NEGATION.sub(" ", text)
    out: list[tuple[set[str], set[str]]] = []
    for m in _NEGATION.finditer(text):
        clause = re.split(r"[.;:!?]", text[m.end() : m.end() + 80], maxsplit=1)[0]
        words = [w for w in re.findall(r"[A-Za-z][\w'-]*", clause) if not _NEGATION.fullmatch(w)][:5]
        after = [t[0] for w in words if (t := terms(w))][:3]
        first = set(after[:2] if m.group(0).lower() == "no" else after[:1])
        scope = set(after)
        before = text[max(0, m.start() - 80) : m.start()]
        if m.group(0).lower() == "not" and _AUX.search(before):
            lead = re.split(r"[.;:!?,]", before)[-1]
            scope |= set(terms(lead)[-3:])
        out.append((first, scope))
    return out


def polarity_differs(claim: str, source: str) -> str | None:
    """Whether the sentence and the source disagree on what is negated: one negates a word
    the other states plainly, or the sentence negates where the source negates nothing."""
    return _polarity(negations(claim), set(terms(claim)), source)


def _polarity(said: list[tuple[set[str], set[str]]], claim_terms: set[str], source: str) -> str | None:
    """``polarity_differs`` with the sentence's side read once (a sentence meets a dozen
    statements)."""
    found = negations(source)
    if said and not found:
        return "the sentence negates, the source does not"
    source_terms = set(terms(source))
    in_said = set().union(*(sc for _, sc in said)) if said else set()
    in_found = set().union(*(sc for _, sc in found)) if found else set()
    for first, _ in said:
        if first and not first & in_found and first & source_terms:
            return "the sentence negates, the source does not"
    if any(not first for first, _ in said):
        return None  # "… without it": what it negates may be what the source names
    for first, _ in found:
        if first and not first & in_said and first & claim_terms:
            return "the source negates, the sentence does not"
    return None


_FUNCTION = re.compile(
    r"\b(govern|map|measure|manage)\s+functions?\b|\b(GOVERN|MAP|MEASURE|MANAGE)\b(?!\s*\d)", re.I
)


def _functions(text: str) -> set[str]:
    """The AI RMF functions a text names: "MAP", "the Map function" (not "MAP 1.2", nor "map" the verb)."""
    out = set()
    for m in _FUNCTION.finditer(text):
        if m.group(1):
            out.add(m.group(1).lower())
        elif m.group(2).isupper():
            out.add(m.group(2).lower())
    return out


def _names(text: str) -> list[tuple[str, ...]]:
    """Proper names and acronyms, not the capital that starts a sentence, as runs of
    adjacent capitalised words ("Public Working Group"), which may stand abbreviated."""
    runs: list[list[str]] = []
    end = -1
    for m in _NAME.finditer(text):
        before = text[: m.start()].rstrip()
        if m.group(0)[1:].islower() and (not before or before.endswith((".", ":", "?", "!", '"', "“"))):
            continue
        if runs and text[end : m.start()].strip() == "":
            runs[-1].append(m.group(0))
        else:
            runs.append([m.group(0)])
        end = m.end()
    return [tuple(r) for r in runs]


def _stem(word: str) -> str:
    word = re.sub(r"['’]s$", "", word).replace("-", " ")
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@dataclass(frozen=True)
class Evidence:
    """One statement considered for a sentence: how close it is and what it lacks."""

    candidate: Candidate
    similarity: float
    coverage: float
    unmatched: tuple[str, ...]

    @property
    def support(self) -> float:
        return self.similarity + COVERAGE_WEIGHT * self.coverage


@dataclass
class _Claim:
    text: str
    vector: np.ndarray
    terms: set[str]
    numbers: set[str]
    identifiers: tuple[str, ...]
    names: list[tuple[str, ...]]
    actors: set[str]
    members: dict[str, dict[str, str]]
    negations: list[tuple[set[str], set[str]]]  # what it negates, and each negation's scope
    all_terms: set[str]  # its content words, the documents' names and generic words included
    modality: int
    docs: tuple[str, ...]
    analysis: Analysis
    not_indexed: tuple[str, ...] = field(default=())


class SupportChecker:
    """``run(sentence)`` → ``CheckedSentence``; ``check(text)`` → ``CheckReport``."""

    def __init__(self, answerer: Answerer):
        self.answerer = answerer
        self.retriever = answerer.retriever
        self.catalog = answerer.catalog
        manifest = {d.id: d for d in load_manifest()}
        # What a statement's document says of itself without repeating it on every page:
        # its title, short names and publisher ("NIST").
        self._about = {
            d: " ".join(
                [
                    self.catalog.title(d),
                    *(manifest[d].aliases if d in manifest else ()),
                    manifest[d].publisher if d in manifest else "",
                ]
            )
            for d in self.catalog.doc_ids
        }

    # ------------------------------------------------------------------ reading

    def _claim(self, sentence: str) -> _Claim:
        # "Vendor questionnaire response: …" labels the text, it is not part of the claim.
        sentence = _FRAME.sub("", sentence)
        # "Our program follows the AI RMF, which is intended for voluntary use": the claim is
        # what the relative clause says of the guidance.
        if m := _FOLLOWS.match(sentence):
            sentence = f"{m.group(1)} {m.group(2)}"
        analysis = self.retriever.analyzer.run(sentence)
        unnamed = re.sub(r"['’]s\b", "", self.retriever.analyzer.without_names(sentence))
        return _Claim(
            text=sentence,
            vector=self.retriever.embed_query(sentence),
            terms=set(terms(unnamed)) - _GENERIC,
            numbers=numbers(unnamed),
            identifiers=tuple(find_identifiers(sentence)),
            names=_names(unnamed),
            actors={_stem(a.lower()) for a in _ACTORS.findall(unnamed)},
            members=class_members(unnamed),
            negations=negations(sentence),
            all_terms=set(terms(sentence)),
            modality=modality(sentence),
            docs=attributed(sentence, self.retriever.analyzer.mentions(sentence)),
            analysis=analysis,
            # Only a document named outright: "report incidents to CISA" attributes nothing.
            not_indexed=tuple(
                self.retriever.analyzer.not_indexed(sentence, analysis.docs, by_publisher=False)
            ),
        )

    def _full_text(self, st: Statement) -> str:
        """The whole statement, every item of a list in full (a quote shows long lists' items
        cut to their first sentences)."""
        pages = self.catalog.pages
        return " ".join(pages[(st.doc, u.page)].text[u.start : u.end] for u in st.units)

    def _context(self, c: Candidate, i: int, whole: str) -> str:
        """The statement (``whole``) with the neighbours of its ``i``-th sentence in the
        passage, its section and its document's names: where a name or number the sentence
        carries may stand."""
        chunk = c.chunk
        around = " ".join(
            self.answerer._text(chunk, j, j) for j in range(max(0, i - 1), min(len(chunk.sentences), i + 2))
        )
        return " ".join([whole, around, chunk.section, self._about[chunk.doc]])

    # ------------------------------------------------------------------ judging

    def judge(self, claim: _Claim, c: Candidate, similarity: float, i: int) -> Evidence:
        """What the statement lacks of the sentence's specifics, and how much of its content
        (``i``: the passage's sentence it was found by)."""
        whole = self._full_text(c.statement)
        # A list's obligation and polarity are its lead's and the item's, not its other items'.
        core = (
            f"{c.sentence} {self.answerer.quote(c.statement).lead}" if c.statement.kind == "list" else whole
        )
        context = self._context(c, i, whole)
        missing: list[str] = []
        missing += [f"number: {n}" for n in sorted(claim.numbers - numbers(context))]
        idents = set(find_identifiers(re.sub(r"(?<=[A-Z]-) (?=\d)", "", context))) | set(c.chunk.identifiers)
        missing += [f"identifier: {x}" for x in claim.identifiers if x not in idents]
        # A list item's names are its own and its lead's, not its neighbours' (the next risk's).
        near = core if c.statement.kind == "list" else context
        named = " ".join([near, c.chunk.section, self._about[c.chunk.doc]])
        low = named.lower()
        for run in dict.fromkeys(claim.names):
            lost = [
                name
                for name in run
                if not any(name in ident for ident in claim.identifiers)  # "MANAGE" of "MANAGE 1.1"
                and not (
                    re.search(rf"\b{re.escape(name.rstrip('s'))}", named)
                    if name.isupper()
                    else re.search(rf"(?<![a-z]){re.escape(_stem(name).lower())}", low)
                )
            ]
            # "Public Working Group" may stand as "PWG": the run's tail abbreviated.
            for k in range(len(run) - 1):
                if re.search(rf"\b{''.join(w[0] for w in run[k:])}\b", named):
                    lost = [n for n in lost if n not in run[k:]]
                    break
            # Shown as the sentence's words: "Homeland Security", not "Homeland" and "Security".
            missing += [f"name: {' '.join(w for w in run if w in lost)}"] if lost else []
        # "the Map function" where the statement speaks of the Govern function: the section
        # (under MAP) stands in only when the statement names no function itself.
        said = _functions(whole) or _functions(c.chunk.section)
        missing += [f"name: the {f.title()} function" for f in sorted(_functions(claim.text) - said)]
        said_members = class_members(core if c.statement.kind == "list" else context)
        for kind, members in claim.members.items():
            other = said_members.get(kind, {})
            if other:
                missing += [
                    f"name: {said} (the source says {', '.join(other.values())})"
                    for m, said in members.items()
                    if m not in other
                ]
        said_actors = {_stem(a.lower()) for a in _ACTORS.findall(context)}
        # Only where the source names who does it: an imperative ("Avoid overlap …") addresses
        # the document's reader, whoever the sentence says that is.
        missing += [f"who: {a}" for a in sorted(claim.actors - said_actors) if said_actors]
        if claim.modality == 3 and modality(core) < 3:
            missing.append(f"obligation: the sentence says {_strong_word(claim.text)}, the source does not")
        polarity = _polarity(claim.negations, claim.all_terms, core)
        negated_words = set().union(*(first for first, _ in claim.negations))
        if polarity and negated_words and not negated_words & set(terms(core)):
            # What the sentence negates is not in the statement but may be in the next one
            # ("three categories …; each can occur in the absence of prejudice").
            polarity = _polarity(claim.negations, claim.all_terms, context)
        if polarity:
            missing.append(f"negation: {polarity}")
        if claim.docs and c.chunk.doc not in claim.docs:
            missing.append(f"document: {self.answerer._short.get(claim.docs[0], claim.docs[0])}")
        present = claim.terms & set(terms(whole))
        weight = self.answerer.idf
        total = sum(weight(t) for t in claim.terms) or 1.0
        coverage = sum(weight(t) for t in present) / total
        return Evidence(c, similarity, coverage, tuple(missing))

    def candidates(self, claim: _Claim, among: Sequence[Candidate] | None = None) -> list[Evidence]:
        """The statements closest to the sentence, judged: from retrieval, or only ``among``
        (the statements a generated sentence cites)."""
        allowed: set[Statement] | None = None
        if among is None:
            # A document the sentence names has its own best passages in the pool already.
            hits = self.retriever.run(Query(claim.text, k=HITS), claim.vector, analysis=claim.analysis)
            chunks = list(dict.fromkeys(h.chunk for h in hits))
        else:
            chunks = list(dict.fromkeys(c.chunk for c in among))
            allowed = {c.statement for c in among}
        ids = [sentence_id(ch.id, i) for ch in chunks for i in range(len(ch.sentences))]
        vecs = self.retriever.sentence_vectors(ids)
        best: dict[Statement, tuple[float, Candidate, int]] = {}
        for rank, ch in enumerate(chunks, start=1):
            for i, _s in enumerate(ch.sentences):
                st = self.answerer._statement_of.get((ch.id, i))
                if st is None or st.kind in UNQUOTABLE or (allowed is not None and st not in allowed):
                    continue
                v = vecs.get(sentence_id(ch.id, i))
                text = self.answerer._text(ch, i, i)
                if v is None or len(text.split()) < MIN_SENTENCE_WORDS:
                    continue
                sim = float(v @ claim.vector)
                if st not in best or sim > best[st][0]:
                    # A long list is quoted by the item that says it, under its lead.
                    part = next(
                        (p for p, cid, j in self.answerer._items_of.get(st, []) if (cid, j) == (ch.id, i)), 0
                    )
                    only = (part,) if part and self.answerer._long(st) else ()
                    best[st] = (sim, Candidate(ch, st, sim, text, rank=rank, only=only), i)
        top = sorted(best.values(), key=lambda x: -x[0])[: CANDIDATES * 2]
        judged = [self.judge(claim, c, sim, i) for sim, c, i in top]
        return sorted(judged, key=lambda e: -e.support)[:CANDIDATES]

    def run(self, sentence: str, among: Sequence[Candidate] | None = None) -> CheckedSentence:
        claim = self._claim(sentence)
        if claim.not_indexed:
            names = ", ".join(self.answerer._short.get(d, d) for d in claim.not_indexed)
            missing = [f"document: {names} is not indexed (add it: airq corpus fetch, then airq ingest)"]
            return CheckedSentence(sentence=sentence, verdict="not_found", citations=[], unmatched=missing)
        judged = self.candidates(claim, among)
        close = [e for e in judged if e.support >= FOUND]
        if not close:
            return CheckedSentence(sentence=sentence, verdict="not_found", citations=[], unmatched=[])
        # Support comes from a statement about as close as the closest one: a sentence the
        # closest statement contradicts ("four categories" where it says three) is not
        # supported by a weaker one that merely lacks the contradiction.
        # (A sentence naming the AI RMF is measured against the AI RMF's closest statement,
        # not the Playbook's copy of it.)
        own = [e for e in close if e.candidate.chunk.doc in claim.docs] or close
        whole = [
            e
            for e in close
            if not e.unmatched and e.support >= SUPPORTED and e.support >= own[0].support - SUPPORT_MARGIN
        ]
        # The evidence shown is a quote verified on its page; a statement whose quote does not
        # verify gives way to the next.
        for e in whole:
            cite, _ = self.answerer.citation(1, e.candidate)
            if cite.verified:
                return CheckedSentence(sentence=sentence, verdict="supported", citations=[cite], unmatched=[])
        chosen, citations = close[0], []
        for e in close:
            cite, _ = self.answerer.citation(1, e.candidate)
            if cite.verified:
                chosen, citations = e, [cite]
                break
        unmatched = list(chosen.unmatched)
        if not unmatched:
            source = set(terms(self.answerer.quote(chosen.candidate.statement).text))
            words = sorted(claim.terms - source - _DISCOURSE, key=lambda t: -self.answerer.idf(t))[:4]
            unmatched = [f"wording: {', '.join(words)}"] if words else ["wording: only loosely matched"]
        return CheckedSentence(sentence=sentence, verdict="partly", citations=citations, unmatched=unmatched)

    def check(self, text: str) -> CheckReport:
        t0 = time.perf_counter()
        results = [self.run(s) for s in split_sentences(text)]
        counts = {v: sum(r.verdict == v for r in results) for v in ("supported", "partly", "not_found")}
        summary = (
            f"{counts['supported']} supported, {counts['partly']} partly, {counts['not_found']} not found"
            if results
            else "no sentence of three words or more to check"
        )
        ms = round((time.perf_counter() - t0) * 1000, 1)
        return CheckReport(sentences=results, summary=summary, counts=counts, timings_ms={"total": ms})


_GENERIC = frozenset(
    terms(
        "organizations organization ai system systems document documents guidance says states notes "
        "recommends"
    )
)


# How a text reports what a document says: no specific of the statement itself.
_DISCOURSE = frozenset(
    terms(
        "NIST calls called whereas although observes notes states explains describes according "
        "acknowledges says names treats cites mentions emphasizes highlights stresses lists gives"
    )
)


_SAYS = re.compile(
    r"^(?:['’]s\b|\W*(?:\([^)]{0,40}\)\W*)?(?:\w+\W+){0,3}?(?:says?|said|states?|notes?|recommends?|"
    r"suggests?|identifies|gives?|cites?|offers?|uses?|presents?|provides?|includes?|contains?|discuss(?:es)?|"
    r"covers?|proposes?|introduces?|sets? out|establishes|indicates?|reports?|finds?|argues?|"
    r"identify|defines?|describes?|lists?|explains?|calls?|requires?|advises?|encourages?|emphasi[sz]es|"
    r"highlights?|observes?|acknowledges?|warns?|treats?|specifies|outlines?|mentions?|expects?|asks?|"
    r"urges?|characteri[sz]es|refers?|directs?|instructs?|cautions?|points? out|makes? clear|"
    r"stresses|clarifies|distinguishes|frames?|counts?|groups?|organi[sz]es|assigns?|maps?)\b)",
    re.IGNORECASE,
)
_SOURCE_BEFORE = re.compile(
    r"\b(?:according to|per|in|under|from|within|citing)\s+(?:the\s+|nist(?:['’]s)?\s+)*$", re.I
)


def attributed(sentence: str, mentions: Sequence[tuple[int, int, str]]) -> tuple[str, ...]:
    """The documents the sentence cites as its source: "SP 800-218A recommends …",
    "according to the AI RMF, …", "the Playbook's actions" — not one it only speaks of ("the
    AI RMF is intended for voluntary use" may be said by any document)."""
    out = [
        doc
        for start, end, doc in mentions
        if _SAYS.match(sentence[end:]) or _SOURCE_BEFORE.search(sentence[:start])
    ]
    return tuple(dict.fromkeys(out))


def _strong_word(text: str) -> str:
    m = _STRONG.search(text)
    return f"“{m.group(0)}”" if m else "must"
