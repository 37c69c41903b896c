"""A stand-in answering engine for HTTP tests that are about the HTTP side (queueing, errors),
not about answers: no index, no models, and it can be held mid-answer or made to fail."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fastapi import FastAPI

from core.settings import Settings
from core.types import Answer


class FakeAnswerer:
    """Answers at once, or when ``release`` is set if ``hold``; raises ``fail`` if given."""

    def __init__(self, hold: bool = False, fail: Exception | None = None) -> None:
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.fail = fail
        self.calls: list[str] = []
        self.taxonomy = SimpleNamespace(detect=lambda text: None, roles={})

    def run(self, question: str, docs: Any = None, k: Any = None, role: Any = None) -> Answer:
        self.calls.append(question)
        if not self.release.wait(30):
            raise TimeoutError("the test never released the answer")
        if self.fail is not None:
            raise self.fail
        return Answer(question=question, answer="An answer.", abstained=False, citations=[], timings_ms={})


def fake_engine(answerer: FakeAnswerer) -> Any:
    catalog = SimpleNamespace(unknown=lambda docs: [], doc_ids=[], manifest={"docs": {}})
    analyzer = SimpleNamespace(docs_named=lambda text: [])
    return SimpleNamespace(
        answerer=answerer, ask=answerer.run, retriever=SimpleNamespace(catalog=catalog, analyzer=analyzer)
    )


def fake_app(tmp_path: Path, answerer: FakeAnswerer, **settings: Any) -> FastAPI:
    from api.app import create_app

    app = create_app(Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path, **settings), load=False)
    app.state.airq.engine = fake_engine(answerer)
    return app
