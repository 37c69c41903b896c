"""OpenAI-compatible chat completions, so existing chat clients and SDKs work unchanged.

The reply text carries the numbered markers and a "Sources" list (what a plain chat client
can show); the structured citations ride alongside in a ``citations`` field. Document and
role filters travel in OpenAI's ``metadata`` map (``{"docs": "id1,id2", "role": "…"}``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.deps import AppState, EngineDep, StateDep
from api.errors import StrictJSONRoute, error_response, openai_error, responses
from api.limits import Admit
from api.routes.ask import chat_reply, check_chat, pieces
from api.schemas import ChatReply, ChatRequest, OtherMessage, UserMessage
from core.errors import first_error
from corpus.roles import ROLE_IDS

router = APIRouter(prefix="/v1", tags=["openai"], route_class=StrictJSONRoute)
MODEL = "airq"


class OpenAIError(Exception):
    """An error in OpenAI's shape (``{"error": {...}}``), which OpenAI clients read.

    Errors raised elsewhere (HTTPException, a body that does not match the schema) take the
    same shape on these routes: ``api.errors`` knows them by path."""

    def __init__(self, status: int, message: str, code: str | None = None, param: str | None = None):
        self.status, self.message, self.code, self.param = status, message, code, param


def openai_error_response(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OpenAIError)
    return error_response(request.scope, exc.status, exc.message, code=exc.code, param=exc.param, openai=True)


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = Field(None, max_length=100_000)


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = Field(None)

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class CompletionRequest(BaseModel):
    """The fields airq reads; other OpenAI parameters (temperature, …) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(max_length=200)
    messages: list[OpenAIMessage] = Field(min_length=1, max_length=100)
    stream: bool = False
    metadata: dict[str, str] | None = Field(None, description='{"docs": "id1,id2", "role": "ai-developer"}')


def _sources(reply: ChatReply) -> str:
    if not reply.citations:
        return ""
    lines = [
        f"[{c.n}] {c.title}, p. {c.page_label or c.page} (PDF page {c.page}): “{c.quote}”"
        for c in reply.citations
    ]
    head = "Nearest passages:" if reply.abstained else "Sources:"
    return "\n\n" + head + "\n" + "\n".join(lines)


def _airq(reply: ChatReply) -> dict[str, Any]:
    return reply.model_dump(include={"abstained", "role", "role_source", "role_note", "note"})


def _request(body: CompletionRequest) -> ChatRequest:
    if body.model != MODEL:
        raise OpenAIError(
            404, f"model: {body.model!r} does not exist; use {MODEL!r}", "model_not_found", "model"
        )
    meta = body.metadata or {}
    role = meta.get("role") or None
    if role is not None and role not in ROLE_IDS:
        raise OpenAIError(
            422, f"metadata.role: {role!r} is not one of {', '.join(ROLE_IDS)}", param="metadata.role"
        )
    docs = [d.strip() for d in meta.get("docs", "").split(",") if d.strip()] or None
    try:
        turns: list[UserMessage | OtherMessage] = [
            UserMessage(role="user", content=m.text())
            if m.role == "user"
            else OtherMessage(role="assistant", content=m.text())
            for m in body.messages
            if m.role in ("user", "assistant")
        ]
        if not turns:
            raise OpenAIError(422, "messages: no user message to answer", param="messages")
        return ChatRequest(messages=turns, docs=docs, role=role)
    except ValidationError as exc:  # e.g. metadata.docs naming 60 documents
        raise OpenAIError(422, f"{first_error(exc)} (in messages or metadata)") from exc


def _chunk(cid: str, created: int, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
    body = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        **extra,
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


async def _stream(
    state: AppState, engine: Any, req: ChatRequest, admit: Any, cid: str, created: int
) -> AsyncIterator[str]:
    """The first chunk (the assistant's role) at once, before the answer is computed, so a
    client shows progress; then the answer a few words at a time. A failure after the stream
    began (the queue full, the index reloading) is an OpenAI error event, then [DONE]."""
    yield _chunk(cid, created, {"role": "assistant", "content": ""})
    try:
        async with admit:
            reply = await chat_reply(state, engine, req)
    except HTTPException as exc:
        error = openai_error(exc.status_code, str(exc.detail), code=str(exc.status_code))
        yield f"data: {error.model_dump_json()}\n\n"
        yield "data: [DONE]\n\n"
        return
    for piece in pieces(reply.answer + _sources(reply)):
        yield _chunk(cid, created, {"content": piece})
    citations = [c.model_dump() for c in reply.citations]
    yield _chunk(cid, created, {}, "stop", citations=citations, airq=_airq(reply))
    yield "data: [DONE]\n\n"


@router.get("/models")
def models() -> dict[str, Any]:
    """The one model: ``airq``."""
    return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "airq"}]}


@router.post(
    "/chat/completions",
    responses={
        200: {"content": {"text/event-stream": {}}},
        **responses(404, 413, 422, 503, openai=True),
    },
)
async def completions(body: CompletionRequest, state: StateDep, engine: EngineDep, admit: Admit) -> Any:
    """OpenAI's chat completion, answered by airq (model ``airq``), plain or ``stream: true``."""
    req = _request(body)
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if body.stream:
        check_chat(state, engine, req)  # a bad request is still an HTTP error, not a broken stream
        return StreamingResponse(
            _stream(state, engine, req, admit, cid, created), media_type="text/event-stream"
        )
    async with admit:
        reply = await chat_reply(state, engine, req)
    content = reply.answer + _sources(reply)
    prompt_words = sum(len(m.text().split()) for m in body.messages)
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_words,
            "completion_tokens": len(content.split()),
            "total_tokens": prompt_words + len(content.split()),
        },
        "citations": [c.model_dump() for c in reply.citations],
        "airq": _airq(reply),
    }
