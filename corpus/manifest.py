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


LOCAL_NAME = "local-sources.toml"  # in the corpus folder: the user's own PDFs (``airq add``)


class _LocalEntry(BaseModel):
    """A document the user added: no official address, but its checksum, so a changed file
    is noticed like any other."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{2,80}$")
    title: str = Field(min_length=1, max_length=300)
    publisher: str = ""
    date: str = ""
    source: str = ""  # where it was added from, for the user's own reference
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(gt=0)
    pages: int | None = Field(None, gt=0)
    aliases: list[str] = []


def local_manifest_path(corpus_dir: Path | None = None) -> Path:
    if corpus_dir is None:
        from core.settings import get_settings

        corpus_dir = get_settings().corpus_dir
    return corpus_dir / LOCAL_NAME


def load_local(path: Path) -> list[DocumentInfo]:
    """The user's added documents (none when the file does not exist)."""
    return [
        DocumentInfo(
            id=e.id,
            title=e.title,
            publisher=e.publisher or "added with airq add",
            date=e.date,
            url="",
            sha256=e.sha256,
            bytes=e.bytes,
            pages=e.pages,
            aliases=tuple(e.aliases),
        )
        for e in _local_entries(path)
    ]


def load_manifest(path: Path = MANIFEST_PATH, local: Path | None = None) -> list[DocumentInfo]:
    """Parse and validate the manifest, then the documents the user added (``airq add``, in
    the corpus folder's ``local-sources.toml``); ids must be unique."""
    docs = _load_shipped(path)
    if path == MANIFEST_PATH or local is not None:
        docs += load_local(local or local_manifest_path())
    ids = [d.id for d in docs]
    dupes = sorted({x for x in ids if ids.count(x) > 1})
    if dupes:
        raise ManifestError(f"{path}: duplicate document id(s): {', '.join(dupes)}")
    return docs


def _load_shipped(path: Path) -> list[DocumentInfo]:
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
    if docs is None:
        docs = load_manifest(local=local_manifest_path(corpus_dir))
    return [check(d, corpus_dir) for d in docs]


def by_id(docs: list[DocumentInfo]) -> dict[str, DocumentInfo]:
    return {d.id: d for d in docs}


def add_local(
    pdf: Path, doc_id: str, title: str, corpus_dir: Path, pages: int | None, aliases: list[str]
) -> DocumentInfo:
    """Copy ``pdf`` into the corpus folder as ``<doc_id>.pdf`` and record it, with its
    checksum, in the folder's ``local-sources.toml``; both written whole or not at all."""
    import json
    import shutil
    import tempfile

    shipped = {d.id for d in _load_shipped(MANIFEST_PATH)}
    if doc_id in shipped:
        raise ManifestError(f"--id {doc_id}: a document of airq's manifest has this id; choose another")
    entry = _LocalEntry(
        id=doc_id,
        title=title,
        source=str(pdf.resolve()),
        sha256=sha256_file(pdf),
        bytes=pdf.stat().st_size,
        pages=pages,
        aliases=aliases,
    )
    corpus_dir.mkdir(parents=True, exist_ok=True)
    manifest = local_manifest_path(corpus_dir)
    kept = [d for d in _local_entries(manifest) if d.id != doc_id]
    target = doc_path(doc_id, corpus_dir)
    with tempfile.NamedTemporaryFile(dir=corpus_dir, suffix=".part", delete=False) as tmp:
        part = Path(tmp.name)
    try:
        shutil.copyfile(pdf, part)
        part.replace(target)
    finally:
        part.unlink(missing_ok=True)

    def toml(e: _LocalEntry) -> str:
        lines = ["[[document]]"]
        for key, value in e.model_dump(exclude_none=True).items():
            if value in ("", []):
                continue
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        return "\n".join(lines)

    body = "# Documents added with `airq add` (airq writes this file; ids and checksums are checked).\n\n"
    body += "\n\n".join(toml(e) for e in [*kept, entry]) + "\n"
    tmp_manifest = manifest.with_name(manifest.name + ".tmp")
    tmp_manifest.write_text(body, encoding="utf-8")
    tmp_manifest.replace(manifest)
    return next(d for d in load_local(manifest) if d.id == doc_id)


def _local_entries(path: Path) -> list[_LocalEntry]:
    if not path.is_file():
        return []
    _, raw = read_toml(path, "the added documents", ManifestError)
    return entries(raw, "document", _LocalEntry, path, ManifestError, label="document")
