"""What a question points at besides its topic: documents it names, pages, quoted phrases.

Users write "what does the Playbook say about…", "what's on page 19 of the AI RMF",
"where does it say 'highly accurate systems can cause harm'". Each of these becomes an
extra ranking for fusion, so the hint helps without ever hiding other evidence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.text import loose_form
from corpus.thesaurus import Expansion, Thesaurus

# "page 19", "p. 12", "the page numbered 47", "the 56th page"
_PAGE = re.compile(
    r"\b(?:page|p\.|pg\.?)\s*(?:numbered\s+|number\s+|no\.\s*)?(\d{1,4})\b|\b(\d{1,4})(?:st|nd|rd|th)\s+page\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(
    r"[\"“]([^\"“”]{12,400})[\"”]"  # "double" or “curly”
    r"|(?:^|(?<=[\s(]))[‘']([^‘’']{12,400})[’'](?=[\s?.!,;:)]|$)"  # 'single', not it's
)
_PDF_WORDS = re.compile(r"\b(?:pdf|physical)\b", re.IGNORECASE)
_DEFINITION = re.compile(
    r"\bdefin(?:e|es|ed|ition)\b|\bmeaning of\b|\bwhat (?:exactly )?counts as\b"
    r"|\bwhat (?:exactly )?(?:is|are) (?:an? )?[\w' -]{1,40}\?$"
    r"|\bwhat does [^?]{1,80} mean\b|\b(?:mean|meant) by\b",
    re.IGNORECASE,
)


# A short quoted term: "what counts as 'risk'", "the 'AI system inventory'".
_TERM = re.compile(r"(?:^|(?<=[\s(]))[\"“‘']([A-Za-z][\w -]{1,40}?)[\"”’'](?=[\s?.!,;:)—-]|$)")


# The same, unquoted: "how does the AI RMF define risk?", "what is meant by effective
# challenge?", "the definition of red-teaming", "what is a capability of concern?". Only
# whole definition requests: "what is the best way to define roles …" asks how, not what.
_TERM_END = r"\s*(?:[?.,;]|\s(?:in|for|as|under|according|and)\b|$)"
_BARE_TERMS = [
    re.compile(p + _TERM_END, re.IGNORECASE)
    for p in (
        r"\b(?:does|do|did)\s+[^?]{1,60}?\bdefine\s+(?:the\s+(?:term|phrase|word)\s+)?(?:an?\s+|the\s+)?"
        r"([a-z][\w -]{1,40}?)",
        r"\b(?:mean|meant)\s+by\s+(?:an?\s+|the\s+)?([a-z][\w -]{1,40}?)",
        r"\bdefinition\s+of\s+(?:an?\s+|the\s+)?([a-z][\w -]{1,40}?)",
        r"^\W*what\s+(?:exactly\s+)?(?:is|are)\s+(?!meant\b)(?:an?\s+|the\s+)?([a-z][\w -]{1,40}?)\s*\?\s*$",
    )
]
_PRONOUNS = frozenset(["that", "this", "it", "these", "those", "they", "them", "he", "she", "one"])
MAX_TERM_WORDS = 4


def definition_terms(text: str) -> tuple[tuple[str, ...], bool]:
    """The terms a definition question asks about, and whether they were quoted (an
    unquoted term is only matched where a passage defines it outright, "Risk refers to")."""
    quoted = [t.strip() for t in _TERM.findall(text)]
    found = quoted or [m.group(1).strip() for p in _BARE_TERMS for m in p.finditer(text)]
    terms = tuple(
        dict.fromkeys(
            t for t in found if t and len(t.split()) <= MAX_TERM_WORDS and t.lower() not in _PRONOUNS
        )
    )
    return terms, bool(quoted)


_CAPTION = re.compile(r"\b(table|figure|fig\.)\s+(\d{1,2})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Analysis:
    docs: tuple[str, ...]  # documents the question names, most specific first
    pages: tuple[int, ...]  # page numbers it names
    physical: bool  # "page 59 of the PDF": the number is physical, not printed
    quotes: tuple[str, ...]  # quoted phrases (three words or more)
    definition: bool = False  # "what does X mean", "define X": glossaries are the place
    hinted: tuple[str, ...] = ()  # documents it alludes to: "the framework", "this draft"
    terms: tuple[str, ...] = ()  # what a definition question asks about: "'residual risk'"
    terms_quoted: bool = True  # unquoted terms ("define risk") match outright definitions only
    captions: tuple[str, ...] = ()  # tables and figures it names: "Table 1", "Figure 3"
    expansions: tuple[Expansion, ...] = ()  # document terms its plain words stand for
    not_indexed: tuple[str, ...] = ()  # manifest documents it asks about that this index lacks


def _alias_pattern(alias: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in alias.split()]
    return re.compile(r"(?<![\w-])" + r"[\s-]+".join(words) + r"(?![\w-])", re.IGNORECASE)


def _loose_pattern(alias: str) -> re.Pattern[str]:
    """An alias whose words may carry a possessive and have up to three words between them:
    "DHS framework" finds "DHS's AI roles framework". Used only for documents that are not
    indexed, where missing a mention costs an answer built from the wrong document."""
    words = [re.escape(w) for w in alias.split()]
    gap = r"(?:['’]s)?(?:[\s-]+[\w'’.,/&-]+){0,3}?[\s-]+"
    return re.compile(r"(?<![\w-])" + gap.join(words) + r"(?:['’]s)?(?![\w-])", re.IGNORECASE)


# A publisher named as a source ("what does DHS expect …", "CISA's guidance").
_PUBLISHER = re.compile(r"\b(DHS|CISA|NSA|NCSC|FBI)\b|\b(?:Department of )?(Homeland Security)\b")


class QueryAnalyzer:
    """Built once per index from document ids, titles and aliases."""

    def __init__(
        self,
        names: Mapping[str, Sequence[str]],
        hints: Mapping[str, Sequence[str]] | None = None,
        thesaurus: Thesaurus | None = None,
        absent: Mapping[str, Sequence[str]] | None = None,
        publishers: Mapping[str, str] | None = None,
    ):
        """``absent``: names of the manifest's documents this index lacks; ``publishers``:
        every manifest document's publisher line (indexed or not)."""
        self.thesaurus = thesaurus
        self._absent = [
            (_loose_pattern(a) if len(a.split()) > 1 else _alias_pattern(a), d)
            for d, aliases in (absent or {}).items()
            for a in sorted({d, *aliases}, key=len, reverse=True)
            if a
        ]
        indexed_publishers = {p for d, p in (publishers or {}).items() if d in names}
        self._by_publisher: dict[str, list[str]] = {}
        for d in absent or {}:
            line = (publishers or {}).get(d, "")
            for token in ("DHS", "CISA", "NSA", "NCSC", "FBI"):
                if re.search(rf"\b{token}\b", line) and not any(
                    re.search(rf"\b{token}\b", p) for p in indexed_publishers
                ):
                    self._by_publisher.setdefault(token, []).append(d)
        # What each absent document is called and who published it, as words: which of a
        # publisher's documents a question means is the one it shares most words with.
        self._words = {
            d: set(re.findall(r"[a-z]{4,}", " ".join([*aliases, (publishers or {}).get(d, "")]).lower()))
            for d, aliases in (absent or {}).items()
        }
        pairs = [(alias, doc) for doc, aliases in names.items() for alias in {doc, *aliases} if alias]
        # Longest alias first, so "AI RMF Playbook" claims its words before "AI RMF" can.
        pairs.sort(key=lambda p: -len(p[0]))
        self._aliases = [(_alias_pattern(a), d) for a, d in pairs]
        # An allusion needs a determiner: "the framework", "this draft", "NIST's profile".
        self._hints = [
            (re.compile(r"\b(?:the|this|that|nist['’]?s?)\s+" + _alias_pattern(h).pattern, re.IGNORECASE), d)
            for d, hs in (hints or {}).items()
            for h in hs
        ]

    def mentions(self, text: str) -> list[tuple[int, int, str]]:
        """Where the text names an indexed document: (start, end, doc), in reading order; the
        longest alias wins where two overlap."""
        found: list[tuple[int, int, str]] = []
        for pattern, doc in self._aliases:
            for m in pattern.finditer(text):
                if any(m.start() < e and s < m.end() for s, e, _ in found):
                    continue
                found.append((m.start(), m.end(), doc))
        return sorted(found)

    def docs_named(self, text: str) -> list[str]:
        return list(dict.fromkeys(d for _, _, d in self.mentions(text)))

    def not_indexed(self, text: str, named: Sequence[str], by_publisher: bool = True) -> list[str]:
        """Manifest documents the question asks about that this index does not hold: named
        outright (loosely), or — when it names no indexed document and ``by_publisher`` — through
        a publisher none of whose documents is indexed ("what does DHS expect of cloud
        providers?"), the one whose title shares most words with the question."""
        found = [(m.start(), d) for p, d in self._absent for m in [p.search(text)] if m]
        out = list(dict.fromkeys(d for _, d in sorted(found)))
        if out or named or not by_publisher:
            return out
        for m in _PUBLISHER.finditer(text):
            token = "DHS" if m.group(2) else m.group(1)
            docs = self._by_publisher.get(token, [])
            if docs:
                words = set(re.findall(r"[a-z]{4,}", text.lower()))
                best = max(docs, key=lambda d: (len(words & self._words[d]), -docs.index(d)))
                return [best]
        return []

    def without_names(self, text: str) -> str:
        """The text with the documents' names blanked: "GenAI profile" names a document, it
        does not ask about generative AI."""
        for pattern, _ in self._aliases:
            text = pattern.sub(lambda m: " " * len(m.group(0)), text)
        return text

    def run(self, text: str, expand_from: str | None = None) -> Analysis:
        """``expand_from``: the wording the thesaurus reads, when the caller has taken out
        words that should not widen the search (who the asker is); default ``text``."""
        quotes = tuple(
            q.strip() for pair in _QUOTED.findall(text) for q in pair if q and len(loose_form(q).split()) >= 3
        )
        definition = bool(_DEFINITION.search(text))
        terms, quoted = definition_terms(text) if definition else ((), True)
        docs = tuple(self.docs_named(text))
        return Analysis(
            docs=docs,
            pages=tuple(dict.fromkeys(int(a or b) for a, b in _PAGE.findall(text))),
            # "The 56th page" counts the file's pages, as "page 56 of the PDF" does.
            physical=bool(_PDF_WORDS.search(text)) or any(b for _, b in _PAGE.findall(text)),
            quotes=quotes,
            definition=definition,
            hinted=tuple(dict.fromkeys(d for p, d in self._hints if p.search(text))),
            terms=terms,
            terms_quoted=quoted,
            captions=tuple(dict.fromkeys(f"{k.title()} {n}" for k, n in _CAPTION.findall(text))),
            expansions=(
                self.thesaurus.expand(self.without_names(text if expand_from is None else expand_from))
                if self.thesaurus
                else ()
            ),
            not_indexed=tuple(self.not_indexed(text, docs)),
        )
