"""The role taxonomy: the five kinds of actor answers can be written for."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep, StateDep, check_docs
from api.errors import StrictJSONRoute, responses
from api.schemas import RoleOut
from corpus.roles import ROLE_IDS, load_taxonomy
from qa.obligations import as_json

router = APIRouter(prefix="/v1/roles", tags=["roles"], route_class=StrictJSONRoute)


@router.get("", response_model=list[RoleOut])
def roles() -> list[RoleOut]:
    return [RoleOut(id=r.id, name=r.name, description=r.description) for r in load_taxonomy().roles.values()]


@router.get("/{role}/obligations", responses=responses(404, 422, 503))
async def obligations(
    role: Annotated[str, PathParam(max_length=100)],
    state: StateDep,
    engine: EngineDep,
    topic: Annotated[str | None, Query(max_length=2000)] = None,
    docs: Annotated[list[str] | None, Query(max_length=50)] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> dict[str, Any]:
    """The recommendations addressed to a role, each a verified quote with its page."""
    if role not in ROLE_IDS:
        raise HTTPException(404, detail=f"role {role!r} is unknown; choose from {', '.join(ROLE_IDS)}")
    chosen = check_docs(engine, docs)

    def run() -> dict[str, Any]:
        with state.lock:
            items = engine.obligations.run(role, topic=topic or None, docs=chosen, limit=limit)
        return as_json(engine.answerer.taxonomy, role, topic or None, items)

    return await run_in_threadpool(run)
