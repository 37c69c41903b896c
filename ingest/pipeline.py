"""Parse many PDFs in parallel processes; a bad file is reported and skipped, never fatal."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from core.types import ParsedDocument
from ingest.parse import parse_pdf
from ingest.pdf import BadPdf


@dataclass(frozen=True)
class Source:
    """A PDF to ingest under a document id. ``problem``: why its file cannot be used at all
    (a checksum mismatch, a broken link, a folder): never parsed, reported as a failure, and
    its previously indexed version, if any, is kept."""

    doc: str
    title: str
    path: Path
    problem: str | None = None


@dataclass(frozen=True)
class Failure:
    source: Source
    reason: str

    def line(self) -> str:
        return f"{self.source.path}: {self.reason}"


def _parse(source: Source, max_tokens: int) -> ParsedDocument:
    return parse_pdf(source.path, source.doc, source.title, max_tokens=max_tokens)


def parse_many(
    sources: Sequence[Source],
    workers: int = 2,
    max_tokens: int = 200,
    on_done: Callable[[Source, ParsedDocument | None], None] | None = None,
) -> tuple[list[ParsedDocument], list[Failure]]:
    """Parse ``sources``; results come back in the order given, failures separately."""
    done: dict[str, ParsedDocument] = {}
    failures: list[Failure] = []

    def record(src: Source, fn: Callable[[], ParsedDocument]) -> None:
        try:
            doc = fn()
        except BadPdf as exc:
            failures.append(Failure(src, str(exc)))
            doc = None
        except Exception as exc:  # a parser bug must not sink the other files
            failures.append(Failure(src, f"could not be parsed ({type(exc).__name__}: {exc})"))
            doc = None
        if doc is not None:
            if not doc.chunks:
                failures.append(Failure(src, "no text passages found; is it a scanned PDF?"))
            else:
                done[src.doc] = doc
        if on_done:
            on_done(src, doc)

    if workers <= 1 or len(sources) <= 1:
        for src in sources:
            record(src, lambda src=src: _parse(src, max_tokens))  # type: ignore[misc]
    else:
        # spawn, not fork: a parent that already loaded torch must not be forked.
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(sources)), mp_context=ctx) as pool:
            futures = {pool.submit(_parse, src, max_tokens): src for src in sources}
            for fut in as_completed(futures):
                record(futures[fut], fut.result)
    return [done[s.doc] for s in sources if s.doc in done], failures
