"""Read a PDF with pypdf: raw text per physical page, printed page labels and bookmarks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import DependencyError, PdfReadError


class BadPdf(Exception):
    """A file that cannot be ingested; the message says why and what to do."""


@dataclass(frozen=True)
class OutlineEntry:
    level: int  # 1 = top
    title: str
    page: int  # physical, 1-based


@dataclass(frozen=True)
class RawDocument:
    pages: list[str]
    labels: list[str] | None  # from /PageLabels, only when the PDF defines them
    outline: list[OutlineEntry]
    title: str | None


def _walk_outline(reader: PdfReader, items: list[Any], level: int, out: list[OutlineEntry]) -> None:
    for item in items:
        if isinstance(item, list):
            _walk_outline(reader, item, level + 1, out)
            continue
        try:
            index = reader.get_destination_page_number(item)
        except Exception:  # broken destinations are common; a bookmark is only a hint
            index = None
        title = " ".join(str(getattr(item, "title", "") or "").split())
        if index is not None and index >= 0 and title:
            out.append(OutlineEntry(level, title, index + 1))


def read_pdf(path: Path) -> RawDocument:
    """Extract one PDF; raise ``BadPdf`` with a one-line reason for files we cannot use."""
    try:
        if path.stat().st_size == 0:
            raise BadPdf("empty file (0 bytes); download it again")
        with path.open("rb") as f:
            if f.read(5) != b"%PDF-":
                raise BadPdf("not a PDF (no %PDF header); replace it with the real PDF file")
    except OSError as exc:
        raise BadPdf(f"cannot read: {exc.strerror or exc}") from exc
    # pypdf logs every odd object at WARNING; those are noise for a user, not errors.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise BadPdf("encrypted with a password; save an unencrypted copy and ingest that")
        pages = [(p.extract_text() or "") for p in reader.pages]
    except BadPdf:
        raise
    except DependencyError as exc:  # AES without the `cryptography` package
        raise BadPdf(
            f"encrypted, and opening it needs a package that is missing ({exc}); reinstall airq"
        ) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise BadPdf(f"corrupt or unreadable PDF ({type(exc).__name__}: {exc}); re-download it") from exc
    if not pages:
        raise BadPdf("the PDF has no pages")
    if sum(len(p.strip()) for p in pages) < 40 * len(pages) * 0.2 + 1:
        raise BadPdf("no text layer (a scan?); run OCR on it first, e.g. ocrmypdf")
    labels: list[str] | None = None
    try:
        if "/PageLabels" in reader.root_object:
            labels = list(reader.page_labels)
    except Exception:
        labels = None
    outline: list[OutlineEntry] = []
    try:
        _walk_outline(reader, list(reader.outline), 1, outline)
    except Exception:
        outline = []
    title = None
    try:
        meta = reader.metadata
        title = str(meta.title).strip() if meta and meta.title else None
    except Exception:
        title = None
    return RawDocument(pages=pages, labels=labels, outline=outline, title=title)
