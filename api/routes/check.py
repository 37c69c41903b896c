"""Checking a text over HTTP: the same as ``airq check``."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import AppState, EngineDep, StateDep
from api.errors import StrictJSONRoute, responses
from api.limits import Admit
from api.schemas import CheckRequest
from core.types import CheckReport

router = APIRouter(prefix="/v1", tags=["check"], route_class=StrictJSONRoute)


def _run(state: AppState, engine: object, text: str) -> CheckReport:
    with state.lock:
        report: CheckReport = engine.checker.check(text)  # type: ignore[attr-defined]
    return report


@router.post("/check", response_model=CheckReport, responses=responses(413, 422, 503))
async def check(body: CheckRequest, state: StateDep, engine: EngineDep, admit: Admit) -> CheckReport:
    """One verdict per sentence of the text (supported, partly, not_found), each with its
    evidence quote and page, and what of the sentence the evidence lacks."""
    async with admit:
        return await run_in_threadpool(_run, state, engine, body.text)
