"""Liveness and readiness: up at once, ready once the index is loaded."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import StateDep
from api.errors import StrictJSONRoute
from api.schemas import Ready

router = APIRouter(tags=["health"], route_class=StrictJSONRoute)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz", response_model=Ready, responses={503: {"model": Ready, "description": "Not ready yet"}}
)
def readyz(state: StateDep) -> JSONResponse:
    engine = state.engine
    if engine is None:
        detail = state.error or "loading the index"
        return JSONResponse(Ready(ready=False, detail=detail).model_dump(), status_code=503)
    cat = engine.retriever.catalog
    body = Ready(
        ready=True,
        build=cat.manifest.get("build_id"),
        documents=len(cat.doc_ids),
        passages=len(cat.chunks),
    )
    return JSONResponse(body.model_dump())
