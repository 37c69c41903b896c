"""Build the answering stack once from settings (the CLI, batch runs and the API share it)."""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import Settings
from index.embed import MiniLMEmbedder
from index.retrieve import Retriever
from qa.answer import Answerer
from qa.cite import Citer


@dataclass
class Engine:
    retriever: Retriever
    answerer: Answerer
    citer: Citer


def load_engine(settings: Settings) -> Engine:
    embedder = MiniLMEmbedder(settings.embed_model, batch_size=settings.embed_batch_size)
    retriever = Retriever(settings.data_dir, embedder, settings.chroma_url)
    return Engine(retriever, Answerer(retriever, k=settings.top_k), Citer(retriever))
