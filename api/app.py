"""The FastAPI service: ``create_app(settings)`` (``airq serve`` runs it under uvicorn).

One router per resource under ``api/routes``; the chat page is static files served here,
with no CDN, because neither these machines nor many users' networks reach the internet.
Around the routes: the Host check, the body limit and the security headers (``api.web``),
one error shape for everything (``api.errors``), and the answering queue (``api.limits``).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from api import errors
from api.deps import AppState
from api.errors import error_response
from api.limits import Admission, AuthThrottle, ShedLoad
from api.mcp import ToolError, build_mcp
from api.routes import ask, check, cite, documents, health, ingest, openai, roles
from api.schemas import QUESTION_MARK
from api.web import BodyLimit, HostCheck, SecurityHeaders, add_docs, default_allowed_hosts
from core.settings import Settings, get_settings

STATIC = Path(__file__).with_name("static")
# Behind api.limits.Admission:
ANSWERING = frozenset({"/v1/ask", "/v1/chat", "/v1/chat/completions", "/v1/check"})


def create_app(
    settings: Settings | None = None, *, load: bool = True, bind_host: str = "127.0.0.1"
) -> FastAPI:
    """``load=False`` leaves the engine to the caller (tests that build their own); ``bind_host``
    is the address the server listens on, which sets the default allowed Host names."""
    state = AppState(settings or get_settings())
    s = state.settings

    mcp_server = build_mcp(lambda: _engine_for_tools(state), state.lock)
    mcp_endpoint = _McpEndpoint()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        if load and state.engine is None:
            threading.Thread(target=_follow, args=(state, stop), name="airq-follow", daemon=True).start()
        # A session manager runs once: each start of the app (a TestClient may start one app
        # several times) gets its own.
        mcp_endpoint.app = _mcp_app(mcp_server)
        async with mcp_server.session_manager.run():
            yield
        mcp_endpoint.app = None
        stop.set()
        state.release_all()

    app = FastAPI(
        title="airq",
        summary="Answers from U.S. guidance on AI in critical infrastructure, with verified page citations.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.airq = state
    app.state.admission = Admission(slots=s.max_inflight, queue=s.max_queue)
    app.state.auth_throttle = AuthThrottle()
    for r in (health, ask, check, cite, documents, roles, ingest):
        app.include_router(r.router, responses=errors.responses(400))
    app.include_router(openai.router, responses=errors.responses(400, openai=True))
    errors.install(app)
    app.add_exception_handler(openai.OpenAIError, openai.openai_error_response)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.router.routes.append(Route("/mcp", endpoint=mcp_endpoint))
    add_docs(app)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    # Last added runs first: headers on every reply, the Host check, the body limit, then
    # (answering routes) the cheap refusal while the queue is full.
    app.add_middleware(ShedLoad, paths=ANSWERING)
    app.add_middleware(BodyLimit, limit=s.max_body_bytes)
    app.add_middleware(HostCheck, allowed=s.allowed_hosts or default_allowed_hosts(bind_host))
    app.add_middleware(SecurityHeaders)

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        """FastAPI's document, with this deployment's question limit where questions are."""
        if app.openapi_schema is None:
            _question_limit(generate(), s.max_question_chars)
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]
    return app


class _McpEndpoint:
    """/mcp: the MCP server's streamable HTTP handler of the app's current run."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            await error_response(scope, 503, "the server is starting or stopping; retry")(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


def _mcp_app(server: Any) -> ASGIApp:
    """MCP over streamable HTTP: stateless (any process behind a load balancer can take any
    request), plain JSON replies; the Host check is the app's own (``api.web.HostCheck``)."""
    tools = server.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    route = tools.routes[0]
    assert isinstance(route, Route)
    endpoint: ASGIApp = route.endpoint
    return endpoint


def _engine_for_tools(state: AppState) -> Any:
    """The engine answering now, for the MCP tools; while none is, the reason /readyz gives."""
    if state.engine is None:
        raise ToolError(state.error or "the index is loading; retry in a few seconds")
    return state.engine


def _follow(state: AppState, stop: threading.Event) -> None:
    """Load the index, then follow it: every ``AIRQ_RELOAD_SECONDS``, a newer complete build
    (an ingest from the CLI, another process or /v1/ingest) replaces the one answering."""
    state.load()
    while not stop.wait(state.settings.reload_seconds):
        try:
            state.follow()
        except Exception as exc:  # the build answering now goes on answering
            state.reload_error = f"{type(exc).__name__}: {exc}"


def _question_limit(node: Any, limit: int) -> None:
    """Every schema marked as a question gets ``maxLength: AIRQ_MAX_QUESTION_CHARS``: longer is a
    413 (the models' own bound is higher, so the 413 can name the limit)."""
    if isinstance(node, dict):
        if node.pop(QUESTION_MARK, False):
            node["maxLength"] = min(limit, node.get("maxLength", limit))
        for value in node.values():
            _question_limit(value, limit)
    elif isinstance(node, list):
        for value in node:
            _question_limit(value, limit)
