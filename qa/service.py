"""Build the answering stack once from settings (the CLI, batch runs and the API share it)."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.settings import Settings
from index.embed import MiniLMEmbedder
from index.retrieve import Retriever
from qa.answer import Answerer
from qa.check import SupportChecker
from qa.cite import Citer
from qa.obligations import Obligations

if TYPE_CHECKING:
    from core.types import Answer
    from qa.generate import Generator


@dataclass
class Engine:
    retriever: Retriever
    answerer: Answerer
    citer: Citer
    _obligations: Obligations | None = field(default=None, repr=False)
    _checker: SupportChecker | None = field(default=None, repr=False)
    generator: Generator | None = None  # AIRQ_LLM_URL set: answers written by that model

    def ask(
        self,
        question: str,
        docs: Sequence[str] = (),
        k: int | None = None,
        qid: str | None = None,
        section: str | None = None,
        role: str | None = None,
    ) -> Answer:
        """The answer in the configured mode: generated when a model is set, else extractive."""
        if self.generator is not None:
            return self.generator.run(question, docs, k, qid, section=section, role=role)
        return self.answerer.run(question, docs, k, qid, section=section, role=role)

    @property
    def checker(self) -> SupportChecker:
        """Built on first use, like ``obligations``."""
        if self._checker is None:
            self._checker = SupportChecker(self.answerer)
        return self._checker

    @property
    def obligations(self) -> Obligations:
        """Built on first use: only ``airq obligations`` and its endpoint need it."""
        if self._obligations is None:
            self._obligations = Obligations(self.retriever, self.answerer.taxonomy)
        return self._obligations


def load_engine(settings: Settings) -> Engine:
    embedder = MiniLMEmbedder.from_settings(settings)
    retriever = Retriever(settings.data_dir, embedder, settings.chroma_url, query_onnx=settings.query_onnx)
    engine = Engine(retriever, Answerer(retriever, k=settings.top_k), Citer(retriever))
    if settings.llm_url:
        from qa.generate import Generator

        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        engine.generator = Generator(
            engine.answerer, engine.checker, settings.llm_url, settings.llm_model, key, settings.llm_timeout
        )
    return engine


def settle() -> None:
    """Take everything alive now out of the cyclic garbage collector's sweeps: called by
    whoever loads an engine to keep (the CLI, the server once its new engine answers).

    A loaded index is ~600,000 Python objects; a full collection walks all of them (350 ms
    here), and allocation triggers one every so often, stopping whatever runs: an answer, or
    a server's event loop with every request on it. Frozen, they are never walked again (they
    live as long as the engine anyway). Unfrozen first, so what an earlier engine left is
    collected now rather than kept for good."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
