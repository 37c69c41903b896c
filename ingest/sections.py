"""Section headings for a document: PDF bookmarks where present, else headings detected in text.

Bookmarks give the hierarchy but their page destinations are sometimes off; each bookmark
title is therefore located in the cleaned text of its page (or the next few pages) to get a
real position. Detected headings add what bookmarks lack (numbered sections, AI RMF
subcategories, AI 800-1 objectives and practices, SSDF tasks).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from core.text import collapse_ws
from core.types import Heading, Page
from ingest.clean import is_toc_page
from ingest.pdf import OutlineEntry

_PATTERNS: list[tuple[re.Pattern[str], int | None]] = [
    # "Appendix A: Glossary", "Appendix B. References"
    (re.compile(r"^Appendix [A-Z]\b[.:]?\s*\S.{0,100}$"), 1),
    # "IV. Roles and Responsibilities …" (roman part numbers)
    (re.compile(r"^(?:I|II|III|IV|V|VI|VII|VIII|IX|X)\.\s+[A-Z][^.]{2,110}$"), 1),
    # "1. Introduction", "1.2.1 Risk Measurement", "A.1.2. Organizational Governance"
    (re.compile(r"^(?:[A-Z]\.)?\d{1,2}(?:\.\d{1,2}){0,3}\.?\s+[A-Z][^\n]{1,70}$"), None),
    # "A. Overview" (lettered sub-parts)
    (re.compile(r"^[A-H]\.\s+[A-Z][A-Za-z ,&-]{2,60}$"), 2),
    # AI RMF functions alone on a line
    (re.compile(r"^(?:Govern|Map|Measure|Manage|GOVERN|MAP|MEASURE|MANAGE)$"), 1),
    # "GOVERN 1.5: Ongoing monitoring …", "MAP 1.1"
    (re.compile(r"^(?:GOVERN|MAP|MEASURE|MANAGE) \d{1,2}\.\d{1,2}\b:?.*$"), 3),
    # AI 800-1: "Objective 1: …", "Practice 1.1: …"
    (re.compile(r"^Objective \d{1,2}[:.]\s+\S.*$"), 2),
    (re.compile(r"^Practice \d{1,2}\.\d{1,2}[:.]\s+\S.*$"), 3),
    # SSDF tasks at the start of a table cell: "PO.3.3: Configure tools …"
    (re.compile(r"^(?:PO|PS|PW|RV)\.\d{1,2}\.\d{1,2}:\s.*$"), 4),
]
_NOT_HEADING_END = (".", ",", ";")
_SUBCATEGORY = re.compile(r"^(?:GOVERN|MAP|MEASURE|MANAGE) \d{1,2}\.\d{1,2}:\s")


def _level_of_number(line: str) -> int:
    token = line.split()[0].rstrip(".")
    return token.count(".") + 1


def _short_title(line: str) -> str:
    """Keep headings readable in a section path: identifier headings keep their id and a tail."""
    line = collapse_ws(line)
    return line if len(line) <= 90 else line[:87].rsplit(" ", 1)[0] + " …"


def _number(line: str) -> tuple[int, ...] | None:
    m = re.match(r"^(?:[A-Z]\.)?(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s", line)
    return tuple(int(x) for x in m.group(1).split(".")) if m else None


def _follows(prev: tuple[int, ...] | None, cur: tuple[int, ...]) -> bool:
    """Whether section number ``cur`` can come after ``prev`` (1 → 1.1 → 1.2 → 2 …)."""
    if prev is None:
        return cur[-1] in (0, 1) or len(cur) == 1
    if len(cur) == len(prev) + 1:
        return cur[:-1] == prev and cur[-1] in (0, 1)
    if len(cur) <= len(prev):
        return cur[:-1] == prev[: len(cur) - 1] and cur[-1] == prev[len(cur) - 1] + 1
    return False


def detect_headings(pages: Sequence[Page]) -> list[Heading]:
    """Headings found in the text by their shape; numbered ones must continue the numbering
    and must not sit in a run of numbered list items."""
    out: list[Heading] = []
    last_number: tuple[int, ...] | None = None
    for page in pages:
        if is_toc_page(page.text):
            continue
        lines = page.text.split("\n")
        starts, pos = [], 0
        for raw in lines:
            starts.append(pos)
            pos += len(raw) + 1
        content = [i for i, x in enumerate(lines) if x.strip()]
        for k, i in enumerate(content):
            line = lines[i].strip()
            # Long lines are sentences, except an AI RMF subcategory printed with its whole
            # statement ("GOVERN 1.2: The characteristics … and practices.").
            if len(line) > 130 and not (len(line) <= 300 and _SUBCATEGORY.match(line)):
                continue
            for pattern, level in _PATTERNS:
                if not pattern.match(line):
                    continue
                if level is None:  # numbered sections: short, no sentence punctuation
                    num = _number(line)
                    if num is None or line.endswith(_NOT_HEADING_END) or len(line.split()) > 12:
                        break
                    neighbours = [lines[content[j]].strip() for j in (k - 1, k + 1) if 0 <= j < len(content)]
                    if any(_number(x) is not None and len(_number(x) or ()) == len(num) for x in neighbours):
                        break  # an item of a numbered list, not a heading
                    if not _follows(last_number, num):
                        break
                    last_number = num
                    level = len(num)
                offset = starts[i] + len(lines[i]) - len(lines[i].lstrip())
                out.append(Heading(page.page, offset, level, _short_title(line)))
                break
    return out


def _locate(title: str, pages: Sequence[Page], start_page: int) -> tuple[int, int] | None:
    words = [re.escape(w) for w in title.split()]
    if not words:
        return None
    pattern = re.compile(r"\s+".join(words), re.IGNORECASE)
    for p in pages[start_page - 1 : start_page + 9]:
        if is_toc_page(p.text):
            continue
        m = pattern.search(p.text)
        if m:
            return p.page, m.start()
    return None


def outline_headings(outline: Sequence[OutlineEntry], pages: Sequence[Page]) -> list[Heading]:
    out: list[Heading] = []
    for e in outline:
        if not re.search(r"[A-Za-z]{2}", e.title) or e.title.lower().endswith(".pdf"):
            continue  # "1.", "6_measure.pdf": bookmark debris, not headings
        if e.page > len(pages):
            continue
        where = _locate(e.title, pages, e.page)
        page, offset = where if where else (e.page, 0)
        title = e.title
        if where and _BARE_ID.match(title):
            title = _with_statement(title, pages[page - 1].text, offset)
        out.append(Heading(page, offset, e.level, _short_title(title)))
    return out


_BARE_ID = re.compile(r"^(?:GOVERN|MAP|MEASURE|MANAGE) \d{1,2}\.\d{1,2}$|^(?:PO|PS|PW|RV)\.\d{1,2}\.\d{1,2}$")


def _with_statement(title: str, text: str, offset: int) -> str:
    """A heading that is only an identifier ("GOVERN 1.1") takes the statement printed under
    it as its title, so the section path says what the section is about."""
    end = text.find("\n", offset)
    if end < 0:
        return title
    nxt = text[end + 1 :].split("\n", 2)
    statement = " ".join(x.strip() for x in nxt[:2] if x.strip())
    statement = statement.split(". ")[0].rstrip(".")
    if not statement or statement.split()[0].rstrip(":") in ("About", "Suggested"):
        return title
    return f"{title}: {statement}"


def build_headings(outline: Sequence[OutlineEntry], pages: Sequence[Page]) -> list[Heading]:
    """Bookmarks plus detected headings, in reading order, without duplicates."""
    marks = outline_headings(outline, pages)
    seen = {(h.page, h.offset) for h in marks}
    titles = {(h.page, collapse_ws(h.title).lower()) for h in marks}
    detected = [
        h
        for h in detect_headings(pages)
        if (h.page, h.offset) not in seen
        and (h.page, collapse_ws(h.title).lower()) not in titles
        and not any(h.page == m.page and 0 <= m.offset - h.offset <= len(h.title) for m in marks)
    ]
    if marks:  # bookmark levels rule; detected headings nest below the deepest bookmark level
        depth = max(h.level for h in marks)
        detected = [
            Heading(h.page, h.offset, h.level + depth, h.title) if h.level <= depth else h for h in detected
        ]
    return sorted(marks + detected, key=lambda h: (h.page, h.offset, h.level))


class SectionIndex:
    """Answers "which section path is in force at (page, offset)?" for one document."""

    def __init__(self, headings: Sequence[Heading]):
        self._marks: list[tuple[tuple[int, int], str]] = []
        stack: list[Heading] = []
        for h in sorted(headings, key=lambda h: (h.page, h.offset, h.level)):
            while stack and stack[-1].level >= h.level:
                stack.pop()
            stack.append(h)
            self._marks.append(((h.page, h.offset), " > ".join(s.title for s in stack)))
        self._keys = [k for k, _ in self._marks]

    def at(self, page: int, offset: int) -> str:
        i = bisect.bisect_right(self._keys, (page, offset)) - 1
        return self._marks[i][1] if i >= 0 else ""

    def boundaries(self) -> list[tuple[int, int]]:
        return list(self._keys)
