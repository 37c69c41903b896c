"""Read ``sources.toml`` and tell, per document, whether a usable file is on disk."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from core.types import DocumentInfo
from corpus.tomlfile import entries, read_toml

MANIFEST_PATH = Path(__file__).with_name("sources.toml")


class ManifestError(ValueError):
    """The manifest file is unreadable or an entry is malformed (message names the field)."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{2,80}$")
    title: str
    publisher: str
    date: str
    url: str = Field(pattern=r"^https?://")
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    bytes: int | None = Field(None, gt=0)
    pages: int | None = Field(None, gt=0)
    landing: str | None = None
    alt_urls: list[str] = []
    aliases: list[str] = []
    hints: list[str] = []


def load_manifest(path: Path = MANIFEST_PATH) -> list[DocumentInfo]:
    """Parse and validate the manifest; ids must be unique."""
    _, raw = read_toml(path, "manifest", ManifestError)
    docs: list[DocumentInfo] = []
    for e in entries(raw, "document", _Entry, path, ManifestError, label="document"):
        docs.append(
            DocumentInfo(
                id=e.id,
                title=e.title,
                publisher=e.publisher,
                date=e.date,
                url=e.url,
                sha256=e.sha256,
                bytes=e.bytes,
                pages=e.pages,
                landing=e.landing,
                alt_urls=tuple(e.alt_urls),
                aliases=tuple(e.aliases),
                hints=tuple(e.hints),
            )
        )
    ids = [d.id for d in docs]
    dupes = sorted({x for x in ids if ids.count(x) > 1})
    if dupes:
        raise ManifestError(f"{path}: duplicate document id(s): {', '.join(dupes)}")
    return docs


class State(StrEnum):
    PRESENT = "present"
    UNVERIFIED = "present (no checksum recorded)"
    MISSING = "missing"
    MISMATCH = "checksum mismatch"


@dataclass(frozen=True)
class DocState:
    doc: DocumentInfo
    state: State
    path: Path | None
    sha256: str | None = None

    @property
    def usable(self) -> bool:
        return self.state in (State.PRESENT, State.UNVERIFIED)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def doc_path(doc_id: str, corpus_dir: Path) -> Path:
    return corpus_dir / f"{doc_id}.pdf"


def check(doc: DocumentInfo, corpus_dir: Path) -> DocState:
    """State of one document's file: a wrong checksum is never treated as usable."""
    path = doc_path(doc.id, corpus_dir)
    if not path.is_file():
        return DocState(doc, State.MISSING, None)
    digest = sha256_file(path)
    if doc.sha256 is None:
        return DocState(doc, State.UNVERIFIED, path, digest)
    if digest != doc.sha256:
        return DocState(doc, State.MISMATCH, path, digest)
    return DocState(doc, State.PRESENT, path, digest)


def survey(corpus_dir: Path, docs: list[DocumentInfo] | None = None) -> list[DocState]:
    return [check(d, corpus_dir) for d in (docs if docs is not None else load_manifest())]


def by_id(docs: list[DocumentInfo]) -> dict[str, DocumentInfo]:
    return {d.id: d for d in docs}
