"""Shared state of the running service and the ``Annotated`` dependencies routes ask for.

The engine (models, Chroma, BM25) loads once, in a background thread, so ``/healthz``
answers at once and ``/readyz`` says when answering can start. Answering runs under one
lock: the embedder and the Chroma client are not promised to be thread-safe, and on two
cores parallel answers would only slow each other down.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from core.settings import Settings


@dataclass
class IngestJob:
    status: str = "idle"  # idle | running | done | failed
    started: str | None = None
    finished: str | None = None
    message: str = ""


@dataclass
class AppState:
    settings: Settings
    engine: Any = None  # qa.service.Engine once loaded
    error: str | None = None  # why the engine is not loaded (no index yet, …)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ingest: IngestJob = field(default_factory=IngestJob)
    pdf_checks: dict[tuple[str, str, int, int], bool] = field(default_factory=dict)
    ingest_lock: threading.Lock = field(default_factory=threading.Lock)
    loads: int = 0  # load generations: a slow, older load never replaces a newer engine
    installed: int = 0  # the generation answering now

    def load(self) -> bool:
        """Load the current build; True when it is now the one answering."""
        from index.retrieve import NoIndexError
        from qa.service import load_engine

        with self.lock:
            self.loads += 1
            generation = self.loads
        try:
            engine = load_engine(self.settings)
            engine.answerer.run("warm up the embedder and the stores")  # the first user waits no longer
        except NoIndexError as exc:
            self.error = f"{exc}; or POST /v1/ingest"
            return False
        except Exception as exc:  # the service must still report why it is not ready
            self.error = f"could not load the index: {type(exc).__name__}: {exc}"
            return False
        with self.lock:
            if generation < self.installed:
                return False  # a newer build is already answering
            self.engine, self.error, self.installed = engine, None, generation
        return True


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.airq
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_engine(state: StateDep) -> Any:
    if state.engine is None:
        raise HTTPException(503, detail=state.error or "the index is loading; retry in a few seconds")
    return state.engine


EngineDep = Annotated[Any, Depends(get_engine)]


def check_docs(engine: Any, docs: list[str] | None) -> list[str]:
    """Unknown document ids are the caller's mistake: 404 naming them."""
    docs = list(dict.fromkeys(docs or []))
    unknown = engine.retriever.catalog.unknown(docs)
    if unknown:
        known = ", ".join(engine.retriever.catalog.doc_ids)
        raise HTTPException(
            404, detail=f"docs: unknown document id(s) {', '.join(unknown)}; indexed: {known}"
        )
    return docs


def check_question(state: AppState, question: str, field_name: str = "question") -> str:
    limit = state.settings.max_question_chars
    if not question.strip():
        raise HTTPException(422, detail=f"{field_name}: empty; ask something")
    if len(question) > limit:
        raise HTTPException(413, detail=f"{field_name}: {len(question)} characters; the limit is {limit}")
    return question
