"""One PDF → ``ParsedDocument`` (cleaned pages with labels, headings, chunks)."""

from __future__ import annotations

from pathlib import Path

from core.types import Page, ParsedDocument
from corpus.manifest import sha256_file
from corpus.roles import load_taxonomy
from ingest.chunk import chunk_document
from ingest.clean import clean_document, resolve_labels
from ingest.pdf import read_pdf
from ingest.roles import RoleTagger
from ingest.sections import SectionIndex, build_headings
from ingest.tokens import TokenCounter

PIPELINE_VERSION = "9"  # bump when parsing/cleaning/chunking changes: forces a re-parse


def page_labels(count: int, pdf_labels: list[str] | None, printed: list[str | None]) -> list[str]:
    """Printed page labels: the PDF's own /PageLabels, else numbers read off the pages.

    A page with no number printed on it gets its physical number, as a PDF viewer shows it.
    """
    if pdf_labels and len(pdf_labels) == count:
        return pdf_labels
    found = resolve_labels(count, printed)
    return [f or str(i) for i, f in enumerate(found, start=1)]


def parse_pdf(
    path: Path, doc_id: str, title: str, max_tokens: int = 200, model_dir: Path | None = None
) -> ParsedDocument:
    raw = read_pdf(path)
    cleaned = clean_document(raw.pages)
    labels = page_labels(len(raw.pages), raw.labels, [c.printed for c in cleaned])
    pages = tuple(
        Page(doc=doc_id, page=i, label=labels[i - 1], text=c.text) for i, c in enumerate(cleaned, start=1)
    )
    headings = tuple(build_headings(raw.outline, pages))
    counter = TokenCounter(model_dir)
    chunks = chunk_document(
        doc_id, title, pages, SectionIndex(headings), counter.count, max_tokens=max_tokens
    )
    chunks = RoleTagger(load_taxonomy()).run(doc_id, chunks)
    return ParsedDocument(
        doc=doc_id, sha256=sha256_file(path), pages=pages, headings=headings, chunks=tuple(chunks)
    )
