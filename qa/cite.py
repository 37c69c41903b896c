"""Citation lookup: "GOVERN 1.2", "nist-ai-600-1 p.35", or an exact sentence → where it is."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from pydantic import BaseModel

from core.text import loose_form
from core.types import Chunk
from index.retrieve import Query, Retriever
from ingest.identifiers import normalise, own_identifier


class CiteMatch(BaseModel):
    doc: str
    title: str
    page: int
    page_label: str
    section: str
    text: str


class CiteResult(BaseModel):
    query: str
    kind: str  # identifier | page | quote | nearest
    matches: list[CiteMatch]
    note: str = ""


@dataclass
class Citer:
    retriever: Retriever

    def _matches(self, chunks: list[Chunk]) -> list[CiteMatch]:
        """One match per page a passage lies on, so the text shown is on the page named."""
        cat = self.retriever.catalog
        out = []
        for c in chunks:
            for s in c.spans:
                page = cat.pages[(c.doc, s.page)]
                out.append(
                    CiteMatch(
                        doc=c.doc,
                        title=cat.title(c.doc),
                        page=s.page,
                        page_label=page.label,
                        section=c.section,
                        text=page.text[s.start : s.end],
                    )
                )
        return out

    def _section_at(self, doc: str, page: int, offset: int) -> str:
        chunks = sorted(
            (c for c in self.retriever.catalog.chunks.values() if c.doc == doc and page in c.pages),
            key=lambda c: next(s.start for s in c.spans if s.page == page),
        )
        starts = [next(s.start for s in c.spans if s.page == page) for c in chunks]
        i = bisect.bisect_right(starts, offset) - 1
        return chunks[max(i, 0)].section if chunks else ""

    def run(self, query: str, limit: int = 5) -> CiteResult:
        q = query.strip()
        if not q:
            raise ValueError("query: empty; give an identifier, a page or a sentence")
        cat = self.retriever.catalog
        ident = normalise(q)
        if ident:
            chunks = [c for c in cat.chunks.values() if own_identifier(c.section) == ident]
            note = ""
            if not chunks:
                chunks = [c for c in cat.chunks.values() if ident in c.identifiers]
                note = f"no section is headed {ident}; passages that mention it"
            chunks.sort(key=lambda c: (c.doc, c.page, c.spans[0].start))
            return CiteResult(query=q, kind="identifier", matches=self._matches(chunks[:limit]), note=note)

        a = self.retriever.analyzer.run(q)
        if a.pages and a.docs and len(q) < 120:
            out = []
            for doc in a.docs:
                for n in a.pages:
                    labelled = [p for (d, _), p in cat.pages.items() if d == doc and p.label == str(n)]
                    physical = cat.pages.get((doc, n))
                    order = (
                        ([physical] if physical else []) + labelled
                        if a.physical
                        else labelled + ([physical] if physical else [])
                    )
                    for p in order[:1]:
                        out.append(
                            CiteMatch(
                                doc=doc,
                                title=cat.title(doc),
                                page=p.page,
                                page_label=p.label,
                                section=self._section_at(doc, p.page, 0),
                                text=p.text,
                            )
                        )
            note = "" if out else "no such page in the named document"
            return CiteResult(query=q, kind="page", matches=out, note=note)

        needle = loose_form(q.strip("\"“”'‘’"))
        if len(needle.split()) >= 4:
            out = []
            for (doc, page), p in sorted(cat.pages.items()):
                hay = loose_form(p.text)
                if needle in hay:
                    offset = _approx_offset(p.text, q.strip("\"“”'‘’"))
                    out.append(
                        CiteMatch(
                            doc=doc,
                            title=cat.title(doc),
                            page=page,
                            page_label=p.label,
                            section=self._section_at(doc, page, offset),
                            text=_context(p.text, offset),
                        )
                    )
            if out:
                return CiteResult(query=q, kind="quote", matches=out[:limit])
        hits = self.retriever.run(Query(q, k=min(limit, 3)))
        return CiteResult(
            query=q,
            kind="nearest",
            matches=self._matches([h.chunk for h in hits]),
            note="no exact match; the nearest passages",
        )


def _approx_offset(text: str, phrase: str) -> int:
    words = phrase.split()[:4]
    m = re.search(r"\W+".join(re.escape(w) for w in words), text, re.IGNORECASE)
    return m.start() if m else 0


def _context(text: str, offset: int, width: int = 600) -> str:
    start = max(0, text.rfind("\n", 0, max(0, offset - 200)) + 1)
    return text[start : start + width]
