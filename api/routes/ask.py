"""Questions: one-shot (``/v1/ask``) and conversational (``/v1/chat``, optionally streamed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from api.deps import AppState, EngineDep, StateDep, check_docs, check_question
from api.errors import StrictJSONRoute, responses
from api.limits import Admit
from api.schemas import AskRequest, ChatReply, ChatRequest
from core.types import Answer
from qa.chat import Turn, resolve

router = APIRouter(prefix="/v1", tags=["answers"], route_class=StrictJSONRoute)
ERRORS = responses(404, 413, 422, 503)


async def _answer(
    state: AppState, engine: Any, question: str, docs: list[str], role: str | None, k: int | None
) -> Answer:
    try:
        return await state.answer(question, docs, role, k, engine)
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from exc


@router.post("/ask", response_model=Answer, response_model_exclude_none=False, responses=ERRORS)
async def ask(body: AskRequest, state: StateDep, engine: EngineDep, admit: Admit) -> Answer:
    """Answer one question with numbered, page-verified quotes."""
    check_question(state, body.question)
    docs = check_docs(engine, body.docs)
    async with admit:
        return await _answer(state, engine, body.question, docs, body.role, body.k)


def check_chat(state: AppState, engine: Any, body: ChatRequest) -> tuple[list[Turn], list[str]]:
    """The conversation's turns and documents, or the HTTP error that names what is wrong:
    checked before any answering starts (and before a stream's first event)."""
    turns = [Turn(m.role, m.content) for m in body.messages if m.role != "system"]
    if not turns or turns[-1].role != "user":
        raise HTTPException(422, detail="messages: the last message must be the user's question")
    for i, m in enumerate(body.messages):  # every question counts, not only the last
        if m.role == "user":
            check_question(state, m.content, f"messages[{i}].content")
    return turns, check_docs(engine, body.docs)


async def chat_reply(state: AppState, engine: Any, body: ChatRequest) -> ChatReply:
    """Resolve the latest turn against earlier ones, answer it, say what was carried."""
    turns, docs = check_chat(state, engine, body)
    taxonomy = engine.answerer.taxonomy
    analyzer = engine.retriever.analyzer

    def detect(text: str) -> str | None:
        guess = taxonomy.detect(text)
        return guess.role if guess else None

    r = resolve(turns, docs, body.role, docs_named=analyzer.docs_named, detect_role=detect)
    answer = await _answer(state, engine, r.question, list(r.docs), r.role, body.k)
    update: dict[str, Any] = {"question": r.asked}
    if "role" in r.carried and answer.role:
        name = taxonomy.roles[answer.role].name
        update |= {
            "role_source": "detected",
            "role_note": f"Answering for {name}, as earlier in this conversation; "
            "choose a role to change this.",
        }
    return ChatReply(**answer.model_dump(), note=r.note, carried=r.carried).model_copy(update=update)


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def pieces(text: str, words: int = 6) -> Iterator[str]:
    """A finished answer a few words at a time, for streaming; the pieces join back to it."""
    parts = text.split(" ")
    for i in range(0, len(parts), words):
        piece = " ".join(parts[i : i + words])
        yield piece if i == 0 else " " + piece


def stream_reply(reply: ChatReply) -> Iterator[str]:
    """meta, then the answer text a few words at a time, then the whole reply."""
    yield _sse("meta", reply.model_dump(include={"role", "role_source", "role_note", "note"}))
    for piece in pieces(reply.answer):
        yield _sse("delta", {"text": piece})
    yield _sse("answer", reply.model_dump())


@router.post(
    "/chat",
    response_model=ChatReply,
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}}},
)
async def chat(body: ChatRequest, state: StateDep, engine: EngineDep, admit: Admit) -> Any:
    """A conversation turn: follow-ups keep the documents, role and topic of earlier turns."""
    async with admit:
        reply = await chat_reply(state, engine, body)
    if body.stream:
        return StreamingResponse(stream_reply(reply), media_type="text/event-stream")
    return reply
