"""Build the answering stack once from settings (the CLI, batch runs and the API share it)."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field

from core.settings import Settings
from index.embed import MiniLMEmbedder
from index.retrieve import Retriever
from qa.answer import Answerer
from qa.cite import Citer
from qa.obligations import Obligations


@dataclass
class Engine:
    retriever: Retriever
    answerer: Answerer
    citer: Citer
    _obligations: Obligations | None = field(default=None, repr=False)

    @property
    def obligations(self) -> Obligations:
        """Built on first use: only ``airq obligations`` and its endpoint need it."""
        if self._obligations is None:
            self._obligations = Obligations(self.retriever, self.answerer.taxonomy)
        return self._obligations


def load_engine(settings: Settings) -> Engine:
    embedder = MiniLMEmbedder.from_settings(settings)
    retriever = Retriever(settings.data_dir, embedder, settings.chroma_url, query_onnx=settings.query_onnx)
    return Engine(retriever, Answerer(retriever, k=settings.top_k), Citer(retriever))


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
