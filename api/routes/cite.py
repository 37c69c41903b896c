"""Citation lookup over HTTP: the same as ``airq cite``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from api.deps import AppState, EngineDep, StateDep, check_question
from qa.cite import Citer, CiteResult

router = APIRouter(prefix="/v1", tags=["citations"])


def _run(state: AppState, citer: Citer, q: str, limit: int) -> CiteResult:
    with state.lock:
        try:
            return citer.run(q, limit=limit)
        except ValueError as exc:
            raise HTTPException(422, detail=str(exc)) from exc


@router.get("/cite", response_model=CiteResult)
async def cite(
    q: Annotated[
        str, Query(max_length=100_000, description='"GOVERN 1.2", "nist-ai-600-1 p.35" or a sentence.')
    ],
    state: StateDep,
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> CiteResult:
    """Where an identifier, a page or a sentence is: passage, page and section."""
    check_question(state, q, "q")
    return await run_in_threadpool(_run, state, engine.citer, q, limit)
