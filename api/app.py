"""The FastAPI service: ``create_app(settings)`` (``airq serve`` runs it under uvicorn).

One router per resource under ``api/routes``; the chat page is static files served here,
with no CDN, because neither these machines nor many users' networks reach the internet.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from api.deps import AppState
from api.routes import ask, cite, documents, health, ingest, openai, roles
from core.settings import Settings, get_settings

STATIC = Path(__file__).with_name("static")


def create_app(settings: Settings | None = None, *, load: bool = True) -> FastAPI:
    """``load=False`` leaves the engine to the caller (tests that build their own)."""
    state = AppState(settings or get_settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if load and state.engine is None:
            threading.Thread(target=state.load, name="airq-load", daemon=True).start()
        yield

    app = FastAPI(
        title="airq",
        summary="Answers from U.S. guidance on AI in critical infrastructure, with verified page citations.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.airq = state
    for r in (health, ask, cite, documents, roles, ingest, openai):
        app.include_router(r.router)
    app.add_exception_handler(openai.OpenAIError, openai.openai_error_response)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    return app
