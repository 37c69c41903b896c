"""Contracts between stages.

Frozen dataclasses travel inside the pipeline; the pydantic models at the bottom are the
public JSON answer schema that other tools read, so their field names are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True, slots=True)
class Page:
    """One physical page's cleaned text; every offset and quote refers to this text."""

    doc: str
    page: int  # physical, 1-based
    label: str  # printed page label
    text: str


@dataclass(frozen=True, slots=True)
class Span:
    """A run of a chunk: characters ``[start, end)`` of one page's cleaned text."""

    page: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Heading:
    """A section heading found on a page, at an offset into that page's cleaned text."""

    page: int
    offset: int
    level: int
    title: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """A retrievable passage.

    ``text`` is the spans' page texts joined by ``SPAN_JOIN``; when the passage runs over a
    page break the spans name both pages, and ``break_at`` is where the second page starts
    inside ``text``. Page numbers come from the spans, i.e. from where the text was read.
    """

    id: str
    doc: str
    text: str
    spans: tuple[Span, ...]
    section: str = ""
    identifiers: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    kind: str = "text"  # "text", or "references" for bibliographies and endnotes
    sentences: tuple[Span, ...] = ()  # sentence / list-item units, each inside one span
    roles: tuple[str, ...] = ()  # role ids the passage addresses (corpus/roles.toml)
    areas: tuple[str, ...] = ()  # responsibility areas it concerns

    SPAN_JOIN = "\n"

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(s.page for s in self.spans))

    @property
    def page(self) -> int:
        return self.spans[0].page

    @property
    def break_at(self) -> int | None:
        if len(self.spans) < 2:
            return None
        return self.spans[0].end - self.spans[0].start + len(self.SPAN_JOIN)


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the manifest says of one source document."""

    id: str
    title: str
    publisher: str
    date: str
    url: str
    sha256: str | None = None
    bytes: int | None = None
    pages: int | None = None
    landing: str | None = None
    alt_urls: tuple[str, ...] = field(default=())
    aliases: tuple[str, ...] = field(default=())  # how users name it: "AI RMF", "SSDF"
    hints: tuple[str, ...] = field(default=())  # how users allude to it: "the framework", "the draft"


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """Ingest's output for one PDF: its pages, headings and chunks."""

    doc: str
    sha256: str
    pages: tuple[Page, ...]
    headings: tuple[Heading, ...]
    chunks: tuple[Chunk, ...]


class Citation(BaseModel):
    """One numbered source of an answer; shown only when ``verified``."""

    model_config = ConfigDict(frozen=True)

    n: int = Field(description="The marker number used in the answer text, [n].")
    doc: str
    title: str
    page: int = Field(description="Physical page, 1-based.")
    page_end: int | None = Field(
        None, description="Physical page where the quote ends, when it runs over a page break."
    )
    page_label: str = Field(description="The page number printed on the page.")
    section: str
    quote: str = Field(description="The exact sentence(s) used, as on the page.")
    verified: bool
    score: float


Verdict = Literal["supported", "partly", "not_found"]


class CheckedSentence(BaseModel):
    """One sentence of a checked text and what the documents say to it (fixed schema)."""

    sentence: str
    verdict: Verdict = Field(
        description="supported: a verified quote says it, specifics and all; partly: a close "
        "statement lacks some of its specifics (see unmatched); not_found: nothing close says it."
    )
    citations: list[Citation] = Field(default_factory=list, description="The evidence, verified on its page.")
    unmatched: list[str] = Field(
        default_factory=list,
        description="The sentence's specifics the evidence lacks: 'number: 15', 'obligation: …', "
        "'document: …', 'negation: …', 'name: …', 'who: …', 'wording: …'.",
    )


class Answer(BaseModel):
    """The JSON answer schema (fixed: other tools read it)."""

    id: str | None = None
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    timings_ms: dict[str, float]
    role: str | None = Field(None, description="The asker's role the answer was written for.")
    role_source: Literal["given", "detected", "none"] = Field(
        "none", description="given (asked for), detected (from the question's wording), none."
    )
    role_note: str = Field("", description="Which role was assumed, why, and how to change it.")
    searched_also: list[str] = Field(
        default_factory=list,
        description="The documents' own terms the search added for the question's plain words, "
        "as 'term (for “words”)'.",
    )
    form: str | None = Field(
        None,
        description="The form of answer given: lookup, definition, enumeration, actions, comparison, "
        "which_document, yes_no or fact.",
    )
    not_indexed: list[str] = Field(
        default_factory=list,
        description="Documents the question asks about that the manifest knows but this index lacks; "
        "the answer then abstains and says how to add them.",
    )
    mode: Literal["extractive", "generated"] = Field(
        "extractive",
        description="extractive: the documents' own sentences; generated: written by the model "
        "AIRQ_LLM_URL serves, every sentence checked against the statements it cites.",
    )
    model: str | None = Field(None, description="The model that wrote a generated answer.")
    claims: list[CheckedSentence] = Field(
        default_factory=list,
        description="Generated mode: every sentence the model wrote, with its verdict against what "
        "it cited; only supported ones are in 'answer'.",
    )
    mode_note: str = Field("", description="Why a generated answer fell back to the extractive one.")


class CheckReport(BaseModel):
    sentences: list[CheckedSentence]
    summary: str = Field(description="'14 supported, 3 partly, 5 not found'.")
    counts: dict[str, int]
    timings_ms: dict[str, float] = Field(default_factory=dict)
