"""The files of one index build: manifest, passages and page texts (JSON Lines).

Pages are kept so that every quote can be checked against the page it came from, and so
that ``cite`` can show a page without opening the PDF again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.types import Chunk, Heading, Page, ParsedDocument, Span

MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
PAGES = "pages.jsonl"
HEADINGS = "headings.jsonl"


def chunk_to_json(c: Chunk) -> dict[str, Any]:
    return {
        "id": c.id,
        "doc": c.doc,
        "text": c.text,
        "section": c.section,
        "spans": [[s.page, s.start, s.end] for s in c.spans],
        "identifiers": list(c.identifiers),
        "labels": list(c.labels),
        "kind": c.kind,
        "sentences": [[s.page, s.start, s.end] for s in c.sentences],
        "roles": list(c.roles),
        "areas": list(c.areas),
    }


def chunk_from_json(d: dict[str, Any]) -> Chunk:
    return Chunk(
        id=d["id"],
        doc=d["doc"],
        text=d["text"],
        section=d["section"],
        spans=tuple(Span(*s) for s in d["spans"]),
        identifiers=tuple(d["identifiers"]),
        labels=tuple(d["labels"]),
        kind=d.get("kind", "text"),
        sentences=tuple(Span(*s) for s in d.get("sentences", [])),
        roles=tuple(d.get("roles", [])),
        areas=tuple(d.get("areas", [])),
    )


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_documents(folder: Path, docs: Iterable[ParsedDocument]) -> None:
    docs = list(docs)
    _write_jsonl(folder / CHUNKS, (chunk_to_json(c) for d in docs for c in d.chunks))
    _write_jsonl(
        folder / PAGES,
        ({"doc": p.doc, "page": p.page, "label": p.label, "text": p.text} for d in docs for p in d.pages),
    )
    _write_jsonl(
        folder / HEADINGS,
        (
            {"doc": d.doc, "page": h.page, "offset": h.offset, "level": h.level, "title": h.title}
            for d in docs
            for h in d.headings
        ),
    )


@dataclass
class Catalog:
    """Everything of a build except the vectors, loaded in memory (a few MB for this corpus)."""

    folder: Path
    manifest: dict[str, Any]
    chunks: dict[str, Chunk] = field(default_factory=dict)
    pages: dict[tuple[str, int], Page] = field(default_factory=dict)
    headings: dict[str, list[Heading]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> Catalog:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        cat = cls(folder, manifest)
        for row in _read_jsonl(folder / CHUNKS):
            c = chunk_from_json(row)
            cat.chunks[c.id] = c
        for row in _read_jsonl(folder / PAGES):
            cat.pages[(row["doc"], row["page"])] = Page(row["doc"], row["page"], row["label"], row["text"])
        for row in _read_jsonl(folder / HEADINGS):
            cat.headings.setdefault(row["doc"], []).append(
                Heading(row["page"], row["offset"], row["level"], row["title"])
            )
        return cat

    def document(self, doc: str) -> ParsedDocument:
        """Rebuild one document's parse from this build (re-ingest reuses unchanged ones)."""
        info = self.manifest["docs"][doc]
        pages = tuple(sorted((p for (d, _), p in self.pages.items() if d == doc), key=lambda p: p.page))
        chunks = tuple(c for c in self.chunks.values() if c.doc == doc)
        return ParsedDocument(doc, info["sha256"], pages, tuple(self.headings.get(doc, [])), chunks)

    def title(self, doc: str) -> str:
        return str(self.manifest["docs"].get(doc, {}).get("title", doc))

    @property
    def doc_ids(self) -> list[str]:
        return list(self.manifest["docs"])

    def unknown(self, docs: Iterable[str]) -> list[str]:
        """The ids among ``docs`` this build does not hold: the caller's mistake, which the
        CLI and the API each report their own way."""
        return [d for d in docs if d not in self.manifest["docs"]]
