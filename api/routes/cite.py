"""Citation lookup over HTTP: the same as ``airq cite``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import AfterValidator
from starlette.concurrency import run_in_threadpool

from api.deps import AppState, EngineDep, StateDep, check_question
from api.errors import StrictJSONRoute, responses
from api.schemas import QUESTION_MARK, VISIBLE, not_blank
from qa.cite import Citer, CiteResult

router = APIRouter(prefix="/v1", tags=["citations"], route_class=StrictJSONRoute)


def _run(state: AppState, citer: Citer, q: str, limit: int) -> CiteResult:
    with state.lock:
        try:
            return citer.run(q, limit=limit)
        except ValueError as exc:
            raise HTTPException(422, detail=str(exc)) from exc


@router.get("/cite", response_model=CiteResult, responses=responses(413, 422, 503))
async def cite(
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100_000,
            description='"GOVERN 1.2", "nist-ai-600-1 p.35" or a sentence.',
            json_schema_extra={"pattern": VISIBLE.pattern, QUESTION_MARK: True},
        ),
        AfterValidator(not_blank),
    ],
    state: StateDep,
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> CiteResult:
    """Where an identifier, a page or a sentence is: passage, page and section."""
    check_question(state, q, "q")
    return await run_in_threadpool(_run, state, engine.citer, q, limit)
