"""Re-ingest the server's corpus folder, behind a bearer token.

Ingest builds beside the live index and swaps at the end (``index.build``), so answering
goes on from the old index while it runs; the new one is loaded when it is done. Wrong
tokens are counted per client address (``api.limits.AuthThrottle``): after a few, 429.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import AppState, IngestJob, StateDep
from api.errors import StrictJSONRoute, responses
from api.limits import AuthThrottle
from api.schemas import IngestRequest, IngestStatus

router = APIRouter(prefix="/v1/ingest", tags=["ingest"], route_class=StrictJSONRoute)
bearer = HTTPBearer(auto_error=False)


async def authorised(
    request: Request,
    state: StateDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> AppState:
    token = state.settings.api_token
    if token is None:
        raise HTTPException(403, detail="ingest over HTTP is disabled; set AIRQ_API_TOKEN to enable it")
    unauthorised = HTTPException(
        401, detail="a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
    )
    if creds is None:
        raise unauthorised
    throttle: AuthThrottle = request.app.state.auth_throttle
    client = request.client.host if request.client else "unknown"
    throttle.check(client)  # 429 once this address has guessed wrong too often: no compare at all
    given = creds.credentials.encode("utf-8", "surrogateescape")
    if not secrets.compare_digest(given, token.get_secret_value().encode()):
        throttle.failed(client)
        raise unauthorised
    throttle.succeeded(client)
    return state


Authorised = Annotated[AppState, Depends(authorised)]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def run_ingest(state: AppState, force: bool) -> None:
    from corpus.roles import load_taxonomy
    from index.adapt import AdaptConfig
    from index.build import IngestError, ingest, sources_from_corpus
    from index.embed import MiniLMEmbedder

    s = state.settings
    job = state.ingest
    load_taxonomy.cache_clear()  # roles.toml may have been edited since start-up
    try:
        sources, warnings = sources_from_corpus(s.corpus_dir)
        if not sources:
            raise IngestError(f"{s.corpus_dir}: no PDF to ingest; run `airq corpus fetch` first")
        report = ingest(
            sources,
            s.data_dir,
            MiniLMEmbedder.from_settings(s),
            chroma_url=s.chroma_url,
            workers=s.ingest_workers,
            force=force,
            adapt=AdaptConfig(low_memory=s.ingest_low_memory) if s.adapt_embedder else None,
        )
        lines = [*warnings, *(f.line() for f in report.failures), *report.warnings]
        summary = f"index {report.build_id}: {len(report.parsed)} parsed, {len(report.reused)} unchanged"
        if report.changed and not state.load():
            raise RuntimeError(f"built {report.build_id} but could not load it: {state.error}")
        state.ingest = IngestJob("done", job.started, _now(), "; ".join([summary, *lines]))
    except Exception as exc:  # reported through GET /v1/ingest; the old index keeps answering
        state.ingest = IngestJob("failed", job.started, _now(), f"{type(exc).__name__}: {exc}")


@router.post(
    "", response_model=IngestStatus, status_code=202, responses=responses(401, 403, 409, 413, 422, 429)
)
def start(body: IngestRequest, state: Authorised) -> IngestStatus:
    """Start re-ingesting the corpus folder; poll GET /v1/ingest for the outcome."""
    with state.ingest_lock:
        if state.ingest.status == "running":
            raise HTTPException(409, detail=f"an ingest has been running since {state.ingest.started}")
        state.ingest = IngestJob("running", _now())
    threading.Thread(target=run_ingest, args=(state, body.force), daemon=True).start()
    return IngestStatus(**vars(state.ingest))


@router.get("", response_model=IngestStatus, responses=responses(401, 403, 429))
def status(state: Authorised) -> IngestStatus:
    return IngestStatus(**vars(state.ingest))
