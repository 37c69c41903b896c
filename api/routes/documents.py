"""The indexed documents: metadata, cleaned page text, and the PDF itself.

Only ids the index knows are looked up, and a PDF is served only when its checksum is the
one that was indexed: a page number the answer cites must be that page of that file. The
file is served only from inside the corpus folder: a symlink there that leads elsewhere is
refused, so a link dropped into the folder cannot publish the rest of the disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from api.deps import AppState, EngineDep, StateDep
from api.errors import StrictJSONRoute, responses
from api.schemas import DocumentOut, PageOut
from api.web import PDF_HEADERS
from core.types import DocumentInfo
from corpus.manifest import by_id, doc_path, load_manifest, sha256_file

router = APIRouter(prefix="/v1/documents", tags=["documents"], route_class=StrictJSONRoute)
DocId = Annotated[str, PathParam(max_length=200, description="A document id from GET /v1/documents.")]


def _indexed(engine: Any, doc: str, see: str) -> dict[str, Any]:
    """What the build records of an indexed document, or ``LookupError`` saying it is not one."""
    info: dict[str, Any] | None = engine.retriever.catalog.manifest["docs"].get(doc)
    if info is None:
        raise LookupError(f"document {doc!r} is not in the index; see {see}")
    return info


def _known(engine: Any, doc: str) -> dict[str, Any]:
    try:
        return _indexed(engine, doc, "GET /v1/documents")
    except LookupError as exc:
        raise HTTPException(404, detail=str(exc)) from exc


def listing(engine: Any) -> list[DocumentOut]:
    """Every indexed document, then the manifest's documents that are not indexed here (the
    API's list and the MCP tool ``list_documents``)."""
    manifest = by_id(load_manifest())
    indexed = list(engine.retriever.catalog.doc_ids)
    others = [d for d in manifest if d not in indexed]
    return [describe(engine, d, manifest) for d in [*indexed, *others]]


def page_of(engine: Any, doc: str, n: int, see: str) -> PageOut:
    """An indexed page, or ``LookupError`` with the line saying why not (``see``: where the
    caller lists the documents)."""
    info = _indexed(engine, doc, see)
    p = engine.retriever.catalog.pages.get((doc, n))
    if p is None:
        raise LookupError(f"{doc} has pages 1..{info.get('pages')}; there is no page {n}")
    return PageOut(doc=doc, page=n, page_label=p.label, text=p.text)


def describe(engine: Any, doc: str, manifest: dict[str, DocumentInfo]) -> DocumentOut:
    """A document as GET /v1/documents lists it (the MCP tool `list_documents` too)."""
    cat = engine.retriever.catalog
    built = cat.manifest["docs"].get(doc)
    m = manifest.get(doc)
    return DocumentOut(
        id=doc,
        title=m.title if m else cat.title(doc),
        short=(m.aliases[0] if m and m.aliases else ""),
        publisher=m.publisher if m else "",
        date=m.date if m else "",
        url=m.url if m else "",
        pages=(built or {}).get("pages") or (m.pages if m else None),
        indexed=built is not None,
        passages=(built or {}).get("chunks", 0),
    )


@router.get("", response_model=list[DocumentOut], responses=responses(503))
def documents(engine: EngineDep) -> list[DocumentOut]:
    """Every indexed document, then the manifest's documents that are not indexed here."""
    return listing(engine)


@router.get("/{doc}", response_model=DocumentOut, responses=responses(404, 422, 503))
def document(doc: DocId, engine: EngineDep) -> DocumentOut:
    manifest = by_id(load_manifest())
    if doc not in engine.retriever.catalog.doc_ids and doc not in manifest:
        raise HTTPException(404, detail=f"document {doc!r} is unknown; see GET /v1/documents")
    return describe(engine, doc, manifest)


@router.get("/{doc}/pages/{n}", response_model=PageOut, responses=responses(404, 422, 503))
def page(doc: DocId, n: Annotated[int, PathParam(ge=1, le=100_000)], engine: EngineDep) -> PageOut:
    """A page's cleaned text: the text every quote of that page was verified against."""
    try:
        return page_of(engine, doc, n, see="GET /v1/documents")
    except LookupError as exc:
        raise HTTPException(404, detail=str(exc)) from exc


def inside(path: Path, folder: Path) -> Path | None:
    """``path`` with every symlink resolved, if that is still inside ``folder`` (itself resolved)."""
    try:
        real, root = path.resolve(strict=True), folder.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, or a symlink loop
        return None
    return real if real.is_relative_to(root) else None


def _indexed_file(state: AppState, doc: str, sha256: str) -> Path:
    corpus = state.settings.corpus_dir
    link = doc_path(doc, corpus)  # doc is an indexed id (a file name), never a path
    if "/" in doc or doc.startswith(".") or not link.is_file():
        raise HTTPException(404, detail=f"the PDF of {doc} is not in {corpus}; run `airq corpus fetch {doc}`")
    path = inside(link, corpus)
    if path is None:
        raise HTTPException(403, detail=f"{link.name} leads outside the corpus folder {corpus}; not served")
    st = path.stat()
    key = (doc, sha256, st.st_mtime_ns, st.st_size)
    if key not in state.pdf_checks:
        state.pdf_checks[key] = sha256_file(path) == sha256
    if not state.pdf_checks[key]:
        raise HTTPException(409, detail=f"{path} is not the file that was indexed; re-run `airq ingest`")
    return path


@router.get(
    "/{doc}/pdf",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}}, **responses(403, 404, 409, 422, 503)},
)
def pdf(doc: DocId, state: StateDep, engine: EngineDep) -> FileResponse:
    """The PDF as indexed, so a browser can open it at ``#page=N``."""
    info = _known(engine, doc)
    path = _indexed_file(state, doc, info["sha256"])
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=f"{doc}.pdf",
        content_disposition_type="inline",
        headers=PDF_HEADERS,  # the chat page's PDF pane frames it; no other site may
    )
