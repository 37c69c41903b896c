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
from starlette.concurrency import run_in_threadpool

from core.settings import Settings
from core.types import Answer


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
    build: str | None = None  # the build answering now
    reload_error: str | None = None  # why the newest build could not replace it …
    build_failed: str | None = None  # … which is not retried until another build appears
    loading: threading.Lock = field(default_factory=threading.Lock)  # one load at a time
    holds: list[Any] = field(default_factory=list)  # marks on the builds answered from (newest last)

    async def answer(
        self, question: str, docs: list[str], role: str | None, k: int | None, engine: Any
    ) -> Answer:
        """``engine``'s answer, computed in a worker thread, one at a time: the embedder and
        the Chroma client are not promised to be thread-safe."""

        def run() -> Answer:
            with self.lock:
                answer: Answer = engine.ask(question, docs=docs, k=k, role=role)
            return answer

        return await run_in_threadpool(run)

    def load(self) -> bool:
        """Load the current build; True when it is now the one answering. The build is held
        (``index.build.hold``) so no ingest prunes it while it answers; the one before keeps
        its hold until the next switch, for requests that started on it."""
        from index.build import current_build, hold, release
        from index.retrieve import NoIndexError
        from qa.service import load_engine, settle

        with self.loading:
            target = current_build(self.settings.data_dir)
            if target is not None and target == self.build and self.engine is not None:
                return True  # already answering from it (another thread loaded it)
            mark = hold(self.settings.data_dir, target) if target else None
            try:
                engine = load_engine(self.settings)
                engine.answerer.run("warm up the embedder and the stores")  # the first user waits no longer
            except Exception as exc:  # the service must still report why it is not ready
                if mark is not None:
                    release(mark)
                why = (
                    f"{exc}; or POST /v1/ingest"
                    if isinstance(exc, NoIndexError)
                    else (f"could not load the index: {type(exc).__name__}: {exc}")
                )
                if self.engine is None:
                    self.error = why
                else:  # the build answering now goes on answering
                    self.reload_error, self.build_failed = why, target
                return False
            built = engine.retriever.catalog.manifest.get("build_id", target)
            with self.lock:  # loads run one at a time (``loading``): this one is the newest
                self.engine, self.error, self.build, self.reload_error = engine, None, built, None
            if mark is not None:
                self.holds.append(mark)
            while len(self.holds) > 2:  # this build and the one before it
                release(self.holds.pop(0))
            settle()  # what the engine before left goes now; the new one is out of the sweeps
            return True

    def follow(self) -> None:
        """Switch to a newer complete build when one appears — from the CLI, another process
        or /v1/ingest — between requests: answers go on from the old engine while the new
        one loads, and the switch is one assignment under the answering lock."""
        from index.build import current_build

        target = current_build(self.settings.data_dir)
        if target is not None and target not in (self.build, self.build_failed):
            self.load()

    def release_all(self) -> None:
        from index.build import release

        while self.holds:
            release(self.holds.pop())


# The dependencies are ``async``: FastAPI runs a plain ``def`` one in a thread, and under
# overload every hop back to the event loop waits behind everyone else's refusals.
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.airq
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_engine(state: StateDep) -> Any:
    if state.engine is None:
        raise HTTPException(503, detail=state.error or "the index is loading; retry in a few seconds")
    return state.engine


EngineDep = Annotated[Any, Depends(get_engine)]


def unknown_docs(engine: Any, docs: list[str]) -> str | None:
    """The line naming the ids of ``docs`` the index lacks (for HTTP and MCP alike); None if none."""
    unknown = engine.retriever.catalog.unknown(docs)
    if not unknown:
        return None
    known = ", ".join(engine.retriever.catalog.doc_ids)
    return f"docs: unknown document id(s) {', '.join(unknown)}; indexed: {known}"


def check_docs(engine: Any, docs: list[str] | None) -> list[str]:
    """Unknown document ids are the caller's mistake: 404 naming them."""
    docs = list(dict.fromkeys(docs or []))
    problem = unknown_docs(engine, docs)
    if problem:
        raise HTTPException(404, detail=problem)
    return docs


def check_question(state: AppState, question: str, field_name: str = "question") -> str:
    limit = state.settings.max_question_chars
    if not question.strip():
        raise HTTPException(422, detail=f"{field_name}: empty; ask something")
    if len(question) > limit:
        raise HTTPException(413, detail=f"{field_name}: {len(question)} characters; the limit is {limit}")
    return question
