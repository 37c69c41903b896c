"""One error model for the whole service, and the handlers that keep every error in it.

Outside the OpenAI-compatible routes every error is ``{"detail": "<one line>"}``; a request
that does not match the schema (422) adds ``"errors"``, the field errors without the input
that was sent (the input may be NaN or a lone surrogate, which JSON cannot carry back, and
echoing it helps nobody). The OpenAI-compatible routes answer in OpenAI's
``{"error": {"message", "type", "param", "code"}}``, which OpenAI clients read.

Bodies are parsed strictly (``StrictJSONRoute``): NaN, ±Infinity and lone surrogates are not
JSON a reply could echo, so they are refused at the door rather than crashing the answer.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route, compile_path, get_route_path
from starlette.types import Scope

log = logging.getLogger("airq.api")

# The OpenAI-compatible operations; their errors (even a 413 or a wrong Host) take OpenAI's shape.
OPENAI_PATHS = frozenset({"/v1/chat/completions", "/v1/models"})
MAX_TEXT = 300  # a location or message longer than this is cut: it is one line for a person


# ---------------------------------------------------------------------------- the models


class FieldError(BaseModel):
    """One field that did not match the schema (the value sent is never echoed)."""

    loc: list[str | int] = Field(description='Where: ["body", "messages", 0, "content"].')
    msg: str
    type: str = Field(description="pydantic's error type: missing, string_too_short, json_invalid, …")


class ErrorBody(BaseModel):
    """Every error of the service outside the OpenAI-compatible routes."""

    detail: str = Field(description="One line: what is wrong and what to do.")
    errors: list[FieldError] | None = Field(None, description="422 only: every field error.")


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str = Field(description="invalid_request_error, or server_error for 5xx.")
    param: str | None = None
    code: str | None = None


class OpenAIErrorBody(BaseModel):
    """OpenAI's error shape, for the OpenAI-compatible routes."""

    error: OpenAIErrorDetail


DESCRIPTIONS = {
    400: "Host not served here (see AIRQ_ALLOWED_HOSTS)",
    401: "A valid bearer token is required",
    403: "Forbidden (ingest over HTTP disabled, or a file outside the corpus folder)",
    404: "Unknown document, page, role or model",
    409: "Conflict (an ingest is running, or the PDF is not the indexed file)",
    413: "Body or question too large",
    422: "The request does not match the schema",
    429: "Too many failed attempts; retry after Retry-After seconds",
    503: "Not ready (index loading) or busy (Retry-After says when to retry)",
}
RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
}


def responses(*codes: int, openai: bool = False) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: its error statuses, each with the app's error model."""
    model = OpenAIErrorBody if openai else ErrorBody
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        entry: dict[str, Any] = {"model": model, "description": DESCRIPTIONS[code]}
        if code in (429, 503):
            entry["headers"] = RETRY_AFTER
        if code == 401:
            entry["headers"] = {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}
        out[code] = entry
    return out


# ---------------------------------------------------------------------------- building errors


def safe_text(value: object, limit: int = MAX_TEXT) -> str:
    """``str(value)`` that JSON can always carry: lone surrogates escaped, cut to one short line."""
    text = value if isinstance(value, str) else str(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = " ".join(text.split()) if "\n" in text or "\r" in text else text
    return text if len(text) <= limit else text[: limit - 1] + "…"


_PARAM = re.compile(r"^([a-z_]+(?:\.[\w]+)*(?:\[\d+\])?(?:\.[a-z_]+)?): ")


def _is_openai(scope: Scope) -> bool:
    route = scope.get("route")
    path = route.path if isinstance(route, Route) else scope.get("path", "")
    return path in OPENAI_PATHS


def openai_error(
    status: int, detail: str, *, code: str | None = None, param: str | None = None
) -> OpenAIErrorBody:
    """OpenAI's error body: as a response, or as an event of a stream that had already begun."""
    detail = safe_text(detail, 2000)
    kind = "server_error" if status >= 500 else "invalid_request_error"
    if param is None and status < 500 and (m := _PARAM.match(detail)):
        param = m.group(1)  # "messages: the last message must be the user's" names its field
        code = code or "invalid_value"
    return OpenAIErrorBody(error=OpenAIErrorDetail(message=detail, type=kind, param=param, code=code))


def error_response(
    scope: Scope,
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    errors: list[FieldError] | None = None,
    code: str | None = None,
    param: str | None = None,
    openai: bool | None = None,
) -> JSONResponse:
    """The error in the shape of the route that was asked: OpenAI's, or the app's own."""
    detail = safe_text(detail, 2000)
    openai = _is_openai(scope) if openai is None else openai
    if openai:
        body: BaseModel = openai_error(status, detail, code=code, param=param)
    else:
        body = ErrorBody(detail=detail, errors=errors)
    return JSONResponse(body.model_dump(exclude_none=not openai), status, headers=headers)


def field_errors(raw: Iterable[Any]) -> list[FieldError]:
    """pydantic's errors without ``input`` and ``ctx`` (either may be unserialisable); a JSON
    syntax error keeps its reason (FastAPI puts it in ``ctx``) and its offset."""
    out = []
    for e in raw:
        loc = [x if isinstance(x, int) else safe_text(x, 100) for x in e.get("loc", ())]
        msg = e.get("msg", "")
        if e.get("type") == "json_invalid":
            ctx = e.get("ctx") or {}
            at = f" at character {loc[1]}" if len(loc) > 1 else ""
            msg = f"not valid JSON{at}: {ctx.get('error', msg)}"
            loc = loc[:1]
        out.append(FieldError(loc=loc, msg=safe_text(msg), type=safe_text(e.get("type", ""))))
    return out


def _where(loc: list[str | int]) -> str:
    return ".".join(str(x) for x in loc) or "body"


def one_line(errors: list[FieldError]) -> str:
    """'body.question: Field required' (+ how many more), for people and for ``detail``."""
    if not errors:
        return "the request does not match the schema"
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{_where(first.loc)}: {first.msg}{more}"


# ---------------------------------------------------------------------------- handlers


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 for a request that does not match the schema, whatever the input was."""
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    first = errors[0] if errors else None
    param = _where([x for x in first.loc if x != "body"]) if first and len(first.loc) > 1 else None
    return error_response(
        request.scope,
        422,
        one_line(errors),
        errors=errors,
        code=first.type if first else None,
        param=param,
    )


def allowed_methods(app: Any, scope: Scope) -> list[str]:
    """Every method some route serves at this path (a 405 otherwise names only the first route's:
    ``OPTIONS /v1/ingest`` said ``Allow: POST`` although GET is served there too)."""
    path = get_route_path(scope)
    methods: set[str] = set()
    for route in iter_route_contexts(getattr(app, "routes", [])):
        if route.methods and route.path and compile_path(route.path)[0].match(path):
            methods |= route.methods
    return sorted(methods)


async def http_error(request: Request, exc: Exception) -> Response:
    """Every HTTPException (ours, FastAPI's, Starlette's 404/405) as the app's or OpenAI's error."""
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope))
    if exc.status_code < 200 or exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail, default=str)
    return error_response(request.scope, exc.status_code, detail, headers=headers)


async def server_error(request: Request, exc: Exception) -> Response:
    """A bug is still an error in the documented shape (Starlette logs the traceback)."""
    from api.web import SECURITY_HEADERS

    response = error_response(request.scope, 500, "internal error; the server log has the details")
    response.headers.update(SECURITY_HEADERS)
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, server_error)


# ---------------------------------------------------------------------------- strict JSON


class _NotJSON(ValueError):
    pass


def _constant(name: str) -> Any:
    raise _NotJSON(f"{name} is not a JSON number")


def _lone_surrogate(value: Any) -> bool:
    """Whether any string or key in a parsed document holds a lone surrogate (iterative: no depth limit)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def strict_json(body: bytes) -> Any:
    """``json.loads`` for RFC 8259 JSON only: UTF-8, no NaN/Infinity, no lone surrogates.

    Raises ``json.JSONDecodeError``, which FastAPI turns into a 422 ``json_invalid``."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise json.JSONDecodeError("body is not UTF-8", body.decode("utf-8", "replace"), exc.start) from exc
    try:
        value = json.loads(text, parse_constant=_constant)
    except _NotJSON as exc:
        token = str(exc).split(" ")[0]
        raise json.JSONDecodeError(str(exc), text, max(text.find(token), 0)) from exc
    if _lone_surrogate(value):
        pos = text.lower().find("\\ud")
        raise json.JSONDecodeError("a \\uXXXX escape is a lone surrogate, not text", text, max(pos, 0))
    return value


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = strict_json(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """An APIRoute whose JSON body is parsed by ``strict_json`` (FastAPI's custom route class)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict
