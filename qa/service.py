"""Build the answering stack once from settings (the CLI, batch runs and the API share it)."""

from __future__ import annotations

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
    retriever = Retriever(settings.data_dir, embedder, settings.chroma_url)
    return Engine(retriever, Answerer(retriever, k=settings.top_k), Citer(retriever))
