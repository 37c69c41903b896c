"""One reading of a question, made once and passed down.

Who asks, the question without that, the documents it names (indexed or not), identifiers
and pages, the specifics it hinges on, and the form of answer it wants: retrieval, the
answer's form, its document scope and abstention all read this one object instead of
re-reading the question text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from corpus.roles import Taxonomy
from index.analyze import Analysis, QueryAnalyzer
from ingest.identifiers import find_identifiers
from qa.evidence import (
    asks_for_actions,
    asks_penalty,
    asks_quantity,
    specific_unknowns,
    unknown_instruments,
    unknown_names,
)

Form = Literal[
    "lookup", "definition", "enumeration", "actions", "comparison", "which_document", "yes_no", "fact"
]

_COMPARE = re.compile(
    r"\b(?:compare[sd]?|comparison|versus|vs\.?|differ(?:s|ent|ence|ences)?|both|same as|similar(?:ly)?|"
    r"contrast|whereas|each of)\b",
    re.IGNORECASE,
)
_WHICH_DOC = re.compile(
    r"\b(?:which|what) (?:nist )?(?:document|publication|guidance|guide|report|profile|framework)s?\b"
    r"(?! (?:says|say) about)|\bwhere (?:in the (?:documents|guidance)|can i find|is it (?:said|written))\b",
    re.IGNORECASE,
)
_ENUM = re.compile(
    r"\b(?:list|enumerate|name)\b(?! of the)|"
    r"\bwhat (?:are|were) (?:the|its|their)\s+(?:\w+\s+){0,2}?(?:(?:two|three|four|five|six|seven|eight|nine|"
    r"ten|eleven|twelve|\d+)\s+)?(?:\w+[\s-]+){0,2}?(?:characteristics|categories|types|kinds|functions|"
    r"objectives|practices|risks|steps|elements|components|principles|areas|outcomes|tasks|"
    r"actions|factors|dimensions|challenges|stages|phases|roles|groups|properties|recommendations|"
    r"considerations|attributes|criteria|questions|examples)\b|"
    r"\bwhich (?:\w+\s+){0,2}?(?:risks|characteristics|categories|functions|objectives|practices|"
    r"factors|challenges|elements)\b|"
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})\s+(?:\w+[\s-]+){0,2}?"
    r"(?:characteristics|categories|types|kinds|functions|objectives|practices|risks|steps|elements|"
    r"components|principles|areas|outcomes|factors|dimensions|challenges|stages|phases|roles)\b",
    re.IGNORECASE,
)
_ACTIONS = re.compile(
    r"\b(?:responsibilit(?:y|ies)|obligations?|duties|what (?:are we|am i) (?:supposed|expected|required) to|"
    r"what do (?:we|i) (?:need|have) to|expected to do|checklist)\b",
    re.IGNORECASE,
)
_YES_NO = re.compile(
    r"^(?:does|do|did|is|are|was|were|can|could|should|must|will|would|has|have|may)\b", re.IGNORECASE
)
# "page 59", "p. 12", "the page numbered 47": a page asked for is no unknown name.
_PAGES = re.compile(
    r"\b(?:page|p\.|pg\.?)\s*(?:numbered\s+|number\s+|no\.\s*)?\d{1,4}\b|\b\d{1,4}(?:st|nd|rd|th)\s+page\b",
    re.IGNORECASE,
)
_SENTENCES = re.compile(r"[^.?!]+[?.!]*")
QUOTED_SENTENCE_WORDS = 5  # a quote this long is a passage looked up, not a term defined
# "Where does the framework say …", "which page / section …": the place is the answer.
_WHERE = re.compile(
    r"\bwhere\b(?: in\b|[^?]{0,80}?\b(?:say|says|said|mentions?|appears?|discuss(?:es)?|talks?|states?|"
    r"describes?|defines?|covers?|recommends?|suggests?|lists?|found|written)\b)|"
    r"\b(?:which|what) (?:page|section|part|appendix|subcategory)\b",
    re.IGNORECASE,
)


def _asked_sentence(text: str) -> str:
    """The sentence that asks: the last one ending in "?", else the whole text."""
    parts = [p.strip() for p in _SENTENCES.findall(text) if p.strip()]
    asked = [p for p in parts if p.endswith("?")]
    return asked[0] if asked else text.strip()


# Figures a question names in words or with a sign: "the four-fifths rule", "80%".
_FIGURE_WORDS = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten)-(?:halves|thirds?|fourths?|fifths?|sixths?|"
    r"tenths?)\b|\b\d{1,3}(?:\.\d+)?\s?%",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.-])\d[\d.-]*\d(?![\w-])|(?<![\w.-])\d(?![\w.-])")


def _numbers(text: str, identifiers: tuple[str, ...]) -> tuple[str, ...]:
    """Numbers a question names that are neither identifiers ("GOVERN 1.1"), pages, list
    counts ("the 12 risks") nor years: "42001" in "ISO/IEC 42001", "140-3" in "FIPS 140-3"."""
    blank = _PAGES.sub(" ", text)
    for ident in identifiers:
        blank = blank.replace(ident, " ")
    for m in re.finditer(r"\b(?:GOVERN|MAP|MEASURE|MANAGE)\s+\d+(?:\.\d+)?", blank, re.IGNORECASE):
        blank = blank.replace(m.group(0), " ")
    out = [n for n in _NUMBER.findall(blank) if len(n.replace(".", "").replace("-", "")) >= 3]
    out += [m.group(0) for m in _FIGURE_WORDS.finditer(blank)]
    return tuple(n for n in dict.fromkeys(out) if not re.fullmatch(r"(?:19|20)\d\d", n))


def asks_where(text: str, analysis: Analysis) -> bool:
    """Whether the place is (part of) the answer: "where does the framework say …", "which
    page …", a quoted passage looked up, a page of a named document. "Where do we fit in?"
    asks no place in the documents."""
    return (
        bool(_WHERE.search(_asked_sentence(text)))
        or any(len(q.split()) >= QUOTED_SENTENCE_WORDS for q in analysis.quotes)
        or bool(analysis.pages and (analysis.docs or analysis.hinted))
    )


def form_of(text: str, analysis: Analysis, identifiers: tuple[str, ...]) -> Form:
    """The form of answer the question asks for (see ``Form``), from its wording."""
    asked = _asked_sentence(text)
    passages = any(len(q.split()) >= QUOTED_SENTENCE_WORDS for q in analysis.quotes)
    if identifiers or (analysis.pages and (analysis.docs or analysis.hinted)) or passages:
        return "lookup"  # a quoted term ("what is a 'capability of concern'") is no lookup
    if len(analysis.docs) >= 2 and (_COMPARE.search(text) or len(analysis.docs) == 2):
        return "comparison"
    if _WHICH_DOC.search(asked):
        return "which_document"
    if analysis.definition and analysis.terms:
        return "definition"
    if _ENUM.search(asked):
        return "enumeration"
    if asks_for_actions(text) or _ACTIONS.search(text):
        return "actions"
    if _YES_NO.match(asked):
        return "yes_no"
    if analysis.definition:
        return "definition"
    return "fact"


@dataclass(frozen=True)
class Reading:
    """Everything the answer needs to know about the question, read once."""

    text: str
    focus: str  # the question without the asker's identity words
    role: str | None
    role_source: Literal["given", "detected", "none"]
    role_note: str
    analysis: Analysis  # documents named (and not indexed), pages, quotes, definition terms
    identifiers: tuple[str, ...]  # "GOVERN 1.2", "GV-1.3-007", "PW.1.1"
    form: Form
    wants_action: bool
    asks_quantity: bool  # a count, date, sum or ratio
    asks_penalty: bool  # fines, liability
    unknown_weight: int  # names and numbers no passage mentions, weighted (``specific_unknowns``)
    numbers: tuple[str, ...] = ()  # numbers it names besides identifiers and pages: "42001", "140-3"
    instruments: tuple[str, ...] = ()  # laws and standards by name no passage names ("Colorado AI Act")
    asks_where: bool = False  # the place is (part of) the answer: "where does it say …", "page 19"

    @property
    def not_indexed(self) -> tuple[str, ...]:
        return self.analysis.not_indexed


def read(
    text: str,
    taxonomy: Taxonomy,
    analyzer: QueryAnalyzer,
    vocab: set[str],
    role: str | None = None,
) -> Reading:
    """Read ``text`` once. ``role`` overrides detection; a role that is not one of the
    taxonomy's is a ``ValueError`` naming the field."""
    if role is not None:
        if role not in taxonomy.roles:
            raise ValueError(f"role: {role!r} is not one of {', '.join(taxonomy.roles)}")
        source: Literal["given", "detected", "none"] = "given"
        note = f"Answering for {taxonomy.roles[role].name} (the role you chose)."
    else:
        guess = taxonomy.detect(text)
        if guess is None:
            source, note = "none", ""
            if taxonomy.speaks_of_self(text):
                # "We …", "Hospital CISO here": someone asks for themselves in words that
                # name no role (or two equally): say so, so they can pick one.
                note = (
                    "No role recognised in how you describe yourself; answering for no particular "
                    "role. Choose one for passages addressed to it."
                )
        else:
            role, source = guess.role, "detected"
            note = (
                f"Answering for {taxonomy.roles[guess.role].name}, detected from “{guess.cue}”; "
                "choose a role to change this."
            )
    # The thesaurus reads the question without the asker's identity words: "we are a cloud
    # provider" says who asks, not what about.
    focus = taxonomy.without_identity(text)
    analysis = analyzer.run(text, expand_from=focus)
    identifiers = tuple(find_identifiers(text))
    # The documents' own names ("the GenAI Profile") and pages are no unknown names.
    unnamed = analyzer.without_names(text)
    unknown = unknown_names(_PAGES.sub(" ", unnamed), vocab)
    return Reading(
        text=text,
        focus=focus,
        role=role,
        role_source=source,
        role_note=note,
        analysis=analysis,
        identifiers=identifiers,
        form=form_of(text, analysis, identifiers),
        wants_action=asks_for_actions(text),
        asks_quantity=asks_quantity(text),
        asks_penalty=asks_penalty(text),
        unknown_weight=specific_unknowns(unknown),
        instruments=tuple(unknown_instruments(unknown)),
        numbers=_numbers(unnamed, identifiers),
        asks_where=asks_where(text, analysis),
    )
