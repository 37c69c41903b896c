"""Cut a document's cleaned pages into section-aware passages that fit the embedder.

Passages are built from whole sentences (or list items) and never cross a section heading.
Each passage's text is literally a slice of its page's cleaned text (two slices when it runs
over a page break), so its page numbers and offsets are where the text was read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.types import Chunk, Page, Span
from ingest.identifiers import find_identifiers, own_identifier, task_items
from ingest.sections import SectionIndex

MAX_TOKENS = 256  # the embedder's window, [CLS] and [SEP] included

_ABBREV = {
    "e.g",
    "i.e",
    "etc",
    "et al",
    "al",
    "fig",
    "no",
    "vol",
    "u.s",
    "dr",
    "mr",
    "ms",
    "vs",
    "cf",
    "inc",
    "ltd",
    "co",
    "sec",
    "pp",
    "ed",
    "eds",
    "approx",
    "st",
    "jan",
    "feb",
}
_BLOCK_START = re.compile(
    r"^(?:[•▪◦●\-–o]\s|\d{1,2}[.)]\s|[a-z][.)]\s|[RCN]\d{1,2}:|(?:GV|MP|MS|MG)-\d|"
    r"(?:PO|PS|PW|RV)\.\d|Practice \d|Objective \d|AI Actor Tasks:)"
)
_SENT_END = re.compile(r"[.!?][\"”’)\]]*(?:\d{1,3})?\s+(?=[\"“(\[]?[A-Z0-9•])")


@dataclass(frozen=True)
class Unit:
    page: int
    start: int
    end: int


# A line that stops mid-phrase: a comma, or a word that cannot end a sentence.
_OPEN_END = re.compile(r"(?:,|\b(?:and|or|of|the|to|in|for|with|on|by|a|an|as|that|from|into))$")


def _blocks(page: Page, cuts: set[int]) -> list[tuple[int, int]]:
    """Line groups: a new block at blank lines, bullets/list items and heading starts."""
    blocks: list[tuple[int, int]] = []
    text = page.text
    pos = 0
    cur_start: int | None = None
    cur_end = 0
    after_heading = False
    previous = ""
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        if not stripped:
            if cur_start is not None:
                blocks.append((cur_start, cur_end))
                cur_start = None
            continue
        lead = start + len(line) - len(line.lstrip())
        # A heading wrapped onto a line that starts in lower case ("…, procedures, and" /
        # "practices.") goes on: the statement is one sentence.
        wrapped = after_heading and stripped[:1].islower() and bool(_OPEN_END.search(previous))
        if cur_start is not None and (
            lead in cuts or (after_heading and not wrapped) or _BLOCK_START.match(stripped)
        ):
            blocks.append((cur_start, cur_end))
            cur_start = None
        if cur_start is None:
            cur_start = lead
        cur_end = end
        # A heading is a block of its own: "About" must not run into the sentence below it.
        after_heading = lead in cuts or (wrapped and not stripped.endswith((".", ":")))
        previous = stripped
    if cur_start is not None:
        blocks.append((cur_start, cur_end))
    return blocks


def _is_abbrev(text: str, dot: int) -> bool:
    m = re.search(r"([A-Za-z][A-Za-z.]{0,6})$", text[:dot])
    return m is not None and m.group(1).lower().rstrip(".") in _ABBREV


def sentence_units(page: Page, cuts: set[int] | None = None) -> list[Unit]:
    """Sentences and list items of a page, as offsets into its cleaned text."""
    units: list[Unit] = []
    text = page.text
    for b_start, b_end in _blocks(page, cuts or set()):
        s = b_start
        for m in _SENT_END.finditer(text, b_start, b_end):
            if _is_abbrev(text, m.start()):
                continue
            end = m.end()
            piece_end = len(text[:end].rstrip())
            if piece_end > s:
                units.append(Unit(page.page, s, piece_end))
            s = end
        if b_end > s and text[s:b_end].strip():
            units.append(Unit(page.page, s, b_end))
    return units


def _inside(section: str, parent: str) -> bool:
    return section == parent or section.startswith(parent + " > ") or not parent


def section_tail(section: str, levels: int = 2) -> str:
    """The last levels of a section path: enough context for a passage, few tokens."""
    parts = [p for p in section.split(" > ") if p]
    return " > ".join(parts[-levels:])


def context_text(title: str, section: str, text: str) -> str:
    """What the embedder and BM25 see for a passage: where it is, then what it says."""
    head = " | ".join(x for x in (title, section_tail(section)) if x)
    return f"{head}\n{text}" if head else text


def _split_long(unit: Unit, page_text: str, budget: int, count: Callable[[str], int]) -> list[Unit]:
    """A sentence or table row longer than the window: cut at word boundaries."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", page_text[unit.start : unit.end])]
    out: list[Unit] = []
    i = 0
    while i < len(words):
        j = i + 1
        lo, hi = i + 1, len(words)
        while lo <= hi:  # largest j whose slice fits
            mid = (lo + hi) // 2
            if count(page_text[unit.start + words[i][0] : unit.start + words[mid - 1][1]]) <= budget:
                j, lo = mid, mid + 1
            else:
                hi = mid - 1
        out.append(Unit(unit.page, unit.start + words[i][0], unit.start + words[j - 1][1]))
        i = j
    return out


_REF_SECTION = re.compile(
    r"\b(references|bibliography|endnotes|works cited|notes)\b"
    r"|^(?!(?:human|compute|computing|computational|natural)\s+resources$)(?:[\w&,-]+\s+){0,4}resources$",
    re.IGNORECASE,
)
_REF_PART = re.compile(r"^(references|bibliography|endnotes|works cited|notes)$", re.IGNORECASE)
_CITATION_MARK = re.compile(r"\((?:19|20)\d{2}[a-z]?\)|\bet al\.|https?://|\bdoi\b|\bpp\.|\bvol\.", re.I)


def passage_kind(section: str, text: str, questions: int = 0, units: int = 1) -> str:
    """ "references" for bibliographies, endnotes and lists of further resources (cited
    works, under a "References" heading at any depth: the Playbook files its reading lists
    under topic sub-headings), "questions" for lists of questions to ask oneself: neither
    states guidance, so both rank below plain text; both stay searchable.
    """
    parts = [p.strip() for p in section.split(" > ")] if section else [""]
    marks = len(_CITATION_MARK.findall(text))
    words = max(1, len(text.split()))
    if _REF_SECTION.search(parts[-1]) or any(_REF_PART.match(p) for p in parts) or marks * 25 >= words:
        return "references"
    if units and questions * 2 >= units:
        return "questions"
    return "text"


def chunk_id(doc: str, spans: Sequence[Span]) -> str:
    first = spans[0]
    digest = hashlib.sha1(f"{doc}:{spans}".encode()).hexdigest()[:8]
    return f"{doc}:p{first.page}:{first.start}:{digest}"


def make_chunk(doc: str, pages: dict[int, Page], units: Sequence[Unit], section: str) -> Chunk:
    spans: list[Span] = []
    for u in units:
        if spans and spans[-1].page == u.page:
            spans[-1] = Span(u.page, spans[-1].start, u.end)
        else:
            spans.append(Span(u.page, u.start, u.end))
    text = Chunk.SPAN_JOIN.join(pages[s.page].text[s.start : s.end] for s in spans)
    idents = find_identifiers(text)
    own = own_identifier(section)
    sec_ids = [own] if own else []
    ids = list(dict.fromkeys(sec_ids + idents + task_items(own, text)))
    asked = sum(1 for u in units if pages[u.page].text[u.start : u.end].rstrip().endswith("?"))
    return Chunk(
        kind=passage_kind(section, text, asked, len(units)),
        id=chunk_id(doc, spans),
        doc=doc,
        text=text,
        spans=tuple(spans),
        section=section,
        identifiers=tuple(ids),
        labels=tuple(pages[s.page].label for s in spans),
        sentences=tuple(Span(u.page, u.start, u.end) for u in units),
    )


def chunk_document(
    doc: str,
    title: str,
    pages: Sequence[Page],
    sections: SectionIndex,
    count: Callable[[str], int],
    max_tokens: int = 200,
    min_tokens: int = 24,
) -> list[Chunk]:
    """Greedy packing of sentence units into passages of at most ``max_tokens`` tokens.

    ``max_tokens`` counts the whole embedder input (title and section context included),
    so no passage is silently truncated by the 256-token window.
    """
    if max_tokens > MAX_TOKENS - 2:
        raise ValueError(f"max_tokens {max_tokens} exceeds the embedder window {MAX_TOKENS - 2}")
    by_page = {p.page: p for p in pages}
    cuts: dict[int, set[int]] = {}
    for page_no, offset in sections.boundaries():
        cuts.setdefault(page_no, set()).add(offset)
    # Units in reading order, grouped by the section in force at their start.
    segments: list[tuple[str, list[Unit]]] = []
    for page in pages:
        for u in sentence_units(page, cuts.get(page.page)):
            sec = sections.at(u.page, u.start)
            if not segments or segments[-1][0] != sec or u.start in cuts.get(u.page, set()):
                segments.append((sec, []))
            segments[-1][1].append(u)
    # A heading with next to nothing under it ("Govern", "About") joins the segment that
    # follows when that segment is inside it; never a sibling, whose label it would take.
    merged: list[tuple[str, list[Unit]]] = []
    carry: tuple[str, list[Unit]] | None = None
    for sec, units in segments:
        if carry is not None:
            if _inside(sec, carry[0]):
                units = carry[1] + units
            else:
                merged.append(carry)
            carry = None
        size = sum(count(by_page[u.page].text[u.start : u.end]) for u in units)
        if size < min_tokens:
            carry = (sec, units)
            continue
        merged.append((sec, units))
    if carry is not None:
        merged.append(carry)

    chunks: list[Chunk] = []
    for sec, units in merged:
        budget = max_tokens - count(context_text(title, sec, "")) - 1
        if budget < 32:
            raise ValueError(f"{doc}: section context leaves no room for text: {sec!r}")
        group: list[Unit] = []
        size = 0
        for u in units:
            n = count(by_page[u.page].text[u.start : u.end])
            pieces = [u] if n <= budget else _split_long(u, by_page[u.page].text, budget, count)
            for piece in pieces:
                m = n if piece is u else count(by_page[piece.page].text[piece.start : piece.end])
                if group and size + m > budget:
                    chunks.append(make_chunk(doc, by_page, group, sec))
                    group, size = [], 0
                group.append(piece)
                size += m
        if group:
            chunks.append(make_chunk(doc, by_page, group, sec))
    return chunks
